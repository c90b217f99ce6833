// SPDX-License-Identifier: GPL-2.0-only
/* test_numa.c - zonelists, node and zone selection, cpusets and the NUMA
 * counters (Kernel: build_zonelists, gfp_zone, __cpuset_zone_allowed,
 * lowmem_reserve, zone_statistics). */
#include "support.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define NORMAL PA_ZONE_NORMAL

static int32_t c2n_ident[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };

/* N nodes of one NORMAL zone each, cpu i on node i, thread on cpu 0. */
static pa_allocator *mk_nodes(int nr_nodes, uint64_t pages, uint8_t *distance)
{
    struct pa_config cfg;
    test_config(&cfg, nr_nodes, nr_nodes, 0, 0, pages, 0);
    cfg.cpu_to_node = c2n_ident;
    cfg.node_distance = distance;
    cfg.pcp_batch = 8;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    return a;
}

static pa_nodemask_t mask_of(int n0, int n1)
{
    pa_nodemask_t m;
    memset(&m, 0, sizeof(m));
    if (n0 >= 0)
        m.bits[0] |= 1ull << n0;
    if (n1 >= 0)
        m.bits[0] |= 1ull << n1;
    return m;
}

/* Allocates order-0 pages into h until one comes from node last; records
 * the runs of nodes they came from (at most 8) and returns how many. */
static int node_runs(pa_allocator *a, struct held *h, int last, int runs[8])
{
    int nr_runs = 0;
    for (;;) {
        struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
        CHECK(p != NULL);
        held_push(h, p);
        int nid = pa_page_to_nid(a, p);
        if (nr_runs == 0 || runs[nr_runs - 1] != nid) {
            CHECK(nr_runs < 8);
            runs[nr_runs++] = nid;
        }
        if (nid == last)
            return nr_runs;
    }
}

/* ---- zonelist order ------------------------------------------------------ */

TEST(numa_zonelist_follows_node_distance)
{
    /* From node 0: node 2 (20), node 3 (30), node 1 (40). */
    uint8_t dist[16] = {
        10, 40, 20, 30,
        40, 10, 30, 20,
        20, 30, 10, 40,
        30, 20, 40, 10,
    };
    pa_allocator *a = mk_nodes(4, 4096, dist);
    struct held h = { 0 };
    int runs[8];
    int nr_runs = node_runs(a, &h, 1, runs);
    CHECK_OK(a);
    CHECK_EQ(nr_runs, 4);
    CHECK_EQ(runs[0], 0);
    CHECK_EQ(runs[1], 2);
    CHECK_EQ(runs[2], 3);
    CHECK_EQ(runs[3], 1);
    /* Each node was given up at its low watermark, not before (the buddy
     * count; a pcp batch may still hold a few of its pages). */
    for (int n = 0; n < 4; n++) {
        if (n == 1)
            continue;
        struct pa_zone_info zi = test_zone(a, n, NORMAL);
        CHECK(zi.free <= zi.wmark_low);
        CHECK(zi.free + 8 > zi.wmark_low);           /* within a pcp batch */
    }

    /* From node 3 (cpu 3): 3, then 1 (20), 0 (30), 2 (40). */
    held_done(a, &h);
    CHECK_EQ(test_total_free(a), 4 * 4096);
    CHECK_EQ(pa_bind_cpu(a, 3), 0);
    nr_runs = node_runs(a, &h, 2, runs);
    CHECK_EQ(nr_runs, 4);
    CHECK_EQ(runs[0], 3);
    CHECK_EQ(runs[1], 1);
    CHECK_EQ(runs[2], 0);
    CHECK_EQ(runs[3], 2);
    CHECK_OK(a);
    held_done(a, &h);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(numa_default_distance_prefers_next_node_ids)
{
    /* 10 local, 20 remote: remote nodes in id order counted from the local
     * node upwards (Kernel: find_next_best_node's "n < node" penalty). */
    pa_allocator *a = mk_nodes(3, 4096, NULL);
    CHECK_EQ(pa_bind_cpu(a, 1), 0);
    struct zoneref *zl = a->nodes[1].zonelist_fallback;
    CHECK_EQ(zl[0].zone->nid, 1);
    CHECK_EQ(zl[1].zone->nid, 2);
    CHECK_EQ(zl[2].zone->nid, 0);
    CHECK(zl[3].zone == NULL);
    /* ...and allocations follow it. */
    struct held h = { 0 };
    test_eat_to(a, 1, NORMAL, test_zone(a, 1, NORMAL).wmark_low, PA_GFP_KERNEL | PA_GFP_THISNODE, &h);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_nid(a, p), 2);
    pa_free_pages(a, p, 0);
    held_done(a, &h);
    CHECK_OK(a);
    pa_destroy(a);
}

