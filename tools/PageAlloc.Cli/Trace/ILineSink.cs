// SPDX-License-Identifier: GPL-2.0-only
using System;

namespace PageAlloc.Cli.Trace;

/// <summary>Receives the lines of a trace, in order.</summary>
internal interface ILineSink
{
    /// <summary>One line, without its line break.</summary>
    /// <param name="line">The line's bytes, valid during the call only.</param>
    /// <param name="number">1-based line number.</param>
    /// <param name="complete">False for a last line that had no line break (perhaps cut short).</param>
    void OnLine(ReadOnlySpan<byte> line, long number, bool complete);
}
