// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using PageAlloc.Cli.Host;
using PageAlloc.Cli.Record;
using PageAlloc.Cli.Replay;
using PageAlloc.Cli.Trace;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>The pcp resets: what the recorder writes and the replay reads, the lines it finds
/// them by, lost events, and a replay that starts from a reset.</summary>
public sealed class ResetTests
{
    private static string DrainBy(string comm, int tid, long pfn, int order, int cpu, double time, int mt = 0) =>
        $"{comm,16} {tid,5} [{cpu:000}] {time,12:0.000000}:        kmem:mm_page_pcpu_drain: page=0x{pfn:x} pfn=0x{pfn:x} order={order} migratetype={mt}";

    [Fact]
    public void The_resets_file_round_trips_and_refuses_a_malformed_line()
    {
        using var scratch = new Scratch();
        string path = scratch.File(ResetsFile.FileName);
        ResetsFile.Reset[] resets =
        [
            new("first", "Normal", "memory36", 10.25, 10.5, 4242, "busy"),
            new("last", "DMA32", "memory1", 20, 20.01, 4243, "offlined"),
        ];
        File.WriteAllText(path, ResetsFile.Format(resets, ["DMA: no block"]));
        Assert.Equal(resets, ResetsFile.Read(path));
        Assert.Equal(["DMA: no block"], ResetsFile.Notes(path));
        Assert.All(resets, r => Assert.True(r.Drained));
        Assert.False(new ResetsFile.Reset("first", "Normal", "memory36", 1, 2, 3, "errno22").Drained);

        File.AppendAllText(path, "first Normal memory36 2.0 1.0 17 busy\n");
        var e = Assert.Throws<TraceInputException>(() => ResetsFile.Read(path));
        Assert.Contains(":4:", e.Message);
    }

    [Fact]
    public void The_parser_reads_the_task_id_and_perfs_lost_records()
    {
        var parser = new TraceLineParser();
        Assert.Equal(LineVerdict.Event, parser.Parse(Encoding.UTF8.GetBytes(DrainBy("pcpreset", 17491, 0x1234, 0, 1, 8476.565076)), out TraceRecord drain));
        Assert.Equal(17491, drain.Tid);
        Assert.Equal(1, drain.Cpu);
        Assert.Equal(LineVerdict.Event, parser.Parse(Encoding.UTF8.GetBytes(Lines.Alloc(0x10, comm: "a b 12", pid: 77)), out TraceRecord alloc));
        Assert.Equal(77, alloc.Tid);
        Assert.Equal(LineVerdict.Lost, parser.Parse("     lto1-ltrans 14904 [001]  7550.901034: PERF_RECORD_LOST lost 1141"u8, out TraceRecord lost));
        Assert.Equal(1141, lost.Lost);
        Assert.Equal(7550.901034, lost.Time, 6);
    }

    [Fact]
    public void Lost_records_are_summed_across_chunk_boundaries()
    {
        byte[] text = Encoding.ASCII.GetBytes(
            "  perf 1 [000] 1.0: PERF_RECORD_LOST lost 1141\n  x 2 [001] 1.1: kmem:mm_page_free: pfn=0x1 order=0\n" +
            "  perf 1 [001] 2.0: PERF_RECORD_LOST lost 73\n" + new string('y', 600) + " PERF_RECORD_LOST lost 5\n");
        for (int cut = 1; cut < text.Length; cut += 7)
        {
            var counter = new LostCounter();
            counter.Add(text.AsSpan(0, cut));
            counter.Add(text.AsSpan(cut));
            Assert.Equal(1141 + 73 + 5, counter.Total);
        }
    }

    [Fact]
    public void A_block_census_counts_unmovable_and_free_pages()
    {
        ulong slab = 1UL << 7, buddy = 1UL << 10, pgtable = 1UL << 26, reserved = 1UL << 32, lru = 1UL << 5;
        ResetBlocks.PageCensus census = ResetBlocks.Census([slab, buddy, pgtable | lru, reserved, lru, buddy]);
        Assert.Equal(3, census.Unmovable);
        Assert.Equal(2, census.Free);
        Assert.False(census.AllFree);
        Assert.True(ResetBlocks.Census([buddy, buddy]).AllFree);
    }

