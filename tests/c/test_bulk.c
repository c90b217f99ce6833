// SPDX-License-Identifier: GPL-2.0-only
/* test_bulk.c - the bulk allocator, one test per rule of docs/BULK_RULES.md.
 *
 * The bulk path and the single-page path are told apart by what they leave
 * behind:
 * - the single-page path's rmqueue_pcplist() halves pcp->free_factor
 *   (Kernel 6.1: "On allocation, reduce the number of pages that are batch
 *   freed"), the bulk path never touches it. Tests set free_factor to 8 and
 *   read 4 after one single-page allocation, 8 after a bulk one;
 * - with the pcp lock held the single-page path takes its page from the
 *   buddy lists (zone free drops by exactly one, pcp stays empty), the bulk
 *   path would refill the pcp by a batch.
 */
#include "support.h"
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NORMAL PA_ZONE_NORMAL
#define MARK 8

/* ---- helpers ------------------------------------------------------------ */

/* nr_nodes nodes of one NORMAL zone each, cpu i on node i. */
static pa_allocator *mkn(int nr_nodes, uint64_t pages, uint32_t batch, uint32_t high)
{
    static int32_t c2n[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
    struct pa_config cfg;
    test_config(&cfg, nr_nodes, nr_nodes, 0, 0, pages, 0);
    cfg.cpu_to_node = c2n;
    cfg.pcp_batch = batch;
    cfg.pcp_high = high;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    return a;
}

static uint32_t pcpcount(pa_allocator *a, int cpu, int nid, enum pa_zone_type zt)
{
    struct pa_pcp_info pi;
    CHECK_EQ(pa_pcp_info(a, cpu, nid, zt, &pi), 0);
    return pi.count;
}

static struct per_cpu_pages *pcp_of(pa_allocator *a, int cpu, int nid, enum pa_zone_type zt)
{
    return &a->nodes[nid].zones[zt].pcp[cpu];
}

static uint64_t ev(pa_allocator *a, enum pa_vm_event_item item)
{
    return pa_vm_event(a, item);
}

/* Allocates with gfp until the allocator says no; returns how many. */
static size_t exhaust(pa_allocator *a, pa_gfp_t gfp, struct held *h)
{
    size_t n = 0;
    struct pa_page *p;
    while ((p = pa_alloc_pages(a, gfp | PA_GFP_NOWARN, 0)) != NULL) {
        held_push(h, p);
        n++;
    }
    return n;
}

static int distinct(struct pa_page **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (v[i] == v[j])
                return 0;
    return 1;
}

static int contains(struct pa_page **v, size_t n, const struct pa_page *p)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == p)
            return 1;
    return 0;
}

/* A reclaim callback that frees pages the test holds. */
struct reclaim_ctx {
    struct held *h;
    int calls;
    int free_on_call;        /* free only from this call on (1: always) */
};

static unsigned long reclaim_from_held(void *ctx, pa_allocator *a, int nid, unsigned long nr)
{
    (void)nid;
    struct reclaim_ctx *rc = ctx;
    rc->calls++;
    if (rc->calls < rc->free_on_call)
        return 0;
    unsigned long freed = 0;
    while (freed < nr && rc->h->n) {
        pa_free_pages(a, rc->h->p[--rc->h->n], 0);
        freed++;
    }
    return freed;
}

/* ---- B1 ------------------------------------------------------------------ */

TEST(B1_needs_exactly_one_of_list_and_array)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, 16384, 0);
    cfg.pcp_batch = 8;
    cfg.pcp_high = 64;
    cfg.flags = PA_CFG_DEBUG_CHECKS;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    struct pa_list_head list;
    pa_list_init(&list);
    struct pa_page *arr[4] = { 0 };
    uint64_t f0 = test_zone_free(a, 0, NORMAL), g0 = ev(a, PA_PGALLOC_NORMAL);

    /* Neither: 0, logged once. */
    test_log_reset();
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 4, NULL, NULL), 0);
    CHECK_EQ(test_log.count, 1);
    CHECK_OK(a);
    /* Both: 0, logged once, neither touched. */
    test_log_reset();
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 4, &list, arr), 0);
    CHECK_EQ(test_log.count, 1);
    CHECK(pa_list_empty(&list));
    for (int i = 0; i < 4; i++)
        CHECK(arr[i] == NULL);
    CHECK_OK(a);
    /* Nothing was allocated by either. */
    CHECK_EQ(test_zone_free(a, 0, NORMAL), f0);
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), 0);
    CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), g0);
    /* A NULL allocator is refused too. */
    CHECK_EQ(pa_alloc_pages_bulk(NULL, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 4, &list, NULL), 0);

    /* Either one alone works, with order-0 pages. */
    test_log_reset();
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 4, &list, NULL), 4);
    CHECK_OK(a);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 4, NULL, arr), 4);
    CHECK_OK(a);
    CHECK_EQ(pa_list_count(&list), 4);
    for (struct pa_page *p = pa_list_first(&list); p; p = pa_list_next(&list, p)) {
        CHECK_EQ(p->order, 0);
        CHECK_EQ(page_state(p), PG_ALLOC);
    }
    for (int i = 0; i < 4; i++) {
        CHECK(arr[i] != NULL);
        CHECK_EQ(arr[i]->order, 0);
        CHECK_EQ(page_state(arr[i]), PG_ALLOC);
    }
    CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), g0 + 8);
    /* Freed as order 0 with bad_page checks on: accepted silently. */
    pa_free_pages_bulk(a, &list);
    pa_release_pages(a, arr, 4);
    CHECK_EQ(test_log.count, 0);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

/* ---- B2 ------------------------------------------------------------------ */

TEST(B2_no_node_means_the_calling_cpus_node)
{
    pa_allocator *a = mkn(2, 8192, 8, 64);
    struct pa_page *arr[8] = { 0 };
    struct pa_list_head list;
    pa_list_init(&list);

    /* On cpu 1 (node 1): every page from node 1, all local hits. */
    CHECK_EQ(pa_bind_cpu(a, 1), 0);
    uint64_t f0 = test_zone_free(a, 0, NORMAL);
    uint64_t hit = ev(a, PA_NUMA_HIT), local = ev(a, PA_NUMA_LOCAL), other = ev(a, PA_NUMA_OTHER);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 8, NULL, arr), 8);
    CHECK_OK(a);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(pa_page_to_nid(a, arr[i]), 1);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), f0);
    CHECK_EQ(test_zone_free(a, 1, NORMAL), 8192 - 8);     /* one batch of 8 for cpu 1 */
    CHECK_EQ(pcpcount(a, 1, 1, NORMAL), 0);
    CHECK_EQ(pcpcount(a, 0, 1, NORMAL), 0);
    CHECK_EQ(ev(a, PA_NUMA_HIT), hit + 8);
    CHECK_EQ(ev(a, PA_NUMA_LOCAL), local + 8);
    CHECK_EQ(ev(a, PA_NUMA_OTHER), other);

    /* On cpu 0 (node 0): the list form lands on node 0. */
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 8, &list, NULL), 8);
    CHECK_OK(a);
    for (struct pa_page *p = pa_list_first(&list); p; p = pa_list_next(&list, p))
        CHECK_EQ(pa_page_to_nid(a, p), 0);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), 8192 - 8);

    /* An explicit node overrides the CPU's. */
    pa_release_pages(a, arr, 8);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, 1, NULL, 8, NULL, arr), 8);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(pa_page_to_nid(a, arr[i]), 1);
    CHECK_OK(a);

    pa_release_pages(a, arr, 8);
    pa_free_pages_bulk(a, &list);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 2 * 8192);
    pa_destroy(a);
}

