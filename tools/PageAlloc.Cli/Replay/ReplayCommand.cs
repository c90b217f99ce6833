// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PageAlloc.Cli.Host;
using PageAlloc.Cli.Output;
using PageAlloc.Cli.Trace;
using Spectre.Console;

namespace PageAlloc.Cli.Replay;

/// <summary><c>pagealloc replay TRACE</c>: sets up the allocator, streams the trace through a
/// <see cref="Replayer"/> and writes the summary, JSON, CSV and plot.</summary>
internal static class ReplayCommand
{
    internal sealed record Arguments(
        string Trace, string? ZoneInfo, string? BuddyInfo, long? MinFreeKBytes, string? PcpModel,
        string? Json, string? Csv, string? Plot, bool Quiet);

    /// <summary>The pcp models this build of the library has.</summary>
    internal static readonly string[] PcpModels = ["6.6", "6.18"];

    public static int Run(Arguments args, IAnsiConsole console, TextWriter error)
    {
        try
        {
            return RunChecked(args, console, error);
        }
        catch (TraceInputException e)
        {
            error.WriteLine($"pagealloc: {e.Message}");
            return ExitCodes.BadInput;
        }
    }

    private static int RunChecked(Arguments args, IAnsiConsole console, TextWriter error)
    {
        var run = new RunClock();
        if (args.PcpModel is not null && !PcpModels.Contains(args.PcpModel))
        {
            error.WriteLine($"pagealloc: --pcp-model {args.PcpModel}: the models are {string.Join(" and ", PcpModels)}.");
            return ExitCodes.Usage;
        }

        string traceFile = TraceInput.Resolve(args.Trace);
        string bundle = Path.GetDirectoryName(Path.GetFullPath(traceFile)) ?? ".";
        string zoneinfo = args.ZoneInfo ?? BesideOr(bundle, "zoneinfo.before", "/proc/zoneinfo");
        string? buddyinfo = args.BuddyInfo ?? Beside(bundle, "buddyinfo.before");
        string? buddyAfter = Beside(bundle, "buddyinfo.after");
        string? zoneinfoAfter = Beside(bundle, "zoneinfo.after");

        HostShape shape = HostShape.Load(zoneinfo, args.MinFreeKBytes);
        string model = args.PcpModel ?? ModelOf(shape.Zones);
        bool tuned = model == "6.18";
        List<ResetsFile.Reset> resets = ResetsFile.Read(Path.Combine(bundle, ResetsFile.FileName));
        string? zoneinfoReset = Beside(bundle, "zoneinfo.reset");
        ResetPlan? plan = ResetPlan.From(resets, zoneinfoReset is null ? null : ZoneInfoFile.Read(zoneinfoReset));
        long? recordedLost = ReadLost(Beside(bundle, Record.Recorder.LostEventsFile));
        List<BuddyInfoFile.Zone>? target = buddyinfo is null ? null : BuddyInfoFile.Read(buddyinfo);
        long[]? kernelEnd = buddyAfter is null ? null : BuddyInfoFile.FreePagesByOrder(BuddyInfoFile.Read(buddyAfter));

        string? pagetypeinfo = Beside(bundle, "pagetypeinfo.before");
        // Pageblock types only with the buddyinfo of the same bundle (the two describe one moment).
        List<PageTypeInfoFile.Zone>? types = pagetypeinfo is null || args.BuddyInfo is not null ? null : PageTypeInfoFile.Read(pagetypeinfo);
        // The snapshot's time describes the bundle's own zoneinfo.before, not one given apart.
        bool bundleState = Path.GetFullPath(zoneinfo) == Path.GetFullPath(Path.Combine(bundle, "zoneinfo.before"));
        double? stateTime = bundleState ? SnapshotClock.ReadBefore(Path.Combine(bundle, SnapshotClock.FileName)) : null;
        run.Mark("bundle");
        // The allocator is made and seeded while the first pass reads the trace (the two are
        // apart but for the memory onlined during the trace, which sizes the zones: guessed from
        // the bundle's zoneinfo, and made again after the pass when the guess was wrong).
        Dictionary<ZoneType, long> guessed = OnlinedGuess(shape.Zones, zoneinfoAfter is null ? null : ZoneInfoFile.Read(zoneinfoAfter));
        Task<Prepared> early = Task.Run(() => Prepared.Make(shape, tuned, guessed, target, types));
        TimeSpan cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        // The first pass finds the bulk allocations (a second read of the file: a refill's page
        // is known to be bulk-allocated only when its free comes).
        (long Start, long End, ZoneType Zone)[] kernelSpans = HostShape.ZoneSpans(shape.Zones);
        Func<long, ZoneType?> kernelZoneOf = pfn => HostShape.ZoneAt(kernelSpans, pfn);
        var bulk = new BulkInference(plan);
        using var zstd = new ZstdSharp.Decompressor();
        using (TraceInput first = TraceInput.Open(traceFile, zstd))
        {
            try
            {
                LineReader.Read(first.Text, bulk, RejectBinary(first.Path));
            }
            catch (Exception e)
            {
                early.ContinueWith(t => t.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion);
                if (e is not IOException)
                {
                    throw;
                }

                error.WriteLine($"pagealloc: {first.Path}: reading failed ({e.Message})");
                return ExitCodes.BadInput;
            }
        }

        if (plan is not null)
        {
            HashSet<ZoneType> drained = plan.Last.Select(r => HostShape.ZoneOf(r.Zone)).OfType<ZoneType>().ToHashSet();
            bulk.Finish(pfn => kernelZoneOf(pfn) is ZoneType zone && drained.Contains(zone));
        }

        double firstPass = clock.Elapsed.TotalSeconds;
        clock.Stop();
        TimeSpan cpuFirst = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu;
        run.Mark("first pass");
        // The allocator after it: its zones hold the memory the kernel onlined during the trace.
        Dictionary<ZoneType, long> onlined = bulk.Onlined.PagesByZone(kernelZoneOf);
        Prepared prepared = early.GetAwaiter().GetResult();
        bool guessedRight = SameCounts(guessed, onlined);
        if (!guessedRight)
        {
            prepared.Dispose();
            prepared = Prepared.Make(shape, tuned, onlined, target, types);
        }

        using var allocator = prepared.Allocator;
        // Seeding's last steps after the first pass (they set aside the high-order stand-ins and
        // the onlined blocks the pass found), and not timed: the rate is the trace's.
        Seeder? seeder = prepared.Seeder;
        seeder?.ReserveBlocks(bulk.PreTrace.Frees, shape.Zones);
        seeder?.ReserveOnlined(onlined);
        seeder?.SeedPcpLists(shape.Zones, tunedHigh: tuned);
        using var ours = new OurTracepoints(allocator);
        run.Mark("seeding");
        cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuFirst;
        clock.Start();
        using var replayer = new Replayer(allocator, ours, standIns: seeder, kernelZones: shape.Zones, stateTime: stateTime,
            plan: plan, bulkLines: bulk.Lines, tunedHigh: tuned);
        using TraceInput input = TraceInput.Open(traceFile, zstd);
        try
        {
            Stream(input, replayer, console, args.Quiet);
        }
        catch (IOException e)
        {
            error.WriteLine($"pagealloc: {input.Path}: reading failed after {replayer.Events.Read} events ({e.Message})");
            return ExitCodes.BadInput;
        }

        double seconds = clock.Elapsed.TotalSeconds;
        double cpuSeconds = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        run.Mark("second pass");
        replayer.Finish();
        if (replayer.Events.Read == 0)
        {
            error.WriteLine($"pagealloc: {input.Path}: no trace events in it ({replayer.Bad.Total} lines that are not events); not a perf script trace.");
            return ExitCodes.BadInput;
        }

        long[] ourBlocks = replayer.OurFreeBlocksByOrder();
        var result = new ReplayResult
        {
            TracePath = input.Path,
            Compression = input.Compression,
            Replayer = replayer,
            PcpModel = model,
            PcpModelSource = args.PcpModel is null ? "zoneinfo" : "--pcp-model",
            RecordedLostEvents = recordedLost,
            ResetNotes = ResetsFile.Notes(Path.Combine(bundle, ResetsFile.FileName)),
            Cpus = allocator.CpuCount,
            MinFreeKBytes = shape.MinFreeKBytes,
            WatermarkScaleFactor = shape.WatermarkScaleFactor,
            ZoneInfoSource = zoneinfo,
            BuddyInfoSource = buddyinfo,
            Seed = seeder?.Zones,
            SeedPcp = seeder?.Pcp,
            SeedHeldBlocks = seeder?.Blocks,
            SeedOnlined = seeder?.Onlined,
            EndZones = EndZones(allocator),
            SeedPageblocks = seeder?.Pageblocks,
            SeedFreeByType = seeder?.FreeByType,
            EndPcp = EndPcp(allocator, zoneinfoAfter is null ? null : ZoneInfoFile.Read(zoneinfoAfter)),
            KernelEndFreePages = kernelEnd,
            OurEndFreePages = ourBlocks.Select((blocks, order) => blocks << order).ToArray(),
            OurRefillPages = replayer.OursCompared?.Refill,
            OurDrainPages = replayer.OursCompared?.Drain,
            OurExtfrag = replayer.OursCompared?.Extfrag,
            Seconds = seconds,
            CpuSeconds = cpuSeconds,
            FirstPassSeconds = firstPass,
            Run = run,
            SeededDuringFirstPass = guessedRight,
        };

        run.Mark("result");
        if (args.Json is not null)
        {
            using FileStream json = File.Create(args.Json);
            SummaryJson.Write(result, json);
        }

        if (args.Csv is not null)
        {
            using var csv = new StreamWriter(args.Csv);
            SeriesCsv.Write(replayer.Series, csv);
        }

        if (args.Plot is not null)
        {
            ReplayPlot.Write(replayer.Series, args.Plot);
        }

        // The whole run ends here: what is left is printing the summary, which reports it.
        if (args.Json is not null || args.Csv is not null || args.Plot is not null)
        {
            run.Mark("files");
        }

        SummaryTable.Write(result, console);
        return ExitCodes.Success;
    }

