// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// A page pool (C <c>pa_page_pool</c>, the kernel's <c>page_pool</c> of <c>net/core/page_pool.c</c>):
/// a cache of blocks of one order in front of a <see cref="PageAllocator"/>, refilled 64 pages at a
/// time by the bulk allocator, with a recycle ring so that blocks returned from other threads come
/// back without touching the allocator. It keeps its allocator alive.
/// </summary>
/// <remarks>
/// <para>The pool's context, as a NAPI poll loop in the kernel: <see cref="Rent(Gfp)"/>,
/// <see cref="TryRent(out Page, Gfp)"/>, <see cref="RentBulk(PageArray, Gfp)"/> and
/// <see cref="Return(Page)"/> run on one thread at a time, which the caller guarantees (they take no
/// lock), and so does <see cref="ReturnBulk(PageArray)"/>. <see cref="ReturnFromAnyThread(Page)"/>,
/// clearing or disposing an array of the pool, <see cref="Stats"/> and <see cref="Inflight"/> may
/// be called from any thread.</para>
/// <para>A page rented singly is a <see cref="Page"/> view: it is owned by the caller until given
/// back with <see cref="Return(Page)"/> or <see cref="ReturnFromAnyThread(Page)"/>. Pages rented
/// into a <see cref="PageArray"/> are owned by the array, which returns them to this pool when it
/// is cleared, returned or disposed (and keeps the pool alive until then).</para>
/// <para><c>Dispose</c> destroys the native pool: its cache and ring go back to the allocator at
/// once. Pages still with callers then are reported as leaked (a warning through the allocator's
/// <see cref="PageAllocator.Log"/>); the native pool lingers for them, as the kernel's does.
/// Members used after <c>Dispose</c> throw <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
public sealed unsafe class PagePool : SafeHandle
{
    private const int EINVAL = 22;

    private readonly AllocatorHandle _owner = null!;
    private readonly pa_allocator* _allocator;
    private readonly int _pageSize;
    private readonly int _order;

    // Pages handed out singly or into arrays, and given back: rents on the pool's context;
    // returns from any thread, so atomically.
    private long _rented;
    private long _returned;

    // Set by Dispose: an array still holding pages keeps the handle open, but the pool takes no
    // new calls.
    private volatile bool _disposed;

    /// <summary>A pool of blocks of <paramref name="order"/> over <paramref name="allocator"/>.</summary>
    /// <param name="allocator">The allocator the blocks come from.</param>
    /// <param name="order">The order of every block, 0 to <see cref="PageAllocator.MaxOrder"/>.</param>
    /// <param name="ringSize">Recycle ring slots: 0 for the default (1024), at most 16384 (larger is clamped).</param>
    /// <param name="node">The preferred node, or -1 for the node of the calling thread's CPU.</param>
    /// <remarks>Calls <c>pa_page_pool_create</c>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="allocator"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="allocator"/> is disposed.</exception>
    /// <exception cref="InsufficientMemoryException">The pool could not be allocated.</exception>
    public PagePool(PageAllocator allocator, int order = 0, int ringSize = 0, int node = -1)
        : base(0, ownsHandle: true)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(allocator);
            ArgumentOutOfRangeException.ThrowIfNegative(order);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(order, PageAllocator.MaxOrder);
            ArgumentOutOfRangeException.ThrowIfNegative(ringSize);
            if (node != Methods.PA_NUMA_NO_NODE && (node < 0 || node >= allocator.NodeCount))
            {
                throw new ArgumentOutOfRangeException(nameof(node), node, $"The node must be -1 or 0 to {allocator.NodeCount - 1}.");
            }