/* ---- B3 ------------------------------------------------------------------ */

TEST(B3_populated_slots_are_skipped_never_overwritten)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 64);
    struct pa_page *pre[4];
    for (int i = 0; i < 4; i++) {
        pre[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
        CHECK(pre[i] != NULL);
    }
    CHECK_OK(a);

    /* Ten slots plus a NULL sentinel that must stay NULL. */
    struct pa_page **arr = calloc(11, sizeof(*arr));
    CHECK(arr != NULL);
    arr[0] = pre[0];
    arr[1] = pre[1];
    arr[4] = pre[2];
    arr[9] = pre[3];
    uint64_t g0 = ev(a, PA_PGALLOC_NORMAL);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 10, NULL, arr), 10);
    CHECK_OK(a);
    CHECK(arr[0] == pre[0]);
    CHECK(arr[1] == pre[1]);
    CHECK(arr[4] == pre[2]);
    CHECK(arr[9] == pre[3]);
    CHECK(arr[10] == NULL);
    for (int i = 0; i < 10; i++)
        CHECK(arr[i] != NULL);
    CHECK(distinct(arr, 10));
    CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), g0 + 6);   /* only the six NULL slots */

    /* A full array followed by a non-NULL sentinel: the sentinel is not
     * counted (the scan stops at nr_pages). */
    struct pa_page *fake = (struct pa_page *)(uintptr_t)0x10;
    arr[10] = fake;
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 10, NULL, arr), 10);
    CHECK(arr[10] == fake);
    CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), g0 + 6);
    arr[10] = NULL;
    CHECK_OK(a);

    /* Exactly-sized heap arrays (ASan flags any read past the end): one
     * missing page at the end, and a hole in the middle. */
    pa_release_pages(a, arr, 10);
    struct pa_page **exact = malloc(3 * sizeof(*exact));
    CHECK(exact != NULL);
    for (int i = 0; i < 2; i++) {
        exact[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
        CHECK(exact[i] != NULL);
    }
    exact[2] = NULL;                                   /* one missing, at the end */
    struct pa_page *k0 = exact[0], *k1 = exact[1];
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 3, NULL, exact), 3);
    CHECK(exact[0] == k0 && exact[1] == k1 && exact[2] != NULL);
    CHECK(distinct(exact, 3));
    CHECK_OK(a);
    pa_free_pages(a, exact[1], 0);
    exact[1] = NULL;                                   /* a hole in the middle */
    struct pa_page *e2 = exact[2];
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 3, NULL, exact), 3);
    CHECK(exact[0] == k0 && exact[2] == e2 && exact[1] != NULL);
    CHECK(distinct(exact, 3));
    CHECK_OK(a);

    pa_release_pages(a, exact, 3);
    free(exact);
    free(arr);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

/* ---- B4 ------------------------------------------------------------------ */

TEST(B4_full_array_returns_n_and_allocates_nothing)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 64);
    struct pa_page *arr[6] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 6, arr), 6);
    CHECK_OK(a);

    /* Full: returns nr_pages, not 0, and touches nothing. */
    struct pa_page *copy[6];
    memcpy(copy, arr, sizeof(arr));
    uint64_t f0 = test_zone_free(a, 0, NORMAL), g0 = ev(a, PA_PGALLOC_NORMAL);
    uint32_t c0 = pcpcount(a, 0, 0, NORMAL);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 6, NULL, arr), 6);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 6, arr), 6);
    CHECK_OK(a);
    CHECK(memcmp(copy, arr, sizeof(arr)) == 0);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), f0);
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), c0);
    CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), g0);

    /* Partly populated: the total, pre-populated ones included. */
    pa_release_pages(a, arr + 2, 4);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 6, NULL, arr), 6);
    CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), g0 + 4);
    CHECK_OK(a);

    /* A list: only the pages this call added. */
    struct pa_list_head list;
    pa_list_init(&list);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 3, &list, NULL), 3);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 5, &list, NULL), 5);
    CHECK_EQ(pa_list_count(&list), 8);
    CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), g0 + 12);
    CHECK_OK(a);

    pa_free_pages_bulk(a, &list);
    pa_release_pages(a, arr, 6);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

/* B4, array form: the count is every populated slot, including
 * pre-populated slots after the point where a short fill stopped (the
 * kernel returns only the index reached there). */
TEST(B4b_short_array_count_includes_populated_slots_beyond)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 64);
    struct per_cpu_pages *pcp = pcp_of(a, 0, 0, NORMAL);
    struct pa_page *pre = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(pre != NULL);
    /* The bulk path runs dry after 8 pages (see B12). */
    struct pa_page *one[5];
    for (int i = 0; i < 5; i++)
        one[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    pa_release_pages(a, one, 5);
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), 8 - 6 + 5);
    struct pa_page *arr[20] = { 0 };
    arr[15] = pre;
    pcp->batch = 0;
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 20, NULL, arr), 7 + 1);
    pcp->batch = 8;
    for (int i = 0; i < 7; i++)
        CHECK(arr[i] != NULL);
    for (int i = 7; i < 20; i++)
        CHECK((arr[i] != NULL) == (i == 15));
    CHECK(arr[15] == pre);
    CHECK_OK(a);
    pa_release_pages(a, arr + 7, 13);

    /* The single-page path (pcp lock held): p, new, q of [p, -, -, q]. */
    struct pa_page *hole[4] = { arr[0], NULL, NULL, arr[1] };
    arr[0] = arr[1] = NULL;
    spin_lock(&pcp->lock);
    unsigned long n = pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 4, NULL, hole);
    spin_unlock(&pcp->lock);
    CHECK_EQ(n, 3);
    CHECK(hole[1] != NULL && hole[2] == NULL);
    CHECK_OK(a);

    pa_release_pages(a, hole, 4);
    pa_release_pages(a, arr, 20);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

