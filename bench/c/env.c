// SPDX-License-Identifier: GPL-2.0-only
/* Set-up shared by the modes: the allocator under test and CPU pinning. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

void bench_die(const char *what, int err)
{
    fprintf(stderr, "pagealloc-bench: %s failed (%d: %s)\n", what, err, strerror(err < 0 ? -err : err));
    exit(1);
}

int pin_to_cpu(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set) == 0 ? 0 : -errno;
}

pa_allocator *bench_create_allocator(uint64_t pages, uint32_t nr_cpus, uint32_t flags)
{
    struct pa_config cfg;
    pa_config_init(&cfg);
    memset(cfg.node_zone_pages, 0, sizeof(cfg.node_zone_pages));
    cfg.node_zone_pages[0][PA_ZONE_NORMAL] = pages;
    if (nr_cpus)
        cfg.nr_cpus = nr_cpus;
    cfg.flags = flags;
    pa_allocator *a = NULL;
    int rc = pa_create(&cfg, &a);
    if (rc != 0)
        bench_die("pa_create", rc);
    return a;
}

/* The single-thread environment: pinned to cpu, and the allocator's pcp slot
 * is that cpu's, so our allocator and the peers' per-thread caches see the
 * same CPU throughout. */
int bench_env_init(struct bench_env *env, int cpu)
{
    memset(env, 0, sizeof(*env));
    env->cpu = cpu;
    int rc = pin_to_cpu(cpu);
    if (rc != 0)
        bench_die("sched_setaffinity", rc);
    env->a = bench_create_allocator(BENCH_ARENA_PAGES, 0, 0);
    rc = pa_bind_cpu(env->a, cpu % pa_nr_cpus(env->a));
    if (rc != 0)
        bench_die("pa_bind_cpu", rc);
    /* The page_pool candidates' pool: order 0 on the CPU's node, its context this thread. */
    struct pa_page_pool_params params = { .order = 0, .nid = PA_NUMA_NO_NODE };
    rc = pa_page_pool_create(env->a, &params, &env->pp);
    if (rc != 0)
        bench_die("pa_page_pool_create", rc);
    pa_page_pool_set_owner(env->pp);
    /* The touch candidates' fixed pages: page-aligned memory, no allocator in the cycle. */
    if (pa_alloc_pages_bulk_array(env->a, PA_GFP_KERNEL, BENCH_TOUCH_PAGES, env->touch_pages) !=
        BENCH_TOUCH_PAGES)
        bench_die("pa_alloc_pages_bulk_array (touch pages)", -12);
    for (unsigned i = 0; i < BENCH_TOUCH_PAGES; i++)
        env->touch_addrs[i] = pa_page_address(env->a, env->touch_pages[i]);
    /* The layout the candidates' inline addresses read: it must give what
     * the exported call gives. */
    rc = pa_get_layout(env->a, &env->layout);
    if (rc != 0)
        bench_die("pa_get_layout", rc);
    for (unsigned i = 0; i < BENCH_TOUCH_PAGES; i++)
        if (pa_layout_page_address(&env->layout, env->touch_pages[i]) != env->touch_addrs[i])
            bench_die("the inline page address", -22);
    return 0;
}

/* The allocator with these init flags, bound like env->a, made on first use. */
pa_allocator *bench_init_allocator(struct bench_env *env, uint32_t flags)
{
    bool on_alloc = flags == PA_CFG_INIT_ON_ALLOC;
    pa_allocator **slot = on_alloc ? &env->a_init_alloc : &env->a_init_free;
    if (!*slot) {
        *slot = bench_create_allocator(BENCH_ARENA_PAGES, 0, flags);
        int rc = pa_bind_cpu(*slot, env->cpu % pa_nr_cpus(*slot));
        if (rc != 0)
            bench_die("pa_bind_cpu", rc);
        rc = pa_get_layout(*slot, on_alloc ? &env->layout_init_alloc : &env->layout_init_free);
        if (rc != 0)
            bench_die("pa_get_layout", rc);
    }
    return *slot;
}

/* The layout of a, one of env's allocators. */
const struct pa_layout *bench_layout(const struct bench_env *env, const pa_allocator *a)
{
    return a == env->a_init_alloc ? &env->layout_init_alloc
         : a == env->a_init_free  ? &env->layout_init_free : &env->layout;
}

void bench_env_fini(struct bench_env *env)
{
    pa_allocator *init[] = { env->a_init_alloc, env->a_init_free };
    for (int i = 0; i < 2; i++) {
        if (init[i] && pa_check(init[i]) != 0)
            bench_die("pa_check of an init allocator after the run", -22);
        pa_destroy(init[i]);
    }
    env->a_init_alloc = env->a_init_free = NULL;
    pa_page_pool_destroy(env->pp);
    env->pp = NULL;
    pa_release_pages(env->a, env->touch_pages, BENCH_TOUCH_PAGES);
    int rc = pa_check(env->a);
    if (rc != 0)
        bench_die("pa_check after the run", rc);
    pa_destroy(env->a);
    env->a = NULL;
}
