// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>
/// PageMemoryPool's CPU caches, one idea per test: a rent refills an empty cache with a batch
/// and grows its high; a return goes to the returning CPU's cache and grows a full one; at the
/// largest size a return gives the coldest batch back; decay takes high/8 a tick, on a timer;
/// ReleaseCachedPages empties them; Dispose races rents and returns without a leak or a double
/// free; pinning costs no GCHandle; a failure after a page was taken gives it back.
/// </summary>
public sealed class PageMemoryPoolCacheTests : LeakCheckedTest
{
    private const int PageSize = 4096;
    private const int Batch = CpuPageCache.Batch;

    private static PageMemoryPool Pool(PageAllocator allocator, int maxOrder = 0) =>
        new(allocator, Gfp.Kernel, maxOrder, Timeout.InfiniteTimeSpan);

    private static CpuPageCache CacheOf(PageMemoryPool pool, int cpu) => pool.Caches[cpu % pool.CacheCount];

    [Fact]
    public void The_caches_are_one_per_CPU_and_hold_at_most_512_pages_each()
    {
        using PageAllocator allocator = Create();
        using PageMemoryPool pool = Pool(allocator);
        Assert.Equal(Environment.ProcessorCount, pool.CacheCount);
        Assert.Equal(512 * Environment.ProcessorCount, pool.MaxCachedPages);
    }

    [Fact]
    public void On_a_small_allocator_the_caches_hold_at_most_an_eighth_of_its_pages()
    {
        using PageAllocator allocator = Create(pagesPerNode: 1024);
        long free = FreePages(allocator);
        using PageMemoryPool pool = Pool(allocator);
        int perCpu = (int)Math.Clamp(1024 / (8 * pool.CacheCount), 1, 512);
        Assert.Equal(pool.CacheCount * perCpu, pool.MaxCachedPages);
        int cpu = CpuAffinity.Allowed()[0];
        using (CpuAffinity.Pin(cpu))
        {
            var rented = new List<IMemoryOwner<byte>>();
            for (int i = 0; i < 300; i++)
            {
                rented.Add(pool.Rent(PageSize));
            }

            rented.ForEach(owner => owner.Dispose());
            CpuPageCache cache = CacheOf(pool, cpu);
            Assert.Equal(perCpu, cache.High);
            Assert.Equal(perCpu, cache.Count);
            Assert.True(pool.Counters.PooledPages <= 1024 / 8);
            Assert.Equal(free - pool.Counters.PooledPages, FreePages(allocator));
        }
    }