/* ---- B5 ------------------------------------------------------------------ */

TEST(B5_zero_pages_returns_zero)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 64);
    struct pa_page *arr[2] = { 0 };
    struct pa_list_head list;
    pa_list_init(&list);
    uint64_t f0 = test_zone_free(a, 0, NORMAL), g0 = ev(a, PA_PGALLOC_NORMAL);
    test_log_reset();

    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 0, NULL, arr), 0);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 0, &list, NULL), 0);
    CHECK_EQ(pa_alloc_pages_bulk_list(a, PA_GFP_KERNEL, 0, &list), 0);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 0, arr), 0);
    CHECK_EQ(pa_alloc_pages_bulk_fill(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 0, arr), 0);
    CHECK_OK(a);
    CHECK(pa_list_empty(&list));
    CHECK(arr[0] == NULL && arr[1] == NULL);

    /* Even with a populated slot 0: nr_pages 0 counts nothing. */
    arr[0] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(arr[0] != NULL);
    uint64_t g1 = ev(a, PA_PGALLOC_NORMAL);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 0, NULL, arr), 0);
    CHECK(arr[1] == NULL);
    CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), g1);
    CHECK_EQ(g1, g0 + 1);
    CHECK_EQ(test_log.count, 0);                      /* not an error */
    pa_release_pages(a, arr, 2);
    CHECK_OK(a);
    pa_drain_all_pages(a);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), f0);
    pa_destroy(a);
}

/* ---- B6 ------------------------------------------------------------------ */

TEST(B6_one_missing_page_takes_the_single_page_path)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 64);
    struct per_cpu_pages *pcp = pcp_of(a, 0, 0, NORMAL);
    struct pa_page *arr[8] = { 0 };
    for (int i = 0; i < 7; i++) {
        arr[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
        CHECK(arr[i] != NULL);
    }
    CHECK_OK(a);

    /* One missing: the single-page path (free_factor halved once). */
    uint64_t g0 = ev(a, PA_PGALLOC_NORMAL);
    pcp->free_factor = MARK;
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 8, NULL, arr), 8);
    CHECK_EQ(pcp->free_factor, MARK / 2);
    CHECK(arr[7] != NULL && distinct(arr, 8));
    CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), g0 + 1);
    CHECK_OK(a);

    /* Two missing: the bulk path (free_factor untouched). */
    pa_release_pages(a, arr + 6, 2);
    pcp->free_factor = MARK;
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 8, NULL, arr), 8);
    CHECK_EQ(pcp->free_factor, MARK);
    CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), g0 + 3);
    CHECK_OK(a);

    /* The single-page path includes the slow path: with the zone
     * exhausted, only a request that may reclaim gets its page. */
    struct held h = { 0 };
    exhaust(a, PA_GFP_KERNEL, &h);
    CHECK(h.n > 0);
    CHECK_OK(a);
    pa_release_pages(a, arr + 7, 1);
    pa_drain_all_pages(a);
    exhaust(a, PA_GFP_KERNEL, &h);                    /* take the page back */
    CHECK(arr[7] == NULL);
    struct reclaim_ctx rc = { &h, 0, 1 };
    CHECK_EQ(pa_register_reclaim(a, reclaim_from_held, &rc), 0);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_NOWAIT | PA_GFP_NOWARN, PA_NUMA_NO_NODE, NULL, 8, NULL, arr), 7);
    CHECK_EQ(rc.calls, 0);
    CHECK(arr[7] == NULL);
    CHECK_OK(a);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 8, NULL, arr), 8);
    CHECK(rc.calls >= 1);
    CHECK(arr[7] != NULL);
    CHECK_OK(a);

    CHECK_EQ(pa_unregister_reclaim(a, reclaim_from_held, &rc), 0);
    pa_release_pages(a, arr, 8);
    held_done(a, &h);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

/* B6, array form: one NULL slot anywhere in the array, not only at the
 * end of the populated prefix, is "one page missing". */
TEST(B6b_one_null_slot_anywhere_takes_the_single_page_path)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 64);
    struct per_cpu_pages *pcp = pcp_of(a, 0, 0, NORMAL);
    struct pa_page *arr[8] = { 0 };
    for (int i = 1; i < 8; i++)
        arr[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    struct pa_page *copy[8];
    memcpy(copy, arr, sizeof(arr));
    pcp->free_factor = MARK;
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 8, NULL, arr), 8);
    CHECK_EQ(pcp->free_factor, MARK / 2);
    CHECK(arr[0] != NULL);
    CHECK(memcmp(arr + 1, copy + 1, 7 * sizeof(arr[0])) == 0);
    CHECK(distinct(arr, 8));
    CHECK_OK(a);
    /* Two NULL slots, wherever: the bulk path. */
    pa_release_pages(a, arr + 3, 1);
    pa_release_pages(a, arr + 6, 1);
    pcp->free_factor = MARK;
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 8, NULL, arr), 8);
    CHECK_EQ(pcp->free_factor, MARK);
    CHECK_OK(a);
    /* The list form: nr_pages 1 is one page missing. */
    struct pa_list_head list;
    pa_list_init(&list);
    pcp->free_factor = MARK;
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 1, &list, NULL), 1);
    CHECK_EQ(pcp->free_factor, MARK / 2);
    pa_free_pages_bulk(a, &list);
    pa_release_pages(a, arr, 8);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

/* ---- B7 ------------------------------------------------------------------ */

