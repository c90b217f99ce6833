// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace PageAlloc.AspNetCore;

/// <summary>
/// Kestrel's memory pool factory over page pools: one <see cref="PageMemoryPool"/> per
/// <see cref="MemoryPoolOptions.Owner"/>, over one shared <see cref="PageAllocator"/>; every
/// <see cref="Create(MemoryPoolOptions?)"/> (one per transport, per connection listener...)
/// returns a view of its owner's pool, so all of Kestrel's pools share one set of CPU caches
/// and per-owner figures can still be told apart. Registered by
/// <c>services.AddPageAllocMemoryPool()</c>.
/// </summary>
/// <remarks>
/// <para>Each pool has one cache per CPU that grows with the load and decays when idle (see
/// <see cref="PageMemoryPool"/>): each owner's pool holds at most 512 free pages per CPU, and an
/// eighth of the allocator in all (<see cref="PageMemoryPool.MaxCachedPages"/>), however many
/// pools Kestrel asks for under that owner.</para>
/// <para>The factory owns the allocator it builds (from <see cref="PageAllocMemoryPoolOptions"/>)
/// and the metrics it publishes: the meter "PageAlloc" (<see cref="Metrics"/>) and Kestrel's own
/// instruments on the meter "Microsoft.AspNetCore.MemoryPool"
/// (<c>aspnetcore.memory_pool.pooled</c>, <c>.allocated</c>, <c>.evicted</c>, <c>.rented</c>); disposing it (the service provider does, when the host stops)
/// disposes every pool it made, the metrics and that allocator. An allocator given in
/// <see cref="PageAllocMemoryPoolOptions.Allocator"/> stays the application's.</para>
/// <para><see cref="Create(MemoryPoolOptions?)"/> may be called from any thread.</para>
/// </remarks>
public sealed class PageAllocMemoryPoolFactory : IMemoryPoolFactory<byte>, IDisposable
{
    /// <summary>The owner tag of a pool created without an owner.</summary>
    public const string UnnamedOwner = "unnamed";

    private readonly object _lock = new();
    private readonly List<PageAllocPoolEntry> _pools = [];
    private readonly Dictionary<string, SharedPool> _shared = new(StringComparer.Ordinal);
    private readonly PageAllocator? _ownAllocator;
    private readonly Gfp _gfp;
    private readonly int _maxOrder;
    private readonly long _pressureWindowMs;
    private readonly IMemoryPoolFactory<byte>? _overflowFactory;

    // Under a load the allocator cannot hold every rent may fall back: the caches are given back
    // once per spell of fallbacks, not at each (a release takes every cache's lock).
    private const long ReleaseQuietMs = 100;
    private readonly TimeSpan _decayPeriod;
    private bool _clearOnReturn;
    private long _fallbackRents;
    private long _lastFallbackMs = long.MinValue / 2;
    private readonly ZoneType[] _zones;
    private readonly KestrelPoolMetrics? _kestrelMetrics;
    private bool _disposed;

    /// <summary>A factory from <paramref name="options"/>; the metrics' meter comes from
    /// <paramref name="meterFactory"/> when there is one.</summary>
    /// <param name="options">The options.</param>
    /// <param name="meterFactory">Makes the meters "PageAlloc" and "Microsoft.AspNetCore.MemoryPool"
    /// (dependency injection's); null: the metrics make their own.</param>
    /// <exception cref="ArgumentException">An option is invalid (see <see cref="PageAllocMemoryPoolOptions"/>).</exception>
    public PageAllocMemoryPoolFactory(IOptions<PageAllocMemoryPoolOptions> options, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        PageAllocMemoryPoolOptions settings = options.Value;
        ArgumentOutOfRangeException.ThrowIfNegative(settings.MaxOrder, nameof(settings.MaxOrder));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(settings.MaxOrder, PageAllocator.MaxOrder, nameof(settings.MaxOrder));
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.PressureWindow, TimeSpan.Zero, nameof(settings.PressureWindow));
        if (settings.DecayPeriod != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(settings.DecayPeriod, TimeSpan.Zero, nameof(settings.DecayPeriod));
        }

        _decayPeriod = settings.DecayPeriod;
        _clearOnReturn = settings.ClearOnReturn;
        _gfp = settings.Gfp;
        _maxOrder = settings.MaxOrder;
        _pressureWindowMs = settings.PressureWindowMs;
        _overflowFactory = settings.OverflowFactory;
        if (settings.Allocator is { } allocator)
        {
            Allocator = allocator;
        }
        else
        {
            _ownAllocator = new PageAllocator(settings.ToAllocatorOptions());
            Allocator = _ownAllocator;
        }

