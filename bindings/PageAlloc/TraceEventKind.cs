// SPDX-License-Identifier: GPL-2.0-only
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// A kernel page allocator tracepoint (C <c>enum pa_trace_event_type</c>; the kernel's
/// <c>kmem:mm_page_*</c> events of <c>include/trace/events/kmem.h</c>).
/// </summary>
public enum TraceEventKind
{
    /// <summary><c>mm_page_alloc</c>: an allocation returned (a page, or a failure with
    /// <see cref="TraceEvent.Pfn"/> -1). Not raised per page by the bulk allocator, as in the kernel.</summary>
    MmPageAlloc = (int)pa_trace_event_type.PA_TRACE_MM_PAGE_ALLOC,

    /// <summary><c>mm_page_free</c>: a block is being freed.</summary>
    MmPageFree = (int)pa_trace_event_type.PA_TRACE_MM_PAGE_FREE,

    /// <summary><c>mm_page_free_batched</c>: a batched free queues the page on a pcp list, right
    /// after its <see cref="MmPageFree"/>.</summary>
    MmPageFreeBatched = (int)pa_trace_event_type.PA_TRACE_MM_PAGE_FREE_BATCHED,

    /// <summary><c>mm_page_alloc_zone_locked</c>: a block taken off a buddy list under the zone lock.</summary>
    MmPageAllocZoneLocked = (int)pa_trace_event_type.PA_TRACE_MM_PAGE_ALLOC_ZONE_LOCKED,

    /// <summary><c>mm_page_pcpu_drain</c>: a block returned from a pcp list to the buddy lists.</summary>
    MmPagePcpuDrain = (int)pa_trace_event_type.PA_TRACE_MM_PAGE_PCPU_DRAIN,

    /// <summary><c>mm_page_alloc_extfrag</c>: a fallback took a block of another migratetype.</summary>
    MmPageAllocExtfrag = (int)pa_trace_event_type.PA_TRACE_MM_PAGE_ALLOC_EXTFRAG,
}
