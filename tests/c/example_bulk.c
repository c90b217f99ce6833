/* SPDX-License-Identifier: GPL-2.0-only */
#include <pagealloc/pagealloc.h>
#include <string.h>

int main(void)
{
    struct pa_config cfg;
    pa_allocator *a;
    pa_config_init(&cfg);                       /* 1 node, 256 MiB NORMAL zone */
    if (pa_create(&cfg, &a) != 0)
        return 1;
    struct pa_page *pages[64] = { 0 };
    unsigned long n = pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 64, pages);
    for (unsigned long i = 0; i < n; i++)
        memset(pa_page_address(a, pages[i]), 0, pa_page_size(a));
    pa_release_pages(a, pages, n);              /* back to this CPU's pcp list */
    pa_destroy(a);
    return n == 64 ? 0 : 1;
}
