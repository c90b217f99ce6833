// SPDX-License-Identifier: GPL-2.0-only
/* test_residency.c - pa_resident_bytes counts the page memory the OS holds;
 * the descriptor map of a new allocator is resident only where pa_create or
 * the allocations wrote it. */
#include "support.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* Host pages of the descriptor map backed by memory of their own: Rss of its
 * mapping in /proc/self/smaps, which, unlike mincore, leaves out the shared
 * zero page that reading an untouched page maps. */
static size_t resident_descriptor_pages(pa_allocator *a)
{
    struct pa_layout l;
    CHECK_EQ(pa_get_layout(a, &l), 0);
    uintptr_t at = (uintptr_t)l.pages;
    FILE *f = fopen("/proc/self/smaps", "r");
    CHECK(f != NULL);
    char line[512];
    bool inside = false;
    long rss_kib = -1;
    while (rss_kib < 0 && fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        long kib;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
            inside = at >= lo && at < hi;
        else if (inside && sscanf(line, "Rss: %ld kB", &kib) == 1)
            rss_kib = kib;
    }
    fclose(f);
    CHECK(rss_kib >= 0);
    return (size_t)rss_kib * 1024 / (size_t)sysconf(_SC_PAGESIZE);
}

TEST(descriptor_map_is_resident_only_where_written)
{
    /* 256 MiB in 4 KiB pages: 2 MiB of descriptors, 512 host pages. pa_create
     * writes the heads of its 64 order-10 blocks (one host page each), not
     * the zero descriptors of the other frames. */
    enum { BIG = 65536, BLOCKS = BIG >> PA_MAX_ORDER };
    pa_allocator *a = test_simple(BIG, 1);
    struct pa_layout l;
    CHECK_EQ(pa_get_layout(a, &l), 0);
    size_t map_pages = (size_t)(((uint64_t)BIG << l.desc_shift) / (uint64_t)sysconf(_SC_PAGESIZE));
    size_t fresh = resident_descriptor_pages(a);
    CHECK(fresh <= BLOCKS + 2);
    CHECK(fresh * 4 < map_pages);
    /* One page splits one order-10 block down to order 0: the new heads sit
     * in at most a few more host pages of the map. */
    struct pa_page *page = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(page != NULL);
    CHECK(resident_descriptor_pages(a) <= fresh + PA_MAX_ORDER + 1);
    pa_free_pages(a, page, 0);
    /* Every frame, written or not, reads as node 0's normal zone. (Reading
     * the map may fault it in: not every kernel maps the zero page.) */
    for (uint64_t pfn = 0; pfn < BIG; pfn++) {
        page = pa_pfn_to_page(a, pfn);
        CHECK(page != NULL);
        CHECK_EQ(pa_page_zonenum(a, page), PA_ZONE_NORMAL);
        CHECK_EQ(pa_page_to_nid(a, page), 0);
    }
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(sparse_descriptor_map_keeps_every_frame_in_its_node_and_zone)
{
    /* Zones of every type on two nodes, with alignment holes between them:
     * the frames whose descriptors pa_create writes (all but node 0's normal
     * zone) and those it leaves zero must all answer their own zone and node. */
    struct pa_config cfg;
    test_config(&cfg, 2, 2, 1000, 1500, 3000, 700);
    pa_allocator *a = test_create(&cfg);
    uint64_t in_zones = 0, limit = 0;
    for (int nid = 0; nid < 2; nid++)
        for (int z = 0; z < PA_NR_ZONES; z++) {
            struct pa_zone_info info;
            CHECK_EQ(pa_zone_info(a, nid, (enum pa_zone_type)z, &info), 0);
            for (uint64_t pfn = info.start_pfn; pfn < info.start_pfn + info.spanned; pfn++) {
                struct pa_page *page = pa_pfn_to_page(a, pfn);
                CHECK(page != NULL);
                CHECK_EQ(pa_page_zonenum(a, page), z);
                CHECK_EQ(pa_page_to_nid(a, page), nid);
                in_zones++;
            }
            if (info.start_pfn + info.spanned > limit)
                limit = info.start_pfn + info.spanned;
        }
    uint64_t holes = 0;
    for (uint64_t pfn = 0; pfn < limit; pfn++)
        holes += pa_pfn_to_page(a, pfn) == NULL;
    CHECK_EQ(in_zones + holes, limit);
    CHECK(holes > 0);
    /* A block split on node 1 frees back into node 1's zone. */
    struct pa_page *page = pa_alloc_pages_node(a, PA_GFP_KERNEL | PA_GFP_THISNODE, 2, 1);
    CHECK(page != NULL);
    CHECK_EQ(pa_page_to_nid(a, page), 1);
    CHECK_EQ(pa_page_zonenum(a, page), PA_ZONE_NORMAL);
    pa_free_pages(a, page, 2);
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()
