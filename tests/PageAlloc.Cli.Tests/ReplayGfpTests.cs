// SPDX-License-Identifier: GPL-2.0-only
using System.Text;
using PageAlloc.Cli.Replay;
using PageAlloc.Native;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>
/// The replay skips (as unreplayable) exactly the traced allocations whose gfp mask the library
/// refuses, asking <c>pa_gfp_valid</c>: every combination of the zone and mobility bits, with
/// several sets of the other bits.
/// </summary>
public sealed class ReplayGfpTests
{
    [Fact]
    public void Replay_skips_exactly_the_masks_pa_gfp_valid_refuses()
    {
        using var allocator = new PageAllocator(PageAllocatorOptions.Create(1, 4096, cpus: 1));
        using var replayer = new Replayer(allocator, ours: null);
        uint[] others = { 0, Methods.PA_GFP_KERNEL, Methods.PA_GFP_ATOMIC | Methods.PA_GFP_ZERO, Methods.PA_GFP_NOWAIT | Methods.PA_GFP_NOWARN };
        long number = 0;
        int refused = 0;
        foreach (uint other in others)
        {
            for (uint zoneAndMobility = 0; zoneAndMobility < 32; zoneAndMobility++)
            {
                uint gfp = zoneAndMobility | other;
                bool valid = Methods.pa_gfp_valid(gfp);
                long unreplayable = replayer.Unreplayable;
                long read = replayer.Events.Read;
                number++;
                string line = Lines.Alloc(0x1000 + number, time: number * 0.001, gfp: gfp == 0 ? "none" : $"0x{gfp:x}");
                replayer.OnLine(Encoding.ASCII.GetBytes(line), number, complete: true);
                Assert.Equal(read + 1, replayer.Events.Read);
                Assert.True(replayer.Unreplayable == unreplayable + (valid ? 0 : 1), $"gfp 0x{gfp:x}: valid {valid}");
                refused += valid ? 0 : 1;
            }
        }

        Assert.Equal(refused, replayer.Unreplayable);
        Assert.Equal(others.Length * 20, refused); // 20 of the 32 combinations are refused
    }
}
