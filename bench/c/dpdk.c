/* SPDX-License-Identifier: GPL-2.0-only */
/* The DPDK peer: rte_mempool with a per-lcore cache, the floor of "hand out a
 * pointer to a fixed-size buffer" (no buddy work: an array of pointers).
 * Built only when pkg-config finds libdpdk (Debian's dpdk-dev); otherwise the
 * peer reports why it did not run, and the harness needs only a C compiler. */
#include <string.h>

#include "bench.h"

#ifdef PAGEALLOC_BENCH_DPDK
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_version.h>

/* Objects in the pool: more than the largest batch plus a full cache. */
#define DPDK_POOL_OBJECTS 8191u
#define DPDK_CACHE_SIZE 512u

int dpdk_load(struct bench_env *env, int cpu, char *status, size_t size)
{
    static int eal_done;   /* rte_eal_init may run once per process */
    if (env->dpdk_pool)
        return 0;
    if (eal_done < 0) {
        snprintf(status, size, "not run: EAL initialisation failed earlier");
        return -1;
    }
    if (!eal_done) {
        char lcore[16];
        snprintf(lcore, sizeof(lcore), "%d", cpu);
        char *argv[] = { "pagealloc-bench", "--no-huge", "--no-pci", "--no-shconf", "-m", "128",
                         "--no-telemetry", "--log-level=error", "-l", lcore, NULL };
        if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
            eal_done = -1;
            snprintf(status, size, "not run: rte_eal_init failed (%s)", rte_strerror(rte_errno));
            return -1;
        }
        eal_done = 1;
    }
    struct rte_mempool *mp = rte_mempool_create("pagealloc_bench", DPDK_POOL_OBJECTS, BENCH_PAGE,
                                                DPDK_CACHE_SIZE, 0, NULL, NULL, NULL, NULL,
                                                SOCKET_ID_ANY, 0);
    if (!mp) {
        snprintf(status, size, "not run: rte_mempool_create failed (%s)", rte_strerror(rte_errno));
        return -1;
    }
    env->dpdk_pool = mp;
    env->dpdk_cache = rte_mempool_default_cache(mp, rte_lcore_id());
    snprintf(status, size, "ran: %s, EAL --no-huge --no-pci --no-shconf -m 128 --no-telemetry -l %d, "
             "rte_mempool of %u x 4 KiB objects, per-lcore cache of %u",
             rte_version(), cpu, DPDK_POOL_OBJECTS, DPDK_CACHE_SIZE);
    return 0;
}

/* Kernel-free peer: rte_mempool_generic_get/put of the whole batch with the lcore's cache. */
void cycle_dpdk(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    struct rte_mempool *mp = env->dpdk_pool;
    struct rte_mempool_cache *cache = env->dpdk_cache;
    if (rte_mempool_generic_get(mp, env->ptrs, batch, cache) != 0)
        bench_die("rte_mempool_generic_get", -12);
    for (unsigned i = 0; i < batch; i++)
        bench_touch(env->ptrs[i], 0);
    rte_mempool_generic_put(mp, env->ptrs, batch, cache);
}

/* One object per get and per put: DPDK's single-buffer path. */
void cycle_dpdk_single(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)order;
    struct rte_mempool *mp = env->dpdk_pool;
    struct rte_mempool_cache *cache = env->dpdk_cache;
    for (unsigned i = 0; i < batch; i++) {
        if (rte_mempool_generic_get(mp, &env->ptrs[i], 1, cache) != 0)
            bench_die("rte_mempool_generic_get", -12);
        bench_touch(env->ptrs[i], 0);
    }
    for (unsigned i = 0; i < batch; i++)
        rte_mempool_generic_put(mp, &env->ptrs[i], 1, cache);
}

#else

int dpdk_load(struct bench_env *env, int cpu, char *status, size_t size)
{
    (void)env;
    (void)cpu;
    snprintf(status, size, "not run: built without DPDK (pkg-config found no libdpdk; install dpdk-dev)");
    return -1;
}

/* Never called: candidates of an unavailable peer are not run. */
void cycle_dpdk(struct bench_env *env, unsigned batch, unsigned order)
{
    (void)env;
    (void)batch;
    (void)order;
    bench_die("cycle_dpdk without DPDK", -38);
}

void cycle_dpdk_single(struct bench_env *env, unsigned batch, unsigned order)
{
    cycle_dpdk(env, batch, order);
}

#endif
