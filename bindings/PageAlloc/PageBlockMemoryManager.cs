// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// The owner of one buffer of a <see cref="PageMemoryPool"/>: a block of 2^<see cref="Order"/>
/// contiguous pages, page-aligned. It is its own <see cref="IMemoryOwner{T}"/>:
/// <see cref="IDisposable.Dispose"/> returns the block, and the pages go back to the pool when the
/// owner is disposed and the last <see cref="MemoryHandle"/> from <see cref="Pin(int)"/> is
/// released, whichever comes last (the rule of dotnet/runtime's <c>NativeMemoryManager</c>).
/// </summary>
/// <remarks>
/// <para>Owners are reused: the pool keeps one per page frame it has handed out as a block head
/// and leases it again with the page, so a rent in steady state creates no object and registers
/// no finalizer. A reference kept after <c>Dispose</c> therefore names whatever the page is
/// leased for next: as with every pooled buffer, using a buffer after returning it is the
/// caller's bug (poisoning, <see cref="PageAllocatorOptions.Poison"/>, catches writes to a page
/// that went back to the allocator).</para>
/// <para>When the allocator has a managed arena (<see cref="PageAllocatorOptions.ManagedArena"/>),
/// the owner's <see cref="Memory{T}"/> is the block's segment of the arena array and
/// <c>MemoryMarshal.TryGetArray</c> on it succeeds; it is made with
/// <c>MemoryMarshal.CreateFromPinnedArray</c> (the arena never moves), so pinning it costs no
/// GCHandle. Without one it is memory of this manager and
/// <c>TryGetArray</c> returns false (native memory).</para>
/// <para>Pinning is a no-op for the GC (the pages never move); the pin count of
/// <see cref="Pin(int)"/> only keeps the pages from going back while native code still uses
/// them. <see cref="GetSpan"/>, <see cref="MemoryManager{T}.Memory"/> and <see cref="Pin(int)"/>
/// after <c>Dispose</c> throw <see cref="ObjectDisposedException"/> until the page is leased
/// again. <see cref="Pin(int)"/>, <see cref="Unpin"/> and <c>Dispose</c> may be called from any
/// thread.</para>
/// <para>A <c>Dispose</c> with no pin out is two plain stores and the pool's return: no atomic
/// operation of its own (the pool's cache lock is the one per return). So, as with every pool,
/// the owner does not arbitrate a buffer's misuse: disposing it twice in sequence is harmless,
/// but two threads disposing it <i>at the same moment</i>, or a <see cref="Pin(int)"/> racing its
/// <c>Dispose</c>, is the caller's race (the second may return the page again, or the pin may
/// hold a returned page). A pin taken before <c>Dispose</c> always holds the pages until its
/// <see cref="Unpin"/>: with pins out, <c>Dispose</c> and the last <see cref="Unpin"/> settle who
/// returns the pages with compare-and-swap.</para>
/// </remarks>
public sealed unsafe class PageBlockMemoryManager : MemoryManager<byte>, IDisposable
{
    // Free (in the pool or the allocator), Leased (a renter has it), or Pending (disposed with
    // pins out: the last Unpin returns it).
    private const int Free = 0;
    private const int Leased = 1;
    private const int Pending = 2;

    private readonly PageMemoryPool _pool;
    private readonly byte[]? _arena;
    private readonly pa_page* _page;
    private readonly byte* _address;
    private readonly int _arenaOffset;
    private int _length;
    private int _order = -1;
    private Memory<byte> _memory;
    private readonly int[] _states;
    private readonly int _stateIndex;
    private int _pins;

    /// <summary>The owner of the blocks headed by one page frame: its descriptor, address and
    /// (over a managed arena) array offset never change; the order is set by each lease.</summary>
    internal PageBlockMemoryManager(PageMemoryPool pool, byte[]? arena, int pfn, pa_page* page, byte* address, int arenaOffset,
        int[] states, int stateIndex)
    {
        _states = states;
        _stateIndex = stateIndex;
        Pfn = pfn;
        _pool = pool;
        _arena = arena;
        _page = page;
        _address = address;
        _arenaOffset = arenaOffset;
    }

    /// <summary>The block's length in bytes: 2^<see cref="Order"/> pages.</summary>
    public int Length => _length;

    /// <summary>The block's bytes with no owner check: for the pool, which holds the block.</summary>
    internal Span<byte> Bytes => new(_address, _length);

    /// <summary>The block's order.</summary>
    public int Order => _order;

    /// <summary>Whether the pages went back (disposed and no pin left), and the owner is not
    /// leased again.</summary>
    public bool IsFreed => Volatile.Read(ref State) == Free;

    /// <summary>The block's memory, <see cref="Length"/> bytes: over a managed arena, the block's
    /// segment of the arena array itself (as Kestrel's own pool hands out array memory), else
    /// memory of this manager.</summary>
    /// <exception cref="ObjectDisposedException">The owner was disposed.</exception>
    /// <remarks>Array memory is not checked after the owner's <c>Dispose</c>, and pinning it pins
    /// the (already pinned) array rather than counting a pin here: keeping it past
    /// <c>Dispose</c> is the caller's bug, as with every array pool. Memory of this manager
    /// throws <see cref="ObjectDisposedException"/> then, and its pins keep the pages.</remarks>
    public override Memory<byte> Memory
    {
        get
        {
            ThrowIfDisposed();
            return _arena is not null ? _memory : CreateMemory(_length);
        }
    }

