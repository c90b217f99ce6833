// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Globalization;
using System.Linq;
using PageAlloc.Cli.Replay;
using PageAlloc.Cli.Trace;
using Spectre.Console;

namespace PageAlloc.Cli.Output;

/// <summary>The replay's summary as tables on the console (plain text when not a terminal).</summary>
internal static class SummaryTable
{
    public static void Write(ReplayResult result, IAnsiConsole console)
    {
        Replayer r = result.Replayer;
        CultureInfo c = CultureInfo.InvariantCulture;
        string lost = r.LostEvents > 0 || result.RecordedLostEvents > 0
            ? $"perf LOST {N(Math.Max(r.LostEvents, result.RecordedLostEvents ?? 0))} events: the kernel's counts miss them"
            : result.RecordedLostEvents is null ? "lost events not recorded" : "no events lost";
        string start = r.Plan is { } plan
            ? $"start: pcp lists empty at the end of the first reset ({plan.FirstEnd.ToString("0.000", c)} s); compared from there to the last reset ({plan.LastStart.ToString("0.000", c)} s)"
            : "start: inferred (no pcp reset in the bundle): pcp lists seeded from zoneinfo.before; compared over the whole trace";
        console.WriteLine($"{lost}; {start}");
        foreach (string note in result.ResetNotes)
        {
            console.WriteLine($"  recorder: {note}");
        }

        console.WriteLine($"trace {result.TracePath} ({result.Compression}); allocator: {result.Cpus} CPUs, min_free_kbytes {result.MinFreeKBytes}, pcp model {result.PcpModel} (from {result.PcpModelSource})");

        var events = new Table().Title("events").AddColumn("event").AddColumn(new TableColumn("lines").RightAligned());
        events.AddRow("read", N(r.Events.Read));
        foreach (KmemEvent kind in new[] { KmemEvent.PageAlloc, KmemEvent.PageFree, KmemEvent.PageFreeBatched,
            KmemEvent.PageAllocZoneLocked, KmemEvent.PagePcpuDrain, KmemEvent.PageAllocExtfrag })
        {
            events.AddRow(Markup.Escape(Name(kind)), N(r.Events[kind]));
        }

        events.AddRow("other", N(r.Events.Other));
        events.AddRow("bad lines", N(r.Bad.Total));
        console.Write(events);
        foreach (var (reason, (count, first)) in r.Bad.Reasons)
        {
            console.WriteLine($"  {reason}: {count} (first lines {string.Join(", ", first)})");
        }

        var replay = new Table().Title("replayed").AddColumn("").AddColumn(new TableColumn("count").RightAligned());
        replay.AddRow("allocs", N(r.Allocs));
        replay.AddRow("alloc failures", N(r.AllocFailures));
        replay.AddRow("frees", N(r.Frees));
        replay.AddRow("unmatched frees (allocated before the trace)", N(r.UnmatchedFrees));
        replay.AddRow("batched frees paired with their free", N(r.BatchedPairs));
        replay.AddRow("inferred bulk allocations (refilled, never allocated)", N(r.InferredBulkAllocs));
        replay.AddRow("pages still held at the end", N(r.LivePages));
        console.Write(replay);

        var compare = new Table().Title("kernel and ours").AddColumn("").AddColumn(new TableColumn("kernel").RightAligned()).AddColumn(new TableColumn("ours").RightAligned());
        compare.AddRow("pcp refill pages", N(r.KernelCompared.Refill), Opt(result.OurRefillPages));
        compare.AddRow("pcp drain pages", N(r.KernelCompared.Drain), Opt(result.OurDrainPages));
        compare.AddRow("extfrag events", N(r.KernelCompared.Extfrag), Opt(result.OurExtfrag));
        for (int order = 0; order < result.OurEndFreePages.Length; order++)
        {
            string kernel = result.KernelEndFreePages is { } k && order < k.Length ? N(k[order]) : "-";
            compare.AddRow($"free pages at the end, order {order}", kernel, N(result.OurEndFreePages[order]));
        }

        console.Write(compare);
        if (result.Run is { } run)
        {
            console.WriteLine($"{N(r.Events.Read)} events in {run.Wall.ToString("0.000", c)} s from the process's start to this summary: {result.EventsPerSecondWholeRun.ToString("#,0", c)} events/s end to end ({run.Cpu.ToString("0.000", c)} s of CPU; {Steps(run)})");
        }

        console.WriteLine($"the two passes over the trace: {result.Seconds.ToString("0.000", c)} s, {result.EventsPerSecond.ToString("#,0", c)} events/s ({result.CpuSeconds.ToString("0.000", c)} s of CPU)");
        foreach (string line in RatioLines(result))
        {
            console.WriteLine(line);
        }

        static string Opt(long? value) => value is long v ? N(v) : "n/a";
    }

    /// <summary>Each step's wall seconds: "start-up 0.150, bundle 0.030, ...".</summary>
    private static string Steps(Replay.RunClock run)
    {
        var steps = new System.Collections.Generic.List<string>();
        double previous = 0;
        foreach ((string step, double wall, _) in run.Marks)
        {
            steps.Add($"{step} {(wall - previous).ToString("0.000", CultureInfo.InvariantCulture)}");
            previous = wall;
        }

        return string.Join(", ", steps);
    }

    /// <summary>The last lines: ours over the kernel's, refills, drains and each list at the last reset.</summary>
    internal static System.Collections.Generic.IEnumerable<string> RatioLines(ReplayResult result)
    {
        Replayer r = result.Replayer;
        yield return $"pcp refill pages ours/kernel {Ratio(result.OurRefillPages, r.KernelCompared.Refill)}, drain pages ours/kernel {Ratio(result.OurDrainPages, r.KernelCompared.Drain)} ({result.PcpModel}, {(r.Plan is null ? "start inferred" : "between the resets")})";
        foreach (string line in EndListLines(r.EndLists.ByCpuAndZone))
        {
            yield return line;
        }
    }

    /// <summary>A line per CPU and zone, ours over the kernel's; then, apart, the kernel's pages
    /// drained at the last reset from a list the trace never showed them put on (CPU -1 in the
    /// JSON): no CPU is known for them, so ours has no list to compare, and they are left out of
    /// the ratios rather than printed as a ratio of 0.</summary>
    internal static System.Collections.Generic.IEnumerable<string> EndListLines(
        System.Collections.Generic.IEnumerable<(int Cpu, string Zone, long Kernel, long Ours)> lists)
    {
        long unseen = 0;
        foreach ((int cpu, string zone, long kernel, long ours) in lists)
        {
            if (cpu < 0)
            {
                unseen += kernel;
                continue;
            }

            yield return $"pcp list at the last reset, cpu {cpu} {zone}: kernel {N(kernel)}, ours {N(ours)}, ours/kernel {Ratio(ours, kernel)}";
        }

        if (unseen > 0)
        {
            yield return $"pcp pages at the last reset on no list the trace shows (left out of the ratios): kernel {N(unseen)}";
        }
    }

    private static string Ratio(long? ours, long kernel) => ours is not long o ? "n/a" : kernel == 0 ? (o == 0 ? "1.00 (both 0)" : "inf (kernel 0)") :
            ((double)o / kernel).ToString("0.00", CultureInfo.InvariantCulture);

    private static string N(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    internal static string Name(KmemEvent kind) => kind switch
    {
        KmemEvent.PageAlloc => "mm_page_alloc",
        KmemEvent.PageFree => "mm_page_free",
        KmemEvent.PageFreeBatched => "mm_page_free_batched",
        KmemEvent.PageAllocZoneLocked => "mm_page_alloc_zone_locked",
        KmemEvent.PagePcpuDrain => "mm_page_pcpu_drain",
        KmemEvent.PageAllocExtfrag => "mm_page_alloc_extfrag",
        _ => "other",
    };
}
