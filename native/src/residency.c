/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * residency.c - how much of the allocator's page memory is resident: what a
 * process's RSS owes the allocator. Free memory counts as long as it was
 * touched and not given back, so this is the figure free page reporting and
 * idle trimming bring down.
 */
#include "internal.h"

PA_API int64_t pa_resident_bytes(const pa_allocator *a)
{
    if (!a)
        return -EINVAL;
    int64_t total = 0;
    for (int nid = 0; nid < a->nr_nodes; nid++) {
        const struct pa_node *node = &a->nodes[nid];
        if (!node->mem)
            return -EOPNOTSUPP;
        int64_t bytes = os_resident_bytes(node->mem, (size_t)node->span << a->page_shift);
        if (bytes < 0)
            return bytes;
        total += bytes;
    }
    return total;
}
