// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using PageAlloc.Cli.Host;

namespace PageAlloc.Cli.Record;

/// <summary>
/// Empties a zone's pcp lists on every CPU: writes <c>offline</c> to one of its memory blocks.
/// The kernel's <c>offline_pages()</c> calls <c>zone_pcp_disable()</c> before anything that can
/// fail, which drains every online CPU's lists of the zone, each page an
/// <c>mm_page_pcpu_drain</c> line of the writing thread; a block with unmovable pages then fails
/// with EBUSY and the lists are enabled again. The write runs on a thread of its own named
/// <c>pcpreset</c>, whose id the reset records so that the replay finds its lines. An offline
/// that succeeds is undone at once (<c>online</c>).
/// </summary>
internal static partial class PcpReset
{
    private const string Memory = "/sys/devices/system/memory";
    private const int Ebusy = 16;

    /// <summary>Runs one reset of <paramref name="choice"/>'s zone; <paramref name="notes"/> gets
    /// anything a user must know (an offline that succeeded, a block not onlined again).</summary>
    public static ResetsFile.Reset Run(string phase, ResetBlocks.Choice choice, Func<double> clock, System.Collections.Generic.List<string> notes)
    {
        string state = $"{Memory}/{choice.Block}/state";
        ResetsFile.Reset? reset = null;
        var thread = new Thread(() =>
        {
            _ = prctl(PrSetName, "pcpreset\0"u8.ToArray(), 0, 0, 0);
            int tid = gettid();
            double start = clock();
            int errno = Write(state, "offline");
            double end = clock();
            string result = errno switch
            {
                0 => "offlined",
                Ebusy => "busy",
                _ => $"errno{errno}",
            };
            reset = new ResetsFile.Reset(phase, choice.Zone, choice.Block, start, end, tid, result);
        });
        thread.Start();
        thread.Join();
        if (reset!.Result == "offlined")
        {
            int errno = Write(state, "online");
            notes.Add(errno == 0
                ? $"{phase} reset of {choice.Zone}: the offline of {choice.Block} succeeded; it was onlined again at once"
                : $"{phase} reset of {choice.Zone}: the offline of {choice.Block} succeeded and onlining it again FAILED (errno {errno}): run \"echo online > {state}\"");
        }
        else if (reset.Result != "busy")
        {
            notes.Add($"{phase} reset of {choice.Zone}: writing offline to {state} failed with {reset.Result} before the pcp lists were drained; the start is not known");
        }

        return reset;
    }

    /// <summary>Writes <paramref name="text"/> to a sysfs file; returns 0 or the errno.</summary>
    private static int Write(string path, string text)
    {
        int fd = open(path, OWronly);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        byte[] bytes = Encoding.ASCII.GetBytes(text);
        nint written = write(fd, bytes, bytes.Length);
        int errno = written < 0 ? Marshal.GetLastPInvokeError() : 0;
        _ = close(fd);
        return errno;
    }

    private const int OWronly = 1;
    private const int PrSetName = 15;

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, byte[] buffer, nint count);

    [LibraryImport("libc")]
    private static partial int close(int fd);

    [LibraryImport("libc")]
    private static partial int gettid();

    [LibraryImport("libc")]
    private static partial int prctl(int option, byte[] name, nint a3, nint a4, nint a5);
}
