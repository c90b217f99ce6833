// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace PageAlloc.AspNetCore.Tests;

/// <summary>The factory, its options and its one-line registration.</summary>
public sealed class PageAllocMemoryPoolFactoryTests
{
    private static PageAllocMemoryPoolFactory Factory(Action<PageAllocMemoryPoolOptions> configure)
    {
        var options = new PageAllocMemoryPoolOptions();
        configure(options);
        return new PageAllocMemoryPoolFactory(Options.Create(options));
    }

    [Fact]
    public void The_factorys_allocator_reports_free_pages_unless_it_is_poisoned()
    {
        using (PageAllocMemoryPoolFactory factory = Factory(o => o.Size = 8L << 20))
        {
            Assert.True(factory.Allocator.IsFreePageReportingEnabled);
            Assert.Equal(PageAllocMemoryPoolOptions.DefaultDecayPeriod, new PageAllocMemoryPoolOptions().DecayPeriod);
        }

        using (PageAllocMemoryPoolFactory factory = Factory(o =>
        {
            o.Size = 8L << 20;
            o.ConfigureAllocator = a => a.Poison = true;
        }))
        {
            Assert.False(factory.Allocator.IsFreePageReportingEnabled);
        }

        using (PageAllocMemoryPoolFactory factory = Factory(o =>
        {
            o.Size = 8L << 20;
            o.ConfigureAllocator = a => a.FreePageReporting = null;
        }))
        {
            Assert.False(factory.Allocator.IsFreePageReportingEnabled);
        }
    }

    [Fact]
    public void The_factorys_allocator_keeps_short_cpu_lists_under_the_pools_caches_unless_configured_otherwise()
    {
        using (PageAllocMemoryPoolFactory factory = Factory(o => o.Size = 64L << 20))
        {
            PcpInfo pcp = factory.Allocator.GetPcpInfo(0, 0, ZoneType.Normal);
            Assert.Equal(16, pcp.High);
            using MemoryPool<byte> pool = factory.Create(new MemoryPoolOptions { Owner = "kestrel" });
            var blocks = new System.Collections.Generic.List<IMemoryOwner<byte>>();
            for (int i = 0; i < 2048; i++)
            {
                blocks.Add(pool.Rent(4096));
            }

            blocks.ForEach(b => b.Dispose());
            factory.ReleaseCachedPages();
            // What the pools gave back went on to the buddy lists: at most a list's limit per CPU stays.
            for (int cpu = 0; cpu < Environment.ProcessorCount; cpu++)
            {
                Assert.True(factory.Allocator.GetPcpInfo(cpu, 0, ZoneType.Normal).Count <= 16);
            }
        }

        using (PageAllocMemoryPoolFactory factory = Factory(o =>
        {
            o.Size = 64L << 20;
            o.ConfigureAllocator = a => a.PcpHigh = 0;
        }))
        {
            Assert.True(factory.Allocator.GetPcpInfo(0, 0, ZoneType.Normal).High > 16, "the kernel's sizing");
        }
    }

    [Fact]
    public void ClearOnReturn_reaches_every_pool_the_factory_makes()
    {
        using PageAllocMemoryPoolFactory factory = Factory(o =>
        {
            o.Size = 8L << 20;
            o.ClearOnReturn = true;
        });
        using MemoryPool<byte> pool = factory.Create(null);
        Assert.True(factory.Pools[0].Pool.ClearOnReturn);
    }

    [Fact]
    public void ClearOnReturn_set_on_the_factory_reaches_its_open_pools_and_those_made_later()
    {
        using PageAllocMemoryPoolFactory factory = Factory(o => o.Size = 8L << 20);
        using MemoryPool<byte> first = factory.Create(new MemoryPoolOptions { Owner = "a" });
        Assert.False(factory.ClearOnReturn);
        factory.ClearOnReturn = true;
        using MemoryPool<byte> second = factory.Create(new MemoryPoolOptions { Owner = "b" });
        Assert.Equal(2, factory.Pools.Count);
        Assert.All(factory.Pools, p => Assert.True(p.Pool.ClearOnReturn));
        factory.ClearOnReturn = false;
        Assert.All(factory.Pools, p => Assert.False(p.Pool.ClearOnReturn));
    }

