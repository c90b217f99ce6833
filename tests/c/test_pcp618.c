/* SPDX-License-Identifier: GPL-2.0-only */
/* test_pcp618.c - the per-CPU lists of Linux 6.7-6.18 (PA_CFG_PCP_AUTOTUNE),
 * one test per rule, with the numbers worked by hand from mm/page_alloc.c of
 * 6.18 (zone_batchsize, zone_highsize, nr_pcp_alloc, nr_pcp_high,
 * nr_pcp_free, free_frozen_page_commit, decay_pcp_high) and mm/vmstat.c
 * (zoneinfo_show_print, calculate_normal_threshold).
 *
 * The zone of most tests: one node, NORMAL 65536 pages, min_free_kbytes
 * 4096 (pages_min 1024):
 *   min 1024; step max(1024 >> 2, 65536 * 10 / 10000 = 65) = 256:
 *   low 1280, high 1536, promo 1792;
 *   batch: 65536 >> 12 = 16 -> rounddown_pow_of_two(16 + 8) - 1 = 15;
 *   with C CPUs: high_min = 1280 / C, high_max = 65536 / 8 / C. */
#include "support.h"

#include "internal.h"

#define ZONE_PAGES 65536
#define BATCH 15

static pa_allocator *tuned(int nr_cpus, uint32_t flags, uint32_t fraction)
{
    struct pa_config cfg;
    test_config(&cfg, 1, nr_cpus, 0, 0, ZONE_PAGES, 0);
    cfg.min_free_kbytes = 4096;
    cfg.flags |= flags;
    cfg.percpu_pagelist_high_fraction = fraction;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    return a;
}

static struct pa_pcp_info pcp(pa_allocator *a, int cpu)
{
    struct pa_pcp_info info;
    CHECK_EQ(pa_pcp_info(a, cpu, 0, PA_ZONE_NORMAL, &info), 0);
    return info;
}

/* The allocator's own pcp of (cpu, NORMAL), for the fields the API keeps
 * private (alloc_factor, free_count). */
static struct per_cpu_pages *raw_pcp(pa_allocator *a, int cpu)
{
    return &a->nodes[0].zones[PA_ZONE_NORMAL].pcp[cpu];
}

/* n movable pages of the given order allocated on cpu (so that cpu 0's
 * list is left untouched), the thread bound back to cpu 0. */
static void alloc_on(pa_allocator *a, int cpu, unsigned order, struct pa_page **pages, int n)
{
    CHECK_EQ(pa_bind_cpu(a, cpu), 0);
    for (int i = 0; i < n; i++) {
        pages[i] = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, order);
        CHECK(pages[i] != NULL);
    }
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
}

TEST(pcp618_high_min_max_from_zone_highsize)
{
    /* 4 CPUs: high_min = 1280 / 4 = 320 (>= 4 * 15), high_max = 8192 / 4 =
     * 2048; high starts at 0 (per_cpu_pages_init) until the list is used. */
    pa_allocator *a = tuned(4, PA_CFG_PCP_AUTOTUNE, 0);
    for (int cpu = 0; cpu < 4; cpu++) {
        struct pa_pcp_info p = pcp(a, cpu);
        CHECK_EQ(p.batch, BATCH);
        CHECK_EQ(p.high_min, 320);
        CHECK_EQ(p.high_max, 2048);
        CHECK_EQ(p.high, 0);
        CHECK_EQ(p.count, 0);
    }
    pa_destroy(a);

    /* The default model: high fixed at zone_highsize(), = high_min = high_max. */
    a = tuned(4, 0, 0);
    struct pa_pcp_info p = pcp(a, 0);
    CHECK_EQ(p.batch, BATCH);
    CHECK_EQ(p.high, 320);
    CHECK_EQ(p.high_min, 320);
    CHECK_EQ(p.high_max, 320);
    pa_destroy(a);

    /* At least four batches: 2 CPUs of a 4096-page zone (low 160 -> 80,
     * batch 1) and 64 CPUs of the big zone (1280 / 64 = 20 < 4 * 15 = 60;
     * high_max 8192 / 64 = 128). */
    a = tuned(64, PA_CFG_PCP_AUTOTUNE, 0);
    p = pcp(a, 63);
    CHECK_EQ(p.high_min, 60);
    CHECK_EQ(p.high_max, 128);
    pa_destroy(a);
}