TEST(B7_fault_injection_fails_the_call_once_without_fallback)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 64);
    struct pa_page *arr[10] = { 0 };
    for (int i = 0; i < 3; i++) {
        arr[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
        CHECK(arr[i] != NULL);
    }
    CHECK_OK(a);

    /* Fails once (times 1): the call returns the populated count and no
     * single-page fallback runs (it would have succeeded: times is spent). */
    struct pa_fault_attr fa = { .probability = 100, .interval = 1, .times = 1 };
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    uint64_t f0 = test_zone_free(a, 0, NORMAL), g0 = ev(a, PA_PGALLOC_NORMAL);
    uint32_t c0 = pcpcount(a, 0, 0, NORMAL);
    test_log_reset();
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 10, NULL, arr), 3);
    CHECK(test_log_contains("FAULT_INJECTION"));
    for (int i = 3; i < 10; i++)
        CHECK(arr[i] == NULL);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), f0);
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), c0);
    CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), g0);
    CHECK_OK(a);
    /* times spent: the next call fills everything. */
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 10, NULL, arr), 10);
    CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), g0 + 7);
    CHECK_OK(a);

    /* Consulted once per call, not per page: with interval 2 the first
     * call (count 1) allocates all seven pages, the second (count 2) fails,
     * the third (count 3) succeeds again. */
    struct pa_fault_attr every2 = { .probability = 100, .interval = 2, .times = -1 };
    CHECK_EQ(pa_set_fail_page_alloc(a, &every2), 0);
    pa_release_pages(a, arr + 3, 7);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 10, NULL, arr), 10);
    pa_release_pages(a, arr + 3, 7);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 10, NULL, arr), 3);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 10, NULL, arr), 10);
    CHECK_OK(a);

    /* NOWARN keeps the injection quiet. */
    struct pa_fault_attr always = { .probability = 100, .interval = 1, .times = -1 };
    CHECK_EQ(pa_set_fail_page_alloc(a, &always), 0);
    pa_release_pages(a, arr + 3, 7);
    test_log_reset();
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL | PA_GFP_NOWARN, PA_NUMA_NO_NODE, NULL, 10, NULL, arr), 3);
    CHECK_EQ(test_log.count, 0);
    /* List form: nothing added. */
    struct pa_list_head list;
    pa_list_init(&list);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 10, &list, NULL), 0);
    CHECK(pa_list_empty(&list));
    CHECK_OK(a);

    CHECK_EQ(pa_set_fail_page_alloc(a, NULL), 0);
    pa_release_pages(a, arr, 10);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

/* ---- B8 ------------------------------------------------------------------ */

TEST(B8_only_the_preferred_nodes_zones)
{
    /* (a) One node, DMA32 below NORMAL: NORMAL too low for the request,
     * so the walk goes on to DMA32 of the same node - the bulk path. */
    {
        struct pa_config cfg;
        test_config(&cfg, 1, 1, 0, 8192, 8192, 0);
        cfg.pcp_batch = 8;
        cfg.pcp_high = 64;
        pa_allocator *a = test_create(&cfg);
        CHECK_EQ(pa_bind_cpu(a, 0), 0);
        struct held h = { 0 };
        uint64_t low = test_zone(a, 0, NORMAL).wmark_low;
        test_eat_to(a, 0, NORMAL, low + 10, PA_GFP_KERNEL, &h);
        struct per_cpu_pages *dpcp = pcp_of(a, 0, 0, PA_ZONE_DMA32);
        dpcp->free_factor = MARK;
        uint64_t g32 = ev(a, PA_PGALLOC_DMA32), gn = ev(a, PA_PGALLOC_NORMAL);
        struct pa_page *arr[16] = { 0 };
        CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 12, NULL, arr), 12);
        CHECK_OK(a);
        for (int i = 0; i < 12; i++)
            CHECK_EQ(pa_page_zonenum(a, arr[i]), PA_ZONE_DMA32);
        CHECK_EQ(dpcp->free_factor, MARK);             /* bulk path */
        CHECK_EQ(pcpcount(a, 0, 0, PA_ZONE_DMA32), 4);  /* two batches of 8 */
        CHECK_EQ(test_zone_free(a, 0, PA_ZONE_DMA32), 8192 - 16);
        CHECK_EQ(test_zone_free(a, 0, NORMAL), low + 10);
        CHECK_EQ(ev(a, PA_PGALLOC_DMA32), g32 + 12);
        CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), gn);
        pa_release_pages(a, arr, 16);
        held_done(a, &h);
        CHECK_OK(a);
        pa_destroy(a);
    }
    /* (b) Two nodes: node 0 too low for the request; the next zone in the
     * walk is node 1's, so one page through the single-page path. */
    {
        pa_allocator *a = mkn(2, 8192, 8, 64);
        struct held h = { 0 };
        uint64_t low = test_zone(a, 0, NORMAL).wmark_low;
        test_eat_to(a, 0, NORMAL, low + 10, PA_GFP_KERNEL | PA_GFP_THISNODE, &h);
        struct per_cpu_pages *p0 = pcp_of(a, 0, 0, NORMAL), *p1 = pcp_of(a, 0, 1, NORMAL);
        p0->free_factor = p1->free_factor = MARK;
        uint64_t f1 = test_zone_free(a, 1, NORMAL);
        struct pa_page *arr[16] = { 0 };
        CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, 0, NULL, 16, NULL, arr), 1);
        CHECK_OK(a);
        /* node 0 still passes the plain low watermark: its page */
        CHECK_EQ(pa_page_to_nid(a, arr[0]), 0);
        CHECK_EQ(p0->free_factor, MARK / 2);
        CHECK_EQ(p1->free_factor, MARK);
        CHECK_EQ(test_zone_free(a, 1, NORMAL), f1);
        CHECK_EQ(pcpcount(a, 0, 1, NORMAL), 0);
        for (int i = 1; i < 16; i++)
            CHECK(arr[i] == NULL);

        /* node 0 down to its low watermark: the single page is remote,
         * still only one. */
        pa_release_pages(a, arr, 1);
        test_eat_to(a, 0, NORMAL, low, PA_GFP_KERNEL | PA_GFP_THISNODE, &h);
        p0->free_factor = p1->free_factor = MARK;
        CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, 0, NULL, 16, NULL, arr), 1);
        CHECK_OK(a);
        CHECK_EQ(pa_page_to_nid(a, arr[0]), 1);
        CHECK_EQ(p1->free_factor, MARK / 2);
        CHECK(arr[1] == NULL);

        /* Preferring node 1 itself: the bulk path there. */
        CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, 1, NULL, 16, NULL, arr), 16);
        CHECK_EQ(p1->free_factor, MARK / 2);
        for (int i = 0; i < 16; i++)
            CHECK_EQ(pa_page_to_nid(a, arr[i]), 1);
        CHECK_OK(a);
        pa_release_pages(a, arr, 16);
        held_done(a, &h);
        CHECK_OK(a);
        CHECK_EQ(test_total_free(a), 2 * 8192);
        pa_destroy(a);
    }
}

/* B8, the cpuset clause: zones of nodes the thread may not use are skipped;
 * the next allowed zone is on another node, so the single-page path runs
 * (docs/BULK_RULES.md B8 as written). */
