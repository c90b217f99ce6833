/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * page_pool.c - the network stack's page cache over the allocator (Kernel:
 * net/core/page_pool.c, include/net/page_pool/helpers.h, Linux 6.18; rules
 * P1-P13 in docs/PAGE_POOL.md, each with the test named after it in
 * tests/c/test_page_pool.c). This file holds the kernel's functions; the bulk
 * calls and the address form that are this project's own are in
 * page_pool_bulk.c.
 *
 * A pool keeps an array cache of blocks for its context (one thread at a
 * time, as a NAPI poll loop), refilled 64 pages at a time by the bulk
 * allocator, and a recycle ring for puts from other threads. A pool page
 * stays PG_ALLOC for the allocator (every report counts it allocated) and
 * carries the pool's signature in spare descriptor fields: PG_PP in its
 * flags, the pool's id in `reserved`, its fragment count in `private_data`.
 * Ids index a process-wide registry, so pa_page_pool_put_page_bulk finds
 * the pool of a page of any allocator, as the kernel's page->pp does.
 *
 * Lifetime: `live` counts the creator's reference plus every block the pool
 * took from the allocator and has not given back; whoever drops it to zero
 * (pa_page_pool_destroy, or the last put after it) frees the pool, and must
 * not touch the pool afterwards.
 */
#include "page_pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Registry: pool ids for the page signature ----------------------------- */

static _Atomic(struct pa_page_pool *) pp_registry[PP_MAX_POOLS];
static pthread_mutex_t pp_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned pp_registry_next = 1;

static bool pp_register(struct pa_page_pool *pool)
{
    bool ok = false;
    pthread_mutex_lock(&pp_registry_lock);
    for (unsigned n = 1; n < PP_MAX_POOLS && !ok; n++) {
        unsigned id = pp_registry_next;
        pp_registry_next = id + 1 < PP_MAX_POOLS ? id + 1 : 1;
        if (!atomic_load_explicit(&pp_registry[id], memory_order_relaxed)) {
            pool->id = (uint16_t)id;
            atomic_store_explicit(&pp_registry[id], pool, memory_order_release);
            ok = true;
        }
    }
    pthread_mutex_unlock(&pp_registry_lock);
    return ok;
}

static void pp_unregister(struct pa_page_pool *pool)
{
    pthread_mutex_lock(&pp_registry_lock);
    atomic_store_explicit(&pp_registry[pool->id], NULL, memory_order_relaxed);
    pthread_mutex_unlock(&pp_registry_lock);
}

/* Kernel: netmem_get_pp(): the pool a page's signature names, if that pool
 * exists and the page is one of its allocator's. */
struct pa_page_pool *pp_pool_of(const struct pa_page *page)
{
    struct pa_page_pool *pool =
        atomic_load_explicit(&pp_registry[__atomic_load_n(&page->reserved, __ATOMIC_RELAXED)],
                             memory_order_acquire);
    return pool && page_is_ours(pool->a, page) ? pool : NULL;
}

/* ---- Page signature ------------------------------------------------------------ */

/* Kernel: page_pool_set_pp_info(): signature, owner, one fragment. */
static void pp_set_info(struct pa_page_pool *pool, struct pa_page *page)
{
    pp_set_flags(page, PG_PP, 0);
    page->pcp_mt = 0;
    page->reserved = pool->id;
    __atomic_store_n(&page->private_data, 1, __ATOMIC_RELAXED);
}

/* Kernel: page_pool_clear_pp_info() */
static void pp_clear_info(struct pa_page *page)
{
    pp_set_flags(page, 0, PG_PP | PG_PP_POOLED);
    page->reserved = 0;
    __atomic_store_n(&page->private_data, 0, __ATOMIC_RELAXED);
}
/* ---- Lifetime ------------------------------------------------------------------ */

static void pp_free(struct pa_page_pool *pool)
{
    struct pa_allocator *a = pool->a;
    os_mutex_lock(&a->pp_lock);
    for (struct pa_page_pool **pp = &a->pools; *pp; pp = &(*pp)->next) {
        if (*pp == pool) {
            *pp = pool->next;
            break;
        }
    }
    os_mutex_unlock(&a->pp_lock);
    pp_unregister(pool);
    free(pool->ring.queue);
    free(pool);
}