/* ---- __GFP_THISNODE, nodemask, cpuset ------------------------------------ */

TEST(numa_thisnode_never_leaves_the_node)
{
    pa_allocator *a = mk_nodes(2, 4096, NULL);
    struct held h = { 0 };
    struct pa_page *p;
    while ((p = pa_alloc_pages_node(a, PA_GFP_KERNEL | PA_GFP_THISNODE | PA_GFP_NOWARN, 0, 0)) != NULL) {
        CHECK_EQ(pa_page_to_nid(a, p), 0);
        held_push(&h, p);
    }
    CHECK_OK(a);
    CHECK(h.n > 3000);
    /* Node 1 untouched; node 0 given up only at its min watermark. */
    CHECK_EQ(test_zone_free(a, 1, NORMAL), 4096);
    CHECK_EQ(test_zone(a, 1, NORMAL).pcp_pages, 0);
    struct pa_zone_info z0 = test_zone(a, 0, NORMAL);
    CHECK(z0.free <= z0.wmark_min);
    /* Orders > 0 too, and without THISNODE the same request goes remote. */
    CHECK(pa_alloc_pages_node(a, PA_GFP_KERNEL | PA_GFP_THISNODE | PA_GFP_NOWARN, 2, 0) == NULL);
    p = pa_alloc_pages_node(a, PA_GFP_KERNEL, 0, 0);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_nid(a, p), 1);
    held_push(&h, p);
    /* The bulk allocator honours it as well. */
    struct pa_page *arr[4] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL | PA_GFP_THISNODE | PA_GFP_NOWARN, 0, NULL, 4, NULL, arr), 0);
    CHECK_OK(a);
    held_done(a, &h);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 2 * 4096);
    pa_destroy(a);
}

TEST(numa_nodemask_restricts_nodes)
{
    pa_allocator *a = mk_nodes(3, 4096, NULL);
    pa_nodemask_t only2 = mask_of(2, -1);
    struct held h = { 0 };
    /* Node 0 is preferred and full of pages, but the mask says node 2. */
    uint64_t hit = pa_vm_event(a, PA_NUMA_HIT), miss = pa_vm_event(a, PA_NUMA_MISS);
    uint64_t other = pa_vm_event(a, PA_NUMA_OTHER);
    struct pa_page *p = pa_alloc_pages_nodemask(a, PA_GFP_KERNEL, 0, 0, &only2);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_nid(a, p), 2);
    /* The preferred zone is the first in the mask: a hit, not a miss;
     * other, since cpu 0 is on node 0. */
    CHECK_EQ(pa_vm_event(a, PA_NUMA_HIT), hit + 1);
    CHECK_EQ(pa_vm_event(a, PA_NUMA_MISS), miss);
    CHECK_EQ(pa_vm_event(a, PA_NUMA_OTHER), other + 1);
    held_push(&h, p);
    /* Until node 2 runs out; then failure, though nodes 0 and 1 are free. */
    while ((p = pa_alloc_pages_nodemask(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 0, &only2)) != NULL) {
        CHECK_EQ(pa_page_to_nid(a, p), 2);
        held_push(&h, p);
    }
    CHECK_OK(a);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), 4096);
    CHECK_EQ(test_zone_free(a, 1, NORMAL), 4096);
    /* A mask of two nodes falls back within it, by distance. */
    pa_nodemask_t m12 = mask_of(1, 2);
    p = pa_alloc_pages_nodemask(a, PA_GFP_KERNEL, 0, 0, &m12);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_nid(a, p), 1);
    held_push(&h, p);
    /* Bulk with a mask: the mask's node. */
    struct pa_page *arr[8] = { 0 };
    pa_nodemask_t only1 = mask_of(1, -1);
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, 0, &only1, 8, NULL, arr), 8);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(pa_page_to_nid(a, arr[i]), 1);
    pa_release_pages(a, arr, 8);
    /* A mask with no node of the allocator: nothing (and a log line). */
    pa_nodemask_t none = mask_of(40, -1);
    test_log_reset();
    CHECK(pa_alloc_pages_nodemask(a, PA_GFP_KERNEL, 0, 0, &none) == NULL);
    CHECK(test_log.count >= 1);
    CHECK_OK(a);
    held_done(a, &h);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 3 * 4096);
    pa_destroy(a);
}