TEST(pcp618_refill_scaled_by_alloc_factor)
{
    /* 1 CPU: high_min 1280, high_max 8192. Every refill of the empty list
     * (nr_pcp_alloc, order 0): high = clamp(high) then + batch << factor;
     * max_nr_alloc = high - count(0) - 15 is never the limit here, so each
     * refill takes 15 << factor and factor grows to 5:
     *   refill   1    2    3    4    5    6    7
     *   pages   15   30   60  120  240  480  480
     *   high  1295 1325 1385 1505 1745 2225 2705 */
    static const int sizes[] = { 15, 30, 60, 120, 240, 480, 480 };
    static const int highs[] = { 1295, 1325, 1385, 1505, 1745, 2225, 2705 };
    pa_allocator *a = tuned(1, PA_CFG_PCP_AUTOTUNE, 0);
    struct pa_page *last = NULL;
    for (int r = 0; r < 7; r++) {
        CHECK_EQ(pcp(a, 0).count, 0);
        last = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0);
        CHECK(last != NULL);
        struct pa_pcp_info p = pcp(a, 0);
        CHECK_EQ(p.count + 1, sizes[r]);
        CHECK_EQ(p.high, highs[r]);
        CHECK_EQ(raw_pcp(a, 0)->alloc_factor, r + 1 < 5 ? r + 1 : 5);
        for (int i = 1; i < sizes[r]; i++)   /* empty the list again */
            CHECK(pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0) != NULL);
    }
    /* A free halves alloc_factor (5 -> 2): after the freed page is taken
     * again, the refill is 15 << 2 = 60 and high 2705 + 60 = 2765. */
    pa_free_pages(a, last, 0);
    CHECK_EQ(raw_pcp(a, 0)->alloc_factor, 2);
    CHECK(pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0) == last);
    CHECK(pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0) != NULL);
    CHECK_EQ(pcp(a, 0).count + 1, 60);
    CHECK_EQ(pcp(a, 0).high, 2765);
    CHECK_OK(a);
    pa_destroy(a);

    /* The default model refills one batch, always. */
    a = tuned(1, 0, 0);
    for (int r = 0; r < 3; r++) {
        CHECK(pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0) != NULL);
        CHECK_EQ(pcp(a, 0).count + 1, BATCH);
        for (int i = 1; i < BATCH; i++)
            CHECK(pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0) != NULL);
    }
    pa_destroy(a);
}

TEST(pcp618_high_rises_on_free_run)
{
    /* 4 CPUs: high_min 320, high_max 2048, batch 15; cpu 0's list unused,
     * pages freed to it one by one (free_count + 1 each, capped at
     * 15 << 5 = 480):
     *   free 320: count 320 >= high 320; need_high = 320 + 15 = 335 > 320:
     *             high -> 335; drain clamp(320, 15, 320 - 15) = 305 -> count 15.
     *   free 640: count 335 >= 335; free_count 480; need 495: high -> 495;
     *             drain clamp(480, 15, 335 - 15) = 320 -> count 15.
     *   free 1120: count 495 >= 495; need 495: high stays; drain
     *             clamp(480, 15, 480) = 480 -> count 15. */
    static struct pa_page *pages[1200];
    pa_allocator *a = tuned(4, PA_CFG_PCP_AUTOTUNE, 0);
    alloc_on(a, 1, 0, pages, 1200);
    uint64_t free0 = test_zone(a, 0, PA_ZONE_NORMAL).free;
    for (int i = 0; i < 1120; i++) {
        pa_free_pages(a, pages[i], 0);
        int n = i + 1;
        struct pa_pcp_info p = pcp(a, 0);
        if (n == 1)
            CHECK_EQ(p.high, 320);   /* clamped into [high_min, high_max] on the first free */
        if (n == 319) {
            CHECK_EQ(p.count, 319);
            CHECK_EQ(p.high, 320);
        }
        if (n == 320 || n == 640 || n == 1120) {
            CHECK_EQ(p.count, 15);
            CHECK_EQ(p.high, n == 320 ? 335 : 495);
        }
    }
    CHECK_EQ(raw_pcp(a, 0)->free_count, 480);
    /* Drained 305 + 320 + 480 pages went back to the buddy lists. */
    CHECK_EQ(test_zone(a, 0, PA_ZONE_NORMAL).free, free0 + 305 + 320 + 480);
    CHECK_OK(a);
    pa_destroy(a);

    /* The default model: high stays 320 whatever the run. */
    a = tuned(4, 0, 0);
    alloc_on(a, 1, 0, pages, 1200);
    for (int i = 0; i < 1120; i++)
        pa_free_pages(a, pages[i], 0);
    CHECK_EQ(pcp(a, 0).high, 320);
    pa_destroy(a);
}

