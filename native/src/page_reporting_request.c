// SPDX-License-Identifier: GPL-2.0-only
/*
 * page_reporting_request.c - the request a free makes for a reporting pass
 * (Kernel: __page_reporting_request() in mm/page_reporting.c): a state flag
 * and, once per idle period, the timer of the allocator's reporting thread.
 * Kept apart from the passes (page_reporting.c), which call into the buddy
 * lists, so the buddy lists' call here closes no circle.
 */
#include "page_reporting.h"

/* Kernel: schedule_delayed_work(&prdev->work, PAGE_REPORTING_DELAY): a
 * no-op without the thread (the caller runs passes itself) or when one is
 * already due. */
void schedule_pass(struct page_reporting_request *req)
{
    os_mutex_lock(&req->timer_lock);
    if (req->running && !req->scheduled) {
        req->scheduled = true;
        req->due_ns = os_now_ns() + (uint64_t)req->delay_ms * 1000000u;
        os_cond_signal(&req->timer);
    }
    os_mutex_unlock(&req->timer_lock);
}

/* Kernel: __page_reporting_request(). Runs under a zone lock: two atomics
 * and, once per idle period, the timer lock. */
void __page_reporting_notify(struct pa_allocator *a)
{
    struct page_reporting_request *req = a->reporting_request;
    if (atomic_load_explicit(&req->state, memory_order_relaxed) == PA_PAGE_REPORTING_REQUESTED)
        return;
    /* A pass already running sees the request when it ends (Kernel: state
     * not IDLE) and schedules the next one itself. */
    if (atomic_exchange(&req->state, PA_PAGE_REPORTING_REQUESTED) != PA_PAGE_REPORTING_IDLE)
        return;
    schedule_pass(req);
}
