// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace PageAlloc.Cli.Host;

/// <summary>Reads the text of <c>/proc/zoneinfo</c> (mm/vmstat.c <c>zoneinfo_show_print</c>).</summary>
internal static class ZoneInfoFile
{
    /// <summary>The zones of <paramref name="text"/>, in file order.</summary>
    /// <exception cref="FormatException">No zone in the text.</exception>
    public static List<HostZone> Parse(string text)
    {
        var zones = new List<HostZone>();
        HostZone? zone = null;
        HostPcp? pcp = null;
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith("Node ", StringComparison.Ordinal) && line.Contains(", zone", StringComparison.Ordinal))
            {
                string[] parts = line.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
                zone = new HostZone { Node = int.Parse(parts[1], CultureInfo.InvariantCulture), Name = parts[3] };
                zones.Add(zone);
                pcp = null;
                continue;
            }

            if (zone is null)
            {
                continue;
            }

            if (line.StartsWith("protection:", StringComparison.Ordinal))
            {
                string list = line["protection:".Length..].Trim().Trim('(', ')');
                zone.Protection.AddRange(list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Number));
                continue;
            }

            string[] words = line.Split([' ', ':'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2)
            {
                continue;
            }

            if (words[0] == "cpu")
            {
                pcp = new HostPcp { Cpu = (int)Number(words[1]) };
                zone.Pcp.Add(pcp);
                continue;
            }

            if (words[0] == "pages" && words.Length >= 3 && words[1] == "free")
            {
                zone.Free = Number(words[2]);
                continue;
            }

            if (!long.TryParse(words[^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
            {
                continue;
            }

            switch (words[0])
            {
                case "min": zone.Min = value; break;
                case "low": zone.Low = value; break;
                case "high" when pcp is null: zone.High = value; break;
                case "promo": zone.Promo = value; break;
                case "spanned": zone.Spanned = value; break;
                case "present": zone.Present = value; break;
                case "managed": zone.Managed = value; break;
                case "start_pfn": zone.StartPfn = value; break;
                case "count" when pcp is not null: pcp.Count = value; break;
                case "high" when pcp is not null: pcp.High = value; break;
                case "batch" when pcp is not null: pcp.Batch = value; break;
                case "high_min" when pcp is not null: pcp.HighMin = value; break;
                case "high_max" when pcp is not null: pcp.HighMax = value; break;
                case "vm" when pcp is not null: pcp = null; break;
                default: break;
            }
        }

        if (zones.Count == 0)
        {
            throw new FormatException("no \"Node N, zone NAME\" line: not a /proc/zoneinfo");
        }

        return zones;
    }

    /// <summary>Reads and parses a file.</summary>
    /// <exception cref="Trace.TraceInputException">Unreadable or not a zoneinfo.</exception>
    public static List<HostZone> Read(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            throw new Trace.TraceInputException($"{path}: {e.Message}");
        }
    }

    /// <summary>The CPUs a zoneinfo shows pagesets for (the most of any zone).</summary>
    public static int CpuCount(IEnumerable<HostZone> zones) => zones.Select(z => z.Pcp.Count).DefaultIfEmpty(0).Max();

    private static long Number(string text) => long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
}
