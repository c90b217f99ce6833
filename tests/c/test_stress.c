// SPDX-License-Identifier: GPL-2.0-only
/* test_stress.c - threads hammering one allocator: bulk and single
 * allocations and frees of orders 0..3, drains and concurrent readers.
 * Every page handed out is claimed in an ownership table (a page given to
 * two owners at once fails at once) and stamped in its memory with its
 * owner, checked on free. At the end every page is back and every counter
 * adds up. */
#include "support.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define ZONE_PAGES 16384
#define MAX_HELD 768
#define MAX_THREADS 16

static _Atomic uint32_t owner[ZONE_PAGES];
static _Atomic int failures;   /* allocations that returned nothing */

struct block { struct pa_page *page; unsigned order; };

struct worker {
    pa_allocator *a;
    int id, cpu;
    long ops;
    uint64_t rng;
    struct block held[MAX_HELD];
    int n;
    uint64_t seq;
    long allocated_pages, freed_pages;
};

static uint64_t rnd(struct worker *w)
{
    uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t stamp_of(struct worker *w, uint64_t pfn)
{
    return ((uint64_t)(w->id + 1) << 48) ^ (pfn << 8) ^ 0x5a;
}

/* Takes ownership of a freshly allocated block and stamps it. */
static void claim(struct worker *w, struct pa_page *p, unsigned order)
{
    uint64_t pfn = pa_page_to_pfn(w->a, p);
    CHECK(pfn < ZONE_PAGES);
    CHECK_EQ(pfn & ((1u << order) - 1), 0);
    for (uint64_t i = 0; i < (1u << order); i++) {
        uint32_t prev = atomic_exchange(&owner[pfn + i], (uint32_t)w->id + 1);
        if (prev != 0) {
            fprintf(stderr, "pfn %llu handed to worker %d while worker %u holds it\n",
                    (unsigned long long)(pfn + i), w->id, prev - 1);
            CHECK(prev == 0);
        }
        uint64_t *m = (uint64_t *)((char *)pa_page_address(w->a, p) + (i << 12));
        m[0] = stamp_of(w, pfn + i);
        m[511] = stamp_of(w, pfn + i);
    }
    CHECK(w->n < MAX_HELD);
    w->held[w->n++] = (struct block){ p, order };
    w->allocated_pages += 1 << order;
}

/* Checks the stamps and gives up ownership of held[i] (removed from held). */
static struct block release(struct worker *w, int i)
{
    struct block h = w->held[i];
    w->held[i] = w->held[--w->n];
    uint64_t pfn = pa_page_to_pfn(w->a, h.page);
    for (uint64_t k = 0; k < (1u << h.order); k++) {
        const uint64_t *m = (const uint64_t *)((char *)pa_page_address(w->a, h.page) + (k << 12));
        CHECK_EQ(m[0], stamp_of(w, pfn + k));
        CHECK_EQ(m[511], stamp_of(w, pfn + k));
        uint32_t prev = atomic_exchange(&owner[pfn + k], 0);
        CHECK_EQ(prev, (uint32_t)w->id + 1);
    }
    w->freed_pages += 1 << h.order;
    return h;
}

static int pick_order0(struct worker *w)
{
    for (int tries = 0; tries < 8 && w->n; tries++) {
        int i = (int)(rnd(w) % (uint64_t)w->n);
        if (w->held[i].order == 0)
            return i;
    }
    return -1;
}

static void one_op(struct worker *w)
{
    pa_allocator *a = w->a;
    uint64_t r = rnd(w);
    int op = (int)(r % 100);
    /* Keep the working set bounded: free when near the cap. */
    if (w->n > MAX_HELD - 40)
        op = 50 + op / 2;
    if (op < 15) {                                   /* bulk, list form */
        struct pa_list_head list;
        pa_list_init(&list);
        unsigned long want = 1 + rnd(w) % 32;
        unsigned long got = pa_alloc_pages_bulk_list(a, PA_GFP_KERNEL | PA_GFP_NOWARN, want, &list);
        CHECK(got <= want);
        CHECK_EQ(pa_list_count(&list), got);
        if (!got)
            atomic_fetch_add(&failures, 1);
        while (!pa_list_empty(&list)) {
            struct pa_page *p = pa_list_first(&list);
            pa_list_del(p);
            claim(w, p, 0);
        }
    } else if (op < 28) {                            /* bulk, array form, some slots taken */
        struct pa_page *arr[32] = { 0 };
        unsigned long want = 2 + rnd(w) % 31;
        int pre = pick_order0(w);
        struct pa_page *pre_page = pre >= 0 ? w->held[pre].page : NULL;
        if (pre_page)
            arr[rnd(w) % want] = pre_page;
        unsigned long got = pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL | PA_GFP_NOWARN, want, arr);
        CHECK(got <= want);
        if (got < want)
            atomic_fetch_add(&failures, 1);
        unsigned long populated = 0;
        for (unsigned long i = 0; i < want; i++) {
            if (!arr[i])
                continue;
            populated++;
            if (arr[i] != pre_page)
                claim(w, arr[i], 0);
        }
        CHECK(populated >= got);
    } else if (op < 50) {                            /* single, orders 0..3 */
        unsigned order = (unsigned)(rnd(w) % 4);
        pa_gfp_t gfp = (r >> 32) % 8 == 0 ? PA_GFP_NOWAIT : (r >> 32) % 8 == 1 ? PA_GFP_ATOMIC
                     : (r >> 32) % 8 == 2 ? PA_GFP_HIGHUSER_MOVABLE : PA_GFP_KERNEL;
        struct pa_page *p = pa_alloc_pages(a, gfp | PA_GFP_NOWARN, order);
        if (p)
            claim(w, p, order);
        else
            atomic_fetch_add(&failures, 1);
    } else if (op < 80) {                            /* single free */
        if (w->n) {
            struct block h = release(w, (int)(rnd(w) % (uint64_t)w->n));
            pa_free_pages(a, h.page, h.order);
        }
    } else if (op < 88) {                            /* bulk free of a list */
        struct pa_list_head list;
        pa_list_init(&list);
        int k = 1 + (int)(rnd(w) % 32);
        for (int j = 0; j < k; j++) {
            int i = pick_order0(w);
            if (i < 0)
                break;
            struct block h = release(w, i);
            pa_list_move_tail(h.page, &list);
        }
        pa_free_pages_bulk(a, &list);
        CHECK(pa_list_empty(&list));
    } else if (op < 95) {                            /* release_pages of an array */
        struct pa_page *arr[32] = { 0 };
        int k = 1 + (int)(rnd(w) % 32);
        for (int j = 0; j < k; j++) {
            int i = pick_order0(w);
            if (i < 0)
                break;
            arr[j] = release(w, i).page;
        }
        pa_release_pages(a, arr, 32);
        for (int j = 0; j < 32; j++)
            CHECK(arr[j] == NULL);
    } else if (op < 97) {
        pa_drain_local_pages(a);
    } else if (op < 98) {
        if (rnd(w) % 8 == 0)
            pa_drain_all_pages(a);
    } else {                                         /* concurrent readers */
        struct pa_zone_info zi;
        struct pa_pcp_info pi;
        CHECK_EQ(pa_zone_info(a, 0, PA_ZONE_NORMAL, &zi), 0);
        CHECK(zi.free <= ZONE_PAGES);
        CHECK_EQ(pa_pcp_info(a, w->cpu, 0, PA_ZONE_NORMAL, &pi), 0);
        char buf[512];
        CHECK(pa_format_buddyinfo(a, buf, sizeof(buf)) > 0);
        CHECK(pa_vm_event(a, PA_PGFREE) <= pa_vm_event(a, PA_PGALLOC_NORMAL) + ZONE_PAGES);
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    CHECK_EQ(pa_bind_cpu(w->a, w->cpu), 0);
    CHECK_EQ(pa_current_cpu(w->a), w->cpu);
    for (long i = 0; i < w->ops; i++)
        one_op(w);
    while (w->n) {
        struct block h = release(w, w->n - 1);
        pa_free_pages(w->a, h.page, h.order);
    }
    CHECK_EQ(w->allocated_pages, w->freed_pages);
    return NULL;
}

/* PA_TEST_SCALE=k divides the CI-sized operation counts by k (the TSan and
 * valgrind runs, where each operation costs far more). */
static long scaled(long ops)
{
    const char *s = getenv("PA_TEST_SCALE");
    long k = s ? atol(s) : 1;
    return k > 1 ? ops / k : ops;
}

static void run_stress(int nr_threads, int nr_cpus, long total_ops, uint64_t seed)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct pa_config cfg;
    test_config(&cfg, 1, nr_cpus, 0, 0, ZONE_PAGES, 0);
    pa_allocator *a = test_create(&cfg);
    memset((void *)owner, 0, sizeof(owner));
    atomic_store(&failures, 0);
    static struct worker workers[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    CHECK(nr_threads <= MAX_THREADS);
    for (int i = 0; i < nr_threads; i++) {
        workers[i] = (struct worker){ .a = a, .id = i, .cpu = i % nr_cpus,
                                      .ops = total_ops / nr_threads, .rng = seed * 1000 + (uint64_t)i };
        CHECK_EQ(pthread_create(&th[i], NULL, worker_main, &workers[i]), 0);
    }
    long allocated = 0;
    for (int i = 0; i < nr_threads; i++) {
        CHECK_EQ(pthread_join(th[i], NULL), 0);
        allocated += workers[i].allocated_pages;
    }
    CHECK(allocated > total_ops / 2);
    for (int i = 0; i < ZONE_PAGES; i++)
        CHECK_EQ(atomic_load(&owner[i]), 0);
    pa_drain_all_pages(a);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), ZONE_PAGES);
    /* Counters are exact: every page allocated was freed and counted once. */
    CHECK_EQ(pa_vm_event(a, PA_PGALLOC_NORMAL), allocated);
    CHECK_EQ(pa_vm_event(a, PA_PGFREE), allocated);
    struct pa_zone_info zi;
    CHECK_EQ(pa_zone_info(a, 0, PA_ZONE_NORMAL, &zi), 0);
    CHECK_EQ(zi.pcp_pages, 0);
    /* The allocator is still fully usable. */
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 10);
    CHECK(p != NULL);
    pa_free_pages(a, p, 10);
    CHECK_OK(a);
    uint64_t fails = (uint64_t)atomic_load(&failures);
    pa_destroy(a);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("stress: %d threads on %d pcp slots, %ld operations, %ld pages allocated and freed, "
           "%llu empty allocations, %.2f s\n", nr_threads, nr_cpus, (total_ops / nr_threads) * nr_threads,
           allocated, (unsigned long long)fails, secs);
}

