// SPDX-License-Identifier: GPL-2.0-only
/* test_regress.c - regression tests for bugs the reliability runs found
 * (random-operation driver, fuzzer), each reduced to its rule. */
#include "support.h"

#include "internal.h"

/* Two buddy pageblocks of a four-pageblock zone, handed out as order-9 blocks. */
static pa_allocator *two_pageblocks(struct pa_zone **z, struct pa_page **a0, struct pa_page **a1)
{
    pa_allocator *a = test_simple(4 * PAGEBLOCK_NR_PAGES, 1);
    *z = &a->nodes[0].zones[PA_ZONE_NORMAL];
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, PA_PAGEBLOCK_ORDER);
    struct pa_page *q = pa_alloc_pages(a, PA_GFP_KERNEL, PA_PAGEBLOCK_ORDER);
    CHECK(p != NULL && q != NULL);
    *a0 = pa_page_to_pfn(a, p) < pa_page_to_pfn(a, q) ? p : q;
    *a1 = *a0 == p ? q : p;
    CHECK_EQ(pa_page_to_pfn(a, *a1), pa_page_to_pfn(a, *a0) + PAGEBLOCK_NR_PAGES);
    return a;
}

static void set_type(pa_allocator *a, struct pa_zone *z, struct pa_page *p, int mt)
{
    os_mutex_lock(&z->lock);
    set_pageblock_migratetype(z, pa_page_to_pfn(a, p), mt);
    os_mutex_unlock(&z->lock);
}

/* Random driver, seed 8: a block of a reserved (high-atomic) pageblock came
 * back through a pcp list carrying the type the list recorded before the
 * reserve; __free_one_page judged mergeability by that stale type and kept
 * two free reserved pageblocks apart, which pa_check rejects. */
TEST(regress_stale_pcp_type_still_merges_reserved_pageblocks)
{
    struct pa_zone *z;
    struct pa_page *a0, *a1;
    pa_allocator *a = two_pageblocks(&z, &a0, &a1);
    set_type(a, z, a0, PA_MIGRATE_HIGHATOMIC);
    set_type(a, z, a1, PA_MIGRATE_HIGHATOMIC);
    z->nr_reserved_highatomic = 2 * PAGEBLOCK_NR_PAGES;
    free_one_page(z, a1, PA_PAGEBLOCK_ORDER, PA_MIGRATE_HIGHATOMIC);
    free_one_page(z, a0, PA_PAGEBLOCK_ORDER, PA_MIGRATE_MOVABLE);   /* stale pcp type */
    CHECK_EQ(z->free_area[PA_MAX_ORDER].nr_free, 2);   /* with the other half of the zone */
    CHECK_EQ(z->free_area[PA_PAGEBLOCK_ORDER].nr_free, 0);
    CHECK_OK(a);
    pa_destroy(a);
}

/* The same invariant from the other side: a free high-atomic pageblock next
 * to a free ordinary one stays apart (the kernel's rule), until the reserve
 * is given back; then the two must merge. */
TEST(regress_unreserved_pageblock_merges_with_its_free_buddy)
{
    struct pa_zone *z;
    struct pa_page *a0, *a1;
    pa_allocator *a = two_pageblocks(&z, &a0, &a1);
    set_type(a, z, a0, PA_MIGRATE_HIGHATOMIC);
    z->nr_reserved_highatomic = PAGEBLOCK_NR_PAGES;
    free_one_page(z, a0, PA_PAGEBLOCK_ORDER, PA_MIGRATE_HIGHATOMIC);
    free_one_page(z, a1, PA_PAGEBLOCK_ORDER, PA_MIGRATE_MOVABLE);
    CHECK_EQ(z->free_area[PA_PAGEBLOCK_ORDER].nr_free, 2);          /* kept apart */
    CHECK_OK(a);
    struct alloc_context ac;
    CHECK(prepare_alloc_context(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, &ac));
    CHECK(unreserve_highatomic_pageblock(a, &ac, true));
    CHECK_EQ(get_pageblock_migratetype(z, pa_page_to_pfn(a, a0)), ac.migratetype);
    CHECK_EQ(z->free_area[PA_MAX_ORDER].nr_free, 2);   /* with the other half of the zone */
    CHECK_EQ(z->free_area[PA_PAGEBLOCK_ORDER].nr_free, 0);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 4 * PAGEBLOCK_NR_PAGES);
    pa_destroy(a);
}

RUN_TESTS()
