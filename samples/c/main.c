// SPDX-License-Identifier: GPL-2.0-only
/* A C program built against the installed PageAlloc package: allocates 64
 * pages in one bulk call, writes them, frees them, and checks the allocator. */
#include <pagealloc/pagealloc.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    struct pa_config cfg;
    pa_allocator *a;
    pa_config_init(&cfg);
    cfg.node_zone_pages[0][PA_ZONE_NORMAL] = 4096;
    if (pa_create(&cfg, &a) != 0)
        return 1;
    struct pa_page *pages[64] = { 0 };
    unsigned long n = pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL | PA_GFP_ZERO, 64, pages);
    for (unsigned long i = 0; i < n; i++)
        memset(pa_page_address(a, pages[i]), 0x5a, pa_page_size(a));
    pa_release_pages(a, pages, n);
    int check = pa_check(a);
    printf("pagealloc %s: %lu pages, check %d\n", pa_version(), n, check);
    pa_destroy(a);
    return n == 64 && check == 0 ? 0 : 1;
}
