// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using PageAlloc.Cli.Host;
using PageAlloc.Native;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// Makes a fresh allocator as fragmented as the host was: its free blocks per zone, order and
/// migratetype become those of <c>/proc/buddyinfo</c> and <c>/proc/pagetypeinfo</c>. Every page
/// that can be is allocated (<see cref="HeldPages"/>), the pageblocks get the host's types
/// (<see cref="PageblockTypes"/>), then the pages <see cref="BuddyShape"/> plans are freed so
/// that buddy merging leaves the wanted blocks. The pages never freed stay held for the replay
/// (the host's pages in use) and feed the pcp lists (<see cref="SeedPcpLists"/>) and the
/// stand-ins for frees of pages allocated before the trace (<see cref="TakeHeld"/>).
/// </summary>
internal sealed unsafe class Seeder
{
    private readonly PageAllocator _allocator;
    private readonly HeldPages _held;
    private readonly Dictionary<ZoneType, (long Start, int[] Types)> _blockTypes = new();

    private Seeder(PageAllocator allocator, HeldPages held)
    {
        _allocator = allocator;
        _held = held;
    }

    /// <summary>The pcp lists seeded by <see cref="SeedPcpLists"/>.</summary>
    public List<PcpSeeding.PcpSeed> Pcp { get; } = [];

    /// <summary>Per zone: the target blocks by order, and what the allocator holds after seeding.</summary>
    public List<(string Zone, long[] Target, long[] Seeded)> Zones { get; } = [];

    /// <summary>Per zone and migratetype: the kernel's pageblocks (pagetypeinfo.before) and ours after seeding.</summary>
    internal readonly record struct PageblockSeed(string Zone, string Type, long Kernel, long Seeded);

    /// <summary>Pageblock types seeded from pagetypeinfo; empty without one.</summary>
    public List<PageblockSeed> Pageblocks { get; } = [];

    /// <summary>Per zone and migratetype: the free blocks by order wanted and those seeded.</summary>
    internal sealed record TypeSeed(string Zone, string Type, long[] Target, long[] Seeded);

    /// <summary>Free blocks per migratetype seeded from pagetypeinfo; empty without one.</summary>
    public List<TypeSeed> FreeByType { get; } = [];

    /// <summary>Pages still allocated from seeding (the host's pages in use).</summary>
    public long HeldPages => _held.Count;

    /// <summary>Seeds <paramref name="allocator"/> (fresh, node 0) from <paramref name="target"/>
    /// and, when given, the pageblock types and per-type free blocks of <paramref name="types"/>.</summary>
    public static Seeder Seed(PageAllocator allocator, IReadOnlyList<BuddyInfoFile.Zone> target,
        IReadOnlyList<PageTypeInfoFile.Zone>? types = null)
    {
        var zones = new List<(ZoneType Type, ZoneInfo Info)>();
        foreach (ZoneType type in Enum.GetValues<ZoneType>())
        {
            try
            {
                ZoneInfo info = allocator.GetZoneInfo(0, type);
                if (info.Managed > 0)
                {
                    zones.Add((type, info));
                }
            }
            catch (ArgumentException)
            {
                // the zone is absent
            }
        }

        long basePfn = zones.Min(z => (long)z.Info.StartPfn);
        long endPfn = zones.Max(z => (long)(z.Info.StartPfn + z.Info.Spanned));
        var seeder = new Seeder(allocator, new HeldPages(allocator, basePfn, endPfn));
        allocator.BindCpu(0);
        foreach ((ZoneType type, ZoneInfo info) in zones)
        {
            seeder._held.AllocateAll(type, (long)info.StartPfn, (long)info.Spanned);
        }

        allocator.DrainAll();
        foreach ((ZoneType type, ZoneInfo info) in zones)
        {
            seeder.SeedZone(type, info, target, types);
        }

        seeder._held.SplitWhole();
        allocator.DrainAll();
        allocator.BindCpu(-1);
        if (types is not null)
        {
            seeder.ReadBackTypes(types);
        }

        List<BuddyInfoFile.Zone> ours = BuddyInfoFile.Parse(allocator.BuddyInfo());
        for (int i = 0; i < seeder.Zones.Count; i++)
        {
            (string name, long[] wantedBlocks, _) = seeder.Zones[i];
            long[] seeded = ours.FirstOrDefault(z => z.Name == name)?.FreeBlocks ?? new long[BuddyShape.Orders];
            seeder.Zones[i] = (name, wantedBlocks, seeded);
        }

        return seeder;
    }

