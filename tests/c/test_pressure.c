// SPDX-License-Identifier: GPL-2.0-only
/* test_pressure.c - memory pressure: allocation to exhaustion at every gfp
 * class, with the kernel's reserves honoured (GFP_ATOMIC below where
 * GFP_KERNEL stops, lowmem_reserve keeping NORMAL-capable requests out of
 * DMA32's reserve), threads exhausting memory together while a reclaim
 * callback frees pages from inside the allocator (no deadlock), and full
 * recovery afterwards: every page back, pa_check clean. */
#include "support.h"

#include <pthread.h>

/* DMA32 + NORMAL on one node, metadata only (no memory to touch); batch 1 so
 * the watermark floors are exact. */
static pa_allocator *mk_two_zones(void)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 2, 0, 8192, 65536, 0);
    cfg.flags = PA_CFG_METADATA_ONLY;
    cfg.pcp_batch = 1;
    cfg.pcp_high = 4;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    return a;
}

static struct pa_zone_info zinfo(pa_allocator *a, enum pa_zone_type zone)
{
    return test_zone(a, 0, zone);
}

/* Allocates order-`order` blocks with gfp until one fails; returns how many. */
static size_t exhaust(pa_allocator *a, pa_gfp_t gfp, unsigned order, struct pa_page **held, size_t *n,
                      size_t cap)
{
    size_t got = 0;
    for (;;) {
        struct pa_page *p = pa_alloc_pages(a, gfp | PA_GFP_NOWARN, order);
        if (!p)
            break;
        CHECK(*n < cap);
        held[(*n)++] = p;
        got++;
    }
    return got;
}

static void free_all(pa_allocator *a, struct pa_page **held, size_t *n, unsigned order)
{
    while (*n)
        pa_free_pages(a, held[--*n], order);
}

#define CAP (8192 + 65536)

TEST(pressure_exhaustion_at_every_gfp_class_then_full_recovery)
{
    static const struct { const char *name; pa_gfp_t gfp; unsigned order; } classes[] = {
        { "GFP_KERNEL", PA_GFP_KERNEL, 0 },
        { "GFP_USER", PA_GFP_USER, 0 },
        { "GFP_HIGHUSER_MOVABLE", PA_GFP_HIGHUSER_MOVABLE, 0 },
        { "GFP_NOWAIT", PA_GFP_NOWAIT, 0 },
        { "GFP_ATOMIC", PA_GFP_ATOMIC, 0 },
        { "GFP_KERNEL|__GFP_HIGH", PA_GFP_KERNEL | PA_GFP_HIGH, 0 },
        { "GFP_KERNEL|__GFP_DMA32", PA_GFP_KERNEL | PA_GFP_DMA32, 0 },
        { "GFP_ATOMIC|__GFP_DMA32", PA_GFP_ATOMIC | PA_GFP_DMA32, 0 },
        { "GFP_KERNEL|__GFP_NORETRY", PA_GFP_KERNEL | PA_GFP_NORETRY, 0 },
        { "GFP_KERNEL|__GFP_RETRY_MAYFAIL", PA_GFP_KERNEL | PA_GFP_RETRY_MAYFAIL, 0 },
        { "GFP_KERNEL order 3", PA_GFP_KERNEL, 3 },
        { "GFP_ATOMIC order 3", PA_GFP_ATOMIC, 3 },
        { "GFP_KERNEL order 10", PA_GFP_KERNEL, 10 },
    };
    static struct pa_page *held[CAP];
    pa_allocator *a = mk_two_zones();
    uint64_t total = test_total_free(a);
    CHECK_EQ(total, 8192 + 65536);
    size_t counts[sizeof(classes) / sizeof(classes[0])];
    for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
        size_t n = 0;
        counts[c] = exhaust(a, classes[c].gfp, classes[c].order, held, &n, CAP);
        CHECK(counts[c] > 0);
        CHECK_OK(a);
        /* Exhausted for this class means exhausted: a retry fails too. */
        CHECK(pa_alloc_pages(a, classes[c].gfp | PA_GFP_NOWARN, classes[c].order) == NULL);
        uint64_t left = test_total_free(a);
        CHECK_EQ(left + ((uint64_t)n << classes[c].order), total);
        if (getenv("PA_TEST_VERBOSE"))
            fprintf(stderr, "%s: %zu blocks, %llu pages left free\n", classes[c].name, counts[c],
                    (unsigned long long)left);
        free_all(a, held, &n, classes[c].order);
        CHECK_OK(a);
        CHECK_EQ(test_total_free(a), total);   /* full recovery after every round */
    }
    /* Reserves are ordered as in the kernel: nothing below GFP_KERNEL's floor
     * for the blocking classes, more for __GFP_HIGH, most for GFP_ATOMIC. */
    CHECK_EQ(counts[1], counts[0]);
    CHECK_EQ(counts[2], counts[0]);
    CHECK_EQ(counts[3], counts[0]);
    CHECK(counts[5] > counts[0]);
    CHECK(counts[4] > counts[5]);
    CHECK(counts[6] < 8192);                    /* DMA32 only */
    CHECK(counts[7] > counts[6]);
    CHECK(counts[11] > counts[10]);
    pa_destroy(a);
}

