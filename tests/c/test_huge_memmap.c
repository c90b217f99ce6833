// SPDX-License-Identifier: GPL-2.0-only
/* test_huge_memmap.c - PA_CFG_HUGE_MEMMAP (Kernel: vmemmap_populate_hugepages()):
 * the descriptor table starts on a huge-page boundary and is advised to
 * the OS as huge-page memory; the allocator behaves the same to the page. */
#include "support.h"

#include <stdint.h>
#include <stdlib.h>

TEST(huge_memmap_flag_is_the_documented_bit)
{
    CHECK_EQ(PA_CFG_HUGE_MEMMAP, 0x100u);
    CHECK((PA_CFG_ALL_FLAGS & PA_CFG_HUGE_MEMMAP) == PA_CFG_HUGE_MEMMAP);
}

TEST(huge_memmap_table_starts_on_a_2mib_boundary)
{
    pa_allocator *a = test_flags(PA_CFG_HUGE_MEMMAP, 4096, 1);
    struct pa_layout l;
    CHECK_EQ(pa_get_layout(a, &l), 0);
    CHECK_EQ((uintptr_t)l.pages & (((uintptr_t)2 << 20) - 1), 0u);
    CHECK_OK(a);
    pa_destroy(a);
}

/* Every page of a metadata-only allocator allocated in bulk, as the replay
 * seeds one: the same pages in the same order with and without the flag. */
static uint64_t *allocate_all(uint32_t flags, uint64_t pages, size_t *got)
{
    pa_allocator *a = test_flags(PA_CFG_METADATA_ONLY | flags, pages, 2);
    uint64_t *pfns = calloc(pages, sizeof *pfns);
    struct pa_page *slots[256];
    CHECK(pfns != NULL);
    *got = 0;
    for (;;) {
        for (int i = 0; i < 256; i++)
            slots[i] = NULL;
        size_t n = pa_alloc_pages_bulk_array(a, PA_GFP_ATOMIC, 256, slots);
        if (!n)
            break;
        for (int i = 0; i < 256; i++)
            if (slots[i]) {
                CHECK(*got < pages);
                pfns[(*got)++] = pa_page_to_pfn(a, slots[i]);
            }
    }
    CHECK(*got > pages / 2);
    CHECK_OK(a);
    pa_destroy(a);
    return pfns;
}

TEST(huge_memmap_allocates_the_same_pages)
{
    enum { PAGES = 1 << 18 };   /* 1 GiB of 4 KiB pages: an 8 MiB table */
    size_t with, without;
    uint64_t *a = allocate_all(PA_CFG_HUGE_MEMMAP, PAGES, &with);
    uint64_t *b = allocate_all(0, PAGES, &without);
    CHECK_EQ(with, without);
    for (size_t i = 0; i < with; i++)
        CHECK_EQ(a[i], b[i]);
    free(a);
    free(b);
}

RUN_TESTS()
