// SPDX-License-Identifier: GPL-2.0-only
// The demo of build.ps1 run: the Linux kernel's page allocator, in user space, telling its
// story with real numbers. Every number below is measured or read from the allocator now.
using System;
using System.Globalization;
using PageAlloc;
using PageAlloc.Demo;
using Spectre.Console;

if (!AnsiConsole.Profile.Capabilities.Interactive && AnsiConsole.Profile.Width < 120)
{
    AnsiConsole.Profile.Width = 120; // a pipe or a file: no terminal width to follow
}

AnsiConsole.Write(new Rule("[bold]PageAlloc[/]: the Linux page allocator in user space").LeftJustified());

Section("1. The default allocator");
using var allocator = new PageAllocator();
ZoneInfo zone = allocator.GetZoneInfo(0, ZoneType.Normal);
AnsiConsole.MarkupLine($"new PageAllocator(): {allocator.NodeCount} node, one NORMAL zone of {N(zone.Managed)} pages x {allocator.PageSize} bytes " +
    $"({zone.Managed * allocator.PageSize >> 20} MiB), {allocator.CpuCount} pcp slot(s), libpagealloc {PageAllocator.NativeVersion}.");

Section("2. Buddy state (buddyinfo): free blocks per order");
AnsiConsole.Write(BuddyTable.Render(("fresh", allocator.BuddyInfo())));
AnsiConsole.MarkupLine("[grey]The whole zone starts as free order-10 blocks (1024 pages, 4 MiB each).[/]");

Section("3. Bulk allocation versus single allocations");
BulkVersusSingle.Run(allocator);

Section("4. Pages written through Span<byte>");
allocator.DrainAll();
string beforeAllocation = allocator.BuddyInfo();
PageList pages = allocator.AllocateBulk(64);
for (int i = 0; i < pages.Count; i++)
{
    Span<byte> span = pages[i].Span;
    span.Fill((byte)i);
    span[0] = 0xA0;
}

int intact = 0;
for (int i = 0; i < pages.Count; i++)
{
    Span<byte> span = pages[i].Span;
    intact += span[0] == 0xA0 && span[1] == (byte)i && span[^1] == (byte)i ? 1 : 0;
}

var sample = new Table().Border(TableBorder.Rounded).AddColumn("page").AddColumn("pfn").AddColumn("node").AddColumn("zone").AddColumn("first bytes");
foreach (int i in new[] { 0, 1, 2, 31, 63 })
{
    Page page = pages[i];
    sample.AddRow(i.ToString(CultureInfo.InvariantCulture), page.Pfn.ToString(CultureInfo.InvariantCulture),
        page.Node.ToString(CultureInfo.InvariantCulture), page.Zone.ToString(), Convert.ToHexString(page.Span[..4]));
}

AnsiConsole.Write(sample);
AnsiConsole.MarkupLine($"{pages.Count} pages from one AllocateBulk call; {intact} of {pages.Count} read back exactly what was written " +
    $"({N((long)pages.Count * allocator.PageSize)} bytes through Span<byte>, no copy, no GC heap).");

Section("5. Disposal and the merge back");
string allocated = allocator.BuddyInfo();
pages.Dispose();
string freedToPcp = allocator.BuddyInfo();
allocator.DrainAll();
string drained = allocator.BuddyInfo();
AnsiConsole.Write(BuddyTable.Render(("before allocating", beforeAllocation), ("64 pages held", allocated),
    ("after Dispose", freedToPcp), ("after DrainAll", drained)));
AnsiConsole.MarkupLine("[grey]Dispose returns the pages to this CPU's pcp list, where they stay cached; draining frees them to the buddy " +
    "lists, where each merges with its buddy, order by order, back into whole blocks.[/]");

Section("6. Zone watermarks");
zone = allocator.GetZoneInfo(0, ZoneType.Normal);
var marks = new Table().Border(TableBorder.Rounded).AddColumn("zone").AddColumn(new TableColumn("managed").RightAligned())
    .AddColumn(new TableColumn("free").RightAligned()).AddColumn(new TableColumn("min").RightAligned())
    .AddColumn(new TableColumn("low").RightAligned()).AddColumn(new TableColumn("high").RightAligned())
    .AddColumn("lowmem_reserve");
marks.AddRow("node 0 Normal", N(zone.Managed), N(zone.Free), N(zone.WatermarkMin), N(zone.WatermarkLow), N(zone.WatermarkHigh),
    string.Join(' ', zone.LowmemReserve));
AnsiConsole.Write(marks);
AnsiConsole.MarkupLine("[grey]In pages. Below low, ordinary requests leave the fast path; below min only atomic/high-priority ones " +
    "may dig into the reserve (min is derived from min_free_kbytes as in the kernel).[/]");

Section("7. A multi-thread run: bulk lists allocated, written and freed");
ThreadRun.Run();

Section("8. NUMA counters of a two-node allocator");
NumaRun.Run();

allocator.DrainAll();
allocator.Check();
AnsiConsole.Write(new Rule("[bold]done[/]: every page returned, every invariant holds").LeftJustified());
return 0;

static void Section(string title)
{
    AnsiConsole.WriteLine();
    AnsiConsole.Write(new Rule($"[bold yellow]{Markup.Escape(title)}[/]").LeftJustified());
}

static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
