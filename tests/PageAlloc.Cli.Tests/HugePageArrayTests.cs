// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;
using System.Linq;
using PageAlloc.Cli.Replay;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>The per-page-frame tables' arrays: zeroed, pinned, advised for huge pages.</summary>
public sealed unsafe class HugePageArrayTests
{
    [Fact]
    public void An_array_is_zeroed_pinned_and_its_whole_2_MiB_pages_advised_for_huge_pages()
    {
        const int Length = 3 << 20;   // 24 MiB of nint: at least ten whole 2 MiB pages
        nint[] array = HugePageArray.Allocate<nint>(Length);
        Assert.Equal(Length, array.Length);
        Assert.True(array.AsSpan().IndexOfAnyExcept(0) < 0);

        nint before;
        fixed (nint* p = array)
        {
            before = (nint)p;
        }

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        fixed (nint* p = array)
        {
            Assert.Equal(before, (nint)p);
        }

        // The mapping holding the first whole 2 MiB page says MADV_HUGEPAGE ("hg" in VmFlags).
        nint huge = (before + (2 << 20) - 1) & ~(nint)((2 << 20) - 1);
        Assert.Contains("hg", VmFlagsAt(huge));
        GC.KeepAlive(array);
    }

    /// <summary>The VmFlags of the mapping of this process that holds <paramref name="address"/>.</summary>
    private static string[] VmFlagsAt(nint address)
    {
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            if (char.IsAsciiHexDigit(line[0]) && line.Split(' ')[0].Split('-') is [string from, string to])
            {
                inside = (ulong)address >= Convert.ToUInt64(from, 16) && (ulong)address < Convert.ToUInt64(to, 16);
            }
            else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal))
            {
                return line["VmFlags:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
        }

        throw new InvalidOperationException($"no mapping holds 0x{address:x}");
    }
}
