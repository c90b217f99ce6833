// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// The pinned managed array an allocator with <see cref="PageAllocatorOptions.ManagedArena"/> lives
/// in: allocated on the pinned object heap (it never moves, so native code may keep its address),
/// one page larger than the allocator needs so that its first page-aligned byte starts the
/// allocator's memory. Page frame <c>pfn</c> is then at array offset <c>Start + (pfn &lt;&lt; page_shift)</c>
/// (<c>pa_create</c> lays caller memory out by page frame number).
/// </summary>
/// <remarks>
/// Free page reporting (<see cref="PageAllocatorOptions.FreePageReporting"/>) calls
/// <c>madvise(MADV_DONTNEED)</c> on free blocks of this array, from a native thread, while the
/// runtime runs. That is safe: the GC never reads or writes the contents of a <c>byte[]</c> (it
/// holds no references to scan), and the array never moves (pinned object heap). The released
/// pages read as zeros and fault back in on the next write, like any untouched anonymous page.
/// Only whole pages of the arena are released: the arena starts at the first page boundary at or
/// after the array's first element and ends inside the array, so the page that holds the array's
/// header (method table and length, just before the first element) is never an arena page, and
/// neither is the next object's. Tested by <c>ManagedArenaReportingTests</c>.
/// </remarks>
internal sealed unsafe class ManagedArena
{
    private ManagedArena(byte[] array, int start, byte* memory, long size)
    {
        Array = array;
        Start = start;
        Memory = memory;
        Size = size;
    }

    /// <summary>The array; pinned for its lifetime.</summary>
    internal byte[] Array { get; }

    /// <summary>The array offset of the allocator's first byte (page-aligned in memory).</summary>
    internal int Start { get; }

    /// <summary>The allocator's first byte.</summary>
    internal byte* Memory { get; }

    /// <summary>The bytes handed to the allocator.</summary>
    internal long Size { get; }

    /// <summary>Allocates the arena for <paramref name="options"/> (already validated).</summary>
    /// <exception cref="ArgumentException">The allocator needs more than one array holds.</exception>
    internal static ManagedArena Allocate(PageAllocatorOptions options)
    {
        long size = options.RequiredMemorySize();
        long pageSize = 1L << options.PageShift;
        if (size + pageSize > System.Array.MaxLength)
        {
            throw new ArgumentException(
                $"A managed arena holds at most {System.Array.MaxLength} bytes (one array) and this allocator needs {size} " +
                "plus a page of alignment; leave ManagedArena off for native memory (whose buffers do not pass TryGetArray).",
                nameof(options));
        }

        byte[] array = GC.AllocateUninitializedArray<byte>((int)(size + pageSize), pinned: true);
        nint first = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        nint aligned = (first + (nint)(pageSize - 1)) & ~(nint)(pageSize - 1);
        return new ManagedArena(array, (int)(aligned - first), (byte*)aligned, size);
    }

    /// <summary>Points <paramref name="config"/> at the arena as caller memory.</summary>
    internal void Fill(pa_config* config)
    {
        config->memory = Memory;
        config->memory_size = (ulong)Size;
    }

    /// <summary>The array offset of an address inside the arena.</summary>
    internal int OffsetOf(byte* address) => Start + (int)(address - Memory);
}
