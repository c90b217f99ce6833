// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using PageAlloc.Native;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>
/// C# and C give the same answer on every gfp mask that matters: the 32 combinations of the zone
/// and mobility bits (Dma, HighMem, Dma32, Movable, Reclaimable), each with none, one or all of
/// the other known bits and with each unknown bit. The C side is <c>pa_gfp_valid</c>, which every
/// native allocation function checks (tests/c/test_gfp.c holds it to the kernel's rules over
/// every mask); the C# side is what the API throws.
/// </summary>
public sealed unsafe class GfpValidityTests : LeakCheckedTest
{
    private const Gfp ZoneAndMobility = Gfp.Dma | Gfp.HighMem | Gfp.Dma32 | Gfp.Movable | Gfp.Reclaimable;

    /// <summary>Every zone and mobility combination with each set of other bits.</summary>
    public static IEnumerable<Gfp> Masks()
    {
        Gfp others = Gfp.AllFlags & ~ZoneAndMobility;
        var rest = new List<Gfp> { Gfp.None, others, Gfp.Kernel, Gfp.Atomic | Gfp.Zero, Gfp.NoWait | Gfp.NoWarn | Gfp.ThisNode };
        for (int bit = 0; bit < 32; bit++)
        {
            var single = (Gfp)(1u << bit);
            if ((single & ZoneAndMobility) == 0)
            {
                rest.Add(single); // a known other bit, or an unknown one
            }
        }

        for (uint zm = 0; zm < 32; zm++)
        {
            // The five bits are the low five of the mask.
            var zoneAndMobility = (Gfp)zm;
            Assert.Equal(zoneAndMobility, zoneAndMobility & ZoneAndMobility);
            foreach (Gfp other in rest)
            {
                yield return zoneAndMobility | other;
            }
        }
    }

    [Fact]
    public void CheckGfp_throws_exactly_for_the_masks_pa_gfp_valid_refuses()
    {
        int refused = 0;
        foreach (Gfp gfp in Masks())
        {
            bool native = Methods.pa_gfp_valid((uint)gfp);
            Exception? thrown = Record.Exception(() => PageAllocator.CheckGfp(gfp));
            Assert.True(native == (thrown is null), $"gfp 0x{(uint)gfp:x}: pa_gfp_valid {native}, CheckGfp threw {thrown?.GetType().Name ?? "nothing"}");
            if (thrown is not null)
            {
                Assert.Equal("gfp", Assert.IsType<ArgumentException>(thrown).ParamName);
                refused++;
            }
        }

        Assert.InRange(refused, 1, Masks().Count() - 1);
    }

    [Fact]
    public void AllocatePages_throws_ArgumentException_exactly_for_refused_masks_and_allocates_the_rest()
    {
        var options = new PageAllocatorOptions { CpuCount = 1 };
        foreach (ZoneType zone in Enum.GetValues<ZoneType>())
        {
            options.SetZonePages(0, zone, 2048);
        }

        using var allocator = new PageAllocator(options);
        foreach (Gfp gfp in Masks().Where(g => (g & (Gfp.NoFail | Gfp.DirectReclaim)) == 0))
        {
            if (Methods.pa_gfp_valid((uint)gfp))
            {
                using PageBlock block = allocator.AllocatePages(0, gfp);
                Assert.Equal(1, block.PageCount);
            }
            else
            {
                Assert.Throws<ArgumentException>("gfp", () => allocator.AllocatePages(0, gfp));
                Assert.Throws<ArgumentException>("gfp", () => allocator.AllocateBulk(4, gfp));
            }
        }

        // The drift this replaced: the copy let Movable|Reclaimable through to a failed allocation.
        Assert.Throws<ArgumentException>("gfp", () => allocator.AllocatePages(0, Gfp.Kernel | Gfp.Movable | Gfp.Reclaimable));
        Assert.Equal(0, allocator.GetVmEvent(VmEvent.PgFail));
    }
}
