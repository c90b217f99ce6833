/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * page_reporting.h - what the buddy lists need of free page reporting
 * (Kernel: mm/page_reporting.h): the "reported" mark on a free block's head
 * and the request a free makes. Everything here runs under the zone lock.
 */
#ifndef PAGEALLOC_PAGE_REPORTING_H
#define PAGEALLOC_PAGE_REPORTING_H

#include "internal.h"

/* Kernel: PageReported(). Only ever set on the head of a block on a buddy list. */
static inline bool page_reported(const struct pa_page *page)
{
    return __atomic_load_n(&page->flags, __ATOMIC_RELAXED) & PG_REPORTED;
}

/* Kernel: __SetPageReported(), with the zone's count of marked blocks kept
 * beside it (pa_check compares the two; the stats read it without the lock). */
static inline void set_page_reported(struct pa_zone *z, struct pa_page *page, unsigned order)
{
    __atomic_store_n(&page->flags, page->flags | PG_REPORTED, __ATOMIC_RELAXED);
    __atomic_store_n(&z->nr_reported[order], z->nr_reported[order] + 1, __ATOMIC_RELAXED);
}

/* Kernel: __ClearPageReported() */
static inline void clear_page_reported(struct pa_zone *z, struct pa_page *page, unsigned order)
{
    __atomic_store_n(&page->flags, page->flags & ~PG_REPORTED, __ATOMIC_RELAXED);
    __atomic_store_n(&z->nr_reported[order], z->nr_reported[order] - 1, __ATOMIC_RELAXED);
}

/* The request side of reporting: what a free touches, under a zone lock
 * (page_reporting_request.c), apart from the passes (page_reporting.c), so
 * that the buddy lists call into no file that calls them back. The timer
 * lock is a leaf lock. */
struct page_reporting_request {
    _Atomic int state;                 /* PA_PAGE_REPORTING_IDLE, _REQUESTED, _ACTIVE */
    pa_mutex timer_lock;               /* everything below */
    pa_cond timer;
    bool running, stop, scheduled;     /* the thread runs, is told to stop, has a pass due */
    uint64_t due_ns;
    unsigned delay_ms;
};

/* Kernel: schedule_delayed_work(&prdev->work, PAGE_REPORTING_DELAY). */
void schedule_pass(struct page_reporting_request *req);
void __page_reporting_notify(struct pa_allocator *a);

/* Kernel: page_reporting_notify_free(): a block of order `order` just went
 * onto a free list. Only a request: the pass runs later, elsewhere. Without
 * reporting, page_reporting_order is UINT_MAX and this is one compare. */
static inline void page_reporting_notify_free(struct pa_allocator *a, unsigned order)
{
    if (unlikely(order >= a->page_reporting_order))
        __page_reporting_notify(a);
}

/* page_reporting.c: set up at pa_create (before the first free), torn down
 * at pa_destroy (the thread stopped first). */
int page_reporting_init(struct pa_allocator *a);
void page_reporting_destroy(struct pa_allocator *a);
/* Held by a pass from its first isolation to its last putback: pa_check
 * takes it so it never sees a block that is on no list. */
void page_reporting_lock(struct pa_allocator *a);
void page_reporting_unlock(struct pa_allocator *a);

#endif /* PAGEALLOC_PAGE_REPORTING_H */
