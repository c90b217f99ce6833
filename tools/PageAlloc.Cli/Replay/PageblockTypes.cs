// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using PageAlloc.Cli.Host;
using PageAlloc.Native;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// The host's pageblock migratetypes on a zone of ours (pagetypeinfo's "Number of blocks type"
/// counts; which of the host's pageblocks had which type is not recorded): the unmovable ones
/// first from the zone's start, then the reclaimable ones, the rest movable, so that blocks of
/// one type pair up into largest-order chunks; and the regions and free blocks each type gets.
/// </summary>
internal static class PageblockTypes
{
    /// <summary>The kernel's migratetype numbers (enum migratetype), which the library shares.</summary>
    public const int Unmovable = 0, Movable = 1, Reclaimable = 2;

    private const long PageblockPages = 1L << BuddyShape.PageblockOrder;

    /// <summary>Each pageblock's type, by index from the zone's start (pure).</summary>
    public static int[] Assign(long spanned, PageTypeInfoFile.Zone? typed)
    {
        int[] types = new int[(int)((spanned + PageblockPages - 1) / PageblockPages)];
        Array.Fill(types, Movable);
        if (typed is null)
        {
            return types;
        }

        int next = 0;
        foreach (int mt in new[] { Unmovable, Reclaimable })
        {
            long wanted = typed.Pageblocks.GetValueOrDefault(PageTypeInfoFile.PcpTypes[mt]);
            for (long n = 0; n < wanted && next < types.Length; n++, next++)
            {
                types[next] = mt;
            }
        }

        return types;
    }

    /// <summary>Gives our pageblocks the types of <paramref name="types"/>. Runs while every page
    /// that can be is allocated, so that free blocks made later go to their type's lists.</summary>
    public static void Apply(PageAllocator allocator, long startPfn, int[] types)
    {
        for (int i = 0; i < types.Length; i++)
        {
            if (types[i] == Movable)
            {
                continue;
            }

            int rc;
            unsafe
            {
                rc = Methods.pa_set_pageblock_migratetype(allocator.Pointer, (ulong)(startPfn + i * PageblockPages), types[i]);
            }

            if (rc != 0)
            {
                throw new InvalidOperationException($"pa_set_pageblock_migratetype failed: {rc}");
            }
        }
    }

    /// <summary>The free blocks wanted of each migratetype: pagetypeinfo's for unmovable and
    /// reclaimable, movable the rest of buddyinfo's (the two files are read moments apart and
    /// may differ by a few blocks; buddyinfo's totals win). All movable without pagetypeinfo.</summary>
    public static long[][] NeedByType(long[] need, PageTypeInfoFile.Zone? typed)
    {
        long[][] byType = [new long[BuddyShape.Orders], (long[])need.Clone(), new long[BuddyShape.Orders]];
        if (typed is null)
        {
            return byType;
        }

        foreach (int mt in new[] { Unmovable, Reclaimable })
        {
            long[] free = typed.FreeBlocks.GetValueOrDefault(PageTypeInfoFile.PcpTypes[mt]) ?? [];
            for (int order = 0; order < Math.Min(BuddyShape.Orders, free.Length); order++)
            {
                long take = Math.Min(free[order], byType[Movable][order]);
                byType[mt][order] = take;
                byType[Movable][order] -= take;
            }
        }

        return byType;
    }

    /// <summary>The zone's pages of migratetype <paramref name="mt"/> as aligned regions: chunks
    /// whose two pageblocks have that type, single pageblocks whose partner has another, then the
    /// binary pieces of a shorter tail (their buddies lie past the zone). Two single pageblocks
    /// side by side can still merge when both are freed whole (<see cref="BuddyShape.Plan"/> keeps them apart).</summary>
    public static List<(long Start, int Order)> Regions(long startPfn, long spanned, int[] types, int mt)
    {
        const int chunkOrder = BuddyShape.ChunkOrder;
        var regions = new List<(long Start, int Order)>();
        long end = startPfn + spanned;
        long start = startPfn;
        int TypeAt(long pfn) => types[(pfn - startPfn) / PageblockPages];
        for (; start + (1L << chunkOrder) <= end; start += 1L << chunkOrder)
        {
            int first = TypeAt(start), second = TypeAt(start + PageblockPages);
            if (first == mt && second == mt)
            {
                regions.Add((start, chunkOrder));
            }
            else if (first == mt)
            {
                regions.Add((start, BuddyShape.PageblockOrder));
            }
            else if (second == mt)
            {
                regions.Add((start + PageblockPages, BuddyShape.PageblockOrder));
            }
        }

        for (int order = chunkOrder - 1; order >= 0; order--)
        {
            if (start + (1L << order) <= end)
            {
                if (TypeAt(start) == mt)
                {
                    regions.Add((start, order));
                }

                start += 1L << order;
            }
        }

        return regions;
    }
}
