// SPDX-License-Identifier: GPL-2.0-only
/* test_layout.c - the published page layout: the header's inline pa_layout_*
 * accessors give what the exported functions give, pa_get_layout refuses
 * allocators without one address map, pa_create refuses a program built for
 * another layout version, and the leaves never log. */
#include "support.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

/* Every pfn of the array, and every page the allocator hands out. */
static void check_inline_equals_exported(pa_allocator *a)
{
    struct pa_layout l;
    CHECK_EQ(pa_get_layout(a, &l), 0);
    CHECK_EQ(l.version, PA_LAYOUT_VERSION);
    CHECK_EQ(l.page_size, (uint32_t)1 << l.page_shift);
    CHECK_EQ(pa_layout_page_size(&l), pa_page_size(a));
    uint64_t in_zones = 0;
    for (uint64_t pfn = 0; pfn < l.nr_pfns; pfn++) {
        struct pa_page *page = pa_pfn_to_page(a, pfn);
        if (!page)
            continue;   /* an alignment hole between zones: see the header */
        in_zones++;
        CHECK(pa_layout_pfn_to_page(&l, pfn) == page);
        CHECK_EQ(pa_layout_page_to_pfn(&l, page), pfn);
        CHECK_EQ(pa_page_to_pfn(a, page), pfn);
        CHECK(pa_layout_page_address(&l, page) == pa_page_address(a, page));
        CHECK(pa_layout_page_address(&l, page) != NULL);
        CHECK(pa_virt_to_page(a, pa_layout_page_address(&l, page)) == page);
    }
    uint64_t spanned = 0;
    for (int nid = 0; nid < pa_nr_nodes(a); nid++)
        for (int z = 0; z < PA_NR_ZONES; z++) {
            struct pa_zone_info info;
            if (pa_zone_info(a, nid, (enum pa_zone_type)z, &info) == 0) {
                spanned += info.spanned;
                CHECK(info.start_pfn + info.spanned <= l.nr_pfns);
            }
        }
    CHECK_EQ(in_zones, spanned);

    /* Past the array, and pointers that are not descriptors: the same errors. */
    CHECK(pa_layout_pfn_to_page(&l, l.nr_pfns) == NULL);
    CHECK(pa_pfn_to_page(a, l.nr_pfns) == NULL);
    CHECK(pa_layout_pfn_to_page(&l, UINT64_MAX) == NULL);
    struct pa_page *first = NULL;
    for (uint64_t pfn = 0; !first; pfn++)
        first = pa_pfn_to_page(a, pfn);
    const struct pa_page *odd = (const struct pa_page *)((const char *)first + 1);
    CHECK_EQ(pa_layout_page_to_pfn(&l, odd), UINT64_MAX);
    CHECK_EQ(pa_page_to_pfn(a, odd), UINT64_MAX);
    CHECK(pa_layout_page_address(&l, odd) == NULL);
    CHECK(pa_page_address(a, odd) == NULL);
    int local;
    const struct pa_page *foreign = (const struct pa_page *)(void *)&local;
    CHECK_EQ(pa_layout_page_to_pfn(&l, foreign), UINT64_MAX);
    CHECK_EQ(pa_page_to_pfn(a, foreign), UINT64_MAX);
    CHECK(pa_layout_page_address(&l, NULL) == NULL);
    CHECK(pa_page_address(a, NULL) == NULL);
    const struct pa_page *end = (const struct pa_page *)((uintptr_t)pa_layout_pfn_to_page(&l, l.nr_pfns - 1) +
                                                         ((uintptr_t)1 << l.desc_shift));
    CHECK_EQ(pa_layout_page_to_pfn(&l, end), UINT64_MAX);
    CHECK(pa_page_address(a, end) == NULL);

    /* The pages the allocator hands out, of every order. */
    for (unsigned order = 0; order <= 3; order++) {
        struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, order);
        CHECK(p != NULL);
        CHECK(pa_layout_page_address(&l, p) == pa_page_address(a, p));
        CHECK_EQ(pa_layout_page_to_pfn(&l, p), pa_page_to_pfn(a, p));
        pa_free_pages(a, p, order);
    }
    CHECK_OK(a);
}

