// SPDX-License-Identifier: GPL-2.0-only
/* pcp.c - per-CPU page lists: sizing, refill from and drain to the buddy
 * lists in batches (Kernel: mm/page_alloc.c, 6.1-6.6), and with
 * PA_CFG_PCP_AUTOTUNE the tuning of 6.7-6.18: high moving between high_min
 * and high_max, refills scaled by alloc_factor, frees by free_count, high
 * decayed on the vmstat tick. The default model's paths test the flag once
 * per refill or per single free, never per page of a bulk call. */
#include "internal.h"
#include "trace.h"

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

/* Kernel: zone_highsize(): the low watermark (or, with a fraction, managed
 * pages / fraction) split across the node's CPUs, at least four batches. */
static int zone_highsize(const struct pa_allocator *a, const struct pa_zone *z, int batch,
                         unsigned high_fraction)
{
    int nr_split_cpus = 0;
    for (int c = 0; c < a->nr_cpus; c++)
        nr_split_cpus += a->cpu_to_node[c] == z->nid;
    if (!nr_split_cpus)
        nr_split_cpus = a->nr_cpus;
    uint64_t total = high_fraction ? z->managed / high_fraction : z->watermark[WMARK_LOW];
    uint64_t high = total / (uint64_t)nr_split_cpus;
    if (high < (uint64_t)batch << 2)
        high = (uint64_t)batch << 2;
    return high > INT32_MAX / 2 ? INT32_MAX / 2 : (int)high;
}

/* Kernel: zone_pcp_update_cacheinfo(): a CPU whose cache slice holds more
 * than three batches keeps a batch of high-order frees before draining. */
static bool pcp_free_high_batch(const struct pa_allocator *a, int batch)
{
    return (os_cpu_data_slice_size() >> a->page_shift) > 3 * (uint64_t)batch;
}

/* Kernel: zone_set_pageset_high_and_batch() / pageset_update(). 6.1-6.6: high
 * is fixed at zone_highsize(). 6.7+: high_min is that, high_max the same
 * with a fraction of 8 (a fraction or a fixed pcp_high pins both), and
 * high itself starts at 0 until the list is first used (per_cpu_pages_init). */
/* Kernel: zone_set_pageset_high_and_batch()'s numbers: batch (at least 1),
 * high_min and high_max of the zone's pcps. */
static void pageset_bounds(const struct pa_allocator *a, const struct pa_zone *z, int *batch_out,
                           int *high_min, int *high_max)
{
    int batch = a->cfg.pcp_batch ? (int)a->cfg.pcp_batch : zone_batchsize(a, z);
    if (batch < 1)
        batch = 1;
    unsigned fraction = a->cfg.percpu_pagelist_high_fraction;
    if (a->cfg.pcp_high) {
        *high_min = *high_max = (int)a->cfg.pcp_high;
    } else {
        *high_min = zone_highsize(a, z, batch, fraction);
        *high_max = fraction || !a->pcp_autotune
                        ? *high_min : zone_highsize(a, z, batch, MIN_PERCPU_PAGELIST_HIGH_FRACTION);
    }
    *batch_out = batch;
}

void setup_pcp(struct pa_allocator *a, struct pa_zone *z)
{
    int batch, high_min, high_max;
    pageset_bounds(a, z, &batch, &high_min, &high_max);
    uint8_t flags = a->pcp_autotune && pcp_free_high_batch(a, batch) ? PCPF_FREE_HIGH_BATCH : 0;
    for (int c = 0; c < a->nr_cpus; c++) {
        struct per_cpu_pages *pcp = &z->pcp[c];
        pcp->batch = batch;
        pcp->high_min = high_min;
        pcp->high_max = high_max;
        pcp->high = a->pcp_autotune ? 0 : high_min;
        pcp->flags = flags;
    }
}

/* Kernel: __zone_set_pageset_high_and_batch(): batch, high_min and high_max
 * of every CPU's pcp of the zone; high itself is left to be clamped into
 * the new bounds at the list's next use. */
static void zone_set_pageset(struct pa_zone *z, int high_min, int high_max, int batch)
{
    for (int c = 0; c < z->alloc->nr_cpus; c++) {
        struct per_cpu_pages *pcp = &z->pcp[c];
        spin_lock(&pcp->lock);
        pcp->batch = batch;
        pcp->high_min = high_min;
        pcp->high_max = high_max;
        if (!z->alloc->pcp_autotune || high_max == 0)
            __atomic_store_n(&pcp->high, high_min, __ATOMIC_RELAXED);
        spin_unlock(&pcp->lock);
    }
}

