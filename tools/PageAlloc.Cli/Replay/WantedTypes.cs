// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// The migratetype of each free of a page allocated before the trace, per pfn and in trace
/// order, for the stand-in that replays the free (<see cref="Seeder.TakeHeld(ZoneType, long)"/>).
/// Nearly every such pfn is freed once before the trace allocates it again, so its first free's
/// type is kept apart from the rare later ones: a queue per pfn had cost a fifth of a large
/// trace's replay (355,000 queues, 0.3 s).
/// </summary>
internal sealed class WantedTypes
{
    private readonly Dictionary<long, int> _first = new();
    private readonly Dictionary<long, Queue<int>> _later = new();

    /// <summary>Makes room for <paramref name="frees"/> pfns without growing.</summary>
    public void EnsureCapacity(int frees) => _first.EnsureCapacity(frees);

    /// <summary>Notes the next free of <paramref name="pfn"/>.</summary>
    public void Add(long pfn, int migratetype)
    {
        if (!_first.TryAdd(pfn, migratetype))
        {
            ref Queue<int>? later = ref CollectionsMarshal.GetValueRefOrAddDefault(_later, pfn, out _);
            (later ??= new Queue<int>()).Enqueue(migratetype);
        }
    }

    /// <summary>The type noted for the next free of <paramref name="pfn"/>, in the order noted;
    /// -1 when none is left.</summary>
    public int Take(long pfn)
    {
        if (_first.Remove(pfn, out int migratetype))
        {
            return migratetype;
        }

        return _later.TryGetValue(pfn, out Queue<int>? later) && later.TryDequeue(out migratetype) ? migratetype : -1;
    }
}
