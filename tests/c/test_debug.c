// SPDX-License-Identifier: GPL-2.0-only
/* test_debug.c - page poisoning (Kernel: mm/page_poison.c) and the bad_page
 * checks on free (free_page_is_bad), and get_page/put_page refcounting.
 * A bad free is reported as "Bad page state" and ignored: the lists stay
 * intact (pa_check) and no page is lost. */
#include "support.h"

#include "internal.h"

TEST(poison_freed_pages_read_0xaa)
{
    pa_allocator *a = test_flags(PA_CFG_POISON, 4096, 1);
    size_t ps = pa_page_size(a);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 2);
    CHECK(p != NULL);
    unsigned char *m = pa_page_address(a, p);
    CHECK(m != NULL);
    /* Fresh memory is poisoned too: allocation found no corruption. */
    CHECK(test_all_bytes(m, 0xaa, ps * 4));
    memset(m, 0x11, ps * 4);
    test_log_reset();
    pa_free_pages(a, p, 2);
    CHECK_OK(a);
    CHECK(test_all_bytes(m, 0xaa, ps * 4));
    CHECK_EQ(test_log.count, 0);
    /* Allocating the poisoned pages again reports nothing. */
    struct pa_page *q = pa_alloc_pages(a, PA_GFP_KERNEL, 2);
    CHECK(q == p);
    CHECK_EQ(test_log.count, 0);
    pa_free_pages(a, q, 2);
    CHECK_EQ(test_total_free(a), 4096);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(poison_detects_write_after_free)
{
    pa_allocator *a = test_flags(PA_CFG_POISON, 4096, 1);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    unsigned char *m = pa_page_address(a, p);
    pa_free_pages(a, p, 0);           /* onto this CPU's pcp list, LIFO */
    CHECK_OK(a);
    m[100] = 0x55;                    /* the bug under test: a write after free */
    test_log_reset();
    struct pa_page *q = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(q == p);
    CHECK(test_log_contains("memory corruption"));
    CHECK_EQ(test_log.last_level, PA_LOG_ERR);
    CHECK_OK(a);
    /* The page is still handed out and usable. */
    pa_free_pages(a, q, 0);
    /* The same through the bulk path. */
    q = NULL;
    struct pa_page *arr[8] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 8, arr), 8);
    unsigned char *m0 = pa_page_address(a, arr[0]);
    pa_release_pages(a, arr, 8);
    CHECK_OK(a);
    m0[4095] = 0;
    test_log_reset();
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 8, arr), 8);
    CHECK(test_log_contains("memory corruption"));
    pa_release_pages(a, arr, 8);
    CHECK_EQ(test_total_free(a), 4096);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(poison_with_gfp_zero_returns_zeroed_memory)
{
    pa_allocator *a = test_flags(PA_CFG_POISON, 4096, 1);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_ZERO, 3);
    CHECK(p != NULL);
    CHECK(test_all_bytes(pa_page_address(a, p), 0, pa_page_size(a) * 8));
    pa_free_pages(a, p, 3);
    CHECK(test_all_bytes(pa_page_address(a, p), 0xaa, pa_page_size(a) * 8));
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(no_poison_without_the_flag)
{
    pa_allocator *a = test_flags(0, 4096, 1);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    unsigned char *m = pa_page_address(a, p);
    memset(m, 0x11, pa_page_size(a));
    pa_free_pages(a, p, 0);
    CHECK(test_all_bytes(m, 0x11, pa_page_size(a)));
    CHECK_OK(a);
    pa_destroy(a);
}

/* Each bad free runs with the always-on checks and with DEBUG_CHECKS. */
static const uint32_t modes[] = { 0, PA_CFG_DEBUG_CHECKS, PA_CFG_DEBUG_CHECKS | PA_CFG_POISON };

static void expect_bad_page(int before, const char *reason)
{
    CHECK_EQ(test_log.count, before + 1);
    CHECK(strstr(test_log.last, "Bad page state") != NULL);
    CHECK(strstr(test_log.last, reason) != NULL);
}

