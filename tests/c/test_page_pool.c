/* SPDX-License-Identifier: GPL-2.0-only */
/* test_page_pool.c - page_pool over the allocator, rule by rule (docs/PAGE_POOL.md
 * P1-P13), its bad input, and that nothing is lost. */
#include <pagealloc/pagealloc.h>

#include "internal.h"
#include "support.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define NPAGES 4096

static uint64_t pgalloc(pa_allocator *a)
{
    return pa_vm_event(a, PA_PGALLOC_NORMAL) + pa_vm_event(a, PA_PGALLOC_DMA) +
           pa_vm_event(a, PA_PGALLOC_DMA32) + pa_vm_event(a, PA_PGALLOC_MOVABLE);
}

static void check_pp_page(struct pa_page *page, unsigned order)
{
    CHECK(page != NULL);
    CHECK(page->flags & PG_PP);
    CHECK_EQ(page_state(page), PG_ALLOC);
    CHECK_EQ(page->order, order);
    CHECK_EQ(page->refcount, 1);
}

/* Allocates every page a will hand out; returns how many. */
static size_t exhaust(pa_allocator *a, struct held *h)
{
    size_t n = 0;
    struct pa_page *p;
    while ((p = pa_alloc_pages(a, PA_GFP_ATOMIC | PA_GFP_NOWARN, 0))) {
        held_push(h, p);
        n++;
    }
    return n;
}

/* Puts a page from a thread that is not the pool's context. */
struct put_arg {
    pa_page_pool *pool;
    struct pa_page **pages;
    size_t n;
    bool bulk;
};
static void *put_thread(void *v)
{
    struct put_arg *arg = v;
    if (arg->bulk)
        pa_page_pool_put_page_bulk(arg->pages, arg->n);
    else
        for (size_t i = 0; i < arg->n; i++)
            pa_page_pool_put_full_page(arg->pool, arg->pages[i], false);
    return NULL;
}
static void put_from_other_thread(pa_page_pool *pool, struct pa_page **pages, size_t n, bool bulk)
{
    pthread_t t;
    struct put_arg arg = { pool, pages, n, bulk };
    CHECK_EQ(pthread_create(&t, NULL, put_thread, &arg), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
}

/* ---- P1 / P2: the pool's context and the ring -------------------------------- */

TEST(P1_alloc_and_direct_recycle_stay_in_the_cache)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct pa_page *p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    check_pp_page(p, 0);
    pa_page_pool_recycle_direct(pool, p);
    uint64_t allocs = pgalloc(a), frees = pa_vm_event(a, PA_PGFREE);
    for (int i = 0; i < 1000; i++) {
        struct pa_page *q = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
        CHECK(q != NULL);
        *(volatile char *)pa_page_address(a, q) = 1;
        pa_page_pool_recycle_direct(pool, q);
    }
    /* Not one call reached the allocator. */
    CHECK_EQ(pgalloc(a), allocs);
    CHECK_EQ(pa_vm_event(a, PA_PGFREE), frees);
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.alloc_fast, 1000);
    CHECK_EQ(s.recycle_cached, 1001);
    CHECK_EQ(s.recycle_ring, 0);
    CHECK_OK(a);
    pa_page_pool_destroy(pool);
    pa_destroy(a);
}

TEST(P1_owner_thread_put_counts_as_direct)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct pa_page *p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    pa_page_pool_put_full_page(pool, p, false);   /* no owner yet: the ring */
    CHECK_EQ(test_pool_stats(pool).recycle_ring, 1);
    CHECK_EQ(test_pool_stats(pool).recycle_cached, 0);
    pa_page_pool_set_owner(pool);
    p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    pa_page_pool_put_page(pool, p, -1, false);    /* the owner: the cache */
    CHECK_EQ(test_pool_stats(pool).recycle_ring, 1);
    CHECK_EQ(test_pool_stats(pool).recycle_cached, 1);
    /* From another thread the owner's pool still goes through the ring. */
    p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    put_from_other_thread(pool, &p, 1, false);
    CHECK_EQ(test_pool_stats(pool).recycle_ring, 2);
    CHECK_OK(a);
    pa_page_pool_destroy(pool);
    pa_destroy(a);
}

/* The second thread's alloc runs while the first is inside the pool's
 * context: the first thread's allocation failure is logged, and its log
 * callback lets the second thread in and waits for it. */
struct ctx_race {
    pa_page_pool *pool;
    pthread_t main;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int phase;                  /* 1: main inside, second may go; 2: second done */
    struct pa_page *second_got;
    int bug_lines;
};
static struct ctx_race race;

static void *race_second(void *v)
{
    (void)v;
    pthread_mutex_lock(&race.lock);
    while (race.phase < 1)
        pthread_cond_wait(&race.cond, &race.lock);
    pthread_mutex_unlock(&race.lock);
    race.second_got = pa_page_pool_alloc_pages(race.pool, PA_GFP_NOWAIT);
    pthread_mutex_lock(&race.lock);
    race.phase = 2;
    pthread_cond_broadcast(&race.cond);
    pthread_mutex_unlock(&race.lock);
    return NULL;
}

static void race_log(void *ctx, int level, const char *msg)
{
    test_log_fn(ctx, level, msg);
    if (strstr(msg, "inside the pool's context"))
        race.bug_lines++;
    if (pthread_equal(pthread_self(), race.main) && strstr(msg, "page allocation failure") &&
        race.phase == 0) {
        pthread_mutex_lock(&race.lock);
        race.phase = 1;
        pthread_cond_broadcast(&race.cond);
        while (race.phase < 2)
            pthread_cond_wait(&race.cond, &race.lock);
        pthread_mutex_unlock(&race.lock);
    }
}

TEST(P1_debug_second_thread_inside_the_context_is_logged)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, 1024, 0);
    cfg.flags |= PA_CFG_DEBUG_CHECKS;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct held h = { 0 };
    CHECK(exhaust(a, &h) > 0);
    memset(&race, 0, sizeof(race));
    race.pool = pool;
    race.main = pthread_self();
    pthread_mutex_init(&race.lock, NULL);
    pthread_cond_init(&race.cond, NULL);
    pa_set_log(a, race_log, NULL);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, race_second, NULL), 0);
    CHECK(pa_page_pool_alloc_pages(pool, PA_GFP_NOWAIT) == NULL);   /* nothing left */
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(race.phase, 2);
    CHECK(race.second_got == NULL);
    CHECK_EQ(race.bug_lines, 1);
    CHECK(test_log_contains("BUG: page_pool"));
    /* Nothing was corrupted: the pool still works once memory is back. */
    pa_set_log(a, test_log_fn, NULL);
    held_done(a, &h);
    struct pa_page *p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    check_pp_page(p, 0);
    pa_page_pool_recycle_direct(pool, p);
    CHECK_EQ(pa_page_pool_inflight(pool), PA_PP_ALLOC_CACHE_REFILL);
    CHECK_OK(a);
    pa_page_pool_destroy(pool);
    CHECK_OK(a);
    pa_destroy(a);
    pthread_mutex_destroy(&race.lock);
    pthread_cond_destroy(&race.cond);
}

