// SPDX-License-Identifier: GPL-2.0-only
using System.Linq;
using PageAlloc.Generator.Model;

namespace PageAlloc.Generator.Emit;

/// <summary>
/// Writes one struct: an empty partial struct when opaque, else its fields in C order with
/// primitive arrays as (flattened) <c>fixed</c> buffers and other arrays as
/// <c>[InlineArray]</c> structs, as ClangSharp does.
/// </summary>
internal static class StructEmitter
{
    /// <summary>The text of the struct's file.</summary>
    public static string Emit(NativeStruct value, string headerFileName, string ns)
    {
        bool usesInlineArray = value.Fields.Any(f => f.Storage == FieldStorage.InlineArray && !f.Type.CSharp.Contains('*', System.StringComparison.Ordinal));
        var writer = new CodeWriter();
        Banner.Write(writer, headerFileName);
        Banner.NoXmlDocs(writer);
        Banner.LowerCaseName(writer, value.Name);
        writer.Line();
        if (usesInlineArray)
        {
            writer.Line("using System.Runtime.CompilerServices;").Line();
        }

        writer.Line($"namespace {ns};").Line();
        bool isUnsafe = value.Fields.Any(f => f.Storage == FieldStorage.Fixed || f.Type.CSharp.Contains('*', System.StringComparison.Ordinal));
        writer.Line($"public {(isUnsafe ? "unsafe " : string.Empty)}partial struct {value.Name}").Open();
        for (int i = 0; i < value.Fields.Count; i++)
        {
            if (i > 0)
            {
                writer.Line();
            }

            Field(writer, value.Fields[i]);
        }

        foreach (NativeField field in value.Fields.Where(f => f.Storage == FieldStorage.InlineArray))
        {
            writer.Line();
            if (field.Type.CSharp.Contains('*', System.StringComparison.Ordinal))
            {
                PointerBuffer(writer, field);
            }
            else
            {
                writer.Line($"[InlineArray({field.Length})]")
                    .Line($"public partial struct {BufferName(field)}")
                    .Open()
                    .Line($"public {field.Type.CSharp} e0;")
                    .Close();
            }
        }

        return writer.Close().ToString();
    }

    // Pointers cannot be inline-array elements (they are not type arguments): one field per
    // element, and an indexer over them, as ClangSharp writes it.
    private static void PointerBuffer(CodeWriter writer, NativeField field)
    {
        string element = field.Type.CSharp;
        writer.Line($"public unsafe partial struct {BufferName(field)}").Open();
        for (long i = 0; i < field.Length; i++)
        {
            writer.Line($"public {element} e{i};");
        }

        writer.Line()
            .Line($"public ref {element} this[int index]")
            .Open()
            .Line("get")
            .Open()
            .Line($"fixed ({element}* pThis = &e0)")
            .Open()
            .Line("return ref pThis[index];")
            .Close()
            .Close()
            .Close()
            .Close();
    }

    /// <summary>The name of the struct that holds an array field of non-primitive elements.</summary>
    public static string BufferName(NativeField field) => $"_{field.Name}_e__FixedBuffer";

    private static void Field(CodeWriter writer, NativeField field)
    {
        string name = CSharpNames.Identifier(field.Name);
        switch (field.Storage)
        {
            case FieldStorage.Fixed:
                writer.Line(CSharpNames.NativeTypeName(field.Type.C)!);
                writer.Line($"public fixed {field.Type.CSharp} {name}[{string.Join(" * ", field.Dimensions)}];");
                break;
            case FieldStorage.InlineArray:
                writer.Line(CSharpNames.NativeTypeName(field.Type.C)!);
                writer.Line($"public {BufferName(field)} {name};");
                break;
            default:
                string? attribute = CSharpNames.NativeTypeName(field.Type.NativeTypeName);
                if (attribute != null)
                {
                    writer.Line(attribute);
                }

                writer.Line($"public {field.Type.CSharp} {name};");
                break;
        }
    }
}
