/* SPDX-License-Identifier: GPL-2.0-only */
/* trace.h - the tracepoint seam (Kernel: include/trace/events/kmem.h). Each
 * trace_mm_page_*() is placed where the kernel's tracepoint of that name
 * fires; with no callback set it costs one load and one predictable branch,
 * the rest lives out of line in trace.c. */
#ifndef PAGEALLOC_TRACE_H
#define PAGEALLOC_TRACE_H

#include "internal.h"

/* One pa_set_trace() setting, never changed once published and freed only
 * with the allocator, so a reader that loaded it may use it unlocked. */
struct trace_hook {
    pa_trace_fn fn;
    void *ctx;
    uint32_t mask;
    struct trace_hook *next;   /* every hook the allocator made (cb_lock) */
};

/* Is a callback set? The one test an event site makes. */
static inline bool trace_enabled(const struct pa_allocator *a)
{
    return __atomic_load_n(&a->trace, __ATOMIC_RELAXED) != NULL;
}

/* Each event is built from what its site passes in, the CPU included (the
 * kernel's trace buffer records the CPU the site runs on); trace.c calls
 * back into no other file of the allocator. */
void emit_mm_page_alloc(struct pa_allocator *a, int cpu, struct pa_page *page, unsigned order,
                        pa_gfp_t gfp, int mt);
void emit_mm_page_free(struct pa_allocator *a, int cpu, struct pa_page *page, unsigned order);
void emit_mm_page_free_batched(struct pa_allocator *a, int cpu, struct pa_page *page);
void emit_mm_page_alloc_zone_locked(struct pa_zone *z, int cpu, struct pa_page *page, unsigned order,
                                    int mt, bool percpu_refill);
void emit_mm_page_pcpu_drain(struct pa_zone *z, int cpu, struct pa_page *page, unsigned order, int mt);
void emit_mm_page_alloc_extfrag(struct pa_zone *z, int cpu, struct pa_page *page, unsigned alloc_order,
                                unsigned fallback_order, int alloc_mt, int fallback_mt,
                                bool change_ownership);
void trace_destroy(struct pa_allocator *a);

/* The CPU of a site that has not looked it up, only once an event fires. */
static inline int trace_cpu(struct pa_allocator *a)
{
    return current_cpu(a, thread_state(a, false));
}

/* page NULL: the allocation failed. cpu: the caller's pcp slot. */
static inline void trace_mm_page_alloc(struct pa_allocator *a, int cpu, struct pa_page *page,
                                       unsigned order, pa_gfp_t gfp, int mt)
{
    if (unlikely(trace_enabled(a)))
        emit_mm_page_alloc(a, cpu, page, order, gfp, mt);
}

static inline void trace_mm_page_free(struct pa_allocator *a, struct pa_page *page, unsigned order)
{
    if (unlikely(trace_enabled(a)))
        emit_mm_page_free(a, trace_cpu(a), page, order);
}

static inline void trace_mm_page_free_batched(struct pa_allocator *a, int cpu, struct pa_page *page)
{
    if (unlikely(trace_enabled(a)))
        emit_mm_page_free_batched(a, cpu, page);
}

/* percpu_refill as __rmqueue_smallest() passes it: could this block go to
 * a pcp list, not whether one asked for it. */
static inline void trace_mm_page_alloc_zone_locked(struct pa_zone *z, struct pa_page *page,
                                                   unsigned order, int mt, bool percpu_refill)
{
    if (unlikely(trace_enabled(z->alloc)))
        emit_mm_page_alloc_zone_locked(z, trace_cpu(z->alloc), page, order, mt, percpu_refill);
}

static inline void trace_mm_page_pcpu_drain(struct pa_zone *z, struct pa_page *page, unsigned order,
                                            int mt)
{
    if (unlikely(trace_enabled(z->alloc)))
        emit_mm_page_pcpu_drain(z, trace_cpu(z->alloc), page, order, mt);
}

/* After the fallback moved the block: change_ownership is whether the
 * pageblock now has the type the request asked for. */
static inline void trace_mm_page_alloc_extfrag(struct pa_zone *z, struct pa_page *page,
                                               unsigned alloc_order, unsigned fallback_order,
                                               int alloc_mt, int fallback_mt)
{
    if (unlikely(trace_enabled(z->alloc)))
        emit_mm_page_alloc_extfrag(z, trace_cpu(z->alloc), page, alloc_order, fallback_order,
                                   alloc_mt, fallback_mt,
                                   alloc_mt == get_pageblock_migratetype(z, page_to_pfn(z->alloc, page)));
}

#endif /* PAGEALLOC_TRACE_H */
