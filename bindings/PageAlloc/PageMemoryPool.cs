// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Collections.Generic;
using System.Numerics;
using System.Threading;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// A <see cref="MemoryPool{T}"/> whose buffers are page blocks of a <see cref="PageAllocator"/>:
/// give it to <c>System.IO.Pipelines</c> (<c>new PipeOptions(pool: ...)</c>), to Kestrel, or to any
/// other consumer of <see cref="MemoryPool{T}"/>. <see cref="Rent(int)"/> hands out a block of
/// 2^order contiguous pages (the smallest order that holds the size asked for) and the buffer's
/// <c>Dispose</c> returns it.
/// </summary>
/// <remarks>
/// <para>Buffers pass <c>MemoryMarshal.TryGetArray</c> when the allocator has a managed arena
/// (<see cref="PageAllocatorOptions.ManagedArena"/>; the pool made by <see cref="PageMemoryPool()"/>
/// has one): Kestrel's socket transport and every API that takes <c>byte[]</c> segments need that.
/// Over native memory they work everywhere else.</para>
/// <para>One-page buffers come from page pools (<c>pa_page_pool</c>, see <see cref="PagePool"/>),
/// one per thread that rents: the renting thread is its pool's context (the kernel's NAPI loop),
/// so a rent takes no lock and no atomic operation, and a buffer returned on the thread that
/// rented it goes straight back into that pool's cache. A buffer returned on another thread
/// goes through the renting pool's recycle ring (<c>pa_page_pool_put_page</c> without
/// <c>allow_direct</c>), from which its thread refills. Larger buffers take the plain path
/// (<c>pa_alloc_pages_node</c> / <c>pa_free_pages</c>). Each thread's pool holds at most its cache
/// (128 pages) and ring (1024); the pools of threads that have ended are destroyed when the next
/// thread makes its own, and all of them when the pool is disposed.</para>
/// <para>Owners (<see cref="PageBlockMemoryManager"/>) are reused, one per page frame: a rent in
/// steady state allocates nothing managed and registers no finalizer. A buffer never disposed is
/// reported when the pool is disposed or finalized: one warning line through the allocator's
/// <see cref="PageAllocator.Log"/> (standard error without a handler) with the count of buffers
/// still out. Disposing a buffer twice is harmless; nothing returns a page twice.</para>
/// <para>The pool keeps the native allocator alive: it keeps working after the
/// <see cref="PageAllocator"/> is disposed, and the native allocator goes when the pool is
/// disposed and its last buffer returned. <see cref="Rent(int)"/> and a buffer's <c>Dispose</c> may
/// be called from any thread; after the pool's <c>Dispose</c>, <see cref="Rent(int)"/> throws
/// <see cref="ObjectDisposedException"/> while buffers already rented stay valid until they are
/// disposed (their pages then go straight back to the allocator).</para>
/// <para>A <c>Pipe</c> uses the pool only for a size hint up to <see cref="MaxBufferSize"/> and
/// falls back to <c>ArrayPool</c> above it (as with ASP.NET Core's <c>PinnedBlockMemoryPool</c>).</para>
/// </remarks>
public sealed unsafe class PageMemoryPool : MemoryPool<byte>
{
    // Buffers returned off their renting thread (or after Dispose) count down from here; Dispose
    // adds the buffers its thread contexts counted out minus this bias, and whoever brings the sum
    // to 0 releases the allocator.
    private const long PendingBias = 1L << 62;

    private static long s_nextId;

    // The calling thread's context of the pool it used last (naming the pool by id: no reference
    // that would keep an undisposed pool from being finalized).
    [ThreadStatic]
    private static ThreadContext? t_context;

    private readonly long _id = Interlocked.Increment(ref s_nextId);
    private readonly AllocatorHandle _handle = null!;
    private readonly pa_allocator* _allocator;
    private readonly ManagedArena? _arena;
    private readonly PageAllocator? _ownAllocator;
    private readonly BufferOwnerTable _owners = null!;
    private readonly List<ThreadContext> _contexts = [];
    private readonly ThreadLocal<ThreadContext?> _threadContexts = new();
    private readonly Gfp _gfp;
    private readonly int _pageShift;
    private readonly PageLayout* _layout;
    private long _pending = PendingBias;
    private long _retiredOutstanding; // buffers out of contexts whose thread ended (under _contexts' lock)
    private int _disposed;