TEST(pcp618_free_batch_scaling)
{
    /* nr_pcp_free(): the drain is the run of frees since the last
     * allocations halved free_count, at least a batch, at most high - batch.
     * 4 CPUs, high_min 320, cpu 0:
     *   300 frees: count 300 < high 320, free_count 300.
     *   4 allocations: count 296, free_count 300 -> 150 -> 75 -> 37 -> 18.
     *   24 frees: count 320 >= 320, free_count 42; need_high 57 < 320;
     *             drain clamp(42, 15, 305) = 42 -> count 278. */
    static struct pa_page *pages[400];
    pa_allocator *a = tuned(4, PA_CFG_PCP_AUTOTUNE, 0);
    alloc_on(a, 1, 0, pages, 400);
    for (int i = 0; i < 300; i++)
        pa_free_pages(a, pages[i], 0);
    CHECK_EQ(pcp(a, 0).count, 300);
    CHECK_EQ(raw_pcp(a, 0)->free_count, 300);
    for (int i = 0; i < 4; i++)
        CHECK((pages[i] = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0)) != NULL);
    CHECK_EQ(pcp(a, 0).count, 296);
    CHECK_EQ(raw_pcp(a, 0)->free_count, 18);
    uint64_t free0 = test_zone(a, 0, PA_ZONE_NORMAL).free;
    for (int i = 300; i < 323; i++)
        pa_free_pages(a, pages[i], 0);
    CHECK_EQ(pcp(a, 0).count, 319);
    pa_free_pages(a, pages[323], 0);
    CHECK_EQ(pcp(a, 0).count, 278);
    CHECK_EQ(pcp(a, 0).high, 320);
    CHECK_EQ(test_zone(a, 0, PA_ZONE_NORMAL).free, free0 + 42);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(pcp618_free_drain_is_one_call_of_whole_blocks)
{
    /* free_frozen_page_commit() drains nr_pcp_free() pages in one
     * free_pcppages_bulk() call, which takes whole blocks until the count is
     * met: a THP list loses one 512-page block for a drain of 512, not one
     * block per batch of 15. 2 CPUs: high_min 640, high_max 4096, cpu 0:
     *   THP free 1: count 512 < high 640 (clamped from 0); free_count 512.
     *   THP free 2: count 1024 >= 640; need_high 527 < 640; drain
     *               clamp(512, 15, 625) = 512: one block, count 512. */
    struct pa_page *thp[2];
    pa_allocator *a = tuned(2, PA_CFG_PCP_AUTOTUNE, 0);
    alloc_on(a, 1, PA_PAGEBLOCK_ORDER, thp, 2);
    pa_free_pages(a, thp[0], PA_PAGEBLOCK_ORDER);
    CHECK_EQ(pcp(a, 0).count, 512);
    CHECK_EQ(pcp(a, 0).high, 640);
    uint64_t free0 = test_zone(a, 0, PA_ZONE_NORMAL).free;
    pa_free_pages(a, thp[1], PA_PAGEBLOCK_ORDER);
    CHECK_EQ(pcp(a, 0).count, 512);
    CHECK_EQ(test_zone(a, 0, PA_ZONE_NORMAL).free, free0 + 512);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(pcp618_high_order_free_burst_flushes)
{
    /* Consecutive order-1 frees (PCPF_PREV_FREE_HIGH_ORDER): free #k sees
     * free_count 2(k - 1) before it; free_high once that reaches
     * batch + high_min / 2 = 15 + 160 = 175, i.e. at free #89, when the
     * list holds 178 >= batch pages (so PCPF_FREE_HIGH_BATCH, which depends
     * on the host's cache, changes nothing). nr_pcp_high(free_high) returns
     * 0 and lowers high by 15 << 5 (floored at high_min 320); nr_pcp_free
     * frees min(count 178, 480): the list empties. */
    static struct pa_page *pages[100];
    pa_allocator *a = tuned(4, PA_CFG_PCP_AUTOTUNE, 0);
    alloc_on(a, 1, 1, pages, 100);
    for (int i = 0; i < 88; i++)
        pa_free_pages(a, pages[i], 1);
    CHECK_EQ(pcp(a, 0).count, 176);
    CHECK(raw_pcp(a, 0)->flags & PCPF_PREV_FREE_HIGH_ORDER);
    pa_free_pages(a, pages[88], 1);
    CHECK_EQ(pcp(a, 0).count, 0);
    CHECK_EQ(pcp(a, 0).high, 320);
    /* An order-0 free ends the burst. */
    struct pa_page *p0;
    alloc_on(a, 1, 0, &p0, 1);
    pa_free_pages(a, p0, 0);
    CHECK(!(raw_pcp(a, 0)->flags & PCPF_PREV_FREE_HIGH_ORDER));
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(pcp618_below_high_watermark_shrinks_high)
{
    /* ZONE_BELOW_HIGH: set by an allocation that finds the zone's free
     * pages at or below its high watermark (1536); while set, refills do
     * not raise high and each free lowers it by max(free_count, batch)
     * (floored at high_min), the list draining at max(count, high_min); a
     * drain that leaves the zone above high clears it.
     *   A. 640 frees on cpu 0 (zone well above high): high 495, count 15,
     *      free_count 480 (as in pcp618_high_rises_on_free_run).
     *   B. cpu 1 allocates until the zone holds 1400 free pages (every pcp
     *      drained): the zone is below high. cpu 2's first refill: high =
     *      clamp(0) = 320, not raised by the batch (it would be 335);
     *      15 pages taken, 1385 free.
     *   C. One free on cpu 0: high = max(495 - 480, 320) = 320; count 1.
     *      319 more: count 320 >= max(320, 320): drain clamp(480, 15, 305)
     *      = 305, 1690 free > 1536: the flag is cleared. */
    static struct pa_page *pages[700];
    pa_allocator *a = tuned(4, PA_CFG_PCP_AUTOTUNE, 0);
    struct pa_zone *z = &a->nodes[0].zones[PA_ZONE_NORMAL];
    alloc_on(a, 1, 0, pages, 700);
    for (int i = 0; i < 640; i++)
        pa_free_pages(a, pages[i], 0);
    CHECK_EQ(pcp(a, 0).high, 495);
    CHECK(!z->below_high);

    struct held h = { 0 };
    CHECK_EQ(pa_bind_cpu(a, 1), 0);
    test_eat_to(a, 0, PA_ZONE_NORMAL, 1400, PA_GFP_HIGHUSER_MOVABLE, &h);
    CHECK(z->below_high);
    CHECK_EQ(pa_bind_cpu(a, 2), 0);
    struct pa_page *p2 = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0);
    CHECK(p2 != NULL);
    CHECK_EQ(pcp(a, 2).high, 320);
    CHECK_EQ(pcp(a, 2).count, 14);
    CHECK_EQ(test_zone(a, 0, PA_ZONE_NORMAL).free, 1385);

    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    CHECK_EQ(pcp(a, 0).count, 0);
    pa_free_pages(a, h.p[--h.n], 0);
    CHECK_EQ(pcp(a, 0).high, 320);
    CHECK_EQ(pcp(a, 0).count, 1);
    for (int i = 0; i < 319; i++)
        pa_free_pages(a, h.p[--h.n], 0);
    CHECK_EQ(pcp(a, 0).count, 15);
    CHECK_EQ(test_zone(a, 0, PA_ZONE_NORMAL).free, 1690);
    CHECK(!z->below_high);
    CHECK_OK(a);
    pa_free_pages(a, p2, 0);
    held_done(a, &h);
    pa_destroy(a);
}

TEST(pcp618_decay_on_vmstat_tick)
{
    /* After the free run of pcp618_high_rises_on_free_run (1120 frees:
     * count 15, high 495), 470 more frees: count 485 < 495. Each tick:
     * high = max(count - 480, high - high / 8, high_min 320), then the
     * pages above it are drained:
     *   tick 1: max(5, 495 - 61, 320) = 434, drain 485 - 434 = 51
     *   tick 2: max(-46, 434 - 54, 320) = 380, drain 54
     *   tick 3: 380 - 47 = 333, drain 47
     *   tick 4: 333 - 41 = 292 -> 320, drain 13
     *   tick 5: high == high_min: nothing. */
    static const int highs[] = { 434, 380, 333, 320, 320 };
    static const int drained[] = { 51, 54, 47, 13, 0 };
    static struct pa_page *pages[1600];
    pa_allocator *a = tuned(4, PA_CFG_PCP_AUTOTUNE, 0);
    alloc_on(a, 1, 0, pages, 1600);
    for (int i = 0; i < 1590; i++)
        pa_free_pages(a, pages[i], 0);
    CHECK_EQ(pcp(a, 0).count, 485);
    CHECK_EQ(pcp(a, 0).high, 495);
    int count = 485;
    for (int t = 0; t < 5; t++) {
        uint64_t free0 = test_zone(a, 0, PA_ZONE_NORMAL).free;
        pa_vmstat_tick(a);
        count -= drained[t];
        CHECK_EQ(pcp(a, 0).high, highs[t]);
        CHECK_EQ(pcp(a, 0).count, count);
        CHECK_EQ(test_zone(a, 0, PA_ZONE_NORMAL).free, free0 + (uint64_t)drained[t]);
        CHECK_OK(a);
    }
    /* cpu 1 (high raised by its refills, list holding the rest of its
     * last refill) decayed too. */
    CHECK(pcp(a, 1).high < 2048);
    pa_destroy(a);

    /* The default model: high is fixed; the tick changes nothing. */
    a = tuned(4, 0, 0);
    alloc_on(a, 1, 0, pages, 300);
    for (int i = 0; i < 300; i++)
        pa_free_pages(a, pages[i], 0);
    struct pa_pcp_info before = pcp(a, 0);
    pa_vmstat_tick(a);
    CHECK_EQ(pcp(a, 0).count, before.count);
    CHECK_EQ(pcp(a, 0).high, before.high);
    pa_destroy(a);
    pa_vmstat_tick(NULL);   /* logged, ignored */
}

TEST(pcp618_set_pcp_high_restores_a_tuned_high)
{
    /* 4 CPUs: high_min 320, high_max 2048. A high set from outside is
     * clamped into that range, and a list below it keeps every free: 900
     * frees on cpu 0 with high 1000 drain nothing (count < high), where
     * high_min alone (320) would have drained. */
    static struct pa_page *pages[900];
    pa_allocator *a = tuned(4, PA_CFG_PCP_AUTOTUNE, 0);
    CHECK_EQ(pa_set_pcp_high(a, 0, 0, PA_ZONE_NORMAL, 5000), 0);
    CHECK_EQ(pcp(a, 0).high, 2048);
    CHECK_EQ(pa_set_pcp_high(a, 0, 0, PA_ZONE_NORMAL, 10), 0);
    CHECK_EQ(pcp(a, 0).high, 320);
    CHECK_EQ(pa_set_pcp_high(a, 0, 0, PA_ZONE_NORMAL, 1000), 0);
    CHECK_EQ(pcp(a, 0).high, 1000);
    CHECK_EQ(pcp(a, 1).high, 0);   /* only the pcp asked for */
    alloc_on(a, 1, 0, pages, 900);
    uint64_t free0 = test_zone(a, 0, PA_ZONE_NORMAL).free;
    for (int i = 0; i < 900; i++)
        pa_free_pages(a, pages[i], 0);
    CHECK_EQ(pcp(a, 0).count, 900);
    CHECK_EQ(pcp(a, 0).high, 1000);
    CHECK_EQ(test_zone(a, 0, PA_ZONE_NORMAL).free, free0);
    CHECK_EQ(pa_set_pcp_high(a, 4, 0, PA_ZONE_NORMAL, 1000), -EINVAL);
    CHECK_EQ(pa_set_pcp_high(a, 0, 0, PA_ZONE_DMA, 1000), -ENOENT);
    CHECK_OK(a);
    pa_destroy(a);

    /* The default model: high is fixed at zone_highsize(). */
    a = tuned(4, 0, 0);
    CHECK_EQ(pa_set_pcp_high(a, 0, 0, PA_ZONE_NORMAL, 1000), -EINVAL);
    CHECK_EQ(pcp(a, 0).high, 320);
    pa_destroy(a);
}

TEST(pcp618_zone_pcp_disable_runs_the_offline_window)
{
    /* 2 CPUs: high_min 640, high_max 4096, batch 15. Disabling empties both
     * CPUs' lists and sets high 0, batch 1: an allocation then refills one
     * page, which it takes (the list stays empty, alloc_factor stays), and a
     * free goes straight back (the list stays empty, alloc_factor halves),
     * as the kernel's lists do while memory is being offlined. */
    static struct pa_page *pages[200];
    pa_allocator *a = tuned(2, PA_CFG_PCP_AUTOTUNE, 0);
    alloc_on(a, 1, 0, pages, 200);
    for (int i = 0; i < 100; i++)
        pa_free_pages(a, pages[i], 0);               /* 100 onto cpu 0's list */
    CHECK(pcp(a, 0).count >= 100);
    CHECK(pcp(a, 1).count > 0);                      /* cpu 1's refill leftovers */
    uint64_t free_before = test_zone(a, 0, PA_ZONE_NORMAL).free;
    uint64_t on_lists = (uint64_t)pcp(a, 0).count + pcp(a, 1).count;
    raw_pcp(a, 0)->alloc_factor = 4;
    CHECK_EQ(pa_zone_pcp_disable(a, 0, PA_ZONE_NORMAL), 0);
    for (int c = 0; c < 2; c++) {
        struct pa_pcp_info p = pcp(a, c);
        CHECK_EQ(p.count, 0);
        CHECK_EQ(p.high, 0);
        CHECK_EQ(p.batch, 1);
        CHECK_EQ(p.high_min, 0);
        CHECK_EQ(p.high_max, 0);
    }
    CHECK_EQ(test_zone(a, 0, PA_ZONE_NORMAL).free, free_before + on_lists);
    struct pa_page *one = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0);
    CHECK(one != NULL);
    CHECK_EQ(pcp(a, 0).count, 0);
    CHECK_EQ(raw_pcp(a, 0)->alloc_factor, 4);
    pa_free_pages(a, one, 0);
    CHECK_EQ(pcp(a, 0).count, 0);
    CHECK_EQ(raw_pcp(a, 0)->alloc_factor, 2);
    for (int i = 100; i < 200; i++)
        pa_free_pages(a, pages[i], 0);
    CHECK_EQ(pcp(a, 0).count, 0);
    CHECK_EQ(raw_pcp(a, 0)->alloc_factor, 0);        /* every free halved it */

    /* Nested: the second disable changes nothing, the last enable restores
     * batch and the bounds; high starts again at high_min at the next use. */
    CHECK_EQ(pa_zone_pcp_disable(a, 0, PA_ZONE_NORMAL), 0);
    CHECK_EQ(pa_zone_pcp_enable(a, 0, PA_ZONE_NORMAL), 0);
    CHECK_EQ(pcp(a, 0).batch, 1);
    CHECK_EQ(pa_zone_pcp_enable(a, 0, PA_ZONE_NORMAL), 0);
    struct pa_pcp_info p = pcp(a, 0);
    CHECK_EQ(p.batch, BATCH);
    CHECK_EQ(p.high_min, 640);
    CHECK_EQ(p.high_max, 4096);
    CHECK_EQ(p.high, 0);
    one = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0);
    CHECK(one != NULL);
    CHECK_EQ(pcp(a, 0).count + 1, BATCH);           /* alloc_factor 0 from the window */
    CHECK_EQ(pcp(a, 0).high, 640 + BATCH);
    pa_free_pages(a, one, 0);
    CHECK_EQ(pa_zone_pcp_enable(a, 0, PA_ZONE_NORMAL), -EINVAL);
    CHECK_EQ(pa_zone_pcp_disable(a, 0, PA_ZONE_DMA), -ENOENT);
    CHECK_EQ(pa_zone_pcp_disable(NULL, 0, PA_ZONE_NORMAL), -EINVAL);
    CHECK_EQ(pa_zone_pcp_enable(a, 5, PA_ZONE_NORMAL), -EINVAL);
    CHECK_OK(a);
    pa_destroy(a);

    /* The default model: high fixed at zone_highsize(), 0 while disabled. */
    a = tuned(2, 0, 0);
    CHECK_EQ(pa_zone_pcp_disable(a, 0, PA_ZONE_NORMAL), 0);
    CHECK_EQ(pcp(a, 0).high, 0);
    one = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0);
    CHECK(one != NULL);
    CHECK_EQ(pcp(a, 0).count, 0);
    pa_free_pages(a, one, 0);
    CHECK_EQ(pcp(a, 0).count, 0);
    CHECK_EQ(pa_zone_pcp_enable(a, 0, PA_ZONE_NORMAL), 0);
    CHECK_EQ(pcp(a, 0).high, 640);
    CHECK_EQ(pcp(a, 0).batch, BATCH);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(pcp618_adjust_managed_pages_resizes_watermarks_and_pcp_bounds)
{
    /* Memory hot-plug: a zone of 65536 pages present whose managed pages go
     * to 32768 (a block offline) has the watermarks, batch, high_min and
     * high_max of a zone created with 32768; back to 65536, those of one
     * created so. A list's high is clamped into the new bounds at its next
     * use. */
    pa_allocator *a = tuned(2, PA_CFG_PCP_AUTOTUNE, 0);
    struct pa_config cfg;
    test_config(&cfg, 1, 2, 0, 0, ZONE_PAGES / 2, 0);
    cfg.min_free_kbytes = 4096;
    cfg.flags |= PA_CFG_PCP_AUTOTUNE;
    pa_allocator *half = test_create(&cfg);
    struct pa_zone_info full = test_zone(a, 0, PA_ZONE_NORMAL);
    struct pa_pcp_info full_pcp = pcp(a, 0);
    raw_pcp(a, 0)->high = full_pcp.high_max;

    CHECK_EQ(pa_adjust_managed_pages(a, 0, PA_ZONE_NORMAL, -(int64_t)ZONE_PAGES / 2), 0);
    struct pa_zone_info z = test_zone(a, 0, PA_ZONE_NORMAL), want = test_zone(half, 0, PA_ZONE_NORMAL);
    CHECK_EQ(z.managed, (uint64_t)ZONE_PAGES / 2);
    CHECK_EQ(z.present, (uint64_t)ZONE_PAGES);
    CHECK_EQ(z.wmark_min, want.wmark_min);
    CHECK_EQ(z.wmark_low, want.wmark_low);
    CHECK_EQ(z.wmark_high, want.wmark_high);
    struct pa_pcp_info p = pcp(a, 0), w = pcp(half, 0);
    CHECK_EQ(p.batch, w.batch);
    CHECK_EQ(p.high_min, w.high_min);
    CHECK_EQ(p.high_max, w.high_max);
    CHECK(p.high_max < full_pcp.high_max);
    struct pa_page *one = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0);
    CHECK(one != NULL);
    CHECK(pcp(a, 0).high <= w.high_max);             /* clamped at the next use */
    pa_free_pages(a, one, 0);

    CHECK_EQ(pa_adjust_managed_pages(a, 0, PA_ZONE_NORMAL, ZONE_PAGES / 2), 0);
    z = test_zone(a, 0, PA_ZONE_NORMAL);
    CHECK_EQ(z.managed, (uint64_t)ZONE_PAGES);
    CHECK_EQ(z.wmark_min, full.wmark_min);
    CHECK_EQ(z.wmark_high, full.wmark_high);
    CHECK_EQ(pcp(a, 0).high_min, full_pcp.high_min);
    CHECK_EQ(pcp(a, 0).high_max, full_pcp.high_max);

    /* Outside 1..present, or a zone that is absent. */
    CHECK_EQ(pa_adjust_managed_pages(a, 0, PA_ZONE_NORMAL, 1), -EINVAL);
    CHECK_EQ(pa_adjust_managed_pages(a, 0, PA_ZONE_NORMAL, -(int64_t)ZONE_PAGES), -EINVAL);
    CHECK_EQ(pa_adjust_managed_pages(a, 0, PA_ZONE_DMA, 1), -ENOENT);
    CHECK_EQ(pa_adjust_managed_pages(NULL, 0, PA_ZONE_NORMAL, 1), -EINVAL);
    CHECK_EQ(test_zone(a, 0, PA_ZONE_NORMAL).managed, (uint64_t)ZONE_PAGES);
    CHECK_OK(a);
    pa_destroy(half);
    pa_destroy(a);
}

