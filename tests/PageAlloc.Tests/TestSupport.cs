using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using PageAlloc;
using Xunit;

// One test at a time: the leak gate counts finalizations process-wide, and pcp state is
// per-CPU slot. Concurrency tests start their own threads.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace PageAlloc.Tests;

/// <summary>
/// The leak gate: every test class derives from this. After each test it collects garbage and
/// fails the test when a page owner (PageList, PageArray, PageBlock) or an allocator was
/// released by the finalizer instead of Dispose, or a pool was disposed or finalized with
/// buffers still out. Tests that exercise finalization on purpose
/// call <see cref="AcceptFinalizations"/> after checking the counts themselves.
/// </summary>
public abstract class LeakCheckedTest : IDisposable
{
    private long _owners = OwnerDiagnostics.FinalizedOwners;
    private long _allocators = OwnerDiagnostics.FinalizedAllocators;
    private long _leakedBuffers = OwnerDiagnostics.LeakedBuffers;

    /// <summary>Runs every pending finalizer.</summary>
    protected static void CollectGarbage()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>Starts <paramref name="count"/> threads running <paramref name="body"/> with their
    /// index; an exception a body throws is added to <paramref name="errors"/> (under its lock),
    /// then <paramref name="onError"/> runs on that thread.</summary>
    protected static Thread[] StartWorkers(int count, List<Exception> errors, Action<int> body, Action? onError = null)
    {
        var workers = new Thread[count];
        for (int t = 0; t < count; t++)
        {
            int index = t;
            workers[t] = new Thread(() =>
            {
                try
                {
                    body(index);
                }
                catch (Exception exception)
                {
                    lock (errors)
                    {
                        errors.Add(exception);
                    }

                    onError?.Invoke();
                }
            });
            workers[t].Start();
        }

        return workers;
    }

    /// <summary>Finalizations so far are expected (a finalizer test checked them).</summary>
    protected void AcceptFinalizations()
    {
        _owners = OwnerDiagnostics.FinalizedOwners;
        _allocators = OwnerDiagnostics.FinalizedAllocators;
        _leakedBuffers = OwnerDiagnostics.LeakedBuffers;
    }

    public void Dispose()
    {
        CollectGarbage();
        long owners = OwnerDiagnostics.FinalizedOwners - _owners;
        long allocators = OwnerDiagnostics.FinalizedAllocators - _allocators;
        long leakedBuffers = OwnerDiagnostics.LeakedBuffers - _leakedBuffers;
        AcceptFinalizations();
        Assert.True(owners == 0, $"Leak gate: {owners} page owner(s) were finalized instead of disposed.");
        Assert.True(allocators == 0, $"Leak gate: {allocators} allocator(s) were finalized instead of disposed.");
        Assert.True(leakedBuffers == 0, $"Leak gate: {leakedBuffers} pool buffer(s) were still out when their pool was disposed or finalized.");
        GC.SuppressFinalize(this);
    }

    /// <summary>A small allocator: nodes with one NORMAL zone each, two pcp slots per node
    /// (cpu 2n and 2n+1 on node n), explicit pcp sizes, the calling thread bound to cpu 0.</summary>
    protected static PageAllocator Create(int nodes = 1, long pagesPerNode = 8192, Action<PageAllocatorOptions>? configure = null)
    {
        var options = PageAllocatorOptions.Create(nodes, pagesPerNode, cpus: 2 * nodes);
        var cpuToNode = new int[2 * nodes];
        for (int cpu = 0; cpu < cpuToNode.Length; cpu++)
        {
            cpuToNode[cpu] = cpu / 2;
        }

        options.CpuToNode = cpuToNode;
        options.PcpBatch = 16;
        options.PcpHigh = 64;
        configure?.Invoke(options);
        var allocator = new PageAllocator(options);
        allocator.BindCpu(0);
        return allocator;
    }

    /// <summary>Free pages over every node's NORMAL zone after draining the pcp lists.</summary>
    protected static long FreePages(PageAllocator allocator)
    {
        allocator.DrainAll();
        long free = 0;
        for (int node = 0; node < allocator.NodeCount; node++)
        {
            free += allocator.GetZoneInfo(node, ZoneType.Normal).Free;
        }

        return free;
    }

    /// <summary>Allocates order-0 pages until the zone's buddy free count is exactly
    /// <paramref name="target"/> (pcp lists drained); the caller disposes the array.</summary>
    protected static PageArray HoldUntilFree(PageAllocator allocator, long target, int node = 0)
    {
        allocator.DrainAll();
        long excess = allocator.GetZoneInfo(node, ZoneType.Normal).Free - target;
        Assert.True(excess >= 0, $"the zone has fewer than {target} free pages");
        var hold = new PageArray((int)excess);
        Assert.Equal((int)excess, allocator.FillBulk(hold, Gfp.Kernel | Gfp.NoWarn, node, loop: true));
        allocator.DrainAll();
        Assert.Equal(target, allocator.GetZoneInfo(node, ZoneType.Normal).Free);
        return hold;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    protected static void Leak(IDisposable owner) => GC.KeepAlive(owner);
}
