// SPDX-License-Identifier: GPL-2.0-only
using System.Threading;

namespace PageAlloc;

/// <summary>
/// The reusable owners of a <see cref="PageMemoryPool"/>, one per page frame that has been a
/// block head, found by page frame number: a page the allocator hands the pool finds its owner
/// here, and the owner then stays with the page on the CPU caches' stacks and is leased again
/// with it, so steady state creates no object. Chunks of 1024 entries are made on first use, so the table
/// costs memory only where pages have been rented. Beside each chunk of owners is a chunk of
/// their lease states, one <see cref="int"/> each: a return on another CPU writes only the
/// state, 16 to a cache line, and leaves the owner objects' lines shared by every CPU that
/// reads them (an owner's fields change only when its order does).
/// </summary>
/// <remarks>
/// A page is held by one renter at a time, so its entry is written by one thread at a time (the
/// renter that first sees it empty); the page's handoff through the allocator or page pool
/// publishes the owner to later renters. Only installing a chunk races, settled by one
/// compare-and-swap.
/// </remarks>
internal sealed class BufferOwnerTable
{
    private const int ChunkShift = 10;
    private const int ChunkMask = (1 << ChunkShift) - 1;

    private readonly PageBlockMemoryManager?[]?[] _chunks;
    private readonly int[]?[] _states;

    /// <summary>A table for page frames 0 to <paramref name="pfnLimit"/> - 1.</summary>
    internal BufferOwnerTable(long pfnLimit)
    {
        long chunks = (pfnLimit + ChunkMask) >> ChunkShift;
        _chunks = new PageBlockMemoryManager?[]?[chunks];
        _states = new int[]?[chunks];
    }

    /// <summary>The owner of page frame <paramref name="pfn"/>, or null before its first lease.</summary>
    internal PageBlockMemoryManager? Find(long pfn) => _chunks[pfn >> ChunkShift]?[pfn & ChunkMask];

    /// <summary>Records <paramref name="owner"/> as page frame <paramref name="pfn"/>'s owner.</summary>
    internal void Add(long pfn, PageBlockMemoryManager owner) =>
        (_chunks[pfn >> ChunkShift] ?? AddChunk(pfn >> ChunkShift))[pfn & ChunkMask] = owner;

    /// <summary>The chunk of lease states that holds page frame <paramref name="pfn"/>'s, at
    /// index <c>pfn % 1024</c>; made on first use.</summary>
    internal int[] StatesOf(long pfn)
    {
        long index = pfn >> ChunkShift;
        return _states[index] ?? Interlocked.CompareExchange(ref _states[index], new int[1 << ChunkShift], null) ?? _states[index]!;
    }

    /// <summary>Page frame <paramref name="pfn"/>'s index in its chunk of states.</summary>
    internal static int StateIndexOf(long pfn) => (int)(pfn & ChunkMask);

    private PageBlockMemoryManager?[] AddChunk(long index)
    {
        var fresh = new PageBlockMemoryManager?[1 << ChunkShift];
        return Interlocked.CompareExchange(ref _chunks[index], fresh, null) ?? fresh;
    }
}
