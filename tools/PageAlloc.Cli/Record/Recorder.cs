// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using PageAlloc.Cli.Host;
using Spectre.Console;
using ZstdSharp;

namespace PageAlloc.Cli.Record;

/// <summary>
/// <c>pagealloc record</c>: records this machine's kmem page events with <c>perf record -a</c>
/// and writes a bundle: <c>trace.txt.zst</c> (perf script's text, zstd-compressed in process),
/// the /proc and sysctl files a replay needs, before and after. Needs root and perf; mounts
/// tracefs when it is not mounted (perf finds no tracepoints otherwise); installs nothing.
/// </summary>
internal static partial class Recorder
{
    /// <summary>The events recorded: every page allocator tracepoint of docs/TRACING.md.</summary>
    internal static readonly string[] Events =
    [
        "kmem:mm_page_alloc", "kmem:mm_page_free", "kmem:mm_page_free_batched",
        "kmem:mm_page_alloc_zone_locked", "kmem:mm_page_pcpu_drain", "kmem:mm_page_alloc_extfrag",
    ];

    private const string Tracing = "/sys/kernel/tracing";

    /// <summary>Records for <paramref name="seconds"/>, or while <paramref name="command"/> runs
    /// when one is given, with a pcp reset of every zone right after perf starts and right
    /// before it stops (docs/FIDELITY.md, "The pcp reset").</summary>
    public static int Run(int seconds, string outDir, string[] command, IAnsiConsole console, TextWriter error)
    {
        if (seconds < 1)
        {
            error.WriteLine("pagealloc: --seconds must be 1 or more.");
            return ExitCodes.Usage;
        }

        bool root = geteuid() == 0;

        string? perf = FindProgram("perf");
        if (perf is null)
        {
            error.WriteLine("pagealloc: perf is not installed (Debian: apt-get install linux-perf); record installs nothing.");
            return ExitCodes.CannotRecord;
        }

        if (!Directory.Exists(Path.Combine(Tracing, "events", "kmem")) && root)
        {
            Process.Run("mount", ["-t", "tracefs", "nodev", Tracing], out string mountOutput);
            if (!Directory.Exists(Path.Combine(Tracing, "events", "kmem")))
            {
                error.WriteLine($"pagealloc: no kmem tracepoints under {Tracing}, and mounting tracefs there failed: {mountOutput.Trim()}");
                return ExitCodes.CannotRecord;
            }

            console.WriteLine($"mounted tracefs on {Tracing}");
        }

        Directory.CreateDirectory(outDir);
        var notes = new System.Collections.Generic.List<string>();
        System.Collections.Generic.List<ResetBlocks.Choice> blocks = root ? ChooseBlocks(notes) : [];
        if (!root)
        {
            // perf may still record every CPU (perf_event_paranoid -1 and a readable tracefs).
            notes.Add("not root: no pcp reset (it writes to /sys/devices/system/memory and reads /proc/kpageflags), so the start is not known");
        }
        double before = Snapshot(outDir, "before", withPageTypeInfo: true);
        File.WriteAllText(Path.Combine(outDir, "nproc"), Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture) + "\n");
        foreach (string sysctl in new[] { "min_free_kbytes", "watermark_scale_factor", "percpu_pagelist_high_fraction", "lowmem_reserve_ratio" })
        {
            string source = Path.Combine("/proc/sys/vm", sysctl);
            if (File.Exists(source))
            {
                File.Copy(source, Path.Combine(outDir, sysctl), overwrite: true);
            }
        }

        string data = Path.Combine(outDir, "perf.data");
        File.Delete(data);
        // -k CLOCK_MONOTONIC: trace times on the clock the snapshots' and resets' times are read
        // from. -m 16M: a ring buffer per CPU that holds a busy second of page events; with perf's
        // default (512 KiB) it overflows under load and drops events. No workload: perf records
        // every CPU until it is interrupted, after the last reset.
        string[] record = ["record", "-q", "-k", "CLOCK_MONOTONIC", "-m", "16M", "-o", data, .. Events.SelectMany(e => new[] { "-e", e }), "-a"];
        using var session = PerfSession.Start(perf, record, outDir);
        if (!session.Enable(TimeSpan.FromSeconds(120)))
        {
            string why = root ? "" : " (not root: system-wide kmem tracepoints need root, or perf_event_paranoid -1 and a readable tracefs; run it with sudo)";
            error.WriteLine($"pagealloc: perf record did not start{why}: {session.Stop().Trim()}");
            return ExitCodes.CannotRecord;
        }

        var resets = new System.Collections.Generic.List<ResetsFile.Reset>();
        resets.AddRange(blocks.Select(b => PcpReset.Run("first", b, MonotonicSeconds, notes)));
        File.WriteAllText(Path.Combine(outDir, "zoneinfo.reset"), File.ReadAllText("/proc/zoneinfo"));
        string what = command.Length == 0 ? $"for {seconds} s" : $"while {string.Join(' ', command)} runs";
        console.WriteLine($"recording {string.Join(", ", Events)} {what}");
        int workload = RunWorkload(command, seconds, error);
        resets.AddRange(blocks.Select(b => PcpReset.Run("last", b, MonotonicSeconds, notes)));
        string perfOutput = session.Stop();
        double after = Snapshot(outDir, "after", withPageTypeInfo: false);
        File.WriteAllText(Path.Combine(outDir, SnapshotClock.FileName), SnapshotClock.Format(before, after));
        if (blocks.Count == 0 || resets.Any(r => !r.Drained))
        {
            notes.Add("the start is not known: the replay infers its pcp lists from zoneinfo.before");
        }

