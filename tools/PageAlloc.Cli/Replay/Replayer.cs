// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using PageAlloc.Cli.Host;
using PageAlloc.Cli.Trace;
using PageAlloc.Native;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// Replays a kernel trace through an allocator, line by line (docs/TRACING.md):
/// each <c>mm_page_alloc</c> on the pcp slot of its CPU with its gfp flags; each
/// <c>mm_page_free</c> frees what the replay allocated for that pfn, or is counted as
/// unmatched (a page allocated before the trace began) and frees a stand-in instead: one of
/// the pages held since seeding in the same zone, so that our pcp list gets a page as the
/// kernel's did (order 0 only: seeding holds single pages); an <c>mm_page_free_batched</c> of a
/// pfn that its CPU has just freed with <c>mm_page_free</c> is the same free, reported twice
/// (6.18's <c>free_unref_folios</c> emits both); the kernel's own refill, drain and extfrag
/// lines are counted as the yardstick, not replayed. A pfn the kernel allocates while the replay
/// still holds it was freed without a trace line: the replay frees the stale page first, on the
/// allocating CPU, where the kernel found it free. Memory: one entry per live page
/// allocated in the trace, and fixed-size state per CPU.
/// </summary>
/// <remarks>Pages are allocated and freed with the raw calls on the allocator's pointer
/// (valid while the <see cref="PageAllocator"/> is): a <see cref="PageBlock"/> per page would
/// cost a finalizable object each and a third of the replay's time.</remarks>
internal sealed unsafe partial class Replayer : ILineSink, IDisposable
{
    /// <summary>Recent frees remembered per CPU to pair with their batched events. A folio batch
    /// is at most 31 folios, but an unmap frees its pages' mm_page_free lines first and their
    /// batched lines after: in the fixture a .NET process's batched lines came up to 218 frees
    /// after their own (64 here left 23 of them counted as second frees).</summary>
    private const int RecentFrees = 1024;

    private readonly PageAllocator _allocator;
    private readonly TraceLineParser _parser = new();
    private readonly Dictionary<long, LivePage> _live = new();
    private readonly Dictionary<int, long[]> _recentFrees = new();
    private readonly Dictionary<int, int> _recentNext = new();
    private readonly TimeSeries _series;
    private int _boundCpu = -1;
    private byte[] _report = new byte[4096];
    private double _lastTime;

    /// <summary>The kernel's vmstat work runs once a second (<c>sysctl_stat_interval</c>).</summary>
    private const double VmstatInterval = 1.0;

    private readonly OurTracepoints? _ours;
    private double _nextTick = double.NaN;
    private readonly Seeder? _standIns;
    private readonly double? _stateTime;
    private readonly (long Start, long End, ZoneType Zone)[] _kernelZones;

    /// <param name="allocator">The allocator replayed on, seeded and bound to nothing yet.</param>
    /// <param name="ours">Counts of our refills, drains and extfrag events, sampled with the kernel's.</param>
    /// <param name="sampleInterval">Trace seconds between samples at first (see <see cref="TimeSeries"/>).</param>
    /// <param name="standIns">Where stand-ins for unmatched frees come from; null: none (the free is skipped).</param>
    /// <param name="kernelZones">The kernel's zones (zoneinfo), to find the zone of a traced pfn.</param>
    /// <param name="stateTime">When the state the allocator was seeded from was read, on the
    /// trace's clock; the vmstat ticks between it and the first event run before that event
    /// (their drains are not counted: the kernel's fell before its trace began too).</param>
    /// <param name="plan">The bundle's pcp resets; null: the start is inferred (no resets).</param>
    /// <param name="bulkLines">Refill lines whose page the kernel bulk-allocated (<see cref="BulkInference"/>).</param>
    /// <param name="tunedHigh">The 6.18 model: each CPU's high is set from the zoneinfo read after the first reset.</param>
    public Replayer(PageAllocator allocator, OurTracepoints? ours, double sampleInterval = 0.005,
        Seeder? standIns = null, IReadOnlyList<HostZone>? kernelZones = null, double? stateTime = null,
        ResetPlan? plan = null, HashSet<long>? bulkLines = null, bool tunedHigh = false)
    {
        _plan = plan;
        _bulkLines = bulkLines;
        _tunedHigh = tunedHigh;
        _stateTime = stateTime;
        _allocator = allocator;
        _ours = ours;
        _series = new TimeSeries(sampleInterval);
        _standIns = standIns;
        _kernelZones = HostShape.ZoneSpans(kernelZones ?? []);
        _zoneNames = (kernelZones ?? []).Where(z => z.Node == 0 && HostShape.ZoneOf(z.Name) is not null)
            .GroupBy(z => HostShape.ZoneOf(z.Name)!.Value).ToDictionary(g => g.Key, g => g.First().Name);
        if (plan is not null && _kernelZones.Length > 0)
        {
            _pfnBase = _kernelZones.Min(z => z.Start);
            _lastPcpCpu = new byte[_kernelZones.Max(z => z.End) - _pfnBase];
            _ourZones = Enum.GetValues<ZoneType>().Select(type =>
            {
                try
                {
                    ZoneInfo info = allocator.GetZoneInfo(0, type);
                    return (Start: (long)info.StartPfn, End: (long)(info.StartPfn + info.Spanned), Zone: type);
                }
                catch (ArgumentException)
                {
                    return (Start: 0L, End: 0L, Zone: type);
                }
            }).Where(z => z.End > z.Start).ToArray();
        }
    }

