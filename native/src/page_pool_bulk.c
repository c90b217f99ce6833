/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * page_pool_bulk.c - this project's bulk layer over the page pool
 * (page_pool.c): many pages per call, and the address form. None of these
 * is a kernel function; each behaves as the kernel's single call it names,
 * repeated, with the same outcomes and statistics, but walks the cache in
 * one tight pass where the single calls would each pay their own entry.
 */
#include "page_pool.h"

#include <stddef.h>
#include <string.h>

/* Bulk allocations from this size take the wide copy out of the cache:
 * below it, the copy's wide loads would meet the narrow stores of the last
 * recycle still in flight, which the CPU cannot forward. */
#define PP_BULK_WIDE 32u

/* ---- Checks of many pages ------------------------------------------------------ */

/* The bulk paths' check of many pages: pp_page_recyclable's two words,
 * mismatches accumulated so one test at the end decides. Both words sit in
 * one aligned 16 bytes, read as one vector where the compiler has vectors;
 * ThreadSanitizer builds read them as the two atomic loads it understands.
 * The expected words are taken into a pp_check first: the loops' stores
 * into the cache could otherwise alias the pool's copy. */
#if defined(__GNUC__) && !defined(__SANITIZE_THREAD__)
typedef uint64_t pp_check_t __attribute__((vector_size(16)));
_Static_assert(offsetof(struct pa_page, pp_word) == offsetof(struct pa_page, state) + 8,
               "the pool's two words are adjacent");
struct pp_check {
    pp_check_t mask, want, acc;
};
static inline struct pp_check pp_check_init(const struct pa_page_pool *pool)
{
    return (struct pp_check){ .mask = { pool->state_mask, ~0ull },
                              .want = { pool->state_want, pool->pp_word_want } };
}
static inline void pp_check_page(struct pp_check *ck, const struct pa_page *page)
{
    pp_check_t words;
    memcpy(&words, &page->state, sizeof(words));
    ck->acc |= (words & ck->mask) ^ ck->want;
}
static inline bool pp_check_failed(const struct pp_check *ck)
{
    return (ck->acc[0] | ck->acc[1]) != 0;
}
#else
struct pp_check {
    uint64_t mask, want, word_want, acc;
};
static inline struct pp_check pp_check_init(const struct pa_page_pool *pool)
{
    return (struct pp_check){ pool->state_mask, pool->state_want, pool->pp_word_want, 0 };
}
static inline void pp_check_page(struct pp_check *ck, const struct pa_page *page)
{
    ck->acc |= ((__atomic_load_n(&page->state, __ATOMIC_RELAXED) & ck->mask) ^ ck->want) |
               (__atomic_load_n(&page->pp_word, __ATOMIC_RELAXED) ^ ck->word_want);
}
static inline bool pp_check_failed(const struct pp_check *ck)
{
    return ck->acc != 0;
}
#endif

/* Two pointers as one 16-byte vector: the cache is read and written a pair
 * at a time, so a bulk call's loads forward from the last bulk call's
 * stores, and the loops run at half the iterations. */
typedef uintptr_t pp_pair_t __attribute__((vector_size(2 * sizeof(uintptr_t))));

static inline pp_pair_t pp_pair_load(const void *p)
{
    pp_pair_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}
static inline void pp_pair_store(void *p, pp_pair_t v)
{
    memcpy(p, &v, sizeof(v));
}
static inline pp_pair_t pp_pair_swap(pp_pair_t v)
{
#if defined(__clang__)
    return __builtin_shufflevector(v, v, 1, 0);
#else
    return __builtin_shuffle(v, (pp_pair_t){ 1, 0 });
#endif
}

/* out[k] = top[-k] for k < n: the cache's top n entries in the order
 * single pops hand them out, each mapped through pair_fn (a pair at a
 * time) or one_fn (the odd last one). Two pairs per iteration. */
