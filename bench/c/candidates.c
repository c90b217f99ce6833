// SPDX-License-Identifier: GPL-2.0-only
/* The candidates: our allocation paths and the peers', per batch size. */
#include <string.h>

#include "bench.h"

#define GFP PA_GFP_KERNEL

static void fail_short(unsigned long got, unsigned batch)
{
    fprintf(stderr, "pagealloc-bench: bulk allocation returned %lu of %u pages\n", got, batch);
    bench_die("bulk allocation", -12);
}

static void cycle_bulk_array(struct bench_env *env, unsigned batch, unsigned order)
{
    const struct pa_layout l = env->layout;   /* a local: the touches cannot alias it */
    (void)order;
    unsigned long got = pa_alloc_pages_bulk_array(env->a, GFP, batch, env->pages);
    if (got != batch)
        fail_short(got, batch);
    for (unsigned i = 0; i < batch; i++)
        bench_touch(pa_layout_page_address(&l, env->pages[i]), 0);
    pa_release_pages(env->a, env->pages, batch);
}

static void cycle_bulk_list(struct bench_env *env, unsigned batch, unsigned order)
{
    const struct pa_layout l = env->layout;   /* a local: the touches cannot alias it */
    (void)order;
    struct pa_list_head list;
    pa_list_init(&list);
    unsigned long got = pa_alloc_pages_bulk_list(env->a, GFP, batch, &list);
    if (got != batch)
        fail_short(got, batch);
    for (struct pa_page *p = pa_layout_list_first(&list); p; p = pa_layout_list_next(&list, p))
        bench_touch(pa_layout_page_address(&l, p), 0);
    pa_free_pages_bulk(env->a, &list);
}

static void cycle_single(struct bench_env *env, unsigned batch, unsigned order)
{
    const struct pa_layout l = env->layout;   /* a local: the touches cannot alias it */
    for (unsigned i = 0; i < batch; i++) {
        env->pages[i] = pa_alloc_pages(env->a, GFP, order);
        if (!env->pages[i])
            bench_die("pa_alloc_pages", -12);
        bench_touch(pa_layout_page_address(&l, env->pages[i]), order);
    }
    for (unsigned i = 0; i < batch; i++) {
        pa_free_pages(env->a, env->pages[i], order);
        env->pages[i] = NULL;   /* the bulk array form fills NULL slots only */
    }
}

/* page_pool: a batch from the pool's cache in one call, a byte written through
 * the public address, each page recycled straight into the cache. */
static void cycle_pp_bulk(struct bench_env *env, unsigned batch, unsigned order)
{
    const struct pa_layout l = env->layout;   /* a local: the touches cannot alias it */
    (void)order;
    unsigned long got = pa_page_pool_alloc_bulk(env->pp, GFP, batch, env->pages);
    if (got != batch)
        fail_short(got, batch);
    for (unsigned i = 0; i < batch; i++)
        bench_touch(pa_layout_page_address(&l, env->pages[i]), 0);
    for (unsigned i = 0; i < batch; i++) {
        pa_page_pool_recycle_direct(env->pp, env->pages[i]);
        env->pages[i] = NULL;
    }
}

/* The descriptor form at its best, as a driver would write it: a batch
 * from the cache in one call, each page's address computed inline, the
 * batch back with one pa_page_pool_recycle_direct_bulk. */
static void cycle_pp_desc_bulk(struct bench_env *env, unsigned batch, unsigned order)
{
    const struct pa_layout l = env->layout;   /* a local: the touches cannot alias it */
    (void)order;
    unsigned long got = pa_page_pool_alloc_bulk(env->pp, GFP, batch, env->pages);
    if (got != batch)
        fail_short(got, batch);
    for (unsigned i = 0; i < batch; i++)
        bench_touch(pa_layout_page_address(&l, env->pages[i]), 0);
    pa_page_pool_recycle_direct_bulk(env->pp, env->pages, batch);
    memset(env->pages, 0, batch * sizeof(env->pages[0]));   /* the bulk form fills NULL slots only */
}

/* The pool's address form end to end, as DPDK's get/put_bulk: the
 * addresses of a batch from one pa_page_pool_alloc_va_bulk call, a byte
 * written through each, the batch back with one direct
 * pa_page_pool_free_va_bulk. */
