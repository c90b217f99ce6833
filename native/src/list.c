// SPDX-License-Identifier: GPL-2.0-only
/* list.c - the public page-list helpers and page <-> pfn/address/node mapping. */
#include "internal.h"

PA_API void pa_list_init(struct pa_list_head *list)
{
    if (list)
        list_init(list);
}

PA_API int pa_list_empty(const struct pa_list_head *list)
{
    return !list || list_empty(list);
}

PA_API struct pa_page *pa_list_first(const struct pa_list_head *list)
{
    if (!list || list_empty(list))
        return NULL;
    return lru_to_page(list->next);
}

PA_API struct pa_page *pa_list_next(const struct pa_list_head *list, const struct pa_page *page)
{
    if (!list || !page || page->lru.next == list)
        return NULL;
    return lru_to_page(page->lru.next);
}

PA_API unsigned long pa_list_count(const struct pa_list_head *list)
{
    unsigned long n = 0;
    if (!list)
        return 0;
    for (const struct pa_list_head *p = list->next; p != list; p = p->next)
        n++;
    return n;
}

PA_API void pa_list_move_tail(struct pa_page *page, struct pa_list_head *list)
{
    if (!page || !list)
        return;
    list_del(&page->lru);
    list_add_tail(&page->lru, list);
}

PA_API void pa_list_del(struct pa_page *page)
{
    if (page)
        list_del(&page->lru);
}

PA_API void pa_list_splice_tail(struct pa_list_head *from, struct pa_list_head *to)
{
    if (from && to && from != to)
        list_splice_tail_init(from, to);
}

PA_API uint64_t pa_page_to_pfn(const pa_allocator *a, const struct pa_page *page)
{
    if (!a || !page_is_ours(a, page))
        return UINT64_MAX;
    return page_to_pfn(a, page);
}

PA_API struct pa_page *pa_pfn_to_page(const pa_allocator *a, uint64_t pfn)
{
    if (!a || pfn >= a->nr_pfns || (a->pages[pfn].flags & PG_RESERVED))
        return NULL;
    return pfn_to_page(a, pfn);
}

PA_API void *pa_page_address(const pa_allocator *a, const struct pa_page *page)
{
    if (!a)
        return NULL;
    /* page_is_ours(), with metadata-only allocators folded into the range. */
    uintptr_t off = (uintptr_t)page - (uintptr_t)a->pages;
    if (off >= a->addr_bytes || off % sizeof(*page) || (page->flags & PG_RESERVED))
        return NULL;
    return (void *)(a->mem_bias[page_nid(page)] + (off << a->addr_shift));
}

PA_API struct pa_page *pa_virt_to_page(const pa_allocator *a, const void *addr)
{
    if (!a || !addr)
        return NULL;
    for (int nid = 0; nid < a->nr_nodes; nid++) {
        const struct pa_node *n = &a->nodes[nid];
        const uint8_t *p = addr;
        if (n->mem && p >= n->mem && p < n->mem + (n->span << a->page_shift))
            return pa_pfn_to_page(a, n->start_pfn + ((uint64_t)(p - n->mem) >> a->page_shift));
    }
    return NULL;
}

PA_API int pa_page_to_nid(const pa_allocator *a, const struct pa_page *page)
{
    if (!a || !page_is_ours(a, page))
        return -EINVAL;
    return page_nid(page);
}

PA_API enum pa_zone_type pa_page_zonenum(const pa_allocator *a, const struct pa_page *page)
{
    if (!a || !page_is_ours(a, page))
        return PA_NR_ZONES;
    return (enum pa_zone_type)page_zonenum(page);
}

PA_API size_t pa_page_size(const pa_allocator *a) { return a ? a->page_size : 0; }
PA_API int pa_nr_nodes(const pa_allocator *a) { return a ? a->nr_nodes : 0; }
PA_API int pa_nr_cpus(const pa_allocator *a) { return a ? a->nr_cpus : 0; }

PA_API int pa_cpu_to_node(const pa_allocator *a, int cpu)
{
    if (!a || cpu < 0 || cpu >= a->nr_cpus)
        return -EINVAL;
    return a->cpu_to_node[cpu];
}