TEST(double_free_reported_and_ignored)
{
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        pa_allocator *a = test_flags(modes[m], 4096, 1);
        uint64_t free0 = test_total_free(a);
        for (unsigned order = 0; order <= 10; order += 5) {
            struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, order);
            struct pa_page *keep = pa_alloc_pages(a, PA_GFP_KERNEL, order);
            CHECK(p != NULL && keep != NULL);
            pa_free_pages(a, p, order);
            CHECK_OK(a);
            test_log_reset();
            pa_free_pages(a, p, order);          /* on a pcp or buddy list now */
            expect_bad_page(0, "double free");
            CHECK_OK(a);
            /* Once drained and merged it is no head at all: still bad. */
            pa_drain_all_pages(a);
            pa_free_pages(a, p, order);
            CHECK_EQ(test_log.count, 2);
            CHECK(strstr(test_log.last, "Bad page state") != NULL);
            CHECK_OK(a);
            pa_free_pages(a, keep, order);
            CHECK_OK(a);
            CHECK_EQ(test_total_free(a), free0);
        }
        pa_destroy(a);
    }
}

TEST(wrong_order_free_reported_and_ignored)
{
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        pa_allocator *a = test_flags(modes[m], 4096, 1);
        struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 2);
        CHECK(p != NULL);
        test_log_reset();
        pa_free_pages(a, p, 1);
        expect_bad_page(0, "wrong order");
        pa_free_pages(a, p, 3);
        expect_bad_page(1, "wrong order");
        CHECK_OK(a);
        /* Freeing a tail page is not freeing the block. */
        pa_free_pages(a, pa_pfn_to_page(a, pa_page_to_pfn(a, p) + 1), 0);
        expect_bad_page(2, "not the head");
        CHECK_OK(a);
        CHECK_EQ(test_total_free(a), 4096 - 4);
        pa_free_pages(a, p, 2);
        CHECK_EQ(test_log.count, 3);
        CHECK_EQ(test_total_free(a), 4096);
        CHECK_OK(a);
        pa_destroy(a);
    }
}

TEST(foreign_page_free_reported_and_ignored)
{
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        pa_allocator *a = test_flags(modes[m], 4096, 1);
        pa_allocator *b = test_flags(0, 1024, 1);
        struct pa_page *pb = pa_alloc_pages(b, PA_GFP_KERNEL, 0);
        CHECK(pb != NULL);
        test_log_reset();
        pa_free_pages(a, pb, 0);
        expect_bad_page(0, "not a page of this allocator");
        CHECK_OK(a);
        CHECK_OK(b);
        /* A pointer into the middle of one of a's own descriptors. */
        struct pa_page *pa = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
        CHECK(pa != NULL);
        pa_free_pages(a, (struct pa_page *)((char *)pa + 8), 0);
        expect_bad_page(1, "not a page of this allocator");
        /* A pointer to something that is no descriptor at all. */
        struct pa_page *stack = (struct pa_page *)&m;
        pa_free_pages(a, stack, 0);
        expect_bad_page(2, "not a page of this allocator");
        CHECK_OK(a);
        pa_free_pages(a, pa, 0);
        CHECK_EQ(test_log.count, 3);
        CHECK_EQ(test_total_free(a), 4096);
        CHECK_OK(a);
        pa_free_pages(b, pb, 0);
        CHECK_EQ(test_total_free(b), 1024);
        CHECK_OK(b);
        pa_destroy(b);
        pa_destroy(a);
    }
}

TEST(reserved_hole_frame_free_reported)
{
    /* 1500 pages: frames 1500..2047 are an alignment hole, never pages. */
    pa_allocator *a = test_flags(PA_CFG_DEBUG_CHECKS, 1500, 1);
    CHECK(pa_pfn_to_page(a, 1600) == NULL);
    struct pa_page *hole = pa_pfn_to_page(a, 1499) + 101;
    test_log_reset();
    pa_free_pages(a, hole, 0);
    expect_bad_page(0, "not a page of this allocator");
    CHECK_EQ(pa_page_to_pfn(a, hole), UINT64_MAX);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 1500);
    pa_destroy(a);
}

