// SPDX-License-Identifier: GPL-2.0-only
/* bulk.c - the bulk allocator (Kernel: __alloc_pages_bulk, Mel Gorman,
 * Linux 5.13, with the fixes through 6.13). Rules B1-B19 of docs/BULK_RULES.md; the
 * mempolicy form (B20-B23) is in mempolicy.c. */
#include "internal.h"

/* Empty slots of the array from index on. */
static unsigned long empty_slots(struct pa_page *const *page_array, unsigned long index,
                                 unsigned long nr_pages)
{
    unsigned long empty = 0;
    for (unsigned long i = index; i < nr_pages; i++)
        empty += page_array[i] == NULL;
    return empty;
}

/* B4: what the call returns. For a list, the pages it added (index); for
 * an array, every populated slot, with none empty before index (the kernel
 * returns only the index reached, which undercounts when pre-populated
 * slots follow a short fill). */
static unsigned long bulk_result(unsigned long index, unsigned long nr_pages,
                                 struct pa_page **page_array)
{
    return page_array ? nr_pages - empty_slots(page_array, index, nr_pages) : index;
}

/* B14: the single-page path; its page goes on the list or into the first
 * NULL slot, index. */
static unsigned long bulk_fallback(struct pa_allocator *a, pa_gfp_t gfp, int preferred_nid,
                                   const pa_nodemask_t *nodemask, unsigned long nr_pages,
                                   unsigned long index, struct pa_list_head *page_list,
                                   struct pa_page **page_array)
{
    struct pa_page *page = alloc_pages_nodemask(a, gfp, 0, preferred_nid, nodemask);
    if (page) {
        if (page_list)
            list_add_tail(&page->lru, page_list);
        else
            page_array[index] = page;
        index++;
    }
    return bulk_result(index, nr_pages, page_array);
}

/* B19: arguments refused, yet an array's populated slots are still
 * counted. Cold and out of line: the hot function stays small enough for
 * the compiler to inline its pcp walk. */
__attribute__((cold, noinline))
static unsigned long bulk_refused(struct pa_allocator *a, pa_gfp_t gfp, int preferred_nid,
                                  unsigned long nr_pages, struct pa_page **page_array)
{
    pa_log(a, PA_LOG_WARNING, "pa_alloc_pages_bulk: invalid gfp %#x or node %d", gfp, preferred_nid);
    return page_array ? nr_pages - empty_slots(page_array, 0, nr_pages) : 0;
}

/* B6: is exactly one slot of the array empty, the one at first_null? The
 * scan stops at the second empty slot. */
static bool one_slot_missing(struct pa_page **page_array, unsigned long first_null,
                             unsigned long nr_pages)
{
    for (unsigned long i = first_null + 1; i < nr_pages; i++)
        if (!page_array[i])
            return false;
    return true;
}

/* B8, B9: the first allowed zone of the preferred node that holds the low
 * watermark plus the whole request; NULL sends the caller to B14. */
static struct pa_zone *bulk_zone(struct pa_allocator *a, const struct alloc_context *ac,
                                 unsigned alloc_flags, unsigned long nr_pages)
{
    struct pa_zone *preferred = ac->preferred_zoneref->zone;
    /* Keep the margin arithmetic in range for absurd nr_pages. */
    uint64_t extra = nr_pages > (1ull << 48) ? (1ull << 48) : nr_pages;
    for (struct zoneref *zr = ac->preferred_zoneref; zr->zone;
         zr = next_zones_zonelist(zr + 1, ac->highest_zoneidx, ac->nodemask)) {
        struct pa_zone *z = zr->zone;
        if ((alloc_flags & ALLOC_CPUSET) && !cpuset_zone_allowed(ac, z))
            continue;
        if (a->numa && z != preferred && z->nid != preferred->nid)
            return NULL;
        uint64_t mark = z->watermark[alloc_flags & ALLOC_WMARK_MASK] + extra;
        if (zone_watermark_fast(z, 0, mark, ac->preferred_zoneref->zone_idx, alloc_flags))
            return z;
    }
    return NULL;
}

/* Kernel: __alloc_pages_bulk() */
PA_API unsigned long pa_alloc_pages_bulk(pa_allocator *a, pa_gfp_t gfp, int preferred_nid,
                                         const pa_nodemask_t *nodemask, unsigned long nr_pages,
                                         struct pa_list_head *page_list,
                                         struct pa_page **page_array)
{
    unsigned long nr_populated = 0, nr_account;
    struct alloc_context ac;

