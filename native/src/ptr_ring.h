/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ptr_ring.h - the page_pool's recycle ring (Kernel: include/linux/ptr_ring.h):
 * a fixed array of page pointers in which a NULL slot is a free one. Any
 * number of producers under producer_lock; one consumer, the pool's context,
 * without a lock. The slot itself is the hand-off: the producer's release
 * store of a page pairs with the consumer's acquire load of it.
 */
#ifndef PAGEALLOC_PTR_RING_H
#define PAGEALLOC_PTR_RING_H

#include "internal.h"

struct ptr_ring {
    pa_spinlock producer_lock;
    unsigned producer;                 /* next slot to fill; under producer_lock */
    unsigned consumer_head;            /* next slot to take; the consumer's own */
    unsigned size;
    _Atomic(struct pa_page *) *queue;  /* size slots */
};

/* Kernel: __ptr_ring_produce(). Producer lock held; false when full. */
static inline bool ptr_ring_produce(struct ptr_ring *r, struct pa_page *page)
{
    if (atomic_load_explicit(&r->queue[r->producer], memory_order_relaxed))
        return false;
    atomic_store_explicit(&r->queue[r->producer], page, memory_order_release);
    if (++r->producer == r->size)
        r->producer = 0;
    return true;
}

/* Kernel: __ptr_ring_empty(). The consumer's peek. */
static inline bool ptr_ring_empty(const struct ptr_ring *r)
{
    return !atomic_load_explicit(&r->queue[r->consumer_head], memory_order_acquire);
}

/* Kernel: __ptr_ring_consume(). The consumer only; NULL when empty. */
static inline struct pa_page *ptr_ring_consume(struct ptr_ring *r)
{
    struct pa_page *page = atomic_load_explicit(&r->queue[r->consumer_head], memory_order_acquire);
    if (!page)
        return NULL;
    atomic_store_explicit(&r->queue[r->consumer_head], NULL, memory_order_relaxed);
    if (++r->consumer_head == r->size)
        r->consumer_head = 0;
    return page;
}

#endif /* PAGEALLOC_PTR_RING_H */