    /// <summary>A pool over its own allocator with a managed arena: the defaults of
    /// <see cref="PageAllocatorOptions"/> (one node, 256 MiB) with
    /// <see cref="PageAllocatorOptions.ManagedArena"/> on, so every buffer passes
    /// <c>MemoryMarshal.TryGetArray</c>; blocks of order 0 to <see cref="PageAllocator.MaxOrder"/>.
    /// The allocator goes with the pool and its last buffer.</summary>
    /// <exception cref="InsufficientMemoryException">The arena could not be allocated.</exception>
    public PageMemoryPool()
        : this(new PageAllocator(new PageAllocatorOptions { ManagedArena = true }), Gfp.Kernel, Methods.PA_MAX_ORDER, ownsAllocator: true)
    {
    }

    /// <summary>A pool over <paramref name="allocator"/> serving blocks of order 0 to
    /// <paramref name="maxOrder"/>.</summary>
    /// <param name="allocator">The allocator; must have memory (not metadata-only). Its buffers pass
    /// <c>MemoryMarshal.TryGetArray</c> when it has a managed arena.</param>
    /// <param name="gfp">The flags of every allocation.</param>
    /// <param name="maxOrder">The largest order served, 0 to <see cref="PageAllocator.MaxOrder"/>;
    /// <see cref="MaxBufferSize"/> is the page size shifted by it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="allocator"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="allocator"/> is metadata-only, or
    /// <paramref name="gfp"/> has unknown bits or a bad zone combination.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxOrder"/> is out of range.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="allocator"/> is disposed.</exception>
    public PageMemoryPool(PageAllocator allocator, Gfp gfp = Gfp.Kernel, int maxOrder = Methods.PA_MAX_ORDER)
        : this(allocator, gfp, maxOrder, ownsAllocator: false)
    {
    }

    private PageMemoryPool(PageAllocator allocator, Gfp gfp, int maxOrder, bool ownsAllocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        PageAllocator.CheckGfp(gfp);
        ArgumentOutOfRangeException.ThrowIfNegative(maxOrder);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxOrder, PageAllocator.MaxOrder);
        if (allocator.IsMetadataOnly)
        {
            throw new ArgumentException("A metadata-only allocator has no memory to pool.", nameof(allocator));
        }