    [Fact]
    public void Create_makes_one_page_pool_per_owner_which_its_views_share_until_the_last_is_disposed()
    {
        using PageAllocMemoryPoolFactory factory = Factory(o => o.Size = 8L << 20);
        long free = factory.Allocator.GetZoneInfo(0, ZoneType.Normal).Free;
        MemoryPool<byte> socketsA = factory.Create(new MemoryPoolOptions { Owner = "sockets" });
        MemoryPool<byte> socketsB = factory.Create(new MemoryPoolOptions { Owner = "sockets" });
        using MemoryPool<byte> unnamed = factory.Create(null);
        Assert.NotSame(socketsA, socketsB);
        Assert.Equal(4096, socketsA.MaxBufferSize);
        Assert.Equal(new[] { "sockets", PageAllocMemoryPoolFactory.UnnamedOwner }, factory.Pools.Select(p => p.Owner));
        PageMemoryPool sockets = factory.Pools[0].Pool;

        // A page returned through one view serves the other's rent: one set of CPU caches, and
        // no batch taken per view (a rent on another CPU steals from the cache it went to).
        IMemoryOwner<byte> first = socketsA.Rent(2048);
        Assert.Equal(4096, first.Memory.Length);
        Assert.Equal(1, sockets.RentedBuffers);
        Assert.Equal(0, factory.Pools[1].Pool.RentedBuffers);
        first.Dispose();
        long allocated = sockets.Counters.AllocatedPages;
        Assert.Equal(allocated, sockets.Counters.PooledPages);
        using (IMemoryOwner<byte> second = socketsB.Rent(4096))
        {
            Assert.Equal(1, sockets.RentedBuffers);
            Assert.Equal(2, sockets.Counters.Rents);
            Assert.Equal(allocated, sockets.Counters.AllocatedPages);
        }

        // Disposing one view leaves the pool to the other; the last view disposes it.
        socketsA.Dispose();
        Assert.Throws<ObjectDisposedException>(() => socketsA.Rent());
        socketsB.Rent().Dispose();
        Assert.True(sockets.Counters.PooledPages > 0);
        socketsB.Dispose();
        Assert.False(sockets.TryGetPagePoolStats(out _, out _), "the last view disposed the owner's pool");
        factory.Allocator.DrainAll();
        Assert.Equal(free - factory.Pools[1].Pool.Counters.PooledPages, factory.Allocator.GetZoneInfo(0, ZoneType.Normal).Free);

        // A new view of the owner gets a new pool.
        using MemoryPool<byte> again = factory.Create(new MemoryPoolOptions { Owner = "sockets" });
        Assert.Equal(3, factory.Pools.Count);
        Assert.NotSame(sockets, factory.Pools[2].Pool);
    }

