// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using PageAlloc.Cli.Trace;

namespace PageAlloc.Cli.Host;

/// <summary>
/// What an allocator shaped like a machine needs: its zones (managed pages), CPU count and the
/// sysctls <c>min_free_kbytes</c> and <c>watermark_scale_factor</c>, read from a bundle, from
/// explicit files, or from this machine's <c>/proc</c>.
/// </summary>
internal sealed class HostShape
{
    public required List<HostZone> Zones { get; init; }
    public required int Cpus { get; init; }
    public required long MinFreeKBytes { get; init; }
    public required int WatermarkScaleFactor { get; init; }
    /// <summary>vm.percpu_pagelist_high_fraction (0: the kernel's default sizing).</summary>
    public required int PercpuPagelistHighFraction { get; init; }
    /// <summary>vm.lowmem_reserve_ratio per zone (DMA, DMA32, Normal, Movable); null: the kernel's defaults.</summary>
    public int[]? LowmemReserveRatio { get; init; }
    /// <summary>Where each number came from, for the report.</summary>
    public required string Source { get; init; }

    /// <summary>Maps a zoneinfo zone name to the library's zone; null for zones it has not (Device).</summary>
    public static ZoneType? ZoneOf(string name) => name switch
    {
        "DMA" => ZoneType.Dma,
        "DMA32" => ZoneType.Dma32,
        "Normal" => ZoneType.Normal,
        "Movable" => ZoneType.Movable,
        _ => null,
    };

    /// <summary>The pfn spans of <paramref name="zones"/> on node 0 that the library has, with their zone.</summary>
    public static (long Start, long End, ZoneType Zone)[] ZoneSpans(IEnumerable<HostZone> zones) => zones
        .Where(z => z.Node == 0 && z.Spanned > 0 && ZoneOf(z.Name) is not null)
        .Select(z => (z.StartPfn, z.StartPfn + z.Spanned, ZoneOf(z.Name)!.Value))
        .ToArray();

    /// <summary>The zone of the span of <paramref name="spans"/> holding <paramref name="pfn"/>; null for none.</summary>
    public static ZoneType? ZoneAt((long Start, long End, ZoneType Zone)[] spans, long pfn)
    {
        foreach ((long start, long end, ZoneType zone) in spans)
        {
            if (pfn >= start && pfn < end)
            {
                return zone;
            }
        }

        return null;
    }

    /// <summary>Reads the shape from <paramref name="zoneinfo"/>; the sysctls and CPU count from
    /// files beside it (a bundle), else from /proc when the zoneinfo is this machine's.</summary>
    /// <exception cref="TraceInputException">A file is unreadable or malformed.</exception>
    public static HostShape Load(string zoneinfo, long? minFreeKBytes = null, int? cpus = null)
    {
        List<HostZone> zones = ZoneInfoFile.Read(zoneinfo);
        string dir = Path.GetDirectoryName(Path.GetFullPath(zoneinfo)) ?? ".";
        bool live = Path.GetFullPath(zoneinfo) == "/proc/zoneinfo";
        string sysctl = live ? "/proc/sys/vm" : dir;
        long? fileMinFree = ReadNumber(Path.Combine(sysctl, "min_free_kbytes"));
        long? fileWsf = ReadNumber(Path.Combine(sysctl, "watermark_scale_factor"));
        long? fileCpus = live ? Environment.ProcessorCount : ReadNumber(Path.Combine(dir, "nproc"));
        long? fraction = ReadNumber(Path.Combine(sysctl, "percpu_pagelist_high_fraction"));
        int[]? ratios = ReadNumbers(Path.Combine(sysctl, "lowmem_reserve_ratio"));
        int zoneCpus = ZoneInfoFile.CpuCount(zones);
        return new HostShape
        {
            Zones = zones,
            Cpus = cpus ?? (int?)fileCpus ?? (zoneCpus > 0 ? zoneCpus : Environment.ProcessorCount),
            MinFreeKBytes = minFreeKBytes ?? fileMinFree ?? 0,
            WatermarkScaleFactor = (int)(fileWsf ?? 0),
            PercpuPagelistHighFraction = (int)(fraction ?? 0),
            LowmemReserveRatio = ratios is { Length: >= 4 } ? ratios[..4] : null,
            Source = live ? "/proc" : dir,
        };
    }

    /// <summary>Options for a metadata-only allocator with these zones, CPUs and sysctls.</summary>
    /// <param name="pcpAutotune">The pcp lists of 6.7-6.18 (<c>PA_CFG_PCP_AUTOTUNE</c>) rather than 6.6's.</param>
    /// <param name="extraPages">Pages to add to a zone beyond its managed pages (memory the
    /// kernel onlined during the trace, <see cref="Replay.OnlinedMemory"/>); null: none.</param>
    public PageAllocatorOptions ToOptions(bool pcpAutotune = false, IReadOnlyDictionary<ZoneType, long>? extraPages = null)
    {
        var options = new PageAllocatorOptions
        {
            PcpAutotune = pcpAutotune,
            PercpuPagelistHighFraction = PercpuPagelistHighFraction,
            LowmemReserveRatio = LowmemReserveRatio,
            NodeCount = Zones.Max(z => z.Node) + 1,
            CpuCount = Cpus,
            MinFreeKBytes = MinFreeKBytes,
            WatermarkScaleFactor = WatermarkScaleFactor,
            MetadataOnly = true,
        };
        options.SetZonePages(0, ZoneType.Normal, 0);
        foreach (HostZone zone in Zones)
        {
            if (ZoneOf(zone.Name) is ZoneType type && zone.Managed > 0)
            {
                long extra = zone.Node == 0 && extraPages is not null ? extraPages.GetValueOrDefault(type) : 0;
                options.SetZonePages(zone.Node, type, zone.Managed + extra);
            }
        }

        return options;
    }

    /// <summary>A sysctl holding numbers separated by white space (lowmem_reserve_ratio).</summary>
    private static int[]? ReadNumbers(string path)
    {
        try
        {
            return File.Exists(path)
                ? File.ReadAllText(path).Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries)
                    .Select(n => int.Parse(n, NumberStyles.Integer, CultureInfo.InvariantCulture)).ToArray()
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            throw new TraceInputException($"{path}: not a list of numbers ({e.Message})");
        }
    }

    private static long? ReadNumber(string path)
    {
        try
        {
            return File.Exists(path)
                ? long.Parse(File.ReadAllText(path).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            throw new TraceInputException($"{path}: not a number ({e.Message})");
        }
    }
}