    private readonly ResetPlan? _plan;
    private readonly HashSet<long>? _bulkLines;
    private readonly bool _tunedHigh;
    private readonly Dictionary<ZoneType, string> _zoneNames;
    private readonly (long Start, long End, ZoneType Zone)[] _ourZones = [];
    /// <summary>Per kernel pfn: 1 + the CPU whose pcp list the page last went on (free or refill); 0: none seen.</summary>
    private readonly byte[] _lastPcpCpu = [];
    private readonly long _pfnBase;

    /// <summary>Where the replay is relative to the resets (<see cref="ResetPhase.Before"/> throughout without them).</summary>
    public ResetPhase Phase { get; private set; } = ResetPhase.Before;
    /// <summary>The resets the replay started from; null when its start is inferred.</summary>
    public ResetPlan? Plan => _plan;
    /// <summary>Pages on the pcp lists at the last reset, the kernel's and ours.</summary>
    public EndLists EndLists { get; } = new();
    /// <summary>Refill lines whose page the kernel took by a bulk allocation (no mm_page_alloc), replayed as allocations.</summary>
    public long InferredBulkAllocs { get; private set; }
    /// <summary>Events perf's ring buffer dropped (its LOST records in the trace).</summary>
    public long LostEvents { get; private set; }
    /// <summary>The kernel's pcp refill pages, drain pages and extfrag events between the resets (the whole trace without them).</summary>
    public (long Refill, long Drain, long Extfrag) KernelCompared { get; private set; }
    /// <summary>Ours over the same span; null without our tracepoints.</summary>
    public (long Refill, long Drain, long Extfrag)? OursCompared { get; private set; }
    /// <summary>Pages the resets' own drain lines took off the kernel's lists (first, last).</summary>
    public (long First, long Last) ResetDrainPages { get; private set; }
    private long _bodyRefill, _bodyDrain, _bodyExtfrag;

    public EventCounts Events { get; } = new();
    public BadLines Bad { get; } = new();
    public long Allocs { get; private set; }
    public long Frees { get; private set; }
    public long AllocFailures { get; private set; }
    public long UnmatchedFrees { get; private set; }
    /// <summary>Unmatched frees for which a held page of the same zone was freed instead.</summary>
    public long StandInFrees { get; private set; }

    /// <summary>Of <see cref="StandInFrees"/>, those of order 1 and up (a held block set aside by seeding).</summary>
    public long HighOrderStandInFrees { get; private set; }
    /// <summary>Of <see cref="StandInFrees"/>, MAX_ORDER blocks of memory the kernel onlined (<see cref="OnlinedMemory"/>).</summary>
    public long OnlinedBlocks { get; private set; }
    /// <summary>vmstat ticks run between the state snapshot and the first event.</summary>
    public int GapTicks { get; private set; }
    /// <summary>mm_page_free_batched lines that were the second report of a free.</summary>
    public long BatchedPairs { get; private set; }
    /// <summary>mm_page_alloc lines where the kernel itself failed (<c>page=(nil)</c>).</summary>
    public long KernelAllocFailures { get; private set; }
    /// <summary>A pfn allocated again while the replay still held it (its free was not in the trace).</summary>
    public long ReallocatedWithoutFree { get; private set; }
    /// <summary>mm_page_alloc lines whose gfp the library rejects or whose order it has not.</summary>
    public long Unreplayable { get; private set; }
    /// <summary>gfp names not known to the parser (other kernels' flags).</summary>
    public long UnknownGfpNames { get; private set; }
    public long KernelRefillPages { get; private set; }
    public long KernelDrainPages { get; private set; }
    public long KernelExtfrag { get; private set; }
    public int LivePages => _live.Count;
    public double FirstTime { get; private set; } = double.NaN;
    public double LastTime => _lastTime;
    public TimeSeries Series => _series;

