// SPDX-License-Identifier: GPL-2.0-only
/* gfp_format.c - a gfp mask in words, for warn_alloc's log line. */
#include "internal.h"

#include <stdio.h>

/* Formats gfp as the kernel's %pGg does: composite names first, then the
 * remaining single flags. */
size_t gfp_format(pa_gfp_t gfp, char *buf, size_t size)
{
    static const struct { pa_gfp_t mask; const char *name; } names[] = {
        { PA_GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE" },
        { PA_GFP_USER, "GFP_USER" },
        { PA_GFP_KERNEL, "GFP_KERNEL" },
        { PA_GFP_ATOMIC, "GFP_ATOMIC" },
        { PA_GFP_NOWAIT, "GFP_NOWAIT" },
        { PA_GFP_DMA, "GFP_DMA" }, { PA_GFP_HIGHMEM, "__GFP_HIGHMEM" },
        { PA_GFP_DMA32, "GFP_DMA32" }, { PA_GFP_MOVABLE, "__GFP_MOVABLE" },
        { PA_GFP_RECLAIMABLE, "__GFP_RECLAIMABLE" }, { PA_GFP_HIGH, "__GFP_HIGH" },
        { PA_GFP_IO, "__GFP_IO" }, { PA_GFP_FS, "__GFP_FS" }, { PA_GFP_ZERO, "__GFP_ZERO" },
        { PA_GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM" },
        { PA_GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM" }, { PA_GFP_NOWARN, "__GFP_NOWARN" },
        { PA_GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL" }, { PA_GFP_NOFAIL, "__GFP_NOFAIL" },
        { PA_GFP_NORETRY, "__GFP_NORETRY" }, { PA_GFP_COMP, "__GFP_COMP" },
        { PA_GFP_NOMEMALLOC, "__GFP_NOMEMALLOC" }, { PA_GFP_HARDWALL, "__GFP_HARDWALL" },
        { PA_GFP_THISNODE, "__GFP_THISNODE" }, { PA_GFP_ACCOUNT, "__GFP_ACCOUNT" },
    };
    size_t len = 0;
    pa_gfp_t left = gfp;
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && left; i++) {
        if ((left & names[i].mask) != names[i].mask)
            continue;
        left &= ~names[i].mask;
        int n = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0, "%s%s",
                         len ? "|" : "", names[i].name);
        len += (size_t)n;
    }
    if (left) {
        int n = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0, "%s%#x",
                         len ? "|" : "", left);
        len += (size_t)n;
    }
    return len;
}