TEST(layout_inline_accessors_equal_exported_for_every_frame)
{
    struct pa_config cfg;
    /* Four zones, so there are holes between them. */
    test_config(&cfg, 1, 2, 1000, 3000, 5000, 700);
    pa_allocator *a = test_create(&cfg);
    check_inline_equals_exported(a);
    pa_destroy(a);

    /* Two nodes in one caller-supplied region: one map. */
    test_config(&cfg, 2, 2, 0, 1500, 2500, 0);
    cfg.page_shift = 13;
    uint64_t size = pa_config_memory_size(&cfg);
    /* 8 KiB pages need 8 KiB alignment, which mmap does not promise (valgrind's
     * placement often breaks it): map a page more and align. */
    size_t page = (size_t)1 << cfg.page_shift, mapped = size + page;
    void *map = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(map != MAP_FAILED);
    void *mem = (void *)(((uintptr_t)map + page - 1) & ~(uintptr_t)(page - 1));
    cfg.memory = mem;
    cfg.memory_size = size;
    a = test_create(&cfg);
    check_inline_equals_exported(a);
    struct pa_layout l;
    CHECK_EQ(pa_get_layout(a, &l), 0);
    CHECK_EQ(l.page_shift, 13);
    struct pa_page *p0 = pa_layout_pfn_to_page(&l, 0);
    CHECK_EQ((uintptr_t)pa_layout_pfn_to_page(&l, 1) - (uintptr_t)p0, (uintptr_t)1 << l.desc_shift);
    CHECK_EQ(l.mem_base, (uintptr_t)mem);
    pa_destroy(a);
    munmap(map, mapped);
}

/* Nodes mapped apart have no single map unless the kernel placed them end to
 * end; the layout is published exactly when support.c's check finds one. */
TEST(layout_only_for_one_address_map)
{
    struct pa_config cfg;
    test_config(&cfg, 3, 3, 0, 0, 3000, 0);
    pa_allocator *a = test_create(&cfg);
    struct pa_layout l, before;
    memset(&l, 0x5a, sizeof(l));
    before = l;
    int rc = pa_get_layout(a, &l);
    CHECK_EQ(rc == 0, test_one_address_map(a) != 0);
    if (rc == 0)
        check_inline_equals_exported(a);
    else
        CHECK(rc == -ENXIO && memcmp(&l, &before, sizeof(l)) == 0);
    pa_destroy(a);

    test_config(&cfg, 1, 1, 0, 0, 4096, 0);
    cfg.flags = PA_CFG_METADATA_ONLY;
    a = test_create(&cfg);
    test_log_reset();
    l = before;   /* the first allocator may have had one map and filled it */
    CHECK_EQ(pa_get_layout(a, &l), -ENXIO);
    CHECK(memcmp(&l, &before, sizeof(l)) == 0);
    CHECK_EQ(pa_get_layout(a, NULL), -EINVAL);
    CHECK_EQ(pa_get_layout(NULL, &l), -EINVAL);
    CHECK_EQ(test_log.count, 0);   /* a leaf does not log */
    pa_destroy(a);
}

TEST(pa_create_refuses_another_layout_version)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, 4096, 0);
    const uint32_t others[] = { 0, PA_LAYOUT_VERSION + 1, UINT32_MAX };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        pa_allocator *a = (pa_allocator *)&cfg;   /* must be cleared */
        CHECK_EQ(pa_create_checked(&cfg, &a, others[i]), -EPROTO);
        CHECK(a == NULL);
    }
    CHECK_EQ(pa_create_checked(&cfg, NULL, PA_LAYOUT_VERSION + 1), -EPROTO);
    /* This header's version, through the macro and directly. */
    pa_allocator *a = NULL;
    CHECK_EQ(pa_create(&cfg, &a), 0);
    CHECK(a != NULL);
    pa_destroy(a);
    a = NULL;
    CHECK_EQ(pa_create_checked(&cfg, &a, PA_LAYOUT_VERSION), 0);
    CHECK(a != NULL);
    pa_destroy(a);
    /* The exported pa_create of older programs does not check. */
    a = NULL;
    CHECK_EQ((pa_create)(&cfg, &a), 0);
    CHECK(a != NULL);
    pa_destroy(a);
}

