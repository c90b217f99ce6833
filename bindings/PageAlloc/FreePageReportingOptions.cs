// SPDX-License-Identifier: GPL-2.0-only
using System;

namespace PageAlloc;

/// <summary>
/// Free page reporting (C <c>PA_CFG_PAGE_REPORTING</c>; the kernel's <c>mm/page_reporting.c</c>):
/// free blocks of <see cref="Order"/> pages or more are handed back to the operating system
/// (<c>madvise(MADV_DONTNEED)</c>), a batch at a time, so the process's RSS falls after a burst
/// instead of staying at its peak. A reported block stays an ordinary free block: the next
/// allocation that takes it gets zeroed memory, which the OS faults in again. The rules are in
/// <c>docs/REPORTING.md</c>.
/// </summary>
/// <remarks>
/// Set <see cref="PageAllocatorOptions.FreePageReporting"/> to an instance to turn reporting on.
/// With <see cref="Background"/> (the default) the allocator's own native thread runs a pass
/// <see cref="Delay"/> after a free leaves a block of <see cref="Order"/> or more, and again after
/// the same delay while frees keep coming; without it, passes run only when
/// <see cref="PageAllocator.ReportFreePages"/> is called.
/// </remarks>
public sealed class FreePageReportingOptions
{
    /// <summary>The kernel's <c>PAGE_REPORTING_DELAY</c>: two seconds.</summary>
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromMilliseconds(2000);

    /// <summary>The least order reported (the kernel's <c>page_reporting_order</c>): 1 to
    /// <see cref="PageAllocator.MaxOrder"/>; 0 (the default) means the pageblock order, 9 (2 MiB
    /// blocks with 4 KiB pages), as in the kernel.</summary>
    public int Order { get; set; }

    /// <summary>Whether passes run on the allocator's own thread, timed by <see cref="Delay"/>
    /// (default true); false: only <see cref="PageAllocator.ReportFreePages"/> runs them.</summary>
    public bool Background { get; set; } = true;

    /// <summary>How long after a request the background pass runs (<see cref="DefaultDelay"/>
    /// by default): 1 ms to about 49 days, whole milliseconds.</summary>
    public TimeSpan Delay { get; set; } = DefaultDelay;

    /// <summary>Checks every value; throws before any native call.</summary>
    internal void Validate()
    {
        if (Order < 0 || Order > PageAllocator.MaxOrder)
        {
            throw new ArgumentOutOfRangeException(nameof(Order), Order,
                $"0 (the pageblock order) to {PageAllocator.MaxOrder}.");
        }

        if (Delay < TimeSpan.FromMilliseconds(1) || Delay.TotalMilliseconds > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(Delay), Delay, "1 ms to uint.MaxValue ms.");
        }
    }

    /// <summary>The delay as <c>pa_page_reporting_start</c> takes it.</summary>
    internal uint DelayMilliseconds => (uint)Math.Max(1, (long)Delay.TotalMilliseconds);
}
