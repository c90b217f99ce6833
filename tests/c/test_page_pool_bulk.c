/* SPDX-License-Identifier: GPL-2.0-only */
/* test_page_pool_bulk.c - the page_pool's bulk forms: addresses in bulk
 * (pa_page_pool_alloc_va_bulk / pa_page_pool_free_va_bulk), direct recycling
 * in bulk (pa_page_pool_recycle_direct_bulk) and the wide copy of
 * pa_page_pool_alloc_bulk. Each is held to the single calls it stands for:
 * a twin allocator driven by single calls must end up with the same pages in
 * the same order and the same statistics. Bad input is logged and changes
 * nothing, and nothing is lost. */
#include <pagealloc/pagealloc.h>

#include "internal.h"
#include "support.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPAGES 4096

/* ---- Helpers ------------------------------------------------------------------ */

/* An allocator of cfg, the calling thread bound to cpu 0. */
static pa_allocator *create_bound(const struct pa_config *cfg)
{
    pa_allocator *a = test_create(cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    return a;
}

static pa_allocator *debug_allocator(uint64_t pages)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, pages, 0);
    cfg.flags |= PA_CFG_DEBUG_CHECKS;
    return create_bound(&cfg);
}

/* Twins: allocators a and b alike, each with an order-0 pool (pa_, pb); a's
 * pool is driven by the bulk form under test, b's by the single calls it
 * stands for. The twin's next single allocation: it must be frame pfn. */
static struct pa_page *twin_single(pa_allocator *b, pa_page_pool *pb, uint64_t pfn)
{
    struct pa_page *p = pa_page_pool_alloc_pages(pb, PA_GFP_KERNEL);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_pfn(b, p), pfn);
    return p;
}

/* The end of a twin test: both pools destroyed, and every page of a back. */
static void twins_destroy(pa_allocator *a, pa_allocator *b, pa_page_pool *pa_, pa_page_pool *pb)
{
    pa_page_pool_destroy(pa_);
    pa_page_pool_destroy(pb);
    CHECK_EQ(test_total_free(a), NPAGES);
    CHECK_OK(a);
    pa_destroy(a);
    pa_destroy(b);
}

/* The pool block at address va: its descriptor, checked. */
static struct pa_page *va_block(pa_allocator *a, void *va, unsigned order)
{
    CHECK(va != NULL);
    struct pa_page *page = pa_virt_to_page(a, va);
    CHECK(page != NULL);
    CHECK(pa_page_address(a, page) == va);
    CHECK(page->flags & PG_PP);
    CHECK_EQ(page->flags & PG_PP_POOLED, 0);
    CHECK_EQ(page_state(page), PG_ALLOC);
    CHECK_EQ(page->order, order);
    CHECK_EQ(page->refcount, 1);
    return page;
}

static uint64_t va_pfn(pa_allocator *a, void *va)
{
    return pa_page_to_pfn(a, pa_virt_to_page(a, va));
}

/* Every address of va[0..n) a distinct checked block of the pool's order. */
static void check_va_blocks(pa_allocator *a, void **va, unsigned long n, unsigned order)
{
    for (unsigned long i = 0; i < n; i++) {
        va_block(a, va[i], order);
        for (unsigned long j = 0; j < i; j++)
            CHECK(va[i] != va[j]);
    }
}

/* Frees va[0..n) from a thread that is not the pool's owner. */
struct free_arg {
    pa_page_pool *pool;
    void **va;
    unsigned long n;
    bool allow_direct;
};
static void *free_thread(void *v)
{
    struct free_arg *arg = v;
    pa_page_pool_free_va_bulk(arg->pool, arg->va, arg->n, arg->allow_direct);
    return NULL;
}
static void free_from_other_thread(pa_page_pool *pool, void **va, unsigned long n, bool allow_direct)
{
    pthread_t t;
    struct free_arg arg = { pool, va, n, allow_direct };
    CHECK_EQ(pthread_create(&t, NULL, free_thread, &arg), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
}

/* A free of va alone, direct and not: refused, with one log line that
 * contains what (and why, if not NULL); nothing else is logged. */
static void free_alone_is_refused(pa_page_pool *pool, void *va, const char *what, const char *why)
{
    for (int direct = 0; direct < 2; direct++) {
        test_log_reset();
        pa_page_pool_free_va_bulk(pool, &va, 1, direct);
        CHECK_EQ(test_log.count, 1);
        CHECK(test_log_contains(what));
        if (why)
            CHECK(test_log_contains(why));
    }
}

/* The fixed generator the tests draw from: the next 31 bits of seed. */
static uint64_t lcg_next(uint64_t *seed)
{
    *seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
    return *seed >> 33;
}

/* Fisher-Yates with the fixed generator. */
static void shuffle(void **v, size_t n, uint64_t seed)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)lcg_next(&seed) % i;
        void *t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* ---- pa_page_pool_alloc_va_bulk ------------------------------------------------- */

TEST(page_pool_va_bulk_addresses_are_page_addresses_in_single_call_order)
{
    pa_allocator *a = test_simple(NPAGES, 1), *b = test_simple(NPAGES, 1);
    pa_page_pool *pa_ = test_pool_create(a, 0, 0), *pb = test_pool_create(b, 0, 0);
    void *va[10];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pa_, PA_GFP_KERNEL, 10, va), 10);
    check_va_blocks(a, va, 10, 0);
    /* The twin, by single calls: the same frames in the same order. */
    for (int i = 0; i < 10; i++)
        twin_single(b, pb, va_pfn(a, va[i]));
    /* One slow round (64 pages), the other nine from the cache. */
    struct pa_page_pool_stats s = test_pool_stats(pa_);
    CHECK_EQ(s.alloc_slow, 1);
    CHECK_EQ(s.alloc_fast, 9);
    CHECK_EQ(s.alloc_empty, 1);
    test_pool_stats_eq(s, test_pool_stats(pb));
    CHECK_EQ(pa_page_pool_inflight(pa_), PA_PP_ALLOC_CACHE_REFILL);
    /* The memory is the caller's: writable end to end. */
    for (int i = 0; i < 10; i++)
        memset(va[i], 0x5a, pa_page_size(a));
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pa_, PA_GFP_KERNEL, 0, va), 0);
    test_pool_stats_eq(test_pool_stats(pa_), s);
    CHECK_OK(a);
    pa_page_pool_free_va_bulk(pa_, va, 10, true);
    twins_destroy(a, b, pa_, pb);
}

