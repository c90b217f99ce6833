// SPDX-License-Identifier: GPL-2.0-only
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>pagealloc replay on the trace of this machine checked in as a fixture: every JSON
/// field against counts made here independently. The fixture is replayed once for the class.</summary>
public sealed class ReplayFixtureTests(ReplayFixtureTests.Replay replay) : IClassFixture<ReplayFixtureTests.Replay>
{
    /// <summary>One replay of the fixture with --json.</summary>
    public sealed class Replay
    {
        public Replay()
        {
            using var scratch = new Scratch();
            string json = scratch.File("summary.json");
            Result = Tool.Run("replay", Repository.Fixture, "--json", json);
            Summary = Result.ExitCode == 0 ? JsonDocument.Parse(File.ReadAllText(json)).RootElement.Clone() : default;
        }

        internal Tool.Result Result { get; }

        internal JsonElement Summary { get; }
    }

    /// <summary>The class's one summary, once the replay is known to have succeeded.</summary>
    private JsonElement ReplayFixture()
    {
        Assert.True(replay.Result.ExitCode == 0, replay.Result.Error + replay.Result.Output);
        return replay.Summary;
    }

    [Fact]
    public void Event_counts_are_the_lines_of_each_event()
    {
        JsonElement summary = ReplayFixture();
        FixtureTrace trace = FixtureTrace.Fixture;
        JsonElement events = summary.GetProperty("events");
        foreach (string name in new[] { "mm_page_alloc", "mm_page_free", "mm_page_free_batched", "mm_page_alloc_zone_locked", "mm_page_pcpu_drain", "mm_page_alloc_extfrag" })
        {
            Assert.Equal(trace.Count(name), events.GetProperty(name).GetInt64());
        }

        Assert.Equal(0, events.GetProperty("other").GetInt64());
        Assert.Equal(trace.Lines, events.GetProperty("read").GetInt64());
        Assert.Equal(0, summary.GetProperty("bad_lines").GetInt64());
        Assert.True(trace.Lines > 100_000, $"the fixture has {trace.Lines} lines");
    }

    [Fact]
    public void The_kernels_refills_and_drains_are_the_pages_of_its_lines_between_the_resets()
    {
        JsonElement summary = ReplayFixture();
        JsonElement kernel = summary.GetProperty("kernel");
        FixtureTrace trace = FixtureTrace.Fixture;
        Assert.Equal("reset", summary.GetProperty("start").GetString());
        Assert.Equal(trace.BodyRefillPages, kernel.GetProperty("pcp_refill_pages").GetInt64());
        Assert.Equal(trace.BodyDrainPages, kernel.GetProperty("pcp_drain_pages").GetInt64());
        Assert.Equal(trace.Count("mm_page_alloc_extfrag"), kernel.GetProperty("extfrag_events").GetInt64());
        Assert.True(trace.BodyRefillPages > 0 && trace.BodyDrainPages > 0);
        JsonElement whole = summary.GetProperty("kernel_whole_trace");
        Assert.Equal(trace.RefillPages, whole.GetProperty("pcp_refill_pages").GetInt64());
        Assert.Equal(trace.DrainPages, whole.GetProperty("pcp_drain_pages").GetInt64());
        Assert.True(trace.DrainPages > trace.BodyDrainPages, "the resets' own drains are outside the compared span");
    }

    [Fact]
    public void A_6_18_bundle_replays_with_the_6_18_model_without_flags()
    {
        JsonElement allocator = ReplayFixture().GetProperty("allocator");
        Assert.Equal("6.18", allocator.GetProperty("pcp_model").GetString());
        Assert.Equal("zoneinfo", allocator.GetProperty("pcp_model_from").GetString());
    }

    [Fact]
    public void Refills_freed_without_an_allocation_are_replayed_as_bulk_allocations()
    {
        JsonElement summary = ReplayFixture();
        Assert.Equal(FixtureTrace.Fixture.BulkAllocs, summary.GetProperty("inferred_bulk_allocs").GetInt64());
        Assert.True(FixtureTrace.Fixture.BulkAllocs > 0, "a trace of this machine has bulk allocations");
    }

    [Fact]
    public void The_lists_at_the_last_reset_are_its_drains_per_cpu_zone_order_and_migratetype()
    {
        JsonElement summary = ReplayFixture();
        JsonElement[] lists = summary.GetProperty("end_pcp").EnumerateArray().ToArray();
        Assert.Equal(FixtureTrace.Fixture.LastResetPages, lists.Sum(l => l.GetProperty("kernel").GetInt64()));
        Assert.Equal(summary.GetProperty("resets").GetProperty("last_drain_pages").GetInt64(), FixtureTrace.Fixture.LastResetPages);
        Assert.True(lists.Sum(l => l.GetProperty("ours").GetInt64()) > 0, "our lists hold pages at the last reset");
        Assert.All(lists, l => Assert.InRange(l.GetProperty("order").GetInt32(), 0, 10));
        // Per CPU and zone, the sums of the lists.
        foreach (JsonElement sum in summary.GetProperty("end_pcp_by_cpu_zone").EnumerateArray())
        {
            int cpu = sum.GetProperty("cpu").GetInt32();
            string zone = sum.GetProperty("zone").GetString()!;
            var mine = lists.Where(l => l.GetProperty("cpu").GetInt32() == cpu && l.GetProperty("zone").GetString() == zone).ToArray();
            Assert.Equal(mine.Sum(l => l.GetProperty("kernel").GetInt64()), sum.GetProperty("kernel").GetInt64());
            Assert.Equal(mine.Sum(l => l.GetProperty("ours").GetInt64()), sum.GetProperty("ours").GetInt64());
        }
    }

