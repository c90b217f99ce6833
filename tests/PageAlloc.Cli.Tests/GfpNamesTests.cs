// SPDX-License-Identifier: GPL-2.0-only
using System.Text;
using PageAlloc.Cli.Trace;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>gfp_flags text to bits, as the kernel's show_gfp_flags prints them (6.18).</summary>
public sealed class GfpNamesTests
{
    private static (bool Ok, uint Gfp, int Unknown) Parse(string text)
    {
        bool ok = new GfpNames().TryParse(Encoding.ASCII.GetBytes(text), out uint gfp, out int unknown);
        return (ok, gfp, unknown);
    }

    [Theory]
    [InlineData("GFP_KERNEL", Gfp.Kernel)]
    [InlineData("GFP_ATOMIC", Gfp.Atomic)]
    [InlineData("GFP_USER", Gfp.User)]
    [InlineData("GFP_HIGHUSER_MOVABLE", Gfp.HighUserMovable)]
    [InlineData("GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP", Gfp.Kernel | Gfp.Account | Gfp.Zero | Gfp.Comp)]
    [InlineData("GFP_NOWAIT", Gfp.KswapdReclaim | Gfp.NoWarn)]
    [InlineData("GFP_DMA32", Gfp.Dma32)]
    [InlineData("none", Gfp.None)]
    public void Names_give_the_kernels_bits_which_are_the_librarys(string text, Gfp expected)
    {
        (bool ok, uint gfp, int unknown) = Parse(text);
        Assert.True(ok);
        Assert.Equal((uint)expected, gfp);
        Assert.Equal(0, unknown);
    }

    [Fact]
    public void Kernel_only_bits_are_kept_and_masked_by_the_replay()
    {
        (bool ok, uint gfp, _) = Parse("GFP_HIGHUSER_MOVABLE|__GFP_WRITE|__GFP_MEMALLOC");
        Assert.True(ok);
        Assert.Equal((uint)Gfp.HighUserMovable | 0x1000u | 0x20000u, gfp);
        Assert.Equal((uint)Gfp.HighUserMovable, gfp & (uint)Gfp.AllFlags);
    }

    [Fact]
    public void Leftover_bits_in_hex_are_added_and_unknown_names_counted()
    {
        (bool ok, uint gfp, int unknown) = Parse("GFP_KERNEL|__GFP_SOMETHING_NEW|0x2000000");
        Assert.True(ok);
        Assert.Equal((uint)Gfp.Kernel | 0x2000000u, gfp);
        Assert.Equal(1, unknown);
    }

    [Theory]
    [InlineData("")]
    [InlineData("GFP_KERNEL|")]
    [InlineData("gfp_kernel")]
    [InlineData("0xZZ")]
    public void Text_that_is_not_gfp_names_is_rejected(string text)
    {
        Assert.False(Parse(text).Ok);
    }
}
