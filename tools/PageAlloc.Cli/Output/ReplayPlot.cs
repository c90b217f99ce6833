// SPDX-License-Identifier: GPL-2.0-only
using System.IO;
using System.Linq;
using PageAlloc.Cli.Replay;
using ScottPlot;

namespace PageAlloc.Cli.Output;

/// <summary>
/// The replay's PNG: three panels over trace time: our free pages by order (stacked lines,
/// one per order); our unusable free space index at orders 3 and 9; the pcp refill and
/// drain pages, ours against the kernel's, cumulative.
/// </summary>
internal static class ReplayPlot
{
    /// <summary>Fonts tried in turn: SkiaSharp's no-dependencies build has no fontconfig, so text
    /// needs a font file; without one ScottPlot's default is used.</summary>
    private static readonly string[] FontFiles =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    ];

    public const int Width = 1200;
    public const int Height = 1200;

    public static void Write(TimeSeries series, string path)
    {
        string? font = FontFiles.FirstOrDefault(File.Exists);
        if (font is not null)
        {
            Fonts.AddFontFile("PageAllocFont", font);
            Fonts.Default = "PageAllocFont";
        }

        Sample[] samples = series.Samples.ToArray();
        double t0 = samples.Length == 0 ? 0 : samples[0].Time;
        double[] time = samples.Select(s => s.Time - t0).ToArray();

        var multiplot = new Multiplot();
        multiplot.AddPlots(3);
        Plot free = multiplot.GetPlot(0);
        Plot unusable = multiplot.GetPlot(1);
        Plot pcp = multiplot.GetPlot(2);

        // Order 10 holds most free memory on a quiet machine and would flatten the rest: its
        // range goes in the title instead.
        int top = PageAllocator.MaxOrder;
        for (int order = 0; order < top; order++)
        {
            var line = free.Add.ScatterLine(time, samples.Select(s => (double)s.OurFreePagesByOrder[order]).ToArray());
            line.LegendText = $"order {order}";
        }

        string topRange = samples.Length == 0 ? "" :
            $"; order {top}: {samples.Min(s => s.OurFreePagesByOrder[top]):#,0} to {samples.Max(s => s.OurFreePagesByOrder[top]):#,0} pages";
        free.Title($"Our free pages by order, all zones{topRange}");
        free.YLabel("free pages");
        free.ShowLegend(Alignment.UpperRight);

        var u3 = unusable.Add.ScatterLine(time, samples.Select(s => s.OurUnusable3).ToArray());
        u3.LegendText = "order 3";
        var u9 = unusable.Add.ScatterLine(time, samples.Select(s => s.OurUnusable9).ToArray());
        u9.LegendText = "order 9";
        unusable.Title("Our unusable free space index (extfrag/unusable_index)");
        unusable.YLabel("index");
        unusable.Axes.SetLimitsY(0, 1.05);
        unusable.ShowLegend(Alignment.UpperRight);

        AddLine(pcp, time, samples.Select(s => (double)s.KernelRefillPages).ToArray(), "kernel pcp refill pages", LinePattern.Solid);
        AddLine(pcp, time, samples.Select(s => (double)s.KernelDrainPages).ToArray(), "kernel pcp drain pages", LinePattern.Solid);
        if (samples.All(s => s.OurRefillPages.HasValue))
        {
            AddLine(pcp, time, samples.Select(s => (double)s.OurRefillPages!.Value).ToArray(), "our pcp refill pages", LinePattern.Dashed);
            AddLine(pcp, time, samples.Select(s => (double)s.OurDrainPages!.Value).ToArray(), "our pcp drain pages", LinePattern.Dashed);
        }

        pcp.Title("pcp refills and drains, cumulative: ours (dashed) against the kernel's");
        pcp.YLabel("pages");
        pcp.XLabel("trace time (s)");
        pcp.ShowLegend(Alignment.UpperLeft);

        multiplot.SavePng(path, Width, Height);
    }

    private static void AddLine(Plot plot, double[] xs, double[] ys, string label, LinePattern pattern)
    {
        var line = plot.Add.ScatterLine(xs, ys);
        line.LegendText = label;
        line.LinePattern = pattern;
        line.LineWidth = 2;
    }
}
