// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>
/// Threads allocating, splitting, detaching, disposing and dropping page owners while finalizers
/// run on the finalizer thread, then the allocator disposed under threads still holding lists:
/// no page lost, every dropped owner finalized exactly once, the allocator destroyed by its last owner.
/// </summary>
public sealed class ReliabilityConcurrencyTests : LeakCheckedTest
{
    private const int Threads = 4;

    [Fact]
    public void Threads_finalizers_and_an_allocator_disposed_under_live_lists()
    {
        long destroyed = OwnerDiagnostics.DestroyedAllocators;
        long finalizedBefore = OwnerDiagnostics.FinalizedOwners;
        PageAllocator allocator = Create(nodes: 2, pagesPerNode: 16384);
        long free = FreePages(allocator);
        var errors = new List<Exception>();
        long dropped = 0;
        using var holding = new Barrier(Threads + 1);
        using var disposed = new ManualResetEventSlim();
        Thread[] workers = StartWorkers(Threads, errors, seed =>
        {
            Interlocked.Add(ref dropped, Churn(allocator, seed, 400));
            HoldThroughDispose(allocator, seed, holding, disposed);
        }, onError: () => holding.RemoveParticipant());

        // Finalizers run while the workers allocate and free.
        var collector = new Thread(() =>
        {
            while (holding.ParticipantsRemaining > 1 && holding.CurrentPhaseNumber == 0)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        collector.Start();

        // Phase 1 over: everything the workers dropped is finalized, every other page is back
        // except what they now hold.
        holding.SignalAndWait(TimeSpan.FromMinutes(2));
        Assert.True(collector.Join(TimeSpan.FromMinutes(1)));
        CollectGarbage();
        Assert.Empty(errors);
        Assert.Equal(finalizedBefore + Interlocked.Read(ref dropped), OwnerDiagnostics.FinalizedOwners);
        allocator.Check();

        // The allocator goes away while the workers' lists are alive: they stay usable.
        allocator.Dispose();
        Assert.Throws<ObjectDisposedException>(() => allocator.AllocateBulk(1));
        Assert.Equal(destroyed, OwnerDiagnostics.DestroyedAllocators);
        disposed.Set();
        foreach (Thread worker in workers)
        {
            Assert.True(worker.Join(TimeSpan.FromMinutes(2)));
        }

        Assert.Empty(errors);
        CollectGarbage();
        Assert.Equal(destroyed + 1, OwnerDiagnostics.DestroyedAllocators);
        Assert.True(free > 0);
        Assert.True(Interlocked.Read(ref dropped) > 0);
        AcceptFinalizations();
    }

    /// <summary>Random owner traffic; returns how many owners it dropped for the finalizer.</summary>
    private static long Churn(PageAllocator allocator, int seed, int rounds)
    {
        var random = new Random(seed);
        allocator.BindCpu(seed % allocator.CpuCount);
        var kept = new List<IDisposable>();
        long dropped = 0;
        for (int round = 0; round < rounds; round++)
        {
            PageList list = allocator.AllocateBulk(random.Next(1, 49), Gfp.Kernel | Gfp.NoWarn);
            Stamp(list, seed, round);
            // One move more than OwnerTraffic's: drop owners for the finalizer.
            int choice = random.Next(OwnerTraffic.Moves + 1);
            if (choice == OwnerTraffic.Moves)
            {
                list.Dispose();
                dropped += DropSome(allocator, random.Next(1, 17));
            }
            else
            {
                OwnerTraffic.Move(allocator, list, choice, random, kept);
            }

            OwnerTraffic.Trim(kept, 12);
        }

        kept.ForEach(k => k.Dispose());
        return dropped;
    }

    /// <summary>Allocates a list, a split-off part and a block, and drops all three undisposed.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long DropSome(PageAllocator allocator, int count)
    {
        PageList list = allocator.AllocateBulk(count, Gfp.Kernel | Gfp.NoWarn);
        long owners = 1;
        if (list.Count > 1)
        {
            Leak(list.Split(1));
            owners++;
        }

        if (allocator.TryAllocatePages(1, Gfp.Kernel | Gfp.NoWarn, out PageBlock? block))
        {
            Leak(block);
            owners++;
        }

        Leak(list);
        return owners;
    }

    /// <summary>Holds lists across the allocator's Dispose, then uses, splits and frees them.</summary>
    private static void HoldThroughDispose(PageAllocator allocator, int seed, Barrier holding, ManualResetEventSlim disposed)
    {
        // A bulk call may hand out fewer pages than asked (one, when it finds its CPU's pcp lock
        // taken, as the finalizer thread's frees take it): top the list up to 64.
        var held = new PageList(allocator);
        while (held.Count < 64)
        {
            Assert.True(allocator.AllocateBulk(held, 64 - held.Count, Gfp.Kernel | Gfp.NoWarn) > 0, "the allocator ran out");
        }

        PageBlock block = allocator.AllocatePages(2);
        Stamp(held, seed, 1);
        holding.SignalAndWait(TimeSpan.FromMinutes(2));
        Assert.True(disposed.Wait(TimeSpan.FromMinutes(2)));

        Assert.Throws<ObjectDisposedException>(() => allocator.AllocateBulk(1));
        CheckStamp(held, seed, 1);
        block.Span.Fill((byte)seed);
        using PageList half = held.Split(held.Count / 2);
        using PageBlock one = held.Detach(0);
        one.Span[0] = (byte)seed;
        held.Append(half);
        held.Dispose();
        block.Dispose();
    }

    private static void Stamp(PageList list, int seed, int round)
    {
        foreach (Page page in list)
        {
            page.Span[0] = (byte)seed;
            page.Span[^1] = (byte)round;
        }

        CheckStamp(list, seed, round);
    }

    private static void CheckStamp(PageList list, int seed, int round)
    {
        foreach (Page page in list)
        {
            if (page.Span[0] != (byte)seed || page.Span[^1] != (byte)round)
            {
                throw new InvalidOperationException("a page was handed to two owners");
            }
        }
    }
}
