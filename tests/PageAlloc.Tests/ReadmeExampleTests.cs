// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using PageAlloc;
using PageAlloc.Testing;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>The README's "C# in fifteen lines" is code that runs: the statements between the
/// markers below are the README's block, byte for byte but for the indent.</summary>
public sealed class ReadmeExampleTests : LeakCheckedTest
{
    private const string Begin = "// README: begin";
    private const string End = "// README: end";

    [Fact]
    public void The_READMEs_CSharp_example_runs_and_gives_every_page_back()
    {
        // README: begin
        using var allocator = new PageAllocator();            // 1 node, 256 MiB NORMAL zone
        using (PageList pages = allocator.AllocateBulk(64))   // one native call, may return fewer
        {
            foreach (Page page in pages)
                page.Span.Fill(0xAB);                         // page-aligned memory, no GC heap
            using PageBlock first = pages.Detach(0);          // ownership moves, no copy
            using PageList tail = pages.Split(32);            // two lists, no copy
            pages.Append(tail);                               // and one again
        }                                                     // Dispose frees the rest in bulk
        using var pool = new PageMemoryPool(allocator);       // MemoryPool<byte> for System.IO.Pipelines
        using (var buffer = pool.Rent(10_000))                // rounded up to an order: 4 pages
            buffer.Memory.Span.Clear();
        Console.WriteLine(allocator.BuddyInfo());             // /proc/buddyinfo layout
        // README: end
        pool.Dispose();
        allocator.DrainAll();
        allocator.Check();
        ZoneInfo zone = allocator.GetZoneInfo(0, ZoneType.Normal);
        Assert.Equal(zone.Managed, zone.Free);
    }

    [Fact]
    public void The_READMEs_CSharp_block_is_the_code_this_file_runs()
    {
        string[] readme = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"));
        int heading = Array.IndexOf(readme, "## C# in fifteen lines");
        Assert.True(heading >= 0, "the README has no heading '## C# in fifteen lines'");
        int open = Array.IndexOf(readme, "```csharp", heading);
        int close = Array.IndexOf(readme, "```", open + 1);
        Assert.True(open > heading && close > open, "no ```csharp block under the heading");
        string[] block = readme[(open + 1)..close]
            .SkipWhile(line => line.StartsWith("using ", StringComparison.Ordinal) && line.EndsWith(';') && !line.Contains('('))
            .SkipWhile(line => line.Length == 0)
            .ToArray();

        Assert.Equal(block, RunCode());
    }

    /// <summary>The lines between the markers of this file, without their indent.</summary>
    private static string[] RunCode([CallerFilePath] string path = "")
    {
        string[] lines = File.ReadAllLines(path);
        int begin = Array.FindIndex(lines, l => l.Trim() == Begin);
        int end = Array.FindIndex(lines, l => l.Trim() == End);
        string indent = lines[begin][..lines[begin].IndexOf('/')];
        return lines[(begin + 1)..end].Select(l => l.StartsWith(indent, StringComparison.Ordinal) ? l[indent.Length..] : l).ToArray();
    }
}
