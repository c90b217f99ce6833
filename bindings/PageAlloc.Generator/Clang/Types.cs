// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc.Generator.Clang;

/// <summary>Small readers over <see cref="CXType"/>.</summary>
internal static class Types
{
    /// <summary>The type as C spells it (clang_getTypeSpelling), e.g. <c>const struct pa_config *</c>.</summary>
    public static string Spelling(CXType type) => LibClang.ToManaged(LibClang.clang_getTypeSpelling(type));

    /// <summary>The type with elaboration (<c>struct X</c> as written) and attributes removed.</summary>
    public static CXType Desugar(CXType type)
    {
        while (true)
        {
            if (type.Kind == TypeKind.Elaborated)
            {
                type = LibClang.clang_Type_getNamedType(type);
            }
            else if (type.Kind == TypeKind.Attributed)
            {
                type = LibClang.clang_Type_getModifiedType(type);
            }
            else
            {
                return type;
            }
        }
    }

    /// <summary>The canonical kind: what the type is after every typedef is resolved.</summary>
    public static int CanonicalKind(CXType type) => LibClang.clang_getCanonicalType(type).Kind;
}