    /* B1 */
    if (!a || !page_list == !page_array) {
        pa_log(a, PA_LOG_WARNING, "pa_alloc_pages_bulk: %s", !a ? "NULL allocator"
               : "exactly one of page_list and page_array must be given");
        return 0;
    }
    if (!gfp_valid(a, gfp) || (preferred_nid != PA_NUMA_NO_NODE &&
                               (preferred_nid < 0 || preferred_nid >= a->nr_nodes))) {
        return bulk_refused(a, gfp, preferred_nid, nr_pages, page_array);
    }
    /* B3: skip the populated prefix before doing any work. */
    while (page_array && nr_populated < nr_pages && page_array[nr_populated])
        nr_populated++;
    /* B5, B4 */
    if (unlikely(nr_pages == 0))
        return 0;
    if (unlikely(page_array && nr_pages == nr_populated))
        return nr_populated;
    /* B6 */
    if (page_array ? one_slot_missing(page_array, nr_populated, nr_pages) : nr_pages == 1)
        goto failed;

    /* B2, B7: one context and one fault-injection roll for the call. */
    if (!prepare_alloc_context(a, gfp, preferred_nid, nodemask, &ac))
        goto failed;
    if (should_fail_alloc_page(a, gfp, 0))
        return bulk_result(nr_populated, nr_pages, page_array);

    unsigned alloc_flags = ALLOC_WMARK_LOW | ALLOC_CPUSET;
    struct pa_zone *z = bulk_zone(a, &ac, alloc_flags, nr_pages);
    if (unlikely(!z))
        goto failed;

    /* B11 */
    struct per_cpu_pages *pcp = &z->pcp[ac.cpu];
    if (!spin_trylock(&pcp->lock))
        goto failed;
    /* B10 */
    struct pa_page **slot = page_array ? page_array + nr_populated : NULL;
    nr_account = rmqueue_pcplist_bulk(z, ac.migratetype, alloc_flags, gfp, pcp,
                                      &pcp->lists[order_to_pindex(ac.migratetype, 0)], nr_pages,
                                      page_list, &slot, page_array ? page_array + nr_pages : NULL);
    /* B12: try for at least one page; after that a short count. */
    if (unlikely(!nr_account)) {
        spin_unlock(&pcp->lock);
        goto failed;
    }
    /* B13: once per call. The pcp's counters are single-writer under its
     * lock (user space has no preemption-disabled per-CPU section), so the
     * batched update is made just before the unlock. */
    counter_add(&pcp->events[ZEV_PGALLOC], nr_account);
    zone_statistics(ac.preferred_zoneref->zone, z, pcp->events, ac.local_nid, nr_account);
    spin_unlock(&pcp->lock);

    return page_list ? nr_account : bulk_result((unsigned long)(slot - page_array), nr_pages, page_array);

failed:
    return bulk_fallback(a, gfp, preferred_nid, nodemask, nr_pages, nr_populated, page_list, page_array);
}

/* B15 */
PA_API unsigned long pa_alloc_pages_bulk_list(pa_allocator *a, pa_gfp_t gfp, unsigned long nr_pages,
                                              struct pa_list_head *list)
{
    if (!list) {
        pa_log(a, PA_LOG_WARNING, "pa_alloc_pages_bulk_list: NULL list");
        return 0;
    }
    return pa_alloc_pages_bulk(a, gfp, PA_NUMA_NO_NODE, NULL, nr_pages, list, NULL);
}

PA_API unsigned long pa_alloc_pages_bulk_array(pa_allocator *a, pa_gfp_t gfp, unsigned long nr_pages,
                                               struct pa_page **array)
{
    if (!array) {
        pa_log(a, PA_LOG_WARNING, "pa_alloc_pages_bulk_array: NULL array");
        return 0;
    }
    return pa_alloc_pages_bulk(a, gfp, PA_NUMA_NO_NODE, NULL, nr_pages, NULL, array);
}

/* B18: 6.14's alloc_pages_bulk_node() */
PA_API unsigned long pa_alloc_pages_bulk_node(pa_allocator *a, pa_gfp_t gfp, int nid,
                                              unsigned long nr_pages, struct pa_page **array)
{
    if (!array) {
        pa_log(a, PA_LOG_WARNING, "pa_alloc_pages_bulk_node: NULL array");
        return 0;
    }
    return pa_alloc_pages_bulk(a, gfp, nid, NULL, nr_pages, NULL, array);
}

/* B17: loop while calls make progress (sunrpc svc_alloc_arg, btrfs). */
PA_API unsigned long pa_alloc_pages_bulk_fill(pa_allocator *a, pa_gfp_t gfp, int preferred_nid,
                                              const pa_nodemask_t *nodemask, unsigned long nr_pages,
                                              struct pa_page **page_array)
{
    if (!page_array) {
        pa_log(a, PA_LOG_WARNING, "pa_alloc_pages_bulk_fill: NULL array");
        return 0;
    }
    unsigned long filled = 0, last = 0;
    for (;;) {
        filled = pa_alloc_pages_bulk(a, gfp, preferred_nid, nodemask, nr_pages, NULL, page_array);
        if (filled >= nr_pages || filled == last)
            return filled;
        last = filled;
    }
}