TEST(stress_two_threads_on_two_cpus)
{
    run_stress(2, 2, scaled(1000000), 1);
}

TEST(stress_four_threads_share_two_cpu_slots)
{
    /* Two threads per pcp slot: trylocks fail and fall back to the zone lock. */
    run_stress(4, 2, scaled(1000000), 2);
}

TEST(stress_eight_threads_on_three_cpu_slots)
{
    /* Uneven sharing (3, 3, 2 threads per slot) and more threads than CPUs. */
    run_stress(8, 3, scaled(2000000), 3);
}

/* `test_stress --big [ops [threads [slots]]]`: the bench-sized run (default
 * 10^7 operations, 8 threads on 3 pcp slots), run by `build.ps1 stress`,
 * not by ctest. Otherwise the ctest tests, by name. */
int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--big") == 0) {
        long ops = argc > 2 ? atol(argv[2]) : 10000000;
        int threads = argc > 3 ? atoi(argv[3]) : 8;
        int slots = argc > 4 ? atoi(argv[4]) : 3;
        CHECK(ops > 0 && threads >= 1 && threads <= MAX_THREADS && slots >= 1);
        run_stress(threads, slots, ops, 42);
        printf("big stress run passed\n");
        return 0;
    }
    return run_tests(argc, argv);
}
