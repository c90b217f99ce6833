// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Runtime.InteropServices;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// A fixed-length array of page slots (a native <c>struct pa_page*[Length]</c>), for the array
/// form of the bulk allocator: <see cref="PageAllocator.FillBulk(PageArray, Gfp, int, NodeMask?, bool)"/>
/// fills the empty slots and leaves populated ones alone. Disposing (or finalizing) the array
/// frees every page in it with one <c>pa_release_pages</c> call.
/// </summary>
/// <remarks>
/// The array is bound to an allocator by its first fill (and keeps that allocator alive from then
/// on); an empty array may be filled by another allocator, which then replaces the first. Filled
/// by <see cref="PagePool.RentBulk(PageArray, Gfp)"/>, it is bound to that pool instead (and keeps
/// it alive): <see cref="Clear"/> and <c>Dispose</c> then give its pages back to the pool with
/// one <c>pa_page_pool_put_page_bulk</c> call, and <see cref="Detach(int)"/> is refused.
/// Disposing twice is harmless; any other member used after <c>Dispose</c> throws
/// <see cref="ObjectDisposedException"/>. Not thread-safe.
/// </remarks>
public sealed unsafe class PageArray : SafeHandle
{
    private readonly int _length;
    private AllocatorHandle? _owner;
    private PagePool? _pagePool;
    private pa_allocator* _allocator;
    private PageLayout* _layout;
    private int _pageSize;
    private int _populated;