TEST(numa_mems_allowed_restricts_the_thread)
{
    pa_allocator *a = mk_nodes(2, 4096, NULL);
    pa_nodemask_t only1 = mask_of(1, -1);
    CHECK_EQ(pa_set_mems_allowed(a, &only1), 0);
    /* cpu 0 is on node 0, but the thread may use node 1 only. */
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_nid(a, p), 1);
    pa_free_pages(a, p, 0);
    p = pa_alloc_pages_node(a, PA_GFP_KERNEL, 0, 0);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_nid(a, p), 1);
    pa_free_pages(a, p, 0);
    CHECK_OK(a);

    /* Exhaust node 1: GFP_KERNEL then fails although node 0 is free. */
    struct held h = { 0 };
    while ((p = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0)) != NULL) {
        CHECK_EQ(pa_page_to_nid(a, p), 1);
        held_push(&h, p);
    }
    CHECK_OK(a);
    pa_drain_all_pages(a);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), 4096);
    /* GFP_ATOMIC ignores the cpuset rather than fail (ALLOC_CPUSET
     * dropped for non-blocking __GFP_HIGH). */
    p = pa_alloc_pages(a, PA_GFP_ATOMIC, 0);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_nid(a, p), 0);
    held_push(&h, p);
    /* GFP_NOWAIT (no __GFP_HIGH) does not. */
    CHECK(pa_alloc_pages(a, PA_GFP_NOWAIT | PA_GFP_NOWARN, 0) == NULL);
    CHECK_OK(a);

    /* The set belongs to this thread; NULL allows every node again. */
    CHECK_EQ(pa_set_mems_allowed(a, NULL), 0);
    p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_nid(a, p), 0);
    held_push(&h, p);
    /* A mask holding no node of this allocator is refused. */
    pa_nodemask_t none = mask_of(5, 63);
    CHECK_EQ(pa_set_mems_allowed(a, &none), -EINVAL);
    CHECK_EQ(pa_set_mems_allowed(NULL, &only1), -EINVAL);
    CHECK_OK(a);
    held_done(a, &h);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 2 * 4096);
    pa_destroy(a);
}

/* ---- gfp_zone ------------------------------------------------------------- */

static pa_allocator *mk_zones(void)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 4096, 4096, 8192, 4096);
    cfg.pcp_batch = 8;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    return a;
}

static int zone_of_alloc(pa_allocator *a, pa_gfp_t gfp)
{
    struct pa_page *p = pa_alloc_pages(a, gfp, 0);
    CHECK(p != NULL);
    int z = (int)pa_page_zonenum(a, p);
    pa_free_pages(a, p, 0);
    return z;
}

TEST(numa_gfp_zone_picks_the_highest_usable_zone)
{
    pa_allocator *a = mk_zones();
    CHECK_EQ(zone_of_alloc(a, PA_GFP_KERNEL), PA_ZONE_NORMAL);
    CHECK_EQ(zone_of_alloc(a, PA_GFP_KERNEL | PA_GFP_DMA), PA_ZONE_DMA);
    CHECK_EQ(zone_of_alloc(a, PA_GFP_KERNEL | PA_GFP_DMA32), PA_ZONE_DMA32);
    CHECK_EQ(zone_of_alloc(a, PA_GFP_HIGHUSER_MOVABLE), PA_ZONE_MOVABLE);
    /* 64-bit, no highmem: __GFP_HIGHMEM alone is NORMAL, __GFP_MOVABLE
     * alone too (ZONE_MOVABLE needs both). */
    CHECK_EQ(zone_of_alloc(a, PA_GFP_KERNEL | PA_GFP_HIGHMEM), PA_ZONE_NORMAL);
    CHECK_EQ(zone_of_alloc(a, PA_GFP_KERNEL | PA_GFP_MOVABLE), PA_ZONE_NORMAL);
    CHECK_EQ(zone_of_alloc(a, PA_GFP_KERNEL | PA_GFP_MOVABLE | PA_GFP_DMA32), PA_ZONE_DMA32);
    CHECK_EQ(zone_of_alloc(a, PA_GFP_USER), PA_ZONE_NORMAL);
    /* Bad combinations (GFP_ZONE_BAD): refused and logged. */
    test_log_reset();
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_DMA | PA_GFP_DMA32, 0) == NULL);
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_DMA32 | PA_GFP_HIGHMEM, 0) == NULL);
    CHECK_EQ(test_log.count, 2);
    struct pa_page *arr[4] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL | PA_GFP_DMA | PA_GFP_HIGHMEM, 4, arr), 0);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 4096 + 4096 + 8192 + 4096);
    pa_destroy(a);
}

