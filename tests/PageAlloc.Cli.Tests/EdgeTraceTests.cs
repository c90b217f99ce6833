// SPDX-License-Identifier: GPL-2.0-only
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>Hand-made traces replayed on the fixture's machine shape: each rule of docs/TRACING.md
/// with counts known in advance.</summary>
public sealed class EdgeTraceTests
{
    private static JsonElement Replay(Scratch scratch, string trace, params string[] more)
    {
        string json = scratch.File("out.json");
        Tool.Result result = Tool.Run(["replay", trace, "--zoneinfo", Path.Combine(Repository.Fixture, "zoneinfo.before"), "--json", json, .. more]);
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        return JsonDocument.Parse(File.ReadAllText(json)).RootElement;
    }

    private static long Get(JsonElement e, string path) =>
        path.Split('.').Aggregate(e, (x, name) => x.GetProperty(name)).GetInt64();

    [Fact]
    public void Every_event_with_odd_comms_cpus_beyond_the_allocators_and_orders_up_to_10()
    {
        using var scratch = new Scratch();
        string[] lines =
        [
            Lines.Alloc(0x100000, order: 10, cpu: 0, time: 1.0, comm: "Web Content 2", gfp: "GFP_TRANSHUGE"),
            Lines.Alloc(0x100400, order: 3, cpu: 7, time: 1.1, comm: "kworker/u4:2 [x] 12", gfp: "GFP_KERNEL|__GFP_COMP"),
            Lines.Alloc(0x100500, order: 0, cpu: 255, time: 1.2, comm: "123 456", gfp: "GFP_HIGHUSER_MOVABLE|__GFP_ZERO"),
            Lines.Alloc(0x100501, order: 0, cpu: 1, time: 1.3, gfp: "GFP_ATOMIC|__GFP_NOWARN"),
            Lines.ZoneLocked(0x100500, 0, refill: true, cpu: 255, time: 1.2),
            Lines.ZoneLocked(0x100508, 3, refill: true, cpu: 1, time: 1.3),
            Lines.ZoneLocked(0x100600, 9, refill: false, cpu: 1, time: 1.3),
            Lines.Drain(0x100700, 2, cpu: 3, time: 1.4),
            Lines.Drain(0x100704, 0, cpu: 3, time: 1.4),
            Lines.Extfrag(0x100800, cpu: 2, time: 1.5),
            Lines.Free(0x100000, order: 10, cpu: 5, time: 2.0),
            Lines.Free(0x100400, order: 3, cpu: 300, time: 2.1, comm: "Web Content 2"),
            Lines.Free(0x100500, cpu: 0, time: 2.2),
            Lines.Batched(0x100500, cpu: 0, time: 2.2),
            Lines.Batched(0x100501, cpu: 1, time: 2.3),
            Lines.Free(0x999999, cpu: 1, time: 2.4),
            Lines.Batched(0x999998, cpu: 1, time: 2.5),
        ];
        JsonElement s = Replay(scratch, scratch.Trace("edge.txt", lines));
        Assert.Equal(17, Get(s, "events.read"));
        Assert.Equal(4, Get(s, "events.mm_page_alloc"));
        Assert.Equal(4, Get(s, "events.mm_page_free"));
        Assert.Equal(3, Get(s, "events.mm_page_free_batched"));
        Assert.Equal(3, Get(s, "events.mm_page_alloc_zone_locked"));
        Assert.Equal(2, Get(s, "events.mm_page_pcpu_drain"));
        Assert.Equal(1, Get(s, "events.mm_page_alloc_extfrag"));
        Assert.Equal(0, Get(s, "bad_lines"));
        Assert.Equal(4, Get(s, "replayed.allocs"));
        Assert.Equal(0, Get(s, "replayed.alloc_failures"));
        // 0x100000, 0x100400, 0x100500 by mm_page_free; 0x100501 by a batched free without its free.
        Assert.Equal(4, Get(s, "replayed.frees"));
        Assert.Equal(1, Get(s, "replayed.batched_frees_paired"));
        // 0x999999 (free) and 0x999998 (batched) were never allocated in the trace.
        Assert.Equal(2, Get(s, "replayed.unmatched_frees"));
        Assert.Equal(0, Get(s, "replayed.live_pages_at_end"));
        Assert.Equal(1 + 8, Get(s, "kernel.pcp_refill_pages"));
        Assert.Equal(4 + 1, Get(s, "kernel.pcp_drain_pages"));
        Assert.Equal(1, Get(s, "kernel.extfrag_events"));
        Assert.Equal(1.5, s.GetProperty("trace_seconds").GetDouble(), 6);
    }

    [Fact]
    public void A_batched_free_right_after_the_free_of_its_pfn_is_not_a_second_free()
    {
        using var scratch = new Scratch();
        string[] lines =
        [
            Lines.Alloc(0x200000, cpu: 0), Lines.Alloc(0x200001, cpu: 0),
            Lines.Free(0x200000, cpu: 0), Lines.Free(0x200001, cpu: 0),
            Lines.Batched(0x200000, cpu: 0), Lines.Batched(0x200001, cpu: 0),
            // reallocated at once: the batched line must not free the new page
            Lines.Alloc(0x200000, cpu: 0), Lines.Batched(0x200000, cpu: 0),
        ];
        JsonElement s = Replay(scratch, scratch.Trace("batched.txt", lines));
        Assert.Equal(2, Get(s, "replayed.batched_frees_paired"));
        Assert.Equal(3, Get(s, "replayed.frees"));
        Assert.Equal(0, Get(s, "replayed.unmatched_frees"));
        Assert.Equal(0, Get(s, "replayed.live_pages_at_end"));
    }