TEST(page_pool_va_bulk_larger_than_the_cache_refills_and_returns_nr)
{
    pa_allocator *a = test_simple(NPAGES, 1), *b = test_simple(NPAGES, 1);
    pa_page_pool *pa_ = test_pool_create(a, 0, 0), *pb = test_pool_create(b, 0, 0);
    enum { N = 200 };
    void *va[N];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pa_, PA_GFP_KERNEL, N, va), N);
    check_va_blocks(a, va, N, 0);
    for (int i = 0; i < N; i++)
        twin_single(b, pb, va_pfn(a, va[i]));
    /* 200 = 3 full slow rounds of 64 and 8 of a fourth. */
    struct pa_page_pool_stats s = test_pool_stats(pa_);
    CHECK_EQ(s.alloc_slow, 4);
    CHECK_EQ(s.alloc_fast, N - 4);
    test_pool_stats_eq(s, test_pool_stats(pb));
    CHECK_EQ(pa_page_pool_inflight(pa_), 4 * PA_PP_ALLOC_CACHE_REFILL);
    /* The refills came from a ring, too: the other thread's puts. */
    free_from_other_thread(pa_, va, N, false);
    CHECK_EQ(test_pool_stats(pa_).recycle_ring, N);
    void *vb[N];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pa_, PA_GFP_KERNEL, N, vb), N);
    check_va_blocks(a, vb, N, 0);
    s = test_pool_stats(pa_);
    CHECK_EQ(s.alloc_slow, 4);                /* no allocator call */
    CHECK_EQ(s.alloc_refill, 3);              /* 56 cached, then 64 + 64 + 16 of the ring's */
    CHECK_EQ(pa_page_pool_inflight(pa_), 4 * PA_PP_ALLOC_CACHE_REFILL);
    CHECK_OK(a);
    pa_page_pool_free_va_bulk(pa_, vb, N, true);
    twins_destroy(a, b, pa_, pb);
}

TEST(page_pool_va_bulk_high_order_pool_hands_out_block_addresses)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 2, 0);
    void *va[6];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 6, va), 6);
    check_va_blocks(a, va, 6, 2);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(va_pfn(a, va[i]) % 4, 0);
    CHECK_EQ(test_pool_stats(pool).alloc_slow_high_order, 6);
    pa_page_pool_free_va_bulk(pool, va, 6, true);
    CHECK_EQ(test_pool_stats(pool).recycle_cached, 6);
    void *vb[6];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 6, vb), 6);
    for (int i = 0; i < 6; i++)
        CHECK(vb[i] == va[5 - i]);
    CHECK_EQ(test_pool_stats(pool).alloc_fast, 6);
    pa_page_pool_free_va_bulk(pool, vb, 6, false);   /* no owner: the ring */
    CHECK_EQ(test_pool_stats(pool).recycle_ring, 6);
    CHECK_OK(a);
    test_pool_done(a, pool, NPAGES);
}

TEST(page_pool_va_bulk_exhausted_allocator_returns_what_it_placed)
{
    pa_allocator *a = test_simple(1024, 1);
    uint64_t start = test_total_free(a);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct held h = { 0 };
    struct pa_page *p;
    while ((p = pa_alloc_pages(a, PA_GFP_ATOMIC | PA_GFP_NOWARN, 0)))
        held_push(&h, p);
    CHECK(h.n > 20);
    for (int i = 0; i < 10; i++)
        pa_free_pages(a, h.p[--h.n], 0);
    pa_drain_all_pages(a);   /* pcp pages do not count for the watermarks */
    void *va[51];
    for (int i = 0; i < 51; i++)
        va[i] = (void *)&va[i];                    /* sentinels */
    unsigned long n = pa_page_pool_alloc_va_bulk(pool, PA_GFP_ATOMIC, 50, va);
    CHECK_EQ(n, 10);
    check_va_blocks(a, va, n, 0);
    for (int i = (int)n; i < 51; i++)
        CHECK(va[i] == (void *)&va[i]);            /* past n: untouched */
    CHECK_EQ(pa_page_pool_inflight(pool), (long)n);
    /* Nothing left: 0, the cache and ring still empty. */
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_ATOMIC, 5, va + n), 0);
    CHECK(va[n] == (void *)&va[n]);
    CHECK_OK(a);
    /* Back, and the pool works again once memory is back. */
    pa_page_pool_free_va_bulk(pool, va, n, true);
    CHECK_EQ(test_pool_stats(pool).recycle_cached, n);
    held_done(a, &h);
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 50, va), 50);
    check_va_blocks(a, va, 50, 0);
    pa_page_pool_free_va_bulk(pool, va, 50, true);
    test_pool_done(a, pool, start);
}

/* Two nodes in one caller-supplied map share one bias: addresses work. */
TEST(page_pool_va_bulk_two_nodes_in_one_caller_map_hand_out_addresses)
{
    struct pa_config cfg;
    test_config(&cfg, 2, 2, 0, 0, 2048, 0);
    uint64_t size = pa_config_memory_size(&cfg);
    CHECK(size > 0);
    void *mem = aligned_alloc(1u << 21, (size_t)((size + (1u << 21) - 1) & ~(uint64_t)((1u << 21) - 1)));
    CHECK(mem != NULL);
    cfg.memory = mem;
    cfg.memory_size = size;
    pa_allocator *a = create_bound(&cfg);
    uint64_t start = test_total_free(a);
    struct pa_page_pool_params p = { .order = 0, .nid = 1 };
    pa_page_pool *pool = NULL;
    CHECK_EQ(pa_page_pool_create(a, &p, &pool), 0);
    void *va[70];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 70, va), 70);
    check_va_blocks(a, va, 70, 0);
    for (int i = 0; i < 70; i++)
        CHECK_EQ(pa_page_to_nid(a, pa_virt_to_page(a, va[i])), 1);
    pa_page_pool_free_va_bulk(pool, va, 70, true);
    CHECK_EQ(test_pool_stats(pool).recycle_cached, 70);
    CHECK_OK(a);
    pa_page_pool_destroy(pool);
    CHECK_EQ(test_total_free(a), start);
    pa_destroy(a);
    free(mem);
}