TEST(B8b_cpuset_forbidden_zones_are_skipped)
{
    pa_allocator *a = mkn(2, 8192, 8, 64);
    pa_nodemask_t only1 = { { 1ull << 1 } };
    CHECK_EQ(pa_set_mems_allowed(a, &only1), 0);
    struct per_cpu_pages *p0 = pcp_of(a, 0, 0, NORMAL), *p1 = pcp_of(a, 0, 1, NORMAL);
    p0->free_factor = p1->free_factor = MARK;
    uint64_t f0 = test_zone_free(a, 0, NORMAL);
    struct pa_page *arr[16] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 16, NULL, arr), 1);
    CHECK_OK(a);
    CHECK_EQ(pa_page_to_nid(a, arr[0]), 1);
    CHECK_EQ(p1->free_factor, MARK / 2);             /* single-page path on node 1 */
    CHECK_EQ(test_zone_free(a, 0, NORMAL), f0);                /* node 0 never touched */
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), 0);

    /* Allowed again: the bulk path on the local node. */
    CHECK_EQ(pa_set_mems_allowed(a, NULL), 0);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 16, NULL, arr), 16);
    for (int i = 1; i < 16; i++)
        CHECK_EQ(pa_page_to_nid(a, arr[i]), 0);
    CHECK_EQ(p0->free_factor, MARK);
    CHECK_OK(a);
    pa_release_pages(a, arr, 16);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 2 * 8192);
    pa_destroy(a);
}

/* ---- B9 ------------------------------------------------------------------ */

TEST(B9_watermark_plus_whole_request_else_single_page)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 64);
    struct per_cpu_pages *pcp = pcp_of(a, 0, 0, NORMAL);
    struct held h = { 0 };
    uint64_t low = test_zone(a, 0, NORMAL).wmark_low;
    struct pa_page *arr[16] = { 0 };
    struct pa_page *pre[8];
    for (int i = 0; i < 8; i++) {
        pre[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
        CHECK(pre[i] != NULL);
    }

    /* free = low + 17 > low + 16: the zone qualifies, 16 in bulk. */
    test_eat_to(a, 0, NORMAL, low + 17, PA_GFP_KERNEL, &h);
    pcp->free_factor = MARK;
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 16, NULL, arr), 16);
    CHECK_EQ(pcp->free_factor, MARK);
    CHECK_OK(a);
    pa_release_pages(a, arr, 16);

    /* free = low + 16: not above low + 16, one page by the single path
     * (which only needs free > low). */
    test_eat_to(a, 0, NORMAL, low + 16, PA_GFP_KERNEL, &h);
    pcp->free_factor = MARK;
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 16, NULL, arr), 1);
    CHECK_EQ(pcp->free_factor, MARK / 2);
    CHECK(arr[0] != NULL && arr[1] == NULL);
    CHECK_OK(a);
    pa_release_pages(a, arr, 16);

    /* The margin is the whole request (nr_pages), populated slots
     * included: 8 of 16 populated, free = low + 12 > low + 8 but not
     * > low + 16, so one page only. */
    test_eat_to(a, 0, NORMAL, low + 12, PA_GFP_KERNEL, &h);
    memcpy(arr, pre, sizeof(pre));
    pcp->free_factor = MARK;
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 16, NULL, arr), 9);
    CHECK_EQ(pcp->free_factor, MARK / 2);
    CHECK(arr[9] == NULL);
    CHECK_OK(a);
    pa_release_pages(a, arr, 16);

    /* No zone qualifies at all: the single path's slow path reclaims. */
    exhaust(a, PA_GFP_KERNEL, &h);
    struct held spare = { 0 };
    for (int i = 0; i < 64; i++)
        held_push(&spare, h.p[--h.n]);
    struct reclaim_ctx rc = { &spare, 0, 1 };
    CHECK_EQ(pa_register_reclaim(a, reclaim_from_held, &rc), 0);
    uint64_t stall = ev(a, PA_ALLOCSTALL);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 16, NULL, arr), 1);
    CHECK_EQ(rc.calls, 1);
    CHECK_EQ(ev(a, PA_ALLOCSTALL), stall + 1);
    CHECK_OK(a);
    CHECK_EQ(pa_unregister_reclaim(a, reclaim_from_held, &rc), 0);

    pa_release_pages(a, arr, 16);
    held_done(a, &spare);
    held_done(a, &h);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

/* ---- B10 ----------------------------------------------------------------- */

TEST(B10_pages_come_from_the_pcp_list_refilled_in_batches)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 256);
    struct per_cpu_pages *pcp = pcp_of(a, 0, 0, NORMAL);
    struct pa_list_head *unmovable = &pcp->lists[order_to_pindex(PA_MIGRATE_UNMOVABLE, 0)];
    uint64_t f0 = test_zone_free(a, 0, NORMAL);
    struct pa_list_head list;
    pa_list_init(&list);

    /* Empty pcp: one batch of 8 refilled, 5 taken, 3 left. */
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 5, &list, NULL), 5);
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), 3);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), f0 - 8);
    CHECK_OK(a);

    /* The next call takes those 3 first, in list order, then refills. */
    struct pa_page *queued[3];
    int q = 0;
    for (struct pa_list_head *p = unmovable->next; p != unmovable; p = p->next)
        queued[q++] = lru_to_page(p);
    CHECK_EQ(q, 3);
    struct pa_page *arr[20] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 5, NULL, arr), 5);
    CHECK(arr[0] == queued[0] && arr[1] == queued[1] && arr[2] == queued[2]);
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), 6);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), f0 - 16);
    CHECK_OK(a);

    /* 20 more: 6 queued, then two refills of 8: 2 left. */
    struct pa_page *big[20] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 20, NULL, big), 20);
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), 2);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), f0 - 32);
    CHECK(distinct(big, 20));
    CHECK_OK(a);

    /* __GFP_ZERO: dirty 12 pages, free them (LIFO onto the pcp), take 12
     * back zeroed - the very same pages. */
    size_t ps = pa_page_size(a);
    struct pa_page *dirty[12];
    for (int i = 0; i < 12; i++) {
        dirty[i] = big[i];
        memset(pa_page_address(a, big[i]), 0x5a, ps);
    }
    pa_release_pages(a, big, 12);
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), 14);
    CHECK_OK(a);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL | PA_GFP_ZERO, PA_NUMA_NO_NODE, NULL, 12, NULL, big), 12);
    CHECK_OK(a);
    for (int i = 0; i < 12; i++) {
        CHECK(contains(dirty, 12, big[i]));
        const unsigned char *m = pa_page_address(a, big[i]);
        for (size_t b = 0; b < ps; b++)
            CHECK_EQ(m[b], 0);
    }
    /* Without __GFP_ZERO the contents are left alone. */
    memset(pa_page_address(a, big[0]), 0x5a, ps);
    struct pa_page *keep = big[0];
    pa_release_pages(a, big, 1);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 2, NULL, big), 2);
    CHECK(big[0] == keep);
    CHECK_EQ(((unsigned char *)pa_page_address(a, keep))[ps - 1], 0x5a);
    CHECK_OK(a);

    pa_release_pages(a, big, 20);
    pa_release_pages(a, arr, 20);
    pa_free_pages_bulk(a, &list);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

