// SPDX-License-Identifier: GPL-2.0-only
/* buddy.c - the buddy free lists of a zone: split, merge, fallback stealing
 * and the high-atomic reserve. Every function here runs under zone->lock. */
#include "internal.h"
#include "page_reporting.h"
#include "trace.h"

/* Kernel: fallbacks[] - which free lists a migratetype may steal from. */
static const int fallbacks[MIGRATE_PCPTYPES][2] = {
    [PA_MIGRATE_UNMOVABLE]   = { PA_MIGRATE_RECLAIMABLE, PA_MIGRATE_MOVABLE },
    [PA_MIGRATE_MOVABLE]     = { PA_MIGRATE_RECLAIMABLE, PA_MIGRATE_UNMOVABLE },
    [PA_MIGRATE_RECLAIMABLE] = { PA_MIGRATE_UNMOVABLE, PA_MIGRATE_MOVABLE },
};

/* Kernel: set_pageblock_migratetype() */
void set_pageblock_migratetype(struct pa_zone *z, uint64_t pfn, int mt)
{
    z->pageblock_mt[(pfn - z->start_pfn) >> PA_PAGEBLOCK_ORDER] = (uint8_t)mt;
}

static void add_to_free_list(struct pa_zone *z, struct pa_page *page, unsigned order, int mt,
                             bool tail)
{
    struct free_area *area = &z->free_area[order];
    set_page_state(page, PG_BUDDY);
    page->order = (uint8_t)order;
    if (tail)
        list_add_tail(&page->lru, &area->free_list[mt]);
    else
        list_add(&page->lru, &area->free_list[mt]);
    __atomic_store_n(&area->nr_free, area->nr_free + 1, __ATOMIC_RELAXED);   /* read locklessly */
}

/* Every way off a free list (allocation, split, merge, isolation) passes
 * here, so no block leaves it still marked reported (Kernel:
 * __del_page_from_free_list). */
static void del_page_from_free_list(struct pa_zone *z, struct pa_page *page, unsigned order)
{
    list_del(&page->lru);
    if (unlikely(page_reported(page)))
        clear_page_reported(z, page, order);
    set_page_state(page, 0);
    __atomic_store_n(&z->free_area[order].nr_free, z->free_area[order].nr_free - 1, __ATOMIC_RELAXED);
}

/* Kernel: move_to_free_list() */
static void move_to_free_list(struct pa_zone *z, struct pa_page *page, unsigned order, int mt)
{
    list_del(&page->lru);
    list_add_tail(&page->lru, &z->free_area[order].free_list[mt]);
}

/* Kernel: find_buddy_page_pfn(): the buddy if it is a free block of the
 * same order in the same zone. */
static struct pa_page *find_buddy(struct pa_zone *z, uint64_t pfn, unsigned order,
                                  uint64_t *buddy_pfn)
{
    uint64_t bp = pfn ^ (1ull << order);
    if (bp < z->start_pfn || bp >= zone_end_pfn(z))
        return NULL;
    struct pa_page *buddy = pfn_to_page(z->alloc, bp);
    if (page_state(buddy) != PG_BUDDY || buddy->order != order)
        return NULL;
    *buddy_pfn = bp;
    return buddy;
}

/* Kernel: buddy_merge_likely(): if the next-larger block's buddy is free, a
 * merge is likely soon, so queue this block at the tail where it lingers. */
static bool buddy_merge_likely(struct pa_zone *z, uint64_t pfn, uint64_t buddy_pfn, unsigned order)
{
    uint64_t unused;
    if (order >= PA_MAX_ORDER - 1)
        return false;
    return find_buddy(z, buddy_pfn & pfn, order + 1, &unused) != NULL;
}

static bool migratetype_is_mergeable(int mt) { return mt < MIGRATE_PCPTYPES; }

/* Kernel: __free_one_page(): merge with free buddies as far as they go.
 * report_notify false is the kernel's FPI_SKIP_REPORT_NOTIFY. */
