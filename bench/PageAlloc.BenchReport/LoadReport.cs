// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using ScottPlot;

namespace PageAlloc.BenchReport;

/// <summary>docs/LOAD.md, docs/load.png and docs/load-rss.png from one `build.ps1 load` run
/// (build/load/load.csv, rss.csv, info.csv): Kestrel's own pool against page pools under wrk and
/// h2load, RSS over time, and the fault run.</summary>
internal static class LoadReport
{
    private const string ChartFile = "load.png";
    private const string RssChartFile = "load-rss.png";
    private const string Default = "default";
    private const string PageAlloc = "pagealloc";
    private const string Fault = "fault";
    private const string ZeroingOff = "zeroing-off";
    private const string ZeroingOn = "zeroing-on";

    public static int Write(string input, string docs, string fontFile)
    {
        Csv load = Csv.Read(Path.Combine(input, "load.csv"));
        Csv? info = Csv.TryRead(Path.Combine(input, "info.csv"));
        Directory.CreateDirectory(docs);
        string[] workloads = load.Rows.Where(r => !IsApart(load.Get(r, "config"))).Select(r => load.Get(r, "workload")).Distinct().ToArray();
        WriteChart(load, workloads, Path.Combine(docs, ChartFile), fontFile);
        WriteRssChart(load, Csv.Read(Path.Combine(input, "rss.csv")), workloads, Path.Combine(docs, RssChartFile), fontFile);
        List<Target> targets = Targets(load, workloads);
        string path = Path.Combine(docs, "LOAD.md");
        File.WriteAllText(path, Markdown(load, info, workloads, targets));
        Console.WriteLine($"wrote {Path.GetFullPath(path)}");
        foreach (Target t in targets)
        {
            Console.WriteLine($"{t.Mark,-8} {t.Name}: {t.Measured} (bar {t.Bar})");
        }

        return 0;
    }

    private static string[] Row(Csv load, string config, string workload) =>
        load.Rows.FirstOrDefault(r => load.Get(r, "config") == config && load.Get(r, "workload") == workload)
        ?? throw new InvalidDataException($"{load.Path} has no run {config}/{workload}.");

