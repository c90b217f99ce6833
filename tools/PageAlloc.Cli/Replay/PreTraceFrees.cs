// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// Found in the first pass: the frees of pages allocated before the trace (no
/// <c>mm_page_alloc</c> of that pfn earlier in it), with their order and migratetype. The
/// kernel puts such a page on the freeing CPU's pcp list of its order and its pageblock's
/// migratetype (orders 0 to 3 and the pageblock order; the others go to the buddy lists), and
/// the replay frees a held page or block of the same order and migratetype in its place
/// (<see cref="Seeder.TakeHeld(PageAlloc.Native.ZoneType, long)"/>,
/// <see cref="Seeder.ReserveBlocks"/>). The migratetype is the one the next line of the same
/// pfn shows (its drain from a list of that type, or its allocation off one); without such a
/// line it is unknown (-1). Memory: one entry per pfn allocated in the trace and not yet freed,
/// and one per such free.
/// </summary>
internal sealed class PreTraceFrees
{
    /// <summary>One bit per pfn allocated in the trace and not yet freed (a bitmap, grown to the
    /// largest pfn seen: a set of millions of pfns costs this pass more than the line scan).</summary>
    private ulong[] _allocated = new ulong[1 << 12];

    /// <summary>pfns from here on (4 TiB of 4 KiB pages; a bitmap of 128 MiB) are not tracked:
    /// their frees count as before the trace.</summary>
    private const long MaxTrackedPfn = 1L << 30;
    private readonly Dictionary<long, int> _untyped = new();
    private readonly List<(long Pfn, int Order, int Migratetype)> _frees = [];

    /// <summary>The pfn, order and migratetype (-1: unknown) of each such free, in trace order.</summary>
    public IReadOnlyList<(long Pfn, int Order, int Migratetype)> Frees => _frees;

    /// <summary>An <c>mm_page_alloc</c> of <paramref name="pfn"/>; <paramref name="migratetype"/> -1 when unread.</summary>
    public void OnAlloc(long pfn, int migratetype)
    {
        Typed(pfn, migratetype);
        if (pfn < 0 || pfn >= MaxTrackedPfn)
        {
            return;
        }

        long word = pfn >> 6;
        if (word >= _allocated.Length)
        {
            System.Array.Resize(ref _allocated, (int)System.Math.Max(word + 1, _allocated.Length * 2L));
        }

        _allocated[word] |= 1UL << (int)(pfn & 63);
    }

    /// <summary>An <c>mm_page_pcpu_drain</c> of <paramref name="pfn"/> from a list of <paramref name="migratetype"/>.</summary>
    public void OnDrain(long pfn, int migratetype) => Typed(pfn, migratetype);

    /// <summary>A free of <paramref name="pfn"/>; true when its allocation was before the trace.</summary>
    public bool OnFree(long pfn, int order)
    {
        long word = pfn >> 6;
        ulong bit = 1UL << (int)(pfn & 63);
        if (pfn >= 0 && word < _allocated.Length && (_allocated[word] & bit) != 0)
        {
            _allocated[word] &= ~bit;
            return false;
        }

        _untyped[pfn] = _frees.Count;
        _frees.Add((pfn, order, -1));
        return true;
    }

    /// <summary>Whether a line of <paramref name="pfn"/> would settle a free's migratetype.</summary>
    public bool Wants(long pfn) => _untyped.Count > 0 && _untyped.ContainsKey(pfn);

    private void Typed(long pfn, int migratetype)
    {
        if (migratetype >= 0 && _untyped.Count > 0 && _untyped.Remove(pfn, out int index))
        {
            (long p, int order, _) = _frees[index];
            _frees[index] = (p, order, migratetype);
        }
    }
}
