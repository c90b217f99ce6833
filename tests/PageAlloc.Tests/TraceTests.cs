// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>The kmem tracepoints through the safe API: <see cref="PageAllocator.Trace"/>,
/// <see cref="TraceEvent"/> and the kernel's gfp text (<see cref="GfpFlags"/>).</summary>
public sealed class TraceTests : LeakCheckedTest
{
    private sealed class Recorder
    {
        public readonly List<TraceEvent> Events = new(4096);

        public void On(object? sender, TraceEvent e) => Events.Add(e);

        public IEnumerable<TraceEvent> Of(TraceEventKind kind) => Events.Where(e => e.Kind == kind);
    }

    private sealed class Counter
    {
        public long Count;

        public void On(object? sender, TraceEvent e) => Count++;
    }

    // "page=%p pfn=0x%lx" as perf script prints a kernel's: pfn_to_page(pfn) evaluated as the
    // pfn, and glibc's %p of 0 is (nil).
    private static string PagePfn(long pfn) => pfn == 0 ? "page=(nil) pfn=0x0" : $"page=0x{pfn:x} pfn=0x{pfn:x}";

    [Fact]
    public void Single_alloc_and_free_raise_mm_page_alloc_and_mm_page_free_with_the_kernels_fields()
    {
        using PageAllocator allocator = Create();
        var recorder = new Recorder();
        allocator.Trace += recorder.On;
        long pfn;
        using (PageBlock block = allocator.AllocatePages(0, Gfp.Kernel | Gfp.Zero))
        {
            pfn = block.Pfn;
            TraceEvent alloc = Assert.Single(recorder.Of(TraceEventKind.MmPageAlloc));
            Assert.Equal(pfn, alloc.Pfn);
            Assert.Equal(0, alloc.Order);
            Assert.Equal(0, alloc.MigrateType);
            Assert.Equal(Gfp.Kernel | Gfp.Zero, alloc.Gfp);
            Assert.Equal(0, alloc.Cpu);
            Assert.Equal("mm_page_alloc", alloc.Name);
            Assert.Equal($"{PagePfn(pfn)} order=0 migratetype=0 gfp_flags=GFP_KERNEL|__GFP_ZERO", alloc.Format());
            Assert.True(recorder.Of(TraceEventKind.MmPageAllocZoneLocked).All(e => e.PercpuRefill && e.Order == 0));
            recorder.Events.Clear();
        }

        TraceEvent free = Assert.Single(recorder.Events);
        Assert.Equal(TraceEventKind.MmPageFree, free.Kind);
        Assert.Equal(pfn, free.Pfn);
        allocator.Trace -= recorder.On;
        allocator.Check();
    }

    [Fact]
    public void Bulk_free_raises_mm_page_free_then_mm_page_free_batched_for_the_same_page()
    {
        using PageAllocator allocator = Create();
        using PageList list = allocator.AllocateBulk(32);
        long[] pfns = list.Select(p => p.Pfn).ToArray();
        var recorder = new Recorder();
        allocator.Trace += recorder.On;
        list.Clear();
        allocator.Trace -= recorder.On;
        Assert.Equal(64, recorder.Events.Count);
        for (int i = 0; i < 32; i++)
        {
            Assert.Equal(TraceEventKind.MmPageFree, recorder.Events[2 * i].Kind);
            Assert.Equal(TraceEventKind.MmPageFreeBatched, recorder.Events[(2 * i) + 1].Kind);
            Assert.Equal(recorder.Events[2 * i].Pfn, recorder.Events[(2 * i) + 1].Pfn);
        }

        Assert.Equal(pfns.OrderBy(p => p), recorder.Of(TraceEventKind.MmPageFreeBatched).Select(e => e.Pfn).OrderBy(p => p));
        allocator.Check();
    }