    [Fact]
    public void A_kernel_allocation_failure_is_replayed_and_given_back()
    {
        using var scratch = new Scratch();
        string failed = "            bash  2578 [001]   231.050388:             kmem:mm_page_alloc: page=(nil) pfn=0x0 order=9 migratetype=1 gfp_flags=GFP_TRANSHUGE";
        JsonElement s = Replay(scratch, scratch.Trace("failed.txt", [failed, Lines.Free(0x0, cpu: 1, time: 231.1)]));
        Assert.Equal(1, Get(s, "replayed.allocs") + Get(s, "replayed.alloc_failures"));
        Assert.Equal(Get(s, "replayed.allocs"), Get(s, "replayed.kernel_alloc_failures"));
        Assert.Equal(1, Get(s, "replayed.unmatched_frees"));
        Assert.Equal(0, Get(s, "replayed.live_pages_at_end"));
    }

    [Fact]
    public void Bad_lines_are_counted_by_reason_with_their_first_line_numbers()
    {
        using var scratch = new Scratch();
        string[] lines =
        [
            Lines.Alloc(0x300000),                                                                                    // 1
            "            bash  2578 [000]   231.050388:             kmem:mm_page_alloc: page=0x1 pfn=0xZZ order=0 migratetype=0 gfp_flags=GFP_KERNEL", // 2 bad field
            "         swapper     0 [001]   100.000001:       sched:sched_switch: prev_comm=swapper/1 prev_pid=0",     // 3 unknown event
            "            bash-2578  [000]   231.050388: mm_page_alloc:        page=0x104ed2 pfn=0x104ed2 order=0 migratetype=0 gfp_flags=GFP_KERNEL", // 4 trace-cmd
            "",                                                                                                        // 5 blank
            "this is not a trace line",                                                                                // 6
            Lines.Free(0x300000),                                                                                      // 7
            "            bash  2578   231.050388:             kmem:mm_page_alloc: page=0x104ed2 pfn=0x104ed2 order=0 migratetype=0 gfp_flags=GFP_KERNEL", // 8 no cpu column
            Lines.Alloc(0x300001)[..60],                                                                               // 9 truncated, no line break
        ];
        JsonElement s = Replay(scratch, scratch.Trace("bad.txt", lines, lastBreak: false));
        Assert.Equal(6, Get(s, "bad_lines"));
        JsonElement reasons = s.GetProperty("bad_line_reasons");
        Assert.Equal([2], Numbers(reasons, "bad_field"));
        Assert.Equal([3], Numbers(reasons, "unknown_event"));
        Assert.Equal([4, 8], Numbers(reasons, "other_format"));
        Assert.Equal([6], Numbers(reasons, "not_a_trace_line"));
        Assert.Equal([9], Numbers(reasons, "truncated"));
        Assert.Equal(3, Get(s, "events.read"));
        Assert.Equal(1, Get(s, "events.other"));
        Assert.Equal(1, Get(s, "replayed.frees"));

        static long[] Numbers(JsonElement reasons, string name) =>
            reasons.GetProperty(name).GetProperty("first_lines").EnumerateArray().Select(e => e.GetInt64()).ToArray();
    }

    [Fact]
    public void Gzip_zstd_and_plain_text_of_one_trace_replay_alike()
    {
        using var scratch = new Scratch();
        string[] lines = [Lines.Alloc(0x400000, order: 1), Lines.Alloc(0x400002), Lines.Free(0x400000, order: 1), Lines.Drain(0x400004, 0)];
        string text = scratch.Trace("t.txt", lines);
        string gz = scratch.File("t.gz");
        using (var output = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
        {
            output.Write(File.ReadAllBytes(text));
        }

        string zst = scratch.File("t.zst");
        File.WriteAllBytes(zst, new ZstdSharp.Compressor().Wrap(File.ReadAllBytes(text)).ToArray());
        string[] summaries = new[] { text, gz, zst }.Select(path => Replay(scratch, path)).Select(s =>
            string.Join(",", Get(s, "events.read"), Get(s, "replayed.allocs"), Get(s, "replayed.frees"), Get(s, "kernel.pcp_drain_pages"))).ToArray();
        Assert.Equal("4,2,1,1", summaries[0]);
        Assert.All(summaries, s => Assert.Equal(summaries[0], s));
    }

    [Fact]
    public void A_long_trace_keeps_only_live_pages_and_a_bounded_series()
    {
        using var scratch = new Scratch();
        string path = scratch.File("long.txt");
        using (var writer = new StreamWriter(path))
        {
            for (int i = 0; i < 100_000; i++)
            {
                double time = i * 1e-3;
                writer.WriteLine(Lines.Alloc(0x500000 + (i % 1000), cpu: i % 4, time: time));
                writer.WriteLine(Lines.Free(0x500000 + (i % 1000), cpu: i % 4, time: time));
            }
        }

        string csv = scratch.File("long.csv");
        JsonElement s = Replay(scratch, path, "--csv", csv);
        Assert.Equal(200_000, Get(s, "events.read"));
        Assert.Equal(100_000, Get(s, "replayed.frees"));
        Assert.Equal(0, Get(s, "replayed.live_pages_at_end"));
        int rows = File.ReadAllLines(csv).Length - 1;
        Assert.InRange(rows, PageAlloc.Cli.Replay.TimeSeries.Capacity / 2, PageAlloc.Cli.Replay.TimeSeries.Capacity);
    }
}
