// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Runtime.InteropServices;
using System.Threading;

namespace PageAlloc.Benchmarks;

/// <summary>
/// A thread that disposes buffers rented on another thread, as Kestrel's socket send loop returns
/// blocks a request's thread rented: <see cref="DisposeAll"/> hands it a batch and returns; up to
/// <see cref="Depth"/> batches are in flight, so that the renter rarely waits on the handoff (on
/// a loaded machine the disposer's time slices would otherwise be what is measured). It runs on
/// the last CPU (the benchmark thread is pinned to CPU 0), so the buffers really change CPU; the
/// handoff is two counters, the same for every pool. <see cref="Wait"/> waits for all.
/// </summary>
internal sealed unsafe class CrossThreadDisposer : IDisposable
{
    private readonly Thread _thread;
    private const int Depth = 4;
    private readonly IMemoryOwner<byte>[][] _slots = new IMemoryOwner<byte>[Depth][];
    private long _posted;
    private long _done;
    private volatile bool _stop;

    public CrossThreadDisposer()
    {
        for (int i = 0; i < Depth; i++)
        {
            _slots[i] = new IMemoryOwner<byte>[PageBenchmarks.Batch];
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "cross-thread disposer" };
        _thread.Start();
    }

    /// <summary>Has every buffer of <paramref name="batch"/> disposed on the disposer thread
    /// (copied: the caller may reuse the array); waits only while <see cref="Depth"/> batches are
    /// still in flight.</summary>
    public void DisposeAll(IMemoryOwner<byte>[] batch)
    {
        long ticket = _posted + 1;
        while (Volatile.Read(ref _done) <= ticket - Depth)
        {
            Thread.SpinWait(1);
        }

        Array.Copy(batch, _slots[ticket % Depth], batch.Length);
        Volatile.Write(ref _posted, ticket);
    }

    /// <summary>Waits until every batch handed over is disposed.</summary>
    public void Wait()
    {
        while (Volatile.Read(ref _done) != _posted)
        {
            Thread.SpinWait(1);
        }
    }

    public void Dispose()
    {
        Wait();
        _stop = true;
        _thread.Join();
    }

    private void Run()
    {
        if (OperatingSystem.IsLinux() && Environment.ProcessorCount > 1)
        {
            int cpu = Environment.ProcessorCount - 1;
            ulong* mask = stackalloc ulong[16];
            new Span<ulong>(mask, 16).Clear();
            mask[cpu / 64] = 1UL << (cpu % 64);
            _ = sched_setaffinity(0, 16 * sizeof(ulong), mask);
        }

        long seen = 0;
        int idle = 0;
        while (!_stop)
        {
            long posted = Volatile.Read(ref _posted);
            if (posted == seen)
            {
                // Spin while batches come; sleep between benchmark phases.
                if (++idle > 1 << 20)
                {
                    Thread.Sleep(1);
                }
                else
                {
                    Thread.SpinWait(1);
                }

                continue;
            }

            idle = 0;
            while (seen < posted)
            {
                seen++;
                foreach (IMemoryOwner<byte> owner in _slots[seen % Depth])
                {
                    owner.Dispose();
                }

                Volatile.Write(ref _done, seen);
            }
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint size, ulong* mask);
}
