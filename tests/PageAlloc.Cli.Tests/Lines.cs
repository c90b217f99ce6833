// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc.Cli.Tests;

/// <summary>Hand-made perf script lines in the layout of this machine's perf (6.18).</summary>
internal static class Lines
{
    internal static string Alloc(long pfn, int order = 0, int cpu = 0, double time = 1.0, string gfp = "GFP_KERNEL", int migratetype = 0, string comm = "bash", int pid = 100) =>
        $"{comm,16} {pid,5} [{cpu:000}] {time,12:0.000000}:             kmem:mm_page_alloc: page=0x{pfn:x} pfn=0x{pfn:x} order={order} migratetype={migratetype} gfp_flags={gfp}";

    internal static string Free(long pfn, int order = 0, int cpu = 0, double time = 1.0, string comm = "bash", int pid = 100) =>
        $"{comm,16} {pid,5} [{cpu:000}] {time,12:0.000000}:              kmem:mm_page_free: page=0x{pfn:x} pfn=0x{pfn:x} order={order}";

    internal static string Batched(long pfn, int cpu = 0, double time = 1.0, string comm = "bash", int pid = 100) =>
        $"{comm,16} {pid,5} [{cpu:000}] {time,12:0.000000}:      kmem:mm_page_free_batched: page=0x{pfn:x} pfn=0x{pfn:x} order=0";

    internal static string ZoneLocked(long pfn, int order, bool refill, int cpu = 0, double time = 1.0) =>
        $"            bash   100 [{cpu:000}] {time,12:0.000000}: kmem:mm_page_alloc_zone_locked: page=0x{pfn:x} pfn=0x{pfn:x} order={order} migratetype=0 percpu_refill={(refill ? 1 : 0)}";

    internal static string Drain(long pfn, int order, int cpu = 0, double time = 1.0, int migratetype = 0) =>
        $" kworker/0:1-vir    11 [{cpu:000}] {time,12:0.000000}:        kmem:mm_page_pcpu_drain: page=0x{pfn:x} pfn=0x{pfn:x} order={order} migratetype={migratetype}";

    internal static string Extfrag(long pfn, int cpu = 0, double time = 1.0) =>
        $"            bash   100 [{cpu:000}] {time,12:0.000000}:     kmem:mm_page_alloc_extfrag: page=0x{pfn:x} pfn=0x{pfn:x} alloc_order=0 fallback_order=9 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1";
}
