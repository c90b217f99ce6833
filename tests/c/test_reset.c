/* SPDX-License-Identifier: GPL-2.0-only */
/* test_reset.c - allocator_reset, the fuzzer's reset between inputs: after
 * any use, the allocator reports exactly what it reported fresh from
 * pa_create, keeps its memory and log handler, and behaves as new. */
#include "support.h"

#include "internal.h"

#include <errno.h>

static char *reports(pa_allocator *a)
{
    size_t size = 1 << 16;
    char *buf = malloc(size);
    CHECK(buf != NULL);
    size_t n = pa_format_buddyinfo(a, buf, size);
    n += pa_format_zoneinfo(a, buf + n, size - n);
    n += pa_format_vmstat(a, buf + n, size - n);
    CHECK(n < size);
    return buf;
}

/* Uses a in every way that leaves state behind: pages held, pcp lists
 * filled, a policy, a bound CPU, allowed nodes, fault injection, a page
 * pool never destroyed, written pages. */
static void use(pa_allocator *a)
{
    struct pa_page *held[64] = { 0 };
    CHECK_EQ(pa_bind_cpu(a, 1), 0);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 64, held), 64);
    for (int i = 0; i < 32; i++)
        pa_free_pages(a, held[i], 0);
    struct pa_page *big = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_COMP, 3);
    CHECK(big != NULL);
    memset(pa_page_address(a, big), 0x5a, pa_page_size(a) << 3);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    CHECK(pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL) != NULL);
    pa_nodemask_t last = { { 1ull << (pa_nr_nodes(a) - 1) } };
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_BIND, &last), 0);
    CHECK_EQ(pa_set_mems_allowed(a, &last), 0);
    struct pa_fault_attr fa = { 50, 1, -1, 0, 0, 0 };
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
}

TEST(allocator_reset_restores_the_reports_of_a_new_allocator)
{
    struct pa_config cfg;
    test_config(&cfg, 2, 2, 512, 1024, 2048, 1024);
    cfg.flags = PA_CFG_POISON | PA_CFG_DEBUG_CHECKS;
    pa_allocator *a = test_create(&cfg);
    char *fresh = reports(a);
    uint8_t *mem = a->nodes[0].mem;
    struct pa_page *pages = a->pages;
    use(a);
    char *used = reports(a);
    CHECK(strcmp(fresh, used) != 0);   /* the use shows, so the comparison below can fail */
    test_log_reset();
    CHECK_EQ(allocator_reset(a), 0);
    CHECK(test_log_contains("not destroyed"));   /* the live pool, logged as pa_destroy would */
    char *again = reports(a);
    CHECK_STR_EQ(again, fresh);
    CHECK(a->nodes[0].mem == mem && a->pages == pages);   /* the mappings kept */
    CHECK_OK(a);
    /* The thread's state is gone: unbound, default policy, every node allowed. */
    int mode = -1;
    pa_nodemask_t nodes;
    CHECK_EQ(pa_get_mempolicy(a, &mode, &nodes), 0);
    CHECK_EQ(mode, PA_MPOL_DEFAULT);
    /* No fault injection and no poison damage: every page can be taken, and
     * the debug checks find the poison intact on each (a bad page would log). */
    test_log_reset();
    uint64_t total = test_total_free(a), got = 0;
    struct pa_page *p;
    while ((p = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0)))
        got++;
    while ((p = pa_alloc_pages(a, PA_GFP_DMA | PA_GFP_NOWARN, 0)))
        got++;
    while ((p = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE | PA_GFP_NOWARN, 0)))
        got++;
    CHECK(got > total / 2);
    CHECK_EQ(test_log.count, 0);
    /* The log handler is kept: a bad call still reaches it. */
    CHECK_EQ(pa_bind_cpu(a, 99), -EINVAL);
    CHECK(test_log.count > 0);
    pa_destroy(a);
    free(fresh);
    free(used);
    free(again);
}

TEST(allocator_reset_twice_in_a_row_is_the_same_as_once)
{
    pa_allocator *a = test_simple(2048, 2);
    char *fresh = NULL;
    CHECK_EQ(allocator_reset(a), 0);
    fresh = reports(a);
    use(a);
    CHECK_EQ(allocator_reset(a), 0);
    CHECK_EQ(allocator_reset(a), 0);
    char *again = reports(a);
    CHECK_STR_EQ(again, fresh);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 2048);
    pa_destroy(a);
    free(fresh);
    free(again);
}

RUN_TESTS()
