// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Runtime.InteropServices;

namespace PageAlloc.Tests;

/// <summary>How much of a range the OS holds in memory (<c>mincore(2)</c>): what free page
/// reporting brings down.</summary>
internal static unsafe partial class Residency
{
    /// <summary>Bytes of the page-aligned range [address, address + length) resident now.</summary>
    internal static long ResidentBytes(nint address, long length)
    {
        long host = Environment.SystemPageSize;
        long pages = (length + host - 1) / host;
        byte[] vector = new byte[pages];
        fixed (byte* v = vector)
        {
            if (MinCore(address, (nuint)length, v) != 0)
            {
                throw new InvalidOperationException($"mincore failed ({Marshal.GetLastPInvokeError()}).");
            }
        }

        long resident = 0;
        foreach (byte b in vector)
        {
            resident += b & 1;
        }

        return resident * host;
    }

    [LibraryImport("libc", EntryPoint = "mincore", SetLastError = true)]
    private static partial int MinCore(nint address, nuint length, byte* vector);
}
