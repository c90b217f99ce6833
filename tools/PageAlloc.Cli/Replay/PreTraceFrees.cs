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
    private readonly HashSet<long> _allocated = new();
    private readonly Dictionary<long, int> _untyped = new();
    private readonly List<(long Pfn, int Order, int Migratetype)> _frees = [];

    /// <summary>The pfn, order and migratetype (-1: unknown) of each such free, in trace order.</summary>
    public IReadOnlyList<(long Pfn, int Order, int Migratetype)> Frees => _frees;

    /// <summary>An <c>mm_page_alloc</c> of <paramref name="pfn"/>; <paramref name="migratetype"/> -1 when unread.</summary>
    public void OnAlloc(long pfn, int migratetype)
    {
        Typed(pfn, migratetype);
        _allocated.Add(pfn);
    }

    /// <summary>An <c>mm_page_pcpu_drain</c> of <paramref name="pfn"/> from a list of <paramref name="migratetype"/>.</summary>
    public void OnDrain(long pfn, int migratetype) => Typed(pfn, migratetype);

    public void OnFree(long pfn, int order)
    {
        if (!_allocated.Remove(pfn))
        {
            _untyped[pfn] = _frees.Count;
            _frees.Add((pfn, order, -1));
        }
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