/* Puts from several threads into the ring while the owner allocates from it. */
struct ring_worker {
    pa_page_pool *pool;
    struct pa_page **pages;
    size_t n;
    pthread_mutex_t *lock;
    pthread_cond_t *cond;
    int *ready;
};

struct handoff {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct pa_page *slot[64];
    int head, tail;   /* slot[tail..head) waits for a putter */
    bool done;
};

static void *ring_putter(void *v)
{
    struct { pa_page_pool *pool; struct handoff *h; long puts; } *arg = v;
    struct handoff *h = arg->h;
    for (;;) {
        pthread_mutex_lock(&h->lock);
        while (h->tail == h->head && !h->done)
            pthread_cond_wait(&h->cond, &h->lock);
        if (h->tail == h->head && h->done) {
            pthread_mutex_unlock(&h->lock);
            return NULL;
        }
        struct pa_page *p = h->slot[h->tail++ % 64];
        pthread_cond_broadcast(&h->cond);
        pthread_mutex_unlock(&h->lock);
        pa_page_pool_put_full_page(arg->pool, p, false);
        arg->puts++;
    }
}

TEST(P2_other_threads_put_through_the_ring)
{
    pa_allocator *a = test_simple(NPAGES, 2);
    pa_page_pool *pool = test_pool_create(a, 0, 256);
    pa_page_pool_set_owner(pool);
    struct handoff h = { .head = 0, .tail = 0 };
    pthread_mutex_init(&h.lock, NULL);
    pthread_cond_init(&h.cond, NULL);
    struct { pa_page_pool *pool; struct handoff *h; long puts; } args[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        args[i].pool = pool;
        args[i].h = &h;
        args[i].puts = 0;
        CHECK_EQ(pthread_create(&t[i], NULL, ring_putter, &args[i]), 0);
    }
    const int rounds = 20000;
    for (int i = 0; i < rounds; i++) {
        struct pa_page *p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
        check_pp_page(p, 0);
        pthread_mutex_lock(&h.lock);
        while (h.head - h.tail == 64)
            pthread_cond_wait(&h.cond, &h.lock);
        h.slot[h.head++ % 64] = p;
        pthread_cond_broadcast(&h.cond);
        pthread_mutex_unlock(&h.lock);
    }
    pthread_mutex_lock(&h.lock);
    h.done = true;
    pthread_cond_broadcast(&h.cond);
    pthread_mutex_unlock(&h.lock);
    long puts = 0;
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(pthread_join(t[i], NULL), 0);
        puts += args[i].puts;
    }
    CHECK_EQ(puts, rounds);
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.recycle_ring + s.recycle_ring_full, (uint64_t)rounds);
    CHECK_EQ(s.recycle_cached, 0);
    CHECK(s.alloc_refill > 0);
    /* Every page is back in the pool (cache, ring) or the allocator. */
    CHECK(pa_page_pool_inflight(pool) > 0);
    CHECK_OK(a);
    pa_page_pool_destroy(pool);
    CHECK_EQ(test_total_free(a), test_zone(a, 0, PA_ZONE_NORMAL).managed);
    CHECK_OK(a);
    pa_destroy(a);
    pthread_mutex_destroy(&h.lock);
    pthread_cond_destroy(&h.cond);
}

/* ---- P3-P6: allocation ---------------------------------------------------------- */

TEST(P3_fast_path_pops_the_last_cached_page)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct pa_page *x = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    struct pa_page *y = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    CHECK(x && y && x != y);
    CHECK_EQ(test_pool_stats(pool).alloc_fast, 1);   /* x came from the slow path, y from the cache */
    pa_page_pool_recycle_direct(pool, x);
    pa_page_pool_recycle_direct(pool, y);
    CHECK(pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL) == y);
    CHECK(pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL) == x);
    CHECK_EQ(test_pool_stats(pool).alloc_fast, 3);
    pa_page_pool_recycle_direct(pool, x);
    pa_page_pool_recycle_direct(pool, y);
    CHECK_OK(a);
    pa_page_pool_destroy(pool);
    pa_destroy(a);
}

/* Empties the cache into caller hands: n pages out. */
static void take(pa_page_pool *pool, struct pa_page **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        v[i] = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
        CHECK(v[i] != NULL);
    }
}

TEST(P4_empty_cache_refills_up_to_64_from_the_ring)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct pa_page *v[128];
    take(pool, v, 128);            /* two slow rounds, cache empty */
    CHECK_EQ(test_pool_stats(pool).alloc_slow, 2);
    put_from_other_thread(pool, v, 100, false);
    CHECK_EQ(test_pool_stats(pool).recycle_ring, 100);
    uint64_t allocs = pgalloc(a);
    struct pa_page *p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    CHECK(p == v[63]);             /* the refill's last page */
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.alloc_refill, 1);
    CHECK_EQ(s.alloc_empty, 2);    /* the two slow rounds found the ring empty */
    /* 63 more come from the cache, then a second refill takes the other 36. */
    uint64_t fast = s.alloc_fast;
    struct pa_page *w[99];
    take(pool, w, 99);
    s = test_pool_stats(pool);
    CHECK_EQ(s.alloc_fast - fast, 63 + 35);
    CHECK_EQ(s.alloc_refill, 2);
    CHECK_EQ(pgalloc(a), allocs);
    /* Ring empty: alloc_empty, then the slow path. */
    struct pa_page *q = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    CHECK(q != NULL);
    s = test_pool_stats(pool);
    CHECK_EQ(s.alloc_empty, 3);
    CHECK_EQ(s.alloc_slow, 3);
    pa_page_pool_recycle_direct(pool, p);
    pa_page_pool_recycle_direct(pool, q);
    for (int i = 0; i < 99; i++)
        pa_page_pool_put_full_page(pool, w[i], false);
    for (int i = 100; i < 128; i++)
        pa_page_pool_put_full_page(pool, v[i], true);
    CHECK_OK(a);
    test_pool_done(a, pool, test_zone(a, 0, PA_ZONE_NORMAL).managed);
}