TEST(page_pool_va_bulk_without_one_address_map_returns_zero_and_logs)
{
    /* Metadata only: no page has an address. */
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, NPAGES, 0);
    cfg.flags |= PA_CFG_METADATA_ONLY;
    pa_allocator *a = create_bound(&cfg);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct test_pool_snapshot before = test_pool_snap(a, pool);
    void *va[8] = { 0 };
    test_log_reset();
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 8, va), 0);
    CHECK(test_log_contains("pa_page_pool_alloc_va_bulk") && test_log_contains("no addresses"));
    for (int i = 0; i < 8; i++)
        CHECK(va[i] == NULL);
    test_log_reset();
    pa_page_pool_free_va_bulk(pool, va, 8, true);
    CHECK(test_log_contains("pa_page_pool_free_va_bulk") && test_log_contains("no addresses"));
    test_pool_unchanged(a, pool, before);
    /* The descriptor form still works there. */
    struct pa_page *v[40] = { 0 };
    CHECK_EQ(pa_page_pool_alloc_bulk(pool, PA_GFP_KERNEL, 40, v), 40);
    pa_page_pool_recycle_direct_bulk(pool, v, 40);
    CHECK_EQ(test_pool_stats(pool).recycle_cached, 40);
    pa_page_pool_destroy(pool);
    CHECK_EQ(test_total_free(a), NPAGES);
    pa_destroy(a);

    /* Two nodes mapped separately: their biases differ, unless the kernel
     * placed the mappings end to end (valgrind's mmap does), which makes one
     * map after all and the addresses valid. */
    test_config(&cfg, 2, 2, 0, 0, 1024, 0);
    a = create_bound(&cfg);
    uint64_t start = test_total_free(a);
    pool = test_pool_create(a, 0, 0);
    test_log_reset();
    if (test_one_address_map(a)) {
        CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 8, va), 8);
        for (int i = 0; i < 8; i++)
            CHECK(pa_page_address(a, pa_virt_to_page(a, va[i])) == va[i]);
        pa_page_pool_free_va_bulk(pool, va, 8, true);
        CHECK_EQ(test_log.count, 0);
    } else {
        CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 8, va), 0);
        CHECK(test_log_contains("no addresses in one map"));
        CHECK_EQ(pa_page_pool_inflight(pool), 0);
    }
    test_pool_done(a, pool, start);
}

/* 64 KiB pages: the shifts follow the page size; an address 4 KiB into a
 * page is inside it, not a block. */
TEST(page_pool_va_bulk_with_64k_pages)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, 1024, 0);
    cfg.page_shift = 16;
    pa_allocator *a = create_bound(&cfg);
    CHECK_EQ(pa_page_size(a), 65536);
    uint64_t start = test_total_free(a);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    void *va[100];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 100, va), 100);
    check_va_blocks(a, va, 100, 0);
    for (int i = 0; i < 100; i++)
        CHECK_EQ((uintptr_t)va[i] % 65536, (uintptr_t)a->mem_bias[0] % 65536);
    struct test_pool_snapshot before = test_pool_snap(a, pool);
    void *inside[] = { (char *)va[7] + 4096, (char *)va[8] + 32768 };
    test_log_reset();
    pa_page_pool_free_va_bulk(pool, inside, 2, true);
    CHECK_EQ(test_log.count, 2);
    CHECK(test_log_contains("BUG: page_pool"));
    test_pool_unchanged(a, pool, before);
    pa_page_pool_free_va_bulk(pool, va, 100, true);
    CHECK_EQ(test_pool_stats(pool).recycle_cached, 100);
    test_pool_done(a, pool, start);
}

/* ---- pa_page_pool_free_va_bulk -------------------------------------------------- */

TEST(page_pool_free_va_bulk_direct_fills_the_cache_and_the_next_alloc_is_lifo)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    void *va[40];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 40, va), 40);
    shuffle(va, 40, 7);
    struct pa_page_pool_stats s0 = test_pool_stats(pool);
    long inflight = pa_page_pool_inflight(pool);
    uint64_t frees = pa_vm_event(a, PA_PGFREE);
    pa_page_pool_free_va_bulk(pool, va, 40, true);   /* 24 cached + 40: fits */
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.recycle_cached, s0.recycle_cached + 40);
    CHECK_EQ(s.recycle_ring, 0);
    CHECK_EQ(s.recycle_cache_full, 0);
    CHECK_EQ(pa_page_pool_inflight(pool), inflight);
    CHECK_EQ(pa_vm_event(a, PA_PGFREE), frees);
    /* The array is left as it was; the blocks come back last first. */
    void *vb[40];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 40, vb), 40);
    for (int i = 0; i < 40; i++)
        CHECK(vb[i] == va[39 - i]);
    CHECK_EQ(test_pool_stats(pool).alloc_fast, s.alloc_fast + 40);
    /* On the owner thread a put without allow_direct is direct too. */
    pa_page_pool_set_owner(pool);
    pa_page_pool_free_va_bulk(pool, vb, 40, false);
    s = test_pool_stats(pool);
    CHECK_EQ(s.recycle_cached, s0.recycle_cached + 80);
    CHECK_EQ(s.recycle_ring, 0);
    struct pa_page *p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    CHECK(pa_page_address(a, p) == vb[39]);
    pa_page_pool_recycle_direct(pool, p);
    CHECK_OK(a);
    test_pool_done(a, pool, NPAGES);
}

/* One bad address among 24 good ones, at every position of a batch the
 * wide loops take eight at a time: misaligned, past the map, and a page of
 * another pool. Each is refused alone and logged; the others are cached. */
TEST(page_pool_free_va_bulk_refuses_a_bad_address_in_any_lane)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    pa_page_pool *other = test_pool_create(a, 0, 0);
    void *foreign;
    CHECK_EQ(pa_page_pool_alloc_va_bulk(other, PA_GFP_KERNEL, 1, &foreign), 1);
    struct pa_page_pool_stats other0 = test_pool_stats(other);
    for (int kind = 0; kind < 3; kind++) {
        for (int lane = 0; lane < 25; lane++) {
            void *va[25];
            CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 24, va), 24);
            char *bad = kind == 0 ? (char *)va[0] + 64
                      : kind == 1 ? (char *)a->mem_bias[0] + ((uintptr_t)a->nr_pfns << a->page_shift)
                                  : foreign;
            memmove(va + lane + 1, va + lane, (size_t)(24 - lane) * sizeof(va[0]));
            va[lane] = bad;
            struct pa_page_pool_stats s0 = test_pool_stats(pool);
            long inflight = pa_page_pool_inflight(pool);
            test_log_reset();
            pa_page_pool_free_va_bulk(pool, va, 25, true);
            CHECK_EQ(test_log.count, 1);
            CHECK(test_log_contains(kind == 2 ? "page of another page_pool" : "BUG: page_pool"));
            CHECK_EQ(test_pool_stats(pool).recycle_cached, s0.recycle_cached + 24);
            CHECK_EQ(pa_page_pool_inflight(pool), inflight);
        }
    }
    /* The foreign page stayed its pool's, in flight: the one put takes it back. */
    CHECK_EQ(test_pool_stats(other).recycle_cached, other0.recycle_cached);
    pa_page_pool_free_va_bulk(other, &foreign, 1, true);
    CHECK_EQ(test_pool_stats(other).recycle_cached, other0.recycle_cached + 1);
    CHECK_OK(a);
    pa_page_pool_destroy(other);
    test_pool_done(a, pool, NPAGES);
}

/* The cache fills to 128, the rest goes through the ring: exactly as the
 * twin's single puts do, counter by counter, page by page. */
