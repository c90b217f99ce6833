// SPDX-License-Identifier: GPL-2.0-only
/* test_badinput.c - every public function with NULL / out-of-range / garbage
 * arguments returns -EINVAL, NULL or 0, logs, does not crash and leaves the
 * allocator unchanged; pa_create rejects bad configs; caller-supplied and
 * metadata-only memory. */
#include "support.h"

#include <errno.h>
#include <limits.h>

#define NR_PAGES 4096

static uint64_t pgalloc(pa_allocator *a)
{
    return pa_vm_event(a, PA_PGALLOC_DMA) + pa_vm_event(a, PA_PGALLOC_DMA32) +
           pa_vm_event(a, PA_PGALLOC_NORMAL) + pa_vm_event(a, PA_PGALLOC_MOVABLE);
}

/* Free pages and pa_check unchanged since the snapshot; allocated pages
 * other than `expected_pgalloc` would show as PGALLOC. */
static void check_unchanged_n(pa_allocator *a, uint64_t free0, uint64_t expected_pgalloc)
{
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), free0);
    CHECK_EQ(pgalloc(a), expected_pgalloc);
}
#define check_unchanged(a, free0) check_unchanged_n((a), (free0), 0)

/* Exactly `n` log lines since the last reset. */
#define CHECK_LOGGED(n)                                                          \
    do {                                                                         \
        CHECK_EQ(test_log.count, (n));                                           \
        test_log_reset();                                                        \
    } while (0)

static pa_allocator *two_node(void)
{
    struct pa_config cfg;
    test_config(&cfg, 2, 2, 0, 1024, NR_PAGES, 0);
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    return a;
}

