// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// An allocator's numbers as <c>System.Diagnostics.Metrics</c> instruments on the meter
/// <see cref="MeterName"/> ("PageAlloc"), named in OpenTelemetry's style: the free and per-CPU
/// pages of every zone (tags <c>node</c>, <c>zone</c>) and the vm events (<c>pgalloc</c> per zone,
/// <c>pgfree</c>, the <c>numa_*</c> events, <c>allocstall</c>, <c>pgfail</c>). Any listener reads
/// them: a <see cref="MeterListener"/>, <c>dotnet-counters</c>, OpenTelemetry's exporters.
/// </summary>
/// <remarks>
/// <para>The instruments are observable: nothing is counted on the allocation paths; each
/// collection reads the allocator's own counters (<c>pa_zone_info</c>, <c>pa_vm_event</c>), the
/// numbers of <c>/proc/zoneinfo</c> and <c>/proc/vmstat</c>.</para>
/// <para>The metrics keep the native allocator alive until they are disposed (as a
/// <see cref="PageBlock"/> does), so a collection never reads a destroyed allocator. Dispose
/// them before or after the <see cref="PageAllocator"/>; disposing twice is harmless, and a
/// collection after <c>Dispose</c> observes nothing.</para>
/// <para>Instruments (units in OpenTelemetry's curly-brace annotation):</para>
/// <list type="table">
/// <listheader><term>name</term><description>what it observes</description></listheader>
/// <item><term><c>pagealloc.zone.free</c></term><description>UpDownCounter, <c>{page}</c>, tags node, zone: free pages in the zone's buddy lists (<c>NR_FREE_PAGES</c>)</description></item>
/// <item><term><c>pagealloc.zone.managed</c></term><description>UpDownCounter, <c>{page}</c>, tags node, zone: pages the zone manages</description></item>
/// <item><term><c>pagealloc.pcp.pages</c></term><description>UpDownCounter, <c>{page}</c>, tags node, zone: pages on the zone's per-CPU lists, all CPUs together</description></item>
/// <item><term><c>pagealloc.pgalloc</c></term><description>Counter, <c>{page}</c>, tag zone: pages allocated (<c>pgalloc_*</c>)</description></item>
/// <item><term><c>pagealloc.pgfree</c></term><description>Counter, <c>{page}</c>: pages freed (<c>pgfree</c>)</description></item>
/// <item><term><c>pagealloc.numa.events</c></term><description>Counter, <c>{page}</c>, tag event (hit, miss, foreign, local, other): the <c>numa_*</c> events</description></item>
/// <item><term><c>pagealloc.allocstall</c></term><description>Counter, <c>{stall}</c>: slow-path entries that called reclaim (<c>allocstall</c>)</description></item>
/// <item><term><c>pagealloc.pgfail</c></term><description>Counter, <c>{call}</c>: allocation calls that returned nothing</description></item>
/// <item><term><c>pagealloc.pool.inflight</c></term><description>UpDownCounter, <c>{page}</c>, tag owner: pages the owner's page pools took from the allocator and have not given back (cached, in the ring, or rented)</description></item>
/// <item><term><c>pagealloc.pool.alloc</c></term><description>Counter, <c>{page}</c>, tags owner, kind (fast, slow, slow_high_order, refill, empty, waive): the page pools' allocation counters</description></item>
/// <item><term><c>pagealloc.pool.recycle</c></term><description>Counter, <c>{page}</c>, tags owner, kind (cached, cache_full, ring, ring_full, released_refcnt): the page pools' recycle counters</description></item>
/// <item><term><c>pagealloc.reporting.pages</c></term><description>Counter, <c>{page}</c>: pages free page reporting gave back to the OS (<c>page_reporting_pages</c>); only with <see cref="PageAllocatorOptions.FreePageReporting"/>, as are the four below</description></item>
/// <item><term><c>pagealloc.reporting.passes</c></term><description>Counter, <c>{pass}</c>: reporting passes (<c>page_reporting_passes</c>)</description></item>
/// <item><term><c>pagealloc.reporting.skipped_wmark</c></term><description>Counter, <c>{block}</c>: unreported blocks left in zones a pass skipped at the low watermark (<c>page_reporting_skipped_wmark</c>)</description></item>
/// <item><term><c>pagealloc.reporting.failures</c></term><description>Counter, <c>{block}</c>: blocks whose report failed (<c>page_reporting_failures</c>)</description></item>
/// <item><term><c>pagealloc.reporting.free_reported</c></term><description>UpDownCounter, <c>{page}</c>: free pages given back and not touched since (<c>page_reporting_free_reported</c>)</description></item>
/// </list>
/// <para>The <c>pagealloc.pool.*</c> instruments observe the pools given to
/// <see cref="AddPool(PageMemoryPool, string)"/> or <see cref="AddPool(PagePool, string)"/>, summed
/// per owner; a disposed pool drops out. A <see cref="PageMemoryPool"/> reports its CPU caches'
/// counts in the page pool's terms (<see cref="PageMemoryPool.TryGetPagePoolStats"/>; its ring
/// counters are 0).</para>
/// </remarks>
public sealed unsafe class PageAllocMetrics : IDisposable
{
    /// <summary>The meter's name, the provider name for <c>dotnet-counters</c>: "PageAlloc".</summary>
    public const string MeterName = "PageAlloc";