    [Fact]
    public void Views_of_one_owner_made_and_disposed_while_other_threads_rent_and_return_lose_no_page()
    {
        for (int round = 0; round < 8; round++)
        {
            using PageAllocMemoryPoolFactory factory = Factory(o => o.Size = 16L << 20);
            long free = factory.Allocator.GetZoneInfo(0, ZoneType.Normal).Free;
            MemoryPool<byte> kept = factory.Create(new MemoryPoolOptions { Owner = "kestrel" });
            var handoff = new System.Collections.Concurrent.ConcurrentQueue<IMemoryOwner<byte>>();
            var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            int stop = 0, rentersDone = 0;
            var views = new MemoryPool<byte>[2];
            for (int i = 0; i < views.Length; i++)
            {
                views[i] = factory.Create(new MemoryPoolOptions { Owner = "kestrel" });
            }

            // Two renters (each through a view of its own, which the main thread disposes under
            // them) and one thread returning what they rented.
            var threads = new Thread[3];
            for (int t = 0; t < 2; t++)
            {
                MemoryPool<byte> view = views[t];
                threads[t] = new Thread(() =>
                {
                    try
                    {
                        MemoryPool<byte> through = view;
                        while (Volatile.Read(ref stop) == 0)
                        {
                            IMemoryOwner<byte> block;
                            try
                            {
                                block = through.Rent(4096);
                            }
                            catch (ObjectDisposedException)
                            {
                                through = kept; // the view went; the owner's pool did not
                                continue;
                            }

                            block.Memory.Span[0] = 1;
                            handoff.Enqueue(block);
                        }
                    }
                    catch (Exception e)
                    {
                        errors.Enqueue(e);
                    }
                });
            }

            threads[2] = new Thread(() =>
            {
                try
                {
                    while (Volatile.Read(ref rentersDone) == 0 || !handoff.IsEmpty)
                    {
                        if (handoff.TryDequeue(out IMemoryOwner<byte>? block))
                        {
                            block.Dispose();
                        }
                    }
                }
                catch (Exception e)
                {
                    errors.Enqueue(e);
                }
            });
            Array.ForEach(threads, t => t.Start());
            Thread.Sleep(5);
            foreach (MemoryPool<byte> view in views)
            {
                view.Dispose();
                using MemoryPool<byte> brief = factory.Create(new MemoryPoolOptions { Owner = "kestrel" });
                brief.Rent().Dispose();
                Thread.Sleep(2);
            }

            Volatile.Write(ref stop, 1);
            threads[0].Join();
            threads[1].Join();
            Volatile.Write(ref rentersDone, 1);
            threads[2].Join();
            Assert.Empty(errors);
            Assert.Single(factory.Pools); // every view shared the one pool the first made
            PageMemoryPool pool = factory.Pools[0].Pool;
            Assert.Equal(0, pool.RentedBuffers);
            Assert.True(pool.Counters.Rents > 0);
            kept.Dispose(); // the last view: the pool goes and its cached pages with it
            Assert.False(pool.TryGetPagePoolStats(out _, out _));
            factory.Allocator.DrainAll();
            Assert.Equal(free, factory.Allocator.GetZoneInfo(0, ZoneType.Normal).Free);
        }
    }

    [Fact]
    public void A_rent_the_allocator_cannot_serve_gets_an_array_and_puts_the_factory_under_pressure()
    {
        using PageAllocMemoryPoolFactory factory = Factory(o =>
        {
            o.Size = 1L << 20;
            o.PressureWindow = TimeSpan.FromMinutes(5);
        });
        using MemoryPool<byte> pool = factory.Create(new MemoryPoolOptions { Owner = "kestrel" });
        var blocks = new System.Collections.Generic.List<IMemoryOwner<byte>>();
        try
        {
            Assert.False(factory.UnderPressure);
            while (factory.FallbackRents == 0)
            {
                blocks.Add(pool.Rent(4096));
                Assert.True(blocks.Count <= 256, "a 1 MiB allocator served more than 256 pages");
            }

            IMemoryOwner<byte> fallback = blocks[^1];
            Assert.Equal(4096, fallback.Memory.Length);
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(fallback.Memory, out _));
            Assert.True(factory.UnderPressure);
            Assert.Equal(1, factory.FallbackRents);
            // The fallback gave the pages cached on every CPU back, for the requests in flight.
            Assert.Equal(0, factory.Pools[0].Pool.Counters.PooledPages);
            Assert.True(factory.Allocator.GetVmEvent(VmEvent.PgFail) > 0);
        }
        finally
        {
            foreach (IMemoryOwner<byte> block in blocks)
            {
                block.Dispose();
            }
        }

