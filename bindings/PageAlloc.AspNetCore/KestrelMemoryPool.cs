// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Threading;

namespace PageAlloc.AspNetCore;

/// <summary>
/// The pool Kestrel gets: a view of its owner's <see cref="PageMemoryPool"/> (shared by every
/// view the factory made for that owner) whose <see cref="Rent(int)"/> never
/// throws for lack of pages. When the allocator is out, the buffer comes from
/// <see cref="MemoryPool{T}.Shared"/> (managed arrays), and the factory records the moment (so
/// that <see cref="OutOfPagesMiddleware"/> turns new requests away with 503 for a while) and
/// gives the pages cached in its pools' CPU caches back to the allocator.
/// </summary>
/// <remarks>
/// Why not let the exception through: <c>System.IO.Pipelines</c> and Kestrel call <c>Rent</c>
/// in the middle of updating a pipe's write head, and do not expect it to fail. In the fault run
/// a response then carried bytes of another connection's block: the pipe kept a block it had
/// already returned to the pool. A request in flight therefore always gets its buffer; refusing
/// work happens at the door, where nothing is half-written.
/// </remarks>
internal sealed class KestrelMemoryPool(PageAllocMemoryPoolFactory factory, PageMemoryPool pages, string owner) : MemoryPool<byte>
{
    private int _disposed;

    /// <summary>The page pool rents come from.</summary>
    public PageMemoryPool Pages => pages;

    /// <inheritdoc/>
    public override int MaxBufferSize => pages.MaxBufferSize;

    /// <summary>A block of the page pool, or an array when the allocator has none.</summary>
    /// <exception cref="ObjectDisposedException">This view or the page pool is disposed.</exception>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        try
        {
            return pages.Rent(minBufferSize);
        }
        catch (InsufficientMemoryException)
        {
            factory.RecordFallback();
            return Shared.Rent(Math.Max(minBufferSize, MaxBufferSize));
        }
    }

    /// <summary>Closes this view; the owner's last view disposes the page pool. Buffers rented
    /// through it stay valid until they are disposed. Disposing twice is harmless.</summary>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            factory.ViewDisposed(owner, pages);
        }
    }
}
