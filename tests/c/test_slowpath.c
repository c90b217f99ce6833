// SPDX-License-Identifier: GPL-2.0-only
/* test_slowpath.c - the user-space slow path (Kernel: __alloc_pages_slowpath):
 * the min watermark and the reserves, reclaim callbacks under
 * __GFP_DIRECT_RECLAIM, the drain of every CPU, NORETRY / RETRY_MAYFAIL /
 * NOFAIL, warn_alloc, ALLOCSTALL and PGFAIL. */
#include "support.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define NORMAL PA_ZONE_NORMAL

static struct pa_zone_info zinfo(pa_allocator *a)
{
    return test_zone(a, 0, NORMAL);
}

static uint32_t pcpcount(pa_allocator *a, int cpu)
{
    struct pa_pcp_info pi;
    CHECK_EQ(pa_pcp_info(a, cpu, 0, NORMAL, &pi), 0);
    return pi.count;
}

/* Allocates order-0 pages with gfp (+NOWARN) until it fails. */
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

/* Allocates with gfp until the zone holds exactly target free pages. */
static void eat_to(pa_allocator *a, uint64_t target, pa_gfp_t gfp, struct held *h)
{
    pa_drain_all_pages(a);
    uint64_t f = zinfo(a).free;
    CHECK(f >= target);
    for (uint64_t i = 0; i < f - target; i++) {
        struct pa_page *p = pa_alloc_pages(a, gfp, 0);
        CHECK(p != NULL);
        held_push(h, p);
    }
    pa_drain_all_pages(a);
    CHECK_EQ(zinfo(a).free, target);
    CHECK_OK(a);
}

/* The reclaim callback of these tests: counts its calls and their
 * arguments; from call free_from on frees up to nr_to_free held pages;
 * reports progress it did not make on calls up to claim_until. */
struct rc {
    struct held *h;
    int calls;
    int free_from;                /* 0: never frees */
    int claim_until;              /* fake progress on calls 1..claim_until */
    int last_nid;
    unsigned long last_nr;
    int saw_locked;
};

static unsigned long reclaim_cb(void *ctx, pa_allocator *a, int nid, unsigned long nr)
{
    struct rc *r = ctx;
    r->calls++;
    r->last_nid = nid;
    r->last_nr = nr;
    /* Called with no allocator lock held: the zone lock is free. */
    struct pa_zone *z = &a->nodes[0].zones[NORMAL];
    if (pthread_mutex_trylock(&z->lock) == 0)
        pthread_mutex_unlock(&z->lock);
    else
        r->saw_locked = 1;
    if (r->free_from && r->calls >= r->free_from) {
        unsigned long freed = 0;
        while (freed < nr && r->h && r->h->n) {
            pa_free_pages(a, r->h->p[--r->h->n], 0);
            freed++;
        }
        return freed;
    }
    return r->calls <= r->claim_until ? nr : 0;
}

/* ---- tests --------------------------------------------------------------- */

