// SPDX-License-Identifier: GPL-2.0-only
/* free.c - freeing: single blocks to the pcp or buddy lists, lists and
 * arrays of pages in batches (Kernel: __free_pages, free_unref_page,
 * free_unref_page_list, release_pages). */
#include "internal.h"
#include "trace.h"

/* As in alloc.c: the kernel's functions, the hit in one frame. */
#define fast_path static inline __attribute__((always_inline))

/* Kernel: free_pages_prepare(): checked and poisoned; the block stays
 * marked allocated until the lock of the list it joins is held.
 * Returns the pageblock's migratetype, or -1 if the page must not be freed. */
fast_path int free_pages_prepare(struct pa_allocator *a, struct pa_page *page, unsigned order)
{
    if (unlikely(free_page_is_bad(a, page, order)))
        return -1;
    trace_mm_page_free(a, page, order);
    if (unlikely(a->cfg.flags & PA_CFG_POISON))
        poison_pages(a, page, order);
    else if (unlikely(want_init_on_free(a)))
        free_pages_init(a, page, order);
    struct pa_zone *z = page_zone(a, page);
    int mt = get_pageblock_migratetype(z, page_to_pfn(a, page));
    page->pcp_mt = (uint8_t)mt;
    return mt;
}

/* Kernel: __free_frozen_pages() (free_unref_page() before 6.15) /
 * __free_pages_ok(). pcp orders go to this CPU's list when its lock is
 * free, everything else to the buddy lists. */
fast_path void free_the_page(struct pa_allocator *a, struct pa_page *page, unsigned order, int mt)
{
    struct pa_zone *z = page_zone(a, page);
    if (pcp_allowed_order(order)) {
        struct per_cpu_pages *pcp = &z->pcp[current_cpu(a, thread_state(a, false))];
        /* High-atomic blocks wait on the movable list (their pcp_mt keeps
         * the real type for the drain). */
        int list_mt = mt >= MIGRATE_PCPTYPES ? PA_MIGRATE_MOVABLE : mt;
        if (likely(spin_trylock(&pcp->lock))) {
            free_unref_page_commit(z, pcp, page, list_mt, order);
            spin_unlock(&pcp->lock);
            return;
        }
    }
    free_one_page(z, page, order, mt);
}

/* Kernel: __free_pages() of a page whose last reference is gone. */
PA_API void pa_free_pages(pa_allocator *a, struct pa_page *page, unsigned int order)
{
    if (unlikely(!a || !page)) {
        pa_log(a, PA_LOG_WARNING, "pa_free_pages: NULL %s", a ? "page" : "allocator");
        return;
    }
    if (unlikely(order > PA_MAX_ORDER)) {
        bad_page(a, page, "order above PA_MAX_ORDER");
        return;
    }
    /* Two copies: order 0, the common free, with every order test folded. */
    if (likely(order == 0)) {
        int mt = free_pages_prepare(a, page, 0);
        if (likely(mt >= 0))
            free_the_page(a, page, 0, mt);
        return;
    }
    int mt = free_pages_prepare(a, page, order);
    if (likely(mt >= 0))
        free_the_page(a, page, order, mt);
}

/* Reference counts change under the zone lock: allocated pages are on no
 * list, and this keeps two putters from both seeing the count reach zero.
 * Returns the new count; 0 means the caller holds the last reference. */
static int page_ref_mod(struct pa_allocator *a, struct pa_page *page, int delta, const char *fn)
{
    if (!a || !page_is_ours(a, page))
        return pa_einval(a, "%s: %s", fn, a ? "not a page of this allocator" : "NULL allocator");
    struct pa_zone *z = page_zone(a, page);
    int ref = -EINVAL;
    os_mutex_lock(&z->lock);
    if (page_state(page) == PG_ALLOC && page->refcount > 0) {
        ref = page->refcount + delta;
        if (ref > 0)
            page->refcount = ref;
    }
    os_mutex_unlock(&z->lock);
    if (ref < 0)
        bad_page(a, page, delta > 0 ? "get_page on a page not allocated" : "put_page on a page not allocated");
    return ref;
}

