using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// Owns a native <c>pa_allocator*</c>. Every page owner (<see cref="PageList"/>,
/// <see cref="PageArray"/>, <see cref="PageBlock"/>) holds a reference on it, so
/// <c>pa_destroy</c> runs when the <see cref="PageAllocator"/> is disposed and the last owner is
/// released, whichever comes last, on the finalizer thread too.
/// </summary>
/// <remarks>
/// <para>It also pools the native list heads (<c>struct pa_list_head</c>, which must not move)
/// of <see cref="PageList"/>s, so that a list costs neither an allocation nor a reference count
/// round trip: every head carries one reference on this handle, wherever it is. A list takes a
/// head with its reference from the pool (or with <c>DangerousAddRef</c> and an allocation
/// when the pool is empty) and gives both back when released (or frees the head and releases
/// the reference when the pool is full). The pool is a fixed array of slots, each taken or
/// filled with one interlocked operation.</para>
/// <para>A pooled head's reference must not keep the native allocator alive once the allocator
/// is disposed or finalized: <see cref="Dispose(bool)"/> sets <c>_closing</c> and then drains
/// the pool, and a head given back afterwards sees <c>_closing</c> (both sides order their
/// slot operation and their flag access with full fences) and drains it too. Whoever releases
/// the last reference runs <see cref="ReleaseHandle"/>, by which time the pool is empty.</para>
/// </remarks>
internal sealed unsafe class AllocatorHandle : SafeHandle
{
    /// <summary>Pooled list heads at most: more lists than this alive at once, and
    /// the rest are allocated and freed.</summary>
    internal const int ListHeadPoolSize = 16;

    private readonly AllocatorCallbacks _callbacks;
    private readonly nint[] _listHeads = new nint[ListHeadPoolSize];
    private int _closing;

    internal AllocatorHandle(pa_allocator* allocator, AllocatorCallbacks callbacks, ManagedArena? arena = null)
        : base(0, ownsHandle: true)
    {
        _callbacks = callbacks;
        Arena = arena;
        SetHandle((nint)allocator);
    }

    /// <summary>The allocator's flat descriptor and memory layout, or null (see <see cref="PageLayout"/>);
    /// set once after creation, freed after <c>pa_destroy</c>.</summary>
    internal PageLayout* Layout { get; set; }

    /// <summary>The pinned array the pages live in, or null (native memory). Referenced here so it
    /// lives exactly as long as the native allocator that writes into it.</summary>
    internal ManagedArena? Arena { get; }

    /// <summary>The allocator's log: the same event and standard-error fallback as the native
    /// allocator's own lines, for what the managed layer reports (a pool's leaked buffers).</summary>
    internal void Log(PageAllocatorLogLevel level, string text) => _callbacks.LogText(level, text);

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

    /// <summary>An empty native list head carrying one reference on this handle: from the pool,
    /// or newly allocated with a new reference.</summary>
    /// <exception cref="ObjectDisposedException">The native allocator is gone.</exception>
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

        return AllocateListHead();
    }

    /// <summary>Takes back a list head (its pages already freed) with the reference it carries:
    /// into the pool, or, when the pool is full, freeing the head and releasing the reference.
    /// The native allocator may be gone when this returns.</summary>
    internal void ReturnListHead(pa_list_head* head)
    {
        nint[] slots = _listHeads;
        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) == 0 && Interlocked.CompareExchange(ref slots[i], (nint)head, 0) == 0)
            {
                if (Volatile.Read(ref _closing) != 0)
                {
                    DrainListHeads();
                }

                return;
            }
        }

        FreeListHeadAndRelease(head);
    }

    /// <summary>Counts a finalization for the leak gate; lets go of the handle's own reference,
    /// then of those the pooled list heads carry.</summary>
    /// <param name="disposing">False on the finalizer thread.</param>
    protected override void Dispose(bool disposing)
    {
        if (!disposing && !IsInvalid)
        {
            OwnerDiagnostics.AllocatorFinalized();
        }

        Interlocked.Exchange(ref _closing, 1);
        base.Dispose(disposing);
        DrainListHeads();
    }

    /// <summary>Destroys the native allocator, then frees the callbacks' GC handles. The list
    /// head pool is empty: every pooled head held a reference.</summary>
    /// <remarks>Calls <c>pa_destroy</c>.</remarks>
    protected override bool ReleaseHandle()
    {
        Debug.Assert(PooledListHeads == 0, "a pooled list head outlived its reference");
        Methods.pa_destroy((pa_allocator*)handle);
        NativeMemory.Free(Layout);
        Layout = null;
        _callbacks.Free();
        OwnerDiagnostics.AllocatorDestroyed();
        return true;
    }

    /// <summary>Frees every pooled list head and releases the reference each carried.</summary>
    private void DrainListHeads()
    {
        nint[] slots = _listHeads;
        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) != 0)
            {
                nint pooled = Interlocked.Exchange(ref slots[i], 0);
                if (pooled != 0)
                {
                    FreeListHeadAndRelease((pa_list_head*)pooled);
                }
            }
        }
    }

    private static pa_list_head* InitListHead(pa_list_head* head)
    {
        head->next = head;
        head->prev = head;
        return head;
    }

    // The slow paths are apart so that the pool's fast paths hold no P/Invoke (whose frame a
    // method sets up on every call).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private pa_list_head* AllocateListHead()
    {
        AddRef();
        pa_list_head* head;
        try
        {
            head = (pa_list_head*)NativeMemory.Alloc((nuint)sizeof(pa_list_head));
        }
        catch
        {
            DangerousRelease();
            throw;
        }

        OwnerDiagnostics.ListHeadAllocated();
        return InitListHead(head);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FreeListHeadAndRelease(pa_list_head* head)
    {
        NativeMemory.Free(head);
        OwnerDiagnostics.ListHeadFreed();
        DangerousRelease();
    }
}
