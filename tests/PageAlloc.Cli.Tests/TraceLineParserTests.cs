// SPDX-License-Identifier: GPL-2.0-only
using System.Text;
using PageAlloc.Cli.Trace;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>The perf script line parser on lines copied from this machine and on edge cases.</summary>
public sealed class TraceLineParserTests
{
    private static LineVerdict Parse(string line, out TraceRecord record) =>
        new TraceLineParser().Parse(Encoding.UTF8.GetBytes(line), out record);

    [Fact]
    public void A_real_mm_page_alloc_line_gives_cpu_time_pfn_order_migratetype_and_gfp()
    {
        const string line = "       perf-exec  6377 [000]   230.897819:             kmem:mm_page_alloc: page=0x11e2f4 pfn=0x11e2f4 order=0 migratetype=1 gfp_flags=GFP_NOFS|__GFP_MOVABLE|__GFP_NOFAIL|__GFP_COMP|__GFP_HARDWALL";
        Assert.Equal(LineVerdict.Event, Parse(line, out TraceRecord r));
        Assert.Equal(KmemEvent.PageAlloc, r.Kind);
        Assert.Equal(0, r.Cpu);
        Assert.Equal(230.897819, r.Time, 6);
        Assert.Equal(0x11e2f4, r.Pfn);
        Assert.Equal(0, r.Order);
        Assert.Equal(1, r.Migratetype);
        Assert.Equal((uint)(Gfp.DirectReclaim | Gfp.KswapdReclaim | Gfp.IO | Gfp.Movable | Gfp.NoFail | Gfp.Comp | Gfp.HardWall), r.Gfp);
        Assert.False(r.KernelFailed);
    }

    [Theory]
    [InlineData("            bash  2578 [000]   231.050388: kmem:mm_page_alloc_zone_locked: page=0x104ed2 pfn=0x104ed2 order=3 migratetype=0 percpu_refill=1", (int)KmemEvent.PageAllocZoneLocked, 0x104ed2, 3)]
    [InlineData(" kworker/0:1-vir    11 [001]   232.081574:        kmem:mm_page_pcpu_drain: page=0x1069ae pfn=0x1069ae order=0 migratetype=0", (int)KmemEvent.PagePcpuDrain, 0x1069ae, 0)]
    [InlineData("       perf-exec  6377 [000]   230.897883:              kmem:mm_page_free: page=0x11ff8a pfn=0x11ff8a order=10", (int)KmemEvent.PageFree, 0x11ff8a, 10)]
    [InlineData("       perf-exec  6377 [000]   230.897885:      kmem:mm_page_free_batched: page=0x11ff8a pfn=0x11ff8a order=0", (int)KmemEvent.PageFreeBatched, 0x11ff8a, 0)]
    [InlineData("            bash   100 [000]     1.000000:     kmem:mm_page_alloc_extfrag: page=0x2000 pfn=0x2000 alloc_order=2 fallback_order=9 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1", (int)KmemEvent.PageAllocExtfrag, 0x2000, 2)]
    public void Every_kmem_page_event_parses(string line, int kindValue, long pfn, int order)
    {
        var kind = (KmemEvent)kindValue;
        Assert.Equal(LineVerdict.Event, Parse(line, out TraceRecord r));
        Assert.Equal(kind, r.Kind);
        Assert.Equal(pfn, r.Pfn);
        Assert.Equal(order, r.Order);
        if (kind == KmemEvent.PageAllocZoneLocked)
        {
            Assert.True(r.PercpuRefill);
        }

        if (kind == KmemEvent.PageAllocExtfrag)
        {
            Assert.Equal(9, r.FallbackOrder);
            Assert.Equal(1, r.FallbackMigratetype);
            Assert.True(r.ChangeOwnership);
        }
    }

    [Theory]
    [InlineData("Web Content 2", 4242, 1)]
    [InlineData("kworker/u4:2 [x] 12", 7, 0)]
    [InlineData("a [1] b", 99, 1)]
    [InlineData("123 456", 3, 0)]
    [InlineData("gdbus", 1, 127)]
    public void Comm_names_with_spaces_digits_and_brackets_and_any_cpu_column_parse(string comm, int pid, int cpu)
    {
        string line = Lines.Alloc(0xabc, order: 2, cpu: cpu, time: 12.5, comm: comm, pid: pid);
        Assert.Equal(LineVerdict.Event, Parse(line, out TraceRecord r));
        Assert.Equal(cpu, r.Cpu);
        Assert.Equal(0xabc, r.Pfn);
        Assert.Equal(2, r.Order);
        Assert.Equal(12.5, r.Time, 6);
    }