/* Kernel: zone_pcp_update(): batch, high_min and high_max of every CPU's pcp
 * of the zone as the zone's managed pages and low watermark now make them;
 * high is clamped into the new bounds at each list's next use. A disabled
 * zone keeps high 0 and batch 1 until its last zone_pcp_enable(). */
static void zone_pcp_update(struct pa_zone *z)
{
    if (__atomic_load_n(&z->pcp_disabled, __ATOMIC_ACQUIRE))
        return;
    int batch, high_min, high_max;
    pageset_bounds(z->alloc, z, &batch, &high_min, &high_max);
    zone_set_pageset(z, high_min, high_max, batch);
}

/* Kernel: zone_pcp_disable(): high 0 and batch 1 on every CPU, then every
 * CPU's lists of the zone drained. Until zone_pcp_enable() an allocation
 * refills one block (nr_pcp_alloc() returns 1 before alloc_factor moves)
 * and a free goes back at once (each one still halves alloc_factor). Nests:
 * only the first disable and the last enable change anything; the caller
 * keeps a disable and an enable of one zone from racing. */
void zone_pcp_disable(struct pa_zone *z)
{
    if (__atomic_fetch_add(&z->pcp_disabled, 1, __ATOMIC_ACQ_REL))
        return;
    zone_set_pageset(z, 0, 0, 1);
    for (int c = 0; c < z->alloc->nr_cpus; c++)
        drain_zone_pages_cpu(z, c);
}

/* Kernel: zone_pcp_enable(): batch, high_min and high_max as setup_pcp()
 * made them; high stays 0 until each list's next use clamps it to high_min
 * (with PA_CFG_PCP_AUTOTUNE). -EINVAL when the zone is not disabled. */
int zone_pcp_enable(struct pa_zone *z)
{
    int was = __atomic_load_n(&z->pcp_disabled, __ATOMIC_ACQUIRE);
    do {
        if (!was)
            return -EINVAL;
    } while (!__atomic_compare_exchange_n(&z->pcp_disabled, &was, was - 1, false, __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE));
    if (was == 1)
        zone_pcp_update(z);
    return 0;
}

/* pcp->high moves at run time with PA_CFG_PCP_AUTOTUNE: written under the
 * pcp lock, read without it by the reports. */
static inline void set_high(struct per_cpu_pages *pcp, int high)
{
    __atomic_store_n(&pcp->high, high, __ATOMIC_RELAXED);
}