    [Fact]
    public void Extfrag_zone_locked_and_pcpu_drain_carry_the_kernels_values()
    {
        using PageAllocator allocator = Create();
        var recorder = new Recorder();
        allocator.Trace += recorder.On;
        using (PageBlock block = allocator.AllocatePages(0, Gfp.Kernel))
        {
            // A fresh zone is movable: the first unmovable page claims an order-10 block.
            TraceEvent extfrag = Assert.Single(recorder.Of(TraceEventKind.MmPageAllocExtfrag));
            Assert.Equal(0, extfrag.AllocOrder);
            Assert.Equal(10, extfrag.FallbackOrder);
            Assert.Equal(0, extfrag.AllocMigrateType);
            Assert.Equal(1, extfrag.FallbackMigrateType);
            Assert.True(extfrag.ChangeOwnership);
            Assert.False(extfrag.Fragmenting);
            Assert.Equal(
                $"mm_page_alloc_extfrag: {PagePfn(extfrag.Pfn)} alloc_order=0 fallback_order=10 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1",
                extfrag.ToString());
        }

        using (PageBlock order4 = allocator.AllocatePages(4, Gfp.HighUserMovable))
        {
            TraceEvent direct = recorder.Of(TraceEventKind.MmPageAllocZoneLocked).Last();
            Assert.Equal(order4.Pfn, direct.Pfn);
            Assert.Equal(4, direct.Order);
            Assert.False(direct.PercpuRefill);
        }

        recorder.Events.Clear();
        allocator.DrainAll();
        Assert.NotEmpty(recorder.Events);
        Assert.All(recorder.Events, e => Assert.Equal(TraceEventKind.MmPagePcpuDrain, e.Kind));
        allocator.Trace -= recorder.On;
        allocator.Check();
    }

    [Fact]
    public void The_native_callback_is_registered_only_while_a_listener_exists()
    {
        using PageAllocator allocator = Create();
        var first = new Recorder();
        var second = new Recorder();
        Assert.False(allocator.NativeTraceRegistered);
        allocator.Trace += first.On;
        allocator.Trace += second.On;
        Assert.True(allocator.NativeTraceRegistered);
        allocator.Trace -= first.On;
        Assert.True(allocator.NativeTraceRegistered);
        using (allocator.AllocateBulk(4))
        {
        }

        Assert.Empty(first.Events);
        Assert.NotEmpty(second.Events);
        allocator.Trace -= second.On;
        Assert.False(allocator.NativeTraceRegistered);
        int before = second.Events.Count;
        using (allocator.AllocatePages(2))
        {
        }

        Assert.Equal(before, second.Events.Count);
    }

    [Fact]
    public void No_managed_allocation_per_event_with_or_without_a_listener()
    {
        using PageAllocator allocator = Create();
        using var list = new PageList(allocator);
        var counter = new Counter();
        EventHandler<TraceEvent> handler = counter.On;

        for (int round = 0; round < 2; round++)
        {
            bool listening = round == 1;
            if (listening)
            {
                allocator.Trace += handler;
            }

            for (int i = 0; i < 200; i++)
            {
                allocator.AllocateBulk(list, 64);
                list.Clear();
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                allocator.AllocateBulk(list, 64);
                list.Clear();
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, allocated);
        }

        // 1000 rounds of 64 frees, each a free and a free_batched event.
        Assert.True(counter.Count >= 128_000, $"only {counter.Count} events");
        allocator.Trace -= handler;
    }

    [Fact]
    public void TraceMask_picks_the_kinds_delivered()
    {
        using PageAllocator allocator = Create();
        var recorder = new Recorder();
        allocator.TraceMask = TraceEventMask.MmPageFree;
        allocator.Trace += recorder.On;
        using (allocator.AllocatePages(3))
        {
        }

        TraceEvent free = Assert.Single(recorder.Events);
        Assert.Equal(TraceEventKind.MmPageFree, free.Kind);
        Assert.Equal(3, free.Order);
        allocator.TraceMask = TraceEventMask.All;
        using (allocator.AllocatePages(3))
        {
        }

        Assert.Contains(recorder.Events, e => e.Kind == TraceEventKind.MmPageAlloc);
        allocator.Trace -= recorder.On;
        Assert.Throws<ArgumentOutOfRangeException>(() => allocator.TraceMask = (TraceEventMask)0x40);
    }

    [Fact]
    public void A_handlers_exception_stays_in_managed_code()
    {
        using PageAllocator allocator = Create();
        EventHandler<TraceEvent> thrower = (_, _) => throw new InvalidOperationException("from the trace handler");
        allocator.Trace += thrower;
        using (allocator.AllocatePages(0))
        {
        }

        allocator.Trace -= thrower;
        Assert.IsType<InvalidOperationException>(allocator.CallbackException);
        allocator.ClearCallbackException();
        allocator.Check();
    }

    [Fact]
    public void Trace_after_dispose_throws_on_add_and_is_harmless_on_remove()
    {
        PageAllocator allocator = Create();
        var recorder = new Recorder();
        allocator.Trace += recorder.On;
        allocator.Dispose();
        allocator.Trace -= recorder.On;
        Assert.Throws<ObjectDisposedException>(() => allocator.Trace += recorder.On);
    }

