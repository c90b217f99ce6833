// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Runtime.InteropServices;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// Arrays for the replay's tables with an entry per page frame, which seeding writes in full:
/// their memory is advised for transparent huge pages (<c>madvise(MADV_HUGEPAGE)</c>), as the
/// library's descriptor table is. First written in 4 KiB pages, the 15 MB table of a
/// 1.86 M-page machine took 3,700 page faults, a third of a small trace's replay's faults and
/// 40 ms of its seeding (docs/FIDELITY.md). The advice is only advice: without transparent huge
/// pages the array is an ordinary one.
/// </summary>
internal static unsafe partial class HugePageArray
{
    private const nint HugePage = 2 << 20;
    private const int MadvHugepage = 14;

    /// <summary>A zeroed array of <paramref name="length"/> elements, pinned (the advice holds for
    /// the memory, which the GC must not move), its whole 2 MiB pages advised for huge pages.</summary>
    public static T[] Allocate<T>(long length)
        where T : unmanaged
    {
        T[] array = GC.AllocateUninitializedArray<T>(checked((int)length), pinned: true);
        fixed (T* first = array)
        {
            nint start = ((nint)first + HugePage - 1) & ~(HugePage - 1);
            nint end = (nint)(first + length) & ~(HugePage - 1);
            if (end > start)
            {
                _ = Madvise(start, (nuint)(end - start), MadvHugepage);
            }
        }

        // Written after the advice, so that the first write faults in a huge page.
        array.AsSpan().Clear();
        return array;
    }

    [LibraryImport("libc.so.6", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
