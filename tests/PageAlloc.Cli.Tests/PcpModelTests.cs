// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>Our pcp refills, drains and extfrag events, counted through the library's
/// tracepoints, under both pcp models.</summary>
public sealed class PcpModelTests
{
    private static JsonElement Replay(Scratch scratch, string trace, string model, bool ownZoneinfo = false)
    {
        string json = scratch.File($"{model}.json");
        string[] zoneinfo = ownZoneinfo ? [] : ["--zoneinfo", Path.Combine(Repository.Fixture, "zoneinfo.before")];
        Tool.Result result = Tool.Run(["replay", trace, .. zoneinfo, "--pcp-model", model, "--json", json]);
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

    /// <summary>Per zone and CPU, the count and high of zoneinfo.before, read here with a
    /// regular expression.</summary>
    private static System.Collections.Generic.Dictionary<(string Zone, int Cpu), (long Count, long High)> KernelPcp()
    {
        var pcp = new System.Collections.Generic.Dictionary<(string, int), (long, long)>();
        string zone = "";
        int cpu = -1;
        long count = 0;
        foreach (string line in File.ReadAllLines(Path.Combine(Repository.Fixture, "zoneinfo.before")))
        {
            var m = System.Text.RegularExpressions.Regex.Match(line, @"^Node \d+, zone\s+(\w+)|^\s+cpu: (\d+)|^\s+count:\s+(\d+)|^\s+high:\s+(\d+)");
            if (m.Groups[1].Success)
            {
                zone = m.Groups[1].Value;
                cpu = -1;
            }
            else if (m.Groups[2].Success)
            {
                cpu = int.Parse(m.Groups[2].Value);
            }
            else if (m.Groups[3].Success)
            {
                count = long.Parse(m.Groups[3].Value);
            }
            else if (m.Groups[4].Success && cpu >= 0)
            {
                pcp[(zone, cpu)] = (count, long.Parse(m.Groups[4].Value));
            }
        }

        return pcp;
    }

    [Fact]
    public void The_pcp_lists_start_with_the_count_and_high_of_zoneinfo_before()
    {
        using var scratch = new Scratch();
        var kernel = KernelPcp();
        Assert.Equal((5_052, 10_076), kernel[("Normal", 0)]);
        JsonElement eighteen = Replay(scratch, Repository.Fixture, "6.18");
        JsonElement six = Replay(scratch, Repository.Fixture, "6.6");
        int seen = 0;
        foreach (JsonElement list in eighteen.GetProperty("seed_pcp").EnumerateArray())
        {
            (long count, long high) = kernel[(list.GetProperty("zone").GetString()!, list.GetProperty("cpu").GetInt32())];
            Assert.Equal(count, list.GetProperty("kernel_count").GetInt64());
            Assert.Equal(count, list.GetProperty("count").GetInt64());
            if (high > 0)
            {
                // A list the kernel has used: its tuned high (0 is one never used).
                Assert.Equal(high, list.GetProperty("high").GetInt64());
            }

            seen++;
        }

        Assert.Equal(6, seen);   // DMA, DMA32, Normal on two CPUs

        // 6.6's high is fixed (6,750 for Normal): a list holds at most high - 1 pages before
        // it drains, so the kernel's 9,580 on CPU 1 becomes 6,749 (its 5,052 on CPU 0 fits).
        foreach (JsonElement list in six.GetProperty("seed_pcp").EnumerateArray())
        {
            (long count, _) = kernel[(list.GetProperty("zone").GetString()!, list.GetProperty("cpu").GetInt32())];
            long high = list.GetProperty("high").GetInt64();
            Assert.Equal(System.Math.Min(count, high - 1), list.GetProperty("count").GetInt64());
        }

        Assert.Equal(6_749, six.GetProperty("seed_pcp").EnumerateArray().Single(l => l.GetProperty("zone").GetString() == "Normal" && l.GetProperty("cpu").GetInt32() == 1).GetProperty("count").GetInt64());
    }

    [Fact]
    public void The_end_pcp_lists_are_reported_beside_zoneinfo_after()
    {
        using var scratch = new Scratch();
        JsonElement s = Replay(scratch, Repository.Fixture, "6.18");
        JsonElement normal0 = s.GetProperty("end_pcp_zoneinfo").EnumerateArray()
            .Single(l => l.GetProperty("zone").GetString() == "Normal" && l.GetProperty("cpu").GetInt32() == 0);
        string after = File.ReadAllText(Path.Combine(Repository.Fixture, "zoneinfo.after"));
        int normal = after.IndexOf("zone   Normal", System.StringComparison.Ordinal);
        var count = System.Text.RegularExpressions.Regex.Match(after[normal..], @"cpu: 0\s+count:\s+(\d+)\s+high:\s+(\d+)");
        Assert.Equal(long.Parse(count.Groups[1].Value), normal0.GetProperty("kernel_count").GetInt64());
        Assert.Equal(long.Parse(count.Groups[2].Value), normal0.GetProperty("kernel_high").GetInt64());
        Assert.True(normal0.GetProperty("high").GetInt64() >= 6_750, "a tuned high is at least high_min");
    }

    /// <summary>A bundle with the fixture's state files "before", a two-line trace on CPU 0 at 10.5 s and,
    /// when given, the time the state was read.</summary>
    private static string GapBundle(Scratch scratch, string name, double? snapshot)
    {
        string dir = scratch.File(name);
        Directory.CreateDirectory(dir);
        // Without the resets: a bundle whose start is inferred from zoneinfo.before.
        foreach (string file in Directory.GetFiles(Repository.Fixture).Where(f => !f.EndsWith(".after") && !f.Contains("trace.txt") && !f.Contains("reset")))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }

        File.WriteAllLines(Path.Combine(dir, "trace.txt"),
            [Lines.Alloc(0x150000, cpu: 0, time: 10.5, gfp: "GFP_HIGHUSER_MOVABLE", migratetype: 1), Lines.Free(0x150000, cpu: 0, time: 10.6)]);
        if (snapshot is double time)
        {
            File.WriteAllText(Path.Combine(dir, "snapshot_times"), FormattableString.Invariant($"before {time}\nafter 11.0\n"));
        }

        return dir;
    }