TEST(freeing_referenced_page_reported_and_ignored)
{
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        pa_allocator *a = test_flags(modes[m], 4096, 1);
        struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 1);
        CHECK(p != NULL);
        CHECK_EQ(pa_get_page(a, p), 2);
        test_log_reset();
        pa_free_pages(a, p, 1);
        expect_bad_page(0, "page still referenced");
        CHECK_OK(a);
        CHECK_EQ(test_total_free(a), 4096 - 2);
        CHECK_EQ(pa_put_page(a, p, 1), 1);
        CHECK_EQ(test_total_free(a), 4096 - 2);
        pa_free_pages(a, p, 1);          /* now the last reference */
        CHECK_EQ(test_log.count, 1);
        CHECK_EQ(test_total_free(a), 4096);
        CHECK_OK(a);
        pa_destroy(a);
    }
}

TEST(get_put_page_frees_on_last_put)
{
    pa_allocator *a = test_flags(0, 4096, 1);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 3);
    CHECK(p != NULL);
    CHECK_EQ(pa_get_page(a, p), 2);
    CHECK_EQ(pa_get_page(a, p), 3);
    CHECK_EQ(pa_put_page(a, p, 3), 2);
    CHECK_EQ(pa_put_page(a, p, 3), 1);
    CHECK_EQ(test_total_free(a), 4096 - 8);
    CHECK_OK(a);
    test_log_reset();
    CHECK_EQ(pa_put_page(a, p, 3), 0);   /* last one: freed */
    CHECK_EQ(test_log.count, 0);
    CHECK_EQ(test_total_free(a), 4096);
    CHECK_OK(a);
    /* A put or get on a freed page is a bad page, not a second free. */
    CHECK_EQ(pa_put_page(a, p, 3), -EINVAL);
    CHECK(test_log_contains("Bad page state"));
    CHECK_EQ(pa_get_page(a, p), -EINVAL);
    CHECK_EQ(pa_get_page(a, NULL), -EINVAL);
    CHECK_EQ(pa_put_page(NULL, p, 0), -EINVAL);
    CHECK_EQ(test_total_free(a), 4096);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(debug_checks_catch_corrupted_tail_page)
{
    /* Only PA_CFG_DEBUG_CHECKS looks at every tail page. */
    pa_allocator *a = test_flags(PA_CFG_DEBUG_CHECKS, 4096, 1);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 2);
    CHECK(p != NULL);
    set_page_state(p + 2, 0);            /* simulate a scribbled descriptor */
    test_log_reset();
    pa_free_pages(a, p, 2);
    expect_bad_page(0, "corrupted tail page");
    set_page_state(p + 2, PG_TAIL);
    CHECK_OK(a);
    pa_free_pages(a, p, 2);
    CHECK_EQ(test_log.count, 1);
    CHECK_EQ(test_total_free(a), 4096);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(bad_frees_in_bulk_free_are_skipped)
{
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        pa_allocator *a = test_flags(modes[m], 4096, 1);
        pa_allocator *b = test_flags(0, 1024, 1);
        struct pa_page *arr[6] = { 0 };
        CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 4, arr), 4);
        struct pa_page *dup = arr[1];
        arr[4] = pa_alloc_pages(b, PA_GFP_KERNEL, 0);   /* foreign */
        arr[5] = dup;                                   /* freed twice */
        test_log_reset();
        pa_release_pages(a, arr, 6);
        CHECK_EQ(test_log.count, 2);
        for (int i = 0; i < 6; i++)
            CHECK(arr[i] == NULL);
        CHECK_OK(a);
        CHECK_EQ(test_total_free(a), 4096);
        CHECK_OK(b);
        CHECK_EQ(test_total_free(b), 1023);
        pa_destroy(b);
        pa_destroy(a);
    }
}

RUN_TESTS()
