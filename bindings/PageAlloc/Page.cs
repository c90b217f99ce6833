// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// One page frame, as a view: the descriptor (<c>struct pa_page*</c>) and its allocator. A
/// <see cref="Page"/> owns nothing; it is valid while the <see cref="PageList"/>,
/// <see cref="PageArray"/> or <see cref="PageBlock"/> holding the page is alive and still holds
/// it. Using a page after its owner freed it (a <see cref="Span"/> kept after <c>Dispose</c>) is
/// the caller's bug: it is not detected, except that with
/// <see cref="PageAllocatorOptions.Poison"/> the next allocation of the page reports the write.
/// </summary>
public readonly unsafe struct Page : IEquatable<Page>
{
    private readonly pa_allocator* _allocator;
    private readonly pa_page* _page;
    private readonly PageLayout* _layout;
    private readonly int _pageSize;

    internal Page(pa_allocator* allocator, pa_page* page, int pageSize, PageLayout* layout)
    {
        _allocator = allocator;
        _page = page;
        _pageSize = pageSize;
        _layout = layout;
    }

    /// <summary>Whether this is <c>default(Page)</c>, which names no page.</summary>
    public bool IsDefault => _page == null;

    /// <summary>The page frame number.</summary>
    /// <remarks>Calls <c>pa_page_to_pfn</c>.</remarks>
    /// <exception cref="InvalidOperationException">This is <c>default(Page)</c>.</exception>
    public long Pfn => (long)Methods.pa_page_to_pfn(Allocator, _page);

    /// <summary>The node the page belongs to.</summary>
    /// <remarks>Calls <c>pa_page_to_nid</c>.</remarks>
    /// <exception cref="InvalidOperationException">This is <c>default(Page)</c>.</exception>
    public int Node => Methods.pa_page_to_nid(Allocator, _page);

    /// <summary>The zone the page belongs to.</summary>
    /// <remarks>Calls <c>pa_page_zonenum</c>.</remarks>
    /// <exception cref="InvalidOperationException">This is <c>default(Page)</c>.</exception>
    public ZoneType Zone => (ZoneType)Methods.pa_page_zonenum(Allocator, _page);

    /// <summary>
    /// The page's memory: <see cref="PageAllocator.PageSize"/> bytes, page-aligned. Empty when the
    /// allocator is <see cref="PageAllocatorOptions.MetadataOnly"/> (its pages have no memory).
    /// </summary>
    /// <remarks>Works it out from the descriptor through the layout the library publishes
    /// (<c>pa_get_layout</c>, read once per allocator); calls <c>pa_page_address</c> where there is
    /// none (a metadata-only allocator, or nodes mapped apart).</remarks>
    /// <exception cref="InvalidOperationException">This is <c>default(Page)</c>.</exception>
    public Span<byte> Span
    {
        get
        {
            void* address = AddressOf();
            return MemoryMarshal.CreateSpan(ref Unsafe.AsRef<byte>(address), address != null ? _pageSize : 0);
        }
    }

    /// <summary>The page's memory address, 0 when the allocator is metadata-only.</summary>
    /// <remarks>From the descriptor through the published layout, as <see cref="Span"/>.</remarks>
    /// <exception cref="InvalidOperationException">This is <c>default(Page)</c>.</exception>
    public nint Address => (nint)AddressOf();

    /// <summary>The native descriptor, for calls into the generated layer.</summary>
    internal pa_page* Descriptor => _page;

    /// <summary>The allocator the page belongs to (null for <c>default(Page)</c>).</summary>
    internal pa_allocator* AllocatorPointer => _allocator;

    private void* AddressOf()
    {
        PageLayout* layout = _layout;
        return layout != null && _page != null ? layout->AddressOf(_page) : Methods.pa_page_address(Allocator, _page);
    }

    private pa_allocator* Allocator =>
        _page != null ? _allocator : throw new InvalidOperationException("default(Page) names no page.");

    /// <summary>Whether both name the same page frame.</summary>
    /// <param name="left">A page.</param>
    /// <param name="right">A page.</param>
    public static bool operator ==(Page left, Page right) => left.Equals(right);

    /// <summary>Whether the two name different page frames.</summary>
    /// <param name="left">A page.</param>
    /// <param name="right">A page.</param>
    public static bool operator !=(Page left, Page right) => !left.Equals(right);

    /// <inheritdoc/>
    public bool Equals(Page other) => _page == other._page && _allocator == other._allocator;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Page other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => ((nint)_page).GetHashCode();

    /// <summary>"pfn N" (or "no page" for <c>default(Page)</c>).</summary>
    public override string ToString() => _page == null ? "no page" : $"pfn {Pfn}";
}
