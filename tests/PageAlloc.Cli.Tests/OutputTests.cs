// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;
using System.Linq;
using PageAlloc.Cli.Output;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>The plot, the CSV and the console summary of a replay.</summary>
public sealed class OutputTests
{
    [Fact]
    public void Replay_of_the_fixture_prints_the_summary_and_writes_the_plot_and_the_csv()
    {
        using var scratch = new Scratch();
        string plot = scratch.File("replay.png");
        string csv = scratch.File("replay.csv");
        Tool.Result result = Tool.Run("replay", Repository.Fixture, "--plot", plot, "--csv", csv);
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        foreach (string expected in new[] { "mm_page_alloc", "pcp refill pages", "free pages at the end, order 10", "events/s" })
        {
            Assert.Contains(expected, result.Output);
        }

        byte[] png = File.ReadAllBytes(plot);
        Assert.True(png.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), "not a PNG");
        Assert.True(png.Length > 20_000, $"the plot is {png.Length} bytes");
        Assert.Equal(ReplayPlot.Width, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(ReplayPlot.Height, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));

        string[] rows = File.ReadAllLines(csv);
        string[] header = rows[0].Split(',');
        Assert.Equal(SeriesCsv.Header, rows[0]);
        Assert.Equal(["time_s", "events", "our_free_pages_order0"], header[..3]);
        Assert.Contains("our_unusable_index_3", header);
        Assert.Contains("our_unusable_index_9", header);
        Assert.Contains("kernel_pcp_refill_pages", header);
        Assert.Contains("our_pcp_drain_pages", header);
        Assert.True(rows.Length > 100, $"{rows.Length} rows");
        Assert.All(rows.Skip(1), row => Assert.Equal(header.Length, row.Split(',').Length));
        string[] last = rows[^1].Split(',');
        Assert.Equal(FixtureTrace.Fixture.Lines, long.Parse(last[1]));
        Assert.Equal(FixtureTrace.Fixture.RefillPages, long.Parse(last[System.Array.IndexOf(header, "kernel_pcp_refill_pages")]));
        double[] times = rows.Skip(1).Select(r => double.Parse(r.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(times.Order().ToArray(), times);
    }

    [Fact]
    public void Pages_drained_from_no_list_the_trace_shows_get_a_line_of_their_own_not_a_ratio_of_zero()
    {
        string[] lines = SummaryTable.EndListLines(new (int, string, long, long)[]
        {
            (-1, "Normal", 141, 0),
            (0, "Normal", 14_740, 16_429),
            (1, "Normal", 4_666, 4_744),
        }).ToArray();
        Assert.Equal(new[]
        {
            "pcp list at the last reset, cpu 0 Normal: kernel 14,740, ours 16,429, ours/kernel 1.11",
            "pcp list at the last reset, cpu 1 Normal: kernel 4,666, ours 4,744, ours/kernel 1.02",
            "pcp pages at the last reset on no list the trace shows (left out of the ratios): kernel 141",
        }, lines);
        Assert.Equal(new[] { "pcp list at the last reset, cpu 0 DMA32: kernel 0, ours 3, ours/kernel inf (kernel 0)" },
            SummaryTable.EndListLines(new (int, string, long, long)[] { (0, "DMA32", 0, 3) }));
    }
}