    [Fact]
    public void TraceEvent_formats_as_perf_script_prints_the_kernels_events()
    {
        Assert.Equal(
            "page=0x1d6a65 pfn=0x1d6a65 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP",
            new TraceEvent(TraceEventKind.MmPageAlloc, 0x1d6a65, migrateType: 1, gfp: Gfp.HighUserMovable | Gfp.Zero | Gfp.Comp).Format());
        Assert.Equal(
            "page=(nil) pfn=0x0 order=3 migratetype=0 gfp_flags=GFP_ATOMIC",
            new TraceEvent(TraceEventKind.MmPageAlloc, -1, order: 3, gfp: Gfp.Atomic).Format());
        Assert.Equal("mm_page_free: page=0x1d65ba pfn=0x1d65ba order=0", new TraceEvent(TraceEventKind.MmPageFree, 0x1d65ba).ToString());
        Assert.Equal("page=0x1d61f3 pfn=0x1d61f3 order=0", new TraceEvent(TraceEventKind.MmPageFreeBatched, 0x1d61f3).Format());
        Assert.Equal(
            "page=0x1d194e pfn=0x1d194e order=1 migratetype=1 percpu_refill=1",
            new TraceEvent(TraceEventKind.MmPageAllocZoneLocked, 0x1d194e, order: 1, migrateType: 1, percpuRefill: true).Format());
        Assert.Equal(
            "page=0x1d1e7a pfn=0x1d1e7a order=0 migratetype=1",
            new TraceEvent(TraceEventKind.MmPagePcpuDrain, 0x1d1e7a, migrateType: 1).Format());
        Assert.Equal(
            "page=0x1d8c00 pfn=0x1d8c00 alloc_order=2 fallback_order=10 pageblock_order=9 alloc_migratetype=2 fallback_migratetype=1 fragmenting=0 change_ownership=1",
            new TraceEvent(TraceEventKind.MmPageAllocExtfrag, 0x1d8c00, allocOrder: 2, fallbackOrder: 10, allocMigrateType: 2, fallbackMigrateType: 1, changeOwnership: true).Format());
        Assert.Equal(-1, new TraceEvent(TraceEventKind.MmPageAlloc, -1).Pfn);
        Assert.Throws<InvalidOperationException>(() => new TraceEvent((TraceEventKind)17, 1).Format());
        Assert.Throws<ArgumentOutOfRangeException>(() => TraceEvent.NameOf((TraceEventKind)6));
    }

    [Fact]
    public void GfpFlags_parses_and_prints_the_kernels_names()
    {
        Assert.Equal(Gfp.Kernel | Gfp.Zero, GfpFlags.Parse("GFP_KERNEL|__GFP_ZERO"));
        Assert.Equal("GFP_KERNEL|__GFP_ZERO", GfpFlags.Format(Gfp.Kernel | Gfp.Zero));
        Assert.Equal("none", GfpFlags.Format(Gfp.None));
        Assert.Equal(Gfp.None, GfpFlags.Parse("none"));
        // The 6.18 kernel's GFP_NOWAIT carries __GFP_NOWARN.
        Assert.Equal(Gfp.KswapdReclaim | Gfp.NoWarn, GfpFlags.Parse("GFP_NOWAIT"));
        Assert.Equal(Gfp.Kernel | Gfp.Account, GfpFlags.Parse("0x400cc0"));
        Assert.True(GfpFlags.TryParse("GFP_HIGHUSER_MOVABLE|__GFP_WRITE|__GFP_COMP".AsSpan(), out Gfp withWrite));
        Assert.Equal(Gfp.HighUserMovable | Gfp.Comp, withWrite & Gfp.AllFlags);
        Assert.NotEqual(Gfp.None, withWrite & ~Gfp.AllFlags);
        foreach (Gfp flag in Enum.GetValues<Gfp>().Where(f => f != Gfp.None && f != Gfp.AllFlags))
        {
            Assert.Equal(flag, GfpFlags.Parse(GfpFlags.Format(flag)));
        }

        foreach (string bad in new[] { "", "GFP_BOGUS", "GFP_KERNEL|", "gfp_kernel", "GFP_KERNEL\0|__GFP_ZERO", "GFP_KERNÉL" })
        {
            Assert.False(GfpFlags.TryParse(bad, out Gfp none));
            Assert.Equal(Gfp.None, none);
        }

        Assert.Throws<FormatException>(() => GfpFlags.Parse("__GFP_NOPE"));
        Assert.Throws<ArgumentNullException>(() => GfpFlags.Parse(null!));
    }
}
