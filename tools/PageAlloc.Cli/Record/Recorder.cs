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

    public static int Run(int seconds, string outDir, IAnsiConsole console, TextWriter error)
    {
        if (seconds < 1)
        {
            error.WriteLine("pagealloc: --seconds must be 1 or more.");
            return ExitCodes.Usage;
        }

        if (geteuid() != 0)
        {
            error.WriteLine("pagealloc: record needs root (perf opens the kmem tracepoints of every CPU); run it with sudo. Nothing was changed.");
            return ExitCodes.CannotRecord;
        }

        string? perf = FindProgram("perf");
        if (perf is null)
        {
            error.WriteLine("pagealloc: perf is not installed (Debian: apt-get install linux-perf); record installs nothing.");
            return ExitCodes.CannotRecord;
        }

        if (!Directory.Exists(Path.Combine(Tracing, "events", "kmem")))
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
        // -k CLOCK_MONOTONIC: trace times on the clock the snapshots' times are read from.
        // -m 16M: a ring buffer per CPU that holds a busy second of page events; with perf's
        // default (512 KiB) it overflows under load and drops events, frees among them, which
        // the replay then sees as pages allocated twice.
        string[] record = ["record", "-q", "-k", "CLOCK_MONOTONIC", "-m", "16M", "-o", data, .. Events.SelectMany(e => new[] { "-e", e }), "-a", "--", "sleep", seconds.ToString(CultureInfo.InvariantCulture)];
        console.WriteLine($"recording {string.Join(", ", Events)} for {seconds} s");
        int rc = Process.Run(perf, record, out string recordOutput);
        double after = Snapshot(outDir, "after", withPageTypeInfo: false);
        File.WriteAllText(Path.Combine(outDir, SnapshotClock.FileName), SnapshotClock.Format(before, after));
        if (rc != 0)
        {
            error.WriteLine($"pagealloc: perf record failed ({rc}): {recordOutput.Trim()}");
            return ExitCodes.CannotRecord;
        }

        string trace = Path.Combine(outDir, "trace.txt.zst");
        long lines = Script(perf, data, trace, error);
        File.Delete(data);
        if (lines < 0)
        {
            return ExitCodes.CannotRecord;
        }

        console.WriteLine($"wrote {outDir}: {lines} trace lines, {new FileInfo(trace).Length} bytes compressed");
        return ExitCodes.Success;
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
            File.WriteAllText(Path.Combine(dir, $"pagetypeinfo.{suffix}"), File.ReadAllText("/proc/pagetypeinfo"));
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

    /// <summary>Runs perf script into a zstd-compressed file; returns its line count, or -1.</summary>
    private static long Script(string perf, string data, string trace, TextWriter error)
    {
        var start = new ProcessStartInfo(perf) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "script", "-i", data })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        System.Threading.Tasks.Task<string> stderr = process.StandardError.ReadToEndAsync();
        long lines = 0;
        using (FileStream file = File.Create(trace))
        using (var zstd = new CompressionStream(file, level: 9))
        {
            byte[] buffer = new byte[1 << 20];
            Stream output = process.StandardOutput.BaseStream;
            int read;
            while ((read = output.Read(buffer, 0, buffer.Length)) > 0)
            {
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
                zstd.Write(buffer, 0, read);
            }
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            error.WriteLine($"pagealloc: perf script failed ({process.ExitCode}): {stderr.Result.Trim()}");
            return -1;
        }

        return lines;
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
