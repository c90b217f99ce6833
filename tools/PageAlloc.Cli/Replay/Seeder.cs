// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using PageAlloc.Cli.Host;
using PageAlloc.Native;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// Makes a fresh allocator as fragmented as the host was: its free blocks per zone and order
/// become those of a <c>/proc/buddyinfo</c>. Every page that can be is allocated one by one
/// (movable, with the atomic reserves, so no pageblock changes type); the pages the watermarks
/// keep free stay free and their blocks count towards the target. Then, in each fully
/// allocated 1024-page chunk, pages are freed so that buddy merging leaves exactly the wanted
/// blocks: an order-k block is freed only where its buddy keeps at least one allocated page.
/// The pages never freed stay allocated for the whole replay (they are the pages the machine
/// had in use when the trace began) and go back when the allocator is destroyed. Pages are
/// held as raw page pointers, one slot per page frame, as the replay holds its own (see
/// <see cref="Replayer"/>). Held pages are also what the kernel's pcp lists held at the start
/// (<see cref="SeedPcpLists"/>) and the stand-ins for frees of pages allocated before the trace
/// (<see cref="TakeHeld"/>): both come off the held pages of a zone, a 1024-page chunk at a time,
/// the chunks spread over the zone (which pages the host freed is not recorded; its pages in use
/// lie all over its memory, in runs, as refills hand them out in runs split from larger blocks).
/// </summary>
internal sealed unsafe class Seeder
{
    private const int Orders = 11;
    private const int ChunkOrder = 10;
    private const long PageblockPages = 512;
    private const int Unmovable = 0;
    private const int Movable = 1;
    private const int Reclaimable = 2;

    private readonly PageAllocator _allocator;
    private readonly nint[] _held;
    private readonly long _basePfn;
    /// <summary>Per zone: our pfn range, the stride of the walk over it and how far it has come.</summary>
    private readonly Dictionary<ZoneType, HeldWalk> _heldCursor = new();

    /// <summary>A walk visiting every pfn of [Start, Start + Span) once: chunk by chunk, each in
    /// pfn order, the chunks Step apart modulo their number.</summary>
    private sealed class HeldWalk(long start, long span)
    {
        public long Start { get; } = start;
        public long Span { get; } = span;
        public long Chunks { get; } = ChunkCount(span);
        /// <summary>The golden ratio of the chunk count, made coprime with it: consecutive chunks
        /// lie far apart and the walk covers the zone evenly at every length.</summary>
        public long Step { get; } = CoprimeNear(ChunkCount(span), (long)(ChunkCount(span) * 0.6180339887));

        private static long ChunkCount(long span) => (span + (1L << ChunkOrder) - 1) >> ChunkOrder;
        public long Visited { get; set; }

        /// <summary>The pfn of the <see cref="Visited"/>-th visit; past the zone's end for the
        /// missing tail of a last partial chunk.</summary>
        public long Pfn()
        {
            long chunk = (long)((UInt128)(ulong)(Visited >> ChunkOrder) * (ulong)Step % (ulong)Chunks);
            return Start + (chunk << ChunkOrder) + (Visited & ((1L << ChunkOrder) - 1));
        }

        private static long CoprimeNear(long span, long step)
        {
            step = Math.Max(1, step);
            while (Gcd(span, step) != 1)
            {
                step++;
            }

            return step;
        }

