// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc.Cli.Trace;

/// <summary>What a line turned out to be.</summary>
internal enum LineVerdict
{
    /// <summary>Blank or a comment (<c>#</c>): not an event, not bad.</summary>
    Ignored,
    /// <summary>A well-formed event line of a kmem page event.</summary>
    Event,
    /// <summary>A well-formed event line of another event (counted as <c>other</c>).</summary>
    UnknownEvent,
    /// <summary>A kmem page event whose fields do not parse.</summary>
    BadField,
    /// <summary>A kmem page event in another tool's or kernel's layout (trace-cmd report,
    /// perf script without the CPU column, decimal pfns of older kernels).</summary>
    OtherFormat,
    /// <summary>Not a line of a trace at all.</summary>
    Garbage,
    /// <summary>perf's LOST record (<c>perf script --show-lost-events</c>): events dropped here.</summary>
    Lost,
}
