// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
/// <para><b>Per-CPU caches</b>, as the kernel's per-CPU page lists: the pool has one
/// <see cref="CpuPageCache"/> per CPU (<see cref="Environment.ProcessorCount"/>), and a rent or a
/// return uses the cache of the CPU it runs on (asked at each call: <c>sched_getcpu</c> on Linux,
/// else <see cref="Thread.GetCurrentProcessorId"/>), whichever thread rented the buffer: a buffer returned on another CPU warms that CPU's cache,
/// as the kernel frees into the local list. One-page buffers come from the cache. A cache that
/// runs empty takes a batch of up to 64 pages from another CPU's cache (as the partitions of
/// .NET's <c>SharedArrayPool</c> do: the buffers a send loop returns on one CPU serve the rents
/// of another without a trip through the allocator), else from the allocator in one bulk call
/// (<c>pa_alloc_pages_bulk_array</c>); pages go back to the allocator in batches
/// (<c>pa_release_pages</c>).
/// Larger blocks go straight to the allocator (<c>pa_alloc_pages_node</c> /
/// <c>pa_free_pages</c>).</para>
/// <para><b>Sizes follow the load</b> by the kernel's 6.7+ rules: a cache's limit (high) grows by
/// a batch when a rent finds it empty or a return finds it full, up to its largest size (512
/// pages, below); there a return to a full cache first gives the 64 coldest pages back. Every
/// <see cref="DefaultDecayPeriod"/> a timer (never a rent or a return) runs
/// <see cref="Decay"/>: each cache's high drops by an eighth (<c>decay_pcp_high()</c>) and the
/// pages above it go back, so an idle pool's caches shrink to a few pages each.
/// <see cref="ReleaseCachedPages"/> empties them at once. <b>The most pages the pool holds free
/// is CPUs × min(512, managed / (8 × CPUs))</b> (<see cref="MaxCachedPages"/>): 2 MiB of 4 KiB
/// pages per CPU, and never more than an eighth of the allocator (the kernel too sizes its
/// per-CPU lists from the zone); the pages of rented buffers are the renters'.</para>
/// <para><b>Why it is safe.</b> Each cache has one lock (a compare-and-swap to take it, a plain
/// store to drop it) that guards its stack, its limit and its counts; a thread that finds its
/// CPU's lock taken uses the next cache that is free, and waits only when all are taken, so a
/// preempted holder delays nobody. No other state is shared: a page is in exactly one place (a
/// cache's stack, a renter's hands, or the allocator), and moves between them only under the
/// lock of the cache involved. <c>Dispose</c> closes each cache under its lock: it gives the
/// cached pages back, sets the limit to 0 and adds up rents minus returns. A closed cache serves
/// no rent (<see cref="ObjectDisposedException"/>) and sends every return straight to the
/// allocator, counting it down in one atomic counter to which <c>Dispose</c> adds its sum once
/// every cache is closed; whoever brings that counter to 0 releases the allocator. So the
/// allocator lives until the last buffer is back, and no page is returned twice as long as
/// each buffer is disposed once at a time (see <see cref="PageBlockMemoryManager"/>: like every
/// pool's, its owners do not arbitrate two threads disposing one buffer at the same moment).</para>
/// <para>A rent of one page costs one compare-and-swap (the cache lock), and so does a return;
/// nothing is allocated. Owners
/// (<see cref="PageBlockMemoryManager"/>) are reused, one per page frame, and registered no
/// finalizer. A buffer never disposed is reported when the pool is disposed or finalized: one
/// warning line through the allocator's <see cref="PageAllocator.Log"/> (standard error without
/// a handler) with the count of buffers still out. Disposing a buffer twice in sequence is
/// harmless.</para>
/// <para>Buffers pass <c>MemoryMarshal.TryGetArray</c> when the allocator has a managed arena
/// (<see cref="PageAllocatorOptions.ManagedArena"/>; the pool made by <see cref="PageMemoryPool()"/>
/// has one): Kestrel's socket transport and every API that takes <c>byte[]</c> segments need that.
/// Over native memory they work everywhere else.</para>
/// <para>The pool keeps the native allocator alive: it keeps working after the
/// <see cref="PageAllocator"/> is disposed, and the native allocator goes when the pool is
/// disposed and its last buffer returned. <see cref="Rent(int)"/> and a buffer's <c>Dispose</c> may
/// be called from any thread; after the pool's <c>Dispose</c>, <see cref="Rent(int)"/> throws
/// <see cref="ObjectDisposedException"/> while buffers already rented stay valid until they are
/// disposed.</para>
/// <para>A <c>Pipe</c> uses the pool only for a size hint up to <see cref="MaxBufferSize"/> and
/// falls back to <c>ArrayPool</c> above it (as with ASP.NET Core's <c>PinnedBlockMemoryPool</c>).</para>
/// </remarks>
public sealed unsafe class PageMemoryPool : MemoryPool<byte>
{
    private readonly CpuPageCache[] _caches = null!;
    private readonly object[] _padding = null!;
    private readonly AllocatorHandle _handle = null!;
    private readonly pa_allocator* _allocator;
    private readonly ManagedArena? _arena;
    private readonly PageAllocator? _ownAllocator;
    private readonly BufferOwnerTable _owners = null!;
    private readonly Timer? _decay;
    private readonly Gfp _gfp;
    private readonly int _pageShift;
    private readonly int _pageSize;
    private readonly PageLayout* _layout;
    // Buffers still out once the pool is disposed: closed caches count returns down, Dispose
    // adds the outstanding sum; 0 releases the allocator (see the class remarks).
    private long _outstandingAfterDispose;
    private int _disposed;
    private bool _clearOnReturn;