PA_API int pa_get_page(pa_allocator *a, struct pa_page *page)
{
    return page_ref_mod(a, page, 1, "pa_get_page");
}

PA_API int pa_put_page(pa_allocator *a, struct pa_page *page, unsigned int order)
{
    int ref = page_ref_mod(a, page, -1, "pa_put_page");
    if (ref == 0)   /* the last reference: free it */
        pa_free_pages(a, page, order);
    return ref;
}

/* What the order-0 fast path needs per page, worked out once per zone run
 * and once per pageblock run (Kernel: free_unref_folios() looks up each
 * folio's migratetype; the pages of one pageblock share it, so a run of
 * them takes one look-up). Callers keep a local copy, so stores to the
 * pages cannot force reloads. */
struct free_fast {
    uintptr_t run_neg_lo;        /* the run: descriptors [-run_neg_lo, that + run_n pages), */
    uint64_t run_n;              /* one pageblock of the batch's zone; 0: no run */
    uint64_t alloc_state;        /* state word of a page the fast path takes */
    uint64_t pcp_state;          /* its state word on the pcp list */
    struct pa_list_head *list;   /* the run's pcp list; NULL: none */
    struct pa_list_head *first;  /* list->next, stored back by run_end() */
    uint8_t mt;                  /* the run's pageblock migratetype */
    int queued;                  /* fast-path pages not yet in pcp->count */
    int room;                    /* queued pages that bring the pcp to high */
};

/* One batch of order-0 frees under one pcp lock round per zone run
 * (Kernel: free_unref_folios(): trylock, zone lock on failure). */
struct free_batch {
    struct pa_allocator *a;
    struct pa_zone *zone;
    struct per_cpu_pages *pcp;   /* NULL: trylock failed, use the zone lock */
    bool fast;                   /* the fast path may queue on pcp */
    int cpu;
    struct free_fast f;
};

/* A batch on no zone yet: its first page takes the slow path (an empty run
 * refuses every page). */
static struct free_batch batch_start(struct pa_allocator *a)
{
    return (struct free_batch){ .a = a, .cpu = current_cpu(a, thread_state(a, false)) };
}

/* The list head's next pointer, kept in f->first while the run adds pages
 * at the front: list_add() without the head's load and store per page. */
static inline void run_end(struct free_fast *f)
{
    if (f->list) {
        f->first->prev = f->list;   /* the front page's, left unset by free_fast_link */
        __atomic_store_n(&f->list->next, f->first, __ATOMIC_RELAXED);   /* see list_empty_lockless */
    }
    f->list = NULL;
    f->run_n = 0;
}

/* Brings pcp->count and the PGFREE events up to date with the fast path. */
static void batch_sync(struct free_batch *b)
{
    if (!b->f.queued)
        return;
    __atomic_store_n(&b->pcp->count, b->pcp->count + b->f.queued, __ATOMIC_RELAXED);
    counter_add(&b->pcp->events[ZEV_PGFREE], (uint64_t)b->f.queued);
    b->f.queued = 0;
}

static void batch_switch(struct free_batch *b, struct pa_zone *z)
{
    run_end(&b->f);
    if (b->pcp) {
        batch_sync(b);
        spin_unlock(&b->pcp->lock);
    }
    b->zone = z;
    b->pcp = z ? &z->pcp[b->cpu] : NULL;
    if (b->pcp && !spin_trylock(&b->pcp->lock))
        b->pcp = NULL;
    /* Poisoning, page init, tracing and the per-free tuning of 6.7+ take
     * every page through the full path. */
    b->fast = b->pcp && !(b->a->cfg.flags & (PA_CFG_POISON | PA_CFG_PCP_AUTOTUNE)) &&
              !want_init_on_free(b->a) && !trace_enabled(b->a);
    if (!b->fast)
        return;
    b->f.alloc_state = z->allocated_word;
    b->f.pcp_state = z->pcp_word;
    b->f.room = b->pcp->high - b->pcp->count;
}

/* The run of the pageblock that holds page, a page of the batch's zone:
 * one migratetype look-up for every page of it that follows. High-atomic
 * blocks wait on the movable list (their pcp_mt keeps the real type for
 * the drain). */
