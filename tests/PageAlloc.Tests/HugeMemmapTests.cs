// SPDX-License-Identifier: GPL-2.0-only
using PageAlloc;
using PageAlloc.Native;
using Xunit;

namespace PageAlloc.Tests;

/// <summary><see cref="PageAllocatorOptions.HugeMemmap"/>: the descriptor table in huge pages
/// (<c>PA_CFG_HUGE_MEMMAP</c>), starting on a 2 MiB boundary; pages allocated as without it.</summary>
public sealed unsafe class HugeMemmapTests : LeakCheckedTest
{
    [Fact]
    public void Option_maps_to_the_config_bit()
    {
        Assert.Equal(0x100u, Methods.PA_CFG_HUGE_MEMMAP);
        Assert.Equal(Methods.PA_CFG_HUGE_MEMMAP, Methods.PA_CFG_ALL_FLAGS & Methods.PA_CFG_HUGE_MEMMAP);
    }

    [Fact]
    public void Table_starts_on_a_2MiB_boundary_and_pages_come_as_without_it()
    {
        var options = PageAllocatorOptions.Create(1, 4096, cpus: 1);
        options.HugeMemmap = true;
        using var huge = new PageAllocator(options);
        using var plain = new PageAllocator(PageAllocatorOptions.Create(1, 4096, cpus: 1));
        pa_layout layout;
        Assert.Equal(0, Methods.pa_get_layout(huge.Pointer, &layout));
        Assert.Equal(0ul, (ulong)layout.pages & ((2ul << 20) - 1));
        huge.BindCpu(0);
        plain.BindCpu(0);
        for (int i = 0; i < 100; i++)
        {
            using PageBlock a = huge.AllocatePages(0);
            using PageBlock b = plain.AllocatePages(0);
            Assert.Equal(b.Pfn, a.Pfn);
        }
    }
}
