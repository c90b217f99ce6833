// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Threading;
using Microsoft.AspNetCore.Connections;

namespace PageAlloc.AspNetCore;

/// <summary>
/// The pool Kestrel gets: a view of its owner's <see cref="PageMemoryPool"/> (shared by every
/// view the factory made for that owner) whose <see cref="Rent(int)"/> never
/// throws for lack of pages. When the allocator is out, the buffer comes from the view's overflow
/// pool (<see cref="PageAllocMemoryPoolOptions.OverflowFactory"/>: Kestrel's own, as registered;
/// one per view, as Kestrel keeps one pool per transport queue), and the factory records the
/// moment (so that, with a pressure window, <see cref="OutOfPagesMiddleware"/> turns new requests
/// away with 503 for a while) and gives the pages cached in its pools' CPU caches back to the
/// allocator.
/// </summary>
/// <remarks>
/// Why not let the exception through: <c>System.IO.Pipelines</c> and Kestrel call <c>Rent</c>
/// in the middle of updating a pipe's write head, and do not expect it to fail. In the fault run
/// a response then carried bytes of another connection's block: the pipe kept a block it had
/// already returned to the pool. A request in flight therefore always gets its buffer; refusing
/// work, when wanted, happens at the door, where nothing is half-written.
/// </remarks>
internal sealed class KestrelMemoryPool(PageAllocMemoryPoolFactory factory, PageAllocMemoryPoolFactory.SharedPool shared,
    IMemoryPoolFactory<byte>? overflowFactory) : MemoryPool<byte>
{
    private int _disposed;
    private MemoryPool<byte>? _overflow;

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

        // A whole block, as the page pool would have given (TryRent refused anything larger).
        factory.RecordFallback();
        MemoryPool<byte> overflow = Volatile.Read(ref _overflow) ?? MakeOverflow();
        return MaxBufferSize <= overflow.MaxBufferSize ? overflow.Rent(MaxBufferSize) : Shared.Rent(MaxBufferSize);
    }

    /// <summary>The overflow pool, made at the first rent that needs it; <see cref="MemoryPool{T}.Shared"/>
    /// without an overflow factory.</summary>
    private MemoryPool<byte> MakeOverflow()
    {
        if (overflowFactory is null)
        {
            return Shared;
        }

        MemoryPool<byte> made = overflowFactory.Create(new MemoryPoolOptions { Owner = shared.Owner == PageAllocMemoryPoolFactory.UnnamedOwner ? null : shared.Owner });
        MemoryPool<byte>? first = Interlocked.CompareExchange(ref _overflow, made, null);
        if (first is null)
        {
            return made;
        }

        made.Dispose();
        return first;
    }

    /// <summary>Closes this view and its overflow pool; the owner's last view disposes the page
    /// pool. Buffers rented through it stay valid until they are disposed. Disposing twice is harmless.</summary>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            factory.ViewDisposed(shared);
            Interlocked.Exchange(ref _overflow, null)?.Dispose();
        }
    }
}