TEST(slowpath_min_watermark_retry_before_reclaim)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 0);
    struct held h = { 0 };
    struct pa_zone_info zi = zinfo(a);
    eat_to(a, zi.wmark_low, PA_GFP_KERNEL, &h);
    struct rc r = { 0 };
    CHECK_EQ(pa_register_reclaim(a, reclaim_cb, &r), 0);
    uint64_t stall = pa_vm_event(a, PA_ALLOCSTALL);
    /* Below the low watermark, above min: the slow path's first try on the
     * min watermark succeeds, nobody is asked to reclaim. */
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    held_push(&h, p);
    CHECK_EQ(r.calls, 0);
    CHECK_EQ(pa_vm_event(a, PA_ALLOCSTALL), stall);
    CHECK_OK(a);
    CHECK_EQ(pa_unregister_reclaim(a, reclaim_cb, &r), 0);
    held_done(a, &h);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(slowpath_reclaim_called_only_with_direct_reclaim)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 0);
    struct held h = { 0 };
    exhaust(a, PA_GFP_ATOMIC, &h);                  /* the deepest any request goes */
    CHECK_OK(a);
    struct rc r = { 0 };
    CHECK_EQ(pa_register_reclaim(a, reclaim_cb, &r), 0);
    uint64_t stall = pa_vm_event(a, PA_ALLOCSTALL);

    CHECK(pa_alloc_pages(a, PA_GFP_ATOMIC | PA_GFP_NOWARN, 0) == NULL);
    CHECK(pa_alloc_pages(a, PA_GFP_NOWAIT | PA_GFP_NOWARN, 0) == NULL);
    CHECK(pa_alloc_pages(a, PA_GFP_NOWAIT | PA_GFP_NOWARN, 3) == NULL);
    struct pa_page *arr[4] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_NOWAIT | PA_GFP_NOWARN, 4, arr), 0);
    CHECK_EQ(r.calls, 0);
    CHECK_EQ(pa_vm_event(a, PA_ALLOCSTALL), stall);
    CHECK_OK(a);

    /* GFP_KERNEL may reclaim: asked once (no progress, no retry), for the
     * preferred node and SWAP_CLUSTER_MAX pages, with no lock held. */
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0) == NULL);
    CHECK_EQ(r.calls, 1);
    CHECK_EQ(r.last_nid, 0);
    CHECK_EQ(r.last_nr, 32);
    CHECK_EQ(r.saw_locked, 0);
    CHECK_EQ(pa_vm_event(a, PA_ALLOCSTALL), stall + 1);
    /* A big order asks for at least its size. */
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 6) == NULL);
    CHECK_EQ(r.calls, 2);
    CHECK_EQ(r.last_nr, 64);
    /* The bulk allocator's single-page path reclaims too. */
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 4, arr), 0);
    CHECK_EQ(r.calls, 3);
    CHECK_OK(a);

    /* Unregistered: not called any more. */
    CHECK_EQ(pa_unregister_reclaim(a, reclaim_cb, &r), 0);
    CHECK_EQ(pa_unregister_reclaim(a, reclaim_cb, &r), -ENOENT);
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0) == NULL);
    CHECK_EQ(r.calls, 3);
    /* At most 16 callbacks. */
    struct rc many[17];
    memset(many, 0, sizeof(many));
    for (int i = 0; i < 16; i++)
        CHECK_EQ(pa_register_reclaim(a, reclaim_cb, &many[i]), 0);
    CHECK_EQ(pa_register_reclaim(a, reclaim_cb, &many[16]), -ENOSPC);
    CHECK_EQ(pa_register_reclaim(a, NULL, NULL), -EINVAL);
    for (int i = 0; i < 16; i++)
        CHECK_EQ(pa_unregister_reclaim(a, reclaim_cb, &many[i]), 0);
    held_done(a, &h);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(slowpath_reclaim_callback_that_frees_lets_allocation_succeed)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 0);
    struct held h = { 0 };
    exhaust(a, PA_GFP_KERNEL, &h);
    CHECK_OK(a);
    struct rc r = { .h = &h, .free_from = 1 };
    CHECK_EQ(pa_register_reclaim(a, reclaim_cb, &r), 0);
    size_t before = h.n;
    uint64_t stall = pa_vm_event(a, PA_ALLOCSTALL), fail = pa_vm_event(a, PA_PGFAIL);
    test_log_reset();
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    CHECK_EQ(r.calls, 1);
    CHECK_EQ(before - h.n, 32);                       /* it freed what it was asked */
    CHECK_EQ(pa_vm_event(a, PA_ALLOCSTALL), stall + 1);
    CHECK_EQ(pa_vm_event(a, PA_PGFAIL), fail);
    CHECK(!test_log_contains("page allocation failure"));
    CHECK_OK(a);
    held_push(&h, p);
    /* Higher orders too: exhausted again, an order-2 request is served
     * after the callback frees. */
    CHECK_EQ(pa_unregister_reclaim(a, reclaim_cb, &r), 0);
    exhaust(a, PA_GFP_KERNEL, &h);
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 2) == NULL);
    CHECK_EQ(pa_register_reclaim(a, reclaim_cb, &r), 0);
    r.calls = 0;
    p = pa_alloc_pages(a, PA_GFP_KERNEL, 2);
    CHECK(p != NULL);
    CHECK_EQ(r.calls, 1);
    pa_free_pages(a, p, 2);
    CHECK_EQ(pa_unregister_reclaim(a, reclaim_cb, &r), 0);
    held_done(a, &h);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