    internal pa_page* Page => _page;

    /// <summary>The frame number of the block's first page: its place in the pool's table of owners.</summary>
    internal int Pfn { get; }

    /// <summary>Hands the owner out for the block of <paramref name="order"/> its page heads; the
    /// caller publishes it to the renter. Nothing here can throw: the page is already taken.</summary>
    internal void Lease(int order, int pageShift)
    {
        if (order != _order)
        {
            _order = order;
            _length = 1 << (pageShift + order);
            // The arena is on the pinned object heap: Memory<T>.Pin of this memory takes the
            // address without a GCHandle (every socket send pins).
            _memory = _arena is not null ? MemoryMarshal.CreateFromPinnedArray(_arena, _arenaOffset, _length) : default;
        }

        Volatile.Write(ref State, Leased);
    }

    /// <summary>The block's memory.</summary>
    /// <exception cref="ObjectDisposedException">The owner was disposed.</exception>
    public override Span<byte> GetSpan()
    {
        ThrowIfDisposed();
        return new Span<byte>(_address, _length);
    }

    /// <summary>Pins the memory: the pages stay with the owner until the returned handle is
    /// disposed, even if the owner is disposed first.</summary>
    /// <param name="elementIndex">The offset of the pointer in the handle, 0 to <see cref="Length"/>.</param>
    /// <returns>A handle whose pointer is the block's address plus <paramref name="elementIndex"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="elementIndex"/> is outside the block.</exception>
    /// <exception cref="ObjectDisposedException">The owner was disposed.</exception>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        // elementIndex == Length is legal: Memory<T>.Pin of an empty slice at the end passes it.
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        Interlocked.Increment(ref _pins);
        if (Volatile.Read(ref State) != Leased)
        {
            Unpin(); // the pages may be waiting for this pin's count to go
            ObjectDisposedException.ThrowIf(true, this);
        }

        return new MemoryHandle(_address + elementIndex, default, this);
    }

    /// <summary>Releases one pin; the last one returns the pages if the owner was disposed.</summary>
    /// <exception cref="InvalidOperationException">There is no pin to release.</exception>
    public override void Unpin()
    {
        int pins = Interlocked.Decrement(ref _pins);
        if (pins < 0)
        {
            Interlocked.Increment(ref _pins);
            throw new InvalidOperationException("Unpin without a matching Pin.");
        }

        if (pins == 0 && Volatile.Read(ref State) == Pending && Interlocked.CompareExchange(ref State, Free, Pending) == Pending)
        {
            _pool.Return(this);
        }
    }

    /// <summary>The block as a segment of the allocator's managed arena, when it has one; what
    /// <c>MemoryMarshal.TryGetArray</c> returns for the owner's memory.</summary>
    /// <param name="segment">The block's bytes in the arena.</param>
    /// <returns>Whether the block lives in a managed arena and the owner is not disposed.</returns>
    protected override bool TryGetArray(out ArraySegment<byte> segment)
    {
        if (_arena is null || Volatile.Read(ref State) != Leased)
        {
            segment = default;
            return false;
        }

        segment = new ArraySegment<byte>(_arena, _arenaOffset, _length);
        return true;
    }

    /// <summary>Returns the block, as <see cref="Dispose(bool)"/>; unlike the base class's, without
    /// a <c>GC.SuppressFinalize</c> call (an owner has no finalizer).</summary>
    void IDisposable.Dispose() => Dispose(true);

    /// <summary>Returns the block: to the pool now, or at the last <see cref="Unpin"/>. Disposing
    /// twice in sequence is harmless (see the remarks on racing calls).</summary>
    /// <param name="disposing">Always true: an owner has no finalizer; a buffer never disposed is
    /// reported by its pool (see <see cref="PageMemoryPool"/>).</param>
    protected override void Dispose(bool disposing)
    {
        if (Volatile.Read(ref State) != Leased)
        {
            return;
        }

        if (Volatile.Read(ref _pins) == 0)
        {
            // Free before the return: once on the pool's stack the owner may be leased again.
            Volatile.Write(ref State, Free);
            _pool.Return(this);
            return;
        }

        // Pins are out: the exchange orders the store before the second look at the pins, so
        // either this sees the last Unpin's count or that Unpin sees Pending.
        Interlocked.Exchange(ref State, Pending);
        if (Volatile.Read(ref _pins) == 0 && Interlocked.CompareExchange(ref State, Free, Pending) == Pending)
        {
            _pool.Return(this);
        }
    }

    /// <summary>Free, Leased or Pending: kept in the pool's table of states, not in this object
    /// (see <see cref="BufferOwnerTable"/>).</summary>
    private ref int State => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_states), _stateIndex);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref State) != Leased, this);
}
