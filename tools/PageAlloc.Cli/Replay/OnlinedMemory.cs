// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// Memory the kernel brought online while the trace ran (memory hot-plug: this machine's
/// Normal zone gains 128 MiB blocks while a load needs memory, onlined in the context of the
/// task that is allocating; which driver does it is not in the trace). Onlining a block
/// frees its pages to the buddy lists in MAX_ORDER blocks (<c>online_pages()</c> →
/// <c>generic_online_page()</c> → <c>__free_pages_core()</c>), each an <c>mm_page_free</c>
/// of order 10 of a pfn the trace never allocated, and the zone's managed pages grow by as
/// much. The replay's zone is made that much larger, the extra pages held from seeding as
/// MAX_ORDER blocks (<see cref="Seeder.ReserveOnlined"/>), and each such free gives one back
/// to the buddy lists. The resets' own offline-then-online of a free block (DMA32 here) also
/// frees MAX_ORDER blocks, inside the reset; those are not growth and are left out (their
/// offline took the same pages away first). Memory: one entry per such free.
/// </summary>
internal sealed class OnlinedMemory
{
    /// <summary>The order the kernel onlines in (MAX_PAGE_ORDER).</summary>
    public int Order { get; } = BuddyShape.ChunkOrder;

    private readonly List<long> _pfns = [];

    /// <summary>The pfns of the onlined blocks, in trace order.</summary>
    public IReadOnlyList<long> Pfns => _pfns;

    public void Add(long pfn) => _pfns.Add(pfn);

    /// <summary>Pages onlined per zone of the host's pfns (<paramref name="zoneOf"/>: null outside every zone).</summary>
    public Dictionary<ZoneType, long> PagesByZone(System.Func<long, ZoneType?> zoneOf)
    {
        var pages = new Dictionary<ZoneType, long>();
        foreach (long pfn in _pfns)
        {
            if (zoneOf(pfn) is ZoneType zone)
            {
                pages[zone] = pages.GetValueOrDefault(zone) + (1L << Order);
            }
        }

        return pages;
    }
}
