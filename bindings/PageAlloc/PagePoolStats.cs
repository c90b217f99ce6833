// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc;

/// <summary>
/// A snapshot of a <see cref="PagePool"/>'s counters (C <c>struct pa_page_pool_stats</c>, the
/// kernel's <c>page_pool_stats</c>): where allocations were served from and where returned pages
/// went.
/// </summary>
/// <param name="AllocFast">Served from the cache (<c>alloc_fast</c>).</param>
/// <param name="AllocSlow">Order-0 refills from the allocator in one bulk call (<c>alloc_slow</c>).</param>
/// <param name="AllocSlowHighOrder">Higher-order blocks taken from the allocator one at a time (<c>alloc_slow_high_order</c>).</param>
/// <param name="AllocEmpty">Cache and ring both empty (<c>alloc_empty</c>).</param>
/// <param name="AllocRefill">Cache refills from the ring (<c>alloc_refill</c>).</param>
/// <param name="AllocWaive">Ring pages of another node given back during a refill (<c>alloc_waive</c>).</param>
/// <param name="RecycleCached">Returns into the cache (<c>recycle_cached</c>).</param>
/// <param name="RecycleCacheFull">Direct returns that found the cache full (<c>recycle_cache_full</c>).</param>
/// <param name="RecycleRing">Returns into the ring (<c>recycle_ring</c>).</param>
/// <param name="RecycleRingFull">Returns that found the ring full and went to the allocator (<c>recycle_ring_full</c>).</param>
/// <param name="RecycleReleasedRefcnt">Returns of shared pages, released to the allocator (<c>recycle_released_refcnt</c>).</param>
public readonly record struct PagePoolStats(
    long AllocFast,
    long AllocSlow,
    long AllocSlowHighOrder,
    long AllocEmpty,
    long AllocRefill,
    long AllocWaive,
    long RecycleCached,
    long RecycleCacheFull,
    long RecycleRing,
    long RecycleRingFull,
    long RecycleReleasedRefcnt);