    /// <summary>An array of <paramref name="length"/> empty slots.</summary>
    /// <param name="length">The number of slots, 0 or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public PageArray(int length)
        : base(0, ownsHandle: true)
    {
        if (length < 0)
        {
            GC.SuppressFinalize(this);
            throw new ArgumentOutOfRangeException(nameof(length), length, "The length must not be negative.");
        }

        _length = length;
        SetHandle((nint)NativeMemory.AllocZeroed((nuint)Math.Max(length, 1), (nuint)sizeof(pa_page*)));
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>The number of slots.</summary>
    public int Length
    {
        get
        {
            ThrowIfDisposed();
            return _length;
        }
    }

    /// <summary>The number of slots holding a page.</summary>
    public int Populated
    {
        get
        {
            ThrowIfDisposed();
            return _populated;
        }
    }

    /// <summary>The page in slot <paramref name="index"/>, or null when the slot is empty.</summary>
    /// <param name="index">0 to <see cref="Length"/> - 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public Page? this[int index]
    {
        get
        {
            ThrowIfDisposed();
            CheckIndex(index);
            pa_page* page = Slots[index];
            return page == null ? null : new Page(_allocator, page, _pageSize, _layout);
        }
    }

    internal pa_page** Slots => (pa_page**)handle;

    internal pa_allocator* Allocator => _allocator;

    /// <summary>Moves the page in slot <paramref name="index"/> out of the array into a
    /// <see cref="PageBlock"/> of order 0; the slot becomes empty.</summary>
    /// <param name="index">0 to <see cref="Length"/> - 1, a populated slot.</param>
    /// <returns>The block owning the page.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    /// <exception cref="ArgumentException">The slot is empty.</exception>
    public PageBlock Detach(int index)
    {
        ThrowIfDisposed();
        CheckIndex(index);
        pa_page* page = Slots[index];
        if (page == null)
        {
            throw new ArgumentException($"Slot {index} holds no page.", nameof(index));
        }

        if (_pagePool is not null)
        {
            throw new InvalidOperationException("A page of a page pool goes back to its pool: it cannot become a PageBlock.");
        }

        var block = new PageBlock(_owner!, _allocator, page, 0, _pageSize);
        Slots[index] = null;
        _populated--;
        return block;
    }

    /// <summary>Frees every page in the array now and empties the slots; the array stays usable.
    /// An array filled by a <see cref="PagePool"/> gives its pages back to that pool instead.</summary>
    /// <remarks>Calls <c>pa_release_pages</c>, or <c>pa_page_pool_put_page_bulk</c> for a pool's array.</remarks>
    public void Clear()
    {
        ThrowIfDisposed();
        if (_pagePool is not null)
        {
            PutToPool();
        }
        else if (_owner is not null && _populated > 0)
        {
            Methods.pa_release_pages(_allocator, Slots, (nuint)_length);
        }

        _populated = 0;
    }

    /// <summary>Binds the array to the pool about to fill it (adding a reference on the pool once)
    /// and returns how many slots are populated already.</summary>
    /// <exception cref="ArgumentException">The array holds pages of another pool or allocator.</exception>
    internal int BindPool(PagePool pool)
    {
        ThrowIfDisposed();
        if (_pagePool == pool)
        {
            return _populated;
        }

        if (_populated > 0)
        {
            throw new ArgumentException("The array holds pages of another pool or allocator.", "array");
        }

        bool added = false;
        pool.DangerousAddRef(ref added);
        ReleaseBinding();
        _pagePool = pool;
        _allocator = pool.Allocator;
        _layout = pool.AllocatorHandle.Layout;
        _pageSize = pool.PageSize;
        return 0;
    }

    /// <summary>Recycles the pages straight into <paramref name="pool"/>'s cache (the caller is the
    /// pool's context) and empties the slots; returns how many pages went back.</summary>
    /// <exception cref="ArgumentException">The array holds pages of another pool or allocator.</exception>
    internal int RecycleToPool(PagePool pool, pa_page_pool* native)
    {
        ThrowIfDisposed();
        int populated = _populated;
        if (populated == 0)
        {
            return 0;
        }

        if (_pagePool != pool)
        {
            throw new ArgumentException("The array holds pages of another pool or allocator.", "array");
        }

        // One native call for the batch: the populated slots first gathered to the front (a full
        // array already is), then every slot emptied.
        pa_page** slots = Slots;
        if (populated != _length)
        {
            int front = 0;
            for (int i = 0; i < _length; i++)
            {
                if (slots[i] != null)
                {
                    slots[front++] = slots[i];
                }
            }
        }

        Methods.pa_page_pool_recycle_direct_bulk(native, slots, (nuint)populated);
        new Span<nint>(slots, _length).Clear();
        _populated = 0;
        return populated;
    }

    /// <summary>Binds the array to the allocator about to fill it (adding a reference once).</summary>
    /// <exception cref="ArgumentException">The array holds pages of another allocator.</exception>
    internal void Bind(AllocatorHandle owner, pa_allocator* allocator, int pageSize)
    {
        ThrowIfDisposed();
        if (_pagePool is null && _owner is not null && _allocator == allocator)
        {
            return;
        }

        if (_populated > 0)
        {
            throw new ArgumentException(_pagePool is null ? "The array holds pages of another allocator." : "The array holds pages of a page pool.", "array");
        }

        owner.AddRef();
        ReleaseBinding();
        _owner = owner;
        _allocator = allocator;
        _layout = owner.Layout;
        _pageSize = pageSize;
    }

    /// <summary>Lets go of the allocator or pool the array was bound to (it holds no page).</summary>
    private void ReleaseBinding()
    {
        AllocatorHandle? previous = _owner;
        PagePool? previousPool = _pagePool;
        _owner = null;
        _pagePool = null;
        previous?.DangerousRelease();
        previousPool?.DangerousRelease();
    }

    /// <summary>Gives every page back to the array's pool in one call; the native call empties the slots.</summary>
    private void PutToPool()
    {
        int populated = _populated;
        if (populated > 0)
        {
            Methods.pa_page_pool_put_page_bulk(Slots, (nuint)_length);
            _populated = 0;
            _pagePool!.OnReturned(populated);
        }
    }

    /// <summary>Counts the populated slots after a native fill. The native return value is not
    /// used for this: like the kernel's, it counts only the populated prefix when a call ends
    /// early (fault injection, the single-page fallback) with empty slots before populated ones.</summary>
    /// <returns>The number of populated slots.</returns>
    internal int OnFilled()
    {
        pa_page** slots = Slots;
        int populated = 0;
        for (int i = 0; i < _length; i++)
        {
            if (slots[i] != null)
            {
                populated++;
            }
        }

        _populated = populated;
        return populated;
    }

    /// <summary>Takes a native fill's count as the populated count, where the caller knows it is
    /// exact (an empty array filled from the front).</summary>
    /// <returns>The number of populated slots.</returns>
    internal int OnFilled(int populated)
    {
        _populated = populated;
        return populated;
    }

    /// <summary>Counts a release by the finalizer for the leak gate.</summary>
    /// <param name="disposing">False on the finalizer thread.</param>
    protected override void Dispose(bool disposing)
    {
        if (!disposing && !IsInvalid)
        {
            OwnerDiagnostics.OwnerFinalized();
        }

        base.Dispose(disposing);
    }

    /// <summary>Frees the pages in one bulk call (or gives them back to the array's pool), frees the
    /// slots, then releases the allocator (or the pool).</summary>
    /// <remarks>Calls <c>pa_release_pages</c> or <c>pa_page_pool_put_page_bulk</c>.</remarks>
    protected override bool ReleaseHandle()
    {
        if (_pagePool is not null)
        {
            PutToPool();
            _pagePool.DangerousRelease();
        }
        else if (_owner is not null)
        {
            if (_populated > 0)
            {
                Methods.pa_release_pages(_allocator, (pa_page**)handle, (nuint)_length);
            }

            _owner.DangerousRelease();
        }

        NativeMemory.Free((void*)handle);
        return true;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsClosed, this);

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)_length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The array has {_length} slots.");
        }
    }
}
