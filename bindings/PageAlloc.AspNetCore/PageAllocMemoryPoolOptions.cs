// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace PageAlloc.AspNetCore;

/// <summary>
/// How <see cref="PageAllocMemoryPoolFactory"/> builds its allocator and pools: the allocator's
/// size, nodes and flags, or an allocator of the application's own; the largest block; whether
/// to publish metrics. Set with <c>services.AddPageAllocMemoryPool(options =&gt; ...)</c>.
/// </summary>
public sealed class PageAllocMemoryPoolOptions
{
    /// <summary>The default <see cref="Size"/>: 256 MiB.</summary>
    public const long DefaultSize = 256L << 20;

    /// <summary>Bytes of memory per node, a multiple of the page size (default 256 MiB).
    /// What the pools may hold at most: beyond it, rents are served from managed arrays (or new
    /// requests get 503, with a <see cref="PressureWindow"/>). The pages live in one pinned managed array (a managed arena:
    /// Kestrel's socket transport needs array-backed buffers), so all nodes together stay under
    /// 2 GiB.</summary>
    public long Size { get; set; } = DefaultSize;

    /// <summary>The allocator's nodes, each of <see cref="Size"/> bytes (default 1).</summary>
    public int Nodes { get; set; } = 1;

    /// <summary>The flags of every rent (default <see cref="Gfp.Kernel"/> | <see cref="Gfp.NoWarn"/>:
    /// running out is counted (<see cref="PageAllocMemoryPoolFactory.FallbackRents"/>), not logged per rent).</summary>
    public Gfp Gfp { get; set; } = Gfp.Kernel | Gfp.NoWarn;

    /// <summary>How long after a rent found the allocator out of pages new requests get
    /// 503 Service Unavailable (default zero: never). When pages run out, Kestrel's rents are
    /// served from managed arrays (<see cref="PageAllocMemoryPoolFactory.FallbackRents"/>),
    /// because pipes do not survive a rent that throws; by default every request is served that
    /// way, as Kestrel's own pool allocates arrays beyond what it holds. A service that must stay
    /// within <see cref="Size"/> sets a window (200 ms is a good start) to shed new requests
    /// instead while the allocator is low.</summary>
    public TimeSpan PressureWindow { get; set; } = TimeSpan.Zero;

    /// <summary><see cref="PressureWindow"/> in whole milliseconds: 0 means no window.</summary>
    internal long PressureWindowMs => (long)PressureWindow.TotalMilliseconds;

    /// <summary>Where Kestrel's rents go when the allocator is out of pages: each pool Kestrel
    /// gets from the factory (a view of its owner's page pool) gets a pool of this factory for the
    /// same owner, made at its first such rent and disposed with it, as Kestrel keeps a pool per
    /// transport queue. <c>AddPageAllocMemoryPool</c> sets Kestrel's own factory here, as the web
    /// host registered it (pinned 4 KiB blocks, which Kestrel evicts when idle), unless one is set;
    /// null: <see cref="MemoryPool{T}.Shared"/>, as are sizes its pools cannot hold.</summary>
    public IMemoryPoolFactory<byte>? OverflowFactory { get; set; }

    /// <summary>The largest block order a pool serves (default 0: one-page blocks of 4 KiB, the
    /// block size of Kestrel's own pool). Larger orders serve larger size hints from the pool
    /// rather than from <c>ArrayPool</c>.</summary>
    public int MaxOrder { get; set; }

    /// <summary>Kestrel's decay tick, 100 ms: a full CPU cache (512 pages) is empty 43 ticks, about
    /// 4.3 s, after the traffic stops, and free page reporting (2 s later) has given the memory to
    /// the OS in about 6.5 s, well within 10 s (at 150 ms it was 8.5 s after an HTTP/2 load, too
    /// close to 10 s on a loaded machine). The kernel's rule, an eighth a tick, on a shorter tick
    /// than its second.</summary>
    public static readonly TimeSpan DefaultDecayPeriod = TimeSpan.FromMilliseconds(100);