static void __free_one_page(struct pa_zone *z, struct pa_page *page, uint64_t pfn,
                            unsigned order, int mt, bool to_tail, bool report_notify)
{
    uint64_t buddy_pfn = 0;
    zone_mod_free_pages(z, 1l << order);
    while (order < PA_MAX_ORDER) {
        struct pa_page *buddy = find_buddy(z, pfn, order, &buddy_pfn);
        if (!buddy)
            break;
        if (unlikely(order >= PA_PAGEBLOCK_ORDER)) {
            /* Keep high-atomic pageblocks from merging with ordinary ones.
             * Judge by both pageblocks' types, as the kernel does since
             * 6.10: mt may be the type a pcp list recorded, stale once the
             * pageblock was reserved, which kept two reserved blocks apart. */
            int buddy_mt = get_pageblock_migratetype(z, buddy_pfn);
            int block_mt = get_pageblock_migratetype(z, pfn);
            if (block_mt != buddy_mt &&
                (!migratetype_is_mergeable(block_mt) || !migratetype_is_mergeable(buddy_mt)))
                break;
        }
        del_page_from_free_list(z, buddy, order);
        uint64_t combined = buddy_pfn & pfn;
        page = pfn_to_page(z->alloc, combined);
        pfn = combined;
        order++;
    }
    if (!to_tail)
        to_tail = buddy_merge_likely(z, pfn, pfn ^ (1ull << order), order);
    add_to_free_list(z, page, order, mt, to_tail);
    if (report_notify)
        page_reporting_notify_free(z->alloc, order);
}

void free_one_page_locked(struct pa_zone *z, struct pa_page *page, uint64_t pfn,
                          unsigned order, int mt, bool to_tail)
{
    __free_one_page(z, page, pfn, order, mt, to_tail, true);
}

/* Kernel: expand(): split a 2^high block down to 2^low, freeing the upper
 * halves. */
static void expand(struct pa_zone *z, struct pa_page *page, unsigned low, unsigned high, int mt)
{
    uint64_t size = 1ull << high;
    while (high > low) {
        high--;
        size >>= 1;
        add_to_free_list(z, page + size, high, mt, false);
    }
}

/* Kernel: __rmqueue_smallest() */
struct pa_page *rmqueue_smallest(struct pa_zone *z, unsigned order, int mt)
{
    for (unsigned o = order; o <= PA_MAX_ORDER; o++) {
        struct pa_list_head *list = &z->free_area[o].free_list[mt];
        if (list_empty(list))
            continue;
        struct pa_page *page = lru_to_page(list->next);
        del_page_from_free_list(z, page, o);
        expand(z, page, order, o, mt);
        page->pcp_mt = (uint8_t)mt;
        trace_mm_page_alloc_zone_locked(z, page, order, mt,
                                        pcp_allowed_order(order) && mt < MIGRATE_PCPTYPES);
        return page;
    }
    return NULL;
}

/* Kernel: can_steal_fallback() */
static bool can_steal_fallback(unsigned order, int start_mt)
{
    if (order >= PA_PAGEBLOCK_ORDER)
        return true;
    return order >= PA_PAGEBLOCK_ORDER / 2 || start_mt == PA_MIGRATE_RECLAIMABLE ||
           start_mt == PA_MIGRATE_UNMOVABLE;
}

/* Kernel: find_suitable_fallback() */
static int find_suitable_fallback(const struct free_area *area, unsigned order, int mt,
                                  bool *can_steal)
{
    if (!area->nr_free)
        return -1;
    *can_steal = false;
    for (int i = 0; i < 2; i++) {
        int fmt = fallbacks[mt][i];
        if (list_empty(&area->free_list[fmt]))
            continue;
        *can_steal = can_steal_fallback(order, mt);
        return fmt;
    }
    return -1;
}

/* Kernel: move_freepages_block(): move every free block of the pageblock
 * holding pfn to mt's lists; returns the pages moved. */
