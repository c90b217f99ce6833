// SPDX-License-Identifier: GPL-2.0-only
/* zonelist.c - per-node zonelists and the allocation context
 * (Kernel: build_zonelists, first_zones_zonelist, prepare_alloc_pages). */
#include "internal.h"

#include <stdlib.h>

/* Kernel: find_next_best_node(), without the load balancing: nodes by
 * distance from nid, ties broken by node id counted from nid upwards. */
static void node_order(const struct pa_allocator *a, int nid, int *order)
{
    int n = a->nr_nodes;
    for (int i = 0; i < n; i++)
        order[i] = (nid + i) % n;
    for (int i = 1; i < n; i++) {          /* insertion sort, stable */
        int v = order[i], j = i - 1;
        int dv = a->node_distance[nid * n + v];
        while (j >= 1 && a->node_distance[nid * n + order[j]] > dv) {
            order[j + 1] = order[j];
            j--;
        }
        order[j + 1] = v;
    }
}

/* Kernel: build_zonerefs_node(): a node's populated zones, highest first. */
static int add_node_zones(struct pa_node *n, struct zoneref *zr)
{
    int nr = 0;
    for (int z = PA_NR_ZONES - 1; z >= 0; z--) {
        if (populated_zone(&n->zones[z])) {
            zr[nr].zone = &n->zones[z];
            zr[nr].zone_idx = z;
            nr++;
        }
    }
    return nr;
}

/* Kernel: build_zonelists() for every node. */
int build_zonelists(struct pa_allocator *a)
{
    int order[PA_MAX_NODES];
    for (int nid = 0; nid < a->nr_nodes; nid++) {
        struct pa_node *n = &a->nodes[nid];
        int nr = 0;
        n->zonelist_fallback = calloc((size_t)a->nr_nodes * PA_NR_ZONES + 1, sizeof(struct zoneref));
        if (!n->zonelist_fallback)
            return -ENOMEM;
        node_order(a, nid, order);
        for (int i = 0; i < a->nr_nodes; i++)
            nr += add_node_zones(&a->nodes[order[i]], n->zonelist_fallback + nr);
        n->zonelist_fallback[nr].zone = NULL;
        nr = add_node_zones(n, n->zonelist_nofallback);
        n->zonelist_nofallback[nr].zone = NULL;
    }
    return 0;
}

/* Kernel: __next_zones_zonelist(): next_zones_zonelist()'s walk. A NULL
 * zone ends the list (its zone_idx is 0, so the inline test may stop there). */
struct zoneref *__next_zones_zonelist(struct zoneref *z, int highest_zoneidx,
                                      const pa_nodemask_t *nodes)
{
    while (z->zone && (z->zone_idx > highest_zoneidx || (nodes && !nodemask_test(nodes, z->zone->nid))))
        z++;
    return z;
}
