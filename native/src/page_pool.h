/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * page_pool.h - what the two halves of the page pool share: the pool's
 * structure, its invariants as named predicates, and the checks of a
 * descriptor. page_pool.c is the kernel's net/core/page_pool.c;
 * page_pool_bulk.c is this project's bulk and address layer over it.
 */
#ifndef PAGEALLOC_PAGE_POOL_H
#define PAGEALLOC_PAGE_POOL_H

#include "internal.h"
#include "ptr_ring.h"

#include <stddef.h>
#include <string.h>

#define PP_BIAS_MAX (INT32_MAX >> 1)   /* Kernel: BIAS_MAX, for a 32-bit count */
#define PP_FRAG_ALIGN 64u               /* Kernel: dma_get_cache_alignment() */
#define PP_MAX_POOLS 65536u             /* ids 1..65535 fit `reserved` */
#define PP_DESC_SHIFT ((unsigned)__builtin_ctz(sizeof(struct pa_page)))

struct pp_stats {
    /* the pool's context only */
    pa_counter alloc_fast, alloc_slow, alloc_slow_high_order, alloc_empty, alloc_refill,
        alloc_waive, recycle_cached, recycle_cache_full;
    /* under the ring's producer lock */
    pa_counter recycle_ring, recycle_ring_full;
    /* any thread, atomically */
    pa_counter recycle_released_refcnt;
};

struct pa_page_pool {
    /* The context's hot fields, together. */
    unsigned count;                   /* pages in cache[] */
    unsigned cache_limit;             /* see pp_fast_open() */
    uintptr_t pages;                  /* a->pages: the descriptor range check */
    uintptr_t nr_descs;               /* a->nr_pfns */
    uint64_t state_mask, state_want;  /* state word of a recyclable page: PG_ALLOC|PG_PP, ref 1 */
    uint64_t pp_word_want;            /* its order, pcp_mt 0, our id, one fragment */
    uintptr_t va_bias;                /* address of a page = bias + (descriptor offset << shift), */
    unsigned va_shift;                /* when every node's bias is the same (va_uniform) */
    unsigned va_page_shift;           /* an address's page offset to its pfn */
    bool va_uniform;
    bool va_wide;                     /* the address form's loops in page_pool_avx512.c */
    struct pa_allocator *a;
    struct pp_stats st;
    struct pa_page *frag_page;        /* Kernel: pool->frag_page, frag_offset, frag_users */
    unsigned frag_offset;
    long frag_users;
    struct pa_page *cache[PA_PP_ALLOC_CACHE_SIZE];

    /* Cold. */
    struct ptr_ring ring;
    _Atomic bool destroyed;           /* set under the ring's producer lock */
    bool debug;                       /* PA_CFG_DEBUG_CHECKS */
    uint16_t id;
    unsigned order;
    int nid;
    size_t block_size;
    struct pa_page_pool_params p;
    _Atomic uintptr_t owner;          /* pa_page_pool_set_owner's thread, 0: none */
    _Atomic uintptr_t in_context;     /* debug: the thread inside the context, 0: none */
    _Atomic uint64_t hold_cnt;        /* Kernel: pages_state_hold_cnt */
    _Atomic uint64_t release_cnt;     /* Kernel: pages_state_release_cnt */
    _Atomic long live;
    struct pa_page_pool *next;        /* the allocator's list, under a->pp_lock */
};

/* ---- The address form's wide loops (page_pool_avx512.c) --------------------------- */

/* x86-64 only, and not under ThreadSanitizer, which must see the check's
 * loads as the atomic loads the portable loop makes. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_THREAD__)
#define PP_HAVE_WIDE 1
bool pp_wide_usable(void);
void pp_wide_desc_to_va(const struct pa_page_pool *pool, struct pa_page *const *top, unsigned long n,
                        void **out);
bool pp_wide_va_to_desc(const struct pa_page_pool *pool, void *const *va, unsigned long n,
                        struct pa_page **slot);
#else
#define PP_HAVE_WIDE 0
#endif

/* ---- Invariants ------------------------------------------------------------------ */