TEST(null_allocator_everywhere)
{
    /* With no allocator there is no callback: the line goes to stderr. */
    struct pa_list_head list;
    pa_list_init(&list);
    struct pa_page *arr[4] = { 0 };
    struct pa_zone_info zi;
    struct pa_pcp_info pi;
    pa_nodemask_t mask = { { 1 } };
    struct pa_fault_attr fa = { 100, 1, -1, 0, 0, 0 };
    char buf[16];
    CHECK_EQ(pa_bind_cpu(NULL, 0), -EINVAL);
    CHECK_EQ(pa_current_cpu(NULL), -EINVAL);
    CHECK_EQ(pa_set_mems_allowed(NULL, &mask), -EINVAL);
    CHECK(pa_alloc_pages(NULL, PA_GFP_KERNEL, 0) == NULL);
    CHECK(pa_alloc_pages_node(NULL, PA_GFP_KERNEL, 0, 0) == NULL);
    CHECK(pa_alloc_pages_nodemask(NULL, PA_GFP_KERNEL, 0, 0, &mask) == NULL);
    pa_free_pages(NULL, NULL, 0);
    CHECK_EQ(pa_get_page(NULL, NULL), -EINVAL);
    CHECK_EQ(pa_put_page(NULL, NULL, 0), -EINVAL);
    CHECK_EQ(pa_alloc_pages_bulk(NULL, PA_GFP_KERNEL, -1, NULL, 4, &list, NULL), 0);
    CHECK_EQ(pa_alloc_pages_bulk_list(NULL, PA_GFP_KERNEL, 4, &list), 0);
    CHECK_EQ(pa_alloc_pages_bulk_array(NULL, PA_GFP_KERNEL, 4, arr), 0);
    CHECK_EQ(pa_alloc_pages_bulk_fill(NULL, PA_GFP_KERNEL, -1, NULL, 4, arr), 0);
    CHECK(pa_list_empty(&list));
    CHECK(arr[0] == NULL);
    pa_free_pages_bulk(NULL, &list);
    pa_release_pages(NULL, arr, 4);
    CHECK_EQ(pa_page_to_pfn(NULL, NULL), UINT64_MAX);
    CHECK(pa_pfn_to_page(NULL, 0) == NULL);
    CHECK(pa_page_address(NULL, NULL) == NULL);
    CHECK(pa_virt_to_page(NULL, buf) == NULL);
    CHECK_EQ(pa_page_to_nid(NULL, NULL), -EINVAL);
    CHECK_EQ(pa_page_zonenum(NULL, NULL), PA_NR_ZONES);
    CHECK_EQ(pa_page_size(NULL), 0);
    CHECK_EQ(pa_nr_nodes(NULL), 0);
    CHECK_EQ(pa_nr_cpus(NULL), 0);
    CHECK_EQ(pa_cpu_to_node(NULL, 0), -EINVAL);
    pa_drain_local_pages(NULL);
    pa_drain_all_pages(NULL);
    CHECK_EQ(pa_zone_info(NULL, 0, PA_ZONE_NORMAL, &zi), -EINVAL);
    CHECK_EQ(pa_pcp_info(NULL, 0, 0, PA_ZONE_NORMAL, &pi), -EINVAL);
    CHECK_EQ(pa_vm_event(NULL, PA_PGFREE), 0);
    CHECK_EQ(pa_format_buddyinfo(NULL, buf, sizeof(buf)), 0);
    CHECK_EQ(pa_format_pagetypeinfo(NULL, buf, sizeof(buf)), 0);
    CHECK_EQ(pa_format_zoneinfo(NULL, buf, sizeof(buf)), 0);
    CHECK_EQ(pa_format_vmstat(NULL, buf, sizeof(buf)), 0);
    CHECK_EQ(pa_check(NULL), -EINVAL);
    pa_set_log(NULL, test_log_fn, NULL);
    CHECK_EQ(pa_register_reclaim(NULL, NULL, NULL), -EINVAL);
    CHECK_EQ(pa_unregister_reclaim(NULL, NULL, NULL), -EINVAL);
    CHECK_EQ(pa_set_fail_page_alloc(NULL, &fa), -EINVAL);
    pa_destroy(NULL);
    pa_config_init(NULL);
    CHECK_EQ(pa_config_memory_size(NULL), 0);
    CHECK_EQ(pa_create(NULL, NULL), -EINVAL);
    pa_allocator *out = (pa_allocator *)buf;
    CHECK_EQ(pa_create(NULL, &out), -EINVAL);
    CHECK(out == NULL);
    struct pa_config cfg;
    pa_config_init(&cfg);
    CHECK_EQ(pa_create(&cfg, NULL), -EINVAL);
    CHECK(strcmp(pa_version(), "0.1.0") == 0);
}

TEST(bad_orders_rejected)
{
    pa_allocator *a = test_simple(NR_PAGES, 1);
    uint64_t free0 = test_total_free(a);
    static const unsigned orders[] = { 11, 12, 31, 32, 64, UINT_MAX };
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    test_log_reset();
    for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
        CHECK(pa_alloc_pages(a, PA_GFP_KERNEL, orders[i]) == NULL);
        CHECK_LOGGED(1);
        CHECK(pa_alloc_pages_node(a, PA_GFP_KERNEL, orders[i], 0) == NULL);
        CHECK_LOGGED(1);
        CHECK(pa_alloc_pages_nodemask(a, PA_GFP_KERNEL, orders[i], -1, NULL) == NULL);
        CHECK_LOGGED(1);
        pa_free_pages(a, p, orders[i]);         /* ignored: p stays allocated */
        CHECK_LOGGED(1);
        CHECK_EQ(pa_get_page(a, p), 2);
        CHECK_EQ(pa_put_page(a, p, orders[i]), 1);   /* not the last: no free */
        CHECK_LOGGED(0);
        CHECK_OK(a);
    }
    pa_free_pages(a, p, 0);
    check_unchanged_n(a, free0, 1);
    pa_destroy(a);
}

