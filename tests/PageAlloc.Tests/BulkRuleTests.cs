// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using PageAlloc;
using PageAlloc.Native;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>One test per rule of docs/BULK_RULES.md, through the C# API.</summary>
public sealed unsafe class BulkRuleTests : LeakCheckedTest
{
    [Fact]
    public void B1_exactly_one_of_list_and_array_and_order_0_only()
    {
        using PageAllocator allocator = Create();
        var lines = new List<string>();
        allocator.Log += (_, e) => lines.Add(e.Message);

        // The safe API cannot express both or neither; the raw layer shows the native rule.
        pa_list_head head;
        head.next = &head;
        head.prev = &head;
        pa_page** array = stackalloc pa_page*[4];
        for (int i = 0; i < 4; i++)
        {
            array[i] = null;
        }

        Assert.Equal(0u, (uint)Methods.pa_alloc_pages_bulk(allocator.Pointer, (uint)Gfp.Kernel, -1, null, 4, &head, array));
        Assert.Equal(0u, (uint)Methods.pa_alloc_pages_bulk(allocator.Pointer, (uint)Gfp.Kernel, -1, null, 4, null, null));
        Assert.Equal(2, lines.Count);
        Assert.True(head.next == &head);
        Assert.True(array[0] == null);

        // Every page of a bulk list is an order-0 page of its own.
        using PageList list = allocator.AllocateBulk(8);
        Assert.Equal(8, list.Count);
        Assert.Equal(8, list.Select(p => p.Pfn).Distinct().Count());
        using PageBlock block = list.Detach(3);
        Assert.Equal(0, block.Order);
        Assert.Equal(allocator.PageSize, block.Span.Length);
        allocator.Check();
    }

    [Fact]
    public void B2_no_node_means_the_node_of_the_calling_threads_cpu()
    {
        using PageAllocator allocator = Create(nodes: 2);
        allocator.BindCpu(2); // cpu 2 is on node 1
        using PageList onOne = allocator.AllocateBulk(8, Gfp.Kernel, preferredNode: -1);
        using PageList onOneMasked = allocator.AllocateBulk(8, Gfp.Kernel, preferredNode: -1, nodes: NodeMask.All);
        allocator.BindCpu(0);
        using PageList onZero = allocator.AllocateBulk(8, Gfp.Kernel, preferredNode: -1);

        Assert.All(onOne, p => Assert.Equal(1, p.Node));
        Assert.All(onOneMasked, p => Assert.Equal(1, p.Node));
        Assert.All(onZero, p => Assert.Equal(0, p.Node));
        allocator.Check();
    }

    [Fact]
    public void B3_populated_slots_are_skipped_never_overwritten()
    {
        using PageAllocator allocator = Create();
        using var array = new PageArray(8);
        Assert.Equal(8, allocator.FillBulk(array));
        long[] before = Enumerable.Range(0, 8).Select(i => array[i]!.Value.Pfn).ToArray();

        array.Detach(2).Dispose();
        array.Detach(5).Dispose();
        Assert.Equal(6, array.Populated);
        Assert.Null(array[2]);

        Assert.Equal(8, allocator.FillBulk(array, Gfp.Kernel, preferredNode: 0));
        for (int i = 0; i < 8; i++)
        {
            Assert.NotNull(array[i]);
            if (i != 2 && i != 5)
            {
                Assert.Equal(before[i], array[i]!.Value.Pfn);
            }
        }

        Assert.Equal(8, Enumerable.Range(0, 8).Select(i => array[i]!.Value.Pfn).Distinct().Count());
        allocator.Check();
    }

    [Fact]
    public void B4_full_array_returns_n()
    {
        using PageAllocator allocator = Create();
        using var array = new PageArray(16);
        Assert.Equal(16, allocator.FillBulk(array));
        long allocated = allocator.GetVmEvent(VmEvent.PgAllocNormal);

        Assert.Equal(16, allocator.FillBulk(array));
        Assert.Equal(16, allocator.FillBulk(array, Gfp.Kernel, preferredNode: 0, nodes: NodeMask.Of(0)));
        Assert.Equal(allocated, allocator.GetVmEvent(VmEvent.PgAllocNormal));

        // The list form returns the pages added by this call, not the list's length.
        using var list = new PageList(allocator);
        Assert.Equal(5, allocator.AllocateBulk(list, 5));
        Assert.Equal(7, allocator.AllocateBulk(list, 7));
        Assert.Equal(12, list.Count);
        allocator.Check();
    }

