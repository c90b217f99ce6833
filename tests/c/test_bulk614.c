/* SPDX-License-Identifier: GPL-2.0-only */
/* test_bulk614.c - the bulk API since 6.14: alloc_pages_bulk_node (B18) and
 * the populated count on every return of the array forms (B19). */
#include "support.h"
#include "internal.h"

#include <string.h>

#define NORMAL PA_ZONE_NORMAL

static int32_t c2n[2] = { 0, 1 };

static pa_allocator *mk2(void)
{
    struct pa_config cfg;
    test_config(&cfg, 2, 2, 0, 0, 4096, 0);
    cfg.cpu_to_node = c2n;
    cfg.pcp_batch = 8;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    return a;
}

static void all_on(pa_allocator *a, struct pa_page **arr, int n, int nid)
{
    for (int i = 0; i < n; i++) {
        CHECK(arr[i] != NULL);
        CHECK_EQ(pa_page_to_nid(a, arr[i]), nid);
    }
}

/* ---- B18 ------------------------------------------------------------------------- */

TEST(B18_bulk_node_fills_the_array_on_the_node)
{
    pa_allocator *a = mk2();
    struct pa_page *arr[8] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_node(a, PA_GFP_KERNEL, 1, 8, arr), 8);
    all_on(a, arr, 8, 1);
    pa_release_pages(a, arr, 8);
    /* PA_NUMA_NO_NODE: this thread's CPU's node. */
    CHECK_EQ(pa_alloc_pages_bulk_node(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, 8, arr), 8);
    all_on(a, arr, 8, 0);
    pa_release_pages(a, arr, 8);
    CHECK_EQ(pa_bind_cpu(a, 1), 0);
    CHECK_EQ(pa_alloc_pages_bulk_node(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, 8, arr), 8);
    all_on(a, arr, 8, 1);
    pa_release_pages(a, arr, 8);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 2 * 4096);
    pa_destroy(a);
}

TEST(B18_bulk_node_skips_populated_slots_and_ignores_the_policy)
{
    pa_allocator *a = mk2();
    struct pa_page *arr[6] = { 0 };
    struct pa_page *pre = pa_alloc_pages_node(a, PA_GFP_KERNEL, 0, 1);
    arr[3] = pre;
    pa_nodemask_t both = { { 0x3 } };
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_INTERLEAVE, &both), 0);
    CHECK_EQ(pa_alloc_pages_bulk_node(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, 6, arr), 6);
    CHECK(arr[3] == pre);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(pa_page_to_nid(a, arr[i]), i == 3 ? 1 : 0);
    /* Full: nothing allocated, 6 returned. */
    uint64_t g = pa_vm_event(a, PA_PGALLOC_NORMAL);
    CHECK_EQ(pa_alloc_pages_bulk_node(a, PA_GFP_KERNEL, 0, 6, arr), 6);
    CHECK_EQ(pa_vm_event(a, PA_PGALLOC_NORMAL), g);
    pa_release_pages(a, arr, 6);
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_DEFAULT, NULL), 0);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 2 * 4096);
    pa_destroy(a);
}

/* ---- B19 ------------------------------------------------------------------------- */

/* An array of 10 with 2 pages in it (slots 3 and 7), as the issue found it. */
static void two_of_ten(pa_allocator *a, struct pa_page **arr, struct pa_page **keep)
{
    memset(arr, 0, 10 * sizeof(*arr));
    keep[0] = arr[3] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    keep[1] = arr[7] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(keep[0] && keep[1]);
}

/* The array is as two_of_ten left it and nothing was allocated. */
static void untouched(pa_allocator *a, struct pa_page **arr, struct pa_page **keep, uint64_t pgalloc)
{
    for (int i = 0; i < 10; i++)
        CHECK(arr[i] == (i == 3 ? keep[0] : i == 7 ? keep[1] : NULL));
    CHECK_EQ(pa_vm_event(a, PA_PGALLOC_NORMAL), pgalloc);
    CHECK_OK(a);
}

TEST(B19_bad_gfp_returns_the_populated_count)
{
    pa_allocator *a = mk2();
    struct pa_page *arr[10], *keep[2];
    two_of_ten(a, arr, keep);
    uint64_t g = pa_vm_event(a, PA_PGALLOC_NORMAL);
    test_log_reset();
    CHECK_EQ(pa_alloc_pages_bulk_array(a, 0xffffffffu, 10, arr), 2);
    CHECK_EQ(test_log.count, 1);
    untouched(a, arr, keep, g);
    /* A bad zone combination and MOVABLE|RECLAIMABLE too. */
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL | PA_GFP_DMA | PA_GFP_DMA32, 10, arr), 2);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL | PA_GFP_MOVABLE | PA_GFP_RECLAIMABLE, 10, arr), 2);
    untouched(a, arr, keep, g);
    pa_release_pages(a, arr, 10);
    pa_destroy(a);
}

