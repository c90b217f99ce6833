// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using PageAlloc.Native;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// Which blocks to free, in a zone whose pages are all allocated but for a few, so that buddy
/// merging leaves a wanted number of free blocks per order: an order-k block is freed only where
/// its buddy keeps at least one allocated page. A pure function of a free-page map: the caller
/// frees what it returns.
/// </summary>
internal static class BuddyShape
{
    /// <summary>The largest block (the library's <c>PA_MAX_ORDER</c>): regions are at most this big.</summary>
    public const int ChunkOrder = Methods.PA_MAX_ORDER;
    public const int PageblockOrder = Methods.PA_PAGEBLOCK_ORDER;
    public const int Orders = Methods.PA_NR_PAGE_ORDERS;

    /// <summary>
    /// Plans frees in <paramref name="regions"/> (aligned, each a whole chunk, a single pageblock
    /// or a piece of a zone's tail) until <paramref name="need"/> (free blocks wanted per order,
    /// counted down) is met or no region is left. <paramref name="free"/> (index: pfn -
    /// <paramref name="basePfn"/>) is the pages free now and is updated with the planned frees.
    /// Blocks already free in a region count towards <paramref name="need"/>. A pageblock is
    /// freed whole only while its buddy pageblock keeps an allocated page: the buddy allocator
    /// merges two free pageblocks into one block whenever both are unmovable, movable or
    /// reclaimable, whatever their types, so two whole pageblocks side by side would be one
    /// block of the next order.
    /// </summary>
    public static List<(long Start, int Order)> Plan(bool[] free, long basePfn, IReadOnlyList<(long Start, int Order)> regions, long[] need)
    {
        var frees = new List<(long Start, int Order)>();
        var clean = new List<(long Start, int Order)>();
        foreach ((long start, int order) in regions)
        {
            if (AnyFree(free, basePfn, start, order))
            {
                CountFreeBlocks(free, basePfn, start, order, need);
            }
            else
            {
                clean.Add((start, order));
            }
        }

        // Whole regions first (largest blocks), then the rest broken up.
        var broken = new List<(long Start, int Order)>();
        foreach ((long start, int order) in clean)
        {
            if (need[order] > 0 && !BuddyPageblockFree(free, basePfn, start, order))
            {
                Free(free, basePfn, start, order, frees);
                need[order]--;
            }
            else
            {
                broken.Add((start, order));
            }
        }

        foreach ((long start, int order) in broken)
        {
            if (need.All(n => n <= 0))
            {
                break;
            }

            Fill(free, basePfn, start, order, need, frees);
        }

        return frees;
    }

    /// <summary>Whether freeing the pageblock at <paramref name="start"/> whole would merge it
    /// with its buddy pageblock, which is all free already.</summary>
    private static bool BuddyPageblockFree(bool[] free, long basePfn, long start, int order)
    {
        if (order != PageblockOrder)
        {
            return false;   // a chunk has no buddy below the largest order; smaller blocks are split by Fill
        }

        long buddy = start ^ (1L << PageblockOrder);
        long at = buddy - basePfn;
        if (at < 0 || at + (1L << PageblockOrder) > free.Length)
        {
            return false;   // past the zone: no buddy to merge with
        }

        return Array.IndexOf(free, false, (int)at, 1 << PageblockOrder) < 0;
    }

    private static bool AnyFree(bool[] free, long basePfn, long start, int order) =>
        Array.IndexOf(free, true, (int)(start - basePfn), 1 << order) >= 0;

    private static bool AllFree(bool[] free, long basePfn, long start, int order) =>
        Array.IndexOf(free, false, (int)(start - basePfn), 1 << order) < 0;

    /// <summary>The blocks the buddy allocator holds in a region with pages already free
    /// (maximal aligned free blocks) are taken off <paramref name="need"/>.</summary>
    private static void CountFreeBlocks(bool[] free, long basePfn, long start, int order, long[] need)
    {
        if (AllFree(free, basePfn, start, order))
        {
            need[order]--;
            return;
        }

        if (order > 0)
        {
            CountFreeBlocks(free, basePfn, start, order - 1, need);
            CountFreeBlocks(free, basePfn, start + (1L << (order - 1)), order - 1, need);
        }
    }

    /// <summary>Frees blocks inside the fully allocated region [start, start + 2^order), which
    /// keeps at least one allocated page (else it would merge into one block).</summary>
    private static void Fill(bool[] free, long basePfn, long start, int order, long[] need, List<(long, int)> frees)
    {
        if (order == 0)
        {
            return;
        }

        int half = order - 1;
        long second = start + (1L << half);
        bool anyBelow = false;
        for (int o = 0; o <= half && !anyBelow; o++)
        {
            anyBelow = need[o] > 0;
        }

        if (!anyBelow)
        {
            return;
        }

        if (need[half] > 0)
        {
            Free(free, basePfn, start, half, frees);
            need[half]--;
            Fill(free, basePfn, second, half, need, frees);
            return;
        }

        Fill(free, basePfn, start, half, need, frees);
        if (need[half] > 0)
        {
            Free(free, basePfn, second, half, frees);
            need[half]--;
        }
        else
        {
            Fill(free, basePfn, second, half, need, frees);
        }
    }

    private static void Free(bool[] free, long basePfn, long start, int order, List<(long, int)> frees)
    {
        Array.Fill(free, true, (int)(start - basePfn), 1 << order);
        frees.Add((start, order));
    }
}