/* Drops n of the pool's lifetime references; the last frees it. */
static void pp_put_live(struct pa_page_pool *pool, long n)
{
    if (atomic_fetch_sub_explicit(&pool->live, n, memory_order_acq_rel) == n)
        pp_free(pool);
}

/* Kernel: page_pool_return_netmem(): the page leaves the pool, with put_page
 * semantics (a page someone else still references stays theirs). May free a
 * destroyed pool: the caller must not touch the pool afterwards. */
static void pp_return_page(struct pa_page_pool *pool, struct pa_page *page)
{
    struct pa_allocator *a = pool->a;
    pp_clear_info(page);
    pa_put_page(a, page, pool->order);
    atomic_fetch_add_explicit(&pool->release_cnt, 1, memory_order_relaxed);
    pp_put_live(pool, 1);
}

/* The pages the pool took from the allocator (Kernel: pages_state_hold_cnt++). */
static void pp_hold(struct pa_page_pool *pool, unsigned long n)
{
    atomic_fetch_add_explicit(&pool->live, (long)n, memory_order_relaxed);
    atomic_store_explicit(&pool->hold_cnt,
                          atomic_load_explicit(&pool->hold_cnt, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* ---- The pool's context ------------------------------------------------------- */

/* Debug: claims the context for the calling thread. A second thread inside
 * it at the same time is a caller bug, logged and refused before it can
 * corrupt the cache. */
static bool pp_enter(struct pa_page_pool *pool, const char *fn)
{
    uintptr_t self = os_thread_id(), inside = 0;
    if (atomic_compare_exchange_strong_explicit(&pool->in_context, &inside, self,
                                                memory_order_acquire, memory_order_relaxed))
        return true;
    pa_log(pool->a, PA_LOG_ERR,
           "BUG: page_pool %u: %s from thread %#lx while thread %#lx is inside the pool's context",
           pool->id, fn, (unsigned long)self, (unsigned long)inside);
    return false;
}

static void pp_exit(struct pa_page_pool *pool)
{
    atomic_store_explicit(&pool->in_context, 0, memory_order_release);
}

/* Kernel: page_pool_napi_local(): a put on the owner thread may use the cache. */
bool pp_napi_local(const struct pa_page_pool *pool)
{
    uintptr_t owner = atomic_load_explicit(&((struct pa_page_pool *)pool)->owner, memory_order_relaxed);
    return owner && owner == os_thread_id();
}

/* Kernel: page_pool_enable_direct_recycling() (the pool's NAPI instance). */
PA_API void pa_page_pool_set_owner(pa_page_pool *pool)
{
    if (!pool) {
        pa_log(NULL, PA_LOG_WARNING, "pa_page_pool_set_owner: NULL pool");
        return;
    }
    atomic_store_explicit(&pool->owner, os_thread_id(), memory_order_relaxed);
}

/* ---- Allocation ---------------------------------------------------------------- */

/* Kernel: page_pool_refill_alloc_cache(): up to a refill's worth from the
 * ring, only pages of the pool's node; the first other page goes back to the
 * allocator and ends the refill. Returns the last page taken. */
static struct pa_page *pp_refill_alloc_cache(struct pa_page_pool *pool)
{
    if (ptr_ring_empty(&pool->ring)) {
        counter_add(&pool->st.alloc_empty, 1);
        return NULL;
    }
    do {
        struct pa_page *page = ptr_ring_consume(&pool->ring);
        if (unlikely(!page))
            break;
        if (likely(page_nid(page) == pool->nid)) {
            pool->cache[pool->count++] = page;
        } else {
            pp_return_page(pool, page);   /* the pool is alive: its own reference holds it */
            counter_add(&pool->st.alloc_waive, 1);
            break;
        }
    } while (pool->count < PA_PP_ALLOC_CACHE_REFILL);
    if (likely(pool->count > 0)) {
        counter_add(&pool->st.alloc_refill, 1);
        return pool->cache[--pool->count];
    }
    return NULL;
}

/* Kernel: __page_pool_alloc_page_order() */
static struct pa_page *pp_alloc_page_order(struct pa_page_pool *pool, pa_gfp_t gfp)
{
    struct pa_page *page = pa_alloc_pages_node(pool->a, gfp | PA_GFP_COMP, pool->order, pool->nid);
    if (unlikely(!page))
        return NULL;
    counter_add(&pool->st.alloc_slow_high_order, 1);
    pp_set_info(pool, page);
    pp_hold(pool, 1);
    return page;
}

/* Kernel: __page_pool_alloc_netmems_slow(): one bulk call on the pool's node
 * fills the empty cache; the last page is returned. */
static struct pa_page *pp_alloc_slow(struct pa_page_pool *pool, pa_gfp_t gfp)
{
    /* Failures on the packet path are expected: no warning for atomic ones. */
    if ((gfp & PA_GFP_ATOMIC) == PA_GFP_ATOMIC)
        gfp |= PA_GFP_NOWARN;
    if (unlikely(pool->order))
        return pp_alloc_page_order(pool, gfp);
    memset(pool->cache, 0, sizeof(pool->cache[0]) * PA_PP_ALLOC_CACHE_REFILL);
    unsigned long nr = pa_alloc_pages_bulk(pool->a, gfp, pool->nid, NULL, PA_PP_ALLOC_CACHE_REFILL,
                                           NULL, pool->cache);
    if (unlikely(!nr))
        return NULL;
    /* The slots were all empty, so the array form filled the first nr. */
    for (unsigned long i = 0; i < nr; i++) {
        pp_set_info(pool, pool->cache[i]);
        if (pool->debug)
            pp_set_flags(pool->cache[i], PG_PP_POOLED, 0);
    }
    pp_hold(pool, nr);
    pool->count = (unsigned)nr;
    counter_add(&pool->st.alloc_slow, 1);
    return pool->cache[--pool->count];
}

/* Kernel: page_pool_alloc_netmems(): cache, ring, allocator. Context held. */
struct pa_page *pp_alloc_one(struct pa_page_pool *pool, pa_gfp_t gfp)
{
    struct pa_page *page;
    if (pool->count) {
        page = pool->cache[--pool->count];
        counter_add(&pool->st.alloc_fast, 1);
    } else {
        page = pp_refill_alloc_cache(pool);
        if (!page)
            page = pp_alloc_slow(pool, gfp);
    }
    if (page && pool->debug)
        pp_set_flags(page, 0, PG_PP_POOLED);
    return page;
}

/* Everything but the fast path: bad input, debug checks, a destroyed pool. */
bool pp_alloc_allowed(struct pa_page_pool *pool, const char *fn)
{
    if (!pool) {
        pa_log(NULL, PA_LOG_WARNING, "%s: NULL pool", fn);
        return false;
    }
    if (atomic_load_explicit(&pool->destroyed, memory_order_relaxed)) {
        pa_log(pool->a, PA_LOG_ERR, "BUG: page_pool %u: %s after pa_page_pool_destroy", pool->id, fn);
        return false;
    }
    return !pool->debug || pp_enter(pool, fn);
}

void pp_alloc_done(struct pa_page_pool *pool)
{
    if (pool->debug)
        pp_exit(pool);
}

static struct pa_page *__attribute__((noinline)) pp_alloc_pages_slow(struct pa_page_pool *pool, pa_gfp_t gfp)
{
    if (!pp_alloc_allowed(pool, "pa_page_pool_alloc_pages"))
        return NULL;
    struct pa_page *page = pp_alloc_one(pool, gfp);
    pp_alloc_done(pool);
    return page;
}

/* Kernel: page_pool_alloc_pages() */
PA_API struct pa_page *pa_page_pool_alloc_pages(pa_page_pool *pool, pa_gfp_t gfp)
{
    if (likely(pool && pp_cache_has_page(pool))) {
        counter_add(&pool->st.alloc_fast, 1);
        return pool->cache[--pool->count];
    }
    return pp_alloc_pages_slow(pool, gfp);
}

/* ---- Return -------------------------------------------------------------------- */

/* Kernel: page_pool_unref_netmem(): drops nr fragment references; 0 when
 * they were the last (the count is left at one, as every pool page starts). */
long pp_unref(struct pa_page_pool *pool, struct pa_page *page, long nr)
{
    uint32_t *cnt = &page->private_data;
    if ((long)__atomic_load_n(cnt, __ATOMIC_RELAXED) == nr) {
        if (nr != 1)
            __atomic_store_n(cnt, 1, __ATOMIC_RELAXED);
        return 0;
    }
    long ret = (int32_t)__atomic_sub_fetch(cnt, (uint32_t)nr, __ATOMIC_ACQ_REL);
    if (unlikely(ret < 0))
        pa_log(pool->a, PA_LOG_ERR, "BUG: page_pool %u: fragment count of pfn %#llx below zero (%ld)",
               pool->id, (unsigned long long)page_to_pfn(pool->a, page), ret);
    if (ret <= 0)
        __atomic_store_n(cnt, 1, __ATOMIC_RELAXED);
    return ret > 0 ? ret : 0;
}

/* Kernel: page_pool_recycle_in_cache(). Context claimed by the caller. */
static bool pp_recycle_in_cache(struct pa_page_pool *pool, struct pa_page *page)
{
    if (unlikely(pool->count == PA_PP_ALLOC_CACHE_SIZE)) {
        counter_add(&pool->st.recycle_cache_full, 1);
        return false;
    }
    if (pool->debug)
        pp_set_flags(page, PG_PP_POOLED, 0);
    pool->cache[pool->count++] = page;
    counter_add(&pool->st.recycle_cached, 1);
    return true;
}

/* The direct half of __page_pool_put_page(): into the cache if this thread
 * may use it now. */
static bool pp_try_cache(struct pa_page_pool *pool, struct pa_page *page, const char *fn)
{
    if (atomic_load_explicit(&pool->destroyed, memory_order_relaxed))
        return false;
    if (pool->debug && !pp_enter(pool, fn))
        return false;
    bool cached = pp_recycle_in_cache(pool, page);
    if (pool->debug)
        pp_exit(pool);
    return cached;
}

/* Kernel: __page_pool_put_page(): a page someone else still references
 * leaves the pool (NULL returned); a recyclable one goes to the cache when
 * direct (NULL) or is returned for the ring. */
struct pa_page *pp_put_page(struct pa_page_pool *pool, struct pa_page *page, bool allow_direct,
                            const char *fn)
{
    if (likely(pp_refcount(page) == 1)) {
        if (allow_direct && pp_try_cache(pool, page, fn))
            return NULL;
        return page;
    }
    atomic_fetch_add_explicit(&pool->st.recycle_released_refcnt, 1, memory_order_relaxed);
    pp_return_page(pool, page);
    return NULL;
}

/* Kernel: page_pool_recycle_ring_bulk() (and page_pool_recycle_in_ring()
 * for one page): one producer lock round; what did not fit goes back to the
 * allocator outside the lock. The pool may be freed by the last return. */
void pp_recycle_ring_bulk(struct pa_page_pool *pool, struct pa_page **pages, unsigned long n)
{
    unsigned long i = 0;
    spin_lock(&pool->ring.producer_lock);
    if (!atomic_load_explicit(&pool->destroyed, memory_order_relaxed)) {
        for (; i < n; i++) {
            if (pool->debug)
                pp_set_flags(pages[i], PG_PP_POOLED, 0);
            if (!ptr_ring_produce(&pool->ring, pages[i])) {
                if (pool->debug)
                    pp_set_flags(pages[i], 0, PG_PP_POOLED);
                counter_add(&pool->st.recycle_ring_full, 1);
                break;
            }
        }
        counter_add(&pool->st.recycle_ring, i);
    }
    spin_unlock(&pool->ring.producer_lock);
    for (; i < n; i++)
        pp_return_page(pool, pages[i]);
}

/* Kernel: a bad page_pool put; reported like bad_page() and left alone. */
bool pp_put_check(struct pa_page_pool *pool, struct pa_page *page, const char *fn)
{
    struct pa_allocator *a = pool->a;
    if (!page) {
        pa_log(a, PA_LOG_WARNING, "%s: NULL page", fn);
        return false;
    }
    const char *why = NULL;
    if (!page_is_ours(a, page))
        why = "page_pool: not a page of the pool's allocator";
    else if (page_state(page) != PG_ALLOC)
        why = "page_pool: put of a page that is not allocated";
    else if (!(pp_flags(page) & PG_PP))
        why = "page_pool: page without the pp signature (allocated outside any page_pool)";
    else if (page->reserved != pool->id)
        why = "page_pool: page of another page_pool";
    else if (pool->debug && (pp_flags(page) & PG_PP_POOLED))
        why = "page_pool: double put (page already back in its pool)";
    if (!why)
        return true;
    char msg[160];
    snprintf(msg, sizeof(msg), "%s (%s, pool %u)", why, fn, pool->id);
    bad_page(a, page, msg);
    return false;
}

/* Kernel: page_pool_put_unrefed_netmem() */
static void pp_put_unrefed(struct pa_page_pool *pool, struct pa_page *page, bool allow_direct,
                           const char *fn)
{
    if (!allow_direct)
        allow_direct = pp_napi_local(pool);
    page = pp_put_page(pool, page, allow_direct, fn);
    if (page)
        pp_recycle_ring_bulk(pool, &page, 1);
}

/* Kernel: page_pool_put_netmem(): checks, fragment reference, recycling. */
static void __attribute__((noinline))
pp_put_page_slow(struct pa_page_pool *pool, struct pa_page *page, bool allow_direct, const char *fn)
{
    if (!pool) {
        pa_log(NULL, PA_LOG_WARNING, "%s: NULL pool", fn);
        return;
    }
    if (!pp_put_check(pool, page, fn))
        return;
    if (pp_unref(pool, page, 1))
        return;
    pp_put_unrefed(pool, page, allow_direct, fn);
}

/* The direct put's fast path: a recyclable page into a cache with room. */
static inline bool pp_recycle_fast(struct pa_page_pool *pool, struct pa_page *page)
{
    if (likely(pool && pp_cache_has_room(pool, 1) && pp_page_recyclable(pool, page))) {
        pool->cache[pool->count++] = page;
        counter_add(&pool->st.recycle_cached, 1);
        return true;
    }
    return false;
}

/* Kernel: page_pool_put_page() */
PA_API void pa_page_pool_put_page(pa_page_pool *pool, struct pa_page *page, int dma_sync_size,
                                  bool allow_direct)
{
    (void)dma_sync_size;   /* no device to sync for */
    if (allow_direct && pp_recycle_fast(pool, page))
        return;
    pp_put_page_slow(pool, page, allow_direct, "pa_page_pool_put_page");
}

/* Kernel: page_pool_put_full_page() */
PA_API void pa_page_pool_put_full_page(pa_page_pool *pool, struct pa_page *page, bool allow_direct)
{
    if (allow_direct && pp_recycle_fast(pool, page))
        return;
    pp_put_page_slow(pool, page, allow_direct, "pa_page_pool_put_full_page");
}

/* Kernel: page_pool_recycle_direct() */
PA_API void pa_page_pool_recycle_direct(pa_page_pool *pool, struct pa_page *page)
{
    if (pp_recycle_fast(pool, page))
        return;
    pp_put_page_slow(pool, page, true, "pa_page_pool_recycle_direct");
}


/* ---- Fragments ----------------------------------------------------------------- */

/* Kernel: page_pool_drain_frag(): the pool lets go of its fragment page; if
 * every fragment is already back, the page is the caller's to reuse. */
static struct pa_page *pp_drain_frag(struct pa_page_pool *pool, struct pa_page *page)
{
    if (pp_unref(pool, page, PP_BIAS_MAX - pool->frag_users))
        return NULL;
    if (pp_refcount(page) == 1)
        return page;
    pp_return_page(pool, page);
    return NULL;
}

/* Kernel: page_pool_free_frag() */
static void pp_free_frag(struct pa_page_pool *pool)
{
    struct pa_page *page = pool->frag_page;
    pool->frag_page = NULL;
    if (!page || pp_unref(pool, page, PP_BIAS_MAX - pool->frag_users))
        return;
    pp_return_page(pool, page);
}

/* Kernel: page_pool_alloc_frag_netmem() */
static struct pa_page *pp_alloc_frag(struct pa_page_pool *pool, unsigned *offset, unsigned size,
                                     pa_gfp_t gfp)
{
    struct pa_page *page = pool->frag_page;
    size = (size + PP_FRAG_ALIGN - 1) & ~(PP_FRAG_ALIGN - 1);
    *offset = pool->frag_offset;
    if (page && *offset + size > pool->block_size) {
        page = pp_drain_frag(pool, page);
        if (page) {
            counter_add(&pool->st.recycle_cached, 1);
            counter_add(&pool->st.alloc_fast, 1);
            goto frag_reset;
        }
    }
    if (!page) {
        page = pp_alloc_one(pool, gfp);
        if (unlikely(!page)) {
            pool->frag_page = NULL;
            return NULL;
        }
        pool->frag_page = page;
frag_reset:
        pool->frag_users = 1;
        *offset = 0;
        pool->frag_offset = size;
        __atomic_store_n(&page->private_data, (uint32_t)PP_BIAS_MAX, __ATOMIC_RELAXED);
        return page;
    }
    pool->frag_users++;
    pool->frag_offset = *offset + size;
    return page;
}

/* Kernel: page_pool_alloc_frag() */
PA_API void *pa_page_pool_alloc_frag(pa_page_pool *pool, struct pa_page **page, unsigned int *offset,
                                     unsigned int size, pa_gfp_t gfp)
{
    if (page)
        *page = NULL;
    if (pool && (!page || !offset)) {
        pa_log(pool->a, PA_LOG_WARNING, "pa_page_pool_alloc_frag: NULL %s", page ? "offset" : "page");
        return NULL;
    }
    if (pool && size > pool->block_size) {
        pa_log(pool->a, PA_LOG_WARNING,
               "pa_page_pool_alloc_frag: size %u larger than the pool's block (%zu bytes)", size,
               pool->block_size);
        return NULL;
    }
    if (!pp_alloc_allowed(pool, "pa_page_pool_alloc_frag"))
        return NULL;
    struct pa_page *p = pp_alloc_frag(pool, offset, size, gfp);
    pp_alloc_done(pool);
    if (!p)
        return NULL;
    *page = p;
    char *addr = pa_page_address(pool->a, p);
    return addr ? addr + *offset : NULL;
}

/* ---- Creation and destruction -------------------------------------------------- */

static int pp_validate(pa_allocator *a, const struct pa_page_pool_params *p)
{
    if (!p)
        return pa_einval(a, "pa_page_pool_create: NULL params");
    if (p->order > PA_MAX_ORDER)
        return pa_einval(a, "pa_page_pool_create: order %u above PA_MAX_ORDER", p->order);
    if (p->flags & ~PA_PP_FLAG_ALL)
        return pa_einval(a, "pa_page_pool_create: unknown flags %#x", p->flags & ~PA_PP_FLAG_ALL);
    if ((p->flags & PA_PP_FLAG_DMA_SYNC_DEV) && !(p->flags & PA_PP_FLAG_DMA_MAP))
        return pa_einval(a, "pa_page_pool_create: PA_PP_FLAG_DMA_SYNC_DEV without PA_PP_FLAG_DMA_MAP");
    if ((p->flags & PA_PP_FLAG_DMA_SYNC_DEV) && !p->max_len)
        return pa_einval(a, "pa_page_pool_create: PA_PP_FLAG_DMA_SYNC_DEV without max_len");
    if (p->nid != PA_NUMA_NO_NODE && (p->nid < 0 || p->nid >= a->nr_nodes))
        return pa_einval(a, "pa_page_pool_create: node %d not in this allocator", p->nid);
    return 0;
}

/* The expected descriptor words of a recyclable page of this pool. */
static void pp_init_fast_check(struct pa_page_pool *pool)
{
    struct pa_page model;
    memset(&model, 0, sizeof(model));
    model.order = (uint8_t)pool->order;
    model.reserved = pool->id;
    model.private_data = 1;
    pool->pp_word_want = model.pp_word;
    pool->state_mask = page_state_word(PG_STATE_MASK | PG_PP | PG_PP_POOLED, -1);
    pool->state_want = page_state_word(PG_ALLOC | PG_PP, 1);
    pool->pages = (uintptr_t)pool->a->pages;
    pool->nr_descs = pool->a->nr_pfns;
    pool->va_shift = pool->a->addr_shift;
    pool->va_page_shift = pool->a->page_shift;
    pool->va_bias = pool->a->mem_bias[0];
    pool->va_uniform = pool->a->addr_bytes != 0;
#if PP_HAVE_WIDE
    pool->va_wide = pp_wide_usable();
#endif
    for (int nid = 1; nid < pool->a->nr_nodes; nid++)
        pool->va_uniform &= pool->a->mem_bias[nid] == pool->va_bias;
}

/* Kernel: page_pool_create() / page_pool_init() */
PA_API int pa_page_pool_create(pa_allocator *a, const struct pa_page_pool_params *p, pa_page_pool **out)
{
    if (!a || !out)
        return pa_einval(a, "pa_page_pool_create: NULL %s", a ? "out" : "allocator");
    *out = NULL;
    int err = pp_validate(a, p);
    if (err)
        return err;
    struct pa_page_pool *pool = calloc(1, sizeof(*pool));
    unsigned size = p->pool_size ? (p->pool_size < PA_PP_RING_MAX ? p->pool_size : PA_PP_RING_MAX)
                                 : PA_PP_RING_DEFAULT;
    if (pool)
        pool->ring.queue = calloc(size, sizeof(pool->ring.queue[0]));
    if (!pool || !pool->ring.queue || !pp_register(pool)) {
        if (pool)
            free(pool->ring.queue);
        free(pool);
        pa_log(a, PA_LOG_WARNING, "pa_page_pool_create: out of memory");
        return -ENOMEM;
    }
    pool->a = a;
    pool->p = *p;
    pool->order = p->order;
    pool->nid = p->nid == PA_NUMA_NO_NODE ? pa_cpu_to_node(a, pa_current_cpu(a)) : p->nid;
    pool->block_size = a->page_size << p->order;
    pool->debug = debug_checks(a);
    pool->cache_limit = pool->debug ? 0 : PA_PP_ALLOC_CACHE_SIZE;
    pool->ring.size = size;
    spin_init(&pool->ring.producer_lock);
    atomic_init(&pool->live, 1);
    pp_init_fast_check(pool);
    os_mutex_lock(&a->pp_lock);
    pool->next = a->pools;
    a->pools = pool;
    os_mutex_unlock(&a->pp_lock);
    *out = pool;
    return 0;
}

/* Kernel: page_pool_empty_ring() */
static void pp_empty_ring(struct pa_page_pool *pool)
{
    struct pa_page *page;
    while ((page = ptr_ring_consume(&pool->ring))) {
        if (pp_refcount(page) != 1)
            pa_log(pool->a, PA_LOG_ERR, "page_pool %u: page_pool_empty_ring() refcnt %d violation",
                   pool->id, pp_refcount(page));
        pp_return_page(pool, page);
    }
}

/* Kernel: page_pool_destroy(), page_pool_release(): cache and ring back to
 * the allocator now; the pool itself lingers while pages are in flight. */
PA_API void pa_page_pool_destroy(pa_page_pool *pool)
{
    if (!pool) {
        pa_log(NULL, PA_LOG_WARNING, "pa_page_pool_destroy: NULL pool");
        return;
    }
    spin_lock(&pool->ring.producer_lock);
    bool again = atomic_exchange_explicit(&pool->destroyed, true, memory_order_relaxed);
    spin_unlock(&pool->ring.producer_lock);
    if (again) {
        pa_log(pool->a, PA_LOG_ERR, "BUG: page_pool %u: pa_page_pool_destroy called twice", pool->id);
        return;
    }
    pool->cache_limit = 0;   /* closes the fast paths: pp_fast_open() */
    pp_free_frag(pool);
    while (pool->count)   /* Kernel: page_pool_empty_alloc_cache_once() */
        pp_return_page(pool, pool->cache[--pool->count]);
    pp_empty_ring(pool);
    pp_put_live(pool, 1);   /* the creator's reference: may free the pool */
}

/* Kernel: page_pool_inflight() */
PA_API long pa_page_pool_inflight(const pa_page_pool *pool)
{
    if (!pool)
        return pa_einval(NULL, "pa_page_pool_inflight: NULL pool");
    struct pa_page_pool *p = (struct pa_page_pool *)pool;
    uint64_t release = atomic_load_explicit(&p->release_cnt, memory_order_relaxed);
    uint64_t hold = atomic_load_explicit(&p->hold_cnt, memory_order_relaxed);
    return (long)(hold - release);
}

void page_pools_release_all(struct pa_allocator *a)
{
    struct pa_page_pool *pool = a->pools;
    a->pools = NULL;
    while (pool) {
        struct pa_page_pool *next = pool->next;
        long inflight = pa_page_pool_inflight(pool);
        if (atomic_load_explicit(&pool->destroyed, memory_order_relaxed))
            /* Kernel: page_pool_release_retry() */
            pa_log(a, PA_LOG_WARNING, "page_pool %u: stalled pool shutdown: %ld inflight", pool->id,
                   inflight);
        else
            pa_log(a, PA_LOG_WARNING, "page_pool %u: not destroyed before pa_destroy: %ld inflight",
                   pool->id, inflight);
        pp_unregister(pool);
        free(pool->ring.queue);
        free(pool);
        pool = next;
    }
}

/* ---- Statistics ---------------------------------------------------------------- */

/* Kernel: page_pool_get_stats() */
PA_API int pa_page_pool_get_stats(const pa_page_pool *pool, struct pa_page_pool_stats *out)
{
    if (!pool || !out)
        return pa_einval(pool ? pool->a : NULL, "pa_page_pool_get_stats: NULL %s", pool ? "out" : "pool");
    const struct pp_stats *s = &pool->st;
    *out = (struct pa_page_pool_stats){
        .alloc_fast = counter_read(&s->alloc_fast),
        .alloc_slow = counter_read(&s->alloc_slow),
        .alloc_slow_high_order = counter_read(&s->alloc_slow_high_order),
        .alloc_empty = counter_read(&s->alloc_empty),
        .alloc_refill = counter_read(&s->alloc_refill),
        .alloc_waive = counter_read(&s->alloc_waive),
        .recycle_cached = counter_read(&s->recycle_cached),
        .recycle_cache_full = counter_read(&s->recycle_cache_full),
        .recycle_ring = counter_read(&s->recycle_ring),
        .recycle_ring_full = counter_read(&s->recycle_ring_full),
        .recycle_released_refcnt = counter_read(&s->recycle_released_refcnt),
    };
    return 0;
}

/* Kernel: page_pool_ethtool_stats_get_strings() + page_pool_ethtool_stats_get() */
PA_API int pa_format_page_pool_stats(const pa_page_pool *pool, char *buf, size_t size)
{
    struct pa_page_pool_stats s;
    if (!buf && size)
        return pa_einval(pool ? pool->a : NULL, "pa_format_page_pool_stats: NULL buffer");
    int err = pa_page_pool_get_stats(pool, &s);
    if (err)
        return err;
    static const char *const names[] = {
        "rx_pp_alloc_fast", "rx_pp_alloc_slow", "rx_pp_alloc_slow_ho", "rx_pp_alloc_empty",
        "rx_pp_alloc_refill", "rx_pp_alloc_waive", "rx_pp_recycle_cached",
        "rx_pp_recycle_cache_full", "rx_pp_recycle_ring", "rx_pp_recycle_ring_full",
        "rx_pp_recycle_released_ref",
    };
    const uint64_t values[] = {
        s.alloc_fast, s.alloc_slow, s.alloc_slow_high_order, s.alloc_empty, s.alloc_refill,
        s.alloc_waive, s.recycle_cached, s.recycle_cache_full, s.recycle_ring,
        s.recycle_ring_full, s.recycle_released_refcnt,
    };
    size_t len = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        int n = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0, "%s: %llu\n",
                         names[i], (unsigned long long)values[i]);
        len += (size_t)n;
    }
    return (int)len;
}