    private void SeedZone(ZoneType type, ZoneInfo info, IReadOnlyList<BuddyInfoFile.Zone> target, IReadOnlyList<PageTypeInfoFile.Zone>? types)
    {
        BuddyInfoFile.Zone? wanted = target.FirstOrDefault(z => z.Node == 0 && HostShape.ZoneOf(z.Name) == type);
        long[] need = new long[BuddyShape.Orders];
        if (wanted is not null)
        {
            Array.Copy(wanted.FreeBlocks, need, Math.Min(BuddyShape.Orders, wanted.FreeBlocks.Length));
        }

        Zones.Add((wanted?.Name ?? type.ToString(), (long[])need.Clone(), []));
        PageTypeInfoFile.Zone? typed = types?.FirstOrDefault(z => z.Node == 0 && HostShape.ZoneOf(z.Name) == type);
        long start = (long)info.StartPfn, spanned = (long)info.Spanned;
        int[] blockTypes = PageblockTypes.Assign(spanned, typed);
        PageblockTypes.Apply(_allocator, start, blockTypes);
        _blockTypes[type] = (start, blockTypes);
        long[][] needByType = PageblockTypes.NeedByType(need, typed);
        bool[] free = _held.FreeMap(start, spanned);
        for (int mt = 0; mt < needByType.Length; mt++)
        {
            foreach ((long blockStart, int order) in BuddyShape.Plan(free, start, PageblockTypes.Regions(start, spanned, blockTypes, mt), needByType[mt]))
            {
                _held.Free(blockStart, order);
            }
        }
    }

    /// <summary>Seeds the pcp lists from zoneinfo (<see cref="PcpSeeding"/>).</summary>
    public void SeedPcpLists(IReadOnlyList<HostZone> host, bool tunedHigh) => Pcp.AddRange(PcpSeeding.Seed(_allocator, _held, host, tunedHigh));

    private readonly WantedTypes _typesWanted = new();

    /// <summary>Per zone, order and migratetype (-1: unknown), the held blocks wanted (stand-ins
    /// for the trace's frees of pages allocated before it) and set aside.</summary>
    public List<(string Zone, int Order, int Migratetype, int Wanted, int Reserved)> Blocks { get; } = [];

    /// <summary>Notes each free's migratetype in <paramref name="frees"/> (of pages allocated
    /// before the trace) for its stand-in, and sets aside a held block for each of order 1 and
    /// up, in the zone the host's pfn lies in and of the free's migratetype
    /// (<see cref="HeldPages.ReserveBlocks"/>).</summary>
    public void ReserveBlocks(IReadOnlyList<(long Pfn, int Order, int Migratetype)> frees, IReadOnlyList<HostZone> host)
    {
        var wanted = new SortedDictionary<(ZoneType Zone, int Order, int Migratetype), int>();
        (long Start, long End, ZoneType Zone)[] spans = HostShape.ZoneSpans(host);
        _typesWanted.EnsureCapacity(frees.Count);
        foreach ((long pfn, int order, int mt) in frees)
        {
            if (HostShape.ZoneAt(spans, pfn) is ZoneType zone && order < BuddyShape.ChunkOrder)
            {
                if (order > 0)
                {
                    wanted[(zone, order, mt)] = wanted.GetValueOrDefault((zone, order, mt)) + 1;
                }

                _typesWanted.Add(pfn, mt);
            }
        }

        _allocator.BindCpu(0);
        foreach (((ZoneType zone, int order, int mt), int count) in wanted)
        {
            if (!_blockTypes.TryGetValue(zone, out (long Start, int[] Types) t))
            {
                continue;
            }

            int made = _held.ReserveBlocks(zone, order, mt, count,
                pfn => t.Types[(pfn - t.Start) >> BuddyShape.PageblockOrder]);
            Blocks.Add((zone.ToString(), order, mt, count, made));
        }

        _allocator.BindCpu(-1);
    }

