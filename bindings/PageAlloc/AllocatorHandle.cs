using System;
using System.Runtime.InteropServices;
using System.Threading;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// Owns a native <c>pa_allocator*</c>. Every page owner (<see cref="PageList"/>,
/// <see cref="PageArray"/>, <see cref="PageBlock"/>) <c>DangerousAddRef</c>s it, so
/// <c>pa_destroy</c> runs when the <see cref="PageAllocator"/> is disposed and the last owner is
/// released, whichever comes last, on the finalizer thread too.
/// </summary>
/// <remarks>
/// It also pools the native list heads (<c>struct pa_list_head</c>, which must not move) of
/// <see cref="PageList"/>s: a list rents one while it holds a reference and returns it before
/// releasing that reference, so the pool is only touched while the native allocator is alive
/// and <see cref="ReleaseHandle"/> (run after the last release) frees what it holds. The pool
/// is a fixed array of slots taken and filled with one interlocked operation each; a miss
/// allocates, a full pool frees.
/// </remarks>
internal sealed unsafe class AllocatorHandle : SafeHandle
{
    /// <summary>Pooled list heads at most: more lists than this alive at once, and
    /// the rest are allocated and freed.</summary>
    internal const int ListHeadPoolSize = 16;

    private readonly AllocatorCallbacks _callbacks;
    private readonly nint[] _listHeads = new nint[ListHeadPoolSize];

    internal AllocatorHandle(pa_allocator* allocator, AllocatorCallbacks callbacks)
        : base(0, ownsHandle: true)
    {
        _callbacks = callbacks;
        SetHandle((nint)allocator);
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>The native allocator (valid while a reference is held).</summary>
    internal pa_allocator* Pointer => (pa_allocator*)handle;

    /// <summary>Adds a reference; <see cref="ObjectDisposedException"/> when the native allocator is gone.</summary>
    internal void AddRef()
    {
        bool added = false;
        DangerousAddRef(ref added);
        if (!added)
        {
            throw new ObjectDisposedException(nameof(PageAllocator));
        }
    }

    /// <summary>List heads in the pool now (for the tests).</summary>
    internal int PooledListHeads
    {
        get
        {
            int pooled = 0;
            foreach (nint head in _listHeads)
            {
                pooled += head != 0 ? 1 : 0;
            }

            return pooled;
        }
    }

    /// <summary>An empty native list head, from the pool or newly allocated. The caller holds
    /// a reference.</summary>
    internal pa_list_head* RentListHead()
    {
        nint[] slots = _listHeads;
        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) != 0)
            {
                nint pooled = Interlocked.Exchange(ref slots[i], 0);
                if (pooled != 0)
                {
                    return InitListHead((pa_list_head*)pooled);
                }
            }
        }

        var head = (pa_list_head*)NativeMemory.Alloc((nuint)sizeof(pa_list_head));
        OwnerDiagnostics.ListHeadAllocated();
        return InitListHead(head);
    }

    /// <summary>Takes back a list head (its pages already freed) into the pool, or frees it when
    /// the pool is full. The caller still holds its reference.</summary>
    internal void ReturnListHead(pa_list_head* head)
    {
        nint[] slots = _listHeads;
        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) == 0 && Interlocked.CompareExchange(ref slots[i], (nint)head, 0) == 0)
            {
                return;
            }
        }

        FreeListHead(head);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing && !IsInvalid)
        {
            OwnerDiagnostics.AllocatorFinalized();
        }

        base.Dispose(disposing);
    }

    /// <summary>Destroys the native allocator, then frees the callbacks' GC handles and the
    /// pooled list heads.</summary>
    /// <remarks>Calls <c>pa_destroy</c>.</remarks>
    protected override bool ReleaseHandle()
    {
        Methods.pa_destroy((pa_allocator*)handle);
        _callbacks.Free();
        nint[] slots = _listHeads;
        for (int i = 0; i < slots.Length; i++)
        {
            nint pooled = Interlocked.Exchange(ref slots[i], 0);
            if (pooled != 0)
            {
                FreeListHead((pa_list_head*)pooled);
            }
        }

        OwnerDiagnostics.AllocatorDestroyed();
        return true;
    }

    private static pa_list_head* InitListHead(pa_list_head* head)
    {
        head->next = head;
        head->prev = head;
        return head;
    }

    private static void FreeListHead(pa_list_head* head)
    {
        NativeMemory.Free(head);
        OwnerDiagnostics.ListHeadFreed();
    }
}