        private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);
    }

    private Seeder(PageAllocator allocator, nint[] held, long basePfn)
    {
        _allocator = allocator;
        _held = held;
        _basePfn = basePfn;
    }

    /// <summary>One pcp list seeded from zoneinfo: the kernel's count and high, and ours after seeding.</summary>
    internal readonly record struct PcpSeed(string Zone, int Cpu, long KernelCount, long KernelHigh, long Count, long High);

    /// <summary>The pcp lists seeded by <see cref="SeedPcpLists"/>.</summary>
    public List<PcpSeed> Pcp { get; } = [];

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

        long basePfn = zones.Min(z => z.Info.StartPfn);
        long endPfn = zones.Max(z => z.Info.StartPfn + z.Info.Spanned);
        var seeder = new Seeder(allocator, new nint[endPfn - basePfn], basePfn);
        allocator.BindCpu(0);
        foreach ((ZoneType type, _) in zones)
        {
            seeder.AllocateAll(type);
        }

        allocator.DrainAll();
        foreach ((ZoneType type, ZoneInfo info) in zones)
        {
            seeder._heldCursor[type] = new HeldWalk(info.StartPfn, info.Spanned);
            BuddyInfoFile.Zone? wanted = target.FirstOrDefault(z => z.Node == 0 && HostShape.ZoneOf(z.Name) == type);
            long[] need = new long[Orders];
            if (wanted is not null)
            {
                Array.Copy(wanted.FreeBlocks, need, Math.Min(Orders, wanted.FreeBlocks.Length));
            }

            seeder.Zones.Add((wanted?.Name ?? type.ToString(), (long[])need.Clone(), []));
            PageTypeInfoFile.Zone? typed = types?.FirstOrDefault(z => z.Node == 0 && HostShape.ZoneOf(z.Name) == type);
            int[] blockTypes = seeder.TypePageblocks(info, typed);
            long[][] needByType = NeedByType(need, typed);
            for (int mt = 0; mt < needByType.Length; mt++)
            {
                seeder.Place(Regions(info, blockTypes, mt), needByType[mt]);
            }
        }

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
            long[] seeded = ours.FirstOrDefault(z => z.Name == name)?.FreeBlocks ?? new long[Orders];
            seeder.Zones[i] = (name, wantedBlocks, seeded);
        }

        return seeder;
    }

    /// <summary>Pages still allocated from seeding (the host's pages in use).</summary>
    public long HeldPages => _held.Count(page => page != 0);

    /// <summary>
    /// Fills each CPU's pcp list of each zone with the pages its <c>count:</c> in
    /// <paramref name="host"/> (zoneinfo.before) says the kernel's held, as order-0 pages freed on
    /// that CPU (zoneinfo gives pages, not orders or migratetypes; the pageblocks' types decide the
    /// lists). With the 6.18 model (<paramref name="tunedHigh"/>) the list's <c>high</c> becomes the
    /// kernel's (<c>pa_set_pcp_high</c>; left at 0 where the kernel's is, a list never used); the
    /// frees run with high at high_max so that none drains. The 6.6 model's high is fixed, and it
    /// drains a list that reaches it: it holds at most high - 1 pages, as a 6.6 kernel would.
    /// </summary>
    public void SeedPcpLists(IReadOnlyList<HostZone> host, bool tunedHigh)
    {
        foreach (HostZone zone in host)
        {
            if (zone.Node != 0 || HostShape.ZoneOf(zone.Name) is not ZoneType type || !_heldCursor.ContainsKey(type))
            {
                continue;
            }

            foreach (HostPcp kernel in zone.Pcp.Where(p => p.Cpu < _allocator.CpuCount))
            {
                PcpInfo ours = SeedPcp(type, kernel, tunedHigh);
                Pcp.Add(new PcpSeed(zone.Name, kernel.Cpu, kernel.Count, kernel.High, ours.Count, ours.High));
            }
        }

        _allocator.BindCpu(-1);
    }

    private PcpInfo SeedPcp(ZoneType zone, HostPcp kernel, bool tunedHigh)
    {
        PcpInfo info = _allocator.GetPcpInfo(kernel.Cpu, 0, zone);
        long count = kernel.Count;
        if (tunedHigh && kernel.High > 0)
        {
            SetHigh(kernel.Cpu, zone, info.HighMax);
        }
        else if (!tunedHigh)
        {
            count = Math.Min(count, info.High - 1);
        }

        _allocator.BindCpu(kernel.Cpu);
        for (long i = 0; i < count; i++)
        {
            pa_page* page = TakeHeld(zone);
            if (page == null)
            {
                break;
            }

            Methods.pa_free_pages(_allocator.Pointer, page, 0);
        }

        if (tunedHigh && kernel.High > 0)
        {
            SetHigh(kernel.Cpu, zone, kernel.High);
        }

        return _allocator.GetPcpInfo(kernel.Cpu, 0, zone);
    }

    private void SetHigh(int cpu, ZoneType zone, long high)
    {
        int rc = Methods.pa_set_pcp_high(_allocator.Pointer, cpu, 0, (pa_zone_type)zone, (uint)Math.Min(high, uint.MaxValue));
        if (rc != 0)
        {
            throw new InvalidOperationException($"pa_set_pcp_high(cpu {cpu}, {zone}, {high}) failed: {rc}");
        }
    }

    /// <summary>A page still held from seeding in <paramref name="zone"/>, handed over to the
    /// caller (who frees it); null when the zone has none left. Such pages are the host's pages
    /// in use when the trace began, any of which the kernel may free.</summary>
    public pa_page* TakeHeld(ZoneType zone)
    {
        if (!_heldCursor.TryGetValue(zone, out HeldWalk? walk))
        {
            return null;
        }

        while (walk.Visited < walk.Chunks << ChunkOrder)
        {
            long pfn = walk.Pfn();
            walk.Visited++;
            if (pfn >= walk.Start + walk.Span)
            {
                continue;
            }

            nint page = _held[pfn - _basePfn];
            if (page != 0)
            {
                _held[pfn - _basePfn] = 0;
                return (pa_page*)page;
            }
        }

        return null;
    }

    private static Gfp GfpFor(ZoneType zone) => Gfp.Movable | Gfp.Atomic | Gfp.NoWarn | Gfp.NoRetry | zone switch
    {
        ZoneType.Dma => Gfp.Dma,
        ZoneType.Dma32 => Gfp.Dma32,
        ZoneType.Movable => Gfp.HighMem,
        _ => Gfp.None,
    };

    private void AllocateAll(ZoneType zone)
    {
        uint gfp = (uint)GfpFor(zone);
        pa_allocator* a = _allocator.Pointer;
        pa_page* page;
        while ((page = Methods.pa_alloc_pages(a, gfp, 0)) != null)
        {
            _held[(long)Methods.pa_page_to_pfn(a, page) - _basePfn] = (nint)page;
        }
    }

    private bool IsFree(long pfn) => _held[pfn - _basePfn] == 0;

    /// <summary>
    /// Gives the zone's pageblocks the migratetypes of the host's (its "Number of blocks type"
    /// line): the unmovable ones first from the zone's start, then the reclaimable ones, the rest
    /// staying movable, so that blocks of one type pair up into order-10 chunks. Which of the
    /// host's pageblocks had which type is not recorded, only how many. Runs while every page
    /// that can be is allocated, so the free blocks that later placement makes go to their
    /// type's lists. Returns each pageblock's type, by index from the zone's start.
    /// </summary>
    private int[] TypePageblocks(ZoneInfo info, PageTypeInfoFile.Zone? typed)
    {
        int[] blockTypes = new int[(int)((info.Spanned + PageblockPages - 1) / PageblockPages)];
        Array.Fill(blockTypes, Movable);
        if (typed is null)
        {
            return blockTypes;
        }

        int next = 0;
        foreach (int mt in new[] { Unmovable, Reclaimable })
        {
            long wanted = typed.Pageblocks.GetValueOrDefault(PageTypeInfoFile.PcpTypes[mt]);
            for (long n = 0; n < wanted && next < blockTypes.Length; n++, next++)
            {
                blockTypes[next] = mt;
                int rc = Methods.pa_set_pageblock_migratetype(_allocator.Pointer, (ulong)(info.StartPfn + (long)next * PageblockPages), mt);
                if (rc != 0)
                {
                    throw new InvalidOperationException($"pa_set_pageblock_migratetype failed: {rc}");
                }
            }
        }

        return blockTypes;
    }

    /// <summary>The free blocks wanted of each migratetype: pagetypeinfo's for unmovable and
    /// reclaimable, movable the rest of buddyinfo's (the two files are read moments apart and
    /// may differ by a few blocks; buddyinfo's totals win). All movable without pagetypeinfo.</summary>
    private static long[][] NeedByType(long[] need, PageTypeInfoFile.Zone? typed)
    {
        long[][] byType = [new long[Orders], (long[])need.Clone(), new long[Orders]];
        if (typed is null)
        {
            return byType;
        }

        foreach (int mt in new[] { Unmovable, Reclaimable })
        {
            long[] free = typed.FreeBlocks.GetValueOrDefault(PageTypeInfoFile.PcpTypes[mt]) ?? [];
            for (int order = 0; order < Math.Min(Orders, free.Length); order++)
            {
                long take = Math.Min(free[order], byType[Movable][order]);
                byType[mt][order] = take;
                byType[Movable][order] -= take;
            }
        }

        return byType;
    }

    /// <summary>The zone's pages of migratetype <paramref name="mt"/> as aligned regions that
    /// cannot merge with each other: 1024-page chunks whose two pageblocks have that type, single
    /// pageblocks whose partner has another, then the binary pieces of a shorter tail (their
    /// buddies lie past the zone).</summary>
    private static List<(long Start, int Order)> Regions(ZoneInfo info, int[] blockTypes, int mt)
    {
        var regions = new List<(long Start, int Order)>();
        long end = info.StartPfn + info.Spanned;
        long start = info.StartPfn;
        int TypeAt(long pfn) => blockTypes[(pfn - info.StartPfn) / PageblockPages];
        for (; start + (1L << ChunkOrder) <= end; start += 1L << ChunkOrder)
        {
            int first = TypeAt(start), second = TypeAt(start + PageblockPages);
            if (first == mt && second == mt)
            {
                regions.Add((start, ChunkOrder));
            }
            else if (first == mt)
            {
                regions.Add((start, ChunkOrder - 1));
            }
            else if (second == mt)
            {
                regions.Add((start + PageblockPages, ChunkOrder - 1));
            }
        }

        for (int order = ChunkOrder - 1; order >= 0; order--)
        {
            if (start + (1L << order) <= end)
            {
                if (TypeAt(start) == mt)
                {
                    regions.Add((start, order));
                }

                start += 1L << order;
            }
        }

        return regions;
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
                FreeByType.Add(new TypeSeed(zone.Name, type, host?.FreeBlocks.GetValueOrDefault(type) ?? new long[Orders],
                    zone.FreeBlocks.GetValueOrDefault(type) ?? new long[Orders]));
            }
        }
    }

    /// <summary>Frees blocks in <paramref name="regions"/> until <paramref name="need"/> is met or no region is left.</summary>
    private void Place(List<(long Start, int Order)> regions, long[] need)
    {
        var clean = new List<(long Start, int Order)>();
        foreach ((long regionStart, int order) in regions)
        {
            bool anyFree = false;
            for (long pfn = regionStart; pfn < regionStart + (1L << order) && !anyFree; pfn++)
            {
                anyFree = IsFree(pfn);
            }

            if (anyFree)
            {
                CountFreeBlocks(regionStart, order, need);
            }
            else
            {
                clean.Add((regionStart, order));
            }
        }

        // Whole regions first (largest blocks), then the rest broken up.
        var broken = new List<(long Start, int Order)>();
        foreach ((long regionStart, int order) in clean)
        {
            if (need[order] > 0)
            {
                FreeRange(regionStart, order);
                need[order]--;
            }
            else
            {
                broken.Add((regionStart, order));
            }
        }

        foreach ((long regionStart, int order) in broken)
        {
            if (need.All(n => n <= 0))
            {
                break;
            }

            Fill(regionStart, order, need);
        }
    }

    /// <summary>The blocks the buddy allocator holds in a region with pages already free
    /// (maximal aligned free blocks) are taken off <paramref name="need"/>.</summary>
    private void CountFreeBlocks(long start, int order, long[] need)
    {
        bool all = true;
        for (long pfn = start; pfn < start + (1L << order) && all; pfn++)
        {
            all = IsFree(pfn);
        }

        if (all)
        {
            need[order]--;
            return;
        }

        if (order > 0)
        {
            CountFreeBlocks(start, order - 1, need);
            CountFreeBlocks(start + (1L << (order - 1)), order - 1, need);
        }
    }

    /// <summary>Frees blocks inside the fully allocated region [start, start + 2^order), which
    /// must keep at least one allocated page (else it would merge into one block).</summary>
    private void Fill(long start, int order, long[] need)
    {
        if (order == 0)
        {
            return;
        }

        int half = order - 1;
        long second = start + (1L << half);
        bool anyBelow = false;
        for (int o = 0; o <= half && !anyBelow; o++)
        {
            anyBelow = need[o] > 0;
        }

        if (!anyBelow)
        {
            return;
        }

        if (need[half] > 0)
        {
            FreeRange(start, half);
            need[half]--;
            Fill(second, half, need);
            return;
        }

        Fill(start, half, need);
        if (need[half] > 0)
        {
            FreeRange(second, half);
            need[half]--;
        }
        else
        {
            Fill(second, half, need);
        }
    }

    private void FreeRange(long start, int order)
    {
        for (long pfn = start; pfn < start + (1L << order); pfn++)
        {
            long slot = pfn - _basePfn;
            Methods.pa_free_pages(_allocator.Pointer, (pa_page*)_held[slot], 0);
            _held[slot] = 0;
        }
    }
}
