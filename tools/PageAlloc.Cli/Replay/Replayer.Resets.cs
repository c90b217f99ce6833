// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using PageAlloc.Cli.Host;
using PageAlloc.Cli.Trace;
using PageAlloc.Native;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// The replay's side of the pcp resets (docs/FIDELITY.md, "The pcp reset"): our lists
/// disabled while the first reset runs, as the kernel's are (batch 1, high 0), the kernel's highs read after it, refills and drains compared between the
/// resets, and the lists compared at the last one; plus the bulk allocations inferred from the trace.
/// </summary>
internal sealed unsafe partial class Replayer
{
    /// <summary>Runs the phase changes up to <paramref name="target"/>, one at a time (a phase
    /// with no event in it still begins and ends).</summary>
    private void Advance(ResetPhase target)
    {
        while (Phase < target)
        {
            Phase++;
            switch (Phase)
            {
                case ResetPhase.First:
                    _allocator.DrainAll();
                    SetResetZonesDisabled(true);
                    _ours?.Pause();
                    break;
                case ResetPhase.Body:
                    MatchFreePages();
                    SetResetZonesDisabled(false);
                    ApplyHighs();
                    _ours?.Resume();
                    _ours?.Reset();
                    break;
                case ResetPhase.Last:
                    CloseBody();
                    ReadOurLists();
                    _ours?.Pause();
                    break;
                default:
                    EndWindow();
                    break;
            }
        }
    }

    /// <summary>The compared span ends: the kernel's counts and ours so far.</summary>
    private void CloseBody()
    {
        KernelCompared = (_bodyRefill, _bodyDrain, _bodyExtfrag);
        OursCompared = _ours is null ? null : (_ours.RefillPages, _ours.DrainPages, _ours.Extfrag);
    }

    /// <summary>While a zone's lists are disabled the kernel refills one page per allocation and
    /// drains each free at once (pcp high 0, batch 1). The library has no disabled state: our
    /// lists are emptied when the window begins and when it ends, and between them the window's
    /// allocations come off our lists and its frees go onto them. The buddy lists at the
    /// window's end are what the kernel's rule leaves (the refilled and freed pages go back and
    /// merge where they came from); draining after each event instead did the same, at the
    /// cost of a refill of whole batches per allocation (0.3 s of the hog trace's replay).</summary>
    private void EndWindow() => _allocator.DrainAll();

    /// <summary>
    /// The first reset's window as the kernel runs it (<c>zone_pcp_disable</c> /
    /// <c>zone_pcp_enable</c>, the library's <c>pa_zone_pcp_disable</c> / <c>pa_zone_pcp_enable</c>)
    /// for each zone it reset: high 0 and batch 1, so an allocation refills one page without
    /// raising <c>alloc_factor</c> and each free goes back at once and halves it; the enable
    /// restores batch and the bounds, and high starts at high_min at the next use (or at the
    /// kernel's, <see cref="ApplyHighs"/>). Before the library had these calls, the window was
    /// stood in for by emptying our lists at its ends, and alloc_factor, raised by the window's
    /// whole-batch refills, was settled by freeing held pages at its end.
    /// </summary>
    private void SetResetZonesDisabled(bool disabled)
    {
        if (_plan is null)
        {
            return;
        }

        foreach (string name in _plan.ResetZones)
        {
            if (HostShape.ZoneOf(name) is not ZoneType zone)
            {
                continue;
            }

            int rc = disabled
                ? Methods.pa_zone_pcp_disable(_allocator.Pointer, 0, (pa_zone_type)zone)
                : Methods.pa_zone_pcp_enable(_allocator.Pointer, 0, (pa_zone_type)zone);
            if (rc != 0 && rc != -2)
            {
                throw new InvalidOperationException($"pa_zone_pcp_{(disabled ? "disable" : "enable")}({name}) failed: {rc}");
            }
        }
    }



