// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using PageAlloc.Cli.Replay;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>The seeder's shape computation, a pure function over a free-page map, and the
/// buddy rule it relies on, checked on the library.</summary>
public sealed class BuddyShapeTests
{
    private const int Chunk = 1 << BuddyShape.ChunkOrder;
    private const int Pageblock = 1 << BuddyShape.PageblockOrder;

    /// <summary>The blocks a buddy allocator holds for a free map: maximal aligned free blocks.</summary>
    private static long[] Blocks(bool[] free)
    {
        long[] blocks = new long[BuddyShape.Orders];
        for (int start = 0; start < free.Length; start += Chunk)
        {
            Count(free, start, BuddyShape.ChunkOrder, blocks);
        }

        return blocks;

        static void Count(bool[] free, int start, int order, long[] blocks)
        {
            if (Array.IndexOf(free, false, start, 1 << order) < 0)
            {
                blocks[order]++;
            }
            else if (order > 0 && Array.IndexOf(free, true, start, 1 << order) >= 0)
            {
                Count(free, start, order - 1, blocks);
                Count(free, start + (1 << (order - 1)), order - 1, blocks);
            }
        }
    }

    [Fact]
    public void Planned_frees_leave_exactly_the_wanted_blocks()
    {
        bool[] free = new bool[4 * Chunk];
        long[] need = new long[BuddyShape.Orders];
        need[10] = 1;
        need[9] = 1;
        need[3] = 5;
        need[0] = 7;
        long[] wanted = (long[])need.Clone();
        var regions = Enumerable.Range(0, 4).Select(i => ((long)i * Chunk, BuddyShape.ChunkOrder)).ToList();
        List<(long Start, int Order)> frees = BuddyShape.Plan(free, 0, regions, need);
        Assert.All(need, n => Assert.Equal(0, n));
        Assert.Equal(wanted, Blocks(free));
        Assert.Equal(frees.Sum(f => 1L << f.Order), free.Count(f => f));
    }

    [Fact]
    public void Two_pageblocks_of_a_chunk_are_never_both_freed_whole()
    {
        // Two single-pageblock regions (their types differ, so each is placed with its type's
        // blocks): the first is freed whole; the second would merge with it into one order-10
        // block, so it is not, and its order-9 block stays wanted.
        bool[] free = new bool[Chunk];
        long[] first = new long[BuddyShape.Orders];
        first[9] = 1;
        BuddyShape.Plan(free, 0, [(0, BuddyShape.PageblockOrder)], first);
        Assert.Equal(0, first[9]);
        long[] second = new long[BuddyShape.Orders];
        second[9] = 1;
        List<(long Start, int Order)> frees = BuddyShape.Plan(free, 0, [(Pageblock, BuddyShape.PageblockOrder)], second);
        Assert.Empty(frees);
        Assert.Equal(1, second[9]);
        Assert.Equal(0, Blocks(free)[10]);
        Assert.Equal(1, Blocks(free)[9]);
    }

    [Fact]
    public void The_library_merges_pageblocks_of_different_types_into_one_block()
    {
        // What the rule above guards against: an unmovable and a movable pageblock, both free,
        // are one order-10 block (the kernel's __free_one_page merges pageblocks whose types
        // are both unmovable, movable or reclaimable).
        var options = new PageAllocatorOptions();
        options.SetZonePages(0, ZoneType.Normal, 4 * Chunk);
        using var allocator = new PageAllocator(options);
        allocator.BindCpu(0);
        var pages = new List<PageBlock>();
        while (allocator.TryAllocatePages(0, Gfp.Movable | Gfp.Atomic | Gfp.NoWarn, out PageBlock? page))
        {
            pages.Add(page);
        }

        allocator.DrainAll();
        long start = (long)allocator.GetZoneInfo(0, ZoneType.Normal).StartPfn;
        long chunk = (start + Chunk - 1) / Chunk * Chunk;
        // The chunk's first pageblock unmovable, its second movable.
        PageblockTypes.Apply(allocator, chunk, [PageblockTypes.Unmovable]);
        long before = BuddyBlocks(allocator)[10];
        PageBlock[] inside = pages.Where(p => p.Pfn >= chunk && p.Pfn < chunk + Chunk).ToArray();
        PageBlock[] outside = pages.Except(inside).ToArray();
        Assert.Equal(Chunk, inside.Length);
        foreach (PageBlock page in inside)
        {
            page.Dispose();
        }

        allocator.DrainAll();
        Assert.Equal(before + 1, BuddyBlocks(allocator)[10]);
        foreach (PageBlock page in outside)
        {
            page.Dispose();
        }
    }

    private static long[] BuddyBlocks(PageAllocator allocator) =>
        Host.BuddyInfoFile.Parse(allocator.BuddyInfo()).Single(z => z.Name == "Normal").FreeBlocks;

    [Fact]
    public void Regions_pair_pageblocks_of_one_type_into_chunks()
    {
        int[] types = [PageblockTypes.Unmovable, PageblockTypes.Unmovable, PageblockTypes.Unmovable, PageblockTypes.Movable];
        Assert.Equal([(0L, BuddyShape.ChunkOrder), (Chunk, BuddyShape.PageblockOrder)],
            PageblockTypes.Regions(0, 2 * Chunk, types, PageblockTypes.Unmovable));
        Assert.Equal([(Chunk + Pageblock, BuddyShape.PageblockOrder)],
            PageblockTypes.Regions(0, 2 * Chunk, types, PageblockTypes.Movable));
    }
}