    private static readonly (VmEvent Event, string Name)[] s_numaEvents =
    [
        (VmEvent.NumaHit, "hit"), (VmEvent.NumaMiss, "miss"), (VmEvent.NumaForeign, "foreign"),
        (VmEvent.NumaLocal, "local"), (VmEvent.NumaOther, "other"),
    ];

    private readonly object _lock = new();
    private readonly AllocatorHandle _handle;
    private readonly ZoneSlot[] _zones;
    private readonly KeyValuePair<string, object?>[][] _zoneTags;
    private readonly KeyValuePair<string, object?>[][] _numaTags;
    private readonly List<(string Owner, PoolReader Read)> _pools = [];
    private readonly bool _ownsMeter;
    private bool _disposed;

    /// <summary>Publishes <paramref name="allocator"/>'s numbers on a meter named
    /// <see cref="MeterName"/>: a new <see cref="System.Diagnostics.Metrics.Meter"/>, or one made
    /// by <paramref name="meterFactory"/> (dependency injection's <see cref="IMeterFactory"/>,
    /// which then owns it).</summary>
    /// <param name="allocator">The allocator.</param>
    /// <param name="meterFactory">Makes the meter; null: the metrics make and own it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="allocator"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="allocator"/> is disposed.</exception>
    public PageAllocMetrics(PageAllocator allocator, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        allocator.ThrowIfDisposed();
        allocator.Handle.AddRef();
        _handle = allocator.Handle;
        _zones = PresentZones(_handle.Pointer, allocator.NodeCount);
        _zoneTags = new KeyValuePair<string, object?>[(int)pa_zone_type.PA_NR_ZONES][];
        for (int zone = 0; zone < _zoneTags.Length; zone++)
        {
            _zoneTags[zone] = [new("zone", ZoneName((ZoneType)zone))];
        }

        _numaTags = Array.ConvertAll(s_numaEvents, e => new KeyValuePair<string, object?>[] { new("event", e.Name) });

        _ownsMeter = meterFactory is null;
        Meter = meterFactory?.Create(new MeterOptions(MeterName)) ?? new Meter(MeterName);
        Meter.CreateObservableUpDownCounter("pagealloc.zone.free", () => ObserveZones(ZoneValue.Free), "{page}",
            "Free pages in the zone's buddy lists (NR_FREE_PAGES).");
        Meter.CreateObservableUpDownCounter("pagealloc.zone.managed", () => ObserveZones(ZoneValue.Managed), "{page}",
            "Pages the zone manages.");
        Meter.CreateObservableUpDownCounter("pagealloc.pcp.pages", () => ObserveZones(ZoneValue.PcpPages), "{page}",
            "Pages on the zone's per-CPU lists, all CPUs together.");
        Meter.CreateObservableCounter("pagealloc.pgalloc", ObservePgAlloc, "{page}", "Pages allocated, per zone (pgalloc_*).");
        Meter.CreateObservableCounter("pagealloc.pgfree", () => ObserveEvent(VmEvent.PgFree), "{page}", "Pages freed (pgfree).");
        Meter.CreateObservableCounter("pagealloc.numa.events", ObserveNuma, "{page}",
            "NUMA placement events (numa_hit, numa_miss, numa_foreign, numa_local, numa_other).");
        Meter.CreateObservableCounter("pagealloc.allocstall", () => ObserveEvent(VmEvent.AllocStall), "{stall}",
            "Slow-path entries that called reclaim (allocstall).");
        Meter.CreateObservableCounter("pagealloc.pgfail", () => ObserveEvent(VmEvent.PgFail), "{call}",
            "Allocation calls that returned nothing.");
        Meter.CreateObservableUpDownCounter("pagealloc.pool.inflight", () => ObservePools(PoolValue.Inflight), "{page}",
            "Pages the owner's page pools took from the allocator and have not given back (cached, in the ring, or rented).");
        Meter.CreateObservableCounter("pagealloc.pool.alloc", () => ObservePools(PoolValue.Alloc), "{page}",
            "Page pool allocations by kind: fast, slow, slow_high_order, refill, empty, waive.");
        Meter.CreateObservableCounter("pagealloc.pool.recycle", () => ObservePools(PoolValue.Recycle), "{page}",
            "Page pool returns by kind: cached, cache_full, ring, ring_full, released_refcnt.");
        if (allocator.IsFreePageReportingEnabled)
        {
            Meter.CreateObservableCounter("pagealloc.reporting.pages", () => ObserveReporting(r => r.PagesReported), "{page}",
                "Pages free page reporting gave back to the OS (page_reporting_pages).");
            Meter.CreateObservableCounter("pagealloc.reporting.passes", () => ObserveReporting(r => r.Passes), "{pass}",
                "Free page reporting passes (page_reporting_passes).");
            Meter.CreateObservableCounter("pagealloc.reporting.skipped_wmark", () => ObserveReporting(r => r.SkippedWatermark), "{block}",
                "Unreported blocks left in zones a pass skipped at the low watermark (page_reporting_skipped_wmark).");
            Meter.CreateObservableCounter("pagealloc.reporting.failures", () => ObserveReporting(r => r.Failures), "{block}",
                "Blocks whose report failed and stayed unreported (page_reporting_failures).");
            Meter.CreateObservableUpDownCounter("pagealloc.reporting.free_reported", () => ObserveReporting(r => r.ReportedFreePages), "{page}",
                "Free pages given back to the OS and not touched since (page_reporting_free_reported).");
        }
    }

