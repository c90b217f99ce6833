// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;
using System.Globalization;
using Spectre.Console;

namespace PageAlloc.Demo;

/// <summary>A two-node allocator and the kernel's NUMA counters: local hits, remote hits, an
/// interleaved bulk allocation, and the misses of a node that runs out (its requests spill over to
/// the other node).</summary>
internal static class NumaRun
{
    private const long PagesPerNode = 4096;

    internal static void Run()
    {
        var options = PageAllocatorOptions.Create(nodes: 2, pagesPerNode: PagesPerNode, cpus: 2);
        options.CpuToNode = [0, 1];
        using var allocator = new PageAllocator(options);
        allocator.BindCpu(0); // a CPU of node 0
        var held = new List<PageList>();
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("step (thread on a CPU of node 0)")
            .AddColumn(new TableColumn("on node 0").RightAligned())
            .AddColumn(new TableColumn("on node 1").RightAligned());
        foreach (VmEvent counter in Counters)
        {
            table.AddColumn(new TableColumn(Name(counter)).RightAligned());
        }

        try
        {
            Step(allocator, table, held, "256 pages, no preference", () => [allocator.AllocateBulk(256)]);
            Step(allocator, table, held, "256 pages, preferring node 1", () => [allocator.AllocateBulk(256, preferredNode: 1)]);
            Step(allocator, table, held, "256 pages, interleaved", () => Interleaved(allocator));
            Step(allocator, table, held, "node 0 until it spills over", () => FillNode0(allocator));
        }
        finally
        {
            foreach (PageList list in held)
            {
                list.Dispose();
            }

            allocator.BindCpu(-1);
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]numa_hit: on the preferred node; numa_miss: on another node because the preferred one was short " +
            "(numa_foreign counts the same pages against the node that was short); numa_local/numa_other: on / off the CPU's own node.[/]");
    }

    private static readonly VmEvent[] Counters = [VmEvent.NumaHit, VmEvent.NumaMiss, VmEvent.NumaForeign, VmEvent.NumaLocal, VmEvent.NumaOther];

    private static string Name(VmEvent counter) => counter switch
    {
        VmEvent.NumaHit => "numa_hit",
        VmEvent.NumaMiss => "numa_miss",
        VmEvent.NumaForeign => "numa_foreign",
        VmEvent.NumaLocal => "numa_local",
        _ => "numa_other",
    };

    private static List<PageList> Interleaved(PageAllocator allocator)
    {
        // This thread's memory policy (set_mempolicy's MPOL_INTERLEAVE): one bulk call per node,
        // each node an even share, as the kernel's alloc_pages_bulk_mempolicy splits it.
        allocator.SetMemoryPolicy(MemoryPolicy.Interleave, NodeMask.Of(0, 1));
        try
        {
            return [allocator.AllocateBulk(256, Gfp.Kernel, useMemoryPolicy: true)];
        }
        finally
        {
            allocator.SetMemoryPolicy(MemoryPolicy.Default);
        }
    }

    private static List<PageList> FillNode0(PageAllocator allocator)
    {
        // Chunks preferring node 0 until one of them had to take pages from node 1. Near the low
        // watermark the bulk path gives up (it wants low + the whole chunk) and each call falls back
        // to one single-page allocation, which takes node 0 down to low before spilling over.
        var lists = new List<PageList>();
        for (int i = 0; i < PagesPerNode; i++)
        {
            PageList list = allocator.AllocateBulk(256, preferredNode: 0);
            lists.Add(list);
            if (list.Count > 0 && list[list.Count - 1].Node == 1)
            {
                break;
            }
        }

        return lists;
    }

    private static void Step(PageAllocator allocator, Table table, List<PageList> held, string what, System.Func<List<PageList>> allocate)
    {
        var before = new long[Counters.Length];
        for (int i = 0; i < Counters.Length; i++)
        {
            before[i] = allocator.GetVmEvent(Counters[i]);
        }

        List<PageList> lists = allocate();
        held.AddRange(lists);
        var onNode = new long[2];
        foreach (PageList list in lists)
        {
            foreach (Page page in list)
            {
                onNode[page.Node]++;
            }
        }

        var cells = new List<string> { Markup.Escape(what), Format(onNode[0]), Format(onNode[1]) };
        for (int i = 0; i < Counters.Length; i++)
        {
            cells.Add("+" + Format(allocator.GetVmEvent(Counters[i]) - before[i]));
        }

        table.AddRow(cells.ToArray());
    }

    private static string Format(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