TEST(bad_nodes_rejected)
{
    pa_allocator *a = two_node();
    uint64_t free0 = test_total_free(a);
    static const int nodes[] = { -2, 2, 3, 64, INT_MAX, INT_MIN };
    test_log_reset();
    for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
        int nid = nodes[i];
        CHECK(pa_alloc_pages_node(a, PA_GFP_KERNEL, 0, nid) == NULL);
        CHECK_LOGGED(1);
        CHECK(pa_alloc_pages_nodemask(a, PA_GFP_KERNEL, 0, nid, NULL) == NULL);
        CHECK_LOGGED(1);
        struct pa_list_head list;
        pa_list_init(&list);
        CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, nid, NULL, 8, &list, NULL), 0);
        CHECK_LOGGED(1);
        CHECK(pa_list_empty(&list));
        struct pa_page *arr[8] = { 0 };
        CHECK_EQ(pa_alloc_pages_bulk_fill(a, PA_GFP_KERNEL, nid, NULL, 8, arr), 0);
        CHECK(arr[0] == NULL);
        CHECK(test_log.count >= 1);
        test_log_reset();
        struct pa_zone_info zi;
        CHECK_EQ(pa_zone_info(a, nid, PA_ZONE_NORMAL, &zi), -EINVAL);
        CHECK_LOGGED(1);
        struct pa_pcp_info pi;
        CHECK_EQ(pa_pcp_info(a, 0, nid, PA_ZONE_NORMAL, &pi), -EINVAL);
        CHECK_LOGGED(1);
        CHECK_OK(a);
    }
    check_unchanged(a, free0);
    pa_destroy(a);
}

TEST(bad_nodemasks_fail_cleanly)
{
    pa_allocator *a = two_node();
    uint64_t free0 = test_total_free(a);
    pa_nodemask_t empty = { { 0 } };
    pa_nodemask_t beyond = { { 1ull << 5 } };   /* a node the allocator lacks */
    test_log_reset();
    CHECK(pa_alloc_pages_nodemask(a, PA_GFP_KERNEL, 0, -1, &empty) == NULL);
    CHECK_LOGGED(1);
    CHECK(pa_alloc_pages_nodemask(a, PA_GFP_KERNEL, 0, 0, &beyond) == NULL);
    CHECK_LOGGED(1);
    CHECK(pa_alloc_pages_nodemask(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 0, &empty) == NULL);
    CHECK_LOGGED(0);
    struct pa_page *arr[4] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL | PA_GFP_NOWARN, -1, &empty, 4, NULL, arr), 0);
    CHECK(arr[0] == NULL);
    /* A mask the thread's cpuset shares nothing with. */
    pa_nodemask_t n1 = { { 2 } }, n0 = { { 1 } };
    CHECK_EQ(pa_set_mems_allowed(a, &n1), 0);
    CHECK(pa_alloc_pages_nodemask(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 0, &n0) == NULL);
    CHECK_EQ(pa_set_mems_allowed(a, NULL), 0);
    /* mems_allowed with no node of the allocator. */
    test_log_reset();
    CHECK_EQ(pa_set_mems_allowed(a, &empty), -EINVAL);
    CHECK_LOGGED(1);
    CHECK_EQ(pa_set_mems_allowed(a, &beyond), -EINVAL);
    CHECK_LOGGED(1);
    check_unchanged(a, free0);
    pa_destroy(a);
}

TEST(absent_zone_for_gfp_fails_cleanly)
{
    /* No DMA zone: GFP_DMA has nowhere to go. */
    pa_allocator *a = test_simple(NR_PAGES, 1);
    uint64_t free0 = test_total_free(a);
    test_log_reset();
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_DMA, 0) == NULL);
    CHECK_LOGGED(1);
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_DMA32, 3) == NULL);
    CHECK_LOGGED(1);
    struct pa_page *arr[4] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL | PA_GFP_DMA | PA_GFP_NOWARN, 4, arr), 0);
    CHECK(arr[0] == NULL);
    check_unchanged(a, free0);
    pa_destroy(a);
}

