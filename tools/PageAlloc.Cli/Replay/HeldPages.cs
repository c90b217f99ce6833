// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using PageAlloc.Native;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// The pages seeding keeps allocated (the host's pages in use when the trace began), one bit
/// per page frame (a page's descriptor is the library's <c>pa_pfn_to_page</c>).
/// They are handed out, a zone at a time, as the pages the kernel's pcp lists held at the start
/// and as stand-ins for frees of pages allocated before the trace: a largest-order chunk at a
/// time, the chunks spread over the zone (which pages the host freed is not recorded; its pages
/// in use lie all over its memory in runs, as refills hand them out in runs split from larger blocks).
/// Most of a machine is first taken a largest-order block at a time and split into single pages
/// only where seeding frees part of it or keeps it (<see cref="SplitWhole"/>): allocating and
/// freeing every page one at a time was two thirds of seeding.
/// </summary>
internal sealed unsafe class HeldPages
{
    private const int ChunkOrder = BuddyShape.ChunkOrder;

    private readonly PageAllocator _allocator;
    private readonly ulong[] _held;
    private readonly nint[] _scratch = new nint[1 << ChunkOrder];
    // Per largest-order chunk of the range: allocated as one block and not split yet.
    private readonly bool[] _whole;
    private readonly Dictionary<ZoneType, HeldWalk> _walks = new();
    private readonly Dictionary<(ZoneType Zone, int Migratetype), HeldWalk> _reserveWalks = new();
    private readonly Dictionary<(ZoneType Zone, int Migratetype), HeldWalk> _typedWalks = new();
    private readonly Dictionary<(ZoneType Zone, int Order, int Migratetype), Stack<nint>> _blocks = new();

    public HeldPages(PageAllocator allocator, long basePfn, long endPfn)
    {
        _allocator = allocator;
        BasePfn = basePfn;
        _held = new ulong[(endPfn - basePfn + 63) / 64];
        _whole = new bool[ChunkIndex(endPfn - 1) + 1];
    }

    public long BasePfn { get; }

    /// <summary>Pages still held.</summary>
    public long Count => _held.Sum(word => (long)ulong.PopCount(word));

    private bool IsHeld(long pfn) => (_held[Word(pfn)] & Bit(pfn)) != 0;

    private void Hold(long pfn) => _held[Word(pfn)] |= Bit(pfn);

    private void Unhold(long pfn) => _held[Word(pfn)] &= ~Bit(pfn);

    private long Word(long pfn) => (pfn - BasePfn) >> 6;

    private ulong Bit(long pfn) => 1UL << (int)((pfn - BasePfn) & 63);

    /// <summary>Lets go of held page <paramref name="pfn"/> and returns its descriptor.</summary>
    private pa_page* Release(long pfn)
    {
        Unhold(pfn);
        return PageOf(pfn);
    }

    private pa_page* PageOf(long pfn) => Methods.pa_pfn_to_page(_allocator.Pointer, (ulong)pfn);

    public bool HasZone(ZoneType zone) => _walks.ContainsKey(zone);

    /// <summary>Allocates every page of <paramref name="zone"/> that can be (movable, with the
    /// atomic reserves, so no pageblock changes type), and holds them.</summary>
    public void AllocateAll(ZoneType zone, long startPfn, long spanned)
    {
        AllocateWhole(zone);
        uint gfp = (uint)(Gfp.Movable | Gfp.Atomic | Gfp.NoWarn | Gfp.NoRetry | ZoneGfp(zone));
        pa_allocator* a = _allocator.Pointer;
        // In bulk, 1,024 slots a call (the bulk path takes its pages off the pcp list as single
        // allocations do, and its single-page fallback takes the last ones): it ends, as one page
        // a call did, when not one page more can be had. The same pages end up held (every
        // replay of the seven bundles in docs/FIDELITY.md is the same to the page), in about half
        // the time on a machine with 3 M pages.
        const int Batch = 1024;
        pa_page** slots = stackalloc pa_page*[Batch];
        while (true)
        {
            new Span<nint>(slots, Batch).Clear();
            nuint got = Methods.pa_alloc_pages_bulk_array(a, gfp, Batch, slots);
            if (got == 0)
            {
                break;
            }

            for (int i = 0; i < Batch; i++)
            {
                if (slots[i] != null)
                {
                    Hold((long)Methods.pa_page_to_pfn(a, slots[i]));
                }
            }
        }

        _walks[zone] = new HeldWalk(startPfn, spanned);
    }

    /// <summary>Largest-order blocks of <paramref name="zone"/> down to its min watermark, one
    /// call each (movable, never a reserve: no pageblock changes type), held whole.</summary>
    private void AllocateWhole(ZoneType zone)
    {
        pa_allocator* a = _allocator.Pointer;
        // __GFP_NOMEMALLOC: a high-order allocation that cannot sleep would otherwise reserve
        // a high-atomic pageblock once the zone nears its watermark.
        uint gfp = (uint)(Gfp.Movable | Gfp.NoMemalloc | Gfp.NoWarn | Gfp.NoRetry | ZoneGfp(zone));
        pa_page* block;
        while ((block = Methods.pa_alloc_pages(a, gfp, ChunkOrder)) != null)
        {
            long head = (long)Methods.pa_page_to_pfn(a, block);
            _whole[ChunkIndex(head)] = true;
            for (long pfn = head; pfn < head + (1 << ChunkOrder); pfn++)
            {
                Hold(pfn);
            }
        }
    }

