// SPDX-License-Identifier: GPL-2.0-only
using System;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>
/// The 6.7-6.18 pcp model through the safe API: <see cref="PageAllocatorOptions.PcpAutotune"/>,
/// <see cref="PageAllocatorOptions.PercpuPagelistHighFraction"/>, <see cref="PcpInfo.HighMin"/>,
/// <see cref="PcpInfo.HighMax"/>, <see cref="ZoneInfo.WatermarkPromo"/> and
/// <see cref="PageAllocator.VmstatTick"/>. The zone: NORMAL 65536 pages, 4 CPUs, min_free_kbytes
/// 4096: min 1024, low 1280, high 1536, promo 1792; batch 15; high_min 1280 / 4 = 320,
/// high_max 65536 / 8 / 4 = 2048 (the numbers of tests/c/test_pcp618.c).
/// </summary>
public sealed class PcpAutotuneTests : LeakCheckedTest
{
    private static PageAllocator Tuned(bool autotune, int fraction = 0)
    {
        var options = PageAllocatorOptions.Create(1, 65536, cpus: 4);
        options.MinFreeKBytes = 4096;
        options.PcpAutotune = autotune;
        options.PercpuPagelistHighFraction = fraction;
        return new PageAllocator(options);
    }

    [Fact]
    public void Autotune_sizes_high_min_and_high_max_and_starts_high_at_zero()
    {
        using PageAllocator allocator = Tuned(autotune: true);
        PcpInfo pcp = allocator.GetPcpInfo(0, 0, ZoneType.Normal);
        Assert.Equal(15, pcp.Batch);
        Assert.Equal(320, pcp.HighMin);
        Assert.Equal(2048, pcp.HighMax);
        Assert.Equal(0, pcp.High);
        Assert.Equal(1792, allocator.GetZoneInfo(0, ZoneType.Normal).WatermarkPromo);
        Assert.Contains("high_min: 320", allocator.ZoneInfo());
    }

    [Fact]
    public void Default_model_keeps_high_fixed_between_equal_bounds()
    {
        using PageAllocator allocator = Tuned(autotune: false);
        PcpInfo pcp = allocator.GetPcpInfo(3, 0, ZoneType.Normal);
        Assert.Equal(320, pcp.High);
        Assert.Equal(320, pcp.HighMin);
        Assert.Equal(320, pcp.HighMax);
        Assert.Equal(1792, allocator.GetZoneInfo(0, ZoneType.Normal).WatermarkPromo);
        allocator.VmstatTick();
        Assert.Equal(320, allocator.GetPcpInfo(3, 0, ZoneType.Normal).High);
    }

    [Fact]
    public void Frees_raise_high_and_VmstatTick_decays_it()
    {
        // Pages taken on CPU 1, freed to CPU 0 one list of 1590: the run drains at 320, 640 and
        // 1120 frees and raises high to 335, then 495 (need_high = free_count 480 + batch);
        // 470 more leave 485. The tick: high = max(485 - 480, 495 - 61, 320) = 434, 51 drained.
        using PageAllocator allocator = Tuned(autotune: true);
        allocator.BindCpu(1);
        using PageList pages = allocator.AllocateBulk(1600, Gfp.HighUserMovable);
        Assert.Equal(1600, pages.Count);
        using PageList kept = pages.Split(1590);
        allocator.BindCpu(0);
        pages.Dispose();
        PcpInfo before = allocator.GetPcpInfo(0, 0, ZoneType.Normal);
        Assert.Equal(485, before.Count);
        Assert.Equal(495, before.High);
        long free = allocator.GetZoneInfo(0, ZoneType.Normal).Free;

        allocator.VmstatTick();

        PcpInfo after = allocator.GetPcpInfo(0, 0, ZoneType.Normal);
        Assert.Equal(434, after.High);
        Assert.Equal(434, after.Count);
        Assert.Equal(free + 51, allocator.GetZoneInfo(0, ZoneType.Normal).Free);
        allocator.Check();
    }

    [Fact]
    public void High_fraction_pins_high_in_both_models()
    {
        using PageAllocator tuned = Tuned(autotune: true, fraction: 8);
        PcpInfo pcp = tuned.GetPcpInfo(0, 0, ZoneType.Normal);
        Assert.Equal(2048, pcp.HighMin);
        Assert.Equal(2048, pcp.HighMax);
        using PageAllocator fixedHigh = Tuned(autotune: false, fraction: 100);
        Assert.Equal(163, fixedHigh.GetPcpInfo(0, 0, ZoneType.Normal).High);   // 65536 / 100 / 4
    }

    [Fact]
    public void Lowmem_reserve_ratio_sets_protection()
    {
        var options = new PageAllocatorOptions { CpuCount = 1 };
        options.SetZonePages(0, ZoneType.Dma32, 8192).SetZonePages(0, ZoneType.Normal, 10000);
        options.LowmemReserveRatio = [256, 100, 32, 0];
        using var allocator = new PageAllocator(options);
        // DMA32 keeps back NORMAL's 10000 managed pages / 100 from NORMAL-capable requests.
        Assert.Equal(100, allocator.GetZoneInfo(0, ZoneType.Dma32).LowmemReserve[(int)ZoneType.Normal]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(-8)]
    public void High_fraction_below_eight_is_refused(int fraction)
    {
        var options = PageAllocatorOptions.Create(1, 8192);
        options.PercpuPagelistHighFraction = fraction;
        Assert.Throws<ArgumentOutOfRangeException>(() => new PageAllocator(options));
    }

    [Fact]
    public void Lowmem_reserve_ratio_needs_one_entry_per_zone()
    {
        var options = PageAllocatorOptions.Create(1, 8192);
        options.LowmemReserveRatio = [256, 256, 32];
        Assert.Throws<ArgumentException>(() => new PageAllocator(options));
        options.LowmemReserveRatio = [256, -1, 32, 0];
        Assert.Throws<ArgumentOutOfRangeException>(() => new PageAllocator(options));
    }
}
