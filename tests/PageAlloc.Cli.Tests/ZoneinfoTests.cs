// SPDX-License-Identifier: GPL-2.0-only
using System.IO;
using System.Linq;
using PageAlloc.Cli.Host;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>pagealloc zoneinfo: the host's numbers beside an allocator shaped like it.</summary>
public sealed class ZoneinfoTests
{
    private static readonly string FixtureZoneinfo = Path.Combine(Repository.Fixture, "zoneinfo.before");

    [Fact]
    public void The_fixtures_zoneinfo_is_read_zone_by_zone()
    {
        var zones = ZoneInfoFile.Read(FixtureZoneinfo);
        Assert.Equal(["DMA", "DMA32", "Normal", "Movable", "Device"], zones.Select(z => z.Name).ToArray());
        HostZone dma32 = zones[1];
        Assert.True(dma32.Managed > 0 && dma32.Min > 0 && dma32.Low > dma32.Min && dma32.High > dma32.Low);
        Assert.Equal(5, dma32.Protection.Count);
        Assert.Equal(2, dma32.Pcp.Count);
        Assert.True(dma32.Pcp[0].Batch > 0 && dma32.Pcp[0].HighMax >= dma32.Pcp[0].HighMin);
        Assert.Equal(2, ZoneInfoFile.CpuCount(zones));
    }

    [Fact]
    public void The_comparison_has_the_same_managed_pages_and_marks_each_difference()
    {
        HostShape shape = HostShape.Load(FixtureZoneinfo);
        Assert.Equal(67584, shape.MinFreeKBytes);
        Assert.Equal(2, shape.Cpus);
        var rows = ZoneinfoCommand.Compare(shape);
        Assert.All(rows.Where(r => r.Field == "managed"), r => Assert.Equal(r.Host, r.Ours));
        Assert.Contains(rows, r => r.Field == "min");
        Assert.Contains(rows, r => r.Field.StartsWith("protection["));
        Assert.Contains(rows, r => r.Field == "cpu 1 batch");
        Assert.All(rows, r => Assert.Equal(r.Ours is long o && o != r.Host, r.Differs));

        Tool.Result result = Tool.Run("zoneinfo", FixtureZoneinfo);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("DMA32", result.Output);
        Assert.Contains("high_max", result.Output);
    }

    [Fact]
    public void An_allocator_shaped_like_the_fixtures_machine_has_every_static_number_of_its_zoneinfo()
    {
        var rows = ZoneinfoCommand.Compare(HostShape.Load(FixtureZoneinfo));
        Assert.Empty(rows.Where(r => r.Differs).Select(r => $"{r.Zone} {r.Field}: host {r.Host}, ours {r.Ours}"));
        Assert.All(rows, r => Assert.NotNull(r.Ours));
        Assert.Contains(rows, r => r.Field == "promo");
        Assert.Contains(rows, r => r.Field == "cpu 0 high_min");
        Tool.Result result = Tool.Run("zoneinfo", FixtureZoneinfo);
        Assert.Contains($"0 of {rows.Count} numbers differ.", result.Output);
    }

    [Fact]
    public void This_machines_proc_zoneinfo_is_compared_by_default()
    {
        Tool.Result result = Tool.Run("zoneinfo");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("/proc/zoneinfo", result.Output);
    }

    [Fact]
    public void A_file_that_is_not_a_zoneinfo_is_exit_code_2()
    {
        using var scratch = new Scratch();
        Tool.Result result = Tool.Run("zoneinfo", scratch.Trace("x.txt", ["hello"]));
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("not a /proc/zoneinfo", result.Error);
    }
}
