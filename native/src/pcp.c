/* pcp.c - per-CPU page lists: sizing, refill from and drain to the buddy
 * lists in batches (Kernel: mm/page_alloc.c, 6.1-6.6). */
#include "internal.h"
#include "trace.h"

/* Kernel: pcp_allowed_order() */
bool pcp_allowed_order(unsigned order)
{
    return order <= PA_COSTLY_ORDER || order == PA_PAGEBLOCK_ORDER;
}

/* Kernel: order_to_pindex(): one list per (order, migratetype) for the low
 * orders, two (movable or not) for the pageblock order. */
int order_to_pindex(int mt, unsigned order)
{
    if (order > PA_COSTLY_ORDER)
        return NR_LOWORDER_PCP_LISTS + (mt == PA_MIGRATE_MOVABLE);
    return MIGRATE_PCPTYPES * (int)order + mt;
}

static unsigned pindex_to_order(int pindex)
{
    return pindex >= NR_LOWORDER_PCP_LISTS ? PA_PAGEBLOCK_ORDER : (unsigned)(pindex / MIGRATE_PCPTYPES);
}

static int rounddown_pow_of_two(uint64_t x)
{
    return (int)(1ull << (63 - __builtin_clzll(x)));
}

/* Kernel: zone_batchsize(): about a quarter of a 1 MiB worth of pages per
 * 1 GiB of zone, rounded to 2^n - 1 to spread cache colouring. */
static int zone_batchsize(const struct pa_allocator *a, const struct pa_zone *z)
{
    uint64_t batch = z->managed >> 10;
    uint64_t cap = (1ull << 20) >> a->page_shift;
    if (batch > cap)
        batch = cap;
    batch /= 4;
    if (batch < 1)
        batch = 1;
    return rounddown_pow_of_two(batch + batch / 2) - 1;
}

/* Kernel: zone_highsize(): the low watermark split across the node's CPUs,
 * at least four batches. */
static int zone_highsize(const struct pa_allocator *a, const struct pa_zone *z, int batch)
{
    int nr_split_cpus = 0;
    for (int c = 0; c < a->nr_cpus; c++)
        nr_split_cpus += a->cpu_to_node[c] == z->nid;
    if (!nr_split_cpus)
        nr_split_cpus = a->nr_cpus;
    uint64_t high = z->watermark[WMARK_LOW] / (uint64_t)nr_split_cpus;
    if (high < (uint64_t)batch << 2)
        high = (uint64_t)batch << 2;
    return high > INT32_MAX / 2 ? INT32_MAX / 2 : (int)high;
}

/* Kernel: zone_pcp_update() / pageset_update() */
void setup_pcp(struct pa_allocator *a, struct pa_zone *z)
{
    /* Kernel: zone_set_pageset_high_and_batch(): max(1, zone_batchsize()). */
    int batch = a->cfg.pcp_batch ? (int)a->cfg.pcp_batch : zone_batchsize(a, z);
    if (batch < 1)
        batch = 1;
    int high = a->cfg.pcp_high ? (int)a->cfg.pcp_high : zone_highsize(a, z, batch);
    for (int c = 0; c < a->nr_cpus; c++) {
        z->pcp[c].batch = batch;
        z->pcp[c].high = high;
    }
}

/* Kernel: rmqueue_bulk(): take count blocks from the buddy lists under one
 * zone lock round. Returns how many were taken. */
static int rmqueue_bulk(struct pa_zone *z, unsigned order, int count, struct pa_list_head *list,
                        int mt, unsigned alloc_flags)
{
    int i;
    os_mutex_lock(&z->lock);
    for (i = 0; i < count; i++) {
        struct pa_page *page = rmqueue_locked(z, order, mt, alloc_flags);
        if (unlikely(!page))
            break;
        set_page_state(page, PG_PCP);
        page->order = (uint8_t)order;
        list_add_tail(&page->lru, list);
    }
    zone_mod_free_pages(z, -((long)i << order));
    os_mutex_unlock(&z->lock);
    return i;
}

/* The refill half of __rmqueue_pcplist(): a batch (scaled down for higher
 * orders) from the buddy lists onto the empty list. False if none came. */
static bool pcp_refill(struct pa_zone *z, unsigned order, int mt, unsigned alloc_flags,
                       struct per_cpu_pages *pcp, struct pa_list_head *list)
{
    int batch = pcp->batch;
    if (batch > 1) {
        batch >>= order;
        if (batch < 2)
            batch = 2;
    }
    int taken = rmqueue_bulk(z, order, batch, list, mt, alloc_flags) << order;
    __atomic_store_n(&pcp->count, pcp->count + taken, __ATOMIC_RELAXED);   /* read locklessly */
    return !list_empty(list);
}

/* Kernel: __rmqueue_pcplist(): first block of the list, refilling it from
 * the buddy lists by a batch when empty. pcp lock held. */
