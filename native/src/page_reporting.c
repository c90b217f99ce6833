// SPDX-License-Identifier: GPL-2.0-only
/*
 * page_reporting.c - free page reporting (Kernel: mm/page_reporting.c):
 * free blocks of the reporting order and above go to a report function (by
 * default: their memory back to the OS) a batch at a time, off their free
 * list and with the zone lock dropped while it runs, then back to the tail
 * of the list marked reported, so the next pass skips them. A free only
 * requests a pass (page_reporting_request.c); passes run in pa_page_reporting_run
 * or on the allocator's own thread, a delay after the first request.
 *
 * Locks: pr->lock (one pass at a time) is taken before a zone lock; the
 * timer lock is a leaf, taken under a zone lock by a free's request.
 */
#include "page_reporting.h"

#include <limits.h>
#include <stdlib.h>

#define CAPACITY PA_PAGE_REPORTING_CAPACITY
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

struct page_reporting {
    struct pa_allocator *alloc;
    unsigned order;
    struct page_reporting_request req; /* the state a free's request touches, and the timer */

    pa_mutex lock;                     /* a pass; fn and ctx */
    _Atomic uintptr_t pass_owner;      /* the thread running a pass, 0 if none */
    pa_page_report_fn fn;              /* NULL: discard_blocks (nothing, metadata only) */
    void *ctx;
    struct pa_page_report_block batch[CAPACITY];   /* isolated blocks (Kernel: the sg list) */
    unsigned nr;

    pa_counter pages, blocks, passes, skipped_wmark, failures;   /* written under lock */

    /* The thread of pa_page_reporting_start (Kernel: the delayed work). */
    pa_mutex control;                  /* start and stop, one at a time */
    pa_os_thread thread;
};

static bool has_report_fn(const struct page_reporting *pr)
{
    return pr->fn || !(pr->alloc->cfg.flags & PA_CFG_METADATA_ONLY);
}

/* The default report: the blocks' memory back to the OS. Private anonymous
 * memory (the allocator's own mappings, a C# managed arena's array) then
 * reads as zeros when touched again. */
static int discard_blocks(const struct page_reporting *pr)
{
    for (unsigned i = 0; i < pr->nr; i++) {
        int err = os_discard(pr->batch[i].addr, pr->alloc->page_size << pr->batch[i].order);
        if (err)
            return err;
    }
    return 0;
}

static int report(struct page_reporting *pr)
{
    int err = pr->fn ? pr->fn(pr->ctx, pr->batch, pr->nr) : discard_blocks(pr);
    return err > 0 ? -EIO : err;   /* a positive answer breaks the contract: a failure */
}

static void add_to_batch(struct page_reporting *pr, struct pa_page *page, unsigned order)
{
    struct pa_allocator *a = pr->alloc;
    uint64_t pfn = page_to_pfn(a, page);
    struct pa_page_report_block *b = &pr->batch[pr->nr++];
    b->page = page;
    b->pfn = pfn;
    b->order = order;
    b->reserved = 0;
    b->addr = (a->cfg.flags & PA_CFG_METADATA_ONLY)
                  ? NULL : (void *)(a->mem_bias[page_nid(page)] + (uintptr_t)(pfn << a->page_shift));
}

/* Kernel: page_reporting_drain(). Zone lock held. A block that merged on
 * its way back is a new, larger block: it stays unreported, and a later
 * pass reports it at its own order. */
static void drain(struct page_reporting *pr, struct pa_zone *z, bool reported, int64_t *total)
{
    uint64_t pages = 0;
    for (unsigned i = 0; i < pr->nr; i++) {
        struct pa_page *page = pr->batch[i].page;
        unsigned order = pr->batch[i].order;
        putback_isolated_page(z, page, order, get_pageblock_migratetype(z, pr->batch[i].pfn));
        pages += 1ull << order;
        if (reported && page_state(page) == PG_BUDDY && page->order == order)
            set_page_reported(z, page, order);
    }
    if (reported) {
        counter_add(&pr->pages, pages);
        counter_add(&pr->blocks, pr->nr);
        *total += (int64_t)pages;
    } else {
        counter_add(&pr->failures, pr->nr);
    }
    pr->nr = 0;
}

/* Kernel: list_rotate_to_front(): entry becomes the first of the list, so
 * the blocks before it (reported ones) wait at the tail. head->next is read
 * without the lock (list_empty_lockless): written once, atomically. */
