// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Threading;

namespace PageAlloc.AspNetCore;

/// <summary>
/// The pool Kestrel gets: a <see cref="PageMemoryPool"/> whose <see cref="Rent(int)"/> never
/// throws for lack of pages. When the allocator is out, the buffer comes from
/// <see cref="MemoryPool{T}.Shared"/> (managed arrays), the factory records the moment (so that
/// <see cref="OutOfPagesMiddleware"/> turns new requests away with 503 for a while), and the page
/// pool is renewed: the old one is disposed, which empties every thread's page pool cache and
/// recycle ring back to the allocator at once (<c>pa_page_pool_destroy</c>), and buffers still out
/// go straight back when returned.
/// </summary>
/// <remarks>
/// <para>Why not let the exception through: <c>System.IO.Pipelines</c> and Kestrel call
/// <c>Rent</c> in the middle of updating a pipe's write head, and do not expect it to fail. In
/// the fault run a response then carried bytes of another connection's block: the pipe kept a
/// block it had already returned to the pool. A request in flight therefore always gets its
/// buffer; refusing work happens at the door, where nothing is half-written.</para>
/// <para>Why renew: each renting thread's page pool keeps up to 128 pages cached and 1,024 in
/// its ring (the kernel's page_pool rule). On a small allocator those pages, stranded on threads
/// that no longer rent, would keep the others out of pages after the load has gone.</para>
/// </remarks>
internal sealed class KestrelMemoryPool : MemoryPool<byte>
{
    private readonly PageAllocMemoryPoolFactory _factory;
    private readonly string _owner;
    private PageMemoryPool _pages;
    private long _renewedMs = long.MinValue / 2;
    private long _lastActivity = -1;
    private int _disposed;

    public KestrelMemoryPool(PageAllocMemoryPoolFactory factory, string owner, PageMemoryPool pages)
    {
        _factory = factory;
        _owner = owner;
        _pages = pages;
        MaxBufferSize = pages.MaxBufferSize;
    }

    /// <summary>The page pool rents come from now.</summary>
    public PageMemoryPool Pages => Volatile.Read(ref _pages);

    /// <inheritdoc/>
    public override int MaxBufferSize { get; }

    /// <summary>A block of the page pool, or an array when the allocator has none.</summary>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        while (true)
        {
            PageMemoryPool pages = Volatile.Read(ref _pages);
            try
            {
                return pages.Rent(minBufferSize);
            }
            catch (InsufficientMemoryException)
            {
                _factory.RecordFallback();
                Renew(pages);
                return Shared.Rent(Math.Max(minBufferSize, MaxBufferSize));
            }
            catch (ObjectDisposedException) when (Volatile.Read(ref _disposed) == 0 && !ReferenceEquals(pages, Volatile.Read(ref _pages)))
            {
                // Renewed under this rent: take the new pool.
            }
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Volatile.Read(ref _pages).Dispose();
        }
    }

    /// <summary>Called by the factory's timer: when nothing was rented since the last call and
    /// the page pools hold pages no caller has (cached, in the rings), gives them back by
    /// renewing the pool, so that an idle server's free pages return to their starting count.</summary>
    internal void TrimIfIdle()
    {
        PageMemoryPool current = Volatile.Read(ref _pages);
        if (!current.TryGetPagePoolStats(out PagePoolStats stats, out long inflight))
        {
            return;
        }

        long activity = stats.AllocFast + stats.AllocSlow + stats.AllocSlowHighOrder + stats.AllocRefill + stats.AllocEmpty;
        bool idle = activity == _lastActivity;
        _lastActivity = activity;
        if (idle && inflight > current.RentedBuffers)
        {
            Renew(current, force: true);
            _lastActivity = -1;
        }
    }

    /// <summary>Renews the page pool now: every page cached in its threads' page pools goes back.</summary>
    internal void ReleaseCachedPages() => Renew(Volatile.Read(ref _pages), force: true);

    /// <summary>Replaces <paramref name="current"/> by a new page pool and disposes it, at most
    /// once per pressure window unless <paramref name="force"/>d.</summary>
    private void Renew(PageMemoryPool current, bool force = false)
    {
        long now = Environment.TickCount64;
        long last = Volatile.Read(ref _renewedMs);
        if ((!force && now - last < _factory.PressureWindowMs) || Interlocked.CompareExchange(ref _renewedMs, now, last) != last)
        {
            return;
        }

        PageMemoryPool? fresh = _factory.CreatePagePool(_owner);
        if (fresh is null)
        {
            return; // the factory is disposed
        }

        if (Interlocked.CompareExchange(ref _pages, fresh, current) != current || Volatile.Read(ref _disposed) != 0)
        {
            fresh.Dispose();
            return;
        }

        current.Dispose();
        if (Volatile.Read(ref _disposed) != 0)
        {
            fresh.Dispose(); // Dispose ran between the swap and here and disposed the old one
        }
    }
}