struct pa_page *rmqueue_pcplist_locked(struct pa_zone *z, unsigned order, int mt,
                                       unsigned alloc_flags, struct per_cpu_pages *pcp,
                                       struct pa_list_head *list)
{
    if (list_empty(list) && !pcp_refill(z, order, mt, alloc_flags, pcp, list))
        return NULL;
    struct pa_page *page = lru_to_page(list->next);
    list_del(&page->lru);
    __atomic_store_n(&pcp->count, pcp->count - (1 << order), __ATOMIC_RELAXED);
    set_page_allocated(page, order);
    return page;
}

/* set_page_allocated(page, 0) for a page off an order-0 pcp list (its
 * order is 0 already), then prep_new_page() where it does anything. */
static inline void bulk_page_allocated(struct pa_zone *z, struct pa_page *page, uint64_t allocated,
                                       bool prep, pa_gfp_t gfp)
{
    __atomic_store_n(&page->state, allocated, __ATOMIC_RELAXED);
    if (unlikely(prep))
        prep_new_page(z->alloc, page, 0, gfp);
}

/* Up to nr pages off the front of list onto the tail of out: walked once,
 * then moved still linked, with one write at each end of the run. */
static inline __attribute__((always_inline)) unsigned long
bulk_run_to_list(struct pa_zone *z, struct pa_list_head *list, unsigned long nr, uint64_t allocated,
                 bool prep, pa_gfp_t gfp, struct pa_list_head *out)
{
    struct pa_list_head *first = list->next, *last, *pos = first;
    unsigned long n = 0;
    do {
        last = pos;
        pos = pos->next;
        bulk_page_allocated(z, lru_to_page(last), allocated, prep, gfp);
    } while (++n < nr && pos != list);
    pos->prev = list;
    list->next = pos;
    first->prev = out->prev;
    out->prev->next = first;
    last->next = out;
    out->prev = last;
    return n;
}

/* Pages off the front of list dealt, self-linked, into the empty slots
 * from *slots (an empty one) up to end; *slots ends past the last slot
 * filled or at end. */
static inline __attribute__((always_inline)) unsigned long
bulk_run_to_slots(struct pa_zone *z, struct pa_list_head *list, uint64_t allocated, bool prep,
                  pa_gfp_t gfp, struct pa_page ***slots, struct pa_page **end)
{
    struct pa_list_head *pos = list->next;
    struct pa_page **s = *slots;
    unsigned long n = 0;
    do {
        struct pa_page *page = lru_to_page(pos);
        pos = pos->next;
        bulk_page_allocated(z, page, allocated, prep, gfp);
        list_init(&page->lru);
        *s++ = page;
        n++;
        while (s != end && *s)
            s++;
    } while (s != end && pos != list);
    pos->prev = list;
    list->next = pos;
    *slots = s;
    return n;
}

/* Kernel: __alloc_pages_bulk()'s loop over __rmqueue_pcplist(), as one walk
 * per run of the list: order-0 pages off its front (refilled as it
 * empties), marked allocated and prepared, and either up to nr of them
 * moved to the tail of out, or (out NULL) dealt into the empty slots from
 * *slots up to end, populated slots skipped (B3, B10); *slots ends where
 * the filling stopped. One unlink per run instead of one per page. Returns
 * how many pages were taken. pcp lock held. */
unsigned long rmqueue_pcplist_bulk(struct pa_zone *z, int mt, unsigned alloc_flags, pa_gfp_t gfp,
                                   struct per_cpu_pages *pcp, struct pa_list_head *list,
                                   unsigned long nr, struct pa_list_head *out,
                                   struct pa_page ***slots, struct pa_page **end)
{
    bool prep = prep_needed(z->alloc, gfp);
    uint64_t allocated = page_state_word(zone_page_flags(z, PG_ALLOC), 1);
    unsigned long taken = 0;
    for (;;) {
        if (out ? taken == nr : *slots == end)
            break;
        if (list_empty(list) && !pcp_refill(z, 0, mt, alloc_flags, pcp, list))
            break;
        /* prep as a constant in each call: the common walk tests nothing. */
        unsigned long n;
        if (out)
            n = prep ? bulk_run_to_list(z, list, nr - taken, allocated, true, gfp, out)
                     : bulk_run_to_list(z, list, nr - taken, allocated, false, gfp, out);
        else
            n = prep ? bulk_run_to_slots(z, list, allocated, true, gfp, slots, end)
                     : bulk_run_to_slots(z, list, allocated, false, gfp, slots, end);
        __atomic_store_n(&pcp->count, pcp->count - (int)n, __ATOMIC_RELAXED);
        taken += n;
    }
    return taken;
}

/* Kernel: free_pcppages_bulk(): return count pages to the buddy lists,
 * round-robin over the lists, starting with pindex. pcp lock held. */
