// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;

namespace PageAlloc.Cli.Trace;

/// <summary>Lines that could not be used, by reason, each with the first few line numbers.</summary>
internal sealed class BadLines
{
    /// <summary>Line numbers kept per reason.</summary>
    public const int Kept = 5;

    private readonly Dictionary<string, (long Count, List<long> First)> _reasons = new();

    /// <summary>Why lines are bad, as the JSON summary names them.</summary>
    public static class Reason
    {
        public const string Truncated = "truncated";
        public const string UnknownEvent = "unknown_event";
        public const string BadField = "bad_field";
        public const string OtherFormat = "other_format";
        public const string NotATraceLine = "not_a_trace_line";
    }

    /// <summary>All bad lines.</summary>
    public long Total { get; private set; }

    /// <summary>Reasons in the order first seen.</summary>
    public IEnumerable<KeyValuePair<string, (long Count, List<long> First)>> Reasons => _reasons;

    /// <summary>The count of one reason (0 if never seen).</summary>
    public long Count(string reason) => _reasons.TryGetValue(reason, out var entry) ? entry.Count : 0;

    /// <summary>The first line numbers of one reason.</summary>
    public IReadOnlyList<long> FirstLines(string reason) => _reasons.TryGetValue(reason, out var entry) ? entry.First : [];

    public void Add(string reason, long line)
    {
        Total++;
        if (!_reasons.TryGetValue(reason, out var entry))
        {
            entry = (0, new List<long>(Kept));
        }

        if (entry.First.Count < Kept)
        {
            entry.First.Add(line);
        }

        _reasons[reason] = (entry.Count + 1, entry.First);
    }
}
