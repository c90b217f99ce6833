// SPDX-License-Identifier: GPL-2.0-only
/* check.c - the full invariant check: every page frame is free in exactly
 * one buddy block, on exactly one pcp list, or allocated, and every counter
 * equals what the lists hold. */
#include "internal.h"
#include "page_reporting.h"

#include <stdlib.h>

enum { MARK_NONE, MARK_BUDDY, MARK_PCP };

struct checker {
    struct pa_allocator *a;
    uint8_t *mark;
};

#define FAIL(c, ...) (pa_log((c)->a, PA_LOG_ERR, "pa_check: " __VA_ARGS__), -EUCLEAN)

/* A list's back link: each entry's prev is the entry before it (the head's
 * is the last entry's), so that a list_del() of any of them keeps the list
 * whole. The walks follow next; this is what they cannot see. */
static int check_back_link(struct checker *c, const struct pa_list_head *p,
                           const struct pa_list_head *before, const char *where)
{
    if (p->prev != before)
        return FAIL(c, "%s: an entry's back link is not the entry before it", where);
    return 0;
}

/* Marks the 2^order frames of a block found on a list. */
static int mark_block(struct checker *c, const struct pa_zone *z, const struct pa_page *page,
                      unsigned order, unsigned state, uint8_t mark, const char *where)
{
    if (!page_is_ours(c->a, page))
        return FAIL(c, "%s holds a pointer %p that is no page", where, (const void *)page);
    uint64_t pfn = page_to_pfn(c->a, page);
    if (page_state(page) != state || page->order != order)
        return FAIL(c, "pfn %#llx on %s has state %#x order %u, expected order %u",
                    (unsigned long long)pfn, where, page_state(page), page->order, order);
    if (state != PG_BUDDY && page_reported(page))
        return FAIL(c, "pfn %#llx on %s is marked reported", (unsigned long long)pfn, where);
    if (pfn & ((1ull << order) - 1) || pfn < z->start_pfn || pfn + (1ull << order) > zone_end_pfn(z))
        return FAIL(c, "pfn %#llx order %u on %s is misaligned or outside its zone",
                    (unsigned long long)pfn, order, where);
    for (uint64_t i = 0; i < (1ull << order); i++) {
        if (c->mark[pfn + i] != MARK_NONE)
            return FAIL(c, "pfn %#llx is on two lists (%s)", (unsigned long long)(pfn + i), where);
        if (page_head(page + i))
            return FAIL(c, "pfn %#llx of a block on %s is marked an allocated head", (unsigned long long)(pfn + i),
                        where);
        if (i && (page_state(page + i) != 0 || page_reported(page + i)))
            return FAIL(c, "pfn %#llx inside a %s block has state %#x%s", (unsigned long long)(pfn + i),
                        where, page_state(page + i), page_reported(page + i) ? ", reported" : "");
        c->mark[pfn + i] = mark;
    }
    return 0;
}

static int check_buddy_lists(struct checker *c, const struct pa_zone *z)
{
    uint64_t free_pages = 0;
    for (unsigned o = 0; o <= PA_MAX_ORDER; o++) {
        uint64_t blocks = 0, reported = 0;
        for (int mt = 0; mt < PA_MIGRATE_TYPES; mt++) {
            const struct pa_list_head *h = &z->free_area[o].free_list[mt], *before = h;
            for (const struct pa_list_head *p = h->next; p != h; before = p, p = p->next, blocks++) {
                int err = mark_block(c, z, lru_to_page(p), o, PG_BUDDY, MARK_BUDDY, "a buddy list");
                if (!err)
                    err = check_back_link(c, p, before, "a buddy list");
                if (err)
                    return err;
                reported += page_reported(lru_to_page(p));
            }
            int err = check_back_link(c, h, before, "a buddy list");
            if (err)
                return err;
        }
        if (reported != z->nr_reported[o])
            return FAIL(c, "node %d zone %d order %u: %llu blocks counted reported but %llu marked", z->nid,
                        z->idx, o, (unsigned long long)z->nr_reported[o], (unsigned long long)reported);
        if (blocks != z->free_area[o].nr_free)
            return FAIL(c, "node %d zone %d order %u: nr_free %llu but %llu blocks listed", z->nid, z->idx,
                        o, (unsigned long long)z->free_area[o].nr_free, (unsigned long long)blocks);
        free_pages += blocks << o;
    }
    if (free_pages != (uint64_t)zone_free_pages(z))
        return FAIL(c, "node %d zone %d: NR_FREE_PAGES %ld but %llu pages on the buddy lists", z->nid,
                    z->idx, zone_free_pages(z), (unsigned long long)free_pages);
    return 0;
}

/* No two free buddies of one order may stay unmerged, except across the
 * high-atomic pageblock boundary __free_one_page keeps. */
