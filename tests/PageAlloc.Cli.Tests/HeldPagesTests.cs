// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using PageAlloc.Cli.Replay;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>Seeding's held pages: taken a largest-order block at a time, given back whole or in
/// parts, and single pages in the end.</summary>
public sealed class HeldPagesTests
{
    private const int ChunkOrder = BuddyShape.ChunkOrder;
    private const int Chunk = 1 << ChunkOrder;

    [Fact]
    public void Held_blocks_go_back_whole_or_in_parts_and_every_page_left_goes_back_alone()
    {
        var options = new PageAllocatorOptions { MetadataOnly = true, DebugChecks = true };
        options.SetZonePages(0, ZoneType.Normal, 8 * Chunk);
        using var allocator = new PageAllocator(options);
        var complaints = new List<string>();
        allocator.Log += (_, e) => complaints.Add(e.ToString());
        allocator.BindCpu(0);
        ZoneInfo zone = allocator.GetZoneInfo(0, ZoneType.Normal);
        long start = zone.StartPfn, span = zone.Spanned;
        var held = new HeldPages(allocator, start, start + span);

        held.AllocateAll(ZoneType.Normal, start, span);
        allocator.DrainAll();
        long leftFree = FreePages(allocator);
        Assert.Equal(zone.Managed - leftFree, held.Count);
        bool[] free = held.FreeMap(start, span);
        long[] heldChunks = Enumerable.Range(0, (int)(span / Chunk)).Select(c => start + (long)c * Chunk)
            .Where(c => c % Chunk == 0 && !Array.Exists(free[(int)(c - start)..(int)(c - start + Chunk)], f => f)).ToArray();
        Assert.True(heldChunks.Length >= 3, $"only {heldChunks.Length} chunks held whole");

        // A whole block goes back in one piece.
        long[] before = BuddyBlocks(allocator);
        held.Free(heldChunks[0], ChunkOrder);
        allocator.DrainAll();
        Assert.Equal(before[ChunkOrder] + 1, BuddyBlocks(allocator)[ChunkOrder]);
        Assert.Equal(leftFree + Chunk, FreePages(allocator));

        // Half of another: its other half is still held, so the half stays an order-9 block.
        before = BuddyBlocks(allocator);
        held.Free(heldChunks[1] + Chunk / 2, ChunkOrder - 1);
        allocator.DrainAll();
        Assert.Equal(before[ChunkOrder - 1] + 1, BuddyBlocks(allocator)[ChunkOrder - 1]);
        Assert.Equal(leftFree + Chunk + Chunk / 2, FreePages(allocator));
        allocator.Check();

        // Every page still held is a page of its own: freed one at a time, all merge back.
        held.SplitWhole();
        allocator.Check();
        free = held.FreeMap(start, span);
        for (long pfn = start; pfn < start + span; pfn++)
        {
            if (!free[pfn - start])
            {
                held.Free(pfn, 0);
            }
        }

        allocator.DrainAll();
        allocator.Check();
        Assert.Equal(0, held.Count);
        Assert.Equal(zone.Managed, FreePages(allocator));
        Assert.Empty(complaints);
    }

    private static long[] BuddyBlocks(PageAllocator allocator) =>
        Host.BuddyInfoFile.Parse(allocator.BuddyInfo()).Single(z => z.Name == "Normal").FreeBlocks;

    private static long FreePages(PageAllocator allocator) => (long)allocator.GetZoneInfo(0, ZoneType.Normal).Free;
}