    [Fact]
    public void The_pcp_model_is_the_zoneinfos_kernel()
    {
        Assert.Equal("6.18", ReplayCommand.ModelOf(ZoneInfoFile.Read(Path.Combine(Repository.Fixture, "zoneinfo.before"))));
        string old = string.Join('\n', File.ReadAllLines(Path.Combine(Repository.Fixture, "zoneinfo.before"))
            .Where(l => !l.Contains("high_min") && !l.Contains("high_max")));
        Assert.Equal("6.6", ReplayCommand.ModelOf(ZoneInfoFile.Parse(old)));
    }

    [Fact]
    public void Bulk_allocations_are_refills_freed_with_no_allocation_between()
    {
        var bulk = new BulkInference();
        string[] lines =
        [
            Lines.ZoneLocked(0x100, 0, refill: true),      // 1: freed with no alloc: bulk
            Lines.ZoneLocked(0x101, 0, refill: true),      // 2: allocated, then freed: not
            Lines.ZoneLocked(0x102, 0, refill: true),      // 3: drained: sat on the list
            Lines.ZoneLocked(0x103, 0, refill: false),     // 4: not a refill
            Lines.Alloc(0x101),
            Lines.Drain(0x102, 0),
            Lines.Free(0x100),
            Lines.Free(0x101),
            Lines.Free(0x103),
        ];
        for (int i = 0; i < lines.Length; i++)
        {
            bulk.OnLine(Encoding.UTF8.GetBytes(lines[i]), i + 1, complete: true);
        }

        Assert.Equal([1L], bulk.Lines.Order());
    }

    [Fact]
    public void A_refilled_page_never_seen_again_before_the_last_reset_was_bulk_allocated_in_a_drained_zone()
    {
        var bulk = new BulkInference();
        string[] lines =
        [
            Lines.ZoneLocked(0x100, 0, refill: true),      // 1: never seen again: bulk, held
            Lines.ZoneLocked(0x101, 0, refill: true),      // 2: allocated: not
            Lines.ZoneLocked(0x102, 0, refill: true),      // 3: drained by the last reset: sat on the list
            Lines.ZoneLocked(0x200, 0, refill: true),      // 4: never seen again, in a zone the reset did not drain
            Lines.Alloc(0x101),
            Lines.Drain(0x102, 0),
        ];
        for (int i = 0; i < lines.Length; i++)
        {
            bulk.OnLine(Encoding.UTF8.GetBytes(lines[i]), i + 1, complete: true);
        }

        Assert.Empty(bulk.Lines);
        bulk.Finish(pfn => pfn < 0x200);
        Assert.Equal([1L], bulk.Lines.Order());
    }

    [Fact]
    public void A_replay_from_a_reset_allocates_the_pages_a_bulk_call_kept_past_the_end()
    {
        using var scratch = new Scratch();
        const long a = 0x150000, b = 0x150100, x = 0x150300;
        string bundle = ResetBundle(scratch,
        [
            Lines.Alloc(a, cpu: 0, time: 1.0),
            DrainBy("pcpreset", 500, x, 0, 0, 2.05),
            Lines.ZoneLocked(b, 0, refill: true, cpu: 1, time: 3.0),                  // refilled on CPU 1 and never seen again
            Lines.Free(a, cpu: 0, time: 6.0),
        ]);
        string json = scratch.File("s.json");
        Tool.Result result = Tool.Run("replay", bundle, "--json", json);
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        JsonElement s = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal(1, s.GetProperty("inferred_bulk_allocs").GetInt64());
        // The page it stands for is held at the end, beside the seeding's.
        Assert.True(s.GetProperty("replayed").GetProperty("live_pages_at_end").GetInt64() >= 1);
    }

    /// <summary>A bundle of the fixture's state files with a hand-made trace and resets:
    /// a first reset at 2.0-2.1 s, the last at 5.0-5.1 s, Normal only.</summary>
    private static string ResetBundle(Scratch scratch, string[] trace)
    {
        string dir = scratch.File("bundle");
        Directory.CreateDirectory(dir);
        foreach (string file in Directory.GetFiles(Repository.Fixture).Where(f => !f.Contains("trace.txt") && !f.Contains("reset")))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }

