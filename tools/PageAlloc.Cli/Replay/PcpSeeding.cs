// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using PageAlloc.Cli.Host;
using PageAlloc.Native;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// Fills each CPU's pcp list of each zone with the pages its <c>count:</c> in zoneinfo.before
/// says the kernel's held, as order-0 held pages freed on that CPU (zoneinfo gives pages, not
/// orders or migratetypes; the pageblocks' types decide the lists). With the 6.18 model the
/// list's <c>high</c> becomes the kernel's (<c>pa_set_pcp_high</c>; left where it is where the
/// kernel's is 0, a list never used); the frees run with high at high_max so that none drains.
/// The 6.6 model's high is fixed, and it drains a list that reaches it: it holds at most
/// high - 1 pages, as a 6.6 kernel would. A bundle with pcp resets replaces these lists with
/// empty ones at its first reset.
/// </summary>
internal static unsafe class PcpSeeding
{
    /// <summary>One pcp list seeded from zoneinfo: the kernel's count and high, and ours after seeding.</summary>
    internal readonly record struct PcpSeed(string Zone, int Cpu, long KernelCount, long KernelHigh, long Count, long High);

    public static List<PcpSeed> Seed(PageAllocator allocator, HeldPages held, IReadOnlyList<HostZone> host, bool tunedHigh)
    {
        var seeded = new List<PcpSeed>();
        foreach (HostZone zone in host)
        {
            if (zone.Node != 0 || HostShape.ZoneOf(zone.Name) is not ZoneType type || !held.HasZone(type))
            {
                continue;
            }

            foreach (HostPcp kernel in zone.Pcp.Where(p => p.Cpu < allocator.CpuCount))
            {
                PcpInfo ours = SeedOne(allocator, held, type, kernel, tunedHigh);
                seeded.Add(new PcpSeed(zone.Name, kernel.Cpu, kernel.Count, kernel.High, ours.Count, ours.High));
            }
        }

        allocator.BindCpu(-1);
        return seeded;
    }

    private static PcpInfo SeedOne(PageAllocator allocator, HeldPages held, ZoneType zone, HostPcp kernel, bool tunedHigh)
    {
        PcpInfo info = allocator.GetPcpInfo(kernel.Cpu, 0, zone);
        long count = kernel.Count;
        if (tunedHigh && kernel.High > 0)
        {
            SetHigh(allocator, kernel.Cpu, zone, info.HighMax);
        }
        else if (!tunedHigh)
        {
            count = Math.Min(count, info.High - 1);
        }

        allocator.BindCpu(kernel.Cpu);
        for (long i = 0; i < count; i++)
        {
            pa_page* page = held.Take(zone);
            if (page == null)
            {
                break;
            }

            Methods.pa_free_pages(allocator.Pointer, page, 0);
        }

        if (tunedHigh && kernel.High > 0)
        {
            SetHigh(allocator, kernel.Cpu, zone, kernel.High);
        }

        return allocator.GetPcpInfo(kernel.Cpu, 0, zone);
    }

    private static void SetHigh(PageAllocator allocator, int cpu, ZoneType zone, long high)
    {
        int rc = Methods.pa_set_pcp_high(allocator.Pointer, cpu, 0, (pa_zone_type)zone, (uint)Math.Min(high, uint.MaxValue));
        if (rc != 0)
        {
            throw new InvalidOperationException($"pa_set_pcp_high(cpu {cpu}, {zone}, {high}) failed: {rc}");
        }
    }
}
