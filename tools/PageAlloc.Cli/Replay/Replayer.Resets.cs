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
/// emptied when the first reset begins and ends (the kernel's lists are disabled in between:
/// batch 1, high 0), the kernel's highs read after it, refills and drains compared between the
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
                    _ours?.Pause();
                    break;
                case ResetPhase.Body:
                    EndWindow();
                    SettleAllocFactor();
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
    /// While the kernel's lists are disabled an allocation refills one page without touching
    /// the list's <c>alloc_factor</c> (nr_pcp_alloc returns 1 before it), and each free halves
    /// it: after a reset that saw a few frees per CPU it is 0, and the next refill is one batch.
    /// In our stand-in for the window allocations refill whole scaled batches, which raise it up to 5 (32
    /// batches, 2,016 pages a refill). The library has no disabled state, so each CPU frees
    /// <see cref="AllocFactorHalvings"/> held pages of each reset zone instead (5 halved three
    /// times is 0), and they are drained at once. Measured on the fixture: without this, the
    /// first half second after the reset refilled 6,980 pages against the kernel's 4,718.
    /// </summary>
    private void SettleAllocFactor()
    {
        if (_standIns is null || _plan is null)
        {
            return;
        }

        foreach (string name in _plan.ResetZones)
        {
            if (HostShape.ZoneOf(name) is not ZoneType zone)
            {
                continue;
            }

            for (int cpu = 0; cpu < _allocator.CpuCount; cpu++)
            {
                Bind(cpu);
                for (int i = 0; i < AllocFactorHalvings; i++)
                {
                    pa_page* page = _standIns.TakeHeld(zone);
                    if (page == null)
                    {
                        break;
                    }

                    Methods.pa_free_pages(_allocator.Pointer, page, 0);
                    HeldPagesFreedAtReset++;
                }

                Methods.pa_drain_local_pages(_allocator.Pointer);
            }
        }
    }

    /// <summary>Frees that take alloc_factor from its largest value (CONFIG_PCP_BATCH_SCALE_MAX, 5) to 0.</summary>
    private const int AllocFactorHalvings = 3;

    /// <summary>Held pages freed at the end of the first reset to settle alloc_factor (<see cref="SettleAllocFactor"/>).</summary>
    public long HeldPagesFreedAtReset { get; private set; }

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