    private static List<Target> Targets(Csv load, string[] workloads)
    {
        var targets = new List<Target>();
        foreach (string w in workloads)
        {
            string[] d = Row(load, Default, w);
            string[] p = Row(load, PageAlloc, w);
            double rps = load.Number(p, "rps") / load.Number(d, "rps");
            double p99 = load.Number(p, "p99_ms") / load.Number(d, "p99_ms");
            double rss = load.Number(p, "peak_rss_kib") / load.Number(d, "peak_rss_kib");
            double idle = load.Number(p, "idle_rss_kib") / load.Number(d, "idle_rss_kib");
            double resident = load.Number(p, "resident_kib_idle") / load.Number(p, "resident_kib_max");
            targets.Add(new Target($"{w}: requests/s, page pools / default", $"{rps:0.000}x", ">= 1.0x", rps >= 1.0));
            targets.Add(new Target($"{w}: p99 latency, page pools / default", $"{p99:0.00}x", "<= 1.0x", p99 <= 1.0));
            targets.Add(new Target($"{w}: peak RSS (median of the rounds' peaks), page pools / default", $"{rss:0.00}x ({Mib(load, p, "peak_rss_kib")} / {Mib(load, d, "peak_rss_kib")} MiB)", "<= 1.0x (moonshot 0.9x)", rss <= 1.0));
            targets.Add(new Target($"{w}: RSS {load.Get(p, "idle_seconds")} s after the load (median of the rounds), page pools / default",
                $"{idle:0.00}x ({Mib(load, p, "idle_rss_kib")} / {Mib(load, d, "idle_rss_kib")} MiB)", "<= 0.9x", idle <= 0.9));
            targets.Add(new Target($"{w}: the pool's resident memory {load.Get(p, "idle_seconds")} s after the load (median of the rounds) / its peak",
                $"{resident:0.00} ({Mib(load, p, "resident_kib_idle")} / {Mib(load, p, "resident_kib_max")} MiB)", "<= 0.10", resident <= 0.10));
            targets.Add(Leak(load, p, $"{w}: pages leaked after shutdown"));
            if (load.Rows.FirstOrDefault(r => load.Get(r, "config") == ZeroingOn && load.Get(r, "workload") == w) is { } on)
            {
                // One server, each pair's two runs back to back: the ratio leaves out both the
                // difference between server processes and the drift between pairs.
                string[] off = Row(load, ZeroingOff, w);
                double cleared = MedianRatio(load.Get(on, "rps_rounds"), load.Get(off, "rps_rounds"));
                targets.Add(new Target($"{w}: requests/s, page pools zeroing every buffer on return / not zeroing (one server switched; median of {load.Get(on, "rounds")} pairs' ratios)",
                    $"{cleared:0.000}x", ">= 0.95x", cleared >= 0.95));
                targets.Add(Leak(load, on, $"{w}: zeroing server, pages leaked after shutdown"));
            }
        }

        foreach (string[] f in load.Rows.Where(r => load.Get(r, "config") == Fault))
        {
            targets.Add(Leak(load, f, "fault run: pages leaked after shutdown"));
            bool clean = load.Get(f, "alive_after") == "True" && load.Get(f, "check_after") == "ok" &&
                load.Get(f, "pages_in_use_after") == load.Get(f, "buffers_rented_after");
            targets.Add(new Target("fault run: server alive, invariant check passes, pages back once the load stops",
                $"alive {load.Get(f, "alive_after")}, check {load.Get(f, "check_after")}, pages in use after {load.Get(f, "pages_in_use_after")} " +
                $"(the report request's own buffers: {load.Get(f, "buffers_rented_after")})",
                "alive, ok, in use = the report's own", clean));
        }

        return targets;
    }

    /// <summary>Rows that are not one of the side-by-side pair: the fault run and the zeroing server.</summary>
    private static bool IsApart(string config) => config is Fault or ZeroingOff or ZeroingOn;

    private static Target Leak(Csv load, string[] row, string name)
    {
        string leaked = load.Get(row, "leaked_after_shutdown");
        string check = load.Get(row, "check_after_shutdown");
        return new Target(name, $"{(leaked.Length == 0 ? "no report" : leaked)} (check {check})", "0, check ok", leaked == "0" && check == "ok");
    }

    /// <summary>The median over rounds of a's requests/s over b's, from two rps_rounds cells
    /// (space-separated, round order).</summary>
    private static double MedianRatio(string a, string b)
    {
        double[] x = Rounds(a), y = Rounds(b);
        if (x.Length != y.Length || x.Length == 0)
        {
            throw new InvalidDataException($"load.csv: rounds '{a}' and '{b}' do not pair up");
        }

        double[] ratios = x.Zip(y, (p, q) => p / q).Order().ToArray();
        int m = ratios.Length / 2;
        return ratios.Length % 2 == 1 ? ratios[m] : (ratios[m - 1] + ratios[m]) / 2;
    }

    private static double[] Rounds(string cell) =>
        cell.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    private static string Mib(double kib) => (kib / 1024).ToString("0", CultureInfo.InvariantCulture);

    private static string Mib(Csv load, string[] row, string column) => Mib(load.Number(row, column));

    // A column of one value per round, in KiB, as MiB: "84 87 85".
    private static string RoundsMib(Csv load, string[] row, string column) => string.Join(' ', Rounds(load.Get(row, column)).Select(Mib));