static int clamp_int(int x, int lo, int hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* Kernel: nr_pcp_alloc() (6.7+): how many blocks a refill takes. Each
 * order-0 refill that finds room doubles the next one (alloc_factor, up to
 * 2^PCP_BATCH_SCALE_MAX batches); a free halves it again. Unless the zone
 * is below its high watermark, high grows by what is taken. */
static int nr_pcp_alloc(struct per_cpu_pages *pcp, const struct pa_zone *z, unsigned order)
{
    int base_batch = pcp->batch;
    int high = clamp_int(pcp->high, pcp->high_min, pcp->high_max);
    set_high(pcp, high);
    if (unlikely(high < base_batch))
        return 1;
    int batch = order ? base_batch : base_batch << pcp->alloc_factor;
    if (pcp->high_min != pcp->high_max && !atomic_load_explicit(&z->below_high, memory_order_relaxed)) {
        high = high + batch < pcp->high_max ? high + batch : pcp->high_max;
        set_high(pcp, high);
    }
    if (!order) {
        int max_nr_alloc = high - pcp->count - base_batch;
        if (max_nr_alloc < base_batch)
            max_nr_alloc = base_batch;
        if (batch <= max_nr_alloc && pcp->alloc_factor < PCP_BATCH_SCALE_MAX)
            pcp->alloc_factor++;
        if (batch > max_nr_alloc)
            batch = max_nr_alloc;
    }
    if (batch > 1) {
        batch >>= order;
        if (batch < 2)
            batch = 2;
    }
    return batch;
}

/* The get_page_from_freelist() half of ZONE_BELOW_HIGH (6.7+): a zone found
 * below its high watermark stops growing its pcp lists and shrinks them on
 * frees until a free brings it back above. */
void zone_note_below_high(struct pa_zone *z, unsigned order, int highest_zoneidx,
                          unsigned alloc_flags)
{
    if (!atomic_load_explicit(&z->below_high, memory_order_relaxed) &&
        !zone_watermark_fast(z, order, z->watermark[WMARK_HIGH], highest_zoneidx, alloc_flags))
        atomic_store_explicit(&z->below_high, true, memory_order_relaxed);
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
bool pcp_refill(struct pa_zone *z, unsigned order, int mt, unsigned alloc_flags,
                struct per_cpu_pages *pcp, struct pa_list_head *list)
{
    int batch = pcp->batch;
    if (unlikely(z->alloc->pcp_autotune))
        batch = nr_pcp_alloc(pcp, z, order);
    else if (batch > 1) {
        batch >>= order;
        if (batch < 2)
            batch = 2;
    }
    int taken = rmqueue_bulk(z, order, batch, list, mt, alloc_flags) << order;
    __atomic_store_n(&pcp->count, pcp->count + taken, __ATOMIC_RELAXED);   /* read locklessly */
    return !list_empty(list);
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

/* One page dealt into the empty slot **s, then *s on to the next empty
 * slot; false when that is end. Each end tested once per page. */
static inline __attribute__((always_inline)) bool
bulk_deal(struct pa_zone *z, struct pa_list_head *lru, uint64_t allocated, bool prep, pa_gfp_t gfp,
          struct pa_page ***s, struct pa_page **end, unsigned long *skipped)
{
    struct pa_page *page = lru_to_page(lru);
    bulk_page_allocated(z, page, allocated, prep, gfp);
    list_init(&page->lru);
    **s = page;
    for (;;) {
        if (++*s == end)
            return false;
        if (likely(!**s))
            return true;
        (*skipped)++;
    }
}

/* Pages off the front of list dealt, self-linked, into the empty slots
 * from *slots (an empty one) up to end; *slots ends past the last slot
 * filled or at end. The pages taken are the slots passed less the
 * populated ones skipped, so the walk keeps no count of its own. Two pages
 * a turn: the second's pointer is loaded fresh, not copied from the
 * first's, which saves a register move a page. */
static inline __attribute__((always_inline)) unsigned long
bulk_run_to_slots(struct pa_zone *z, struct pa_list_head *list, uint64_t allocated, bool prep,
                  pa_gfp_t gfp, struct pa_page ***slots, struct pa_page **end)
{
    struct pa_list_head *pos = list->next;
    struct pa_page **start = *slots;
    unsigned long skipped = 0;
    for (;;) {
        struct pa_list_head *second = pos->next;   /* read before the deal relinks pos */
        if (!bulk_deal(z, pos, allocated, prep, gfp, slots, end, &skipped) || second == list) {
            pos = second;
            break;
        }
        pos = second->next;
        if (!bulk_deal(z, second, allocated, prep, gfp, slots, end, &skipped) || pos == list)
            break;
    }
    pos->prev = list;
    list->next = pos;
    return (unsigned long)(*slots - start) - skipped;
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
    uint64_t allocated = z->allocated_word;
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

/* Kernel: nr_pcp_high() (6.7+): the count the list drains at, moving
 * pcp->high on the way: clamped into [high_min, high_max]; lowered after a
 * burst of high-order frees and while the zone is below its high
 * watermark; raised, when the list is full, to hold the run of frees so far
 * plus a batch. (ZONE_RECLAIM_ACTIVE needs kswapd: not modelled.) */
static int nr_pcp_high(struct per_cpu_pages *pcp, const struct pa_zone *z, int batch, bool free_high)
{
    int high_min = pcp->high_min, high_max = pcp->high_max;
    int high = clamp_int(pcp->high, high_min, high_max);
    set_high(pcp, high);
    if (unlikely(!high))
        return 0;
    if (unlikely(free_high)) {
        int lower = high - (batch << PCP_BATCH_SCALE_MAX);
        set_high(pcp, lower > high_min ? lower : high_min);
        return 0;
    }
    if (high_min == high_max)
        return high;
    if (atomic_load_explicit(&z->below_high, memory_order_relaxed)) {
        int free_count = pcp->free_count > batch ? pcp->free_count : batch;
        set_high(pcp, high - free_count > high_min ? high - free_count : high_min);
        high = pcp->count > high_min ? pcp->count : high_min;
    } else if (pcp->count >= high) {
        int need_high = pcp->free_count + batch;
        if (pcp->high < need_high)
            set_high(pcp, clamp_int(need_high, high_min, high_max));
    }
    return high;
}

/* Kernel: nr_pcp_free() (6.7+): as many pages as the run of frees since the
 * last allocation, leaving at least a batch; a high-order burst up to 32
 * batches. */
static int nr_pcp_free_tuned(const struct per_cpu_pages *pcp, int batch, int high, bool free_high)
{
    if (unlikely(free_high))
        return pcp->count < batch << PCP_BATCH_SCALE_MAX ? pcp->count : batch << PCP_BATCH_SCALE_MAX;
    if (unlikely(high < batch))
        return 1;
    return clamp_int(pcp->free_count, batch, high - batch);
}

/* Kernel: free_unref_page_commit() / free_frozen_page_commit() of 6.7-6.18,
 * after the block is on its list: a free halves alloc_factor and counts in
 * free_count; consecutive order 1..3 frees (PCPF_PREV_FREE_HIGH_ORDER) past
 * batch + high_min / 2 flush eagerly (a CPU with PCPF_FREE_HIGH_BATCH keeps
 * a batch); at high, nr_pcp_free() pages go back. pcp lock held. */
void free_commit_tuned(struct pa_zone *z, struct per_cpu_pages *pcp, int pindex, unsigned order)
{
    int batch = pcp->batch;
    bool free_high = false;
    pcp->alloc_factor >>= 1;
    if (order && order <= PA_COSTLY_ORDER) {
        free_high = pcp->free_count >= batch + pcp->high_min / 2 &&
                    (pcp->flags & PCPF_PREV_FREE_HIGH_ORDER) &&
                    (!(pcp->flags & PCPF_FREE_HIGH_BATCH) || pcp->count >= batch);
        pcp->flags |= PCPF_PREV_FREE_HIGH_ORDER;
    } else {
        pcp->flags &= (uint8_t)~PCPF_PREV_FREE_HIGH_ORDER;
    }
    if (pcp->free_count < batch << PCP_BATCH_SCALE_MAX)
        pcp->free_count += 1 << order;
    int high = nr_pcp_high(pcp, z, batch, free_high);
    if (pcp->count < high)
        return;
    /* One call, as 6.18 makes it: in batches, each batch would take at least
     * one whole block, and a list of THP blocks would lose 512 pages a batch. */
    free_pcppages_bulk(z, nr_pcp_free_tuned(pcp, batch, high, free_high), pcp, pindex);
    if (atomic_load_explicit(&z->below_high, memory_order_relaxed) &&
        zone_watermark_ok(z, 0, z->watermark[WMARK_HIGH], PA_ZONE_MOVABLE, 0, zone_free_pages(z)))
        atomic_store_explicit(&z->below_high, false, memory_order_relaxed);
}

/* Kernel: decay_pcp_high() (6.7+): high above high_min drops by an eighth
 * (not below count - 32 batches, so one tick frees at most that much), and
 * the pages over the new high go back in batches. pcp lock held. */
static void decay_pcp_high(struct pa_zone *z, struct per_cpu_pages *pcp)
{
    int high_min = pcp->high_min, batch = pcp->batch;
    if (pcp->high > high_min) {
        int high = pcp->count - (batch << PCP_BATCH_SCALE_MAX);
        int eighth = pcp->high - (pcp->high >> 3);
        if (high < eighth)
            high = eighth;
        set_high(pcp, high > high_min ? high : high_min);
    }
    for (int to_drain = pcp->count - pcp->high; to_drain > 0; to_drain -= batch)
        free_pcppages_bulk(z, to_drain < batch ? to_drain : batch, pcp, 0);
}

/* Kernel: refresh_cpu_vm_stats()'s pcp half, run for every CPU as each
 * CPU's vmstat work would. */
PA_API void pa_vmstat_tick(pa_allocator *a)
{
    if (!a) {
        pa_log(NULL, PA_LOG_WARNING, "pa_vmstat_tick: NULL allocator");
        return;
    }
    if (!a->pcp_autotune)
        return;
    struct pa_zone *z;
    for_each_zone(a, z)
        for (int c = 0; c < a->nr_cpus; c++) {
            spin_lock(&z->pcp[c].lock);
            decay_pcp_high(z, &z->pcp[c]);
            spin_unlock(&z->pcp[c].lock);
        }
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

/* Kernel: adjust_managed_page_count(), then what memory hot-plug runs after
 * it (online_pages() / offline_pages() -> init_per_zone_wmark_min()):
 * setup_per_zone_wmarks() with its zone_pcp_update() of every zone, and
 * setup_per_zone_lowmem_reserve(). -EINVAL when the result leaves 1..present. */
int zone_adjust_managed_pages(struct pa_zone *z, int64_t delta)
{
    struct pa_allocator *a = z->alloc;
    int64_t managed = (int64_t)z->managed + delta;
    if (managed <= 0 || (uint64_t)managed > z->present)
        return pa_einval(a, "pa_adjust_managed_pages: %lld managed pages is outside 1..%llu",
                         (long long)managed, (unsigned long long)z->present);
    z->managed = (uint64_t)managed;
    setup_per_zone_wmarks(a);
    struct pa_zone *each;
    for_each_zone(a, each)
        zone_pcp_update(each);
    setup_per_zone_lowmem_reserve(a);
    return 0;
}
