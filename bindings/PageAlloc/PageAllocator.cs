// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// A page allocator: the Linux kernel's zoned buddy allocator with per-CPU page lists and the
/// bulk API, over its own memory (C <c>pa_allocator</c>). Every member may be called from any
/// thread.
/// </summary>
/// <remarks>
/// <para>Ownership: the pages it hands out are owned by <see cref="PageList"/>,
/// <see cref="PageArray"/> and <see cref="PageBlock"/> objects, which free them when disposed or
/// finalized and keep the allocator alive: <see cref="Dispose"/> stops new calls at once, and the
/// native allocator (<c>pa_destroy</c>) goes when the last owner is released.</para>
/// <para>Bad arguments throw <see cref="ArgumentException"/> or
/// <see cref="ArgumentOutOfRangeException"/> before any native call; calls after
/// <see cref="Dispose"/> throw <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
public sealed unsafe partial class PageAllocator : IDisposable
{
    private const int ENOENT = 2;
    private const int ENOSPC = 28;
    private const int ENOMEM = 12;
    private const int EPROTO = 71;

    private readonly AllocatorHandle _handle;
    private readonly AllocatorCallbacks _callbacks;
    private readonly pa_allocator* _allocator;
    private readonly object _traceLock = new();
    private volatile bool _disposed;
    private TraceEventMask _traceMask = TraceEventMask.All;

    /// <summary>An allocator with the defaults of <c>pa_config_init</c>: one node with one NORMAL
    /// zone of 65536 pages (256 MiB), 4 KiB pages, one pcp slot per online CPU.</summary>
    /// <remarks>Calls <c>pa_config_init</c> and <c>pa_create_checked</c>.</remarks>
    /// <exception cref="InsufficientMemoryException">The memory could not be mapped.</exception>
    /// <exception cref="InvalidOperationException">The native library is of another build, whose page
    /// layout version differs.</exception>
    public PageAllocator()
        : this(null)
    {
    }

    /// <summary>An allocator built from <paramref name="options"/>.</summary>
    /// <param name="options">The configuration; null means the defaults.</param>
    /// <remarks>Calls <c>pa_config_init</c>, <c>pa_create_checked</c>, <c>pa_get_layout</c> and
    /// <c>pa_set_log</c>, and with <see cref="PageAllocatorOptions.FreePageReporting"/> in the
    /// background <c>pa_page_reporting_start</c>.</remarks>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="InsufficientMemoryException">The memory could not be mapped.</exception>
    /// <exception cref="InvalidOperationException">The native library is of another build, whose page
    /// layout version differs, or the reporting thread could not be started.</exception>
    public PageAllocator(PageAllocatorOptions? options)
    {
        options?.Validate();
        ManagedArena? arena = options is { ManagedArena: true } ? ManagedArena.Allocate(options) : null;
        pa_config config;
        Methods.pa_config_init(&config);
        pa_allocator* allocator = null;
        int rc;
        fixed (int* cpuToNode = options?.CpuToNode)
        fixed (byte* distance = options?.NodeDistance)
        {
            options?.Fill(&config, cpuToNode, distance);
            arena?.Fill(&config);
            // The checked form: this assembly reads the page layout (PageLayout) as the header it was
            // generated from describes it, so a native library of another layout version is refused.
            rc = Methods.pa_create_checked(&config, &allocator, Methods.PA_LAYOUT_VERSION);
        }

        if (rc == -EPROTO)
        {
            throw new InvalidOperationException(
                $"The native pagealloc library ({System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)Methods.pa_version())}) publishes another page layout "
                + $"version than this assembly reads ({Methods.PA_LAYOUT_VERSION}): the two come from different builds.");
        }

        if (rc == -ENOMEM)
        {
            throw new InsufficientMemoryException($"pa_create could not map the allocator's memory ({rc}).");
        }

        if (rc != 0 || allocator == null)
        {
            throw new ArgumentException($"pa_create rejected the configuration ({rc}); the reason went to the log (stderr).", nameof(options));
        }

        StartReporting(allocator, options?.FreePageReporting);

        _callbacks = new AllocatorCallbacks();
        Methods.pa_set_log(allocator, AllocatorCallbacks.LogFunction, _callbacks.LogContext);
        _handle = new AllocatorHandle(allocator, _callbacks, arena);
        _handle.Layout = PageLayout.Read(allocator);
        _callbacks.SetSender(this);
        _allocator = allocator;
        PageSize = (int)Methods.pa_page_size(allocator);
        NodeCount = Methods.pa_nr_nodes(allocator);
        CpuCount = Methods.pa_nr_cpus(allocator);
        IsMetadataOnly = options?.MetadataOnly ?? false;
        IsFreePageReportingEnabled = options?.FreePageReporting is not null;
    }

    /// <summary>Raised for every line the native allocator logs (bad frees, allocation failures,
    /// a broken invariant found by <see cref="Check"/>, ...), on the thread that hit the event.
    /// Without a handler, warnings and errors go to standard error.</summary>
    /// <remarks>Set with <c>pa_set_log</c>. A handler may run with allocator locks held: it must
    /// not call this allocator, nor dispose its lists. An exception it throws never reaches the
    /// native code: it is stored in <see cref="CallbackException"/>.</remarks>
    public event EventHandler<PageAllocatorLogEventArgs>? Log
    {
        add => _callbacks.Log += value;
        remove => _callbacks.Log -= value;
    }