TEST(P4_refill_waives_a_page_of_another_node)
{
    struct pa_config cfg;
    test_config(&cfg, 2, 2, 0, 0, 2048, 0);
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    CHECK_EQ(pa_cpu_to_node(a, 0), 0);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    /* Node 0 exhausted: the bulk call falls back to one page of node 1. */
    struct held h0 = { 0 };
    struct pa_page *p;
    while ((p = pa_alloc_pages_node(a, PA_GFP_ATOMIC | PA_GFP_THISNODE | PA_GFP_NOWARN, 0, 0)))
        held_push(&h0, p);
    struct pa_page *remote = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    CHECK(remote != NULL);
    CHECK_EQ(pa_page_to_nid(a, remote), 1);
    CHECK_EQ(pa_page_pool_inflight(pool), 1);
    held_done(a, &h0);
    /* Put through the ring behind two local pages. */
    struct pa_page *local[2];
    take(pool, local, 2);          /* slow path: 64 local pages */
    CHECK_EQ(pa_page_to_nid(a, local[0]), 0);
    struct pa_page *rest[62];
    take(pool, rest, 62);          /* cache empty again */
    struct pa_page *order[3] = { local[0], remote, local[1] };
    put_from_other_thread(pool, order, 3, false);
    long inflight = pa_page_pool_inflight(pool);
    /* The refill takes local[0], meets the remote page, gives it back. */
    CHECK(pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL) == local[0]);
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.alloc_waive, 1);
    CHECK_EQ(s.alloc_refill, 1);
    CHECK_EQ(pa_page_pool_inflight(pool), inflight - 1);
    CHECK_EQ(page_state(remote) == PG_ALLOC && (remote->flags & PG_PP), 0);
    /* The next refill picks up local[1]. */
    CHECK(pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL) == local[1]);
    CHECK_OK(a);
    pa_page_pool_recycle_direct(pool, local[0]);
    pa_page_pool_recycle_direct(pool, local[1]);
    for (int i = 0; i < 62; i++)
        pa_page_pool_recycle_direct(pool, rest[i]);
    test_pool_done(a, pool, test_zone(a, 0, PA_ZONE_NORMAL).managed + test_zone(a, 1, PA_ZONE_NORMAL).managed);
}

TEST(P5_order0_slow_path_bulk_fills_the_cache)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    uint64_t allocs = pgalloc(a);
    struct pa_page *p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    check_pp_page(p, 0);
    CHECK_EQ(pgalloc(a) - allocs, PA_PP_ALLOC_CACHE_REFILL);
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.alloc_slow, 1);
    CHECK_EQ(s.alloc_empty, 1);
    CHECK_EQ(pa_page_pool_inflight(pool), PA_PP_ALLOC_CACHE_REFILL);
    struct pa_page *v[63];
    take(pool, v, 63);
    CHECK_EQ(test_pool_stats(pool).alloc_fast, 63);
    CHECK_EQ(pgalloc(a) - allocs, PA_PP_ALLOC_CACHE_REFILL);
    for (int i = 0; i < 63; i++) {
        check_pp_page(v[i], 0);
        CHECK_EQ(pa_page_to_nid(a, v[i]), 0);
        pa_page_pool_recycle_direct(pool, v[i]);
    }
    pa_page_pool_recycle_direct(pool, p);
    CHECK_OK(a);
    pa_page_pool_destroy(pool);
    pa_destroy(a);
}

TEST(P5_high_order_slow_path_one_compound_block)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 3, 0);
    uint64_t allocs = pgalloc(a);
    struct pa_page *p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    check_pp_page(p, 3);
    CHECK_EQ(pa_page_to_pfn(a, p) % 8, 0);
    CHECK_EQ(pgalloc(a) - allocs, 8);   /* one call, PGALLOC counts its pages */
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.alloc_slow_high_order, 1);
    CHECK_EQ(s.alloc_slow, 0);
    CHECK_EQ(pa_page_pool_inflight(pool), 1);
    memset(pa_page_address(a, p), 0x5a, 8 * pa_page_size(a));
    pa_page_pool_recycle_direct(pool, p);
    CHECK(pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL) == p);
    CHECK_EQ(test_pool_stats(pool).alloc_fast, 1);
    pa_page_pool_recycle_direct(pool, p);
    CHECK_OK(a);
    test_pool_done(a, pool, NPAGES);
}

TEST(P5_atomic_requests_get_nowarn_and_nothing_is_null)
{
    pa_allocator *a = test_simple(1024, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct held h = { 0 };
    CHECK(exhaust(a, &h) > 0);
    test_log_reset();
    CHECK(pa_page_pool_alloc_pages(pool, PA_GFP_ATOMIC) == NULL);
    CHECK(!test_log_contains("page allocation failure"));
    CHECK(pa_page_pool_alloc_pages(pool, PA_GFP_NOWAIT) == NULL);
    CHECK(test_log_contains("page allocation failure"));
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.alloc_slow, 0);
    CHECK_EQ(s.alloc_empty, 2);
    CHECK_EQ(pa_page_pool_inflight(pool), 0);
    struct pa_page *v[4] = { 0 };
    CHECK_EQ(pa_page_pool_alloc_bulk(pool, PA_GFP_ATOMIC, 4, v), 0);
    CHECK_OK(a);
    held_done(a, &h);
    pa_page_pool_destroy(pool);
    pa_destroy(a);
}

TEST(P6_hold_and_release_counts_make_inflight)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 16);
    CHECK_EQ(pa_page_pool_inflight(pool), 0);
    struct pa_page *v[192];
    take(pool, v, 192);            /* 3 slow rounds of 64: the cache is empty */
    CHECK_EQ(pa_page_pool_inflight(pool), 192);
    /* 128 into the cache, 16 into the ring, 48 back to the allocator. */
    for (int i = 0; i < 128; i++)
        pa_page_pool_recycle_direct(pool, v[i]);
    put_from_other_thread(pool, v + 128, 64, false);
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.recycle_ring, 16);
    CHECK_EQ(s.recycle_ring_full, 48);
    CHECK_EQ(pa_page_pool_inflight(pool), 192 - 48);
    /* Destroy: cache and ring go back; one page is still out. */
    struct pa_page *kept = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    pa_page_pool_destroy(pool);
    CHECK_EQ(pa_page_pool_inflight(pool), 1);
    CHECK_EQ(test_total_free(a), NPAGES - 1);
    pa_page_pool_put_full_page(pool, kept, false);   /* the last: the pool goes */
    CHECK_EQ(test_total_free(a), NPAGES);
    CHECK_OK(a);
    pa_destroy(a);
}

/* ---- P7 / P8: return ---------------------------------------------------------------- */