            allocator.ThrowIfDisposed();
            allocator.Handle.AddRef();
        }
        catch
        {
            GC.SuppressFinalize(this);
            throw;
        }

        var parameters = new pa_page_pool_params
        {
            order = (uint)order,
            pool_size = (uint)Math.Min(ringSize, Methods.PA_PP_RING_MAX),
            nid = node,
        };
        pa_page_pool* pool = null;
        int rc = Methods.pa_page_pool_create(allocator.Pointer, &parameters, &pool);
        if (rc != 0 || pool == null)
        {
            allocator.Handle.DangerousRelease();
            GC.SuppressFinalize(this);
            throw rc == -EINVAL
                ? new ArgumentException($"pa_page_pool_create rejected the parameters ({rc}); the reason went to the allocator's log.")
                : new InsufficientMemoryException($"pa_page_pool_create failed ({rc}).");
        }

        _owner = allocator.Handle;
        _allocator = allocator.Pointer;
        _pageSize = allocator.PageSize;
        _order = order;
        SetHandle((nint)pool);
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>The order of every block: 2^order contiguous pages.</summary>
    public int Order => _order;

    /// <summary>Bytes per block: the page size shifted by <see cref="Order"/>.</summary>
    public int BlockSize => _pageSize << _order;

    /// <summary>Blocks taken from the allocator and not given back: in the cache, in the ring or
    /// with callers (the kernel's <c>page_pool_inflight</c>).</summary>
    /// <remarks>Calls <c>pa_page_pool_inflight</c>.</remarks>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public long Inflight
    {
        get
        {
            pa_page_pool* pool = Enter();
            try
            {
                return Methods.pa_page_pool_inflight(pool);
            }
            finally
            {
                DangerousRelease();
            }
        }
    }

    /// <summary>Blocks rented (singly or into arrays) and not yet returned.</summary>
    public long Rented => Volatile.Read(ref _rented) - Interlocked.Read(ref _returned);

    /// <summary>A snapshot of the pool's counters.</summary>
    /// <remarks>Calls <c>pa_page_pool_get_stats</c>.</remarks>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public PagePoolStats Stats
    {
        get
        {
            pa_page_pool_stats stats;
            pa_page_pool* pool = Enter();
            try
            {
                ThrowOnError(Methods.pa_page_pool_get_stats(pool, &stats), "pa_page_pool_get_stats");
            }
            finally
            {
                DangerousRelease();
            }

            return new PagePoolStats(
                (long)stats.alloc_fast, (long)stats.alloc_slow, (long)stats.alloc_slow_high_order, (long)stats.alloc_empty,
                (long)stats.alloc_refill, (long)stats.alloc_waive, (long)stats.recycle_cached, (long)stats.recycle_cache_full,
                (long)stats.recycle_ring, (long)stats.recycle_ring_full, (long)stats.recycle_released_refcnt);
        }
    }

    internal pa_allocator* Allocator => _allocator;

    internal AllocatorHandle AllocatorHandle => _owner;

    internal int PageSize => _pageSize;

    /// <summary>The counters in ethtool's layout, one <c>rx_pp_alloc_fast: N</c> line per counter.</summary>
    /// <returns>The text.</returns>
    /// <remarks>Calls <c>pa_format_page_pool_stats</c>.</remarks>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public string FormatStats()
    {
        pa_page_pool* pool = Enter();
        try
        {
            byte[] buffer = new byte[1024];
            while (true)
            {
                int needed;
                fixed (byte* p = buffer)
                {
                    needed = Methods.pa_format_page_pool_stats(pool, (sbyte*)p, (nuint)buffer.Length);
                }

                ThrowOnError(needed, "pa_format_page_pool_stats");
                if (needed < buffer.Length)
                {
                    return Encoding.UTF8.GetString(buffer, 0, needed);
                }

                buffer = new byte[needed + 1];
            }
        }
        finally
        {
            DangerousRelease();
        }
    }

    /// <summary>Rents one block: from the cache, else the ring, else the allocator. Pool's context only.</summary>
    /// <param name="gfp">Allocation flags for a refill from the allocator.</param>
    /// <returns>The block's first page; give it back with <see cref="Return(Page)"/>.</returns>
    /// <remarks>Calls <c>pa_page_pool_alloc_pages</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="gfp"/> is a mask the allocator refuses (<c>pa_gfp_valid</c>): unknown bits, a bad zone combination, or Movable with Reclaimable.</exception>
    /// <exception cref="InsufficientMemoryException">No block could be had.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Page Rent(Gfp gfp = Gfp.Kernel)
    {
        if (!TryRent(out Page page, gfp))
        {
            throw new InsufficientMemoryException($"The page pool found no block of order {_order} ({gfp}).");
        }

        return page;
    }

    /// <summary>Rents one block, or returns false. Pool's context only.</summary>
    /// <param name="page">The block's first page, or <c>default</c>.</param>
    /// <param name="gfp">Allocation flags for a refill from the allocator.</param>
    /// <returns>Whether a block was rented.</returns>
    /// <remarks>Calls <c>pa_page_pool_alloc_pages</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="gfp"/> is a mask the allocator refuses (<c>pa_gfp_valid</c>): unknown bits, a bad zone combination, or Movable with Reclaimable.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public bool TryRent(out Page page, Gfp gfp = Gfp.Kernel)
    {
        PageAllocator.CheckGfp(gfp);
        pa_page_pool* pool = Enter();
        try
        {
            pa_page* block = Methods.pa_page_pool_alloc_pages(pool, (uint)gfp);
            page = block == null ? default : new Page(_allocator, block, _pageSize, _owner.Layout);
            if (block != null)
            {
                _rented++;
            }

            return block != null;
        }
        finally
        {
            DangerousRelease();
        }
    }

    /// <summary>Gives a block back into the cache (the kernel's <c>page_pool_recycle_direct</c>).
    /// Pool's context only.</summary>
    /// <param name="page">A block rented from this pool.</param>
    /// <remarks>Calls <c>pa_page_pool_recycle_direct</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="page"/> is <c>default</c>, or not a block
    /// of this pool out with a caller (the native check refused it and logged why; nothing changed).</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public void Return(Page page) => Put(page, direct: true);

    /// <summary>Gives a block back from any thread: through the recycle ring (under its lock), or to
    /// the allocator when the ring is full (the kernel's <c>page_pool_put_full_page</c> without
    /// <c>allow_direct</c>).</summary>
    /// <param name="page">A block rented from this pool.</param>
    /// <remarks>Calls <c>pa_page_pool_put_full_page</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="page"/> is <c>default</c>, or not a block
    /// of this pool out with a caller (refused and logged; nothing changed).</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public void ReturnFromAnyThread(Page page) => Put(page, direct: false);

    /// <summary>Fills the empty slots of <paramref name="array"/> with blocks of this pool (populated
    /// slots are left alone) and returns how many slots are populated now. The array then belongs
    /// to this pool until it is empty again: clearing or disposing it, or
    /// <see cref="ReturnBulk(PageArray)"/>, gives its blocks back here. Pool's context only.</summary>
    /// <param name="array">The array; empty, or already holding blocks of this pool.</param>
    /// <param name="gfp">Allocation flags for a refill from the allocator.</param>
    /// <returns>The number of populated slots.</returns>
    /// <remarks>Calls <c>pa_page_pool_alloc_bulk</c>: the cache first, refilled from the ring or
    /// 64 pages at a time from the allocator.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="gfp"/> is bad, or the array holds pages of
    /// another pool or allocator.</exception>
    /// <exception cref="ObjectDisposedException">The pool or the array is disposed.</exception>
    public int RentBulk(PageArray array, Gfp gfp = Gfp.Kernel)
    {
        ArgumentNullException.ThrowIfNull(array);
        PageAllocator.CheckGfp(gfp);
        pa_page_pool* pool = Enter();
        try
        {
            int before = array.BindPool(this);
            nuint filled = Methods.pa_page_pool_alloc_bulk(pool, (uint)gfp, (nuint)array.Length, array.Slots);
            // From an empty array the native count is exact (the pages fill a prefix); else recount.
            int populated = before == 0 ? array.OnFilled((int)filled) : array.OnFilled();
            _rented += populated - before;
            return populated;
        }
        finally
        {
            DangerousRelease();
        }
    }

    /// <summary>Gives every block of <paramref name="array"/> back into this pool's cache (the
    /// kernel's <c>page_pool_recycle_direct</c> per block; the ring, then the allocator, take what
    /// does not fit) and empties the array. Pool's context only; from any other thread, clear or
    /// dispose the array, which puts its blocks through the ring in one call.</summary>
    /// <param name="array">An array filled by <see cref="RentBulk(PageArray, Gfp)"/> of this pool, or empty.</param>
    /// <remarks>Calls <c>pa_page_pool_recycle_direct_bulk</c> once: a checked pass that puts the
    /// whole batch into the cache when it fits, else each block as <c>pa_page_pool_recycle_direct</c>
    /// would.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    /// <exception cref="ArgumentException">The array holds pages of another pool or allocator.</exception>
    /// <exception cref="ObjectDisposedException">The pool or the array is disposed.</exception>
    public void ReturnBulk(PageArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        pa_page_pool* pool = Enter();
        try
        {
            int returned = array.RecycleToPool(this, pool);
            Interlocked.Add(ref _returned, returned);
        }
        finally
        {
            DangerousRelease();
        }
    }

    /// <summary>Names the calling thread the pool's context (the kernel's
    /// <c>page_pool_napi_local</c>): its returns count as direct, into the cache.</summary>
    /// <remarks>Calls <c>pa_page_pool_set_owner</c>.</remarks>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public void SetOwnerThread()
    {
        pa_page_pool* pool = Enter();
        try
        {
            Methods.pa_page_pool_set_owner(pool);
        }
        finally
        {
            DangerousRelease();
        }
    }

    /// <summary>Counts blocks an array gave back (any thread).</summary>
    internal void OnReturned(int count) => Interlocked.Add(ref _returned, count);

    /// <summary>Stops new calls; the native pool is destroyed when the last array holding its pages
    /// lets go of it (at once if there is none).</summary>
    /// <param name="disposing">False on the finalizer thread.</param>
    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        base.Dispose(disposing);
    }

    /// <summary>Destroys the native pool (cache and ring back to the allocator); reports blocks still
    /// out with callers, for which the native pool lingers; then releases the allocator.</summary>
    /// <remarks>Calls <c>pa_page_pool_destroy</c>.</remarks>
    protected override bool ReleaseHandle()
    {
        long rented = Rented;
        Methods.pa_page_pool_destroy((pa_page_pool*)handle);
        if (rented > 0)
        {
            OwnerDiagnostics.BuffersLeaked(rented);
            _owner.Log(PageAllocatorLogLevel.Warning,
                $"PagePool of order {_order} destroyed with {rented} block(s) never returned; the native pool lingers until they are put");
        }

        _owner.DangerousRelease();
        return true;
    }

    private void Put(Page page, bool direct)
    {
        if (page.IsDefault || page.AllocatorPointer != _allocator)
        {
            throw new ArgumentException(page.IsDefault ? "default(Page) names no page." : "The page belongs to another allocator.", nameof(page));
        }

        pa_page_pool* pool = Enter();
        try
        {
            AllocatorCallbacks.LastError = null;
            if (direct)
            {
                Methods.pa_page_pool_recycle_direct(pool, page.Descriptor);
            }
            else
            {
                Methods.pa_page_pool_put_full_page(pool, page.Descriptor, false);
            }

            if (AllocatorCallbacks.LastError is { } refused)
            {
                throw new ArgumentException($"The page pool refused the page: {refused}", nameof(page));
            }

            Interlocked.Increment(ref _returned);
        }
        finally
        {
            DangerousRelease();
        }
    }

    private pa_page_pool* Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool added = false;
        try
        {
            DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(nameof(PagePool));
        }

        return (pa_page_pool*)handle;
    }

    private static void ThrowOnError(int rc, string function)
    {
        if (rc < 0)
        {
            throw new InvalidOperationException($"{function} failed ({rc}).");
        }
    }
}