    [Fact]
    public void B5_zero_pages_returns_0_and_allocates_nothing()
    {
        using PageAllocator allocator = Create();
        long allocated = allocator.GetVmEvent(VmEvent.PgAllocNormal);
        long free = FreePages(allocator);

        using PageList list = allocator.AllocateBulk(0);
        using var empty = new PageArray(0);
        Assert.Empty(list);
        Assert.Equal(0, allocator.FillBulk(empty));
        Assert.Equal(0, allocator.FillBulk(empty, loop: true));

        Assert.Equal(allocated, allocator.GetVmEvent(VmEvent.PgAllocNormal));
        Assert.Equal(free, FreePages(allocator));
    }

    [Fact]
    public void B6_one_missing_page_takes_the_single_page_path_with_its_slow_path()
    {
        using PageAllocator allocator = Create(pagesPerNode: 2048);
        using var array = new PageArray(4);
        Assert.Equal(4, allocator.FillBulk(array));

        // Exhaust the zone, reserves included as far as an atomic request may go.
        using var hold = new PageList(allocator);
        while (allocator.AllocateBulk(hold, 64, Gfp.Atomic | Gfp.NoWarn) > 0)
        {
        }

        // The missing slot is the last: B6 compares nr_pages with the populated prefix.
        using PageBlock missing = array.Detach(3);
        int reclaimCalls = 0;
        using ReclaimRegistration registration = allocator.RegisterReclaim((node, wanted) =>
        {
            reclaimCalls++;
            int n = Math.Min(256, hold.Count);
            hold.Split(hold.Count - n).Dispose();
            return n;
        });

        // Only the single-page slow path calls reclaim; the bulk path never does.
        Assert.Equal(4, allocator.FillBulk(array, Gfp.Kernel | Gfp.NoWarn));
        Assert.True(reclaimCalls > 0);
        Assert.NotNull(array[3]);
        allocator.Check();
    }

    [Fact]
    public void B7_fault_injection_fails_the_call_with_the_populated_count()
    {
        using PageAllocator allocator = Create();
        using var array = new PageArray(8);
        Assert.Equal(8, allocator.FillBulk(array));
        array.Detach(6).Dispose();
        array.Detach(7).Dispose();
        long failures = allocator.GetVmEvent(VmEvent.PgFail);

        allocator.SetFaultInjection(probability: 100, interval: 1, times: -1);
        using (PageList failed = allocator.AllocateBulk(16, Gfp.Kernel | Gfp.NoWarn))
        {
            Assert.Empty(failed);
        }

        Assert.Equal(6, allocator.FillBulk(array, Gfp.Kernel | Gfp.NoWarn));
        Assert.Null(array[6]);

        allocator.ClearFaultInjection();
        using PageList list = allocator.AllocateBulk(16);
        Assert.Equal(16, list.Count);
        Assert.Equal(8, allocator.FillBulk(array));
        Assert.True(allocator.GetVmEvent(VmEvent.PgFail) >= failures);
        allocator.Check();
    }

    [Fact]
    public void B8_only_the_preferred_nodes_zones_then_the_single_page_path()
    {
        using PageAllocator allocator = Create(nodes: 2, pagesPerNode: 2048);

        // Node 1 preferred: every page from node 1, though node 0 has as many free.
        using (PageList list = allocator.AllocateBulk(32, Gfp.Kernel, preferredNode: 1))
        {
            Assert.Equal(32, list.Count);
            Assert.All(list, p => Assert.Equal(1, p.Node));
        }

        // The allowed-node set applies: nothing from node 1.
        allocator.SetMemsAllowed(NodeMask.Of(0));
        using (PageList list = allocator.AllocateBulk(16, Gfp.Kernel, preferredNode: 1))
        {
            Assert.NotEmpty(list);
            Assert.All(list, p => Assert.Equal(0, p.Node));
        }

        allocator.SetMemsAllowed(null);

        // Node 1 below its watermark: bulk reaches node 0's zone and gives up to the
        // single-page path, which falls back to node 0 for one page.
        using var hold = new PageList(allocator);
        while (allocator.AllocateBulk(hold, 64, Gfp.NoWait | Gfp.ThisNode | Gfp.NoWarn, preferredNode: 1) > 0)
        {
        }

        using PageList fallback = allocator.AllocateBulk(16, Gfp.NoWait | Gfp.NoWarn, preferredNode: 1);
        Assert.Single(fallback);
        Assert.Equal(0, fallback[0].Node);
        allocator.Check();
    }

