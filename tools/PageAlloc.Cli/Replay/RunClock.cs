// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// The replay's whole run on the clock: wall seconds since the process started (the runtime's
/// own start-up included, as the kernel reports the process's start time) and the process's
/// CPU seconds, at the end of each step.
/// </summary>
internal sealed class RunClock
{
    private readonly DateTime _processStart;
    private readonly List<(string Step, double Wall, double Cpu)> _marks = [];

    public RunClock()
    {
        using Process self = Process.GetCurrentProcess();
        _processStart = self.StartTime.ToUniversalTime();
        Mark("start-up");
    }

    /// <summary>The steps marked so far: name, wall seconds since the process started, CPU seconds.</summary>
    public IReadOnlyList<(string Step, double Wall, double Cpu)> Marks => _marks;

    /// <summary>Wall seconds since the process started, at the last mark.</summary>
    public double Wall => _marks[^1].Wall;

    /// <summary>CPU seconds of the process, all threads, at the last mark.</summary>
    public double Cpu => _marks[^1].Cpu;

    /// <summary>Marks the end of <paramref name="step"/>.</summary>
    public void Mark(string step)
    {
        using Process self = Process.GetCurrentProcess();
        _marks.Add((step, (DateTime.UtcNow - _processStart).TotalSeconds, self.TotalProcessorTime.TotalSeconds));
    }
}
