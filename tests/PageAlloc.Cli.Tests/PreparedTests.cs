// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;
using System.IO;
using PageAlloc.Cli.Host;
using PageAlloc.Cli.Replay;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>The replay's allocator: shaped like the host, descriptors in huge pages.</summary>
public sealed class PreparedTests
{
    [Fact]
    public void The_replay_allocator_keeps_its_descriptors_in_huge_pages_and_its_shape()
    {
        HostShape shape = HostShape.Load(Path.Combine(Repository.Fixture, "zoneinfo.before"));
        PageAllocatorOptions options = Prepared.Options(shape, tuned: true, new Dictionary<ZoneType, long>());
        Assert.True(options.HugeMemmap);
        Assert.True(options.MetadataOnly);
        Assert.True(options.PcpAutotune);
        Assert.False(shape.ToOptions().HugeMemmap);   // zoneinfo's comparison touches few descriptors
    }
}
