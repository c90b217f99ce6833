/* SPDX-License-Identifier: GPL-2.0-only */
/* support.h - helpers the C tests share: allocators of known shapes, a
 * capturing log callback, and pa_check after every step. */
#ifndef PAGEALLOC_TEST_SUPPORT_H
#define PAGEALLOC_TEST_SUPPORT_H

#include <pagealloc/pagealloc.h>

#include "check.h"

/* The last log lines, for tests that expect a message. */
struct log_capture {
    int count;
    int last_level;
    char last[512];
};
extern struct log_capture test_log;
void test_log_fn(void *ctx, int level, const char *message);
void test_log_reset(void);
/* True if any captured line since the last reset contained needle. */
int test_log_contains(const char *needle);

/* Whether every page of a has its address at one bias from its pfn (the
 * nodes' memory forms one map: caller memory, or separate mappings that the
 * kernel happened to place end to end), told from each zone's first page.
 * The page pools' address form works exactly then. */
int test_one_address_map(pa_allocator *a);

/* A config: nr_nodes nodes, each with the given pages per zone (DMA, DMA32,
 * NORMAL, MOVABLE), nr_cpus pcp slots; logs into test_log. */
void test_config(struct pa_config *cfg, int nr_nodes, int nr_cpus, uint64_t dma, uint64_t dma32,
                 uint64_t normal, uint64_t movable);
pa_allocator *test_create(const struct pa_config *cfg);
/* One node, one NORMAL zone of `pages`, nr_cpus slots, calling thread bound to cpu 0. */
pa_allocator *test_simple(uint64_t pages, int nr_cpus);
/* The same with the given pcp batch and high (0: the kernel's sizing). */
pa_allocator *test_simple_pcp(uint64_t pages, int nr_cpus, uint32_t batch, uint32_t high);

/* One node, one NORMAL zone of `pages`, nr_cpus slots, the given PA_CFG_* flags,
 * calling thread bound to cpu 0. */
pa_allocator *test_flags(uint32_t flags, uint64_t pages, int nr_cpus);
/* Whether every one of the n bytes at p is `byte`. */
int test_all_bytes(const void *p, int byte, size_t n);

#define CHECK_OK(a) CHECK_EQ(pa_check(a), 0)

/* Free pages of the whole allocator after draining every pcp list. */
uint64_t test_total_free(pa_allocator *a);

/* The zone's counters (checked call). */
struct pa_zone_info test_zone(pa_allocator *a, int nid, enum pa_zone_type zt);
uint64_t test_zone_free(pa_allocator *a, int nid, enum pa_zone_type zt);

/* A page_pool of `order` on node 0 of a, with a ring of `ring` (0: the default). */
pa_page_pool *test_pool_create(pa_allocator *a, unsigned order, unsigned ring);
/* The pool's counters (checked call). */
struct pa_page_pool_stats test_pool_stats(const pa_page_pool *pool);
/* Field by field, so a failure names the counter. */
void test_pool_stats_eq(struct pa_page_pool_stats x, struct pa_page_pool_stats y);

/* The end of a test of one pool: pool destroyed, a's free pages back to
 * free_pages, pa_check passes, a destroyed. */
void test_pool_done(pa_allocator *a, pa_page_pool *pool, uint64_t free_pages);

/* A bad call is logged and changes nothing: same stats, inflight, free count. */
struct test_pool_snapshot {
    struct pa_page_pool_stats s;
    long inflight;
    uint64_t free;
};
struct test_pool_snapshot test_pool_snap(pa_allocator *a, pa_page_pool *pool);
/* Checks a and pool are as before (and pa_check passes). */
void test_pool_unchanged(pa_allocator *a, pa_page_pool *pool, struct test_pool_snapshot before);

/* A growable array of held order-0 pages, released in one call. */
struct held {
    struct pa_page **p;
    size_t n, cap;
};
void held_push(struct held *h, struct pa_page *p);
/* Releases every held page; the array stays usable. */
void held_release(pa_allocator *a, struct held *h);
/* Releases every held page and frees the array. */
void held_done(pa_allocator *a, struct held *h);

/* Allocates order-0 pages of node nid with gfp into h until zone zt of nid
 * holds exactly target free pages (pcp lists drained); every page must
 * come from that zone. */
void test_eat_to(pa_allocator *a, int nid, enum pa_zone_type zt, uint64_t target, pa_gfp_t gfp,
                 struct held *h);

/* One zone of a /proc/zoneinfo text (the kernel's or pa_format_zoneinfo's):
 * the static numbers, and the pagesets of up to ZI_MAX_CPUS CPUs. */
#define ZI_MAX_CPUS 256
#define ZI_MAX_ZONES 64
struct zi_zone {
    int node;
    char name[16];
    long long min, low, high, promo, spanned, present, managed;   /* -1: not shown */
    int nr_protection;
    long long protection[8];
    int nr_cpus;                       /* "cpu:" entries seen */
    int cpu[ZI_MAX_CPUS];
    long long batch[ZI_MAX_CPUS], high_min[ZI_MAX_CPUS], high_max[ZI_MAX_CPUS];
    long long threshold[ZI_MAX_CPUS];  /* "vm stats threshold" */
};
/* Parses text into at most max zones; returns how many, -1 on a line it
 * cannot read (printed to stderr). */
int zoneinfo_parse(const char *text, struct zi_zone *zones, int max);

#endif
