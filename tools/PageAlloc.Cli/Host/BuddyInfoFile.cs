// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace PageAlloc.Cli.Host;

/// <summary>Reads <c>/proc/buddyinfo</c>: free blocks per order, per zone.</summary>
internal static class BuddyInfoFile
{
    /// <summary>One zone's line.</summary>
    internal sealed record Zone(int Node, string Name, long[] FreeBlocks)
    {
        /// <summary>Free pages over all orders.</summary>
        public long FreePages
        {
            get
            {
                long pages = 0;
                for (int order = 0; order < FreeBlocks.Length; order++)
                {
                    pages += FreeBlocks[order] << order;
                }

                return pages;
            }
        }
    }

    /// <exception cref="FormatException">A line is not a buddyinfo line.</exception>
    public static List<Zone> Parse(string text)
    {
        var zones = new List<Zone>();
        foreach (string raw in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = raw.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 5 || parts[0] != "Node" || parts[2] != "zone")
            {
                throw new FormatException($"not a buddyinfo line: \"{raw}\"");
            }

            long[] blocks = new long[parts.Length - 4];
            for (int i = 0; i < blocks.Length; i++)
            {
                blocks[i] = long.Parse(parts[4 + i], NumberStyles.Integer, CultureInfo.InvariantCulture);
            }

            zones.Add(new Zone(int.Parse(parts[1], CultureInfo.InvariantCulture), parts[3], blocks));
        }

        if (zones.Count == 0)
        {
            throw new FormatException("empty");
        }

        return zones;
    }

    /// <exception cref="Trace.TraceInputException">Unreadable or not a buddyinfo.</exception>
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

    /// <summary>Free pages by order summed over zones (11 orders).</summary>
    public static long[] FreePagesByOrder(IEnumerable<Zone> zones, int orders = 11)
    {
        long[] pages = new long[orders];
        foreach (Zone zone in zones)
        {
            for (int order = 0; order < Math.Min(orders, zone.FreeBlocks.Length); order++)
            {
                pages[order] += zone.FreeBlocks[order] << order;
            }
        }

        return pages;
    }
}