/* Bad arguments to every PA_LEAF function: the error value, no log line. */
/* The inline list walk visits what pa_list_first / pa_list_next visit, in
 * their order: a bulk list, the same list reordered, one page, none. */
TEST(layout_list_walk_equals_exported)
{
    pa_allocator *a = test_simple(1024, 1);
    struct pa_list_head list;
    pa_list_init(&list);
    CHECK(pa_layout_list_first(&list) == NULL);
    CHECK_EQ(pa_alloc_pages_bulk_list(a, PA_GFP_KERNEL, 100, &list), 100);
    for (int round = 0; round < 2; round++) {
        unsigned long n = 0;
        struct pa_page *x = pa_layout_list_first(&list), *y = pa_list_first(&list);
        for (; y; x = pa_layout_list_next(&list, x), y = pa_list_next(&list, y), n++)
            CHECK(x == y);
        CHECK(x == NULL);
        CHECK_EQ(n, pa_list_count(&list));
        /* Every third page to the tail: the walk follows the links, not the pfns. */
        struct pa_page *p = pa_list_first(&list);
        for (int i = 0; i < 33; i++) {
            struct pa_page *next = pa_list_next(&list, pa_list_next(&list, pa_list_next(&list, p)));
            pa_list_move_tail(p, &list);
            p = next;
        }
    }
    struct pa_list_head one;
    pa_list_init(&one);
    struct pa_page *page = pa_list_first(&list);
    pa_list_move_tail(page, &one);
    CHECK(pa_layout_list_first(&one) == page);
    CHECK(pa_layout_list_next(&one, page) == NULL);
    pa_free_pages_bulk(a, &one);
    pa_free_pages_bulk(a, &list);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 1024);
    pa_destroy(a);
}

TEST(leaf_functions_never_log)
{
    pa_allocator *a = test_simple(4096, 1);
    struct pa_page *page = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(page != NULL);
    const struct pa_page *bad = (const struct pa_page *)((const char *)page + 3);
    struct pa_list_head list;
    test_log_reset();
    CHECK_EQ(pa_page_to_pfn(NULL, page), UINT64_MAX);
    CHECK_EQ(pa_page_to_pfn(a, bad), UINT64_MAX);
    CHECK(pa_pfn_to_page(NULL, 0) == NULL);
    CHECK(pa_pfn_to_page(a, UINT64_MAX) == NULL);
    CHECK(pa_page_address(NULL, page) == NULL);
    CHECK(pa_page_address(a, bad) == NULL);
    CHECK(pa_virt_to_page(NULL, &list) == NULL);
    CHECK(pa_virt_to_page(a, &list) == NULL);
    CHECK(pa_virt_to_page(a, NULL) == NULL);
    CHECK_EQ(pa_page_to_nid(a, bad), -EINVAL);
    CHECK_EQ(pa_page_to_nid(NULL, page), -EINVAL);
    CHECK_EQ(pa_page_zonenum(a, bad), PA_NR_ZONES);
    CHECK_EQ(pa_page_size(NULL), 0);
    CHECK_EQ(pa_nr_nodes(NULL), 0);
    CHECK_EQ(pa_nr_cpus(NULL), 0);
    CHECK_EQ(pa_cpu_to_node(a, -1), -EINVAL);
    CHECK_EQ(pa_cpu_to_node(a, 1), -EINVAL);
    CHECK_EQ(pa_cpu_to_node(NULL, 0), -EINVAL);
    CHECK_EQ(pa_get_layout(NULL, NULL), -EINVAL);
    CHECK(!pa_gfp_valid(0xffffffffu));
    pa_list_init(NULL);
    CHECK(pa_list_empty(NULL));
    CHECK(pa_list_first(NULL) == NULL);
    CHECK(pa_list_next(NULL, page) == NULL);
    CHECK_EQ(pa_list_count(NULL), 0);
    pa_list_move_tail(NULL, &list);
    pa_list_del(NULL);
    pa_list_splice_tail(NULL, &list);
    CHECK_EQ(test_log.count, 0);
    pa_free_pages(a, page, 0);
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()