TEST(pcp618_high_fraction_sysctl)
{
    /* percpu_pagelist_high_fraction 8: high = 65536 / 8 / 4 CPUs = 2048 and
     * tuning off (high_min = high_max); 100: 655 / 4 = 163. The default
     * model takes the same high. Below 8 (but not 0) is -EINVAL. */
    pa_allocator *a = tuned(4, PA_CFG_PCP_AUTOTUNE, 8);
    struct pa_pcp_info p = pcp(a, 0);
    CHECK_EQ(p.high_min, 2048);
    CHECK_EQ(p.high_max, 2048);
    static struct pa_page *pages[2100];
    alloc_on(a, 1, 0, pages, 2100);
    for (int i = 0; i < 2048; i++)
        pa_free_pages(a, pages[i], 0);
    /* At high: nr_pcp_high returns 2048 unmoved; drain clamp(480, 15, 2033). */
    CHECK_EQ(pcp(a, 0).high, 2048);
    CHECK_EQ(pcp(a, 0).count, 2048 - 480);
    pa_destroy(a);

    a = tuned(4, PA_CFG_PCP_AUTOTUNE, 100);
    CHECK_EQ(pcp(a, 2).high_min, 163);
    CHECK_EQ(pcp(a, 2).high_max, 163);
    pa_destroy(a);
    a = tuned(4, 0, 100);
    CHECK_EQ(pcp(a, 2).high, 163);
    pa_destroy(a);

    struct pa_config cfg;
    test_config(&cfg, 1, 4, 0, 0, ZONE_PAGES, 0);
    cfg.percpu_pagelist_high_fraction = 7;
    pa_allocator *bad = NULL;
    CHECK_EQ(pa_create(&cfg, &bad), -EINVAL);
    CHECK(bad == NULL);
}

