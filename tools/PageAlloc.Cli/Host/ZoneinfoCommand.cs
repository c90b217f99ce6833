// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using PageAlloc.Cli.Trace;
using Spectre.Console;

namespace PageAlloc.Cli.Host;

/// <summary><c>pagealloc zoneinfo [FILE]</c>: the host's static zone numbers beside those of an
/// allocator shaped like it, each difference marked.</summary>
internal static class ZoneinfoCommand
{
    /// <summary>One compared number: the host's, ours (null: the library does not model it).</summary>
    internal sealed record Row(string Zone, string Field, long Host, long? Ours)
    {
        public bool Differs => Ours is long ours && ours != Host;
    }

    public static int Run(string file, IAnsiConsole console, TextWriter error)
    {
        List<Row> rows;
        HostShape shape;
        try
        {
            shape = HostShape.Load(file);
            rows = Compare(shape);
        }
        catch (TraceInputException e)
        {
            error.WriteLine($"pagealloc: {e.Message}");
            return ExitCodes.BadInput;
        }

        console.WriteLine($"{file}: {shape.Cpus} CPUs, min_free_kbytes {shape.MinFreeKBytes}, watermark_scale_factor {shape.WatermarkScaleFactor} (from {shape.Source})");
        var table = new Table().AddColumn("zone").AddColumn("field")
            .AddColumn(new TableColumn("host").RightAligned()).AddColumn(new TableColumn("ours").RightAligned()).AddColumn("");
        int differences = 0;
        foreach (Row row in rows)
        {
            differences += row.Differs ? 1 : 0;
            table.AddRow(Markup.Escape(row.Zone), Markup.Escape(row.Field), N(row.Host), row.Ours is long o ? N(o) : "not modelled", row.Differs ? "[red]differs[/]" : "");
        }

        console.Write(table);
        console.WriteLine($"{differences} of {rows.Count} numbers differ.");
        return ExitCodes.Success;

        static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The rows for each zone the library has: watermarks, protection, managed pages, and pcp batch and high of each CPU.</summary>
    internal static List<Row> Compare(HostShape shape)
    {
        var rows = new List<Row>();
        // A host that prints high_min runs 6.7+: compare with the library's model of those kernels.
        bool autotune = shape.Zones.Any(z => z.Pcp.Any(p => p.HighMin >= 0));
        using var allocator = new PageAllocator(shape.ToOptions(pcpAutotune: autotune));
        foreach (HostZone zone in shape.Zones)
        {
            if (HostShape.ZoneOf(zone.Name) is not ZoneType type || zone.Managed == 0)
            {
                continue;
            }

            string name = $"{zone.Node}/{zone.Name}";
            ZoneInfo ours = allocator.GetZoneInfo(zone.Node, type);
            rows.Add(new Row(name, "managed", zone.Managed, ours.Managed));
            rows.Add(new Row(name, "min", zone.Min, ours.WatermarkMin));
            rows.Add(new Row(name, "low", zone.Low, ours.WatermarkLow));
            rows.Add(new Row(name, "high", zone.High, ours.WatermarkHigh));
            if (zone.Promo >= 0)
            {
                rows.Add(new Row(name, "promo", zone.Promo, ours.WatermarkPromo));
            }

            for (int i = 0; i < Math.Min(zone.Protection.Count, ours.LowmemReserve.Count); i++)
            {
                rows.Add(new Row(name, $"protection[{i}]", zone.Protection[i], ours.LowmemReserve[i]));
            }

            foreach (HostPcp pcp in zone.Pcp)
            {
                if (pcp.Cpu >= allocator.CpuCount)
                {
                    continue;
                }

                PcpInfo ourPcp = allocator.GetPcpInfo(pcp.Cpu, zone.Node, type);
                rows.Add(new Row(name, $"cpu {pcp.Cpu} batch", pcp.Batch, ourPcp.Batch));
                if (pcp.HighMin >= 0)
                {
                    // high itself moves between the two as the host runs: not a static number.
                    rows.Add(new Row(name, $"cpu {pcp.Cpu} high_min", pcp.HighMin, ourPcp.HighMin));
                    rows.Add(new Row(name, $"cpu {pcp.Cpu} high_max", pcp.HighMax, ourPcp.HighMax));
                }
                else
                {
                    rows.Add(new Row(name, $"cpu {pcp.Cpu} high", pcp.High, ourPcp.High));
                }
            }
        }

        return rows;
    }
}