TEST(P7_shared_page_leaves_with_put_page_semantics)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct pa_page *p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    long inflight = pa_page_pool_inflight(pool);
    CHECK_EQ(pa_get_page(a, p), 2);
    pa_page_pool_recycle_direct(pool, p);
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.recycle_released_refcnt, 1);
    CHECK_EQ(s.recycle_cached, 0);
    CHECK_EQ(pa_page_pool_inflight(pool), inflight - 1);
    /* The other holder's page: allocated, no pool signature, one reference. */
    CHECK_EQ(page_state(p), PG_ALLOC);
    CHECK_EQ(p->flags & PG_PP, 0);
    CHECK_EQ(p->refcount, 1);
    CHECK_OK(a);
    uint64_t free_before = test_total_free(a);
    CHECK_EQ(pa_put_page(a, p, 0), 0);
    CHECK_EQ(test_total_free(a), free_before + 1);
    CHECK_OK(a);
    test_pool_done(a, pool, NPAGES);
}

TEST(P7_full_cache_goes_to_ring)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct pa_page *v[192];
    take(pool, v, 192);            /* three slow rounds: the cache is empty */
    for (int i = 0; i < 128; i++)
        pa_page_pool_recycle_direct(pool, v[i]);
    CHECK_EQ(test_pool_stats(pool).recycle_cached, 128);
    pa_page_pool_recycle_direct(pool, v[128]);
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.recycle_cached, 128);
    CHECK_EQ(s.recycle_cache_full, 1);
    CHECK_EQ(s.recycle_ring, 1);
    CHECK_OK(a);
    for (int i = 129; i < 192; i++)
        pa_page_pool_put_full_page(pool, v[i], false);
    test_pool_done(a, pool, NPAGES);
}

TEST(P7_full_ring_goes_back_to_the_allocator)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 4);
    struct pa_page *v[6];
    take(pool, v, 6);
    long inflight = pa_page_pool_inflight(pool);
    uint64_t free_before = test_total_free(a);
    for (int i = 0; i < 6; i++)
        pa_page_pool_put_full_page(pool, v[i], false);
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.recycle_ring, 4);
    CHECK_EQ(s.recycle_ring_full, 2);
    CHECK_EQ(pa_page_pool_inflight(pool), inflight - 2);
    CHECK_EQ(test_total_free(a), free_before + 2);
    CHECK_EQ(v[4]->flags & PG_PP, 0);
    CHECK_OK(a);
    test_pool_done(a, pool, NPAGES);
}

TEST(P7_ring_size_clamped_to_max)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, 32768, 0);
    cfg.flags |= PA_CFG_METADATA_ONLY;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    pa_page_pool *pool = test_pool_create(a, 0, 100000);
    enum { N = PA_PP_RING_MAX + 3 };
    static struct pa_page *v[N];
    memset(v, 0, sizeof(v));
    CHECK_EQ(pa_page_pool_alloc_bulk(pool, PA_GFP_KERNEL, N, v), N);
    put_from_other_thread(pool, v, N, false);
    struct pa_page_pool_stats s = test_pool_stats(pool);
    CHECK_EQ(s.recycle_ring, PA_PP_RING_MAX);
    CHECK_EQ(s.recycle_ring_full, 3);
    test_pool_done(a, pool, 32768);
}

TEST(P8_bulk_put_groups_pages_by_pool)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *p1 = test_pool_create(a, 0, 0), *p2 = test_pool_create(a, 0, 8);
    struct pa_page *v[30];
    for (int i = 0; i < 30; i++) {
        v[i] = pa_page_pool_alloc_pages(i % 3 ? p1 : p2, PA_GFP_KERNEL);
        CHECK(v[i] != NULL);
    }
    struct pa_page *kept = v[5];
    v[5] = NULL;                                /* an empty slot is skipped */
    put_from_other_thread(NULL, v, 30, true);
    for (int i = 0; i < 30; i++)
        CHECK(v[i] == NULL);
    struct pa_page_pool_stats s1 = test_pool_stats(p1), s2 = test_pool_stats(p2);
    CHECK_EQ(s1.recycle_ring, 19);              /* 20 of p1, less the empty slot */
    CHECK_EQ(s1.recycle_cached, 0);
    CHECK_EQ(s2.recycle_ring, 8);               /* 10 of p2: the ring holds 8 */
    CHECK_EQ(s2.recycle_ring_full, 1);
    CHECK_EQ(pa_page_pool_inflight(p2), 64 - 2);
    CHECK_OK(a);
    pa_page_pool_put_full_page(p1, kept, false);
    CHECK_EQ(test_pool_stats(p1).recycle_ring, 20);
    pa_page_pool_destroy(p1);
    test_pool_done(a, p2, NPAGES);
}

TEST(P8_bulk_put_on_the_owner_thread_tries_the_cache_first)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *p1 = test_pool_create(a, 0, 0), *p2 = test_pool_create(a, 0, 0);
    pa_page_pool_set_owner(p1);
    struct pa_page *v[20];
    for (int i = 0; i < 20; i++)
        v[i] = pa_page_pool_alloc_pages(i < 10 ? p1 : p2, PA_GFP_KERNEL);
    pa_page_pool_put_page_bulk(v, 20);
    struct pa_page_pool_stats s1 = test_pool_stats(p1), s2 = test_pool_stats(p2);
    CHECK_EQ(s1.recycle_cached, 10);
    CHECK_EQ(s1.recycle_ring, 0);
    CHECK_EQ(s2.recycle_cached, 0);           /* not this thread's pool */
    CHECK_EQ(s2.recycle_ring, 10);
    /* A full cache sends the rest of the group to the ring. */
    pa_page_pool *p3 = test_pool_create(a, 0, 0);
    pa_page_pool_set_owner(p3);
    struct pa_page *w[192];
    take(p3, w, 192);              /* three slow rounds: the cache is empty */
    pa_page_pool_put_page_bulk(w, 192);
    struct pa_page_pool_stats s3 = test_pool_stats(p3);
    CHECK_EQ(s3.recycle_cached, 128);
    CHECK_EQ(s3.recycle_cache_full, 64);
    CHECK_EQ(s3.recycle_ring, 64);
    CHECK_OK(a);
    pa_page_pool_destroy(p1);
    pa_page_pool_destroy(p2);
    test_pool_done(a, p3, NPAGES);
}

/* ---- P9: bad puts --------------------------------------------------------------------- */

TEST(P9_bad_put_of_another_pools_page)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *p1 = test_pool_create(a, 0, 0), *p2 = test_pool_create(a, 0, 0);
    struct pa_page *p = pa_page_pool_alloc_pages(p2, PA_GFP_KERNEL);
    struct test_pool_snapshot b1 = test_pool_snap(a, p1), b2 = test_pool_snap(a, p2);
    test_log_reset();
    pa_page_pool_recycle_direct(p1, p);
    CHECK(test_log_contains("Bad page state") && test_log_contains("page of another page_pool"));
    test_log_reset();
    pa_page_pool_put_page(p1, p, -1, false);
    CHECK(test_log_contains("page of another page_pool"));
    test_pool_unchanged(a, p1, b1);
    test_pool_unchanged(a, p2, b2);
    pa_page_pool_recycle_direct(p2, p);
    pa_page_pool_destroy(p1);
    test_pool_done(a, p2, NPAGES);
}