TEST(pcp618_wmark_promo)
{
    /* WMARK_PROMO = high + the same step: 1536 + 256 = 1792, in both models. */
    for (int tuned_model = 0; tuned_model < 2; tuned_model++) {
        pa_allocator *a = tuned(1, tuned_model ? PA_CFG_PCP_AUTOTUNE : 0, 0);
        struct pa_zone_info z = test_zone(a, 0, PA_ZONE_NORMAL);
        CHECK_EQ(z.wmark_min, 1024);
        CHECK_EQ(z.wmark_low, 1280);
        CHECK_EQ(z.wmark_high, 1536);
        CHECK_EQ(z.wmark_promo, 1792);
        pa_destroy(a);
    }
}

/* 6.18's zoneinfo_show_print() for: one node, NORMAL 4096 pages, 2 CPUs.
 *   min_free_kbytes int_sqrt(16384 * 16) = 512 -> min 128, low 160,
 *   high 192, promo 224; batch: 4096 >> 12 = 1 -> 1; high_min 160 / 2 = 80,
 *   high_max 4096 / 8 / 2 = 256; vm stats threshold 2 * fls(2) *
 *   (1 + fls(4096 >> 15 = 0)) = 4. The empty MOVABLE zone: min =
 *   clamp(0 / 1024, 32, 128) = 32 and steps of 0 (for_each_zone visits it).
 * One page allocated and freed on cpu 0: the refill (nr_pcp_alloc) sets
 * high = clamp(0, 80, 256) + 1 = 81 and takes 1 page; the free leaves it
 * on the list. cpu 1 untouched: high 0. */
