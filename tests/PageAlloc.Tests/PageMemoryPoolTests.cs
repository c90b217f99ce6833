// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>PageMemoryPool: rent rounds up to an order, the pages go back after the owner's
/// Dispose and the last Unpin, misuse throws, and a real Pipe runs over it without losing a page.</summary>
public sealed class PageMemoryPoolTests : LeakCheckedTest
{
    private const int PageSize = 4096;

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(0, 0)]
    [InlineData(-5, 0)]
    [InlineData(1, 0)]
    [InlineData(PageSize, 0)]
    [InlineData(PageSize + 1, 1)]
    [InlineData(3 * PageSize, 2)]
    [InlineData(4 * PageSize + 1, 3)]
    [InlineData(PageSize << 10, 10)]
    public void Rent_rounds_up_to_an_order(int size, int order)
    {
        using PageAllocator allocator = Create();
        var pool = new PageMemoryPool(allocator);
        long free = FreePages(allocator);

        using (IMemoryOwner<byte> owner = pool.Rent(size))
        {
            var block = Assert.IsType<PageBlockMemoryManager>(owner);
            Assert.Equal(order, pool.OrderFor(size));
            Assert.Equal(order, block.Order);
            Assert.Equal(PageSize << order, owner.Memory.Length);
            Assert.True(owner.Memory.Length >= size);
            Assert.Equal(1, pool.RentedBuffers);
            // One page comes from the CPU's cache, which refills 64 pages at a time; larger
            // blocks straight from the allocator.
            Assert.Equal(free - (order == 0 ? 64 : 1L << order), FreePages(allocator));
        }

        Assert.Equal(0, pool.RentedBuffers);
        Assert.Equal(order == 0 ? free - 64 : free, FreePages(allocator));
        pool.Dispose(); // the CPU caches go back
        Assert.Equal(free, FreePages(allocator));
    }

    [Fact]
    public void MaxBufferSize_is_the_largest_block_served()
    {
        using PageAllocator allocator = Create();
        using var pool = new PageMemoryPool(allocator);
        Assert.Equal(PageSize << PageAllocator.MaxOrder, pool.MaxBufferSize);
        using var small = new PageMemoryPool(allocator, maxOrder: 3);
        Assert.Equal(PageSize << 3, small.MaxBufferSize);
        using (IMemoryOwner<byte> owner = small.Rent(small.MaxBufferSize))
        {
            Assert.Equal(small.MaxBufferSize, owner.Memory.Length);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => small.Rent(small.MaxBufferSize + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(pool.MaxBufferSize + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(int.MaxValue));
    }

    [Fact]
    public void Memory_is_the_block_page_aligned_and_writable()
    {
        using PageAllocator allocator = Create();
        using var pool = new PageMemoryPool(allocator);
        using IMemoryOwner<byte> owner = pool.Rent(5 * PageSize);
        Span<byte> span = owner.Memory.Span;
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (byte)(i * 7);
        }

        using MemoryHandle pin = owner.Memory.Pin();
        unsafe
        {
            Assert.Equal(0, (long)(nint)pin.Pointer % PageSize);
            Assert.Equal(21, ((byte*)pin.Pointer)[3]);
            Assert.Equal((byte)((span.Length - 1) * 7), ((byte*)pin.Pointer)[span.Length - 1]);
        }
    }

    [Fact]
    public void A_pinned_block_is_freed_only_at_the_last_unpin()
    {
        using PageAllocator allocator = Create();
        using var pool = new PageMemoryPool(allocator);
        long free = FreePages(allocator);
        var owner = (PageBlockMemoryManager)pool.Rent(2 * PageSize);
        MemoryHandle first = owner.Memory.Pin();
        MemoryHandle second = owner.Memory.Slice(PageSize).Pin();

        ((IDisposable)owner).Dispose();
        Assert.False(owner.IsFreed);
        Assert.Equal(free - 2, FreePages(allocator));
        unsafe
        {
            ((byte*)second.Pointer)[0] = 1; // still allocated memory
        }

        first.Dispose();
        Assert.False(owner.IsFreed);
        Assert.Equal(free - 2, FreePages(allocator));
        second.Dispose();
        Assert.True(owner.IsFreed);
        Assert.Equal(free, FreePages(allocator));
    }

    [Fact]
    public void An_unpinned_block_is_freed_at_Dispose()
    {
        using PageAllocator allocator = Create();
        using var pool = new PageMemoryPool(allocator);
        long free = FreePages(allocator);
        var owner = (PageBlockMemoryManager)pool.Rent(2 * PageSize);
        owner.Memory.Pin().Dispose();
        Assert.False(owner.IsFreed);
        ((IDisposable)owner).Dispose();
        Assert.True(owner.IsFreed);
        Assert.Equal(free, FreePages(allocator));

        var page = (PageBlockMemoryManager)pool.Rent();
        page.Memory.Pin().Dispose();
        ((IDisposable)page).Dispose();
        Assert.True(page.IsFreed);
        Assert.Equal(0, pool.RentedBuffers);
    }

    /// <summary>New pins racing the owner's Dispose (the caller's race: a pin that wins may hold
    /// a returned page) still never return the block twice nor lose it.</summary>
    [Fact]
    public void Pins_racing_with_Dispose_free_the_block_exactly_once()
    {
        using PageAllocator allocator = Create();
        var pool = new PageMemoryPool(allocator);
        long free = FreePages(allocator);
        for (int round = 0; round < 50; round++)
        {
            var owner = (PageBlockMemoryManager)pool.Rent(PageSize);
            using var start = new Barrier(3);
            var pinners = new Thread[2];
            for (int t = 0; t < pinners.Length; t++)
            {
                pinners[t] = new Thread(() =>
                {
                    start.SignalAndWait();
                    for (int i = 0; i < 2000; i++)
                    {
                        try
                        {
                            owner.Pin().Dispose();
                        }
                        catch (ObjectDisposedException)
                        {
                            return; // the owner went first: no new pin, as documented
                        }
                    }
                });
                pinners[t].Start();
            }

            start.SignalAndWait();
            ((IDisposable)owner).Dispose();
            foreach (Thread pinner in pinners)
            {
                pinner.Join();
            }

            Assert.True(owner.IsFreed);
        }

        Assert.Equal(0, pool.RentedBuffers);
        pool.Dispose();
        Assert.Equal(free, FreePages(allocator));
        allocator.Check();
    }

    [Fact]
    public void Use_after_Dispose_throws_ObjectDisposedException()
    {
        using PageAllocator allocator = Create();
        var pool = new PageMemoryPool(allocator);
        IMemoryOwner<byte> owner = pool.Rent();
        Memory<byte> memory = owner.Memory;
        owner.Dispose();
        owner.Dispose(); // harmless
        Assert.Throws<ObjectDisposedException>(() => owner.Memory);
        Assert.Throws<ObjectDisposedException>(() => memory.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => memory.Pin());

        pool.Dispose();
        pool.Dispose(); // harmless
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
    }

    [Fact]
    public void Bad_arguments_throw()
    {
        using PageAllocator allocator = Create();
        Assert.Throws<ArgumentNullException>(() => new PageMemoryPool(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PageMemoryPool(allocator, maxOrder: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PageMemoryPool(allocator, maxOrder: PageAllocator.MaxOrder + 1));
        Assert.Throws<ArgumentException>(() => new PageMemoryPool(allocator, Gfp.Dma | Gfp.Dma32));
        Assert.Throws<ArgumentException>(() => new PageMemoryPool(allocator, (Gfp)0x8000_0000u));
        using (PageAllocator metadataOnly = Create(configure: o => o.MetadataOnly = true))
        {
            Assert.Throws<ArgumentException>(() => new PageMemoryPool(metadataOnly));
        }

        using var pool = new PageMemoryPool(allocator);
        using var owner = (PageBlockMemoryManager)pool.Rent();
        Assert.Throws<ArgumentOutOfRangeException>(() => owner.Pin(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => owner.Pin(PageSize + 1));
        owner.Pin(PageSize).Dispose(); // the end of the block is a legal (empty) position
        Assert.Throws<InvalidOperationException>(() => owner.Unpin());

        PageAllocator disposed = Create();
        disposed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => new PageMemoryPool(disposed));
        CollectGarbage(); // the pools whose constructor threw: their finalizer must not count or crash
    }

    [Fact]
    public void An_exhausted_allocator_throws_InsufficientMemoryException()
    {
        using PageAllocator allocator = Create();
        using var pool = new PageMemoryPool(allocator, Gfp.Kernel | Gfp.NoWarn);
        var rented = new System.Collections.Generic.List<IMemoryOwner<byte>>();
        try
        {
            // 8192 pages hold at most 8 blocks of 1024: the ninth rent at the latest must fail.
            Assert.Throws<InsufficientMemoryException>(() =>
            {
                for (int i = 0; i <= 8; i++)
                {
                    rented.Add(pool.Rent(pool.MaxBufferSize));
                }
            });
            Assert.NotEmpty(rented);
        }
        finally
        {
            foreach (IMemoryOwner<byte> owner in rented)
            {
                owner.Dispose();
            }
        }
    }

    [Fact]
    public void The_pool_keeps_the_allocator_alive()
    {
        long destroyed = OwnerDiagnostics.DestroyedAllocators;
        PageAllocator allocator = Create();
        var pool = new PageMemoryPool(allocator);
        allocator.Dispose();

        IMemoryOwner<byte> owner = pool.Rent(PageSize * 8);
        owner.Memory.Span.Fill(0x5a);
        pool.Dispose();
        Assert.Equal(destroyed, OwnerDiagnostics.DestroyedAllocators);
        Assert.Equal(0x5a, owner.Memory.Span[PageSize * 8 - 1]);
        owner.Dispose();
        Assert.Equal(destroyed + 1, OwnerDiagnostics.DestroyedAllocators);
        AcceptFinalizations(); // the buffer still out at the pool's Dispose was reported
    }

    [Fact]
    public void An_undisposed_pool_is_counted_by_the_leak_gate()
    {
        long finalized = OwnerDiagnostics.FinalizedOwners;
        long destroyed = OwnerDiagnostics.DestroyedAllocators;
        PageAllocator allocator = Create();
        LeakPool(allocator);
        allocator.Dispose();
        CollectGarbage();
        Assert.Equal(finalized + 1, OwnerDiagnostics.FinalizedOwners);
        Assert.Equal(destroyed + 1, OwnerDiagnostics.DestroyedAllocators);
        AcceptFinalizations();
    }

    /// <summary>256 MiB through a real Pipe whose segments come from the pool, written by one
    /// task and checked byte by byte by another; every page comes back.</summary>
    [Fact]
    public async Task A_Pipe_over_the_pool_moves_256_MiB_intact_and_returns_every_page()
    {
        const long Total = 256L << 20;
        using PageAllocator allocator = Create(pagesPerNode: 16384);
        long free = FreePages(allocator);
        long allocated = allocator.GetVmEvent(VmEvent.PgAllocNormal);
        long freed = allocator.GetVmEvent(VmEvent.PgFree);
        var pool = new PageMemoryPool(allocator);
        var pipe = new Pipe(new PipeOptions(
            pool: pool,
            pauseWriterThreshold: 4 << 20,
            resumeWriterThreshold: 2 << 20,
            minimumSegmentSize: PageSize,
            useSynchronizationContext: false));

        Task writer = Task.Run(() => WriteAsync(pipe.Writer, Total));
        Task<long> reader = Task.Run(() => ReadAsync(pipe.Reader));
        await writer;
        Assert.Equal(Total, await reader);

        Assert.Equal(0, pool.RentedBuffers);
        pool.Dispose(); // the CPU caches go back too
        allocator.DrainAll();
        Assert.Equal(free, FreePages(allocator));
        long pagesAllocated = allocator.GetVmEvent(VmEvent.PgAllocNormal) - allocated;
        Assert.True(pagesAllocated > 0, "no page came from the allocator");
        Assert.Equal(pagesAllocated, allocator.GetVmEvent(VmEvent.PgFree) - freed);
        allocator.Check();
    }

    /// <summary>Four threads rent one-page and larger buffers, write them, and hand half of them to
    /// the other threads, which check and return them into their own CPU's cache. No byte is
    /// lost, no page is returned twice, every page comes back.</summary>
    [Fact]
    public void Threads_renting_and_returning_across_threads_lose_nothing()
    {
        const int Threads = 4;
        const int Rounds = 20000;
        using PageAllocator allocator = Create(pagesPerNode: 16384);
        long free = FreePages(allocator);
        var pool = new PageMemoryPool(allocator, maxOrder: 3);
        var handoff = new System.Collections.Concurrent.ConcurrentQueue<(IMemoryOwner<byte> Owner, byte Mark)>();
        var errors = new List<Exception>();
        int[] sizes = [PageSize, 1, PageSize, 3 * PageSize, PageSize, 8 * PageSize];
        Thread[] workers = StartWorkers(Threads, errors, index =>
        {
            for (int round = 0; round < Rounds; round++)
            {
                IMemoryOwner<byte> owner = pool.Rent(sizes[round % sizes.Length]);
                byte mark = (byte)(index * 31 + round);
                Span<byte> span = owner.Memory.Span;
                span[0] = mark;
                span[^1] = mark;
                if (round % 2 == 0)
                {
                    handoff.Enqueue((owner, mark));
                }
                else
                {
                    owner.Dispose();
                }

                if (handoff.TryDequeue(out var item))
                {
                    Span<byte> theirs = item.Owner.Memory.Span;
                    if (theirs[0] != item.Mark || theirs[^1] != item.Mark)
                    {
                        throw new InvalidOperationException("a buffer changed while it was rented");
                    }

                    item.Owner.Dispose();
                }
            }
        });
        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        while (handoff.TryDequeue(out var item))
        {
            item.Owner.Dispose();
        }

        Assert.Empty(errors);
        Assert.Equal(0, pool.RentedBuffers);
        allocator.Check();
        pool.Dispose();
        Assert.Equal(free, FreePages(allocator));
        allocator.Check();
    }

    [Fact]
    public void Rent_and_Dispose_allocate_nothing_in_steady_state()
    {
        using PageAllocator allocator = Create(configure: o => o.ManagedArena = true);
        // No decay timer and one CPU: each page frame's owner is made on its first lease, and a
        // decay or another CPU's refill could bring a frame never leased before.
        using var pool = new PageMemoryPool(allocator, Gfp.Kernel, PageAllocator.MaxOrder, Timeout.InfiniteTimeSpan);
        var owners = new IMemoryOwner<byte>[64];
        using (CpuAffinity.Pin(CpuAffinity.Allowed()[0]))
        {
            RentCycles(pool, owners, 200); // each page's owner made once
            long before = GC.GetAllocatedBytesForCurrentThread();
            RentCycles(pool, owners, 2000);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, allocated);
        }

        Assert.Equal(0, pool.RentedBuffers);
    }

    private static void RentCycles(PageMemoryPool pool, IMemoryOwner<byte>[] owners, int cycles)
    {
        for (int cycle = 0; cycle < cycles; cycle++)
        {
            using (IMemoryOwner<byte> one = pool.Rent(PageSize))
            {
                one.Memory.Span[0] = 1;
            }

            using (IMemoryOwner<byte> four = pool.Rent(4 * PageSize))
            {
                four.Memory.Span[0] = 1;
            }

            for (int i = 0; i < owners.Length; i++)
            {
                owners[i] = pool.Rent(PageSize);
                owners[i].Memory.Span[i] = 1;
            }

            for (int i = 0; i < owners.Length; i++)
            {
                owners[i].Dispose();
            }
        }
    }

    [Fact]
    public void Disposing_a_buffer_twice_returns_it_once()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        var pool = new PageMemoryPool(allocator);
        foreach (int size in new[] { PageSize, 2 * PageSize })
        {
            IMemoryOwner<byte> owner = pool.Rent(size);
            owner.Dispose();
            owner.Dispose();
            Assert.Equal(0, pool.RentedBuffers);
            using IMemoryOwner<byte> next = pool.Rent(size);
            Assert.Equal(1, pool.RentedBuffers);
        }

        Assert.Equal(0, pool.RentedBuffers);
        pool.Dispose();
        Assert.Equal(free, FreePages(allocator));
        allocator.Check();
    }

    [Fact]
    public void A_buffer_never_disposed_is_reported_when_the_pool_is_disposed()
    {
        long destroyed = OwnerDiagnostics.DestroyedAllocators;
        long leaked = OwnerDiagnostics.LeakedBuffers;
        PageAllocator allocator = Create();
        long free = FreePages(allocator);
        var lines = new List<string>();
        allocator.Log += (_, e) => lines.Add(e.Message);
        var pool = new PageMemoryPool(allocator);
        IMemoryOwner<byte> forgotten = pool.Rent(PageSize);
        pool.Rent(PageSize).Dispose();
        pool.Dispose();
        Assert.Equal(leaked + 1, OwnerDiagnostics.LeakedBuffers);
        Assert.Contains(lines, l => l.Contains("1 buffer(s) never returned", StringComparison.Ordinal));
        Assert.Equal(free - 1, FreePages(allocator)); // only the forgotten page is still out

        // Returned late, it goes straight back to the allocator, and the allocator can go.
        forgotten.Dispose();
        Assert.Equal(free, FreePages(allocator));
        allocator.Dispose();
        Assert.Equal(destroyed + 1, OwnerDiagnostics.DestroyedAllocators);
        AcceptFinalizations();
    }

    [Fact]
    public void A_buffer_never_disposed_is_reported_when_the_pool_is_finalized()
    {
        long leaked = OwnerDiagnostics.LeakedBuffers;
        long finalized = OwnerDiagnostics.FinalizedOwners;
        using PageAllocator allocator = Create();
        var lines = new List<string>();
        allocator.Log += (_, e) => { lock (lines) { lines.Add(e.Message); } };
        // On another thread: this thread's cache of its last pool must not be what keeps it alive.
        var errors = new List<Exception>();
        foreach (Thread worker in StartWorkers(1, errors, _ => LeakPoolAndBuffer(allocator)))
        {
            worker.Join();
        }

        Assert.Empty(errors);
        CollectGarbage();
        Assert.Equal(leaked + 1, OwnerDiagnostics.LeakedBuffers);
        Assert.Equal(finalized + 1, OwnerDiagnostics.FinalizedOwners);
        lock (lines)
        {
            Assert.Contains(lines, l => l.Contains("finalized with 1 buffer(s) never returned", StringComparison.Ordinal));
        }

        AcceptFinalizations();
    }

    [Fact]
    public void Rent_after_Dispose_throws_on_a_thread_that_rented_before()
    {
        using PageAllocator allocator = Create();
        var pool = new PageMemoryPool(allocator);
        pool.Rent().Dispose();
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        Assert.Throws<ObjectDisposedException>(() => pool.Rent(2 * PageSize));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void LeakPoolAndBuffer(PageAllocator allocator)
    {
        var pool = new PageMemoryPool(allocator);
        pool.Rent(PageSize).Memory.Span[0] = 1;
    }

    // Size hints cycle through every order the pool serves; each write fills a varying part of
    // the buffer, so segment boundaries fall everywhere.
    private static async Task WriteAsync(PipeWriter writer, long total)
    {
        int[] hints = [1, PageSize, 5000, 20000, 65536, 300000, PageSize << 10, 0];
        long offset = 0;
        int step = 0;
        while (offset < total)
        {
            Memory<byte> memory = writer.GetMemory(hints[step % hints.Length]);
            int shortBy = (step % 3) * 97;
            int length = (int)Math.Min(total - offset, memory.Length > shortBy ? memory.Length - shortBy : memory.Length);
            Fill(memory.Span.Slice(0, length), offset);
            writer.Advance(length);
            offset += length;
            step++;
            FlushResult result = await writer.FlushAsync();
            Assert.False(result.IsCanceled);
        }

        await writer.CompleteAsync();
    }

    private static async Task<long> ReadAsync(PipeReader reader)
    {
        long offset = 0;
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                Verify(segment.Span, offset);
                offset += segment.Length;
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await reader.CompleteAsync();
        return offset;
    }

    private static byte Pattern(long offset) => (byte)(offset ^ (offset >> 12) * 31);

    private static void Fill(Span<byte> span, long offset)
    {
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = Pattern(offset + i);
        }
    }

    private static void Verify(ReadOnlySpan<byte> span, long offset)
    {
        for (int i = 0; i < span.Length; i++)
        {
            if (span[i] != Pattern(offset + i))
            {
                Assert.Fail($"byte {offset + i} is {span[i]}, expected {Pattern(offset + i)}");
            }
        }
    }

    private static void LeakPool(PageAllocator allocator)
    {
        var pool = new PageMemoryPool(allocator);
        GC.KeepAlive(pool);
    }
}
