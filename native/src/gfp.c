// SPDX-License-Identifier: GPL-2.0-only
/* gfp.c - what a gfp mask means: zone, migratetype, alloc flags, validity
 * (leaves: see leaf.h; gfp_format.c prints a mask). */
#include "leaf.h"

/* Kernel: GFP_ZONE_TABLE / GFP_ZONE_BAD on a 64-bit machine without highmem
 * (__GFP_HIGHMEM alone means ZONE_NORMAL). Indexed by the four zone bits;
 * -1 marks the combinations the kernel calls bad. */
const signed char gfp_zone_table[16] = {
    [0]                                             = PA_ZONE_NORMAL,
    [PA_GFP_DMA]                                    = PA_ZONE_DMA,
    [PA_GFP_HIGHMEM]                                = PA_ZONE_NORMAL,
    [PA_GFP_DMA32]                                  = PA_ZONE_DMA32,
    [PA_GFP_MOVABLE]                                = PA_ZONE_NORMAL,
    [PA_GFP_MOVABLE | PA_GFP_DMA]                   = PA_ZONE_DMA,
    [PA_GFP_MOVABLE | PA_GFP_HIGHMEM]               = PA_ZONE_MOVABLE,
    [PA_GFP_MOVABLE | PA_GFP_DMA32]                 = PA_ZONE_DMA32,
    [PA_GFP_DMA | PA_GFP_HIGHMEM]                   = -1,
    [PA_GFP_DMA | PA_GFP_DMA32]                     = -1,
    [PA_GFP_DMA32 | PA_GFP_HIGHMEM]                 = -1,
    [PA_GFP_DMA | PA_GFP_DMA32 | PA_GFP_HIGHMEM]    = -1,
    [PA_GFP_MOVABLE | PA_GFP_HIGHMEM | PA_GFP_DMA]  = -1,
    [PA_GFP_MOVABLE | PA_GFP_DMA32 | PA_GFP_DMA]    = -1,
    [PA_GFP_MOVABLE | PA_GFP_DMA32 | PA_GFP_HIGHMEM] = -1,
    [GFP_ZONEMASK]                                  = -1,
};

/* Kernel: the checks of gfp_zone() and gfp_migratetype(): the library's one
 * answer to whether a mask is valid (gfp_valid() in internal.h). */
PA_API bool pa_gfp_valid(pa_gfp_t gfp)
{
    return gfp_valid(NULL, gfp);
}

/* Kernel: gfp_to_alloc_flags() (6.3+: ALLOC_MIN_RESERVE, ALLOC_NON_BLOCK) */
unsigned gfp_to_alloc_flags(pa_gfp_t gfp, unsigned order)
{
    unsigned flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
    _Static_assert(ALLOC_MIN_RESERVE == PA_GFP_HIGH, "ALLOC_MIN_RESERVE is __GFP_HIGH");
    _Static_assert(ALLOC_KSWAPD == PA_GFP_KSWAPD_RECLAIM, "ALLOC_KSWAPD is __GFP_KSWAPD_RECLAIM");
    flags |= gfp & (PA_GFP_HIGH | PA_GFP_KSWAPD_RECLAIM);

    if (!(gfp & PA_GFP_DIRECT_RECLAIM)) {
        /* Not worth trying harder for __GFP_NOMEMALLOC even if it can't sleep. */
        if (!(gfp & PA_GFP_NOMEMALLOC)) {
            flags |= ALLOC_NON_BLOCK;
            if (order > 0)
                flags |= ALLOC_HIGHATOMIC;
        }
        /* Non-blocking __GFP_HIGH (GFP_ATOMIC) ignores the allowed nodes rather than fail. */
        if (flags & ALLOC_MIN_RESERVE)
            flags &= ~ALLOC_CPUSET;
    }
    return flags;
}