    [Fact]
    public void A_rent_from_an_empty_cache_grows_its_high_by_a_batch_and_takes_a_batch()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        using PageMemoryPool pool = Pool(allocator);
        int cpu = CpuAffinity.Allowed()[0];
        var rented = new List<IMemoryOwner<byte>>();
        using (CpuAffinity.Pin(cpu))
        {
            CpuPageCache cache = CacheOf(pool, cpu);
            rented.Add(pool.Rent(PageSize));
            Assert.Equal(Batch, cache.High);
            Assert.Equal(Batch - 1, cache.Count);
            Assert.Equal(free - Batch, FreePages(allocator));

            for (int i = 0; i < Batch; i++)
            {
                rented.Add(pool.Rent(PageSize)); // the 64th rent finds the cache empty again
            }

            Assert.Equal(2 * Batch, cache.High);
            Assert.Equal(Batch - 1, cache.Count);
            Assert.Equal(2, cache.AllocSlow);
            Assert.Equal(Batch - 1, cache.AllocFast);
            Assert.Equal(new PageMemoryPoolCounters(Batch - 1, 2 * Batch, 0, Batch + 1, Batch + 1, 0), pool.Counters);
            foreach (IMemoryOwner<byte> owner in rented)
            {
                owner.Dispose();
            }

            Assert.Equal(2 * Batch, cache.Count); // exactly its high
            Assert.Equal(free - 2 * Batch, FreePages(allocator));
        }
    }

    [Fact]
    public void A_buffer_returned_on_another_CPU_goes_to_that_CPUs_cache_which_grows_to_hold_it()
    {
        using PageAllocator allocator = Create();
        using PageMemoryPool pool = Pool(allocator);
        int[] cpus = CpuAffinity.Allowed();
        int renter = cpus[0], returner = cpus[^1];
        var rented = new List<IMemoryOwner<byte>>();
        using (CpuAffinity.Pin(renter))
        {
            for (int i = 0; i < 100; i++)
            {
                rented.Add(pool.Rent(PageSize));
            }
        }

        var thread = new Thread(() =>
        {
            using (CpuAffinity.Pin(returner))
            {
                foreach (IMemoryOwner<byte> owner in rented)
                {
                    owner.Dispose();
                }
            }
        });
        thread.Start();
        thread.Join();

        CpuPageCache cache = CacheOf(pool, returner);
        if (ReferenceEquals(cache, CacheOf(pool, renter)))
        {
            // One cache (one CPU): it refilled twice (high 128), and holds every page it took.
            Assert.Equal(2 * Batch, cache.Count);
        }
        else
        {
            // The returner's cache had high 0: it grew a batch at a time to hold the 100.
            Assert.Equal(100, cache.Count);
            Assert.Equal(2 * Batch, cache.High);
            Assert.Equal(100, cache.RecycleCached);
            Assert.Equal(2 * Batch - 100, CacheOf(pool, renter).Count);
        }

        Assert.Equal(0, pool.RentedBuffers);
    }

    [Fact]
    public void A_rent_from_an_empty_cache_takes_the_coldest_batch_of_another_CPUs_cache_before_the_allocator()
    {
        using PageAllocator allocator = Create();
        using PageMemoryPool pool = Pool(allocator);
        int[] cpus = CpuAffinity.Allowed();
        int renter = cpus[0], returner = cpus[^1];
        var rented = new List<IMemoryOwner<byte>>();
        using (CpuAffinity.Pin(renter))
        {
            for (int i = 0; i < 100; i++)
            {
                rented.Add(pool.Rent(PageSize));
            }
        }

        var thread = new Thread(() =>
        {
            using (CpuAffinity.Pin(returner))
            {
                rented.ForEach(owner => owner.Dispose());
            }
        });
        thread.Start();
        thread.Join();

        CpuPageCache victim = CacheOf(pool, returner);
        PageBlockMemoryManager[] before = Enumerable.Range(0, victim.Count).Select(victim.At).ToArray();
        using (CpuAffinity.Pin(renter))
        {
            CpuPageCache cache = CacheOf(pool, renter);
            int local = cache.Count;
            var again = new List<IMemoryOwner<byte>>();
            for (int i = 0; i <= local; i++)
            {
                again.Add(pool.Rent(PageSize)); // the last finds the cache empty
            }

            if (ReferenceEquals(cache, CacheOf(pool, returner)))
            {
                Assert.Equal(0, cache.AllocRefill); // one CPU: nothing to take from
            }
            else
            {
                Assert.Equal(1, cache.AllocRefill);
                Assert.Equal(Batch - 1, cache.Count);
                Assert.Equal(100 - Batch, victim.Count);
                // The coldest batch moved, as a pcp list drains from its cold end; the returner
                // keeps its warmest pages, coldest first.
                Assert.Equal(before[Batch..], Enumerable.Range(0, victim.Count).Select(victim.At));
            }

            Assert.Equal(2 * Batch, pool.Counters.AllocatedPages); // no trip through the allocator
            again.ForEach(owner => owner.Dispose());
        }
    }

    [Fact]
    public void A_return_to_a_cache_full_at_512_pages_gives_the_coldest_batch_back_first()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        using PageMemoryPool pool = Pool(allocator);
        int cpu = CpuAffinity.Allowed()[0];
        using (CpuAffinity.Pin(cpu))
        {
            CpuPageCache cache = CacheOf(pool, cpu);
            var rented = new IMemoryOwner<byte>[600];
            for (int i = 0; i < rented.Length; i++)
            {
                rented[i] = pool.Rent(PageSize);
            }

            // Ten refills; high stopped at the largest size.
            Assert.Equal(CpuPageCache.MaxHigh, cache.High);
            Assert.Equal(640 - 600, cache.Count);
            foreach (IMemoryOwner<byte> owner in rented)
            {
                owner.Dispose();
            }

            // 472 returns filled it; each of the next two full batches first sent 64 back.
            Assert.Equal(CpuPageCache.MaxHigh, cache.Count);
            Assert.Equal(2, cache.RecycleCacheFull);
            Assert.Equal(new PageMemoryPoolCounters(512, 640, 128, 600, 600, 600), pool.Counters);
            Assert.Equal(free - 512, FreePages(allocator));

            // The stack is last in, first out: the warmest page is rented next.
            Assert.Same(rented[^1], pool.Rent(PageSize));
            rented[^1].Dispose();
        }
    }

    [Fact]
    public void The_decay_tick_that_empties_the_last_cache_drains_the_allocators_cpu_lists()
    {
        using PageAllocator allocator = Create();
        using PageMemoryPool pool = Pool(allocator);
        int cpu = CpuAffinity.Allowed()[0];
        using (CpuAffinity.Pin(cpu))
        {
            var rented = new IMemoryOwner<byte>[Batch];
            for (int i = 0; i < rented.Length; i++)
            {
                rented[i] = pool.Rent(PageSize);
            }

            foreach (IMemoryOwner<byte> owner in rented)
            {
                owner.Dispose();
            }

            int ticks = 0;
            while (pool.Counters.PooledPages > 0 && ticks++ < 100)
            {
                long pcpBefore = allocator.GetZoneInfo(0, ZoneType.Normal).PcpPages;
                pool.Decay();
                if (pool.Counters.PooledPages > 0)
                {
                    // A tick that leaves pages cached leaves the allocator's lists alone.
                    Assert.True(allocator.GetZoneInfo(0, ZoneType.Normal).PcpPages >= pcpBefore);
                }
            }

            Assert.Equal(0, pool.Counters.PooledPages);
            Assert.Equal(0, allocator.GetZoneInfo(0, ZoneType.Normal).PcpPages);
        }
    }

    [Fact]
    public void ClearOnReturn_zeroes_a_buffer_before_the_next_rent_sees_it()
    {
        using PageAllocator allocator = Create();
        foreach (bool clear in new[] { false, true })
        {
            using var pool = new PageMemoryPool(allocator, Gfp.Kernel, 0, Timeout.InfiniteTimeSpan) { ClearOnReturn = clear };
            using (CpuAffinity.Pin(CpuAffinity.Allowed()[0]))
            {
                IMemoryOwner<byte> first = pool.Rent(PageSize);
                first.Memory.Span.Fill(0xA5);
                first.Dispose();
                using IMemoryOwner<byte> again = pool.Rent(PageSize); // the same page: the top of the stack
                Assert.Equal(-1, again.Memory.Span.IndexOfAnyExcept(clear ? (byte)0 : (byte)0xA5));
            }
        }
    }

    [Fact]
    public void ClearOnReturn_changed_while_a_buffer_is_out_holds_for_its_return()
    {
        using PageAllocator allocator = Create();
        using var pool = new PageMemoryPool(allocator, Gfp.Kernel, 0, Timeout.InfiniteTimeSpan);
        using (CpuAffinity.Pin(CpuAffinity.Allowed()[0]))
        {
            foreach (bool clear in new[] { true, false, true })
            {
                IMemoryOwner<byte> first = pool.Rent(PageSize);
                first.Memory.Span.Fill(0x5A);
                pool.ClearOnReturn = clear; // rented before the change, returned after it
                first.Dispose();
                using IMemoryOwner<byte> again = pool.Rent(PageSize); // the same page: the top of the stack
                Assert.Equal(-1, again.Memory.Span.IndexOfAnyExcept(clear ? (byte)0 : (byte)0x5A));
            }
        }
    }

    [Fact]
    public void Decay_drops_high_by_an_eighth_a_tick_and_frees_the_pages_above_it()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        using PageMemoryPool pool = Pool(allocator);
        int cpu = CpuAffinity.Allowed()[0];
        using (CpuAffinity.Pin(cpu))
        {
            CpuPageCache cache = CacheOf(pool, cpu);
            var rented = new IMemoryOwner<byte>[512];
            for (int i = 0; i < rented.Length; i++)
            {
                rented[i] = pool.Rent(PageSize);
            }

            foreach (IMemoryOwner<byte> owner in rented)
            {
                owner.Dispose();
            }

            Assert.Equal(512, cache.Count);
            pool.Decay();
            Assert.Equal(448, cache.High);
            Assert.Equal(448, cache.Count);
            Assert.Equal(64, pool.Counters.EvictedPages);
            Assert.Equal(free - 448, FreePages(allocator));
            pool.Decay();
            Assert.Equal(392, cache.High);
            Assert.Equal(392, cache.Count);

            int ticks = 2;
            while (cache.High >= 8)
            {
                pool.Decay();
                ticks++;
            }

            // high - high/8 in integers, as the kernel computes it, is under 8 after 36 ticks.
            Assert.Equal(36, ticks);
            Assert.Equal(cache.High, cache.Count);
            Assert.Equal(free - cache.Count, FreePages(allocator));
            int floor = cache.High;
            pool.Decay(); // high/8 is 0 from here: a page a tick, until an idle cache is empty
            Assert.Equal(floor - 1, cache.High);
            Assert.Equal(floor - 1, cache.Count);
            for (int tick = 1; tick < floor; tick++)
            {
                pool.Decay();
            }

            Assert.Equal(0, cache.High);
            Assert.Equal(0, cache.Count);
            Assert.Equal(free, FreePages(allocator));

            // Load again: the rent that finds the cache empty grows high by a batch.
            var again = new List<IMemoryOwner<byte>>();
            again.Add(pool.Rent(PageSize));
            Assert.Equal(Batch, cache.High);
            foreach (IMemoryOwner<byte> owner in again)
            {
                owner.Dispose();
            }
        }
    }

    [Fact]
    public void The_decay_timer_shrinks_idle_caches_without_a_rent_or_return()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        using var pool = new PageMemoryPool(allocator, Gfp.Kernel, 0, TimeSpan.FromMilliseconds(5));
        var rented = new IMemoryOwner<byte>[256];
        for (int i = 0; i < rented.Length; i++)
        {
            rented[i] = pool.Rent(PageSize);
        }

        foreach (IMemoryOwner<byte> owner in rented)
        {
            owner.Dispose();
        }

        var since = System.Diagnostics.Stopwatch.StartNew();
        while (pool.Counters.PooledPages >= 8 * pool.CacheCount && since.Elapsed < TimeSpan.FromSeconds(20))
        {
            Thread.Sleep(10);
        }

        PageMemoryPoolCounters counters = pool.Counters;
        Assert.True(counters.PooledPages < 8 * pool.CacheCount, $"{counters.PooledPages} pages still cached after {since.Elapsed}");
        Assert.Equal(counters.AllocatedPages - counters.PooledPages, counters.EvictedPages);
        // The timer may still free a page or two after the read.
        Assert.InRange(FreePages(allocator), free - counters.PooledPages, free);
    }

    [Fact]
    public void ReleaseCachedPages_empties_every_cache()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        using PageMemoryPool pool = Pool(allocator, maxOrder: 2);
        using IMemoryOwner<byte> kept = pool.Rent(PageSize);
        using IMemoryOwner<byte> block = pool.Rent(3 * PageSize);
        for (int i = 0; i < 100; i++)
        {
            pool.Rent(PageSize).Dispose();
        }

        pool.ReleaseCachedPages();
        PageMemoryPoolCounters counters = pool.Counters;
        Assert.Equal(0, counters.PooledPages);
        Assert.Equal(counters.AllocatedPages - 1 - 4, counters.EvictedPages); // all but the two out
        Assert.Equal(free - 1 - 4, FreePages(allocator));
        Assert.All(pool.Caches, c => Assert.Equal(CpuPageCache.HighMin, c.High));
    }

    /// <summary>Four threads rent one- to four-page buffers, write them, hand half to each other
    /// and return the rest, while the pool decays every millisecond and is disposed under them.
    /// Every rent after the Dispose throws ObjectDisposedException; every buffer still comes
    /// back, exactly once (no bad_page line), every page returns to the allocator, the
    /// allocator's check passes, and the pool's allocator reference goes with the last buffer.</summary>
    [Fact]
    public void Dispose_racing_rents_and_returns_on_other_threads_loses_nothing_and_frees_nothing_twice()
    {
        for (int round = 0; round < 12; round++)
        {
            long destroyed = OwnerDiagnostics.DestroyedAllocators;
            PageAllocator allocator = Create(pagesPerNode: 16384);
            var bad = new List<string>();
            allocator.Log += (_, e) =>
            {
                if (e.Level == PageAllocatorLogLevel.Error || (e.Level == PageAllocatorLogLevel.Warning && !e.Message.Contains("never returned", StringComparison.Ordinal)))
                {
                    lock (bad)
                    {
                        bad.Add(e.Message);
                    }
                }
            };
            long free = FreePages(allocator);
            var pool = new PageMemoryPool(allocator, Gfp.Kernel, 2, TimeSpan.FromMilliseconds(1));
            var handoff = new ConcurrentQueue<(IMemoryOwner<byte> Owner, byte Mark)>();
            var errors = new List<Exception>();
            int disposedSeen = 0;
            using var started = new CountdownEvent(4);
            Thread[] workers = StartWorkers(4, errors, index =>
            {
                var mine = new List<(IMemoryOwner<byte> Owner, byte Mark)>();
                started.Signal();
                for (int i = 0; ; i++)
                {
                    IMemoryOwner<byte> owner;
                    try
                    {
                        owner = pool.Rent(PageSize << (i % 3));
                    }
                    catch (ObjectDisposedException)
                    {
                        Interlocked.Increment(ref disposedSeen);
                        break;
                    }

                    byte mark = (byte)(index * 61 + i);
                    owner.Memory.Span[0] = mark;
                    owner.Memory.Span[^1] = mark;
                    if (i % 2 == 0)
                    {
                        handoff.Enqueue((owner, mark));
                    }
                    else
                    {
                        mine.Add((owner, mark));
                    }

                    if (mine.Count > 8)
                    {
                        ReturnChecked(mine[0]);
                        mine.RemoveAt(0);
                    }

                    if (handoff.TryDequeue(out var theirs))
                    {
                        ReturnChecked(theirs);
                    }
                }

                foreach (var item in mine)
                {
                    ReturnChecked(item);
                }
            });
            started.Wait();
            Thread.Sleep(round % 4);
            pool.Dispose();
            foreach (Thread worker in workers)
            {
                worker.Join();
            }

            while (handoff.TryDequeue(out var item))
            {
                ReturnChecked(item);
            }

            Assert.Empty(errors);
            Assert.Equal(4, disposedSeen);
            Assert.Equal(0, pool.RentedBuffers);
            Assert.Equal(free, FreePages(allocator));
            allocator.Check();
            allocator.Dispose();
            Assert.Equal(destroyed + 1, OwnerDiagnostics.DestroyedAllocators); // the pool let go
            lock (bad)
            {
                Assert.Empty(bad);
            }
        }

        AcceptFinalizations(); // the buffers out at each Dispose were reported, as they should be
    }

    private static void ReturnChecked((IMemoryOwner<byte> Owner, byte Mark) item)
    {
        Span<byte> span = item.Owner.Memory.Span;
        if (span[0] != item.Mark || span[^1] != item.Mark)
        {
            throw new InvalidOperationException("a buffer changed while it was rented");
        }

        item.Owner.Dispose();
    }

    [Fact]
    public void Pinning_an_arena_buffers_memory_takes_no_GCHandle()
    {
        using PageAllocator allocator = Create(configure: o => o.ManagedArena = true);
        using PageMemoryPool pool = Pool(allocator, maxOrder: 1);
        FieldInfo handleField = typeof(MemoryHandle).GetField("_handle", BindingFlags.NonPublic | BindingFlags.Instance)!;
        Assert.NotNull(handleField);
        foreach (int size in new[] { PageSize, 2 * PageSize })
        {
            using IMemoryOwner<byte> owner = pool.Rent(size);
            Assert.True(MemoryMarshal.TryGetArray<byte>(owner.Memory, out ArraySegment<byte> segment));
            using MemoryHandle pin = owner.Memory.Pin();
            Assert.False(((GCHandle)handleField.GetValue(pin)!).IsAllocated, "Memory.Pin() allocated a GCHandle");
            unsafe
            {
                fixed (byte* first = &segment.Array![segment.Offset])
                {
                    Assert.Equal((nint)first, (nint)pin.Pointer);
                }
            }

            // A plain array's memory does take one: the check above can fail.
            using MemoryHandle arrayPin = new Memory<byte>(new byte[16]).Pin();
            Assert.True(((GCHandle)handleField.GetValue(arrayPin)!).IsAllocated);
        }
    }

    [Fact]
    public void A_failure_after_the_pages_were_taken_gives_them_back()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        using PageMemoryPool pool = Pool(allocator, maxOrder: 2);
        pool.OwnerCreating = _ => throw new OutOfMemoryException("no owner");
        Assert.Throws<OutOfMemoryException>(() => pool.Rent(4 * PageSize)); // a block
        Assert.Equal(free, FreePages(allocator));
        Assert.Throws<OutOfMemoryException>(() => pool.Rent(PageSize)); // a refill's batch
        Assert.Equal(free, FreePages(allocator));
        Assert.Equal(0, pool.RentedBuffers);
        Assert.Equal(0, pool.Counters.PooledPages);

        pool.OwnerCreating = null;
        using (pool.Rent(PageSize))
        {
            Assert.Equal(1, pool.RentedBuffers);
        }

        allocator.Check();
    }
}