    [Fact]
    public void Under_the_6_18_model_refills_drains_and_end_lists_are_within_10_percent_of_the_kernels()
    {
        // docs/FIDELITY.md's target, on the fixture: a reset trace replayed with no flags.
        JsonElement summary = ReplayFixture();
        foreach (string count in new[] { "pcp_refill_pages", "pcp_drain_pages" })
        {
            double ratio = (double)summary.GetProperty("ours").GetProperty(count).GetInt64() / summary.GetProperty("kernel").GetProperty(count).GetInt64();
            Assert.InRange(ratio, 0.9, 1.1);
        }

        foreach (JsonElement list in summary.GetProperty("end_pcp_by_cpu_zone").EnumerateArray().Where(l => l.GetProperty("cpu").GetInt32() >= 0))
        {
            Assert.InRange((double)list.GetProperty("ours").GetInt64() / list.GetProperty("kernel").GetInt64(), 0.9, 1.1);
        }

        // The library runs the reset window itself (pa_zone_pcp_disable / enable): no held
        // page is freed to settle alloc_factor any more, and the field is gone.
        Assert.False(summary.GetProperty("resets").TryGetProperty("held_pages_freed_to_settle_alloc_factor", out _));
    }

    [Fact]
    public void The_last_lines_are_the_ratios()
    {
        string[] lines = replay.Result.Output.TrimEnd().Split('\n');
        int first = System.Array.FindIndex(lines, l => l.StartsWith("pcp refill pages ours/kernel", System.StringComparison.Ordinal));
        Assert.True(first > 0, replay.Result.Output);
        Assert.All(lines[(first + 1)..], l => Assert.True(l.StartsWith("pcp list at the last reset, cpu ", System.StringComparison.Ordinal)
            || l.StartsWith("pcp pages at the last reset on no list the trace shows", System.StringComparison.Ordinal), l));
        Assert.DoesNotContain(lines, l => l.StartsWith("pcp list at the last reset, cpu -", System.StringComparison.Ordinal));
        Assert.StartsWith("no events lost; start: pcp lists empty at the end of the first reset", replay.Result.Output);
    }

    [Fact]
    public void Every_alloc_is_replayed_and_frees_match_the_pfns_the_replay_holds()
    {
        JsonElement replayed = ReplayFixture().GetProperty("replayed");
        FixtureTrace trace = FixtureTrace.Fixture;
        long allocs = replayed.GetProperty("allocs").GetInt64();
        long failures = replayed.GetProperty("alloc_failures").GetInt64();
        Assert.Equal(trace.Count("mm_page_alloc"), allocs + failures);
        Assert.Equal(0, failures);
        Assert.Equal(trace.Frees, replayed.GetProperty("frees").GetInt64());
        Assert.Equal(trace.Unmatched, replayed.GetProperty("unmatched_frees").GetInt64());
        Assert.Equal(trace.BatchedPaired, replayed.GetProperty("batched_frees_paired").GetInt64());
        Assert.Equal(trace.Reallocated, replayed.GetProperty("reallocated_without_free").GetInt64());
        Assert.True(trace.Unmatched > 0, "a trace starts with pages allocated before it");
    }

    [Fact]
    public void Each_unmatched_free_frees_a_stand_in_of_its_order_and_still_counts_as_unmatched()
    {
        JsonElement summary = ReplayFixture();
        JsonElement replayed = summary.GetProperty("replayed");
        FixtureTrace trace = FixtureTrace.Fixture;
        // Every unmatched free of the fixture is of a Normal pfn, and the Normal zone holds
        // hundreds of thousands of seeded pages: each order-0 one gets its stand-in page, and
        // each of order 1 to 9 a held block of its order that seeding set aside.
        Assert.Equal(trace.Unmatched, replayed.GetProperty("unmatched_frees").GetInt64());
        long highOrder = replayed.GetProperty("high_order_stand_in_frees").GetInt64();
        Assert.Equal(trace.UnmatchedOrder1To9, highOrder);
        Assert.Equal(trace.UnmatchedOrder0 + trace.UnmatchedOrder1To9, replayed.GetProperty("stand_in_frees").GetInt64());
        Assert.True(highOrder > 0, "the fixture frees blocks of order 1 and up allocated before it");
        // Seeding set aside exactly one block per such free, none left over.
        Assert.Equal(highOrder, summary.GetProperty("seed_held_blocks").EnumerateArray().Sum(b => b.GetProperty("held").GetInt64()));
        Assert.True(trace.UnmatchedOrder0 > 10_000 && trace.UnmatchedOrder0 < trace.Unmatched,
            $"{trace.UnmatchedOrder0} of {trace.Unmatched} unmatched frees are of order 0");
    }

