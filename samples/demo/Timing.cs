// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Diagnostics;
using System.Runtime;
using System.Threading;

namespace PageAlloc.Demo;

/// <summary>
/// Times several forms of one job side by side. Two things made an earlier, simpler timer
/// disagree with the benchmarks: the tiered JIT (code measured before its final tier, or
/// while the background compiler was still promoting it), and a shared machine whose slow
/// and fast phases fell on one form and not the other. So every form is first run until the
/// JIT has nothing left to compile, and then the forms are measured in alternating rounds,
/// each round in a rotated order, and each form's median is taken.
/// </summary>
internal static class Timing
{
    /// <summary>The tiered JIT promotes a method after 30 calls, but only once no method has
    /// been compiled for 100 ms; a pause longer than that lets it start and finish.</summary>
    private const int TieringPauseMilliseconds = 150;

    /// <summary>Median nanoseconds per run of each of <paramref name="forms"/> (a run is
    /// <c>measured</c> then <c>reset</c>, both timed: the allocation and the free), over
    /// <paramref name="rounds"/> rounds of <paramref name="runsPerRound"/> runs per form.</summary>
    internal static double[] InterleavedMedians(int rounds, int runsPerRound, params (Action Measured, Action Reset)[] forms)
    {
        WarmUpToFinalTier(forms, runsPerRound);
        var samples = new double[forms.Length][];
        for (int f = 0; f < forms.Length; f++)
        {
            samples[f] = new double[rounds];
        }

        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < forms.Length; k++)
            {
                int f = (round + k) % forms.Length;
                samples[f][round] = Time(forms[f], runsPerRound);
            }
        }

        var medians = new double[forms.Length];
        for (int f = 0; f < forms.Length; f++)
        {
            Array.Sort(samples[f]);
            medians[f] = samples[f][rounds / 2];
        }

        return medians;
    }

    /// <summary>Runs every form in passes, with a pause after each, until two passes in a row
    /// compiled no method: every method the forms call has reached its final tier (tier 1, or
    /// on-stack replacement of a loop) and nothing is queued behind.</summary>
    private static void WarmUpToFinalTier((Action Measured, Action Reset)[] forms, int runsPerRound)
    {
        const int MinPasses = 3, MaxPasses = 40;
        long compiled = JitInfo.GetCompiledMethodCount();
        int quiet = 0;
        for (int pass = 0; pass < MaxPasses && (pass < MinPasses || quiet < 2); pass++)
        {
            foreach ((Action Measured, Action Reset) form in forms)
            {
                for (int i = 0; i < 8; i++)
                {
                    Time(form, runsPerRound);
                }
            }

            Thread.Sleep(TieringPauseMilliseconds);
            long now = JitInfo.GetCompiledMethodCount();
            quiet = now == compiled ? quiet + 1 : 0;
            compiled = now;
        }
    }

    /// <summary>Nanoseconds per run of <paramref name="runs"/> runs of <paramref name="form"/>.</summary>
    private static double Time((Action Measured, Action Reset) form, int runs)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < runs; i++)
        {
            form.Measured();
            form.Reset();
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / runs;
    }
}
