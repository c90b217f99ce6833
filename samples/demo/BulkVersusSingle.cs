// SPDX-License-Identifier: GPL-2.0-only
using System.Globalization;
using Spectre.Console;

namespace PageAlloc.Demo;

/// <summary>64 pages in one bulk call versus 64 single-page calls, as a C# caller makes them,
/// each allocated and freed, as docs/BENCHMARKS.md measures the same three forms.</summary>
internal static class BulkVersusSingle
{
    private const int Pages = 64;
    private const int Rounds = 1001;
    private const int RunsPerRound = 8;

    internal static void Run(PageAllocator allocator)
    {
        allocator.BindCpu(0); // one pcp list for every call: the numbers are about the code path
        using var array = new PageArray(Pages);
        var blocks = new PageBlock[Pages];
        PageList? list = null;

        double[] medians = Timing.InterleavedMedians(Rounds, RunsPerRound,
            (() => allocator.FillBulk(array), () => array.Clear()),
            (() => list = allocator.AllocateBulk(Pages), () => list!.Dispose()),
            (() =>
            {
                for (int i = 0; i < Pages; i++)
                {
                    blocks[i] = allocator.AllocatePages(0);
                }
            },
            () =>
            {
                foreach (PageBlock block in blocks)
                {
                    block.Dispose();
                }
            }));
        allocator.BindCpu(-1);

        double fill = medians[0], bulkList = medians[1], single = medians[2];
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("64 order-0 pages by")
            .AddColumn(new TableColumn("allocate + free, median").RightAligned())
            .AddColumn(new TableColumn("per page").RightAligned())
            .AddColumn(new TableColumn("vs single").RightAligned());
        AddRow(table, "FillBulk(PageArray) + Clear - 2 native calls, no object", fill, single);
        AddRow(table, "AllocateBulk(64) + Dispose - 2 native calls, 1 PageList", bulkList, single);
        AddRow(table, "64 x AllocatePages(0) + Dispose - 128 calls, 64 PageBlocks", single, single);
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]Median of {Rounds} alternating rounds of {RunsPerRound} runs per form, after every form reached the JIT's final tier; " +
            "thread bound to pcp slot 0. The same forms, measured by build.ps1 bench, are in docs/BENCHMARKS.md.[/]");
    }

    private static void AddRow(Table table, string what, double nanoseconds, double single) =>
        table.AddRow(
            Markup.Escape(what),
            $"{(nanoseconds / 1000).ToString("F2", CultureInfo.InvariantCulture)} us",
            $"{(nanoseconds / Pages).ToString("F1", CultureInfo.InvariantCulture)} ns",
            $"{(single / nanoseconds).ToString("F1", CultureInfo.InvariantCulture)}x");
}
