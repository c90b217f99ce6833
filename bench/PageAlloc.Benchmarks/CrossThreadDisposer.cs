// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Runtime.InteropServices;
using System.Threading;

namespace PageAlloc.Benchmarks;

/// <summary>
/// A thread that disposes buffers rented on another thread, as Kestrel's socket send loop returns
/// blocks a request's thread rented: <see cref="DisposeAll"/> hands it a batch and waits until
/// every buffer is disposed. It runs on the last CPU (the benchmark thread is pinned to CPU 0),
/// so the buffers really change CPU; the handoff is two spinning flags, the same for every pool.
/// </summary>
internal sealed unsafe class CrossThreadDisposer : IDisposable
{
    private readonly Thread _thread;
    private IMemoryOwner<byte>[] _batch = [];
    private long _posted;
    private long _done;
    private volatile bool _stop;

    public CrossThreadDisposer()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "cross-thread disposer" };
        _thread.Start();
    }

    /// <summary>Disposes every buffer of <paramref name="batch"/> on the disposer thread; returns when done.</summary>
    public void DisposeAll(IMemoryOwner<byte>[] batch)
    {
        _batch = batch;
        long ticket = _posted + 1;
        Volatile.Write(ref _posted, ticket);
        while (Volatile.Read(ref _done) != ticket)
        {
            Thread.SpinWait(1);
        }
    }

    public void Dispose()
    {
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
            foreach (IMemoryOwner<byte> owner in _batch)
            {
                owner.Dispose();
            }

            seen = posted;
            Volatile.Write(ref _done, posted);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint size, ulong* mask);
}
