// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Text;

namespace PageAlloc.Cli.Trace;

/// <summary>
/// Parses the <c>gfp_flags=</c> text of <c>mm_page_alloc</c> (the kernel's <c>show_gfp_flags</c>:
/// composite names first, then single <c>__GFP_*</c> bits, then any leftover bits in hex, joined
/// by <c>|</c>; <c>none</c> for 0) into the kernel's bits, which are the library's own bits.
/// A trace has few distinct texts, so each is parsed once and looked up after that.
/// </summary>
internal sealed class GfpNames
{
    // Kernel bit numbers (include/linux/gfp_types.h, 6.18).
    private const uint Dma = 1u << 0, HighMem = 1u << 1, Dma32 = 1u << 2, Movable = 1u << 3,
        Reclaimable = 1u << 4, High = 1u << 5, Io = 1u << 6, Fs = 1u << 7, Zero = 1u << 8,
        DirectReclaim = 1u << 10, KswapdReclaim = 1u << 11, Write = 1u << 12, NoWarn = 1u << 13,
        RetryMayFail = 1u << 14, NoFail = 1u << 15, NoRetry = 1u << 16, MemAlloc = 1u << 17,
        Comp = 1u << 18, NoMemAlloc = 1u << 19, HardWall = 1u << 20, ThisNode = 1u << 21,
        Account = 1u << 22, ZeroTags = 1u << 23, NoObjExt = 1u << 24;

    private const uint Reclaim = DirectReclaim | KswapdReclaim;
    private const uint Kernel = Reclaim | Io | Fs;
    private const uint User = Kernel | HardWall;
    private const uint HighUserMovable = User | HighMem | Movable;
    private const uint TransHugeLight = (HighUserMovable | Comp | NoMemAlloc | NoWarn) & ~Reclaim;

    /// <summary>Every name <c>show_gfp_flags</c> prints, with its bits.</summary>
    internal static readonly IReadOnlyDictionary<string, uint> Names = new Dictionary<string, uint>(StringComparer.Ordinal)
    {
        ["GFP_TRANSHUGE"] = TransHugeLight | DirectReclaim,
        ["GFP_TRANSHUGE_LIGHT"] = TransHugeLight,
        ["GFP_HIGHUSER_MOVABLE"] = HighUserMovable,
        ["GFP_HIGHUSER"] = User | HighMem,
        ["GFP_USER"] = User,
        ["GFP_KERNEL_ACCOUNT"] = Kernel | Account,
        ["GFP_KERNEL"] = Kernel,
        ["GFP_NOFS"] = Reclaim | Io,
        ["GFP_ATOMIC"] = High | KswapdReclaim,
        ["GFP_NOIO"] = Reclaim,
        ["GFP_NOWAIT"] = KswapdReclaim | NoWarn,
        ["GFP_DMA"] = Dma,
        ["GFP_DMA32"] = Dma32,
        ["__GFP_RECLAIM"] = Reclaim,
        ["__GFP_DMA"] = Dma,
        ["__GFP_HIGHMEM"] = HighMem,
        ["__GFP_DMA32"] = Dma32,
        ["__GFP_MOVABLE"] = Movable,
        ["__GFP_RECLAIMABLE"] = Reclaimable,
        ["__GFP_HIGH"] = High,
        ["__GFP_IO"] = Io,
        ["__GFP_FS"] = Fs,
        ["__GFP_ZERO"] = Zero,
        ["__GFP_DIRECT_RECLAIM"] = DirectReclaim,
        ["__GFP_KSWAPD_RECLAIM"] = KswapdReclaim,
        ["__GFP_WRITE"] = Write,
        ["__GFP_NOWARN"] = NoWarn,
        ["__GFP_RETRY_MAYFAIL"] = RetryMayFail,
        ["__GFP_NOFAIL"] = NoFail,
        ["__GFP_NORETRY"] = NoRetry,
        ["__GFP_MEMALLOC"] = MemAlloc,
        ["__GFP_COMP"] = Comp,
        ["__GFP_NOMEMALLOC"] = NoMemAlloc,
        ["__GFP_HARDWALL"] = HardWall,
        ["__GFP_THISNODE"] = ThisNode,
        ["__GFP_ACCOUNT"] = Account,
        ["__GFP_ZEROTAGS"] = ZeroTags,
        ["__GFP_NO_OBJ_EXT"] = NoObjExt,
        // Flags of other configurations and kernels: known, no bit the library models.
        ["__GFP_SKIP_ZERO"] = 0,
        ["__GFP_SKIP_KASAN"] = 0,
        ["__GFP_NOLOCKDEP"] = 0,
        ["__GFP_ATOMIC"] = 0,
    };

    private readonly Dictionary<string, (uint Gfp, int Unknown)> _cache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (uint Gfp, int Unknown)>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public GfpNames() => _lookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Parses one <c>gfp_flags</c> value.</summary>
    /// <param name="text">The value's bytes (ASCII).</param>
    /// <param name="gfp">The kernel's bits.</param>
    /// <param name="unknown">How many names were not recognised (other kernels' flags).</param>
    /// <returns>False when the text is no gfp text at all (empty, a bad character or hex number).</returns>
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

        _cache[new string(chars)] = (gfp, unknown);
        return true;
    }

    private static bool TryParseUncached(ReadOnlySpan<char> text, out uint gfp, out int unknown)
    {
        gfp = 0;
        unknown = 0;
        if (text.SequenceEqual("none"))
        {
            return true;
        }

        foreach (Range range in text.Split('|'))
        {
            ReadOnlySpan<char> name = text[range];
            if (name.IsEmpty)
            {
                return false;
            }

            if (name.StartsWith("0x", StringComparison.Ordinal))
            {
                if (!uint.TryParse(name[2..], System.Globalization.NumberStyles.AllowHexSpecifier, null, out uint bits))
                {
                    return false;
                }

                gfp |= bits;
                continue;
            }

            foreach (char c in name)
            {
                if (!(char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_'))
                {
                    return false;
                }
            }

            if (Names.TryGetValue(name.ToString(), out uint value))
            {
                gfp |= value;
            }
            else
            {
                unknown++;
            }
        }

        return true;
    }

    /// <summary>The kernel's names for <paramref name="gfp"/>, as <c>show_gfp_flags</c> prints them.</summary>
    public static string Format(uint gfp)
    {
        if (gfp == 0)
        {
            return "none";
        }

        var text = new StringBuilder();
        uint left = gfp;
        foreach (var (name, bits) in Names)
        {
            if (bits != 0 && (left & bits) == bits && (name.StartsWith("GFP_", StringComparison.Ordinal) || System.Numerics.BitOperations.PopCount(bits) == 1 || name == "__GFP_RECLAIM"))
            {
                text.Append(text.Length == 0 ? "" : "|").Append(name);
                left &= ~bits;
            }
        }

        if (left != 0)
        {
            text.Append(text.Length == 0 ? "" : "|").Append("0x").Append(left.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