    [Fact]
    public void The_pageblock_types_and_their_free_blocks_are_seeded_from_pagetypeinfo_before()
    {
        JsonElement summary = ReplayFixture();
        // Normal: 155 unmovable, 2,285 movable, 120 reclaimable pageblocks, as the file says.
        string[] file = File.ReadAllLines(Path.Combine(Repository.Fixture, "pagetypeinfo.before"));
        string blocks = file.SkipWhile(l => !l.StartsWith("Number of blocks type")).Single(l => l.Contains("Normal"));
        long[] kernel = blocks.Split(' ', System.StringSplitOptions.RemoveEmptyEntries).Skip(4).Select(long.Parse).ToArray();
        string[] types = ["Unmovable", "Movable", "Reclaimable"];
        for (int mt = 0; mt < types.Length; mt++)
        {
            JsonElement seeded = summary.GetProperty("seed_pageblocks").EnumerateArray()
                .Single(b => b.GetProperty("zone").GetString() == "Normal" && b.GetProperty("type").GetString() == types[mt]);
            Assert.Equal(kernel[mt], seeded.GetProperty("kernel").GetInt64());
            Assert.Equal(kernel[mt], seeded.GetProperty("seeded").GetInt64());
        }

        // The unmovable and reclaimable free blocks of Normal by order are exactly the file's.
        foreach (string type in new[] { "Unmovable", "Reclaimable" })
        {
            string line = file.Single(l => l.Contains("zone   Normal, type") && l.Contains(type));
            long[] free = line.Split(' ', System.StringSplitOptions.RemoveEmptyEntries).Skip(6).Select(long.Parse).ToArray();
            JsonElement seeded = summary.GetProperty("seed_free_by_type").EnumerateArray()
                .Single(b => b.GetProperty("zone").GetString() == "Normal" && b.GetProperty("type").GetString() == type);
            Assert.Equal(free, seeded.GetProperty("seeded_blocks").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        }
    }

    [Fact]
    public void With_the_hosts_pageblock_types_no_fixture_allocation_falls_back()
    {
        // The kernel had unmovable and reclaimable pageblocks with free blocks in them, so none
        // of the trace's allocations stole from another type; seeded the same, neither do ours.
        JsonElement summary = ReplayFixture();
        Assert.Equal(0, summary.GetProperty("kernel").GetProperty("extfrag_events").GetInt64());
        Assert.Equal(0, summary.GetProperty("ours").GetProperty("extfrag_events").GetInt64());
    }

    [Fact]
    public void The_end_free_pages_are_the_kernels_buddyinfo_after_and_ours()
    {
        JsonElement summary = ReplayFixture();
        JsonElement end = summary.GetProperty("end_free_pages_by_order");
        long[] kernel = end.GetProperty("kernel").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        long[] expected = new long[11];
        foreach (string line in File.ReadAllLines(Path.Combine(Repository.Fixture, "buddyinfo.after")))
        {
            string[] parts = line.Split(' ', System.StringSplitOptions.RemoveEmptyEntries);
            for (int order = 0; order < 11; order++)
            {
                expected[order] += long.Parse(parts[4 + order]) << order;
            }
        }

        Assert.Equal(expected, kernel);
        long[] ours = end.GetProperty("ours").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.Equal(11, ours.Length);
        Assert.True(ours.Sum() > 0);
    }

    [Fact]
    public void The_normal_zone_is_seeded_exactly_from_buddyinfo_before()
    {
        JsonElement seed = ReplayFixture().GetProperty("seed");
        JsonElement normal = seed.EnumerateArray().Single(z => z.GetProperty("zone").GetString() == "Normal");
        long[] target = normal.GetProperty("target_blocks").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        long[] seeded = normal.GetProperty("seeded_blocks").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        string line = File.ReadAllLines(Path.Combine(Repository.Fixture, "buddyinfo.before")).Single(l => l.Contains("Normal"));
        long[] before = line.Split(' ', System.StringSplitOptions.RemoveEmptyEntries).Skip(4).Select(long.Parse).ToArray();
        Assert.Equal(before, target);
        Assert.Equal(target, seeded);
    }

    [Fact]
    public void The_summary_has_the_timing_fields()
    {
        JsonElement summary = ReplayFixture();
        double seconds = summary.GetProperty("seconds").GetDouble();
        double rate = summary.GetProperty("events_per_second").GetDouble();
        Assert.True(seconds > 0);
        Assert.Equal(summary.GetProperty("events").GetProperty("read").GetInt64() / seconds, rate, 1e-3 * rate);
        Assert.True(summary.GetProperty("trace_seconds").GetDouble() > 1);
    }
}
