// SPDX-License-Identifier: GPL-2.0-only
/* test_pcp.c - per-CPU page lists: batch/high sizing (Kernel: zone_batchsize,
 * zone_highsize, zone_set_pageset_high_and_batch), refill in batches
 * (rmqueue_bulk), drain at high (free_unref_page_commit, nr_pcp_free),
 * drain_local_pages / drain_all_pages, which orders use the lists. */
#include "support.h"

#include "internal.h"

static struct pa_pcp_info pcp(pa_allocator *a, int cpu, int nid)
{
    struct pa_pcp_info pi;
    CHECK_EQ(pa_pcp_info(a, cpu, nid, PA_ZONE_NORMAL, &pi), 0);
    return pi;
}

static uint64_t buddy_free(pa_allocator *a, int nid)
{
    struct pa_zone_info zi;
    CHECK_EQ(pa_zone_info(a, nid, PA_ZONE_NORMAL, &zi), 0);
    return zi.free;
}

static pa_allocator *metadata_simple(uint64_t pages, int nr_cpus)
{
    struct pa_config cfg;
    test_config(&cfg, 1, nr_cpus, 0, 0, pages, 0);
    cfg.flags = PA_CFG_METADATA_ONLY;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    return a;
}

TEST(batch_for_4gib_zone_is_63)
{
    /* min(1 Mi >> 10, 1 MiB / 4 KiB) = 256; / 4 = 64; rounddown_pow2(96) - 1. */
    pa_allocator *a = metadata_simple(1048576, 1);
    struct pa_pcp_info pi = pcp(a, 0, 0);
    CHECK_EQ(pi.batch, 63);
    /* high = low watermark (3096) / 1 CPU. */
    CHECK_EQ(pi.high, 3096);
    CHECK_EQ(pi.count, 0);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(batch_for_256mib_zone_is_15)
{
    /* 65536 >> 10 = 64; / 4 = 16; rounddown_pow2(24) - 1 = 15. */
    pa_allocator *a = test_simple(65536, 1);
    struct pa_pcp_info pi = pcp(a, 0, 0);
    CHECK_EQ(pi.batch, 15);
    CHECK_EQ(pi.high, 640);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(batch_of_small_zone_is_at_least_one)
{
    /* 4096 >> 10 = 4; / 4 = 1; rounddown_pow2(1) - 1 = 0, and the kernel
     * uses max(1, zone_batchsize()). high = low (160) / 1 CPU. */
    pa_allocator *a = test_simple(4096, 1);
    struct pa_pcp_info pi = pcp(a, 0, 0);
    CHECK_EQ(pi.batch, 1);
    CHECK_EQ(pi.high, 160);
    pa_destroy(a);
}

TEST(small_zone_pcp_drains_at_high)
{
    /* With a batch of 1 the list still drains when it reaches high. */
    pa_allocator *a = test_simple(4096, 1);
    static struct pa_page *held[1024];
    for (int i = 0; i < 1024; i++) {
        held[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
        CHECK(held[i] != NULL);
    }
    CHECK_OK(a);
    for (int i = 0; i < 1024; i++) {
        pa_free_pages(a, held[i], 0);
        struct pa_pcp_info pi = pcp(a, 0, 0);
        CHECK(pi.count < pi.high);
    }
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 4096);
    pa_destroy(a);
}

TEST(high_is_low_wmark_split_over_node_cpus)
{
    /* 65536 pages: low 640, batch 15. 4 CPUs: 160. */
    pa_allocator *a = metadata_simple(65536, 4);
    for (int c = 0; c < 4; c++) {
        CHECK_EQ(pcp(a, c, 0).high, 160);
        CHECK_EQ(pcp(a, c, 0).batch, 15);
    }
    pa_destroy(a);
    /* 16 CPUs: 640 / 16 = 40 < 4 * 15: high = 60. */
    a = metadata_simple(65536, 16);
    CHECK_EQ(pcp(a, 15, 0).high, 60);
    pa_destroy(a);
}

TEST(high_counts_only_cpus_of_the_zone_node)
{
    /* Two nodes of 65536 pages (min 362, low 452 each), CPUs 0-2 on node 0,
     * CPU 3 on node 1: node 0's pcp high = 452 / 3 = 150, node 1's = 452. */
    struct pa_config cfg;
    int32_t map[4] = { 0, 0, 0, 1 };
    test_config(&cfg, 2, 4, 0, 0, 65536, 0);
    cfg.flags = PA_CFG_METADATA_ONLY;
    cfg.cpu_to_node = map;
    pa_allocator *a = test_create(&cfg);
    for (int c = 0; c < 4; c++) {
        CHECK_EQ(pcp(a, c, 0).high, 150);
        CHECK_EQ(pcp(a, c, 1).high, 452);
    }
    pa_destroy(a);
    /* A node without CPUs splits over every CPU: 452 / 4 = 113. */
    int32_t map2[4] = { 0, 0, 0, 0 };
    cfg.cpu_to_node = map2;
    a = test_create(&cfg);
    CHECK_EQ(pcp(a, 0, 0).high, 113);
    CHECK_EQ(pcp(a, 0, 1).high, 113);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(pcp_batch_and_high_overrides)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 2, 0, 0, 65536, 0);
    cfg.pcp_batch = 7;
    cfg.pcp_high = 100;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 1), 0);
    for (int c = 0; c < 2; c++) {
        CHECK_EQ(pcp(a, c, 0).batch, 7);
        CHECK_EQ(pcp(a, c, 0).high, 100);
    }
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    CHECK_EQ(pcp(a, 1, 0).count, 6);
    CHECK_EQ(pcp(a, 0, 0).count, 0);
    CHECK_OK(a);
    pa_free_pages(a, p, 0);
    CHECK_EQ(pcp(a, 1, 0).count, 7);
    CHECK_OK(a);
    pa_destroy(a);
    /* Only batch overridden: high is sized from it (low 640 / 2 CPUs). */
    cfg.pcp_high = 0;
    cfg.pcp_batch = 200;
    a = test_create(&cfg);
    CHECK_EQ(pcp(a, 0, 0).batch, 200);
    CHECK_EQ(pcp(a, 0, 0).high, 800);   /* max(320, 4 * 200) */
    pa_destroy(a);
}

