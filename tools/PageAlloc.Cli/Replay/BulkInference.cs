// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers.Text;
using System.Collections.Generic;
using PageAlloc.Cli.Trace;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// A first pass over a trace that finds the kernel's bulk allocations, which leave no
/// <c>mm_page_alloc</c> line (<c>alloc_pages_bulk</c>: vmalloc'd stacks, page_pool, splice):
/// a pfn put on a pcp list by a refill (<c>mm_page_alloc_zone_locked</c> with
/// <c>percpu_refill=1</c>) and then freed (<c>mm_page_free</c>) with no allocation line
/// between was taken off the list without one; so was, in a trace that ends with a reset, a
/// refilled page neither allocated, freed nor drained by the end (<see cref="Finish"/>). The
/// replay allocates such a page at its refill line, on the refilling CPU, so that its list
/// loses the page when the kernel's did. Memory: one entry per pfn sitting on a pcp list after
/// a refill.
/// </summary>
internal sealed class BulkInference(ResetPlan? plan = null) : ILineSink
{
    /// <summary>pfn → the line number of the refill that put it on a pcp list, until it is allocated, freed or drained.</summary>
    private readonly Dictionary<long, long> _refilled = new();

    /// <summary>The line numbers of the refills whose page was bulk-allocated.</summary>
    public HashSet<long> Lines { get; } = new();

    /// <summary>The frees of pages allocated before the trace, found in the same pass.</summary>
    public PreTraceFrees PreTrace { get; } = new();

    private static ReadOnlySpan<byte> OrderField => " order="u8;
    private static ReadOnlySpan<byte> MigratetypeField => " migratetype="u8;

    private static ReadOnlySpan<byte> Event => "kmem:mm_page_"u8;
    private static ReadOnlySpan<byte> PfnField => " pfn=0x"u8;

    /// <inheritdoc/>
    /// <remarks>Scans for the event name and the pfn only, not through <see cref="TraceLineParser"/>:
    /// this pass needs four events' pfns and the refill flag, and runs over every line.
    /// A line it cannot read is skipped (the replay's own pass counts it as bad).</remarks>
    public void OnLine(ReadOnlySpan<byte> line, long number, bool complete)
    {
        int at = line.IndexOf(Event);
        if (at < 0)
        {
            return;
        }

        ReadOnlySpan<byte> rest = line[(at + Event.Length)..];
        int pfnAt = rest.IndexOf(PfnField);
        if (pfnAt < 0)
        {
            return;
        }

        ReadOnlySpan<byte> hex = rest[(pfnAt + PfnField.Length)..];
        int end = hex.IndexOf((byte)' ');
        if (!Utf8Parser.TryParse(end < 0 ? hex : hex[..end], out long pfn, out _, 'x'))
        {
            return;
        }

        if (rest.StartsWith("alloc_zone_locked:"u8))
        {
            if (rest.EndsWith("percpu_refill=1"u8))
            {
                _refilled[pfn] = number;
            }
            else
            {
                _refilled.Remove(pfn);
            }
        }
        else if (rest.StartsWith("alloc:"u8))
        {
            _refilled.Remove(pfn);
            PreTrace.OnAlloc(pfn, PreTrace.Wants(pfn) ? MigratetypeOf(hex) : -1);
        }
        else if (rest.StartsWith("pcpu_drain:"u8))
        {
            _refilled.Remove(pfn);
            if (PreTrace.Wants(pfn))
            {
                PreTrace.OnDrain(pfn, MigratetypeOf(hex));
            }
        }
        else if (rest.StartsWith("free:"u8))
        {
            if (_refilled.Remove(pfn, out long refill))
            {
                Lines.Add(refill);
            }
            else
            {
                int order = OrderAfter(hex, end);
                if (PreTrace.OnFree(pfn, order) && order >= Onlined.Order && IsOnline(line[..at]))
                {
                    Onlined.Add(pfn);
                }
            }
        }
    }

    /// <summary>Ends the pass of a trace that ends with a reset: the pages still refilled and not
    /// seen since, in a zone whose pcp lists the last reset drained
    /// (<paramref name="drainedAtEnd"/>), were on no list then, so a bulk allocation took them and
    /// kept them past the end (forks: 2,906 pages, 2,885 of them refilled in a .NET thread-pool
    /// thread's calls). Without this the replay left them on our lists, where the kernel's were
    /// shorter by as many pages.</summary>
    public void Finish(Func<long, bool> drainedAtEnd)
    {
        foreach ((long pfn, long refill) in _refilled)
        {
            if (drainedAtEnd(pfn))
            {
                Lines.Add(refill);
            }
        }

        _refilled.Clear();
    }

    /// <summary>Memory the kernel onlined during the trace (hot-plug), found in the same pass.</summary>
    public OnlinedMemory Onlined { get; } = new();

    /// <summary>Whether a free of a MAX_ORDER block with no allocation before it, whose line
    /// begins with <paramref name="head"/> (task, CPU, time), is memory going online: outside
    /// the resets (within them it is the reset's own block coming back, after its offline) or
    /// anywhere in a trace without resets.</summary>
    private bool IsOnline(ReadOnlySpan<byte> head)
    {
        if (plan is null)
        {
            return true;
        }

        // "... [000] 22029.384438:     ": the time is the last field before the event's name.
        head = head.TrimEnd((byte)' ').TrimEnd((byte)':');
        int space = head.LastIndexOf((byte)' ');
        if (!Utf8Parser.TryParse(head[(space + 1)..], out double time, out _))
        {
            return false;
        }

        ResetPhase phase = plan.PhaseAt(time);
        return phase != ResetPhase.First && phase != ResetPhase.Last;
    }

    /// <summary>The order that follows the pfn (<c> order=N</c>), read as one or two digits; 0 when absent.</summary>
    private static int OrderAfter(ReadOnlySpan<byte> hex, int end)
    {
        if (end < 0 || !hex[end..].StartsWith(OrderField))
        {
            return 0;
        }

        ReadOnlySpan<byte> digits = hex[(end + OrderField.Length)..];
        int order = 0;
        for (int i = 0; i < digits.Length && i < 2 && digits[i] >= (byte)'0' && digits[i] <= (byte)'9'; i++)
        {
            order = order * 10 + (digits[i] - '0');
        }

        return order;
    }

    /// <summary>The migratetype field of the line's rest (one digit); -1 when absent.</summary>
    private static int MigratetypeOf(ReadOnlySpan<byte> rest)
    {
        int at = rest.IndexOf(MigratetypeField);
        if (at < 0 || at + MigratetypeField.Length >= rest.Length)
        {
            return -1;
        }

        byte digit = rest[at + MigratetypeField.Length];
        return digit >= (byte)'0' && digit <= (byte)'9' ? digit - '0' : -1;
    }
}
