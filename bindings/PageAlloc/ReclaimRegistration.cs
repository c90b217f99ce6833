// SPDX-License-Identifier: GPL-2.0-only
using System;

namespace PageAlloc;

/// <summary>
/// A <see cref="ReclaimCallback"/> registered with <see cref="PageAllocator.RegisterReclaim(ReclaimCallback)"/>;
/// disposing it unregisters the callback. Disposing twice is harmless, and so is disposing
/// after the allocator is gone.
/// </summary>
public sealed class ReclaimRegistration : IDisposable
{
    private readonly PageAllocator _allocator;

    internal ReclaimRegistration(PageAllocator allocator, AllocatorCallbacks.ReclaimTarget target)
    {
        _allocator = allocator;
        Target = target;
    }

    /// <summary>The callback.</summary>
    public ReclaimCallback Callback => Target.Callback;

    internal AllocatorCallbacks.ReclaimTarget Target { get; }

    /// <summary>Unregisters the callback.</summary>
    /// <remarks>Calls <c>pa_unregister_reclaim</c>.</remarks>
    public void Dispose() => _allocator.Unregister(this);
}
