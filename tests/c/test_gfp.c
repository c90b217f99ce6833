// SPDX-License-Identifier: GPL-2.0-only
/* test_gfp.c - what a gfp mask means: gfp_zone() (Kernel: GFP_ZONE_TABLE on a
 * 64-bit machine without highmem), gfp_migratetype(), gfp_to_alloc_flags()
 * (6.3+: ALLOC_MIN_RESERVE / ALLOC_NON_BLOCK), and the masks pa_alloc_pages
 * must refuse. */
#include "support.h"

#include "internal.h"

#define D PA_GFP_DMA
#define H PA_GFP_HIGHMEM
#define D32 PA_GFP_DMA32
#define M PA_GFP_MOVABLE

TEST(gfp_zone_table_matches_kernel)
{
    /* Kernel GFP_ZONE_TABLE (OPT_ZONE_HIGHMEM == ZONE_NORMAL): index by the
     * four zone bits; GFP_ZONE_BAD combinations give -1 here. */
    static const struct { pa_gfp_t gfp; int zone; } table[16] = {
        { 0, PA_ZONE_NORMAL },
        { D, PA_ZONE_DMA },
        { H, PA_ZONE_NORMAL },
        { D | H, -1 },
        { D32, PA_ZONE_DMA32 },
        { D | D32, -1 },
        { H | D32, -1 },
        { D | H | D32, -1 },
        { M, PA_ZONE_NORMAL },
        { M | D, PA_ZONE_DMA },
        { M | H, PA_ZONE_MOVABLE },
        { M | D | H, -1 },
        { M | D32, PA_ZONE_DMA32 },
        { M | D | D32, -1 },
        { M | H | D32, -1 },
        { M | D | H | D32, -1 },
    };
    for (int i = 0; i < 16; i++) {
        CHECK_EQ(table[i].gfp, (pa_gfp_t)i);   /* the table covers every combination */
        CHECK_EQ(gfp_zone(table[i].gfp), table[i].zone);
        /* Other bits never change the zone. */
        CHECK_EQ(gfp_zone(table[i].gfp | PA_GFP_KERNEL | PA_GFP_ZERO | PA_GFP_THISNODE), table[i].zone);
    }
    /* The composite masks. */
    CHECK_EQ(gfp_zone(PA_GFP_KERNEL), PA_ZONE_NORMAL);
    CHECK_EQ(gfp_zone(PA_GFP_ATOMIC), PA_ZONE_NORMAL);
    CHECK_EQ(gfp_zone(PA_GFP_USER), PA_ZONE_NORMAL);
    CHECK_EQ(gfp_zone(PA_GFP_HIGHUSER_MOVABLE), PA_ZONE_MOVABLE);
    CHECK_EQ(gfp_zone(PA_GFP_KERNEL | PA_GFP_DMA32), PA_ZONE_DMA32);
}

TEST(gfp_migratetype_from_mobility_bits)
{
    CHECK_EQ(gfp_migratetype(PA_GFP_KERNEL), PA_MIGRATE_UNMOVABLE);
    CHECK_EQ(gfp_migratetype(PA_GFP_ATOMIC), PA_MIGRATE_UNMOVABLE);
    CHECK_EQ(gfp_migratetype(PA_GFP_KERNEL | PA_GFP_MOVABLE), PA_MIGRATE_MOVABLE);
    CHECK_EQ(gfp_migratetype(PA_GFP_HIGHUSER_MOVABLE), PA_MIGRATE_MOVABLE);
    CHECK_EQ(gfp_migratetype(PA_GFP_KERNEL | PA_GFP_RECLAIMABLE), PA_MIGRATE_RECLAIMABLE);
    CHECK_EQ(gfp_migratetype(PA_GFP_DMA | PA_GFP_RECLAIMABLE), PA_MIGRATE_RECLAIMABLE);
}

