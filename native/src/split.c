// SPDX-License-Identifier: GPL-2.0-only
/* split.c - an allocated block made into order-0 pages (Kernel: split_page). */
#include "internal.h"

/* Is page the head of an allocated block of this order with one reference,
 * not a page_pool page? Read under the zone lock. */
static bool splittable(const struct pa_page *page, unsigned order)
{
    uint32_t flags = __atomic_load_n(&page->flags, __ATOMIC_RELAXED);
    return (flags & PG_STATE_MASK) == PG_ALLOC && !(flags & PG_PP) && page->order == order && page->refcount == 1;
}

/* Kernel: split_page(). Under the zone lock, as reference counts change
 * (free.c): pa_check never sees a block half split. */
PA_API int pa_split_page(pa_allocator *a, struct pa_page *page, unsigned int order)
{
    if (!a || !page || !page_is_ours(a, page))
        return pa_einval(a, "pa_split_page: %s", !a ? "NULL allocator" : "not a page of this allocator");
    if (order > PA_MAX_ORDER)
        return pa_einval(a, "pa_split_page: order %u above PA_MAX_ORDER", order);
    struct pa_zone *z = page_zone(a, page);
    os_mutex_lock(&z->lock);
    bool ok = splittable(page, order);
    if (ok && order) {
        __atomic_store_n(&page->flags, page->flags & ~PG_HEAD, __ATOMIC_RELAXED);
        page->order = 0;
        for (uint64_t i = 1; i < (1ull << order); i++)
            set_page_allocated(page + i, 0);
    }
    os_mutex_unlock(&z->lock);
    if (!ok)
        return pa_einval(a, "pa_split_page: pfn %#llx is not an allocated block of order %u with one reference",
                         (unsigned long long)page_to_pfn(a, page), order);
    return 0;
}