        File.WriteAllLines(Path.Combine(dir, "trace.txt"), trace);
        File.WriteAllText(Path.Combine(dir, ResetsFile.FileName), ResetsFile.Format(
            [new("first", "Normal", "memory36", 2.0, 2.1, 500, "busy"), new("last", "Normal", "memory36", 5.0, 5.1, 501, "busy")], []));
        File.Delete(Path.Combine(dir, "snapshot_times"));
        return dir;
    }

    [Fact]
    public void A_replay_from_a_reset_compares_between_the_resets_and_at_the_last_one()
    {
        using var scratch = new Scratch();
        const long a = 0x150000, b = 0x150100, c = 0x150200, x = 0x150300;
        string bundle = ResetBundle(scratch,
        [
            Lines.Alloc(a, cpu: 0, time: 1.0),
            DrainBy("pcpreset", 500, x, 0, 0, 2.05),                                   // the first reset's snapshot
            Lines.ZoneLocked(b, 0, refill: true, cpu: 1, time: 3.0),                  // refilled on CPU 1 ...
            Lines.Free(b, cpu: 1, time: 3.1),                                          // ... and freed: bulk-allocated
            Lines.Alloc(c, cpu: 0, time: 3.2),
            Lines.Free(c, cpu: 0, time: 3.3),                                          // onto CPU 0's list
            DrainBy("pcpreset", 501, c, 0, 1, 5.05),                                   // drained on CPU 1, list of CPU 0
            DrainBy("pcpreset", 501, b, 0, 1, 5.06, mt: 1),
            Lines.Free(a, cpu: 0, time: 6.0),
        ]);
        string json = scratch.File("s.json");
        Tool.Result result = Tool.Run("replay", bundle, "--json", json);
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        JsonElement s = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal("reset", s.GetProperty("start").GetString());
        Assert.Equal(1, s.GetProperty("inferred_bulk_allocs").GetInt64());
        Assert.Equal(1, s.GetProperty("kernel").GetProperty("pcp_refill_pages").GetInt64());
        Assert.Equal(0, s.GetProperty("kernel").GetProperty("pcp_drain_pages").GetInt64());
        Assert.Equal(3, s.GetProperty("kernel_whole_trace").GetProperty("pcp_drain_pages").GetInt64());
        Assert.Equal(1, s.GetProperty("resets").GetProperty("first_drain_pages").GetInt64());
        Assert.Equal(2, s.GetProperty("resets").GetProperty("last_drain_pages").GetInt64());
        JsonElement[] kernel = s.GetProperty("end_pcp").EnumerateArray().Where(l => l.GetProperty("kernel").GetInt64() > 0).ToArray();
        Assert.Equal(2, kernel.Length);
        Assert.Contains(kernel, l => l.GetProperty("cpu").GetInt32() == 0 && l.GetProperty("migratetype").GetInt32() == 0 && l.GetProperty("zone").GetString() == "Normal");
        Assert.Contains(kernel, l => l.GetProperty("cpu").GetInt32() == 1 && l.GetProperty("migratetype").GetInt32() == 1);
        // Ours: the refill for c's allocation left pages on CPU 0's list, and b's free one on CPU 1's.
        Assert.True(s.GetProperty("end_pcp_by_cpu_zone").EnumerateArray().Single(l => l.GetProperty("cpu").GetInt32() == 0).GetProperty("ours").GetInt64() > 1);
        Assert.Contains("start: pcp lists empty at the end of the first reset", result.Output);
    }

    [Fact]
    public void A_trace_without_resets_says_its_start_is_inferred()
    {
        using var scratch = new Scratch();
        string trace = scratch.Trace("t.txt", [Lines.Alloc(0x150000), Lines.Free(0x150000, time: 1.5)]);
        string json = scratch.File("s.json");
        Tool.Result result = Tool.Run("replay", trace, "--zoneinfo", Path.Combine(Repository.Fixture, "zoneinfo.before"), "--json", json);
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Equal("inferred", JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("start").GetString());
        Assert.Contains("start: inferred", result.Output);
    }
}
