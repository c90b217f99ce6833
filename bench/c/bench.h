/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench.h - shared declarations of the C benchmark harness (pagealloc-bench).
 *
 * Every candidate does, per cycle, what a user of a page allocator does with a
 * batch: allocate `batch` blocks, write one byte into every 4 KiB page of each
 * (bench_touch), free them all. Costs are reported per 4 KiB page (and per
 * block for orders > 0).
 */
#ifndef PAGEALLOC_BENCH_H
#define PAGEALLOC_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pagealloc/pagealloc.h>

#define BENCH_MAX_BATCH 512
#define BENCH_PAGE 4096u
#define BENCH_TOUCH_PAGES 64u   /* the touch candidates' fixed pages */
/* Arena of the single-thread runs: 1 GiB, far above any batch, so no run
 * reaches the watermarks. */
#define BENCH_ARENA_PAGES (1u << 18)

/* One byte written into each 4 KiB page of a block: what makes a page "used"
 * without measuring memset. The byte is at the cache line its page's own
 * frame number names, the same rule for every candidate. At byte 0, a batch
 * of page-aligned blocks puts every write in one L1 set (64 writes, 8 ways):
 * the run would measure the cache's associativity rather than the allocator,
 * and allocators whose objects are not page-aligned (DPDK's lie 4,160 bytes
 * apart) would escape it. The touch_first and touch_line candidates show the
 * difference on the same memory (docs/BENCHMARKS.md, "Which byte"). */
static inline void bench_touch(void *addr, unsigned order)
{
    volatile unsigned char *p = addr;
    for (unsigned long i = 0; i < (1ul << order); i++, p += BENCH_PAGE)
        p[((uintptr_t)p >> 6) & 0xfc0] = (unsigned char)i;
}

/* The peer allocators' entry points, resolved at run time. */
struct peer_api {
    void *(*alloc)(size_t size);
    void (*free)(void *ptr);
};

/* What a candidate's cycle works on; one per thread. */
struct bench_env {
    pa_allocator *a;
    pa_page_pool *pp;        /* an order-0 page pool over a, owned by the bench thread */
    /* Allocators like a with PA_CFG_INIT_ON_ALLOC, PA_CFG_INIT_ON_FREE; made
     * by the first cycle that needs one (a warm-up cycle). */
    pa_allocator *a_init_alloc, *a_init_free;
    struct pa_page *pages[BENCH_MAX_BATCH];
    void *ptrs[BENCH_MAX_BATCH];
    struct pa_page *touch_pages[BENCH_TOUCH_PAGES];   /* held for the whole run */
    void *touch_addrs[BENCH_TOUCH_PAGES];
    struct peer_api mimalloc, jemalloc;
    int cpu;                 /* the CPU the thread is pinned to (DPDK's lcore) */
    void *dpdk_pool;         /* struct rte_mempool *, NULL when DPDK did not load */
    void *dpdk_cache;        /* struct rte_mempool_cache * of the lcore */
    /* The layouts of a, a_init_alloc and a_init_free (pa_get_layout): every
     * candidate of ours finds a page's address with the public header's inline
     * pa_layout_page_address, as a C user of the header does. */
    struct pa_layout layout, layout_init_alloc, layout_init_free;
};

struct candidate {
    const char *name;       /* unique, e.g. "pa_bulk_array/64" */
    const char *family;     /* chart series, e.g. "pa_bulk_array" */
    unsigned batch;         /* blocks per cycle */
    unsigned order;         /* block = 2^order pages */
    const char *peer;       /* NULL, or the peer library the candidate needs */
    void (*cycle)(struct bench_env *env, unsigned batch, unsigned order);
};

/* candidates.c: the table of every candidate, ours and the peers'. */
extern const struct candidate bench_candidates[];
extern const size_t bench_nr_candidates;
const struct candidate *bench_find(const char *name);
static inline unsigned long bench_pages_per_cycle(const struct candidate *c)
{
    return (unsigned long)c->batch << c->order;
}

/* peers.c: dlopen of mimalloc / jemalloc; the glibc cycles. */
int peers_load(struct bench_env *env, char *status, size_t status_size, const char *peer);
int peer_available(const struct bench_env *env, const char *peer);
void cycle_malloc(struct bench_env *env, unsigned batch, unsigned order);
void cycle_aligned_alloc(struct bench_env *env, unsigned batch, unsigned order);
void cycle_mimalloc(struct bench_env *env, unsigned batch, unsigned order);
void cycle_jemalloc(struct bench_env *env, unsigned batch, unsigned order);

/* dpdk.c: rte_mempool with a per-lcore cache (built when pkg-config finds libdpdk). */
int dpdk_load(struct bench_env *env, int cpu, char *status, size_t size);
void cycle_dpdk(struct bench_env *env, unsigned batch, unsigned order);
void cycle_dpdk_single(struct bench_env *env, unsigned batch, unsigned order);

/* env.c: allocator set-up and CPU pinning. */
int pin_to_cpu(int cpu);
pa_allocator *bench_create_allocator(uint64_t pages, uint32_t nr_cpus, uint32_t flags);
pa_allocator *bench_init_allocator(struct bench_env *env, uint32_t flags);
const struct pa_layout *bench_layout(const struct bench_env *env, const pa_allocator *a);
int bench_env_init(struct bench_env *env, int cpu);
void bench_env_fini(struct bench_env *env);
void bench_die(const char *what, int err);

/* stats.c */
uint64_t now_ns(void);
double median_of(double *values, size_t n);   /* sorts values */
double min_of(const double *values, size_t n);
FILE *open_output(const char *path);

/* The modes of main.c. */
int run_timing(int argc, char **argv);
int run_callgrind(int argc, char **argv, const char *self);
int run_callgrind_one(int argc, char **argv);
int run_threads(int argc, char **argv);
int run_create(int argc, char **argv);

/* The measured region of callgrind-one: valgrind --toggle-collect names it, so
 * the count holds these cycles and nothing of the set-up. */
void bench_measured_cycles(struct bench_env *env, const struct candidate *c, unsigned long cycles);

#endif