TEST(bulk_bad_arguments)
{
    pa_allocator *a = test_simple(NR_PAGES, 1);
    uint64_t free0 = test_total_free(a);
    struct pa_list_head list;
    pa_list_init(&list);
    struct pa_page *arr[4] = { 0 };
    test_log_reset();
    /* Exactly one of list and array. */
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, -1, NULL, 4, &list, arr), 0);
    CHECK_LOGGED(1);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, -1, NULL, 4, NULL, NULL), 0);
    CHECK_LOGGED(1);
    CHECK_EQ(pa_alloc_pages_bulk_list(a, PA_GFP_KERNEL, 4, NULL), 0);
    CHECK_LOGGED(1);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 4, NULL), 0);
    CHECK_LOGGED(1);
    CHECK_EQ(pa_alloc_pages_bulk_fill(a, PA_GFP_KERNEL, -1, NULL, 4, NULL), 0);
    CHECK_LOGGED(1);
    CHECK_EQ(pa_alloc_pages_bulk(a, 0xdeadbeefu, -1, NULL, 4, &list, NULL), 0);
    CHECK_LOGGED(1);
    /* Zero pages: nothing, quietly. */
    CHECK_EQ(pa_alloc_pages_bulk_list(a, PA_GFP_KERNEL, 0, &list), 0);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 0, arr), 0);
    CHECK_LOGGED(0);
    CHECK(pa_list_empty(&list));
    CHECK(arr[0] == NULL);
    pa_free_pages_bulk(a, NULL);
    CHECK_LOGGED(1);
    pa_release_pages(a, NULL, 3);
    CHECK_LOGGED(1);
    pa_release_pages(a, NULL, 0);
    pa_release_pages(a, arr, 4);        /* all NULL: nothing to do */
    pa_free_pages_bulk(a, &list);       /* empty: nothing to do */
    CHECK_LOGGED(0);
    check_unchanged(a, free0);
    pa_destroy(a);
}

TEST(free_and_refcount_bad_pages)
{
    pa_allocator *a = test_simple(NR_PAGES, 1);
    uint64_t free0 = test_total_free(a);
    test_log_reset();
    pa_free_pages(a, NULL, 0);
    CHECK_LOGGED(1);
    CHECK_EQ(pa_get_page(a, NULL), -EINVAL);
    CHECK_LOGGED(1);
    CHECK_EQ(pa_put_page(a, NULL, 0), -EINVAL);
    CHECK_LOGGED(1);
    /* Free page (never allocated). */
    struct pa_page *free_page = pa_pfn_to_page(a, 5);
    pa_free_pages(a, free_page, 0);
    CHECK_LOGGED(1);
    CHECK_EQ(pa_get_page(a, free_page), -EINVAL);
    CHECK_LOGGED(1);
    CHECK_EQ(pa_put_page(a, free_page, 0), -EINVAL);
    CHECK_LOGGED(1);
    /* Garbage pointers. */
    static char junk[256];
    struct pa_page *bogus[] = {
        (struct pa_page *)junk, (struct pa_page *)(uintptr_t)1, (struct pa_page *)(uintptr_t)-64,
        (struct pa_page *)((char *)pa_pfn_to_page(a, 0) - 32),
        (struct pa_page *)((char *)pa_pfn_to_page(a, 0) + 3),
    };
    for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
        pa_free_pages(a, bogus[i], 0);
        CHECK_LOGGED(1);
        CHECK_EQ(pa_get_page(a, bogus[i]), -EINVAL);
        CHECK_LOGGED(1);
        CHECK_EQ(pa_put_page(a, bogus[i], 0), -EINVAL);
        CHECK_LOGGED(1);
        CHECK_EQ(pa_page_to_pfn(a, bogus[i]), UINT64_MAX);
        CHECK(pa_page_address(a, bogus[i]) == NULL);
        CHECK_EQ(pa_page_to_nid(a, bogus[i]), -EINVAL);
        CHECK_EQ(pa_page_zonenum(a, bogus[i]), PA_NR_ZONES);
    }
    check_unchanged(a, free0);
    pa_destroy(a);
}

/* pa_release_pages refuses, one log line each, every page that is not an
 * allocated order-0 head - first in the batch or later, in a DMA zone of
 * node 0 (whose free tail pages have all-zero state words) - and frees the
 * good one between them. */
