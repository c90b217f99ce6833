// SPDX-License-Identifier: GPL-2.0-only
/* debug.c - page poisoning and bad_page checks (Kernel: mm/page_poison.c,
 * free_page_is_bad(), check_new_page(), bad_page()). */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static const char *state_name(unsigned state)
{
    switch (state) {
    case PG_BUDDY: return "buddy";
    case PG_PCP: return "pcp";
    case PG_ALLOC: return "allocated";
    case PG_TAIL: return "tail";
    case PG_RESERVED: return "reserved";
    case 0: return "free-tail";
    default: return "corrupt";
    }
}

/* Kernel: bad_page(): report and leave the page alone; the caller does not
 * touch any list, so nothing is corrupted. */
void bad_page(struct pa_allocator *a, const struct pa_page *page, const char *reason)
{
    if (!page_is_ours(a, page)) {
        pa_log(a, PA_LOG_ERR, "BUG: Bad page state: page %p is not a page of this allocator (%s)",
               (const void *)page, reason);
        return;
    }
    pa_log(a, PA_LOG_ERR,
           "BUG: Bad page state: pfn:%#llx node:%d zone:%d state:%s order:%u refcount:%d: %s",
           (unsigned long long)page_to_pfn(a, page), page_nid(page), page_zonenum(page),
           state_name(page_state(page)), page->order, page->refcount, reason);
}

/* Kernel: kernel_poison_pages() */
void poison_pages(struct pa_allocator *a, struct pa_page *page, unsigned order)
{
    void *p = pa_page_address(a, page);
    if (p)
        memset(p, PA_POISON_BYTE, a->page_size << order);
}

/* Kernel: check_poison_mem(): a byte that is not 0xaa means someone wrote
 * to the page after freeing it. Reported; the page is still handed out. */
void check_poison(struct pa_allocator *a, struct pa_page *page, unsigned order)
{
    const uint8_t *p = pa_page_address(a, page);
    if (!p)
        return;
    size_t len = a->page_size << order, i = 0;
    /* Eight bytes a compare, then the byte that differs (pages are whole
     * multiples of eight bytes). */
    const uint64_t poison = 0x0101010101010101ull * PA_POISON_BYTE;
    for (; i < len; i += sizeof(poison)) {
        uint64_t word;
        memcpy(&word, p + i, sizeof(word));
        if (word != poison)
            break;
    }
    for (; i < len; i++) {
        if (p[i] != PA_POISON_BYTE) {
            pa_log(a, PA_LOG_ERR,
                   "pagealloc: memory corruption: pfn:%#llx offset %zu holds %#x, not %#x "
                   "(written after free?)",
                   (unsigned long long)(page_to_pfn(a, page) + (i >> a->page_shift)), i, p[i],
                   PA_POISON_BYTE);
            return;
        }
    }
}

/* Kernel: free_page_is_bad_report() / free_tail_page_prepare(): the full
 * check of a page free_page_is_bad() did not pass at a glance, reported by
 * bad_page. The head checks always run (they keep the lists intact);
 * PA_CFG_DEBUG_CHECKS adds every tail page. True: the page must not be freed. */
bool free_page_is_bad_report(struct pa_allocator *a, struct pa_page *page, unsigned order)
{
    if (!page_is_ours(a, page)) {
        bad_page(a, page, "foreign page");
        return true;
    }
    unsigned state = page_state(page);
    if (state != PG_ALLOC) {
        bad_page(a, page, state == PG_BUDDY || state == PG_PCP ? "double free" : "not the head of an allocated block");
        return true;
    }
    if (__atomic_load_n(&page->flags, __ATOMIC_RELAXED) & PG_PP) {
        /* Kernel: page_bad_reason(), page_pool_page_is_pp() (6.16) */
        bad_page(a, page, "page_pool leak: a page_pool page freed to the allocator");
        return true;
    }
    if (page->order != order) {
        char msg[64];
        snprintf(msg, sizeof(msg), "wrong order: freed as %u, allocated as %u", order, page->order);
        bad_page(a, page, msg);
        return true;
    }
    if (page->refcount != 1) {
        bad_page(a, page, page->refcount > 1 ? "page still referenced" : "nonzero _refcount");
        return true;
    }
    if (debug_checks(a)) {
        for (uint64_t i = 1; i < (1ull << order); i++) {
            if (page_state(page + i) != PG_TAIL) {
                bad_page(a, page + i, "corrupted tail page");
                return true;
            }
        }
    }
    return false;
}