    /// <summary>The meter the instruments are on; more instruments (a page pool's) may join it.</summary>
    public Meter Meter { get; }

    /// <summary>The tag value of a zone: "DMA", "DMA32", "Normal", "Movable", as
    /// <c>/proc/zoneinfo</c> spells them.</summary>
    /// <param name="zone">The zone.</param>
    /// <returns>The name.</returns>
    public static string ZoneName(ZoneType zone) => zone switch
    {
        ZoneType.Dma => "DMA",
        ZoneType.Dma32 => "DMA32",
        ZoneType.Normal => "Normal",
        ZoneType.Movable => "Movable",
        _ => throw new ArgumentOutOfRangeException(nameof(zone), zone, "Not a zone."),
    };

    /// <summary>Observes <paramref name="pool"/>'s CPU caches under the tag <c>owner</c> =
    /// <paramref name="owner"/> (pools of one owner are summed) until the pool is disposed.</summary>
    /// <param name="pool">The pool.</param>
    /// <param name="owner">Its owner, for example Kestrel's <c>MemoryPoolOptions.Owner</c>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public void AddPool(PageMemoryPool pool, string owner)
    {
        ArgumentNullException.ThrowIfNull(pool);
        Add(owner, (out PagePoolStats stats, out long inflight) => pool.TryGetPagePoolStats(out stats, out inflight));
    }

