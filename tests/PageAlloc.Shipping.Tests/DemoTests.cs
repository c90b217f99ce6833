// SPDX-License-Identifier: GPL-2.0-only
using System.IO;
using PageAlloc.Testing;
using Xunit;

namespace PageAlloc.Shipping.Tests;

/// <summary>The demo of build.ps1 run, as the solution built it, run with its output in a pipe.</summary>
public sealed class DemoTests
{
    [Fact]
    public void The_demo_tells_the_whole_story_in_plain_text_and_exits_0()
    {
        string demo = Path.Combine(Repository.Root, "samples", "demo", "bin", Repository.Configuration, "net10.0", "pagealloc-demo.dll");
        Assert.True(File.Exists(demo), $"no {demo}: build the solution first (build.ps1 build)");

        ChildProcess.Result run = ChildProcess.Run("dotnet", Repository.Root, [demo]);

        Assert.True(run.ExitCode == 0, $"the demo exited with {run.ExitCode}:\n{run.Output}");
        string[] sections =
        [
            "1. The default allocator",
            "2. Buddy state (buddyinfo): free blocks per order",
            "3. Bulk allocation versus single allocations",
            "4. Pages written through Span<byte>",
            "5. Disposal and the merge back",
            "6. Zone watermarks",
            "7. A multi-thread run",
            "8. NUMA counters of a two-node allocator",
        ];
        foreach (string section in sections)
        {
            Assert.Contains(section, run.Output);
        }

        Assert.Contains("64 of 64 read back exactly what was written", run.Output);
        Assert.Contains("(all back)", run.Output);
        Assert.Contains("numa_foreign", run.Output);
        Assert.Contains("256 pages, interleaved", run.Output);
        Assert.Contains("every page returned, every invariant holds", run.Output);
        // Not a terminal: no colour, no cursor movement.
        Assert.DoesNotContain("\u001b[", run.Output);
    }
}
