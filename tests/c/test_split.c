// SPDX-License-Identifier: GPL-2.0-only
/* test_split.c - pa_split_page (Kernel: split_page): an allocated block
 * becomes order-0 pages freed one by one; anything else is refused and
 * left as it was. */
#include "support.h"

#include "internal.h"

static struct pa_page *alloc_order(pa_allocator *a, unsigned order)
{
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, order);
    CHECK(p != NULL);
    return p;
}

/* A refused split: -EINVAL, one warning naming the call, nothing changed. */
static void check_refused(pa_allocator *a, struct pa_page *page, unsigned order)
{
    uint64_t free_before = test_total_free(a);
    test_log_reset();
    CHECK_EQ(pa_split_page(a, page, order), -EINVAL);
    CHECK_EQ(test_log.count, 1);
    CHECK(test_log_contains("pa_split_page"));
    CHECK_EQ(test_total_free(a), free_before);
    CHECK_OK(a);
}

TEST(split_block_frees_page_by_page_and_merges_back)
{
    pa_allocator *a = test_simple(4096, 1);
    uint64_t free_start = test_total_free(a);
    struct pa_page *p = alloc_order(a, 3);
    CHECK_EQ(pa_split_page(a, p, 3), 0);
    CHECK_OK(a);
    for (int i = 0; i < 8; i++) {
        CHECK_EQ(page_state(p + i), PG_ALLOC);
        CHECK_EQ(p[i].order, 0);
        CHECK_EQ(p[i].refcount, 1);
        CHECK(!page_head(p + i));
    }
    /* Each page is its own allocation now: freed one at a time, in any order. */
    for (int i = 7; i >= 0; i -= 2)
        pa_free_pages(a, p + i, 0);
    CHECK_OK(a);
    for (int i = 6; i >= 0; i -= 2)
        pa_free_pages(a, p + i, 0);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), free_start);
    pa_destroy(a);
}

TEST(split_pages_keep_one_reference_each)
{
    pa_allocator *a = test_simple(4096, 1);
    uint64_t free_start = test_total_free(a);
    struct pa_page *p = alloc_order(a, 2);
    CHECK_EQ(pa_split_page(a, p, 2), 0);
    /* A reference on one page does not hold the others. */
    CHECK_EQ(pa_get_page(a, p + 1), 2);
    pa_free_pages(a, p, 0);
    pa_free_pages(a, p + 2, 0);
    pa_free_pages(a, p + 3, 0);
    CHECK_EQ(pa_put_page(a, p + 1, 0), 1);
    CHECK_EQ(test_total_free(a), free_start - 1);
    CHECK_EQ(pa_put_page(a, p + 1, 0), 0);
    CHECK_EQ(test_total_free(a), free_start);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(split_max_order_block)
{
    pa_allocator *a = test_simple(4096, 1);
    uint64_t free_start = test_total_free(a);
    struct pa_page *p = alloc_order(a, PA_MAX_ORDER);
    CHECK_EQ(pa_split_page(a, p, PA_MAX_ORDER), 0);
    CHECK_OK(a);
    struct pa_page *pages[1u << PA_MAX_ORDER];
    for (unsigned i = 0; i < (1u << PA_MAX_ORDER); i++)
        pages[i] = p + i;
    pa_release_pages(a, pages, 1u << PA_MAX_ORDER);
    CHECK_EQ(test_total_free(a), free_start);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(split_order0_is_a_no_op)
{
    pa_allocator *a = test_simple(4096, 1);
    struct pa_page *p = alloc_order(a, 0);
    CHECK_EQ(pa_split_page(a, p, 0), 0);
    CHECK_EQ(page_state(p), PG_ALLOC);
    CHECK_EQ(p->refcount, 1);
    pa_free_pages(a, p, 0);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(split_refuses_what_is_not_one_allocated_block)
{
    pa_allocator *a = test_simple(4096, 1);
    uint64_t free_start = test_total_free(a);
    struct pa_page *p = alloc_order(a, 3);
    check_refused(a, p, 2);              /* another order */
    check_refused(a, p, 4);
    check_refused(a, p + 1, 0);          /* a tail */
    check_refused(a, p, PA_MAX_ORDER + 1);
    CHECK_EQ(pa_get_page(a, p), 2);      /* two references */
    check_refused(a, p, 3);
    CHECK_EQ(pa_put_page(a, p, 3), 1);
    /* Refused calls left the block whole: it frees as order 3. */
    pa_free_pages(a, p, 3);
    CHECK_EQ(test_total_free(a), free_start);
    check_refused(a, p, 3);              /* now free */
    CHECK_EQ(pa_split_page(NULL, p, 0), -EINVAL);
    check_refused(a, NULL, 0);
    pa_destroy(a);
}

TEST(split_refuses_a_page_pool_page)
{
    pa_allocator *a = test_simple(4096, 1);
    uint64_t free_start = test_total_free(a);
    pa_page_pool *pool = test_pool_create(a, 1, 0);
    struct pa_page *p = pa_page_pool_alloc_pages(pool, PA_GFP_KERNEL);
    CHECK(p != NULL);
    check_refused(a, p, 1);
    pa_page_pool_put_full_page(pool, p, false);
    test_pool_done(a, pool, free_start);
}

TEST(a_split_head_no_longer_frees_as_the_block)
{
    pa_allocator *a = test_simple(4096, 1);
    uint64_t free_start = test_total_free(a);
    struct pa_page *p = alloc_order(a, 1);
    CHECK_EQ(pa_split_page(a, p, 1), 0);
    test_log_reset();
    pa_free_pages(a, p, 1);              /* wrong order: bad_page, nothing freed */
    CHECK(test_log_contains("wrong order"));
    CHECK_EQ(test_total_free(a), free_start - 2);
    CHECK_OK(a);
    pa_free_pages(a, p, 0);
    pa_free_pages(a, p + 1, 0);
    CHECK_EQ(test_total_free(a), free_start);
    pa_destroy(a);
}

RUN_TESTS()
