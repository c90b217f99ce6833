// SPDX-License-Identifier: GPL-2.0-only
using System;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary><see cref="PageAllocator.DisableZonePcp"/> and <see cref="PageAllocator.EnableZonePcp"/>:
/// the window memory offlining runs the pcp lists in.</summary>
public sealed class ZonePcpTests
{
    private static PageAllocator Create()
    {
        var options = new PageAllocatorOptions { CpuCount = 2, PcpAutotune = true, MetadataOnly = true };
        options.SetZonePages(0, ZoneType.Normal, 65536);
        return new PageAllocator(options);
    }

    [Fact]
    public void Disabled_lists_are_empty_and_pass_every_page_through_and_the_last_enable_restores_them()
    {
        using PageAllocator allocator = Create();
        allocator.BindCpu(0);
        PcpInfo before = allocator.GetPcpInfo(0, 0, ZoneType.Normal);
        using (PageBlock first = allocator.AllocatePages(0, Gfp.HighUserMovable))
        {
            Assert.True(allocator.GetPcpInfo(0, 0, ZoneType.Normal).Count > 0);   // the refill's rest
        }

        allocator.DisableZonePcp(0, ZoneType.Normal);
        allocator.DisableZonePcp(0, ZoneType.Normal);                          // nests
        PcpInfo disabled = allocator.GetPcpInfo(0, 0, ZoneType.Normal);
        Assert.Equal((0, 0, 1, 0, 0), (disabled.Count, disabled.High, disabled.Batch, disabled.HighMin, disabled.HighMax));
        using (PageBlock page = allocator.AllocatePages(0, Gfp.HighUserMovable))
        {
            Assert.Equal(0, allocator.GetPcpInfo(0, 0, ZoneType.Normal).Count);
        }

        Assert.Equal(0, allocator.GetPcpInfo(0, 0, ZoneType.Normal).Count);    // the free went straight back
        allocator.EnableZonePcp(0, ZoneType.Normal);
        Assert.Equal(1, allocator.GetPcpInfo(0, 0, ZoneType.Normal).Batch);    // still disabled once
        allocator.EnableZonePcp(0, ZoneType.Normal);
        PcpInfo enabled = allocator.GetPcpInfo(0, 0, ZoneType.Normal);
        Assert.Equal((before.Batch, before.HighMin, before.HighMax), (enabled.Batch, enabled.HighMin, enabled.HighMax));
        Assert.Throws<InvalidOperationException>(() => allocator.EnableZonePcp(0, ZoneType.Normal));
        Assert.Throws<ArgumentException>(() => allocator.DisableZonePcp(0, ZoneType.Dma));
        Assert.Throws<ArgumentOutOfRangeException>(() => allocator.DisableZonePcp(3, ZoneType.Normal));
        allocator.Check();
        allocator.Dispose();
        Assert.Throws<ObjectDisposedException>(() => allocator.DisableZonePcp(0, ZoneType.Normal));
    }
}