TEST(gfp_valid_accepts_kernel_masks_and_rejects_bad_ones)
{
    pa_allocator *a = test_simple(4096, 1);
    CHECK(gfp_valid(a, PA_GFP_KERNEL));
    CHECK(gfp_valid(a, PA_GFP_ATOMIC));
    CHECK(gfp_valid(a, PA_GFP_NOWAIT));
    CHECK(gfp_valid(a, PA_GFP_USER));
    CHECK(gfp_valid(a, PA_GFP_HIGHUSER_MOVABLE));
    CHECK(gfp_valid(a, PA_GFP_ALL_FLAGS & ~(PA_GFP_DMA | PA_GFP_DMA32 | PA_GFP_RECLAIMABLE)));
    CHECK(gfp_valid(a, 0));
    CHECK(!gfp_valid(a, PA_GFP_KERNEL | 0x200u));
    CHECK(!gfp_valid(a, PA_GFP_KERNEL | 0x1000u));
    CHECK(!gfp_valid(a, PA_GFP_KERNEL | 0x20000u));
    CHECK(!gfp_valid(a, PA_GFP_KERNEL | 0x800000u));
    CHECK(!gfp_valid(a, 0x80000000u));
    CHECK(!gfp_valid(a, PA_GFP_KERNEL | PA_GFP_MOVABLE | PA_GFP_RECLAIMABLE));
    CHECK(!gfp_valid(a, PA_GFP_DMA | PA_GFP_DMA32));
    CHECK(!gfp_valid(a, PA_GFP_DMA | PA_GFP_HIGHMEM));
    CHECK_OK(a);
    pa_destroy(a);
}

/* The kernel's rules, written out once more as the oracle: unknown bits, a
 * GFP_ZONE_BAD combination (the kernel's constant, indexed by the four zone
 * bits), or movable and reclaimable together. */
static bool kernel_accepts(pa_gfp_t gfp)
{
    const unsigned gfp_zone_bad = 0xe8e8u;
    return !(gfp & ~PA_GFP_ALL_FLAGS) && !((gfp_zone_bad >> (gfp & 0xfu)) & 1u) &&
           (gfp & (PA_GFP_MOVABLE | PA_GFP_RECLAIMABLE)) != (PA_GFP_MOVABLE | PA_GFP_RECLAIMABLE);
}

/* pa_gfp_valid over every combination of the known bits, each with every
 * unknown bit added (.NET's CheckGfp asks it, so both answer alike). */
TEST(pa_gfp_valid_matches_the_kernels_rules_for_every_mask)
{
    unsigned long accepted = 0;
    pa_gfp_t known = PA_GFP_ALL_FLAGS;
    /* Every subset of the known bits: the submask walk. */
    for (pa_gfp_t gfp = known;; gfp = (gfp - 1) & known) {
        CHECK_EQ(pa_gfp_valid(gfp), kernel_accepts(gfp));
        accepted += pa_gfp_valid(gfp);
        if (!gfp)
            break;
    }
    /* 8 of the 16 zone combinations are good; with reclaimable or not, 16,
     * of which 4 pair it with movable: 12 of the 32, times the other bits. */
    CHECK_EQ(accepted, 12ul << (__builtin_popcount(known) - 5));
    for (int bit = 0; bit < 32; bit++) {
        pa_gfp_t b = 1u << bit;
        if (known & b)
            continue;
        CHECK(!pa_gfp_valid(b));
        CHECK(!pa_gfp_valid(PA_GFP_KERNEL | b));
    }
}

/* pa_gfp_valid decides what the allocator does: with every zone present,
 * each of the zone and mobility combinations, times a few other bits, gets
 * a page exactly when pa_gfp_valid accepts it. */