TEST(page_pool_free_va_bulk_cache_nearly_full_sends_the_rest_to_the_ring)
{
    pa_allocator *a = test_simple(NPAGES, 1), *b = test_simple(NPAGES, 1);
    pa_page_pool *pa_ = test_pool_create(a, 0, 0), *pb = test_pool_create(b, 0, 0);
    enum { N = 148 };
    void *va[N];
    struct pa_page *vb[N];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pa_, PA_GFP_KERNEL, N, va), N);   /* 192 taken, 44 cached */
    for (int i = 0; i < N; i++)
        vb[i] = twin_single(b, pb, va_pfn(a, va[i]));
    /* 76 back: 120 cached. */
    pa_page_pool_free_va_bulk(pa_, va, 76, true);
    for (int i = 0; i < 76; i++)
        pa_page_pool_put_full_page(pb, vb[i], true);
    struct pa_page_pool_stats s0 = test_pool_stats(pa_);
    test_pool_stats_eq(s0, test_pool_stats(pb));
    /* 72 more: 8 fill the cache, 64 go to the ring. */
    pa_page_pool_free_va_bulk(pa_, va + 76, N - 76, true);
    for (int i = 76; i < N; i++)
        pa_page_pool_put_full_page(pb, vb[i], true);
    struct pa_page_pool_stats s = test_pool_stats(pa_);
    CHECK_EQ(s.recycle_cached - s0.recycle_cached, 8);
    CHECK_EQ(s.recycle_cache_full - s0.recycle_cache_full, 64);
    CHECK_EQ(s.recycle_ring - s0.recycle_ring, 64);
    test_pool_stats_eq(s, test_pool_stats(pb));
    CHECK_EQ(pa_page_pool_inflight(pa_), 3 * PA_PP_ALLOC_CACHE_REFILL);
    CHECK_EQ(pa_page_pool_inflight(pa_), pa_page_pool_inflight(pb));
    /* Cache and ring hold the same frames in the same order. */
    void *xa[192];
    struct pa_page *yb[192];
    for (int i = 0; i < 192; i++) {
        CHECK_EQ(pa_page_pool_alloc_va_bulk(pa_, PA_GFP_KERNEL, 1, &xa[i]), 1);
        yb[i] = twin_single(b, pb, va_pfn(a, xa[i]));
    }
    test_pool_stats_eq(test_pool_stats(pa_), test_pool_stats(pb));
    /* All 192 at once against 192 single puts: 128 cached, 64 to the ring. */
    pa_page_pool_free_va_bulk(pa_, xa, 192, true);
    for (int i = 0; i < 192; i++)
        pa_page_pool_put_full_page(pb, yb[i], true);
    test_pool_stats_eq(test_pool_stats(pa_), test_pool_stats(pb));
    twins_destroy(a, b, pa_, pb);
}

TEST(page_pool_free_va_bulk_not_direct_from_another_thread_goes_to_the_ring)
{
    pa_allocator *a = test_simple(NPAGES, 2);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    pa_page_pool_set_owner(pool);
    void *va[20];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 20, va), 20);
    long inflight = pa_page_pool_inflight(pool);
    free_from_other_thread(pool, va, 20, false);
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.recycle_ring, 20);
    CHECK_EQ(s.recycle_cached, 0);
    CHECK_EQ(pa_page_pool_inflight(pool), inflight);
    /* The cache (44 left) runs dry first, then a refill takes the ring. */
    void *vb[64];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 64, vb), 64);
    CHECK_EQ(test_pool_stats(pool).alloc_refill, 1);
    CHECK_EQ(test_pool_stats(pool).alloc_slow, 1);
    for (int i = 0; i < 20; i++)
        CHECK(vb[44 + i] == va[19 - i]);        /* the ring in put order, the refill's last first */
    /* Without an owner and without allow_direct on this thread: the ring. */
    pa_page_pool *p2 = test_pool_create(a, 0, 0);
    CHECK_EQ(pa_page_pool_alloc_va_bulk(p2, PA_GFP_KERNEL, 10, va), 10);
    pa_page_pool_free_va_bulk(p2, va, 10, false);
    CHECK_EQ(test_pool_stats(p2).recycle_ring, 10);
    CHECK_EQ(test_pool_stats(p2).recycle_cached, 0);
    CHECK_OK(a);
    pa_page_pool_free_va_bulk(pool, vb, 64, true);
    pa_page_pool_destroy(pool);
    test_pool_done(a, p2, NPAGES);
}

TEST(page_pool_free_va_bulk_releases_a_block_with_a_raised_refcount)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    void *va[8];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 8, va), 8);
    struct pa_page *shared = pa_virt_to_page(a, va[3]);
    CHECK_EQ(pa_get_page(a, shared), 2);
    struct pa_page_pool_stats s0 = test_pool_stats(pool);
    long inflight = pa_page_pool_inflight(pool);
    uint64_t free_before = test_total_free(a);
    pa_page_pool_free_va_bulk(pool, va, 8, true);
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.recycle_released_refcnt, 1);
    CHECK_EQ(s.recycle_cached - s0.recycle_cached, 7);
    CHECK_EQ(s.recycle_ring, 0);
    CHECK_EQ(pa_page_pool_inflight(pool), inflight - 1);
    /* The shared block left the pool with put_page semantics: still ours. */
    CHECK_EQ(shared->flags & PG_PP, 0);
    CHECK_EQ(page_state(shared), PG_ALLOC);
    CHECK_EQ(shared->refcount, 1);
    CHECK_EQ(test_total_free(a), free_before);
    CHECK_EQ(pa_put_page(a, shared, 0), 0);
    CHECK_EQ(test_total_free(a), free_before + 1);
    /* The other seven come back, last first, without the shared one. */
    void *vb[7];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 7, vb), 7);
    for (int i = 0, j = 7; i < 7; i++, j--) {
        if (j == 3)
            j--;
        CHECK(vb[i] == va[j]);
    }
    CHECK_OK(a);
    pa_page_pool_free_va_bulk(pool, vb, 7, true);
    test_pool_done(a, pool, NPAGES);
}

TEST(page_pool_free_va_bulk_after_destroy_returns_every_block_to_the_allocator)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    void *va[30];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 30, va), 30);
    pa_page_pool_destroy(pool);                    /* lingers: 30 in flight */
    CHECK_EQ(test_total_free(a), NPAGES - 30);
    pa_page_pool_free_va_bulk(pool, va, 10, true);
    CHECK_EQ(test_total_free(a), NPAGES - 20);
    CHECK_EQ(pa_page_pool_inflight(pool), 20);
    /* The last block's return frees the pool. */
    pa_page_pool_free_va_bulk(pool, va + 10, 20, false);
    CHECK_EQ(test_total_free(a), NPAGES);
    CHECK_OK(a);
    test_log_reset();
    pa_destroy(a);
    CHECK(!test_log_contains("stalled"));
}

/* ---- Bad addresses ---------------------------------------------------------------- */

