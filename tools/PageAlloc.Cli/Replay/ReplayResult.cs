// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;

namespace PageAlloc.Cli.Replay;

/// <summary>One pcp list at the end of the trace: the kernel's count and high (-1 when unknown) and ours.</summary>
internal readonly record struct EndPcpList(string Zone, int Cpu, long KernelCount, long KernelHigh, long Count, long High);

/// <summary>Everything a replay reports, gathered once it has ended.</summary>
internal sealed class ReplayResult
{
    public required string TracePath { get; init; }
    public required string Compression { get; init; }
    public required Replayer Replayer { get; init; }
    public required string PcpModel { get; init; }
    /// <summary>Where the model came from: "zoneinfo" (the default) or "--pcp-model".</summary>
    public string PcpModelSource { get; init; } = "--pcp-model";
    /// <summary>The bundle's count of events perf lost (its lost_events file); null without one.</summary>
    public long? RecordedLostEvents { get; init; }
    /// <summary>What the recorder said about the resets (zones it could not reset and why).</summary>
    public IReadOnlyList<string> ResetNotes { get; init; } = [];
    public required int Cpus { get; init; }
    public required long MinFreeKBytes { get; init; }
    public required int WatermarkScaleFactor { get; init; }
    public required string ZoneInfoSource { get; init; }
    public string? BuddyInfoSource { get; init; }
    public IReadOnlyList<(string Zone, long[] Target, long[] Seeded)>? Seed { get; init; }
    /// <summary>The pcp lists seeded from zoneinfo.before; null without seeding.</summary>
    public IReadOnlyList<PcpSeeding.PcpSeed>? SeedPcp { get; init; }
    /// <summary>Held blocks of order 1 and up set aside as stand-ins, per zone and order.</summary>
    public IReadOnlyList<(string Zone, int Order, int Migratetype, int Wanted, int Reserved)>? SeedHeldBlocks { get; init; }
    /// <summary>Our zones at the end of the replay: managed pages (they grow as the kernel onlines memory) and free pages.</summary>
    public IReadOnlyList<(string Zone, long Managed, long Free)>? EndZones { get; init; }
    /// <summary>Per zone, pages the kernel onlined during the trace and the MAX_ORDER blocks held for them.</summary>
    public IReadOnlyList<(string Zone, long Wanted, int Reserved)>? SeedOnlined { get; init; }
    /// <summary>Pageblock types and per-type free blocks seeded from pagetypeinfo.before; null without seeding.</summary>
    public IReadOnlyList<Seeder.PageblockSeed>? SeedPageblocks { get; init; }
    public IReadOnlyList<Seeder.TypeSeed>? SeedFreeByType { get; init; }
    /// <summary>The pcp lists at the end of the trace, the kernel's (zoneinfo.after) and ours.</summary>
    public IReadOnlyList<EndPcpList> EndPcp { get; init; } = [];
    /// <summary>Free pages by order at the end: the kernel's (buddyinfo.after), null when the bundle has none.</summary>
    public long[]? KernelEndFreePages { get; init; }
    public required long[] OurEndFreePages { get; init; }
    /// <summary>Our pcp refill, drain and extfrag counts from the library's tracepoints; null without them.</summary>
    public long? OurRefillPages { get; init; }
    public long? OurDrainPages { get; init; }
    public long? OurExtfrag { get; init; }
    /// <summary>The wall time of the two passes over the trace (reading, parsing, replaying):
    /// start-up, reading the bundle, seeding and the report excluded (see <see cref="Run"/>).</summary>
    public required double Seconds { get; init; }

    /// <summary>CPU time of the process over the same span (all threads: the reader's decompression too).</summary>
    public required double CpuSeconds { get; init; }

    /// <summary>Of <see cref="Seconds"/>, the first pass (<see cref="BulkInference"/>).</summary>
    public double FirstPassSeconds { get; init; }

    /// <summary>The whole run's steps, from the process's start to the summary.</summary>
    public RunClock? Run { get; init; }

    /// <summary>Whether seeding ran beside the first pass (the memory onlined during the trace,
    /// guessed from the bundle's zoneinfo, was what the pass found) or after it.</summary>
    public bool SeededDuringFirstPass { get; init; }

    /// <summary>Events per second of the whole run (process start to the summary); 0 without <see cref="Run"/>.</summary>
    public double EventsPerSecondWholeRun => Run is { Wall: > 0 } run ? Replayer.Events.Read / run.Wall : 0;

    public double EventsPerSecond => Seconds > 0 ? Replayer.Events.Read / Seconds : 0;
}