    private static string Markdown(Csv load, Csv? info, string[] workloads, List<Target> targets)
    {
        var md = new StringBuilder();
        md.AppendLine("# Load: Kestrel on page pools");
        md.AppendLine();
        md.AppendLine("Generated by `dotnet pwsh ./build.ps1 load [-Seconds N]` (do not edit by hand: the next run overwrites it).");
        md.AppendLine("Every number comes from that one run; the machine is shared and virtual, so compare the two");
        md.AppendLine("configurations of the same run, not runs of different days.");
        md.AppendLine();
        md.AppendLine("## How it runs");
        md.AppendLine();
        md.AppendLine("`build.ps1 load` (bench/load.ps1) builds `samples/kestrel` (Release) and, for each workload, starts it");
        md.AppendLine("twice at once as child processes on `127.0.0.1` (free ports): on Kestrel's own pool (`--pool default`)");
        md.AppendLine("and on page pools (`--pool pagealloc`: `AddPageAllocMemoryPool`, a 256 MiB allocator in a managed");
        md.AppendLine("arena, 4 KiB blocks). Each gets a 3 s warm-up, then rounds of the stated length alternate between");
        md.AppendLine("the two (the medians of the rounds are reported) while `/pagealloc/stats` of the server under load");
        md.AppendLine("is read every 0.5 s, whichever its pool (pages in use, pages in the CPU caches, resident bytes of");
        md.AppendLine("the arena by `mincore`; Kestrel's pool answers one line). That report allocates nothing in the");
        md.AppendLine("server (no strings, no native report), so watching costs both servers the same: the full");
        md.AppendLine("`/pagealloc` (buddyinfo, every metric as text) polled on one server only had cost it about 10 MiB");
        md.AppendLine("of RSS on the 256-connection workload. RSS is read by the script from `/proc/PID/status`, never");
        md.AppendLine("by the server. A round's peak RSS is `VmHWM` read after the server's run, reset just before it");
        md.AppendLine("(`clear_refs` 5), so that the warm-up and the other rounds are not in it. After every round, each");
        md.AppendLine("server's RSS (`VmRSS`) is read the stated idle time after its own run (read at one moment, the");
        md.AppendLine("server whose run came first would have idled longest), with the page pools' resident bytes, and");
        md.AppendLine("the next round starts after that. The targets take the medians of the rounds, as for requests/s;");
        md.AppendLine("the whole run's peak (start-up and warm-up included) is in the results table beside them. Then");
        md.AppendLine("`/pagealloc?check=1` (the pools give their cached pages back, the pages in use are the request's own");
        md.AppendLine("buffers, and the invariant check runs) and SIGTERM: the server stops, its host and pools are");
        md.AppendLine("disposed, and it prints how many pages did not come back. Every server's `VmRSS` is sampled every");
        md.AppendLine("0.25 s throughout (the RSS chart). Both servers run the same binary with the same runtime and GC");
        md.AppendLine("settings (workstation, concurrent); only `--pool` differs.");
        md.AppendLine();
        md.AppendLine("Workloads:");
        md.AppendLine("- `download-64k`: wrk, `GET /bytes/65536` (16 blocks per response), HTTP/1.1;");
        md.AppendLine("- `echo-16k`: wrk, `POST /echo` of 16,380 bytes streamed back through the request and response pipes;");
        md.AppendLine("- `h2-download-64k`: h2load (nghttp2), HTTP/2 in cleartext with prior knowledge, 8 streams per connection;");
        md.AppendLine("- `download-256k-256c`: wrk, `GET /bytes/262144` on 256 connections;");
        md.AppendLine("- `h2-download-64k-10k-streams`: h2load, 100 connections x 100 streams of `GET /bytes/65536`: about");
        md.AppendLine("  640 MiB in flight, more than the page pools' allocator holds.");
        md.AppendLine();
        md.AppendLine("Zeroing every buffer as it comes back (`ClearOnReturn`) is timed on one page-pool server under the");
        md.AppendLine("first workload, switched off and on through `POST /pagealloc/clear-on-return/{on}`: pairs of short");
        md.AppendLine("runs, on first in every other pair, and the verdict is the median of the pairs' ratios. Zeroing costs");
        md.AppendLine("about 2% of the server's time (`perf`), while two server processes of one build differ by more than");
        md.AppendLine("that for their whole life (two page-pool servers side by side, five rounds: medians 16% apart), so");
        md.AppendLine("two servers would measure which process came out faster.");
        md.AppendLine("The fault run is the first workload against a 2 MiB allocator (512 pages, debug checks on) that");
        md.AppendLine("cannot buffer 32 connections' responses, with a pressure window of 200 ms (`--pressure-window-ms`):");
        md.AppendLine("while the allocator is low, new requests get 503. Raw results: `build/load/` (`load.csv`, `rss.csv`,");
        md.AppendLine("client outputs, server logs).");
        md.AppendLine();
        if (info is not null)
        {
            md.AppendLine("## Machine");
            md.AppendLine();
            md.AppendLine("| | |");
            md.AppendLine("|---|---|");
            foreach (string[] row in info.Rows)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {row[0]} | {string.Join(",", row.Skip(1))} |");
            }

            md.AppendLine();
        }

