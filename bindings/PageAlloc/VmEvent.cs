// SPDX-License-Identifier: GPL-2.0-only
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// An event counter summed over CPUs and nodes (C <c>enum pa_vm_event_item</c>; the kernel's
/// <c>/proc/vmstat</c> events), read with <see cref="PageAllocator.GetVmEvent(VmEvent)"/>.
/// </summary>
public enum VmEvent
{
    /// <summary>Pages allocated from DMA zones (<c>PA_PGALLOC_DMA</c>).</summary>
    PgAllocDma = (int)pa_vm_event_item.PA_PGALLOC_DMA,

    /// <summary>Pages allocated from DMA32 zones (<c>PA_PGALLOC_DMA32</c>).</summary>
    PgAllocDma32 = (int)pa_vm_event_item.PA_PGALLOC_DMA32,

    /// <summary>Pages allocated from NORMAL zones (<c>PA_PGALLOC_NORMAL</c>).</summary>
    PgAllocNormal = (int)pa_vm_event_item.PA_PGALLOC_NORMAL,

    /// <summary>Pages allocated from MOVABLE zones (<c>PA_PGALLOC_MOVABLE</c>).</summary>
    PgAllocMovable = (int)pa_vm_event_item.PA_PGALLOC_MOVABLE,

    /// <summary>Pages freed (<c>PA_PGFREE</c>).</summary>
    PgFree = (int)pa_vm_event_item.PA_PGFREE,

    /// <summary>Allocations satisfied on the preferred node (<c>PA_NUMA_HIT</c>).</summary>
    NumaHit = (int)pa_vm_event_item.PA_NUMA_HIT,

    /// <summary>Allocations satisfied on a node other than the preferred one (<c>PA_NUMA_MISS</c>).</summary>
    NumaMiss = (int)pa_vm_event_item.PA_NUMA_MISS,

    /// <summary>Allocations meant for a node but satisfied elsewhere (<c>PA_NUMA_FOREIGN</c>).</summary>
    NumaForeign = (int)pa_vm_event_item.PA_NUMA_FOREIGN,

    /// <summary>Allocations on the node of the allocating CPU (<c>PA_NUMA_LOCAL</c>).</summary>
    NumaLocal = (int)pa_vm_event_item.PA_NUMA_LOCAL,

    /// <summary>Allocations on another node than the allocating CPU's (<c>PA_NUMA_OTHER</c>).</summary>
    NumaOther = (int)pa_vm_event_item.PA_NUMA_OTHER,

    /// <summary>Slow-path entries that called reclaim (<c>PA_ALLOCSTALL</c>).</summary>
    AllocStall = (int)pa_vm_event_item.PA_ALLOCSTALL,

    /// <summary>Allocation calls that returned nothing (<c>PA_PGFAIL</c>).</summary>
    PgFail = (int)pa_vm_event_item.PA_PGFAIL,

    /// <summary>Interleaved single allocations that got the node the policy meant
    /// (<c>PA_NUMA_INTERLEAVE_HIT</c>; <c>numa_interleave</c> in <c>/proc/vmstat</c>).</summary>
    NumaInterleaveHit = (int)pa_vm_event_item.PA_NUMA_INTERLEAVE_HIT,
}
