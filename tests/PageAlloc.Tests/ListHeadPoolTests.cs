// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>
/// The allocator's pool of native list heads (the <c>struct pa_list_head</c> each
/// <see cref="PageList"/> owns): a disposed list's head serves the next list, two live lists
/// never share one, the finalizer thread returns heads safely, and the allocator's destruction
/// frees every head it pooled.
/// </summary>
public sealed class ListHeadPoolTests : LeakCheckedTest
{
    private const int PoolSize = AllocatorHandle.ListHeadPoolSize;

    [Fact]
    public void A_disposed_lists_head_serves_the_next_list()
    {
        using PageAllocator allocator = Create();
        PageList first = allocator.AllocateBulk(4);
        nint head = first.DangerousGetHandle();
        first.Dispose();
        Assert.Equal(1, allocator.Handle.PooledListHeads);

        using PageList second = allocator.AllocateBulk(4);
        Assert.Equal(head, second.DangerousGetHandle());
        Assert.Equal(0, allocator.Handle.PooledListHeads);
        Assert.Equal(4, second.Count);
        Assert.Equal(4, second.Count());

        // A reused head starts empty: a new list built on it holds nothing of the old one.
        second.Dispose();
        using var empty = new PageList(allocator);
        Assert.Equal(head, empty.DangerousGetHandle());
        Assert.Empty(empty);
        Assert.Equal(3, allocator.AllocateBulk(empty, 3));
        Assert.Equal(3, empty.Count());
    }

    [Fact]
    public void Live_lists_never_share_a_head_and_the_pool_stays_bounded()
    {
        long heads = OwnerDiagnostics.ListHeads;
        PageAllocator allocator = Create();
        var lists = new List<PageList>();
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 2 * PoolSize; i++)
            {
                lists.Add(i % 2 == 0 ? allocator.AllocateBulk(2) : lists[^1].Split(1));
            }

