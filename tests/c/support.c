// SPDX-License-Identifier: GPL-2.0-only
/* support.c - see support.h */
#include "support.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct log_capture test_log;
static char log_history[64][512];
static int log_history_len;

void test_log_fn(void *ctx, int level, const char *message)
{
    (void)ctx;
    test_log.count++;
    test_log.last_level = level;
    snprintf(test_log.last, sizeof(test_log.last), "%s", message);
    snprintf(log_history[log_history_len % 64], sizeof(log_history[0]), "%s", message);
    log_history_len++;
    if (getenv("PA_TEST_VERBOSE"))
        fprintf(stderr, "log[%d]: %s\n", level, message);
}

void test_log_reset(void)
{
    memset(&test_log, 0, sizeof(test_log));
    log_history_len = 0;
}

int test_log_contains(const char *needle)
{
    int n = log_history_len < 64 ? log_history_len : 64;
    for (int i = 0; i < n; i++)
        if (strstr(log_history[i], needle))
            return 1;
    return 0;
}

void test_config(struct pa_config *cfg, int nr_nodes, int nr_cpus, uint64_t dma, uint64_t dma32,
                 uint64_t normal, uint64_t movable)
{
    pa_config_init(cfg);
    cfg->nr_nodes = (uint32_t)nr_nodes;
    cfg->nr_cpus = (uint32_t)nr_cpus;
    for (int n = 0; n < nr_nodes; n++) {
        cfg->node_zone_pages[n][PA_ZONE_DMA] = dma;
        cfg->node_zone_pages[n][PA_ZONE_DMA32] = dma32;
        cfg->node_zone_pages[n][PA_ZONE_NORMAL] = normal;
        cfg->node_zone_pages[n][PA_ZONE_MOVABLE] = movable;
    }
}

pa_allocator *test_create(const struct pa_config *cfg)
{
    pa_allocator *a = NULL;
    int err = pa_create(cfg, &a);
    CHECK_EQ(err, 0);
    CHECK(a != NULL);
    pa_set_log(a, test_log_fn, NULL);
    return a;
}

pa_allocator *test_simple(uint64_t pages, int nr_cpus)
{
    return test_simple_pcp(pages, nr_cpus, 0, 0);
}

pa_allocator *test_simple_pcp(uint64_t pages, int nr_cpus, uint32_t batch, uint32_t high)
{
    struct pa_config cfg;
    test_config(&cfg, 1, nr_cpus, 0, 0, pages, 0);
    cfg.pcp_batch = batch;
    cfg.pcp_high = high;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    return a;
}

uint64_t test_total_free(pa_allocator *a)
{
    uint64_t sum = 0;
    pa_drain_all_pages(a);
    for (int n = 0; n < pa_nr_nodes(a); n++) {
        for (int z = 0; z < PA_NR_ZONES; z++) {
            struct pa_zone_info zi;
            if (pa_zone_info(a, n, (enum pa_zone_type)z, &zi) == 0)
                sum += zi.free;
        }
    }
    return sum;
}

pa_page_pool *test_pool_create(pa_allocator *a, unsigned order, unsigned ring)
{
    struct pa_page_pool_params p = { .order = order, .pool_size = ring, .nid = 0 };
    pa_page_pool *pool = NULL;
    CHECK_EQ(pa_page_pool_create(a, &p, &pool), 0);
    CHECK(pool != NULL);
    return pool;
}

struct pa_page_pool_stats test_pool_stats(const pa_page_pool *pool)
{
    struct pa_page_pool_stats s;
    CHECK_EQ(pa_page_pool_get_stats(pool, &s), 0);
    return s;
}

void test_pool_stats_eq(struct pa_page_pool_stats x, struct pa_page_pool_stats y)
{
    CHECK_EQ(x.alloc_fast, y.alloc_fast);
    CHECK_EQ(x.alloc_slow, y.alloc_slow);
    CHECK_EQ(x.alloc_slow_high_order, y.alloc_slow_high_order);
    CHECK_EQ(x.alloc_empty, y.alloc_empty);
    CHECK_EQ(x.alloc_refill, y.alloc_refill);
    CHECK_EQ(x.alloc_waive, y.alloc_waive);
    CHECK_EQ(x.recycle_cached, y.recycle_cached);
    CHECK_EQ(x.recycle_cache_full, y.recycle_cache_full);
    CHECK_EQ(x.recycle_ring, y.recycle_ring);
    CHECK_EQ(x.recycle_ring_full, y.recycle_ring_full);
    CHECK_EQ(x.recycle_released_refcnt, y.recycle_released_refcnt);
}

void test_pool_done(pa_allocator *a, pa_page_pool *pool, uint64_t free_pages)
{
    pa_page_pool_destroy(pool);
    CHECK_EQ(test_total_free(a), free_pages);
    CHECK_OK(a);
    pa_destroy(a);
}

struct test_pool_snapshot test_pool_snap(pa_allocator *a, pa_page_pool *pool)
{
    return (struct test_pool_snapshot){ test_pool_stats(pool), pa_page_pool_inflight(pool),
                                        test_total_free(a) };
}

void test_pool_unchanged(pa_allocator *a, pa_page_pool *pool, struct test_pool_snapshot before)
{
    struct test_pool_snapshot now = test_pool_snap(a, pool);
    test_pool_stats_eq(now.s, before.s);
    CHECK_EQ(now.inflight, before.inflight);
    CHECK_EQ(now.free, before.free);
    CHECK_OK(a);
}

void held_push(struct held *h, struct pa_page *p)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 256;
        h->p = realloc(h->p, h->cap * sizeof(*h->p));
        CHECK(h->p != NULL);
    }
    h->p[h->n++] = p;
}