    /// <summary>A pool over its own allocator with a managed arena: the defaults of
    /// <see cref="PageAllocatorOptions"/> (one node, 256 MiB) with
    /// <see cref="PageAllocatorOptions.ManagedArena"/> on, so every buffer passes
    /// <c>MemoryMarshal.TryGetArray</c>; blocks of order 0 to <see cref="PageAllocator.MaxOrder"/>.
    /// The allocator goes with the pool and its last buffer.</summary>
    /// <exception cref="InsufficientMemoryException">The arena could not be allocated.</exception>
    public PageMemoryPool()
        : this(new PageAllocator(new PageAllocatorOptions { ManagedArena = true }), Gfp.Kernel, Methods.PA_MAX_ORDER, DefaultDecayPeriod, ownsAllocator: true)
    {
    }

    /// <summary>A pool over <paramref name="allocator"/> serving blocks of order 0 to
    /// <paramref name="maxOrder"/>, decaying every <see cref="DefaultDecayPeriod"/>.</summary>
    /// <param name="allocator">The allocator; must have memory (not metadata-only). Its buffers pass
    /// <c>MemoryMarshal.TryGetArray</c> when it has a managed arena.</param>
    /// <param name="gfp">The flags of every allocation.</param>
    /// <param name="maxOrder">The largest order served, 0 to <see cref="PageAllocator.MaxOrder"/>;
    /// <see cref="MaxBufferSize"/> is the page size shifted by it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="allocator"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="allocator"/> is metadata-only or has
    /// more than 2^31 pages, or <paramref name="gfp"/> has unknown bits or a bad zone combination.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxOrder"/> is out of range.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="allocator"/> is disposed.</exception>
    public PageMemoryPool(PageAllocator allocator, Gfp gfp = Gfp.Kernel, int maxOrder = Methods.PA_MAX_ORDER)
        : this(allocator, gfp, maxOrder, DefaultDecayPeriod, ownsAllocator: false)
    {
    }

