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
/// <see cref="Replayer"/>).
/// </summary>
internal sealed unsafe class Seeder
{
    private const int Orders = 11;
    private const int ChunkOrder = 10;

    private readonly PageAllocator _allocator;
    private readonly nint[] _held;
    private readonly long _basePfn;

    private Seeder(PageAllocator allocator, nint[] held, long basePfn)
    {
        _allocator = allocator;
        _held = held;
        _basePfn = basePfn;
    }

    /// <summary>Per zone: the target blocks by order, and what the allocator holds after seeding.</summary>
    public List<(string Zone, long[] Target, long[] Seeded)> Zones { get; } = [];

    /// <summary>Seeds <paramref name="allocator"/> (fresh, node 0) from <paramref name="target"/>.</summary>
    public static Seeder Seed(PageAllocator allocator, IReadOnlyList<BuddyInfoFile.Zone> target)
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
            BuddyInfoFile.Zone? wanted = target.FirstOrDefault(z => z.Node == 0 && HostShape.ZoneOf(z.Name) == type);
            long[] need = new long[Orders];
            if (wanted is not null)
            {
                Array.Copy(wanted.FreeBlocks, need, Math.Min(Orders, wanted.FreeBlocks.Length));
            }

            seeder.Zones.Add((wanted?.Name ?? type.ToString(), (long[])need.Clone(), []));
            seeder.Place(info, need);
        }

        allocator.DrainAll();
        allocator.BindCpu(-1);
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

    /// <summary>Frees blocks of <paramref name="info"/>'s zone until <paramref name="need"/> is met or no region is left.</summary>
    private void Place(ZoneInfo info, long[] need)
    {
        // The zone as aligned regions that cannot merge with each other: whole 1024-page
        // chunks, then the binary pieces of a shorter tail (their buddies lie past the zone).
        var regions = new List<(long Start, int Order)>();
        long end = info.StartPfn + info.Spanned;
        long start = info.StartPfn;
        for (; start + (1L << ChunkOrder) <= end; start += 1L << ChunkOrder)
        {
            regions.Add((start, ChunkOrder));
        }

        for (int order = ChunkOrder - 1; order >= 0; order--)
        {
            if (start + (1L << order) <= end)
            {
                regions.Add((start, order));
                start += 1L << order;
            }
        }

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
