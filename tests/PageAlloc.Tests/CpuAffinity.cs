// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>
/// Pins the calling thread to one CPU (Linux <c>sched_setaffinity</c>) so that a test knows which
/// of a <see cref="PageMemoryPool"/>'s CPU caches its rents and returns use.
/// </summary>
internal static unsafe class CpuAffinity
{
    private const int MaskWords = 16; // 1024 CPUs

    /// <summary>The CPUs the calling thread may run on, lowest first.</summary>
    public static int[] Allowed()
    {
        ulong* mask = stackalloc ulong[MaskWords];
        Assert.Equal(0, sched_getaffinity(0, MaskWords * sizeof(ulong), mask));
        var cpus = new List<int>();
        for (int cpu = 0; cpu < MaskWords * 64; cpu++)
        {
            if ((mask[cpu / 64] & (1UL << (cpu % 64))) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return cpus.ToArray();
    }

    /// <summary>Pins the calling thread to <paramref name="cpu"/> until the result is disposed;
    /// returns once <see cref="Thread.GetCurrentProcessorId"/> (which the runtime caches for a
    /// while) says so.</summary>
    public static IDisposable Pin(int cpu)
    {
        var old = new ulong[MaskWords];
        fixed (ulong* saved = old)
        {
            Assert.Equal(0, sched_getaffinity(0, MaskWords * sizeof(ulong), saved));
        }

        ulong* mask = stackalloc ulong[MaskWords];
        new Span<ulong>(mask, MaskWords).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        Assert.Equal(0, sched_setaffinity(0, MaskWords * sizeof(ulong), mask));
        for (int i = 0; Thread.GetCurrentProcessorId() != cpu; i++)
        {
            Assert.True(i < 10_000_000, $"GetCurrentProcessorId never reported cpu {cpu}");
        }

        return new Restore(old);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint size, ulong* mask);

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_getaffinity(int pid, nint size, ulong* mask);

    private sealed class Restore(ulong[] mask) : IDisposable
    {
        public void Dispose()
        {
            fixed (ulong* saved = mask)
            {
                sched_setaffinity(0, MaskWords * sizeof(ulong), saved);
            }
        }
    }
}
