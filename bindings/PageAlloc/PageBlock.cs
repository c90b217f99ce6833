using System;
using System.Runtime.InteropServices;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// 2^<see cref="Order"/> contiguous pages, owned: disposing (or finalizing) the block frees them
/// with one <c>pa_free_pages</c> call. Made by <see cref="PageAllocator.AllocatePages(int, Gfp, int)"/>,
/// <see cref="PageList.Detach(int)"/> and <see cref="PageArray.Detach(int)"/>. The block keeps its
/// allocator alive. Disposing twice is harmless; any other member used after <c>Dispose</c>
/// throws <see cref="ObjectDisposedException"/>. Not thread-safe.
/// </summary>
public sealed unsafe class PageBlock : SafeHandle
{
    private readonly AllocatorHandle _owner;
    private readonly pa_allocator* _allocator;
    private readonly int _order;
    private readonly int _pageSize;

    /// <summary>Takes ownership of an allocated block; adds a reference to the allocator, or adopts
    /// the one the caller took (<paramref name="referenceTaken"/>).</summary>
    internal PageBlock(AllocatorHandle owner, pa_allocator* allocator, pa_page* page, int order, int pageSize, bool referenceTaken = false)
        : base(0, ownsHandle: true)
    {
        try
        {
            if (!referenceTaken)
            {
                owner.AddRef();
            }
        }
        catch
        {
            GC.SuppressFinalize(this);
            throw;
        }

        _owner = owner;
        _allocator = allocator;
        _order = order;
        _pageSize = pageSize;
        SetHandle((nint)page);
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>The block's order: it holds 2^order pages.</summary>
    public int Order
    {
        get
        {
            ThrowIfDisposed();
            return _order;
        }
    }

    /// <summary>The number of pages, 2^<see cref="Order"/>.</summary>
    public int PageCount
    {
        get
        {
            ThrowIfDisposed();
            return 1 << _order;
        }
    }

    /// <summary>The size in bytes, <see cref="PageCount"/> times the page size.</summary>
    public long Length
    {
        get
        {
            ThrowIfDisposed();
            return (long)_pageSize << _order;
        }
    }

    /// <summary>The first page.</summary>
    public Page Page
    {
        get
        {
            ThrowIfDisposed();
            return new Page(_allocator, (pa_page*)handle, _pageSize, _owner.Layout);
        }
    }

    /// <summary>The first page's frame number; the block spans <see cref="PageCount"/> frames from it.</summary>
    /// <remarks>Calls <c>pa_page_to_pfn</c>.</remarks>
    public long Pfn => Page.Pfn;

    /// <summary>The node of the block.</summary>
    /// <remarks>Calls <c>pa_page_to_nid</c>.</remarks>
    public int Node => Page.Node;

    /// <summary>The zone of the block.</summary>
    /// <remarks>Calls <c>pa_page_zonenum</c>.</remarks>
    public ZoneType Zone => Page.Zone;

    /// <summary>
    /// The block's memory, <see cref="Length"/> bytes, contiguous and page-aligned; empty when the
    /// allocator is metadata-only. Valid until the block is disposed.
    /// </summary>
    /// <remarks>Calls <c>pa_page_address</c>, or works it out from the descriptor when the allocator's
    /// descriptors and memory are both flat.</remarks>
    /// <exception cref="InvalidOperationException">The block is larger than 2 GiB, more than a span holds.</exception>
    public Span<byte> Span
    {
        get
        {
            ThrowIfDisposed();
            void* address = (void*)Page.Address;
            if (address == null)
            {
                return default;
            }

            long length = (long)_pageSize << _order;
            if (length > int.MaxValue)
            {
                throw new InvalidOperationException($"A block of {length} bytes is larger than a span; use Address.");
            }

            return new Span<byte>(address, (int)length);
        }
    }

    /// <summary>The block's memory address, 0 when the allocator is metadata-only.</summary>
    /// <remarks>Calls <c>pa_page_address</c>, or works it out from the descriptor when the allocator's
    /// descriptors and memory are both flat.</remarks>
    public nint Address => Page.Address;

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

    /// <summary>Frees the pages, then releases the allocator.</summary>
    /// <remarks>Calls <c>pa_free_pages</c>.</remarks>
    protected override bool ReleaseHandle()
    {
        Methods.pa_free_pages(_allocator, (pa_page*)handle, (uint)_order);
        _owner.DangerousRelease();
        return true;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsClosed, this);
}