    [Fact]
    public void B9_zone_needs_low_watermark_plus_the_whole_request()
    {
        using PageAllocator allocator = Create();
        ZoneInfo zone = allocator.GetZoneInfo(0, ZoneType.Normal);
        using PageArray hold = HoldUntilFree(allocator, zone.WatermarkLow + 10);

        // low + 20 fails: the single-page path gives one page, not a silent 0.
        using (PageList list = allocator.AllocateBulk(20, Gfp.Kernel | Gfp.NoWarn))
        {
            Assert.Single(list);
        }

        allocator.DrainAll();
        Assert.Equal(zone.WatermarkLow + 10, allocator.GetZoneInfo(0, ZoneType.Normal).Free);

        // low + 5 holds: the whole request from the bulk path.
        using PageList five = allocator.AllocateBulk(5, Gfp.Kernel | Gfp.NoWarn);
        Assert.Equal(5, five.Count);
        allocator.Check();
    }

    [Fact]
    public void B10_pages_come_from_the_pcp_list_refilled_in_batches_and_zeroed_on_request()
    {
        using PageAllocator allocator = Create();
        allocator.DrainAll();
        long free = allocator.GetZoneInfo(0, ZoneType.Normal).Free;
        Assert.Equal(0, allocator.GetPcpInfo(0, 0, ZoneType.Normal).Count);

        using (PageList list = allocator.AllocateBulk(5))
        {
            PcpInfo pcp = allocator.GetPcpInfo(0, 0, ZoneType.Normal);
            long taken = free - allocator.GetZoneInfo(0, ZoneType.Normal).Free;
            Assert.Equal(5 + pcp.Count, taken);
            Assert.True(pcp.Count > 0, "the refill took a batch");
            foreach (Page page in list)
            {
                page.Span.Fill(0x5a);
            }
        }

        using PageList zeroed = allocator.AllocateBulk(40, Gfp.Kernel | Gfp.Zero);
        Assert.Equal(40, zeroed.Count);
        foreach (Page page in zeroed)
        {
            Assert.Equal(-1, page.Span.IndexOfAnyExcept((byte)0));
        }

        allocator.Check();
    }

    [Fact]
    public void B11_a_held_pcp_lock_sends_bulk_to_the_single_page_path()
    {
        using PageAllocator allocator = Create(configure: o => o.Poison = true);
        int innerCount = -1;
        var probe = new PcpLockProbe(allocator, () =>
        {
            allocator.BindCpu(0); // the same pcp as the lock holder
            using PageList inner = allocator.AllocateBulk(8, Gfp.Kernel | Gfp.NoWarn);
            innerCount = inner.Count;
        });

        using PageList outer = probe.Run(() => allocator.AllocateBulk(8));

        Assert.True(probe.Fired, "the poisoned page was not reported during the bulk call");
        Assert.Null(probe.Failure);
        Assert.True(probe.Completed);
        Assert.Equal(1, innerCount);
        Assert.Equal(8, outer.Count);
        allocator.Check();
    }

    [Fact]
    public void B12_pcp_running_dry_after_some_pages_returns_a_short_count()
    {
        using PageAllocator allocator = Create(pagesPerNode: 4096, configure: o => o.Poison = true);
        var drained = new List<PageBlock>();
        var probe = new PcpLockProbe(allocator, () =>
        {
            // Another CPU of the same node empties the buddy lists as far as it may.
            allocator.BindCpu(1);
            for (int order = PageAllocator.MaxOrder; order >= 0; order--)
            {
                while (allocator.TryAllocatePages(order, Gfp.Atomic | Gfp.NoWarn, out PageBlock? block))
                {
                    drained.Add(block);
                }
            }
        });

        try
        {
            const int wanted = 1000;
            using PageList outer = probe.Run(() => allocator.AllocateBulk(wanted, Gfp.Kernel | Gfp.NoWarn));
            Assert.True(probe.Fired, "the poisoned page was not reported during the bulk call");
            Assert.Null(probe.Failure);
            Assert.True(probe.Completed);
            Assert.NotEmpty(drained);
            Assert.InRange(outer.Count, 2, wanted - 1);
        }
        finally
        {
            drained.ForEach(b => b.Dispose());
        }

        allocator.Check();
    }

    [Fact]
    public void B13_statistics_count_every_page_of_the_call()
    {
        using PageAllocator allocator = Create(nodes: 2);
        long alloc = allocator.GetVmEvent(VmEvent.PgAllocNormal);
        long hit = allocator.GetVmEvent(VmEvent.NumaHit);
        long local = allocator.GetVmEvent(VmEvent.NumaLocal);
        long other = allocator.GetVmEvent(VmEvent.NumaOther);

        using PageList localList = allocator.AllocateBulk(24, Gfp.Kernel, preferredNode: 0);
        Assert.Equal(alloc + 24, allocator.GetVmEvent(VmEvent.PgAllocNormal));
        Assert.Equal(hit + 24, allocator.GetVmEvent(VmEvent.NumaHit));
        Assert.Equal(local + 24, allocator.GetVmEvent(VmEvent.NumaLocal));
        Assert.Equal(other, allocator.GetVmEvent(VmEvent.NumaOther));

        // Node 1 preferred from a cpu of node 0: hits on node 1, counted as "other".
        using PageList remote = allocator.AllocateBulk(24, Gfp.Kernel, preferredNode: 1);
        Assert.Equal(alloc + 48, allocator.GetVmEvent(VmEvent.PgAllocNormal));
        Assert.Equal(hit + 48, allocator.GetVmEvent(VmEvent.NumaHit));
        Assert.Equal(local + 24, allocator.GetVmEvent(VmEvent.NumaLocal));
        Assert.Equal(other + 24, allocator.GetVmEvent(VmEvent.NumaOther));
        Assert.Equal(0, allocator.GetVmEvent(VmEvent.NumaMiss));
        allocator.Check();
    }

