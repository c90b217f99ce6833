// SPDX-License-Identifier: GPL-2.0-only
using System.Numerics;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// Whether an allocator's page descriptors form one array indexed by page frame number, as the
/// native allocator lays them out today (the kernel's flat <c>mem_map</c>): then a descriptor's
/// frame number is its distance from frame 0's descriptor, with no native call. The layout is
/// private to the C library, so it is probed, not assumed: the stride between two neighbouring
/// frames must be a power of two and must also place the first and the last frame of the
/// allocator where <c>pa_pfn_to_page</c> says they are. Otherwise <see cref="IsArray"/> is false
/// and callers ask <c>pa_page_to_pfn</c>.
/// </summary>
internal readonly unsafe struct DescriptorTable
{
    private readonly byte* _frameZero;
    private readonly int _strideShift;

    private DescriptorTable(byte* frameZero, int strideShift)
    {
        _frameZero = frameZero;
        _strideShift = strideShift;
    }

    /// <summary>Whether <see cref="PfnOf"/> may be used.</summary>
    public bool IsArray => _frameZero != null;

    /// <summary>The frame number of a descriptor of this allocator.</summary>
    public long PfnOf(pa_page* page) => (long)((byte*)page - _frameZero) >> _strideShift;

    /// <summary>Probes the layout of <paramref name="allocator"/>'s descriptors for frames 0 to
    /// <paramref name="pfnLimit"/> - 1.</summary>
    public static DescriptorTable Probe(pa_allocator* allocator, long pfnLimit)
    {
        long first = -1;
        for (long pfn = 0; pfn + 1 < pfnLimit && first < 0; pfn++)
        {
            if (Methods.pa_pfn_to_page(allocator, (ulong)pfn) != null && Methods.pa_pfn_to_page(allocator, (ulong)pfn + 1) != null)
            {
                first = pfn;
            }
        }

        long last = pfnLimit - 1;
        while (last > first && Methods.pa_pfn_to_page(allocator, (ulong)last) == null)
        {
            last--;
        }

        if (first < 0 || last <= first)
        {
            return default;
        }

        byte* a = (byte*)Methods.pa_pfn_to_page(allocator, (ulong)first);
        byte* b = (byte*)Methods.pa_pfn_to_page(allocator, (ulong)first + 1);
        byte* z = (byte*)Methods.pa_pfn_to_page(allocator, (ulong)last);
        long stride = b - a;
        if (stride <= 0 || !BitOperations.IsPow2(stride) || z - a != (last - first) * stride)
        {
            return default;
        }

        int shift = BitOperations.Log2((ulong)stride);
        return new DescriptorTable(a - (first << shift), shift);
    }
}