TEST(refill_takes_one_batch)
{
    pa_allocator *a = test_simple(65536, 1);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    CHECK_OK(a);
    CHECK_EQ(pcp(a, 0, 0).count, 15 - 1);
    CHECK_EQ(buddy_free(a, 0), 65536 - 15);
    /* The next 14 come from the list without touching the buddy lists. */
    struct pa_page *more[14];
    for (int i = 0; i < 14; i++) {
        more[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
        CHECK(more[i] != NULL);
    }
    CHECK_EQ(pcp(a, 0, 0).count, 0);
    CHECK_EQ(buddy_free(a, 0), 65536 - 15);
    /* The 16th refills again. */
    struct pa_page *q = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(q != NULL);
    CHECK_EQ(pcp(a, 0, 0).count, 14);
    CHECK_EQ(buddy_free(a, 0), 65536 - 30);
    CHECK_OK(a);
    /* Each migratetype has its own list: a movable request refills too. */
    struct pa_page *m = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0);
    CHECK(m != NULL);
    CHECK_EQ(pcp(a, 0, 0).count, 28);
    CHECK_EQ(buddy_free(a, 0), 65536 - 45);
    CHECK_OK(a);
    pa_free_pages(a, p, 0);
    pa_free_pages(a, q, 0);
    pa_free_pages(a, m, 0);
    for (int i = 0; i < 14; i++)
        pa_free_pages(a, more[i], 0);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 65536);
    pa_destroy(a);
}

TEST(refill_batch_scales_with_order)
{
    /* batch 15: order 1 takes 15 >> 1 = 7 blocks, order 2 takes 3, order 3
     * max(1, 2) = 2, order 9 (pageblock) 2. */
    static const struct { unsigned order; int count_after; } cases[] = {
        { 0, 15 - 1 }, { 1, 7 * 2 - 2 }, { 2, 3 * 4 - 4 }, { 3, 2 * 8 - 8 }, { 9, 2 * 512 - 512 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pa_allocator *a = test_simple(65536, 1);
        struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, cases[i].order);
        CHECK(p != NULL);
        CHECK_EQ(pcp(a, 0, 0).count, cases[i].count_after);
        CHECK_OK(a);
        pa_free_pages(a, p, cases[i].order);
        CHECK_OK(a);
        CHECK_EQ(test_total_free(a), 65536);
        pa_destroy(a);
    }
}