    /// <summary>A pool over <paramref name="allocator"/> serving blocks of order 0 to
    /// <paramref name="maxOrder"/>, whose caches decay every <paramref name="decayPeriod"/>.</summary>
    /// <param name="allocator">The allocator; must have memory (not metadata-only).</param>
    /// <param name="gfp">The flags of every allocation.</param>
    /// <param name="maxOrder">The largest order served, 0 to <see cref="PageAllocator.MaxOrder"/>.</param>
    /// <param name="decayPeriod">How often <see cref="Decay"/> runs on a timer; 
    /// <see cref="Timeout.InfiniteTimeSpan"/>: never (the caller calls it).</param>
    /// <exception cref="ArgumentNullException"><paramref name="allocator"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="allocator"/> is metadata-only or has
    /// more than 2^31 pages, or <paramref name="gfp"/> has unknown bits or a bad zone combination.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxOrder"/> is out of range, or
    /// <paramref name="decayPeriod"/> is neither positive nor infinite.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="allocator"/> is disposed.</exception>
    public PageMemoryPool(PageAllocator allocator, Gfp gfp, int maxOrder, TimeSpan decayPeriod)
        : this(allocator, gfp, maxOrder, decayPeriod, ownsAllocator: false)
    {
    }

    private PageMemoryPool(PageAllocator allocator, Gfp gfp, int maxOrder, TimeSpan decayPeriod, bool ownsAllocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        PageAllocator.CheckGfp(gfp);
        ArgumentOutOfRangeException.ThrowIfNegative(maxOrder);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxOrder, PageAllocator.MaxOrder);
        if (decayPeriod != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(decayPeriod, TimeSpan.Zero);
        }

        if (allocator.IsMetadataOnly)
        {
            throw new ArgumentException("A metadata-only allocator has no memory to pool.", nameof(allocator));
        }

        allocator.ThrowIfDisposed();
        long pfnLimit = allocator.PfnLimit();
        if (pfnLimit > int.MaxValue)
        {
            throw new ArgumentException("The pool names pages by 32-bit frame numbers: the allocator has more than 2^31 pages.", nameof(allocator));
        }

        _owners = new BufferOwnerTable(pfnLimit);
        _caches = new CpuPageCache[Environment.ProcessorCount];
        _padding = new object[_caches.Length];
        // The kernel sizes a CPU's list from its zone (zone_highsize): here all caches together
        // hold at most an eighth of the allocator's pages, so that they never starve the
        // allocator's other users on a small one.
        int highMax = (int)Math.Clamp(ManagedPages(allocator.Pointer, allocator.NodeCount) / (8L * _caches.Length), 1, CpuPageCache.MaxHigh);
        for (int i = 0; i < _caches.Length; i++)
        {
            _caches[i] = new CpuPageCache(highMax);
            // Allocated right after it, and kept: two CPUs' locks never share a cache line.
            _padding[i] = new byte[128];
        }