TEST(P9_bad_put_of_another_allocators_page)
{
    pa_allocator *a = test_simple(NPAGES, 1), *b = test_simple(NPAGES, 1);
    pa_page_pool *pa_ = test_pool_create(a, 0, 0), *pb = test_pool_create(b, 0, 0);
    struct pa_page *plain = pa_alloc_pages(b, PA_GFP_KERNEL, 0);
    struct pa_page *pooled = pa_page_pool_alloc_pages(pb, PA_GFP_KERNEL);
    struct test_pool_snapshot before = test_pool_snap(a, pa_);
    test_log_reset();
    pa_page_pool_recycle_direct(pa_, plain);
    CHECK(test_log_contains("not a page of this allocator"));
    test_log_reset();
    pa_page_pool_put_full_page(pa_, pooled, false);
    CHECK(test_log_contains("not a page of this allocator"));
    test_pool_unchanged(a, pa_, before);
    CHECK_EQ(pooled->flags & PG_PP, PG_PP);
    /* In a bulk put the other allocator's plain page is refused, the pool page accepted. */
    struct pa_page *v[2] = { plain, pooled };
    test_log_reset();
    pa_page_pool_put_page_bulk(v, 2);
    CHECK(test_log_contains("not a page of any live page_pool"));
    CHECK_EQ(test_pool_stats(pb).recycle_ring, 1);
    CHECK_OK(b);
    pa_free_pages(b, plain, 0);
    pa_page_pool_destroy(pa_);
    pa_page_pool_destroy(pb);
    CHECK_EQ(test_total_free(b), NPAGES);
    pa_destroy(a);
    pa_destroy(b);
}

TEST(P9_bad_put_of_a_free_page)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 4);
    struct pa_page *v[8];
    take(pool, v, 8);
    struct pa_page *freed = v[7];
    for (int i = 0; i < 8; i++)
        pa_page_pool_put_full_page(pool, v[i], false);   /* v[4..7] back to the allocator */
    pa_drain_all_pages(a);
    CHECK_EQ(page_state(freed), PG_BUDDY);
    struct test_pool_snapshot before = test_pool_snap(a, pool);
    test_log_reset();
    pa_page_pool_recycle_direct(pool, freed);
    CHECK(test_log_contains("not allocated"));
    test_log_reset();
    pa_page_pool_put_page(pool, freed, -1, false);
    CHECK(test_log_contains("not allocated"));
    test_pool_unchanged(a, pool, before);
    test_pool_done(a, pool, NPAGES);
}

TEST(P9_bad_put_of_null)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct pa_page *p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    struct test_pool_snapshot before = test_pool_snap(a, pool);
    test_log_reset();
    pa_page_pool_recycle_direct(pool, NULL);
    CHECK(test_log_contains("NULL page"));
    test_log_reset();
    pa_page_pool_put_page(pool, NULL, -1, false);
    CHECK(test_log_contains("NULL page"));
    pa_page_pool_put_full_page(NULL, p, true);       /* no pool: stderr, nothing changes */
    pa_page_pool_recycle_direct(NULL, p);
    pa_page_pool_put_page_bulk(NULL, 3);
    test_pool_unchanged(a, pool, before);
    pa_page_pool_recycle_direct(pool, p);
    pa_page_pool_destroy(pool);
    pa_destroy(a);
}

TEST(P9_bad_put_of_a_page_allocated_outside_any_pool)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct pa_page *plain = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    struct pa_page *pooled = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    struct test_pool_snapshot before = test_pool_snap(a, pool);
    test_log_reset();
    pa_page_pool_recycle_direct(pool, plain);
    CHECK(test_log_contains("without the pp signature"));
    test_log_reset();
    pa_page_pool_put_page(pool, plain, -1, false);
    CHECK(test_log_contains("without the pp signature"));
    /* In a bulk put beside a pool page, logged through that pool's allocator. */
    struct pa_page *v[2] = { plain, NULL };
    test_log_reset();
    pa_page_pool_put_page_bulk(v, 2);
    test_pool_unchanged(a, pool, before);
    v[0] = pooled;
    v[1] = plain;
    pa_page_pool_put_page_bulk(v, 2);
    CHECK(test_log_contains("not a page of any live page_pool"));
    CHECK_EQ(test_pool_stats(pool).recycle_ring, 1);
    CHECK_EQ(page_state(plain), PG_ALLOC);
    CHECK_EQ(plain->refcount, 1);
    /* And the allocator refuses a pool page freed past its pool. */
    struct pa_page *q = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    uint64_t free_before = test_total_free(a);
    test_log_reset();
    pa_free_pages(a, q, 0);
    CHECK(test_log_contains("page_pool leak"));
    CHECK_EQ(pa_put_page(a, q, 0), 0);
    CHECK_EQ(test_total_free(a), free_before);
    CHECK_EQ(q->refcount, 1);
    CHECK_OK(a);
    pa_page_pool_recycle_direct(pool, q);
    pa_free_pages(a, plain, 0);
    test_pool_done(a, pool, NPAGES);
}

TEST(P9_debug_double_put_refused)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, NPAGES, 0);
    cfg.flags |= PA_CFG_DEBUG_CHECKS;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct pa_page *p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    struct pa_page *q = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    pa_page_pool_recycle_direct(pool, p);             /* into the cache */
    pa_page_pool_put_full_page(pool, q, false);       /* into the ring */
    struct test_pool_snapshot before = test_pool_snap(a, pool);
    test_log_reset();
    pa_page_pool_recycle_direct(pool, p);
    CHECK(test_log_contains("double put"));
    test_log_reset();
    pa_page_pool_put_full_page(pool, q, false);
    CHECK(test_log_contains("double put"));
    test_log_reset();
    struct pa_page *v[2] = { p, q };
    pa_page_pool_put_page_bulk(v, 2);
    CHECK(test_log_contains("double put"));
    test_pool_unchanged(a, pool, before);
    /* Each comes out once. */
    struct pa_page *x = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    CHECK(x == p);
    CHECK_EQ(p->flags & PG_PP_POOLED, 0);
    pa_page_pool_recycle_direct(pool, x);
    CHECK_OK(a);
    test_pool_done(a, pool, NPAGES);
}

/* ---- P10: fragments -------------------------------------------------------------------- */

