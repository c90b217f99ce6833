// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace PageAlloc.Cli.Host;

/// <summary>Reads <c>/proc/pagetypeinfo</c> (mm/vmstat.c, <c>pagetypeinfo_show</c>): per zone,
/// free blocks per migratetype and order, and the pageblocks of each migratetype.</summary>
internal static class PageTypeInfoFile
{
    /// <summary>One zone: free blocks by migratetype name and order, pageblocks by migratetype name.</summary>
    internal sealed record Zone(int Node, string Name, Dictionary<string, long[]> FreeBlocks, Dictionary<string, long> Pageblocks);

    /// <summary>The library's names of the migratetypes it seeds, in its enum's order.</summary>
    public static readonly string[] PcpTypes = ["Unmovable", "Movable", "Reclaimable"];

    /// <exception cref="FormatException">No zone in it, or a malformed line.</exception>
    public static List<Zone> Parse(string text)
    {
        var zones = new Dictionary<(int, string), Zone>();
        string[] blockTypes = [];
        foreach (string raw in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = raw.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
            if (raw.StartsWith("Number of blocks type", StringComparison.Ordinal))
            {
                blockTypes = parts[4..];
            }
            else if (parts.Length > 6 && parts[0] == "Node" && parts[2] == "zone" && parts[4] == "type")
            {
                // "Node    0, zone   Normal, type    Unmovable    168    103 ..."
                Of(zones, parts).FreeBlocks[parts[5]] = Numbers(parts[6..], raw);
            }
            else if (parts.Length > 4 && parts[0] == "Node" && parts[2] == "zone" && blockTypes.Length > 0)
            {
                // "Node 0, zone   Normal          155         2285          120            0            0"
                long[] counts = Numbers(parts[4..], raw);
                Zone zone = Of(zones, parts);
                for (int i = 0; i < Math.Min(counts.Length, blockTypes.Length); i++)
                {
                    zone.Pageblocks[blockTypes[i]] = counts[i];
                }
            }
        }

        if (zones.Count == 0)
        {
            throw new FormatException("no zone in it");
        }

        return zones.Values.ToList();
    }

    /// <exception cref="Trace.TraceInputException">Unreadable or not a pagetypeinfo.</exception>
    public static List<Zone> Read(string path)
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

    private static Zone Of(Dictionary<(int, string), Zone> zones, string[] parts)
    {
        int node = int.Parse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture);
        if (!zones.TryGetValue((node, parts[3]), out Zone? zone))
        {
            zones[(node, parts[3])] = zone = new Zone(node, parts[3], new Dictionary<string, long[]>(), new Dictionary<string, long>());
        }

        return zone;
    }

    private static long[] Numbers(string[] parts, string line)
    {
        var numbers = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out numbers[i]))
            {
                throw new FormatException($"not a pagetypeinfo line: \"{line}\"");
            }
        }

        return numbers;
    }
}