TEST(pressure_atomic_succeeds_after_kernel_exhaustion_and_kernel_stays_out)
{
    static struct pa_page *held[CAP];
    size_t n = 0;
    pa_allocator *a = mk_two_zones();
    exhaust(a, PA_GFP_KERNEL, 0, held, &n, CAP);
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0) == NULL);
    /* The reserve below min is there for GFP_ATOMIC. */
    size_t atomic = exhaust(a, PA_GFP_ATOMIC, 0, held, &n, CAP);
    CHECK(atomic > 0);
    /* GFP_ATOMIC's dip below min does not let GFP_KERNEL back in. */
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0) == NULL);
    CHECK(pa_alloc_pages(a, PA_GFP_ATOMIC | PA_GFP_NOWARN, 0) == NULL);
    CHECK_OK(a);
    free_all(a, held, &n, 0);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 8192 + 65536);
    pa_destroy(a);
}

TEST(pressure_lowmem_reserve_protects_dma32_from_normal_capable_requests)
{
    static struct pa_page *held[CAP];
    size_t n = 0;
    pa_allocator *a = mk_two_zones();
    struct pa_zone_info dma32 = zinfo(a, PA_ZONE_DMA32);
    uint64_t reserve = dma32.lowmem_reserve[PA_ZONE_NORMAL];
    CHECK_EQ(reserve, 65536 / 256);             /* kernel ratio 256 for DMA32 */
    /* Every class able to use NORMAL, even the one with the deepest reserve
     * access: DMA32 keeps its lowmem_reserve (plus what min it may not use). */
    static const pa_gfp_t normal_capable[] = { PA_GFP_KERNEL, PA_GFP_HIGHUSER_MOVABLE,
                                               PA_GFP_KERNEL | PA_GFP_HIGH, PA_GFP_ATOMIC };
    for (size_t i = 0; i < sizeof(normal_capable) / sizeof(normal_capable[0]); i++)
        exhaust(a, normal_capable[i], 0, held, &n, CAP);
    pa_drain_all_pages(a);
    dma32 = zinfo(a, PA_ZONE_DMA32);
    uint64_t min = dma32.wmark_min;
    uint64_t atomic_floor = (min - min / 2) - (min - min / 2) / 4;
    CHECK(dma32.free >= reserve + atomic_floor);
    CHECK(zinfo(a, PA_ZONE_NORMAL).free < zinfo(a, PA_ZONE_NORMAL).wmark_min);
    /* The reserve is DMA32's own: a DMA32 request still gets it. */
    size_t dma32_only = exhaust(a, PA_GFP_ATOMIC | PA_GFP_DMA32, 0, held, &n, CAP);
    CHECK(dma32_only >= reserve);
    pa_drain_all_pages(a);
    CHECK(zinfo(a, PA_ZONE_DMA32).free < reserve);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(pa_page_zonenum(a, held[i]) <= PA_ZONE_NORMAL, 1);
    CHECK_OK(a);
    free_all(a, held, &n, 0);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 8192 + 65536);
    pa_destroy(a);
}

/* Threads exhaust memory together; the reclaim callback (the shrinker
 * analogue) frees pages of a shared stash from inside the allocator's slow
 * path, re-entering pa_free_pages; nobody deadlocks (ctest's timeout would
 * catch it), nothing is lost. */
#define PR_THREADS 4
#define PR_PAGES 8192

struct stash {
    pthread_mutex_t lock;
    struct pa_page *p[PR_PAGES];
    size_t n;
    unsigned long reclaimed;
};