static uint64_t move_freepages_block(struct pa_zone *z, uint64_t pfn, int mt)
{
    uint64_t start = pfn & ~(PAGEBLOCK_NR_PAGES - 1), end = start + PAGEBLOCK_NR_PAGES;
    uint64_t moved = 0;
    if (start < z->start_pfn || end > zone_end_pfn(z))
        return 0;   /* a partial pageblock at the zone's edge */
    for (uint64_t p = start; p < end;) {
        struct pa_page *page = pfn_to_page(z->alloc, p);
        if (page_state(page) != PG_BUDDY) {
            p++;
            continue;
        }
        move_to_free_list(z, page, page->order, mt);
        moved += 1ull << page->order;
        p += 1ull << page->order;
    }
    return moved;
}

static bool whole_pageblock_in_zone(const struct pa_zone *z, uint64_t pfn)
{
    uint64_t start = pfn & ~(PAGEBLOCK_NR_PAGES - 1);
    return start >= z->start_pfn && start + PAGEBLOCK_NR_PAGES <= zone_end_pfn(z);
}

/* Kernel: __isolate_free_page(): takes a free block off its list for a
 * caller that returns it with putback_isolated_page(), as if it were
 * allocated: refused when the zone would fall below its min watermark. */
bool isolate_free_page(struct pa_zone *z, struct pa_page *page, unsigned order)
{
    uint64_t pfn = page_to_pfn(z->alloc, page);
    uint64_t mark = z->watermark[WMARK_MIN] + (1ull << order);
    if (!zone_watermark_ok(z, 0, mark, 0, ALLOC_WMARK_MIN, zone_free_pages(z)))
        return false;
    del_page_from_free_list(z, page, order);
    zone_mod_free_pages(z, -(1l << order));
    /* The kernel makes the pageblocks of a block of half a pageblock or more
     * movable here (the block is meant to become a migration target); done
     * alike, so that pagetypeinfo after a pass matches the kernel's. */
    if (order >= PA_PAGEBLOCK_ORDER - 1) {
        for (uint64_t p = pfn; p < pfn + (1ull << order); p += PAGEBLOCK_NR_PAGES) {
            int mt = get_pageblock_migratetype(z, p);
            if (migratetype_is_mergeable(mt) && mt != PA_MIGRATE_MOVABLE && whole_pageblock_in_zone(z, p)) {
                set_pageblock_migratetype(z, p, PA_MIGRATE_MOVABLE);
                move_freepages_block(z, p, PA_MIGRATE_MOVABLE);
            }
        }
    }
    return true;
}

/* Kernel: __putback_isolated_page(): back to the tail of its free list,
 * merging as any free does, without requesting another report. */
void putback_isolated_page(struct pa_zone *z, struct pa_page *page, unsigned order, int mt)
{
    __free_one_page(z, page, page_to_pfn(z->alloc, page), order, mt, true, false);
}

/* Kernel: steal_suitable_fallback(). User-space pages are never migratable,
 * so no allocated page counts as movable ("alike") when deciding to claim. */
static void steal_suitable_fallback(struct pa_zone *z, struct pa_page *page, unsigned current_order,
                                    int start_mt, bool whole_block)
{
    uint64_t pfn = page_to_pfn(z->alloc, page);
    int old_mt = get_pageblock_migratetype(z, pfn);
    if (old_mt == PA_MIGRATE_HIGHATOMIC)
        goto single_page;
    if (current_order >= PA_PAGEBLOCK_ORDER) {
        for (uint64_t p = pfn; p < pfn + (1ull << current_order); p += PAGEBLOCK_NR_PAGES)
            set_pageblock_migratetype(z, p, start_mt);
        goto single_page;
    }
    if (!whole_block)
        goto single_page;
    uint64_t free_pages = move_freepages_block(z, pfn, start_mt);
    if (!free_pages)
        goto single_page;
    uint64_t alike = 0;
    if (start_mt != PA_MIGRATE_MOVABLE && old_mt == PA_MIGRATE_MOVABLE)
        alike = PAGEBLOCK_NR_PAGES - free_pages;
    if (free_pages + alike >= (1ull << (PA_PAGEBLOCK_ORDER - 1)))
        set_pageblock_migratetype(z, pfn, start_mt);
    return;
single_page:
    move_to_free_list(z, page, current_order, start_mt);
}