TEST(P10_frag_carves_aligned_pieces_of_one_page)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct pa_page *pg[3];
    unsigned off[3];
    char *x = pa_page_pool_alloc_frag(pool, &pg[0], &off[0], 100, PA_GFP_KERNEL);
    char *y = pa_page_pool_alloc_frag(pool, &pg[1], &off[1], 1, PA_GFP_KERNEL);
    char *z = pa_page_pool_alloc_frag(pool, &pg[2], &off[2], 64, PA_GFP_KERNEL);
    CHECK(x && y && z);
    CHECK(pg[0] == pg[1] && pg[1] == pg[2]);
    CHECK_EQ(off[0], 0);
    CHECK_EQ(off[1], 128);                 /* 100 aligned to 64 */
    CHECK_EQ(off[2], 192);
    CHECK(x == (char *)pa_page_address(a, pg[0]));
    CHECK(y == x + 128 && z == x + 192);
    memset(x, 1, 100);
    memset(y, 2, 1);
    memset(z, 3, 64);
    long inflight = pa_page_pool_inflight(pool);
    /* Two fragments back: the page stays out. */
    pa_page_pool_put_page(pool, pg[0], -1, true);
    pa_page_pool_put_page(pool, pg[1], -1, true);
    CHECK_EQ(test_pool_stats(pool).recycle_cached, 0);
    CHECK_EQ(pa_page_pool_inflight(pool), inflight);
    CHECK_OK(a);
    pa_page_pool_put_page(pool, pg[2], -1, true);
    pa_page_pool_destroy(pool);            /* its fragment page goes with it */
    CHECK_EQ(test_total_free(a), NPAGES);
    pa_destroy(a);
}

TEST(P10_frag_that_does_not_fit_starts_a_new_page)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    size_t ps = pa_page_size(a);
    struct pa_page *p1, *p2, *p3;
    unsigned o1, o2, o3;
    CHECK(pa_page_pool_alloc_frag(pool, &p1, &o1, (unsigned)ps - 64, PA_GFP_KERNEL));
    CHECK(pa_page_pool_alloc_frag(pool, &p2, &o2, 128, PA_GFP_KERNEL));
    CHECK(p2 != p1);
    CHECK_EQ(o2, 0);
    /* p1's only fragment back after the pool let go of it: recycled. */
    pa_page_pool_put_page(pool, p1, -1, true);
    CHECK_EQ(test_pool_stats(pool).recycle_cached, 1);
    CHECK_EQ(p1->private_data, 1);
    /* p2 fills up; its fragments are all back when the pool moves on, so the
     * pool reuses it at once. */
    CHECK(pa_page_pool_alloc_frag(pool, &p3, &o3, (unsigned)ps - 128, PA_GFP_KERNEL));
    CHECK(p3 == p2 && o3 == 128);
    pa_page_pool_put_page(pool, p2, -1, true);
    pa_page_pool_put_page(pool, p3, -1, true);
    uint64_t cached = test_pool_stats(pool).recycle_cached, fast = test_pool_stats(pool).alloc_fast;
    struct pa_page *p4;
    unsigned o4;
    CHECK(pa_page_pool_alloc_frag(pool, &p4, &o4, 64, PA_GFP_KERNEL));
    CHECK(p4 == p2 && o4 == 0);
    CHECK_EQ(test_pool_stats(pool).recycle_cached, cached + 1);
    CHECK_EQ(test_pool_stats(pool).alloc_fast, fast + 1);
    pa_page_pool_put_page(pool, p4, -1, true);
    CHECK_OK(a);
    test_pool_done(a, pool, NPAGES);
}

TEST(P10_frag_larger_than_the_block_is_null_and_logged)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 1, 0);
    struct pa_page *p = (struct pa_page *)1;
    unsigned off = 7;
    test_log_reset();
    CHECK(pa_page_pool_alloc_frag(pool, &p, &off, (unsigned)(2 * pa_page_size(a) + 1), PA_GFP_KERNEL) == NULL);
    CHECK(p == NULL);
    CHECK(test_log_contains("larger than the pool's block"));
    CHECK_EQ(pa_page_pool_inflight(pool), 0);
    /* The whole block is fine. */
    CHECK(pa_page_pool_alloc_frag(pool, &p, &off, (unsigned)(2 * pa_page_size(a)), PA_GFP_KERNEL));
    CHECK_EQ(off, 0);
    pa_page_pool_put_page(pool, p, -1, false);
    test_pool_done(a, pool, NPAGES);
}

/* ---- P11: lifetime ---------------------------------------------------------------------- */

TEST(P11_destroy_empties_cache_and_ring_at_once)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct pa_page *v[100];
    take(pool, v, 100);
    for (int i = 0; i < 50; i++)
        pa_page_pool_recycle_direct(pool, v[i]);
    put_from_other_thread(pool, v + 50, 50, false);
    CHECK_EQ(test_total_free(a), NPAGES - 128);
    test_pool_done(a, pool, NPAGES);
}

TEST(P11_destroyed_pool_lingers_until_the_last_put)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    pa_page_pool_set_owner(pool);
    struct pa_page *v[3];
    take(pool, v, 3);
    pa_page_pool_destroy(pool);
    CHECK_EQ(pa_page_pool_inflight(pool), 3);
    CHECK_EQ(test_total_free(a), NPAGES - 3);
    /* Allocation from a destroyed pool is a bug: logged, NULL. */
    test_log_reset();
    CHECK(pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL) == NULL);
    CHECK(test_log_contains("after pa_page_pool_destroy"));
    /* Puts go straight back, direct or not, cache or ring. */
    pa_page_pool_recycle_direct(pool, v[0]);
    CHECK_EQ(pa_page_pool_inflight(pool), 2);
    CHECK_EQ(test_total_free(a), NPAGES - 2);
    put_from_other_thread(pool, v + 1, 1, false);
    CHECK_EQ(pa_page_pool_inflight(pool), 1);
    CHECK_OK(a);
    pa_page_pool_put_page_bulk(v + 2, 1);   /* the last: the pool is freed */
    CHECK_EQ(test_total_free(a), NPAGES);
    CHECK_OK(a);
    test_log_reset();
    pa_destroy(a);
    CHECK(!test_log_contains("stalled"));
}

