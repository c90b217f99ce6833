// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;

namespace PageAlloc.Benchmarks;

/// <summary>
/// Two benchmarks of <see cref="PageBenchmarks"/> measured in one process, alternating every few
/// tens of microseconds (and which goes first), so that the slow and fast phases of a shared
/// machine hit both alike. BenchmarkDotNet runs one benchmark after the other, seconds apart,
/// and its medians of two benchmarks can disagree by 30% on the same code here; the median of
/// the per-round ratios does not move that way. Written to <c>csharp-paired.csv</c>.
/// </summary>
internal static class Paired
{
    private const int Rounds = 4001;
    private const int CallsPerRound = 16;

    /// <summary>The pairs the targets compare: numerator and denominator of each ratio.</summary>
    private static readonly (string First, string Second)[] Pairs =
    {
        (nameof(PageBenchmarks.AllocateBulk), nameof(PageBenchmarks.DirectCList)),
        (nameof(PageBenchmarks.ArrayPoolShared), nameof(PageBenchmarks.AllocateBulk)),
        (nameof(PageBenchmarks.PoolRentSingle), nameof(PageBenchmarks.KestrelRentSingle)),
        (nameof(PageBenchmarks.PoolRent), nameof(PageBenchmarks.KestrelRent)),
        (nameof(PageBenchmarks.PoolRentCrossThread), nameof(PageBenchmarks.KestrelRentCrossThread)),
        (nameof(PageBenchmarks.ArrayPoolShared), nameof(PageBenchmarks.PagePoolBulk)),
        // Not targets: what each C# path costs (docs/BENCHMARKS.md), measured the same way.
        (nameof(PageBenchmarks.AllocatePagesSingle), nameof(PageBenchmarks.PoolRentSingle)),
        (nameof(PageBenchmarks.FillBulk), nameof(PageBenchmarks.PagePoolBulk)),
    };

    public static string Run(string output, IReadOnlyList<string>? filters = null)
    {
        // Pinned to CPU 0 like the C harness and BenchmarkDotNet's job; the benchmarks bind
        // nothing else (their allocators have one pcp slot).
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
        {
            Process.GetCurrentProcess().ProcessorAffinity = 1;
        }

        var benchmarks = new PageBenchmarks();
        benchmarks.Setup();
        s_settle = benchmarks.SettleCrossThread;
        var csv = new StringBuilder("first,second,rounds,median_ratio,first_median_ns_per_page,second_median_ns_per_page\n");
        try
        {
            (string First, string Second)[] pairs = Pairs
                .Where(p => filters is not { Count: > 0 } || filters.Any(f => Matches(f, p.First) || Matches(f, p.Second)))
                .ToArray();
            WarmUp(pairs.SelectMany(p => new[] { p.First, p.Second }).Distinct().Select(m => Bind(benchmarks, m)).ToArray());
            foreach ((string first, string second) in pairs)
            {
                PagePoolStats before = benchmarks.PoolStats;
                Action a = Bind(benchmarks, first), b = Bind(benchmarks, second);
                var ratios = new double[Rounds];
                var firstNs = new double[Rounds];
                var secondNs = new double[Rounds];
                for (int round = 0; round < Rounds; round++)
                {
                    double x, y;
                    if ((round & 1) == 0)
                    {
                        x = Time(a, CallsPerRound);
                        y = Time(b, CallsPerRound);
                    }
                    else
                    {
                        y = Time(b, CallsPerRound);
                        x = Time(a, CallsPerRound);
                    }

                    firstNs[round] = x;
                    secondNs[round] = y;
                    ratios[round] = x / y;
                }

                csv.Append(CultureInfo.InvariantCulture,
                    $"{first},{second},{Rounds},{Median(ratios):F4},{Median(firstNs):F3},{Median(secondNs):F3}\n");
                Console.WriteLine($"paired {first} / {second}: median ratio {Median(ratios):F3} over {Rounds} rounds");
                Console.WriteLine(FormattableString.Invariant(
                    $"  ns/page p10 p50 p90: {Quantile(firstNs, 0.1):F1} {Quantile(firstNs, 0.5):F1} {Quantile(firstNs, 0.9):F1} / {Quantile(secondNs, 0.1):F1} {Quantile(secondNs, 0.5):F1} {Quantile(secondNs, 0.9):F1}; ratio p10 p90: {Quantile(ratios, 0.1):F3} {Quantile(ratios, 0.9):F3}"));
                PrintPoolFlow(before, benchmarks.PoolStats);
            }
        }
        finally
        {
            benchmarks.Cleanup();
        }

        string path = Path.Combine(output, "csharp-paired.csv");
        File.WriteAllText(path, csv.ToString());
        return path;
    }

