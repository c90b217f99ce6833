// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using PageAlloc;
using PageAlloc.Native;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>PageAllocator beyond the bulk rules: blocks, reports, statistics, callbacks.</summary>
public sealed unsafe class AllocatorTests : LeakCheckedTest
{
    [Fact]
    public void Default_allocator_is_pa_config_init()
    {
        using var allocator = new PageAllocator();
        Assert.Equal(4096, allocator.PageSize);
        Assert.Equal(1, allocator.NodeCount);
        Assert.Equal(Environment.ProcessorCount, allocator.CpuCount);
        ZoneInfo zone = allocator.GetZoneInfo(0, ZoneType.Normal);
        Assert.Equal(65536, zone.Managed);
        Assert.Equal("0.1.0", PageAllocator.NativeVersion);
        using PageList list = allocator.AllocateBulk(100);
        Assert.Equal(100, list.Count);
        allocator.Check();
    }

    [Fact]
    public void AllocatePages_returns_contiguous_aligned_blocks_and_throws_when_out_of_memory()
    {
        using PageAllocator allocator = Create(pagesPerNode: 2048);
        var blocks = new List<PageBlock>();
        try
        {
            PageBlock block = allocator.AllocatePages(3);
            blocks.Add(block);
            Assert.Equal(8, block.PageCount);
            Assert.Equal(0, block.Pfn % 8);
            Assert.Equal(8 * allocator.PageSize, block.Span.Length);
            block.Span.Fill(7);

            while (allocator.TryAllocatePages(PageAllocator.MaxOrder, Gfp.Kernel | Gfp.NoWarn, out PageBlock? big))
            {
                blocks.Add(big);
                Assert.Equal(0, big.Pfn % 1024);
            }

            Assert.Throws<InsufficientMemoryException>(() => allocator.AllocatePages(PageAllocator.MaxOrder, Gfp.Kernel | Gfp.NoWarn));
            Assert.False(allocator.TryAllocatePages(PageAllocator.MaxOrder, Gfp.Kernel | Gfp.NoWarn, 0, out PageBlock? none));
            Assert.Null(none);
        }
        finally
        {
            blocks.ForEach(b => b.Dispose());
        }

        allocator.Check();
    }

    [Fact]
    public void Zone_info_pcp_info_and_cpu_topology()
    {
        using PageAllocator allocator = Create(nodes: 2);
        ZoneInfo zone = allocator.GetZoneInfo(1, ZoneType.Normal);
        Assert.Equal(1, zone.Node);
        Assert.Equal(ZoneType.Normal, zone.Zone);
        Assert.Equal(8192, zone.Managed);
        Assert.True(zone.WatermarkMin > 0);
        Assert.True(zone.WatermarkMin < zone.WatermarkLow && zone.WatermarkLow < zone.WatermarkHigh);
        Assert.Equal(4, zone.LowmemReserve.Count);
        Assert.InRange(zone.Free, 1, zone.Managed);

        PcpInfo pcp = allocator.GetPcpInfo(1, 0, ZoneType.Normal);
        Assert.Equal(16, pcp.Batch);
        Assert.Equal(64, pcp.High);
        Assert.Equal(4, allocator.CpuCount);
        Assert.Equal(1, allocator.GetCpuNode(2));
        allocator.BindCpu(3);
        Assert.Equal(3, allocator.CurrentCpu);
        allocator.BindCpu(-1);
        Assert.InRange(allocator.CurrentCpu, 0, 3);
    }

    [Fact]
    public void Reports_have_the_proc_layout()
    {
        using PageAllocator allocator = Create();
        using PageList list = allocator.AllocateBulk(10);
        Assert.Contains("Node 0, zone   Normal", allocator.BuddyInfo());
        Assert.Contains("pages free", allocator.ZoneInfo());
        Assert.Contains("Free pages count per migrate type", allocator.PageTypeInfo());
        string vmstat = allocator.VmStat();
        Assert.Contains("pgalloc_normal", vmstat);
        Assert.Contains("nr_free_pages", vmstat);
    }