TEST(batch_frees_refuse_bad_pages)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 4096, 0, 0, 0);
    pa_allocator *a = test_create(&cfg);
    uint64_t free0 = test_total_free(a);
    static char junk[256];
    struct pa_page *bad[] = {
        pa_pfn_to_page(a, 5),                       /* inside a free buddy block */
        pa_pfn_to_page(a, 0),                       /* a free head */
        (struct pa_page *)junk,
        (struct pa_page *)((char *)pa_pfn_to_page(a, 0) + 3),
    };
    size_t nbad = sizeof(bad) / sizeof(bad[0]);
    for (size_t i = 0; i < nbad; i++) {
        test_log_reset();
        struct pa_page *arr[3] = { bad[i], pa_alloc_pages(a, PA_GFP_DMA, 0), bad[i] };
        CHECK(arr[1] != NULL);
        pa_release_pages(a, arr, 3);
        CHECK_LOGGED(2);
        CHECK(arr[0] == NULL && arr[1] == NULL && arr[2] == NULL);
        check_unchanged_n(a, free0, i + 1);
    }
    pa_destroy(a);
}

/* The head of an order-2 block in a batch of order-0 frees: refused and
 * logged, still allocated and whole (PG_HEAD tells it apart), and its
 * neighbours in the batch freed. */
TEST(release_pages_refuses_the_head_of_a_larger_block)
{
    pa_allocator *a = test_simple(4096, 1);
    uint64_t free0 = test_total_free(a);
    struct pa_page *head = pa_alloc_pages(a, PA_GFP_KERNEL, 2);
    struct pa_page *arr[3] = { pa_alloc_pages(a, PA_GFP_KERNEL, 0), head, pa_alloc_pages(a, PA_GFP_KERNEL, 0) };
    CHECK(head != NULL && arr[0] != NULL && arr[2] != NULL);
    test_log_reset();
    pa_release_pages(a, arr, 3);
    CHECK_LOGGED(1);
    CHECK(arr[0] == NULL && arr[1] == NULL && arr[2] == NULL);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), free0 - 4);
    pa_free_pages(a, head, 2);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), free0);
    pa_destroy(a);
}

TEST(queries_out_of_range)
{
    pa_allocator *a = two_node();
    uint64_t free0 = test_total_free(a);
    struct pa_zone_info zi;
    struct pa_pcp_info pi;
    test_log_reset();
    static const int zones[] = { -1, PA_NR_ZONES, 100, INT_MIN };
    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        CHECK_EQ(pa_zone_info(a, 0, (enum pa_zone_type)zones[i], &zi), -EINVAL);
        CHECK_LOGGED(1);
        CHECK_EQ(pa_pcp_info(a, 0, 0, (enum pa_zone_type)zones[i], &pi), -EINVAL);
        CHECK_LOGGED(1);
    }
    /* Absent zone: -ENOENT (a question with an answer, not an error). */
    CHECK_EQ(pa_zone_info(a, 0, PA_ZONE_DMA, &zi), -ENOENT);
    CHECK_EQ(pa_pcp_info(a, 0, 1, PA_ZONE_MOVABLE, &pi), -ENOENT);
    CHECK_EQ(pa_zone_info(a, 0, PA_ZONE_NORMAL, NULL), -EINVAL);
    CHECK_LOGGED(1);
    CHECK_EQ(pa_pcp_info(a, 0, 0, PA_ZONE_NORMAL, NULL), -EINVAL);
    CHECK_LOGGED(1);
    static const int cpus[] = { -1, 2, 1024, INT_MAX, INT_MIN };
    for (size_t i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
        CHECK_EQ(pa_pcp_info(a, cpus[i], 0, PA_ZONE_NORMAL, &pi), -EINVAL);
        CHECK_LOGGED(1);
        CHECK_EQ(pa_bind_cpu(a, cpus[i] == -1 ? -2 : cpus[i]), -EINVAL);
        CHECK_LOGGED(1);
        CHECK_EQ(pa_cpu_to_node(a, cpus[i]), -EINVAL);
        test_log_reset();
    }
    CHECK_EQ(pa_cpu_to_node(a, 0), 0);
    CHECK_EQ(pa_cpu_to_node(a, 1), 1);
    static const int items[] = { -1, PA_NR_VM_EVENT_ITEMS, 1000, INT_MIN };
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
        CHECK_EQ(pa_vm_event(a, (enum pa_vm_event_item)items[i]), 0);
        CHECK_LOGGED(1);
    }
    CHECK(pa_pfn_to_page(a, UINT64_MAX) == NULL);
    CHECK(pa_pfn_to_page(a, 1ull << 40) == NULL);
    CHECK(pa_virt_to_page(a, NULL) == NULL);
    CHECK(pa_virt_to_page(a, &zi) == NULL);
    check_unchanged(a, free0);
    pa_destroy(a);
}