TEST(P11_destroy_lets_go_of_the_fragment_page)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct pa_page *p, *q;
    unsigned o1, o2;
    CHECK(pa_page_pool_alloc_frag(pool, &p, &o1, 256, PA_GFP_KERNEL));
    CHECK(pa_page_pool_alloc_frag(pool, &q, &o2, 256, PA_GFP_KERNEL));
    CHECK(p == q);
    pa_page_pool_destroy(pool);
    CHECK_EQ(pa_page_pool_inflight(pool), 1);
    CHECK_EQ(test_total_free(a), NPAGES - 1);
    pa_page_pool_put_page(pool, p, -1, false);
    CHECK_EQ(pa_page_pool_inflight(pool), 1);
    pa_page_pool_put_page(pool, q, -1, false);    /* the last fragment ends it */
    CHECK_EQ(test_total_free(a), NPAGES);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(P11_stalled_pool_at_pa_destroy_is_logged)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    pa_page_pool *alive = test_pool_create(a, 0, 0);
    struct pa_page *v[3];
    take(pool, v, 3);
    CHECK(pa_page_pool_alloc_pages(alive, PA_GFP_KERNEL) != NULL);
    pa_page_pool_destroy(pool);
    test_log_reset();
    pa_destroy(a);   /* under ASan and valgrind: nothing freed twice, nothing leaked */
    CHECK(test_log_contains("stalled pool shutdown: 3 inflight"));
    CHECK(test_log_contains("not destroyed before pa_destroy: 64 inflight"));
}

/* ---- P12: creation --------------------------------------------------------------------- */

static int create_with(pa_allocator *a, struct pa_page_pool_params p)
{
    pa_page_pool *pool = (pa_page_pool *)1;
    int err = pa_page_pool_create(a, &p, &pool);
    if (err) {
        CHECK(pool == NULL);
    } else {
        CHECK(pool != NULL);
        pa_page_pool_destroy(pool);
    }
    return err;
}

TEST(P12_create_validates_its_arguments)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    struct pa_page_pool_params ok = { .order = 0, .nid = PA_NUMA_NO_NODE };
    pa_page_pool *pool = NULL;
    test_log_reset();
    CHECK_EQ(pa_page_pool_create(NULL, &ok, &pool), -EINVAL);
    CHECK_EQ(pa_page_pool_create(a, NULL, &pool), -EINVAL);
    CHECK(test_log_contains("NULL params"));
    CHECK_EQ(pa_page_pool_create(a, &ok, NULL), -EINVAL);
    CHECK(pool == NULL);
    struct pa_page_pool_params p = ok;
    p.order = PA_MAX_ORDER + 1;
    test_log_reset();
    CHECK_EQ(create_with(a, p), -EINVAL);
    CHECK(test_log_contains("above PA_MAX_ORDER"));
    p.order = PA_MAX_ORDER;
    CHECK_EQ(create_with(a, p), 0);
    p = ok;
    p.flags = 1u << 2;
    test_log_reset();
    CHECK_EQ(create_with(a, p), -EINVAL);
    CHECK(test_log_contains("unknown flags"));
    p.flags = PA_PP_FLAG_DMA_MAP;
    CHECK_EQ(create_with(a, p), 0);
    p.flags = PA_PP_FLAG_DMA_SYNC_DEV;
    p.max_len = 4096;
    test_log_reset();
    CHECK_EQ(create_with(a, p), -EINVAL);
    CHECK(test_log_contains("without PA_PP_FLAG_DMA_MAP"));
    p.flags = PA_PP_FLAG_DMA_SYNC_DEV | PA_PP_FLAG_DMA_MAP;
    p.max_len = 0;
    test_log_reset();
    CHECK_EQ(create_with(a, p), -EINVAL);
    CHECK(test_log_contains("without max_len"));
    p.max_len = 4096;
    CHECK_EQ(create_with(a, p), 0);
    p = ok;
    p.nid = 1;
    test_log_reset();
    CHECK_EQ(create_with(a, p), -EINVAL);
    CHECK(test_log_contains("node 1 not in this allocator"));
    p.nid = -2;
    CHECK_EQ(create_with(a, p), -EINVAL);
    p.nid = 0;
    CHECK_EQ(create_with(a, p), 0);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), NPAGES);
    pa_destroy(a);
}

TEST(P12_no_node_means_the_creating_threads_node)
{
    struct pa_config cfg;
    test_config(&cfg, 2, 2, 0, 0, 2048, 0);
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 1), 0);
    CHECK_EQ(pa_cpu_to_node(a, 1), 1);
    struct pa_page_pool_params p = { .nid = PA_NUMA_NO_NODE };
    pa_page_pool *pool = NULL;
    CHECK_EQ(pa_page_pool_create(a, &p, &pool), 0);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);   /* the pool keeps its node */
    struct pa_page *pg = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    CHECK_EQ(pa_page_to_nid(a, pg), 1);
    pa_page_pool_recycle_direct(pool, pg);
    pa_page_pool_destroy(pool);
    CHECK_OK(a);
    pa_destroy(a);
}

/* ---- P13: reports ------------------------------------------------------------------------ */

static uint64_t field(const char *text, const char *after, const char *name)
{
    const char *p = strstr(text, after);
    CHECK(p != NULL);
    p = strstr(p, name);
    CHECK(p != NULL);
    return strtoull(p + strlen(name), NULL, 10);
}

TEST(P13_pool_pages_count_as_allocated_in_every_report)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct pa_page *v[100];
    take(pool, v, 100);            /* 128 held: 100 out, 28 cached */
    for (int i = 0; i < 10; i++)
        pa_page_pool_put_full_page(pool, v[i], false);   /* 10 in the ring */
    CHECK_OK(a);
    pa_drain_all_pages(a);
    struct pa_zone_info zi = test_zone(a, 0, PA_ZONE_NORMAL);
    CHECK_EQ(zi.free, NPAGES - 128);
    static char buf[65536];
    pa_format_zoneinfo(a, buf, sizeof(buf));
    CHECK_EQ(field(buf, "zone   Normal", "pages free     "), NPAGES - 128);
    pa_format_vmstat(a, buf, sizeof(buf));
    CHECK_EQ(field(buf, "", "nr_free_pages "), NPAGES - 128);
    pa_format_buddyinfo(a, buf, sizeof(buf));
    {
        /* Sum of 2^order * count over the Normal line. */
        const char *line = strstr(buf, "Normal");
        CHECK(line != NULL);
        line += strlen("Normal");
        uint64_t sum = 0;
        char *end;
        for (int o = 0; o <= PA_MAX_ORDER; o++) {
            sum += strtoull(line, &end, 10) << o;
            line = end;
        }
        CHECK_EQ(sum, NPAGES - 128);
    }
    for (int i = 10; i < 100; i++)
        pa_page_pool_recycle_direct(pool, v[i]);
    CHECK_OK(a);
    pa_page_pool_destroy(pool);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), NPAGES);
    pa_destroy(a);
}

/* ---- Bad input and nothing lost ------------------------------------------------------------- */

