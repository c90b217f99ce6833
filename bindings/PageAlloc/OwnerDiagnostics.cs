using System.Threading;

namespace PageAlloc;

/// <summary>
/// Counters for the tests' leak gate: owners (<see cref="PageList"/>, <see cref="PageArray"/>,
/// <see cref="PageBlock"/>) and allocators released by the finalizer instead of <c>Dispose</c>,
/// native allocators destroyed, and native list heads allocated and not yet freed.
/// </summary>
internal static class OwnerDiagnostics
{
    private static long s_finalizedOwners;
    private static long s_finalizedAllocators;
    private static long s_destroyedAllocators;
    private static long s_listHeads;
    private static long s_leakedBuffers;

    /// <summary>Page owners whose pages were freed by the finalizer (a leak: never disposed).</summary>
    internal static long FinalizedOwners => Interlocked.Read(ref s_finalizedOwners);

    /// <summary>Allocator handles released by the finalizer (a <see cref="PageAllocator"/> never disposed).</summary>
    internal static long FinalizedAllocators => Interlocked.Read(ref s_finalizedAllocators);

    /// <summary>Native allocators destroyed with <c>pa_destroy</c>.</summary>
    internal static long DestroyedAllocators => Interlocked.Read(ref s_destroyedAllocators);

    /// <summary>Native list heads (<see cref="PageList"/>'s <c>struct pa_list_head</c>) allocated and
    /// not yet freed, in use or pooled: back to its earlier value once an allocator is destroyed.</summary>
    internal static long ListHeads => Interlocked.Read(ref s_listHeads);

    /// <summary>Buffers of a <see cref="PageMemoryPool"/> (or pages of a <c>PagePool</c>) never
    /// returned, counted when their pool was disposed or finalized.</summary>
    internal static long LeakedBuffers => Interlocked.Read(ref s_leakedBuffers);

    internal static void BuffersLeaked(long count) => Interlocked.Add(ref s_leakedBuffers, count);

    internal static void OwnerFinalized() => Interlocked.Increment(ref s_finalizedOwners);

    internal static void AllocatorFinalized() => Interlocked.Increment(ref s_finalizedAllocators);

    internal static void AllocatorDestroyed() => Interlocked.Increment(ref s_destroyedAllocators);

    internal static void ListHeadAllocated() => Interlocked.Increment(ref s_listHeads);

    internal static void ListHeadFreed() => Interlocked.Decrement(ref s_listHeads);
}