static void run_start(struct free_batch *b, struct pa_page *page)
{
    struct pa_zone *z = b->zone;
    uint64_t pfn = page_to_pfn(b->a, page);
    uint64_t lo = z->start_pfn + ((pfn - z->start_pfn) & ~(PAGEBLOCK_NR_PAGES - 1));
    uint64_t hi = lo + PAGEBLOCK_NR_PAGES < zone_end_pfn(z) ? lo + PAGEBLOCK_NR_PAGES : zone_end_pfn(z);
    int mt = get_pageblock_migratetype(z, pfn);
    b->f.run_neg_lo = -(uintptr_t)pfn_to_page(b->a, lo);   /* an add, which lea does in one */
    b->f.run_n = hi - lo;
    b->f.mt = (uint8_t)mt;
    b->f.list = &b->pcp->lists[order_to_pindex(mt < MIGRATE_PCPTYPES ? mt : PA_MIGRATE_MOVABLE, 0)];
    b->f.first = b->f.list->next;
}

/* The drain free_unref_page_commit() does at high, for the fast path. */
static void __attribute__((noinline)) batch_trim(struct free_batch *b)
{
    struct pa_list_head *list = b->f.list;
    run_end(&b->f);
    batch_sync(b);
    pcp_trim(b->zone, b->pcp, (int)(list - b->pcp->lists), 0);
    b->f.room = b->pcp->high - b->pcp->count;
}

/* free_page_is_bad() and free_unref_page_commit() fused for the common
 * case: an order-0 page of the run's pageblock, allocated once, nothing to
 * poison. Anything else returns false for the full path. The range test
 * rotates the descriptor offset by the descriptor's size, so a pointer
 * into the middle of one falls out of range with the pointers outside. */
static inline bool free_fast_link(struct free_fast *f, struct pa_page *page)
{
    const unsigned shift = __builtin_ctz(sizeof(*page));
    uint64_t off = (uintptr_t)page + f->run_neg_lo;
    if (unlikely((off >> shift | off << (64 - shift)) >= f->run_n))
        return false;
    /* A plain load: only the page's owner, this caller, writes the state
     * of an allocated page; the store below is atomic for find_buddy(). */
    if (unlikely(page->state != f->alloc_state))   /* PG_HEAD: not an order-0 page */
        return false;
    page->pcp_mt = f->mt;
    __atomic_store_n(&page->state, f->pcp_state, __ATOMIC_RELAXED);
    /* lru.prev is the next page's to set, or run_end()'s for the front one. */
    page->lru.next = f->first;
    f->first->prev = &page->lru;
    f->first = &page->lru;
    return true;
}

static inline bool free_fast(struct free_fast *f, struct pa_page *page)
{
    if (!free_fast_link(f, page))
        return false;
    f->queued++;
    return true;
}

/* The first page of a zone run moves the batch to its zone, the first of
 * a pageblock run looks up its migratetype: true if the fast path's run is
 * now page's pageblock, where it most often takes page and those after. */
static bool batch_move_run(struct free_batch *b, struct pa_page *page)
{
    run_end(&b->f);
    if (!page_is_ours(b->a, page))
        return false;
    if (page_zone(b->a, page) != b->zone)
        batch_switch(b, page_zone(b->a, page));
    if (!b->fast)
        return false;
    run_start(b, page);
    return true;
}
/* Everything the fast path refuses. False if the page was refused
 * (reported by bad_page) and left alone. */
static bool __attribute__((noinline)) batch_free_slow(struct free_batch *b, struct pa_page *page)
{
    if (batch_move_run(b, page)) {
        if (free_fast(&b->f, page)) {
            if (b->f.queued >= b->f.room)
                batch_trim(b);
            return true;
        }
        run_end(&b->f);
    }
    int mt = free_pages_prepare(b->a, page, 0);
    if (mt < 0)
        return false;
    struct pa_zone *z = b->zone;   /* an accepted page is ours: the batch is on its zone */
    if (b->pcp) {
        batch_sync(b);
        trace_mm_page_free_batched(b->a, b->cpu, page);
        free_unref_page_commit(z, b->pcp, page, mt >= MIGRATE_PCPTYPES ? PA_MIGRATE_MOVABLE : mt, 0);
        b->f.room = b->pcp->high - b->pcp->count;
    } else {
        free_one_page(z, page, 0, mt);
    }
    return true;
}

