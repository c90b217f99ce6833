// SPDX-License-Identifier: GPL-2.0-only
/* page_init.c - what a page's memory holds as the allocator hands it out and
 * takes it back (Kernel: post_alloc_hook(), the init half of
 * free_pages_prepare(), mem_debugging_and_hardening_init()): poisoning,
 * init_on_alloc, init_on_free and __GFP_ZERO, and how they combine. Called
 * by every path that hands out or takes back pages, the single (alloc.c,
 * free.c) and the bulk (pcp.c, free.c), and calls none of them. */
#include "internal.h"

#include <string.h>

/* Kernel: mem_debugging_and_hardening_init(): page poisoning takes
 * precedence over init_on_alloc and init_on_free, which it would undo (a
 * poisoned free page is not a zeroed one). */
void mem_init_setup(struct pa_allocator *a)
{
    uint32_t f = a->cfg.flags;
    bool poison = f & PA_CFG_POISON;
    if (poison && (f & (PA_CFG_INIT_ON_ALLOC | PA_CFG_INIT_ON_FREE)))
        pa_log(a, PA_LOG_INFO, "mem auto-init: page poisoning is on, "
                               "will take precedence over init_on_alloc and init_on_free");
    a->init_on_alloc = (f & PA_CFG_INIT_ON_ALLOC) && !poison;
    a->init_on_free = (f & PA_CFG_INIT_ON_FREE) && !poison;
    /* With init_on_free every free page is zero already: init_on_alloc has
     * nothing left to do (prep_new_page), only poisoning has. */
    a->prep_always = poison || (a->init_on_alloc && !a->init_on_free);
}

/* Kernel: kernel_init_pages() */
static void init_pages(struct pa_allocator *a, struct pa_page *page, unsigned order)
{
    void *p = pa_page_address(a, page);
    if (p)
        memset(p, 0, a->page_size << order);
}

/* Kernel: prep_new_page() / post_alloc_hook(): the page's memory, once the
 * block is marked allocated. init_on_free has zeroed every page on its way
 * in, so neither init_on_alloc nor __GFP_ZERO zeroes it a second time. */
void prep_new_page(struct pa_allocator *a, struct pa_page *page, unsigned order, pa_gfp_t gfp)
{
    if (unlikely(a->cfg.flags & PA_CFG_POISON))
        check_poison(a, page, order);
    if (!want_init_on_free(a) && want_init_on_alloc(a, gfp))
        init_pages(a, page, order);
}

/* The init half of free_pages_prepare(), after the poisoning, which
 * excludes it. Every way into the free lists passes here or starts zero:
 * the mapped memory of pa_create, or the caller's, which pa_create zeroes.
 * Free page reporting: a block reported and discarded reads as zeros when
 * it is next touched, which keeps this promise without more work here; it
 * breaks poisoning's (check_poison would find zeros, not PA_POISON_BYTE),
 * so the reporting side must re-poison such a block, or not report while
 * PA_CFG_POISON is on, as virtio_balloon does without VIRTIO_BALLOON_F_PAGE_POISON. */
void free_pages_init(struct pa_allocator *a, struct pa_page *page, unsigned order)
{
    init_pages(a, page, order);
}
