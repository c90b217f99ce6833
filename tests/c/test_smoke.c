// SPDX-License-Identifier: GPL-2.0-only
/* test_smoke.c - the allocator comes up, allocates, frees and merges back. */
#include "support.h"

TEST(create_default_allocator_is_consistent)
{
    pa_allocator *a = test_simple(65536, 2);
    struct pa_zone_info zi;
    CHECK_EQ(pa_zone_info(a, 0, PA_ZONE_NORMAL, &zi), 0);
    CHECK_EQ(zi.free, 65536);
    CHECK_EQ(zi.managed, 65536);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(alloc_free_merges_back_to_max_order)
{
    pa_allocator *a = test_simple(4096, 1);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    CHECK_OK(a);
    pa_free_pages(a, p, 0);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 4096);
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()
