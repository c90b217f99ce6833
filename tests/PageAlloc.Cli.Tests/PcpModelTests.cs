// SPDX-License-Identifier: GPL-2.0-only
using System.IO;
using System.Text.Json;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>Our pcp refills, drains and extfrag events, counted through the library's
/// tracepoints, under both pcp models.</summary>
public sealed class PcpModelTests
{
    private static JsonElement Replay(Scratch scratch, string trace, string model)
    {
        string json = scratch.File($"{model}.json");
        Tool.Result result = Tool.Run("replay", trace, "--zoneinfo", Path.Combine(Repository.Fixture, "zoneinfo.before"),
            "--pcp-model", model, "--json", json);
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        return JsonDocument.Parse(File.ReadAllText(json)).RootElement;
    }

    [Theory]
    [InlineData("6.6")]
    [InlineData("6.18")]
    public void Allocations_on_empty_pcp_lists_refill_them_in_batches_and_frees_beyond_high_drain(string model)
    {
        using var scratch = new Scratch();
        // 20,000 order-0 allocations on CPU 0 of an allocator whose lists start empty come
        // through refills; then 20,000 frees of those pages fill the list past high: 6.6 drains
        // at once, 6.18 raises high first and drains as the vmstat ticks of the next 40 seconds
        // of trace time decay it.
        var lines = new System.Collections.Generic.List<string>();
        for (int i = 0; i < 20_000; i++)
        {
            lines.Add(Lines.Alloc(0x600000 + i, cpu: 0, time: 1 + i * 1e-5, gfp: "GFP_KERNEL"));
        }

        for (int i = 0; i < 20_000; i++)
        {
            lines.Add(Lines.Free(0x600000 + i, cpu: 0, time: 2 + i * 1e-5));
        }

        for (int second = 3; second < 43; second++)
        {
            lines.Add(Lines.Alloc(0x700000 + second, cpu: 1, time: second));
            lines.Add(Lines.Free(0x700000 + second, cpu: 1, time: second + 0.5));
        }

        JsonElement s = Replay(scratch, scratch.Trace("pcp.txt", [.. lines]), model);
        Assert.Equal(model, s.GetProperty("allocator").GetProperty("pcp_model").GetString());
        JsonElement ours = s.GetProperty("ours");
        long refill = ours.GetProperty("pcp_refill_pages").GetInt64();
        long drain = ours.GetProperty("pcp_drain_pages").GetInt64();
        // Every page allocated came through a refill (20,000 pages, at least), and the frees
        // that went over high were drained back: the list ends holding no more than high.
        Assert.InRange(refill, 20_040, 20_040 + 64 * 1024);
        Assert.True(drain > 0, $"no drain in model {model}");
        Assert.InRange(refill - drain, 0, 20_040);
        Assert.Equal(0, s.GetProperty("kernel").GetProperty("pcp_refill_pages").GetInt64());
    }

    [Fact]
    public void The_fixture_replays_under_both_models_with_our_counts_beside_the_kernels()
    {
        using var scratch = new Scratch();
        JsonElement six = Replay(scratch, Repository.Fixture, "6.6");
        JsonElement eighteen = Replay(scratch, Repository.Fixture, "6.18");
        foreach (JsonElement s in new[] { six, eighteen })
        {
            Assert.True(s.GetProperty("ours").GetProperty("pcp_refill_pages").GetInt64() > 0);
            Assert.Equal(FixtureTrace.Fixture.RefillPages, s.GetProperty("kernel").GetProperty("pcp_refill_pages").GetInt64());
        }

        // The models differ: 6.18 raises high on frees and drains less.
        Assert.NotEqual(six.GetProperty("ours").GetProperty("pcp_drain_pages").GetInt64(),
            eighteen.GetProperty("ours").GetProperty("pcp_drain_pages").GetInt64());
    }
}
