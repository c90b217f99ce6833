// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Threading;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>PagePool: the safe face of pa_page_pool. Rent and return single blocks and arrays,
/// the counters, the inflight count, lifetime and misuse.</summary>
public sealed class PagePoolTests : LeakCheckedTest
{
    private const int PageSize = 4096;

    [Fact]
    public void Rent_refills_the_cache_in_bulk_and_Return_recycles_into_it()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        using var pool = new PagePool(allocator);
        Assert.Equal(0, pool.Order);
        Assert.Equal(PageSize, pool.BlockSize);

        Page page = pool.Rent();
        page.Span.Fill(0x42);
        Assert.Equal(0x42, page.Span[PageSize - 1]);
        PagePoolStats stats = pool.Stats;
        Assert.Equal(1, stats.AllocSlow); // one bulk refill of 64 pages
        Assert.Equal(0, stats.AllocFast);
        Assert.Equal(64, pool.Inflight);
        Assert.Equal(1, pool.Rented);
        Assert.Equal(free - 64, FreePages(allocator));

        pool.Return(page);
        Assert.Equal(0, pool.Rented);
        Assert.Equal(1, pool.Stats.RecycleCached);
        Page again = pool.Rent();
        Assert.Equal(page, again); // the cache is a stack: the page just returned comes back
        Assert.Equal(1, pool.Stats.AllocFast);
        pool.Return(again);
        Assert.Equal(64, pool.Inflight);
        allocator.Check();