    [Fact]
    public void A_failed_kernel_allocation_is_marked()
    {
        const string line = "            bash  2578 [001]   231.050388:             kmem:mm_page_alloc: page=(nil) pfn=0x0 order=9 migratetype=1 gfp_flags=GFP_TRANSHUGE";
        Assert.Equal(LineVerdict.Event, Parse(line, out TraceRecord r));
        Assert.True(r.KernelFailed);
        Assert.Equal(9, r.Order);
    }

    [Theory]
    [InlineData("            bash  2578 [000]   231.050388:             kmem:mm_page_alloc: page=0x1 pfn=0xZZ order=0 migratetype=0 gfp_flags=GFP_KERNEL")]
    [InlineData("            bash  2578 [000]   231.050388:             kmem:mm_page_alloc: page=0x1 pfn=0x1 order=x migratetype=0 gfp_flags=GFP_KERNEL")]
    [InlineData("            bash  2578 [000]   231.050388:             kmem:mm_page_alloc: page=0x1 pfn=0x1 order=0 migratetype=0 gfp_flags=gfp kernel")]
    [InlineData("            bash  2578 [000]   231.050388:             kmem:mm_page_alloc: page=0x1 pfn=0x1 order=0 migratetype=0")]
    [InlineData("            bash  2578 [000]   231.050388:             kmem:mm_page_alloc: page=0x1 pfn=0x1 ord")]
    [InlineData("            bash  2578 [000]   231.050388: kmem:mm_page_alloc_zone_locked: page=0x1 pfn=0x1 order=0 migratetype=0 percpu_refill=2")]
    public void A_field_that_does_not_parse_or_is_missing_is_a_bad_field(string line)
    {
        Assert.Equal(LineVerdict.BadField, Parse(line, out _));
    }

    [Fact]
    public void Another_subsystems_event_is_an_unknown_event()
    {
        Assert.Equal(LineVerdict.UnknownEvent, Parse("         swapper     0 [001]   100.000001:       sched:sched_switch: prev_comm=swapper/1 prev_pid=0", out _));
        Assert.Equal(LineVerdict.UnknownEvent, Parse("            bash  2578 [000]   231.050388:                    kmem:kmalloc: call_site=x ptr=0x1", out _));
    }

    [Theory]
    // trace-cmd report: comm-pid, bare event names, latency columns
    [InlineData("            bash-2578  [000]   231.050388: mm_page_alloc:        page=0x104ed2 pfn=0x104ed2 order=0 migratetype=0 gfp_flags=GFP_KERNEL")]
    [InlineData("            bash-2578  [000] d..2.  231.050388: mm_page_free:         page=0x104ed2 pfn=0x104ed2 order=0")]
    // perf script of a trace recorded without -a: no CPU column
    [InlineData("            bash  2578   231.050388:             kmem:mm_page_alloc: page=0x104ed2 pfn=0x104ed2 order=0 migratetype=0 gfp_flags=GFP_KERNEL")]
    // kernels before 5.x printed the pfn in decimal (and page as a pointer)
    [InlineData("            bash  2578 [000]   231.050388:             kmem:mm_page_alloc: page=0xffffea0004133480 pfn=1068242 order=0 migratetype=0 gfp_flags=GFP_KERNEL")]
    public void Another_tools_or_kernels_layout_is_other_format(string line)
    {
        Assert.Equal(LineVerdict.OtherFormat, Parse(line, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("# ========")]
    public void Blank_and_comment_lines_are_ignored(string line)
    {
        Assert.Equal(LineVerdict.Ignored, Parse(line, out _));
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("[000] 1.0:")]
    public void Text_that_is_no_trace_line_is_garbage(string line)
    {
        Assert.Equal(LineVerdict.Garbage, Parse(line, out _));
    }
}
