// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Globalization;
using Spectre.Console;

namespace PageAlloc.Demo;

/// <summary>The allocator's /proc/buddyinfo text as a table: free blocks per order and zone.</summary>
internal static class BuddyTable
{
    /// <summary>One buddyinfo line: "Node 0, zone   Normal   n0 n1 ... n10".</summary>
    internal sealed record Row(string Zone, long[] FreeBlocks)
    {
        /// <summary>Free pages the row accounts for: blocks of order n hold 2^n pages.</summary>
        internal long FreePages
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

    internal static List<Row> Parse(string buddyInfo)
    {
        var rows = new List<Row>();
        foreach (string line in buddyInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // "Node", "0,", "zone", "Normal", counts...
            if (words.Length < 5 || words[0] != "Node" || words[2] != "zone")
            {
                continue;
            }

            var counts = new long[words.Length - 4];
            for (int i = 0; i < counts.Length; i++)
            {
                counts[i] = long.Parse(words[4 + i], CultureInfo.InvariantCulture);
            }

            rows.Add(new Row($"node {words[1].TrimEnd(',')} {words[3]}", counts));
        }

        return rows;
    }

    /// <summary>Free blocks per order, one row per (label, buddyinfo) pair.</summary>
    internal static Table Render(params (string Label, string BuddyInfo)[] states)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("state");
        table.AddColumn("zone");
        for (int order = 0; order <= PageAllocator.MaxOrder; order++)
        {
            table.AddColumn(new TableColumn($"o{order}").RightAligned());
        }

        table.AddColumn(new TableColumn("free pages").RightAligned());
        foreach ((string label, string buddyInfo) in states)
        {
            foreach (Row row in Parse(buddyInfo))
            {
                var cells = new List<string> { Markup.Escape(label), Markup.Escape(row.Zone) };
                foreach (long count in row.FreeBlocks)
                {
                    cells.Add(count.ToString(CultureInfo.InvariantCulture));
                }

                cells.Add(row.FreePages.ToString("N0", CultureInfo.InvariantCulture));
                table.AddRow(cells.ToArray());
            }
        }

        return table;
    }
}