    /// <summary>Pages allocated at the end of the first reset so that a zone's free pages are the kernel's then.</summary>
    private readonly List<nint> _gapPages = [];

    /// <summary>Per zone: the kernel's free pages after the first reset (zoneinfo.reset), ours
    /// before <see cref="MatchFreePages"/>, and ours after.</summary>
    public List<(string Zone, long Kernel, long Ours, long Matched)> StartFree { get; } = [];

    /// <summary>
    /// At the end of the first reset, each reset zone's free pages become the kernel's (the
    /// zoneinfo read right after the reset). Seeding is from the state read before perf started
    /// (zoneinfo.before, buddyinfo.before), and what the kernel allocated and freed between that
    /// read and the first traced event is not in the trace: perf's own ring buffers (16 MiB per
    /// CPU) are allocated then, and the hog trace's Normal zone had 6,651 pages fewer free than
    /// ours at the reset. A zone with more free pages than the kernel's allocates the difference
    /// (order 0, unmovable, as perf's buffers are) and holds it to the end; one with fewer frees
    /// held pages. Our lists are still disabled, so neither touches a pcp's state.
    /// </summary>
    private void MatchFreePages()
    {
        if (_plan?.AfterFirst is null)
        {
            return;
        }

        foreach (HostZone zone in _plan.AfterFirst)
        {
            if (zone.Node != 0 || HostShape.ZoneOf(zone.Name) is not ZoneType type || !_plan.ResetZones.Contains(zone.Name))
            {
                continue;
            }

            long ours = FreePages(type);
            long free = ours;
            Bind(0);
            uint gfp = (uint)(Gfp.Kernel | Gfp.NoWarn | Gfp.NoRetry | type switch
            {
                ZoneType.Dma => Gfp.Dma,
                ZoneType.Dma32 => Gfp.Dma32,
                _ => Gfp.None,
            });
            while (free > zone.Free)
            {
                pa_page* page = Methods.pa_alloc_pages(_allocator.Pointer, gfp, 0);
                long now = FreePages(type);
                if (page == null || now >= free)
                {
                    // None left, or it came from another zone.
                    if (page != null)
                    {
                        Methods.pa_free_pages(_allocator.Pointer, page, 0);
                    }

                    break;
                }

                _gapPages.Add((nint)page);
                free = now;
            }

            while (free < zone.Free && _standIns is not null)
            {
                pa_page* page = _standIns.TakeHeld(type);
                if (page == null)
                {
                    break;
                }

                Methods.pa_free_pages(_allocator.Pointer, page, 0);
                free = FreePages(type);
            }

            StartFree.Add((zone.Name, zone.Free, ours, free));
        }
    }

    /// <summary>The zone's free pages (NR_FREE_PAGES), read into a stack struct: the loops above
    /// ask after every page they move, thousands of times, where a <see cref="ZoneInfo"/> each
    /// time was a tenth of a small trace's replay in allocations and the page faults of the
    /// memory they took.</summary>
    private long FreePages(ZoneType zone)
    {
        pa_zone_info info;
        int rc = Methods.pa_zone_info(_allocator.Pointer, 0, (pa_zone_type)zone, &info);
        return rc == 0 ? (long)info.free : throw new InvalidOperationException($"pa_zone_info({zone}) failed: {rc}");
    }

    /// <summary>Each CPU's high after the first reset, as zoneinfo.reset shows it (6.18 model:
    /// high_min where it reads 0, a list not used since zone_pcp_enable).</summary>
    private void ApplyHighs()
    {
        if (!_tunedHigh || _plan?.AfterFirst is null)
        {
            return;
        }

        foreach (HostZone zone in _plan.AfterFirst)
        {
            if (zone.Node != 0 || HostShape.ZoneOf(zone.Name) is not ZoneType type || !_plan.ResetZones.Contains(zone.Name))
            {
                continue;
            }

            foreach (HostPcp pcp in zone.Pcp)
            {
                if (pcp.Cpu < _allocator.CpuCount)
                {
                    // pa_set_pcp_high clamps to [high_min, high_max]: a 0 becomes high_min.
                    _ = Methods.pa_set_pcp_high(_allocator.Pointer, pcp.Cpu, 0, (pa_zone_type)type, (uint)Math.Clamp(pcp.High, 0, uint.MaxValue));
                }
            }
        }
    }

