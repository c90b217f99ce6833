// SPDX-License-Identifier: GPL-2.0-only
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using PageAlloc.Cli.Host;
using PageAlloc.Cli.Replay;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>Two pieces of state the trace does not show and the replay takes from elsewhere:
/// memory the kernel onlined while it ran (MAX_ORDER frees of pfns never allocated, outside the
/// resets) and the free pages the kernel had when the first reset ended (zoneinfo.reset).</summary>
public sealed class OnlinedMemoryTests
{
    /// <summary>The resets of <see cref="Bundle"/>: the first at 2.0-2.1 s, the last at 5.0-5.1 s.</summary>
    private static readonly ResetsFile.Reset[] Resets =
        [new("first", "Normal", "memory36", 2.0, 2.1, 500, "busy"), new("last", "Normal", "memory36", 5.0, 5.1, 501, "busy")];

    [Fact]
    public void A_max_order_free_of_a_pfn_never_allocated_is_onlined_memory_outside_the_resets_only()
    {
        var pass = new BulkInference(ResetPlan.From(Resets, null));
        string[] lines =
        [
            Lines.Free(0x160000, order: 10, time: 1.0),               // before the first reset: online
            Lines.Free(0x160400, order: 10, time: 2.05),              // in it: the reset's own block back
            Lines.Alloc(0x160800, order: 10, time: 3.0),
            Lines.Free(0x160800, order: 10, time: 3.1),               // allocated in the trace: a free
            Lines.Free(0x160c00, order: 9, time: 3.2),                // not MAX_ORDER
            Lines.Free(0x161000, order: 10, time: 3.3),               // between the resets: online
            Lines.Free(0x161400, order: 10, time: 5.05),              // in the last reset
        ];
        for (int i = 0; i < lines.Length; i++)
        {
            pass.OnLine(Encoding.UTF8.GetBytes(lines[i]), i + 1, complete: true);
        }

        Assert.Equal([0x160000L, 0x161000L], pass.Onlined.Pfns);
        Assert.Equal(2048, pass.Onlined.PagesByZone(_ => ZoneType.Normal)[ZoneType.Normal]);

        // Without resets every such free is memory going online.
        var plain = new BulkInference();
        plain.OnLine(Encoding.UTF8.GetBytes(lines[1]), 1, complete: true);
        Assert.Equal([0x160400L], plain.Onlined.Pfns);
    }

    /// <summary>The fixture's state files with a hand-made trace and <see cref="Resets"/>; with
    /// <paramref name="zoneinfoReset"/>, the fixture's zoneinfo.reset too.</summary>
    private static string Bundle(Scratch scratch, string[] trace, bool zoneinfoReset)
    {
        string dir = scratch.File("bundle");
        Directory.CreateDirectory(dir);
        foreach (string file in Directory.GetFiles(Repository.Fixture)
                     .Where(f => !f.Contains("trace.txt") && (zoneinfoReset ? !f.EndsWith("resets") : !f.Contains("reset"))))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }

