// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>Free page reporting inside the managed arena: <c>madvise(MADV_DONTNEED)</c> on interior
/// pages of the pinned array. The GC never reads or writes a byte[]'s contents and the page
/// holding the array's header is never an arena page, so a pass followed by a full blocking
/// compacting GC leaves the array intact, and the released pages read zero.</summary>
public sealed class ManagedArenaReportingTests : LeakCheckedTest
{
    private const int Pages = 8192;
    private const int PageSize = 4096;

    [Fact]
    public void A_pass_and_a_full_blocking_GC_leave_the_array_intact_and_released_pages_read_zero()
    {
        using PageAllocator allocator = Create(pagesPerNode: Pages, configure: o =>
        {
            o.ManagedArena = true;
            o.FreePageReporting = new FreePageReportingOptions { Order = 4, Background = false };
        });

        // The array, and where the arena starts and ends in it.
        byte[] array;
        int start;
        using (PageBlock probe = allocator.AllocatePages(0))
        {
            Assert.True(allocator.TryGetArraySegment(probe.Page, out ArraySegment<byte> segment));
            array = segment.Array!;
            start = segment.Offset - (int)(probe.Pfn * PageSize);
        }

        int end = start + Pages * PageSize;   // one zone, pfns 0 .. Pages - 1
        int length = array.Length;
        Assert.True(end <= length);
        array.AsSpan(0, start).Fill(0x3C);    // the header's page: not the arena's
        array.AsSpan(end).Fill(0x4D);         // the alignment slack after the last page

        var blocks = new List<PageBlock>();
        for (int i = 0; i < 128; i++)
        {
            PageBlock block = allocator.AllocatePages(4);
            block.Span.Fill(0xEE);
            blocks.Add(block);
        }

        nint first = blocks[0].Address;
        int firstOffset = start + (int)(blocks[0].Pfn * PageSize);
        Assert.Equal(0xEE, array[firstOffset]);
        blocks.ForEach(b => b.Dispose());
        allocator.DrainAll();
        Assert.Equal(Pages, FreePageReportingTests.ReportAll(allocator));
        Assert.Equal(0, Residency.ResidentBytes(first, 16 * PageSize));

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        Assert.Equal(length, array.Length);
        Assert.True(array.AsSpan(0, start).IndexOfAnyExcept((byte)0x3C) < 0, "the bytes before the arena changed");
        Assert.True(array.AsSpan(end).IndexOfAnyExcept((byte)0x4D) < 0, "the bytes after the arena changed");
        Assert.True(array.AsSpan(start, end - start).IndexOfAnyExcept((byte)0) < 0, "a released page does not read zero");

        // Allocated again: zero, then written and read back like any page.
        using PageBlock again = allocator.AllocatePages(4);
        Assert.True(again.Span.IndexOfAnyExcept((byte)0) < 0);
        again.Span.Fill(0x77);
        Assert.Equal(0x77, array[start + (int)(again.Pfn * PageSize) + 100]);
        allocator.Check();
    }
}