TEST(page_pool_free_va_bulk_bad_input_is_logged_and_skipped)
{
    pa_allocator *a = test_simple(NPAGES, 1), *b = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0), *pb = test_pool_create(b, 0, 0);
    void *va[4];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 4, va), 4);
    void *other[1];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pb, PA_GFP_KERNEL, 1, other), 1);
    struct pa_page *plain_b = pa_alloc_pages(b, PA_GFP_KERNEL, 0);
    char *buf = malloc(3 * 4096);
    CHECK(buf != NULL);
    void *heap = (void *)(((uintptr_t)buf + 4095) & ~(uintptr_t)4095);
    struct test_pool_snapshot before = test_pool_snap(a, pool);

    /* NULL pool, NULL array: nothing happens (the pool's log where there is one). */
    void *out[4] = { 0 };
    CHECK_EQ(pa_page_pool_alloc_va_bulk(NULL, PA_GFP_KERNEL, 4, out), 0);
    pa_page_pool_free_va_bulk(NULL, va, 4, true);
    test_log_reset();
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 4, NULL), 0);
    CHECK(test_log_contains("NULL va array"));
    test_log_reset();
    pa_page_pool_free_va_bulk(pool, NULL, 4, true);
    CHECK(test_log_contains("NULL va array"));
    test_log_reset();
    pa_page_pool_free_va_bulk(pool, NULL, 0, true);
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 0, NULL), 0);
    CHECK_EQ(test_log.count, 0);
    test_pool_unchanged(a, pool, before);

    /* Each bad address alone, direct and not: one line each, nothing else. */
    void *bad[] = {
        other[0],                                   /* another allocator's pool block */
        pa_page_address(b, plain_b),                /* another allocator's plain page */
        heap,                                       /* a malloc'd buffer */
        buf + 1,
        (char *)va[0] + 1,                          /* misaligned */
        (char *)va[1] + 64,
        NULL,
        (char *)va[0] - 1,
        (char *)a->mem_bias[0] - 4096,              /* the frame before the first */
        (char *)a->mem_bias[0] + (a->nr_pfns << a->page_shift),   /* one past the last */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        free_alone_is_refused(pool, bad[i], "BUG: page_pool",
                              "not the address of a block of the pool's allocator");
    test_pool_unchanged(a, pool, before);
    CHECK_OK(b);

    /* Blocks of this allocator the pool does not own: refused as single puts
     * refuse them (a bad page report), nothing else. */
    pa_page_pool *p2 = test_pool_create(a, 0, 0);
    void *theirs[1];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(p2, PA_GFP_KERNEL, 1, theirs), 1);
    struct pa_page *plain = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    before = test_pool_snap(a, pool);
    struct test_pool_snapshot before2 = test_pool_snap(a, p2);
    void *owned_elsewhere[] = { theirs[0], pa_page_address(a, plain) };
    const char *why[] = { "page of another page_pool", "without the pp signature" };
    for (int i = 0; i < 2; i++)
        free_alone_is_refused(pool, owned_elsewhere[i], "Bad page state", why[i]);
    test_pool_unchanged(a, pool, before);
    test_pool_unchanged(a, p2, before2);
    va_block(a, theirs[0], 0);
    pa_page_pool_free_va_bulk(p2, theirs, 1, true);
    pa_page_pool_destroy(p2);
    pa_free_pages(a, plain, 0);
    before = test_pool_snap(a, pool);

    /* In a batch: the good addresses are put, the bad ones skipped. */
    void *mix[] = { va[0], heap, va[1], (char *)va[2] + 8, NULL, va[2], other[0], va[3] };
    void *const mix_copy[] = { va[0], heap, va[1], (char *)va[2] + 8, NULL, va[2], other[0], va[3] };
    test_log_reset();
    pa_page_pool_free_va_bulk(pool, mix, 8, true);
    CHECK_EQ(test_log.count, 4);
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.recycle_cached, before.s.recycle_cached + 4);
    CHECK_EQ(s.recycle_ring, 0);
    CHECK_EQ(pa_page_pool_inflight(pool), before.inflight);
    CHECK(memcmp(mix, mix_copy, sizeof(mix)) == 0);   /* the array is left as it was */
    void *back[4];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 4, back), 4);
    CHECK(back[0] == va[3] && back[1] == va[2] && back[2] == va[1] && back[3] == va[0]);
    /* Not direct: the good ones through the ring. */
    void *mix2[] = { back[0], heap, back[1], (char *)back[2] + 8, NULL, back[2], other[0], back[3] };
    test_log_reset();
    pa_page_pool_free_va_bulk(pool, mix2, 8, false);
    CHECK_EQ(test_log.count, 4);
    CHECK_EQ(test_pool_stats(pool).recycle_ring, 4);
    CHECK_OK(a);

    /* The other allocator's blocks were never touched. */
    va_block(b, other[0], 0);
    CHECK_EQ(page_state(plain_b), PG_ALLOC);
    CHECK_EQ(plain_b->refcount, 1);
    pa_free_pages(b, plain_b, 0);
    pa_page_pool_free_va_bulk(pb, other, 1, true);
    pa_page_pool_destroy(pool);
    pa_page_pool_destroy(pb);
    CHECK_EQ(test_total_free(a), NPAGES);
    CHECK_EQ(test_total_free(b), NPAGES);
    CHECK_OK(a);
    CHECK_OK(b);
    pa_destroy(a);
    pa_destroy(b);
    free(buf);
}

/* An address inside a high-order block (a tail page, or between pages) is
 * not a block: refused and logged, the block stays the caller's. */
TEST(page_pool_free_va_bulk_address_inside_a_high_order_block_is_refused)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    uint64_t start = test_total_free(a);
    pa_page_pool *pool = test_pool_create(a, 3, 0);
    size_t ps = pa_page_size(a);
    void *va[2];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 2, va), 2);
    struct test_pool_snapshot before = test_pool_snap(a, pool);
    void *inside[] = { (char *)va[0] + ps, (char *)va[0] + 7 * ps, (char *)va[1] + 4 * ps,
                       (char *)va[1] + ps / 2, (char *)va[0] + 8 * ps - 1 };
    for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++)
        free_alone_is_refused(pool, inside[i], "BUG:", NULL);
    /* All of them at once, beside the real blocks. */
    void *mix[] = { inside[0], va[0], inside[1], inside[2], va[1], inside[3] };
    test_log_reset();
    pa_page_pool_free_va_bulk(pool, mix, 2, true);   /* inside[0] refused, va[0] put */
    CHECK_EQ(test_log.count, 1);
    CHECK_EQ(test_pool_stats(pool).recycle_cached, 1);
    pa_page_pool_free_va_bulk(pool, mix + 2, 4, true);
    CHECK_EQ(test_log.count, 4);
    CHECK_EQ(test_pool_stats(pool).recycle_cached, 2);
    CHECK_EQ(pa_page_pool_inflight(pool), before.inflight);
    CHECK_OK(a);
    test_pool_done(a, pool, start);
}

