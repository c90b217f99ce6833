// SPDX-License-Identifier: GPL-2.0-only
using System.Globalization;
using System.Text;

namespace PageAlloc.BenchReport;

/// <summary>Issue 20's parts of docs/BENCHMARKS.md: where the raw paths' instructions went before
/// and after their rework (a one-off measurement, kept with the figures it explains), and what
/// init_on_alloc / init_on_free cost against one memset of the page (this run's figures).</summary>
internal static class CorePathReport
{
    // Self instructions per page, main d0eb477 (Release, LTO), callgrind_annotate of the
    // harness's callgrind-one run: what a function does itself, its inlined callees included.
    private static readonly (string Function, double PerPage)[] SingleBefore =
    [
        ("get_page_from_freelist (rmqueue, rmqueue_pcplist, __rmqueue_pcplist inlined)", 176.00),
        ("pa_free_pages (free_the_page, the pcp lock, thread state)", 75.00),
        ("free_pages_prepare (free_pages_check, migratetype)", 65.00),
        ("free_unref_page_commit", 65.00),
        ("prepare_alloc_context", 59.00),
        ("alloc_pages_nodemask", 52.00),
        ("cycle_single (harness loop)", 35.45),
        ("pthread_getspecific (thread state, alloc and free)", 34.00),
        ("zone_watermark_fast", 25.00),
        ("pa_alloc_pages (argument checks)", 23.00),
        ("pa_page_address (harness's public call)", 17.00),
        ("zone_statistics", 15.00),
        ("(rest)", 0.11),
    ];

    private static readonly (string Function, double PerPage)[] BulkBefore =
    [
        ("pa_release_pages (per page: checks, migratetype, list_add)", 33.88),
        ("pa_alloc_pages_bulk (the pcp walk)", 21.22),
        ("pa_page_address (harness's public call)", 17.00),
        ("cycle_bulk_array (harness loop)", 12.50),
        ("batch_switch", 1.38),
        ("batch_free_slow", 1.02),
        ("prepare_alloc_context", 0.92),
        ("(rest)", 1.09),
    ];

    // After (branch corepath at 534a61e; the same build with -g): instructions per page
    // by the source function each executed line belongs to, so inlined code counts where it is
    // written. Rows of at least 3 instructions per page; both paths share thread_state,
    // current_cpu, spin_trylock and counter_add.
    private static readonly (string Function, double PerPage)[] SingleAfter =
    [
        ("pa_free_pages (entry, order-0 dispatch, frame)", 26.00),
        ("pa_alloc_pages (entry, order-0 dispatch, frame)", 25.00),
        ("cycle_single + bench_touch (harness)", 35.45),
        ("pa_page_address (harness's public call)", 18.00),
        ("prepare_alloc_context + gfp_zone + gfp_migratetype + next_zones_zonelist", 31.00),
        ("thread_state + current_cpu (TLS cache; alloc and free)", 25.00),
        ("free_page_is_bad (one state-word compare)", 15.00),
        ("free_unref_page_commit + zone_page_flags + list_add", 31.00),
        ("rmqueue_pcplist + __rmqueue_pcplist + list_del + set_page_allocated", 33.00),
        ("spin_trylock / spin_unlock (alloc and free)", 15.00),
        ("get_page_from_freelist + cpuset + zone_watermark_fast", 29.00),
        ("counter_add (PGALLOC, NUMA_HIT, NUMA_LOCAL, PGFREE)", 12.00),
        ("free_pages_prepare + page_zone + get_pageblock_migratetype + trace", 32.00),
        ("alloc_args_ok + gfp_valid", 13.00),
        ("free_the_page", 9.00),
        ("alloc_flags_nofragment", 9.00),
        ("__alloc_pages + should_fail_alloc_page + trace + prep_needed", 20.00),
        ("zone_statistics", 7.00),
        ("(rest)", 0.11),
    ];

    private static readonly (string Function, double PerPage)[] BulkAfter =
    [
        ("free_fast (per page: range by rotate, state, pcp_mt, list_add)", 17.17),
        ("pa_page_address (harness's public call)", 16.00),
        ("bulk_run_to_slots + bulk_page_allocated + list_init (the pcp walk)", 16.02),
        ("pa_release_pages + batch_free (slot loop, NULL stores, room)", 11.03),
        ("cycle_bulk_array + bench_touch (harness)", 12.50),
        ("per call or per run: pa_alloc_pages_bulk, its context and zone, batch_switch, run_start", 8.68),
    ];

