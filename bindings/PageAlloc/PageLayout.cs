// SPDX-License-Identifier: GPL-2.0-only
using System.Numerics;
using System.Runtime.InteropServices;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// How an allocator lays out its descriptors and its memory, when both are flat: descriptors in
/// one array indexed by page frame number (the kernel's flat <c>mem_map</c>) and memory in one
/// region holding frame <c>pfn</c> at <c>pfn &lt;&lt; page_shift</c> (one node, or caller memory such
/// as a managed arena). Then a page's frame number and address are arithmetic on its descriptor
/// pointer, with no native call: <see cref="Page.Span"/>, <see cref="Page.Address"/> and the
/// buffers of a <see cref="PageMemoryPool"/> use that.
/// </summary>
/// <remarks>
/// The layout is private to the C library, so it is probed once per allocator, not assumed: the
/// descriptor stride between two neighbouring frames must be a power of two and place the
/// first and the last frame where <c>pa_pfn_to_page</c> says they are, and <c>pa_page_address</c>
/// of the first and last frame of every node must fit one linear region. Otherwise there is no
/// layout (null) and callers ask the library. Lives in native memory next to the allocator
/// (a <see cref="Page"/> holds a pointer to it) and is freed with it.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct PageLayout
{
    /// <summary>Where frame 0's descriptor would be.</summary>
    public byte* FrameZero;

    /// <summary>Where frame 0's memory would be.</summary>
    public byte* MemoryZero;

    /// <summary>log2 of the descriptor stride.</summary>
    public int StrideShift;

    /// <summary>log2 of the page size.</summary>
    public int PageShift;

    /// <summary>The frame number of a descriptor of this allocator.</summary>
    public readonly long PfnOf(pa_page* page) => (long)((byte*)page - FrameZero) >> StrideShift;

    /// <summary>The memory of a descriptor of this allocator.</summary>
    public readonly byte* AddressOf(pa_page* page) => MemoryZero + (PfnOf(page) << PageShift);

    /// <summary>Probes <paramref name="allocator"/>; a layout in native memory (free it with
    /// <see cref="NativeMemory.Free"/>), or null when the descriptors are not one flat array or the
    /// allocator has no memory in one linear region.</summary>
    public static PageLayout* Probe(pa_allocator* allocator, int pageShift)
    {
        long limit = PfnLimit(allocator);
        long first = -1;
        for (long pfn = 0; pfn + 1 < limit && first < 0; pfn++)
        {
            if (Valid(allocator, pfn) && Valid(allocator, pfn + 1))
            {
                first = pfn;
            }
        }

        long last = limit - 1;
        while (last > first && !Valid(allocator, last))
        {
            last--;
        }

        if (first < 0 || last <= first)
        {
            return null;
        }

        byte* a = Descriptor(allocator, first);
        long stride = Descriptor(allocator, first + 1) - a;
        if (stride <= 0 || !BitOperations.IsPow2(stride) || Descriptor(allocator, last) - a != (last - first) * stride)
        {
            return null;
        }

        int strideShift = BitOperations.Log2((ulong)stride);
        byte* firstMemory = (byte*)Methods.pa_page_address(allocator, (pa_page*)a);
        byte* memoryZero = firstMemory - (first << pageShift);
        if (firstMemory == null || !LinearMemory(allocator, memoryZero, pageShift))
        {
            return null;
        }

        var layout = (PageLayout*)NativeMemory.Alloc((nuint)sizeof(PageLayout));
        layout->FrameZero = a - (first << strideShift);
        layout->MemoryZero = memoryZero;
        layout->StrideShift = strideShift;
        layout->PageShift = pageShift;
        return layout;
    }

    /// <summary>Whether every node's first and last frame are at <paramref name="memoryZero"/> plus
    /// their frame number's offset (and there is memory at all).</summary>
    private static bool LinearMemory(pa_allocator* allocator, byte* memoryZero, int pageShift)
    {
        for (int node = 0; node < Methods.pa_nr_nodes(allocator); node++)
        {
            for (int zone = 0; zone < (int)pa_zone_type.PA_NR_ZONES; zone++)
            {
                pa_zone_info info;
                if (Methods.pa_zone_info(allocator, node, (pa_zone_type)zone, &info) != 0 || info.spanned == 0)
                {
                    continue;
                }

                foreach (long pfn in new[] { (long)info.start_pfn, (long)(info.start_pfn + info.spanned - 1) })
                {
                    pa_page* page = Methods.pa_pfn_to_page(allocator, (ulong)pfn);
                    if (page != null && (byte*)Methods.pa_page_address(allocator, page) != memoryZero + (pfn << pageShift))
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    private static long PfnLimit(pa_allocator* allocator)
    {
        long limit = 0;
        for (int node = 0; node < Methods.pa_nr_nodes(allocator); node++)
        {
            for (int zone = 0; zone < (int)pa_zone_type.PA_NR_ZONES; zone++)
            {
                pa_zone_info info;
                if (Methods.pa_zone_info(allocator, node, (pa_zone_type)zone, &info) == 0)
                {
                    limit = System.Math.Max(limit, (long)(info.start_pfn + info.spanned));
                }
            }
        }

        return limit;
    }

    private static bool Valid(pa_allocator* allocator, long pfn) => Methods.pa_pfn_to_page(allocator, (ulong)pfn) != null;

    private static byte* Descriptor(pa_allocator* allocator, long pfn) => (byte*)Methods.pa_pfn_to_page(allocator, (ulong)pfn);
}
