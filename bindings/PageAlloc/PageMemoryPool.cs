// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Numerics;
using System.Threading;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// A <see cref="MemoryPool{T}"/> whose buffers are page blocks of a <see cref="PageAllocator"/>:
/// give it to <c>System.IO.Pipelines</c> (<c>new PipeOptions(pool: ...)</c>) or any other consumer
/// of <see cref="MemoryPool{T}"/>. Each <see cref="Rent(int)"/> allocates one block of
/// 2^order contiguous pages (the smallest order that holds the size asked for) and the buffer's
/// <c>Dispose</c> frees it, so the allocator's buddy merging, not the pool,
/// decides what is kept; the pages go back once the owner is disposed and the last pin released
/// (see <see cref="PageBlockMemoryManager"/>).
/// </summary>
/// <remarks>
/// <para>The pool keeps the native allocator alive (as a <see cref="PageBlock"/> does): it keeps
/// working after the <see cref="PageAllocator"/> is disposed, and the native allocator goes when
/// the pool and the last block are released. <see cref="Rent(int)"/> may be called from any
/// thread; after <c>Dispose</c> it throws <see cref="ObjectDisposedException"/>, while buffers
/// already rented stay valid until they are disposed.</para>
/// <para>A <c>Pipe</c> uses the pool only for a size hint up to <see cref="MaxBufferSize"/> and
/// falls back to <c>ArrayPool</c> above it (as with ASP.NET Core's <c>PinnedBlockMemoryPool</c>).</para>
/// </remarks>
public sealed unsafe class PageMemoryPool : MemoryPool<byte>
{
    private readonly AllocatorHandle _handle;
    private readonly Gfp _gfp;
    private readonly int _pageShift;
    private readonly int _maxOrder;
    private int _disposed;

    /// <summary>A pool over <paramref name="allocator"/> serving blocks of order 0 to
    /// <paramref name="maxOrder"/>.</summary>
    /// <param name="allocator">The allocator; must have memory (not metadata-only).</param>
    /// <param name="gfp">The flags of every allocation.</param>
    /// <param name="maxOrder">The largest order served, 0 to <see cref="PageAllocator.MaxOrder"/>;
    /// <see cref="MaxBufferSize"/> is the page size shifted by it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="allocator"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="allocator"/> is metadata-only, or
    /// <paramref name="gfp"/> has unknown bits or a bad zone combination.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxOrder"/> is out of range.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="allocator"/> is disposed.</exception>
    public PageMemoryPool(PageAllocator allocator, Gfp gfp = Gfp.Kernel, int maxOrder = Methods.PA_MAX_ORDER)
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
        allocator.Handle.AddRef();
        _handle = allocator.Handle;
        _gfp = gfp;
        _pageShift = BitOperations.Log2((uint)allocator.PageSize);
        _maxOrder = maxOrder;
        MaxBufferSize = allocator.PageSize << maxOrder;
    }

    /// <summary>Releases the allocator reference of a pool that was never disposed.</summary>
    ~PageMemoryPool()
    {
        Dispose(false);
    }

    /// <summary>The largest buffer <see cref="Rent(int)"/> serves: the page size shifted by the
    /// largest order served.</summary>
    public override int MaxBufferSize { get; }

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

    /// <summary>Allocates a block of at least <paramref name="minBufferSize"/> bytes: one page for
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
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        // A reference for the duration of the call, so a concurrent Dispose cannot destroy the
        // allocator under pa_alloc_pages_node.
        _handle.AddRef();
        try
        {
            pa_page* page = Methods.pa_alloc_pages_node(_handle.Pointer, (uint)_gfp, (uint)order, Methods.PA_NUMA_NO_NODE);
            if (page == null)
            {
                throw new InsufficientMemoryException($"No free block of order {order} ({_gfp}).");
            }

            int pageSize = 1 << _pageShift;
            return new PageBlockMemoryManager(new PageBlock(_handle, _handle.Pointer, page, order, pageSize));
        }
        finally
        {
            _handle.DangerousRelease();
        }
    }

    /// <summary>Stops new rents and releases the allocator reference; rented buffers stay valid.
    /// Disposing twice is harmless.</summary>
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

        _handle.DangerousRelease();
    }
}