#define PP_COPY_DOWN(out, top, n, pair_fn, one_fn)                                  \
    do {                                                                            \
        unsigned long k_ = 0;                                                       \
        for (; k_ + 4 <= (n); k_ += 4) {                                            \
            pp_pair_store((out) + k_, pair_fn(pp_pair_swap(pp_pair_load((top) - k_ - 1)))); \
            pp_pair_store((out) + k_ + 2, pair_fn(pp_pair_swap(pp_pair_load((top) - k_ - 3)))); \
        }                                                                           \
        for (; k_ < (n); k_++)                                                      \
            (out)[k_] = one_fn((top)[-(long)k_]);                                   \
    } while (0)

/* How many of n pages, a multiple of 8, the wide loops of page_pool_avx512.c
 * take: 0 where the CPU has no AVX-512. */
static inline unsigned pp_va_wide(const struct pa_page_pool *pool, unsigned long n)
{
#if PP_HAVE_WIDE
    return pool->va_wide ? (unsigned)n & ~7u : 0;
#else
    (void)pool, (void)n;
    return 0;
#endif
}
#if !PP_HAVE_WIDE
#define pp_wide_desc_to_va(pool, top, n, out) ((void)0)
#define pp_wide_va_to_desc(pool, va, n, slot) false
#endif

/* Kernel: page_address() of a pool page, which the kernel computes inline:
 * the descriptor's offset scaled, plus the map's bias (va_uniform pools). */
static inline void *pp_page_va(const struct pa_page_pool *pool, const struct pa_page *page)
{
    return (void *)(pool->va_bias + (((uintptr_t)page - pool->pages) << pool->va_shift));
}

/* ---- Allocation ---------------------------------------------------------------- */

/* Counts populated slots of array[from..nr), for a bulk call that stops early. */
static unsigned long pp_count_populated(struct pa_page **array, unsigned long from, unsigned long nr)
{
    unsigned long n = 0;
    for (unsigned long i = from; i < nr; i++)
        n += array[i] != NULL;
    return n;
}

static inline bool pp_slots_empty(struct pa_page *const *array, unsigned long n)
{
    pp_pair_t pairs = { 0, 0 };
    unsigned long i = 0;
    for (; i + 4 <= n; i += 4)
        pairs |= pp_pair_load(array + i) | pp_pair_load(array + i + 2);
    uintptr_t any = pairs[0] | pairs[1];
    for (; i < n; i++)
        any |= (uintptr_t)array[i];
    return !any;
}

#define PP_SAME(x) (x)   /* PP_COPY_DOWN's map for descriptors as they are */

/* The cache's part of a bulk allocation, fast path open: fills the empty
 * slots of array[i..nr) from the top of the cache, last first, as single
 * pops would, until the slots or the cache run out. Returns the index
 * reached: every slot before it is populated, and the slot at it (if any)
 * is empty with the cache empty. A run of empty slots the cache covers,
 * from PP_BULK_WIDE on, is one wide copy. */
static inline unsigned long pp_take_cached(struct pa_page_pool *pool, unsigned long i, unsigned long nr,
                                           struct pa_page **restrict array)
{
    struct pa_page *const *restrict cache = pool->cache;
    unsigned count = pool->count, start = count;
    unsigned long want = nr - i;
    if (want >= PP_BULK_WIDE && want <= count && pp_slots_empty(array + i, want)) {
        struct pa_page *const *restrict top = cache + count - 1;
        PP_COPY_DOWN(array + i, top, want, PP_SAME, PP_SAME);
        count -= (unsigned)want;
        i = nr;
    } else {
        for (; i < nr; i++) {
            if (array[i])
                continue;
            if (!count)
                break;
            array[i] = cache[--count];
        }
    }
    pool->count = count;
    counter_add(&pool->st.alloc_fast, start - count);
    return i;
}