TEST(callbacks_and_fault_injection_bad_arguments)
{
    pa_allocator *a = test_simple(NR_PAGES, 1);
    uint64_t free0 = test_total_free(a);
    test_log_reset();
    CHECK_EQ(pa_register_reclaim(a, NULL, NULL), -EINVAL);
    CHECK_LOGGED(1);
    CHECK_EQ(pa_unregister_reclaim(a, NULL, NULL), -EINVAL);
    CHECK_LOGGED(1);
    CHECK_EQ(pa_unregister_reclaim(a, (pa_reclaim_fn)(uintptr_t)test_log_fn, NULL), -ENOENT);
    struct pa_fault_attr bad[] = {
        { 101, 1, -1, 0, 0, 0 },
        { 50, 1, -2, 0, 0, 0 },
        { 50, 1, -1, -1, 0, 0 },
        { UINT32_MAX, 0, 0, 0, 0, 0 },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ(pa_set_fail_page_alloc(a, &bad[i]), -EINVAL);
        CHECK_LOGGED(1);
    }
    /* Rejected attributes leave fault injection off. */
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    pa_free_pages(a, p, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, NULL), 0);
    CHECK_LOGGED(0);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), free0);
    pa_destroy(a);
}

TEST(list_helpers_accept_null)
{
    struct pa_list_head list;
    pa_list_init(NULL);
    CHECK(pa_list_empty(NULL));
    CHECK(pa_list_first(NULL) == NULL);
    CHECK(pa_list_next(NULL, NULL) == NULL);
    CHECK_EQ(pa_list_count(NULL), 0);
    pa_list_move_tail(NULL, NULL);
    pa_list_del(NULL);
    pa_list_splice_tail(NULL, NULL);
    pa_list_init(&list);
    pa_list_splice_tail(&list, &list);
    pa_list_splice_tail(NULL, &list);
    pa_list_splice_tail(&list, NULL);
    CHECK(pa_list_empty(&list));
    CHECK(pa_list_first(&list) == NULL);
    CHECK_EQ(pa_list_count(&list), 0);
}

static pa_allocator *try_create(struct pa_config *cfg)
{
    pa_allocator *a = (pa_allocator *)(uintptr_t)0x1;
    int err = pa_create(cfg, &a);
    CHECK_EQ(err, -EINVAL);
    CHECK(a == NULL);
    return a;
}