    /// <summary>Drains our lists CPU by CPU at the last reset, noting each page's list.</summary>
    private void ReadOurLists()
    {
        if (_ours is null)
        {
            _allocator.DrainAll();
            return;
        }

        for (int cpu = 0; cpu < _allocator.CpuCount; cpu++)
        {
            int listCpu = cpu;
            Bind(cpu);
            _ours.OnDrain = e => EndLists.AddOurs(listCpu, ZoneName(OurZoneOf(e.Pfn)), e.Order, e.MigrateType);
            Methods.pa_drain_local_pages(_allocator.Pointer);
        }

        _ours.OnDrain = null;
    }

    /// <summary>A page went on <paramref name="cpu"/>'s pcp list (a free or a refill).</summary>
    private void OnPcpList(long pfn, int cpu)
    {
        long at = pfn - _pfnBase;
        if ((ulong)at < (ulong)_lastPcpCpu.Length)
        {
            _lastPcpCpu[at] = (byte)(cpu + 1);
        }
    }

    /// <summary>A drain line: the last reset's writer's are the kernel's lists at that moment.</summary>
    private void ResetDrain(ref TraceRecord record)
    {
        if (_plan is null)
        {
            return;
        }

        int tid = record.Tid;
        if (Phase == ResetPhase.First && _plan.First.Exists(r => r.Tid == tid))
        {
            ResetDrainPages = (ResetDrainPages.First + (1L << record.Order), ResetDrainPages.Last);
        }
        else if (Phase == ResetPhase.Last && _plan.LastTids.Contains(record.Tid))
        {
            ResetDrainPages = (ResetDrainPages.First, ResetDrainPages.Last + (1L << record.Order));
            long at = record.Pfn - _pfnBase;
            int cpu = (ulong)at < (ulong)_lastPcpCpu.Length ? _lastPcpCpu[at] - 1 : -1;
            EndLists.AddKernel(cpu, ZoneName(KernelZoneOf(record.Pfn)), record.Order, record.Migratetype);
        }
    }

    /// <summary>A refill whose page the kernel bulk-allocated: allocate it here, on the refilling
    /// CPU, with the gfp of its migratetype (the bulk callers' gfp is not traced).</summary>
    private void Bulk(ref TraceRecord record)
    {
        Gfp gfp = record.Migratetype switch
        {
            1 => Gfp.HighUserMovable,
            2 => Gfp.Kernel | Gfp.Reclaimable,
            _ => Gfp.Kernel,
        };
        Bind(record.Cpu);
        if (_live.Remove(record.Pfn, out LivePage stale))
        {
            ReallocatedWithoutFree++;
            Methods.pa_free_pages(_allocator.Pointer, stale.Page, stale.Order);
        }

        pa_page* page = Methods.pa_alloc_pages(_allocator.Pointer, (uint)gfp, (uint)record.Order);
        if (page == null)
        {
            return;
        }

        InferredBulkAllocs++;
        _live.Add(record.Pfn, new LivePage(page, (uint)record.Order));
    }

    private ZoneType? OurZoneOf(long pfn)
    {
        foreach ((long start, long end, ZoneType zone) in _ourZones)
        {
            if (pfn >= start && pfn < end)
            {
                return zone;
            }
        }

        return null;
    }

    private string ZoneName(ZoneType? zone) => zone is ZoneType z ? _zoneNames.GetValueOrDefault(z, z.ToString()) : "?";
}
