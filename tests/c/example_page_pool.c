/* SPDX-License-Identifier: GPL-2.0-only */
#include <pagealloc/pagealloc.h>
#include <string.h>

int main(void)
{
    struct pa_config cfg;
    pa_allocator *a;
    pa_page_pool *pool;
    struct pa_page_pool_params params = { .order = 0, .nid = PA_NUMA_NO_NODE };
    pa_config_init(&cfg);
    if (pa_create(&cfg, &a) != 0 || pa_page_pool_create(a, &params, &pool) != 0)
        return 1;
    pa_page_pool_set_owner(pool);                 /* this thread is the pool's context */
    struct pa_page *rx[64] = { 0 };
    unsigned long n = pa_page_pool_alloc_bulk(pool, PA_GFP_ATOMIC, 64, rx);
    for (unsigned long i = 0; i < n; i++) {
        memset(pa_page_address(a, rx[i]), 0, 64); /* a packet lands */
        pa_page_pool_recycle_direct(pool, rx[i]); /* back to the cache, no lock */
    }
    pa_page_pool_destroy(pool);                   /* cache and ring back to a */
    pa_destroy(a);
    return n == 64 ? 0 : 1;
}
