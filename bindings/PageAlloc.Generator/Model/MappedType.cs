// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc.Generator.Model;

/// <summary>A C type and the C# type that stands for it.</summary>
/// <param name="CSharp">The C# spelling, e.g. <c>pa_config*</c>.</param>
/// <param name="C">clang's spelling of the C type, e.g. <c>const struct pa_config *</c>.</param>
internal sealed record MappedType(string CSharp, string C)
{
    /// <summary>
    /// The C spelling for <c>[NativeTypeName]</c>, or null when it says nothing the C# spelling
    /// does not (they are equal but for white space), as ClangSharp decides.
    /// </summary>
    public string? NativeTypeName => Squeeze(CSharp) == Squeeze(C) ? null : C;

    private static string Squeeze(string text) => text.Replace(" ", string.Empty, System.StringComparison.Ordinal);
}
