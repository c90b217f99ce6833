// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Runtime.CompilerServices;
using System.Threading;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// One CPU's share of a <see cref="PageMemoryPool"/>, as the kernel's per-CPU page list
/// (<c>struct per_cpu_pages</c>): a stack of free pages (their owners, reused by the next
/// rent of the page as they are), its limit
/// <see cref="High"/>, the pool's counts for this CPU, and the lock that guards all of it.
/// </summary>
/// <remarks>
/// <para>The lock is one compare-and-swap to take and a plain store to drop. It is held for a
/// push or a pop, or for one bulk call into the allocator (a refill or a drain of a batch); a
/// thread that finds it taken uses another CPU's cache rather than wait (see
/// <see cref="PageMemoryPool"/>).</para>
/// <para>The size rules are the kernel's (6.7+): <see cref="High"/> grows by a
/// <see cref="Batch"/> when a rent finds the stack empty (the rent then refills it, from another
/// CPU's cache or the allocator) or a return finds it full, up to
/// <see cref="HighMax"/>; at <see cref="HighMax"/> a return to a full stack first gives the
/// <see cref="Batch"/> coldest pages back. <see cref="DecayHigh"/> is <c>decay_pcp_high()</c>:
/// each tick high loses an eighth, and the pages above it go back.</para>
/// </remarks>
internal sealed unsafe class CpuPageCache
{
    /// <summary>Pages moved per refill and per drain (the kernel's pcp batch is 63 on large zones).</summary>
    internal const int Batch = 64;

    /// <summary>The most pages one CPU's cache ever holds: 8 batches, 2 MiB of 4 KiB pages.</summary>
    internal const int MaxHigh = 8 * Batch;

    /// <summary>Where decay stops: an idle cache empties (below 8 pages, where high/8 is 0, a
    /// tick takes one page, so an idle pool holds nothing).</summary>
    internal const int HighMin = 0;

    private readonly PageBlockMemoryManager[] _stack;

    /// <summary>A cache that holds at most <paramref name="highMax"/> pages.</summary>
    internal CpuPageCache(int highMax)
    {
        HighMax = highMax;
        _stack = new PageBlockMemoryManager[highMax];
    }

    /// <summary>The most pages this cache holds: <see cref="MaxHigh"/>, or less on a small
    /// allocator (see <see cref="PageMemoryPool"/>).</summary>
    internal readonly int HighMax;

    /// <summary>Pages moved per refill, steal and drain: a batch, or the whole cache if smaller.</summary>
    internal int BatchSize => Math.Min(Batch, HighMax);
    private int _lock;

    /// <summary>Pages in the stack; the top (the most recently returned, warmest) is at <c>Count - 1</c>.</summary>
    internal int Count;

    /// <summary>The most pages the stack may hold now; 0 once closed.</summary>
    internal int High;

    /// <summary>Set by the pool's <c>Dispose</c>: nothing enters the cache again.</summary>
    internal bool Closed;

    /// <summary>Slots for the bulk calls of a refill or drain, all null between calls.</summary>
    internal readonly pa_page*[] Scratch = new pa_page*[Batch];

    // The counts, written under the lock. A rent or return is counted by the cache it used, not
    // the one the buffer came from: sums over the caches are what mean something.
    internal long AllocFast;          // one-page rents served from the stack
    internal long AllocSlow;          // one-page rents that refilled the stack from the allocator
    internal long AllocRefill;        // one-page rents that refilled it from another CPU's cache
    internal long AllocSlowHighOrder; // larger blocks, straight from the allocator
    internal long AllocEmpty;         // rents the allocator could not serve
    internal long RecycleCached;      // one-page returns pushed on the stack
    internal long RecycleCacheFull;   // ... of which found it full at HighMax (a batch went back first)
    internal long ReturnedBlocks;     // larger blocks returned (straight to the allocator)
    internal long RentedHighOrderPages;
    internal long AllocatedPages;     // taken from the allocator
    internal long EvictedPages;       // given back to the allocator while the pool is open

    /// <summary>Buffers rented through this cache.</summary>
    internal long Rents => AllocFast + AllocSlow + AllocRefill + AllocSlowHighOrder;

    /// <summary>Buffers returned through this cache while it was open.</summary>
    internal long Returns => RecycleCached + ReturnedBlocks;

    /// <summary>Pages handed to renters through this cache.</summary>
    internal long RentedPages => AllocFast + AllocSlow + AllocRefill + RentedHighOrderPages;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryEnter() => Interlocked.CompareExchange(ref _lock, 1, 0) == 0;

    /// <summary>Takes the lock, waiting for it.</summary>
    internal void Enter()
    {
        var wait = new SpinWait();
        while (!TryEnter())
        {
            wait.SpinOnce();
        }
    }

    /// <summary>Drops the lock: a release store publishes everything written under it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Exit() => Volatile.Write(ref _lock, 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal PageBlockMemoryManager Pop() => _stack[--Count];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Push(PageBlockMemoryManager owner) => _stack[Count++] = owner;

    /// <summary>Moves up to <paramref name="max"/> of the coldest pages of this (locked) stack
    /// onto <paramref name="target"/>'s (locked) stack: as the kernel drains a pcp list from its
    /// cold end, another CPU takes the pages this one freed longest ago, not those its returns are
    /// freeing now, whose lease states share cache lines with them.</summary>
    /// <returns>How many moved.</returns>
    internal int MoveColdestTo(CpuPageCache target, int max)
    {
        int moved = Math.Min(Count, max);
        Array.Copy(_stack, 0, target._stack, target.Count, moved);
        Array.Copy(_stack, moved, _stack, 0, Count - moved);
        Count -= moved;
        target.Count += moved;
        return moved;
    }

    /// <summary>The page <paramref name="index"/> places from the bottom (the coldest).</summary>
    internal PageBlockMemoryManager At(int index) => _stack[index];

    /// <summary>Forgets the <paramref name="count"/> coldest pages (they went back).</summary>
    internal void RemoveColdest(int count)
    {
        Array.Copy(_stack, count, _stack, 0, Count - count);
        Count -= count;
    }

    /// <summary>High after a rent found the stack empty, or a return found it full below
    /// <see cref="HighMax"/>: one batch more (the kernel's <c>nr_pcp_alloc</c> and
    /// <c>nr_pcp_high</c> growth).</summary>
    internal void GrowHigh() => High = Math.Min(High + BatchSize, HighMax);

    /// <summary>One tick of <c>decay_pcp_high()</c>: high drops by an eighth (at least one page),
    /// never below <see cref="HighMin"/>. (The kernel also keeps one tick from freeing more than 32 batches;
    /// a cache here never holds that many.)</summary>
    /// <returns>How many pages are now above high and must go back.</returns>
    internal int DecayHigh()
    {
        if (High > HighMin)
        {
            High = Math.Max(High - Math.Max(High >> 3, 1), HighMin);
        }

        return Math.Max(Count - High, 0);
    }
}
