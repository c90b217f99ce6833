// SPDX-License-Identifier: GPL-2.0-only
using System;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// How to build a <see cref="PageAllocator"/> (C <c>struct pa_config</c>): nodes and their zones,
/// CPUs, node distances, watermark and pcp knobs, debug flags and the memory source. A new
/// instance holds the defaults of <c>pa_config_init</c>: one node with one NORMAL zone of 65536
/// pages (256 MiB), 4 KiB pages, one pcp slot per online CPU, kernel formulas elsewhere.
/// </summary>
/// <remarks>Values are checked when the allocator is created; bad ones throw
/// <see cref="ArgumentException"/> or <see cref="ArgumentOutOfRangeException"/> there, before
/// any native call.</remarks>
public sealed class PageAllocatorOptions
{
    /// <summary>The default page count of node 0's NORMAL zone.</summary>
    public const long DefaultZonePages = 65536;

    private const int ZoneCount = (int)pa_zone_type.PA_NR_ZONES;

    private readonly long[] _zonePages = new long[NodeMask.MaxNodes * ZoneCount];

    /// <summary>The defaults of <c>pa_config_init</c>.</summary>
    public PageAllocatorOptions() => _zonePages[(int)ZoneType.Normal] = DefaultZonePages;

    /// <summary>log2 of the page size: 12 (4 KiB, the default) to 21 (2 MiB).</summary>
    public int PageShift { get; set; } = 12;

    /// <summary>The number of nodes, 1 to <see cref="NodeMask.MaxNodes"/> (default 1).</summary>
    public int NodeCount { get; set; } = 1;

    /// <summary>The number of pcp slots ("CPUs"), 1 to 1024; 0 (the default) means one per online CPU.</summary>
    public int CpuCount { get; set; }

    /// <summary>The node of each CPU (<see cref="CpuCount"/> entries, which must then be set);
    /// null (the default) spreads the CPUs evenly over the nodes.</summary>
    public int[]? CpuToNode { get; set; }

    /// <summary>Node distances, <see cref="NodeCount"/> by <see cref="NodeCount"/> (the SLIT table:
    /// [from, to]); null (the default) means 10 local, 20 remote. Zonelists are ordered by it.</summary>
    public byte[,]? NodeDistance { get; set; }

    /// <summary>The min watermark reserve over all zones, in KiB; 0 (the default) uses the kernel's
    /// formula (<c>calculate_min_free_kbytes</c>).</summary>
    public long MinFreeKBytes { get; set; }

    /// <summary>The gap between watermarks in units of 0.01% of a zone; 0 (the default) means 10.</summary>
    public int WatermarkScaleFactor { get; set; }

    /// <summary>Pages per pcp refill or drain; 0 (the default) uses the kernel's sizing (<c>zone_batchsize</c>).</summary>
    public int PcpBatch { get; set; }

    /// <summary>The pcp high mark; 0 (the default) uses the kernel's sizing (<c>zone_highsize</c>).</summary>
    public int PcpHigh { get; set; }

    /// <summary>The per-CPU lists of Linux 6.7-6.18 (<c>PA_CFG_PCP_AUTOTUNE</c>): high moves between
    /// high_min and high_max as pages are freed and allocated, refills grow with consecutive
    /// allocations, and <see cref="PageAllocator.VmstatTick"/> decays high. False (the default):
    /// the lists of 6.1-6.6, high fixed and one batch per refill.</summary>
    public bool PcpAutotune { get; set; }

    /// <summary>The kernel's <c>vm.percpu_pagelist_high_fraction</c>: 0 (the default) sizes high
    /// from the low watermark; 8 or more sizes it as the zone's managed pages divided by this,
    /// split over the node's CPUs, and pins it (no tuning).</summary>
    public int PercpuPagelistHighFraction { get; set; }

    /// <summary>The kernel's <c>vm.lowmem_reserve_ratio</c>, one entry per <see cref="ZoneType"/>
    /// (a zone keeps back the managed pages of the zones above it divided by its ratio; 0: none);
    /// null (the default), or all zero, means the kernel's 256, 256, 32, 0.</summary>
    public int[]? LowmemReserveRatio { get; set; }

    /// <summary>Page frames have descriptors but no memory: models large machines cheaply;
    /// <see cref="Page.Span"/> is empty (<c>PA_CFG_METADATA_ONLY</c>).</summary>
    public bool MetadataOnly { get; set; }

