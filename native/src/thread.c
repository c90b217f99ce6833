// SPDX-License-Identifier: GPL-2.0-only
/* thread.c - per-thread state: the bound pcp slot and the allowed nodes
 * (Kernel: smp_processor_id(), current->mems_allowed); the memory policy
 * kept in the same state is mempolicy.c's. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* The thread's state for a, created on first need; NULL if it has none and
 * create is false (an unbound thread allowed every node). */
struct pa_thread *thread_state(struct pa_allocator *a, bool create)
{
    struct pa_thread *t = os_key_get(a->tkey);
    if (t || !create)
        return t;
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
    return t;
}

/* Key destructor: a thread that exits takes its state with it. */
void thread_exit(void *p)
{
    struct pa_thread *t = p, **link;
    struct pa_allocator *a = t->alloc;
    mempolicy_thread_exit(t);
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

/* Kernel: smp_processor_id(); a bound thread always uses its slot. */
int current_cpu(struct pa_allocator *a, struct pa_thread *t)
{
    if (t && t->cpu >= 0)
        return t->cpu;
    return os_current_cpu() % a->nr_cpus;
}

/* Kernel: __cpuset_zone_allowed(). The thread's set acts as a hardwalled,
 * mem_exclusive cpuset: it binds every request that carries ALLOC_CPUSET. */
bool cpuset_zone_allowed(const struct alloc_context *ac, const struct pa_zone *z)
{
    return !ac->thread || !ac->thread->has_mems || nodemask_test(&ac->thread->mems, z->nid);
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