    /// <summary>Observes <paramref name="pool"/> under the tag <c>owner</c> = <paramref name="owner"/>
    /// (pools of one owner are summed) until the pool is disposed.</summary>
    /// <param name="pool">The pool.</param>
    /// <param name="owner">Its owner.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public void AddPool(PagePool pool, string owner)
    {
        ArgumentNullException.ThrowIfNull(pool);
        Add(owner, (out PagePoolStats stats, out long inflight) =>
        {
            stats = default;
            inflight = 0;
            if (pool.IsClosed)
            {
                return false;
            }

            try
            {
                stats = pool.Stats;
                inflight = pool.Inflight;
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        });
    }

    /// <summary>Disposes the meter (when the metrics made it) and releases the allocator.
    /// Disposing twice is harmless.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        if (_ownsMeter)
        {
            Meter.Dispose();
        }

        _handle.DangerousRelease();
    }

    /// <summary>Runs <paramref name="read"/> on the native allocator unless the metrics are
    /// disposed; the lock keeps <see cref="Dispose"/> from releasing it meanwhile.</summary>
    private List<Measurement<long>> Read(Reader read)
    {
        var measurements = new List<Measurement<long>>();
        lock (_lock)
        {
            if (!_disposed)
            {
                read(_handle.Pointer, measurements);
            }
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveZones(ZoneValue value) => Read((a, list) =>
    {
        foreach (ZoneSlot slot in _zones)
        {
            pa_zone_info info;
            if (Methods.pa_zone_info(a, slot.Node, (pa_zone_type)slot.Zone, &info) != 0)
            {
                continue;
            }

            ulong number = value switch
            {
                ZoneValue.Free => info.free,
                ZoneValue.Managed => info.managed,
                _ => info.pcp_pages,
            };
            list.Add(new Measurement<long>((long)number, slot.Tags));
        }
    });

    private void Add(string owner, PoolReader read)
    {
        ArgumentNullException.ThrowIfNull(owner);
        lock (_lock)
        {
            _pools.Add((owner, read));
        }
    }

    private List<Measurement<long>> ObservePools(PoolValue value)
    {
        var totals = new Dictionary<string, (PagePoolStats Stats, long Inflight)>(StringComparer.Ordinal);
        lock (_lock)
        {
            if (_disposed)
            {
                return [];
            }

            foreach ((string owner, PoolReader read) in _pools)
            {
                if (read(out PagePoolStats stats, out long inflight))
                {
                    totals[owner] = totals.TryGetValue(owner, out var sum) ? (Add(sum.Stats, stats), sum.Inflight + inflight) : (stats, inflight);
                }
            }
        }

        var measurements = new List<Measurement<long>>();
        foreach ((string owner, (PagePoolStats s, long inflight)) in totals)
        {
            switch (value)
            {
                case PoolValue.Inflight:
                    measurements.Add(new Measurement<long>(inflight, new KeyValuePair<string, object?>("owner", owner)));
                    break;
                case PoolValue.Alloc:
                    AddKinds(measurements, owner, ("fast", s.AllocFast), ("slow", s.AllocSlow), ("slow_high_order", s.AllocSlowHighOrder),
                        ("refill", s.AllocRefill), ("empty", s.AllocEmpty), ("waive", s.AllocWaive));
                    break;
                default:
                    AddKinds(measurements, owner, ("cached", s.RecycleCached), ("cache_full", s.RecycleCacheFull), ("ring", s.RecycleRing),
                        ("ring_full", s.RecycleRingFull), ("released_refcnt", s.RecycleReleasedRefcnt));
                    break;
            }
        }

        return measurements;
    }

    private static void AddKinds(List<Measurement<long>> measurements, string owner, params (string Kind, long Value)[] kinds)
    {
        foreach ((string kind, long number) in kinds)
        {
            measurements.Add(new Measurement<long>(number, new KeyValuePair<string, object?>("owner", owner), new KeyValuePair<string, object?>("kind", kind)));
        }
    }

    private static PagePoolStats Add(PagePoolStats a, PagePoolStats b) => new(
        a.AllocFast + b.AllocFast, a.AllocSlow + b.AllocSlow, a.AllocSlowHighOrder + b.AllocSlowHighOrder, a.AllocEmpty + b.AllocEmpty,
        a.AllocRefill + b.AllocRefill, a.AllocWaive + b.AllocWaive, a.RecycleCached + b.RecycleCached,
        a.RecycleCacheFull + b.RecycleCacheFull, a.RecycleRing + b.RecycleRing, a.RecycleRingFull + b.RecycleRingFull,
        a.RecycleReleasedRefcnt + b.RecycleReleasedRefcnt);

    private List<Measurement<long>> ObservePgAlloc() => Read((a, list) =>
    {
        for (int zone = 0; zone < _zoneTags.Length; zone++)
        {
            var item = (pa_vm_event_item)((int)pa_vm_event_item.PA_PGALLOC_DMA + zone);
            list.Add(new Measurement<long>((long)Methods.pa_vm_event(a, item), _zoneTags[zone]));
        }
    });

    private List<Measurement<long>> ObserveNuma() => Read((a, list) =>
    {
        for (int i = 0; i < s_numaEvents.Length; i++)
        {
            list.Add(new Measurement<long>((long)Methods.pa_vm_event(a, (pa_vm_event_item)s_numaEvents[i].Event), _numaTags[i]));
        }
    });

    private List<Measurement<long>> ObserveReporting(Func<FreePageReportingStats, long> pick) => Read((a, list) =>
    {
        pa_page_reporting_stats stats;
        if (Methods.pa_page_reporting_get_stats(a, &stats) == 0)
        {
            list.Add(new Measurement<long>(pick(PageAllocator.ToStats(stats))));
        }
    });

    private List<Measurement<long>> ObserveEvent(VmEvent item) =>
        Read((a, list) => list.Add(new Measurement<long>((long)Methods.pa_vm_event(a, (pa_vm_event_item)item))));

    /// <summary>The zones the allocator has, with their tags made once.</summary>
    private static ZoneSlot[] PresentZones(pa_allocator* a, int nodes)
    {
        var zones = new List<ZoneSlot>();
        for (int node = 0; node < nodes; node++)
        {
            for (int zone = 0; zone < (int)pa_zone_type.PA_NR_ZONES; zone++)
            {
                pa_zone_info info;
                if (Methods.pa_zone_info(a, node, (pa_zone_type)zone, &info) == 0)
                {
                    zones.Add(new ZoneSlot(node, (ZoneType)zone,
                        [new("node", node), new("zone", ZoneName((ZoneType)zone))]));
                }
            }
        }

        return zones.ToArray();
    }

    private delegate void Reader(pa_allocator* a, List<Measurement<long>> measurements);

    private delegate bool PoolReader(out PagePoolStats stats, out long inflight);

    private enum PoolValue
    {
        Inflight,
        Alloc,
        Recycle,
    }

    private enum ZoneValue
    {
        Free,
        Managed,
        PcpPages,
    }

    private readonly record struct ZoneSlot(int Node, ZoneType Zone, KeyValuePair<string, object?>[] Tags);
}