TEST(pa_gfp_valid_decides_every_allocation)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 2048, 2048, 2048, 2048);
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    const pa_gfp_t others[] = { 0, PA_GFP_KERNEL, PA_GFP_ATOMIC | PA_GFP_ZERO,
                                PA_GFP_NOWAIT | PA_GFP_NOWARN | PA_GFP_THISNODE,
                                PA_GFP_KERNEL | 0x200u, 0x80000000u };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        for (pa_gfp_t mz = 0; mz < 32; mz++) {
            pa_gfp_t gfp = others[i] | mz;
            struct pa_page *page = pa_alloc_pages(a, gfp, 0);
            CHECK_EQ(page != NULL, pa_gfp_valid(gfp));
            if (page)
                pa_free_pages(a, page, 0);
        }
    CHECK_OK(a);
    pa_destroy(a);
}

/* Every invalid mask: NULL, exactly one log line, nothing allocated. */
TEST(invalid_gfp_rejected_by_pa_alloc_pages_with_one_log_line)
{
    static const pa_gfp_t bad[] = {
        PA_GFP_KERNEL | 0x200u,
        PA_GFP_KERNEL | 0x1000u,
        PA_GFP_KERNEL | 0x20000u,
        PA_GFP_KERNEL | 0x01000000u,
        0xffffffffu,
        PA_GFP_KERNEL | PA_GFP_MOVABLE | PA_GFP_RECLAIMABLE,
        PA_GFP_KERNEL | PA_GFP_DMA | PA_GFP_DMA32,
        PA_GFP_KERNEL | PA_GFP_DMA | PA_GFP_HIGHMEM,
        PA_GFP_KERNEL | PA_GFP_DMA32 | PA_GFP_HIGHMEM,
        PA_GFP_KERNEL | PA_GFP_MOVABLE | PA_GFP_DMA | PA_GFP_DMA32,
        PA_GFP_KERNEL | PA_GFP_MOVABLE | PA_GFP_HIGHMEM | PA_GFP_DMA,
    };
    pa_allocator *a = test_simple(4096, 1);
    uint64_t free0 = test_total_free(a);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        test_log_reset();
        CHECK(pa_alloc_pages(a, bad[i], 0) == NULL);
        CHECK_EQ(test_log.count, 1);
        CHECK(strstr(test_log.last, "gfp") != NULL);
        test_log_reset();
        CHECK(pa_alloc_pages_node(a, bad[i], 1, 0) == NULL);
        CHECK_EQ(test_log.count, 1);
        test_log_reset();
        CHECK(pa_alloc_pages_nodemask(a, bad[i], 0, PA_NUMA_NO_NODE, NULL) == NULL);
        CHECK_EQ(test_log.count, 1);
        test_log_reset();
        struct pa_page *arr[4] = { 0 };
        CHECK_EQ(pa_alloc_pages_bulk_array(a, bad[i], 4, arr), 0);
        CHECK_EQ(test_log.count, 1);
        CHECK(arr[0] == NULL);
        CHECK_OK(a);
    }
    CHECK_EQ(pa_vm_event(a, PA_PGALLOC_NORMAL), 0);
    CHECK_EQ(test_total_free(a), free0);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(gfp_to_alloc_flags_gfp_kernel)
{
    /* Blocking: min watermark, cpuset, kswapd; no reserves. */
    CHECK_EQ(gfp_to_alloc_flags(PA_GFP_KERNEL, 0), ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD);
    CHECK_EQ(gfp_to_alloc_flags(PA_GFP_KERNEL, 3), ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD);
    /* __GFP_HIGH on a blocking request: ALLOC_MIN_RESERVE, cpuset kept. */
    CHECK_EQ(gfp_to_alloc_flags(PA_GFP_KERNEL | PA_GFP_HIGH, 0),
             ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD | ALLOC_MIN_RESERVE);
    /* No kswapd bit: no ALLOC_KSWAPD. */
    CHECK_EQ(gfp_to_alloc_flags(PA_GFP_DIRECT_RECLAIM, 0), ALLOC_WMARK_MIN | ALLOC_CPUSET);
}