/* The fast paths are open while cache_limit is nonzero. It is
 * PA_PP_ALLOC_CACHE_SIZE for a live pool without debug checks, and 0 both
 * for a pool with PA_CFG_DEBUG_CHECKS (every call takes the checked path,
 * which claims the context and keeps PG_PP_POOLED) and for a destroyed pool
 * (set before destroy empties the cache). So a fast path that asks this, or
 * asks pp_cache_has_page() or pp_cache_has_room(), needs no destroyed or
 * debug test of its own, and never touches a destroyed pool's cache. */
static inline bool pp_fast_open(const struct pa_page_pool *pool)
{
    return pool->cache_limit != 0;
}

/* A page in the cache and the fast path open, in one compare: count - 1
 * wraps to the top for an empty cache. */
static inline bool pp_cache_has_page(const struct pa_page_pool *pool)
{
    return pool->count - 1u < pool->cache_limit;
}

/* Room for n more pages in the cache through the fast path (never when it
 * is closed; count never exceeds PA_PP_ALLOC_CACHE_SIZE). */
static inline bool pp_cache_has_room(const struct pa_page_pool *pool, unsigned long n)
{
    return pool->count <= pool->cache_limit && n <= pool->cache_limit - pool->count;
}

/* ---- Descriptors ------------------------------------------------------------------ */

/* The one range check of a pointer into a table of 2^shift-byte units (the
 * descriptors, or the pages of the address map): the offset rotated right
 * by the shift is the unit's index, and a misaligned offset's low bits land
 * on top, far above any index. Callers compare the result with the table's
 * length. */
static inline uintptr_t pp_unit_index(uintptr_t off, unsigned shift)
{
    return (off >> shift) | (off << ((sizeof(uintptr_t) * 8 - shift) & (sizeof(uintptr_t) * 8 - 1)));
}

/* The index of a descriptor of the pool's allocator, or a value at least
 * nr_descs for anything else. */
static inline uintptr_t pp_desc_index(const struct pa_page_pool *pool, const struct pa_page *page)
{
    return pp_unit_index((uintptr_t)page - pool->pages, PP_DESC_SHIFT);
}

static inline uint32_t pp_flags(const struct pa_page *page)
{
    return __atomic_load_n(&page->flags, __ATOMIC_RELAXED);
}
static inline void pp_set_flags(struct pa_page *page, uint32_t set, uint32_t clear)
{
    __atomic_store_n(&page->flags, (pp_flags(page) & ~clear) | set, __ATOMIC_RELAXED);
}
static inline int32_t pp_refcount(const struct pa_page *page)
{
    return __atomic_load_n(&page->refcount, __ATOMIC_RELAXED);
}

/* The hot paths' whole check of a put: a descriptor of the pool's
 * allocator, allocated, the pool's signature, one reference, one fragment,
 * not marked back in the pool. Two loads, no branch per field. */
static inline bool pp_page_recyclable(const struct pa_page_pool *pool, const struct pa_page *page)
{
    if (unlikely(pp_desc_index(pool, page) >= pool->nr_descs))
        return false;
    uint64_t state = __atomic_load_n(&page->state, __ATOMIC_RELAXED);
    uint64_t word = __atomic_load_n(&page->pp_word, __ATOMIC_RELAXED);
    return ((state & pool->state_mask) == pool->state_want) & (word == pool->pp_word_want);
}

/* ---- Shared between the halves ---------------------------------------------------- */

/* page_pool.c: the kernel port. */
bool pp_napi_local(const struct pa_page_pool *pool);
bool pp_alloc_allowed(struct pa_page_pool *pool, const char *fn);
void pp_alloc_done(struct pa_page_pool *pool);
struct pa_page *pp_alloc_one(struct pa_page_pool *pool, pa_gfp_t gfp);
struct pa_page_pool *pp_pool_of(const struct pa_page *page);
long pp_unref(struct pa_page_pool *pool, struct pa_page *page, long nr);
struct pa_page *pp_put_page(struct pa_page_pool *pool, struct pa_page *page, bool allow_direct,
                            const char *fn);
bool pp_put_check(struct pa_page_pool *pool, struct pa_page *page, const char *fn);
void pp_recycle_ring_bulk(struct pa_page_pool *pool, struct pa_page **pages, unsigned long n);


#endif /* PAGEALLOC_PAGE_POOL_H */
