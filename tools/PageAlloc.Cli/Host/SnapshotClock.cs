// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Globalization;
using System.IO;

namespace PageAlloc.Cli.Host;

/// <summary>
/// When a bundle's state files were read, on the trace's clock (CLOCK_MONOTONIC: the recorder
/// runs perf with <c>-k CLOCK_MONOTONIC</c>): one line per snapshot, <c>before SECONDS</c> and
/// <c>after SECONDS</c>. The replay uses the first to run the kernel's per-second vmstat work
/// that fell between the snapshot and the first traced event.
/// </summary>
internal static class SnapshotClock
{
    public const string FileName = "snapshot_times";

    public static string Format(double before, double after) => string.Create(CultureInfo.InvariantCulture,
        $"before {before:F6}\nafter {after:F6}\n");

    /// <summary>The time of the "before" snapshot; null when the file is absent or has no such line.</summary>
    /// <exception cref="Trace.TraceInputException">The file is unreadable or a line is malformed.</exception>
    public static double? ReadBefore(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            foreach (string line in File.ReadAllLines(path))
            {
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && parts[0] == "before")
                {
                    return double.Parse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture);
                }
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new Trace.TraceInputException($"{path}: {e.Message}");
        }
    }
}
