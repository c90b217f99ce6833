// SPDX-License-Identifier: GPL-2.0-only
/* test_residency.c - pa_resident_bytes counts the page memory the OS holds. */
#include "support.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { PAGES = 4096, TOUCHED = 64 };

TEST(resident_bytes_grow_with_touched_pages)
{
    pa_allocator *a = test_simple(PAGES, 1);
    int64_t before = pa_resident_bytes(a);
    CHECK(before >= 0);
    struct pa_page *pages[TOUCHED] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, TOUCHED, pages), TOUCHED);
    for (int i = 0; i < TOUCHED; i++)
        memset(pa_page_address(a, pages[i]), 0x5a, pa_page_size(a));
    int64_t after = pa_resident_bytes(a);
    CHECK(after - before >= (int64_t)(TOUCHED * pa_page_size(a)));
    /* Freeing does not give memory back: the pages stay resident. */
    pa_release_pages(a, pages, TOUCHED);
    CHECK(pa_resident_bytes(a) >= after);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(resident_bytes_of_caller_memory_are_counted)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, PAGES, 0);
    size_t size = (size_t)PAGES << cfg.page_shift;
    void *memory = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(memory != MAP_FAILED);
    cfg.memory = memory;
    cfg.memory_size = size;
    pa_allocator *a = test_create(&cfg);
    int64_t untouched = pa_resident_bytes(a);
    memset(memory, 1, size);
    CHECK_EQ(pa_resident_bytes(a), (int64_t)size);
    CHECK(untouched < (int64_t)size);
    madvise(memory, size / 2, MADV_DONTNEED);
    CHECK_EQ(pa_resident_bytes(a), (int64_t)(size - size / 2));
    pa_destroy(a);
    munmap(memory, size);
}

TEST(resident_bytes_refuse_bad_allocators)
{
    CHECK_EQ(pa_resident_bytes(NULL), -EINVAL);
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, PAGES, 0);
    cfg.flags |= PA_CFG_METADATA_ONLY;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_resident_bytes(a), -EOPNOTSUPP);
    pa_destroy(a);
}

RUN_TESTS()
