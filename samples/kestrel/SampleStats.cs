// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers.Text;
using PageAlloc.AspNetCore;

namespace PageAlloc.KestrelSample;

/// <summary>
/// The body of <c>GET /pagealloc/stats</c>, the report build.ps1 load polls during the load on
/// both servers alike: "name value" lines of what the page pools hold, formatted into the
/// caller's buffer. It allocates nothing (no strings, no report of the native library, whose
/// formatters allocate), so that polling it does not grow the heap whose size is being measured.
/// On Kestrel's own pool it is the single line <c>pool kestrel-default</c>.
/// </summary>
public static class SampleStats
{
    /// <summary>The most bytes <see cref="Write"/> writes.</summary>
    public const int MaxBytes = 512;

    /// <summary>Formats the report into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="MaxBytes"/> bytes.</param>
    /// <param name="factory">The page pools' factory; null on Kestrel's own pool.</param>
    /// <returns>The bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="MaxBytes"/>.</exception>
    public static int Write(Span<byte> destination, PageAllocMemoryPoolFactory? factory)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, MaxBytes, nameof(destination));
        if (factory is null)
        {
            "pool kestrel-default\n"u8.CopyTo(destination);
            return "pool kestrel-default\n"u8.Length;
        }

        PageAllocPoolTotals totals = factory.ReadTotals();
        int written = 0;
        Line(destination, ref written, "pool pagealloc"u8, -1);
        Line(destination, ref written, "pages_in_use "u8, totals.InflightPages);
        Line(destination, ref written, "pooled_pages "u8, totals.PooledPages);
        Line(destination, ref written, "cpu_caches "u8, totals.CpuCaches);
        Line(destination, ref written, "pools "u8, totals.Pools);
        Line(destination, ref written, "max_cached_pages "u8, totals.MaxCachedPages);
        Line(destination, ref written, "buffers_rented "u8, totals.RentedBuffers);
        Line(destination, ref written, "resident_bytes "u8, factory.Allocator.ResidentBytes);
        Line(destination, ref written, "fallback_rents "u8, factory.FallbackRents);
        return written;
    }

    // "name value\n" (no value when it is negative) at destination[written..]. Utf8Formatter,
    // not an interpolated Utf8.TryWrite: its generic holes box until the JIT tiers them up.
    private static void Line(Span<byte> destination, ref int written, ReadOnlySpan<byte> name, long value)
    {
        name.CopyTo(destination[written..]);
        written += name.Length;
        if (value >= 0)
        {
            if (!Utf8Formatter.TryFormat(value, destination[written..], out int digits))
            {
                throw new InvalidOperationException("The stats outgrew their buffer.");
            }

            written += digits;
        }

        destination[written++] = (byte)'\n';
    }
}