        File.WriteAllText(Path.Combine(outDir, ResetsFile.FileName), ResetsFile.Format(resets, notes));
        foreach (string note in notes)
        {
            console.WriteLine(note);
        }

        if (session.ExitCode is int rc && rc != 0 && rc != 130 && !File.Exists(data))
        {
            error.WriteLine($"pagealloc: perf record failed ({rc}): {perfOutput.Trim()}");
            return ExitCodes.CannotRecord;
        }

        string trace = Path.Combine(outDir, "trace.txt.zst");
        (long lines, long lost) = Script(perf, data, trace, error);
        File.Delete(data);
        if (lines < 0)
        {
            return ExitCodes.CannotRecord;
        }

        File.WriteAllText(Path.Combine(outDir, LostEventsFile), lost.ToString(CultureInfo.InvariantCulture) + "\n");
        console.WriteLine($"wrote {outDir}: {lines} trace lines, {new FileInfo(trace).Length} bytes compressed, {lost} events lost"
            + string.Concat(resets.Select(r => $"; {r.Phase} reset of {r.Zone} ({r.Block}): {r.Result}, {(r.End - r.Start) * 1000:F1} ms")));
        return workload == 0 ? ExitCodes.Success : ExitCodes.CommandFailed;
    }

    /// <summary>The name of the bundle's file with the number of events perf lost (its LOST records).</summary>
    internal const string LostEventsFile = "lost_events";

    /// <summary>The zones with pcp lists (every populated zone of zoneinfo that has pagesets) and a block of each.</summary>
    private static System.Collections.Generic.List<ResetBlocks.Choice> ChooseBlocks(System.Collections.Generic.List<string> notes)
    {
        string[] zones = ZoneInfoFile.Read("/proc/zoneinfo").Where(z => z.Managed > 0 && z.Pcp.Count > 0).Select(z => z.Name).Distinct().ToArray();
        if (!Directory.Exists("/sys/devices/system/memory"))
        {
            notes.Add("this kernel has no memory hot-plug (/sys/devices/system/memory): no pcp reset, and the start is not known");
            return [];
        }

        return ResetBlocks.Choose(zones, notes);
    }

    /// <summary>Sleeps <paramref name="seconds"/>, or runs <paramref name="command"/> to its end; returns its exit code.</summary>
    private static int RunWorkload(string[] command, int seconds, TextWriter error)
    {
        if (command.Length == 0)
        {
            System.Threading.Thread.Sleep(TimeSpan.FromSeconds(seconds));
            return 0;
        }

        var start = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (string argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = System.Diagnostics.Process.Start(start)!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            error.WriteLine($"pagealloc: cannot run {command[0]}: {e.Message}");
            return 127;
        }
    }

    /// <summary>Copies zoneinfo and buddyinfo (and pagetypeinfo) as NAME.<paramref name="suffix"/>;
    /// returns the CLOCK_MONOTONIC second at which they were read.</summary>
    private static double Snapshot(string dir, string suffix, bool withPageTypeInfo)
    {
        double now = MonotonicSeconds();
        File.WriteAllText(Path.Combine(dir, $"zoneinfo.{suffix}"), File.ReadAllText("/proc/zoneinfo"));
        File.WriteAllText(Path.Combine(dir, $"buddyinfo.{suffix}"), File.ReadAllText("/proc/buddyinfo"));
        if (withPageTypeInfo)
        {
            try
            {
                File.WriteAllText(Path.Combine(dir, $"pagetypeinfo.{suffix}"), File.ReadAllText("/proc/pagetypeinfo"));
            }
            catch (UnauthorizedAccessException)
            {
                // root only: a replay then seeds every pageblock movable
            }
        }

        return now;
    }

    private static double MonotonicSeconds()
    {
        const int ClockMonotonic = 1;
        if (clock_gettime(ClockMonotonic, out Timespec now) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_MONOTONIC) failed");
        }

        return now.Seconds + now.Nanoseconds / 1e9;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc")]
    private static partial int clock_gettime(int clockId, out Timespec time);

    /// <summary>Runs perf script into a zstd-compressed file, with perf's LOST records as lines
    /// (<c>PERF_RECORD_LOST lost N</c>); returns its line count (or -1) and the events lost.</summary>
    private static (long Lines, long Lost) Script(string perf, string data, string trace, TextWriter error)
    {
        var start = new ProcessStartInfo(perf) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "script", "--show-lost-events", "-i", data })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        System.Threading.Tasks.Task<string> stderr = process.StandardError.ReadToEndAsync();
        long lines = 0;
        var lost = new LostCounter();
        using (FileStream file = File.Create(trace))
        using (var zstd = new CompressionStream(file, level: 9))
        {
            byte[] buffer = new byte[1 << 20];
            Stream output = process.StandardOutput.BaseStream;
            int read;
            while ((read = output.Read(buffer, 0, buffer.Length)) > 0)
            {
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
                lost.Add(buffer.AsSpan(0, read));
                zstd.Write(buffer, 0, read);
            }
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            error.WriteLine($"pagealloc: perf script failed ({process.ExitCode}): {stderr.Result.Trim()}");
            return (-1, 0);
        }

        return (lines, lost.Total);
    }

    private static string? FindProgram(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    /// <summary>Runs a program to its end, its output (both streams) captured.</summary>
    private static class Process
    {
        public static int Run(string program, string[] arguments, out string output)
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            try
            {
                using var process = System.Diagnostics.Process.Start(start)!;
                System.Threading.Tasks.Task<string> stderr = process.StandardError.ReadToEndAsync();
                string stdout = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                output = stdout + stderr.Result;
                return process.ExitCode;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                output = e.Message;
                return -1;
            }
        }
    }
}
