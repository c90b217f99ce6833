/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * page_pool_avx512.c - the address form's two conversion loops, eight pages
 * a step in 512-bit registers, for x86-64 CPUs with AVX-512F. The pool picks
 * them at creation (pp_wide_usable); page_pool_bulk.c keeps the portable
 * loops, which finish what is left over and serve every other CPU. Each
 * loop does what its portable twin does, eight lanes at once: the same
 * arithmetic, the same range check before any descriptor is read, the same
 * recycle check of each descriptor's two words.
 */
#include "page_pool.h"

#if PP_HAVE_WIDE
#include <immintrin.h>
#include <stdlib.h>

bool pp_wide_usable(void)
{
    /* PAGEALLOC_NO_AVX512 keeps the portable loops, so tests run both. */
    return __builtin_cpu_supports("avx512f") && !getenv("PAGEALLOC_NO_AVX512");
}

#define PP_AVX512 __attribute__((target("avx512f")))

static PP_AVX512 inline __m512i pp_splat(uint64_t x)
{
    return _mm512_set1_epi64((long long)x);
}

/* ternarylogic's table for (a & b) ^ c, and for a | b | c. */
#define PP_AND_XOR 0x6a
#define PP_OR3 0xfe

/* out[k] = the address of top[-k], k < n (n a multiple of 8): the cache's
 * top n descriptors in the order single pops hand them out. */
PP_AVX512 void pp_wide_desc_to_va(const struct pa_page_pool *pool, struct pa_page *const *top,
                                  unsigned long n, void **out)
{
    const __m512i base = pp_splat(pool->pages), bias = pp_splat(pool->va_bias);
    const __m512i shift = pp_splat(pool->va_shift);
    const __m512i reverse = _mm512_set_epi64(0, 1, 2, 3, 4, 5, 6, 7);
    for (unsigned long k = 0; k < n; k += 8) {
        __m512i d = _mm512_permutexvar_epi64(reverse, _mm512_loadu_si512(top - k - 7));
        d = _mm512_add_epi64(_mm512_sllv_epi64(_mm512_sub_epi64(d, base), shift), bias);
        _mm512_storeu_si512(out + k, d);
    }
}

/* The two words pp_page_recyclable reads, of four descriptors. */
static PP_AVX512 inline __m512i pp_words4(struct pa_page *const *d)
{
    const size_t o = offsetof(struct pa_page, state);
    __m512i w = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)((const char *)d[0] + o)));
    w = _mm512_inserti32x4(w, _mm_loadu_si128((const __m128i *)((const char *)d[1] + o)), 1);
    w = _mm512_inserti32x4(w, _mm_loadu_si128((const __m128i *)((const char *)d[2] + o)), 2);
    return _mm512_inserti32x4(w, _mm_loadu_si128((const __m128i *)((const char *)d[3] + o)), 3);
}

/* slot[k] = the descriptor of va[k], k < n (n a multiple of 8). False as
 * soon as an address is not a page of the map (before any descriptor of
 * its step is read), or at the end when a page is not recyclable into this
 * pool; the slots are then scratch the caller does not count. */
PP_AVX512 bool pp_wide_va_to_desc(const struct pa_page_pool *pool, void *const *va, unsigned long n,
                                  struct pa_page **slot)
{
    const __m512i bias = pp_splat(pool->va_bias), base = pp_splat(pool->pages);
    const __m512i shift = pp_splat(pool->va_page_shift), limit = pp_splat(pool->nr_descs);
    const __m512i mask = _mm512_broadcast_i32x4(_mm_set_epi64x(-1, (long long)pool->state_mask));
    const __m512i want = _mm512_broadcast_i32x4(
        _mm_set_epi64x((long long)pool->pp_word_want, (long long)pool->state_want));
    __m512i acc = _mm512_setzero_si512();
    for (unsigned long i = 0; i < n; i += 8) {
        /* pp_unit_index: a misaligned offset's low bits rotate to the top. */
        __m512i pfn = _mm512_rorv_epi64(_mm512_sub_epi64(_mm512_loadu_si512(va + i), bias), shift);
        if (_mm512_cmplt_epu64_mask(pfn, limit) != 0xff)
            return false;
        _mm512_storeu_si512(slot + i, _mm512_add_epi64(_mm512_slli_epi64(pfn, PP_DESC_SHIFT), base));
        __m512i bad0 = _mm512_ternarylogic_epi64(pp_words4(slot + i), mask, want, PP_AND_XOR);
        __m512i bad4 = _mm512_ternarylogic_epi64(pp_words4(slot + i + 4), mask, want, PP_AND_XOR);
        acc = _mm512_ternarylogic_epi64(acc, bad0, bad4, PP_OR3);
    }
    return _mm512_test_epi64_mask(acc, acc) == 0;
}
#endif
