// SPDX-License-Identifier: GPL-2.0-only
using System.IO;
using System.Linq;
using PageAlloc.Cli.Host;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>/proc/pagetypeinfo as the replay reads it to seed pageblock types.</summary>
public sealed class PageTypeInfoTests
{
    [Fact]
    public void The_fixtures_pagetypeinfo_gives_free_blocks_per_type_and_pageblocks_per_type()
    {
        var zones = PageTypeInfoFile.Read(Path.Combine(Repository.Fixture, "pagetypeinfo.before"));
        Assert.Equal(["DMA", "DMA32", "Normal"], zones.Select(z => z.Name).ToArray());
        PageTypeInfoFile.Zone normal = zones[2];
        Assert.Equal([1426L, 1334, 484, 209, 162, 59, 49, 24, 18, 0, 0], normal.FreeBlocks["Unmovable"]);
        Assert.Equal([13L, 1, 0, 1, 1, 0, 0, 4, 1, 0, 0], normal.FreeBlocks["Reclaimable"]);
        Assert.Equal(95, normal.Pageblocks["Unmovable"]);
        Assert.Equal(2501, normal.Pageblocks["Movable"]);
        Assert.Equal(92, normal.Pageblocks["Reclaimable"]);
        Assert.Equal(0, normal.Pageblocks["Isolate"]);
        Assert.Equal(1528, zones[1].Pageblocks["Movable"]);
    }

    [Fact]
    public void A_file_without_zones_is_an_input_error()
    {
        using var scratch = new Scratch();
        string path = scratch.File("pagetypeinfo");
        File.WriteAllText(path, "Page block order: 9\nPages per block:  512\n");
        Assert.Throws<PageAlloc.Cli.Trace.TraceInputException>(() => PageTypeInfoFile.Read(path));
    }
}
