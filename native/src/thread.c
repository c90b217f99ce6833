// SPDX-License-Identifier: GPL-2.0-only
/* thread.c - per-thread state: the bound pcp slot and the allowed nodes
 * (Kernel: smp_processor_id(), current->mems_allowed); the memory policy
 * kept in the same state is mempolicy.c's. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

__thread struct thread_cache pa_thread_cache;

/* thread_state() past the cache: the thread key, then a new state if asked
 * for; the answer, NULL included, is cached until this thread creates one. */
struct pa_thread *thread_state_lookup(struct pa_allocator *a, bool create)
{
    struct pa_thread *t = os_key_get(a->tkey);
    if (!t && create) {
        t = calloc(1, sizeof(*t));
        if (!t)
            return NULL;
        t->alloc = a;
        t->cpu = -1;
        if (os_key_set(a->tkey, t) != 0) {
            free(t);
            return NULL;
        }
        /* Kept on a list so pa_destroy frees the states of threads still alive. */
        os_mutex_lock(&a->threads_lock);
        t->next = a->threads;
        a->threads = t;
        os_mutex_unlock(&a->threads_lock);
    }
    pa_thread_cache = (struct thread_cache){ a, a->id, t };
    return t;
}

/* Key destructor: a thread that exits takes its state with it. */
void thread_exit(void *p)
{
    struct pa_thread *t = p, **link;
    struct pa_allocator *a = t->alloc;
    mempolicy_thread_exit(t);
    if (pa_thread_cache.t == t)   /* a later key destructor may still call in */
        pa_thread_cache = (struct thread_cache){ 0 };
    os_mutex_lock(&a->threads_lock);
    for (link = &a->threads; *link; link = &(*link)->next) {
        if (*link == t) {
            *link = t->next;
            break;
        }
    }
    os_mutex_unlock(&a->threads_lock);
    free(t);
}

void threads_destroy(struct pa_allocator *a)
{
    struct pa_thread *t = a->threads;
    while (t) {
        struct pa_thread *next = t->next;
        free(t);
        t = next;
    }
    a->threads = NULL;
}

/* current_cpu() of a thread bound to no slot. */
int current_cpu_slow(struct pa_allocator *a)
{
    return os_current_cpu() % a->nr_cpus;
}

PA_API int pa_bind_cpu(pa_allocator *a, int cpu)
{
    if (!a)
        return pa_einval(NULL, "pa_bind_cpu: NULL allocator");
    if (cpu < -1 || cpu >= a->nr_cpus)
        return pa_einval(a, "pa_bind_cpu: cpu %d out of range [-1, %d)", cpu, a->nr_cpus);
    struct pa_thread *t = thread_state(a, cpu >= 0);
    if (!t)
        return cpu >= 0 ? -ENOMEM : 0;
    t->cpu = cpu;
    return 0;
}

PA_API int pa_current_cpu(pa_allocator *a)
{
    if (!a)
        return pa_einval(NULL, "pa_current_cpu: NULL allocator");
    return current_cpu(a, thread_state(a, false));
}

PA_API int pa_set_mems_allowed(pa_allocator *a, const pa_nodemask_t *mask)
{
    if (!a)
        return pa_einval(NULL, "pa_set_mems_allowed: NULL allocator");
    if (mask) {
        bool any = false;
        for (int nid = 0; nid < a->nr_nodes; nid++)
            any |= nodemask_test(mask, nid);
        if (!any)
            return pa_einval(a, "pa_set_mems_allowed: the mask holds no node of this allocator");
    }
    struct pa_thread *t = thread_state(a, mask != NULL);
    if (!t)
        return mask ? -ENOMEM : 0;
    t->has_mems = mask != NULL;
    if (mask)
        t->mems = *mask;
    return 0;
}