    /// <summary>How often each pool's CPU caches decay (default <see cref="DefaultDecayPeriod"/>):
    /// each tick a cache's limit drops by an eighth and the pages above it go back to the
    /// allocator; the tick that empties the last cache also drains the allocator's per-CPU lists.
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> turns the timer off.</summary>
    public TimeSpan DecayPeriod { get; set; } = DefaultDecayPeriod;

    /// <summary>Zero every buffer as it comes back to a pool (default false), so that no request
    /// can read what an earlier one wrote (<see cref="PageMemoryPool.ClearOnReturn"/>; the
    /// allocator's own <see cref="PageAllocatorOptions.InitOnFree"/> covers pages freed to it).</summary>
    public bool ClearOnReturn { get; set; }

    /// <summary>Publish the allocator's and the pools' metrics on the meter "PageAlloc"
    /// (<see cref="PageAllocMetrics"/>) and Kestrel's pool instruments on the meter
    /// "Microsoft.AspNetCore.MemoryPool" (default true).</summary>
    public bool Metrics { get; set; } = true;

    /// <summary>Adjusts the allocator options built from <see cref="Size"/> and
    /// <see cref="Nodes"/> (debug checks, poisoning, pcp sizes...) before the allocator is made.</summary>
    public Action<PageAllocatorOptions>? ConfigureAllocator { get; set; }

    /// <summary>An allocator of the application's own to use instead of building one; the
    /// factory neither configures nor disposes it (<see cref="Size"/>, <see cref="Nodes"/> and
    /// <see cref="ConfigureAllocator"/> are then unused).</summary>
    public PageAllocator? Allocator { get; set; }

    /// <summary>The allocator options for <see cref="Size"/> and <see cref="Nodes"/>, with a managed
    /// arena (<see cref="PageAllocatorOptions.ManagedArena"/>), adjusted by
    /// <see cref="ConfigureAllocator"/>.</summary>
    /// <param name="pageSize">The page size in bytes.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="Size"/> is not a positive multiple
    /// of the page size, or <see cref="Nodes"/> is out of range.</exception>
    public PageAllocatorOptions ToAllocatorOptions(int pageSize = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Size, nameof(Size));
        if (Size % pageSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Size), Size, $"The size must be a multiple of the page size ({pageSize}).");
        }

        PageAllocatorOptions options = PageAllocatorOptions.Create(Nodes, Size / pageSize);
        FreePageReportingOptions reporting = ApplyKestrelDefaults(options);
        ConfigureAllocator?.Invoke(options);
        // Poisoning and reporting exclude each other (a reported page reads zero, not poison):
        // asking for poison turns off the reporting that was only a default.
        if (options.Poison && ReferenceEquals(options.FreePageReporting, reporting))
        {
            options.FreePageReporting = null;
        }

        return options;
    }

    /// <summary>The allocator's per-CPU list limit (<see cref="PageAllocatorOptions.PcpHigh"/>)
    /// under the pools: their CPU caches are the per-CPU layer, so the allocator's own lists only
    /// carry a batch on its way to or from the buddy lists. With the kernel's sizing they held
    /// about 300 pages after a 32-connection load, pages the pools had given back that stayed
    /// resident; pinned at 16, the sample's peak anonymous memory under that load was about
    /// 3 MiB lower (docs/KESTREL.md).</summary>
    internal const int KestrelPcpHigh = 16;

    /// <summary>What Kestrel's allocator has on before <see cref="ConfigureAllocator"/> runs (which
    /// may turn any of it off): a managed arena, because Kestrel's socket transport needs
    /// array-backed buffers, per-CPU lists of <see cref="KestrelPcpHigh"/> pages, and free page
    /// reporting, so that memory the pools no longer hold goes back to the OS (the arena's pages are released inside the pinned array, which the
    /// GC never reads). Every default of the factory's allocator belongs here.</summary>
    /// <returns>The reporting options set.</returns>
    private static FreePageReportingOptions ApplyKestrelDefaults(PageAllocatorOptions options)
    {
        options.ManagedArena = true;
        options.PcpHigh = KestrelPcpHigh;
        var reporting = new FreePageReportingOptions();
        options.FreePageReporting = reporting;
        return reporting;
    }
}
