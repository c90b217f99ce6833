// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Threading;

namespace PageAlloc.AspNetCore;

/// <summary>
/// The pool Kestrel gets: a view of its owner's <see cref="PageMemoryPool"/> (shared by every
/// view the factory made for that owner) whose <see cref="Rent(int)"/> never
/// throws for lack of pages. When the allocator is out, the buffer comes from the owner's overflow
/// pool (<see cref="PageAllocMemoryPoolOptions.OverflowFactory"/>: Kestrel's own, as registered),
/// and the factory records the moment (so that, with a pressure window,
/// <see cref="OutOfPagesMiddleware"/> turns new requests away with 503 for a while) and gives the
/// pages cached in its pools' CPU caches back to the allocator.
/// </summary>
/// <remarks>
/// Why not let the exception through: <c>System.IO.Pipelines</c> and Kestrel call <c>Rent</c>
/// in the middle of updating a pipe's write head, and do not expect it to fail. In the fault run
/// a response then carried bytes of another connection's block: the pipe kept a block it had
/// already returned to the pool. A request in flight therefore always gets its buffer; refusing
/// work, when wanted, happens at the door, where nothing is half-written.
/// </remarks>
internal sealed class KestrelMemoryPool(PageAllocMemoryPoolFactory factory, PageAllocMemoryPoolFactory.SharedPool shared) : MemoryPool<byte>
{
    private int _disposed;

    /// <summary>The page pool rents come from.</summary>
    public PageMemoryPool Pages => shared.Pool;

    /// <inheritdoc/>
    public override int MaxBufferSize => shared.Pool.MaxBufferSize;

    /// <summary>A block of the page pool, or of the overflow pool when the allocator has none.</summary>
    /// <exception cref="ObjectDisposedException">This view or the page pool is disposed.</exception>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (shared.Pool.TryRent(minBufferSize, out IMemoryOwner<byte>? buffer))
        {
            return buffer;
        }

        factory.RecordFallback();
        return shared.RentOverflow(Math.Max(minBufferSize, MaxBufferSize));
    }

    /// <summary>Closes this view; the owner's last view disposes the page pool and its overflow
    /// pool. Buffers rented through it stay valid until they are disposed. Disposing twice is harmless.</summary>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            factory.ViewDisposed(shared);
        }
    }
}
