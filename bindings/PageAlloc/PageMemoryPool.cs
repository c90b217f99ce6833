using System;
using System.Buffers;
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
/// <para>Owners (<see cref="PageBlockMemoryManager"/>) are reused, one per page frame: a rent in
/// steady state allocates nothing managed and registers no finalizer. A buffer never disposed is
/// reported when the pool is disposed or finalized: one warning line through the allocator's
/// <see cref="PageAllocator.Log"/> (standard error without a handler) with the count. Disposing a
/// buffer twice is harmless; nothing returns a page twice.</para>
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
    private readonly AllocatorHandle _handle = null!;
    private readonly pa_allocator* _allocator;
    private readonly ManagedArena? _arena;
    private readonly PageAllocator? _ownAllocator;
    private readonly BufferOwnerTable _owners = null!;
    private readonly Gfp _gfp;
    private readonly int _pageShift;

    // The pool's own reference (1 until Dispose) plus one per buffer out and per Rent in progress;
    // whoever brings it to 0 releases the allocator.
    private long _references = 1;
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
        _owners = new BufferOwnerTable(allocator.PfnLimit());
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

    /// <summary>Buffers rented and not yet returned (a rent in progress counts too).</summary>
    public long RentedBuffers => Interlocked.Read(ref _references) - (Volatile.Read(ref _disposed) == 0 ? 1 : 0);

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
    /// <remarks>Calls <c>pa_alloc_pages_node</c> on the calling thread's CPU's node.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minBufferSize"/> is larger than <see cref="MaxBufferSize"/>.</exception>
    /// <exception cref="InsufficientMemoryException">The allocator has no free block of that order.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        int order = OrderFor(minBufferSize);
        AddReference();

        pa_page* page = Methods.pa_alloc_pages_node(_allocator, (uint)_gfp, (uint)order, Methods.PA_NUMA_NO_NODE);
        if (page == null)
        {
            ReleaseReference();
            throw new InsufficientMemoryException($"No free block of order {order} ({_gfp}).");
        }

        return Lease(page, order, slot: -1);
    }

    /// <summary>Takes a block back from its owner (disposed and unpinned): the pages go back and
    /// the buffer's reference is released. The owner may be leased again as soon as the pages are
    /// back, so nothing of it is read afterwards.</summary>
    internal void Return(PageBlockMemoryManager owner)
    {
        Methods.pa_free_pages(_allocator, owner.Page, (uint)owner.Order);
        ReleaseReference();
    }

    /// <summary>Stops new rents and releases the pool's allocator reference (the allocator goes when
    /// the last buffer is returned); reports the buffers never returned. Disposing twice is harmless.</summary>
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

        long rented = Interlocked.Read(ref _references) - 1;
        if (rented > 0)
        {
            OwnerDiagnostics.BuffersLeaked(rented);
            _handle.Log(PageAllocatorLogLevel.Warning,
                $"PageMemoryPool {(disposing ? "disposed" : "finalized")} with {rented} buffer(s) never returned; their pages stay allocated until they are disposed");
        }

        ReleaseReference();
        if (disposing)
        {
            _ownAllocator?.Dispose();
        }
    }

    private PageBlockMemoryManager Lease(pa_page* page, int order, int slot)
    {
        byte* address = (byte*)Methods.pa_page_address(_allocator, page);
        ManagedArena? arena = _arena;
        long pfn;
        int offset = 0;
        if (arena is not null)
        {
            offset = arena.OffsetOf(address);
            pfn = (long)(address - arena.Memory) >> _pageShift;
        }
        else
        {
            pfn = (long)Methods.pa_page_to_pfn(_allocator, page);
        }

        PageBlockMemoryManager owner = _owners.Get(pfn, this, arena?.Array);
        owner.Lease(page, address, offset, order, 1 << (_pageShift + order), slot);
        return owner;
    }

    /// <summary>Takes a reference for a rent: never from 0 (the allocator is released then), and
    /// the disposed check after it, so a Dispose racing with the rent either sees the reference
    /// (and leaves the allocator alive) or is seen here.</summary>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    private void AddReference()
    {
        long references = Volatile.Read(ref _references);
        while (true)
        {
            ObjectDisposedException.ThrowIf(references == 0, this);
            long seen = Interlocked.CompareExchange(ref _references, references + 1, references);
            if (seen == references)
            {
                break;
            }

            references = seen;
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            ReleaseReference();
            ObjectDisposedException.ThrowIf(true, this);
        }
    }

    private void ReleaseReference()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            _handle.DangerousRelease();
        }
    }
}