    /// <summary>Raised for each kernel page allocator tracepoint (<see cref="TraceEventKind"/>) the
    /// allocator passes, with the kernel's field values, on the thread that caused it and before
    /// the allocator call returns; <see cref="TraceMask"/> picks the kinds.</summary>
    /// <remarks>
    /// <para>The native callback (<c>pa_set_trace</c>) is registered only while a handler is
    /// attached: with none, the native side does not call into .NET at all and each event site
    /// costs one predictable branch. Delivering an event allocates nothing.</para>
    /// <para>A handler may run with allocator locks held (the zone lock, a pcp lock; see
    /// <c>pa_trace_fn</c> in the C header): it must not call this allocator, nor dispose its lists
    /// or blocks. An exception it throws never reaches the native code: it is stored in
    /// <see cref="CallbackException"/>.</para>
    /// </remarks>
    /// <exception cref="ObjectDisposedException">Attaching the first handler after <see cref="Dispose"/>.</exception>
    public event EventHandler<TraceEvent>? Trace
    {
        add
        {
            lock (_traceLock)
            {
                bool wasOff = _callbacks.Trace is null;
                _callbacks.Trace += value;
                if (wasOff && _callbacks.Trace is not null)
                {
                    try
                    {
                        SetNativeTrace(on: true);
                    }
                    catch
                    {
                        _callbacks.Trace -= value;
                        throw;
                    }
                }
            }
        }

        remove
        {
            lock (_traceLock)
            {
                bool wasOn = _callbacks.Trace is not null;
                _callbacks.Trace -= value;
                if (wasOn && _callbacks.Trace is null)
                {
                    SetNativeTraceOffIfAlive();
                }
            }
        }
    }

    /// <summary>The event kinds <see cref="Trace"/> delivers; <see cref="TraceEventMask.All"/> by default.</summary>
    /// <remarks>Applied with <c>pa_set_trace</c> while a handler is attached.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">A bit beyond <see cref="TraceEventMask.All"/>.</exception>
    /// <exception cref="ObjectDisposedException">Set after <see cref="Dispose"/> while a handler is attached.</exception>
    public TraceEventMask TraceMask
    {
        get => _traceMask;
        set
        {
            if ((value & ~TraceEventMask.All) != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown trace event bits.");
            }

            lock (_traceLock)
            {
                _traceMask = value;
                if (_callbacks.Trace is not null)
                {
                    SetNativeTrace(on: true);
                }
            }
        }
    }

    /// <summary>The version of the native library loaded, "major.minor.patch".</summary>
    /// <remarks>Calls <c>pa_version</c>.</remarks>
    public static string NativeVersion => new string(Methods.pa_version());

    /// <summary>Bytes per page.</summary>
    /// <remarks>Read once with <c>pa_page_size</c>.</remarks>
    public int PageSize { get; }

    /// <summary>The number of nodes.</summary>
    /// <remarks>Read once with <c>pa_nr_nodes</c>.</remarks>
    public int NodeCount { get; }

    /// <summary>The number of pcp slots ("CPUs").</summary>
    /// <remarks>Read once with <c>pa_nr_cpus</c>.</remarks>
    public int CpuCount { get; }

    /// <summary>Whether pages have no memory (<see cref="PageAllocatorOptions.MetadataOnly"/>).</summary>
    public bool IsMetadataOnly { get; }

    /// <summary>Whether the pages live in one pinned managed array
    /// (<see cref="PageAllocatorOptions.ManagedArena"/>): every page is then also an
    /// <see cref="ArraySegment{T}"/> of it.</summary>
    public bool HasManagedArena => _handle.Arena is not null;

