// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;
using System.Linq;
using PageAlloc.Generator.Model;

namespace PageAlloc.Generator.Emit;

/// <summary>
/// Writes the one static partial class that holds every function (as <c>[LibraryImport]</c>,
/// cdecl) and every constant, in the header's order. A leaf function (see
/// <see cref="HeaderReader.LeafAnnotation"/>) also gets <c>[SuppressGCTransition]</c>, and no other.
/// </summary>
internal static class MethodsEmitter
{
    /// <summary>The class's name.</summary>
    public const string ClassName = "Methods";

    /// <summary>The text of Methods.cs.</summary>
    public static string Emit(Header header, string ns, string library)
    {
        var members = header.Functions.Select(f => (f.Offset, Write: (System.Action<CodeWriter>)(w => Function(w, f, library))))
            .Concat(header.Constants.Select(c => (c.Offset, Write: (System.Action<CodeWriter>)(w => Constant(w, c)))))
            .OrderBy(m => m.Offset)
            .ToList();

        var writer = new CodeWriter();
        Banner.Write(writer, header.FileName);
        Banner.NoXmlDocs(writer);
        writer.Line()
            .Line("using System.Runtime.CompilerServices;")
            .Line("using System.Runtime.InteropServices;")
            .Line()
            .Line($"namespace {ns};")
            .Line()
            .Line($"public static unsafe partial class {ClassName}")
            .Open();
        for (int i = 0; i < members.Count; i++)
        {
            if (i > 0)
            {
                writer.Line();
            }

            members[i].Write(writer);
        }

        return writer.Close().ToString();
    }

    /// <summary>C's <c>_Bool</c> is one byte; LibraryImport needs that said for a C# <c>bool</c>.</summary>
    private const string BoolMarshalling = "MarshalAs(UnmanagedType.U1)";

    private static void Function(CodeWriter writer, NativeFunction function, string library)
    {
        writer.Line($"[LibraryImport({CSharpNames.Quote(library)}, EntryPoint = {CSharpNames.Quote(function.Name)})]");
        writer.Line("[UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]");
        if (function.Leaf)
        {
            writer.Line("[SuppressGCTransition]");
        }

        string? returnName = CSharpNames.NativeTypeName(function.ReturnType.NativeTypeName, "return: ");
        if (returnName != null)
        {
            writer.Line(returnName);
        }

        if (function.ReturnType.CSharp == "bool")
        {
            writer.Line("[return: " + BoolMarshalling + "]");
        }

        IEnumerable<string> parameters = function.Parameters.Select(p =>
        {
            string? attribute = CSharpNames.NativeTypeName(p.Type.NativeTypeName);
            string declaration = $"{p.Type.CSharp} {CSharpNames.Identifier(p.Name)}";
            if (p.Type.CSharp == "bool")
            {
                declaration = $"[{BoolMarshalling}] {declaration}";
            }

            return attribute == null ? declaration : attribute + " " + declaration;
        });
        writer.Line($"public static partial {function.ReturnType.CSharp} {CSharpNames.Identifier(function.Name)}({string.Join(", ", parameters)});");
    }

    private static void Constant(CodeWriter writer, NativeConstant constant)
    {
        string? attribute = CSharpNames.NativeTypeName(constant.NativeTypeName);
        if (attribute != null)
        {
            writer.Line(attribute);
        }

        writer.Line($"public const {constant.Type} {CSharpNames.Identifier(constant.Name)} = {constant.Literal};");
    }
}