    /// <summary>Memory onlined during the trace as the bundle's zoneinfo shows it: per zone of
    /// node 0, the managed pages the zone gained from zoneinfo.before to zoneinfo.after.</summary>
    internal static Dictionary<ZoneType, long> OnlinedGuess(IReadOnlyList<HostZone> before, IReadOnlyList<HostZone>? after)
    {
        var gained = new Dictionary<ZoneType, long>();
        foreach (HostZone zone in before.Where(z => z.Node == 0))
        {
            HostZone? later = after?.FirstOrDefault(z => z.Node == 0 && z.Name == zone.Name);
            if (later is not null && later.Managed > zone.Managed && HostShape.ZoneOf(zone.Name) is ZoneType type)
            {
                gained[type] = later.Managed - zone.Managed;
            }
        }

        return gained;
    }

    private static bool SameCounts(Dictionary<ZoneType, long> a, Dictionary<ZoneType, long> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out long v) && v == kv.Value);

    /// <summary>The pcp model of the kernel that wrote the zoneinfo: 6.18's lists show high_min and high_max.</summary>
    internal static string ModelOf(IEnumerable<HostZone> zones) =>
        zones.Any(z => z.Pcp.Any(p => p.HighMin >= 0 && p.HighMax >= 0)) ? "6.18" : "6.6";

    /// <summary>Our populated zones of node 0: managed and free pages.</summary>
    private static List<(string Zone, long Managed, long Free)> EndZones(PageAllocator allocator)
    {
        var zones = new List<(string Zone, long Managed, long Free)>();
        foreach (ZoneType zone in new[] { ZoneType.Dma, ZoneType.Dma32, ZoneType.Normal, ZoneType.Movable })
        {
            try
            {
                ZoneInfo info = allocator.GetZoneInfo(0, zone);
                zones.Add((zone.ToString(), (long)info.Managed, (long)info.Free));
            }
            catch (ArgumentException)
            {
                // the zone is absent
            }
        }

        return zones;
    }

    /// <summary>The bundle's count of events perf lost; null without the file.</summary>
    private static long? ReadLost(string? path)
    {
        if (path is null)
        {
            return null;
        }

        string text = File.ReadAllText(path).Trim();
        return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long lost)
            ? lost : throw new TraceInputException($"{path}: not a count of lost events: {text}");
    }

    /// <summary>Each Normal, DMA32 and DMA pcp list at the end of the trace: ours, and the kernel's
    /// from zoneinfo.after (-1 without it).</summary>
    private static List<EndPcpList> EndPcp(PageAlloc.PageAllocator allocator, List<HostZone>? kernelAfter)
    {
        var lists = new List<EndPcpList>();
        foreach (ZoneType zone in new[] { ZoneType.Dma, ZoneType.Dma32, ZoneType.Normal })
        {
            for (int cpu = 0; cpu < allocator.CpuCount; cpu++)
            {
                PageAlloc.PcpInfo ours;
                try
                {
                    ours = allocator.GetPcpInfo(cpu, 0, zone);
                }
                catch (ArgumentException)
                {
                    break;   // the zone is absent
                }

                HostPcp? kernel = kernelAfter?.FirstOrDefault(z => z.Node == 0 && HostShape.ZoneOf(z.Name) == zone)?.Pcp.FirstOrDefault(p => p.Cpu == cpu);
                lists.Add(new EndPcpList(zone.ToString(), cpu, kernel?.Count ?? -1, kernel?.High ?? -1, ours.Count, ours.High));
            }
        }

        return lists;
    }

    /// <summary>Reads the trace through the replayer, with a progress bar on a terminal.</summary>
    private static void Stream(TraceInput input, Replayer replayer, IAnsiConsole console, bool quiet)
    {
        if (quiet || !console.Profile.Capabilities.Interactive)
        {
            LineReader.Read(input.Text, replayer, RejectBinary(input.Path));
            return;
        }

        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                ProgressTask task = context.AddTask($"replaying {Path.GetFileName(input.Path)}", maxValue: Math.Max(1, input.FileLength));
                using var timer = new Timer(_ => task.Value = input.FilePosition, null, 100, 100);
                LineReader.Read(input.Text, replayer, RejectBinary(input.Path));
                task.Value = task.MaxValue;
            });
    }

    /// <summary>Rejects text with NUL bytes (a binary file, perf.data, a compressed file of another kind).</summary>
    internal static Action<ReadOnlySpan<byte>> RejectBinary(string path) => start =>
    {
        if (start.StartsWith("PERFILE"u8))
        {
            throw new TraceInputException($"{path}: a perf.data file, not text; turn it into a trace with \"perf script -i {path} > trace.txt\".");
        }

        if (start.IndexOf((byte)0) >= 0)
        {
            throw new TraceInputException($"{path}: binary data, not a trace (a trace is the text of perf script, optionally zstd- or gzip-compressed).");
        }
    };

    private static string? Beside(string dir, string name)
    {
        string path = Path.Combine(dir, name);
        return File.Exists(path) ? path : null;
    }

    private static string BesideOr(string dir, string name, string fallback) => Beside(dir, name) ?? fallback;
}
