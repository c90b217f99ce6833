// SPDX-License-Identifier: GPL-2.0-only
using System;
using PageAlloc.Native;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>
/// The layout C# computes addresses with is the one the library publishes (<c>pa_get_layout</c>):
/// the same answers as the exported <c>pa_page_to_pfn</c> and <c>pa_page_address</c> for every
/// frame, and none for an allocator without one address map.
/// </summary>
public sealed unsafe class PageLayoutTests : LeakCheckedTest
{
    public static TheoryData<string> Configurations() => new() { "one node", "four zones", "managed arena", "two nodes in caller memory" };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Layout_answers_as_the_exported_functions_for_every_frame(string configuration)
    {
        using var allocator = new PageAllocator(Options(configuration));
        pa_allocator* a = allocator.Pointer;
        PageLayout* layout = allocator.Handle.Layout;
        Assert.True(layout != null, $"{configuration}: no layout");

        pa_layout published;
        Assert.Equal(0, Methods.pa_get_layout(a, &published));
        Assert.Equal((uint)Methods.PA_LAYOUT_VERSION, published.version);
        Assert.Equal(allocator.PageSize, 1 << layout->PageShift);

        long frames = 0;
        for (ulong pfn = 0; pfn < published.nr_pfns; pfn++)
        {
            pa_page* page = Methods.pa_pfn_to_page(a, pfn);
            if (page == null)
            {
                continue;
            }

            frames++;
            Assert.Equal((long)pfn, layout->PfnOf(page));
            Assert.True(layout->AddressOf(page) == Methods.pa_page_address(a, page), $"{configuration}: address of pfn {pfn}");
        }

        Assert.True(frames > 1000, $"{configuration}: only {frames} frames");
        using PageBlock block = allocator.AllocatePages(2);
        Assert.Equal((nint)Methods.pa_page_address(a, block.Page.Descriptor), block.Address);
    }

    [Fact]
    public void No_layout_without_addresses()
    {
        using var allocator = new PageAllocator(new PageAllocatorOptions { MetadataOnly = true, CpuCount = 1 });
        Assert.True(allocator.Handle.Layout == null);
        pa_layout published = default;
        Assert.Equal(-6, Methods.pa_get_layout(allocator.Pointer, &published)); // -ENXIO
        Assert.Equal(0u, published.version);
        using PageBlock block = allocator.AllocatePages(0);
        Assert.Equal(0, block.Address);
    }

    private static PageAllocatorOptions Options(string configuration)
    {
        var options = new PageAllocatorOptions { CpuCount = 2 };
        switch (configuration)
        {
            case "one node":
                break;
            case "four zones":
                foreach (ZoneType zone in Enum.GetValues<ZoneType>())
                {
                    options.SetZonePages(0, zone, 1500 + (int)zone * 700);
                }

                break;
            case "managed arena":
                options.ManagedArena = true;
                break;
            case "two nodes in caller memory":
                options = PageAllocatorOptions.Create(2, 3000, cpus: 2);
                options.ManagedArena = true;
                break;
            default:
                throw new ArgumentException(configuration, nameof(configuration));
        }

        return options;
    }
}