    [Fact]
    public void B14_the_single_page_paths_page_is_added_and_counted()
    {
        using PageAllocator allocator = Create(nodes: 2, pagesPerNode: 2048);
        using var hold = new PageList(allocator);
        while (allocator.AllocateBulk(hold, 64, Gfp.NoWait | Gfp.ThisNode | Gfp.NoWarn, preferredNode: 1) > 0)
        {
        }

        // Array form: the fallback page goes to the first empty slot.
        using var array = new PageArray(4);
        Assert.Equal(4, allocator.FillBulk(array, Gfp.Kernel, preferredNode: 0));
        array.Detach(2).Dispose();
        array.Detach(3).Dispose();
        Assert.Equal(3, allocator.FillBulk(array, Gfp.NoWait | Gfp.NoWarn, preferredNode: 1));
        Assert.Equal(0, array[2]!.Value.Node);
        Assert.Null(array[3]);

        // List form: appended, and the return value counts it.
        using var list = new PageList(allocator);
        Assert.Equal(1, allocator.AllocateBulk(list, 10, Gfp.NoWait | Gfp.NoWarn, preferredNode: 1));
        Assert.Single(list);
        allocator.Check();
    }

    [Fact]
    public void B15_list_and_array_helpers_use_the_threads_node_and_no_mask()
    {
        using PageAllocator allocator = Create(nodes: 2);
        allocator.BindCpu(3); // node 1
        using PageList list = allocator.AllocateBulk(10);
        using var array = new PageArray(10);
        Assert.Equal(10, allocator.FillBulk(array));
        Assert.All(list, p => Assert.Equal(1, p.Node));
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(1, array[i]!.Value.Node);
        }

        allocator.Check();
    }

    [Fact]
    public void B16_freeing_a_list_or_array_returns_every_page_and_empties_it()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        long freed = allocator.GetVmEvent(VmEvent.PgFree);

        PageList list = allocator.AllocateBulk(100);
        var array = new PageArray(50);
        Assert.Equal(50, allocator.FillBulk(array, loop: true));
        Assert.Equal(free - 150, FreePages(allocator));

        array.Clear();
        Assert.Equal(0, array.Populated);
        Assert.All(Enumerable.Range(0, 50), i => Assert.Null(array[i]));
        list.Clear();
        Assert.Empty(list);
        Assert.Equal(free, FreePages(allocator));
        Assert.Equal(freed + 150, allocator.GetVmEvent(VmEvent.PgFree));

        // Dispose frees in bulk too.
        Assert.Equal(100, allocator.AllocateBulk(list, 100));
        Assert.Equal(50, allocator.FillBulk(array, loop: true));
        list.Dispose();
        array.Dispose();
        Assert.Equal(free, FreePages(allocator));
        allocator.Check();
    }

    [Fact]
    public void B17_fill_loops_while_it_makes_progress()
    {
        using PageAllocator allocator = Create();

        // 310 slots with 300 pages above the low watermark: one call fails B9 and gives the
        // single-page path's one page; the loop keeps calling until every slot is filled.
        ZoneInfo zone = allocator.GetZoneInfo(0, ZoneType.Normal);
        using PageArray hold = HoldUntilFree(allocator, zone.WatermarkLow + 300);
        using var once = new PageArray(310);
        Assert.Equal(1, allocator.FillBulk(once, Gfp.Kernel | Gfp.NoWarn));
        once.Clear();
        allocator.DrainAll();

        using var looped = new PageArray(310);
        Assert.Equal(310, allocator.FillBulk(looped, Gfp.Kernel | Gfp.NoWarn, loop: true));

        // More than there is: stops with the count when a call makes no progress.
        using var tooMany = new PageArray(8192);
        int filled = allocator.FillBulk(tooMany, Gfp.NoWait | Gfp.NoWarn, loop: true);
        Assert.InRange(filled, 0, 8191);
        Assert.Equal(filled, tooMany.Populated);
        allocator.Check();
    }
}