static unsigned long stash_reclaim(void *ctx, pa_allocator *a, int nid, unsigned long nr)
{
    (void)nid;
    struct stash *s = ctx;
    unsigned long freed = 0;
    pthread_mutex_lock(&s->lock);
    while (s->n && freed < nr) {
        pa_free_pages(a, s->p[--s->n], 0);
        freed++;
    }
    s->reclaimed += freed;
    pthread_mutex_unlock(&s->lock);
    return freed;
}

struct presser {
    pa_allocator *a;
    struct stash *stash;
    int cpu, rounds;
    unsigned long allocated, failed;
};

static void *presser_main(void *arg)
{
    struct presser *w = arg;
    /* Plain GFP_KERNEL would retry for as long as reclaim makes progress, and
     * the stash refills as fast as it is reclaimed: NORETRY bounds a round. */
    static const pa_gfp_t gfps[] = { PA_GFP_KERNEL | PA_GFP_NORETRY, PA_GFP_ATOMIC, PA_GFP_NOWAIT,
                                     PA_GFP_KERNEL | PA_GFP_NORETRY };
    struct pa_page **mine = calloc(PR_PAGES, sizeof(*mine));
    CHECK(mine != NULL);
    CHECK_EQ(pa_bind_cpu(w->a, w->cpu), 0);
    for (int r = 0; r < w->rounds; r++) {
        size_t n = 0, k = 0;
        for (;; k++) {
            struct pa_page *p = pa_alloc_pages(w->a, gfps[(r + k) % 4] | PA_GFP_NOWARN, 0);
            /* The round ends only when a request that may reclaim fails too. */
            if (!p)
                p = pa_alloc_pages(w->a, PA_GFP_KERNEL | PA_GFP_NORETRY | PA_GFP_NOWARN, 0);
            if (!p)
                break;
            w->allocated++;
            CHECK(n < PR_PAGES);
            /* Every other page goes to the stash the reclaim callback empties. */
            pthread_mutex_lock(&w->stash->lock);
            if (k % 2 && w->stash->n < PR_PAGES)
                w->stash->p[w->stash->n++] = p, p = NULL;
            pthread_mutex_unlock(&w->stash->lock);
            if (p)
                mine[n++] = p;
        }
        w->failed++;
        pa_release_pages(w->a, mine, n);
    }
    free(mine);
    return NULL;
}

TEST(pressure_threads_exhaust_together_with_reclaim_no_deadlock)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 2, 0, 0, PR_PAGES, 0);
    pa_allocator *a = test_create(&cfg);
    struct stash *s = calloc(1, sizeof(*s));
    CHECK(s != NULL);
    CHECK_EQ(pthread_mutex_init(&s->lock, NULL), 0);
    CHECK_EQ(pa_register_reclaim(a, stash_reclaim, s), 0);
    const char *scale = getenv("PA_TEST_SCALE");
    int rounds = scale && atoi(scale) > 1 ? 3 : 12;
    struct presser w[PR_THREADS];
    pthread_t th[PR_THREADS];
    for (int i = 0; i < PR_THREADS; i++) {
        w[i] = (struct presser){ .a = a, .stash = s, .cpu = i % 2, .rounds = rounds };
        CHECK_EQ(pthread_create(&th[i], NULL, presser_main, &w[i]), 0);
    }
    unsigned long allocated = 0;
    for (int i = 0; i < PR_THREADS; i++) {
        CHECK_EQ(pthread_join(th[i], NULL), 0);
        CHECK_EQ(w[i].failed, (unsigned long)rounds);
        allocated += w[i].allocated;
    }
    CHECK(allocated > (unsigned long)PR_PAGES * 3 / 4);  /* the first round alone takes that */
    CHECK(s->reclaimed > 0);                     /* the callback did run and free */
    while (s->n)
        pa_free_pages(a, s->p[--s->n], 0);
    pa_drain_all_pages(a);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), PR_PAGES);
    CHECK_EQ(pa_vm_event(a, PA_PGALLOC_NORMAL), pa_vm_event(a, PA_PGFREE));
    printf("pressure: %d threads, %d rounds each, %lu pages allocated, %lu reclaimed by the callback\n",
           PR_THREADS, rounds, allocated, s->reclaimed);
    pthread_mutex_destroy(&s->lock);
    free(s);
    pa_destroy(a);
}

RUN_TESTS()