static void rotate_to_front(struct pa_list_head *entry, struct pa_list_head *head)
{
    if (head->next == entry)
        return;
    struct pa_list_head *first = head->next, *last = head->prev, *prev = entry->prev;
    last->next = first;
    first->prev = last;
    prev->next = head;
    head->prev = prev;
    entry->prev = head;
    __atomic_store_n(&head->next, entry, __ATOMIC_RELAXED);
}

/* Kernel: page_reporting_cycle(): fill a batch from one free list, report
 * it with the zone lock dropped, drain it, and go on while the budget
 * lasts: a sixteenth of the order's free blocks per pass, in batches, plus
 * the one that reports blocks left over from the previous list. */
static int report_cycle(struct page_reporting *pr, struct pa_zone *z, unsigned order, int mt,
                        int64_t *total)
{
    struct free_area *area = &z->free_area[order];
    struct pa_list_head *list = &area->free_list[mt];
    struct pa_list_head *pos, *next, *stop = list;
    int err = 0;
    if (list_empty_lockless(list))
        return 0;
    os_mutex_lock(&z->lock);
    long budget = (long)DIV_ROUND_UP(area->nr_free, (uint64_t)CAPACITY * 16);
    for (pos = list->next; pos != list; pos = next) {
        struct pa_page *page = lru_to_page(pos);
        next = pos->next;
        if (page_reported(page))
            continue;
        if (budget < 0) {
            /* More to do: the pass's end schedules another. */
            atomic_store(&pr->req.state, PA_PAGE_REPORTING_REQUESTED);
            stop = pos;
            break;
        }
        if (pr->nr < CAPACITY) {
            if (!isolate_free_page(z, page, order)) {
                stop = pos;
                break;
            }
            add_to_batch(pr, page, order);
            continue;
        }
        rotate_to_front(pos, list);
        os_mutex_unlock(&z->lock);
        err = report(pr);
        budget--;
        os_mutex_lock(&z->lock);
        drain(pr, z, !err, total);
        next = list->next;   /* the list changed while the lock was dropped */
        if (err)
            break;
    }
    if (stop != list)
        rotate_to_front(stop, list);
    os_mutex_unlock(&z->lock);
    return err;
}

/* Free blocks of the reporting order and above not yet reported: what a
 * watermark skip leaves behind. A snapshot, read without the zone lock. */
static uint64_t unreported_blocks(const struct page_reporting *pr, const struct pa_zone *z)
{
    uint64_t n = 0;
    for (unsigned o = pr->order; o <= PA_MAX_ORDER; o++) {
        uint64_t nr_free = __atomic_load_n(&z->free_area[o].nr_free, __ATOMIC_RELAXED);
        uint64_t reported = __atomic_load_n(&z->nr_reported[o], __ATOMIC_RELAXED);
        n += nr_free > reported ? nr_free - reported : 0;
    }
    return n;
}

/* Kernel: page_reporting_process_zone(). */
static int process_zone(struct page_reporting *pr, struct pa_zone *z, int64_t *total)
{
    /* A pass holds up to a batch of blocks off the lists at once: the zone
     * must stay above its low watermark even then. */
    uint64_t mark = z->watermark[WMARK_LOW] + ((uint64_t)CAPACITY << pr->order);
    if (!zone_watermark_ok(z, 0, mark, 0, ALLOC_WMARK_MIN, zone_free_pages(z))) {
        counter_add(&pr->skipped_wmark, unreported_blocks(pr, z));
        return 0;
    }
    /* Every migratetype's list: the kernel skips only MIGRATE_ISOLATE (and
     * reports CMA blocks), and this allocator has neither type. */
    for (unsigned order = pr->order; order <= PA_MAX_ORDER; order++)
        for (int mt = 0; mt < PA_MIGRATE_TYPES; mt++) {
            int err = report_cycle(pr, z, order, mt, total);
            if (err)
                return err;
        }
    /* The leftover batch, before the next zone. */
    if (!pr->nr)
        return 0;
    int err = report(pr);
    os_mutex_lock(&z->lock);
    drain(pr, z, !err, total);
    os_mutex_unlock(&z->lock);
    return err;
}

/* Kernel: page_reporting_process(): one pass over every zone. Returns the
 * pages reported, or the report function's error (the pass stops there). */