    /// <inheritdoc/>
    public void OnLine(ReadOnlySpan<byte> line, long number, bool complete)
    {
        LineVerdict verdict = _parser.Parse(line, out TraceRecord record);
        if (verdict == LineVerdict.Ignored)
        {
            return;
        }

        if (!complete && verdict != LineVerdict.Event)
        {
            Bad.Add(BadLines.Reason.Truncated, number);
            return;
        }

        switch (verdict)
        {
            case LineVerdict.Event:
                Events.Read++;
                Events.Add(record.Kind);
                Replay(ref record, number);
                break;
            case LineVerdict.Lost:
                LostEvents += record.Lost;
                break;
            case LineVerdict.UnknownEvent:
                Events.Read++;
                Events.Add(KmemEvent.Other);
                Bad.Add(BadLines.Reason.UnknownEvent, number);
                break;
            case LineVerdict.BadField:
                Bad.Add(BadLines.Reason.BadField, number);
                break;
            case LineVerdict.OtherFormat:
                Bad.Add(BadLines.Reason.OtherFormat, number);
                break;
            default:
                Bad.Add(BadLines.Reason.NotATraceLine, number);
                break;
        }
    }

    private void Replay(ref TraceRecord record, long number)
    {
        if (_plan is not null)
        {
            Advance(_plan.PhaseAt(record.Time));
        }

        if (double.IsNaN(FirstTime))
        {
            FirstTime = record.Time;
        }

        _lastTime = record.Time;
        Tick(record.Time);
        if (_series.Due(record.Time))
        {
            _series.Add(TakeSample());
        }

        switch (record.Kind)
        {
            case KmemEvent.PageAlloc:
                Alloc(ref record);
                break;
            case KmemEvent.PageFree:
                Remember(record.Cpu, record.Pfn);
                if (record.Order <= Methods.PA_COSTLY_ORDER || record.Order == Methods.PA_PAGEBLOCK_ORDER)
                {
                    OnPcpList(record.Pfn, record.Cpu);
                }

                Free(record.Cpu, record.Pfn, record.Order);
                break;
            case KmemEvent.PageFreeBatched:
                OnPcpList(record.Pfn, record.Cpu);
                if (Forget(record.Cpu, record.Pfn))
                {
                    BatchedPairs++;
                }
                else
                {
                    Free(record.Cpu, record.Pfn, 0);
                }

                break;
            case KmemEvent.PageAllocZoneLocked:
                if (record.PercpuRefill)
                {
                    KernelRefillPages += 1L << record.Order;
                    _bodyRefill += Phase == ResetPhase.Body ? 1L << record.Order : 0;
                    OnPcpList(record.Pfn, record.Cpu);
                    if (_bulkLines is not null && _bulkLines.Contains(number))
                    {
                        Bulk(ref record);
                    }
                }

                break;
            case KmemEvent.PagePcpuDrain:
                KernelDrainPages += 1L << record.Order;
                _bodyDrain += Phase == ResetPhase.Body ? 1L << record.Order : 0;
                ResetDrain(ref record);
                break;
            case KmemEvent.PageAllocExtfrag:
                KernelExtfrag++;
                _bodyExtfrag += Phase == ResetPhase.Body ? 1 : 0;
                break;
            default:
                break;
        }
    }