TEST(slowpath_noretry_stops_after_one_round)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 0);
    struct held h = { 0 };
    exhaust(a, PA_GFP_KERNEL, &h);
    /* Claims progress on its first two calls without freeing anything. */
    struct rc r = { .claim_until = 2 };
    CHECK_EQ(pa_register_reclaim(a, reclaim_cb, &r), 0);
    uint64_t stall = pa_vm_event(a, PA_ALLOCSTALL);
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NORETRY | PA_GFP_NOWARN, 0) == NULL);
    CHECK_EQ(r.calls, 1);
    CHECK_EQ(pa_vm_event(a, PA_ALLOCSTALL), stall + 1);
    CHECK_OK(a);
    /* Without NORETRY: retried while progress is reported (calls 1 and 2),
     * given up after the call that reports none. */
    r.calls = 0;
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0) == NULL);
    CHECK_EQ(r.calls, 3);
    CHECK_EQ(pa_vm_event(a, PA_ALLOCSTALL), stall + 4);
    CHECK_OK(a);
    CHECK_EQ(pa_unregister_reclaim(a, reclaim_cb, &r), 0);
    held_done(a, &h);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(slowpath_costly_orders_need_retry_mayfail_to_retry)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 0);
    struct held h = { 0 };
    exhaust(a, PA_GFP_KERNEL, &h);
    struct rc r = { .claim_until = 2 };
    CHECK_EQ(pa_register_reclaim(a, reclaim_cb, &r), 0);
    /* Order 4 > PA_COSTLY_ORDER: one round only. */
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 4) == NULL);
    CHECK_EQ(r.calls, 1);
    /* With RETRY_MAYFAIL: retried while progress is reported. */
    r.calls = 0;
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_RETRY_MAYFAIL | PA_GFP_NOWARN, 4) == NULL);
    CHECK_EQ(r.calls, 3);
    /* Order 3 is not costly: retried without asking. */
    r.calls = 0;
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 3) == NULL);
    CHECK_EQ(r.calls, 3);
    /* NORETRY wins over RETRY_MAYFAIL. */
    r.calls = 0;
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_RETRY_MAYFAIL | PA_GFP_NORETRY | PA_GFP_NOWARN, 4) == NULL);
    CHECK_EQ(r.calls, 1);
    CHECK_OK(a);
    CHECK_EQ(pa_unregister_reclaim(a, reclaim_cb, &r), 0);
    held_done(a, &h);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(slowpath_nofail_retries_until_a_callback_frees)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 0);
    struct held h = { 0 };
    exhaust(a, PA_GFP_KERNEL, &h);
    struct rc r = { .h = &h, .free_from = 3 };
    CHECK_EQ(pa_register_reclaim(a, reclaim_cb, &r), 0);
    uint64_t fail = pa_vm_event(a, PA_PGFAIL);
    test_log_reset();
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOFAIL, 0);
    CHECK(p != NULL);
    CHECK_EQ(r.calls, 3);
    CHECK(!test_log_contains("page allocation failure"));
    CHECK_EQ(pa_vm_event(a, PA_PGFAIL), fail);
    held_push(&h, p);
    CHECK_OK(a);
    /* NOFAIL cannot wait without __GFP_DIRECT_RECLAIM: it fails, loudly. */
    CHECK_EQ(pa_unregister_reclaim(a, reclaim_cb, &r), 0);
    exhaust(a, PA_GFP_ATOMIC, &h);
    fail = pa_vm_event(a, PA_PGFAIL);
    test_log_reset();
    CHECK(pa_alloc_pages(a, PA_GFP_NOWAIT | PA_GFP_NOFAIL, 0) == NULL);
    CHECK(test_log_contains("__GFP_NOFAIL"));
    CHECK_EQ(pa_vm_event(a, PA_PGFAIL), fail + 1);
    CHECK_OK(a);
    held_done(a, &h);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

