// SPDX-License-Identifier: GPL-2.0-only
/* watermark.c - min_free_kbytes, the min/low/high watermarks, lowmem_reserve
 * and the watermark checks (Kernel: mm/page_alloc.c, 6.1-6.18). */
#include "internal.h"

/* Kernel: sysctl_lowmem_reserve_ratio defaults (DMA, DMA32, NORMAL, MOVABLE). */
static const unsigned default_lowmem_reserve_ratio[PA_NR_ZONES] = { 256, 256, 32, 0 };

/* The config's ratios, or the defaults when it sets none. */
static const unsigned *lowmem_reserve_ratio(const struct pa_allocator *a)
{
    for (int i = 0; i < PA_NR_ZONES; i++)
        if (a->cfg.lowmem_reserve_ratio[i])
            return a->cfg.lowmem_reserve_ratio;
    return default_lowmem_reserve_ratio;
}

static uint64_t int_sqrt(uint64_t x)
{
    uint64_t r = 0, bit = 1ull << 62;
    while (bit > x)
        bit >>= 2;
    while (bit) {
        if (x >= r + bit) {
            x -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return r;
}

/* Kernel: mult_frac() */
static uint64_t mult_frac(uint64_t x, uint64_t n, uint64_t d)
{
    return (x / d) * n + ((x % d) * n) / d;
}

/* Kernel: nr_free_buffer_pages(): managed pages above the high watermark in
 * the zones GFP_USER may use (everything but MOVABLE). */
static uint64_t nr_free_buffer_pages(const struct pa_allocator *a)
{
    uint64_t sum = 0;
    struct pa_zone *z;
    for_each_zone(a, z)
        if (z->idx <= PA_ZONE_NORMAL && z->managed > z->watermark[WMARK_HIGH])
            sum += z->managed - z->watermark[WMARK_HIGH];
    return sum;
}

/* Kernel: calculate_min_free_kbytes(): sqrt(lowmem_kbytes * 16), clamped to
 * [128, 262144]. */
uint64_t calculate_min_free_kbytes(const struct pa_allocator *a)
{
    uint64_t lowmem_kbytes = nr_free_buffer_pages(a) * (a->page_size >> 10);
    uint64_t kb = int_sqrt(lowmem_kbytes * 16);
    if (kb < 128)
        kb = 128;
    if (kb > 262144)
        kb = 262144;
    return kb;
}

/* Kernel: __setup_per_zone_wmarks(). MOVABLE (like highmem) gets a small
 * fixed min; the others share pages_min in proportion to their size. Each
 * step above min (low, high, promo) is a quarter of that share or
 * watermark_scale_factor of the zone, whichever is larger. */
static void zone_set_wmarks(const struct pa_allocator *a, struct pa_zone *z, uint64_t pages_min,
                            uint64_t lowmem_pages)
{
    uint64_t tmp = lowmem_pages ? pages_min * z->managed / lowmem_pages : 0;
    if (z->idx == PA_ZONE_MOVABLE) {
        uint64_t min_pages = z->managed / 1024;
        min_pages = min_pages < SWAP_CLUSTER_MAX ? SWAP_CLUSTER_MAX : min_pages > 128 ? 128 : min_pages;
        z->watermark[WMARK_MIN] = min_pages;
    } else {
        z->watermark[WMARK_MIN] = tmp;
    }
    uint64_t scaled = mult_frac(z->managed, a->watermark_scale_factor, 10000);
    tmp = (tmp >> 2) > scaled ? tmp >> 2 : scaled;
    z->watermark[WMARK_LOW] = z->watermark[WMARK_MIN] + tmp;
    z->watermark[WMARK_HIGH] = z->watermark[WMARK_LOW] + tmp;
    z->watermark[WMARK_PROMO] = z->watermark[WMARK_HIGH] + tmp;
}

void setup_per_zone_wmarks(struct pa_allocator *a)
{
    uint64_t pages_min = a->min_free_kbytes >> (a->page_shift - 10);
    uint64_t lowmem_pages = 0;
    struct pa_zone *z;
    for_each_zone(a, z)
        if (z->idx != PA_ZONE_MOVABLE)
            lowmem_pages += z->managed;
    for_each_zone(a, z) {
        os_mutex_lock(&z->lock);
        zone_set_wmarks(a, z, pages_min, lowmem_pages);
        os_mutex_unlock(&z->lock);
    }
    /* The kernel's for_each_zone() also visits empty zones: an empty
     * MOVABLE zone shows min = low = high = promo = SWAP_CLUSTER_MAX in
     * /proc/zoneinfo. The 6.18 model reports that; the default model keeps
     * its zeros. No allocation ever reads an empty zone's watermarks. */
    if (a->pcp_autotune)
        for (int i = 0; i < a->nr_nodes * PA_NR_ZONES; i++) {
            z = &a->nodes[i / PA_NR_ZONES].zones[i % PA_NR_ZONES];
            if (!populated_zone(z))
                zone_set_wmarks(a, z, pages_min, lowmem_pages);
        }
}

/* Kernel: setup_per_zone_lowmem_reserve(): a lower zone keeps back, from
 * requests that could have used a higher zone j, the managed pages of the
 * zones above it up to j divided by its ratio. */
void setup_per_zone_lowmem_reserve(struct pa_allocator *a)
{
    const unsigned *ratios = lowmem_reserve_ratio(a);
    for (int nid = 0; nid < a->nr_nodes; nid++) {
        struct pa_node *n = &a->nodes[nid];
        for (int i = 0; i < PA_NR_ZONES; i++) {
            struct pa_zone *z = &n->zones[i];
            unsigned ratio = ratios[i];
            bool clear = !ratio || !z->managed;
            uint64_t managed = 0;
            for (int j = 0; j < PA_NR_ZONES; j++)
                if (j <= i)
                    z->lowmem_reserve[j] = 0;
            for (int j = i + 1; j < PA_NR_ZONES; j++) {
                managed += n->zones[j].managed;
                z->lowmem_reserve[j] = clear ? 0 : managed / ratio;
            }
        }
    }
}

static bool area_has_free(const struct free_area *area, int mt)
{
    return !list_empty_lockless(&area->free_list[mt]);
}

/* Kernel: __zone_watermark_ok() */
bool zone_watermark_ok(const struct pa_zone *z, unsigned order, uint64_t mark,
                       int highest_zoneidx, unsigned alloc_flags, long free_pages)
{
    long min = (long)mark;
    free_pages -= unusable_free(z, order, alloc_flags);
    if (alloc_flags & ALLOC_RESERVES) {
        /* __GFP_HIGH may use half the min reserve... */
        if (alloc_flags & ALLOC_MIN_RESERVE) {
            min -= min / 2;
            /* ...and a non-blocking one (GFP_ATOMIC) a quarter of the rest. */
            if (alloc_flags & ALLOC_NON_BLOCK)
                min -= min / 4;
        }
        if (alloc_flags & ALLOC_OOM)
            min -= min / 2;
    }
    if (free_pages <= min + (long)z->lowmem_reserve[highest_zoneidx])
        return false;
    if (!order)
        return true;
    /* A high-order request also needs one free block large enough. */
    for (unsigned o = order; o <= PA_MAX_ORDER; o++) {
        const struct free_area *area = &z->free_area[o];
        if (!__atomic_load_n(&area->nr_free, __ATOMIC_RELAXED))   /* lockless, as the kernel */
            continue;
        for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
            if (area_has_free(area, mt))
                return true;
        if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) && area_has_free(area, PA_MIGRATE_HIGHATOMIC))
            return true;
    }
    return false;
}
