// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;
using System.Linq;
using ScottPlot;

namespace PageAlloc.BenchReport;

/// <summary>docs/bench-batch.png: median ns per page by batch size, one line per allocator,
/// both axes logarithmic.</summary>
internal static class Chart
{
    private static readonly (string Family, string Label)[] Series =
    [
        ("pa_bulk_array", "pagealloc bulk array"),
        ("pa_bulk_list", "pagealloc bulk list"),
        ("pa_single", "pagealloc single pages"),
        ("pp_bulk", "page_pool bulk (alloc_bulk + recycle_direct)"),
        ("dpdk_mempool", "DPDK rte_mempool, lcore cache"),
        ("mimalloc", "mimalloc"),
        ("jemalloc", "jemalloc"),
        ("glibc_malloc", "glibc malloc(4096)"),
        ("glibc_aligned_alloc", "glibc aligned_alloc(4096, 4096)"),
    ];

    public static void Write(Results results, string path, string fontFile)
    {
        ChartFont.Use(fontFile);
        var plot = new Plot();
        plot.Font.Set(ChartFont.Name);
        double[] batches = [];
        foreach ((string family, string label) in Series)
        {
            var rows = results.Timing.Rows
                .Where(r => results.Timing.Get(r, "family") == family && results.Timing.Get(r, "order") == "0")
                .OrderBy(r => results.Timing.Number(r, "batch"))
                .ToArray();
            if (rows.Length == 0)
            {
                continue;
            }

            double[] xs = rows.Select(r => Math.Log2(results.Timing.Number(r, "batch"))).ToArray();
            double[] ys = rows.Select(r => Math.Log10(results.Timing.Number(r, "median_ns_per_page"))).ToArray();
            batches = batches.Union(rows.Select(r => results.Timing.Number(r, "batch"))).ToArray();
            var scatter = plot.Add.Scatter(xs, ys);
            scatter.LegendText = label;
            scatter.LineWidth = family.StartsWith("pa_", StringComparison.Ordinal) || family.StartsWith("pp_", StringComparison.Ordinal) ? 3 : 2;
            scatter.MarkerSize = 8;
        }

        if (results.MedianNs("dpdk_mempool/64") is null)
        {
            // DPDK did not run: its fallback figure (Targets.DpdkFloorNs) as a line instead of a live series.
            var floor = plot.Add.HorizontalLine(Math.Log10(Targets.DpdkFloorNs));
            floor.LinePattern = LinePattern.Dashed;
            floor.Color = Colors.Gray;
            floor.LegendText = $"DPDK mempool cache, batch 64 (2026-11-25): {Targets.DpdkFloorNs} ns";
        }

        var yTicks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => FormatNs(Math.Pow(10, y)),
        };
        plot.Axes.Left.TickGenerator = yTicks;
        Array.Sort(batches);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            batches.Select(Math.Log2).ToArray(), batches.Select(b => b.ToString("0", System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Title("Allocate, write one byte, free: ns per 4 KiB page (median, log scale)");
        plot.XLabel("pages per batch");
        plot.YLabel("ns per page");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.AutoScale();
        plot.Axes.SetLimitsY(Math.Log10(0.3), plot.Axes.GetLimits().Top + 0.3);
        plot.SavePng(path, 1100, 650);
        Console.WriteLine($"wrote {Path.GetFullPath(path)}");
    }

    private static string FormatNs(double ns) =>
        ns >= 1 ? ns.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture) : ns.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
}