/* The one bulk allocation: nr single allocations into the empty slots, in
 * their order. The cache is walked in tight passes while the fast path is
 * open; a slot the cache cannot fill takes the single call's own path
 * (pp_alloc_one: cache, ring refill, allocator), whose refill the next
 * pass then walks. Context held by the caller. Returns the populated count. */
static unsigned long pp_alloc_bulk(struct pa_page_pool *pool, pa_gfp_t gfp, unsigned long nr,
                                   struct pa_page **array)
{
    unsigned long i = 0;
    for (;;) {
        if (pp_fast_open(pool))
            i = pp_take_cached(pool, i, nr, array);
        while (i < nr && array[i])
            i++;
        if (i == nr)
            return nr;
        if (!(array[i] = pp_alloc_one(pool, gfp)))
            return i + pp_count_populated(array, i + 1, nr);
        i++;
    }
}

static unsigned long __attribute__((noinline))
pp_alloc_bulk_checked(struct pa_page_pool *pool, pa_gfp_t gfp, unsigned long nr, struct pa_page **array)
{
    if (pool && !array && nr) {
        pa_log(pool->a, PA_LOG_WARNING, "pa_page_pool_alloc_bulk: NULL array");
        return 0;
    }
    if (!pp_alloc_allowed(pool, "pa_page_pool_alloc_bulk"))
        return array ? pp_count_populated(array, 0, nr) : 0;
    unsigned long populated = pp_alloc_bulk(pool, gfp, nr, array);
    pp_alloc_done(pool);
    return populated;
}

/* Kernel: none (page_pool_alloc_pages() per empty slot). Bad input, a
 * destroyed pool and debug checks go through the checked entry, which
 * claims the context around the same walk. */
PA_API unsigned long pa_page_pool_alloc_bulk(pa_page_pool *pool, pa_gfp_t gfp, unsigned long nr,
                                             struct pa_page **array)
{
    if (unlikely(!pool || !array || !pp_fast_open(pool)))
        return pp_alloc_bulk_checked(pool, gfp, nr, array);
    return pp_alloc_bulk(pool, gfp, nr, array);
}

/* ---- Addresses (Kernel: page_pool_alloc_va(), page_pool_free_va()) -------------- */

/* The pool hands out addresses only where every node shares one bias, so an
 * address converts to its descriptor by arithmetic, as the kernel's
 * virt_to_page() does; 0 logged otherwise. */
static bool pp_va_usable(struct pa_page_pool *pool, const char *fn)
{
    if (!pool) {
        pa_log(NULL, PA_LOG_WARNING, "%s: NULL pool", fn);
        return false;
    }
    if (likely(pool->va_uniform))
        return true;
    pa_log(pool->a, PA_LOG_WARNING, "%s: the allocator's pages have no addresses in one map "
           "(metadata-only, or nodes mapped apart); use pa_page_pool_alloc_bulk", fn);
    return false;
}

/* The descriptor of the page at va, or NULL when va is not a page-aligned
 * address of the allocator's map. A tail page of a block maps to its own
 * descriptor, which the put's checks then refuse. */
static inline struct pa_page *pp_va_page(const struct pa_page_pool *pool, const void *va)
{
    uintptr_t pfn = pp_unit_index((uintptr_t)va - pool->va_bias, pool->va_page_shift);
    if (unlikely(pfn >= pool->nr_descs))
        return NULL;
    return (struct pa_page *)(pool->pages + pfn * sizeof(struct pa_page));
}

