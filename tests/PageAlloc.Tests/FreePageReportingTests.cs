// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>Free page reporting through the safe API (<see cref="FreePageReportingOptions"/>), one
/// or more tests per rule of docs/REPORTING.md, named after it. Native memory; the managed arena's
/// are in <see cref="ManagedArenaReportingTests"/>.</summary>
public sealed class FreePageReportingTests : LeakCheckedTest
{
    private const int Pages = 8192;
    private const int Order = 4;   // 64 KiB blocks: a 32 MiB zone stays above R4's watermark

    [Fact]
    public void R1_Order_defaults_to_the_pageblock_order_and_bad_options_throw()
    {
        using (PageAllocator allocator = Create(configure: o => o.FreePageReporting = new FreePageReportingOptions { Background = false }))
        {
            Assert.True(allocator.IsFreePageReportingEnabled);
            Assert.Equal(9, allocator.GetFreePageReportingStats().Order);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => Create(configure: o => o.FreePageReporting = new() { Order = PageAllocator.MaxOrder + 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Create(configure: o => o.FreePageReporting = new() { Order = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Create(configure: o => o.FreePageReporting = new() { Delay = TimeSpan.Zero }));
        Assert.Throws<ArgumentException>(() => Create(configure: o => { o.FreePageReporting = new(); o.Poison = true; }));
        Assert.Throws<ArgumentException>(() => Create(configure: o => { o.FreePageReporting = new(); o.MetadataOnly = true; }));
    }

    [Fact]
    public void R8_A_pass_gives_touched_memory_back_and_it_reads_zero_when_allocated_again()
    {
        using PageAllocator allocator = Reporting(background: false);
        var blocks = new List<PageBlock>();
        for (int i = 0; i < 64; i++)
        {
            PageBlock block = allocator.AllocatePages(Order);
            block.Span.Fill(0xA5);
            blocks.Add(block);
        }

        nint[] addresses = blocks.Select(b => b.Address).ToArray();
        int blockBytes = blocks[0].Span.Length;
        Assert.All(addresses, a => Assert.Equal(blockBytes, Residency.ResidentBytes(a, blockBytes)));
        blocks.ForEach(b => b.Dispose());
        allocator.DrainAll();

        long reported = ReportAll(allocator);
        Assert.Equal(Pages, reported);
        FreePageReportingStats stats = allocator.GetFreePageReportingStats();
        Assert.Equal(Pages, stats.ReportedFreePages);
        Assert.Equal(0, stats.Failures);
        Assert.All(addresses, a => Assert.Equal(0, Residency.ResidentBytes(a, blockBytes)));
        allocator.Check();

        // R6: allocated again, through any path, the memory reads zero.
        using PageArray pages = new(Pages - 1024);
        allocator.FillBulk(pages, Gfp.Kernel | Gfp.NoWarn, loop: true);
        for (int i = 0; i < pages.Length; i++)
        {
            if (pages[i] is Page page)
            {
                Assert.True(page.Span.IndexOfAnyExcept((byte)0) < 0, $"page {page} is not zero");
            }
        }

        allocator.Check();
    }

    [Fact]
    public void R6_An_allocation_takes_a_reported_block_and_its_mark()
    {
        using PageAllocator allocator = Reporting(background: false);
        ReportAll(allocator);
        Assert.Equal(Pages, allocator.GetFreePageReportingStats().ReportedFreePages);
        using (PageBlock block = allocator.AllocatePages(10))
        {
            Assert.Equal(Pages - 1024, allocator.GetFreePageReportingStats().ReportedFreePages);
            allocator.Check();
        }

        allocator.DrainAll();
        Assert.Equal(FreePageReportingState.Requested, allocator.GetFreePageReportingStats().State); // R2: the free asked
        Assert.Equal(1024, allocator.ReportFreePages());
        Assert.Equal(FreePageReportingState.Idle, allocator.GetFreePageReportingStats().State);
    }

    [Fact]
    public void R10_The_background_thread_reports_a_delay_after_the_frees()
    {
        // 256 MiB (untouched, so cheap): a batch of 32 order-10 blocks off the lists keeps the zone
        // above its min watermark, so one pass reports every block (a smaller zone keeps its last
        // blocks until the next free asks again, as the kernel's isolation does).
        const int BigZone = 65536;
        using PageAllocator allocator = Reporting(background: true, delay: TimeSpan.FromMilliseconds(100), pages: BigZone);
        FreePageReportingStats stats = allocator.GetFreePageReportingStats();
        Assert.True(stats.BackgroundRunning);
        Assert.Equal(TimeSpan.FromMilliseconds(100), stats.Delay);
        Assert.True(WaitFor(() => allocator.GetFreePageReportingStats().ReportedFreePages == BigZone), "pa_create's request was never served");

        var blocks = new List<PageBlock>();
        for (int i = 0; i < 32; i++)
        {
            PageBlock block = allocator.AllocatePages(Order);
            block.Span.Fill(0x5A);
            blocks.Add(block);
        }

        Assert.True(allocator.GetFreePageReportingStats().ReportedFreePages < BigZone);
        long passes = allocator.GetFreePageReportingStats().Passes;
        var watch = Stopwatch.StartNew();
        blocks.ForEach(b => b.Dispose());
        allocator.DrainAll();
        Assert.True(WaitFor(() => allocator.GetFreePageReportingStats().ReportedFreePages == BigZone), "the frees were never reported");
        Assert.True(watch.ElapsedMilliseconds >= 90, $"reported after {watch.ElapsedMilliseconds} ms, before the delay");
        Assert.True(allocator.GetFreePageReportingStats().Passes > passes);
        allocator.Check();
    }

    [Fact]
    public void R9_VmStat_and_the_metrics_carry_the_counters()
    {
        using PageAllocator allocator = Reporting(background: false);
        using var metrics = new PageAllocMetrics(allocator);
        ReportAll(allocator);
        FreePageReportingStats stats = allocator.GetFreePageReportingStats();
        string vmstat = allocator.VmStat();
        Assert.Contains($"page_reporting_pages {stats.PagesReported}\n", vmstat, StringComparison.Ordinal);
        Assert.Contains($"page_reporting_passes {stats.Passes}\n", vmstat, StringComparison.Ordinal);
        Assert.Contains($"page_reporting_free_reported {Pages}\n", vmstat, StringComparison.Ordinal);
        Assert.Contains("page_reporting_failures 0\n", vmstat, StringComparison.Ordinal);

        var values = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name.StartsWith("pagealloc.reporting.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => values[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(stats.PagesReported, values["pagealloc.reporting.pages"]);
        Assert.Equal(stats.Passes, values["pagealloc.reporting.passes"]);
        Assert.Equal(0, values["pagealloc.reporting.failures"]);
        Assert.Equal(0, values["pagealloc.reporting.skipped_wmark"]);
        Assert.Equal(Pages, values["pagealloc.reporting.free_reported"]);
    }

    [Fact]
    public void R4_A_zone_near_its_low_watermark_is_skipped_and_counted()
    {
        using PageAllocator allocator = Reporting(background: false);
        long low = allocator.GetZoneInfo(0, ZoneType.Normal).WatermarkLow;
        using PageArray hold = HoldUntilFree(allocator, low + (32 << Order));
        Assert.Equal(0, allocator.ReportFreePages());
        Assert.True(allocator.GetFreePageReportingStats().SkippedWatermark > 0);
    }

    [Fact]
    public void Without_the_option_the_reporting_calls_are_misuse()
    {
        using PageAllocator allocator = Create();
        Assert.False(allocator.IsFreePageReportingEnabled);
        Assert.Throws<InvalidOperationException>(() => allocator.ReportFreePages());
        Assert.Throws<InvalidOperationException>(() => allocator.GetFreePageReportingStats());
        Assert.DoesNotContain("page_reporting", allocator.VmStat(), StringComparison.Ordinal);
        allocator.Dispose();
        Assert.Throws<ObjectDisposedException>(() => allocator.ReportFreePages());
    }

    private static PageAllocator Reporting(bool background, TimeSpan? delay = null, int pages = Pages) =>
        Create(pagesPerNode: pages, configure: o => o.FreePageReporting = new FreePageReportingOptions
        {
            Order = Order,
            Background = background,
            Delay = delay ?? FreePageReportingOptions.DefaultDelay,
        });

    internal static long ReportAll(PageAllocator allocator)
    {
        long total = 0, reported;
        while ((reported = allocator.ReportFreePages()) > 0)
        {
            total += reported;
        }

        return total;
    }

    private static bool WaitFor(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(20))
            {
                return false;
            }

            Thread.Sleep(10);
        }

        return true;
    }
}
