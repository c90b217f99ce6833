// SPDX-License-Identifier: GPL-2.0-only
using System.IO;

namespace PageAlloc.BenchReport;

/// <summary>Every output of one `build.ps1 bench` run, from its results folder.</summary>
internal sealed class Results
{
    public Results(string folder)
    {
        Timing = Csv.Read(Path.Combine(folder, "timing.csv"));
        Peers = Csv.Read(Path.Combine(folder, "peers.csv"));
        Callgrind = Csv.Read(Path.Combine(folder, "callgrind.csv"));
        CallgrindFunctions = Csv.Read(Path.Combine(folder, "callgrind-functions.csv"));
        Threads = Csv.Read(Path.Combine(folder, "threads.csv"));
        Create = Csv.Read(Path.Combine(folder, "create.csv"));
        Info = Csv.Read(Path.Combine(folder, "info.csv"));
        CSharp = Csv.Read(Path.Combine(folder, "csharp", "csharp.csv"));
        CSharpPaired = Csv.Read(Path.Combine(folder, "csharp", "csharp-paired.csv"));
    }

    public Csv Timing { get; }

    public Csv Peers { get; }

    public Csv Callgrind { get; }

    /// <summary>Self instructions per page of the functions holding at least 1% of each
    /// candidate's count.</summary>
    public Csv CallgrindFunctions { get; }

    public Csv Threads { get; }

    public Csv Create { get; }

    public Csv Info { get; }

    public Csv CSharp { get; }

    /// <summary>The C# targets' pairs measured side by side in one process.</summary>
    public Csv CSharpPaired { get; }

    /// <summary>Median ns per page of a C candidate ("pa_bulk_array/64"), null if it did not run.</summary>
    public double? MedianNs(string candidate)
    {
        string[]? row = Timing.Find("candidate", candidate);
        return row is null ? null : Timing.Number(row, "median_ns_per_page");
    }

    /// <summary>Instructions per page of a C candidate under callgrind, null if it did not run.</summary>
    public double? Instructions(string candidate)
    {
        string[]? row = Callgrind.Find("candidate", candidate);
        return row is null ? null : Callgrind.Number(row, "instructions_per_page");
    }

    /// <summary>Minimum ns per page of a C candidate, null if it did not run.</summary>
    public double? MinNs(string candidate)
    {
        string[]? row = Timing.Find("candidate", candidate);
        return row is null ? null : Timing.Number(row, "min_ns_per_page");
    }

    /// <summary>Minimum ns per page of a C# benchmark method, null if absent.</summary>
    public double? CSharpMinNs(string method)
    {
        string[]? row = CSharp.Find("method", method);
        return row is null ? null : CSharp.Number(row, "min_ns_per_page");
    }

    /// <summary>Median ns per page of a C# benchmark method, null if absent.</summary>
    public double? CSharpNs(string method)
    {
        string[]? row = CSharp.Find("method", method);
        return row is null ? null : CSharp.Number(row, "median_ns_per_page");
    }

    public string InfoValue(string key) => Info.Find("key", key) is { } row ? Info.Get(row, "value") : "unknown";
}
