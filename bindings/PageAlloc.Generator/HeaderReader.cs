// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PageAlloc.Generator.Clang;
using PageAlloc.Generator.Model;

namespace PageAlloc.Generator;

/// <summary>
/// Reads a header with libclang into a <see cref="Header"/>: the functions, structs, enums and
/// constants declared in the header itself (not in the headers it includes).
/// </summary>
internal static class HeaderReader
{
    private const int StorageClassStatic = 3; // CX_SC_Static

    /// <summary>
    /// The clang annotation (<c>__attribute__((annotate("pa_leaf")))</c>, which pagealloc.h's
    /// <c>PA_LEAF</c> expands to under clang) of a function that takes no lock and runs no
    /// callback: its binding gets <c>[SuppressGCTransition]</c>.
    /// </summary>
    public const string LeafAnnotation = "pa_leaf";

    /// <summary>Parses <paramref name="headerPath"/> with <paramref name="arguments"/> (clang's command line).</summary>
    public static Header Read(string headerPath, IReadOnlyList<string> arguments)
    {
        using TranslationUnit unit = TranslationUnit.Parse(headerPath, arguments, TranslationUnit.DetailedPreprocessingRecord);
        List<CXCursor> declarations = Cursors.Children(unit.Cursor).Where(Cursors.IsFromMainFile).ToList();
        var mapper = new TypeMapper(AnonymousTagNames(declarations));

        var functions = new List<NativeFunction>();
        var constants = new List<NativeConstant>();
        var macros = new List<MacroDefinition>();
        var structs = new List<(string Name, CXCursor Declaration)>();
        var enums = new List<NativeEnum>();
        var seen = new HashSet<string>();

        foreach (CXCursor cursor in declarations)
        {
            switch (LibClang.clang_getCursorKind(cursor))
            {
                case CursorKind.FunctionDecl:
                    if (LibClang.clang_Cursor_getStorageClass(cursor) != StorageClassStatic && seen.Add("function " + Cursors.Spelling(cursor)))
                    {
                        functions.Add(Function(cursor, mapper));
                    }

                    break;
                case CursorKind.StructDecl:
                    AddStruct(cursor, mapper, structs, seen);
                    break;
                case CursorKind.TypedefDecl:
                    CXType underlying = Types.Desugar(LibClang.clang_getTypedefDeclUnderlyingType(cursor));
                    if (underlying.Kind == TypeKind.Record)
                    {
                        AddStruct(LibClang.clang_getTypeDeclaration(underlying), mapper, structs, seen);
                    }
                    else if (underlying.Kind == TypeKind.Enum)
                    {
                        AddEnum(LibClang.clang_getTypeDeclaration(underlying), mapper, enums, constants, seen);
                    }

                    break;
                case CursorKind.EnumDecl:
                    AddEnum(cursor, mapper, enums, constants, seen);
                    break;
                case CursorKind.UnionDecl:
                    throw new GeneratorException($"union {Cursors.Spelling(cursor)}: unions are not supported by this generator.");
                case CursorKind.MacroDefinition:
                    MacroDefinition? macro = MacroDefinitions.Read(unit.Handle, cursor);
                    if (macro != null)
                    {
                        macros.Add(macro);
                    }

                    break;
            }
        }

        constants.AddRange(MacroEvaluator.Evaluate(headerPath, arguments, macros, mapper));
        return new Header(
            Path.GetFileName(headerPath),
            functions,
            constants.OrderBy(c => c.Offset).ToList(),
            structs.Select(s => StructReader.Read(s.Name, s.Declaration, mapper)).ToList(),
            enums);
    }

    // typedef struct { ... } name;  names the anonymous struct.
    private static Dictionary<uint, string> AnonymousTagNames(IEnumerable<CXCursor> declarations)
    {
        var names = new Dictionary<uint, string>();
        foreach (CXCursor cursor in declarations.Where(c => LibClang.clang_getCursorKind(c) == CursorKind.TypedefDecl))
        {
            CXType underlying = Types.Desugar(LibClang.clang_getTypedefDeclUnderlyingType(cursor));
            if (underlying.Kind is TypeKind.Record or TypeKind.Enum)
            {
                CXCursor tag = LibClang.clang_getTypeDeclaration(underlying);
                if (Cursors.IsAnonymousTag(tag))
                {
                    names.TryAdd(Cursors.DeclarationKey(tag), Cursors.Spelling(cursor));
                }
            }
        }

        return names;
    }

    private static void AddStruct(CXCursor declaration, TypeMapper mapper, List<(string, CXCursor)> structs, HashSet<string> seen)
    {
        if (!Cursors.IsFromMainFile(declaration))
        {
            return;
        }

        if (Cursors.IsAnonymousTag(declaration) && LibClang.clang_isCursorDefinition(declaration) != 0
            && !IsNamedByTypedef(declaration, mapper))
        {
            return; // an anonymous struct with no typedef has no name to bind
        }

        string name = mapper.TagName(declaration);
        if (seen.Add("struct " + name))
        {
            structs.Add((name, declaration));
        }
    }

    private static bool IsNamedByTypedef(CXCursor declaration, TypeMapper mapper)
    {
        try
        {
            mapper.TagName(declaration);
            return true;
        }
        catch (GeneratorException)
        {
            return false;
        }
    }

    private static void AddEnum(CXCursor declaration, TypeMapper mapper, List<NativeEnum> enums,
        List<NativeConstant> constants, HashSet<string> seen)
    {
        if (!Cursors.IsFromMainFile(declaration) || LibClang.clang_isCursorDefinition(declaration) == 0)
        {
            return;
        }

        if (Cursors.IsAnonymousTag(declaration) && !IsNamedByTypedef(declaration, mapper))
        {
            if (seen.Add("anonymous enum " + Cursors.DeclarationKey(declaration)))
            {
                constants.AddRange(EnumReader.ReadConstants(declaration, mapper));
            }

            return;
        }

        string name = mapper.TagName(declaration);
        if (seen.Add("enum " + name))
        {
            enums.Add(EnumReader.Read(name, declaration, mapper));
        }
    }

    private static NativeFunction Function(CXCursor cursor, TypeMapper mapper)
    {
        string name = Cursors.Spelling(cursor);
        if (LibClang.clang_isFunctionTypeVariadic(LibClang.clang_getCursorType(cursor)) != 0)
        {
            throw new GeneratorException($"{name} is variadic; variadic functions cannot be bound.");
        }

        int count = System.Math.Max(0, LibClang.clang_Cursor_getNumArguments(cursor));
        var parameters = new List<NativeParameter>(count);
        for (int i = 0; i < count; i++)
        {
            CXCursor parameter = LibClang.clang_Cursor_getArgument(cursor, (uint)i);
            string parameterName = Cursors.Spelling(parameter);
            parameters.Add(new NativeParameter(
                parameterName.Length == 0 ? $"param{i}" : parameterName,
                mapper.Map(LibClang.clang_getCursorType(parameter))));
        }

        return new NativeFunction(name, mapper.Map(LibClang.clang_getCursorResultType(cursor)), parameters, Cursors.Offset(cursor),
            IsLeaf(cursor));
    }

    // The annotation is an attribute child of the declaration.
    private static bool IsLeaf(CXCursor cursor) =>
        Cursors.Children(cursor).Any(c => LibClang.clang_getCursorKind(c) == CursorKind.AnnotateAttr && Cursors.Spelling(c) == LeafAnnotation);
}