    [Fact]
    public void Log_event_reports_native_lines_and_handler_exceptions_stay_in_managed_code()
    {
        using PageAllocator allocator = Create();
        var lines = new List<PageAllocatorLogEventArgs>();
        EventHandler<PageAllocatorLogEventArgs> handler = (sender, e) =>
        {
            Assert.Same(allocator, sender);
            lines.Add(e);
        };
        allocator.Log += handler;

        // A double free is reported as a bad page and ignored.
        PageBlock block = allocator.AllocatePages(0);
        pa_page* page = block.Page.Descriptor;
        block.Dispose();
        Methods.pa_free_pages(allocator.Pointer, page, 0);
        Assert.Contains(lines, l => l.Level == PageAllocatorLogLevel.Error);
        allocator.Check();

        allocator.Log -= handler;
        allocator.Log += (_, _) => throw new InvalidOperationException("from the handler");
        Methods.pa_free_pages(allocator.Pointer, page, 0);
        Assert.IsType<InvalidOperationException>(allocator.CallbackException);
        allocator.ClearCallbackException();
        Assert.Null(allocator.CallbackException);
        allocator.Check();
    }

    [Fact]
    public void Reclaim_callbacks_free_pages_for_a_blocking_request()
    {
        using PageAllocator allocator = Create(pagesPerNode: 2048);
        using var hold = new PageList(allocator);
        while (allocator.AllocateBulk(hold, 64, Gfp.Atomic | Gfp.NoWarn) > 0)
        {
        }

        Assert.False(allocator.TryAllocatePages(0, Gfp.NoWait | Gfp.NoWarn, out _));
        long stalls = allocator.GetVmEvent(VmEvent.AllocStall);
        var asked = new List<(int Node, long Pages)>();
        using (allocator.RegisterReclaim((node, pages) =>
        {
            asked.Add((node, pages));
            int n = Math.Min(512, hold.Count);
            hold.Split(hold.Count - n).Dispose();
            return n;
        }))
        {
            using PageBlock block = allocator.AllocatePages(0, Gfp.Kernel);
            Assert.NotEmpty(asked);
            Assert.True(allocator.GetVmEvent(VmEvent.AllocStall) > stalls);
        }

        allocator.Check();
    }

    [Fact]
    public void A_throwing_reclaim_callback_fails_the_allocation_not_the_process()
    {
        using PageAllocator allocator = Create(pagesPerNode: 2048);
        using var hold = new PageList(allocator);
        while (allocator.AllocateBulk(hold, 64, Gfp.Atomic | Gfp.NoWarn) > 0)
        {
        }

        var errors = new List<string>();
        allocator.Log += (_, e) => errors.Add(e.Message);
        ReclaimRegistration registration = allocator.RegisterReclaim((_, _) => throw new InvalidOperationException("reclaim failed"));
        Assert.False(allocator.TryAllocatePages(0, Gfp.Kernel | Gfp.NoRetry | Gfp.NoWarn, out _));
        Assert.IsType<InvalidOperationException>(allocator.CallbackException);
        Assert.Contains(errors, e => e.Contains("reclaim failed", StringComparison.Ordinal));
        registration.Dispose();
        registration.Dispose();
        allocator.Check();
    }

    [Fact]
    public void Check_throws_with_the_logged_reason_when_an_invariant_breaks()
    {
        using PageAllocator allocator = Create();
        allocator.Check();
        using PageList list = allocator.AllocateBulk(4);

        // Free a page to this cpu's pcp list, then unlink it from that list by hand through
        // the raw layer: the pcp count no longer matches what the list holds.
        using PageBlock block = list.Detach(0);
        pa_page* descriptor = block.Page.Descriptor;
        block.Dispose();
        allocator.Check();
        Methods.pa_list_del(descriptor); // the freed page vanishes from its pcp list
        InvalidOperationException broken = Assert.Throws<InvalidOperationException>(() => allocator.Check());
        Assert.StartsWith("pa_check failed", broken.Message);
        Assert.DoesNotContain("no reason was logged", broken.Message);
    }

    [Fact]
    public void Metadata_only_pages_have_no_memory()
    {
        using PageAllocator allocator = Create(pagesPerNode: 1 << 20, configure: o => o.MetadataOnly = true);
        Assert.True(allocator.IsMetadataOnly);
        using PageList list = allocator.AllocateBulk(1000);
        Assert.Equal(1000, list.Count);
        Assert.True(list[0].Span.IsEmpty);
        Assert.Equal(0, list[0].Address);
        using PageBlock block = allocator.AllocatePages(10);
        Assert.True(block.Span.IsEmpty);
        allocator.Check();
    }

