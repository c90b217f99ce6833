// SPDX-License-Identifier: GPL-2.0-only
using System;
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
/// The library publishes it (<c>pa_get_layout</c>, <c>struct pa_layout</c>), and the C header's inline
/// <c>pa_layout_*</c> accessors compute the same arithmetic; the allocator was created with
/// <c>pa_create_checked</c>, so the layout's version is the one this assembly was generated for.
/// An allocator without one address map (metadata-only, or nodes mapped apart) has no layout
/// (null), and callers ask the library. Lives in native memory next to the allocator (a
/// <see cref="Page"/> holds a pointer to it) and is freed with it.
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

    /// <summary>The layout <paramref name="allocator"/> publishes, in native memory (free it with
    /// <see cref="NativeMemory.Free"/>), or null when its pages have no addresses in one map.</summary>
    /// <exception cref="InvalidOperationException">The library published a layout of another version.</exception>
    public static PageLayout* Read(pa_allocator* allocator)
    {
        pa_layout published;
        if (Methods.pa_get_layout(allocator, &published) != 0)
        {
            return null;
        }

        if (published.version != Methods.PA_LAYOUT_VERSION)
        {
            throw new InvalidOperationException(
                $"pa_get_layout published layout version {published.version}; this assembly reads version {Methods.PA_LAYOUT_VERSION}.");
        }

        var layout = (PageLayout*)NativeMemory.Alloc((nuint)sizeof(PageLayout));
        layout->FrameZero = (byte*)published.pages;
        layout->MemoryZero = (byte*)published.mem_base;
        layout->StrideShift = (int)published.desc_shift;
        layout->PageShift = (int)published.page_shift;
        return layout;
    }
}