TEST(numa_dma32_requests_stay_in_dma32_or_below)
{
    pa_allocator *a = mk_zones();
    struct held h = { 0 };
    int seen[PA_NR_ZONES] = { 0 }, last = -1, switches = 0;
    struct pa_page *p;
    while ((p = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_DMA32 | PA_GFP_NOWARN, 0)) != NULL) {
        int z = (int)pa_page_zonenum(a, p);
        seen[z]++;
        if (z != last)
            switches++;
        last = z;
        held_push(&h, p);
    }
    CHECK_OK(a);
    CHECK(seen[PA_ZONE_DMA32] > 0);
    CHECK(seen[PA_ZONE_DMA] > 0);
    CHECK_EQ(seen[PA_ZONE_NORMAL], 0);
    CHECK_EQ(seen[PA_ZONE_MOVABLE], 0);
    pa_drain_all_pages(a);
    CHECK_EQ(test_zone_free(a, 0, PA_ZONE_NORMAL), 8192);
    CHECK_EQ(test_zone_free(a, 0, PA_ZONE_MOVABLE), 4096);
    /* DMA32 first, DMA after it (and maybe DMA32 again on the min
     * watermark in the slow path). */
    CHECK(switches >= 2);
    held_done(a, &h);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(numa_highuser_movable_uses_movable_first)
{
    pa_allocator *a = mk_zones();
    struct held h = { 0 };
    int order[8], n = 0;
    struct pa_page *p;
    /* Walk MOVABLE -> NORMAL -> DMA32 -> DMA through the low watermarks. */
    for (;;) {
        p = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0);
        CHECK(p != NULL);
        held_push(&h, p);
        int z = (int)pa_page_zonenum(a, p);
        if (n == 0 || order[n - 1] != z) {
            CHECK(n < 8);
            order[n++] = z;
        }
        if (z == PA_ZONE_DMA)
            break;
    }
    CHECK_OK(a);
    CHECK_EQ(n, 4);
    CHECK_EQ(order[0], PA_ZONE_MOVABLE);
    CHECK_EQ(order[1], PA_ZONE_NORMAL);
    CHECK_EQ(order[2], PA_ZONE_DMA32);
    CHECK_EQ(order[3], PA_ZONE_DMA);
    /* GFP_KERNEL never reaches MOVABLE. */
    held_done(a, &h);
    while ((p = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0)) != NULL) {
        CHECK(pa_page_zonenum(a, p) != PA_ZONE_MOVABLE);
        held_push(&h, p);
    }
    pa_drain_all_pages(a);
    CHECK_EQ(test_zone_free(a, 0, PA_ZONE_MOVABLE), 4096);
    held_done(a, &h);
    CHECK_OK(a);
    pa_destroy(a);
}

/* ---- lowmem_reserve -------------------------------------------------------- */

