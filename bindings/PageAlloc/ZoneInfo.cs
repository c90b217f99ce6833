using System.Collections.Generic;

namespace PageAlloc;

/// <summary>
/// A snapshot of one zone's counters and watermarks, in pages (C <c>struct pa_zone_info</c>,
/// the numbers of the kernel's <c>/proc/zoneinfo</c>); read with
/// <see cref="PageAllocator.GetZoneInfo(int, ZoneType)"/>.
/// </summary>
public sealed class ZoneInfo
{
    internal ZoneInfo(int node, ZoneType zone)
    {
        Node = node;
        Zone = zone;
    }

    /// <summary>The node the zone belongs to.</summary>
    public int Node { get; }

    /// <summary>The zone.</summary>
    public ZoneType Zone { get; }

    /// <summary>Pages the allocator manages in this zone (<c>managed</c>).</summary>
    public long Managed { get; init; }

    /// <summary>Pages present in this zone (<c>present</c>).</summary>
    public long Present { get; init; }

    /// <summary>Pages the zone spans, holes included (<c>spanned</c>).</summary>
    public long Spanned { get; init; }

    /// <summary>Free pages in the buddy lists, pcp lists excluded (<c>NR_FREE_PAGES</c>).</summary>
    public long Free { get; init; }

    /// <summary>The min watermark (<c>wmark_min</c>).</summary>
    public long WatermarkMin { get; init; }

    /// <summary>The low watermark (<c>wmark_low</c>).</summary>
    public long WatermarkLow { get; init; }

    /// <summary>The high watermark (<c>wmark_high</c>).</summary>
    public long WatermarkHigh { get; init; }

    /// <summary>The promotion watermark, one step above high (<c>wmark_promo</c>, the kernel's
    /// <c>WMARK_PROMO</c>).</summary>
    public long WatermarkPromo { get; init; }

    /// <summary>
    /// The reserve kept from allocations whose highest usable zone is the index's zone
    /// (<c>lowmem_reserve</c>, "protection" in <c>/proc/zoneinfo</c>); one entry per <see cref="ZoneType"/>.
    /// </summary>
    public IReadOnlyList<long> LowmemReserve { get; init; } = [];

    /// <summary>The zone's first page frame number (<c>start_pfn</c>).</summary>
    public long StartPfn { get; init; }

    /// <summary>Pages on the zone's per-CPU lists, all CPUs together (<c>pcp_pages</c>).</summary>
    public long PcpPages { get; init; }

    /// <summary>Pages reserved for high-order atomic allocations (<c>nr_reserved_highatomic</c>).</summary>
    public long ReservedHighAtomic { get; init; }
}