        _zones = PresentZones(Allocator);
        try
        {
            // A pool over the allocator checks the flags and the order before anything is rented.
            new PageMemoryPool(Allocator, _gfp, _maxOrder, Timeout.InfiniteTimeSpan).Dispose();
            Metrics = settings.Metrics ? new PageAllocMetrics(Allocator, meterFactory) : null;
            Metrics?.Meter.CreateObservableCounter("pagealloc.kestrel.fallback_rents", () => FallbackRents, "{buffer}",
                "Kestrel's rents served from managed arrays because the allocator was out of pages.");
            _kestrelMetrics = settings.Metrics ? new KestrelPoolMetrics(meterFactory, Allocator.PageSize) : null;
        }
        catch
        {
            Metrics?.Dispose();
            _ownAllocator?.Dispose();
            throw;
        }
    }

    /// <summary>The allocator every pool rents from.</summary>
    public PageAllocator Allocator { get; }

    /// <summary>The metrics on the meter "PageAlloc", or null when
    /// <see cref="PageAllocMemoryPoolOptions.Metrics"/> is off.</summary>
    public PageAllocMetrics? Metrics { get; }

    /// <summary>The page pools made so far, one per owner open at a time (made by the owner's first
    /// <see cref="Create"/>), with their owners, disposed ones included.</summary>
    public IReadOnlyList<PageAllocPoolEntry> Pools
    {
        get
        {
            lock (_lock)
            {
                return _pools.ToArray();
            }
        }
    }

    /// <summary>What the open pools hold now (<see cref="PageAllocPoolTotals"/>), each CPU cache
    /// read under its lock. Allocates nothing: a report polled under load calls it.</summary>
    /// <returns>The totals; zeros once the factory is disposed.</returns>
    public PageAllocPoolTotals ReadTotals()
    {
        int pools = 0, caches = 0;
        long pooled = 0, inflight = 0, max = 0, rented = 0;
        lock (_lock)
        {
            foreach (PageAllocPoolEntry entry in _pools)
            {
                PageMemoryPool pool = entry.Pool;
                if (!pool.TryGetPagePoolStats(out _, out long taken))
                {
                    continue;
                }

                PageMemoryPoolCounters counters = pool.Counters;
                pools++;
                caches += pool.CacheCount;
                pooled += counters.PooledPages;
                inflight += taken;
                max += pool.MaxCachedPages;
                rented += counters.Rents - counters.Returns;
            }
        }

        return new PageAllocPoolTotals(pools, caches, pooled, inflight, max, rented);
    }

    /// <summary>Rents served from managed arrays because the allocator was out of pages.</summary>
    public long FallbackRents => Interlocked.Read(ref _fallbackRents);

    /// <summary>Whether new requests should be turned away: a rent found the allocator out of
    /// pages within the last <see cref="PageAllocMemoryPoolOptions.PressureWindow"/>, and the
    /// allocator's free pages (buddy and per-CPU lists) are still under its high watermark plus an
    /// eighth of what it manages (below the watermarks allocations fail with pages still free).
    /// Only the first test runs while nothing has fallen back. Never, with no window (the default).</summary>
    public bool UnderPressure =>
        Environment.TickCount64 - Volatile.Read(ref _lastFallbackMs) < _pressureWindowMs && LowOnPages();

    /// <summary>A pool for <paramref name="options"/>'s owner whose rents never throw for lack of
    /// pages: a view of the owner's <see cref="PageMemoryPool"/> over <see cref="Allocator"/>.
    /// Every view of one owner shares that page pool and its CPU caches (Kestrel asks for one pool
    /// per transport and listener, all owned by "kestrel"; separate caches would each hold their
    /// own free pages). The page pool is made by the owner's first view and disposed with its last
    /// one (or with the factory). A rent the allocator cannot serve is served by the view's pool
    /// of <see cref="PageAllocMemoryPoolOptions.OverflowFactory"/> and puts the factory
    /// <see cref="UnderPressure"/> when there is a
    /// <see cref="PageAllocMemoryPoolOptions.PressureWindow"/>; the first after a quiet spell
    /// also gives every pool's cached pages back (<see cref="ReleaseCachedPages"/>).</summary>
    /// <param name="options">Kestrel's options; only <see cref="MemoryPoolOptions.Owner"/> is used.</param>
    /// <returns>The pool.</returns>
    /// <exception cref="ObjectDisposedException">The factory is disposed.</exception>
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        string owner = string.IsNullOrEmpty(options?.Owner) ? UnnamedOwner : options.Owner;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_shared.TryGetValue(owner, out SharedPool? shared))
            {
                var pool = new PageMemoryPool(Allocator, _gfp, _maxOrder, _decayPeriod) { ClearOnReturn = _clearOnReturn };
                shared = new SharedPool(pool, owner);
                _shared.Add(owner, shared);
                _pools.Add(new PageAllocPoolEntry(owner, pool));
                Metrics?.AddPool(pool, owner);
                _kestrelMetrics?.Add(pool, owner == UnnamedOwner ? null : owner);
            }

            shared.Views++;
            return new KestrelMemoryPool(this, shared, _overflowFactory);
        }
    }

    /// <summary>A view of <paramref name="shared"/>'s owner is disposed: the last one disposes the
    /// page pool (buffers out stay valid until returned).</summary>
    internal void ViewDisposed(SharedPool shared)
    {
        lock (_lock)
        {
            if (_shared.TryGetValue(shared.Owner, out SharedPool? open) && ReferenceEquals(open, shared) && --shared.Views == 0)
            {
                _shared.Remove(shared.Owner);
                shared.Pool.Dispose();
            }
        }
    }

    /// <summary>An owner's page pool and how many of the views <see cref="Create"/> returned are open.</summary>
    internal sealed class SharedPool(PageMemoryPool pool, string owner)
    {
        public PageMemoryPool Pool { get; } = pool;

        public string Owner { get; } = owner;

        public int Views { get; set; }
    }

    /// <summary>Whether every pool of the factory zeroes a buffer as it comes back
    /// (<see cref="PageMemoryPool.ClearOnReturn"/>); starts as
    /// <see cref="PageAllocMemoryPoolOptions.ClearOnReturn"/>. Set, it holds for the pools open
    /// and those made later, from their next return on: a service can turn zeroing on without
    /// a restart.</summary>
    public bool ClearOnReturn
    {
        get
        {
            lock (_lock)
            {
                return _clearOnReturn;
            }
        }

        set
        {
            lock (_lock)
            {
                _clearOnReturn = value;
                foreach (PageAllocPoolEntry entry in _pools)
                {
                    entry.Pool.ClearOnReturn = value;
                }
            }
        }
    }

    /// <summary>Gives back every page the pools hold in their CPU caches (no caller has them);
    /// the pages of buffers still rented go back when those are returned. Idle caches decay by
    /// themselves (<see cref="PageAllocMemoryPoolOptions.DecayPeriod"/>).</summary>
    public void ReleaseCachedPages()
    {
        foreach (PageAllocPoolEntry entry in Pools)
        {
            entry.Pool.ReleaseCachedPages();
        }
    }

    private static ZoneType[] PresentZones(PageAllocator allocator)
    {
        var zones = new List<ZoneType>();
        foreach (ZoneType zone in Enum.GetValues<ZoneType>())
        {
            try
            {
                allocator.GetZoneInfo(0, zone);
                zones.Add(zone);
            }
            catch (ArgumentException)
            {
                // Absent on node 0; the factory's allocators have the same zones on every node.
            }
        }

        return zones.ToArray();
    }

    /// <summary>Whether free pages (buddy and per-CPU lists, all zones) are under the high
    /// watermarks plus an eighth of the managed pages.</summary>
    private bool LowOnPages()
    {
        long free = 0;
        long bar = 0;
        try
        {
            for (int node = 0; node < Allocator.NodeCount; node++)
            {
                foreach (ZoneType zone in _zones)
                {
                    ZoneInfo info = Allocator.GetZoneInfo(node, zone);
                    free += info.Free + info.PcpPages;
                    bar += info.WatermarkHigh + info.Managed / 8;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return false;
        }

        return free < bar;
    }

    /// <summary>Counts a rent served from an array and opens a pressure window; the first
    /// fallback after a quiet spell (the window, and at least <see cref="ReleaseQuietMs"/>) gives
    /// the cached pages of every pool back, so that the pages other CPUs' caches hold serve the
    /// requests still in flight.</summary>
    internal void RecordFallback()
    {
        Interlocked.Increment(ref _fallbackRents);
        long now = Environment.TickCount64;
        long last = Volatile.Read(ref _lastFallbackMs);
        if (now - last >= Math.Max(_pressureWindowMs, ReleaseQuietMs) && Interlocked.CompareExchange(ref _lastFallbackMs, now, last) == last)
        {
            ReleaseCachedPages();
            return;
        }

        Volatile.Write(ref _lastFallbackMs, now);
    }

    /// <summary>Disposes every page pool made, the metrics, and the allocator when the factory
    /// built it (each view disposes its own overflow pool). Buffers still rented stay valid until they are returned. Disposing twice is harmless.</summary>
    public void Dispose()
    {
        PageAllocPoolEntry[] pools;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            pools = _pools.ToArray();
        }

        foreach (PageAllocPoolEntry entry in pools)
        {
            entry.Pool.Dispose();
        }

        Metrics?.Dispose();
        _kestrelMetrics?.Dispose();
        _ownAllocator?.Dispose();
    }
}

/// <summary>A pool <see cref="PageAllocMemoryPoolFactory"/> made, and the owner it was made for.</summary>
/// <param name="Owner">Kestrel's <see cref="MemoryPoolOptions.Owner"/>, or
/// <see cref="PageAllocMemoryPoolFactory.UnnamedOwner"/>.</param>
/// <param name="Pool">The pool.</param>
public sealed record PageAllocPoolEntry(string Owner, PageMemoryPool Pool);
