// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;
using System.Linq;

namespace PageAlloc.Cli.Replay;

/// <summary>One pcp list at the last reset: pages on it, the kernel's (its reset's drain lines)
/// and ours (our lists drained at the same moment).</summary>
internal readonly record struct EndList(int Cpu, string Zone, int Order, int Migratetype, long Kernel, long Ours);

/// <summary>
/// The pcp lists at the last reset, per CPU, zone, order and migratetype. The kernel's reset
/// drains them on the writing thread's CPU, so a drained page's CPU is the one that last put it
/// on a list: its last free (<c>mm_page_free</c>, a page freed to this CPU's list) or refill
/// line. The first reset emptied every list, so each page on one at the last reset came by such a line.
/// </summary>
internal sealed class EndLists
{
    private readonly Dictionary<(int Cpu, string Zone, int Order, int Mt), (long Kernel, long Ours)> _lists = new();

    public void AddKernel(int cpu, string zone, int order, int mt) => Add(cpu, zone, order, mt, 1L << order, 0);

    public void AddOurs(int cpu, string zone, int order, int mt) => Add(cpu, zone, order, mt, 0, 1L << order);

    private void Add(int cpu, string zone, int order, int mt, long kernel, long ours)
    {
        var key = (cpu, zone, order, mt);
        (long k, long o) = _lists.GetValueOrDefault(key);
        _lists[key] = (k + kernel, o + ours);
    }

    /// <summary>Every list either side had pages on, in CPU, zone, order, migratetype order.</summary>
    public List<EndList> Lists => _lists
        .OrderBy(l => l.Key.Cpu).ThenBy(l => l.Key.Zone).ThenBy(l => l.Key.Order).ThenBy(l => l.Key.Mt)
        .Select(l => new EndList(l.Key.Cpu, l.Key.Zone, l.Key.Order, l.Key.Mt, l.Value.Kernel, l.Value.Ours)).ToList();

    /// <summary>Pages per CPU and zone, summed over orders and migratetypes.</summary>
    public List<(int Cpu, string Zone, long Kernel, long Ours)> ByCpuAndZone => _lists
        .GroupBy(l => (l.Key.Cpu, l.Key.Zone))
        .OrderBy(g => g.Key.Cpu).ThenBy(g => g.Key.Zone)
        .Select(g => (g.Key.Cpu, g.Key.Zone, g.Sum(l => l.Value.Kernel), g.Sum(l => l.Value.Ours))).ToList();

    public bool IsEmpty => _lists.Count == 0;
}