TEST(B19_every_array_entry_point_counts_on_bad_gfp)
{
    pa_allocator *a = mk2();
    struct pa_page *arr[10], *keep[2];
    two_of_ten(a, arr, keep);
    uint64_t g = pa_vm_event(a, PA_PGALLOC_NORMAL);
    const pa_gfp_t bad = 0xffffffffu;
    CHECK_EQ(pa_alloc_pages_bulk(a, bad, PA_NUMA_NO_NODE, NULL, 10, NULL, arr), 2);
    CHECK_EQ(pa_alloc_pages_bulk(a, bad, 1, NULL, 10, NULL, arr), 2);
    CHECK_EQ(pa_alloc_pages_bulk_node(a, bad, 0, 10, arr), 2);
    CHECK_EQ(pa_alloc_pages_bulk_fill(a, bad, PA_NUMA_NO_NODE, NULL, 10, arr), 2);
    CHECK_EQ(pa_alloc_pages_bulk_mempolicy(a, bad, 10, arr), 2);
    pa_nodemask_t both = { { 0x3 } };
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_INTERLEAVE, &both), 0);
    CHECK_EQ(pa_alloc_pages_bulk_mempolicy(a, bad, 10, arr), 2);
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_DEFAULT, NULL), 0);
    untouched(a, arr, keep, g);
    /* The list forms add nothing and say 0. */
    struct pa_list_head list;
    pa_list_init(&list);
    CHECK_EQ(pa_alloc_pages_bulk_list(a, bad, 10, &list), 0);
    CHECK_EQ(pa_alloc_pages_bulk_mempolicy_list(a, bad, 10, &list), 0);
    CHECK(pa_list_empty(&list));
    pa_release_pages(a, arr, 10);
    pa_destroy(a);
}

TEST(B19_bad_node_or_mask_returns_the_populated_count)
{
    pa_allocator *a = mk2();
    struct pa_page *arr[10], *keep[2];
    two_of_ten(a, arr, keep);
    uint64_t g = pa_vm_event(a, PA_PGALLOC_NORMAL);
    static const int bad_nodes[] = { 2, 63, -2, 1000 };
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, bad_nodes[i], NULL, 10, NULL, arr), 2);
        CHECK_EQ(pa_alloc_pages_bulk_node(a, PA_GFP_KERNEL, bad_nodes[i], 10, arr), 2);
        CHECK_EQ(pa_alloc_pages_bulk_fill(a, PA_GFP_KERNEL, bad_nodes[i], NULL, 10, arr), 2);
    }
    /* A mask with no node of the allocator: no page anywhere, still 2. */
    pa_nodemask_t none = { { 1ull << 40 } };
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, &none, 10, NULL, arr), 2);
    CHECK_EQ(pa_alloc_pages_bulk_fill(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, &none, 10, arr), 2);
    untouched(a, arr, keep, g);
    pa_release_pages(a, arr, 10);
    pa_destroy(a);
}

TEST(B19_only_b1_failures_return_zero)
{
    pa_allocator *a = mk2();
    struct pa_page *arr[10], *keep[2];
    two_of_ten(a, arr, keep);
    struct pa_list_head list;
    pa_list_init(&list);
    CHECK_EQ(pa_alloc_pages_bulk(NULL, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 10, NULL, arr), 0);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 10, &list, arr), 0);
    CHECK_EQ(pa_alloc_pages_bulk(a, 0xffffffffu, 5, NULL, 10, &list, arr), 0);
    CHECK_EQ(pa_alloc_pages_bulk_node(NULL, PA_GFP_KERNEL, 0, 10, arr), 0);
    CHECK_EQ(pa_alloc_pages_bulk_node(a, PA_GFP_KERNEL, 0, 10, NULL), 0);
    CHECK_EQ(pa_alloc_pages_bulk_mempolicy(NULL, PA_GFP_KERNEL, 10, arr), 0);
    CHECK_EQ(pa_alloc_pages_bulk_mempolicy(a, PA_GFP_KERNEL, 10, NULL), 0);
    CHECK(pa_list_empty(&list));
    untouched(a, arr, keep, pa_vm_event(a, PA_PGALLOC_NORMAL));
    /* And a good call fills the rest and counts all ten. */
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 10, arr), 10);
    pa_release_pages(a, arr, 10);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 2 * 4096);
    pa_destroy(a);
}

RUN_TESTS()
