// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;
using System.Linq;
using PageAlloc.Generator.Model;

namespace PageAlloc.Generator.Emit;

/// <summary>
/// Writes xunit tests that hold the C# layout of every struct (and the size of every enum) to
/// what clang computed for C: a size test and a field-offset test per struct.
/// </summary>
internal static class LayoutTestsEmitter
{
    /// <summary>The file's name.</summary>
    public const string FileName = "LayoutTests.cs";

    /// <summary>The tests' class name.</summary>
    public const string ClassName = "LayoutTests";

    /// <summary>The text of LayoutTests.cs, or null when there is nothing to test.</summary>
    public static string? Emit(Header header, string bindingsNamespace, string testsNamespace)
    {
        if (header.Structs.TrueForAllOpaque() && header.Enums.Count == 0)
        {
            return null;
        }

        var writer = new CodeWriter();
        Banner.Write(writer, header.FileName);
        writer.Line()
            .Line($"using {bindingsNamespace};")
            .Line("using Xunit;")
            .Line()
            .Line($"namespace {testsNamespace};")
            .Line()
            .Line("/// <summary>Sizes and field offsets as clang computed them for C, checked against the C# layout.</summary>")
            .Line($"public sealed unsafe class {ClassName}")
            .Open();
        bool first = true;
        foreach (NativeStruct value in header.Structs)
        {
            if (value.IsOpaque)
            {
                continue;
            }

            Separate(writer, ref first);
            writer.Line("[Fact]")
                .Line($"public void {value.Name}_has_the_size_clang_computed()")
                .Open()
                .Line($"Assert.Equal({value.Size}, sizeof({value.Name}));")
                .Close();
            if (value.Fields.Count == 0)
            {
                continue;
            }

            writer.Line()
                .Line("[Fact]")
                .Line($"public void {value.Name}_fields_are_at_the_offsets_clang_computed()")
                .Open()
                .Line($"{value.Name} value = default;")
                .Line($"{value.Name}* p = &value;");
            foreach (NativeField field in value.Fields)
            {
                string name = CSharpNames.Identifier(field.Name);
                string address = field.Storage == FieldStorage.Fixed ? $"(byte*)p->{name}" : $"(byte*)&p->{name}";
                writer.Line($"Assert.Equal({field.Offset}L, {address} - (byte*)p);");
            }

            writer.Close();

            List<NativeField> sized = value.Fields.Where(f => !IsPointer(f) || f.Storage == FieldStorage.InlineArray).ToList();
            if (sized.Count > 0)
            {
                writer.Line()
                    .Line("[Fact]")
                    .Line($"public void {value.Name}_fields_have_the_sizes_clang_computed()")
                    .Open()
                    .Line($"{value.Name} value = default;")
                    .Line($"{value.Name}* p = &value;");
                foreach (NativeField field in sized)
                {
                    writer.Line($"Assert.Equal({field.Size}, {FieldSize(field)});");
                }

                writer.Close();
            }
        }

        foreach (NativeEnum value in header.Enums)
        {
            Separate(writer, ref first);
            writer.Line("[Fact]")
                .Line($"public void {value.Name}_has_the_size_clang_computed()")
                .Open()
                .Line($"Assert.Equal({value.Size}, sizeof({value.Name}));")
                .Close();
        }

        return writer.Line()
            .Line("private static int SizeOf<T>(T* field)")
            .Line("    where T : unmanaged => sizeof(T);")
            .Close()
            .ToString();
    }

    // The size of the field as declared in C#, read off the field itself (so that a hand edit
    // shows): a fixed buffer is its element times its length. Pointer fields are left out: a
    // pointer type cannot be a type argument, and every pointer is pointer-sized anyway.
    private static string FieldSize(NativeField field)
    {
        string name = CSharpNames.Identifier(field.Name);
        return field.Storage == FieldStorage.Fixed ? $"SizeOf(p->{name}) * {field.Length}" : $"SizeOf(&p->{name})";
    }

    private static bool IsPointer(NativeField field) => field.Type.CSharp.Contains('*', System.StringComparison.Ordinal);

    private static void Separate(CodeWriter writer, ref bool first)
    {
        if (!first)
        {
            writer.Line();
        }

        first = false;
    }

    private static bool TrueForAllOpaque(this System.Collections.Generic.IReadOnlyList<NativeStruct> structs)
    {
        foreach (NativeStruct value in structs)
        {
            if (!value.IsOpaque)
            {
                return false;
            }
        }

        return true;
    }
}