    // Now (branch bulkpath, on main f6be50c, 81.4 per page there; Release, callgrind-one with
    // --dump-instr=yes): the per-page loops counted instruction by instruction, the rest of each
    // function once per call of 64 pages. The harness now finds each address with the public
    // header's inline pa_layout_page_address, as a C user of the header does.
    private static readonly (string Function, double PerPage)[] BulkNow =
    [
        ("release_run (per page: range by rotate, the state word, pcp_mt, list_add, the slot emptied; two slots a turn)", 13.50),
        ("cycle_bulk_array: pa_layout_page_address + bench_touch + the slot loop (harness)", 15.08),
        ("bulk_run_to_slots (per page: unlink, state, self-link, the slot, the two ends; two pages a turn)", 11.94),
        ("per call: pa_alloc_pages_bulk (checks, context, zone and watermark, trylock, counters)", 4.58),
        ("per call: pa_release_pages, batch_move_run, batch_switch (first page of a run, lock, one count and event update a run)", 4.02),
        ("per call: cycle_bulk_array, pa_alloc_pages_bulk_array", 0.93),
    ];

    public static void Build(StringBuilder md, Results r)
    {
        InstructionsNote(md, r);
        InitOnSection(md, r);
    }

    private static void Table(StringBuilder md, (string Function, double PerPage)[] rows)
    {
        md.AppendLine("| function | instructions/page |");
        md.AppendLine("|---|---:|");
        double total = 0;
        foreach ((string function, double perPage) in rows)
        {
            md.AppendLine($"| {function} | {Targets.F(perPage)} |");
            total += perPage;
        }

        md.AppendLine($"| **total** | **{Targets.F(total)}** |");
        md.AppendLine();
    }

    private static void InstructionsNote(StringBuilder md, Results r)
    {
        md.AppendLine("### Where the raw paths' instructions go (issue 20)");
        md.AppendLine();
        md.AppendLine("Measured with this harness's `callgrind-one` under the options above, Release build. Before:");
        md.AppendLine("main d0eb477, each function's own instructions (inlined callees included). After: the");
        md.AppendLine("single-page path shaped as the kernel's (`get_page_from_freelist` → `rmqueue_pcplist`,");
        md.AppendLine("`__free_pages` → `free_pages_prepare` → `free_frozen_page_commit`) run in one frame with the");
        md.AppendLine("kernel's header inlines and an order-0 copy, the thread state in a one-entry TLS cache; the");
        md.AppendLine("release side batched as `free_unref_folios`, with one migratetype look-up per pageblock run.");
        md.AppendLine("After is split by the source function each executed line belongs to (the same build with");
        md.AppendLine("`-g`), since nearly everything now runs inlined. Every check, counter and tracepoint site");
        md.AppendLine("stays; in the tables up to the first rework `pa_page_address` is the harness's public call per page.");
        md.AppendLine();
        md.AppendLine($"`pa_single/64`, before (642 per page):");
        md.AppendLine();
        Table(md, SingleBefore);
        md.AppendLine($"`pa_single/64`, after ({I(r, "pa_single/64")} per page in this run):");
        md.AppendLine();
        Table(md, SingleAfter);
        md.AppendLine($"`pa_bulk_array/64`, before (89.0 per page):");
        md.AppendLine();
        Table(md, BulkBefore);
        md.AppendLine($"`pa_bulk_array/64`, after the first rework (81.4 per page, main f6be50c):");
        md.AppendLine();
        Table(md, BulkAfter);
        md.AppendLine("The second rework of the bulk path keeps the same rules and counters and changes three");
        md.AppendLine("things. The harness takes each page's address with the public header's inline");
        md.AppendLine("`pa_layout_page_address` over a layout `pa_get_layout` filled once (copied to a local, so");
        md.AppendLine("the byte written cannot alias it), instead of the exported `pa_page_address` per page. The");
        md.AppendLine("array fill (`bulk_run_to_slots`) keeps no count: the pages taken are the slots passed less");
        md.AppendLine("the populated ones skipped. `pa_release_pages` frees a run of slots bounded by the room");
        md.AppendLine("left below `high`, so no page of the run can reach `high`; the run adds its pages to");
        md.AppendLine("`pcp->count` and `PGFREE` once, as the kernel's `free_unref_folios` batches per run of");
        md.AppendLine("folios, and the drain at `high` comes between runs, at the page where the page-by-page");
        md.AppendLine("free would have drained (the test `release_pages_reaches_high_as_single_frees_do` checks");
        md.AppendLine("that the pcp list, the buddy lists and the counters end where single frees leave them).");
        md.AppendLine("The per-page loops are then 23 instructions to free and 13 to allocate, against 17 for the");
        md.AppendLine("harness's inline address and byte; about 10.7 a page (680 a call of 64) is per-call work:");
        md.AppendLine("argument and gfp checks, the thread state, the context, zone and watermark, the two pcp");
        md.AppendLine("lock rounds, the counters and the first page of each pageblock run.");
        md.AppendLine();
        md.AppendLine("The third keeps them too. The layout's descriptor stride is a published constant, so the");
        md.AppendLine("inline address is a rotate, a compare, a multiply and an add. `pa_release_pages` finds a NULL");
        md.AppendLine("slot with the range test, leaves each page's back link for the next page to set, and takes");
        md.AppendLine("two slots a turn; the array fill takes two pages a turn. An allocated block above order 0");
        md.AppendLine("carries `PG_HEAD` on its head (the kernel's `PG_head` marks a compound page's), so the");
        md.AppendLine("order-0 free tells a page from the head of a larger block by its state word alone, one");
        md.AppendLine("compare, with no look at its order; `pa_check` checks the flag wherever a page can be.");
        md.AppendLine();
        md.AppendLine($"`pa_bulk_array/64`, now ({I(r, "pa_bulk_array/64")} per page in this run; 50.05 when measured):");
        md.AppendLine();
        Table(md, BulkNow);
    }