    /// <summary>Runs the kernel's per-second vmstat work on our pcp lists as trace time passes
    /// (<c>pa_vmstat_tick</c>: the 6.18 model's decay of high; nothing in the 6.6 model).</summary>
    private void Tick(double time)
    {
        if (double.IsNaN(_nextTick))
        {
            // vmstat_update requeues itself with round_jiffies_relative(): it runs on whole
            // seconds of jiffies, which count from boot as the trace's clock does.
            _nextTick = NextWholeSecond(time);
            if (_stateTime is double state && state < time)
            {
                for (double tick = NextWholeSecond(state); tick <= time; tick += VmstatInterval)
                {
                    _allocator.VmstatTick();
                    GapTicks++;
                }

                _ours?.Reset();
            }

            return;
        }

        while (time >= _nextTick)
        {
            _allocator.VmstatTick();
            _nextTick += VmstatInterval;
        }
    }

    private static double NextWholeSecond(double time) => Math.Floor(time / VmstatInterval) * VmstatInterval + VmstatInterval;

    private void Alloc(ref TraceRecord record)
    {
        UnknownGfpNames += record.UnknownGfpNames;
        Gfp gfp = (Gfp)(record.Gfp & (uint)Gfp.AllFlags);
        if (record.Order > PageAllocator.MaxOrder)
        {
            Unreplayable++;
            AllocFailures++;
            return;
        }

        if (!Methods.pa_gfp_valid((uint)gfp))
        {
            // A zone combination or mobility pair the library refuses (the kernel would have warned too).
            Unreplayable++;
            AllocFailures++;
            return;
        }

        Bind(record.Cpu);
        if (!record.KernelFailed && _live.Remove(record.Pfn, out LivePage stale))
        {
            // The kernel handed out this pfn, so it had been freed (the line was lost): free it
            // before the allocation, which may then take it, as the kernel's did.
            ReallocatedWithoutFree++;
            Methods.pa_free_pages(_allocator.Pointer, stale.Page, stale.Order);
        }

        pa_page* page = Methods.pa_alloc_pages(_allocator.Pointer, (uint)gfp, (uint)record.Order);
        if (page == null)
        {
            AllocFailures++;
            return;
        }

        Allocs++;
        if (record.KernelFailed)
        {
            // The kernel gave no page, so no free will follow: give ours back at once.
            KernelAllocFailures++;
            Methods.pa_free_pages(_allocator.Pointer, page, (uint)record.Order);
            return;
        }

        _live.Add(record.Pfn, new LivePage(page, (uint)record.Order));
    }

    private void Free(int cpu, long pfn, int order)
    {
        if (!_live.Remove(pfn, out LivePage live))
        {
            UnmatchedFrees++;
            FreeStandIn(cpu, pfn, order);
            return;
        }

        Bind(cpu);
        Methods.pa_free_pages(_allocator.Pointer, live.Page, live.Order);
        Frees++;
    }

    /// <summary>The kernel freed a page allocated before the trace: free one of ours of its zone
    /// that has been allocated as long, so the CPU's pcp list grows as the kernel's did.</summary>
    private void FreeStandIn(int cpu, long pfn, int order)
    {
        if (_standIns is null || KernelZoneOf(pfn) is not ZoneType zone)
        {
            return;
        }

        if (order >= PageAlloc.PageAllocator.MaxOrder && (Phase == ResetPhase.First || Phase == ResetPhase.Last))
        {
            // A reset's own block coming back online after its offline took it away: neither
            // is replayed (see OnlinedMemory).
            return;
        }

        pa_page* page = order == 0 ? _standIns.TakeHeld(zone, pfn) : _standIns.TakeHeldBlock(zone, pfn, order);
        if (page == null)
        {
            return;
        }

        Bind(cpu);
        if (order >= PageAlloc.PageAllocator.MaxOrder)
        {
            // A block going online: the zone's managed pages grow first (__free_pages_core), and
            // its watermarks and pcp bounds with them (init_per_zone_wmark_min).
            Methods.pa_adjust_managed_pages(_allocator.Pointer, 0, (pa_zone_type)zone, 1L << order);
            OnlinedBlocks++;
        }

        Methods.pa_free_pages(_allocator.Pointer, page, (uint)order);
        StandInFrees++;

        if (order > 0)
        {
            HighOrderStandInFrees++;
        }
    }

    private ZoneType? KernelZoneOf(long pfn) => HostShape.ZoneAt(_kernelZones, pfn);