TEST(gfp_to_alloc_flags_gfp_atomic)
{
    /* Non-blocking __GFP_HIGH: MIN_RESERVE + NON_BLOCK, cpuset ignored. */
    CHECK_EQ(gfp_to_alloc_flags(PA_GFP_ATOMIC, 0),
             ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK | ALLOC_KSWAPD);
    /* Order > 0 adds ALLOC_HIGHATOMIC. */
    CHECK_EQ(gfp_to_alloc_flags(PA_GFP_ATOMIC, 1),
             ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK | ALLOC_KSWAPD | ALLOC_HIGHATOMIC);
    CHECK_EQ(gfp_to_alloc_flags(PA_GFP_ATOMIC, 10),
             ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK | ALLOC_KSWAPD | ALLOC_HIGHATOMIC);
    CHECK((gfp_to_alloc_flags(PA_GFP_ATOMIC, 0) & ALLOC_CPUSET) == 0);
}

TEST(gfp_to_alloc_flags_gfp_nowait)
{
    /* Non-blocking without __GFP_HIGH: NON_BLOCK only, cpuset kept. */
    CHECK_EQ(gfp_to_alloc_flags(PA_GFP_NOWAIT, 0),
             ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_NON_BLOCK | ALLOC_KSWAPD);
    CHECK_EQ(gfp_to_alloc_flags(PA_GFP_NOWAIT, 2),
             ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_NON_BLOCK | ALLOC_KSWAPD | ALLOC_HIGHATOMIC);
    CHECK_EQ(gfp_to_alloc_flags(0, 0), ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_NON_BLOCK);
}

TEST(gfp_to_alloc_flags_nomemalloc)
{
    /* __GFP_NOMEMALLOC: no NON_BLOCK and no HIGHATOMIC even when non-blocking. */
    CHECK_EQ(gfp_to_alloc_flags(PA_GFP_NOWAIT | PA_GFP_NOMEMALLOC, 0),
             ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD);
    CHECK_EQ(gfp_to_alloc_flags(PA_GFP_NOWAIT | PA_GFP_NOMEMALLOC, 3),
             ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD);
    /* GFP_ATOMIC | NOMEMALLOC keeps MIN_RESERVE and still drops cpuset. */
    CHECK_EQ(gfp_to_alloc_flags(PA_GFP_ATOMIC | PA_GFP_NOMEMALLOC, 1),
             ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE | ALLOC_KSWAPD);
    /* Blocking requests are unaffected. */
    CHECK_EQ(gfp_to_alloc_flags(PA_GFP_KERNEL | PA_GFP_NOMEMALLOC, 1),
             ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD);
}

TEST(alloc_respects_highest_zone_of_gfp)
{
    /* One node with every zone: each zone modifier lands in its zone (the
     * preferred one, since all have plenty of free pages). */
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 2048, 4096, 4096, 4096);
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    static const struct { pa_gfp_t gfp; enum pa_zone_type zone; } cases[] = {
        { PA_GFP_KERNEL, PA_ZONE_NORMAL },
        { PA_GFP_KERNEL | PA_GFP_DMA, PA_ZONE_DMA },
        { PA_GFP_KERNEL | PA_GFP_DMA32, PA_ZONE_DMA32 },
        { PA_GFP_HIGHUSER_MOVABLE, PA_ZONE_MOVABLE },
        { PA_GFP_KERNEL | PA_GFP_MOVABLE, PA_ZONE_NORMAL },
        { PA_GFP_KERNEL | PA_GFP_HIGHMEM, PA_ZONE_NORMAL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (unsigned order = 0; order <= 4; order += 4) {
            struct pa_page *p = pa_alloc_pages(a, cases[i].gfp, order);
            CHECK(p != NULL);
            CHECK_EQ(pa_page_zonenum(a, p), cases[i].zone);
            CHECK_OK(a);
            pa_free_pages(a, p, order);
            CHECK_OK(a);
        }
    }
    CHECK_EQ(test_total_free(a), 2048 + 4096 * 3);
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()