void held_release(pa_allocator *a, struct held *h)
{
    pa_release_pages(a, h->p, h->n);
    h->n = 0;
}

void held_done(pa_allocator *a, struct held *h)
{
    held_release(a, h);
    free(h->p);
    memset(h, 0, sizeof(*h));
}

struct pa_zone_info test_zone(pa_allocator *a, int nid, enum pa_zone_type zt)
{
    struct pa_zone_info zi;
    CHECK_EQ(pa_zone_info(a, nid, zt, &zi), 0);
    return zi;
}

uint64_t test_zone_free(pa_allocator *a, int nid, enum pa_zone_type zt)
{
    return test_zone(a, nid, zt).free;
}

void test_eat_to(pa_allocator *a, int nid, enum pa_zone_type zt, uint64_t target, pa_gfp_t gfp,
                 struct held *h)
{
    pa_drain_all_pages(a);
    uint64_t f = test_zone_free(a, nid, zt);
    CHECK(f >= target);
    for (uint64_t i = 0; i < f - target; i++) {
        struct pa_page *p = pa_alloc_pages_node(a, gfp, 0, nid);
        CHECK(p != NULL);
        CHECK_EQ(pa_page_to_nid(a, p), nid);
        CHECK_EQ(pa_page_zonenum(a, p), zt);
        held_push(h, p);
    }
    pa_drain_all_pages(a);
    CHECK_EQ(test_zone_free(a, nid, zt), target);
    CHECK_OK(a);
}

/* ---- /proc/zoneinfo ---------------------------------------------------------- */

static void zi_zone_init(struct zi_zone *z)
{
    memset(z, 0, sizeof(*z));
    z->min = z->low = z->high = z->promo = z->spanned = z->present = z->managed = -1;
}

/* One "key value" line inside a zone: the watermarks and sizes (no colon),
 * the pcp fields (with a colon) of the current CPU. */
static int zi_line(struct zi_zone *z, const char *key, long long v)
{
    static const struct { const char *key; size_t off; } fields[] = {
        { "min", offsetof(struct zi_zone, min) },         { "low", offsetof(struct zi_zone, low) },
        { "high", offsetof(struct zi_zone, high) },       { "promo", offsetof(struct zi_zone, promo) },
        { "spanned", offsetof(struct zi_zone, spanned) }, { "present", offsetof(struct zi_zone, present) },
        { "managed", offsetof(struct zi_zone, managed) },
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (strcmp(key, fields[i].key) == 0) {
            *(long long *)((char *)z + fields[i].off) = v;
            return 1;
        }
    int c = z->nr_cpus - 1;
    if (c < 0 || c >= ZI_MAX_CPUS)
        return 0;
    if (strcmp(key, "batch:") == 0)
        z->batch[c] = v;
    else if (strcmp(key, "high_min:") == 0)
        z->high_min[c] = v;
    else if (strcmp(key, "high_max:") == 0)
        z->high_max[c] = v;
    return 1;
}

int zoneinfo_parse(const char *text, struct zi_zone *zones, int max)
{
    int n = 0;
    struct zi_zone *z = NULL;
    for (const char *line = text; *line; ) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        char buf[512];
        snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1), line);
        line += len + (eol ? 1 : 0);
        int node, cpu;
        char name[16], key[32];
        long long v;
        if (sscanf(buf, "Node %d, zone %15s", &node, name) == 2) {
            if (n == max)
                return n;
            z = &zones[n++];
            zi_zone_init(z);
            z->node = node;
            snprintf(z->name, sizeof(z->name), "%s", name);
        } else if (!z) {
            continue;
        } else if (strstr(buf, "protection: (")) {
            const char *p = strchr(buf, '(') + 1;
            while (z->nr_protection < 8 && sscanf(p, "%lld", &z->protection[z->nr_protection]) == 1) {
                z->nr_protection++;
                p = strpbrk(p, ",)");
                if (!p || *p == ')')
                    break;
                p++;
            }
        } else if (sscanf(buf, " cpu: %d", &cpu) == 1) {
            if (z->nr_cpus < ZI_MAX_CPUS)
                z->cpu[z->nr_cpus] = cpu;
            z->nr_cpus++;
        } else if (sscanf(buf, " vm stats threshold: %lld", &v) == 1) {
            if (z->nr_cpus >= 1 && z->nr_cpus <= ZI_MAX_CPUS)
                z->threshold[z->nr_cpus - 1] = v;
        } else if (sscanf(buf, " %31s %lld", key, &v) == 2) {
            zi_line(z, key, v);
        }
    }
    return n;
}

int test_one_address_map(pa_allocator *a)
{
    const size_t page = pa_page_size(a);
    int have = 0;
    uintptr_t bias = 0;
    for (int nid = 0; nid < pa_nr_nodes(a); nid++) {
        for (int z = 0; z < PA_NR_ZONES; z++) {
            struct pa_zone_info zi;
            if (pa_zone_info(a, nid, (enum pa_zone_type)z, &zi) != 0 || !zi.spanned)
                continue;
            struct pa_page *first = pa_pfn_to_page(a, zi.start_pfn);
            void *addr = first ? pa_page_address(a, first) : NULL;
            if (!addr)
                return 0;
            uintptr_t b = (uintptr_t)addr - (uintptr_t)zi.start_pfn * page;
            if (have && b != bias)
                return 0;
            bias = b;
            have = 1;
        }
    }
    return have;
}

pa_allocator *test_flags(uint32_t flags, uint64_t pages, int nr_cpus)
{
    struct pa_config cfg;
    test_config(&cfg, 1, nr_cpus, 0, 0, pages, 0);
    cfg.flags = flags;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    return a;
}

int test_all_bytes(const void *p, int byte, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i] != (unsigned char)byte)
            return 0;
    return 1;
}
