// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc;

/// <summary>
/// A <see cref="PageMemoryPool"/>'s counts, summed over its CPU caches, in pages (multiply by
/// the page size for bytes). While the pool is open,
/// <c>PooledPages = AllocatedPages + returned pages - RentedPages - EvictedPages</c>.
/// </summary>
/// <param name="PooledPages">Pages in the CPU caches now: free, ready for the next rent.</param>
/// <param name="AllocatedPages">Pages taken from the allocator (refills of a cache, larger blocks).</param>
/// <param name="EvictedPages">Pages given back to the allocator while the pool was open: a cache's
/// decay, a return to a cache full at its largest size, <see cref="PageMemoryPool.ReleaseCachedPages"/>,
/// and blocks larger than a page (never cached). What <c>Dispose</c> gives back is not counted.</param>
/// <param name="RentedPages">Pages handed out by rents.</param>
/// <param name="Rents">Buffers rented.</param>
/// <param name="Returns">Buffers returned while the pool was open.</param>
public readonly record struct PageMemoryPoolCounters(
    long PooledPages, long AllocatedPages, long EvictedPages, long RentedPages, long Rents, long Returns);