/* ---- pa_page_pool_recycle_direct_bulk -------------------------------------------- */

TEST(page_pool_recycle_direct_bulk_matches_single_recycles)
{
    pa_allocator *a = test_simple(NPAGES, 1), *b = test_simple(NPAGES, 1);
    pa_page_pool *pa_ = test_pool_create(a, 0, 0), *pb = test_pool_create(b, 0, 0);
    enum { N = 150 };
    struct pa_page *va[N], *vb[N];
    CHECK_EQ(pa_page_pool_alloc_bulk(pa_, PA_GFP_KERNEL, N, memset(va, 0, sizeof(va))), N);
    for (int i = 0; i < N; i++)
        vb[i] = twin_single(b, pb, pa_page_to_pfn(a, va[i]));
    test_pool_stats_eq(test_pool_stats(pa_), test_pool_stats(pb));
    /* 42 cached: 50 fit (the one-pass form), then 100 with 36 of room. */
    struct pa_page *keep[N];
    memcpy(keep, va, sizeof(va));
    pa_page_pool_recycle_direct_bulk(pa_, va, 50);
    for (int i = 0; i < 50; i++)
        pa_page_pool_recycle_direct(pb, vb[i]);
    CHECK(memcmp(keep, va, sizeof(va)) == 0);   /* left as it was */
    struct pa_page_pool_stats s = test_pool_stats(pa_);
    CHECK_EQ(s.recycle_cached, 50);
    test_pool_stats_eq(s, test_pool_stats(pb));
    pa_page_pool_recycle_direct_bulk(pa_, va + 50, 100);
    for (int i = 50; i < N; i++)
        pa_page_pool_recycle_direct(pb, vb[i]);
    s = test_pool_stats(pa_);
    CHECK_EQ(s.recycle_cached, 50 + 36);
    CHECK_EQ(s.recycle_cache_full, 64);
    CHECK_EQ(s.recycle_ring, 64);
    test_pool_stats_eq(s, test_pool_stats(pb));
    /* The same frames come back in the same order, cache then ring. */
    struct pa_page *xa[192], *yb[192];
    for (int i = 0; i < 192; i++) {
        xa[i] = pa_page_pool_alloc_pages(pa_, PA_GFP_KERNEL);
        yb[i] = twin_single(b, pb, pa_page_to_pfn(a, xa[i]));
    }
    test_pool_stats_eq(test_pool_stats(pa_), test_pool_stats(pb));
    CHECK_EQ(pa_page_pool_inflight(pa_), pa_page_pool_inflight(pb));
    /* And 192 in one bulk call against 192 singles, from an empty cache. */
    pa_page_pool_recycle_direct_bulk(pa_, xa, 192);
    for (int i = 0; i < 192; i++)
        pa_page_pool_recycle_direct(pb, yb[i]);
    test_pool_stats_eq(test_pool_stats(pa_), test_pool_stats(pb));
    twins_destroy(a, b, pa_, pb);
}

TEST(page_pool_recycle_direct_bulk_mixed_batch_recycles_the_good_and_logs_the_bad)
{
    pa_allocator *a = test_simple(NPAGES, 1), *b = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0), *p2 = test_pool_create(a, 0, 0);
    struct pa_page *v[6] = { 0 };
    CHECK_EQ(pa_page_pool_alloc_bulk(pool, PA_GFP_KERNEL, 6, v), 6);
    struct pa_page *plain = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    struct pa_page *theirs = pa_page_pool_alloc_pages(p2, PA_GFP_KERNEL);
    struct pa_page *foreign = pa_alloc_pages(b, PA_GFP_KERNEL, 0);
    struct pa_page *shared = v[5];
    CHECK_EQ(pa_get_page(a, shared), 2);
    struct pa_page_pool_stats s0 = test_pool_stats(pool), t0 = test_pool_stats(p2);
    long inflight = pa_page_pool_inflight(pool);
    struct pa_page *batch[] = { v[0], plain, v[1], NULL, theirs, v[2], foreign,
                                (struct pa_page *)((char *)v[3] + 1), v[3], v[4], shared };
    struct pa_page *copy[sizeof(batch) / sizeof(batch[0])];
    memcpy(copy, batch, sizeof(batch));
    test_log_reset();
    pa_page_pool_recycle_direct_bulk(pool, batch, sizeof(batch) / sizeof(batch[0]));
    CHECK(memcmp(copy, batch, sizeof(batch)) == 0);
    CHECK_EQ(test_log.count, 5);
    CHECK(test_log_contains("without the pp signature"));
    CHECK(test_log_contains("NULL page"));
    CHECK(test_log_contains("page of another page_pool"));
    CHECK(test_log_contains("not a page of this allocator"));
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.recycle_cached - s0.recycle_cached, 5);
    CHECK_EQ(s.recycle_released_refcnt, 1);
    CHECK_EQ(pa_page_pool_inflight(pool), inflight - 1);
    test_pool_stats_eq(test_pool_stats(p2), t0);
    /* The bad ones are as they were. */
    CHECK_EQ(page_state(plain), PG_ALLOC);
    CHECK_EQ(plain->flags & PG_PP, 0);
    va_block(a, pa_page_address(a, theirs), 0);
    CHECK_EQ(page_state(foreign), PG_ALLOC);
    CHECK_EQ(shared->refcount, 1);
    CHECK_EQ(shared->flags & PG_PP, 0);
    CHECK_OK(a);
    CHECK_OK(b);
    /* The five recycled come back last first. */
    struct pa_page *want[] = { v[4], v[3], v[2], v[1], v[0] };
    for (int i = 0; i < 5; i++)
        CHECK(pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL) == want[i]);
    pa_page_pool_recycle_direct_bulk(pool, want, 5);
    pa_page_pool_recycle_direct_bulk(p2, &theirs, 1);
    CHECK_EQ(test_pool_stats(p2).recycle_cached, 1);
    pa_put_page(a, shared, 0);
    pa_free_pages(a, plain, 0);
    pa_free_pages(b, foreign, 0);
    /* NULL pool or array: nothing happens. */
    test_log_reset();
    pa_page_pool_recycle_direct_bulk(pool, NULL, 3);
    CHECK(test_log_contains("NULL array"));
    pa_page_pool_recycle_direct_bulk(pool, NULL, 0);
    pa_page_pool_recycle_direct_bulk(NULL, want, 0);
    pa_page_pool_destroy(pool);
    pa_page_pool_destroy(p2);
    CHECK_EQ(test_total_free(a), NPAGES);
    CHECK_EQ(test_total_free(b), NPAGES);
    pa_destroy(a);
    pa_destroy(b);
}

