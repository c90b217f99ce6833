// SPDX-License-Identifier: GPL-2.0-only
using System;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>Which <see cref="TraceEventKind"/>s <see cref="PageAllocator.Trace"/> delivers
/// (the mask of <c>pa_set_trace</c>: bit <c>1 &lt;&lt; kind</c> per kind).</summary>
[Flags]
public enum TraceEventMask : uint
{
    /// <summary>No event.</summary>
    None = 0,

    /// <summary><see cref="TraceEventKind.MmPageAlloc"/>.</summary>
    MmPageAlloc = 1u << (int)TraceEventKind.MmPageAlloc,

    /// <summary><see cref="TraceEventKind.MmPageFree"/>.</summary>
    MmPageFree = 1u << (int)TraceEventKind.MmPageFree,

    /// <summary><see cref="TraceEventKind.MmPageFreeBatched"/>.</summary>
    MmPageFreeBatched = 1u << (int)TraceEventKind.MmPageFreeBatched,

    /// <summary><see cref="TraceEventKind.MmPageAllocZoneLocked"/>.</summary>
    MmPageAllocZoneLocked = 1u << (int)TraceEventKind.MmPageAllocZoneLocked,

    /// <summary><see cref="TraceEventKind.MmPagePcpuDrain"/>.</summary>
    MmPagePcpuDrain = 1u << (int)TraceEventKind.MmPagePcpuDrain,

    /// <summary><see cref="TraceEventKind.MmPageAllocExtfrag"/>.</summary>
    MmPageAllocExtfrag = 1u << (int)TraceEventKind.MmPageAllocExtfrag,

    /// <summary>Every event (<c>PA_TRACE_ALL</c>).</summary>
    All = Methods.PA_TRACE_ALL,
}
