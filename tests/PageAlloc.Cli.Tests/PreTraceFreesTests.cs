// SPDX-License-Identifier: GPL-2.0-only
using System.Text;
using PageAlloc.Cli.Replay;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>The first pass's frees of pages allocated before the trace: which frees they are,
/// their order, and the migratetype the pfn's next line shows.</summary>
public sealed class PreTraceFreesTests
{
    private static BulkInference Pass(params string[] lines)
    {
        var pass = new BulkInference();
        for (int i = 0; i < lines.Length; i++)
        {
            pass.OnLine(Encoding.UTF8.GetBytes(lines[i]), i + 1, complete: true);
        }

        return pass;
    }

    [Fact]
    public void A_free_with_no_earlier_allocation_of_its_pfn_is_one_and_a_matched_or_bulk_free_is_not()
    {
        BulkInference pass = Pass(
            Lines.Alloc(0x200, order: 2),
            Lines.Free(0x200, order: 2),                  // matched
            Lines.Free(0x300, order: 3),                  // allocated before the trace
            Lines.ZoneLocked(0x400, 0, refill: true),
            Lines.Free(0x400),                            // a bulk allocation's page
            Lines.Free(0x500),                            // allocated before the trace
            Lines.Free(0x200, order: 2));                 // freed again: its allocation was before

        Assert.Equal([(0x300L, 3, -1), (0x500L, 0, -1), (0x200L, 2, -1)], pass.PreTrace.Frees);
        Assert.Equal([4L], pass.Lines);
    }

    [Fact]
    public void The_migratetype_is_the_next_drain_or_allocation_of_the_same_pfn()
    {
        BulkInference pass = Pass(
            Lines.Free(0x300, order: 3),
            Lines.Drain(0x301, 0, migratetype: 1),        // another pfn: says nothing
            Lines.Drain(0x300, 3, migratetype: 2),        // the list it sat on: reclaimable
            Lines.Drain(0x300, 3, migratetype: 1),        // later lines do not change it
            Lines.Free(0x500),
            Lines.Alloc(0x500, migratetype: 1),           // taken off a movable list
            Lines.Free(0x600, order: 1));                 // no later line: unknown

        Assert.Equal([(0x300L, 3, 2), (0x500L, 0, 1), (0x600L, 1, -1)], pass.PreTrace.Frees);
    }
}