static void free_pcppages_bulk(struct pa_zone *z, int count, struct per_cpu_pages *pcp, int pindex)
{
    int min_pindex = 0, max_pindex = NR_PCP_LISTS - 1;
    if (count > pcp->count)
        count = pcp->count;
    pindex--;
    os_mutex_lock(&z->lock);
    while (count > 0) {
        struct pa_list_head *list;
        for (;;) {
            if (++pindex > max_pindex)
                pindex = min_pindex;
            list = &pcp->lists[pindex];
            if (!list_empty(list))
                break;
            if (pindex == max_pindex)
                max_pindex--;
            if (pindex == min_pindex)
                min_pindex++;
        }
        unsigned order = pindex_to_order(pindex);
        int nr = 1 << order;
        do {
            struct pa_page *page = lru_to_page(list->prev);
            list_del(&page->lru);
            count -= nr;
            __atomic_store_n(&pcp->count, pcp->count - nr, __ATOMIC_RELAXED);
            set_page_state(page, 0);
            free_one_page_locked(z, page, page_to_pfn(z->alloc, page), order, page->pcp_mt, false);
            trace_mm_page_pcpu_drain(z, page, order, page->pcp_mt);
        } while (count > 0 && !list_empty(list));
    }
    os_mutex_unlock(&z->lock);
}

/* Kernel: nr_pcp_free(): free more each time frees follow frees without an
 * allocation between them, but leave at least a batch. */
static int nr_pcp_free(struct per_cpu_pages *pcp, int high, int batch, bool free_high)
{
    if (unlikely(free_high))
        return pcp->count;
    if (unlikely(high < batch))
        return 1;
    int min_nr_free = batch, max_nr_free = high - batch;
    batch <<= pcp->free_factor;
    if (batch < max_nr_free && pcp->free_factor < 16)
        pcp->free_factor++;
    return batch < min_nr_free ? min_nr_free : batch > max_nr_free ? max_nr_free : batch;
}

/* The tail of free_unref_page_commit(): drain a batch once the lists reach
 * high. High-order pages freed in a burst fragment; they are flushed
 * eagerly. pcp lock held. */
void pcp_trim(struct pa_zone *z, struct per_cpu_pages *pcp, int pindex, unsigned order)
{
    bool free_high = pcp->free_factor && order && order <= PA_COSTLY_ORDER;
    int high = free_high ? 0 : pcp->high;
    if (pcp->count >= high)
        free_pcppages_bulk(z, nr_pcp_free(pcp, high, pcp->batch, free_high), pcp, pindex);
}

/* Kernel: free_unref_page_commit(): queue the block on the pcp list and
 * drain a batch when the list reaches high. pcp lock held. */
void free_unref_page_commit(struct pa_zone *z, struct per_cpu_pages *pcp,
                            struct pa_page *page, int mt, unsigned order)
{
    int pindex = order_to_pindex(mt, order);
    clear_page_allocated(page, order);
    set_page_state(page, PG_PCP);
    page->order = (uint8_t)order;
    list_add(&page->lru, &pcp->lists[pindex]);
    __atomic_store_n(&pcp->count, pcp->count + (1 << order), __ATOMIC_RELAXED);
    counter_add(&pcp->events[ZEV_PGFREE], 1ull << order);
    pcp_trim(z, pcp, pindex, order);
}

/* Kernel: free_one_page(): straight to the buddy lists under the zone lock. */
void free_one_page(struct pa_zone *z, struct pa_page *page, unsigned order, int mt)
{
    os_mutex_lock(&z->lock);
    clear_page_allocated(page, order);
    set_page_state(page, 0);
    free_one_page_locked(z, page, page_to_pfn(z->alloc, page), order, mt, false);
    counter_add(&z->events[ZEV_PGFREE], 1ull << order);
    os_mutex_unlock(&z->lock);
}

/* Kernel: drain_pages_zone() */
void drain_zone_pages_cpu(struct pa_zone *z, int cpu)
{
    struct per_cpu_pages *pcp = &z->pcp[cpu];
    spin_lock(&pcp->lock);
    if (pcp->count)
        free_pcppages_bulk(z, pcp->count, pcp, 0);
    spin_unlock(&pcp->lock);
}

PA_API void pa_drain_local_pages(pa_allocator *a)
{
    if (!a) {
        pa_log(NULL, PA_LOG_WARNING, "pa_drain_local_pages: NULL allocator");
        return;
    }
    int cpu = current_cpu(a, thread_state(a, false));
    struct pa_zone *z;
    for_each_zone(a, z)
        drain_zone_pages_cpu(z, cpu);
}

/* Kernel: drain_all_pages(NULL) */
PA_API void pa_drain_all_pages(pa_allocator *a)
{
    if (!a) {
        pa_log(NULL, PA_LOG_WARNING, "pa_drain_all_pages: NULL allocator");
        return;
    }
    struct pa_zone *z;
    for_each_zone(a, z)
        for (int c = 0; c < a->nr_cpus; c++)
            drain_zone_pages_cpu(z, c);
}
