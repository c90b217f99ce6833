// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Threading;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>Several threads allocating and freeing: nothing lost, every invariant holds.</summary>
public sealed class ConcurrencyTests : LeakCheckedTest
{
    [Fact]
    public void Threads_allocating_and_disposing_lose_no_page()
    {
        using PageAllocator allocator = Create(nodes: 2, pagesPerNode: 16384);
        long free = FreePages(allocator);
        long allocatedBefore = allocator.GetVmEvent(VmEvent.PgAllocNormal);
        long freedBefore = allocator.GetVmEvent(VmEvent.PgFree);
        const int threads = 4;
        const int rounds = 300;
        var errors = new List<Exception>();
        Thread[] workers = StartWorkers(threads, errors, seed => Work(allocator, seed, rounds));

        // Drains race with the workers.
        try
        {
            for (int i = 0; i < 20; i++)
            {
                allocator.DrainAll();
                Thread.Sleep(1);
            }
        }
        finally
        {
            foreach (Thread worker in workers)
            {
                Assert.True(worker.Join(TimeSpan.FromMinutes(2)));
            }
        }

        Assert.Empty(errors);
        allocator.Check();
        Assert.Equal(free, FreePages(allocator));
        long allocated = allocator.GetVmEvent(VmEvent.PgAllocNormal) - allocatedBefore;
        long freed = allocator.GetVmEvent(VmEvent.PgFree) - freedBefore;
        Assert.Equal(allocated, freed);
        Assert.True(allocated > 0);
    }

    [Fact]
    public void Check_runs_concurrently_with_allocation_and_free()
    {
        using PageAllocator allocator = Create(nodes: 2, pagesPerNode: 16384);
        var worker = new Thread(() => Work(allocator, 1, 2000));
        worker.Start();
        try
        {
            while (worker.IsAlive)
            {
                allocator.Check();
            }
        }
        finally
        {
            Assert.True(worker.Join(TimeSpan.FromMinutes(2)));
        }

        allocator.Check();
    }

    [Fact]
    public void Lists_disposed_on_other_threads_than_their_allocation()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        var lists = new PageList[64];
        for (int i = 0; i < lists.Length; i++)
        {
            lists[i] = allocator.AllocateBulk(8);
        }

        var thread = new Thread(() =>
        {
            allocator.BindCpu(1);
            foreach (PageList list in lists)
            {
                list.Dispose();
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromMinutes(1)));
        Assert.Equal(free, FreePages(allocator));
        allocator.Check();
    }

    private static void Work(PageAllocator allocator, int seed, int rounds)
    {
        var random = new Random(seed);
        allocator.BindCpu(seed % allocator.CpuCount);
        var kept = new List<IDisposable>();
        for (int round = 0; round < rounds; round++)
        {
            PageList list = allocator.AllocateBulk(random.Next(1, 65), Gfp.Kernel | Gfp.NoWarn);
            foreach (Page page in list)
            {
                page.Span[0] = (byte)seed;
                page.Span[^1] = (byte)round;
            }

            foreach (Page page in list)
            {
                if (page.Span[0] != (byte)seed || page.Span[^1] != (byte)round)
                {
                    throw new InvalidOperationException("a page was handed to two owners");
                }
            }

            OwnerTraffic.Move(allocator, list, random.Next(OwnerTraffic.Moves), random, kept);
            OwnerTraffic.Trim(kept, 16);
        }

        kept.ForEach(k => k.Dispose());
    }
}
