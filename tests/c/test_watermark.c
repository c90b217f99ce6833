// SPDX-License-Identifier: GPL-2.0-only
/* test_watermark.c - min_free_kbytes, min/low/high, lowmem_reserve and the
 * watermark checks, against values computed by hand from the kernel's
 * formulas (Kernel: calculate_min_free_kbytes, __setup_per_zone_wmarks,
 * setup_per_zone_lowmem_reserve, __zone_watermark_ok; 6.1-6.13). */
#include "support.h"

#include "internal.h"

static struct pa_zone *zone_of(pa_allocator *a, int nid, int zi)
{
    return &a->nodes[nid].zones[zi];
}

static void check_wmarks(pa_allocator *a, int nid, enum pa_zone_type zt, uint64_t min, uint64_t low,
                         uint64_t high)
{
    struct pa_zone_info zi;
    CHECK_EQ(pa_zone_info(a, nid, zt, &zi), 0);
    CHECK_EQ(zi.wmark_min, min);
    CHECK_EQ(zi.wmark_low, low);
    CHECK_EQ(zi.wmark_high, high);
}

static pa_allocator *metadata_allocator(uint64_t dma, uint64_t dma32, uint64_t normal, uint64_t movable)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, dma, dma32, normal, movable);
    cfg.flags = PA_CFG_METADATA_ONLY;
    return test_create(&cfg);
}