TEST(page_pool_recycle_direct_bulk_with_a_full_cache_goes_to_the_ring)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 16);
    struct pa_page *v[128 + 40] = { 0 };
    CHECK_EQ(pa_page_pool_alloc_bulk(pool, PA_GFP_KERNEL, 168, v), 168);   /* 192 taken, 24 cached */
    pa_page_pool_recycle_direct_bulk(pool, v, 104);                        /* cache full */
    CHECK_EQ(test_pool_stats(pool).recycle_cached, 104);
    uint64_t free_before = test_total_free(a);
    pa_page_pool_recycle_direct_bulk(pool, v + 104, 64);   /* 16 fit the ring, 48 leave */
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.recycle_cached, 104);
    CHECK_EQ(s.recycle_cache_full, 64);
    CHECK_EQ(s.recycle_ring, 16);
    CHECK_EQ(s.recycle_ring_full, 48);
    CHECK_EQ(test_total_free(a), free_before + 48);
    CHECK_EQ(pa_page_pool_inflight(pool), 192 - 48);
    CHECK_OK(a);
    test_pool_done(a, pool, NPAGES);
}

/* ---- pa_page_pool_alloc_bulk: the wide copy ---------------------------------------- */

TEST(page_pool_alloc_bulk_wide_copy_pops_in_single_call_order)
{
    pa_allocator *a = test_simple(NPAGES, 1), *b = test_simple(NPAGES, 1);
    pa_page_pool *pa_ = test_pool_create(a, 0, 0), *pb = test_pool_create(b, 0, 0);
    enum { N = 100 };
    struct pa_page *va[N], *vb[N];
    for (int i = 0; i < N; i++) {
        va[i] = pa_page_pool_alloc_pages(pa_, PA_GFP_KERNEL);
        vb[i] = pa_page_pool_alloc_pages(pb, PA_GFP_KERNEL);
    }
    /* A known recycle order: a shuffle, the same in both. */
    int order[N];
    for (int i = 0; i < N; i++)
        order[i] = i;
    uint64_t seed = 5;
    for (int i = N; i > 1; i--) {
        int j = (int)(lcg_next(&seed) % (uint64_t)i);
        int t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    for (int i = 0; i < N; i++) {
        pa_page_pool_recycle_direct(pa_, va[order[i]]);
        pa_page_pool_recycle_direct(pb, vb[order[i]]);
    }
    /* 128 cached: 64 in one wide copy against 64 single pops. */
    for (int round = 0; round < 2; round++) {
        unsigned long nr = round ? 40 : 64;
        struct pa_page *x[64] = { 0 };
        CHECK_EQ(pa_page_pool_alloc_bulk(pa_, PA_GFP_KERNEL, nr, x), nr);
        for (unsigned long i = 0; i < nr; i++)
            twin_single(b, pb, pa_page_to_pfn(a, x[i]));
        if (round == 0) {
            /* The cache's last entry first: the last page recycled. */
            CHECK(x[0] == va[order[N - 1]]);
            CHECK(x[1] == va[order[N - 2]]);
            CHECK(x[63] == va[order[N - 64]]);
        }
        test_pool_stats_eq(test_pool_stats(pa_), test_pool_stats(pb));
    }
    /* 24 left: a wide request above that takes the ordinary path. */
    struct pa_page *x[40] = { 0 };
    CHECK_EQ(pa_page_pool_alloc_bulk(pa_, PA_GFP_KERNEL, 40, x), 40);
    for (int i = 0; i < 40; i++)
        twin_single(b, pb, pa_page_to_pfn(a, x[i]));
    test_pool_stats_eq(test_pool_stats(pa_), test_pool_stats(pb));
    CHECK_OK(a);
    pa_page_pool_destroy(pa_);
    pa_page_pool_destroy(pb);
    pa_destroy(a);
    pa_destroy(b);
}

TEST(page_pool_alloc_bulk_prepopulated_slots_are_left_alone)
{
    pa_allocator *a = test_simple(NPAGES, 1), *b = test_simple(NPAGES, 1);
    pa_page_pool *pa_ = test_pool_create(a, 0, 0), *pb = test_pool_create(b, 0, 0);
    /* Fill both caches to 128. */
    struct pa_page *v[128] = { 0 };
    CHECK_EQ(pa_page_pool_alloc_bulk(pa_, PA_GFP_KERNEL, 128, v), 128);
    pa_page_pool_recycle_direct_bulk(pa_, v, 128);
    for (int i = 0; i < 128; i++)
        v[i] = pa_page_pool_alloc_pages(pb, PA_GFP_KERNEL);
    for (int i = 0; i < 128; i++)
        pa_page_pool_recycle_direct(pb, v[i]);
    /* A plain page in each, so both allocators stay frame for frame alike. */
    struct pa_page *marker = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    struct pa_page *marker_b = pa_alloc_pages(b, PA_GFP_KERNEL, 0);
    CHECK_EQ(pa_page_to_pfn(a, marker), pa_page_to_pfn(b, marker_b));
    struct pa_page *x[48] = { 0 };
    x[0] = marker;
    x[5] = marker;
    x[47] = marker;
    CHECK_EQ(pa_page_pool_alloc_bulk(pa_, PA_GFP_KERNEL, 48, x), 48);
    CHECK(x[0] == marker && x[5] == marker && x[47] == marker);
    for (int i = 0; i < 48; i++) {
        if (i == 0 || i == 5 || i == 47)
            continue;
        CHECK(x[i] != marker);
        twin_single(b, pb, pa_page_to_pfn(a, x[i]));
    }
    test_pool_stats_eq(test_pool_stats(pa_), test_pool_stats(pb));
    CHECK_EQ(test_pool_stats(pa_).alloc_fast, 126 + 45);   /* 128 singles were 2 slow, 126 fast */
    /* Past the cache: 83 left, 100 asked with two slots taken: the slow path refills. */
    struct pa_page *z[100] = { 0 };
    z[10] = marker;
    z[99] = marker;
    CHECK_EQ(pa_page_pool_alloc_bulk(pa_, PA_GFP_KERNEL, 100, z), 100);
    CHECK(z[10] == marker && z[99] == marker);
    for (int i = 0; i < 99; i++) {
        if (i == 10)
            continue;
        twin_single(b, pb, pa_page_to_pfn(a, z[i]));
    }
    test_pool_stats_eq(test_pool_stats(pa_), test_pool_stats(pb));
    CHECK_OK(a);
    pa_free_pages(a, marker, 0);
    pa_free_pages(b, marker_b, 0);
    pa_page_pool_destroy(pa_);
    pa_page_pool_destroy(pb);
    pa_destroy(a);
    pa_destroy(b);
}

/* ---- Debug-check pools: the checked path --------------------------------------------- */

TEST(page_pool_debug_pool_bulk_functions_take_the_checked_path)
{
    pa_allocator *a = debug_allocator(NPAGES);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    void *va[100];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 100, va), 100);
    check_va_blocks(a, va, 100, 0);                /* PG_PP_POOLED cleared on each */
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.alloc_slow, 2);
    CHECK_EQ(s.alloc_fast, 98);
    pa_page_pool_free_va_bulk(pool, va, 100, true);   /* 28 + 100: fits */
    s = test_pool_stats(pool);
    CHECK_EQ(s.recycle_cached, 100);
    for (int i = 0; i < 100; i++)
        CHECK(pa_virt_to_page(a, va[i])->flags & PG_PP_POOLED);
    /* A second put of any of them is a double put: refused. */
    struct test_pool_snapshot before = test_pool_snap(a, pool);
    test_log_reset();
    pa_page_pool_free_va_bulk(pool, va + 10, 3, true);
    CHECK_EQ(test_log.count, 3);
    CHECK(test_log_contains("double put"));
    test_pool_unchanged(a, pool, before);
    /* Out again, last first. */
    void *vb[100];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 100, vb), 100);
    for (int i = 0; i < 100; i++)
        CHECK(vb[i] == va[99 - i]);
    check_va_blocks(a, vb, 100, 0);
    /* recycle_direct_bulk with a double put inside the batch. */
    struct pa_page *p[4];
    for (int i = 0; i < 4; i++)
        p[i] = pa_virt_to_page(a, vb[i]);
    struct pa_page *batch[] = { p[0], p[1], p[0], p[2], p[2] };
    uint64_t cached = test_pool_stats(pool).recycle_cached;
    long inflight = pa_page_pool_inflight(pool);
    test_log_reset();
    pa_page_pool_recycle_direct_bulk(pool, batch, 5);
    CHECK_EQ(test_log.count, 2);
    CHECK(test_log_contains("double put"));
    CHECK_EQ(test_pool_stats(pool).recycle_cached, cached + 3);
    CHECK_EQ(pa_page_pool_inflight(pool), inflight);
    /* Each comes out once. */
    struct pa_page *o[4] = { 0 };
    CHECK_EQ(pa_page_pool_alloc_bulk(pool, PA_GFP_KERNEL, 3, o), 3);
    CHECK(o[0] == p[2] && o[1] == p[1] && o[2] == p[0]);
    pa_page_pool_recycle_direct_bulk(pool, o, 3);
    /* A double address in one free_va_bulk batch: the second refused. */
    void *dup[] = { vb[3], vb[4], vb[3] };
    test_log_reset();
    pa_page_pool_free_va_bulk(pool, dup, 3, false);
    CHECK_EQ(test_log.count, 1);
    CHECK(test_log_contains("double put"));
    CHECK_EQ(test_pool_stats(pool).recycle_ring, 2);
    pa_page_pool_free_va_bulk(pool, vb + 5, 95, true);
    CHECK_OK(a);
    /* After destroy the bulk allocation is refused and logged. */
    test_pool_done(a, pool, NPAGES);
}