static void cycle_pp_va_bulk(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    unsigned long got = pa_page_pool_alloc_va_bulk(env->pp, GFP, batch, env->ptrs);
    if (got != batch)
        fail_short(got, batch);
    for (unsigned i = 0; i < batch; i++)
        bench_touch(env->ptrs[i], 0);
    pa_page_pool_free_va_bulk(env->pp, env->ptrs, batch, true);
}

/* The same batch given back with one pa_page_pool_put_page_bulk call (from
 * the owner thread: the cache first), which empties the slots itself. */
static void cycle_pp_put_bulk(struct bench_env *env, unsigned batch, unsigned order)
{
    const struct pa_layout l = env->layout;   /* a local: the touches cannot alias it */
    (void)order;
    unsigned long got = pa_page_pool_alloc_bulk(env->pp, GFP, batch, env->pages);
    if (got != batch)
        fail_short(got, batch);
    for (unsigned i = 0; i < batch; i++)
        bench_touch(pa_layout_page_address(&l, env->pages[i]), 0);
    pa_page_pool_put_page_bulk(env->pages, batch);
}

/* One page at a time: pa_page_pool_alloc_pages, then pa_page_pool_recycle_direct. */
static void cycle_pp_single(struct bench_env *env, unsigned batch, unsigned order)
{
    const struct pa_layout l = env->layout;   /* a local: the touches cannot alias it */
    (void)order;
    for (unsigned i = 0; i < batch; i++) {
        env->pages[i] = pa_page_pool_alloc_pages(env->pp, GFP);
        if (!env->pages[i])
            bench_die("pa_page_pool_alloc_pages", -12);
        bench_touch(pa_layout_page_address(&l, env->pages[i]), 0);
    }
    for (unsigned i = 0; i < batch; i++) {
        pa_page_pool_recycle_direct(env->pp, env->pages[i]);
        env->pages[i] = NULL;
    }
}

/* The touches alone, on 64 pages held for the whole run: byte 0 of each page
 * (the first byte, every write in one L1 set), and bench_touch's byte (the
 * line the page's frame number names). No allocator work: the difference is
 * what the choice of byte costs a batch of page-aligned blocks. */
static void cycle_touch_first(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    for (unsigned i = 0; i < batch; i++)
        *(volatile unsigned char *)env->touch_addrs[i] = (unsigned char)i;
}

static void cycle_touch_line(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    for (unsigned i = 0; i < batch; i++)
        bench_touch(env->touch_addrs[i], 0);
}

/* init_on_alloc / init_on_free (issue 20): the single and bulk cycles on an
 * allocator that zeroes every page, against the same cycles asking for
 * __GFP_ZERO, and against one memset of each page with no allocator. */
static void single_on(pa_allocator *a, struct bench_env *env, unsigned batch, pa_gfp_t gfp)
{
    const struct pa_layout l = *bench_layout(env, a);   /* a local: the touches cannot alias it */
    for (unsigned i = 0; i < batch; i++) {
        env->pages[i] = pa_alloc_pages(a, gfp, 0);
        if (!env->pages[i])
            bench_die("pa_alloc_pages", -12);
        bench_touch(pa_layout_page_address(&l, env->pages[i]), 0);
    }
    for (unsigned i = 0; i < batch; i++) {
        pa_free_pages(a, env->pages[i], 0);
        env->pages[i] = NULL;
    }
}

static void bulk_on(pa_allocator *a, struct bench_env *env, unsigned batch, pa_gfp_t gfp)
{
    unsigned long got = pa_alloc_pages_bulk_array(a, gfp, batch, env->pages);
    if (got != batch)
        fail_short(got, batch);
    const struct pa_layout l = *bench_layout(env, a);   /* a local: the touches cannot alias it */
    for (unsigned i = 0; i < batch; i++)
        bench_touch(pa_layout_page_address(&l, env->pages[i]), 0);
    pa_release_pages(a, env->pages, batch);
}

static void cycle_single_zero(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    single_on(env->a, env, batch, GFP | PA_GFP_ZERO);
}

static void cycle_single_init_alloc(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    single_on(bench_init_allocator(env, PA_CFG_INIT_ON_ALLOC), env, batch, GFP);
}

static void cycle_single_init_free(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    single_on(bench_init_allocator(env, PA_CFG_INIT_ON_FREE), env, batch, GFP);
}

static void cycle_bulk_zero(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    bulk_on(env->a, env, batch, GFP | PA_GFP_ZERO);
}

