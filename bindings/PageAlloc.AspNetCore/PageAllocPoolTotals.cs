// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc.AspNetCore;

/// <summary>
/// What the open pools of a <see cref="PageAllocMemoryPoolFactory"/> hold, summed over the pools
/// and their CPU caches, in pages; read with <see cref="PageAllocMemoryPoolFactory.ReadTotals"/>,
/// which allocates nothing (a report polled under load must not grow the heap it reports on).
/// </summary>
/// <param name="Pools">Pools open.</param>
/// <param name="CpuCaches">CPU caches of those pools (one per CPU each).</param>
/// <param name="PooledPages">Free pages in the CPU caches, ready for the next rent.</param>
/// <param name="InflightPages">Pages taken from the allocator and not given back: cached or rented.</param>
/// <param name="MaxCachedPages">The most free pages the caches may hold (each pool's
/// <see cref="PageMemoryPool.MaxCachedPages"/>, summed).</param>
/// <param name="RentedBuffers">Buffers rented and not returned.</param>
public readonly record struct PageAllocPoolTotals(
    int Pools, int CpuCaches, long PooledPages, long InflightPages, long MaxCachedPages, long RentedBuffers);