        pool.Dispose();
        Assert.Equal(free, FreePages(allocator));
        allocator.Check();
    }

    [Fact]
    public void RentBulk_fills_an_array_that_returns_its_pages_to_the_pool()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        using var pool = new PagePool(allocator);
        using var array = new PageArray(64);
        Assert.Equal(64, pool.RentBulk(array));
        Assert.Equal(64, array.Populated);
        Assert.Equal(64, pool.Rented);
        var seen = new HashSet<long>();
        for (int i = 0; i < array.Length; i++)
        {
            Page page = array[i]!.Value;
            Assert.True(seen.Add(page.Pfn));
            page.Span[0] = (byte)i;
        }

        pool.ReturnBulk(array);
        Assert.Equal(0, array.Populated);
        Assert.Null(array[0]);
        Assert.Equal(0, pool.Rented);
        Assert.Equal(64, pool.Inflight); // all in the cache

        Assert.Equal(64, pool.RentBulk(array));
        Assert.True(pool.Stats.AllocFast >= 64);
        Assert.Throws<InvalidOperationException>(() => array.Detach(0));
        array.Clear(); // back to the pool, not the allocator
        Assert.Equal(0, pool.Rented);
        Assert.Equal(64, pool.Inflight);

        Assert.Equal(64, pool.RentBulk(array));
        array.Dispose(); // so does Dispose
        Assert.Equal(0, pool.Rented);
        pool.Dispose();
        Assert.Equal(free, FreePages(allocator));
        allocator.Check();
    }

    [Fact]
    public void ReturnBulk_past_a_full_cache_sends_the_rest_to_the_ring_like_single_returns()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        using var pool = new PagePool(allocator);
        using var a = new PageArray(64);
        using var b = new PageArray(64);
        using var half = new PageArray(32);
        Assert.Equal(64, pool.RentBulk(a));    // a refill of 64, all taken
        Assert.Equal(64, pool.RentBulk(b));
        Assert.Equal(32, pool.RentBulk(half)); // a refill of 64: 32 stay in the cache
        long pfn = b[0]!.Value.Pfn;

        pool.ReturnBulk(a);    // 32 + 64 fit: one pass
        Assert.Equal(64, pool.Stats.RecycleCached);
        pool.ReturnBulk(b);    // 32 fit, 32 find the cache full and go to the ring
        PagePoolStats stats = pool.Stats;
        Assert.Equal(96, stats.RecycleCached);
        Assert.Equal(32, stats.RecycleCacheFull);
        Assert.Equal(32, stats.RecycleRing);
        pool.ReturnBulk(half); // all to the ring
        stats = pool.Stats;
        Assert.Equal(96, stats.RecycleCached);
        Assert.Equal(64, stats.RecycleRing);
        Assert.Equal(0, pool.Rented);
        Assert.Equal(0, b.Populated);

        // The pool hands out what it holds before it asks the allocator again.
        using var all = new PageArray(160);
        Assert.Equal(160, pool.RentBulk(all));
        Assert.Equal(192, pool.Inflight);
        var pfns = new HashSet<long>();
        for (int i = 0; i < all.Length; i++)
        {
            Assert.True(pfns.Add(all[i]!.Value.Pfn));
        }

        Assert.Contains(pfn, pfns);
        all.Dispose(); // back into the pool; the arrays let go of it
        a.Dispose();
        b.Dispose();
        half.Dispose();
        pool.Dispose();
        Assert.Equal(free, FreePages(allocator));
        allocator.Check();
    }

    [Fact]
    public void ReturnBulk_of_a_partly_filled_array_returns_exactly_its_pages()
    {
        // An allocator with fewer free pages than the array: RentBulk fills what it can.
        using PageAllocator allocator = Create(pagesPerNode: 1024);
        long free = FreePages(allocator);
        using var pool = new PagePool(allocator);
        using var held = new PageArray(4096);
        int filled = pool.RentBulk(held, Gfp.Atomic | Gfp.NoWarn);
        Assert.InRange(filled, 1, 4095);
        Assert.Equal(filled, held.Populated);
        Assert.Equal(filled, pool.Rented);

        pool.ReturnBulk(held);
        Assert.Equal(0, held.Populated);
        Assert.Equal(0, pool.Rented);
        PagePoolStats stats = pool.Stats;
        Assert.Equal(filled, stats.AllocFast + stats.AllocSlow);
        Assert.Equal(filled, stats.RecycleCached + stats.RecycleRing + stats.RecycleRingFull);
        allocator.Check();
        held.Dispose(); // the array lets go of the pool
        pool.Dispose();
        Assert.Equal(free, FreePages(allocator));
    }

    [Fact]
    public void Returns_from_another_thread_go_through_the_ring()
    {
        using PageAllocator allocator = Create();
        using var pool = new PagePool(allocator);
        var pages = new Page[10];
        for (int i = 0; i < pages.Length; i++)
        {
            pages[i] = pool.Rent();
        }

        var errors = new List<Exception>();
        foreach (Thread worker in StartWorkers(1, errors, _ =>
        {
            foreach (Page page in pages)
            {
                pool.ReturnFromAnyThread(page);
            }
        }))
        {
            worker.Join();
        }

        Assert.Empty(errors);
        Assert.Equal(10, pool.Stats.RecycleRing);
        Assert.Equal(0, pool.Rented);
        Assert.Equal(64, pool.Inflight);
        allocator.Check();
    }

    [Fact]
    public void A_pool_of_higher_order_rents_blocks_of_that_order()
    {
        using PageAllocator allocator = Create();
        using var pool = new PagePool(allocator, order: 2);
        Assert.Equal(4 * PageSize, pool.BlockSize);
        Page block = pool.Rent();
        Assert.Equal(0, block.Pfn % 4);
        Assert.Equal(1, pool.Stats.AllocSlowHighOrder);
        Assert.Equal(1, pool.Inflight);
        pool.Return(block);
        Assert.Equal(1, pool.Stats.RecycleCached);
        allocator.Check();
    }

    [Fact]
    public void Stats_format_in_ethtool_lines()
    {
        using PageAllocator allocator = Create();
        using var pool = new PagePool(allocator);
        pool.Return(pool.Rent());
        string text = pool.FormatStats();
        Assert.Contains("rx_pp_alloc_slow: 1", text);
        Assert.Contains("rx_pp_recycle_cached: 1", text);
    }

    [Fact]
    public void The_pool_keeps_its_allocator_alive()
    {
        long destroyed = OwnerDiagnostics.DestroyedAllocators;
        PageAllocator allocator = Create();
        var pool = new PagePool(allocator);
        allocator.Dispose();
        Page page = pool.Rent();
        page.Span[0] = 1;
        pool.Return(page);
        Assert.Equal(destroyed, OwnerDiagnostics.DestroyedAllocators);
        pool.Dispose();
        Assert.Equal(destroyed + 1, OwnerDiagnostics.DestroyedAllocators);
    }

    [Fact]
    public void An_array_keeps_its_pool_alive_until_it_gives_the_pages_back()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        var pool = new PagePool(allocator);
        var array = new PageArray(8);
        pool.RentBulk(array);
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        array[3]!.Value.Span[0] = 7; // still the array's
        array.Dispose();
        Assert.Equal(free, FreePages(allocator));
        allocator.Check();
    }

    [Fact]
    public void Use_after_Dispose_throws_ObjectDisposedException()
    {
        using PageAllocator allocator = Create();
        var pool = new PagePool(allocator);
        Page page = pool.Rent();
        pool.Return(page);
        pool.Dispose();
        pool.Dispose(); // harmless
        using var array = new PageArray(4);
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        Assert.Throws<ObjectDisposedException>(() => pool.TryRent(out _));
        Assert.Throws<ObjectDisposedException>(() => pool.Return(page));
        Assert.Throws<ObjectDisposedException>(() => pool.ReturnFromAnyThread(page));
        Assert.Throws<ObjectDisposedException>(() => pool.RentBulk(array));
        Assert.Throws<ObjectDisposedException>(() => pool.Stats);
        Assert.Throws<ObjectDisposedException>(() => pool.Inflight);
        Assert.Throws<ObjectDisposedException>(() => pool.FormatStats());
        Assert.Throws<ObjectDisposedException>(() => pool.SetOwnerThread());
    }

    [Fact]
    public void Bad_arguments_throw()
    {
        using PageAllocator allocator = Create();
        Assert.Throws<ArgumentNullException>(() => new PagePool(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PagePool(allocator, order: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PagePool(allocator, order: PageAllocator.MaxOrder + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PagePool(allocator, ringSize: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PagePool(allocator, node: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PagePool(allocator, node: -2));
        PageAllocator disposed = Create();
        disposed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => new PagePool(disposed));

        using var pool = new PagePool(allocator);
        using var other = new PagePool(allocator);
        Assert.Throws<ArgumentException>(() => pool.Rent((Gfp)0x8000_0000u));
        Assert.Throws<ArgumentException>(() => pool.Rent(Gfp.Dma | Gfp.Dma32));
        Assert.Throws<ArgumentException>(() => pool.Return(default));
        Assert.Throws<ArgumentNullException>(() => pool.RentBulk(null!));
        Assert.Throws<ArgumentNullException>(() => pool.ReturnBulk(null!));

        // A page of another pool, and a page from outside any pool: refused, nothing changes.
        Page theirs = other.Rent();
        Assert.Throws<ArgumentException>(() => pool.Return(theirs));
        Assert.Equal(1, other.Rented);
        other.Return(theirs);
        using (PageList plain = allocator.AllocateBulk(1))
        {
            Assert.Throws<ArgumentException>(() => pool.Return(plain[0]));
        }

        using (PageAllocator second = Create())
        using (PageList foreign = second.AllocateBulk(1))
        {
            Assert.Throws<ArgumentException>(() => pool.Return(foreign[0]));
        }

        // An array of another pool's (or the allocator's) pages is not this pool's.
        using var array = new PageArray(4);
        other.RentBulk(array);
        Assert.Throws<ArgumentException>(() => pool.RentBulk(array));
        Assert.Throws<ArgumentException>(() => pool.ReturnBulk(array));
        Assert.Throws<ArgumentException>(() => allocator.FillBulk(array));
        other.ReturnBulk(array);
        allocator.FillBulk(array);
        Assert.Throws<ArgumentException>(() => pool.RentBulk(array));
        array.Clear();
        Assert.Equal(4, pool.RentBulk(array)); // empty again: any pool may fill it
        allocator.Check();
    }

    [Fact]
    public void A_block_never_returned_is_reported_when_the_pool_is_disposed()
    {
        using PageAllocator allocator = Create();
        var lines = new List<string>();
        allocator.Log += (_, e) => lines.Add(e.Message);
        long leaked = OwnerDiagnostics.LeakedBuffers;
        var pool = new PagePool(allocator);
        pool.Rent();
        pool.Dispose();
        Assert.Equal(leaked + 1, OwnerDiagnostics.LeakedBuffers);
        Assert.Contains(lines, l => l.Contains("1 block(s) never returned", StringComparison.Ordinal));
        AcceptFinalizations();
    }
}