    private static string I(Results r, string candidate) =>
        r.Instructions(candidate) is { } v ? Targets.F(v) : "not measured";

    // init_on_alloc / init_on_free against the plain path of the same run and one memset.
    private static void InitOnSection(StringBuilder md, Results r)
    {
        md.AppendLine("### init_on_alloc / init_on_free (issue 20)");
        md.AppendLine();
        md.AppendLine("`PA_CFG_INIT_ON_ALLOC` and `PA_CFG_INIT_ON_FREE` zero each page as it is handed out or");
        md.AppendLine("taken back; `__GFP_ZERO` zeroes it on request. Each is measured on an allocator of its own");
        md.AppendLine("(`pa_single_*`: 64 × `pa_alloc_pages` then 64 × `pa_free_pages`; `pa_bulk_*`: the bulk array");
        md.AppendLine("form and `pa_release_pages`), against the plain candidate of the same run and against");
        md.AppendLine("`memset_page/64`: one C library `memset` of each of 64 held pages, no allocator. The added");
        md.AppendLine("cost is the candidate's minus the plain one's; the target is at most 1.2 times the memset.");
        md.AppendLine("Instruction counts are exact; under callgrind glibc's `memset` of a page runs `rep stosb`,");
        md.AppendLine("counted once per byte. Times are the minimum of the run's repetitions (zeroing is what a");
        md.AppendLine("busy neighbour's memory traffic slows most).");
        md.AppendLine();
        double? memsetI = r.Instructions("memset_page/64");
        double? memsetNs = r.MinNs("memset_page/64");
        md.AppendLine($"One memset of a 4 KiB page: {Opt(memsetI)} instructions, {Opt(memsetNs)} ns.");
        md.AppendLine();
        md.AppendLine("| path | plain | zeroing | instructions/page | added | ÷ memset | min ns/page | added | ÷ memset |");
        md.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|");
        (string Path, string Plain, string Zeroing, string Label)[] rows =
        [
            ("single", "pa_single/64", "pa_single_zero/64", "`__GFP_ZERO`"),
            ("single", "pa_single/64", "pa_single_init_alloc/64", "init_on_alloc"),
            ("single", "pa_single/64", "pa_single_init_free/64", "init_on_free"),
            ("bulk", "pa_bulk_array/64", "pa_bulk_zero/64", "`__GFP_ZERO`"),
            ("bulk", "pa_bulk_array/64", "pa_bulk_init_alloc/64", "init_on_alloc"),
            ("bulk", "pa_bulk_array/64", "pa_bulk_init_free/64", "init_on_free"),
        ];
        foreach ((string path, string plain, string zeroing, string label) in rows)
        {
            double? i = r.Instructions(zeroing), i0 = r.Instructions(plain);
            double? t = r.MinNs(zeroing), t0 = r.MinNs(plain);
            double? addI = i - i0, addT = t - t0;
            md.AppendLine($"| {path} | `{plain}` | {label} | {Opt(i)} | {Opt(addI)} | {Ratio(addI, memsetI)} | " +
                $"{Opt(t)} | {Opt(addT)} | {Ratio(addT, memsetNs)} |");
        }

        md.AppendLine();
        md.AppendLine("With init_on_free, an allocation does not zero again (`__GFP_ZERO` included): the page was");
        md.AppendLine("zeroed when it was freed. Page poisoning (`PA_CFG_POISON`) takes precedence over both flags.");
        md.AppendLine("The batched free runs each page through the full path when init_on_free is on, which is why");
        md.AppendLine("its added instructions sit a little above the memset.");
        md.AppendLine();
    }

    private static string Opt(double? v) => v is { } x ? Targets.F(x) : "–";

    private static string Ratio(double? part, double? whole) =>
        part is { } p && whole is { } w && w > 0 ? (p / w).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–";
}