/* Kernel: page_pool_alloc_va() (the whole block), nr at a time. */
PA_API unsigned long pa_page_pool_alloc_va_bulk(pa_page_pool *pool, pa_gfp_t gfp, unsigned long nr,
                                                void **va)
{
    if (unlikely(!pool || !va || !pp_fast_open(pool) || !pool->va_uniform)) {
        if (!pp_va_usable(pool, "pa_page_pool_alloc_va_bulk"))
            return 0;
        if (!va && nr) {
            pa_log(pool->a, PA_LOG_WARNING, "pa_page_pool_alloc_va_bulk: NULL va array");
            return 0;
        }
    }
    const uintptr_t base = pool->pages, bias = pool->va_bias;
    const unsigned shift = pool->va_shift;
    unsigned long n = 0;
    while (n < nr) {
        unsigned take = pool->count < nr - n ? pool->count : (unsigned)(nr - n);
        if (likely(take && pp_fast_open(pool))) {
            const uintptr_t *restrict top = (const uintptr_t *)(pool->cache + pool->count - 1);
            uintptr_t *restrict out = (uintptr_t *)(va + n);
            unsigned wide = pp_va_wide(pool, take);
            if (wide)
                pp_wide_desc_to_va(pool, (struct pa_page *const *)top, wide, (void **)out);
#define PP_VA_PAIR(d) ((((d) - base) << shift) + bias)
#define PP_VA_ONE(d) ((((d) - base) << shift) + bias)
            PP_COPY_DOWN(out + wide, top - wide, take - wide, PP_VA_PAIR, PP_VA_ONE);
#undef PP_VA_PAIR
#undef PP_VA_ONE
            pool->count -= take;
            counter_add(&pool->st.alloc_fast, take);
            n += take;
            continue;
        }
        /* Cache empty (or the checked path): one single allocation. */
        struct pa_page *page = pa_page_pool_alloc_pages(pool, gfp);
        if (!page)
            break;
        va[n++] = pp_page_va(pool, page);
    }
    return n;
}

/* Kernel: page_pool_free_va() for one address, outside the fast pass. */
static void pp_free_va(struct pa_page_pool *pool, void *va, bool allow_direct)
{
    struct pa_page *page = pp_va_page(pool, va);
    if (!page || pa_page_address(pool->a, page) != va) {
        pa_log(pool->a, PA_LOG_ERR, "BUG: page_pool %u: pa_page_pool_free_va_bulk of %p, "
               "not the address of a block of the pool's allocator", pool->id, va);
        return;
    }
    pa_page_pool_put_full_page(pool, page, allow_direct);
}

static void __attribute__((noinline))
pp_free_va_bulk_slow(struct pa_page_pool *pool, void *const *va, unsigned long count, bool allow_direct)
{
    if (!pp_va_usable(pool, "pa_page_pool_free_va_bulk"))
        return;
    if (!va) {
        if (count)
            pa_log(pool->a, PA_LOG_WARNING, "pa_page_pool_free_va_bulk: NULL va array");
        return;
    }
    for (unsigned long i = 0; i < count; i++)
        pp_free_va(pool, va[i], allow_direct);
}

/* Kernel: page_pool_free_va() per address. Direct (or on the owner thread),
 * a batch of recyclable blocks that fits the cache is checked, then taken in
 * one pass with no call per block; anything else goes one address at a time,
 * with exactly the single puts' outcomes. */