TEST(slowpath_warn_alloc_logs_unless_nowarn)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 0);
    struct held h = { 0 };
    exhaust(a, PA_GFP_ATOMIC, &h);
    test_log_reset();
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL, 0) == NULL);
    CHECK_EQ(test_log.count, 1);
    CHECK_EQ(test_log.last_level, PA_LOG_WARNING);
    CHECK(strstr(test_log.last, "page allocation failure: order:0, mode:0x") != NULL);
    CHECK(strstr(test_log.last, "(GFP_KERNEL)") != NULL);
    CHECK(strstr(test_log.last, "nodemask=(null)") != NULL);
    /* (that failure drained the pcp lists into the buddy lists: exhaust
     * again so GFP_ATOMIC fails too) */
    exhaust(a, PA_GFP_ATOMIC, &h);
    test_log_reset();
    CHECK(pa_alloc_pages(a, PA_GFP_ATOMIC, 2) == NULL);
    CHECK_EQ(test_log.count, 1);
    CHECK(strstr(test_log.last, "order:2") != NULL);
    CHECK(strstr(test_log.last, "GFP_ATOMIC") != NULL);
    /* NOWARN: silent, whatever the mode. */
    test_log_reset();
    CHECK(pa_alloc_pages(a, PA_GFP_ATOMIC | PA_GFP_NOWARN, 0) == NULL);
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0) == NULL);
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 5) == NULL);
    struct pa_page *arr[4] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 4, arr), 0);
    CHECK_EQ(test_log.count, 0);
    /* The bulk allocator's single-page path warns like any other. */
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 4, arr), 0);
    CHECK_EQ(test_log.count, 1);
    CHECK(test_log_contains("page allocation failure: order:0"));
    CHECK_OK(a);
    held_done(a, &h);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(slowpath_atomic_succeeds_where_kernel_fails)
{
    /* Batch 1: every refill is one page, so the floors are exact. */
    pa_allocator *a = test_simple_pcp(16384, 1, 1, 0);
    struct held h = { 0 };
    struct pa_zone_info zi = zinfo(a);
    uint64_t min = zi.wmark_min;
    uint64_t high_floor = min - min / 2;               /* __GFP_HIGH: half the reserve */
    uint64_t atomic_floor = high_floor - high_floor / 4; /* non-blocking: a quarter more */
    CHECK(atomic_floor < min / 2 + 1 || atomic_floor < high_floor);

    /* Between min/2 and min. */
    eat_to(a, min * 3 / 4, PA_GFP_ATOMIC, &h);
    CHECK(zinfo(a).free <= min && zinfo(a).free > min / 2);
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0) == NULL);
    CHECK(pa_alloc_pages(a, PA_GFP_NOWAIT | PA_GFP_NOWARN, 0) == NULL);
    CHECK(pa_alloc_pages(a, PA_GFP_USER | PA_GFP_NOWARN, 0) == NULL);
    CHECK_OK(a);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_ATOMIC, 0);
    CHECK(p != NULL);
    held_push(&h, p);
    CHECK_OK(a);

    /* __GFP_HIGH with reclaim allowed goes down to half of min... */
    exhaust(a, PA_GFP_KERNEL | PA_GFP_HIGH, &h);
    pa_drain_all_pages(a);
    CHECK_EQ(zinfo(a).free, high_floor);
    /* ...GFP_ATOMIC a quarter of that further. */
    exhaust(a, PA_GFP_ATOMIC, &h);
    pa_drain_all_pages(a);
    CHECK_EQ(zinfo(a).free, atomic_floor);
    /* __GFP_NOMEMALLOC takes the non-blocking bonus away. */
    held_done(a, &h);
    eat_to(a, high_floor, PA_GFP_ATOMIC, &h);
    CHECK(pa_alloc_pages(a, PA_GFP_ATOMIC | PA_GFP_NOMEMALLOC | PA_GFP_NOWARN, 0) == NULL);
    p = pa_alloc_pages(a, PA_GFP_ATOMIC, 0);
    CHECK(p != NULL);
    held_push(&h, p);
    CHECK_OK(a);
    held_done(a, &h);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

