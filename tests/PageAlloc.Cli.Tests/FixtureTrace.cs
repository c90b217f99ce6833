// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using ZstdSharp;

namespace PageAlloc.Cli.Tests;

/// <summary>
/// The fixture trace counted here, independently of the tool's parser and replay: a regular
/// expression over each line, and a set of live pfns standing for the replay's pages (every
/// allocation of the fixture succeeds in the replay, which the tests check, so the set gives
/// exactly the frees it must match and the unmatched ones).
/// </summary>
internal sealed partial class FixtureTrace
{
    private static readonly Lazy<FixtureTrace> Instance = new(() => Read(Path.Combine(Repository.Fixture, "trace.txt.zst")));

    internal static FixtureTrace Fixture => Instance.Value;

    internal Dictionary<string, long> Events { get; } = new();
    internal long RefillPages { get; private set; }
    internal long DrainPages { get; private set; }
    internal long Frees { get; private set; }
    internal long Unmatched { get; private set; }
    /// <summary>Unmatched frees of order 0 (a batched free is order 0): each frees a stand-in.</summary>
    internal long UnmatchedOrder0 { get; private set; }
    /// <summary>Unmatched frees of order 1 to 9: each frees a held block of its order set aside by seeding.</summary>
    internal long UnmatchedOrder1To9 { get; private set; }
    internal long BatchedPaired { get; private set; }
    internal long Reallocated { get; private set; }
    internal long Lines { get; private set; }
    /// <summary>Refill pages and drain pages between the end of the first pcp reset and the start of the last.</summary>
    internal long BodyRefillPages { get; private set; }
    internal long BodyDrainPages { get; private set; }
    /// <summary>Refills of a pfn freed with no allocation line between: the kernel's bulk allocations.</summary>
    internal long BulkAllocs { get; private set; }
    /// <summary>Pages the last reset's writer drained.</summary>
    internal long LastResetPages { get; private set; }

    [GeneratedRegex(@"^\s*(?<comm>.+?)\s+(?<pid>-?\d+)\s+\[(?<cpu>\d+)\]\s+(?<time>\d+\.\d+):\s+kmem:(?<event>\w+):\s(?<fields>.*)$")]
    private static partial Regex LineRegex();

    [GeneratedRegex(@"(?<key>\w+)=(?<value>\S+)")]
    private static partial Regex FieldRegex();

    /// <summary>The bundle's resets file: (end of the first reset, start of the last, the last one's writers).</summary>
    private static (double FirstEnd, double LastStart, HashSet<string> LastTids) Resets(string bundle)
    {
        double firstEnd = double.MinValue, lastStart = double.MaxValue;
        var tids = new HashSet<string>();
        foreach (string line in File.ReadAllLines(Path.Combine(bundle, "resets")).Where(l => !l.StartsWith('#')))
        {
            string[] f = line.Split(' ');
            if (f[6] is not ("busy" or "offlined"))
            {
                continue;
            }

            if (f[0] == "first")
            {
                firstEnd = Math.Max(firstEnd, double.Parse(f[4], CultureInfo.InvariantCulture));
            }
            else
            {
                lastStart = Math.Min(lastStart, double.Parse(f[3], CultureInfo.InvariantCulture));
                tids.Add(f[5]);
            }
        }

        return (firstEnd, lastStart, tids);
    }

