// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;

namespace PageAlloc.Cli.Trace;

/// <summary>
/// Parses the <c>gfp_flags=</c> text of <c>mm_page_alloc</c> (the kernel's <c>show_gfp_flags</c>:
/// names joined by <c>|</c>, leftover bits in hex, <c>none</c> for 0) with the library's own
/// parser (<c>pa_parse_gfp_flags</c>, through <see cref="GfpFlags"/>), into the kernel's bits,
/// which are the library's. A name the library does not know (another kernel's flag) is counted
/// and skipped rather than failing the line. A trace has few distinct texts: each is parsed
/// once and looked up after that.
/// </summary>
internal sealed class GfpNames
{
    /// <summary>Distinct texts remembered at most (a trace has tens).</summary>
    private const int CacheLimit = 4096;

    private readonly Dictionary<string, (uint Gfp, int Unknown)> _cache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (uint Gfp, int Unknown)>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public GfpNames() => _lookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Parses one <c>gfp_flags</c> value.</summary>
    /// <param name="text">The value's bytes (ASCII).</param>
    /// <param name="gfp">The kernel's bits.</param>
    /// <param name="unknown">How many names were not recognised (other kernels' flags).</param>
    /// <returns>False when the text is no gfp text at all (empty, a bad character, bad hex).</returns>
    public bool TryParse(ReadOnlySpan<byte> text, out uint gfp, out int unknown)
    {
        gfp = 0;
        unknown = 0;
        if (text.IsEmpty || text.Length > 512)
        {
            return false;
        }

        Span<char> chars = stackalloc char[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i];
        }

        if (_lookup.TryGetValue(chars, out var hit))
        {
            (gfp, unknown) = hit;
            return true;
        }

        if (!TryParseUncached(chars, out gfp, out unknown))
        {
            return false;
        }

        if (_cache.Count < CacheLimit)
        {
            _cache[new string(chars)] = (gfp, unknown);
        }

        return true;
    }

    private static bool TryParseUncached(ReadOnlySpan<char> text, out uint gfp, out int unknown)
    {
        gfp = 0;
        unknown = 0;
        if (GfpFlags.TryParse(text, out Gfp whole))
        {
            gfp = (uint)whole;
            return true;
        }

        // Some part is unknown or malformed: parse part by part to tell which.
        foreach (Range range in text.Split('|'))
        {
            ReadOnlySpan<char> name = text[range];
            if (GfpFlags.TryParse(name, out Gfp bits))
            {
                gfp |= (uint)bits;
                continue;
            }

            if (name.IsEmpty || name.StartsWith("0x", StringComparison.Ordinal) || name.ContainsAnyExcept(NameChars))
            {
                return false;
            }

            unknown++;
        }

        return true;
    }

    private static readonly System.Buffers.SearchValues<char> NameChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
}