        File.WriteAllLines(Path.Combine(dir, "trace.txt"), trace);
        File.WriteAllText(Path.Combine(dir, ResetsFile.FileName), ResetsFile.Format(Resets, []));
        File.Delete(Path.Combine(dir, "snapshot_times"));
        return dir;
    }

    private static JsonElement Replay(Scratch scratch, string bundle)
    {
        string json = scratch.File("s.json");
        Tool.Result result = Tool.Run("replay", bundle, "--json", json);
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        return JsonDocument.Parse(File.ReadAllText(json)).RootElement;
    }

    [Fact]
    public void Onlined_blocks_are_held_from_seeding_and_freed_when_the_kernel_onlines_them()
    {
        using var scratch = new Scratch();
        JsonElement s = Replay(scratch, Bundle(scratch,
        [
            Lines.Alloc(0x150000, time: 1.0),
            Lines.Free(0x160400, order: 10, time: 2.05),             // the reset's own block: not replayed
            Lines.Free(0x161000, order: 10, time: 3.0, comm: "tar"),  // virtio-mem onlining in a fault
            Lines.Free(0x161400, order: 10, time: 3.0, comm: "tar"),
            Lines.Free(0x150000, time: 6.0),
        ], zoneinfoReset: false));

        JsonElement onlined = s.GetProperty("seed_onlined").EnumerateArray().Single();
        Assert.Equal("Normal", onlined.GetProperty("zone").GetString());
        Assert.Equal(2048, onlined.GetProperty("pages").GetInt64());
        Assert.Equal(2, onlined.GetProperty("held_blocks").GetInt32());
        Assert.Equal(2, s.GetProperty("replayed").GetProperty("onlined_block_frees").GetInt64());
        // The zone ends with the host's managed pages plus the two blocks.
        long managed = ZoneInfoFile.Read(Path.Combine(Repository.Fixture, "zoneinfo.before")).Single(z => z.Name == "Normal").Managed;
        Assert.Equal(managed + 2048, s.GetProperty("end_zones").EnumerateArray().Single(z => z.GetProperty("zone").GetString() == "Normal").GetProperty("managed").GetInt64());
    }

    /// <summary>The replay seeds while its first pass reads the trace, its zones sized by the
    /// memory zoneinfo.after says was onlined; when the pass finds other onlined blocks it seeds
    /// again after the pass. Both give the same replay.</summary>
    [Fact]
    public void Seeding_beside_the_first_pass_gives_the_replay_that_seeding_after_it_gives()
    {
        string[] trace =
        [
            Lines.Alloc(0x150000, time: 1.0),
            Lines.Free(0x161000, order: 10, time: 3.0, comm: "tar"),
            Lines.Free(0x161400, order: 10, time: 3.0, comm: "tar"),
            Lines.Free(0x150000, time: 6.0),
        ];
        using var wrong = new Scratch();
        JsonElement after = Replay(wrong, Bundle(wrong, trace, zoneinfoReset: false));
        Assert.False(after.GetProperty("seeded_during_first_pass").GetBoolean());   // zoneinfo.after: no growth

        using var right = new Scratch();
        string bundle = Bundle(right, trace, zoneinfoReset: false);
        string zoneinfoAfter = Path.Combine(bundle, "zoneinfo.after");
        long managed = ZoneInfoFile.Read(zoneinfoAfter).Single(z => z.Name == "Normal").Managed;
        File.WriteAllText(zoneinfoAfter, File.ReadAllText(zoneinfoAfter).Replace($"managed  {managed}\n", $"managed  {managed + 2048}\n"));
        JsonElement beside = Replay(right, bundle);
        Assert.True(beside.GetProperty("seeded_during_first_pass").GetBoolean());

        string[] timing = ["seconds", "events_per_second", "cpu_seconds", "first_pass_seconds", "seeded_during_first_pass",
            "whole_run_seconds", "whole_run_cpu_seconds", "events_per_second_whole_run", "run_steps"];
        string[] compared = after.EnumerateObject().Select(p => p.Name).Where(n => !timing.Contains(n)).ToArray();
        Assert.Contains("end_zones", compared);
        Assert.Contains("seed_onlined", compared);
        foreach (string name in compared)
        {
            // (the paths differ by the scratch folder only)
            Assert.Equal(after.GetProperty(name).GetRawText().Replace(wrong.Path, "DIR"), beside.GetProperty(name).GetRawText().Replace(right.Path, "DIR"));
        }

        // The whole run's steps, in order, from the process's start.
        string[] steps = beside.GetProperty("run_steps").EnumerateArray().Select(s => s.GetProperty("step").GetString()!).ToArray();
        Assert.Equal(["start-up", "bundle", "first pass", "seeding", "second pass", "result"], steps);
        double[] walls = beside.GetProperty("run_steps").EnumerateArray().Select(s => s.GetProperty("wall_seconds").GetDouble()).ToArray();
        Assert.Equal(walls.Order().ToArray(), walls);
        Assert.Equal(walls[^1], beside.GetProperty("whole_run_seconds").GetDouble());
        Assert.True(walls[^1] >= beside.GetProperty("seconds").GetDouble());
    }

    [Fact]
    public void The_first_reset_ends_with_the_kernels_free_pages()
    {
        using var scratch = new Scratch();
        string[] trace = [Lines.Alloc(0x150000, time: 1.0), Lines.Free(0x150000, time: 6.0)];
        JsonElement s = Replay(scratch, Bundle(scratch, trace, zoneinfoReset: true));
        long kernel = ZoneInfoFile.Read(Path.Combine(Repository.Fixture, "zoneinfo.reset")).Single(z => z.Name == "Normal").Free;
        JsonElement normal = s.GetProperty("start_free_pages").EnumerateArray().Single(z => z.GetProperty("zone").GetString() == "Normal");
        Assert.Equal(kernel, normal.GetProperty("kernel").GetInt64());
        Assert.NotEqual(kernel, normal.GetProperty("ours_before").GetInt64());
        Assert.Equal(kernel, normal.GetProperty("ours").GetInt64());

        // Without zoneinfo.reset there is nothing to match.
        using var other = new Scratch();
        Assert.Empty(Replay(other, Bundle(other, trace, zoneinfoReset: false)).GetProperty("start_free_pages").EnumerateArray());
    }
}