TEST(page_pool_bad_input_returns_documented_values)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    CHECK(pa_page_pool_alloc_pages(NULL, PA_GFP_KERNEL) == NULL);
    struct pa_page *v[4] = { 0 };
    CHECK_EQ(pa_page_pool_alloc_bulk(NULL, PA_GFP_KERNEL, 4, v), 0);
    test_log_reset();
    CHECK_EQ(pa_page_pool_alloc_bulk(pool, PA_GFP_KERNEL, 4, NULL), 0);
    CHECK(test_log_contains("NULL array"));
    CHECK_EQ(pa_page_pool_inflight(NULL), -EINVAL);
    struct pa_page_pool_stats s;
    CHECK_EQ(pa_page_pool_get_stats(NULL, &s), -EINVAL);
    CHECK_EQ(pa_page_pool_get_stats(pool, NULL), -EINVAL);
    CHECK_EQ(pa_format_page_pool_stats(NULL, NULL, 0), -EINVAL);
    CHECK_EQ(pa_format_page_pool_stats(pool, NULL, 10), -EINVAL);
    unsigned off;
    struct pa_page *pg;
    CHECK(pa_page_pool_alloc_frag(NULL, &pg, &off, 64, PA_GFP_KERNEL) == NULL);
    test_log_reset();
    CHECK(pa_page_pool_alloc_frag(pool, NULL, &off, 64, PA_GFP_KERNEL) == NULL);
    CHECK(pa_page_pool_alloc_frag(pool, &pg, NULL, 64, PA_GFP_KERNEL) == NULL);
    CHECK(test_log_contains("pa_page_pool_alloc_frag: NULL"));
    pa_page_pool_set_owner(NULL);
    pa_page_pool_destroy(NULL);
    CHECK_EQ(pa_page_pool_inflight(pool), 0);
    /* Pre-populated slots count, as B4. */
    struct pa_page *w[4] = { 0 };
    w[1] = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    struct pa_page *keep = w[1];
    CHECK_EQ(pa_page_pool_alloc_bulk(pool, PA_GFP_KERNEL, 4, w), 4);
    CHECK(w[1] == keep);
    CHECK_EQ(pa_page_pool_alloc_bulk(pool, PA_GFP_KERNEL, 4, w), 4);
    CHECK_EQ(pa_page_pool_alloc_bulk(pool, PA_GFP_KERNEL, 0, w), 0);
    pa_page_pool_put_page_bulk(w, 4);
    /* Destroyed twice while lingering: logged, nothing more happens. */
    struct pa_page *p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    pa_page_pool_destroy(pool);
    test_log_reset();
    pa_page_pool_destroy(pool);
    CHECK(test_log_contains("called twice"));
    CHECK_EQ(pa_page_pool_inflight(pool), 1);
    pa_page_pool_recycle_direct(pool, p);
    CHECK_EQ(test_total_free(a), NPAGES);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(page_pool_stats_format_ethtool_lines)
{
    pa_allocator *a = test_simple(NPAGES, 1);
    pa_page_pool *pool = test_pool_create(a, 0, 0);
    struct pa_page *p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    pa_page_pool_recycle_direct(pool, p);
    p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    pa_page_pool_recycle_direct(pool, p);
    char buf[1024];
    int n = pa_format_page_pool_stats(pool, buf, sizeof(buf));
    CHECK_EQ(n, (int)strlen(buf));
    CHECK_STR_EQ(buf, "rx_pp_alloc_fast: 1\n"
                      "rx_pp_alloc_slow: 1\n"
                      "rx_pp_alloc_slow_ho: 0\n"
                      "rx_pp_alloc_empty: 1\n"
                      "rx_pp_alloc_refill: 0\n"
                      "rx_pp_alloc_waive: 0\n"
                      "rx_pp_recycle_cached: 2\n"
                      "rx_pp_recycle_cache_full: 0\n"
                      "rx_pp_recycle_ring: 0\n"
                      "rx_pp_recycle_ring_full: 0\n"
                      "rx_pp_recycle_released_ref: 0\n");
    char small[10];
    CHECK_EQ(pa_format_page_pool_stats(pool, small, sizeof(small)), n);
    CHECK_EQ(strlen(small), 9);
    CHECK_EQ(pa_format_page_pool_stats(pool, NULL, 0), n);
    pa_page_pool_destroy(pool);
    pa_destroy(a);
}

/* Every path once, pages of two pools and fragments; then every page back,
 * both pools destroyed, the pcp lists drained: the free count is the start. */
TEST(page_pool_nothing_is_lost)
{
    pa_allocator *a = test_simple(NPAGES, 2);
    uint64_t start = test_total_free(a);
    pa_page_pool *p0 = test_pool_create(a, 0, 32), *p2 = test_pool_create(a, 2, 8);
    pa_page_pool_set_owner(p0);
    struct pa_page *out[600];
    size_t n = 0;
    uint64_t rng = 12345;
    for (int step = 0; step < 5000; step++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        unsigned r = (unsigned)(rng >> 33);
        pa_page_pool *pool = (r & 1) ? p0 : p2;
        switch ((r >> 1) % 7) {
        case 0: case 1:
            if (n < 600 && (out[n] = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL)))
                n++;
            break;
        case 2:
            if (n + 16 <= 600) {
                struct pa_page *v[16] = { 0 };
                unsigned long got = pa_page_pool_alloc_bulk(pool, PA_GFP_KERNEL, 16, v);
                for (unsigned long i = 0; i < got; i++)
                    out[n++] = v[i];
            }
            break;
        case 3: {
            unsigned off;
            struct pa_page *pg;
            if (n < 600 && pa_page_pool_alloc_frag(pool, &pg, &off, (r >> 8) % 3000 + 1, PA_GFP_KERNEL))
                out[n++] = pg;
            break;
        }
        case 4:
            if (n) {
                size_t i = (r >> 8) % n;
                struct pa_page *pg = out[i];
                out[i] = out[--n];
                pa_page_pool *owner = pg->order ? p2 : p0;
                if ((r >> 20) & 1) {
                    pa_get_page(a, pg);
                    pa_page_pool_put_page(owner, pg, -1, true);
                    pa_put_page(a, pg, pg->order);
                } else {
                    pa_page_pool_recycle_direct(owner, pg);
                }
            }
            break;
        case 5:
            if (n) {
                size_t i = (r >> 8) % n;
                struct pa_page *pg = out[i];
                out[i] = out[--n];
                put_from_other_thread(pg->order ? p2 : p0, &pg, 1, false);
            }
            break;
        case 6: {
            size_t k = n < 20 ? n : 20;
            pa_page_pool_put_page_bulk(out + n - k, k);
            n -= k;
            break;
        }
        }
        if (step % 500 == 0)
            CHECK_OK(a);
    }
    pa_page_pool_put_page_bulk(out, n);
    CHECK_OK(a);
    pa_page_pool_destroy(p0);
    pa_page_pool_destroy(p2);
    pa_drain_all_pages(a);
    CHECK_EQ(test_total_free(a), start);
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()