    /// <summary>Where the page pool's pages came from during a pair (none if it was not used):
    /// what a ratio's nanoseconds are spent on.</summary>
    private static void PrintPoolFlow(PagePoolStats before, PagePoolStats after)
    {
        long rents = after.AllocFast + after.AllocSlow + after.AllocRefill - (before.AllocFast + before.AllocSlow + before.AllocRefill);
        if (rents > 0)
        {
            double per = rents / 1000.0;
            Console.WriteLine(FormattableString.Invariant(
                $"  PageMemoryPool per 1000 rents: {(after.AllocRefill - before.AllocRefill) / per:F2} refills from another CPU's cache, {(after.AllocSlow - before.AllocSlow) / per:F2} from the allocator, {(after.RecycleCacheFull - before.RecycleCacheFull) / per:F2} returns to a full cache"));
        }
    }

    // A BenchmarkDotNet-style glob: * matches any run of characters.
    private static bool Matches(string glob, string name) =>
        Regex.IsMatch(name, "^" + Regex.Escape(glob).Replace("\\*", ".*") + "$");

    private static Action Bind(PageBenchmarks benchmarks, string method) =>
        method switch
        {
            nameof(PageBenchmarks.AllocateBulk) => benchmarks.AllocateBulk,
            nameof(PageBenchmarks.DirectCList) => benchmarks.DirectCList,
            nameof(PageBenchmarks.ArrayPoolShared) => benchmarks.ArrayPoolShared,
            nameof(PageBenchmarks.PoolRent) => benchmarks.PoolRent,
            nameof(PageBenchmarks.PagePoolBulk) => benchmarks.PagePoolBulk,
            nameof(PageBenchmarks.AllocatePagesSingle) => benchmarks.AllocatePagesSingle,
            nameof(PageBenchmarks.FillBulk) => benchmarks.FillBulk,
            nameof(PageBenchmarks.PoolRentSingle) => benchmarks.PoolRentSingle,
            nameof(PageBenchmarks.KestrelRent) => benchmarks.KestrelRent,
            nameof(PageBenchmarks.KestrelRentSingle) => benchmarks.KestrelRentSingle,
            nameof(PageBenchmarks.PoolRentCrossThread) => benchmarks.PoolRentCrossThread,
            nameof(PageBenchmarks.KestrelRentCrossThread) => benchmarks.KestrelRentCrossThread,
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, "not a paired benchmark"),
        };

    /// <summary>Runs every benchmark for a while, three times over with pauses between, so the
    /// tiered JIT has compiled all of them fully (its background compiles wait for a quiet
    /// 100 ms) before any round is measured.</summary>
    /// <summary>Runs every benchmark until its speed stops changing: tiered compilation moves a
    /// method from its first, unoptimized code to optimized code in steps (with dynamic PGO, an
    /// instrumented one between), each after a quiet moment on the process's one CPU, so a
    /// fixed warm-up can end with some methods still unoptimized, and a pair measured on them
    /// is off by a factor of 3 to 10 (seen here: PageArray's indexer still at tier 0 in one
    /// process of about fifteen). A pass is 150 ms of each benchmark, then a 200 ms sleep that
    /// leaves the CPU to the compiler; warm-up ends after two passes in which no benchmark's
    /// median time moved by more than 3% (at least 3 passes, at most 12).</summary>
    private static void WarmUp(Action[] actions)
    {
        double[] previous = new double[actions.Length];
        int steady = 0;
        for (int pass = 0; pass < 12 && (pass < 3 || steady < 2); pass++)
        {
            bool moved = false;
            for (int a = 0; a < actions.Length; a++)
            {
                var times = new List<double>();
                long start = Stopwatch.GetTimestamp();
                while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < 150)
                {
                    times.Add(Time(actions[a], CallsPerRound));
                }

                times.Sort();
                double median = times[times.Count / 2];
                moved |= Math.Abs(median - previous[a]) > 0.03 * previous[a];
                previous[a] = median;
            }

            steady = moved ? 0 : steady + 1;
            Thread.Sleep(200);
        }
    }

    /// <summary>ns per page of <paramref name="calls"/> calls of 64 pages each, including the
    /// cross-thread disposals they handed over (waited for before the clock stops).</summary>
    private static double Time(Action action, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            action();
        }

        s_settle?.Invoke();
        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / ((double)calls * PageBenchmarks.Batch);
    }

    private static Action? s_settle;

    private static double Median(double[] values) => Quantile(values, 0.5);

    private static double Quantile(double[] values, double q)
    {
        double[] sorted = values.Order().ToArray();
        return sorted[(int)(q * (sorted.Length - 1) + 0.5)];
    }
}
