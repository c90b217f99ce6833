// SPDX-License-Identifier: GPL-2.0-only
using System.IO;
using PageAlloc.Cli.Trace;
using Xunit;
using ZstdSharp;

namespace PageAlloc.Cli.Tests;

/// <summary>Opening a trace: the replay's two reads share one zstd decompressor.</summary>
public sealed class TraceInputTests
{
    [Fact]
    public void Two_reads_through_one_decompressor_give_the_trace_text_each_time()
    {
        using var zstd = new Decompressor();
        string first = ReadAll(zstd), second = ReadAll(zstd);
        using (TraceInput own = TraceInput.Open(Repository.Fixture))
        {
            Assert.Equal("zstd", own.Compression);
            Assert.Equal(new StreamReader(own.Text).ReadToEnd(), first);
        }

        Assert.Equal(first, second);
        Assert.Equal(FixtureTrace.Fixture.Lines, first.Split('\n', System.StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private static string ReadAll(Decompressor zstd)
    {
        using TraceInput input = TraceInput.Open(Repository.Fixture, zstd);
        return new StreamReader(input.Text).ReadToEnd();
    }
}