PA_API void pa_page_pool_free_va_bulk(pa_page_pool *pool, void *const *va, unsigned long count,
                                      bool allow_direct)
{
    if (unlikely(!pool || !va || !pool->va_uniform || !pp_cache_has_room(pool, count) ||
                 !(allow_direct || pp_napi_local(pool))))
        return pp_free_va_bulk_slow(pool, va, count, allow_direct);
    struct pa_page **slot = pool->cache + pool->count;
    const uintptr_t base = pool->pages, bias = pool->va_bias,
                    slots = pool->nr_descs;
    const unsigned shift = pool->va_page_shift;
    struct pp_check ck = pp_check_init(pool);
    unsigned long i = pp_va_wide(pool, count);
    if (i && !pp_wide_va_to_desc(pool, va, i, slot))
        return pp_free_va_bulk_slow(pool, va, count, allow_direct);
    /* Pairs stored as one 16-byte write: the next bulk allocation reads the
     * cache 16 bytes at a time, and a load the CPU must assemble from two
     * narrower stores still in flight stalls instead of forwarding. */
    for (; i + 1 < count; i += 2) {
        uintptr_t pfn0 = pp_unit_index((uintptr_t)va[i] - bias, shift);
        uintptr_t pfn1 = pp_unit_index((uintptr_t)va[i + 1] - bias, shift);
        if (unlikely(pfn0 >= slots || pfn1 >= slots))
            return pp_free_va_bulk_slow(pool, va, count, allow_direct);
        pp_pair_t pair = { base + pfn0 * sizeof(struct pa_page), base + pfn1 * sizeof(struct pa_page) };
        pp_check_page(&ck, (const struct pa_page *)pair[0]);
        pp_check_page(&ck, (const struct pa_page *)pair[1]);
        memcpy(&slot[i], &pair, sizeof(pair));
    }
    if (i < count) {
        uintptr_t pfn = pp_unit_index((uintptr_t)va[i] - bias, shift);
        if (unlikely(pfn >= slots))
            return pp_free_va_bulk_slow(pool, va, count, allow_direct);
        slot[i] = (struct pa_page *)(base + pfn * sizeof(struct pa_page));
        pp_check_page(&ck, slot[i]);
    }
    if (unlikely(pp_check_failed(&ck)))
        return pp_free_va_bulk_slow(pool, va, count, allow_direct);
    pool->count += (unsigned)count;
    counter_add(&pool->st.recycle_cached, count);
}

/* ---- Bulk put of any pools' pages ------------------------------------------------ */

static bool pp_cache_batch(struct pa_page_pool *pool, struct pa_page *const *pages, unsigned long count);

/* A bad page in a bulk put: logged through the allocator of some pool the
 * array names, since the page itself may name none. */
static void pp_bulk_bad(struct pa_page **pages, unsigned long count, struct pa_page *page)
{
    struct pa_page_pool *any = NULL;
    for (unsigned long i = 0; i < count && !any; i++)
        if (pages[i])
            any = pp_pool_of(pages[i]);
    if (any) {
        bad_page(any->a, page, "page_pool: not a page of any live page_pool (pa_page_pool_put_page_bulk)");
    } else {
        pa_log(NULL, PA_LOG_ERR, "BUG: Bad page state: page %p is not a page of any live page_pool "
                                 "(pa_page_pool_put_page_bulk)", (void *)page);
    }
}

/* Kernel: page_pool_put_netmem_bulk() (6.14+): pages of any pools. The
 * array is reused as scratch and left all NULL. */
PA_API void pa_page_pool_put_page_bulk(struct pa_page **pages, unsigned long count)
{
    if (!pages) {
        if (count)
            pa_log(NULL, PA_LOG_WARNING, "pa_page_pool_put_page_bulk: NULL array");
        return;
    }
    /* From a pool's owner thread, a batch of that pool's recyclable pages
     * that fits its cache: one pass (fragment counts of 1 drop to 0 and stay
     * at 1, so they need no write). A destroyed pool's fast path is closed
     * (pp_fast_open), so its pages never take this pass. */
    struct pa_page_pool *first = count && pages[0] ? pp_pool_of(pages[0]) : NULL;
    if (first && pp_napi_local(first) && pp_cache_batch(first, pages, count)) {
        memset(pages, 0, count * sizeof(pages[0]));
        return;
    }
    /* Drop each page's fragment reference; keep the last ones, in front. */
    unsigned long n = 0;
    for (unsigned long i = 0; i < count; i++) {
        struct pa_page *page = pages[i];
        if (!page)
            continue;
        struct pa_page_pool *pool = pp_pool_of(page);
        if (!pool) {
            pp_bulk_bad(pages, count, page);
            pages[i] = NULL;
            continue;
        }
        pages[i] = NULL;
        if (pp_put_check(pool, page, "pa_page_pool_put_page_bulk") && !pp_unref(pool, page, 1))
            pages[n++] = page;
    }
    /* One pool per round: its pages moved to the front, those the cache
     * does not take produced into its ring under one lock round. */
    struct pa_page **rest = pages;
    while (n) {
        struct pa_page_pool *pool = pp_pool_of(rest[0]);
        unsigned long mine = 0;
        for (unsigned long i = 0; i < n; i++) {
            if (pp_pool_of(rest[i]) == pool) {
                struct pa_page *t = rest[mine];
                rest[mine++] = rest[i];
                rest[i] = t;
            }
        }
        bool allow_direct = pp_napi_local(pool);
        unsigned long ring = 0;
        for (unsigned long i = 0; i < mine; i++) {
            struct pa_page *page = pp_put_page(pool, rest[i], allow_direct, "pa_page_pool_put_page_bulk");
            rest[i] = NULL;
            if (page)
                rest[ring++] = page;
        }
        if (ring)
            pp_recycle_ring_bulk(pool, rest, ring);
        for (unsigned long i = 0; i < ring; i++)
            rest[i] = NULL;
        rest += mine;
        n -= mine;
    }
}