TEST(free_drains_a_batch_when_count_reaches_high)
{
    /* batch 15, high 640. Frees with no allocation between them free
     * batch << free_factor each time high is reached (nr_pcp_free), clamped
     * to [batch, high - batch]: 15, 30, 60, 120, 240, 480, then 625. */
    pa_allocator *a = test_simple(65536, 1);
    static struct pa_page *held[4000];
    int n = 0;
    for (; n < 4000; n++) {
        held[n] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
        CHECK(held[n] != NULL);
    }
    pa_drain_all_pages(a);
    CHECK_EQ(pcp(a, 0, 0).count, 0);
    CHECK_OK(a);
    static const int expect_after_drain[] = { 625, 610, 580, 520, 400, 160, 15 };
    int drains = 0;
    int prev = 0;
    for (int i = 0; i < n; i++) {
        pa_free_pages(a, held[i], 0);
        struct pa_pcp_info pi = pcp(a, 0, 0);
        if ((int)pi.count != prev + 1) {
            /* It reached high on this free and dropped. */
            CHECK_EQ(prev + 1, 640);
            CHECK((int)pi.count >= 15);   /* at least a batch is left */
            if (drains < (int)(sizeof(expect_after_drain) / sizeof(expect_after_drain[0])))
                CHECK_EQ(pi.count, expect_after_drain[drains]);
            drains++;
            CHECK_OK(a);
        }
        CHECK(pi.count < 640);
        prev = (int)pi.count;
    }
    CHECK(drains >= 7);
    CHECK_OK(a);
    /* An allocation halves the free factor: the next drain frees less. */
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    pa_free_pages(a, p, 0);
    CHECK_EQ(test_total_free(a), 65536);
    CHECK_OK(a);
    pa_destroy(a);
}

/* pa_release_pages frees the pages of an array in runs bounded by the room
 * left below high and counts them once a run: with NULL slots between the
 * pages and high crossed several times in one call, it must leave the pcp
 * list, the buddy lists and the PGFREE count exactly where the same pages
 * freed one at a time with pa_free_pages leave them. High 24 (batch 4) is
 * crossed many times within each 512-page pageblock run. */
TEST(release_pages_reaches_high_as_single_frees_do)
{
    enum { NR = 3000, SLOTS = NR + NR / 7 + 1 };
    pa_allocator *batched = test_simple_pcp(65536, 1, 4, 24), *single = test_simple_pcp(65536, 1, 4, 24);
    static struct pa_page *arr[SLOTS], *one[NR];
    for (int i = 0; i < NR; i++) {
        one[i] = pa_alloc_pages(single, PA_GFP_KERNEL, 0);
        CHECK(one[i] != NULL);
    }
    /* The same pages of the twin: both allocators start alike and allocate alike. */
    int filled = 0;
    for (int i = 0; i < SLOTS; i++) {
        if (i % 8 == 3 || filled == NR)
            continue;   /* a hole */
        arr[i] = pa_alloc_pages(batched, PA_GFP_KERNEL, 0);
        CHECK(arr[i] != NULL);
        CHECK_EQ(pa_page_to_pfn(batched, arr[i]), pa_page_to_pfn(single, one[filled]));
        filled++;
    }
    CHECK_EQ(filled, NR);
    pa_drain_all_pages(batched);
    pa_drain_all_pages(single);
    uint64_t freed_before = pa_vm_event(batched, PA_PGFREE);
    CHECK_EQ(freed_before, pa_vm_event(single, PA_PGFREE));

    pa_release_pages(batched, arr, SLOTS);
    for (int i = 0; i < NR; i++)
        pa_free_pages(single, one[i], 0);

    for (int i = 0; i < SLOTS; i++)
        CHECK(arr[i] == NULL);
    struct pa_pcp_info pb = pcp(batched, 0, 0), ps = pcp(single, 0, 0);
    CHECK(pb.count < pb.high);
    CHECK_EQ(pb.count, ps.count);
    CHECK_EQ(buddy_free(batched, 0), buddy_free(single, 0));
    CHECK_EQ(pa_vm_event(batched, PA_PGFREE) - freed_before, NR);
    CHECK_EQ(pa_vm_event(single, PA_PGFREE) - freed_before, NR);
    CHECK_EQ(test_total_free(batched), 65536);
    CHECK_OK(batched);
    CHECK_OK(single);
    pa_destroy(batched);
    pa_destroy(single);
}

