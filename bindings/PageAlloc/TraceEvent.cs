// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Text;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// One tracepoint event (C <c>struct pa_trace_event</c>), raised by <see cref="PageAllocator.Trace"/>
/// with the kernel's field values. Fields an event does not carry are 0 (see
/// <see cref="TraceEventKind"/> and the C header's table).
/// </summary>
public readonly struct TraceEvent : IEquatable<TraceEvent>
{
    private readonly pa_trace_event _native;

    internal unsafe TraceEvent(pa_trace_event* native)
    {
        _native = *native;
        _native.page = null;   // a descriptor pointer means nothing once the callback returns
    }

    /// <summary>An event with the given fields, e.g. to print a kernel trace line's fields the
    /// kernel's way with <see cref="Format"/>.</summary>
    /// <param name="kind">The event.</param>
    /// <param name="pfn">The page frame number; -1: none (a failed <c>mm_page_alloc</c>).</param>
    /// <param name="order">The order (<c>mm_page_alloc</c>, <c>mm_page_free</c>, <c>zone_locked</c>, <c>pcpu_drain</c>).</param>
    /// <param name="migrateType">The migratetype (<c>mm_page_alloc</c>, <c>zone_locked</c>, <c>pcpu_drain</c>).</param>
    /// <param name="gfp">The gfp flags (<c>mm_page_alloc</c>).</param>
    /// <param name="percpuRefill">percpu_refill (<c>zone_locked</c>).</param>
    /// <param name="allocOrder">alloc_order (<c>extfrag</c>).</param>
    /// <param name="fallbackOrder">fallback_order (<c>extfrag</c>).</param>
    /// <param name="allocMigrateType">alloc_migratetype (<c>extfrag</c>).</param>
    /// <param name="fallbackMigrateType">fallback_migratetype (<c>extfrag</c>).</param>
    /// <param name="changeOwnership">change_ownership (<c>extfrag</c>).</param>
    /// <param name="cpu">The pcp slot.</param>
    public TraceEvent(TraceEventKind kind, long pfn, int order = 0, int migrateType = 0, Gfp gfp = Gfp.None,
        bool percpuRefill = false, int allocOrder = 0, int fallbackOrder = 0, int allocMigrateType = 0,
        int fallbackMigrateType = 0, bool changeOwnership = false, int cpu = 0)
    {
        _native = new pa_trace_event
        {
            type = (uint)kind,
            cpu = cpu,
            pfn = pfn < 0 ? Methods.PA_TRACE_NO_PFN : (ulong)pfn,
            order = (uint)order,
            migratetype = migrateType,
            gfp = (uint)gfp,
            percpu_refill = percpuRefill ? 1 : 0,
            alloc_order = allocOrder,
            fallback_order = fallbackOrder,
            alloc_migratetype = allocMigrateType,
            fallback_migratetype = fallbackMigrateType,
            change_ownership = changeOwnership ? 1 : 0,
        };
    }

    /// <summary>The event.</summary>
    public TraceEventKind Kind => (TraceEventKind)_native.type;

    /// <summary>The kernel's name of the event, e.g. <c>mm_page_alloc</c> (without <c>kmem:</c>).</summary>
    public string Name => NameOf(Kind);

    /// <summary>The pcp slot ("CPU") of the thread that caused the event.</summary>
    public int Cpu => _native.cpu;

    /// <summary>The page frame number; -1 for a failed allocation's <c>mm_page_alloc</c>.</summary>
    public long Pfn => _native.pfn == Methods.PA_TRACE_NO_PFN ? -1 : (long)_native.pfn;

    /// <summary>The order of the block.</summary>
    public int Order => (int)_native.order;

    /// <summary>The migratetype (0 unmovable, 1 movable, 2 reclaimable, 3 high-atomic).</summary>
    public int MigrateType => _native.migratetype;

    /// <summary>The gfp flags of <c>mm_page_alloc</c>.</summary>
    public Gfp Gfp => (Gfp)_native.gfp;

    /// <summary><c>mm_page_alloc_zone_locked</c>'s percpu_refill: as the kernel computes it, whether
    /// the block's order and migratetype go to pcp lists.</summary>
    public bool PercpuRefill => _native.percpu_refill != 0;

    /// <summary><c>mm_page_alloc_extfrag</c>: the order asked for.</summary>
    public int AllocOrder => _native.alloc_order;

    /// <summary><c>mm_page_alloc_extfrag</c>: the order of the block taken.</summary>
    public int FallbackOrder => _native.fallback_order;

    /// <summary><c>mm_page_alloc_extfrag</c>: the migratetype asked for.</summary>
    public int AllocMigrateType => _native.alloc_migratetype;

    /// <summary><c>mm_page_alloc_extfrag</c>: the migratetype the block was taken from.</summary>
    public int FallbackMigrateType => _native.fallback_migratetype;

    /// <summary><c>mm_page_alloc_extfrag</c>: the pageblock now has <see cref="AllocMigrateType"/>.</summary>
    public bool ChangeOwnership => _native.change_ownership != 0;

    /// <summary><c>mm_page_alloc_extfrag</c>'s fragmenting: the block taken was smaller than a pageblock.</summary>
    public bool Fragmenting => _native.fallback_order < Methods.PA_PAGEBLOCK_ORDER;

    /// <summary>The kernel's name of an event kind (<c>pa_trace_event_name</c>).</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>For example <c>mm_page_alloc</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not an event.</exception>
    public static string NameOf(TraceEventKind kind) => kind switch
    {
        TraceEventKind.MmPageAlloc => "mm_page_alloc",
        TraceEventKind.MmPageFree => "mm_page_free",
        TraceEventKind.MmPageFreeBatched => "mm_page_free_batched",
        TraceEventKind.MmPageAllocZoneLocked => "mm_page_alloc_zone_locked",
        TraceEventKind.MmPagePcpuDrain => "mm_page_pcpu_drain",
        TraceEventKind.MmPageAllocExtfrag => "mm_page_alloc_extfrag",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a trace event."),
    };

    /// <summary>The event's fields as the kernel's <c>TP_printk</c> prints them (perf script's form),
    /// e.g. <c>page=0x1d6a65 pfn=0x1d6a65 order=0 migratetype=1 gfp_flags=GFP_KERNEL</c>.</summary>
    /// <returns>The text.</returns>
    /// <remarks>Calls <c>pa_format_trace_event</c>.</remarks>
    /// <exception cref="InvalidOperationException">The event's kind is not a known event.</exception>
    public unsafe string Format()
    {
        if ((uint)Kind >= (uint)pa_trace_event_type.PA_TRACE_NR_EVENTS)
        {
            throw new InvalidOperationException($"Not a trace event kind: {(int)Kind}.");
        }

        pa_trace_event native = _native;
        const int Size = 512;
        byte* buffer = stackalloc byte[Size];
        nuint needed = Methods.pa_format_trace_event(&native, (sbyte*)buffer, Size);
        if (needed < Size)
        {
            return Encoding.ASCII.GetString(buffer, (int)needed);
        }

        byte[] large = new byte[checked((int)needed + 1)];
        fixed (byte* p = large)
        {
            Methods.pa_format_trace_event(&native, (sbyte*)p, (nuint)large.Length);
        }

        return Encoding.ASCII.GetString(large, 0, (int)needed);
    }

    /// <summary>The event as a trace line's tail: its name, a colon and <see cref="Format"/>, e.g.
    /// <c>mm_page_free: page=0x1d65ba pfn=0x1d65ba order=0</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => (uint)Kind < (uint)pa_trace_event_type.PA_TRACE_NR_EVENTS
        ? Name + ": " + Format()
        : $"unknown trace event {(int)Kind}";

    /// <inheritdoc/>
    public bool Equals(TraceEvent other) =>
        _native.type == other._native.type && _native.cpu == other._native.cpu && _native.pfn == other._native.pfn &&
        _native.order == other._native.order && _native.migratetype == other._native.migratetype &&
        _native.gfp == other._native.gfp && _native.percpu_refill == other._native.percpu_refill &&
        _native.alloc_order == other._native.alloc_order && _native.fallback_order == other._native.fallback_order &&
        _native.alloc_migratetype == other._native.alloc_migratetype &&
        _native.fallback_migratetype == other._native.fallback_migratetype &&
        _native.change_ownership == other._native.change_ownership;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TraceEvent other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_native.type, _native.pfn, _native.order, _native.cpu);

    /// <summary>Whether two events have the same fields.</summary>
    /// <param name="left">One event.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when equal.</returns>
    public static bool operator ==(TraceEvent left, TraceEvent right) => left.Equals(right);

    /// <summary>Whether two events differ in a field.</summary>
    /// <param name="left">One event.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when they differ.</returns>
    public static bool operator !=(TraceEvent left, TraceEvent right) => !left.Equals(right);
}