/* Kernel sizing keeps a batch of at least one on small zones
 * (zone_set_pageset_high_and_batch: max(1, zone_batchsize())), so the bulk
 * path can refill there too. */
TEST(B10b_small_zone_bulk_refills_with_a_batch_of_at_least_one)
{
    pa_allocator *a = test_simple_pcp(4096, 1, 0, 0);
    struct pa_pcp_info pi;
    CHECK_EQ(pa_pcp_info(a, 0, 0, NORMAL, &pi), 0);
    CHECK(pi.batch >= 1);
    CHECK(pi.high >= 4 * pi.batch);
    struct per_cpu_pages *pcp = pcp_of(a, 0, 0, NORMAL);
    pcp->free_factor = MARK;
    struct pa_page *arr[8] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 8, arr), 8);
    CHECK_EQ(pcp->free_factor, MARK);
    CHECK_OK(a);
    pa_release_pages(a, arr, 8);
    CHECK_EQ(test_total_free(a), 4096);
    pa_destroy(a);
}

/* ---- B11 ----------------------------------------------------------------- */

TEST(B11_failed_pcp_trylock_takes_the_single_page_path)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 64);
    struct per_cpu_pages *pcp = pcp_of(a, 0, 0, NORMAL);
    uint64_t f0 = test_zone_free(a, 0, NORMAL), g0 = ev(a, PA_PGALLOC_NORMAL);
    struct pa_page *arr[10] = { 0 };

    /* Someone (a drain) holds the pcp lock: one page, from the buddy
     * lists, the pcp untouched. */
    spin_lock(&pcp->lock);
    unsigned long n = pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 10, NULL, arr);
    uint32_t c = pcpcount(a, 0, 0, NORMAL);
    uint64_t f = test_zone_free(a, 0, NORMAL);
    struct pa_list_head list;
    pa_list_init(&list);
    unsigned long nl = pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 10, &list, NULL);
    spin_unlock(&pcp->lock);
    CHECK_EQ(n, 1);
    CHECK(arr[0] != NULL && arr[1] == NULL);
    CHECK_EQ(c, 0);
    CHECK_EQ(f, f0 - 1);
    CHECK_EQ(nl, 1);
    CHECK_EQ(pa_list_count(&list), 1);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), f0 - 2);
    CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), g0 + 2);
    CHECK_OK(a);

    /* Lock free again: the bulk path refills the pcp in batches. */
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 10, NULL, arr), 10);
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), 7);           /* 2 batches of 8, 9 taken */
    CHECK_EQ(test_zone_free(a, 0, NORMAL), f0 - 2 - 16);
    CHECK_OK(a);

    pa_release_pages(a, arr, 10);
    pa_free_pages_bulk(a, &list);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

/* ---- B12 ----------------------------------------------------------------- */

/* A pcp list that cannot be refilled is modelled by a batch of 0: the
 * refill (rmqueue_bulk) then yields nothing, as when another CPU emptied
 * the buddy lists after the watermark check. */
TEST(B12_dry_pcp_after_one_page_returns_short_count)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 64);
    struct per_cpu_pages *pcp = pcp_of(a, 0, 0, NORMAL);
    struct pa_page *one[5];
    for (int i = 0; i < 5; i++) {
        one[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
        CHECK(one[i] != NULL);
    }
    pa_release_pages(a, one, 5);
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), 8);           /* 3 left of the batch + 5 freed */
    CHECK_OK(a);

    uint64_t f0 = test_zone_free(a, 0, NORMAL), g0 = ev(a, PA_PGALLOC_NORMAL);
    struct pa_page *arr[20] = { 0 };
    pcp->batch = 0;
    pcp->free_factor = MARK;
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 20, NULL, arr), 8);
    CHECK_EQ(pcp->free_factor, MARK);                  /* no single-page path */
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), 0);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), f0);
    CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), g0 + 8);
    CHECK(arr[7] != NULL && arr[8] == NULL);
    pcp->batch = 8;
    CHECK_OK(a);

    pa_release_pages(a, arr, 20);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

TEST(B12b_dry_pcp_before_any_page_takes_the_single_page_path)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 64);
    struct per_cpu_pages *pcp = pcp_of(a, 0, 0, NORMAL);
    uint64_t f0 = test_zone_free(a, 0, NORMAL);
    struct pa_page *arr[20] = { 0 };
    pcp->batch = 0;
    pcp->free_factor = MARK;
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 20, NULL, arr), 1);
    CHECK_EQ(pcp->free_factor, MARK / 2);              /* the single-page path ran */
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), 0);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), f0 - 1);             /* its page came from the buddy lists */
    CHECK(arr[0] != NULL && arr[1] == NULL);
    /* Same for the list form. */
    struct pa_list_head list;
    pa_list_init(&list);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 20, &list, NULL), 1);
    CHECK_EQ(pa_list_count(&list), 1);
    pcp->batch = 8;
    CHECK_OK(a);
    pa_release_pages(a, arr, 20);
    pa_free_pages_bulk(a, &list);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

/* ---- B13 ----------------------------------------------------------------- */

