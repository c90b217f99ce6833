// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace PageAlloc.Cli.Record;

/// <summary>
/// Picks, per zone, the memory block whose offline attempt resets that zone's pcp lists: an
/// online block that <c>valid_zones</c> names as the zone alone, preferably one holding
/// unmovable pages (slab, page tables, reserved: <c>/proc/kpageflags</c>), whose offline fails
/// with EBUSY after <c>zone_pcp_disable</c> has drained every CPU. A zone with no such block gets
/// a block whose pages are all free, whose offline succeeds without moving anyone's pages and
/// is undone at once; a zone with neither is not reset.
/// </summary>
internal static class ResetBlocks
{
    private const string Memory = "/sys/devices/system/memory";
    private const int KpfSlab = 7, KpfBuddy = 10, KpfPgtable = 26, KpfReserved = 32;

    /// <summary>The block chosen for a zone and why.</summary>
    internal sealed record Choice(string Zone, string Block, long UnmovablePages, bool AllFree);

    /// <summary>What a block's pages are, counted from its kpageflags.</summary>
    internal readonly record struct PageCensus(long Unmovable, long Free, long Total)
    {
        public bool AllFree => Total > 0 && Free == Total;
    }

    /// <summary>Counts unmovable and free pages among <paramref name="flags"/> (one kpageflags word per page).</summary>
    public static PageCensus Census(ReadOnlySpan<ulong> flags)
    {
        const ulong unmovable = (1UL << KpfSlab) | (1UL << KpfPgtable) | (1UL << KpfReserved);
        long stuck = 0, free = 0;
        foreach (ulong f in flags)
        {
            stuck += (f & unmovable) != 0 ? 1 : 0;
            free += (f & (1UL << KpfBuddy)) != 0 ? 1 : 0;
        }

        return new PageCensus(stuck, free, flags.Length);
    }

    /// <summary>One block per zone named in <paramref name="zones"/>; notes say why a zone has none.</summary>
    public static List<Choice> Choose(IReadOnlyCollection<string> zones, List<string> notes)
    {
        long blockPages = long.Parse(File.ReadAllText(Path.Combine(Memory, "block_size_bytes")).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / Environment.SystemPageSize;
        var best = new Dictionary<string, (string Block, PageCensus Census)>();
        var free = new Dictionary<string, string>();
        using FileStream kpageflags = new(Path.Combine("/proc", "kpageflags"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        byte[] buffer = new byte[blockPages * sizeof(ulong)];
        foreach (string dir in Directory.EnumerateDirectories(Memory, "memory*").OrderBy(d => d.Length).ThenBy(d => d, StringComparer.Ordinal))
        {
            string block = Path.GetFileName(dir);
            if (!long.TryParse(block.AsSpan("memory".Length), NumberStyles.None, CultureInfo.InvariantCulture, out long index)
                || ReadOr(Path.Combine(dir, "state")) != "online" || ReadOr(Path.Combine(dir, "valid_zones")) is not string zone
                || !zones.Contains(zone))
            {
                continue;
            }

            kpageflags.Position = index * blockPages * sizeof(ulong);
            int read = kpageflags.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            PageCensus census = Census(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(buffer.AsSpan(0, read - read % sizeof(ulong))));
            if (census.Unmovable > 0 && (!best.TryGetValue(zone, out var current) || census.Unmovable > current.Census.Unmovable))
            {
                best[zone] = (block, census);
            }
            else if (census.AllFree && !free.ContainsKey(zone))
            {
                free[zone] = block;
            }
        }

        var choices = new List<Choice>();
        foreach (string zone in zones)
        {
            if (best.TryGetValue(zone, out var b))
            {
                choices.Add(new Choice(zone, b.Block, b.Census.Unmovable, AllFree: false));
            }
            else if (free.TryGetValue(zone, out string? f))
            {
                choices.Add(new Choice(zone, f, 0, AllFree: true));
                notes.Add($"{zone}: no block of the zone alone holds unmovable pages; {f} is all free, so its offline succeeds (moving no page) and is undone at once");
            }
            else
            {
                notes.Add($"{zone}: no online block that valid_zones names as {zone} alone holds unmovable pages or only free ones; its pcp lists are not reset, and its start is not known");
            }
        }

        return choices;
    }

    private static string? ReadOr(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