TEST(slowpath_drains_every_cpus_pcp_lists)
{
    pa_allocator *a = test_simple_pcp(16384, 2, 8, 2048);
    struct held h = { 0 };
    exhaust(a, PA_GFP_KERNEL, &h);
    CHECK_EQ(pcpcount(a, 0), 0);
    CHECK_EQ(pcpcount(a, 1), 0);
    /* Park 64 pages on cpu 1's pcp list: not counted as free. */
    uint64_t f0 = zinfo(a).free;
    CHECK_EQ(pa_bind_cpu(a, 1), 0);
    for (int i = 0; i < 64; i++)
        pa_free_pages(a, h.p[--h.n], 0);
    CHECK_EQ(pcpcount(a, 1), 64);
    CHECK_EQ(zinfo(a).free, f0);
    CHECK_OK(a);
    /* From cpu 0: a request that may not reclaim does not drain... */
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    CHECK(pa_alloc_pages(a, PA_GFP_NOWAIT | PA_GFP_NOWARN, 0) == NULL);
    CHECK_EQ(pcpcount(a, 1), 64);
    /* ...one that may, drains cpu 1's list and gets a page. */
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    held_push(&h, p);
    CHECK_EQ(pcpcount(a, 1), 0);
    CHECK(zinfo(a).free >= f0 + 64 - 8);             /* back in the buddy lists */
    CHECK_OK(a);
    held_done(a, &h);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

TEST(slowpath_allocstall_and_pgfail_counters)
{
    pa_allocator *a = test_simple_pcp(16384, 1, 8, 0);
    struct held h = { 0 };
    exhaust(a, PA_GFP_ATOMIC, &h);
    uint64_t stall = pa_vm_event(a, PA_ALLOCSTALL), fail = pa_vm_event(a, PA_PGFAIL);
    /* No reclaim possible: a failure, no stall. */
    CHECK(pa_alloc_pages(a, PA_GFP_ATOMIC | PA_GFP_NOWARN, 0) == NULL);
    CHECK_EQ(pa_vm_event(a, PA_PGFAIL), fail + 1);
    CHECK_EQ(pa_vm_event(a, PA_ALLOCSTALL), stall);
    /* Reclaim tried once (no callbacks, no progress): one stall. */
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0) == NULL);
    CHECK_EQ(pa_vm_event(a, PA_PGFAIL), fail + 2);
    CHECK_EQ(pa_vm_event(a, PA_ALLOCSTALL), stall + 1);
    /* Three rounds: three stalls, still one failure. */
    struct rc r = { .claim_until = 2 };
    CHECK_EQ(pa_register_reclaim(a, reclaim_cb, &r), 0);
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0) == NULL);
    CHECK_EQ(pa_vm_event(a, PA_PGFAIL), fail + 3);
    CHECK_EQ(pa_vm_event(a, PA_ALLOCSTALL), stall + 4);
    CHECK_EQ(pa_unregister_reclaim(a, reclaim_cb, &r), 0);
    /* A success after reclaim: a stall, no failure. */
    struct rc f = { .h = &h, .free_from = 1 };
    CHECK_EQ(pa_register_reclaim(a, reclaim_cb, &f), 0);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    held_push(&h, p);
    CHECK_EQ(pa_vm_event(a, PA_PGFAIL), fail + 3);
    CHECK(f.calls >= 1);                              /* one stall per reclaim round */
    CHECK_EQ(pa_vm_event(a, PA_ALLOCSTALL), stall + 4 + (uint64_t)f.calls);
    CHECK_EQ(pa_unregister_reclaim(a, reclaim_cb, &f), 0);
    CHECK_OK(a);
    held_done(a, &h);
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()