TEST(page_pool_debug_pool_alloc_va_bulk_after_destroy_is_refused)
{
    pa_allocator *a = debug_allocator(NPAGES);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    void *va[3];
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 3, va), 3);
    pa_page_pool_destroy(pool);                    /* lingers: 3 in flight */
    void *vb[3] = { 0 };
    test_log_reset();
    CHECK_EQ(pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, 3, vb), 0);
    CHECK(test_log_contains("after pa_page_pool_destroy"));
    CHECK(vb[0] == NULL);
    pa_page_pool_free_va_bulk(pool, va, 3, true);  /* the last frees the pool */
    CHECK_EQ(test_total_free(a), NPAGES);
    CHECK_OK(a);
    pa_destroy(a);
}

/* ---- Nothing is lost ------------------------------------------------------------------- */

/* The new forms beside the old ones, two pools of two orders, puts from
 * another thread; then every block back, both pools destroyed: the free
 * count is the start, and pa_check passes throughout. */
TEST(page_pool_bulk_nothing_is_lost)
{
    pa_allocator *a = test_simple(NPAGES, 2);
    uint64_t start = test_total_free(a);
    pa_page_pool *pools[2] = { test_pool_create(a, 0, 32), test_pool_create(a, 2, 8) };
    pa_page_pool_set_owner(pools[0]);
    enum { MAX = 600 };
    const size_t max[2] = { MAX, 250 };            /* 250 order-2 blocks: 1000 pages */
    void *out[2][MAX];
    size_t n[2] = { 0, 0 };
    uint64_t rng = 99;
    for (int step = 0; step < 4000; step++) {
        unsigned r = (unsigned)lcg_next(&rng);
        int k = r & 1;
        pa_page_pool *pool = pools[k];
        unsigned cnt = (r >> 8) % 70;
        switch ((r >> 1) % 6) {
        case 0: case 1:
            if (n[k] + cnt <= max[k]) {
                unsigned long got = pa_page_pool_alloc_va_bulk(pool, PA_GFP_KERNEL, cnt, out[k] + n[k]);
                CHECK_EQ(got, cnt);
                n[k] += got;
            }
            break;
        case 2:
            if (n[k] + cnt <= max[k]) {
                struct pa_page *v[70] = { 0 };
                unsigned long got = pa_page_pool_alloc_bulk(pool, PA_GFP_KERNEL, cnt, v);
                CHECK_EQ(got, cnt);
                for (unsigned long i = 0; i < got; i++)
                    out[k][n[k]++] = pa_page_address(a, v[i]);
            }
            break;
        case 3: {
            size_t c = cnt < n[k] ? cnt : n[k];
            n[k] -= c;
            if ((r >> 20) & 1 && c) {
                pa_get_page(a, pa_virt_to_page(a, out[k][n[k]]));
                pa_page_pool_free_va_bulk(pool, out[k] + n[k], c, (r >> 21) & 1);
                pa_put_page(a, pa_virt_to_page(a, out[k][n[k]]), k ? 2 : 0);
            } else {
                pa_page_pool_free_va_bulk(pool, out[k] + n[k], c, (r >> 21) & 1);
            }
            break;
        }
        case 4: {
            size_t c = cnt < n[k] ? cnt : n[k];
            n[k] -= c;
            struct pa_page *v[70];
            for (size_t i = 0; i < c; i++)
                v[i] = pa_virt_to_page(a, out[k][n[k] + i]);
            pa_page_pool_recycle_direct_bulk(pool, v, c);
            break;
        }
        case 5: {
            size_t c = cnt < n[k] ? cnt : n[k];
            n[k] -= c;
            free_from_other_thread(pool, out[k] + n[k], c, (r >> 21) & 1);
            break;
        }
        }
        if (step % 400 == 0)
            CHECK_OK(a);
    }
    for (int k = 0; k < 2; k++) {
        pa_page_pool_free_va_bulk(pools[k], out[k], n[k], false);
        pa_page_pool_destroy(pools[k]);
    }
    CHECK_OK(a);
    pa_drain_all_pages(a);
    CHECK_EQ(test_total_free(a), start);
    pa_destroy(a);
}

RUN_TESTS()
