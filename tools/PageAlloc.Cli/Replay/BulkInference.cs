// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using PageAlloc.Cli.Trace;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// A first pass over a trace that finds the kernel's bulk allocations, which leave no
/// <c>mm_page_alloc</c> line (<c>alloc_pages_bulk</c>: vmalloc'd stacks, page_pool, splice):
/// a pfn put on a pcp list by a refill (<c>mm_page_alloc_zone_locked</c> with
/// <c>percpu_refill=1</c>) and then freed (<c>mm_page_free</c>) with no allocation line
/// between was taken off the list without one. The replay allocates such a page at its refill
/// line, on the refilling CPU, so that its list loses the page when the kernel's did.
/// Memory: one entry per pfn sitting on a pcp list after a refill.
/// </summary>
internal sealed class BulkInference : ILineSink
{
    private readonly TraceLineParser _parser = new(withGfp: false);
    /// <summary>pfn → the line number of the refill that put it on a pcp list, until it is allocated, freed or drained.</summary>
    private readonly Dictionary<long, long> _refilled = new();

    /// <summary>The line numbers of the refills whose page was bulk-allocated.</summary>
    public HashSet<long> Lines { get; } = new();

    /// <inheritdoc/>
    public void OnLine(ReadOnlySpan<byte> line, long number, bool complete)
    {
        if (_parser.Parse(line, out TraceRecord record) != LineVerdict.Event)
        {
            return;
        }

        switch (record.Kind)
        {
            case KmemEvent.PageAllocZoneLocked:
                if (record.PercpuRefill)
                {
                    _refilled[record.Pfn] = number;
                }
                else
                {
                    _refilled.Remove(record.Pfn);
                }

                break;
            case KmemEvent.PageAlloc:
            case KmemEvent.PagePcpuDrain:
                _refilled.Remove(record.Pfn);
                break;
            case KmemEvent.PageFree:
                if (_refilled.Remove(record.Pfn, out long refill))
                {
                    Lines.Add(refill);
                }

                break;
            default:
                break;
        }
    }
}
