// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;
using System.Linq;

namespace PageAlloc.BenchReport;

/// <summary>
/// <c>PageAlloc.BenchReport --in build/bench --docs docs --font FILE.ttf</c>: writes
/// docs/BENCHMARKS.md and docs/bench-batch.png from the results of one `build.ps1 bench` run;
/// <c>PageAlloc.BenchReport load --in build/load ...</c>: docs/LOAD.md and docs/load.png from one
/// `build.ps1 load` run.
/// </summary>
internal static class Program
{
    private const string ChartFile = "bench-batch.png";

    private static int Main(string[] args)
    {
        bool load = args.Length > 0 && args[0] == "load";
        if (load)
        {
            args = args[1..];
        }

        string input = Path.Combine("build", load ? "load" : "bench");
        string docs = "docs";
        string? font = null;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--in": input = args[i + 1]; break;
                case "--docs": docs = args[i + 1]; break;
                case "--font": font = args[i + 1]; break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }

        if (font is null || !File.Exists(font))
        {
            Console.Error.WriteLine("usage: PageAlloc.BenchReport [load] --in RESULTS --docs DOCS --font FILE.ttf (the font file must exist)");
            return 2;
        }

        if (load)
        {
            return LoadReport.Write(input, docs, font);
        }

        var results = new Results(input);
        Directory.CreateDirectory(docs);
        Chart.Write(results, Path.Combine(docs, ChartFile), font);
        var targets = Targets.Compute(results);
        var pagePoolTargets = Targets.ComputePagePool(results);
        string markdown = Report.Build(results, targets, pagePoolTargets, ChartFile);
        string path = Path.Combine(docs, "BENCHMARKS.md");
        File.WriteAllText(path, markdown);
        Console.WriteLine($"wrote {Path.GetFullPath(path)}");
        foreach (Target t in targets.Concat(pagePoolTargets))
        {
            Console.WriteLine($"{t.Mark,-8} {t.Name}: {t.Measured} (bar {t.Bar})");
        }

        return 0;
    }
}