TEST(create_rejects_bad_configs)
{
    struct pa_config cfg;
    pa_config_init(&cfg);
    cfg.nr_cpus = 2;
    cfg.node_zone_pages[0][PA_ZONE_NORMAL] = 1024;
    struct pa_config good = cfg;

    cfg.page_shift = 11; try_create(&cfg); cfg = good;
    cfg.page_shift = 22; try_create(&cfg); cfg = good;
    cfg.page_shift = 0; try_create(&cfg); cfg = good;
    cfg.nr_nodes = 0; try_create(&cfg); cfg = good;
    cfg.nr_nodes = 65; try_create(&cfg); cfg = good;
    cfg.nr_cpus = 1025; try_create(&cfg); cfg = good;
    cfg.flags = PA_CFG_ALL_FLAGS + 1; try_create(&cfg); cfg = good;   /* the lowest unknown flag */
    /* percpu_pagelist_high_fraction: 0 or at least 8, as the sysctl. */
    cfg.percpu_pagelist_high_fraction = 1; try_create(&cfg); cfg = good;
    cfg.percpu_pagelist_high_fraction = 7; try_create(&cfg); cfg = good;
    cfg.flags = 0x80000000u; try_create(&cfg); cfg = good;
    /* No pages anywhere. */
    cfg.node_zone_pages[0][PA_ZONE_NORMAL] = 0; try_create(&cfg); cfg = good;
    /* Pages on a node >= nr_nodes. */
    cfg.node_zone_pages[1][PA_ZONE_NORMAL] = 1024; try_create(&cfg); cfg = good;
    cfg.node_zone_pages[63][PA_ZONE_DMA] = 1; try_create(&cfg); cfg = good;
    /* Absurd sizes. */
    cfg.node_zone_pages[0][PA_ZONE_NORMAL] = UINT64_MAX; try_create(&cfg); cfg = good;
    /* cpu_to_node out of range. */
    int32_t map_bad[2] = { 0, 1 };
    cfg.cpu_to_node = map_bad; try_create(&cfg); cfg = good;
    int32_t map_neg[2] = { 0, -1 };
    cfg.cpu_to_node = map_neg; try_create(&cfg); cfg = good;
    /* A zero distance. */
    cfg.nr_nodes = 2;
    cfg.node_zone_pages[1][PA_ZONE_NORMAL] = 1024;
    uint8_t dist[4] = { 10, 20, 0, 10 };
    cfg.node_distance = dist; try_create(&cfg);
    dist[2] = 20;
    pa_allocator *a = NULL;
    CHECK_EQ(pa_create(&cfg, &a), 0);      /* the same config with it fixed */
    pa_destroy(a);
    cfg = good;
    /* METADATA_ONLY with caller memory. */
    static char mem[8192] __attribute__((aligned(4096)));
    cfg.flags = PA_CFG_METADATA_ONLY;
    cfg.memory = mem;
    cfg.memory_size = sizeof(mem);
    try_create(&cfg);
    cfg = good;
    CHECK_EQ(pa_config_memory_size(&cfg), 1024ull * 4096);
    cfg.page_shift = 11;
    CHECK_EQ(pa_config_memory_size(&cfg), 0);
}

TEST(create_rejects_bad_caller_memory)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, 1500, 0);
    uint64_t size = pa_config_memory_size(&cfg);
    CHECK_EQ(size, 2048ull * 4096);          /* zones start 1024-aligned */
    char *mem = aligned_alloc(4096, size + 4096);
    CHECK(mem != NULL);
    cfg.memory = mem + 1;                    /* unaligned */
    cfg.memory_size = size;
    try_create(&cfg);
    cfg.memory = mem + 2048;                 /* aligned to less than a page */
    try_create(&cfg);
    cfg.memory = mem;
    cfg.memory_size = size - 4096;           /* too small */
    try_create(&cfg);
    cfg.memory_size = 0;
    try_create(&cfg);
    free(mem);
}