TEST(numa_lowmem_reserve_protects_dma32_from_normal_requests)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 4096, 16384, 0);
    cfg.pcp_batch = 1;          /* refills of one page: exact arithmetic */
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    struct pa_zone_info d = test_zone(a, 0, PA_ZONE_DMA32);
    /* Kernel default ratio 256: NORMAL's managed pages / 256. */
    CHECK_EQ(d.lowmem_reserve[PA_ZONE_DMA32], 0);
    CHECK_EQ(d.lowmem_reserve[PA_ZONE_NORMAL], 16384 / 256);
    CHECK_EQ(test_zone(a, 0, NORMAL).lowmem_reserve[NORMAL], 0);

    /* GFP_KERNEL without reclaim, until it fails. */
    struct held h = { 0 };
    struct pa_page *p;
    int from_dma32 = 0;
    while ((p = pa_alloc_pages(a, PA_GFP_NOWAIT | PA_GFP_NOWARN, 0)) != NULL) {
        from_dma32 += pa_page_zonenum(a, p) == PA_ZONE_DMA32;
        held_push(&h, p);
    }
    CHECK_OK(a);
    CHECK(from_dma32 > 0);
    pa_drain_all_pages(a);
    /* DMA32 stopped at min + the reserve for NORMAL requests. */
    CHECK_EQ(test_zone_free(a, 0, PA_ZONE_DMA32), d.wmark_min + d.lowmem_reserve[PA_ZONE_NORMAL]);
    /* A DMA32 request (reserve index DMA32: 0) still gets pages. */
    p = pa_alloc_pages(a, PA_GFP_NOWAIT | PA_GFP_DMA32, 0);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_zonenum(a, p), PA_ZONE_DMA32);
    held_push(&h, p);
    CHECK_OK(a);
    held_done(a, &h);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 4096 + 16384);
    pa_destroy(a);
}

/* ---- NUMA counters ------------------------------------------------------- */

struct numa_snap {
    uint64_t v[PA_NR_VM_EVENT_ITEMS];
};

static struct numa_snap snap(pa_allocator *a)
{
    struct numa_snap s;
    for (int i = 0; i < PA_NR_VM_EVENT_ITEMS; i++)
        s.v[i] = pa_vm_event(a, (enum pa_vm_event_item)i);
    return s;
}

static void check_numa_delta(pa_allocator *a, const struct numa_snap *s, uint64_t hit, uint64_t miss,
                             uint64_t foreign, uint64_t local, uint64_t other)
{
    struct numa_snap n = snap(a);
    CHECK_EQ(n.v[PA_NUMA_HIT] - s->v[PA_NUMA_HIT], hit);
    CHECK_EQ(n.v[PA_NUMA_MISS] - s->v[PA_NUMA_MISS], miss);
    CHECK_EQ(n.v[PA_NUMA_FOREIGN] - s->v[PA_NUMA_FOREIGN], foreign);
    CHECK_EQ(n.v[PA_NUMA_LOCAL] - s->v[PA_NUMA_LOCAL], local);
    CHECK_EQ(n.v[PA_NUMA_OTHER] - s->v[PA_NUMA_OTHER], other);
}

