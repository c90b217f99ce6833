// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Threading;

namespace PageAlloc;

/// <summary>
/// The <see cref="Memory{T}"/> of one <see cref="PageBlock"/>, as <see cref="PageMemoryPool.Rent(int)"/>
/// hands it out: the whole block, page-aligned and contiguous. It is its own
/// <see cref="IMemoryOwner{T}"/>: <see cref="IDisposable.Dispose"/> returns the block, and the pages
/// are freed when the owner is disposed and the last <see cref="MemoryHandle"/> from
/// <see cref="Pin(int)"/> is released, whichever comes last (the rule of dotnet/runtime's
/// <c>NativeMemoryManager</c>).
/// </summary>
/// <remarks>
/// <para>Pinning is a no-op for the GC (page memory never moves); the pin count only keeps the
/// pages from being freed while native code still uses them. Disposing twice is harmless;
/// <see cref="GetSpan"/> and <see cref="Pin(int)"/> after <c>Dispose</c> throw
/// <see cref="ObjectDisposedException"/>; a <see cref="Memory{T}"/> or <see cref="Span{T}"/> kept
/// after the pages were freed is the user's bug, caught by poisoning when the allocator poisons.</para>
/// <para><see cref="Pin(int)"/>, <see cref="Unpin"/> and <c>Dispose</c> may be called from any thread.</para>
/// </remarks>
public sealed unsafe class PageBlockMemoryManager : MemoryManager<byte>
{
    // Bit 0: the owner has not disposed yet. Bits 1 and up: outstanding pins, counted in units of 2.
    // The block is freed by whichever transition brings the state to 0.
    private const int OwnerBit = 1;
    private const int PinUnit = 2;

    private readonly PageBlock _block;
    private readonly byte* _address;
    private readonly int _length;
    private int _state = OwnerBit;

    /// <summary>Takes ownership of <paramref name="block"/>, which must have memory and fit a span.</summary>
    internal PageBlockMemoryManager(PageBlock block)
    {
        _block = block;
        _address = (byte*)block.Address;
        _length = checked((int)block.Length);
    }

    /// <summary>The block's length in bytes: 2^<see cref="Order"/> pages.</summary>
    public int Length => _length;

    /// <summary>The block's order.</summary>
    public int Order => _block.Order;

    /// <summary>Whether the pages went back to the allocator (disposed and no pin left).</summary>
    public bool IsFreed => Volatile.Read(ref _state) == 0;

    /// <summary>The block's memory.</summary>
    /// <exception cref="ObjectDisposedException">The owner was disposed.</exception>
    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf((Volatile.Read(ref _state) & OwnerBit) == 0, this);
        return new Span<byte>(_address, _length);
    }

    /// <summary>Pins the memory: the pages stay allocated until the returned handle is disposed,
    /// even if the owner is disposed first.</summary>
    /// <param name="elementIndex">The offset of the pointer in the handle, 0 to <see cref="Length"/>.</param>
    /// <returns>A handle whose pointer is the block's address plus <paramref name="elementIndex"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="elementIndex"/> is outside the block.</exception>
    /// <exception cref="ObjectDisposedException">The owner was disposed.</exception>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        // elementIndex == Length is legal: Memory<T>.Pin of an empty slice at the end passes it.
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        int state = Volatile.Read(ref _state);
        while (true)
        {
            ObjectDisposedException.ThrowIf((state & OwnerBit) == 0, this);
            int seen = Interlocked.CompareExchange(ref _state, checked(state + PinUnit), state);
            if (seen == state)
            {
                return new MemoryHandle(_address + elementIndex, default, this);
            }

            state = seen;
        }
    }

    /// <summary>Releases one pin; the last one frees the pages if the owner was disposed.</summary>
    /// <exception cref="InvalidOperationException">There is no pin to release.</exception>
    public override void Unpin()
    {
        int state = Volatile.Read(ref _state);
        while (true)
        {
            if (state < PinUnit)
            {
                throw new InvalidOperationException("Unpin without a matching Pin.");
            }

            int seen = Interlocked.CompareExchange(ref _state, state - PinUnit, state);
            if (seen == state)
            {
                if (state - PinUnit == 0)
                {
                    _block.Dispose();
                }

                return;
            }

            state = seen;
        }
    }

    /// <summary>Returns the block: frees the pages now, or at the last <see cref="Unpin"/>.</summary>
    /// <param name="disposing">Always true: a memory manager has no finalizer; an undisposed block
    /// is freed by the <see cref="PageBlock"/>'s own finalizer (and counted as a leak).</param>
    /// <remarks>Leads to <c>pa_free_pages</c>.</remarks>
    protected override void Dispose(bool disposing)
    {
        int state = Volatile.Read(ref _state);
        while ((state & OwnerBit) != 0)
        {
            int seen = Interlocked.CompareExchange(ref _state, state & ~OwnerBit, state);
            if (seen == state)
            {
                if ((state & ~OwnerBit) == 0)
                {
                    _block.Dispose();
                }

                return;
            }

            state = seen;
        }
    }
}