    /// <summary>The page as a segment of the allocator's managed arena: the same bytes as
    /// <see cref="Page.Span"/>, reachable as a <c>byte[]</c> for APIs that need one.</summary>
    /// <param name="page">A page of this allocator.</param>
    /// <param name="segment">The page's bytes in the arena, or <c>default</c>.</param>
    /// <returns>Whether the allocator has a managed arena (<see cref="HasManagedArena"/>) and the page is one of its own.</returns>
    /// <remarks>Calls <c>pa_page_address</c>. The segment is valid as long as the page's owner holds it.</remarks>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public bool TryGetArraySegment(Page page, out ArraySegment<byte> segment)
    {
        segment = default;
        ManagedArena? arena = _handle.Arena;
        if (arena is null || page.IsDefault || page.AllocatorPointer != _allocator)
        {
            ThrowIfDisposed();
            return false;
        }

        pa_allocator* a = Enter();
        try
        {
            byte* address = (byte*)Methods.pa_page_address(a, page.Descriptor);
            segment = new ArraySegment<byte>(arena.Array, arena.OffsetOf(address), PageSize);
            return true;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>The last exception a callback (a <see cref="Log"/> handler or a
    /// <see cref="ReclaimCallback"/>) threw; callbacks never let one cross into C.</summary>
    public Exception? CallbackException => _callbacks.CallbackException;

    /// <summary>The pcp slot the calling thread uses now.</summary>
    /// <remarks>Calls <c>pa_current_cpu</c>.</remarks>
    public int CurrentCpu
    {
        get
        {
            pa_allocator* a = Enter();
            try
            {
                return Methods.pa_current_cpu(a);
            }
            finally
            {
                Exit();
            }
        }
    }

    internal AllocatorHandle Handle => _handle;

    /// <summary>Whether <c>pa_set_trace</c> holds the trace trampoline now (for the tests).</summary>
    internal bool NativeTraceRegistered { get; private set; }

    internal pa_allocator* Pointer => _allocator;

    /// <summary>Allocates up to <paramref name="count"/> order-0 pages in one native call, from the
    /// preferred node's zones (the rules of <c>docs/BULK_RULES.md</c>). The list may hold fewer pages than
    /// asked for, as the kernel's bulk allocator returns a short count: callers that need every
    /// page loop, or use <see cref="FillBulk(PageArray, Gfp, int, NodeMask?, bool)"/> with
    /// <c>loop: true</c>.</summary>
    /// <param name="count">Pages wanted, 0 or more.</param>
    /// <param name="gfp">Allocation flags.</param>
    /// <param name="preferredNode">The node, or -1 for the calling thread's CPU's node.</param>
    /// <param name="nodes">Nodes allowed; null allows all.</param>
    /// <returns>A new list owning the pages.</returns>
    /// <remarks>Calls <c>pa_alloc_pages_bulk_list</c> (no node, no mask) or <c>pa_alloc_pages_bulk</c>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="gfp"/> has unknown bits or a bad zone
    /// combination, or <paramref name="nodes"/> holds no node of this allocator.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public PageList AllocateBulk(int count, Gfp gfp = Gfp.Kernel, int preferredNode = -1, NodeMask? nodes = null)
    {
        CheckBulk(count, gfp, preferredNode, nodes);
        ThrowIfDisposed();
        var list = new PageList(_handle, _allocator, PageSize);
        list.OnAppended(BulkToList(list.UncheckedHead, count, gfp, preferredNode, nodes));
        return list;
    }

    /// <summary>As <see cref="AllocateBulk(int, Gfp, int, NodeMask?)"/>, appending the pages to an
    /// existing list (no new object at all).</summary>
    /// <param name="destination">A list of this allocator; pages are appended.</param>
    /// <param name="count">Pages wanted, 0 or more.</param>
    /// <param name="gfp">Allocation flags.</param>
    /// <param name="preferredNode">The node, or -1 for the calling thread's CPU's node.</param>
    /// <param name="nodes">Nodes allowed; null allows all.</param>
    /// <returns>The number of pages this call added.</returns>
    /// <remarks>Calls <c>pa_alloc_pages_bulk_list</c> (no node, no mask) or <c>pa_alloc_pages_bulk</c>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ArgumentException">A bad flag or mask, or <paramref name="destination"/> belongs to another allocator.</exception>
    /// <exception cref="ObjectDisposedException">The allocator or the list is disposed.</exception>
    public int AllocateBulk(PageList destination, int count, Gfp gfp = Gfp.Kernel, int preferredNode = -1, NodeMask? nodes = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        CheckBulk(count, gfp, preferredNode, nodes);
        ThrowIfDisposed();
        pa_list_head* head = destination.Head; // ObjectDisposedException for a disposed list
        if (destination.Allocator != _allocator)
        {
            throw new ArgumentException("The list belongs to another allocator.", nameof(destination));
        }

        // The list's own reference keeps the native allocator alive during the call.
        int added = BulkToList(head, count, gfp, preferredNode, nodes);
        destination.OnAppended(added);
        return added;
    }

    /// <summary>Fills the empty slots of <paramref name="array"/> with order-0 pages (populated
    /// slots are skipped, never overwritten) and returns how many slots are populated now,
    /// pre-populated ones included (counted over the whole array: the native return value, as
    /// the kernel's, counts only the populated prefix when a call ends early). One call may fill fewer slots than are empty; with
    /// <paramref name="loop"/> the call retries while it makes progress.</summary>
    /// <param name="array">The array; bound to this allocator by its first fill.</param>
    /// <param name="gfp">Allocation flags.</param>
    /// <param name="preferredNode">The node, or -1 for the calling thread's CPU's node.</param>
    /// <param name="nodes">Nodes allowed; null allows all.</param>
    /// <param name="loop">Retry while progress is made, as sunrpc's <c>svc_alloc_arg</c> does.</param>
    /// <returns>The number of populated slots.</returns>
    /// <remarks>Calls <c>pa_alloc_pages_bulk_array</c> (no node, no mask), <c>pa_alloc_pages_bulk_node</c>
    /// (a node, no mask), <c>pa_alloc_pages_bulk</c>, or with <paramref name="loop"/> <c>pa_alloc_pages_bulk_fill</c>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ArgumentException">A bad flag or mask, or the array holds another allocator's pages.</exception>
    /// <exception cref="ObjectDisposedException">The allocator or the array is disposed.</exception>
    public int FillBulk(PageArray array, Gfp gfp = Gfp.Kernel, int preferredNode = -1, NodeMask? nodes = null, bool loop = false)
    {
        ArgumentNullException.ThrowIfNull(array);
        CheckBulk(0, gfp, preferredNode, nodes);
        ThrowIfDisposed();
        array.Bind(_handle, _allocator, PageSize);
        nuint length = (nuint)array.Length;
        pa_page** slots = array.Slots;
        nuint populated;
        if (loop)
        {
            pa_nodemask_t mask = nodes.GetValueOrDefault().ToNative();
            populated = Methods.pa_alloc_pages_bulk_fill(_allocator, (uint)gfp, preferredNode, nodes.HasValue ? &mask : null, length, slots);
        }
        else if (preferredNode == Methods.PA_NUMA_NO_NODE && !nodes.HasValue)
        {
            populated = Methods.pa_alloc_pages_bulk_array(_allocator, (uint)gfp, length, slots);
        }
        else if (!nodes.HasValue)
        {
            populated = Methods.pa_alloc_pages_bulk_node(_allocator, (uint)gfp, preferredNode, length, slots);
        }
        else
        {
            pa_nodemask_t mask = nodes.GetValueOrDefault().ToNative();
            populated = Methods.pa_alloc_pages_bulk(_allocator, (uint)gfp, preferredNode, nodes.HasValue ? &mask : null, length, null, slots);
        }

        _ = populated; // counts only the populated prefix when a call ends early; recount instead
        return array.OnFilled();
    }

    /// <summary>Allocates 2^<paramref name="order"/> contiguous pages.</summary>
    /// <param name="order">0 to <see cref="MaxOrder"/>.</param>
    /// <param name="gfp">Allocation flags.</param>
    /// <param name="node">The preferred node, or -1 for the calling thread's CPU's node.</param>
    /// <returns>A block owning the pages.</returns>
    /// <remarks>Calls <c>pa_alloc_pages</c> for node -1 (following the thread's
    /// <see cref="SetMemoryPolicy(MemoryPolicy, NodeMask?)">memory policy</see>), else <c>pa_alloc_pages_node</c>.</remarks>
    /// <exception cref="InsufficientMemoryException">No block could be allocated.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="gfp"/> is a mask the allocator refuses (<c>pa_gfp_valid</c>): unknown bits, a bad zone combination, or Movable with Reclaimable.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public PageBlock AllocatePages(int order, Gfp gfp = Gfp.Kernel, int node = -1)
    {
        if (!TryAllocatePages(order, gfp, node, out PageBlock? block))
        {
            throw new InsufficientMemoryException($"No block of order {order} could be allocated (gfp {gfp}, node {node}).");
        }

        return block;
    }

    /// <summary>Allocates 2^<paramref name="order"/> contiguous pages on the calling thread's node,
    /// or returns false.</summary>
    /// <param name="order">0 to <see cref="MaxOrder"/>.</param>
    /// <param name="gfp">Allocation flags.</param>
    /// <param name="block">The block owning the pages, or null.</param>
    /// <returns>Whether a block was allocated.</returns>
    /// <remarks>Calls <c>pa_alloc_pages</c> for node -1 (following the thread's
    /// <see cref="SetMemoryPolicy(MemoryPolicy, NodeMask?)">memory policy</see>), else <c>pa_alloc_pages_node</c>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="order"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="gfp"/> is a mask the allocator refuses (<c>pa_gfp_valid</c>): unknown bits, a bad zone combination, or Movable with Reclaimable.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public bool TryAllocatePages(int order, Gfp gfp, [NotNullWhen(true)] out PageBlock? block) =>
        TryAllocatePages(order, gfp, Methods.PA_NUMA_NO_NODE, out block);

    /// <summary>Allocates 2^<paramref name="order"/> contiguous pages preferring
    /// <paramref name="node"/>, or returns false.</summary>
    /// <param name="order">0 to <see cref="MaxOrder"/>.</param>
    /// <param name="gfp">Allocation flags.</param>
    /// <param name="node">The preferred node, or -1 for the calling thread's CPU's node.</param>
    /// <param name="block">The block owning the pages, or null.</param>
    /// <returns>Whether a block was allocated.</returns>
    /// <remarks>Calls <c>pa_alloc_pages</c> for node -1 (following the thread's
    /// <see cref="SetMemoryPolicy(MemoryPolicy, NodeMask?)">memory policy</see>), else <c>pa_alloc_pages_node</c>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="gfp"/> is a mask the allocator refuses (<c>pa_gfp_valid</c>): unknown bits, a bad zone combination, or Movable with Reclaimable.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public bool TryAllocatePages(int order, Gfp gfp, int node, [NotNullWhen(true)] out PageBlock? block)
    {
        CheckOrder(order);
        CheckGfp(gfp);
        CheckNode(node, allowNoNode: true, nameof(node));
        // The call's reference becomes the block's: one reference count round trip per block.
        pa_allocator* a = Enter();
        // Node -1 follows the thread's memory policy (pa_alloc_pages, B21); a node does not.
        pa_page* page = node == Methods.PA_NUMA_NO_NODE
            ? Methods.pa_alloc_pages(a, (uint)gfp, (uint)order)
            : Methods.pa_alloc_pages_node(a, (uint)gfp, (uint)order, node);
        if (page == null)
        {
            Exit();
            block = null;
            return false;
        }

        try
        {
            block = new PageBlock(_handle, a, page, order, PageSize, referenceTaken: true);
        }
        catch
        {
            Methods.pa_free_pages(a, page, (uint)order);
            Exit();
            throw;
        }

        return true;
    }

    /// <summary>The largest order, <c>PA_MAX_ORDER</c> (10): blocks of up to 1024 pages.</summary>
    public static int MaxOrder => Methods.PA_MAX_ORDER;

    /// <summary>A snapshot of one zone's counters and watermarks.</summary>
    /// <param name="node">0 to <see cref="NodeCount"/> - 1.</param>
    /// <param name="zone">The zone.</param>
    /// <returns>The zone's numbers.</returns>
    /// <remarks>Calls <c>pa_zone_info</c>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ArgumentException">The zone is absent on that node.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public ZoneInfo GetZoneInfo(int node, ZoneType zone)
    {
        CheckNode(node, allowNoNode: false, nameof(node));
        CheckZone(zone);
        pa_zone_info info;
        int rc;
        pa_allocator* a = Enter();
        try
        {
            rc = Methods.pa_zone_info(a, node, (pa_zone_type)zone, &info);
        }
        finally
        {
            Exit();
        }

        ThrowIfZoneMissing(rc, node, zone);
        long[] reserve = new long[(int)pa_zone_type.PA_NR_ZONES];
        for (int i = 0; i < reserve.Length; i++)
        {
            reserve[i] = (long)info.lowmem_reserve[i];
        }

        return new PageAlloc.ZoneInfo(node, zone)
        {
            Managed = (long)info.managed,
            Present = (long)info.present,
            Spanned = (long)info.spanned,
            Free = (long)info.free,
            WatermarkMin = (long)info.wmark_min,
            WatermarkLow = (long)info.wmark_low,
            WatermarkHigh = (long)info.wmark_high,
            WatermarkPromo = (long)info.wmark_promo,
            LowmemReserve = reserve,
            StartPfn = (long)info.start_pfn,
            PcpPages = (long)info.pcp_pages,
            ReservedHighAtomic = (long)info.nr_reserved_highatomic,
        };
    }

    /// <summary>The state of one CPU's pcp list for one zone.</summary>
    /// <param name="cpu">0 to <see cref="CpuCount"/> - 1.</param>
    /// <param name="node">0 to <see cref="NodeCount"/> - 1.</param>
    /// <param name="zone">The zone.</param>
    /// <returns>Count, high, batch, high_min and high_max.</returns>
    /// <remarks>Calls <c>pa_pcp_info</c>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ArgumentException">The zone is absent on that node.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public PcpInfo GetPcpInfo(int cpu, int node, ZoneType zone)
    {
        CheckCpu(cpu, allowUnbind: false);
        CheckNode(node, allowNoNode: false, nameof(node));
        CheckZone(zone);
        pa_pcp_info info;
        int rc;
        pa_allocator* a = Enter();
        try
        {
            rc = Methods.pa_pcp_info(a, cpu, node, (pa_zone_type)zone, &info);
        }
        finally
        {
            Exit();
        }

        ThrowIfZoneMissing(rc, node, zone);
        return new PcpInfo((int)info.count, (int)info.high, (int)info.batch, (int)info.high_min, (int)info.high_max);
    }

    /// <summary>Disables the zone's pcp lists on every CPU, as memory offlining does: high 0
    /// and batch 1, every CPU's lists of the zone drained; until <see cref="EnableZonePcp"/> an
    /// allocation takes one page through its list and a free goes back to the buddy lists at
    /// once. Calls nest.</summary>
    /// <param name="node">0 to <see cref="NodeCount"/> - 1.</param>
    /// <param name="zone">The zone.</param>
    /// <remarks>Calls <c>pa_zone_pcp_disable</c> (Kernel: <c>zone_pcp_disable()</c>). Do not
    /// run a disable and an enable of one zone at once.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ArgumentException">The zone is absent on that node.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public void DisableZonePcp(int node, ZoneType zone) => ZonePcp(node, zone, disable: true);

    /// <summary>Undoes one <see cref="DisableZonePcp"/>; the last one restores batch, high_min
    /// and high_max (with <see cref="PageAllocatorOptions.PcpAutotune"/>, each list's high
    /// starts again at high_min at its next use).</summary>
    /// <param name="node">0 to <see cref="NodeCount"/> - 1.</param>
    /// <param name="zone">The zone.</param>
    /// <remarks>Calls <c>pa_zone_pcp_enable</c> (Kernel: <c>zone_pcp_enable()</c>).</remarks>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ArgumentException">The zone is absent on that node.</exception>
    /// <exception cref="InvalidOperationException">The zone's pcp lists are not disabled.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public void EnableZonePcp(int node, ZoneType zone) => ZonePcp(node, zone, disable: false);

    private void ZonePcp(int node, ZoneType zone, bool disable)
    {
        CheckNode(node, allowNoNode: false, nameof(node));
        CheckZone(zone);
        int rc;
        pa_allocator* a = Enter();
        try
        {
            rc = disable ? Methods.pa_zone_pcp_disable(a, node, (pa_zone_type)zone) : Methods.pa_zone_pcp_enable(a, node, (pa_zone_type)zone);
        }
        finally
        {
            Exit();
        }

        if (rc == -ENOENT)
        {
            throw new ArgumentException($"Node {node} has no {zone} zone.", nameof(zone));
        }

        if (rc < 0)
        {
            throw new InvalidOperationException($"The {zone} zone's pcp lists of node {node} are not disabled.");
        }
    }

    /// <summary>An event count, summed over CPUs and nodes.</summary>
    /// <param name="item">The event.</param>
    /// <returns>The count.</returns>
    /// <remarks>Calls <c>pa_vm_event</c>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="item"/> is not an event.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public long GetVmEvent(VmEvent item)
    {
        if ((uint)item >= (uint)pa_vm_event_item.PA_NR_VM_EVENT_ITEMS)
        {
            throw new ArgumentOutOfRangeException(nameof(item), item, "Not an event.");
        }

        pa_allocator* a = Enter();
        try
        {
            return (long)Methods.pa_vm_event(a, (pa_vm_event_item)item);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Bytes of the allocator's page memory the operating system holds in memory now:
    /// pages touched and not given back, whether in use or free. What the process's RSS owes
    /// the allocator; free page reporting brings it down.</summary>
    /// <remarks>Calls <c>pa_resident_bytes</c> (mincore over the page memory).</remarks>
    /// <exception cref="NotSupportedException">The allocator has no page memory (<see cref="IsMetadataOnly"/>).</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public long ResidentBytes
    {
        get
        {
            if (IsMetadataOnly)
            {
                ThrowIfDisposed();
                throw new NotSupportedException("A metadata-only allocator has no page memory.");
            }

            pa_allocator* a = Enter();
            try
            {
                long bytes = Methods.pa_resident_bytes(a);
                return bytes >= 0 ? bytes : throw new InvalidOperationException($"pa_resident_bytes failed: errno {-bytes}.");
            }
            finally
            {
                Exit();
            }
        }
    }

    /// <summary>The free pages per order of each zone, as the kernel's <c>/proc/buddyinfo</c>.</summary>
    /// <returns>The report.</returns>
    /// <remarks>Calls <c>pa_format_buddyinfo</c>.</remarks>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public string BuddyInfo() => Format(Report.BuddyInfo);

    /// <summary>Each zone's counters, watermarks and pcp state, as the kernel's <c>/proc/zoneinfo</c>.</summary>
    /// <returns>The report.</returns>
    /// <remarks>Calls <c>pa_format_zoneinfo</c>.</remarks>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public string ZoneInfo() => Format(Report.ZoneInfo);

    /// <summary>Free pages per order and migratetype, as the kernel's <c>/proc/pagetypeinfo</c>.</summary>
    /// <returns>The report.</returns>
    /// <remarks>Calls <c>pa_format_pagetypeinfo</c>.</remarks>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public string PageTypeInfo() => Format(Report.PageTypeInfo);

    /// <summary>Counters and events, as the kernel's <c>/proc/vmstat</c>.</summary>
    /// <returns>The report.</returns>
    /// <remarks>Calls <c>pa_format_vmstat</c>.</remarks>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public string VmStat() => Format(Report.VmStat);

    /// <summary>Does to the pcp lists what the kernel's per-second vmstat work does: with
    /// <see cref="PageAllocatorOptions.PcpAutotune"/>, every list's high above high_min decays
    /// by an eighth and the pages above the new high go back to the buddy lists; without it,
    /// nothing. Nothing runs in the background: call it once per simulated second.</summary>
    /// <remarks>Calls <c>pa_vmstat_tick</c>.</remarks>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public void VmstatTick()
    {
        pa_allocator* a = Enter();
        try
        {
            Methods.pa_vmstat_tick(a);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Returns every CPU's pcp pages to the buddy lists.</summary>
    /// <remarks>Calls <c>pa_drain_all_pages</c>.</remarks>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public void DrainAll()
    {
        pa_allocator* a = Enter();
        try
        {
            Methods.pa_drain_all_pages(a);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Returns the calling thread's CPU's pcp pages to the buddy lists.</summary>
    /// <remarks>Calls <c>pa_drain_local_pages</c>.</remarks>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public void DrainLocal()
    {
        pa_allocator* a = Enter();
        try
        {
            Methods.pa_drain_local_pages(a);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Checks every invariant: each page frame is free in a buddy list (aligned, merged),
    /// on one pcp list, or allocated; every counter equals what the lists hold.</summary>
    /// <remarks>Calls <c>pa_check</c>, which takes every lock.</remarks>
    /// <exception cref="InvalidOperationException">An invariant is broken; the message says which.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public void Check()
    {
        int rc;
        pa_allocator* a = Enter();
        try
        {
            AllocatorCallbacks.LastError = null;
            rc = Methods.pa_check(a);
        }
        finally
        {
            Exit();
        }

        if (rc != 0)
        {
            string reason = AllocatorCallbacks.LastError ?? "no reason was logged";
            throw new InvalidOperationException($"pa_check failed ({rc}): {reason}");
        }
    }

    /// <summary>Binds the calling thread to pcp slot <paramref name="cpu"/> for this allocator
    /// (deterministic tests and simulations); -1 unbinds, back to the CPU the thread runs on.</summary>
    /// <param name="cpu">0 to <see cref="CpuCount"/> - 1, or -1.</param>
    /// <remarks>Calls <c>pa_bind_cpu</c>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cpu"/> is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public void BindCpu(int cpu)
    {
        CheckCpu(cpu, allowUnbind: true);
        pa_allocator* a = Enter();
        try
        {
            ThrowOnError(Methods.pa_bind_cpu(a, cpu), "pa_bind_cpu");
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>The node of pcp slot <paramref name="cpu"/>.</summary>
    /// <param name="cpu">0 to <see cref="CpuCount"/> - 1.</param>
    /// <returns>The node.</returns>
    /// <remarks>Calls <c>pa_cpu_to_node</c>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cpu"/> is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public int GetCpuNode(int cpu)
    {
        CheckCpu(cpu, allowUnbind: false);
        pa_allocator* a = Enter();
        try
        {
            return Methods.pa_cpu_to_node(a, cpu);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Sets the calling thread's allowed nodes (the cpuset analogue, applied as the
    /// kernel's <c>ALLOC_CPUSET</c>); null allows every node.</summary>
    /// <param name="nodes">The allowed nodes, at least one of this allocator's; or null.</param>
    /// <remarks>Calls <c>pa_set_mems_allowed</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="nodes"/> holds no node of this allocator.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public void SetMemsAllowed(NodeMask? nodes)
    {
        CheckMask(nodes);
        pa_allocator* a = Enter();
        try
        {
            pa_nodemask_t mask = nodes.GetValueOrDefault().ToNative();
            ThrowOnError(Methods.pa_set_mems_allowed(a, nodes.HasValue ? &mask : null), "pa_set_mems_allowed");
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Turns on fault injection with the kernel's <c>fail_page_alloc</c> attributes: fail
    /// with <paramref name="probability"/> percent every <paramref name="interval"/>-th eligible
    /// call, <paramref name="times"/> times, after <paramref name="space"/> bytes have passed.
    /// The random sequence is deterministic per allocator.</summary>
    /// <param name="probability">0 to 100.</param>
    /// <param name="interval">1 or more.</param>
    /// <param name="times">How many failures, -1 for no limit.</param>
    /// <param name="space">Bytes allowed through first, 0 or more.</param>
    /// <param name="minOrder">Orders below this never fail.</param>
    /// <param name="ignoreGfpReclaim">Never fail requests that may reclaim.</param>
    /// <remarks>Calls <c>pa_set_fail_page_alloc</c>. <see cref="Gfp.NoFail"/> requests never fail.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public void SetFaultInjection(int probability, int interval = 1, long times = -1, long space = 0, int minOrder = 0, bool ignoreGfpReclaim = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(probability);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(probability, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(times, -1);
        ArgumentOutOfRangeException.ThrowIfNegative(space);
        CheckOrder(minOrder, nameof(minOrder));
        var attr = new pa_fault_attr
        {
            probability = (uint)probability,
            interval = (uint)interval,
            times = times,
            space = space,
            min_order = (uint)minOrder,
            ignore_gfp_reclaim = ignoreGfpReclaim ? 1 : 0,
        };
        pa_allocator* a = Enter();
        try
        {
            ThrowOnError(Methods.pa_set_fail_page_alloc(a, &attr), "pa_set_fail_page_alloc");
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Turns fault injection off.</summary>
    /// <remarks>Calls <c>pa_set_fail_page_alloc</c> with NULL.</remarks>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public void ClearFaultInjection()
    {
        pa_allocator* a = Enter();
        try
        {
            ThrowOnError(Methods.pa_set_fail_page_alloc(a, null), "pa_set_fail_page_alloc");
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Registers a reclaim callback (the shrinker analogue), called by allocations that
    /// may reclaim (<see cref="Gfp.DirectReclaim"/>) when memory is short. Up to 16 per allocator.</summary>
    /// <param name="callback">The callback.</param>
    /// <returns>The registration; dispose it to unregister.</returns>
    /// <remarks>Calls <c>pa_register_reclaim</c>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    /// <exception cref="InvalidOperationException">16 callbacks are registered already.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public ReclaimRegistration RegisterReclaim(ReclaimCallback callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        pa_allocator* a = Enter();
        try
        {
            AllocatorCallbacks.ReclaimTarget target = _callbacks.AddReclaim(callback);
            int rc = Methods.pa_register_reclaim(a, AllocatorCallbacks.ReclaimFunction, target.Context);
            if (rc != 0)
            {
                _callbacks.RemoveReclaim(target);
                if (rc == -ENOSPC)
                {
                    throw new InvalidOperationException("The allocator has 16 reclaim callbacks already.");
                }

                ThrowOnError(rc, "pa_register_reclaim");
            }

            return new ReclaimRegistration(this, target);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Forgets the last exception a callback threw.</summary>
    public void ClearCallbackException() => _callbacks.CallbackException = null;

    /// <summary>Stops new calls and releases the allocator; the native allocator is destroyed when
    /// the last <see cref="PageList"/>, <see cref="PageArray"/> or <see cref="PageBlock"/> is released
    /// (at once if there is none). Disposing twice is harmless.</summary>
    /// <remarks>Leads to <c>pa_destroy</c>.</remarks>
    public void Dispose()
    {
        _disposed = true;
        _handle.Dispose();
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>One past the highest page frame number of any zone.</summary>
    /// <remarks>Calls <c>pa_zone_info</c> for every zone of every node.</remarks>
    internal long PfnLimit()
    {
        pa_allocator* a = Enter();
        try
        {
            long limit = 0;
            for (int node = 0; node < NodeCount; node++)
            {
                for (int zone = 0; zone < (int)pa_zone_type.PA_NR_ZONES; zone++)
                {
                    pa_zone_info info;
                    if (Methods.pa_zone_info(a, node, (pa_zone_type)zone, &info) == 0)
                    {
                        limit = Math.Max(limit, (long)(info.start_pfn + info.spanned));
                    }
                }
            }

            return limit;
        }
        finally
        {
            Exit();
        }
    }

    internal void Unregister(ReclaimRegistration registration)
    {
        AllocatorCallbacks.ReclaimTarget target = registration.Target;
        if (!_callbacks.IsRegistered(target))
        {
            return;
        }

        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            return; // destroyed: the callbacks were freed with it
        }

        try
        {
            Methods.pa_unregister_reclaim(_allocator, AllocatorCallbacks.ReclaimFunction, target.Context);
            _callbacks.RemoveReclaim(target);
        }
        finally
        {
            _handle.DangerousRelease();
        }
    }

    private int BulkToList(pa_list_head* head, int count, Gfp gfp, int preferredNode, NodeMask? nodes)
    {
        nuint added;
        if (preferredNode == Methods.PA_NUMA_NO_NODE && !nodes.HasValue)
        {
            added = Methods.pa_alloc_pages_bulk_list(_allocator, (uint)gfp, (nuint)count, head);
        }
        else
        {
            pa_nodemask_t mask = nodes.GetValueOrDefault().ToNative();
            added = Methods.pa_alloc_pages_bulk(_allocator, (uint)gfp, preferredNode, nodes.HasValue ? &mask : null, (nuint)count, head, null);
        }

        return (int)added;
    }

    private pa_allocator* Enter()
    {
        ThrowIfDisposed();
        _handle.AddRef();
        return _allocator;
    }

    private void Exit() => _handle.DangerousRelease();

    // Under _traceLock. The context is the callbacks' own GC handle, valid until pa_destroy.
    private void SetNativeTrace(bool on)
    {
        pa_allocator* a = Enter();
        try
        {
            int rc = on
                ? Methods.pa_set_trace(a, AllocatorCallbacks.TraceFunction, _callbacks.LogContext, (uint)_traceMask)
                : Methods.pa_set_trace(a, null, null, 0);
            if (rc == -ENOMEM)
            {
                throw new InsufficientMemoryException("pa_set_trace could not allocate its hook.");
            }

            ThrowOnError(rc, "pa_set_trace");
            NativeTraceRegistered = on;
        }
        finally
        {
            Exit();
        }
    }

    // Removing the last handler of a disposed allocator is harmless: nothing is left to switch off
    // once the native allocator is gone, and until then the trampoline finds no handler.
    private void SetNativeTraceOffIfAlive()
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            Methods.pa_set_trace(_allocator, null, null, 0);
            NativeTraceRegistered = false;
        }
        finally
        {
            _handle.DangerousRelease();
        }
    }

    private string Format(Report report)
    {
        pa_allocator* a = Enter();
        try
        {
            byte[] buffer = new byte[8192];
            while (true)
            {
                nuint needed;
                fixed (byte* p = buffer)
                {
                    needed = report switch
                    {
                        Report.BuddyInfo => Methods.pa_format_buddyinfo(a, (sbyte*)p, (nuint)buffer.Length),
                        Report.ZoneInfo => Methods.pa_format_zoneinfo(a, (sbyte*)p, (nuint)buffer.Length),
                        Report.PageTypeInfo => Methods.pa_format_pagetypeinfo(a, (sbyte*)p, (nuint)buffer.Length),
                        _ => Methods.pa_format_vmstat(a, (sbyte*)p, (nuint)buffer.Length),
                    };
                }

                if (needed < (nuint)buffer.Length)
                {
                    return Encoding.UTF8.GetString(buffer, 0, (int)needed);
                }

                buffer = new byte[checked((int)needed + 1)];
            }
        }
        finally
        {
            Exit();
        }
    }

    private void CheckBulk(int count, Gfp gfp, int preferredNode, NodeMask? nodes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        CheckGfp(gfp);
        CheckNode(preferredNode, allowNoNode: true, nameof(preferredNode));
        CheckMask(nodes);
    }

    /// <summary>Throws unless the native library accepts <paramref name="gfp"/> (<c>pa_gfp_valid</c>,
    /// the check every allocation function makes), so a bad mask is an <see cref="ArgumentException"/>
    /// and never a failed allocation.</summary>
    internal static void CheckGfp(Gfp gfp)
    {
        if (!Methods.pa_gfp_valid((uint)gfp))
        {
            throw new ArgumentException(
                $"gfp 0x{(uint)gfp:x} ({gfp}) is refused by the allocator: unknown bits, conflicting zone modifiers "
                + "(at most one of Dma, Dma32 and HighMem; Movable only with one of them), or Movable with Reclaimable.",
                nameof(gfp));
        }
    }

    private static void CheckOrder(int order, string name = "order")
    {
        if (order < 0 || order > Methods.PA_MAX_ORDER)
        {
            throw new ArgumentOutOfRangeException(name, order, $"The order must be 0 to {Methods.PA_MAX_ORDER}.");
        }
    }

    private static void CheckZone(ZoneType zone)
    {
        if ((uint)zone >= (uint)pa_zone_type.PA_NR_ZONES)
        {
            throw new ArgumentOutOfRangeException(nameof(zone), zone, "Not a zone.");
        }
    }

    private static void ThrowIfZoneMissing(int rc, int node, ZoneType zone)
    {
        if (rc == -ENOENT)
        {
            throw new ArgumentException($"Node {node} has no {zone} zone.", nameof(zone));
        }

        ThrowOnError(rc, "pa_zone_info");
    }

    private static void ThrowOnError(int rc, string function)
    {
        if (rc < 0)
        {
            throw new ArgumentException($"{function} rejected its arguments ({rc}).");
        }
    }

    private void CheckNode(int node, bool allowNoNode, string name)
    {
        if (allowNoNode && node == Methods.PA_NUMA_NO_NODE)
        {
            return;
        }

        if (node < 0 || node >= NodeCount)
        {
            throw new ArgumentOutOfRangeException(name, node, $"The node must be {(allowNoNode ? "-1 or " : string.Empty)}0 to {NodeCount - 1}.");
        }
    }

    private void CheckCpu(int cpu, bool allowUnbind)
    {
        if (allowUnbind && cpu == -1)
        {
            return;
        }

        if (cpu < 0 || cpu >= CpuCount)
        {
            throw new ArgumentOutOfRangeException(nameof(cpu), cpu, $"The CPU must be {(allowUnbind ? "-1 or " : string.Empty)}0 to {CpuCount - 1}.");
        }
    }

    private void CheckMask(NodeMask? nodes)
    {
        if (nodes is { } mask && (mask & NodeMask.FirstNodes(NodeCount)).IsEmpty)
        {
            throw new ArgumentException($"The mask {mask} holds no node of this allocator ({NodeCount} nodes).", nameof(nodes));
        }
    }

    private enum Report
    {
        BuddyInfo,
        ZoneInfo,
        PageTypeInfo,
        VmStat,
    }
}