    /// <summary>Poison freed pages with 0xaa and check the pattern on allocation (<c>PA_CFG_POISON</c>).</summary>
    public bool Poison { get; set; }

    /// <summary>Zero every page as it is allocated, as the kernel's <c>init_on_alloc=1</c>
    /// (<c>PA_CFG_INIT_ON_ALLOC</c>): no allocation sees what an earlier owner left in its pages.
    /// <see cref="Poison"/> takes precedence: with it this option does nothing.</summary>
    public bool InitOnAlloc { get; set; }

    /// <summary>Zero every page as it is freed, as the kernel's <c>init_on_free=1</c>
    /// (<c>PA_CFG_INIT_ON_FREE</c>): freed data does not linger, and allocations (zeroing ones
    /// included) find their pages zeroed already. Pages a page pool recycles are not freed, so not
    /// zeroed. <see cref="Poison"/> takes precedence: with it this option does nothing.</summary>
    public bool InitOnFree { get; set; }

    /// <summary>Back the page-descriptor table with transparent huge pages where the host allows
    /// them (<c>PA_CFG_HUGE_MEMMAP</c>), as the kernel maps its vmemmap: far fewer page faults for a
    /// caller that touches most descriptors (every page of a large machine allocated once); the
    /// table is resident in 2 MiB pieces, so larger for one that touches few.</summary>
    public bool HugeMemmap { get; set; }

    /// <summary>Full bad_page checks on every free and allocation (<c>PA_CFG_DEBUG_CHECKS</c>).</summary>
    public bool DebugChecks { get; set; }

    /// <summary>Bind each node's memory to the host NUMA node of the same id (<c>PA_CFG_BIND_NUMA</c>).</summary>
    public bool BindNuma { get; set; }

    /// <summary>Caller-owned backing memory for all nodes, page-aligned, at least
    /// <see cref="RequiredMemorySize"/> bytes, which must outlive the allocator; 0 (the default)
    /// maps anonymous memory.</summary>
    public nint Memory { get; set; }

    /// <summary>The size of <see cref="Memory"/> in bytes.</summary>
    public long MemorySize { get; set; }

    /// <summary>
    /// Back every node with one pinned managed array instead of native memory: the allocator
    /// allocates <c>GC.AllocateUninitializedArray&lt;byte&gt;(n, pinned: true)</c> on the pinned
    /// object heap, aligns it to a page inside, and hands it to <c>pa_create</c> as caller memory
    /// (<see cref="Memory"/>). Every page is then also an <see cref="ArraySegment{T}"/> of that array
    /// (<see cref="PageAllocator.TryGetArraySegment(Page, out ArraySegment{byte})"/>), and the buffers of a
    /// <see cref="PageMemoryPool"/> over it pass <c>MemoryMarshal.TryGetArray</c>, which APIs that take
    /// <c>byte[]</c> segments need (the socket transport of Kestrel, <c>Socket.SendAsync</c> with a
    /// buffer list). The array lives as long as the native allocator.
    /// </summary>
    /// <remarks>
    /// An array holds at most <see cref="Array.MaxLength"/> bytes (just under 2 GiB): an allocator
    /// whose <see cref="RequiredMemorySize"/> plus one page of alignment slack is larger cannot have a
    /// managed arena, and its creation throws <see cref="ArgumentException"/>. Above that size, leave
    /// this off: the allocator maps native memory, whose buffers work everywhere except where a
    /// <c>byte[]</c> is required (<c>TryGetArray</c> returns false). Not with
    /// <see cref="MetadataOnly"/> or <see cref="Memory"/>.
    /// </remarks>
    public bool ManagedArena { get; set; }

    /// <summary>Free page reporting: free blocks of the reporting order or above go back to the
    /// operating system (<c>madvise(MADV_DONTNEED)</c>), so RSS falls after a burst; null (the
    /// default) leaves it off (<c>PA_CFG_PAGE_REPORTING</c>). Works with native memory and with
    /// <see cref="ManagedArena"/>. Not with <see cref="Poison"/> (a returned page reads as zeros,
    /// not as the poison), nor <see cref="MetadataOnly"/> (there is no memory to return).</summary>
    public FreePageReportingOptions? FreePageReporting { get; set; }