        _layout = allocator.Handle.Layout;
        _allocator = allocator.Pointer;
        _arena = allocator.Handle.Arena;
        _ownAllocator = ownsAllocator ? allocator : null;
        _gfp = gfp;
        _pageSize = allocator.PageSize;
        _pageShift = BitOperations.Log2((uint)_pageSize);
        MaxOrder = maxOrder;
        MaxBufferSize = _pageSize << maxOrder;
        allocator.Handle.AddRef();
        _handle = allocator.Handle;
        if (decayPeriod != Timeout.InfiniteTimeSpan)
        {
            // A weak reference: the timer must not keep an undisposed pool from its finalizer.
            // No execution context flows into it (it belongs to no request).
            using (ExecutionContext.SuppressFlow())
            {
                _decay = new Timer(static state =>
                {
                    if (((WeakReference<PageMemoryPool>)state!).TryGetTarget(out PageMemoryPool? pool))
                    {
                        pool.Decay();
                    }
                }, new WeakReference<PageMemoryPool>(this), decayPeriod, decayPeriod);
            }
        }
    }

    /// <summary>Reports the buffers never returned and releases the allocator reference of a pool
    /// that was never disposed.</summary>
    ~PageMemoryPool()
    {
        Dispose(false);
    }

    /// <summary>How often the caches of a pool made without a period decay: one second, the
    /// kernel's vmstat interval.</summary>
    public static TimeSpan DefaultDecayPeriod { get; } = TimeSpan.FromSeconds(1);

    /// <summary>The largest buffer <see cref="Rent(int)"/> serves: the page size shifted by
    /// <see cref="MaxOrder"/>.</summary>
    public override int MaxBufferSize { get; }

    /// <summary>The largest order served.</summary>
    public int MaxOrder { get; }

    /// <summary>The number of CPU caches: <see cref="Environment.ProcessorCount"/>.</summary>
    public int CacheCount => _caches.Length;

    /// <summary>The most free pages the pool can hold in its caches: 512 per CPU, and at most an
    /// eighth of the allocator's pages in all (<see cref="CacheCount"/> ×
    /// min(512, managed pages / (8 × <see cref="CacheCount"/>))).</summary>
    public int MaxCachedPages => _caches.Length * _caches[0].HighMax;

    /// <summary>Buffers rented and not yet returned (exact while no rent or return runs).</summary>
    public long RentedBuffers
    {
        get
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return Math.Max(Volatile.Read(ref _outstandingAfterDispose), 0);
            }

            PageMemoryPoolCounters counters = Counters;
            return counters.Rents - counters.Returns;
        }
    }

    /// <summary>The pool's counts summed over its CPU caches, each cache read under its lock.</summary>
    public PageMemoryPoolCounters Counters
    {
        get
        {
            long pooled = 0, allocated = 0, evicted = 0, rentedPages = 0, rents = 0, returns = 0;
            foreach (CpuPageCache cache in _caches)
            {
                cache.Enter();
                pooled += cache.Count;
                allocated += cache.AllocatedPages;
                evicted += cache.EvictedPages;
                rentedPages += cache.RentedPages;
                rents += cache.Rents;
                returns += cache.Returns;
                cache.Exit();
            }

            return new PageMemoryPoolCounters(pooled, allocated, evicted, rentedPages, rents, returns);
        }
    }

    /// <summary>The pool's counts in the kernel page_pool's terms, summed over its CPU caches, and
    /// the pages taken from the allocator and not given back (<c>inflight</c>: cached or rented);
    /// false once the pool is disposed.</summary>
    /// <param name="stats">alloc_fast: one-page rents from a cache; alloc_slow: those that refilled
    /// it from the allocator; alloc_refill: those that refilled it from another CPU's cache;
    /// alloc_slow_high_order: larger blocks; alloc_empty: rents the allocator could not serve;
    /// recycle_cached: one-page returns into a cache; recycle_cache_full: those that found it
    /// full at its largest size (a batch went back first). The ring counters are 0: there is no ring.</param>
    /// <param name="inflight">Pages taken from the allocator and not given back.</param>
    /// <returns>Whether the pool was alive to read.</returns>
    public bool TryGetPagePoolStats(out PagePoolStats stats, out long inflight)
    {
        stats = default;
        inflight = 0;
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        long fast = 0, slow = 0, refill = 0, high = 0, empty = 0, cached = 0, full = 0;
        foreach (CpuPageCache cache in _caches)
        {
            cache.Enter();
            fast += cache.AllocFast;
            slow += cache.AllocSlow;
            refill += cache.AllocRefill;
            high += cache.AllocSlowHighOrder;
            empty += cache.AllocEmpty;
            cached += cache.RecycleCached;
            full += cache.RecycleCacheFull;
            inflight += cache.AllocatedPages - cache.EvictedPages;
            cache.Exit();
        }

        stats = new PagePoolStats(fast, slow, high, empty, refill, 0, cached, full, 0, 0, 0);
        return true;
    }

    /// <summary>The CPU caches, for the tests.</summary>
    internal CpuPageCache[] Caches => _caches;

    /// <summary>Runs before an owner is made for a page frame, for the tests: a throw here is a
    /// failure after the page was taken.</summary>
    internal Action<long>? OwnerCreating { get; set; }

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
    /// <remarks>One page comes from the calling CPU's cache, refilled with
    /// <c>pa_alloc_pages_bulk_array</c> when empty; more from <c>pa_alloc_pages_node</c> on the
    /// calling thread's CPU's node.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minBufferSize"/> is larger than <see cref="MaxBufferSize"/>.</exception>
    /// <exception cref="InsufficientMemoryException">The allocator has no free block of that order.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1) => RentOrNull(minBufferSize) ?? throw NoPages(minBufferSize);

    /// <summary>As <see cref="Rent(int)"/>, but a rent the allocator cannot serve returns false
    /// instead of throwing: for a caller with somewhere else to go (Kestrel's pools go to an
    /// overflow pool), to whom running out is not an error.</summary>
    /// <param name="minBufferSize">The size wanted; -1 or any value up to 0 means one page.</param>
    /// <param name="buffer">The block's owner; null when the allocator had no free block of that order.</param>
    /// <returns>Whether a block was rented.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minBufferSize"/> is larger than <see cref="MaxBufferSize"/>.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public bool TryRent(int minBufferSize, [NotNullWhen(true)] out IMemoryOwner<byte>? buffer)
    {
        buffer = RentOrNull(minBufferSize);
        return buffer is not null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private PageBlockMemoryManager? RentOrNull(int minBufferSize)
    {
        if (minBufferSize > _pageSize)
        {
            return RentBlock(OrderFor(minBufferSize));
        }

        CpuPageCache cache = EnterCache();
        if (cache.Count == 0)
        {
            return RentRefill(cache);
        }

        PageBlockMemoryManager owner = cache.Pop();
        cache.AllocFast++;
        cache.Exit();
        owner.Lease(0, _pageShift);
        return owner;
    }

    private InsufficientMemoryException NoPages(int minBufferSize) => minBufferSize > _pageSize
        ? new InsufficientMemoryException($"No free block of order {OrderFor(minBufferSize)} ({_gfp}).")
        : new InsufficientMemoryException($"No free page ({_gfp}).");

    /// <summary>One tick of the caches' decay (the kernel's <c>decay_pcp_high()</c>): each
    /// cache's high drops by an eighth (never below 0), and the pages
    /// above it go back to the allocator in batches (counted as evicted). The pool's timer calls
    /// it every decay period; calling it more often shrinks the caches faster. Nothing after
    /// <c>Dispose</c>.</summary>
    public void Decay()
    {
        bool gaveBack = false, empty = true;
        foreach (CpuPageCache cache in _caches)
        {
            cache.Enter();
            try
            {
                if (!cache.Closed)
                {
                    int excess = cache.DecayHigh();
                    if (excess > 0)
                    {
                        Drain(cache, excess, evicted: true);
                        gaveBack = true;
                    }

                    empty &= cache.Count == 0;
                }
            }
            finally
            {
                cache.Exit();
            }
        }

        // The tick that empties the last cache also empties the allocator's per-CPU lists, as
        // the kernel's vmstat work drains an idle CPU's lists: the pages merge back into
        // blocks that free page reporting can give to the OS.
        if (gaveBack && empty)
        {
            Methods.pa_drain_all_pages(_allocator);
        }
    }

    /// <summary>Gives every cached page back to the allocator now and sets each cache's high to
    /// its minimum (counted as evicted); buffers out are not touched. Nothing after <c>Dispose</c>.</summary>
    public void ReleaseCachedPages()
    {
        foreach (CpuPageCache cache in _caches)
        {
            cache.Enter();
            try
            {
                if (!cache.Closed)
                {
                    Drain(cache, cache.Count, evicted: true);
                    cache.High = CpuPageCache.HighMin;
                }
            }
            finally
            {
                cache.Exit();
            }
        }
    }

    /// <summary>Whether a buffer's bytes are zeroed as it comes back, before any other rent can see
    /// them: what one request wrote never reaches another's buffer (the pool's form of the kernel's
    /// <c>init_on_free</c>: recycled pages never reach the allocator's free path). Off by default;
    /// the cost is one clear of the block per return. It may be changed at any time, as
    /// <see cref="System.Buffers.ArrayPool{T}.Return"/> decides per call: it holds for the buffers
    /// returned after the change (one returned during the change may go either way).</summary>
    public bool ClearOnReturn
    {
        get => Volatile.Read(ref _clearOnReturn);
        set => Volatile.Write(ref _clearOnReturn, value);
    }

    /// <summary>Takes a block back from its owner (disposed and unpinned), on the calling CPU's
    /// cache: a page onto its stack, a larger block to the allocator; after <c>Dispose</c>, to
    /// the allocator and counted down. The owner may be leased again as soon as it is on the
    /// stack, so nothing of it is read afterwards.</summary>
    internal void Return(PageBlockMemoryManager owner)
    {
        if (Volatile.Read(ref _clearOnReturn))
        {
            owner.Bytes.Clear();
        }

        CpuPageCache cache = EnterCache();
        if (cache.Count < cache.High && owner.Order == 0)
        {
            cache.Push(owner);
            cache.RecycleCached++;
            cache.Exit();
            return;
        }

        ReturnSlow(cache, owner);
    }

    /// <summary>Closes every cache (their pages go back to the allocator, the rents and returns
    /// are added up) and releases the pool's allocator reference: the allocator goes when the
    /// last buffer is returned. Reports the buffers still out. Disposing twice is harmless.</summary>
    /// <param name="disposing">False on the finalizer thread (counted by the leak gate).</param>
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

        _decay?.Dispose();
        long outstanding = 0;
        foreach (CpuPageCache cache in _caches)
        {
            cache.Enter();
            Drain(cache, cache.Count, evicted: false);
            cache.Closed = true;
            cache.High = 0;
            outstanding += cache.Rents - cache.Returns;
            cache.Exit();
        }

        long rented = Interlocked.Add(ref _outstandingAfterDispose, outstanding);
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
            _ownAllocator?.Dispose();
        }
    }

    /// <summary>The calling CPU's cache, locked; another free one if that lock is taken.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private CpuPageCache EnterCache()
    {
        CpuPageCache[] caches = _caches;
        uint cpu = CurrentCpu();
        if (cpu >= (uint)caches.Length)
        {
            cpu %= (uint)caches.Length;
        }

        CpuPageCache cache = caches[cpu];
        return cache.TryEnter() ? cache : EnterContended(cpu);
    }

    private static long ManagedPages(pa_allocator* allocator, int nodes)
    {
        long managed = 0;
        for (int node = 0; node < nodes; node++)
        {
            for (int zone = 0; zone < (int)pa_zone_type.PA_NR_ZONES; zone++)
            {
                pa_zone_info info;
                if (Methods.pa_zone_info(allocator, node, (pa_zone_type)zone, &info) == 0)
                {
                    managed += (long)info.managed;
                }
            }
        }

        return managed;
    }

    /// <summary>The CPU the calling thread runs on, asked at every rent and return: on Linux
    /// the C library's <c>sched_getcpu</c> (glibc reads the thread's rseq area, or calls the
    /// vDSO's getcpu), called without a GC transition, costs less than a thread-static field of
    /// this assembly (each read of one is a call into the runtime and <c>__tls_get_addr</c>:
    /// docs/KESTREL.md); elsewhere, or without it, <see cref="Thread.GetCurrentProcessorId"/>,
    /// which the runtime caches per thread. A thread that moves between the call and the cache's
    /// lock uses its old CPU's cache once, which the lock makes harmless.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint CurrentCpu()
    {
        delegate* unmanaged[Cdecl, SuppressGCTransition]<int> getcpu = s_schedGetCpu;
        // -1 (failure) becomes a large number, which the caller's modulo folds onto a cache.
        return getcpu != null ? (uint)getcpu() : (uint)Thread.GetCurrentProcessorId();
    }

    // sched_getcpu of the C library, or null. It takes no lock, never waits and calls nothing
    // back, so it may run without a GC transition.
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<int> s_schedGetCpu = FindSchedGetCpu();

    private static delegate* unmanaged[Cdecl, SuppressGCTransition]<int> FindSchedGetCpu()
    {
        // glibc's soname; musl's loader takes it as a name of its own libc too.
        if (OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out nint libc)
            && NativeLibrary.TryGetExport(libc, "sched_getcpu", out nint getcpu))
        {
            return (delegate* unmanaged[Cdecl, SuppressGCTransition]<int>)getcpu;
        }

        return null;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private CpuPageCache EnterContended(uint cpu)
    {
        CpuPageCache[] caches = _caches;
        for (uint i = 1; i < (uint)caches.Length; i++)
        {
            CpuPageCache other = caches[(cpu + i) % (uint)caches.Length];
            if (other.TryEnter())
            {
                return other;
            }
        }

        caches[cpu].Enter();
        return caches[cpu];
    }

    /// <summary>A one-page rent that found its cache (locked) empty: high grows by a batch, and a
    /// batch comes from another CPU's cache, else from the allocator in one bulk call; null when
    /// the allocator has none.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private PageBlockMemoryManager? RentRefill(CpuPageCache cache)
    {
        PageBlockMemoryManager owner;
        try
        {
            ObjectDisposedException.ThrowIf(cache.Closed, this);
            cache.GrowHigh();
            if (Steal(cache))
            {
                cache.AllocRefill++;
            }
            else if (Refill(cache) != 0)
            {
                cache.AllocSlow++;
            }
            else
            {
                cache.AllocEmpty++;
                return null;
            }

            owner = cache.Pop();
        }
        finally
        {
            cache.Exit();
        }

        owner.Lease(0, _pageShift);
        return owner;
    }

    /// <summary>A block of more than one page, straight from the allocator; counted on the
    /// calling CPU's cache; null when the allocator has none. The page goes back if anything
    /// after taking it throws.</summary>
    private PageBlockMemoryManager? RentBlock(int order)
    {
        CpuPageCache cache = EnterCache();
        pa_page* page = null;
        PageBlockMemoryManager owner;
        try
        {
            ObjectDisposedException.ThrowIf(cache.Closed, this);
            page = Methods.pa_alloc_pages_node(_allocator, (uint)_gfp, (uint)order, Methods.PA_NUMA_NO_NODE);
            if (page == null)
            {
                cache.AllocEmpty++;
                return null;
            }

            owner = OwnerOf(page);
            page = null;
            cache.AllocSlowHighOrder++;
            cache.RentedHighOrderPages += 1L << order;
            cache.AllocatedPages += 1L << order;
        }
        finally
        {
            if (page != null)
            {
                Methods.pa_free_pages(_allocator, page, (uint)order);
            }

            cache.Exit();
        }

        owner.Lease(order, _pageShift);
        return owner;
    }

    /// <summary>A return that does not fit the fast path; the cache is locked and is unlocked here.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReturnSlow(CpuPageCache cache, PageBlockMemoryManager owner)
    {
        int order = owner.Order;
        if (cache.Closed)
        {
            cache.Exit();
            Methods.pa_free_pages(_allocator, owner.Page, (uint)order);
            // After the free: the last count releases the allocator.
            if (Interlocked.Decrement(ref _outstandingAfterDispose) == 0)
            {
                _handle.DangerousRelease();
            }

            return;
        }

        try
        {
            if (order != 0)
            {
                Methods.pa_free_pages(_allocator, owner.Page, (uint)order);
                cache.ReturnedBlocks++;
                cache.EvictedPages += 1L << order;
                return;
            }

            if (cache.High < cache.HighMax)
            {
                cache.GrowHigh();
            }
            else
            {
                cache.RecycleCacheFull++;
                Drain(cache, cache.BatchSize, evicted: true);
            }

            cache.Push(owner);
            cache.RecycleCached++;
        }
        finally
        {
            cache.Exit();
        }
    }

    /// <summary>Moves up to a batch of pages from the first other cache that holds any onto the
    /// (locked, empty) cache. Two caches are locked at once only here, and the second only with
    /// a bounded number of tries (a thread returning into it holds it for a push at a time):
    /// no thread ever waits for a lock while holding one.</summary>
    /// <returns>Whether any moved.</returns>
    private bool Steal(CpuPageCache cache)
    {
        foreach (CpuPageCache other in _caches)
        {
            if (ReferenceEquals(other, cache) || Volatile.Read(ref other.Count) == 0 || !TryEnterBriefly(other))
            {
                continue;
            }

            int moved = other.MoveColdestTo(cache, cache.BatchSize);
            other.Exit();
            if (moved > 0)
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryEnterBriefly(CpuPageCache cache)
    {
        for (int i = 0; i < 64; i++)
        {
            if (cache.TryEnter())
            {
                return true;
            }

            Thread.SpinWait(1);
        }

        return false;
    }

    /// <summary>Fills the (locked, empty) cache with up to a batch of pages in one bulk call.</summary>
    /// <returns>The pages added; 0 when the allocator has none.</returns>
    private int Refill(CpuPageCache cache)
    {
        fixed (pa_page** slots = cache.Scratch)
        {
            int got = (int)Methods.pa_alloc_pages_bulk_array(_allocator, (uint)_gfp, (nuint)cache.BatchSize, slots);
            int pushed = 0;
            try
            {
                for (; pushed < got; pushed++)
                {
                    cache.Push(OwnerOf(slots[pushed]));
                    slots[pushed] = null;
                }
            }
            finally
            {
                cache.AllocatedPages += pushed;
                if (pushed < got)
                {
                    // An owner could not be made: the pages not pushed go back.
                    Methods.pa_release_pages(_allocator, slots + pushed, (nuint)(got - pushed));
                }
            }

            return got;
        }
    }

    /// <summary>Gives the <paramref name="count"/> coldest pages of the (locked) cache back to the
    /// allocator, a batch per call.</summary>
    private void Drain(CpuPageCache cache, int count, bool evicted)
    {
        if (count == 0)
        {
            return;
        }

        fixed (pa_page** slots = cache.Scratch)
        {
            for (int done = 0; done < count;)
            {
                int batch = Math.Min(CpuPageCache.Batch, count - done);
                for (int i = 0; i < batch; i++)
                {
                    slots[i] = cache.At(done + i).Page;
                }

                Methods.pa_release_pages(_allocator, slots, (nuint)batch);
                done += batch;
            }
        }

        cache.RemoveColdest(count);
        if (evicted)
        {
            cache.EvictedPages += count;
        }
    }

    /// <summary>The owner of the blocks <paramref name="page"/> heads, made on its first lease.</summary>
    private PageBlockMemoryManager OwnerOf(pa_page* page)
    {
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

        return _owners.Find(pfn) ?? NewOwner(pfn, page, address);
    }

    private PageBlockMemoryManager NewOwner(long pfn, pa_page* page, byte* address)
    {
        OwnerCreating?.Invoke(pfn);
        ManagedArena? arena = _arena;
        var owner = new PageBlockMemoryManager(this, arena?.Array, (int)pfn, page, address, arena is not null ? arena.OffsetOf(address) : 0,
            _owners.StatesOf(pfn), BufferOwnerTable.StateIndexOf(pfn));
        _owners.Add(pfn, owner);
        return owner;
    }
}
