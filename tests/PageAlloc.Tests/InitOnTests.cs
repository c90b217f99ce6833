// SPDX-License-Identifier: GPL-2.0-only
using System;
using PageAlloc;
using PageAlloc.Native;
using Xunit;

namespace PageAlloc.Tests;

/// <summary><see cref="PageAllocatorOptions.InitOnAlloc"/> and <see cref="PageAllocatorOptions.InitOnFree"/>:
/// the kernel's init_on_alloc and init_on_free, mapped to <c>PA_CFG_INIT_ON_*</c>; each with its control.</summary>
public sealed unsafe class InitOnTests : LeakCheckedTest
{
    private static PageAllocator Create(bool initOnAlloc, bool initOnFree, bool poison = false)
    {
        var options = PageAllocatorOptions.Create(1, 4096, cpus: 1);
        options.InitOnAlloc = initOnAlloc;
        options.InitOnFree = initOnFree;
        options.Poison = poison;
        var allocator = new PageAllocator(options);
        allocator.BindCpu(0);
        return allocator;
    }

    /// <summary>Allocates one page, fills it with 0x5a, frees it; its memory stays mapped.</summary>
    private static (nint Address, long Pfn) DirtyAndFree(PageAllocator allocator)
    {
        using PageBlock block = allocator.AllocatePages(0);
        block.Span.Fill(0x5a);
        return (block.Address, block.Pfn);
    }

    private static bool AllBytes(nint address, int length, byte value) =>
        new ReadOnlySpan<byte>((void*)address, length).IndexOfAnyExcept(value) < 0;

    [Fact]
    public void Options_map_to_the_config_bits()
    {
        Assert.Equal(0x40u, Methods.PA_CFG_INIT_ON_ALLOC);
        Assert.Equal(0x80u, Methods.PA_CFG_INIT_ON_FREE);
        Assert.Equal(Methods.PA_CFG_INIT_ON_ALLOC | Methods.PA_CFG_INIT_ON_FREE,
            Methods.PA_CFG_ALL_FLAGS & (Methods.PA_CFG_INIT_ON_ALLOC | Methods.PA_CFG_INIT_ON_FREE));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InitOnFree_zeroes_a_freed_page(bool initOnFree)
    {
        using PageAllocator allocator = Create(initOnAlloc: false, initOnFree);
        (nint address, long pfn) = DirtyAndFree(allocator);
        Assert.Equal(initOnFree, AllBytes(address, allocator.PageSize, 0));
        Assert.Equal(!initOnFree, AllBytes(address, allocator.PageSize, 0x5a));
        using PageBlock again = allocator.AllocatePages(0);
        Assert.Equal(pfn, again.Pfn);
        Assert.Equal(initOnFree, again.Span.IndexOfAnyExcept((byte)0) < 0);
        allocator.Check();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InitOnAlloc_zeroes_every_allocation(bool initOnAlloc)
    {
        using PageAllocator allocator = Create(initOnAlloc, initOnFree: false);
        (nint address, long pfn) = DirtyAndFree(allocator);
        Assert.True(AllBytes(address, allocator.PageSize, 0x5a));
        using PageBlock again = allocator.AllocatePages(0);
        Assert.Equal(pfn, again.Pfn);
        Assert.Equal(initOnAlloc, again.Span.IndexOfAnyExcept((byte)0) < 0);
        allocator.Check();
    }

    [Fact]
    public void InitOnFree_bulk_pages_come_back_zeroed_and_are_not_zeroed_twice()
    {
        using PageAllocator allocator = Create(initOnAlloc: true, initOnFree: true);
        using (PageList list = allocator.AllocateBulk(40))
        {
            foreach (Page page in list)
            {
                page.Span.Fill(0x5a);
            }
        }

        (nint address, long pfn) = DirtyAndFree(allocator);
        Assert.True(AllBytes(address, allocator.PageSize, 0));
        // A write after free the allocator cannot see survives a zeroing allocation:
        // the page was zeroed once, when it was freed.
        ((byte*)address)[100] = 0x77;
        using PageBlock again = allocator.AllocatePages(0, Gfp.Kernel | Gfp.Zero);
        Assert.Equal(pfn, again.Pfn);
        Assert.Equal(0x77, again.Span[100]);
        again.Span[100] = 0;
        using PageList zeroed = allocator.AllocateBulk(40);
        foreach (Page page in zeroed)
        {
            Assert.Equal(-1, page.Span.IndexOfAnyExcept((byte)0));
        }

        allocator.Check();
    }

    [Fact]
    public void Poison_takes_precedence_over_both()
    {
        using PageAllocator allocator = Create(initOnAlloc: true, initOnFree: true, poison: true);
        (nint address, _) = DirtyAndFree(allocator);
        Assert.True(AllBytes(address, allocator.PageSize, 0xaa));
        using PageBlock again = allocator.AllocatePages(0);
        Assert.Equal(-1, again.Span.IndexOfAnyExcept((byte)0xaa));
        allocator.Check();
    }
}