/* One page of the batch; f is the caller's local copy of b->f. */
static inline bool batch_free(struct free_batch *b, struct free_fast *f, struct pa_page *page)
{
    bool freed;
    if (likely(free_fast(f, page))) {
        if (likely(f->queued < f->room))
            return true;
        b->f = *f;
        batch_trim(b);
        freed = true;
    } else {
        b->f = *f;
        freed = batch_free_slow(b, page);
    }
    *f = b->f;
    return freed;
}

/* Kernel: free_unref_folios() over a list */
PA_API void pa_free_pages_bulk(pa_allocator *a, struct pa_list_head *list)
{
    if (!a || !list) {
        pa_log(a, PA_LOG_WARNING, "pa_free_pages_bulk: NULL %s", a ? "list" : "allocator");
        return;
    }
    struct free_batch b = batch_start(a);
    /* Walked, not unlinked page by page: a freed page's links are rewritten
     * by the list it joins; a refused one is left self-linked. */
    struct free_fast f = b.f;
    for (struct pa_list_head *pos = list->next, *next; pos != list; pos = next) {
        next = pos->next;
        if (!batch_free(&b, &f, lru_to_page(pos)))
            list_init(pos);
    }
    list_init(list);
    b.f = f;
    batch_switch(&b, NULL);
}

/* The fast path over the slots [i, stop) of a release, up to the first
 * slot it refuses: a NULL one (out of every run's range) or a page of
 * another pageblock, a bad page, tracing on. stop is at most the room left
 * before high, so no page of the run can bring the pcp to high: the pages
 * queued are counted once, after the run (Kernel: pcp->count updated per
 * batch). The index counts up to 0 from below, so the loop's test is on
 * the index alone. Returns where the run stopped. */
static inline unsigned long release_run(struct free_fast *f, struct pa_page **pages,
                                        unsigned long i, unsigned long stop)
{
    struct pa_page **end = pages + stop;
    long k = (long)i - (long)stop;
    /* Two slots a turn: the list's new front alternates between two
     * registers instead of being copied from one to the other. */
    for (; k < -1; k += 2) {
        if (unlikely(!free_fast_link(f, end[k])))
            goto out;
        end[k] = NULL;
        if (unlikely(!free_fast_link(f, end[k + 1]))) {
            k++;
            goto out;
        }
        end[k + 1] = NULL;
    }
    if (k != 0 && free_fast_link(f, end[k]))
        end[k++] = NULL;
out:
    f->queued += (int)((long)stop + k - (long)i);
    return (unsigned long)((long)stop + k);
}

/* Kernel: release_pages() -> free_unref_folios() */
PA_API void pa_release_pages(pa_allocator *a, struct pa_page **pages, unsigned long nr)
{
    if (!a || (!pages && nr)) {
        pa_log(a, PA_LOG_WARNING, "pa_release_pages: NULL %s", a ? "array" : "allocator");
        return;
    }
    struct free_batch b = batch_start(a);
    if (nr && pages[0])
        batch_move_run(&b, pages[0]);   /* the first run, for the fast path to start on */
    struct free_fast f = b.f;
    unsigned long i = 0;
    while (i < nr) {
        if (f.queued < f.room) {
            unsigned long left = (unsigned long)(f.room - f.queued);
            i = release_run(&f, pages, i, nr - i < left ? nr : i + left);
            if (f.queued >= f.room) {   /* the drain at high, as batch_free's */
                b.f = f;
                batch_trim(&b);
                f = b.f;
            }
            if (i == nr)
                break;
        }
        /* The page the run refused (a new pageblock or zone, a bad page,
         * tracing on), or no room left: one page the general way. */
        if (pages[i]) {
            batch_free(&b, &f, pages[i]);
            pages[i] = NULL;
        }
        i++;
    }
    b.f = f;
    batch_switch(&b, NULL);
}
