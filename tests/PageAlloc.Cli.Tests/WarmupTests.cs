// SPDX-License-Identifier: GPL-2.0-only
using PageAlloc.Cli.Replay;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>The per-line methods compiled beside the first pass.</summary>
public sealed class WarmupTests
{
    [Fact]
    public void The_per_line_methods_of_both_passes_are_compiled_and_generic_ones_left_to_their_call()
    {
        var prepared = Warmup.PrepareHotMethods();
        foreach (string method in new[] { "Replayer.OnLine", "Replayer.Alloc", "Replayer.Free", "Replayer.ResetDrain",
                     "TraceLineParser.Parse", "BulkInference.OnLine", "HeldPages.Take", "OurTracepoints.OnTrace" })
        {
            Assert.Contains(method, prepared);
        }

        Assert.DoesNotContain("LineReader.Read", prepared);   // generic: compiled per sink at its call
        Assert.DoesNotContain("Replayer.Finish", prepared);   // runs once: not marked
    }
}
