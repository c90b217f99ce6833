// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc.Cli.Trace;

/// <summary>One parsed event line: the header (CPU, time) and the fields its event has.
/// Fields an event lacks stay 0.</summary>
internal struct TraceRecord
{
    public KmemEvent Kind;
    public int Cpu;
    /// <summary>The task's id (perf script's pid column: the thread that caused the event).</summary>
    public int Tid;
    public double Time;
    public long Pfn;
    public int Order;
    public int Migratetype;
    /// <summary>The gfp mask parsed from its names, in the kernel's bits (ours are the same).</summary>
    public uint Gfp;
    /// <summary>Gfp names this parser does not know (other kernels' flags); the known ones count.</summary>
    public int UnknownGfpNames;
    /// <summary>mm_page_alloc with <c>page=(nil)</c>: the kernel's allocation failed.</summary>
    public bool KernelFailed;
    public bool PercpuRefill;
    public int FallbackOrder;
    public int FallbackMigratetype;
    public bool ChangeOwnership;
    /// <summary>A <see cref="LineVerdict.Lost"/> line: how many events perf's ring buffer dropped.</summary>
    public long Lost;
}
