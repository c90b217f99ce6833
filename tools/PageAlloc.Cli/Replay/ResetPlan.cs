// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using PageAlloc.Cli.Host;

namespace PageAlloc.Cli.Replay;

/// <summary>Where a trace time lies relative to a bundle's pcp resets.</summary>
internal enum ResetPhase
{
    /// <summary>Before the first reset: replayed to shape the free blocks; not compared.</summary>
    Before,
    /// <summary>During the first reset's offline attempts: the zones' lists disabled (batch 1, high 0).</summary>
    First,
    /// <summary>Between the resets: the lists started empty; refills and drains compared here.</summary>
    Body,
    /// <summary>During the last reset: its drains are the kernel's lists at that moment.</summary>
    Last,
    /// <summary>After the last reset.</summary>
    After,
}

/// <summary>
/// The pcp resets of a bundle as the replay uses them: the first reset's window (every zone's
/// offline attempt, from the earliest start to the latest end), the last one's, the writing
/// threads (whose drain lines are the reset's snapshot of the lists), and each CPU's high right
/// after the first reset (zoneinfo.reset; 0, a list not yet used since, reads as high_min).
/// </summary>
internal sealed class ResetPlan
{
    private ResetPlan(List<ResetsFile.Reset> first, List<ResetsFile.Reset> last, List<HostZone>? afterFirst)
    {
        First = first;
        Last = last;
        AfterFirst = afterFirst;
        FirstStart = first.Min(r => r.Start);
        FirstEnd = first.Max(r => r.End);
        LastStart = last.Count > 0 ? last.Min(r => r.Start) : double.PositiveInfinity;
        LastEnd = last.Count > 0 ? last.Max(r => r.End) : double.PositiveInfinity;
        LastTids = last.Select(r => r.Tid).ToHashSet();
    }

    public List<ResetsFile.Reset> First { get; }
    public List<ResetsFile.Reset> Last { get; }
    /// <summary>zoneinfo read right after the first reset; null when the bundle has none.</summary>
    public List<HostZone>? AfterFirst { get; }
    public double FirstStart { get; }
    public double FirstEnd { get; }
    public double LastStart { get; }
    public double LastEnd { get; }
    /// <summary>The threads that wrote the last reset's offline attempts.</summary>
    public HashSet<int> LastTids { get; }

    /// <summary>The plan of a bundle's resets; null when no first reset drained a zone
    /// (no resets file, not root, no block): the start is then inferred.</summary>
    public static ResetPlan? From(IReadOnlyList<ResetsFile.Reset> resets, List<HostZone>? afterFirst)
    {
        List<ResetsFile.Reset> first = resets.Where(r => r.Phase == "first" && r.Drained).ToList();
        List<ResetsFile.Reset> last = resets.Where(r => r.Phase == "last" && r.Drained).ToList();
        return first.Count == 0 ? null : new ResetPlan(first, last, afterFirst);
    }

    /// <summary>The phase of trace time <paramref name="time"/>.</summary>
    public ResetPhase PhaseAt(double time) =>
        time < FirstStart ? ResetPhase.Before :
        time <= FirstEnd ? ResetPhase.First :
        time < LastStart ? ResetPhase.Body :
        time <= LastEnd ? ResetPhase.Last : ResetPhase.After;

    /// <summary>The zones the first reset emptied.</summary>
    public IEnumerable<string> ResetZones => First.Select(r => r.Zone).Distinct();
}
