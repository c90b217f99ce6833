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

void emit_mm_page_alloc(struct pa_allocator *a, struct pa_page *page, unsigned order,
                        pa_gfp_t gfp, int mt);
void emit_mm_page_free(struct pa_allocator *a, struct pa_page *page, unsigned order);
void emit_mm_page_free_batched(struct pa_allocator *a, struct pa_page *page);
void emit_mm_page_alloc_zone_locked(struct pa_zone *z, struct pa_page *page, unsigned order, int mt);
void emit_mm_page_pcpu_drain(struct pa_zone *z, struct pa_page *page, unsigned order, int mt);
void emit_mm_page_alloc_extfrag(struct pa_zone *z, struct pa_page *page, unsigned alloc_order,
                                unsigned fallback_order, int alloc_mt, int fallback_mt);
void trace_destroy(struct pa_allocator *a);

/* page NULL: the allocation failed. */
static inline void trace_mm_page_alloc(struct pa_allocator *a, struct pa_page *page, unsigned order,
                                       pa_gfp_t gfp, int mt)
{
    if (unlikely(trace_enabled(a)))
        emit_mm_page_alloc(a, page, order, gfp, mt);
}

static inline void trace_mm_page_free(struct pa_allocator *a, struct pa_page *page, unsigned order)
{
    if (unlikely(trace_enabled(a)))
        emit_mm_page_free(a, page, order);
}

static inline void trace_mm_page_free_batched(struct pa_allocator *a, struct pa_page *page)
{
    if (unlikely(trace_enabled(a)))
        emit_mm_page_free_batched(a, page);
}

static inline void trace_mm_page_alloc_zone_locked(struct pa_zone *z, struct pa_page *page,
                                                   unsigned order, int mt)
{
    if (unlikely(trace_enabled(z->alloc)))
        emit_mm_page_alloc_zone_locked(z, page, order, mt);
}

static inline void trace_mm_page_pcpu_drain(struct pa_zone *z, struct pa_page *page, unsigned order,
                                            int mt)
{
    if (unlikely(trace_enabled(z->alloc)))
        emit_mm_page_pcpu_drain(z, page, order, mt);
}

/* After the fallback moved the block: change_ownership reads the pageblock. */
static inline void trace_mm_page_alloc_extfrag(struct pa_zone *z, struct pa_page *page,
                                               unsigned alloc_order, unsigned fallback_order,
                                               int alloc_mt, int fallback_mt)
{
    if (unlikely(trace_enabled(z->alloc)))
        emit_mm_page_alloc_extfrag(z, page, alloc_order, fallback_order, alloc_mt, fallback_mt);
}

#endif /* PAGEALLOC_TRACE_H */