/* Kernel: __rmqueue_fallback(): steal the largest block of another type, or
 * with ALLOC_NOFRAGMENT only whole pageblocks. */
static bool rmqueue_fallback(struct pa_zone *z, unsigned order, int start_mt, unsigned alloc_flags)
{
    unsigned min_order = order;
    bool can_steal = false;
    int fmt = -1;
    int current_order;
    if (order < PA_PAGEBLOCK_ORDER && (alloc_flags & ALLOC_NOFRAGMENT))
        min_order = PA_PAGEBLOCK_ORDER;
    for (current_order = PA_MAX_ORDER; current_order >= (int)min_order; current_order--) {
        fmt = find_suitable_fallback(&z->free_area[current_order], (unsigned)current_order, start_mt, &can_steal);
        if (fmt == -1)
            continue;
        /* Movable requests that cannot claim the block split the smallest
         * block instead: no lasting fragmentation then. */
        if (!can_steal && start_mt == PA_MIGRATE_MOVABLE && current_order > (int)order) {
            for (current_order = (int)order; current_order <= PA_MAX_ORDER; current_order++) {
                fmt = find_suitable_fallback(&z->free_area[current_order], (unsigned)current_order,
                                             start_mt, &can_steal);
                if (fmt != -1)
                    break;
            }
        }
        break;
    }
    if (fmt == -1 || current_order < (int)min_order)
        return false;
    struct pa_page *page = lru_to_page(z->free_area[current_order].free_list[fmt].next);
    steal_suitable_fallback(z, page, (unsigned)current_order, start_mt, can_steal);
    trace_mm_page_alloc_extfrag(z, page, order, (unsigned)current_order, start_mt, fmt);
    return true;
}

/* Kernel: __rmqueue() */
struct pa_page *rmqueue_locked(struct pa_zone *z, unsigned order, int mt, unsigned alloc_flags)
{
    for (;;) {
        struct pa_page *page = rmqueue_smallest(z, order, mt);
        if (page || !rmqueue_fallback(z, order, mt, alloc_flags))
            return page;
    }
}

/* Kernel: __free_pages_memory() + __free_pages_core(): hand a pfn range to
 * the buddy lists in the largest aligned blocks, queued at the tail. */
void free_pages_core(struct pa_zone *z, uint64_t start, uint64_t end)
{
    os_mutex_lock(&z->lock);
    while (start < end) {
        unsigned order = start ? (unsigned)__builtin_ctzll(start) : PA_MAX_ORDER;
        if (order > PA_MAX_ORDER)
            order = PA_MAX_ORDER;
        while (start + (1ull << order) > end)
            order--;
        int mt = get_pageblock_migratetype(z, start);
        free_one_page_locked(z, pfn_to_page(z->alloc, start), start, order, mt, true);
        start += 1ull << order;
    }
    os_mutex_unlock(&z->lock);
}

/* Kernel: reserve_highatomic_pageblock(): after a high-order atomic request
 * succeeded, keep its pageblock for such requests (at most ~1% of the zone). */
void reserve_highatomic_pageblock(struct pa_zone *z, struct pa_page *page)
{
    uint64_t max_managed = z->managed / 100 + PAGEBLOCK_NR_PAGES;
    os_mutex_lock(&z->lock);
    uint64_t pfn = page_to_pfn(z->alloc, page);
    int mt = get_pageblock_migratetype(z, pfn);
    if (z->nr_reserved_highatomic < max_managed && migratetype_is_mergeable(mt) &&
        (pfn & ~(PAGEBLOCK_NR_PAGES - 1)) + PAGEBLOCK_NR_PAGES <= zone_end_pfn(z)) {
        z->nr_reserved_highatomic += PAGEBLOCK_NR_PAGES;
        set_pageblock_migratetype(z, pfn, PA_MIGRATE_HIGHATOMIC);
        move_freepages_block(z, pfn, PA_MIGRATE_HIGHATOMIC);
    }
    os_mutex_unlock(&z->lock);
}