        allocator.ThrowIfDisposed();
        long pfnLimit = allocator.PfnLimit();
        _owners = new BufferOwnerTable(pfnLimit);
        _layout = allocator.Handle.Layout;
        allocator.Handle.AddRef();
        _handle = allocator.Handle;
        _allocator = allocator.Pointer;
        _arena = _handle.Arena;
        _ownAllocator = ownsAllocator ? allocator : null;
        _gfp = gfp;
        _pageShift = BitOperations.Log2((uint)allocator.PageSize);
        MaxOrder = maxOrder;
        MaxBufferSize = allocator.PageSize << maxOrder;
    }

    /// <summary>Reports the buffers never returned and releases the allocator reference of a pool
    /// that was never disposed.</summary>
    ~PageMemoryPool()
    {
        Dispose(false);
    }

    /// <summary>The largest buffer <see cref="Rent(int)"/> serves: the page size shifted by
    /// <see cref="MaxOrder"/>.</summary>
    public override int MaxBufferSize { get; }

    /// <summary>The largest order served.</summary>
    public int MaxOrder { get; }

    /// <summary>Buffers rented and not yet returned.</summary>
    public long RentedBuffers
    {
        get
        {
            long pending = Interlocked.Read(ref _pending);
            if (Volatile.Read(ref _disposed) != 0 && pending < PendingBias / 2)
            {
                return pending;
            }

            long counted;
            lock (_contexts)
            {
                counted = _retiredOutstanding;
                foreach (ThreadContext context in _contexts)
                {
                    counted += Volatile.Read(ref context.Rented) - Volatile.Read(ref context.Returned);
                }
            }

            return counted - (PendingBias - pending);
        }
    }

    /// <summary>The counters of the page pools behind one-page rents (one per renting thread),
    /// summed, and the pages they hold or have handed out (<c>inflight</c>); false once the pool is
    /// disposed (its page pools are gone).</summary>
    /// <param name="stats">The summed counters.</param>
    /// <param name="inflight">The summed <c>pa_page_pool_inflight</c>.</param>
    /// <returns>Whether the pool was alive to read.</returns>
    /// <remarks>Calls <c>pa_page_pool_get_stats</c> and <c>pa_page_pool_inflight</c> for each
    /// thread's pool; the counters are read while their threads update them (as the kernel's
    /// ethtool statistics are), so each is exact on its own, not all at one instant.</remarks>
    public bool TryGetPagePoolStats(out PagePoolStats stats, out long inflight)
    {
        stats = default;
        inflight = 0;
        lock (_contexts)
        {
            // Dispose marks the pool before it takes this lock to destroy the page pools.
            if (Volatile.Read(ref _disposed) != 0)
            {
                return false;
            }

            foreach (ThreadContext context in _contexts)
            {
                pa_page_pool_stats s;
                if (Methods.pa_page_pool_get_stats(context.Pool, &s) == 0)
                {
                    stats = new PagePoolStats(
                        stats.AllocFast + (long)s.alloc_fast, stats.AllocSlow + (long)s.alloc_slow,
                        stats.AllocSlowHighOrder + (long)s.alloc_slow_high_order, stats.AllocEmpty + (long)s.alloc_empty,
                        stats.AllocRefill + (long)s.alloc_refill, stats.AllocWaive + (long)s.alloc_waive,
                        stats.RecycleCached + (long)s.recycle_cached, stats.RecycleCacheFull + (long)s.recycle_cache_full,
                        stats.RecycleRing + (long)s.recycle_ring, stats.RecycleRingFull + (long)s.recycle_ring_full,
                        stats.RecycleReleasedRefcnt + (long)s.recycle_released_refcnt);
                }

                inflight += Methods.pa_page_pool_inflight(context.Pool);
            }
        }

        return true;
    }

    /// <summary>Thread contexts (page pools) alive now, for the tests.</summary>
    internal int ThreadContexts
    {
        get
        {
            lock (_contexts)
            {
                return _contexts.Count;
            }
        }
    }

    /// <summary>The order of the block <see cref="Rent(int)"/> allocates for a size.</summary>
    /// <param name="minBufferSize">The size; 0 or less (-1 is the usual "any size") means one page.</param>
    /// <returns>The smallest order whose block holds <paramref name="minBufferSize"/> bytes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minBufferSize"/> is larger than <see cref="MaxBufferSize"/>.</exception>
    public int OrderFor(int minBufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, MaxBufferSize);
        if (minBufferSize <= 0)
        {
            return 0;
        }

        uint pages = (uint)((minBufferSize - 1) >> _pageShift) + 1;
        return BitOperations.Log2(BitOperations.RoundUpToPowerOf2(pages));
    }

    /// <summary>Rents a block of at least <paramref name="minBufferSize"/> bytes: one page for
    /// 0 or less, else the smallest power-of-two number of pages that holds it. The owner's
    /// <see cref="IMemoryOwner{T}.Memory"/> is the whole block.</summary>
    /// <param name="minBufferSize">The size wanted; -1 (the default) or any value up to 0 means one page.</param>
    /// <returns>The block's owner, a <see cref="PageBlockMemoryManager"/>; dispose it to return the pages.</returns>
    /// <remarks>Calls <c>pa_page_pool_alloc_pages</c> on the calling thread's page pool for one page
    /// (made with <c>pa_page_pool_create</c> on the thread's first rent), <c>pa_alloc_pages_node</c>
    /// on the calling thread's CPU's node for more.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minBufferSize"/> is larger than <see cref="MaxBufferSize"/>.</exception>
    /// <exception cref="InsufficientMemoryException">The allocator has no free block of that order.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        int order = OrderFor(minBufferSize);
        ThreadContext? context = t_context;
        if (context is null || context.PoolId != _id)
        {
            context = EnterPool();
        }


        // Busy while the native pool is used: Dispose waits for it (see Dispose).
        Volatile.Write(ref context.Busy, 1);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Volatile.Write(ref context.Busy, 0);
            ObjectDisposedException.ThrowIf(true, this);
        }

        pa_page* page = order == 0
            ? Methods.pa_page_pool_alloc_pages(context.Pool, (uint)_gfp)
            : Methods.pa_alloc_pages_node(_allocator, (uint)_gfp, (uint)order, Methods.PA_NUMA_NO_NODE);
        if (page != null)
        {
            context.Rented++;
        }

        Volatile.Write(ref context.Busy, 0);
        if (page == null)
        {
            throw new InsufficientMemoryException($"No free block of order {order} ({_gfp}).");
        }

        return Lease(page, order, context);
    }

    /// <summary>Takes a block back from its owner (disposed and unpinned). On the renting thread,
    /// into its page pool's cache (order 0) or the allocator; on any other thread, or after
    /// Dispose, through the renting pool's ring (a destroyed pool hands it to the allocator) and
    /// counted down atomically. The owner may be leased again as soon as the pages are back, so
    /// nothing of it is read afterwards.</summary>
    internal void Return(PageBlockMemoryManager owner)
    {
        ThreadContext context = owner.Context;
        pa_page* page = owner.Page;
        int order = owner.Order;
        if (context.Owner == Thread.CurrentThread)
        {
            Volatile.Write(ref context.Busy, 1);
            if (Volatile.Read(ref _disposed) == 0)
            {
                if (order == 0)
                {
                    Methods.pa_page_pool_recycle_direct(context.Pool, page);
                }
                else
                {
                    Methods.pa_free_pages(_allocator, page, (uint)order);
                }

                context.Returned++;
                Volatile.Write(ref context.Busy, 0);
                return;
            }

            Volatile.Write(ref context.Busy, 0);
        }

        if (order == 0)
        {
            Methods.pa_page_pool_put_page(context.Pool, page, -1, false);
        }
        else
        {
            Methods.pa_free_pages(_allocator, page, (uint)order);
        }

        if (Interlocked.Decrement(ref _pending) == 0)
        {
            _handle.DangerousRelease();
        }
    }

    /// <summary>Stops new rents, destroys the thread contexts' page pools (their caches and rings go
    /// back to the allocator) and releases the pool's allocator reference: the allocator goes when
    /// the last buffer is returned. Reports the buffers still out. Disposing twice is harmless.</summary>
    /// <param name="disposing">False on the finalizer thread (counted by the leak gate).</param>
    /// <remarks>Calls <c>pa_page_pool_destroy</c> for each thread's pool.</remarks>
    protected override void Dispose(bool disposing)
    {
        // _handle is null when the constructor threw before taking its reference.
        if (_handle is null || Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (!disposing)
        {
            OwnerDiagnostics.OwnerFinalized();
        }
        else
        {
            GC.SuppressFinalize(this);
        }

        // An asymmetric Dekker handshake: a thread in Rent or Return wrote Busy before reading
        // _disposed; this barrier makes every such write visible here, or makes that thread see
        // _disposed. After the wait no thread uses a context's native pool on its own again.
        Interlocked.MemoryBarrierProcessWide();
        long outstanding;
        lock (_contexts)
        {
            outstanding = _retiredOutstanding;
            foreach (ThreadContext context in _contexts)
            {
                var wait = new SpinWait();
                while (Volatile.Read(ref context.Busy) != 0)
                {
                    wait.SpinOnce();
                }

                outstanding += context.Rented - context.Returned;
                Methods.pa_page_pool_destroy(context.Pool);
            }
        }

        long rented = Interlocked.Add(ref _pending, outstanding - PendingBias);
        if (rented > 0)
        {
            OwnerDiagnostics.BuffersLeaked(rented);
            _handle.Log(PageAllocatorLogLevel.Warning,
                $"PageMemoryPool {(disposing ? "disposed" : "finalized")} with {rented} buffer(s) never returned; their pages stay allocated until they are disposed");
        }
        else
        {
            _handle.DangerousRelease();
        }

        if (disposing)
        {
            _threadContexts.Dispose();
            _ownAllocator?.Dispose();
        }
    }

    /// <summary>The calling thread's context of this pool, made (with its page pool) on the thread's
    /// first rent; remembered as the thread's last pool.</summary>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    private ThreadContext EnterPool()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ThreadContext? context = _threadContexts.Value;
        if (context is null)
        {
            lock (_contexts)
            {
                // Under the lock Dispose walks the contexts with: a context made here is seen there.
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                RetireEndedThreads();
                context = new ThreadContext(_id, CreatePagePool());
                _contexts.Add(context);
            }

            _threadContexts.Value = context;
        }

        t_context = context;
        return context;
    }

    /// <summary>Destroys the page pools of threads that have ended (under the contexts' lock), so
    /// that thread pool churn does not strand pages in caches nobody refills from. An ended thread
    /// is in no native call and writes its counts no more; buffers it rented that are still out
    /// stay counted, and return through the destroyed pool (straight to the allocator).</summary>
    private void RetireEndedThreads()
    {
        for (int i = _contexts.Count - 1; i >= 0; i--)
        {
            ThreadContext context = _contexts[i];
            if (!context.Owner.IsAlive)
            {
                _retiredOutstanding += context.Rented - context.Returned;
                Methods.pa_page_pool_destroy(context.Pool);
                _contexts.RemoveAt(i);
            }
        }
    }

    private pa_page_pool* CreatePagePool()
    {
        var parameters = new pa_page_pool_params { order = 0, nid = Methods.PA_NUMA_NO_NODE };
        pa_page_pool* pool = null;
        int rc = Methods.pa_page_pool_create(_allocator, &parameters, &pool);
        if (rc != 0 || pool == null)
        {
            throw new InsufficientMemoryException($"pa_page_pool_create failed ({rc}).");
        }

        return pool;
    }

    private PageBlockMemoryManager Lease(pa_page* page, int order, ThreadContext context)
    {
        ManagedArena? arena = _arena;
        long pfn;
        byte* address;
        PageLayout* layout = _layout;
        if (layout != null)
        {
            // Arithmetic on the descriptor: its index is the frame number, and the memory is flat.
            pfn = layout->PfnOf(page);
            address = layout->MemoryZero + (pfn << _pageShift);
        }
        else
        {
            address = (byte*)Methods.pa_page_address(_allocator, page);
            pfn = (long)Methods.pa_page_to_pfn(_allocator, page);
        }

        int offset = arena is not null ? arena.OffsetOf(address) : 0;
        PageBlockMemoryManager owner = _owners.Get(pfn, this, arena?.Array);
        owner.Lease(page, address, offset, order, 1 << (_pageShift + order), context);
        return owner;
    }

    /// <summary>One renting thread's share of the pool: its page pool, of which it is the context,
    /// and its counts, written by that thread only while <see cref="Busy"/>.</summary>
    internal sealed class ThreadContext
    {
        internal ThreadContext(long poolId, pa_page_pool* pool)
        {
            PoolId = poolId;
            Pool = pool;
            Owner = Thread.CurrentThread;
        }

        /// <summary>The pool's id (<see cref="PageMemoryPool"/>'s <c>_id</c>).</summary>
        internal long PoolId { get; }

        internal pa_page_pool* Pool { get; }

        /// <summary>The renting thread: returns on it are direct.</summary>
        internal Thread Owner { get; }

        /// <summary>1 while the owner thread is inside the native pool.</summary>
        internal int Busy;

        /// <summary>Buffers rented, and those returned on the owner thread.</summary>
        internal long Rented;

        internal long Returned;
    }
}
