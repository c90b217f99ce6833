// SPDX-License-Identifier: GPL-2.0-only
using System.IO;
using System.Linq;
using System.Text.Json;
using PageAlloc.Cli.Record;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>pagealloc record on this machine, for real (as root, as CI runs), then replayed.</summary>
public sealed class RecordTests
{
    [Fact]
    public void Record_writes_a_bundle_that_replays()
    {
        using var scratch = new Scratch("pagealloc-record-");
        string bundle = scratch.File("bundle");
        string ran = scratch.File("ran");
        Tool.Result record = Tool.Run("record", "--out", bundle, "--", "sh", "-c", $"sleep 1; echo yes > {ran}");
        Assert.True(record.ExitCode == 0, record.Error + record.Output);
        foreach (string name in new[] { "trace.txt.zst", "zoneinfo.before", "zoneinfo.after", "buddyinfo.before", "buddyinfo.after",
            "pagetypeinfo.before", "min_free_kbytes", "watermark_scale_factor", "nproc", "snapshot_times", "resets", "zoneinfo.reset", "lost_events" })
        {
            Assert.True(File.Exists(Path.Combine(bundle, name)), $"the bundle has no {name}");
        }

        Assert.False(File.Exists(Path.Combine(bundle, "perf.data")), "perf.data is left behind");
        Assert.Equal(System.Environment.ProcessorCount.ToString(), File.ReadAllText(Path.Combine(bundle, "nproc")).Trim());

        // The snapshots were read before the first traced event and after the last one, on the
        // trace's clock (perf -k CLOCK_MONOTONIC).
        string[] times = File.ReadAllLines(Path.Combine(bundle, "snapshot_times"));
        double before = double.Parse(times[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        double after = double.Parse(times[1].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        (double first, double last) = TraceTimes(Path.Combine(bundle, "trace.txt.zst"));
        Assert.True(before < first && first <= last && last < after, $"snapshots at {before} and {after}, trace from {first} to {last}");

        string json = scratch.File("summary.json");
        Tool.Result replay = Tool.Run("replay", bundle, "--json", json);
        Assert.True(replay.ExitCode == 0, replay.Error + replay.Output);
        JsonElement summary = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.True(summary.GetProperty("events").GetProperty("read").GetInt64() > 0, "a second of a busy machine has page events");
        Assert.Equal(0, summary.GetProperty("bad_lines").GetInt64());
        Assert.Equal("yes", File.ReadAllText(ran).Trim());

        // Every zone whose reset drained its lists did so while perf recorded: the first
        // reset's drain lines are in the trace, and the replay starts from them.
        Assert.Equal("reset", summary.GetProperty("start").GetString());
        Assert.True(summary.GetProperty("resets").GetProperty("first_drain_pages").GetInt64() > 0, record.Output);
        foreach (string line in File.ReadAllLines(Path.Combine(bundle, "resets")).Where(l => !l.StartsWith('#')))
        {
            string[] f = line.Split(' ');
            Assert.Contains(f[6], new[] { "busy", "offlined" });
            Assert.Equal("online", File.ReadAllText($"/sys/devices/system/memory/{f[2]}/state").Trim());
        }
    }

    private static (double First, double Last) TraceTimes(string path)
    {
        using var file = File.OpenRead(path);
        using var zstd = new ZstdSharp.DecompressionStream(file);
        using var reader = new StreamReader(zstd);
        double first = double.NaN, last = double.NaN;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            var m = System.Text.RegularExpressions.Regex.Match(line, @"\]\s+(\d+\.\d+):");
            if (m.Success)
            {
                last = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                first = double.IsNaN(first) ? last : first;
            }
        }

        return (first, last);
    }

    [Fact]
    public void Record_refuses_less_than_a_second()
    {
        Tool.Result record = Tool.Run("record", "--seconds", "0");
        Assert.Equal(ExitCodes.Usage, record.ExitCode);
        Assert.Contains("--seconds", record.Error);
    }

    [Fact]
    public void Record_asks_perf_for_every_page_allocator_tracepoint()
    {
        Assert.Equal(
            ["kmem:mm_page_alloc", "kmem:mm_page_free", "kmem:mm_page_free_batched", "kmem:mm_page_alloc_zone_locked",
             "kmem:mm_page_pcpu_drain", "kmem:mm_page_alloc_extfrag"],
            Recorder.Events);
    }
}