/* A whole free pageblock that stopped being high-atomic may now merge with
 * its buddy, which __free_one_page refused while the types differed; re-free
 * it so no two free buddies stay apart (pa_check's invariant). The kernel
 * leaves such a pair until the next free; here that broke pa_check. */
static void remerge_free_pageblock(struct pa_zone *z, uint64_t pfn)
{
    uint64_t start = pfn & ~(PAGEBLOCK_NR_PAGES - 1);
    struct pa_page *page = pfn_to_page(z->alloc, start);
    if (page_state(page) != PG_BUDDY || page->order != PA_PAGEBLOCK_ORDER)
        return;
    int mt = get_pageblock_migratetype(z, start);
    del_page_from_free_list(z, page, PA_PAGEBLOCK_ORDER);
    zone_mod_free_pages(z, -(1l << PA_PAGEBLOCK_ORDER));
    free_one_page_locked(z, page, start, PA_PAGEBLOCK_ORDER, mt, false);
}

/* Kernel: unreserve_highatomic_pageblock(): give a reserved pageblock back
 * to ordinary requests when an allocation is about to fail. */
bool unreserve_highatomic_pageblock(struct pa_allocator *a, const struct alloc_context *ac,
                                    bool force)
{
    (void)a;
    for (struct zoneref *zr = next_zones_zonelist(ac->zonelist, ac->highest_zoneidx, ac->nodemask);
         zr->zone; zr = next_zones_zonelist(zr + 1, ac->highest_zoneidx, ac->nodemask)) {
        struct pa_zone *z = zr->zone;
        if (!force && z->nr_reserved_highatomic <= PAGEBLOCK_NR_PAGES)
            continue;
        os_mutex_lock(&z->lock);
        for (unsigned o = 0; o <= PA_MAX_ORDER; o++) {
            struct pa_list_head *list = &z->free_area[o].free_list[PA_MIGRATE_HIGHATOMIC];
            if (list_empty(list))
                continue;
            uint64_t pfn = page_to_pfn(z->alloc, lru_to_page(list->next));
            if (get_pageblock_migratetype(z, pfn) == PA_MIGRATE_HIGHATOMIC)
                z->nr_reserved_highatomic -= z->nr_reserved_highatomic < PAGEBLOCK_NR_PAGES
                                                 ? z->nr_reserved_highatomic : PAGEBLOCK_NR_PAGES;
            set_pageblock_migratetype(z, pfn, ac->migratetype);
            if (move_freepages_block(z, pfn, ac->migratetype)) {
                remerge_free_pageblock(z, pfn);
                os_mutex_unlock(&z->lock);
                return true;
            }
        }
        os_mutex_unlock(&z->lock);
    }
    return false;
}

PA_API int pa_set_pageblock_migratetype(pa_allocator *a, uint64_t pfn, int mt)
{
    if (!a)
        return pa_einval(NULL, "pa_set_pageblock_migratetype: NULL allocator");
    struct pa_page *page = pa_pfn_to_page(a, pfn);
    if (!page)
        return pa_einval(a, "pa_set_pageblock_migratetype: pfn %llu in no zone", (unsigned long long)pfn);
    if (mt < 0 || mt >= MIGRATE_PCPTYPES)
        return pa_einval(a, "pa_set_pageblock_migratetype: migratetype %d", mt);
    struct pa_zone *z = page_zone(a, page);
    os_mutex_lock(&z->lock);
    int old = get_pageblock_migratetype(z, pfn);
    if (old != PA_MIGRATE_HIGHATOMIC) {
        set_pageblock_migratetype(z, pfn, mt);
        move_freepages_block(z, pfn, mt);
    }
    os_mutex_unlock(&z->lock);
    return old == PA_MIGRATE_HIGHATOMIC
               ? pa_einval(a, "pa_set_pageblock_migratetype: pfn %llu is in a high-atomic pageblock",
                           (unsigned long long)pfn)
               : 0;
}
