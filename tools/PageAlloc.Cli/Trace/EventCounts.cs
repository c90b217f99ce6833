// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc.Cli.Trace;

/// <summary>Event lines read, by event: the <c>events</c> object of the JSON summary.</summary>
internal sealed class EventCounts
{
    private readonly long[] _byKind = new long[(int)KmemEvent.PageAllocExtfrag + 1];

    /// <summary>Every event line read: well-formed known events, unknown events (<see cref="Other"/>)
    /// and known events whose fields did not parse.</summary>
    public long Read { get; set; }

    /// <summary>Lines of events other than the six kmem page events.</summary>
    public long Other => _byKind[(int)KmemEvent.Other];

    public long this[KmemEvent kind] => _byKind[(int)kind];

    public void Add(KmemEvent kind) => _byKind[(int)kind]++;
}
