// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace PageAlloc.Benchmarks;

/// <summary>
/// Runs <see cref="PageBenchmarks"/> and writes, into the folder given by <c>--out</c>
/// (default <c>build/bench/csharp</c>), BenchmarkDotNet's own reports plus <c>csharp.csv</c>:
/// one row per benchmark with the median and minimum in ns per page and bytes allocated per page.
/// <c>--filter GLOB</c> (repeatable, as BenchmarkDotNet's own: <c>*AllocateBulk</c>, <c>*DirectC*</c>)
/// runs only the matching benchmarks. Without a filter, the pairs the targets compare are then
/// measured again side by side (<see cref="Paired"/>, <c>csharp-paired.csv</c>);
/// <c>--paired-only</c> runs only those (with <c>--filter</c>: the pairs either of whose names match).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string output = Path.Combine("build", "bench", "csharp");
        var filters = new List<string>();
        bool pairedOnly = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                case "--filter" when i + 1 < args.Length:
                    filters.Add(args[++i]);
                    break;
                case "--paired-only":
                    pairedOnly = true;
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument {args[i]}; usage: [--out DIR] [--filter GLOB]... [--paired-only]");
                    return 2;
            }
        }

        output = Path.GetFullPath(output);
        Directory.CreateDirectory(output);
        if (pairedOnly)
        {
            Console.WriteLine($"wrote {Paired.Run(output, filters)}");
            return 0;
        }

        // In process: no child project to generate and build, so the run takes a minute or two;
        // the benchmarks are pinned to CPU 0 like the C harness. 21 iterations of 150 ms give
        // medians that move by a few percent on a quiet machine.
        Job job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(21)
            .WithIterationTime(TimeInterval.FromMilliseconds(150))
            .WithAffinity(1)
            .WithId("Short");
        IConfig config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(StatisticColumn.Median, StatisticColumn.Min)
            .AddExporter(MarkdownExporter.GitHub)
            .AddLogger(ConsoleLogger.Default)
            .WithArtifactsPath(output)
            .WithOptions(ConfigOptions.DisableLogFile);
        if (filters.Count > 0)
        {
            config = config.AddFilter(new GlobFilter(filters.ToArray()));
        }

        Summary summary = BenchmarkRunner.Run<PageBenchmarks>(config);
        if (summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success || r.ResultStatistics is null))
        {
            Console.Error.WriteLine("A benchmark failed; csharp.csv not written.");
            return 1;
        }

        var csv = new StringBuilder("method,description,median_ns_per_page,min_ns_per_page,bytes_per_page,bytes_per_call\n");
        foreach (BenchmarkReport report in summary.Reports)
        {
            var stats = report.ResultStatistics!;
            long bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1;
            // Per call (64 pages), unrounded: BenchmarkDotNet's per-operation figure is whole bytes.
            long? total = report.GcStats.GetTotalAllocatedBytes(true);
            double perCall = total is null || report.GcStats.TotalOperations == 0 ? -1
                : (double)total.Value / report.GcStats.TotalOperations * report.BenchmarkCase.Descriptor.OperationsPerInvoke;
            csv.Append(CultureInfo.InvariantCulture,
                $"{report.BenchmarkCase.Descriptor.WorkloadMethod.Name},\"{report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\'')}\",{stats.Median:F3},{stats.Min:F3},{bytes},{perCall:F1}\n");
        }

        string path = Path.Combine(output, "csharp.csv");
        File.WriteAllText(path, csv.ToString());
        Console.WriteLine($"wrote {path}");
        if (filters.Count == 0)
        {
            Console.WriteLine($"wrote {Paired.Run(output)}");
        }

        return 0;
    }
}
