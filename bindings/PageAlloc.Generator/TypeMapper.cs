// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;
using System.Linq;
using PageAlloc.Generator.Clang;
using PageAlloc.Generator.Model;

namespace PageAlloc.Generator;

/// <summary>
/// Maps C types to C# as ClangSharp does on Linux x64: fixed-width typedefs by name
/// (<c>uint64_t</c> is <c>ulong</c> although clang resolves it to <c>unsigned long</c>),
/// <c>long</c> and <c>size_t</c> as <c>nint</c>/<c>nuint</c>, other typedefs resolved,
/// structs and enums by their C name, function pointers as <c>delegate* unmanaged[Cdecl]</c>.
/// </summary>
internal sealed class TypeMapper
{
    private static readonly Dictionary<string, string> NamedTypedefs = new()
    {
        ["int8_t"] = "sbyte",
        ["uint8_t"] = "byte",
        ["int16_t"] = "short",
        ["uint16_t"] = "ushort",
        ["int32_t"] = "int",
        ["uint32_t"] = "uint",
        ["int64_t"] = "long",
        ["uint64_t"] = "ulong",
        ["intptr_t"] = "nint",
        ["uintptr_t"] = "nuint",
        ["ptrdiff_t"] = "nint",
        ["ssize_t"] = "nint",
        ["size_t"] = "nuint",
    };

    private static readonly HashSet<string> FixedBufferElements = new()
    {
        "bool", "byte", "sbyte", "short", "ushort", "int", "uint", "long", "ulong", "float", "double",
    };

    private readonly IReadOnlyDictionary<uint, string> anonymousTagNames;

    /// <summary>
    /// Creates a mapper; <paramref name="anonymousTagNames"/> names each anonymous struct or enum
    /// (keyed by <see cref="Cursors.DeclarationKey"/>) after the typedef that declares it.
    /// </summary>
    public TypeMapper(IReadOnlyDictionary<uint, string> anonymousTagNames)
    {
        this.anonymousTagNames = anonymousTagNames;
    }

    /// <summary>Whether a C# type can be the element of a <c>fixed</c> buffer.</summary>
    public static bool IsFixedBufferElement(string csharp) => FixedBufferElements.Contains(csharp);

    /// <summary>Whether a canonical type kind is an unsigned integer.</summary>
    public static bool IsUnsigned(int kind) =>
        kind is TypeKind.Bool or TypeKind.CharU or TypeKind.UChar or TypeKind.UShort
            or TypeKind.UInt or TypeKind.ULong or TypeKind.ULongLong;

    /// <summary>The C# type of <paramref name="type"/>, with clang's spelling of it.</summary>
    public MappedType Map(CXType type) => new(CSharp(type), Types.Spelling(type));

    /// <summary>The name of a struct or enum declaration.</summary>
    public string TagName(CXCursor declaration)
    {
        if (!Cursors.IsAnonymousTag(declaration))
        {
            return Cursors.Spelling(declaration);
        }

        if (anonymousTagNames.TryGetValue(Cursors.DeclarationKey(declaration), out string? name))
        {
            return name;
        }

        throw new GeneratorException(
            $"An anonymous struct or enum ({Cursors.Spelling(declaration)}) is used without a typedef name; it has no C# name.");
    }

    /// <summary>The C# spelling of <paramref name="type"/>.</summary>
    public string CSharp(CXType type)
    {
        type = Types.Desugar(type);
        switch (type.Kind)
        {
            case TypeKind.Typedef:
                string typedefName = LibClang.ToManaged(LibClang.clang_getTypedefName(type));
                if (NamedTypedefs.TryGetValue(typedefName, out string? named))
                {
                    return named;
                }

                return CSharp(LibClang.clang_getTypedefDeclUnderlyingType(LibClang.clang_getTypeDeclaration(type)));
            case TypeKind.Pointer:
                CXType pointee = LibClang.clang_getPointeeType(type);
                return Types.CanonicalKind(pointee) is TypeKind.FunctionProto or TypeKind.FunctionNoProto
                    ? FunctionPointer(pointee)
                    : CSharp(pointee) + "*";
            case TypeKind.Record:
            case TypeKind.Enum:
                return TagName(LibClang.clang_getTypeDeclaration(type));
            case TypeKind.Void: return "void";
            case TypeKind.Bool: return "bool";
            case TypeKind.CharS:
            case TypeKind.SChar: return "sbyte";
            case TypeKind.CharU:
            case TypeKind.UChar: return "byte";
            case TypeKind.Short: return "short";
            case TypeKind.UShort: return "ushort";
            case TypeKind.Int: return "int";
            case TypeKind.UInt: return "uint";
            case TypeKind.Long: return "nint";
            case TypeKind.ULong: return "nuint";
            case TypeKind.LongLong: return "long";
            case TypeKind.ULongLong: return "ulong";
            case TypeKind.Float: return "float";
            case TypeKind.Double: return "double";
            case TypeKind.Unexposed:
                CXType canonical = LibClang.clang_getCanonicalType(type);
                if (canonical.Kind != TypeKind.Unexposed)
                {
                    return CSharp(canonical);
                }

                break;
        }

        throw new GeneratorException($"The C type '{Types.Spelling(type)}' has no C# mapping in this generator.");
    }

    private string FunctionPointer(CXType function)
    {
        if (LibClang.clang_isFunctionTypeVariadic(function) != 0)
        {
            throw new GeneratorException($"The variadic function type '{Types.Spelling(function)}' cannot be called from C#.");
        }

        int count = System.Math.Max(0, LibClang.clang_getNumArgTypes(function));
        IEnumerable<string> parts = Enumerable.Range(0, count)
            .Select(i => CSharp(LibClang.clang_getArgType(function, (uint)i)))
            .Append(CSharp(LibClang.clang_getResultType(function)));
        return $"delegate* unmanaged[Cdecl]<{string.Join(", ", parts)}>";
    }
}
