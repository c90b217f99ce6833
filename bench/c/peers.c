// SPDX-License-Identifier: GPL-2.0-only
/* The peer allocators: glibc directly, mimalloc and jemalloc through dlopen so
 * the harness builds and runs where their Debian packages are absent; DPDK
 * through dpdk.c. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static int load_one(struct peer_api *api, const char *lib, const char *alloc_sym,
                    const char *free_sym, char *status, size_t size)
{
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(status, size, "not run: %s", dlerror());
        return -1;
    }
    api->alloc = (void *(*)(size_t))dlsym(h, alloc_sym);
    api->free = (void (*)(void *))dlsym(h, free_sym);
    if (!api->alloc || !api->free) {
        snprintf(status, size, "not run: %s lacks %s/%s", lib, alloc_sym, free_sym);
        api->alloc = NULL;
        return -1;
    }
    Dl_info info;
    snprintf(status, size, "ran: %s", dladdr((void *)api->alloc, &info) && info.dli_fname
                                          ? info.dli_fname : lib);
    return 0;
}

int peers_load(struct bench_env *env, char *status, size_t status_size, const char *peer)
{
    if (strcmp(peer, "mimalloc") == 0)
        return load_one(&env->mimalloc, "libmimalloc.so.2", "mi_malloc", "mi_free", status, status_size);
    if (strcmp(peer, "jemalloc") == 0)
        return load_one(&env->jemalloc, "libjemalloc.so.2", "malloc", "free", status, status_size);
    if (strcmp(peer, "dpdk") == 0)
        return dpdk_load(env, env->cpu, status, status_size);
    snprintf(status, status_size, "unknown peer");
    return -1;
}

int peer_available(const struct bench_env *env, const char *peer)
{
    if (!peer)
        return 1;
    if (strcmp(peer, "mimalloc") == 0)
        return env->mimalloc.alloc != NULL;
    if (strcmp(peer, "jemalloc") == 0)
        return env->jemalloc.alloc != NULL;
    if (strcmp(peer, "dpdk") == 0)
        return env->dpdk_pool != NULL;
    return 0;
}

static void cycle_api(struct bench_env *env, unsigned batch, void *(*alloc)(size_t),
                      void (*release)(void *))
{
    for (unsigned i = 0; i < batch; i++) {
        env->ptrs[i] = alloc(BENCH_PAGE);
        if (!env->ptrs[i])
            bench_die("peer malloc", -12);
        bench_touch(env->ptrs[i], 0);
    }
    for (unsigned i = 0; i < batch; i++)
        release(env->ptrs[i]);
}

void cycle_malloc(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    cycle_api(env, batch, malloc, free);
}

void cycle_aligned_alloc(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    for (unsigned i = 0; i < batch; i++) {
        env->ptrs[i] = aligned_alloc(BENCH_PAGE, BENCH_PAGE);
        if (!env->ptrs[i])
            bench_die("aligned_alloc", -12);
        bench_touch(env->ptrs[i], 0);
    }
    for (unsigned i = 0; i < batch; i++)
        free(env->ptrs[i]);
}

void cycle_mimalloc(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    cycle_api(env, batch, env->mimalloc.alloc, env->mimalloc.free);
}

void cycle_jemalloc(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    cycle_api(env, batch, env->jemalloc.alloc, env->jemalloc.free);
}
