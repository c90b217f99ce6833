// SPDX-License-Identifier: GPL-2.0-only
/* page_init.c - what a page's memory holds as the allocator hands it out
 * (Kernel: prep_new_page(), post_alloc_hook()): the poison check, the
 * zeroing __GFP_ZERO asks for. Called by every path that hands out pages,
 * the single (alloc.c) and the bulk (pcp.c), and calls none of them. */
#include "internal.h"

#include <string.h>

/* Kernel: prep_new_page() / post_alloc_hook(): the page's memory, once the
 * block is marked allocated. */
void prep_new_page(struct pa_allocator *a, struct pa_page *page, unsigned order, pa_gfp_t gfp)
{
    if (unlikely(a->cfg.flags & PA_CFG_POISON))
        check_poison(a, page, order);
    if (gfp & PA_GFP_ZERO) {
        void *p = pa_page_address(a, page);
        if (p)
            memset(p, 0, a->page_size << order);
    }
}