    private void Bind(int traceCpu)
    {
        int cpu = traceCpu % _allocator.CpuCount;
        if (cpu != _boundCpu)
        {
            _allocator.BindCpu(cpu);
            _boundCpu = cpu;
        }
    }

    private void Remember(int cpu, long pfn)
    {
        if (!_recentFrees.TryGetValue(cpu, out long[]? ring))
        {
            ring = new long[RecentFrees];
            Array.Fill(ring, -1);
            _recentFrees[cpu] = ring;
            _recentNext[cpu] = 0;
        }

        int next = _recentNext[cpu];
        ring[next] = pfn;
        _recentNext[cpu] = (next + 1) % RecentFrees;
    }

    private bool Forget(int cpu, long pfn)
    {
        if (!_recentFrees.TryGetValue(cpu, out long[]? ring))
        {
            return false;
        }

        int at = Array.IndexOf(ring, pfn);
        if (at < 0)
        {
            return false;
        }

        ring[at] = -1;
        return true;
    }

    /// <summary>The state now, for the plot and CSV.</summary>
    public Sample TakeSample()
    {
        long[] blocks = OurFreeBlocksByOrder();
        long[] pages = new long[blocks.Length];
        for (int o = 0; o < blocks.Length; o++)
        {
            pages[o] = blocks[o] << o;
        }

        return new Sample(_lastTime, Events.Read, pages, FreeIndex.Unusable(blocks, 3), FreeIndex.Unusable(blocks, 9),
            KernelRefillPages, KernelDrainPages, _ours?.RefillPages, _ours?.DrainPages);
    }

    /// <summary>Our free blocks per order over all zones, read from the buddyinfo report
    /// (<c>pa_format_buddyinfo</c> into a reused buffer, numbers parsed in place: samples are
    /// taken thousands of times).</summary>
    public long[] OurFreeBlocksByOrder()
    {
        long[] blocks = new long[PageAllocator.MaxOrder + 1];
        int length;
        fixed (byte* buffer = _report)
        {
            length = (int)Methods.pa_format_buddyinfo(_allocator.Pointer, (sbyte*)buffer, (nuint)_report.Length);
        }

        if (length >= _report.Length)
        {
            _report = new byte[length + 1];
            return OurFreeBlocksByOrder();
        }

        foreach (Range range in _report.AsSpan(0, length).Split((byte)'\n'))
        {
            ReadOnlySpan<byte> line = _report.AsSpan(0, length)[range];
            int zone = line.IndexOf("zone"u8);
            if (zone < 0)
            {
                continue;
            }

            // "Node 0, zone   Normal      1      2 ...": skip the zone's name, then one number per order.
            ReadOnlySpan<byte> rest = line[(zone + 4)..].TrimStart((byte)' ');
            rest = rest[Math.Max(0, rest.IndexOf((byte)' '))..];
            for (int order = 0; order < blocks.Length; order++)
            {
                rest = rest.TrimStart((byte)' ');
                if (!System.Buffers.Text.Utf8Parser.TryParse(rest, out long count, out int used))
                {
                    break;
                }

                blocks[order] += count;
                rest = rest[used..];
            }
        }

        return blocks;
    }

    /// <summary>Adds the end state as the last sample and closes the compared span.</summary>
    public void Finish()
    {
        if (_plan is not null && Phase < ResetPhase.Last)
        {
            CloseBody();
        }

        if (_plan is null)
        {
            KernelCompared = (KernelRefillPages, KernelDrainPages, KernelExtfrag);
            OursCompared = _ours is null ? null : (_ours.RefillPages, _ours.DrainPages, _ours.Extfrag);
        }

        _series.AddFinal(TakeSample());
    }

    /// <summary>Frees every page the replay holds.</summary>
    public void Dispose()
    {
        foreach (LivePage live in _live.Values)
        {
            Methods.pa_free_pages(_allocator.Pointer, live.Page, live.Order);
        }

        _live.Clear();
        foreach (nint page in _gapPages)
        {
            Methods.pa_free_pages(_allocator.Pointer, (pa_page*)page, 0);
        }

        _gapPages.Clear();
    }

    /// <summary>A page the replay holds for a kernel pfn, with the order it was allocated at.</summary>
    private readonly struct LivePage(pa_page* page, uint order)
    {
        public pa_page* Page { get; } = page;

        public uint Order { get; } = order;
    }
}
