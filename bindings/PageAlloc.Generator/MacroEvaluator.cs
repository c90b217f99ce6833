// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;
using System.IO;
using System.Text;
using PageAlloc.Generator.Clang;
using PageAlloc.Generator.Model;

namespace PageAlloc.Generator;

/// <summary>
/// Evaluates <c>#define</c> constants with clang itself: a second translation unit includes the
/// header and declares <c>static const __auto_type __pa_macro_NAME = NAME;</c> for each macro,
/// and clang_Cursor_Evaluate reads each initializer's value while the declaration's type says
/// what C makes of it (<c>0x1u</c> is <c>unsigned int</c>, <c>(A | B)</c> whatever the
/// operands promote to). A macro that is not a constant expression is a clang error, reported.
/// </summary>
internal static class MacroEvaluator
{
    private const string Prefix = "__pa_macro_";

    /// <summary>The constants of <paramref name="macros"/>, in their order.</summary>
    public static List<NativeConstant> Evaluate(string headerPath, IReadOnlyList<string> arguments,
        IReadOnlyList<MacroDefinition> macros, TypeMapper mapper)
    {
        var constants = new List<NativeConstant>();
        if (macros.Count == 0)
        {
            return constants;
        }

        var source = new StringBuilder();
        source.Append("#include \"").Append(headerPath.Replace("\\", "/", System.StringComparison.Ordinal)).Append("\"\n");
        var byName = new Dictionary<string, MacroDefinition>();
        foreach (MacroDefinition macro in macros)
        {
            source.Append("static const __auto_type ").Append(Prefix).Append(macro.Name).Append(" = ").Append(macro.Name).Append(";\n");
            byName[macro.Name] = macro;
        }

        string path = Path.Combine(Path.GetDirectoryName(headerPath) ?? ".", "__pagealloc_generator_macros.c");
        using TranslationUnit unit = TranslationUnit.Parse(path, arguments, 0, source.ToString(),
            line => line >= 2 && line - 2 < macros.Count ? $"evaluating {macros[(int)line - 2].Definition}" : null,
            $"the #define constants of {headerPath}");

        foreach (CXCursor cursor in Cursors.Children(unit.Cursor))
        {
            string name = Cursors.Spelling(cursor);
            if (LibClang.clang_getCursorKind(cursor) != CursorKind.VarDecl || !Cursors.IsFromMainFile(cursor)
                || !name.StartsWith(Prefix, System.StringComparison.Ordinal))
            {
                continue;
            }

            MacroDefinition macro = byName[name.Substring(Prefix.Length)];
            (string type, string literal) = Value(cursor, macro, mapper);
            constants.Add(new NativeConstant(macro.Name, type, literal, macro.Definition, macro.Offset));
        }

        return constants;
    }

    private static (string Type, string Literal) Value(CXCursor variable, MacroDefinition macro, TypeMapper mapper)
    {
        CXType type = LibClang.clang_getCanonicalType(LibClang.clang_getCursorType(variable));
        nint result = LibClang.clang_Cursor_Evaluate(variable);
        if (result == 0)
        {
            throw new GeneratorException($"clang could not evaluate {macro.Definition}.");
        }

        try
        {
            switch (LibClang.clang_EvalResult_getKind(result))
            {
                case EvalResultKind.Int:
                    return LibClang.clang_EvalResult_isUnsignedInt(result) != 0 || TypeMapper.IsUnsigned(type.Kind)
                        ? ConstantLiterals.Unsigned(type.Kind, LibClang.clang_EvalResult_getAsUnsigned(result), mapper.CSharp(type))
                        : ConstantLiterals.Signed(type.Kind, LibClang.clang_EvalResult_getAsLongLong(result), mapper.CSharp(type));
                case EvalResultKind.Float:
                    return ConstantLiterals.Floating(type.Kind, LibClang.clang_EvalResult_getAsDouble(result), macro);
                default:
                    throw new GeneratorException(
                        $"{macro.Definition} is not an integer or floating constant; this generator binds no other #define.");
            }
        }
        finally
        {
            LibClang.clang_EvalResult_dispose(result);
        }
    }
}