static void cycle_bulk_init_alloc(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    bulk_on(bench_init_allocator(env, PA_CFG_INIT_ON_ALLOC), env, batch, GFP);
}

static void cycle_bulk_init_free(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    bulk_on(bench_init_allocator(env, PA_CFG_INIT_ON_FREE), env, batch, GFP);
}

/* One memset of each of 64 pages held for the run: the zeroing alone, by
 * the C library's memset as the allocator calls it (a size the compiler
 * does not see, so no inline expansion). */
static void cycle_memset_page(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    static volatile size_t page_bytes = BENCH_PAGE;
    for (unsigned i = 0; i < batch; i++)
        memset(env->touch_addrs[i], 0, page_bytes);
    __asm__ volatile("" ::: "memory");
}

#define BATCHES(fam, fn, peer)                                  \
    { fam "/1", fam, 1, 0, peer, fn },                          \
    { fam "/8", fam, 8, 0, peer, fn },                          \
    { fam "/64", fam, 64, 0, peer, fn },                        \
    { fam "/512", fam, 512, 0, peer, fn }

const struct candidate bench_candidates[] = {
    BATCHES("pa_bulk_array", cycle_bulk_array, NULL),
    BATCHES("pa_bulk_list", cycle_bulk_list, NULL),
    BATCHES("pa_single", cycle_single, NULL),
    { "pa_order2/1", "pa_order2", 1, 2, NULL, cycle_single },
    { "pa_order9/1", "pa_order9", 1, 9, NULL, cycle_single },
    { "pp_bulk/8", "pp_bulk", 8, 0, NULL, cycle_pp_bulk },
    { "pp_bulk/64", "pp_bulk", 64, 0, NULL, cycle_pp_bulk },
    { "pp_desc_bulk/8", "pp_desc_bulk", 8, 0, NULL, cycle_pp_desc_bulk },
    { "pp_desc_bulk/64", "pp_desc_bulk", 64, 0, NULL, cycle_pp_desc_bulk },
    { "pp_va_bulk/8", "pp_va_bulk", 8, 0, NULL, cycle_pp_va_bulk },
    { "pp_va_bulk/64", "pp_va_bulk", 64, 0, NULL, cycle_pp_va_bulk },
    { "pp_put_bulk/64", "pp_put_bulk", 64, 0, NULL, cycle_pp_put_bulk },
    { "pp_single/1", "pp_single", 1, 0, NULL, cycle_pp_single },
    { "pp_single/64", "pp_single", 64, 0, NULL, cycle_pp_single },
    { "touch_first/64", "touch_first", 64, 0, NULL, cycle_touch_first },
    { "touch_line/64", "touch_line", 64, 0, NULL, cycle_touch_line },
    { "memset_page/64", "memset_page", 64, 0, NULL, cycle_memset_page },
    { "pa_single_zero/64", "pa_single_zero", 64, 0, NULL, cycle_single_zero },
    { "pa_single_init_alloc/64", "pa_single_init_alloc", 64, 0, NULL, cycle_single_init_alloc },
    { "pa_single_init_free/64", "pa_single_init_free", 64, 0, NULL, cycle_single_init_free },
    { "pa_bulk_zero/64", "pa_bulk_zero", 64, 0, NULL, cycle_bulk_zero },
    { "pa_bulk_init_alloc/64", "pa_bulk_init_alloc", 64, 0, NULL, cycle_bulk_init_alloc },
    { "pa_bulk_init_free/64", "pa_bulk_init_free", 64, 0, NULL, cycle_bulk_init_free },
    BATCHES("glibc_malloc", cycle_malloc, NULL),
    BATCHES("glibc_aligned_alloc", cycle_aligned_alloc, NULL),
    BATCHES("mimalloc", cycle_mimalloc, "mimalloc"),
    BATCHES("jemalloc", cycle_jemalloc, "jemalloc"),
    BATCHES("dpdk_mempool", cycle_dpdk, "dpdk"),
    { "dpdk_single/64", "dpdk_single", 64, 0, "dpdk", cycle_dpdk_single },
};
const size_t bench_nr_candidates = sizeof(bench_candidates) / sizeof(bench_candidates[0]);

const struct candidate *bench_find(const char *name)
{
    for (size_t i = 0; i < bench_nr_candidates; i++)
        if (strcmp(bench_candidates[i].name, name) == 0)
            return &bench_candidates[i];
    return NULL;
}