    [Fact]
    public void The_vmstat_ticks_between_the_snapshot_and_the_first_event_run_first_and_uncounted()
    {
        // State read at 3.7 s, first event at 10.5 s: the kernel's vmstat work ran at 4 to 10.
        // CPU 1's Normal list (count 9,580, high 16,431, batch 63, high_min 6,750): high decays
        // by an eighth a tick, not below count - 63 * 32 nor high_min, and what is above it drains:
        //   ticks 4-7: 14,378, 12,581, 11,009, 9,633, no drain;
        //   tick 8:  max(7,564, 9,633 - 1,204, 6,750) = 8,429, 1,151 pages drained;
        //   tick 9:  max(6,413, 7,376) = 7,376, 1,053 drained; tick 10: 6,750 (high_min), 626 drained.
        // Those drains fell before the kernel's trace began as well: neither side counts them.
        using var scratch = new Scratch();
        JsonElement s = Replay(scratch, GapBundle(scratch, "gap", 3.7), "6.18", ownZoneinfo: true);
        Assert.Equal(7, s.GetProperty("replayed").GetProperty("vmstat_ticks_before_trace").GetInt32());
        JsonElement cpu1 = s.GetProperty("end_pcp_zoneinfo").EnumerateArray()
            .Single(l => l.GetProperty("zone").GetString() == "Normal" && l.GetProperty("cpu").GetInt32() == 1);
        Assert.Equal(6_750, cpu1.GetProperty("high").GetInt64());
        Assert.Equal(6_750, cpu1.GetProperty("count").GetInt64());
        Assert.Equal(0, s.GetProperty("ours").GetProperty("pcp_drain_pages").GetInt64());

        // Without the snapshot's time nothing runs before the first event.
        JsonElement none = Replay(scratch, GapBundle(scratch, "nogap", null), "6.18", ownZoneinfo: true);
        Assert.Equal(0, none.GetProperty("replayed").GetProperty("vmstat_ticks_before_trace").GetInt32());
        Assert.Equal("inferred", none.GetProperty("start").GetString());
        JsonElement untouched = none.GetProperty("end_pcp_zoneinfo").EnumerateArray()
            .Single(l => l.GetProperty("zone").GetString() == "Normal" && l.GetProperty("cpu").GetInt32() == 1);
        Assert.Equal(9_580, untouched.GetProperty("count").GetInt64());
        Assert.Equal(16_431, untouched.GetProperty("high").GetInt64());
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
            Assert.Equal(FixtureTrace.Fixture.BodyRefillPages, s.GetProperty("kernel").GetProperty("pcp_refill_pages").GetInt64());
        }

        // The models differ: 6.18 raises high on frees and drains less.
        Assert.NotEqual(six.GetProperty("ours").GetProperty("pcp_drain_pages").GetInt64(),
            eighteen.GetProperty("ours").GetProperty("pcp_drain_pages").GetInt64());
    }
}
