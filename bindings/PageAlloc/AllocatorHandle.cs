using System;
using System.Runtime.InteropServices;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// Owns a native <c>pa_allocator*</c>. Every page owner (<see cref="PageList"/>,
/// <see cref="PageArray"/>, <see cref="PageBlock"/>) <c>DangerousAddRef</c>s it, so
/// <c>pa_destroy</c> runs when the <see cref="PageAllocator"/> is disposed and the last owner is
/// released, whichever comes last, on the finalizer thread too.
/// </summary>
internal sealed unsafe class AllocatorHandle : SafeHandle
{
    private readonly AllocatorCallbacks _callbacks;

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

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing && !IsInvalid)
        {
            OwnerDiagnostics.AllocatorFinalized();
        }

        base.Dispose(disposing);
    }

    /// <summary>Destroys the native allocator, then frees the callbacks' GC handles.</summary>
    /// <remarks>Calls <c>pa_destroy</c>.</remarks>
    protected override bool ReleaseHandle()
    {
        Methods.pa_destroy((pa_allocator*)handle);
        _callbacks.Free();
        OwnerDiagnostics.AllocatorDestroyed();
        return true;
    }
}
