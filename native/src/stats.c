// SPDX-License-Identifier: GPL-2.0-only
/* stats.c - zone and pcp information and event counters (Kernel:
 * zone_page_state, vm_events, per_cpu_zonestats). */
#include "internal.h"

#include <string.h>

/* Looks up (nid, zone) for the public queries; NULL after logging. */
static struct pa_zone *lookup_zone(pa_allocator *a, int nid, enum pa_zone_type zone, int *err,
                                   const char *fn)
{
    if (!a || nid < 0 || nid >= a->nr_nodes || (unsigned)zone >= PA_NR_ZONES) {
        *err = pa_einval(a, "%s: node %d / zone %d out of range", fn, nid, (int)zone);
        return NULL;
    }
    struct pa_zone *z = &a->nodes[nid].zones[zone];
    if (!populated_zone(z)) {
        *err = -ENOENT;
        return NULL;
    }
    return z;
}

uint64_t zone_pcp_pages(const struct pa_zone *z)
{
    uint64_t n = 0;
    for (int c = 0; c < z->alloc->nr_cpus; c++)
        n += (uint64_t)__atomic_load_n(&z->pcp[c].count, __ATOMIC_RELAXED);
    return n;
}

uint64_t zone_event(const struct pa_zone *z, enum zone_event ev)
{
    uint64_t n = counter_read(&z->events[ev]);
    if (ev == ZEV_NUMA_FOREIGN)
        n += counter_read(&z->numa_foreign);
    for (int c = 0; c < z->alloc->nr_cpus; c++)
        n += counter_read(&z->pcp[c].events[ev]);
    return n;
}

PA_API int pa_zone_info(pa_allocator *a, int nid, enum pa_zone_type zone, struct pa_zone_info *out)
{
    int err = 0;
    if (!out)
        return pa_einval(a, "pa_zone_info: NULL out");
    struct pa_zone *z = lookup_zone(a, nid, zone, &err, "pa_zone_info");
    if (!z)
        return err;
    memset(out, 0, sizeof(*out));
    out->managed = z->managed;
    out->present = z->present;
    out->spanned = z->spanned;
    out->free = (uint64_t)zone_free_pages(z);
    out->wmark_min = z->watermark[WMARK_MIN];
    out->wmark_low = z->watermark[WMARK_LOW];
    out->wmark_high = z->watermark[WMARK_HIGH];
    out->wmark_promo = z->watermark[WMARK_PROMO];
    memcpy(out->lowmem_reserve, z->lowmem_reserve, sizeof(out->lowmem_reserve));
    out->start_pfn = z->start_pfn;
    out->pcp_pages = zone_pcp_pages(z);
    out->nr_reserved_highatomic = z->nr_reserved_highatomic;
    return 0;
}

PA_API int pa_pcp_info(pa_allocator *a, int cpu, int nid, enum pa_zone_type zone,
                       struct pa_pcp_info *out)
{
    int err = 0;
    if (!out)
        return pa_einval(a, "pa_pcp_info: NULL out");
    if (a && (cpu < 0 || cpu >= a->nr_cpus))
        return pa_einval(a, "pa_pcp_info: cpu %d out of range", cpu);
    struct pa_zone *z = lookup_zone(a, nid, zone, &err, "pa_pcp_info");
    if (!z)
        return err;
    struct per_cpu_pages *pcp = &z->pcp[cpu];
    out->count = (uint32_t)__atomic_load_n(&pcp->count, __ATOMIC_RELAXED);
    out->high = (uint32_t)__atomic_load_n(&pcp->high, __ATOMIC_RELAXED);
    out->batch = (uint32_t)pcp->batch;
    out->high_min = (uint32_t)pcp->high_min;
    out->high_max = (uint32_t)pcp->high_max;
    return 0;
}

/* pcp->high is written under the pcp lock and read without it (reports). */
PA_API int pa_set_pcp_high(pa_allocator *a, int cpu, int nid, enum pa_zone_type zone,
                           uint32_t high)
{
    int err = 0;
    if (a && (cpu < 0 || cpu >= a->nr_cpus))
        return pa_einval(a, "pa_set_pcp_high: cpu %d out of range", cpu);
    struct pa_zone *z = lookup_zone(a, nid, zone, &err, "pa_set_pcp_high");
    if (!z)
        return err;
    if (!a->pcp_autotune)
        return pa_einval(a, "pa_set_pcp_high: high is fixed without PA_CFG_PCP_AUTOTUNE");
    struct per_cpu_pages *pcp = &z->pcp[cpu];
    int value = high > (uint32_t)pcp->high_max ? pcp->high_max : (int)high;
    if (value < pcp->high_min)
        value = pcp->high_min;
    spin_lock(&pcp->lock);
    __atomic_store_n(&pcp->high, value, __ATOMIC_RELAXED);
    spin_unlock(&pcp->lock);
    return 0;
}

PA_API int pa_zone_pcp_disable(pa_allocator *a, int nid, enum pa_zone_type zone)
{
    int err = 0;
    struct pa_zone *z = lookup_zone(a, nid, zone, &err, "pa_zone_pcp_disable");
    if (!z)
        return err;
    zone_pcp_disable(z);
    return 0;
}

PA_API int pa_zone_pcp_enable(pa_allocator *a, int nid, enum pa_zone_type zone)
{
    int err = 0;
    struct pa_zone *z = lookup_zone(a, nid, zone, &err, "pa_zone_pcp_enable");
    if (!z)
        return err;
    if (zone_pcp_enable(z))
        return pa_einval(a, "pa_zone_pcp_enable: the zone's pcp lists are not disabled");
    return 0;
}

PA_API int pa_adjust_managed_pages(pa_allocator *a, int nid, enum pa_zone_type zone, int64_t delta)
{
    int err = 0;
    struct pa_zone *z = lookup_zone(a, nid, zone, &err, "pa_adjust_managed_pages");
    return z ? zone_adjust_managed_pages(z, delta) : err;
}

PA_API uint64_t pa_vm_event(pa_allocator *a, enum pa_vm_event_item item)
{
    if (!a || (unsigned)item >= PA_NR_VM_EVENT_ITEMS) {
        pa_log(a, PA_LOG_WARNING, "pa_vm_event: bad item %d", (int)item);
        return 0;
    }
    if (item == PA_ALLOCSTALL)
        return counter_read(&a->allocstall);
    if (item == PA_PGFAIL)
        return counter_read(&a->pgfail);
    uint64_t sum = 0;
    struct pa_zone *z;
    for_each_zone(a, z) {
        if (item == PA_NUMA_INTERLEAVE_HIT) {
            sum += counter_read(&z->numa_interleave);
        } else if (item <= PA_PGALLOC_MOVABLE) {
            if (z->idx == (int)item)
                sum += zone_event(z, ZEV_PGALLOC);
        } else {
            sum += zone_event(z, (enum zone_event)(ZEV_PGFREE + (item - PA_PGFREE)));
        }
    }
    return sum;
}
