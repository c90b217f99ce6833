// SPDX-License-Identifier: GPL-2.0-only
using System;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// Our allocator's pcp refills, drains and extfrag events, counted through the library's
/// tracepoints (<see cref="PageAllocator.Trace"/>) as the kernel's are counted from its trace:
/// <c>mm_page_alloc_zone_locked</c> with <c>percpu_refill</c> (2^order pages each),
/// <c>mm_page_pcpu_drain</c> (2^order pages each), <c>mm_page_alloc_extfrag</c>.
/// </summary>
internal sealed class OurTracepoints : IDisposable
{
    private readonly PageAllocator _allocator;
    private const TraceEventMask Counted = TraceEventMask.MmPageAllocZoneLocked | TraceEventMask.MmPagePcpuDrain | TraceEventMask.MmPageAllocExtfrag;

    /// <summary>Starts counting (only these three events are delivered).</summary>
    public OurTracepoints(PageAllocator allocator)
    {
        _allocator = allocator;
        allocator.TraceMask = Counted;
        allocator.Trace += OnTrace;
    }

    public long RefillPages { get; private set; }
    public long DrainPages { get; private set; }
    public long Extfrag { get; private set; }

    /// <summary>Called with each of our drains while set (the replay reads its lists at the last reset this way).</summary>
    public Action<TraceEvent>? OnDrain { get; set; }

    // The replay is single-threaded: the callback runs on its thread, inside its allocator calls.
    private void OnTrace(object? sender, TraceEvent e)
    {
        switch (e.Kind)
        {
            case TraceEventKind.MmPageAllocZoneLocked when e.PercpuRefill:
                RefillPages += 1L << e.Order;
                break;
            case TraceEventKind.MmPagePcpuDrain:
                DrainPages += 1L << e.Order;
                OnDrain?.Invoke(e);
                break;
            case TraceEventKind.MmPageAllocExtfrag:
                Extfrag++;
                break;
            default:
                break;
        }
    }

    /// <summary>Forgets what was counted so far (what happened before the trace's first event).</summary>
    public void Reset()
    {
        RefillPages = 0;
        DrainPages = 0;
        Extfrag = 0;
    }

    /// <summary>Stops the library's calls until <see cref="Resume"/>: what happens meanwhile is
    /// not compared (a reset's window, where each event refills and drains whole batches).</summary>
    public void Pause() => _allocator.TraceMask = TraceEventMask.None;

    /// <summary>Counts again after <see cref="Pause"/>.</summary>
    public void Resume() => _allocator.TraceMask = Counted;

    /// <summary>Stops counting.</summary>
    public void Dispose() => _allocator.Trace -= OnTrace;
}