#define EMPTY_ZONE(name, wm)                                                     \
    "Node 0, zone " name "\n"                                                    \
    "  pages free     0\n"                                                       \
    "        boost    0\n"                                                       \
    "        min      " wm "\n"                                                  \
    "        low      " wm "\n"                                                  \
    "        high     " wm "\n"                                                  \
    "        promo    " wm "\n"                                                  \
    "        spanned  0\n"                                                       \
    "        present  0\n"                                                       \
    "        managed  0\n"                                                       \
    "        cma      0\n"                                                       \
    "        protection: (0, 0, 0, 0)\n"

static const char expected_zoneinfo_618[] =
    EMPTY_ZONE("     DMA", "0")
    EMPTY_ZONE("   DMA32", "0")
    "Node 0, zone   Normal\n"
    "  pages free     4095\n"
    "        boost    0\n"
    "        min      128\n"
    "        low      160\n"
    "        high     192\n"
    "        promo    224\n"
    "        spanned  4096\n"
    "        present  4096\n"
    "        managed  4096\n"
    "        cma      0\n"
    "        protection: (0, 0, 0, 0)\n"
    "      nr_free_pages 4095\n"
    "      numa_hit     1\n"
    "      numa_miss    0\n"
    "      numa_foreign 0\n"
    "      numa_interleave 0\n"
    "      numa_local   1\n"
    "      numa_other   0\n"
    "  pagesets\n"
    "    cpu: 0\n"
    "              count:    1\n"
    "              high:     81\n"
    "              batch:    1\n"
    "              high_min: 80\n"
    "              high_max: 256\n"
    "  vm stats threshold: 4\n"
    "    cpu: 1\n"
    "              count:    0\n"
    "              high:     0\n"
    "              batch:    1\n"
    "              high_min: 80\n"
    "              high_max: 256\n"
    "  vm stats threshold: 4\n"
    "  node_unreclaimable:  0\n"
    "  start_pfn:           0\n"
    EMPTY_ZONE(" Movable", "32");

TEST(pcp618_zoneinfo_layout)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 2, 0, 0, 4096, 0);
    cfg.flags |= PA_CFG_PCP_AUTOTUNE;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    pa_free_pages(a, p, 0);
    static char buf[16384];
    size_t n = pa_format_zoneinfo(a, buf, sizeof(buf));
    CHECK_EQ(n, strlen(expected_zoneinfo_618));
    CHECK_STR_EQ(buf, expected_zoneinfo_618);
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()