static int64_t page_reporting_process(struct page_reporting *pr)
{
    int64_t total = 0;
    int err = 0, state = PA_PAGE_REPORTING_ACTIVE;
    os_mutex_lock(&pr->lock);
    atomic_store(&pr->pass_owner, os_thread_id());
    /* Requests made while the pass runs turn ACTIVE back into REQUESTED. */
    atomic_store(&pr->req.state, state);
    if (has_report_fn(pr)) {
        counter_add(&pr->passes, 1);
        struct pa_zone *z;
        for_each_zone(pr->alloc, z) {
            if ((err = process_zone(pr, z, &total)))
                break;
        }
    }
    if (!atomic_compare_exchange_strong(&pr->req.state, &state, PA_PAGE_REPORTING_IDLE) &&
        state == PA_PAGE_REPORTING_REQUESTED)
        schedule_pass(&pr->req);
    atomic_store(&pr->pass_owner, 0);
    os_mutex_unlock(&pr->lock);
    return err ? err : total;
}

static void *reporting_thread(void *arg)
{
    struct page_reporting *pr = arg;
    os_mutex_lock(&pr->req.timer_lock);
    while (!pr->req.stop) {
        if (!pr->req.scheduled || os_now_ns() < pr->req.due_ns) {
            os_cond_wait_until(&pr->req.timer, &pr->req.timer_lock, pr->req.scheduled ? pr->req.due_ns : UINT64_MAX);
            continue;
        }
        pr->req.scheduled = false;
        os_mutex_unlock(&pr->req.timer_lock);
        page_reporting_process(pr);
        os_mutex_lock(&pr->req.timer_lock);
    }
    os_mutex_unlock(&pr->req.timer_lock);
    return NULL;
}

int page_reporting_init(struct pa_allocator *a)
{
    a->page_reporting_order = UINT_MAX;
    if (!(a->cfg.flags & PA_CFG_PAGE_REPORTING))
        return 0;
    struct page_reporting *pr = calloc(1, sizeof(*pr));
    if (!pr)
        return -ENOMEM;
    a->reporting = pr;
    a->reporting_request = &pr->req;
    if (os_mutex_init(&pr->lock) || os_mutex_init(&pr->control) || os_mutex_init(&pr->req.timer_lock) ||
        os_cond_init(&pr->req.timer))
        return -ENOMEM;
    pr->alloc = a;
    pr->order = a->cfg.page_reporting_order ? a->cfg.page_reporting_order : PA_PAGEBLOCK_ORDER;
    pr->req.delay_ms = PA_PAGE_REPORTING_DELAY_MS;
    atomic_init(&pr->req.state, PA_PAGE_REPORTING_IDLE);
    a->page_reporting_order = pr->order;
    /* Kernel: page_reporting_register() asks for a first pass at once. */
    __page_reporting_notify(a);
    return 0;
}

static int stop_thread(struct page_reporting *pr)
{
    os_mutex_lock(&pr->control);
    os_mutex_lock(&pr->req.timer_lock);
    bool running = pr->req.running;
    pr->req.stop = true;
    os_cond_signal(&pr->req.timer);
    os_mutex_unlock(&pr->req.timer_lock);
    if (running)
        os_thread_join(pr->thread);
    os_mutex_lock(&pr->req.timer_lock);
    pr->req.running = pr->req.scheduled = false;
    os_mutex_unlock(&pr->req.timer_lock);
    os_mutex_unlock(&pr->control);
    return 0;
}

void page_reporting_destroy(struct pa_allocator *a)
{
    struct page_reporting *pr = a->reporting;
    if (!pr)
        return;
    if (pr->alloc)   /* fully initialized */
        stop_thread(pr);
    os_mutex_destroy(&pr->lock);
    os_mutex_destroy(&pr->control);
    os_mutex_destroy(&pr->req.timer_lock);
    os_cond_destroy(&pr->req.timer);
    free(pr);
    a->reporting = NULL;
    a->reporting_request = NULL;
    a->page_reporting_order = UINT_MAX;
}

void page_reporting_lock(struct pa_allocator *a)
{
    if (a->reporting)
        os_mutex_lock(&a->reporting->lock);
}

void page_reporting_unlock(struct pa_allocator *a)
{
    if (a->reporting)
        os_mutex_unlock(&a->reporting->lock);
}

