// SPDX-License-Identifier: GPL-2.0-only
using System.IO;

namespace PageAlloc.Testing;

/// <summary>Hand-made trace files in a scratch folder.</summary>
internal static class TraceFiles
{
    /// <summary>Writes a trace file of <paramref name="lines"/> (each ended by a line break unless <paramref name="lastBreak"/> is false).</summary>
    internal static string Trace(this Scratch scratch, string name, string[] lines, bool lastBreak = true)
    {
        string path = scratch.File(name);
        string text = string.Join('\n', lines) + (lastBreak ? "\n" : "");
        File.WriteAllText(path, text);
        return path;
    }
}
