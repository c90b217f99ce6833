// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace PageAlloc.Cli.Host;

/// <summary>
/// A bundle's <c>resets</c> file: each pcp reset that <c>pagealloc record</c> ran (a failed
/// offline of one memory block, which empties every CPU's pcp lists of the block's zone, each
/// page an <c>mm_page_pcpu_drain</c> line of the writing thread; docs/FIDELITY.md, "The pcp reset"). One line per
/// reset: <c>PHASE ZONE BLOCK START END TID RESULT</c>, PHASE <c>first</c> or <c>last</c>,
/// START and END on the trace's clock (CLOCK_MONOTONIC seconds), TID the writing thread's id
/// (the trace lines' pid), RESULT one word: <c>busy</c> (the offline failed, as wanted),
/// <c>offlined</c> (it succeeded and the block was onlined again at once), or the error.
/// Lines starting with <c>#</c> are comments: a zone that could not be reset says why there.
/// </summary>
internal static class ResetsFile
{
    public const string FileName = "resets";

    /// <summary>One reset of one zone's pcp lists.</summary>
    internal sealed record Reset(string Phase, string Zone, string Block, double Start, double End, int Tid, string Result)
    {
        /// <summary>Whether the zone's pcp lists were drained (the offline ran as far as zone_pcp_disable).</summary>
        public bool Drained => Result is "busy" or "offlined";
    }

    public static string Format(IEnumerable<Reset> resets, IEnumerable<string> notes)
    {
        var text = new StringBuilder();
        foreach (string note in notes)
        {
            text.Append("# ").Append(note.ReplaceLineEndings(" ")).Append('\n');
        }

        foreach (Reset r in resets)
        {
            text.Append(CultureInfo.InvariantCulture, $"{r.Phase} {r.Zone} {r.Block} {r.Start:F6} {r.End:F6} {r.Tid} {r.Result}\n");
        }

        return text.ToString();
    }

    /// <summary>The resets of a bundle; empty when it has no such file.</summary>
    /// <exception cref="Trace.TraceInputException">The file is unreadable or a line is malformed.</exception>
    public static List<Reset> Read(string path)
    {
        var resets = new List<Reset>();
        if (!File.Exists(path))
        {
            return resets;
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Trace.TraceInputException($"{path}: {e.Message}");
        }

        foreach ((string line, int number) in lines.Select((l, i) => (l.Trim(), i + 1)))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 7 || f[0] is not ("first" or "last")
                || !double.TryParse(f[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double start)
                || !double.TryParse(f[4], NumberStyles.Float, CultureInfo.InvariantCulture, out double end)
                || !int.TryParse(f[5], NumberStyles.Integer, CultureInfo.InvariantCulture, out int tid) || end < start)
            {
                throw new Trace.TraceInputException($"{path}:{number}: not a reset line (PHASE ZONE BLOCK START END TID RESULT): {line}");
            }

            resets.Add(new Reset(f[0], f[1], f[2], start, end, tid, f[6]));
        }

        return resets;
    }

    /// <summary>The comment lines (without <c>#</c>): what the recorder said about zones it could not reset.</summary>
    public static List<string> Notes(string path) => !File.Exists(path) ? [] :
        File.ReadAllLines(path).Where(l => l.StartsWith('#')).Select(l => l[1..].Trim()).ToList();
}
