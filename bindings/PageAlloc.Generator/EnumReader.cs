// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;
using System.Globalization;
using PageAlloc.Generator.Clang;
using PageAlloc.Generator.Model;

namespace PageAlloc.Generator;

/// <summary>Reads enums: named ones as C# enums, anonymous ones as constants.</summary>
internal static class EnumReader
{
    /// <summary>The named enum <paramref name="name"/>, its underlying type as clang chose it.</summary>
    public static NativeEnum Read(string name, CXCursor declaration, TypeMapper mapper)
    {
        CXType integer = LibClang.clang_getEnumDeclIntegerType(declaration);
        bool unsigned = TypeMapper.IsUnsigned(LibClang.clang_getCanonicalType(integer).Kind);
        string underlying = mapper.CSharp(integer);
        var enumerators = new List<NativeEnumerator>();
        foreach (CXCursor constant in Constants(declaration))
        {
            string? value = HasInitializer(constant) ? Value(constant, unsigned) : null;
            enumerators.Add(new NativeEnumerator(Cursors.Spelling(constant), value));
        }

        long size = LibClang.clang_Type_getSizeOf(LibClang.clang_getCursorType(declaration));
        return new NativeEnum(name, underlying == "int" ? null : underlying, size, enumerators);
    }

    /// <summary>
    /// The enumerators of an anonymous enum as constants, each of the type C gives an
    /// enumeration constant (<c>int</c> when the value fits).
    /// </summary>
    public static IEnumerable<NativeConstant> ReadConstants(CXCursor declaration, TypeMapper mapper)
    {
        foreach (CXCursor constant in Constants(declaration))
        {
            CXType type = LibClang.clang_getCursorType(constant);
            bool unsigned = TypeMapper.IsUnsigned(LibClang.clang_getCanonicalType(type).Kind);
            yield return new NativeConstant(Cursors.Spelling(constant), mapper.CSharp(type), Value(constant, unsigned),
                null, Cursors.Offset(constant));
        }
    }

    private static IEnumerable<CXCursor> Constants(CXCursor declaration)
    {
        foreach (CXCursor child in Cursors.Children(declaration))
        {
            if (LibClang.clang_getCursorKind(child) == CursorKind.EnumConstantDecl)
            {
                yield return child;
            }
        }
    }

    private static bool HasInitializer(CXCursor constant) => Cursors.Children(constant).Count > 0;

    private static string Value(CXCursor constant, bool unsigned) => unsigned
        ? LibClang.clang_getEnumConstantDeclUnsignedValue(constant).ToString(CultureInfo.InvariantCulture)
        : LibClang.clang_getEnumConstantDeclValue(constant).ToString(CultureInfo.InvariantCulture);
}
