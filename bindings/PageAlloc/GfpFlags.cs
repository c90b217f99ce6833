// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Text;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// Gfp masks in the kernel's text: printed as its <c>show_gfp_flags()</c> prints them in trace
/// lines (<c>GFP_KERNEL|__GFP_ZERO</c>) and parsed back from that text.
/// </summary>
/// <remarks>
/// The names carry the 6.18 kernel's values, which for a few composites differ from the
/// <see cref="Gfp"/> member of the same name (the kernel's <c>GFP_NOWAIT</c> includes
/// <c>__GFP_NOWARN</c>). Kernel-only bits (<c>__GFP_WRITE</c>, <c>__GFP_MEMALLOC</c>,
/// <c>__GFP_ZEROTAGS</c>, <c>__GFP_NO_OBJ_EXT</c>) parse to their kernel values, outside
/// <see cref="Gfp.AllFlags"/>: mask them off before allocating.
/// </remarks>
public static class GfpFlags
{
    /// <summary>The kernel's text of <paramref name="gfp"/>, e.g. <c>GFP_KERNEL|__GFP_ZERO</c>; <c>none</c> for 0.</summary>
    /// <param name="gfp">The mask (any bits).</param>
    /// <returns>The text.</returns>
    /// <remarks>Calls <c>pa_format_gfp_flags</c>.</remarks>
    public static unsafe string Format(Gfp gfp)
    {
        const int Size = 512;
        byte* buffer = stackalloc byte[Size];
        nuint needed = Methods.pa_format_gfp_flags((uint)gfp, (sbyte*)buffer, Size);
        return Encoding.ASCII.GetString(buffer, (int)Math.Min(needed, (nuint)(Size - 1)));
    }

    /// <summary>Parses the kernel's text of a gfp mask: names joined by <c>|</c>, <c>0x</c> numbers, or <c>none</c>.</summary>
    /// <param name="text">The text, e.g. <c>GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP</c>.</param>
    /// <param name="gfp">The mask; <see cref="Gfp.None"/> when the text is not one.</param>
    /// <returns>Whether the text was a gfp mask.</returns>
    /// <remarks>Calls <c>pa_parse_gfp_flags</c>; allocates nothing for text up to 1 KiB.</remarks>
    public static unsafe bool TryParse(ReadOnlySpan<char> text, out Gfp gfp)
    {
        gfp = Gfp.None;
        if (text.IsEmpty || text.Length > 1024)
        {
            return false;
        }

        byte* utf8 = stackalloc byte[text.Length + 1];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == 0 || c > 0x7e)
            {
                return false; // gfp names are ASCII; a NUL would cut the text short
            }

            utf8[i] = (byte)c;
        }

        utf8[text.Length] = 0;
        uint bits;
        if (Methods.pa_parse_gfp_flags((sbyte*)utf8, &bits) != 0)
        {
            return false;
        }

        gfp = (Gfp)bits;
        return true;
    }

    /// <summary>Parses the kernel's text of a gfp mask, as <see cref="TryParse"/>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The mask.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException">The text holds an unknown name or is malformed.</exception>
    public static Gfp Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, out Gfp gfp))
        {
            throw new FormatException($"Not a gfp mask in the kernel's text: '{text}'.");
        }

        return gfp;
    }
}