TEST(B13_statistics_once_per_call)
{
    pa_allocator *a = mkn(2, 8192, 8, 64);
    struct pa_zone *z0 = &a->nodes[0].zones[NORMAL], *z1 = &a->nodes[1].zones[NORMAL];
    struct pa_page *arr[16] = { 0 };
#define SNAP()                                                                          \
    uint64_t pg = ev(a, PA_PGALLOC_NORMAL), hit = ev(a, PA_NUMA_HIT), miss = ev(a, PA_NUMA_MISS), \
             fo = ev(a, PA_NUMA_FOREIGN), loc = ev(a, PA_NUMA_LOCAL), oth = ev(a, PA_NUMA_OTHER); \
    (void)pg; (void)hit; (void)miss; (void)fo; (void)loc; (void)oth
#define DELTAS(dpg, dhit, dmiss, dfo, dloc, doth)                                      \
    do {                                                                                \
        CHECK_EQ(ev(a, PA_PGALLOC_NORMAL) - pg, dpg);                                   \
        CHECK_EQ(ev(a, PA_NUMA_HIT) - hit, dhit);                                       \
        CHECK_EQ(ev(a, PA_NUMA_MISS) - miss, dmiss);                                    \
        CHECK_EQ(ev(a, PA_NUMA_FOREIGN) - fo, dfo);                                     \
        CHECK_EQ(ev(a, PA_NUMA_LOCAL) - loc, dloc);                                     \
        CHECK_EQ(ev(a, PA_NUMA_OTHER) - oth, doth);                                     \
    } while (0)

    /* cpu 0, local node: 10 hits, 10 local. */
    {
        SNAP();
        uint64_t z0hit = zone_event(z0, ZEV_NUMA_HIT);
        CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 10, NULL, arr), 10);
        DELTAS(10, 10, 0, 0, 10, 0);
        CHECK_EQ(zone_event(z0, ZEV_NUMA_HIT) - z0hit, 10);
        CHECK_OK(a);
        pa_release_pages(a, arr, 16);
    }
    /* cpu 1 (node 1) asking for node 0: hits (node 0 preferred and used),
     * but other (not the CPU's node). */
    {
        CHECK_EQ(pa_bind_cpu(a, 1), 0);
        SNAP();
        CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, 0, NULL, 7, NULL, arr), 7);
        DELTAS(7, 7, 0, 0, 0, 7);
        CHECK_OK(a);
        pa_release_pages(a, arr, 16);
        CHECK_EQ(pa_bind_cpu(a, 0), 0);
    }
    /* Pre-populated slots are not counted: only the pages allocated. */
    {
        for (int i = 0; i < 4; i++)
            arr[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
        SNAP();
        CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 10, NULL, arr), 10);
        DELTAS(6, 6, 0, 0, 6, 0);
        CHECK_OK(a);
        pa_release_pages(a, arr, 16);
    }
    /* A fault-injected call counts nothing. */
    {
        struct pa_fault_attr fa = { .probability = 100, .interval = 1, .times = 1 };
        CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
        SNAP();
        CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL | PA_GFP_NOWARN, PA_NUMA_NO_NODE, NULL, 10, NULL, arr), 0);
        DELTAS(0, 0, 0, 0, 0, 0);
        CHECK_EQ(pa_set_fail_page_alloc(a, NULL), 0);
    }
    /* The single-page fallback to a remote node: one miss, counted as
     * foreign on the preferred zone, other for the CPU. */
    {
        struct held h = { 0 };
        uint64_t low = test_zone(a, 0, NORMAL).wmark_low;
        test_eat_to(a, 0, NORMAL, low, PA_GFP_KERNEL | PA_GFP_THISNODE, &h);
        SNAP();
        uint64_t z0fo = zone_event(z0, ZEV_NUMA_FOREIGN), z1miss = zone_event(z1, ZEV_NUMA_MISS);
        CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 16, NULL, arr), 1);
        CHECK_EQ(pa_page_to_nid(a, arr[0]), 1);
        DELTAS(1, 0, 1, 1, 0, 1);
        CHECK_EQ(zone_event(z0, ZEV_NUMA_FOREIGN) - z0fo, 1);
        CHECK_EQ(zone_event(z1, ZEV_NUMA_MISS) - z1miss, 1);
        CHECK_OK(a);
        pa_release_pages(a, arr, 16);
        held_done(a, &h);
    }
#undef SNAP
#undef DELTAS
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 2 * 8192);
    pa_destroy(a);
}

/* ---- B14 ----------------------------------------------------------------- */

TEST(B14_single_page_path_page_added_to_list_or_first_null_slot)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 64);
    struct per_cpu_pages *pcp = pcp_of(a, 0, 0, NORMAL);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0), *q = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p && q);
    struct pa_page *arr[6] = { p, q, NULL, NULL, NULL, NULL };
    struct pa_list_head list;
    pa_list_init(&list);
    struct pa_page *l1 = pa_alloc_pages(a, PA_GFP_KERNEL, 0), *l2 = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(l1 && l2);
    pa_list_move_tail(l1, &list);
    pa_list_move_tail(l2, &list);
    CHECK_OK(a);

    /* The pcp lock held forces the single-page path (B11). */
    uint64_t g0 = ev(a, PA_PGALLOC_NORMAL);
    spin_lock(&pcp->lock);
    unsigned long na = pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 6, NULL, arr);
    unsigned long nl = pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 5, &list, NULL);
    spin_unlock(&pcp->lock);
    CHECK_OK(a);

    /* Array: into the first NULL slot, counted. */
    CHECK_EQ(na, 3);
    CHECK(arr[0] == p && arr[1] == q);
    CHECK(arr[2] != NULL && arr[2] != p && arr[2] != q);
    CHECK(arr[3] == NULL && arr[4] == NULL && arr[5] == NULL);
    /* List: appended, counted as the one page this call added. */
    CHECK_EQ(nl, 1);
    CHECK_EQ(pa_list_count(&list), 3);
    struct pa_page *first = pa_list_first(&list);
    struct pa_page *second = pa_list_next(&list, first);
    struct pa_page *third = pa_list_next(&list, second);
    CHECK(first == l1 && second == l2);
    CHECK(third != NULL && third != arr[2]);
    CHECK(pa_list_next(&list, third) == NULL);
    CHECK_EQ(ev(a, PA_PGALLOC_NORMAL), g0 + 2);

    pa_release_pages(a, arr, 6);
    pa_free_pages_bulk(a, &list);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

/* ---- B15 ----------------------------------------------------------------- */

TEST(B15_list_and_array_wrappers_use_no_node_and_no_mask)
{
    pa_allocator *a = mkn(2, 8192, 8, 64);
    CHECK_EQ(pa_bind_cpu(a, 1), 0);
    struct pa_list_head list;
    pa_list_init(&list);
    struct pa_page *arr[8] = { 0 };

    /* The calling CPU's node (1). */
    CHECK_EQ(pa_alloc_pages_bulk_list(a, PA_GFP_KERNEL, 8, &list), 8);
    for (struct pa_page *p = pa_list_first(&list); p; p = pa_list_next(&list, p))
        CHECK_EQ(pa_page_to_nid(a, p), 1);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 8, arr), 8);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(pa_page_to_nid(a, arr[i]), 1);
    CHECK_OK(a);
    pa_release_pages(a, arr, 8);

    /* No nodemask: with node 1 at its low watermark the fallback page may
     * come from node 0. */
    struct held h = { 0 };
    test_eat_to(a, 1, NORMAL, test_zone(a, 1, NORMAL).wmark_low, PA_GFP_KERNEL | PA_GFP_THISNODE, &h);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 8, arr), 1);
    CHECK_EQ(pa_page_to_nid(a, arr[0]), 0);
    struct pa_list_head l2;
    pa_list_init(&l2);
    CHECK_EQ(pa_alloc_pages_bulk_list(a, PA_GFP_KERNEL, 8, &l2), 1);
    CHECK_EQ(pa_page_to_nid(a, pa_list_first(&l2)), 0);
    CHECK_OK(a);

    /* NULL list / array: 0, logged. */
    test_log_reset();
    CHECK_EQ(pa_alloc_pages_bulk_list(a, PA_GFP_KERNEL, 8, NULL), 0);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 8, NULL), 0);
    CHECK_EQ(test_log.count, 2);

    pa_release_pages(a, arr, 8);
    pa_free_pages_bulk(a, &list);
    pa_free_pages_bulk(a, &l2);
    held_done(a, &h);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 2 * 8192);
    pa_destroy(a);
}