    /// <summary>The pfn spans (zoneinfo.before) of the zones whose last reset drained them.</summary>
    private static List<(long Start, long End)> DrainedZones(string bundle)
    {
        HashSet<string> zones = File.ReadAllLines(Path.Combine(bundle, "resets"))
            .Where(l => !l.StartsWith('#')).Select(l => l.Split(' '))
            .Where(f => f[0] == "last" && f[6] is "busy" or "offlined").Select(f => f[1]).ToHashSet();
        var spans = new List<(long Start, long End)>();
        string? zone = null;
        long spanned = 0;
        foreach (string line in File.ReadLines(Path.Combine(bundle, "zoneinfo.before")))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f is ["Node", _, "zone", string name])
            {
                zone = name;
            }
            else if (f is ["spanned", string n])
            {
                spanned = long.Parse(n, CultureInfo.InvariantCulture);
            }
            else if (f is ["start_pfn:", string start] && zone is not null && zones.Contains(zone))
            {
                long first = long.Parse(start, CultureInfo.InvariantCulture);
                spans.Add((first, first + spanned));
            }
        }

        return spans;
    }

    internal static FixtureTrace Read(string path)
    {
        var trace = new FixtureTrace();
        var live = new HashSet<long>();
        var freedOnCpu = new Dictionary<string, HashSet<long>>();
        (double firstEnd, double lastStart, HashSet<string> lastTids) = Resets(Path.GetDirectoryName(path)!);
        var lines = new List<string>();
        using (var file = File.OpenRead(path))
        using (var zstd = new DecompressionStream(file))
        using (var reader = new StreamReader(zstd))
        {
            string? text;
            while ((text = reader.ReadLine()) is not null)
            {
                lines.Add(text);
            }
        }

        // First: which refills' pages were freed with no allocation line between (bulk allocations).
        var bulk = new HashSet<int>();
        var refilled = new Dictionary<long, int>();
        for (int i = 0; i < lines.Count; i++)
        {
            Match m = LineRegex().Match(lines[i]);
            if (!m.Success)
            {
                continue;
            }

            long pfn = Convert.ToInt64(FieldRegex().Matches(m.Groups["fields"].Value).Single(f => f.Groups["key"].Value == "pfn").Groups["value"].Value, 16);
            switch (m.Groups["event"].Value)
            {
                case "mm_page_alloc_zone_locked" when m.Groups["fields"].Value.Contains("percpu_refill=1"):
                    refilled[pfn] = i;
                    break;
                case "mm_page_alloc_zone_locked" or "mm_page_alloc" or "mm_page_pcpu_drain":
                    refilled.Remove(pfn);
                    break;
                case "mm_page_free" when refilled.Remove(pfn, out int at):
                    bulk.Add(at);
                    break;
                default:
                    break;
            }
        }

        // A page refilled and never seen again was taken by a bulk call and kept, where the last
        // reset drained its zone's lists (it would have drained the page had it been on one).
        List<(long Start, long End)> drained = DrainedZones(Path.GetDirectoryName(path)!);
        foreach ((long pfn, int at) in refilled)
        {
            if (drained.Any(z => pfn >= z.Start && pfn < z.End))
            {
                bulk.Add(at);
            }
        }

        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i];
            trace.Lines++;
            Match m = LineRegex().Match(line);
            if (!m.Success)
            {
                throw new InvalidDataException($"fixture line {trace.Lines} is not a perf script kmem line: {line}");
            }

            string name = m.Groups["event"].Value;
            trace.Events[name] = trace.Events.GetValueOrDefault(name) + 1;
            var fields = new Dictionary<string, string>();
            foreach (Match f in FieldRegex().Matches(m.Groups["fields"].Value))
            {
                fields[f.Groups["key"].Value] = f.Groups["value"].Value;
            }

            long pfn = Convert.ToInt64(fields["pfn"], 16);
            int order = fields.TryGetValue("order", out string? o) ? int.Parse(o, CultureInfo.InvariantCulture) : 0;
            string cpu = m.Groups["cpu"].Value;
            double time = double.Parse(m.Groups["time"].Value, CultureInfo.InvariantCulture);
            bool body = time > firstEnd && time < lastStart;
            if (!freedOnCpu.TryGetValue(cpu, out HashSet<long>? freed))
            {
                freedOnCpu[cpu] = freed = [];
            }

            switch (name)
            {
                case "mm_page_alloc":
                    if (!live.Add(pfn))
                    {
                        trace.Reallocated++;
                    }

                    freed.Remove(pfn);
                    break;
                case "mm_page_free":
                    freed.Add(pfn);
                    trace.Free(live, pfn, order);
                    break;
                case "mm_page_free_batched":
                    if (freed.Remove(pfn))
                    {
                        trace.BatchedPaired++;
                    }
                    else
                    {
                        trace.Free(live, pfn, 0);
                    }

                    break;
                case "mm_page_alloc_zone_locked":
                    if (fields["percpu_refill"] == "1")
                    {
                        trace.RefillPages += 1L << order;
                        trace.BodyRefillPages += body ? 1L << order : 0;
                    }

                    if (bulk.Contains(i))
                    {
                        // The replay allocates a bulk-allocated page at its refill line.
                        trace.BulkAllocs++;
                        if (!live.Add(pfn))
                        {
                            trace.Reallocated++;
                        }
                    }

                    break;
                case "mm_page_pcpu_drain":
                    trace.DrainPages += 1L << order;
                    trace.BodyDrainPages += body ? 1L << order : 0;
                    trace.LastResetPages += time >= lastStart && lastTids.Contains(m.Groups["pid"].Value) ? 1L << order : 0;
                    break;
                default:
                    break;
            }
        }

        return trace;
    }

    private void Free(HashSet<long> live, long pfn, int order)
    {
        if (live.Remove(pfn))
        {
            Frees++;
        }
        else
        {
            Unmatched++;
            UnmatchedOrder0 += order == 0 ? 1 : 0;
            UnmatchedOrder1To9 += order is >= 1 and <= 9 ? 1 : 0;
        }
    }

    internal long Count(string name) => Events.GetValueOrDefault(name);
}