TEST(caller_supplied_memory_backs_pages)
{
    struct pa_config cfg;
    test_config(&cfg, 2, 2, 0, 1024, 2048, 0);
    uint64_t size = pa_config_memory_size(&cfg);
    CHECK(size >= (1024 + 2048) * 2ull * 4096);
    unsigned char *mem = aligned_alloc(4096, size);
    CHECK(mem != NULL);
    memset(mem, 0x5a, size);
    cfg.memory = mem;
    cfg.memory_size = size;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    struct pa_page *held[64];
    for (int i = 0; i < 64; i++) {
        int nid = i & 1;
        held[i] = pa_alloc_pages_node(a, (i & 2) ? PA_GFP_KERNEL | PA_GFP_DMA32 : PA_GFP_KERNEL,
                                      (unsigned)(i % 4), nid);
        CHECK(held[i] != NULL);
        CHECK_EQ(pa_page_to_nid(a, held[i]), nid);
        unsigned char *p = pa_page_address(a, held[i]);
        CHECK(p != NULL);
        CHECK(p >= mem && p + (4096ull << (i % 4)) <= mem + size);
        CHECK_EQ(((uintptr_t)p) & 4095, 0);
        /* The caller's memory is used as is (no zeroing without __GFP_ZERO). */
        CHECK_EQ(p[0], 0x5a);
        memset(p, i, 4096ull << (i % 4));
        /* Round trips. */
        uint64_t pfn = pa_page_to_pfn(a, held[i]);
        CHECK(pa_pfn_to_page(a, pfn) == held[i]);
        CHECK(pa_virt_to_page(a, p) == held[i]);
        CHECK(pa_virt_to_page(a, p + 4095) == held[i]);
        if (i % 4)
            CHECK(pa_virt_to_page(a, p + 4096) == pa_pfn_to_page(a, pfn + 1));
        CHECK_OK(a);
    }
    for (int i = 0; i < 64; i++) {
        const unsigned char *p = pa_page_address(a, held[i]);
        CHECK_EQ(p[(4096u << (i % 4)) - 1], (unsigned char)i);
        pa_free_pages(a, held[i], (unsigned)(i % 4));
    }
    CHECK(pa_virt_to_page(a, mem - 1) == NULL);
    CHECK(pa_virt_to_page(a, mem + size) == NULL);
    CHECK_EQ(test_total_free(a), 2 * (1024 + 2048));
    CHECK_OK(a);
    pa_destroy(a);
    /* The memory is still the caller's after destroy. */
    mem[0] = 1;
    mem[size - 1] = 1;
    free(mem);
}

TEST(anonymous_memory_round_trips)
{
    pa_allocator *a = test_simple(NR_PAGES, 1);
    for (uint64_t pfn = 0; pfn < NR_PAGES; pfn += 511) {
        struct pa_page *pg = pa_pfn_to_page(a, pfn);
        CHECK(pg != NULL);
        CHECK_EQ(pa_page_to_pfn(a, pg), pfn);
        char *p = pa_page_address(a, pg);
        CHECK(p != NULL);
        CHECK(pa_virt_to_page(a, p + 17) == pg);
        CHECK_EQ(pa_page_to_nid(a, pg), 0);
        CHECK_EQ(pa_page_zonenum(a, pg), PA_ZONE_NORMAL);
    }
    CHECK_EQ(pa_page_size(a), 4096);
    CHECK_EQ(pa_nr_nodes(a), 1);
    CHECK_EQ(pa_nr_cpus(a), 1);
    pa_destroy(a);
}

TEST(metadata_only_has_no_addresses)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, 1 << 20, 0);
    cfg.flags = PA_CFG_METADATA_ONLY;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_ZERO, 10);
    CHECK(p != NULL);
    CHECK(pa_page_address(a, p) == NULL);
    CHECK(pa_virt_to_page(a, &cfg) == NULL);
    CHECK(pa_virt_to_page(a, (void *)(uintptr_t)4096) == NULL);
    uint64_t pfn = pa_page_to_pfn(a, p);
    CHECK(pa_pfn_to_page(a, pfn) == p);
    CHECK_OK(a);
    pa_free_pages(a, p, 10);
    CHECK_EQ(test_total_free(a), 1 << 20);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(page_size_config)
{
    /* 64 KiB pages: everything is counted in pages; addresses step by 64 KiB. */
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, 2048, 0);
    cfg.page_shift = 16;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    CHECK_EQ(pa_page_size(a), 65536);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 1);
    CHECK(p != NULL);
    char *m = pa_page_address(a, p);
    CHECK_EQ((uintptr_t)m & 65535, 0);
    CHECK(pa_virt_to_page(a, m + 65536) == pa_pfn_to_page(a, pa_page_to_pfn(a, p) + 1));
    memset(m, 1, 2 * 65536);
    pa_free_pages(a, p, 1);
    CHECK_EQ(test_total_free(a), 2048);
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()