    /// <summary>Per zone, the held MAX_ORDER blocks wanted for the memory the kernel onlined
    /// during the trace and set aside (<see cref="ReserveOnlined"/>).</summary>
    public List<(string Zone, long Wanted, int Reserved)> Onlined { get; } = [];

    /// <summary>Sets aside, per zone, held MAX_ORDER blocks for <paramref name="pages"/> pages
    /// the kernel onlined during the trace (<see cref="OnlinedMemory"/>): the zone was made that
    /// much larger than the host's managed pages at the start, and seeding left the extra pages
    /// held, as offline memory is neither free nor on a list.</summary>
    public void ReserveOnlined(IReadOnlyDictionary<ZoneType, long> pages)
    {
        _allocator.BindCpu(0);
        foreach ((ZoneType zone, long count) in pages)
        {
            int blocks = (int)(count >> BuddyShape.ChunkOrder);
            int made = !_blockTypes.TryGetValue(zone, out (long Start, int[] Types) t) ? 0 :
                _held.ReserveBlocks(zone, BuddyShape.ChunkOrder, -1, blocks, pfn => t.Types[(pfn - t.Start) >> BuddyShape.PageblockOrder]);
            Onlined.Add((zone.ToString(), count, made));
            // Offline memory is not managed: the zone starts at the host's managed pages, with
            // the watermarks and pcp bounds that go with them (each onlined block adds its pages back).
            if (made > 0)
            {
                int err = Methods.pa_adjust_managed_pages(_allocator.Pointer, 0, (pa_zone_type)zone, -((long)made << BuddyShape.ChunkOrder));
                if (err != 0)
                {
                    throw new InvalidOperationException($"pa_adjust_managed_pages({zone}, -{(long)made << BuddyShape.ChunkOrder}) failed: {err}");
                }
            }
        }

        _allocator.BindCpu(-1);
    }

    /// <summary>A held block of <paramref name="order"/> set aside by <see cref="ReserveBlocks"/>
    /// for the free of <paramref name="pfn"/> (of its migratetype when one was set aside); null
    /// when none is left.</summary>
    public pa_page* TakeHeldBlock(ZoneType zone, long pfn, int order) => _held.TakeBlock(zone, order, _typesWanted.Take(pfn));

    /// <summary>A page still held from seeding in <paramref name="zone"/>, handed over to the
    /// caller (who frees it); null when the zone has none left.</summary>
    public pa_page* TakeHeld(ZoneType zone) => _held.Take(zone);

    /// <summary>A page still held from seeding in <paramref name="zone"/>, in a pageblock of the
    /// migratetype noted for the free of <paramref name="pfn"/> (any when none was), handed
    /// over to the caller (who frees it); null when the zone has none left.</summary>
    public pa_page* TakeHeld(ZoneType zone, long pfn)
    {
        int mt = _typesWanted.Take(pfn);
        if (mt < 0 || !_blockTypes.TryGetValue(zone, out (long Start, int[] Types) bt))
        {
            return _held.Take(zone);
        }

        pa_page* page = _held.Take(zone, mt, p => bt.Types[(p - bt.Start) >> BuddyShape.PageblockOrder]);
        return page != null ? page : _held.Take(zone);
    }

    /// <summary>Our pageblocks and free blocks per type, read back from our pagetypeinfo.</summary>
    private void ReadBackTypes(IReadOnlyList<PageTypeInfoFile.Zone> kernel)
    {
        List<PageTypeInfoFile.Zone> ours = PageTypeInfoFile.Parse(_allocator.PageTypeInfo());
        foreach (PageTypeInfoFile.Zone zone in ours.Where(z => z.Node == 0))
        {
            PageTypeInfoFile.Zone? host = kernel.FirstOrDefault(z => z.Node == 0 && z.Name == zone.Name);
            foreach (string type in PageTypeInfoFile.PcpTypes)
            {
                Pageblocks.Add(new PageblockSeed(zone.Name, type, host?.Pageblocks.GetValueOrDefault(type) ?? 0, zone.Pageblocks.GetValueOrDefault(type)));
                FreeByType.Add(new TypeSeed(zone.Name, type, host?.FreeBlocks.GetValueOrDefault(type) ?? new long[BuddyShape.Orders],
                    zone.FreeBlocks.GetValueOrDefault(type) ?? new long[BuddyShape.Orders]));
            }
        }
    }
}
