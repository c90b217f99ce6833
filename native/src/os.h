/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * os.h - everything the allocator needs from the operating system: memory
 * mappings, the current CPU, NUMA binding, locks and thread-local keys.
 * A port to another OS replaces os.c (and the types below) only.
 */
#ifndef PAGEALLOC_OS_H
#define PAGEALLOC_OS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A test-and-set lock: the pcp lock, where the kernel uses a spinlock that
 * the allocation and free paths take with a trylock. */
typedef struct { atomic_int v; } pa_spinlock;
typedef pthread_mutex_t pa_mutex;
typedef pthread_key_t pa_thread_key;

static inline void spin_init(pa_spinlock *l) { atomic_init(&l->v, 0); }
static inline bool spin_trylock(pa_spinlock *l)
{
    return atomic_load_explicit(&l->v, memory_order_relaxed) == 0 &&
           atomic_exchange_explicit(&l->v, 1, memory_order_acquire) == 0;
}
void spin_lock_slow(pa_spinlock *l);
static inline void spin_lock(pa_spinlock *l)
{
    if (!atomic_exchange_explicit(&l->v, 1, memory_order_acquire))
        return;
    spin_lock_slow(l);
}
static inline void spin_unlock(pa_spinlock *l) { atomic_store_explicit(&l->v, 0, memory_order_release); }

int os_mutex_init(pa_mutex *m);
void os_mutex_destroy(pa_mutex *m);
void os_mutex_lock(pa_mutex *m);
void os_mutex_unlock(pa_mutex *m);

int os_key_create(pa_thread_key *k, void (*destructor)(void *));
void os_key_delete(pa_thread_key k);
void *os_key_get(pa_thread_key k);
int os_key_set(pa_thread_key k, const void *v);

/* Maps size bytes of zeroed, lazily committed memory aligned to align (a
 * power of two). Returns the aligned start; *base and *mapped say what to
 * pass to os_unmap. NULL on failure. */
void *os_map(size_t size, size_t align, void **base, size_t *mapped);
void os_unmap(void *base, size_t mapped);
/* Asks the OS to back [p, p + size) with huge pages where it can (madvise
 * MADV_HUGEPAGE); 0 or a negative errno (-EINVAL where the host has none). */
int os_advise_huge(void *p, size_t size);
/* Binds [p, p + size) to host NUMA node nid; 0 or a negative errno. */
int os_bind_node(void *p, size_t size, int nid);
/* Tells the OS the pages' contents are no longer needed: they leave the
 * process's RSS and private anonymous memory reads as zero when touched
 * next (madvise MADV_DONTNEED). 0 or a negative errno. */
int os_discard(void *p, size_t size);
/* Bytes of [p, p + size) the OS holds in memory now (p page-aligned); a
 * negative errno if it cannot tell. */
int64_t os_resident_bytes(void *p, size_t size);

/* An id of the calling thread, never 0, unique among live threads. */
uintptr_t os_thread_id(void);
int os_current_cpu(void);     /* CPU the thread runs on now, 0 if unknown */
int os_online_cpus(void);
/* Bytes of the last-level data cache per online CPU sharing it (Kernel:
 * cpu_cacheinfo.per_cpu_data_slice_size); 0 if unknown. */
size_t os_cpu_data_slice_size(void);
void os_yield(void);
void os_sleep_us(unsigned us);

/* A condition variable on CLOCK_MONOTONIC, and a thread the allocator owns
 * (free page reporting's timer). */
typedef pthread_cond_t pa_cond;
typedef pthread_t pa_os_thread;
int os_cond_init(pa_cond *c);
void os_cond_destroy(pa_cond *c);
void os_cond_signal(pa_cond *c);
/* Waits on c (m held) until signalled or CLOCK_MONOTONIC reaches deadline_ns
 * (UINT64_MAX: no deadline); may return early, as every condition wait. */
void os_cond_wait_until(pa_cond *c, pa_mutex *m, uint64_t deadline_ns);
uint64_t os_now_ns(void);    /* CLOCK_MONOTONIC */
int os_thread_create(pa_os_thread *t, void *(*fn)(void *), void *arg);
void os_thread_join(pa_os_thread t);
bool os_thread_is_self(pa_os_thread t);

#endif /* PAGEALLOC_OS_H */