/* ---- Direct recycling ------------------------------------------------------------ */

/* The bulk puts' fast pass, on the pool's context: the whole batch into the
 * cache when it fits and every page is a recyclable page of this pool (a
 * page of another pool fails on its id); false, with nothing changed, for
 * anything else. */
static bool pp_cache_batch(struct pa_page_pool *pool, struct pa_page *const *pages, unsigned long count)
{
    if (!pp_cache_has_room(pool, count))
        return false;
    const uintptr_t base = pool->pages, slots = pool->nr_descs;
    const unsigned shift = PP_DESC_SHIFT;
    struct pp_check ck = pp_check_init(pool);
    /* Copied into the free slots above count as the pages are checked, a
     * pair per store (the next bulk allocation reads the cache in pairs);
     * the slots are the cache's only once every page passed. */
    struct pa_page **slot = pool->cache + pool->count;
    unsigned long i = 0;
    for (; i + 2 <= count; i += 2) {
        if (unlikely(pp_unit_index((uintptr_t)pages[i] - base, shift) >= slots ||
                     pp_unit_index((uintptr_t)pages[i + 1] - base, shift) >= slots))
            return false;
        pp_check_page(&ck, pages[i]);
        pp_check_page(&ck, pages[i + 1]);
        pp_pair_store(slot + i, pp_pair_load(pages + i));
    }
    if (i < count) {
        if (unlikely(pp_unit_index((uintptr_t)pages[i] - base, shift) >= slots))
            return false;
        pp_check_page(&ck, pages[i]);
        slot[i] = pages[i];
    }
    if (unlikely(pp_check_failed(&ck)))
        return false;
    pool->count += (unsigned)count;
    counter_add(&pool->st.recycle_cached, count);
    return true;
}

/* Page by page, for a batch the fast pass did not take. */
static void __attribute__((noinline))
pp_recycle_bulk_slow(struct pa_page_pool *pool, struct pa_page *const *pages, unsigned long count)
{
    if (!pages) {
        if (count)
            pa_log(pool ? pool->a : NULL, PA_LOG_WARNING, "pa_page_pool_recycle_direct_bulk: NULL array");
        return;
    }
    for (unsigned long i = 0; i < count; i++)
        pa_page_pool_recycle_direct(pool, pages[i]);
}

/* Kernel: none (page_pool_recycle_direct() per page). Every page is checked
 * before the cache takes any, so the common call is one pass that copies and
 * checks; a batch with anything else (a page to release, a full cache, a bad
 * put) goes page by page, with exactly the single calls' outcomes. */
PA_API void pa_page_pool_recycle_direct_bulk(pa_page_pool *pool, struct pa_page *const *pages,
                                             unsigned long count)
{
    if (unlikely(!pool || !pages || !pp_cache_batch(pool, pages, count)))
        pp_recycle_bulk_slow(pool, pages, count);
}
