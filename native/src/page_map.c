// SPDX-License-Identifier: GPL-2.0-only
/* page_map.c - a page's frame number, address, node and zone, and the layout
 * that lets callers compute the first two themselves (leaves: see leaf.h). */
#include "leaf.h"

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

/* Are the pages of every node at one bias from their pfns? Nodes without
 * frames have no memory to place. */
static bool single_address_map(const struct pa_allocator *a, uintptr_t *bias)
{
    bool found = false;
    if (!a->addr_bytes)
        return false;
    for (int nid = 0; nid < a->nr_nodes; nid++) {
        if (!a->nodes[nid].span)
            continue;
        if (found && a->mem_bias[nid] != *bias)
            return false;
        *bias = a->mem_bias[nid];
        found = true;
    }
    return found;
}

PA_API int pa_get_layout(const pa_allocator *a, struct pa_layout *out)
{
    uintptr_t bias = 0;
    if (!a || !out)
        return -EINVAL;
    if (!single_address_map(a, &bias))
        return -ENXIO;
    *out = (struct pa_layout){
        .version = PA_LAYOUT_VERSION,
        .page_shift = a->page_shift,
        .desc_shift = PA_LAYOUT_DESC_SHIFT,
        .page_size = (uint32_t)1 << a->page_shift,
        .pages = a->pages,
        .nr_pfns = a->nr_pfns,
        .mem_base = bias,
    };
    return 0;
}
