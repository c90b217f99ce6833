// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc.Cli.Trace;

/// <summary>The kmem tracepoints of the page allocator (include/trace/events/kmem.h), and
/// <see cref="Other"/> for any other event line.</summary>
internal enum KmemEvent
{
    Other,
    PageAlloc,
    PageFree,
    PageFreeBatched,
    PageAllocZoneLocked,
    PagePcpuDrain,
    PageAllocExtfrag,
}
