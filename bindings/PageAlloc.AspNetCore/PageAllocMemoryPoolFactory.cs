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
/// Kestrel's memory pool factory over page pools: every <see cref="Create(MemoryPoolOptions?)"/>
/// (one per transport, per connection listener...) makes a <see cref="PageMemoryPool"/> over one
/// shared <see cref="PageAllocator"/>, remembering the caller's <see cref="MemoryPoolOptions.Owner"/>
/// so that per-owner figures can be told apart. Registered by
/// <c>services.AddPageAllocMemoryPool()</c>.
/// </summary>
/// <remarks>
/// <para>The factory owns the allocator it builds (from <see cref="PageAllocMemoryPoolOptions"/>)
/// and the metrics it publishes; disposing it (the service provider does, when the host stops)
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
    private readonly PageAllocator? _ownAllocator;
    private readonly Gfp _gfp;
    private readonly int _maxOrder;
    private readonly long _pressureWindowMs;
    private long _fallbackRents;
    private long _lastFallbackMs = long.MinValue / 2;
    private readonly ZoneType[] _zones;
    private readonly List<KestrelMemoryPool> _kestrelPools = [];
    private readonly Timer _trim;
    private bool _disposed;

    /// <summary>A factory from <paramref name="options"/>; the metrics' meter comes from
    /// <paramref name="meterFactory"/> when there is one.</summary>
    /// <param name="options">The options.</param>
    /// <param name="meterFactory">Makes the meter "PageAlloc" (dependency injection's); null: the
    /// metrics make their own.</param>
    /// <exception cref="ArgumentException">An option is invalid (see <see cref="PageAllocMemoryPoolOptions"/>).</exception>
    public PageAllocMemoryPoolFactory(IOptions<PageAllocMemoryPoolOptions> options, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        PageAllocMemoryPoolOptions settings = options.Value;
        ArgumentOutOfRangeException.ThrowIfNegative(settings.MaxOrder, nameof(settings.MaxOrder));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(settings.MaxOrder, PageAllocator.MaxOrder, nameof(settings.MaxOrder));
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.PressureWindow, TimeSpan.Zero, nameof(settings.PressureWindow));
        _gfp = settings.Gfp;
        _maxOrder = settings.MaxOrder;
        _pressureWindowMs = (long)settings.PressureWindow.TotalMilliseconds;
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
        _trim = new Timer(_ => TrimIdlePools(), null, Timeout.Infinite, Timeout.Infinite);
        try
        {
            // A pool over the allocator checks the flags and the order before anything is rented.
            new PageMemoryPool(Allocator, _gfp, _maxOrder).Dispose();
            Metrics = settings.Metrics ? new PageAllocMetrics(Allocator, meterFactory) : null;
            Metrics?.Meter.CreateObservableCounter("pagealloc.kestrel.fallback_rents", () => FallbackRents, "{buffer}",
                "Kestrel's rents served from managed arrays because the allocator was out of pages.");
        }
        catch
        {
            _ownAllocator?.Dispose();
            throw;
        }
    }

    /// <summary>The allocator every pool rents from.</summary>
    public PageAllocator Allocator { get; }

    /// <summary>The metrics on the meter "PageAlloc", or null when
    /// <see cref="PageAllocMemoryPoolOptions.Metrics"/> is off.</summary>
    public PageAllocMetrics? Metrics { get; }

    /// <summary>The page pools made so far, with their owners, disposed ones included (a pool
    /// Kestrel holds is renewed when the allocator runs out: see <see cref="Create"/>).</summary>
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

    /// <summary>Rents served from managed arrays because the allocator was out of pages.</summary>
    public long FallbackRents => Interlocked.Read(ref _fallbackRents);

    /// <summary>Whether new requests should be turned away: a rent found the allocator out of
    /// pages within the last <see cref="PageAllocMemoryPoolOptions.PressureWindow"/>, and the
    /// allocator's free pages (buddy and per-CPU lists) are still under its high watermark plus an
    /// eighth of what it manages (below the watermarks allocations fail with pages still free).
    /// Only the first test runs while nothing has fallen back.</summary>
    public bool UnderPressure =>
        Environment.TickCount64 - Volatile.Read(ref _lastFallbackMs) < _pressureWindowMs && LowOnPages();

    /// <summary>A new pool over <see cref="Allocator"/> for <paramref name="options"/>'s owner: a
    /// <see cref="PageMemoryPool"/> whose rents never throw for lack of pages. A rent the allocator
    /// cannot serve gets a managed array, puts the factory <see cref="UnderPressure"/> (see
    /// <see cref="PageAllocMemoryPoolOptions.PressureWindow"/>) and renews the page pool: the old
    /// one is disposed, which gives every page cached in its threads' page pools back at once.</summary>
    /// <param name="options">Kestrel's options; only <see cref="MemoryPoolOptions.Owner"/> is used.</param>
    /// <returns>The pool.</returns>
    /// <exception cref="ObjectDisposedException">The factory is disposed.</exception>
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        string owner = string.IsNullOrEmpty(options?.Owner) ? UnnamedOwner : options.Owner;
        PageMemoryPool? pool = CreatePagePool(owner);
        ObjectDisposedException.ThrowIf(pool is null, this);
        var kestrelPool = new KestrelMemoryPool(this, owner, pool);
        lock (_lock)
        {
            _kestrelPools.Add(kestrelPool);
            if (_kestrelPools.Count == 1)
            {
                _trim.Change(TrimPeriod, TrimPeriod);
            }
        }

        return kestrelPool;
    }

    /// <summary>How often idle pools give their cached pages back: a pool that rented nothing for
    /// this long is renewed.</summary>
    public static TimeSpan TrimPeriod { get; } = TimeSpan.FromSeconds(1);

    /// <summary>Gives back every page Kestrel's page pools hold in their caches and rings (no
    /// caller has them): each pool is renewed, and the pages of buffers still rented go back when
    /// those are returned. Idle pools do this by themselves after <see cref="TrimPeriod"/>.</summary>
    public void ReleaseCachedPages()
    {
        KestrelMemoryPool[] pools;
        lock (_lock)
        {
            pools = _disposed ? [] : _kestrelPools.ToArray();
        }

        foreach (KestrelMemoryPool pool in pools)
        {
            pool.ReleaseCachedPages();
        }
    }

    private void TrimIdlePools()
    {
        KestrelMemoryPool[] pools;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            pools = _kestrelPools.ToArray();
        }

        foreach (KestrelMemoryPool pool in pools)
        {
            pool.TrimIfIdle();
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

    /// <summary>How long a fallback keeps the factory under pressure, in milliseconds.</summary>
    internal long PressureWindowMs => _pressureWindowMs;

    /// <summary>A new page pool for <paramref name="owner"/>, listed and observed; null once the
    /// factory is disposed.</summary>
    internal PageMemoryPool? CreatePagePool(string owner)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return null;
            }

            var pool = new PageMemoryPool(Allocator, _gfp, _maxOrder);
            _pools.Add(new PageAllocPoolEntry(owner, pool));
            Metrics?.AddPool(pool, owner);
            return pool;
        }
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

    internal void RecordFallback()
    {
        Interlocked.Increment(ref _fallbackRents);
        Volatile.Write(ref _lastFallbackMs, Environment.TickCount64);
    }

    /// <summary>Disposes every pool made, the metrics, and the allocator when the factory built
    /// it. Buffers still rented stay valid until they are returned. Disposing twice is harmless.</summary>
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

        _trim.Dispose();

        foreach (PageAllocPoolEntry entry in pools)
        {
            entry.Pool.Dispose();
        }

        Metrics?.Dispose();
        _ownAllocator?.Dispose();
    }
}

/// <summary>A pool <see cref="PageAllocMemoryPoolFactory"/> made, and the owner it was made for.</summary>
/// <param name="Owner">Kestrel's <see cref="MemoryPoolOptions.Owner"/>, or
/// <see cref="PageAllocMemoryPoolFactory.UnnamedOwner"/>.</param>
/// <param name="Pool">The pool.</param>
public sealed record PageAllocPoolEntry(string Owner, PageMemoryPool Pool);
