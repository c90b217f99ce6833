// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading.Tasks;

namespace PageAlloc.Cli.Record;

/// <summary>A <c>perf record -a</c> running in the background until <see cref="Stop"/>
/// interrupts it (SIGINT, as Ctrl-C would), so that the recorder can act while it records.</summary>
internal sealed partial class PerfSession : IDisposable
{
    private const int SigInt = 2;

    private readonly System.Diagnostics.Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private readonly string _control;
    private readonly string _ack;

    private PerfSession(System.Diagnostics.Process process, string control, string ack)
    {
        _process = process;
        _control = control;
        _ack = ack;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>perf's exit code once stopped.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Starts <c>perf</c> with <paramref name="arguments"/> and a control FIFO pair in
    /// <paramref name="dir"/> (events disabled until <see cref="Enable"/>).</summary>
    public static PerfSession Start(string perf, string[] arguments, string dir)
    {
        string control = Path.Combine(dir, "perf.control"), ack = Path.Combine(dir, "perf.ack");
        foreach (string fifo in new[] { control, ack })
        {
            File.Delete(fifo);
            if (mkfifo(fifo, 0x180) != 0)
            {
                throw new IOException($"mkfifo {fifo} failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        arguments = [.. arguments[..1], "-D", "-1", "--control", $"fifo:{control},{ack}", .. arguments[1..]];
        var start = new ProcessStartInfo(perf) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new PerfSession(System.Diagnostics.Process.Start(start)!, control, ack);
    }

    /// <summary>Enables perf's events through its control FIFO (perf runs with <c>-D -1</c>: its
    /// events start disabled, and it acknowledges the enable once they record). Waiting for the
    /// ack matters: perf first describes every running task, which takes seconds on a loaded
    /// machine, and a reset before the events record is lost. False when perf exited or did
    /// not answer in time.</summary>
    public bool Enable(TimeSpan timeout)
    {
        Task<bool> enable = Task.Run(() =>
        {
            using var control = new FileStream(_control, FileMode.Open, FileAccess.Write);
            using var ack = new StreamReader(new FileStream(_ack, FileMode.Open, FileAccess.Read));
            control.Write("enable\n"u8);
            control.Flush();
            return ack.ReadLine()?.Trim() == "ack";
        });
        Task exited = _process.WaitForExitAsync();
        bool done = Task.WaitAny([enable, exited], timeout) == 0;
        return done && enable.Result;
    }

    /// <summary>Interrupts perf and waits for it to write its file; returns what it printed.</summary>
    public string Stop()
    {
        if (!_process.HasExited)
        {
            _ = kill(_process.Id, SigInt);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }

        return _stdout.Result + _stderr.Result;
    }

    public void Dispose()
    {
        File.Delete(_control);
        File.Delete(_ack);
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    [LibraryImport("libc")]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int mkfifo(string path, uint mode);
}
