// SPDX-License-Identifier: GPL-2.0-only
using System;

namespace PageAlloc;

/// <summary>
/// A snapshot of free page reporting's counters (C <c>struct pa_page_reporting_stats</c>; the
/// <c>page_reporting_*</c> lines of <see cref="PageAllocator.VmStat"/>). The kernel keeps no such
/// counters: these are the project's own.
/// </summary>
/// <param name="PagesReported">Pages of blocks whose report succeeded, over all passes.</param>
/// <param name="BlocksReported">Those blocks.</param>
/// <param name="Passes">Passes that ran with a report to make.</param>
/// <param name="SkippedWatermark">Unreported blocks left in zones a pass skipped because reporting
/// would have taken them below the low watermark, summed over passes.</param>
/// <param name="Failures">Blocks whose report failed (they stay unreported).</param>
/// <param name="ReportedFreePages">Now: free pages whose memory was given back and not touched
/// since (blocks still marked reported).</param>
/// <param name="Order">The least order reported.</param>
/// <param name="State">Whether a pass is wanted or running.</param>
/// <param name="BackgroundRunning">Whether the allocator's reporting thread runs.</param>
/// <param name="Delay">The background thread's delay from request to pass.</param>
public readonly record struct FreePageReportingStats(
    long PagesReported,
    long BlocksReported,
    long Passes,
    long SkippedWatermark,
    long Failures,
    long ReportedFreePages,
    int Order,
    FreePageReportingState State,
    bool BackgroundRunning,
    TimeSpan Delay);