    /// <summary>Splits every block still held whole into single pages, as the rest of the
    /// replay hands held pages out one at a time. Call once seeding has freed what it frees.</summary>
    public void SplitWhole()
    {
        for (int chunk = 0; chunk < _whole.Length; chunk++)
        {
            if (_whole[chunk])
            {
                Split(chunk);
            }
        }
    }

    private void Split(int chunk)
    {
        long head = ((BasePfn >> ChunkOrder) + chunk) << ChunkOrder;
        int err = Methods.pa_split_page(_allocator.Pointer, PageOf(head), ChunkOrder);
        if (err != 0)
        {
            throw new InvalidOperationException($"pa_split_page(pfn {head:#x}, order {ChunkOrder}) failed: {err}");
        }

        _whole[chunk] = false;
    }

    private int ChunkIndex(long pfn) => (int)((pfn >> ChunkOrder) - (BasePfn >> ChunkOrder));

    /// <summary>Which pages of [start, start + length) are free (not held): the map <see cref="BuddyShape.Plan"/> works on.</summary>
    public bool[] FreeMap(long start, long length)
    {
        bool[] free = new bool[length];
        for (long i = 0; i < length; i++)
        {
            free[i] = !IsHeld(start + i);
        }

        return free;
    }

    /// <summary>Frees the held pages of [start, start + 2^order).</summary>
    public void Free(long start, int order)
    {
        int chunk = ChunkIndex(start);
        if (_whole[chunk] && order == ChunkOrder)
        {
            _whole[chunk] = false;
            for (long pfn = start; pfn < start + (1 << ChunkOrder); pfn++)
            {
                Unhold(pfn);
            }

            Methods.pa_free_pages(_allocator.Pointer, PageOf(start), ChunkOrder);
            return;
        }

        if (_whole[chunk])
        {
            Split(chunk);
        }

        // One release call for the block's pages (they are held: the plan frees only those).
        Span<nint> slots = _scratch.AsSpan(0, 1 << order);
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i] = (nint)Release(start + i);
        }

        fixed (nint* pages = slots)
        {
            Methods.pa_release_pages(_allocator.Pointer, (pa_page**)pages, (nuint)slots.Length);
        }
    }

    /// <summary>A page still held in <paramref name="zone"/>, handed over to the caller (who
    /// frees it); null when the zone has none left.</summary>
    public pa_page* Take(ZoneType zone)
    {
        if (!_walks.TryGetValue(zone, out HeldWalk? walk))
        {
            return null;
        }

        while (walk.Visited < walk.Chunks << ChunkOrder)
        {
            long pfn = walk.Pfn();
            walk.Visited++;
            if (pfn >= walk.Start + walk.Span)
            {
                continue;
            }

            if (IsHeld(pfn))
            {
                return Release(pfn);
            }
        }

        return null;
    }

    /// <summary>A page still held in <paramref name="zone"/> in a pageblock of
    /// <paramref name="migratetype"/>, met in a walk of that type's own (the pages it passes
    /// over stay for the others), handed over to the caller; null when none is left.</summary>
    public pa_page* Take(ZoneType zone, int migratetype, Func<long, int> migratetypeOf)
    {
        if (!_walks.TryGetValue(zone, out HeldWalk? all))
        {
            return null;
        }

        if (!_typedWalks.TryGetValue((zone, migratetype), out HeldWalk? walk))
        {
            walk = new HeldWalk(all.Start, all.Span);
            _typedWalks[(zone, migratetype)] = walk;
        }

        while (walk.Visited < walk.Chunks << ChunkOrder)
        {
            long pfn = walk.Pfn();
            walk.Visited++;
            if (pfn >= walk.Start + walk.Span || migratetypeOf(pfn) != migratetype)
            {
                continue;
            }

            if (IsHeld(pfn))
            {
                return Release(pfn);
            }
        }

        return null;
    }

    /// <summary>
    /// Sets aside up to <paramref name="count"/> held blocks of <paramref name="order"/> in
    /// <paramref name="zone"/> (1 to MAX_ORDER), in pageblocks of <paramref name="migratetype"/> (-1: any), for
    /// <see cref="TakeBlock"/>. Seeding holds single pages, so a
    /// block is made of 2^order of them: an aligned run of held pages, met in the walk like
    /// <see cref="Take"/>'s, whose buddy block is held too, is freed page by page, drained, and
    /// one block of the order is allocated with its pageblock's migratetype. The run cannot merge
    /// (its buddy is in use), so whichever free block of the order the allocation returns, the
    /// free blocks per order and migratetype are as before. Call after seeding, before the replay
    /// counts anything; bound to one CPU. Returns how many were set aside.
    /// </summary>
    public int ReserveBlocks(ZoneType zone, int order, int migratetype, int count, Func<long, int> migratetypeOf)
    {
        if (!_walks.TryGetValue(zone, out HeldWalk? taken) || order <= 0 || order > ChunkOrder)
        {
            return 0;
        }

        // A walk of its own per migratetype: the pages it passes over stay for Take's and the others'.
        if (!_reserveWalks.TryGetValue((zone, migratetype), out HeldWalk? walk))
        {
            walk = new HeldWalk(taken.Start, taken.Span);
            _reserveWalks[(zone, migratetype)] = walk;
        }

        pa_allocator* a = _allocator.Pointer;
        long size = 1L << order;
        if (!_blocks.TryGetValue((zone, order, migratetype), out Stack<nint>? blocks))
        {
            blocks = new Stack<nint>();
            _blocks[(zone, order, migratetype)] = blocks;
        }

        int made = 0;
        while (made < count && walk.Visited < walk.Chunks << ChunkOrder)
        {
            long pfn = walk.Pfn();
            // A block of the largest order has no buddy to merge with.
            if ((walk.Visited & (size - 1)) != 0 || !AllHeld(pfn, size, walk) ||
                (order < ChunkOrder && !AllHeld(pfn ^ size, size, walk)) ||
                (migratetype >= 0 && migratetypeOf(pfn) != migratetype))
            {
                walk.Visited++;
                continue;
            }

            walk.Visited += size;
            int mt = migratetypeOf(pfn);
            for (long p = pfn; p < pfn + size; p++)
            {
                Methods.pa_free_pages(a, Release(p), 0);
            }

            Methods.pa_drain_local_pages(a);
            uint gfp = (uint)(Gfp.Atomic | Gfp.NoWarn | Gfp.NoRetry | ZoneGfp(zone) | mt switch
            {
                PageblockTypes.Movable => Gfp.Movable,
                PageblockTypes.Reclaimable => Gfp.Reclaimable,
                _ => Gfp.None,
            });
            pa_page* block = Methods.pa_alloc_pages(a, gfp, (uint)order);
            Methods.pa_drain_local_pages(a);
            if (block == null)
            {
                break;
            }

            blocks.Push((nint)block);
            made++;
        }

        return made;
    }

    /// <summary>A block set aside by <see cref="ReserveBlocks"/> for <paramref name="migratetype"/>,
    /// else one of another, handed over to the caller (who frees it at its order); null when
    /// none is left.</summary>
    public pa_page* TakeBlock(ZoneType zone, int order, int migratetype)
    {
        if (_blocks.TryGetValue((zone, order, migratetype), out Stack<nint>? own) && own.TryPop(out nint page))
        {
            return (pa_page*)page;
        }

        foreach (((ZoneType z, int o, _), Stack<nint> blocks) in _blocks)
        {
            if (z == zone && o == order && blocks.TryPop(out page))
            {
                return (pa_page*)page;
            }
        }

        return null;
    }

    private bool AllHeld(long start, long size, HeldWalk walk)
    {
        if (start < walk.Start || start + size > walk.Start + walk.Span)
        {
            return false;
        }

        for (long p = start; p < start + size; p++)
        {
            if (!IsHeld(p))
            {
                return false;
            }
        }

        return true;
    }

    private static Gfp ZoneGfp(ZoneType zone) => zone switch
    {
        ZoneType.Dma => Gfp.Dma,
        ZoneType.Dma32 => Gfp.Dma32,
        ZoneType.Movable => Gfp.HighMem,
        _ => Gfp.None,
    };

    /// <summary>A walk visiting every pfn of [Start, Start + Span) once: chunk by chunk, each in
    /// pfn order, the chunks Step apart modulo their number.</summary>
    private sealed class HeldWalk(long start, long span)
    {
        public long Start { get; } = start;
        public long Span { get; } = span;
        public long Chunks { get; } = ChunkCount(span);
        /// <summary>The golden ratio of the chunk count, made coprime with it: consecutive chunks
        /// lie far apart and the walk covers the zone evenly at every length.</summary>
        public long Step { get; } = CoprimeNear(ChunkCount(span), (long)(ChunkCount(span) * 0.6180339887));

        public long Visited { get; set; }

        private static long ChunkCount(long span) => (span + (1L << ChunkOrder) - 1) >> ChunkOrder;

        /// <summary>The pfn of the <see cref="Visited"/>-th visit; past the zone's end for the
        /// missing tail of a last partial chunk.</summary>
        public long Pfn()
        {
            long chunk = (long)((UInt128)(ulong)(Visited >> ChunkOrder) * (ulong)Step % (ulong)Chunks);
            return Start + (chunk << ChunkOrder) + (Visited & ((1L << ChunkOrder) - 1));
        }

        private static long CoprimeNear(long span, long step)
        {
            step = Math.Max(1, step);
            while (Gcd(span, step) != 1)
            {
                step++;
            }

            return step;
        }

        private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);
    }
}