    /// <summary>Options for <paramref name="nodes"/> nodes, each with one NORMAL zone of
    /// <paramref name="pagesPerNode"/> pages, and <paramref name="cpus"/> pcp slots spread evenly
    /// over the nodes.</summary>
    /// <param name="nodes">1 to <see cref="NodeMask.MaxNodes"/>.</param>
    /// <param name="pagesPerNode">Pages of each node's NORMAL zone.</param>
    /// <param name="cpus">pcp slots; 0 means one per online CPU.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static PageAllocatorOptions Create(int nodes, long pagesPerNode, int cpus = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodes, NodeMask.MaxNodes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pagesPerNode);
        ArgumentOutOfRangeException.ThrowIfNegative(cpus);
        var options = new PageAllocatorOptions { NodeCount = nodes, CpuCount = cpus };
        for (int node = 0; node < nodes; node++)
        {
            options.SetZonePages(node, ZoneType.Normal, pagesPerNode);
        }

        return options;
    }

    /// <summary>Sets the page count of one zone of one node; 0 makes the zone absent.</summary>
    /// <param name="node">0 to <see cref="NodeMask.MaxNodes"/> - 1.</param>
    /// <param name="zone">The zone.</param>
    /// <param name="pages">The number of pages, 0 or more.</param>
    /// <returns>These options, for chaining.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public PageAllocatorOptions SetZonePages(int node, ZoneType zone, long pages)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pages);
        _zonePages[Slot(node, zone)] = pages;
        return this;
    }

    /// <summary>The page count of one zone of one node (0: absent).</summary>
    /// <param name="node">0 to <see cref="NodeMask.MaxNodes"/> - 1.</param>
    /// <param name="zone">The zone.</param>
    /// <returns>The number of pages.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public long GetZonePages(int node, ZoneType zone) => _zonePages[Slot(node, zone)];

    /// <summary>The bytes of backing memory an allocator built from these options maps, and the
    /// least <see cref="MemorySize"/> a caller-supplied region must have.</summary>
    /// <returns>The size in bytes.</returns>
    /// <remarks>Calls <c>pa_config_memory_size</c>.</remarks>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public unsafe long RequiredMemorySize()
    {
        Validate();
        pa_config config;
        Methods.pa_config_init(&config);
        fixed (int* cpuToNode = CpuToNode)
        fixed (byte* distance = NodeDistance)
        {
            Fill(&config, cpuToNode, distance);
            return (long)Methods.pa_config_memory_size(&config);
        }
    }

    /// <summary>Checks every value; throws before any native call.</summary>
    internal void Validate()
    {
        if (PageShift is < 12 or > 21)
        {
            throw new ArgumentOutOfRangeException(nameof(PageShift), PageShift, "The page shift must be 12 to 21.");
        }

        if (NodeCount < 1 || NodeCount > NodeMask.MaxNodes)
        {
            throw new ArgumentOutOfRangeException(nameof(NodeCount), NodeCount, $"The node count must be 1 to {NodeMask.MaxNodes}.");
        }

        if (CpuCount < 0 || CpuCount > Methods.PA_MAX_CPUS)
        {
            throw new ArgumentOutOfRangeException(nameof(CpuCount), CpuCount, $"The CPU count must be 0 to {Methods.PA_MAX_CPUS}.");
        }

        if (CpuToNode is not null)
        {
            if (CpuCount == 0 || CpuToNode.Length != CpuCount)
            {
                throw new ArgumentException($"CpuToNode needs exactly CpuCount ({CpuCount}) entries, and CpuCount must be set.", nameof(CpuToNode));
            }

            foreach (int node in CpuToNode)
            {
                if (node < 0 || node >= NodeCount)
                {
                    throw new ArgumentException($"CpuToNode names node {node}; there are {NodeCount} nodes.", nameof(CpuToNode));
                }
            }
        }

        if (NodeDistance is not null && (NodeDistance.GetLength(0) != NodeCount || NodeDistance.GetLength(1) != NodeCount))
        {
            throw new ArgumentException($"NodeDistance must be {NodeCount} by {NodeCount}.", nameof(NodeDistance));
        }

        long total = 0;
        for (int slot = 0; slot < _zonePages.Length; slot++)
        {
            if (_zonePages[slot] != 0 && slot / ZoneCount >= NodeCount)
            {
                throw new ArgumentException($"Node {slot / ZoneCount} has pages but NodeCount is {NodeCount}.", "node");
            }

            total += _zonePages[slot];
        }

        if (total == 0)
        {
            throw new ArgumentException("No zone has pages.", "pages");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MinFreeKBytes, nameof(MinFreeKBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(WatermarkScaleFactor, nameof(WatermarkScaleFactor));
        ArgumentOutOfRangeException.ThrowIfNegative(PcpBatch, nameof(PcpBatch));
        ArgumentOutOfRangeException.ThrowIfNegative(PcpHigh, nameof(PcpHigh));
        if (PercpuPagelistHighFraction is < 0 or (> 0 and < 8))
        {
            throw new ArgumentOutOfRangeException(nameof(PercpuPagelistHighFraction), PercpuPagelistHighFraction,
                "0, or at least 8 (the kernel's MIN_PERCPU_PAGELIST_HIGH_FRACTION).");
        }

        if (LowmemReserveRatio is { } ratios)
        {
            if (ratios.Length != ZoneCount)
            {
                throw new ArgumentException($"One ratio per zone ({ZoneCount}).", nameof(LowmemReserveRatio));
            }

            foreach (int ratio in ratios)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(ratio, nameof(LowmemReserveRatio));
            }
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MemorySize, nameof(MemorySize));
        if ((Memory == 0) != (MemorySize == 0))
        {
            throw new ArgumentException("Memory and MemorySize are set together.", nameof(Memory));
        }

        if (Memory != 0 && MetadataOnly)
        {
            throw new ArgumentException("A metadata-only allocator takes no memory.", nameof(Memory));
        }

        if (ManagedArena && (Memory != 0 || MetadataOnly))
        {
            throw new ArgumentException("A managed arena is the allocator's memory: not with Memory or MetadataOnly.", nameof(ManagedArena));
        }

        if (Memory % (1L << PageShift) != 0)
        {
            throw new ArgumentException("Memory must be page-aligned.", nameof(Memory));
        }

        if (FreePageReporting is { } reporting)
        {
            reporting.Validate();
            if (Poison || MetadataOnly)
            {
                throw new ArgumentException(
                    "Free page reporting returns memory to the OS: not with Poison (it would read as zeros) nor MetadataOnly (no memory).",
                    nameof(FreePageReporting));
            }
        }
    }

    /// <summary>Writes the options over a <c>pa_config_init</c>-initialized config; the arrays
    /// must stay pinned until the config has been used.</summary>
    internal unsafe void Fill(pa_config* config, int* cpuToNode, byte* distance)
    {
        config->page_shift = (uint)PageShift;
        config->nr_nodes = (uint)NodeCount;
        for (int slot = 0; slot < _zonePages.Length; slot++)
        {
            config->node_zone_pages[slot] = (ulong)_zonePages[slot];
        }

        config->nr_cpus = (uint)CpuCount;
        config->cpu_to_node = cpuToNode;
        config->node_distance = distance;
        config->min_free_kbytes = (ulong)MinFreeKBytes;
        config->watermark_scale_factor = (uint)WatermarkScaleFactor;
        config->pcp_batch = (uint)PcpBatch;
        config->pcp_high = (uint)PcpHigh;
        config->percpu_pagelist_high_fraction = (uint)PercpuPagelistHighFraction;
        if (LowmemReserveRatio is { } ratios)
        {
            for (int zone = 0; zone < ZoneCount; zone++)
            {
                config->lowmem_reserve_ratio[zone] = (uint)ratios[zone];
            }
        }
        config->flags = Flags;
        config->page_reporting_order = (uint)(FreePageReporting?.Order ?? 0);
        config->memory = (void*)Memory;
        config->memory_size = (ulong)MemorySize;
    }

    private uint Flags =>
        (MetadataOnly ? Methods.PA_CFG_METADATA_ONLY : 0)
        | (Poison ? Methods.PA_CFG_POISON : 0)
        | (DebugChecks ? Methods.PA_CFG_DEBUG_CHECKS : 0)
        | (BindNuma ? Methods.PA_CFG_BIND_NUMA : 0)
        | (PcpAutotune ? Methods.PA_CFG_PCP_AUTOTUNE : 0)
        | (FreePageReporting is not null ? Methods.PA_CFG_PAGE_REPORTING : 0)
        | (InitOnAlloc ? Methods.PA_CFG_INIT_ON_ALLOC : 0)
        | (InitOnFree ? Methods.PA_CFG_INIT_ON_FREE : 0)
        | (HugeMemmap ? Methods.PA_CFG_HUGE_MEMMAP : 0);

    private static int Slot(int node, ZoneType zone)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(node);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(node, NodeMask.MaxNodes);
        if ((uint)zone >= ZoneCount)
        {
            throw new ArgumentOutOfRangeException(nameof(zone), zone, "Not a zone.");
        }

        return node * ZoneCount + (int)zone;
    }
}