            Assert.Equal(lists.Count, lists.Select(l => l.DangerousGetHandle()).Distinct().Count());
            Assert.Equal(2 * PoolSize, OwnerDiagnostics.ListHeads - heads);
            lists.ForEach(l => l.Dispose());
            lists.Clear();
            Assert.Equal(PoolSize, allocator.Handle.PooledListHeads);
            Assert.Equal(PoolSize, OwnerDiagnostics.ListHeads - heads);
        }

        long destroyed = OwnerDiagnostics.DestroyedAllocators;
        allocator.Dispose();
        Assert.Equal(destroyed + 1, OwnerDiagnostics.DestroyedAllocators);
        Assert.Equal(heads, OwnerDiagnostics.ListHeads);
    }

    [Fact]
    public void Threads_never_share_a_head()
    {
        long heads = OwnerDiagnostics.ListHeads;
        PageAllocator allocator = Create(nodes: 2, pagesPerNode: 16384);
        long free = FreePages(allocator);
        var live = new ConcurrentDictionary<nint, int>();
        var errors = new List<Exception>();
        Thread[] workers = StartWorkers(4, errors, seed =>
        {
            var random = new Random(seed);
            allocator.BindCpu(seed % allocator.CpuCount);
            var kept = new Queue<PageList>();
            for (int round = 0; round < 2000; round++)
            {
                PageList list = round % 3 == 2 && kept.Count > 0 && kept.Peek().Count > 1
                    ? kept.Peek().Split(1)
                    : allocator.AllocateBulk(random.Next(1, 9), Gfp.Kernel | Gfp.NoWarn);
                if (!live.TryAdd(list.DangerousGetHandle(), seed))
                {
                    throw new InvalidOperationException("two live lists share a head");
                }

                foreach (Page page in list)
                {
                    page.Span[0] = (byte)seed;
                }

                kept.Enqueue(list);
                while (kept.Count > random.Next(0, 6))
                {
                    PageList old = kept.Dequeue();
                    if (old.Any(p => p.Span[0] != (byte)seed) || !live.TryRemove(old.DangerousGetHandle(), out _))
                    {
                        throw new InvalidOperationException("a list's pages or head changed hands");
                    }

                    old.Dispose();
                }
            }

            while (kept.TryDequeue(out PageList? old))
            {
                live.TryRemove(old.DangerousGetHandle(), out _);
                old.Dispose();
            }
        });

        foreach (Thread worker in workers)
        {
            Assert.True(worker.Join(TimeSpan.FromMinutes(2)));
        }

        Assert.Empty(errors);
        Assert.Empty(live);
        Assert.Equal(free, FreePages(allocator));
        allocator.Check();
        Assert.True(allocator.Handle.PooledListHeads <= PoolSize);
        allocator.Dispose();
        Assert.Equal(heads, OwnerDiagnostics.ListHeads);
    }

    [Fact]
    public void Lists_finalized_on_the_finalizer_thread_return_their_heads()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        long finalized = OwnerDiagnostics.FinalizedOwners;
        long heads = OwnerDiagnostics.ListHeads;
        nint[] dropped = AllocateAndDrop(allocator, lists: 5, pages: 16);
        Assert.Equal(0, allocator.Handle.PooledListHeads);

        CollectGarbage();

        Assert.Equal(finalized + 5, OwnerDiagnostics.FinalizedOwners);
        Assert.Equal(5, allocator.Handle.PooledListHeads);
        Assert.Equal(heads + 5, OwnerDiagnostics.ListHeads);
        Assert.Equal(free, FreePages(allocator));
        allocator.Check();

        // The next lists take those heads, not new ones.
        var again = new List<PageList>();
        for (int i = 0; i < 5; i++)
        {
            again.Add(allocator.AllocateBulk(16));
        }

        Assert.Equal(heads + 5, OwnerDiagnostics.ListHeads);
        Assert.Equal(dropped.OrderBy(h => h), again.Select(l => l.DangerousGetHandle()).OrderBy(h => h));
        again.ForEach(l => l.Dispose());
        Assert.Equal(free, FreePages(allocator));
        AcceptFinalizations();
    }

    [Fact]
    public void The_last_list_of_a_disposed_allocator_destroys_it_and_frees_every_head()
    {
        long heads = OwnerDiagnostics.ListHeads;
        long destroyed = OwnerDiagnostics.DestroyedAllocators;
        PageAllocator allocator = Create();
        allocator.AllocateBulk(8).Dispose();
        PageList live = allocator.AllocateBulk(8);
        allocator.Dispose();
        Assert.Equal(destroyed, OwnerDiagnostics.DestroyedAllocators);

        // Lists made after the allocator's Dispose (by Split) still pool and free correctly.
        PageList tail = live.Split(4);
        tail.Dispose();
        Assert.Equal(destroyed, OwnerDiagnostics.DestroyedAllocators);
        Assert.Equal(4, live.Count());
        live.Dispose();

        Assert.Equal(destroyed + 1, OwnerDiagnostics.DestroyedAllocators);
        Assert.Equal(heads, OwnerDiagnostics.ListHeads);
    }

    [Fact]
    public void Lists_released_while_the_allocator_is_disposed_destroy_it_exactly_once()
    {
        long heads = OwnerDiagnostics.ListHeads;
        for (int round = 0; round < 50; round++)
        {
            long destroyed = OwnerDiagnostics.DestroyedAllocators;
            PageAllocator allocator = Create();
            var errors = new List<Exception>();
            using var start = new Barrier(3);
            Thread[] workers = StartWorkers(2, errors, _ =>
            {
                var lists = new List<PageList>();
                for (int i = 0; i < PoolSize; i++)
                {
                    lists.Add(allocator.AllocateBulk(1));
                }

                start.SignalAndWait();
                lists.ForEach(l => l.Dispose());
            });

            start.SignalAndWait();
            allocator.Dispose();
            foreach (Thread worker in workers)
            {
                Assert.True(worker.Join(TimeSpan.FromMinutes(1)));
            }

            Assert.Empty(errors);
            Assert.Equal(destroyed + 1, OwnerDiagnostics.DestroyedAllocators);
            Assert.Equal(heads, OwnerDiagnostics.ListHeads);
        }
    }

    [Fact]
    public void Finalizers_destroy_an_undisposed_allocator_with_pooled_heads_and_free_them()
    {
        long heads = OwnerDiagnostics.ListHeads;
        long destroyed = OwnerDiagnostics.DestroyedAllocators;
        long allocators = OwnerDiagnostics.FinalizedAllocators;
        long finalized = OwnerDiagnostics.FinalizedOwners;
        CreateUseAndDrop();

        CollectGarbage();

        Assert.Equal(destroyed + 1, OwnerDiagnostics.DestroyedAllocators);
        Assert.Equal(allocators + 1, OwnerDiagnostics.FinalizedAllocators);
        Assert.Equal(finalized + 3, OwnerDiagnostics.FinalizedOwners);
        Assert.Equal(heads, OwnerDiagnostics.ListHeads);
        AcceptFinalizations();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nint[] AllocateAndDrop(PageAllocator allocator, int lists, int pages)
    {
        var handles = new nint[lists];
        for (int i = 0; i < lists; i++)
        {
            PageList list = allocator.AllocateBulk(pages);
            Assert.Equal(pages, list.Count);
            handles[i] = list.DangerousGetHandle();
        }

        return handles;
    }

    /// <summary>An allocator with disposed lists (their heads pooled) and dropped ones, all
    /// left to the finalizer.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CreateUseAndDrop()
    {
        PageAllocator allocator = Create();
        var lists = new List<PageList>();
        for (int i = 0; i < 4; i++)
        {
            lists.Add(allocator.AllocateBulk(8));
        }

        lists.ForEach(l => l.Dispose());
        Assert.Equal(4, allocator.Handle.PooledListHeads);
        AllocateAndDrop(allocator, lists: 3, pages: 8);
        Assert.Equal(1, allocator.Handle.PooledListHeads);
    }
}
