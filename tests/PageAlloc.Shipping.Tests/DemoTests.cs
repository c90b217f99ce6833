// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using PageAlloc.Testing;
using Xunit;

namespace PageAlloc.Shipping.Tests;

/// <summary>The demo of build.ps1 run, as the solution built it, run with its output in a pipe.</summary>
public sealed class DemoTests
{
    private static readonly Lazy<ChildProcess.Result> s_run = new(RunDemo);

    [Fact]
    public void The_demo_tells_the_whole_story_in_plain_text_and_exits_0()
    {
        ChildProcess.Result run = s_run.Value;

        Assert.True(run.ExitCode == 0, $"the demo exited with {run.ExitCode}:\n{run.Output}");
        string[] sections =
        [
            "1. The default allocator",
            "2. Buddy state (buddyinfo): free blocks per order",
            "3. Bulk allocation versus single allocations",
            "4. Pages written through Span<byte>",
            "5. Disposal and the merge back",
            "6. Zone watermarks",
            "7. A multi-thread run",
            "8. NUMA counters of a two-node allocator",
        ];
        foreach (string section in sections)
        {
            Assert.Contains(section, run.Output);
        }

        Assert.Contains("64 of 64 read back exactly what was written", run.Output);
        Assert.Contains("(all back)", run.Output);
        Assert.Contains("numa_foreign", run.Output);
        Assert.Contains("256 pages, interleaved", run.Output);
        Assert.Contains("every page returned, every invariant holds", run.Output);
        // Not a terminal: no colour, no cursor movement.
        Assert.DoesNotContain("\u001b[", run.Output);
    }

    /// <summary>The table "Bulk allocation versus single allocations" ranks the three forms as
    /// docs/BENCHMARKS.md does: FillBulk into a PageArray cheapest per page, then AllocateBulk
    /// with its PageList, then 64 single AllocatePages far behind.</summary>
    [Fact]
    public void The_demos_bulk_table_ranks_the_three_forms_as_the_benchmarks_do()
    {
        ChildProcess.Result run = s_run.Value;
        Assert.True(run.ExitCode == 0, $"the demo exited with {run.ExitCode}:\n{run.Output}");

        double fill = NanosecondsPerPage(run.Output, "FillBulk(PageArray) + Clear");
        double bulk = NanosecondsPerPage(run.Output, "AllocateBulk(64) + Dispose");
        double single = NanosecondsPerPage(run.Output, "64 x AllocatePages(0) + Dispose");

        Assert.True(fill < bulk, $"FillBulk {fill} ns/page is not below AllocateBulk {bulk} ns/page:\n{run.Output}");
        Assert.True(bulk * 4 < single, $"AllocateBulk {bulk} ns/page is not a quarter of 64 single calls' {single} ns/page:\n{run.Output}");
    }

    private static ChildProcess.Result RunDemo()
    {
        string demo = Path.Combine(Repository.Root, "samples", "demo", "bin", Repository.Configuration, "net10.0", "pagealloc-demo.dll");
        Assert.True(File.Exists(demo), $"no {demo}: build the solution first (build.ps1 build)");
        return ChildProcess.Run("dotnet", Repository.Root, [demo]);
    }

    /// <summary>The "per page" cell of the table row that starts with <paramref name="form"/>:
    /// the row's one figure in ns (the per-call figure is in us).</summary>
    private static double NanosecondsPerPage(string output, string form)
    {
        foreach (string line in output.Split('\n'))
        {
            if (line.Contains(form, StringComparison.Ordinal))
            {
                Match cell = Regex.Match(line, @"([0-9]+(?:\.[0-9]+)?) ns\b");
                Assert.True(cell.Success, $"no ns figure in the row: {line}");
                return double.Parse(cell.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }

        Assert.Fail($"no row for {form} in the demo's output:\n{output}");
        return double.NaN;
    }
}