/* ---- B16 ----------------------------------------------------------------- */

TEST(B16_free_bulk_empties_list_release_pages_nulls_slots)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 512);
    struct pa_list_head list;
    pa_list_init(&list);
    CHECK_EQ(pa_alloc_pages_bulk_list(a, PA_GFP_KERNEL, 40, &list), 40);
    CHECK_OK(a);

    /* Order-0 pages go to the pcp lists, not the buddy lists. */
    uint32_t c0 = pcpcount(a, 0, 0, NORMAL);
    uint64_t f0 = test_zone_free(a, 0, NORMAL), fr0 = ev(a, PA_PGFREE);
    pa_free_pages_bulk(a, &list);
    CHECK(pa_list_empty(&list));
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), c0 + 40);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), f0);
    CHECK_EQ(ev(a, PA_PGFREE), fr0 + 40);
    CHECK_OK(a);
    pa_free_pages_bulk(a, &list);                      /* empty: nothing */
    CHECK_EQ(ev(a, PA_PGFREE), fr0 + 40);

    /* release_pages: frees the non-NULL slots and NULLs them. */
    struct pa_page *arr[10] = { 0 };
    for (int i = 0; i < 10; i += 2)
        arr[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    c0 = pcpcount(a, 0, 0, NORMAL);
    pa_release_pages(a, arr, 10);
    for (int i = 0; i < 10; i++)
        CHECK(arr[i] == NULL);
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), c0 + 5);
    CHECK_EQ(ev(a, PA_PGFREE), fr0 + 45);
    CHECK_OK(a);

    /* With the pcp lock taken, the pages go to the buddy lists instead. */
    pa_drain_all_pages(a);
    CHECK_EQ(pa_alloc_pages_bulk_list(a, PA_GFP_KERNEL, 12, &list), 12);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 10, arr), 10);
    c0 = pcpcount(a, 0, 0, NORMAL);
    f0 = test_zone_free(a, 0, NORMAL);
    struct per_cpu_pages *pcp = pcp_of(a, 0, 0, NORMAL);
    spin_lock(&pcp->lock);
    pa_free_pages_bulk(a, &list);
    pa_release_pages(a, arr, 10);
    spin_unlock(&pcp->lock);
    CHECK(pa_list_empty(&list));
    for (int i = 0; i < 10; i++)
        CHECK(arr[i] == NULL);
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), c0);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), f0 + 22);
    CHECK_OK(a);

    /* NULL arguments: logged, no crash. */
    test_log_reset();
    pa_free_pages_bulk(a, NULL);
    pa_release_pages(a, NULL, 3);
    CHECK_EQ(test_log.count, 2);
    pa_release_pages(a, NULL, 0);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

/* ---- B17 ----------------------------------------------------------------- */

TEST(B17_fill_loops_while_progress)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 64);
    struct per_cpu_pages *pcp = pcp_of(a, 0, 0, NORMAL);

    /* A pcp that cannot refill (batch 0, see B12) holding 8 pages: one
     * bulk call comes back short, the fill loop keeps going (short bulk
     * call, then single pages) until every slot is filled. */
    struct pa_page *one[5];
    for (int i = 0; i < 5; i++)
        one[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    pa_release_pages(a, one, 5);
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), 8);
    pcp->batch = 0;
    struct pa_page *arr[20] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 20, NULL, arr), 8);
    CHECK(arr[8] == NULL);
    pa_release_pages(a, arr, 20);
    CHECK_EQ(pcpcount(a, 0, 0, NORMAL), 8);
    CHECK_EQ(pa_alloc_pages_bulk_fill(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 20, arr), 20);
    for (int i = 0; i < 20; i++)
        CHECK(arr[i] != NULL);
    CHECK(distinct(arr, 20));
    pcp->batch = 8;
    CHECK_OK(a);
    pa_release_pages(a, arr, 20);

    /* No progress: stop with the count. Fault injection fails every call:
     * one call with nothing populated, two with a populated prefix (the
     * second makes no progress). */
    struct pa_fault_attr fa = { .probability = 100, .interval = 1, .times = -1 };
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    test_log_reset();
    CHECK_EQ(pa_alloc_pages_bulk_fill(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 20, arr), 0);
    CHECK_EQ(test_log.count, 1);
    CHECK_EQ(pa_set_fail_page_alloc(a, NULL), 0);
    for (int i = 0; i < 3; i++)
        arr[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    test_log_reset();
    CHECK_EQ(pa_alloc_pages_bulk_fill(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 20, arr), 3);
    CHECK_EQ(test_log.count, 2);
    CHECK(arr[3] == NULL);
    CHECK_EQ(pa_set_fail_page_alloc(a, NULL), 0);
    pa_release_pages(a, arr, 20);
    CHECK_OK(a);

    /* Running out of memory: a zone just above its low watermark, a
     * request that may not reclaim. The loop takes what there is and stops
     * when a call adds nothing. */
    struct held h = { 0 };
    uint64_t low = test_zone(a, 0, NORMAL).wmark_low, min = test_zone(a, 0, NORMAL).wmark_min;
    test_eat_to(a, 0, NORMAL, low + 10, PA_GFP_KERNEL, &h);
    struct pa_page **big = calloc(512, sizeof(*big));
    CHECK(big != NULL);
    unsigned long got = pa_alloc_pages_bulk_fill(a, PA_GFP_NOWAIT | PA_GFP_NOWARN, PA_NUMA_NO_NODE, NULL,
                                                 512, big);
    CHECK(got > 10 && got < 512);
    for (unsigned long i = 0; i < 512; i++)
        CHECK((big[i] != NULL) == (i < got));
    CHECK(test_zone_free(a, 0, NORMAL) <= min);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_NOWAIT | PA_GFP_NOWARN, PA_NUMA_NO_NODE, NULL, 512, NULL, big), got);
    CHECK_OK(a);

    /* NULL array: 0, logged. */
    test_log_reset();
    CHECK_EQ(pa_alloc_pages_bulk_fill(a, PA_GFP_KERNEL, PA_NUMA_NO_NODE, NULL, 4, NULL), 0);
    CHECK_EQ(test_log.count, 1);

    pa_release_pages(a, big, 512);
    free(big);
    held_done(a, &h);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

RUN_TESTS()
