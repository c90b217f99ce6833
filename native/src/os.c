// SPDX-License-Identifier: GPL-2.0-only
/* os.c - the Linux/POSIX implementation of os.h. */
#include "os.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline void os_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

void spin_lock_slow(pa_spinlock *l)
{
    for (unsigned spins = 0;; spins++) {
        if (spin_trylock(l))
            return;
        /* A holder preempted on a busy machine must get to run. */
        if (spins >= 64)
            sched_yield();
        else
            os_cpu_relax();
    }
}

int os_mutex_init(pa_mutex *m) { return -pthread_mutex_init(m, NULL); }
void os_mutex_destroy(pa_mutex *m) { pthread_mutex_destroy(m); }
void os_mutex_lock(pa_mutex *m) { pthread_mutex_lock(m); }
void os_mutex_unlock(pa_mutex *m) { pthread_mutex_unlock(m); }

int os_key_create(pa_thread_key *k, void (*destructor)(void *)) { return -pthread_key_create(k, destructor); }
void os_key_delete(pa_thread_key k) { pthread_key_delete(k); }
void *os_key_get(pa_thread_key k) { return pthread_getspecific(k); }
int os_key_set(pa_thread_key k, const void *v) { return -pthread_setspecific(k, v); }

void *os_map(size_t size, size_t align, void **base, size_t *mapped)
{
    size_t len = size + (align > 4096 ? align : 0);
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    *base = p;
    *mapped = len;
    uintptr_t start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
    return (void *)start;
}

void os_unmap(void *base, size_t mapped)
{
    if (base)
        munmap(base, mapped);
}

int os_bind_node(void *p, size_t size, int nid)
{
#ifdef SYS_mbind
    unsigned long mask[1024 / (8 * sizeof(unsigned long))] = { 0 };
    if (nid < 0 || nid >= 1024)
        return -EINVAL;
    mask[nid / (8 * sizeof(unsigned long))] = 1ul << (nid % (8 * sizeof(unsigned long)));
    const int mpol_bind = 2;
    if (syscall(SYS_mbind, p, size, mpol_bind, mask, 1024ul, 0u) != 0)
        return -errno;
    return 0;
#else
    (void)p; (void)size; (void)nid;
    return -ENOSYS;
#endif
}

int os_advise_huge(void *p, size_t size)
{
#ifdef MADV_HUGEPAGE
    return madvise(p, size, MADV_HUGEPAGE) ? -errno : 0;
#else
    (void)p; (void)size;
    return -EINVAL;
#endif
}

int os_discard(void *p, size_t size) { return madvise(p, size, MADV_DONTNEED) ? -errno : 0; }

int64_t os_resident_bytes(void *p, size_t size)
{
    /* mincore answers a byte per host page; ask in slices so the vector stays small. */
    enum { SLICE = 4096 };
    unsigned char vec[SLICE];
    size_t host = (size_t)sysconf(_SC_PAGESIZE);
    int64_t resident = 0;
    for (size_t off = 0; off < size; off += host * SLICE) {
        size_t len = size - off < host * SLICE ? size - off : host * SLICE;
        if (mincore((char *)p + off, len, vec) != 0)
            return -errno;
        for (size_t i = 0; i < (len + host - 1) / host; i++)
            resident += vec[i] & 1;
    }
    return resident * (int64_t)host;
}

uintptr_t os_thread_id(void)
{
    _Static_assert(sizeof(pthread_t) <= sizeof(uintptr_t), "pthread_t fits an id");
    return (uintptr_t)pthread_self();
}

int os_current_cpu(void)
{
    int cpu = sched_getcpu();
    return cpu < 0 ? 0 : cpu;
}

int os_online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

size_t os_cpu_data_slice_size(void)
{
    long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
    if (llc <= 0)
        llc = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return llc <= 0 ? 0 : (size_t)llc / (size_t)os_online_cpus();
}

void os_yield(void) { sched_yield(); }

void os_sleep_us(unsigned us)
{
    struct timespec ts = { us / 1000000u, (long)(us % 1000000u) * 1000 };
    nanosleep(&ts, NULL);
}

int os_cond_init(pa_cond *c)
{
    pthread_condattr_t attr;
    int err = pthread_condattr_init(&attr);
    if (!err)
        err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (!err)
        err = pthread_cond_init(c, &attr);
    pthread_condattr_destroy(&attr);
    return -err;
}
void os_cond_destroy(pa_cond *c) { pthread_cond_destroy(c); }
void os_cond_signal(pa_cond *c) { pthread_cond_signal(c); }

void os_cond_wait_until(pa_cond *c, pa_mutex *m, uint64_t deadline_ns)
{
    if (deadline_ns == UINT64_MAX) {
        pthread_cond_wait(c, m);
        return;
    }
    struct timespec ts = { (time_t)(deadline_ns / 1000000000u), (long)(deadline_ns % 1000000000u) };
    pthread_cond_timedwait(c, m, &ts);
}

uint64_t os_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int os_thread_create(pa_os_thread *t, void *(*fn)(void *), void *arg) { return -pthread_create(t, NULL, fn, arg); }
void os_thread_join(pa_os_thread t) { pthread_join(t, NULL); }
bool os_thread_is_self(pa_os_thread t) { return pthread_equal(t, pthread_self()); }
