// SPDX-License-Identifier: GPL-2.0-only
/* report.c - /proc/buddyinfo, /proc/pagetypeinfo, /proc/zoneinfo and
 * /proc/vmstat in the kernel's layouts (Kernel: mm/vmstat.c), with the
 * fields that apply to a user-space allocator. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const zone_names[PA_NR_ZONES] = { "DMA", "DMA32", "Normal", "Movable" };
static const char *const migratetype_names[PA_MIGRATE_TYPES] = {
    "Unmovable", "Movable", "Reclaimable", "HighAtomic"
};

/* snprintf semantics over many appends: writes what fits, counts it all. */
struct out {
    char *buf;
    size_t size, len;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

static size_t finish(struct out *o)
{
    if (o->size)
        o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
    return o->len;
}

static bool out_ok(pa_allocator *a, char *buf, size_t size, const char *fn)
{
    if (!a || (!buf && size)) {
        pa_log(a, PA_LOG_WARNING, "%s: NULL %s", fn, a ? "buffer" : "allocator");
        return false;
    }
    return true;
}

/* Kernel: frag_show_print() */
PA_API size_t pa_format_buddyinfo(pa_allocator *a, char *buf, size_t size)
{
    struct out o = { buf, size, 0 };
    struct pa_zone *z;
    if (!out_ok(a, buf, size, "pa_format_buddyinfo"))
        return 0;
    for_each_zone(a, z) {
        put(&o, "Node %d, zone %8s ", z->nid, zone_names[z->idx]);
        for (int order = 0; order < PA_NR_PAGE_ORDERS; order++)
            put(&o, "%6lu ", (unsigned long)__atomic_load_n(&z->free_area[order].nr_free, __ATOMIC_RELAXED));
        put(&o, "\n");
    }
    return finish(&o);
}

static bool node_has_memory(const struct pa_node *n)
{
    for (int z = 0; z < PA_NR_ZONES; z++)
        if (populated_zone(&n->zones[z]))
            return true;
    return false;
}

/* Kernel: pagetypeinfo_showfree_print(), under the zone lock. */
static void pagetypeinfo_free(struct out *o, struct pa_zone *z)
{
    os_mutex_lock(&z->lock);
    for (int mt = 0; mt < PA_MIGRATE_TYPES; mt++) {
        put(o, "Node %4d, zone %8s, type %12s ", z->nid, zone_names[z->idx], migratetype_names[mt]);
        for (int order = 0; order < PA_NR_PAGE_ORDERS; order++) {
            const struct pa_list_head *h = &z->free_area[order].free_list[mt];
            unsigned long n = 0;
            bool overflow = false;
            for (const struct pa_list_head *p = h->next; p != h; p = p->next) {
                if (++n >= 100000) {
                    overflow = true;
                    break;
                }
            }
            put(o, "%s%6lu ", overflow ? ">" : "", n);
        }
        put(o, "\n");
    }
    os_mutex_unlock(&z->lock);
}

/* Kernel: pagetypeinfo_showblockcount_print() */
static void pagetypeinfo_blocks(struct out *o, struct pa_zone *z)
{
    unsigned long count[PA_MIGRATE_TYPES] = { 0 };
    os_mutex_lock(&z->lock);
    for (uint64_t pfn = z->start_pfn; pfn < zone_end_pfn(z); pfn += PAGEBLOCK_NR_PAGES)
        count[get_pageblock_migratetype(z, pfn)]++;
    os_mutex_unlock(&z->lock);
    put(o, "Node %d, zone %8s ", z->nid, zone_names[z->idx]);
    for (int mt = 0; mt < PA_MIGRATE_TYPES; mt++)
        put(o, "%12lu ", count[mt]);
    put(o, "\n");
}

/* Kernel: pagetypeinfo_show(), once per node with memory. */
PA_API size_t pa_format_pagetypeinfo(pa_allocator *a, char *buf, size_t size)
{
    struct out o = { buf, size, 0 };
    if (!out_ok(a, buf, size, "pa_format_pagetypeinfo"))
        return 0;
    for (int nid = 0; nid < a->nr_nodes; nid++) {
        struct pa_node *n = &a->nodes[nid];
        if (!node_has_memory(n))
            continue;
        put(&o, "Page block order: %d\n", PA_PAGEBLOCK_ORDER);
        put(&o, "Pages per block:  %lu\n", PAGEBLOCK_NR_PAGES);
        put(&o, "\n");
        put(&o, "%-43s ", "Free pages count per migrate type at order");
        for (int order = 0; order < PA_NR_PAGE_ORDERS; order++)
            put(&o, "%6d ", order);
        put(&o, "\n");
        for (int z = 0; z < PA_NR_ZONES; z++)
            if (populated_zone(&n->zones[z]))
                pagetypeinfo_free(&o, &n->zones[z]);
        put(&o, "\n%-23s", "Number of blocks type ");
        for (int mt = 0; mt < PA_MIGRATE_TYPES; mt++)
            put(&o, "%12s ", migratetype_names[mt]);
        put(&o, "\n");
        for (int z = 0; z < PA_NR_ZONES; z++)
            if (populated_zone(&n->zones[z]))
                pagetypeinfo_blocks(&o, &n->zones[z]);
    }
    return finish(&o);
}

/* Kernel: calculate_normal_threshold(): the per-CPU counter delta the
 * kernel folds at for this zone, 2 * fls(cpus) * (1 + fls(managed / 128 MiB)),
 * at most 125. Our counters are exact and fold nothing; the 6.18 report
 * prints the kernel's figure so that the layout and numbers compare. */
static int calculate_normal_threshold(const struct pa_zone *z)
{
    uint64_t mem = z->managed >> (27 - z->alloc->page_shift);   /* 128 MiB units */
    int fls_cpus = 32 - __builtin_clz((unsigned)z->alloc->nr_cpus);
    int fls_mem = mem ? 64 - __builtin_clzll(mem) : 0;
    int threshold = 2 * fls_cpus * (1 + fls_mem);
    return threshold < 125 ? threshold : 125;
}

/* The pagesets of zoneinfo_show_print() in 6.7-6.18. */
static void zoneinfo_pagesets_618(struct out *o, struct pa_zone *z)
{
    for (int cpu = 0; cpu < z->alloc->nr_cpus; cpu++) {
        const struct per_cpu_pages *pcp = &z->pcp[cpu];
        put(o, "\n    cpu: %i"
               "\n              count:    %i"
               "\n              high:     %i"
               "\n              batch:    %i"
               "\n              high_min: %i"
               "\n              high_max: %i",
            cpu, __atomic_load_n(&pcp->count, __ATOMIC_RELAXED),
            __atomic_load_n(&pcp->high, __ATOMIC_RELAXED), pcp->batch, pcp->high_min, pcp->high_max);
        put(o, "\n  vm stats threshold: %d", calculate_normal_threshold(z));
    }
}

/* Kernel: zoneinfo_show_print(); every zone, populated or not. */
static void zoneinfo_zone(struct out *o, struct pa_zone *z)
{
    put(o, "Node %d, zone %8s", z->nid, zone_names[z->idx]);
    put(o, "\n  pages free     %ld"
           "\n        boost    %lu"
           "\n        min      %llu"
           "\n        low      %llu"
           "\n        high     %llu"
           "\n        promo    %llu"
           "\n        spanned  %llu"
           "\n        present  %llu"
           "\n        managed  %llu"
           "\n        cma      %lu",
        zone_free_pages(z), 0ul, (unsigned long long)z->watermark[WMARK_MIN],
        (unsigned long long)z->watermark[WMARK_LOW], (unsigned long long)z->watermark[WMARK_HIGH],
        (unsigned long long)z->watermark[WMARK_PROMO],
        (unsigned long long)z->spanned, (unsigned long long)z->present,
        (unsigned long long)z->managed, 0ul);
    put(o, "\n        protection: (%lld", (long long)z->lowmem_reserve[0]);
    for (int i = 1; i < PA_NR_ZONES; i++)
        put(o, ", %lld", (long long)z->lowmem_reserve[i]);
    put(o, ")");
    if (!populated_zone(z)) {
        put(o, "\n");
        return;
    }
    put(o, "\n      %-12s %ld", "nr_free_pages", zone_free_pages(z));
    static const struct { const char *name; int ev; } numa[] = {
        { "numa_hit", ZEV_NUMA_HIT }, { "numa_miss", ZEV_NUMA_MISS },
        { "numa_foreign", ZEV_NUMA_FOREIGN }, { "numa_interleave", -1 },
        { "numa_local", ZEV_NUMA_LOCAL }, { "numa_other", ZEV_NUMA_OTHER },
    };
    for (size_t i = 0; i < sizeof(numa) / sizeof(numa[0]); i++)
        put(o, "\n      %-12s %llu", numa[i].name,
            (unsigned long long)(numa[i].ev < 0 ? counter_read(&z->numa_interleave)
                                                : zone_event(z, (enum zone_event)numa[i].ev)));
    put(o, "\n  pagesets");
    if (z->alloc->pcp_autotune) {
        zoneinfo_pagesets_618(o, z);
        goto tail;
    }
    for (int cpu = 0; cpu < z->alloc->nr_cpus; cpu++) {
        const struct per_cpu_pages *pcp = &z->pcp[cpu];
        put(o, "\n    cpu: %i"
               "\n              count: %i"
               "\n              high:  %i"
               "\n              batch: %i",
            cpu, __atomic_load_n(&pcp->count, __ATOMIC_RELAXED), pcp->high, pcp->batch);
        /* Our counters are exact: no per-CPU threshold to fold. */
        put(o, "\n  vm stats threshold: %d", 0);
    }
tail:
    put(o, "\n  node_unreclaimable:  %u"
           "\n  start_pfn:           %llu",
        0u, (unsigned long long)z->start_pfn);
    put(o, "\n");
}

PA_API size_t pa_format_zoneinfo(pa_allocator *a, char *buf, size_t size)
{
    struct out o = { buf, size, 0 };
    if (!out_ok(a, buf, size, "pa_format_zoneinfo"))
        return 0;
    for (int nid = 0; nid < a->nr_nodes; nid++)
        for (int z = 0; z < PA_NR_ZONES; z++)
            zoneinfo_zone(&o, &a->nodes[nid].zones[z]);
    return finish(&o);
}

/* Kernel: vmstat_show(), the items that exist here, in the kernel's order. */
PA_API size_t pa_format_vmstat(pa_allocator *a, char *buf, size_t size)
{
    struct out o = { buf, size, 0 };
    if (!out_ok(a, buf, size, "pa_format_vmstat"))
        return 0;
    long free_pages = 0;
    struct pa_zone *z;
    for_each_zone(a, z)
        free_pages += zone_free_pages(z);
    put(&o, "nr_free_pages %ld\n", free_pages);
    put(&o, "numa_hit %llu\n", (unsigned long long)pa_vm_event(a, PA_NUMA_HIT));
    put(&o, "numa_miss %llu\n", (unsigned long long)pa_vm_event(a, PA_NUMA_MISS));
    put(&o, "numa_foreign %llu\n", (unsigned long long)pa_vm_event(a, PA_NUMA_FOREIGN));
    put(&o, "numa_interleave %llu\n", (unsigned long long)pa_vm_event(a, PA_NUMA_INTERLEAVE_HIT));
    put(&o, "numa_local %llu\n", (unsigned long long)pa_vm_event(a, PA_NUMA_LOCAL));
    put(&o, "numa_other %llu\n", (unsigned long long)pa_vm_event(a, PA_NUMA_OTHER));
    put(&o, "pgalloc_dma %llu\n", (unsigned long long)pa_vm_event(a, PA_PGALLOC_DMA));
    put(&o, "pgalloc_dma32 %llu\n", (unsigned long long)pa_vm_event(a, PA_PGALLOC_DMA32));
    put(&o, "pgalloc_normal %llu\n", (unsigned long long)pa_vm_event(a, PA_PGALLOC_NORMAL));
    put(&o, "pgalloc_movable %llu\n", (unsigned long long)pa_vm_event(a, PA_PGALLOC_MOVABLE));
    put(&o, "pgfree %llu\n", (unsigned long long)pa_vm_event(a, PA_PGFREE));
    /* Ours, not the kernel's (it counts nothing for free page reporting):
     * only with PA_CFG_PAGE_REPORTING, after every kernel line. */
    struct pa_page_reporting_stats r;
    if (a->reporting && pa_page_reporting_get_stats(a, &r) == 0) {
        put(&o, "page_reporting_pages %llu\n", (unsigned long long)r.pages_reported);
        put(&o, "page_reporting_blocks %llu\n", (unsigned long long)r.blocks_reported);
        put(&o, "page_reporting_passes %llu\n", (unsigned long long)r.passes);
        put(&o, "page_reporting_skipped_wmark %llu\n", (unsigned long long)r.skipped_wmark);
        put(&o, "page_reporting_failures %llu\n", (unsigned long long)r.failures);
        put(&o, "page_reporting_free_reported %llu\n", (unsigned long long)r.reported_free_pages);
    }
    return finish(&o);
}