    [Fact]
    public void ResidentBytes_counts_touched_pages_and_refuses_metadata_only()
    {
        using PageAllocator allocator = Create(pagesPerNode: 4096);
        long before = allocator.ResidentBytes;
        using (PageList list = allocator.AllocateBulk(64))
        {
            Assert.Equal(64, list.Count);
            foreach (Page page in list)
            {
                page.Span.Fill(0x5a);
            }

            Assert.True(allocator.ResidentBytes - before >= 64L * allocator.PageSize);
        }

        using PageAllocator metadata = Create(pagesPerNode: 4096, configure: o => o.MetadataOnly = true);
        Assert.Throws<NotSupportedException>(() => metadata.ResidentBytes);
        metadata.Dispose();
        Assert.Throws<ObjectDisposedException>(() => metadata.ResidentBytes);
    }

    [Fact]
    public void Node_distances_and_zones_from_options()
    {
        var options = new PageAllocatorOptions
        {
            NodeCount = 2,
            CpuCount = 2,
            CpuToNode = [0, 1],
            NodeDistance = new byte[,] { { 10, 30 }, { 30, 10 } },
            Poison = true,
            DebugChecks = true,
        };
        options.SetZonePages(0, ZoneType.Normal, 0)
            .SetZonePages(0, ZoneType.Dma32, 4096)
            .SetZonePages(0, ZoneType.Normal, 4096)
            .SetZonePages(1, ZoneType.Normal, 4096)
            .SetZonePages(1, ZoneType.Movable, 2048);
        Assert.True(options.RequiredMemorySize() >= (4096L * 3 + 2048) * 4096);
        using var allocator = new PageAllocator(options);
        Assert.Equal(4096, allocator.GetZoneInfo(0, ZoneType.Dma32).Managed);
        Assert.Equal(2048, allocator.GetZoneInfo(1, ZoneType.Movable).Managed);
        allocator.BindCpu(0);
        using PageList dma32 = allocator.AllocateBulk(8, Gfp.Kernel | Gfp.Dma32);
        Assert.All(dma32, p => Assert.Equal(ZoneType.Dma32, p.Zone));
        using PageList movable = allocator.AllocateBulk(8, Gfp.HighUserMovable, preferredNode: 1);
        Assert.All(movable, p => Assert.Equal(ZoneType.Movable, p.Zone));
        allocator.Check();
    }

    [Fact]
    public void Caller_supplied_memory_backs_the_pages()
    {
        var options = PageAllocatorOptions.Create(1, 1024, cpus: 1);
        long size = options.RequiredMemorySize();
        void* memory = System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)size, 4096);
        try
        {
            options.Memory = (nint)memory;
            options.MemorySize = size;
            using var allocator = new PageAllocator(options);
            using PageList list = allocator.AllocateBulk(4);
            foreach (Page page in list)
            {
                Assert.InRange(page.Address, (nint)memory, (nint)memory + (nint)size - allocator.PageSize);
            }
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.AlignedFree(memory);
        }
    }

    [Fact]
    public void NodeMask_is_a_set_of_node_ids()
    {
        NodeMask mask = NodeMask.Of(0, 3, 63);
        Assert.Equal(3, mask.Count);
        Assert.True(mask.Contains(63));
        Assert.False(mask.Contains(1));
        Assert.Equal("{0,3,63}", mask.ToString());
        Assert.Equal(NodeMask.Of(0, 63), mask.Without(3));
        Assert.Equal(mask, NodeMask.Of(0) | NodeMask.Of(3, 63));
        Assert.Equal(NodeMask.Of(3), mask & NodeMask.FirstNodes(4).Without(0));
        Assert.Equal(ulong.MaxValue, NodeMask.FirstNodes(64).Bits);
        Assert.True(NodeMask.Empty.IsEmpty);
    }

    [Fact]
    public void Gfp_values_are_the_C_values()
    {
        Assert.Equal(Methods.PA_GFP_KERNEL, (uint)Gfp.Kernel);
        Assert.Equal(Methods.PA_GFP_HIGHUSER_MOVABLE, (uint)Gfp.HighUserMovable);
        Assert.Equal(Gfp.DirectReclaim | Gfp.KswapdReclaim | Gfp.IO | Gfp.FS, Gfp.Kernel);
        Assert.Equal(Gfp.User | Gfp.HighMem | Gfp.Movable, Gfp.HighUserMovable);
        Assert.Equal((int)pa_zone_type.PA_ZONE_MOVABLE, (int)ZoneType.Movable);
        Assert.Equal((int)pa_vm_event_item.PA_PGFAIL, (int)VmEvent.PgFail);
    }
}