TEST(drain_local_pages_vs_drain_all_pages)
{
    pa_allocator *a = test_simple(65536, 2);
    struct pa_page *p0 = pa_alloc_pages(a, PA_GFP_KERNEL, 0);   /* cpu 0: 14 left */
    CHECK_EQ(pa_bind_cpu(a, 1), 0);
    struct pa_page *p1 = pa_alloc_pages(a, PA_GFP_KERNEL, 1);   /* cpu 1: 12 left */
    CHECK(p0 && p1);
    CHECK_EQ(pcp(a, 0, 0).count, 14);
    CHECK_EQ(pcp(a, 1, 0).count, 12);
    CHECK_OK(a);
    pa_drain_local_pages(a);                 /* this thread is on cpu 1 */
    CHECK_EQ(pcp(a, 0, 0).count, 14);
    CHECK_EQ(pcp(a, 1, 0).count, 0);
    CHECK_EQ(buddy_free(a, 0), 65536 - 15 - 2);
    CHECK_OK(a);
    pa_free_pages(a, p1, 1);                 /* back on cpu 1's list */
    CHECK_EQ(pcp(a, 1, 0).count, 2);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    pa_free_pages(a, p0, 0);
    CHECK_EQ(pcp(a, 0, 0).count, 15);
    pa_drain_all_pages(a);
    CHECK_EQ(pcp(a, 0, 0).count, 0);
    CHECK_EQ(pcp(a, 1, 0).count, 0);
    CHECK_EQ(buddy_free(a, 0), 65536);
    struct pa_zone_info zi;
    CHECK_EQ(pa_zone_info(a, 0, PA_ZONE_NORMAL, &zi), 0);
    CHECK_EQ(zi.pcp_pages, 0);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(pcp_orders_are_0_to_3_and_pageblock_order)
{
    pa_allocator *a = test_simple(65536, 1);
    for (unsigned order = 0; order <= PA_MAX_ORDER; order++) {
        bool on_pcp = order <= 3 || order == 9;
        CHECK_EQ(pcp_allowed_order(order), on_pcp);
        pa_drain_all_pages(a);
        uint64_t free0 = buddy_free(a, 0);
        struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, order);
        CHECK(p != NULL);
        CHECK_OK(a);
        if (on_pcp) {
            /* Refilled a batch: more left the buddy lists than was asked. */
            CHECK(pcp(a, 0, 0).count > 0);
            CHECK(buddy_free(a, 0) > 0);
            CHECK(free0 - buddy_free(a, 0) > (1ull << order));
        } else {
            CHECK_EQ(pcp(a, 0, 0).count, 0);
            CHECK_EQ(free0 - buddy_free(a, 0), 1ull << order);
        }
        pa_drain_all_pages(a);
        free0 = buddy_free(a, 0);
        pa_free_pages(a, p, order);
        CHECK_OK(a);
        if (on_pcp) {
            CHECK_EQ(pcp(a, 0, 0).count, 1u << order);
            CHECK_EQ(buddy_free(a, 0), free0);
        } else {
            CHECK_EQ(pcp(a, 0, 0).count, 0);
            CHECK_EQ(buddy_free(a, 0), free0 + (1ull << order));
        }
    }
    CHECK_EQ(test_total_free(a), 65536);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(bind_cpu_errors)
{
    pa_allocator *a = test_simple(4096, 2);
    test_log_reset();
    CHECK_EQ(pa_bind_cpu(a, 2), -EINVAL);
    CHECK_EQ(test_log.count, 1);
    CHECK_EQ(pa_bind_cpu(a, -2), -EINVAL);
    CHECK_EQ(pa_bind_cpu(a, 1 << 30), -EINVAL);
    CHECK_EQ(pa_bind_cpu(a, -2147483647 - 1), -EINVAL);
    CHECK_EQ(test_log.count, 4);
    CHECK_EQ(pa_bind_cpu(NULL, 0), -EINVAL);
    /* A failed bind keeps the old one. */
    CHECK_EQ(pa_current_cpu(a), 0);
    CHECK_EQ(pa_bind_cpu(a, 1), 0);
    CHECK_EQ(pa_current_cpu(a), 1);
    CHECK_EQ(pa_bind_cpu(a, -1), 0);
    int cpu = pa_current_cpu(a);
    CHECK(cpu >= 0 && cpu < 2);
    CHECK_EQ(pa_bind_cpu(a, -1), 0);   /* unbinding twice is fine */
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()