        md.AppendLine("## Targets");
        md.AppendLine();
        md.AppendLine("| target | measured | bar | verdict |");
        md.AppendLine("|---|---|---|---|");
        foreach (Target t in targets)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {t.Name} | {t.Measured} | {t.Bar} | {t.Mark} |");
        }

        md.AppendLine();
        md.AppendLine("## Results");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"![requests per second]({ChartFile})");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"![RSS over time]({RssChartFile})");
        md.AppendLine();
        md.AppendLine("| workload | pool | client | conns x streams | requests | requests/s (median; each round) | p50 ms | p99 ms | non-2xx | errors | peak RSS MiB (median; each round; whole run) | RSS after idle MiB (median; each round) | arena resident MiB (max / after idle) | pages in use (max / after) | fallback rents | leaked after shutdown |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (string[] r in load.Rows.Where(r => load.Get(r, "config") is not (ZeroingOff or ZeroingOn)))
        {
            bool ours = load.Get(r, "config") != Default;
            string inUse = ours ? $"{load.Get(r, "pages_in_use_max")} / {load.Get(r, "pages_in_use_after")}" : "n/a";
            string resident = ours ? $"{Mib(load, r, "resident_kib_max")} / {Mib(load, r, "resident_kib_idle")}" : "n/a";
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {load.Get(r, "workload")} | {Label(load.Get(r, "config"))} | {load.Get(r, "client")} | {load.Get(r, "connections")} x {load.Get(r, "streams")} | {load.Get(r, "requests")} | {load.Number(r, "rps"):#,0} ({load.Get(r, "rps_rounds")}) | {load.Number(r, "p50_ms"):0.00} | {load.Number(r, "p99_ms"):0.00} | {load.Get(r, "non2xx")} | {load.Get(r, "socket_errors")} | {Mib(load, r, "peak_rss_kib")} ({RoundsMib(load, r, "peak_rss_rounds_kib")}; {Mib(load, r, "peak_rss_run_kib")}) | {Mib(load, r, "idle_rss_kib")} ({RoundsMib(load, r, "idle_rss_rounds_kib")}) | {resident} | {inUse} | {(ours ? load.Get(r, "fallback_rents") : "n/a")} | {(ours ? load.Get(r, "leaked_after_shutdown") : "n/a")} |");
        }

        md.AppendLine();
        md.AppendLine("### Zeroing on return: one server, switched");
        md.AppendLine();
        md.AppendLine("| workload | zeroing | runs of s | requests/s (median; each pair's run) | p50 ms | p99 ms | non-2xx | errors | leaked after shutdown |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (string[] r in load.Rows.Where(r => load.Get(r, "config") is ZeroingOff or ZeroingOn))
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {load.Get(r, "workload")} | {(load.Get(r, "config") == ZeroingOn ? "on" : "off")} | {load.Get(r, "seconds")} | {load.Number(r, "rps"):#,0} ({load.Get(r, "rps_rounds")}) | {load.Number(r, "p50_ms"):0.00} | {load.Number(r, "p99_ms"):0.00} | {load.Get(r, "non2xx")} | {load.Get(r, "socket_errors")} | {load.Get(r, "leaked_after_shutdown")} |");
        }

        md.AppendLine();
        md.AppendLine("### What the page pools held at the peak");
        md.AppendLine();
        md.AppendLine("From the reads of `/pagealloc/stats` during the load (maxima over the reads, not one moment):");
        md.AppendLine("pages taken from the allocator (rented or cached), pages free in the CPU caches, and those per");
        md.AppendLine("CPU cache (one page pool per owner: the pools Kestrel asks for under one owner share its caches), against the most the caches");
        md.AppendLine("may hold.");
        md.AppendLine();
        md.AppendLine("| workload | pages in use (max) | pages cached (max) | CPU caches | cached per CPU cache (max) | cache bound (pages) | arena resident MiB (max) |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (string w in workloads)
        {
            string[] p = Row(load, PageAlloc, w);
            double caches = Math.Max(1, load.Number(p, "cpu_caches"));
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {w} | {load.Get(p, "pages_in_use_max")} | {load.Get(p, "pooled_pages_max")} | {load.Get(p, "cpu_caches")} | {load.Number(p, "pooled_pages_max") / caches:0} | {load.Get(p, "max_cached_pages")} | {Mib(load, p, "resident_kib_max")} |");
        }

        md.AppendLine();
        md.AppendLine("## What differs between the two pools");
        md.AppendLine();
        md.AppendLine("How the two configurations are built (the tables above are what the runs measure):");
        md.AppendLine();
        md.AppendLine("- Kestrel's `PinnedBlockMemoryPool` keeps one lock-free queue of 4 KiB pinned arrays per");
        md.AppendLine("  pool; a block returned on any thread is reusable by any other at once. It evicts about 1% of");
        md.AppendLine("  its blocks every 10 s under traffic (5% when idle), and the memory of an evicted block goes");
        md.AppendLine("  back only when a gen2 GC collects it.");
        md.AppendLine("- `PageMemoryPool` keeps one cache of free pages per CPU, as the kernel's per-CPU lists: a rent");
        md.AppendLine("  takes from the cache of the CPU it runs on, a return goes to the cache of the CPU that returns");
        md.AppendLine("  it, an empty cache grows by 64 pages (taken from another CPU's cache or the allocator in one");
        md.AppendLine("  bulk call), and every 100 ms a cache's limit loses an eighth, the pages above it going back to");
        md.AppendLine("  the allocator. So the pages cached are at most CPUs x min(512, pages / (8 x CPUs)) per owner,");
        md.AppendLine("  whatever the number of threads. The tick that empties the last cache drains the allocator's");
        md.AppendLine("  per-CPU lists; the freed pages merge into 2 MiB blocks, and free page reporting (a pass 2 s");
        md.AppendLine("  after such a block appears) gives them to the OS with `madvise(MADV_DONTNEED)` inside the");
        md.AppendLine("  pinned arena. \"Arena resident\" is what `mincore` finds of the arena: pages in use, cached,");
        md.AppendLine("  on the allocator's lists, or free and not yet reported.");
        md.AppendLine("- Past the allocator (`fallback rents`), Kestrel's rents go to Kestrel's own pool, kept by");
        md.AppendLine("  `AddPageAllocMemoryPool` as the overflow: every request is served, as on the default pool");
        md.AppendLine("  (`h2-download-64k-10k-streams` holds more in flight than the 256 MiB allocator).");
        md.AppendLine("- The fault run's many non-2xx answers are the 503s of its pressure window: while the allocator");
        md.AppendLine("  is low, new requests are turned away before they run, and requests in flight finish on the");
        md.AppendLine("  overflow pool, because a rent that throws inside a pipe leaves it on a returned block. In that");
        md.AppendLine("  run the reads of `/pagealloc` during the load are turned away too.");
        md.AppendLine();
        return md.ToString();
    }

    private static string Label(string config) => config switch
    {
        Default => "Kestrel default",
        PageAlloc => "page pools",
        Fault => "page pools, 2 MiB (fault run)",
        _ => config,
    };

    private static void WriteChart(Csv load, string[] workloads, string path, string fontFile)
    {
        ChartFont.Use(fontFile);
        var plot = new Plot();
        plot.Font.Set(ChartFont.Name);
        Color[] colors = [Colors.Gray, Colors.SteelBlue];
        string[] configs = [Default, PageAlloc];
        var bars = new List<Bar>();
        for (int w = 0; w < workloads.Length; w++)
        {
            for (int c = 0; c < configs.Length; c++)
            {
                string[] row = Row(load, configs[c], workloads[w]);
                double rps = load.Number(row, "rps");
                bars.Add(new Bar
                {
                    Position = w * 3 + c,
                    Value = rps,
                    FillColor = colors[c],
                    Label = $"{rps:#,0}/s, p99 {load.Number(row, "p99_ms"):0.0} ms",
                });
            }
        }

        var series = plot.Add.Bars(bars);
        series.ValueLabelStyle.FontSize = 14;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            workloads.Select((_, w) => w * 3 + 0.5).ToArray(), workloads);
        for (int c = 0; c < configs.Length; c++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = Label(configs[c]), FillColor = colors[c] });
        }

        plot.Title("Kestrel under wrk on 127.0.0.1: requests per second (higher is better)");
        plot.YLabel("requests/s");
        plot.ShowLegend(Alignment.UpperRight);
        plot.Axes.Margins(bottom: 0, top: 0.25);
        plot.SavePng(path, 1000, 550);
        Console.WriteLine($"wrote {Path.GetFullPath(path)}");
    }

    /// <summary>Both pools' RSS over the whole run: the workloads one after another on the time
    /// axis (each ran its two servers at once), with the end of each load and the idle read marked.</summary>
    private static void WriteRssChart(Csv load, Csv rss, string[] workloads, string path, string fontFile)
    {
        ChartFont.Use(fontFile);
        var plot = new Plot();
        plot.Font.Set(ChartFont.Name);
        double origin = rss.Rows.Min(r => rss.Number(r, "t"));
        Color[] colors = [Colors.Gray, Colors.SteelBlue];
        string[] configs = [Default, PageAlloc];
        foreach (string w in workloads)
        {
            for (int c = 0; c < configs.Length; c++)
            {
                string[][] samples = rss.Rows.Where(r => rss.Get(r, "workload") == w && rss.Get(r, "config") == configs[c]).ToArray();
                if (samples.Length == 0)
                {
                    continue;
                }

                var line = plot.Add.ScatterLine(
                    samples.Select(r => rss.Number(r, "t") - origin).ToArray(),
                    samples.Select(r => rss.Number(r, "rss_kib") / 1024).ToArray());
                line.Color = colors[c];
                line.LineWidth = 2;
            }

            string[] row = Row(load, PageAlloc, w);
            var end = plot.Add.VerticalLine(load.Number(row, "t_load_end") - origin);
            end.Color = Colors.Black.WithAlpha(0.4);
            end.LinePattern = LinePattern.Dashed;
            end.Text = w;
            end.LabelFontSize = 11;
            var idle = plot.Add.VerticalLine(load.Number(row, "t_idle_read") - origin);
            idle.Color = Colors.Black.WithAlpha(0.25);
            idle.LinePattern = LinePattern.Dotted;
        }

        for (int c = 0; c < configs.Length; c++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = Label(configs[c]), LineColor = colors[c], LineWidth = 2 });
        }

        plot.Title("Kestrel's RSS over the load run (dashed: a workload's load ends; dotted: RSS read after the idle time)");
        plot.XLabel("seconds since the run began");
        plot.YLabel("RSS (MiB)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1400, 600);
        Console.WriteLine($"wrote {Path.GetFullPath(path)}");
    }
}
