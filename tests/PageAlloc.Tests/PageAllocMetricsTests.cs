// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>The meter "PageAlloc" read with a <see cref="MeterListener"/>, as any application would.</summary>
public sealed class PageAllocMetricsTests : LeakCheckedTest
{
    /// <summary>One collection of the meter: instrument name and tags to value.</summary>
    private static Dictionary<string, long> Collect(PageAllocMetrics metrics)
    {
        var values = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string key = instrument.Name + string.Concat(tags.ToArray().Select(t => $";{t.Key}={t.Value}"));
            values[key] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    [Fact]
    public void The_meter_is_named_PageAlloc_and_its_instruments_carry_units_and_descriptions()
    {
        using var allocator = new PageAllocator(PageAllocatorOptions.Create(nodes: 1, pagesPerNode: 4096, cpus: 1));
        using var metrics = new PageAllocMetrics(allocator);
        Assert.Equal("PageAlloc", metrics.Meter.Name);
        var seen = new List<Instrument>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter))
            {
                seen.Add(instrument);
            }
        };
        listener.Start();
        string[] names = seen.Select(i => i.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[]
        {
            "pagealloc.allocstall", "pagealloc.numa.events", "pagealloc.pcp.pages", "pagealloc.pgalloc", "pagealloc.pgfail",
            "pagealloc.pgfree", "pagealloc.pool.alloc", "pagealloc.pool.inflight", "pagealloc.pool.recycle",
            "pagealloc.zone.free", "pagealloc.zone.managed",
        }, names);
        Assert.All(seen, i => Assert.False(string.IsNullOrEmpty(i.Description)));
        Assert.Equal("{page}", seen.Single(i => i.Name == "pagealloc.zone.free").Unit);
        Assert.True(seen.Single(i => i.Name == "pagealloc.zone.free").IsObservable);
    }

    [Fact]
    public void Free_and_pcp_pages_per_node_and_zone_follow_allocations_and_frees()
    {
        var options = PageAllocatorOptions.Create(nodes: 2, pagesPerNode: 4096, cpus: 2);
        options.SetZonePages(0, ZoneType.Dma32, 2048);
        using var allocator = new PageAllocator(options);
        using var metrics = new PageAllocMetrics(allocator);

        Dictionary<string, long> start = Collect(metrics);
        Assert.Equal(4096, start["pagealloc.zone.managed;node=0;zone=Normal"]);
        Assert.Equal(2048, start["pagealloc.zone.managed;node=0;zone=DMA32"]);
        Assert.Equal(4096, start["pagealloc.zone.managed;node=1;zone=Normal"]);
        Assert.False(start.ContainsKey("pagealloc.zone.free;node=1;zone=DMA32"), "an absent zone has no time series");
        Assert.Equal(allocator.GetZoneInfo(0, ZoneType.Normal).Free, start["pagealloc.zone.free;node=0;zone=Normal"]);

        using (PageList pages = allocator.AllocateBulk(100, Gfp.Kernel | Gfp.ThisNode, preferredNode: 1))
        {
            Assert.Equal(100, pages.Count);
            Dictionary<string, long> during = Collect(metrics);
            long node1 = during["pagealloc.zone.free;node=1;zone=Normal"] + during["pagealloc.pcp.pages;node=1;zone=Normal"];
            Assert.Equal(4096 - 100, node1);
            Assert.Equal(start["pagealloc.pgalloc;zone=Normal"] + 100, during["pagealloc.pgalloc;zone=Normal"]);
            Assert.Equal(start["pagealloc.zone.free;node=0;zone=Normal"], during["pagealloc.zone.free;node=0;zone=Normal"]);
        }

        Dictionary<string, long> after = Collect(metrics);
        Assert.Equal(4096, after["pagealloc.zone.free;node=1;zone=Normal"] + after["pagealloc.pcp.pages;node=1;zone=Normal"]);
        Assert.Equal(start["pagealloc.pgfree"] + 100, after["pagealloc.pgfree"]);
        Assert.Equal(allocator.GetPcpInfo(0, 1, ZoneType.Normal).Count + allocator.GetPcpInfo(1, 1, ZoneType.Normal).Count,
            after["pagealloc.pcp.pages;node=1;zone=Normal"]);
    }

    [Fact]
    public void The_vm_events_are_the_allocators_counters()
    {
        var options = PageAllocatorOptions.Create(nodes: 2, pagesPerNode: 1024, cpus: 2);
        options.CpuToNode = [0, 1];
        using var allocator = new PageAllocator(options);
        using var metrics = new PageAllocMetrics(allocator);
        allocator.BindCpu(0);
        try
        {
            using PageBlock local = allocator.AllocatePages(0, Gfp.Kernel, node: 0);
            using PageBlock remote = allocator.AllocatePages(0, Gfp.Kernel | Gfp.ThisNode, node: 1);
            Assert.False(allocator.TryAllocatePages(PageAllocator.MaxOrder, Gfp.Kernel | Gfp.ThisNode | Gfp.NoWarn, 1, out _));
            Dictionary<string, long> values = Collect(metrics);
            foreach ((VmEvent item, string key) in new[]
            {
                (VmEvent.NumaHit, "pagealloc.numa.events;event=hit"), (VmEvent.NumaMiss, "pagealloc.numa.events;event=miss"),
                (VmEvent.NumaForeign, "pagealloc.numa.events;event=foreign"), (VmEvent.NumaLocal, "pagealloc.numa.events;event=local"),
                (VmEvent.NumaOther, "pagealloc.numa.events;event=other"), (VmEvent.PgFail, "pagealloc.pgfail"),
                (VmEvent.AllocStall, "pagealloc.allocstall"), (VmEvent.PgAllocNormal, "pagealloc.pgalloc;zone=Normal"),
            })
            {
                Assert.Equal(allocator.GetVmEvent(item), values[key]);
            }

            Assert.True(values["pagealloc.numa.events;event=other"] >= 1, "the remote page counts as numa_other");
            Assert.True(values["pagealloc.pgfail"] >= 1, "the failed order-10 request counts as pgfail");
        }
        finally
        {
            allocator.BindCpu(-1);
        }
    }

    [Fact]
    public void Pool_inflight_and_the_alloc_and_recycle_counters_are_per_owner()
    {
        using var allocator = new PageAllocator(PageAllocatorOptions.Create(nodes: 1, pagesPerNode: 4096, cpus: 1));
        using var metrics = new PageAllocMetrics(allocator);
        using var kestrel = new PageMemoryPool(allocator, maxOrder: 0);
        using var sockets = new PageMemoryPool(allocator, maxOrder: 0);
        using var raw = new PagePool(allocator);
        metrics.AddPool(kestrel, "kestrel");
        metrics.AddPool(sockets, "kestrel");
        metrics.AddPool(raw, "raw");
        Assert.Equal(0, Collect(metrics)["pagealloc.pool.inflight;owner=kestrel"]);

        var buffers = new List<System.Buffers.IMemoryOwner<byte>>();
        for (int i = 0; i < 10; i++)
        {
            buffers.Add(kestrel.Rent(4096));
            buffers.Add(sockets.Rent(4096));
        }

        Page page = raw.Rent();
        Dictionary<string, long> during = Collect(metrics);
        Assert.True(kestrel.TryGetPagePoolStats(out PagePoolStats k, out long kInflight));
        Assert.True(sockets.TryGetPagePoolStats(out PagePoolStats s, out long sInflight));
        Assert.True(kInflight >= 10 && sInflight >= 10, "the page pools hold the rented pages");
        Assert.Equal(kInflight + sInflight, during["pagealloc.pool.inflight;owner=kestrel"]);
        Assert.Equal(k.AllocFast + s.AllocFast, during["pagealloc.pool.alloc;owner=kestrel;kind=fast"]);
        Assert.Equal(k.AllocSlow + s.AllocSlow, during["pagealloc.pool.alloc;owner=kestrel;kind=slow"]);
        // Every rent is fast (from its CPU's cache), slow (the cache refilled from the allocator)
        // or a refill (taken from another CPU's cache), whichever CPU the thread was on.
        Assert.Equal(k.AllocRefill + s.AllocRefill, during["pagealloc.pool.alloc;owner=kestrel;kind=refill"]);
        Assert.Equal(20, during["pagealloc.pool.alloc;owner=kestrel;kind=fast"] + during["pagealloc.pool.alloc;owner=kestrel;kind=slow"] +
            during["pagealloc.pool.alloc;owner=kestrel;kind=refill"]);
        Assert.Equal(raw.Inflight, during["pagealloc.pool.inflight;owner=raw"]);
        Assert.Equal(1, during["pagealloc.pool.alloc;owner=raw;kind=slow"]);

        foreach (var buffer in buffers)
        {
            buffer.Dispose();
        }

        raw.Return(page);
        Dictionary<string, long> after = Collect(metrics);
        Assert.Equal(20, after["pagealloc.pool.recycle;owner=kestrel;kind=cached"]);
        Assert.Equal(1, after["pagealloc.pool.recycle;owner=raw;kind=cached"]);
        foreach (string kind in new[] { "cache_full", "ring", "ring_full", "released_refcnt" })
        {
            Assert.Equal(0, after[$"pagealloc.pool.recycle;owner=kestrel;kind={kind}"]);
        }

        kestrel.Dispose();
        sockets.Dispose();
        raw.Dispose();
        Assert.DoesNotContain(Collect(metrics).Keys, k => k.StartsWith("pagealloc.pool.", StringComparison.Ordinal));
    }

    [Fact]
    public void The_metrics_keep_the_allocator_alive_and_observe_nothing_after_Dispose()
    {
        var allocator = new PageAllocator(PageAllocatorOptions.Create(nodes: 1, pagesPerNode: 1024, cpus: 1));
        var metrics = new PageAllocMetrics(allocator);
        allocator.Dispose();
        Assert.Equal(1024, Collect(metrics)["pagealloc.zone.managed;node=0;zone=Normal"]);
        metrics.Dispose();
        metrics.Dispose();
        Assert.Empty(Collect(metrics));
    }

    [Fact]
    public void A_meter_factory_makes_and_owns_the_meter()
    {
        using var allocator = new PageAllocator(PageAllocatorOptions.Create(nodes: 1, pagesPerNode: 1024, cpus: 1));
        var factory = new RecordingMeterFactory();
        using (var metrics = new PageAllocMetrics(allocator, factory))
        {
            Assert.Same(factory.Made.Single(), metrics.Meter);
            Assert.Equal("PageAlloc", metrics.Meter.Name);
        }

        Assert.False(factory.Made.Single().Disposed(), "the factory's meter is the factory's to dispose");
        factory.Dispose();
    }

    [Fact]
    public void Null_allocator_throws_and_a_disposed_one_throws_ObjectDisposedException()
    {
        Assert.Throws<ArgumentNullException>(() => new PageAllocMetrics(null!));
        var allocator = new PageAllocator(PageAllocatorOptions.Create(nodes: 1, pagesPerNode: 1024, cpus: 1));
        allocator.Dispose();
        Assert.Throws<ObjectDisposedException>(() => new PageAllocMetrics(allocator));
    }

    private sealed class RecordingMeterFactory : IMeterFactory
    {
        public List<Meter> Made { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            Made.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (Meter meter in Made)
            {
                meter.Dispose();
            }
        }
    }
}

/// <summary>Whether a meter was disposed: a disposed meter publishes no new instrument.</summary>
internal static class MeterState
{
    internal static bool Disposed(this Meter meter)
    {
        bool published = false;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) => published |= ReferenceEquals(instrument.Meter, meter);
        listener.Start();
        return !published;
    }
}
