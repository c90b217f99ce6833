// SPDX-License-Identifier: GPL-2.0-only
/* fault.c - fail_page_alloc fault injection (Kernel: lib/fault-inject.c,
 * should_fail_alloc_page()). */
#include "internal.h"

#include <string.h>

/* A deterministic generator, so that a seeded test fails the same calls on
 * every run (splitmix64). */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Kernel: should_fail_ex() */
static bool should_fail(struct fault_state *f, uint64_t size)
{
    if (f->times_left == 0)
        return false;
    if (f->space_left > 0 && (uint64_t)f->space_left > size) {
        f->space_left -= (int64_t)size;
        return false;
    }
    if (f->attr.interval > 1) {
        f->count++;
        if (f->count % f->attr.interval)
            return false;
    }
    if (f->attr.probability <= next_random(&f->rng) % 100)
        return false;
    if (f->times_left != -1)
        f->times_left--;
    return true;
}

/* Kernel: should_fail_alloc_page() */
bool should_fail_alloc_page(struct pa_allocator *a, pa_gfp_t gfp, unsigned order)
{
    if (likely(!atomic_load_explicit(&a->fault_on, memory_order_relaxed)))
        return false;
    os_mutex_lock(&a->cb_lock);
    struct fault_state *f = &a->fault;
    bool fail = f->enabled && order >= f->attr.min_order && !(gfp & PA_GFP_NOFAIL) &&
                !(f->attr.ignore_gfp_reclaim && (gfp & PA_GFP_DIRECT_RECLAIM)) &&
                should_fail(f, (uint64_t)a->page_size << order);
    os_mutex_unlock(&a->cb_lock);
    if (fail && !(gfp & PA_GFP_NOWARN))
        pa_log(a, PA_LOG_INFO, "FAULT_INJECTION: forcing a failure (fail_page_alloc, order %u)", order);
    return fail;
}

PA_API int pa_set_fail_page_alloc(pa_allocator *a, const struct pa_fault_attr *attr)
{
    if (!a)
        return pa_einval(NULL, "pa_set_fail_page_alloc: NULL allocator");
    if (attr && (attr->probability > 100 || attr->times < -1 || attr->space < 0))
        return pa_einval(a, "pa_set_fail_page_alloc: probability > 100, times < -1 or space < 0");
    os_mutex_lock(&a->cb_lock);
    memset(&a->fault, 0, sizeof(a->fault));
    if (attr) {
        a->fault.enabled = true;
        a->fault.attr = *attr;
        a->fault.times_left = attr->times;
        a->fault.space_left = attr->space;
        a->fault.rng = 0x5eed;
    }
    atomic_store(&a->fault_on, attr != NULL);
    os_mutex_unlock(&a->cb_lock);
    return 0;
}
