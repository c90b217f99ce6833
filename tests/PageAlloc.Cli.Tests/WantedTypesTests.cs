// SPDX-License-Identifier: GPL-2.0-only
using PageAlloc.Cli.Replay;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>The migratetypes of the frees of pages allocated before the trace, per pfn: handed
/// back in the order noted, once each.</summary>
public sealed class WantedTypesTests
{
    [Fact]
    public void A_pfn_freed_once_gives_its_type_once()
    {
        var types = new WantedTypes();
        types.EnsureCapacity(2);
        types.Add(0x1000, 1);
        types.Add(0x2000, 0);

        Assert.Equal(0, types.Take(0x2000));
        Assert.Equal(1, types.Take(0x1000));
        Assert.Equal(-1, types.Take(0x1000));
        Assert.Equal(-1, types.Take(0x2000));
    }

    [Fact]
    public void A_pfn_freed_again_gives_its_types_in_the_order_noted()
    {
        var types = new WantedTypes();
        types.Add(0x1000, 2);
        types.Add(0x3000, 0);
        types.Add(0x1000, 1);
        types.Add(0x1000, 0);

        Assert.Equal(2, types.Take(0x1000));
        Assert.Equal(1, types.Take(0x1000));
        Assert.Equal(0, types.Take(0x3000));
        Assert.Equal(0, types.Take(0x1000));
        Assert.Equal(-1, types.Take(0x1000));
    }

    [Fact]
    public void A_pfn_never_noted_has_no_type()
    {
        var types = new WantedTypes();
        types.Add(0x1000, 1);

        Assert.Equal(-1, types.Take(0x1001));
        Assert.Equal(1, types.Take(0x1000));
    }
}