TEST(default_zone_watermarks_match_kernel)
{
    /* 65536 pages = 262144 KiB; int_sqrt(262144 * 16) = 2048 KiB = 512 pages.
     * tmp = max(512 >> 2, 65536 * 10 / 10000) = max(128, 65) = 128. */
    pa_allocator *a = test_simple(65536, 1);
    CHECK_EQ(a->min_free_kbytes, 2048);
    check_wmarks(a, 0, PA_ZONE_NORMAL, 512, 640, 768);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(four_gib_metadata_zone_watermarks_match_kernel)
{
    /* 1 Mi pages = 4194304 KiB; int_sqrt(4194304 * 16) = 8192 KiB -> min 2048.
     * tmp = max(2048 >> 2, mult_frac(1048576, 10, 10000)) = max(512, 1048) = 1048,
     * so low = 3096 and high = 4144 (the scale factor wins at this size). */
    pa_allocator *a = metadata_allocator(0, 0, 1048576, 0);
    CHECK_EQ(a->min_free_kbytes, 8192);
    check_wmarks(a, 0, PA_ZONE_NORMAL, 2048, 2048 + 1048, 2048 + 2 * 1048);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(multi_zone_min_split_in_proportion_to_managed)
{
    /* lowmem = 4096 + 262144 + 262144 = 528384 pages = 2113536 KiB;
     * int_sqrt(2113536 * 16 = 33816576) = 5815 (5815^2 = 33814225);
     * pages_min = 5815 >> 2 = 1453.
     * DMA:   1453 * 4096 / 528384 = 11;   tmp = max(2, 4)     = 4   -> 15, 19
     * DMA32: 1453 * 262144 / 528384 = 720; tmp = max(180, 262) = 262 -> 982, 1244 */
    pa_allocator *a = metadata_allocator(4096, 262144, 262144, 0);
    CHECK_EQ(a->min_free_kbytes, 5815);
    check_wmarks(a, 0, PA_ZONE_DMA, 11, 15, 19);
    check_wmarks(a, 0, PA_ZONE_DMA32, 720, 982, 1244);
    check_wmarks(a, 0, PA_ZONE_NORMAL, 720, 982, 1244);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(multi_node_min_free_kbytes_counts_every_node)
{
    /* Two nodes of 65536 NORMAL pages: lowmem 131072 pages = 524288 KiB;
     * int_sqrt(8388608) = 2896 -> pages_min 724, 362 per zone.
     * tmp = max(90, 65) = 90 -> low 452, high 542. */
    struct pa_config cfg;
    test_config(&cfg, 2, 2, 0, 0, 65536, 0);
    cfg.flags = PA_CFG_METADATA_ONLY;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(a->min_free_kbytes, 2896);
    check_wmarks(a, 0, PA_ZONE_NORMAL, 362, 452, 542);
    check_wmarks(a, 1, PA_ZONE_NORMAL, 362, 452, 542);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(movable_zone_min_is_clamped_managed_over_1024)
{
    /* MOVABLE does not count towards min_free_kbytes (GFP_USER cannot use
     * it): NORMAL 65536 -> 2048 KiB, pages_min 512 as for the default. */
    static const struct { uint64_t movable, min; } cases[] = {
        { 16384, 32 },     /* 16 -> clamped up to SWAP_CLUSTER_MAX */
        { 65536, 64 },     /* 64 */
        { 262144, 128 },   /* 256 -> clamped down to 128 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pa_allocator *a = metadata_allocator(0, 0, 65536, cases[i].movable);
        CHECK_EQ(a->min_free_kbytes, 2048);
        check_wmarks(a, 0, PA_ZONE_NORMAL, 512, 640, 768);
        /* The low/high deltas are not capped: tmp = 512 * movable / 65536,
         * then max(tmp >> 2, movable * 10 / 10000). */
        uint64_t tmp = 512 * cases[i].movable / 65536;
        uint64_t scaled = cases[i].movable * 10 / 10000;
        uint64_t delta = (tmp >> 2) > scaled ? tmp >> 2 : scaled;
        check_wmarks(a, 0, PA_ZONE_MOVABLE, cases[i].min, cases[i].min + delta, cases[i].min + 2 * delta);
        CHECK_OK(a);
        pa_destroy(a);
    }
    /* The worked example for 65536: tmp 512, delta max(128, 65) = 128. */
    pa_allocator *a = metadata_allocator(0, 0, 65536, 65536);
    check_wmarks(a, 0, PA_ZONE_MOVABLE, 64, 192, 320);
    pa_destroy(a);
}

TEST(watermark_scale_factor_override)
{
    /* 65536 pages, factor 100 (1%): tmp = max(128, 655) = 655. */
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, 65536, 0);
    cfg.watermark_scale_factor = 100;
    pa_allocator *a = test_create(&cfg);
    check_wmarks(a, 0, PA_ZONE_NORMAL, 512, 512 + 655, 512 + 2 * 655);
    pa_destroy(a);
    /* Factor 1000 (10%): 6553. */
    cfg.watermark_scale_factor = 1000;
    a = test_create(&cfg);
    check_wmarks(a, 0, PA_ZONE_NORMAL, 512, 512 + 6553, 512 + 2 * 6553);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(min_free_kbytes_override)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, 65536, 0);
    cfg.min_free_kbytes = 4096;          /* 1024 pages; tmp = max(256, 65) */
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(a->min_free_kbytes, 4096);
    check_wmarks(a, 0, PA_ZONE_NORMAL, 1024, 1280, 1536);
    pa_destroy(a);
    cfg.min_free_kbytes = 100;           /* overrides are not clamped: 25 pages */
    a = test_create(&cfg);
    CHECK_EQ(a->min_free_kbytes, 100);
    check_wmarks(a, 0, PA_ZONE_NORMAL, 25, 25 + 65, 25 + 130);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(min_free_kbytes_clamped_to_128)
{
    /* 200 pages = 800 KiB: int_sqrt(12800) = 113 -> 128 KiB = 32 pages;
     * tmp = max(8, 0) = 8. */
    pa_allocator *a = test_simple(200, 1);
    CHECK_EQ(a->min_free_kbytes, 128);
    check_wmarks(a, 0, PA_ZONE_NORMAL, 32, 40, 48);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(min_free_kbytes_clamped_to_262144)
{
    /* 2 MiB pages, 3 Mi of them (6 TiB): int_sqrt(6442450944 * 16) = 321060
     * -> 262144 KiB = 128 pages of 2 MiB. tmp = max(32, 3145) = 3145. */
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, 3ull << 20, 0);
    cfg.page_shift = 21;
    cfg.flags = PA_CFG_METADATA_ONLY;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(a->min_free_kbytes, 262144);
    check_wmarks(a, 0, PA_ZONE_NORMAL, 128, 128 + 3145, 128 + 2 * 3145);
    pa_destroy(a);
    /* Exactly at the top: 2 Mi pages of 2 MiB = 2^32 KiB -> 2^18 exactly. */
    test_config(&cfg, 1, 1, 0, 0, 2ull << 20, 0);
    cfg.page_shift = 21;
    cfg.flags = PA_CFG_METADATA_ONLY;
    a = test_create(&cfg);
    CHECK_EQ(a->min_free_kbytes, 262144);
    pa_destroy(a);
}

TEST(lowmem_reserve_uses_kernel_ratios)
{
    /* Ratios DMA 256, DMA32 256, NORMAL 32: a zone keeps back from requests
     * that could use zone j the managed pages of the zones above it up to j,
     * divided by its own ratio. */
    pa_allocator *a = metadata_allocator(4096, 262144, 262144, 65536);
    struct pa_zone_info zi;
    CHECK_EQ(pa_zone_info(a, 0, PA_ZONE_DMA, &zi), 0);
    CHECK_EQ(zi.lowmem_reserve[PA_ZONE_DMA], 0);
    CHECK_EQ(zi.lowmem_reserve[PA_ZONE_DMA32], 262144 / 256);
    CHECK_EQ(zi.lowmem_reserve[PA_ZONE_NORMAL], (262144 + 262144) / 256);
    CHECK_EQ(zi.lowmem_reserve[PA_ZONE_MOVABLE], (262144 + 262144 + 65536) / 256);
    CHECK_EQ(pa_zone_info(a, 0, PA_ZONE_DMA32, &zi), 0);
    CHECK_EQ(zi.lowmem_reserve[PA_ZONE_DMA], 0);
    CHECK_EQ(zi.lowmem_reserve[PA_ZONE_DMA32], 0);
    CHECK_EQ(zi.lowmem_reserve[PA_ZONE_NORMAL], 262144 / 256);
    CHECK_EQ(zi.lowmem_reserve[PA_ZONE_MOVABLE], (262144 + 65536) / 256);
    CHECK_EQ(pa_zone_info(a, 0, PA_ZONE_NORMAL, &zi), 0);
    CHECK_EQ(zi.lowmem_reserve[PA_ZONE_NORMAL], 0);
    CHECK_EQ(zi.lowmem_reserve[PA_ZONE_MOVABLE], 65536 / 32);
    CHECK_EQ(pa_zone_info(a, 0, PA_ZONE_MOVABLE, &zi), 0);
    for (int j = 0; j < PA_NR_ZONES; j++)
        CHECK_EQ(zi.lowmem_reserve[j], 0);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(lowmem_reserve_skips_absent_zones)
{
    /* No DMA32: DMA's reserve against NORMAL counts NORMAL only. */
    pa_allocator *a = metadata_allocator(4096, 0, 65536, 0);
    struct pa_zone_info zi;
    CHECK_EQ(pa_zone_info(a, 0, PA_ZONE_DMA, &zi), 0);
    CHECK_EQ(zi.lowmem_reserve[PA_ZONE_DMA32], 0);
    CHECK_EQ(zi.lowmem_reserve[PA_ZONE_NORMAL], 65536 / 256);
    CHECK_EQ(zi.lowmem_reserve[PA_ZONE_MOVABLE], 65536 / 256);
    CHECK_EQ(pa_zone_info(a, 0, PA_ZONE_DMA32, &zi), -ENOENT);
    /* The absent zone keeps no reserve (managed 0). */
    for (int j = 0; j < PA_NR_ZONES; j++)
        CHECK_EQ(zone_of(a, 0, PA_ZONE_DMA32)->lowmem_reserve[j], 0);
    pa_destroy(a);
}

/* free <= min + reserve fails, one more page passes. */
static void check_boundary(const struct pa_zone *z, unsigned order, uint64_t mark, int highest,
                           unsigned flags, long fail_at)
{
    CHECK(!zone_watermark_ok(z, order, mark, highest, flags, fail_at));
    CHECK(!zone_watermark_ok(z, order, mark, highest, flags, fail_at - 1));
    CHECK(zone_watermark_ok(z, order, mark, highest, flags, fail_at + 1));
}

TEST(watermark_ok_reserve_reductions_for_high_and_atomic)
{
    pa_allocator *a = test_simple(65536, 1);
    const struct pa_zone *z = zone_of(a, 0, PA_ZONE_NORMAL);
    uint64_t min = z->watermark[WMARK_MIN];
    CHECK_EQ(min, 512);
    unsigned kernel = gfp_to_alloc_flags(PA_GFP_KERNEL, 0);
    unsigned atomic = gfp_to_alloc_flags(PA_GFP_ATOMIC, 0);
    unsigned nowait = gfp_to_alloc_flags(PA_GFP_NOWAIT, 0);
    unsigned high_blocking = gfp_to_alloc_flags(PA_GFP_KERNEL | PA_GFP_HIGH, 0);
    /* GFP_KERNEL: the full min. */
    check_boundary(z, 0, min, PA_ZONE_NORMAL, kernel, 512);
    /* GFP_NOWAIT: non-blocking but no __GFP_HIGH: no reduction. */
    check_boundary(z, 0, min, PA_ZONE_NORMAL, nowait, 512);
    /* __GFP_HIGH that may block: min - min/2 = 256. */
    check_boundary(z, 0, min, PA_ZONE_NORMAL, high_blocking, 256);
    /* GFP_ATOMIC: 256, then - 256/4 = 192. */
    check_boundary(z, 0, min, PA_ZONE_NORMAL, atomic, 192);
    /* ALLOC_OOM halves what is left: 512 -> 256 (alone). */
    check_boundary(z, 0, min, PA_ZONE_NORMAL, ALLOC_WMARK_MIN | ALLOC_OOM, 256);
    /* An odd mark: 515 - 257 = 258, 258 - 64 = 194. */
    check_boundary(z, 0, 515, PA_ZONE_NORMAL, atomic, 194);
    /* Higher orders: (1 << order) - 1 pages are not usable. */
    check_boundary(z, 3, min, PA_ZONE_NORMAL, kernel, 512 + 7);
    check_boundary(z, 3, min, PA_ZONE_NORMAL, atomic | ALLOC_HIGHATOMIC, 192 + 7);
    /* The fast check agrees with the zone's real free count. */
    CHECK(zone_watermark_fast(z, 0, min, PA_ZONE_NORMAL, kernel));
    CHECK(!zone_watermark_fast(z, 0, 65536, PA_ZONE_NORMAL, kernel));
    CHECK(zone_watermark_fast(z, 0, 65535, PA_ZONE_NORMAL, kernel));
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(watermark_ok_adds_lowmem_reserve)
{
    /* DMA32 (min 720) asked for on behalf of a NORMAL request keeps back
     * lowmem_reserve[NORMAL] = 262144 / 256 = 1024. */
    pa_allocator *a = metadata_allocator(4096, 262144, 262144, 0);
    const struct pa_zone *z = zone_of(a, 0, PA_ZONE_DMA32);
    CHECK_EQ(z->watermark[WMARK_MIN], 720);
    CHECK_EQ(z->lowmem_reserve[PA_ZONE_NORMAL], 1024);
    unsigned kernel = gfp_to_alloc_flags(PA_GFP_KERNEL, 0);
    unsigned atomic = gfp_to_alloc_flags(PA_GFP_ATOMIC, 0);
    check_boundary(z, 0, 720, PA_ZONE_NORMAL, kernel, 720 + 1024);
    /* 720 - 360 = 360; 360 - 90 = 270; the reserve is not reduced. */
    check_boundary(z, 0, 720, PA_ZONE_NORMAL, atomic, 270 + 1024);
    /* A DMA32 request itself has no reserve to respect. */
    check_boundary(z, 0, 720, PA_ZONE_DMA32, kernel, 720);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(watermark_high_order_needs_a_free_block)
{
    /* A zone whose free pages are all order 0..3 fails an order-4 check
     * however many pages are free. */
    pa_allocator *a = test_simple(4096, 1);
    const struct pa_zone *z = zone_of(a, 0, PA_ZONE_NORMAL);
    unsigned kernel = gfp_to_alloc_flags(PA_GFP_KERNEL, 0);
    CHECK(zone_watermark_ok(z, 10, 0, PA_ZONE_NORMAL, kernel, 4096));
    /* Take three order-10 blocks; a fourth fails its watermark (free -
     * 1023 <= low and min), then split the last block with an order-9. */
    struct pa_page *blocks[4];
    for (int i = 0; i < 3; i++) {
        blocks[i] = pa_alloc_pages(a, PA_GFP_ATOMIC | PA_GFP_NOWARN, 10);
        CHECK(blocks[i] != NULL);
        CHECK_OK(a);
    }
    CHECK(pa_alloc_pages(a, PA_GFP_ATOMIC | PA_GFP_NOWARN, 10) == NULL);
    CHECK(zone_watermark_ok(z, 10, 0, PA_ZONE_NORMAL, kernel, 100000));
    blocks[3] = pa_alloc_pages(a, PA_GFP_ATOMIC | PA_GFP_NOWARN, 9);
    CHECK(blocks[3] != NULL);
    CHECK(!zone_watermark_ok(z, 10, 0, PA_ZONE_NORMAL, kernel, 100000));
    CHECK(zone_watermark_ok(z, 9, 0, PA_ZONE_NORMAL, kernel, 100000));
    CHECK(!zone_watermark_ok(z, 9, 0, PA_ZONE_NORMAL, kernel, 511));
    CHECK_OK(a);
    for (int i = 0; i < 3; i++)
        pa_free_pages(a, blocks[i], 10);
    pa_free_pages(a, blocks[3], 9);
    CHECK_EQ(test_total_free(a), 4096);
    CHECK_OK(a);
    pa_destroy(a);
}

/* End to end: GFP_NOWAIT stops at the min watermark, GFP_ATOMIC goes on to
 * 3/8 of it. */
TEST(atomic_dips_below_min_where_nowait_stops)
{
    pa_allocator *a = test_simple(65536, 1);
    struct pa_zone_info zi;
    static struct pa_page *held[65536];
    int n = 0;
    struct pa_page *p;
    while ((p = pa_alloc_pages(a, PA_GFP_NOWAIT | PA_GFP_NOWARN, 0)) != NULL)
        held[n++] = p;
    CHECK_OK(a);
    CHECK_EQ(pa_zone_info(a, 0, PA_ZONE_NORMAL, &zi), 0);
    /* The check runs before a refill of one batch (15): the zone's free
     * count ended at most 512 and more than 512 - 15. */
    CHECK(zi.free <= 512);
    CHECK(zi.free > 512 - 15);
    while ((p = pa_alloc_pages(a, PA_GFP_ATOMIC | PA_GFP_NOWARN, 0)) != NULL)
        held[n++] = p;
    CHECK_EQ(pa_zone_info(a, 0, PA_ZONE_NORMAL, &zi), 0);
    CHECK(zi.free <= 192);
    CHECK(zi.free > 192 - 15);
    CHECK_OK(a);
    for (int i = 0; i < n; i++)
        pa_free_pages(a, held[i], 0);
    CHECK_EQ(test_total_free(a), 65536);
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()