/* The public calls' common check; NULL after logging. */
static struct page_reporting *reporting_of(pa_allocator *a, const char *fn)
{
    if (!a) {
        pa_log(NULL, PA_LOG_WARNING, "%s: NULL allocator", fn);
        return NULL;
    }
    if (!a->reporting)
        pa_log(a, PA_LOG_WARNING, "%s: the allocator was created without PA_CFG_PAGE_REPORTING", fn);
    return a->reporting;
}

/* A call that waits for the pass, made from the pass's own report function. */
static bool in_own_pass(struct page_reporting *pr)
{
    return atomic_load(&pr->pass_owner) == os_thread_id();
}

PA_API int64_t pa_page_reporting_run(pa_allocator *a)
{
    struct page_reporting *pr = reporting_of(a, "pa_page_reporting_run");
    if (!pr)
        return -EINVAL;
    if (in_own_pass(pr))
        return -EDEADLK;
    return page_reporting_process(pr);
}

PA_API int pa_set_page_reporting_callback(pa_allocator *a, pa_page_report_fn fn, void *ctx)
{
    struct page_reporting *pr = reporting_of(a, "pa_set_page_reporting_callback");
    if (!pr)
        return -EINVAL;
    if (in_own_pass(pr))
        return -EDEADLK;
    os_mutex_lock(&pr->lock);
    pr->fn = fn;
    pr->ctx = fn ? ctx : NULL;
    os_mutex_unlock(&pr->lock);
    return 0;
}

PA_API int pa_page_reporting_start(pa_allocator *a, unsigned int delay_ms)
{
    struct page_reporting *pr = reporting_of(a, "pa_page_reporting_start");
    if (!pr)
        return -EINVAL;
    os_mutex_lock(&pr->control);
    os_mutex_lock(&pr->req.timer_lock);
    if (pr->req.running) {
        os_mutex_unlock(&pr->req.timer_lock);
        os_mutex_unlock(&pr->control);
        return -EALREADY;
    }
    pr->req.delay_ms = delay_ms ? delay_ms : PA_PAGE_REPORTING_DELAY_MS;
    pr->req.stop = pr->req.scheduled = false;
    pr->req.running = true;
    os_mutex_unlock(&pr->req.timer_lock);
    int err = os_thread_create(&pr->thread, reporting_thread, pr);
    if (err) {
        os_mutex_lock(&pr->req.timer_lock);
        pr->req.running = false;
        os_mutex_unlock(&pr->req.timer_lock);
        os_mutex_unlock(&pr->control);
        pa_log(a, PA_LOG_WARNING, "pa_page_reporting_start: no thread (%d)", err);
        return -EAGAIN;
    }
    /* A request made while no thread ran is still pending: time it now. */
    if (atomic_load(&pr->req.state) == PA_PAGE_REPORTING_REQUESTED)
        schedule_pass(&pr->req);
    os_mutex_unlock(&pr->control);
    return 0;
}

PA_API int pa_page_reporting_stop(pa_allocator *a)
{
    struct page_reporting *pr = reporting_of(a, "pa_page_reporting_stop");
    if (!pr)
        return -EINVAL;
    if (in_own_pass(pr))
        return -EDEADLK;
    return stop_thread(pr);
}

PA_API int pa_page_reporting_get_stats(pa_allocator *a, struct pa_page_reporting_stats *out)
{
    if (!out)
        return pa_einval(a, "pa_page_reporting_get_stats: NULL out");
    struct page_reporting *pr = reporting_of(a, "pa_page_reporting_get_stats");
    if (!pr)
        return -EINVAL;
    out->pages_reported = counter_read(&pr->pages);
    out->blocks_reported = counter_read(&pr->blocks);
    out->passes = counter_read(&pr->passes);
    out->skipped_wmark = counter_read(&pr->skipped_wmark);
    out->failures = counter_read(&pr->failures);
    out->reported_free_pages = 0;
    struct pa_zone *z;
    for_each_zone(a, z)
        for (unsigned o = 0; o <= PA_MAX_ORDER; o++)
            out->reported_free_pages += __atomic_load_n(&z->nr_reported[o], __ATOMIC_RELAXED) << o;
    out->order = pr->order;
    out->state = (uint32_t)atomic_load(&pr->req.state);
    os_mutex_lock(&pr->req.timer_lock);
    out->thread_running = pr->req.running;
    out->delay_ms = pr->req.delay_ms;
    os_mutex_unlock(&pr->req.timer_lock);
    return 0;
}
