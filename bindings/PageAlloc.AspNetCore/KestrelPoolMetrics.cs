// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;

namespace PageAlloc.AspNetCore;

/// <summary>
/// The instruments ASP.NET Core 10 publishes for Kestrel's own pool, for the page pools a
/// <see cref="PageAllocMemoryPoolFactory"/> makes: same meter, names, units and tag, so that
/// dashboards and <c>dotnet-counters</c> that watched Kestrel's pool see these in its place.
/// </summary>
/// <remarks>
/// <para>Meter <see cref="MeterName"/>; tag <c>aspnetcore.memory_pool.owner</c> =
/// <c>MemoryPoolOptions.Owner</c>, left out when the owner is empty (as Kestrel does); pools of
/// one owner are summed. In bytes (<c>By</c>):</para>
/// <list type="table">
/// <item><term><c>aspnetcore.memory_pool.pooled</c></term><description>UpDownCounter: free pages in the pools' CPU caches, ready for reuse.</description></item>
/// <item><term><c>aspnetcore.memory_pool.allocated</c></term><description>Counter: pages the pools took from the allocator (refills of a cache, blocks larger than a page).</description></item>
/// <item><term><c>aspnetcore.memory_pool.evicted</c></term><description>Counter: pages the pools gave back to the allocator while open: a cache's decay (high/8 a tick), a return to a cache full at its largest size, <c>ReleaseCachedPages</c>, and blocks larger than a page (never cached). Kestrel's pool evicts blocks to the GC; ours go back to the allocator, which can hand them to the OS.</description></item>
/// <item><term><c>aspnetcore.memory_pool.rented</c></term><description>Counter: bytes handed out by rents.</description></item>
/// </list>
/// <para>Kestrel's are pushed on every rent and return; these are observable (each collection
/// reads the pools' counts, see <see cref="PageMemoryPool.Counters"/>), so a rent pays nothing
/// for them, and a listener sees the same sums. A disposed pool keeps its final counts
/// (the counters never go down) and pools nothing.</para>
/// </remarks>
internal sealed class KestrelPoolMetrics : IDisposable
{
    /// <summary>ASP.NET Core's meter for its memory pools.</summary>
    public const string MeterName = "Microsoft.AspNetCore.MemoryPool";

    /// <summary>The owner tag's name.</summary>
    public const string OwnerTag = "aspnetcore.memory_pool.owner";

    private readonly List<(string? Owner, PageMemoryPool Pool)> _pools = [];
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly long _pageSize;

    public KestrelPoolMetrics(IMeterFactory? meterFactory, int pageSize)
    {
        _pageSize = pageSize;
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(new MeterOptions(MeterName)) ?? new Meter(MeterName);
        _meter.CreateObservableUpDownCounter("aspnetcore.memory_pool.pooled", () => Observe(c => c.PooledPages), "By",
            "Number of bytes currently held by the memory pool and available for reuse.");
        _meter.CreateObservableCounter("aspnetcore.memory_pool.allocated", () => Observe(c => c.AllocatedPages), "By",
            "Total number of allocations made by the memory pool.");
        _meter.CreateObservableCounter("aspnetcore.memory_pool.evicted", () => Observe(c => c.EvictedPages), "By",
            "Total number of bytes that have been evicted from the memory pool.");
        _meter.CreateObservableCounter("aspnetcore.memory_pool.rented", () => Observe(c => c.RentedPages), "By",
            "Total number of bytes rented from the memory pool.");
    }

    /// <summary>Observes <paramref name="pool"/> under <paramref name="owner"/> (null or empty: no tag).</summary>
    public void Add(PageMemoryPool pool, string? owner)
    {
        lock (_pools)
        {
            _pools.Add((string.IsNullOrEmpty(owner) ? null : owner, pool));
        }
    }

    public void Dispose()
    {
        lock (_pools)
        {
            _pools.Clear();
        }

        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private List<Measurement<long>> Observe(Func<PageMemoryPoolCounters, long> pages)
    {
        var sums = new Dictionary<string, long>(StringComparer.Ordinal);
        long untagged = 0;
        bool anyUntagged = false;
        lock (_pools)
        {
            foreach ((string? owner, PageMemoryPool pool) in _pools)
            {
                long bytes = pages(pool.Counters) * _pageSize;
                if (owner is null)
                {
                    untagged += bytes;
                    anyUntagged = true;
                }
                else
                {
                    sums[owner] = sums.GetValueOrDefault(owner) + bytes;
                }
            }
        }

        var measurements = new List<Measurement<long>>(sums.Count + 1);
        foreach ((string owner, long bytes) in sums)
        {
            measurements.Add(new Measurement<long>(bytes, new KeyValuePair<string, object?>(OwnerTag, owner)));
        }

        if (anyUntagged)
        {
            measurements.Add(new Measurement<long>(untagged));
        }

        return measurements;
    }
}