TEST(numa_counters_count_as_zone_statistics)
{
    /* Two nodes, four CPUs: 0,1 on node 0; 2,3 on node 1. */
    int32_t c2n[4] = { 0, 0, 1, 1 };
    struct pa_config cfg;
    test_config(&cfg, 2, 4, 0, 0, 4096, 0);
    cfg.cpu_to_node = c2n;
    cfg.pcp_batch = 8;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_cpu_to_node(a, 1), 0);
    CHECK_EQ(pa_cpu_to_node(a, 2), 1);
    struct pa_zone *z0 = &a->nodes[0].zones[NORMAL], *z1 = &a->nodes[1].zones[NORMAL];
    struct held h = { 0 };
    struct numa_snap s;
    struct pa_page *p;

    /* cpu 2 (node 1), preferring node 1: hit, local. */
    CHECK_EQ(pa_bind_cpu(a, 2), 0);
    s = snap(a);
    p = pa_alloc_pages_node(a, PA_GFP_KERNEL, 0, 1);
    CHECK_EQ(pa_page_to_nid(a, p), 1);
    held_push(&h, p);
    check_numa_delta(a, &s, 1, 0, 0, 1, 0);
    /* cpu 2 preferring node 0 (which has room): hit, other. */
    s = snap(a);
    p = pa_alloc_pages_node(a, PA_GFP_KERNEL, 0, 0);
    CHECK_EQ(pa_page_to_nid(a, p), 0);
    held_push(&h, p);
    check_numa_delta(a, &s, 1, 0, 0, 0, 1);
    /* No node given: the CPU's node, hit + local. */
    s = snap(a);
    p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK_EQ(pa_page_to_nid(a, p), 1);
    held_push(&h, p);
    check_numa_delta(a, &s, 1, 0, 0, 1, 0);
    /* Per allocation, not per page: order 2 counts 4 PGALLOC, 1 hit. */
    s = snap(a);
    p = pa_alloc_pages(a, PA_GFP_KERNEL, 2);
    CHECK(p != NULL);
    check_numa_delta(a, &s, 1, 0, 0, 1, 0);
    CHECK_EQ(pa_vm_event(a, PA_PGALLOC_NORMAL) - s.v[PA_PGALLOC_NORMAL], 4);
    pa_free_pages(a, p, 2);
    /* Straight from the buddy lists (order 4, no pcp): counted the same. */
    s = snap(a);
    p = pa_alloc_pages_node(a, PA_GFP_KERNEL, 4, 0);
    CHECK(p != NULL);
    check_numa_delta(a, &s, 1, 0, 0, 0, 1);
    CHECK_EQ(pa_vm_event(a, PA_PGALLOC_NORMAL) - s.v[PA_PGALLOC_NORMAL], 16);
    pa_free_pages(a, p, 4);
    CHECK_OK(a);

    /* Node 0 down to its low watermark: requests preferring node 0 are
     * served by node 1 - a miss on node 1's zone, foreign on node 0's. */
    test_eat_to(a, 0, NORMAL, test_zone(a, 0, NORMAL).wmark_low, PA_GFP_KERNEL | PA_GFP_THISNODE, &h);
    uint64_t z0_foreign = zone_event(z0, ZEV_NUMA_FOREIGN), z1_miss = zone_event(z1, ZEV_NUMA_MISS);
    uint64_t z1_foreign = zone_event(z1, ZEV_NUMA_FOREIGN), z0_miss = zone_event(z0, ZEV_NUMA_MISS);
    /* ...from a node-1 CPU: miss, foreign, local (the page is on its node). */
    s = snap(a);
    p = pa_alloc_pages_node(a, PA_GFP_KERNEL, 0, 0);
    CHECK_EQ(pa_page_to_nid(a, p), 1);
    held_push(&h, p);
    check_numa_delta(a, &s, 0, 1, 1, 1, 0);
    /* ...from a node-0 CPU: miss, foreign, other. */
    CHECK_EQ(pa_bind_cpu(a, 1), 0);
    s = snap(a);
    p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK_EQ(pa_page_to_nid(a, p), 1);
    held_push(&h, p);
    check_numa_delta(a, &s, 0, 1, 1, 0, 1);
    CHECK_EQ(zone_event(z0, ZEV_NUMA_FOREIGN) - z0_foreign, 2);
    CHECK_EQ(zone_event(z1, ZEV_NUMA_MISS) - z1_miss, 2);
    CHECK_EQ(zone_event(z1, ZEV_NUMA_FOREIGN), z1_foreign);
    CHECK_EQ(zone_event(z0, ZEV_NUMA_MISS), z0_miss);
    /* The bulk fallback counts the same way. */
    s = snap(a);
    struct pa_page *arr[8] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk(a, PA_GFP_KERNEL, 0, NULL, 8, NULL, arr), 1);
    check_numa_delta(a, &s, 0, 1, 1, 0, 1);
    pa_release_pages(a, arr, 8);
    CHECK_OK(a);

    /* The report carries the same numbers. */
    char buf[8192];
    pa_format_vmstat(a, buf, sizeof(buf));
    char line[64];
    snprintf(line, sizeof(line), "numa_miss %llu\n", (unsigned long long)pa_vm_event(a, PA_NUMA_MISS));
    CHECK(strstr(buf, line) != NULL);
    snprintf(line, sizeof(line), "numa_foreign %llu\n", (unsigned long long)pa_vm_event(a, PA_NUMA_FOREIGN));
    CHECK(strstr(buf, line) != NULL);

    held_done(a, &h);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 2 * 4096);
    pa_destroy(a);
}

TEST(numa_single_node_counts_hits_and_local)
{
    pa_allocator *a = mk_nodes(1, 4096, NULL);
    struct numa_snap s = snap(a);
    struct pa_page *arr[10] = { 0 };
    for (int i = 0; i < 5; i++)
        arr[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 10, arr), 10);
    check_numa_delta(a, &s, 10, 0, 0, 10, 0);
    pa_release_pages(a, arr, 10);
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()