        Assert.Single(factory.Pools);
        pool.Dispose();
        factory.Allocator.DrainAll();
        Assert.Equal(factory.Allocator.GetZoneInfo(0, ZoneType.Normal).Managed, factory.Allocator.GetZoneInfo(0, ZoneType.Normal).Free);
    }

    [Fact]
    public void Idle_pools_give_their_cached_pages_back_by_decay()
    {
        using PageAllocMemoryPoolFactory factory = Factory(o =>
        {
            o.Size = 8L << 20;
            o.DecayPeriod = TimeSpan.FromMilliseconds(5);
        });
        using MemoryPool<byte> pool = factory.Create(new MemoryPoolOptions { Owner = "kestrel" });
        PageMemoryPool pages = factory.Pools[0].Pool;
        var blocks = new System.Collections.Generic.List<IMemoryOwner<byte>>();
        for (int i = 0; i < 400; i++)
        {
            blocks.Add(pool.Rent(4096));
        }

        blocks.ForEach(b => b.Dispose());
        var since = System.Diagnostics.Stopwatch.StartNew();
        while (pages.Counters.PooledPages >= 8 * pages.CacheCount && since.Elapsed < TimeSpan.FromSeconds(20))
        {
            System.Threading.Thread.Sleep(10);
        }

        PageMemoryPoolCounters counters = pages.Counters;
        Assert.True(counters.PooledPages < 8 * pages.CacheCount, $"{counters.PooledPages} pages still cached after {since.Elapsed}");
        Assert.True(counters.EvictedPages >= counters.AllocatedPages - 8 * pages.CacheCount);
    }

    [Fact]
    public void A_full_cache_decays_empty_early_enough_for_reporting_to_finish_within_ten_seconds()
    {
        // The ticks are counted here, not timed: the default tick times the count must leave free
        // page reporting's delay and a loaded machine's slack inside the 10 s after a load.
        using PageAllocMemoryPoolFactory factory = Factory(o =>
        {
            o.Size = 64L << 20;
            o.DecayPeriod = System.Threading.Timeout.InfiniteTimeSpan;
        });
        using MemoryPool<byte> pool = factory.Create(null);
        PageMemoryPool pages = factory.Pools[0].Pool;
        Assert.Equal(512 * pages.CacheCount, pages.MaxCachedPages);
        var blocks = new System.Collections.Generic.List<IMemoryOwner<byte>>();
        for (int i = 0; i < 4 * pages.MaxCachedPages; i++)
        {
            blocks.Add(pool.Rent(4096));
        }

        blocks.ForEach(b => b.Dispose());
        Assert.True(pages.Counters.PooledPages >= 512, $"a cache filled up: {pages.Counters.PooledPages} pages cached");
        int ticks = 0;
        while (pages.Counters.PooledPages > 0)
        {
            pages.Decay();
            ticks++;
            Assert.True(ticks <= 64, "the caches empty");
        }

        Assert.Equal(43, ticks);
        Assert.Equal(TimeSpan.FromMilliseconds(100), PageAllocMemoryPoolOptions.DefaultDecayPeriod);
        TimeSpan reported = ticks * PageAllocMemoryPoolOptions.DefaultDecayPeriod + FreePageReportingOptions.DefaultDelay;
        Assert.True(reported <= TimeSpan.FromSeconds(7), $"the memory goes back {reported} after the load");
        Assert.Equal(factory.Allocator.GetZoneInfo(0, ZoneType.Normal).Managed,
            factory.Allocator.GetZoneInfo(0, ZoneType.Normal).Free + factory.Allocator.GetZoneInfo(0, ZoneType.Normal).PcpPages);
    }

    [Fact]
    public void Bad_decay_periods_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Factory(o => o.DecayPeriod = TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => Factory(o => o.DecayPeriod = TimeSpan.FromSeconds(-2)));
        using PageAllocMemoryPoolFactory never = Factory(o =>
        {
            o.Size = 1L << 20;
            o.DecayPeriod = System.Threading.Timeout.InfiniteTimeSpan;
        });
        using MemoryPool<byte> pool = never.Create(null);
        pool.Rent().Dispose();
        System.Threading.Thread.Sleep(50);
        Assert.True(never.Pools[0].Pool.Counters.PooledPages > 0, "no timer: the cache stays");
    }

    [Fact]
    public void The_options_shape_the_allocator_and_the_pools()
    {
        using PageAllocMemoryPoolFactory factory = Factory(o =>
        {
            o.Size = 4L << 20;
            o.Nodes = 2;
            o.MaxOrder = 3;
            o.Metrics = false;
            o.ConfigureAllocator = a => a.DebugChecks = true;
        });
        Assert.Equal(2, factory.Allocator.NodeCount);
        Assert.Equal(1024, factory.Allocator.GetZoneInfo(1, ZoneType.Normal).Present);
        Assert.Null(factory.Metrics);
        using MemoryPool<byte> pool = factory.Create(new MemoryPoolOptions { Owner = "kestrel" });
        Assert.Equal(8 * 4096, pool.MaxBufferSize);
    }

    [Fact]
    public void Bad_options_throw_before_anything_is_rented()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Factory(o => o.Size = 4097));
        Assert.Throws<ArgumentOutOfRangeException>(() => Factory(o => o.Size = 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Factory(o => o.Nodes = 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Factory(o => o.MaxOrder = PageAllocator.MaxOrder + 1));
        Assert.Throws<ArgumentException>(() => Factory(o => o.Gfp = (Gfp)0x8000_0000));
    }

    [Fact]
    public void An_application_allocator_is_used_and_left_alive()
    {
        using var allocator = new PageAllocator(PageAllocatorOptions.Create(nodes: 1, pagesPerNode: 1024));
        PageAllocMemoryPoolFactory factory = Factory(o => o.Allocator = allocator);
        Assert.Same(allocator, factory.Allocator);
        MemoryPool<byte> pool = factory.Create(null);
        factory.Dispose();
        factory.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        Assert.Throws<ObjectDisposedException>(() => factory.Create(null));
        Assert.Equal(1024, allocator.GetZoneInfo(0, ZoneType.Normal).Present);
    }

    [Fact]
    public void Past_the_allocator_rents_go_to_the_views_overflow_pool_and_no_request_is_turned_away_by_default()
    {
        var overflow = new RecordingFactory();
        using PageAllocMemoryPoolFactory factory = Factory(o =>
        {
            o.Size = 1L << 20;
            o.OverflowFactory = overflow;
        });
        Assert.Equal(TimeSpan.Zero, new PageAllocMemoryPoolOptions().PressureWindow);
        MemoryPool<byte> pool = factory.Create(new MemoryPoolOptions { Owner = "kestrel" });
        var blocks = new System.Collections.Generic.List<IMemoryOwner<byte>>();
        try
        {
            while (factory.FallbackRents < 3)
            {
                blocks.Add(pool.Rent(4096));
                Assert.True(blocks.Count <= 259, "a 1 MiB allocator served more than 256 pages");
            }

            // One overflow pool for the view, made at its first fallback; every fallback rent is its.
            RecordingFactory.Pool made = Assert.Single(overflow.Made);
            Assert.Equal("kestrel", made.Owner);
            Assert.Equal(3, made.Rents);
            Assert.All(blocks.TakeLast(3), b => Assert.IsNotType<PageBlockMemoryManager>(b));
            Assert.False(factory.UnderPressure);   // no window: nothing is turned away
            Assert.False(made.Disposed);

            // Another view of the owner (Kestrel asks for one per transport queue) has its own.
            using (MemoryPool<byte> other = factory.Create(new MemoryPoolOptions { Owner = "kestrel" }))
            {
                blocks.Add(other.Rent(4096));
                Assert.Equal(2, overflow.Made.Count);
                Assert.Equal(1, overflow.Made[1].Rents);
            }

            Assert.True(overflow.Made[1].Disposed);
            Assert.False(made.Disposed);
        }
        finally
        {
            blocks.ForEach(b => b.Dispose());
        }

        pool.Dispose();   // the owner's last view: its page pool and its overflow pool go
        Assert.True(overflow.Made[0].Disposed);
    }

    [Fact]
    public void PageMemoryPool_TryRent_says_no_where_Rent_throws()
    {
        using var allocator = new PageAllocator(PageAllocatorOptions.Create(1, 64, cpus: 1));
        using var pool = new PageMemoryPool(allocator, Gfp.Kernel | Gfp.NoWarn);
        var blocks = new System.Collections.Generic.List<IMemoryOwner<byte>>();
        try
        {
            while (pool.TryRent(4096, out IMemoryOwner<byte>? block))
            {
                blocks.Add(block);
                Assert.True(blocks.Count <= 64);
            }

            Assert.NotEmpty(blocks);
            Assert.False(pool.TryRent(-1, out IMemoryOwner<byte>? none));
            Assert.Null(none);
            Assert.False(pool.TryRent(8192, out none));
            Assert.Throws<InsufficientMemoryException>(() => pool.Rent(4096));
            Assert.Throws<ArgumentOutOfRangeException>(() => pool.TryRent(pool.MaxBufferSize + 1, out _));
        }
        finally
        {
            blocks.ForEach(b => b.Dispose());
        }

        Assert.True(pool.TryRent(4096, out IMemoryOwner<byte>? again));
        again.Dispose();
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.TryRent(4096, out _));
    }

    [Fact]
    public async Task AddPageAllocMemoryPool_keeps_Kestrels_own_factory_for_what_the_allocator_cannot_hold()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        Type kestrels;
        await using (WebApplication plain = WebApplication.CreateSlimBuilder().Build())
        {
            kestrels = plain.Services.GetRequiredService<IMemoryPoolFactory<byte>>().GetType();
        }

        builder.Services.AddPageAllocMemoryPool(o => o.Size = 1L << 20);
        builder.Services.AddPageAllocMemoryPool();   // a second call keeps the first one's
        await using WebApplication app = builder.Build();
        PageAllocMemoryPoolOptions options = app.Services.GetRequiredService<IOptions<PageAllocMemoryPoolOptions>>().Value;
        Assert.NotNull(options.OverflowFactory);
        Assert.Equal(kestrels, options.OverflowFactory.GetType());

        var factory = (PageAllocMemoryPoolFactory)app.Services.GetRequiredService<IMemoryPoolFactory<byte>>();
        using MemoryPool<byte> pool = factory.Create(new MemoryPoolOptions { Owner = "kestrel" });
        var blocks = new System.Collections.Generic.List<IMemoryOwner<byte>>();
        try
        {
            while (factory.FallbackRents == 0)
            {
                blocks.Add(pool.Rent(4096));
            }

            // Kestrel's pinned block: array-backed, as its socket transport needs.
            Memory<byte> memory = blocks[^1].Memory;
            Assert.Equal(4096, memory.Length);
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(memory, out _));
            Assert.IsNotType<PageBlockMemoryManager>(blocks[^1]);
        }
        finally
        {
            blocks.ForEach(b => b.Dispose());
        }
    }

    /// <summary>An overflow factory that records the pools it makes and what they rent.</summary>
    private sealed class RecordingFactory : IMemoryPoolFactory<byte>
    {
        public System.Collections.Generic.List<Pool> Made { get; } = [];

        public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
        {
            var pool = new Pool(options?.Owner);
            Made.Add(pool);
            return pool;
        }

        public sealed class Pool(string? owner) : MemoryPool<byte>
        {
            public string? Owner { get; } = owner;
            public int Rents { get; private set; }
            public bool Disposed { get; private set; }
            public override int MaxBufferSize => 4096;

            public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
            {
                Rents++;
                return Shared.Rent(4096);
            }

            protected override void Dispose(bool disposing) => Disposed = true;
        }
    }

    [Fact]
    public async Task AddPageAllocMemoryPool_replaces_Kestrels_factory_and_Kestrel_creates_its_pools_there()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        Assert.Contains(builder.Services, d => d.ServiceType == typeof(IMemoryPoolFactory<byte>));
        builder.Services.AddPageAllocMemoryPool(o => o.Size = 16L << 20);
        await using WebApplication app = builder.Build();
        var factory = Assert.IsType<PageAllocMemoryPoolFactory>(app.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
        Assert.Same(factory, Assert.Single(app.Services.GetServices<IMemoryPoolFactory<byte>>()));
        Assert.Equal(4096, factory.Allocator.GetZoneInfo(0, ZoneType.Normal).Present);
        Assert.NotNull(factory.Metrics);

        await app.StartAsync();
        Assert.NotEmpty(factory.Pools);
        Assert.All(factory.Pools, p => Assert.NotEqual(PageAllocMemoryPoolFactory.UnnamedOwner, p.Owner));
        await app.StopAsync();
    }
}