static int check_merged(struct checker *c, const struct pa_zone *z)
{
    for (uint64_t pfn = z->start_pfn; pfn < zone_end_pfn(z); pfn++) {
        const struct pa_page *page = pfn_to_page(c->a, pfn);
        if (page_state(page) != PG_BUDDY || page->order >= PA_MAX_ORDER)
            continue;
        unsigned o = page->order;
        uint64_t bp = pfn ^ (1ull << o);
        if (bp < z->start_pfn || bp >= zone_end_pfn(z))
            continue;
        const struct pa_page *buddy = pfn_to_page(c->a, bp);
        if (page_state(buddy) != PG_BUDDY || buddy->order != o)
            continue;
        int mt = get_pageblock_migratetype(z, pfn), bmt = get_pageblock_migratetype(z, bp);
        if (o >= PA_PAGEBLOCK_ORDER && mt != bmt &&
            (mt >= MIGRATE_PCPTYPES || bmt >= MIGRATE_PCPTYPES))
            continue;
        return FAIL(c, "pfn %#llx and its buddy %#llx are both free at order %u, unmerged",
                    (unsigned long long)pfn, (unsigned long long)bp, o);
    }
    return 0;
}

static int check_pcp_lists(struct checker *c, const struct pa_zone *z)
{
    for (int cpu = 0; cpu < c->a->nr_cpus; cpu++) {
        const struct per_cpu_pages *pcp = &z->pcp[cpu];
        int count = 0;
        for (int i = 0; i < NR_PCP_LISTS; i++) {
            unsigned order = i >= NR_LOWORDER_PCP_LISTS ? PA_PAGEBLOCK_ORDER : (unsigned)i / MIGRATE_PCPTYPES;
            const struct pa_list_head *h = &pcp->lists[i], *before = h;
            for (const struct pa_list_head *p = h->next; p != h; before = p, p = p->next) {
                int err = mark_block(c, z, lru_to_page(p), order, PG_PCP, MARK_PCP, "a pcp list");
                if (!err)
                    err = check_back_link(c, p, before, "a pcp list");
                if (err)
                    return err;
                count += 1 << order;
            }
            int err = check_back_link(c, h, before, "a pcp list");
            if (err)
                return err;
        }
        if (count != pcp->count)
            return FAIL(c, "cpu %d node %d zone %d: pcp count %d but %d pages listed", cpu, z->nid, z->idx,
                        pcp->count, count);
    }
    return 0;
}

/* Every frame not on a list must belong to an allocated block. */
static int check_allocated(struct checker *c, const struct pa_zone *z)
{
    for (uint64_t pfn = z->start_pfn; pfn < zone_end_pfn(z);) {
        if (c->mark[pfn] != MARK_NONE) {
            pfn++;
            continue;
        }
        const struct pa_page *page = pfn_to_page(c->a, pfn);
        if (page_state(page) != PG_ALLOC || page->refcount <= 0)
            return FAIL(c, "pfn %#llx is neither free, on a pcp list nor allocated (state %#x)",
                        (unsigned long long)pfn, page_state(page));
        if (page_reported(page))
            return FAIL(c, "allocated block at pfn %#llx is marked reported", (unsigned long long)pfn);
        if (page_head(page) != (page->order != 0))
            return FAIL(c, "allocated block at pfn %#llx of order %u %s PG_HEAD", (unsigned long long)pfn,
                        page->order, page->order ? "lacks" : "has");
        uint64_t n = 1ull << page->order;
        if (pfn + n > zone_end_pfn(z))
            return FAIL(c, "allocated block at pfn %#llx runs past its zone", (unsigned long long)pfn);
        for (uint64_t i = 1; i < n; i++)
            if (page_state(page + i) != PG_TAIL || c->mark[pfn + i] != MARK_NONE)
                return FAIL(c, "pfn %#llx inside the allocated block at %#llx is not a tail",
                            (unsigned long long)(pfn + i), (unsigned long long)pfn);
        pfn += n;
    }
    return 0;
}

static int check_zone(struct checker *c, const struct pa_zone *z)
{
    int err = check_buddy_lists(c, z);
    if (!err)
        err = check_pcp_lists(c, z);
    if (!err)
        err = check_merged(c, z);
    if (!err)
        err = check_allocated(c, z);
    return err;
}

static void lock_all(struct pa_allocator *a, bool lock)
{
    struct pa_zone *z;
    /* pcp locks before zone locks, as everywhere. */
    for_each_zone(a, z)
        for (int cpu = 0; cpu < a->nr_cpus; cpu++)
            lock ? spin_lock(&z->pcp[cpu].lock) : spin_unlock(&z->pcp[cpu].lock);
    for_each_zone(a, z)
        lock ? os_mutex_lock(&z->lock) : os_mutex_unlock(&z->lock);
}

PA_API int pa_check(pa_allocator *a)
{
    if (!a)
        return pa_einval(NULL, "pa_check: NULL allocator");
    struct checker c = { a, calloc(a->nr_pfns, 1) };
    if (!c.mark)
        return -ENOMEM;
    int err = 0;
    /* A reporting pass holds blocks that are on no list: wait for its end. */
    page_reporting_lock(a);
    lock_all(a, true);
    struct pa_zone *z;
    for_each_zone(a, z) {
        if ((err = check_zone(&c, z)))
            break;
    }
    lock_all(a, false);
    page_reporting_unlock(a);
    free(c.mark);
    return err;
}
