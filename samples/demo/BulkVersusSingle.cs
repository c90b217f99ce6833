// SPDX-License-Identifier: GPL-2.0-only
using System.Globalization;
using Spectre.Console;

namespace PageAlloc.Demo;

/// <summary>64 pages in one bulk call versus 64 single-page calls, as a C# caller makes them.</summary>
internal static class BulkVersusSingle
{
    private const int Pages = 64;
    private const int Warmup = 200;
    private const int Repetitions = 3001;

    internal static void Run(PageAllocator allocator)
    {
        allocator.BindCpu(0); // one pcp list for every call: the numbers are about the code path
        using var array = new PageArray(Pages);
        var blocks = new PageBlock[Pages];

        double fill = Timing.MedianNanoseconds(Warmup, Repetitions,
            () => allocator.FillBulk(array),
            () => array.Clear());
        PageList? list = null;
        double bulkList = Timing.MedianNanoseconds(Warmup, Repetitions,
            () => list = allocator.AllocateBulk(Pages),
            () => list!.Dispose());
        double single = Timing.MedianNanoseconds(Warmup, Repetitions,
            () =>
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
            });
        allocator.BindCpu(-1);

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("64 order-0 pages by")
            .AddColumn(new TableColumn("median per call").RightAligned())
            .AddColumn(new TableColumn("per page").RightAligned())
            .AddColumn(new TableColumn("vs single").RightAligned());
        AddRow(table, "FillBulk(PageArray) - 1 native call, no object", fill, single);
        AddRow(table, "AllocateBulk(64) - 1 native call, 1 PageList", bulkList, single);
        AddRow(table, "64 x AllocatePages(0) - 64 calls, 64 PageBlocks", single, single);
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]Median of {Repetitions} timed runs each (allocation only; the pages are freed untimed between runs), thread bound to pcp slot 0.[/]");
    }

    private static void AddRow(Table table, string what, double nanoseconds, double single) =>
        table.AddRow(
            Markup.Escape(what),
            $"{(nanoseconds / 1000).ToString("F1", CultureInfo.InvariantCulture)} us",
            $"{(nanoseconds / Pages).ToString("F0", CultureInfo.InvariantCulture)} ns",
            $"{(single / nanoseconds).ToString("F1", CultureInfo.InvariantCulture)}x");
}
