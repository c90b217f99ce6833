/* free.c - freeing: single blocks to the pcp or buddy lists, lists and
 * arrays of pages in batches (Kernel: __free_pages, free_unref_page,
 * free_unref_page_list, release_pages). */
#include "internal.h"

/* Kernel: free_pages_prepare(): checked and poisoned; the block stays
 * marked allocated until the lock of the list it joins is held.
 * Returns the pageblock's migratetype, or -1 if the page must not be freed. */
static int free_pages_prepare(struct pa_allocator *a, struct pa_page *page, unsigned order)
{
    if (unlikely(!free_pages_check(a, page, order)))
        return -1;
    if (unlikely(a->cfg.flags & PA_CFG_POISON))
        poison_pages(a, page, order);
    struct pa_zone *z = page_zone(a, page);
    int mt = get_pageblock_migratetype(z, page_to_pfn(a, page));
    page->pcp_mt = (uint8_t)mt;
    return mt;
}

/* Kernel: free_unref_page() / __free_pages_ok(). pcp orders go to this
 * CPU's list when its lock is free, everything else to the buddy lists. */
static void free_the_page(struct pa_allocator *a, struct pa_page *page, unsigned order, int mt)
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

void free_pages_checked(struct pa_allocator *a, struct pa_page *page, unsigned order,
                        const char *caller)
{
    (void)caller;
    int mt = free_pages_prepare(a, page, order);
    if (mt >= 0)
        free_the_page(a, page, order, mt);
}

PA_API void pa_free_pages(pa_allocator *a, struct pa_page *page, unsigned int order)
{
    if (!a || !page) {
        pa_log(a, PA_LOG_WARNING, "pa_free_pages: NULL %s", a ? "page" : "allocator");
        return;
    }
    if (order > PA_MAX_ORDER) {
        bad_page(a, page, "order above PA_MAX_ORDER");
        return;
    }
    free_pages_checked(a, page, order, "pa_free_pages");
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

/* One batch of order-0 frees under one pcp lock round per zone run
 * (Kernel: free_unref_page_list, 6.6: trylock, zone lock on failure). */
struct free_batch {
    struct pa_zone *zone;
    struct per_cpu_pages *pcp;  /* NULL: trylock failed, use the zone lock */
    int cpu;
};

static void batch_switch(struct free_batch *b, struct pa_zone *z)
{
    if (b->pcp)
        spin_unlock(&b->pcp->lock);
    b->zone = z;
    b->pcp = z ? &z->pcp[b->cpu] : NULL;
    if (b->pcp && !spin_trylock(&b->pcp->lock))
        b->pcp = NULL;
}

static void batch_free(struct pa_allocator *a, struct free_batch *b, struct pa_page *page)
{
    int mt = free_pages_prepare(a, page, 0);
    if (mt < 0)
        return;
    struct pa_zone *z = page_zone(a, page);
    if (z != b->zone)
        batch_switch(b, z);
    if (b->pcp)
        free_unref_page_commit(z, b->pcp, page, mt >= MIGRATE_PCPTYPES ? PA_MIGRATE_MOVABLE : mt, 0);
    else
        free_one_page(z, page, 0, mt);
}

PA_API void pa_free_pages_bulk(pa_allocator *a, struct pa_list_head *list)
{
    if (!a || !list) {
        pa_log(a, PA_LOG_WARNING, "pa_free_pages_bulk: NULL %s", a ? "list" : "allocator");
        return;
    }
    struct free_batch b = { NULL, NULL, current_cpu(a, thread_state(a, false)) };
    while (!list_empty(list)) {
        struct pa_page *page = lru_to_page(list->next);
        list_del(&page->lru);
        batch_free(a, &b, page);
    }
    batch_switch(&b, NULL);
}

PA_API void pa_release_pages(pa_allocator *a, struct pa_page **pages, unsigned long nr)
{
    if (!a || (!pages && nr)) {
        pa_log(a, PA_LOG_WARNING, "pa_release_pages: NULL %s", a ? "array" : "allocator");
        return;
    }
    struct free_batch b = { NULL, NULL, current_cpu(a, thread_state(a, false)) };
    for (unsigned long i = 0; i < nr; i++) {
        if (!pages[i])
            continue;
        batch_free(a, &b, pages[i]);
        pages[i] = NULL;
    }
    batch_switch(&b, NULL);
}
