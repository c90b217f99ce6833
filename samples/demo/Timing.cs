// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Diagnostics;

namespace PageAlloc.Demo;

/// <summary>Times one operation over many repetitions and reports the median, which a stray
/// context switch or page fault on a shared machine does not move.</summary>
internal static class Timing
{
    /// <summary>The median of <paramref name="repetitions"/> timed runs of <paramref name="measured"/>,
    /// in nanoseconds, after <paramref name="warmup"/> untimed ones; <paramref name="reset"/> runs
    /// untimed after each run (freeing what was allocated).</summary>
    internal static double MedianNanoseconds(int warmup, int repetitions, Action measured, Action reset)
    {
        for (int i = 0; i < warmup; i++)
        {
            measured();
            reset();
        }

        var ticks = new long[repetitions];
        for (int i = 0; i < repetitions; i++)
        {
            long start = Stopwatch.GetTimestamp();
            measured();
            ticks[i] = Stopwatch.GetTimestamp() - start;
            reset();
        }

        Array.Sort(ticks);
        return ticks[repetitions / 2] * 1e9 / Stopwatch.Frequency;
    }
}
