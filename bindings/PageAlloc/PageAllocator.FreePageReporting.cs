// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>Free page reporting (<see cref="FreePageReportingOptions"/>; the rules of
/// <c>docs/REPORTING.md</c>).</summary>
public sealed unsafe partial class PageAllocator
{
    /// <summary>Whether the allocator was built with
    /// <see cref="PageAllocatorOptions.FreePageReporting"/>.</summary>
    public bool IsFreePageReportingEnabled { get; }

    /// <summary>Runs one free page reporting pass now, on the calling thread: the free blocks of
    /// the reporting order or above not yet reported (a sixteenth of each free list per pass, in
    /// batches of 32) go back to the operating system. Waits for a pass already running (the
    /// background thread's) first. For callers that own their timers, and tests.</summary>
    /// <returns>The pages this pass reported; 0 when nothing was left to report, or when a zone
    /// was too close to its low watermark.</returns>
    /// <remarks>Calls <c>pa_page_reporting_run</c>. Takes no allocator lock while the memory is
    /// given back; allocations on other threads go on meanwhile.</remarks>
    /// <exception cref="InvalidOperationException">Free page reporting is off.</exception>
    /// <exception cref="IOException">The operating system refused to take the memory back
    /// (<c>madvise</c> failed): those blocks stay unreported, counted in
    /// <see cref="FreePageReportingStats.Failures"/>; the allocator works on.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public long ReportFreePages()
    {
        ThrowIfReportingOff();
        long rc;
        pa_allocator* a = Enter();
        try
        {
            rc = Methods.pa_page_reporting_run(a);
        }
        finally
        {
            Exit();
        }

        if (rc < 0)
        {
            throw new IOException($"pa_page_reporting_run: the report failed ({rc}); those blocks stay unreported.");
        }

        return rc;
    }

    /// <summary>A snapshot of free page reporting's counters.</summary>
    /// <returns>The counters.</returns>
    /// <remarks>Calls <c>pa_page_reporting_get_stats</c>; takes no allocator lock.</remarks>
    /// <exception cref="InvalidOperationException">Free page reporting is off.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public FreePageReportingStats GetFreePageReportingStats()
    {
        ThrowIfReportingOff();
        pa_page_reporting_stats s;
        pa_allocator* a = Enter();
        try
        {
            ThrowOnError(Methods.pa_page_reporting_get_stats(a, &s), "pa_page_reporting_get_stats");
        }
        finally
        {
            Exit();
        }

        return ToStats(s);
    }

    /// <summary>The counters of an allocator known to report (the metrics' read).</summary>
    internal static FreePageReportingStats ToStats(in pa_page_reporting_stats s) => new(
        (long)s.pages_reported, (long)s.blocks_reported, (long)s.passes, (long)s.skipped_wmark, (long)s.failures,
        (long)s.reported_free_pages, (int)s.order, (FreePageReportingState)s.state, s.thread_running != 0,
        TimeSpan.FromMilliseconds(s.delay_ms));

    /// <summary>Starts the background thread of <paramref name="reporting"/> on a new native
    /// allocator; destroys it and throws when the thread cannot start.</summary>
    private static void StartReporting(pa_allocator* allocator, FreePageReportingOptions? reporting)
    {
        if (reporting is not { Background: true })
        {
            return;
        }

        int rc = Methods.pa_page_reporting_start(allocator, reporting.DelayMilliseconds);
        if (rc != 0)
        {
            Methods.pa_destroy(allocator);
            throw new InvalidOperationException($"pa_page_reporting_start could not start the reporting thread ({rc}).");
        }
    }

    private void ThrowIfReportingOff()
    {
        ThrowIfDisposed();
        if (!IsFreePageReportingEnabled)
        {
            throw new InvalidOperationException("Free page reporting is off: set PageAllocatorOptions.FreePageReporting.");
        }
    }
}
