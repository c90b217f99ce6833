// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using Spectre.Console;

namespace PageAlloc.Demo;

/// <summary>Threads allocating, writing and freeing bulk lists at once, each on its own pcp slot.</summary>
internal static class ThreadRun
{
    private const int Iterations = 40_000;
    private const int Step = 1_000;

    internal static void Run()
    {
        int threads = Math.Clamp(Environment.ProcessorCount, 2, 4);
        using var allocator = new PageAllocator(PageAllocatorOptions.Create(nodes: 1, pagesPerNode: 32768, cpus: threads));
        allocator.DrainAll();
        long free = allocator.GetZoneInfo(0, ZoneType.Normal).Free;
        var perThread = new long[threads];
        var clock = Stopwatch.StartNew();

        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var workers = new Thread[threads];
                for (int t = 0; t < threads; t++)
                {
                    ProgressTask task = context.AddTask($"thread {t} (pcp slot {t})", maxValue: Iterations);
                    int slot = t;
                    workers[t] = new Thread(() => perThread[slot] = Work(allocator, slot, task));
                    workers[t].Start();
                }

                foreach (Thread worker in workers)
                {
                    worker.Join();
                }
            });

        clock.Stop();
        long pages = 0;
        var table = new Table().Border(TableBorder.Rounded).AddColumn("thread").AddColumn("pcp slot")
            .AddColumn(new TableColumn("bulk calls").RightAligned()).AddColumn(new TableColumn("pages").RightAligned());
        for (int t = 0; t < threads; t++)
        {
            pages += perThread[t];
            table.AddRow(t.ToString(CultureInfo.InvariantCulture), t.ToString(CultureInfo.InvariantCulture),
                Iterations.ToString("N0", CultureInfo.InvariantCulture), perThread[t].ToString("N0", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        allocator.DrainAll();
        allocator.Check();
        long after = allocator.GetZoneInfo(0, ZoneType.Normal).Free;
        string rate = (pages / clock.Elapsed.TotalSeconds / 1e6).ToString("F1", CultureInfo.InvariantCulture);
        AnsiConsole.MarkupLine($"{threads} threads, {pages.ToString("N0", CultureInfo.InvariantCulture)} pages allocated, written and freed in {clock.ElapsedMilliseconds} ms ({rate} M pages/s).");
        AnsiConsole.MarkupLine($"Invariant check passed; free pages after draining: {after.ToString("N0", CultureInfo.InvariantCulture)} of {free.ToString("N0", CultureInfo.InvariantCulture)} {(after == free ? "[green](all back)[/]" : "[red](LOST PAGES)[/]")}.");
        if (after != free)
        {
            throw new InvalidOperationException($"{free - after} pages were not returned");
        }
    }

    private static long Work(PageAllocator allocator, int slot, ProgressTask task)
    {
        allocator.BindCpu(slot);
        long pages = 0;
        for (int i = 1; i <= Iterations; i++)
        {
            int count = 1 + (i * 7 + slot) % 64;
            using (PageList list = allocator.AllocateBulk(count))
            {
                foreach (Page page in list)
                {
                    page.Span[0] = (byte)i;
                }

                pages += list.Count;
            }

            if (i % Step == 0)
            {
                task.Increment(Step);
            }
        }

        allocator.BindCpu(-1);
        return pages;
    }
}
