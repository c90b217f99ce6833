// SPDX-License-Identifier: GPL-2.0-only
/* test_fault.c - fault injection with the kernel's fail_page_alloc
 * attributes (Kernel: lib/fault-inject.c should_fail_ex(),
 * mm/fail_page_alloc.c __should_fail_alloc_page()). */
#include "support.h"

#include <errno.h>
#include <string.h>

#define NORMAL PA_ZONE_NORMAL

static pa_allocator *mk(void)
{
    pa_allocator *a = test_simple(8192, 1);
    return a;
}

static struct pa_fault_attr attr(uint32_t probability, uint32_t interval, int64_t times, int64_t space)
{
    struct pa_fault_attr fa;
    memset(&fa, 0, sizeof(fa));
    fa.probability = probability;
    fa.interval = interval;
    fa.times = times;
    fa.space = space;
    return fa;
}

/* Tries n order-`order` allocations with gfp, freeing each success;
 * writes '1' for a failure and '0' for a success into pattern. */
static int try_n(pa_allocator *a, pa_gfp_t gfp, unsigned order, int n, char *pattern)
{
    int fails = 0;
    for (int i = 0; i < n; i++) {
        struct pa_page *p = pa_alloc_pages(a, gfp, order);
        if (pattern)
            pattern[i] = p ? '0' : '1';
        if (p)
            pa_free_pages(a, p, order);
        else
            fails++;
    }
    if (pattern)
        pattern[n] = '\0';
    return fails;
}

TEST(fault_probability_100_fails_every_call)
{
    pa_allocator *a = mk();
    struct pa_fault_attr fa = attr(100, 1, -1, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    uint64_t fail = pa_vm_event(a, PA_PGFAIL), stall = pa_vm_event(a, PA_ALLOCSTALL);
    test_log_reset();
    CHECK_EQ(try_n(a, PA_GFP_KERNEL, 0, 20, NULL), 20);
    CHECK_EQ(try_n(a, PA_GFP_ATOMIC, 3, 5, NULL), 5);
    CHECK_EQ(pa_vm_event(a, PA_PGFAIL), fail + 25);
    /* An injected failure is immediate: no slow path, no warn_alloc, but
     * the injection says so. */
    CHECK_EQ(pa_vm_event(a, PA_ALLOCSTALL), stall);
    CHECK(test_log_contains("FAULT_INJECTION"));
    CHECK(!test_log_contains("page allocation failure"));
    CHECK_EQ(test_log.count, 25);
    /* NOWARN silences the injection's line too. */
    test_log_reset();
    CHECK(pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0) == NULL);
    CHECK_EQ(test_log.count, 0);
    /* Probability 0: never. */
    fa = attr(0, 1, -1, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL, 0, 50, NULL), 0);
    CHECK_OK(a);
    /* Free memory was never touched by the failed calls. */
    CHECK_EQ(test_total_free(a), 8192);
    pa_destroy(a);
}

TEST(fault_probability_is_a_deterministic_fraction)
{
    struct pa_fault_attr fa = attr(50, 1, -1, 0);
    char p1[401], p2[401];
    pa_allocator *a = mk();
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    int f1 = try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 400, p1);
    CHECK_OK(a);
    pa_destroy(a);
    a = mk();
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    int f2 = try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 400, p2);
    /* Same allocator shape and attributes: the same calls fail. */
    CHECK_EQ(f1, f2);
    CHECK_STR_EQ(p1, p2);
    /* About half of them. */
    CHECK(f1 > 140 && f1 < 260);
    /* Setting the attributes again restarts the sequence. */
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 400, p2);
    CHECK_STR_EQ(p1, p2);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(fault_interval_fails_every_nth_call)
{
    pa_allocator *a = mk();
    struct pa_fault_attr fa = attr(100, 3, -1, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    char pat[13];
    CHECK_EQ(try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 12, pat), 4);
    CHECK_STR_EQ(pat, "001001001001");
    /* Interval 0 and 1 both mean every call. */
    fa = attr(100, 0, -1, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 5, NULL), 5);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(fault_times_limits_the_failures)
{
    pa_allocator *a = mk();
    struct pa_fault_attr fa = attr(100, 1, 3, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    char pat[11];
    try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 10, pat);
    CHECK_STR_EQ(pat, "1110000000");
    /* With an interval: every 2nd call, twice. */
    fa = attr(100, 2, 2, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 10, pat);
    CHECK_STR_EQ(pat, "0101000000");
    /* times 0: never. */
    fa = attr(100, 1, 0, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 10, NULL), 0);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(fault_space_lets_that_much_through_first)
{
    pa_allocator *a = mk();
    int64_t ps = (int64_t)pa_page_size(a);
    char pat[7];
    /* Three pages' worth: calls pass while the space left is larger than
     * the request (should_fail_ex: space > size), so two order-0 calls. */
    struct pa_fault_attr fa = attr(100, 1, -1, 3 * ps);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 6, pat);
    CHECK_STR_EQ(pat, "001111");
    /* One byte more: three. */
    fa = attr(100, 1, -1, 3 * ps + 1);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 6, pat);
    CHECK_STR_EQ(pat, "000111");
    /* The size is the request's: an order-2 call uses four pages. */
    fa = attr(100, 1, -1, 9 * ps);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 2, 4, pat);
    CHECK_STR_EQ(pat, "0011");
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(fault_min_order_spares_smaller_orders)
{
    pa_allocator *a = mk();
    struct pa_fault_attr fa = attr(100, 1, -1, 0);
    fa.min_order = 2;
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 5, NULL), 0);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 1, 5, NULL), 0);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 2, 5, NULL), 5);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 5, 5, NULL), 5);
    /* The bulk allocator is order 0: spared. */
    struct pa_page *arr[8] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 8, arr), 8);
    pa_release_pages(a, arr, 8);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(fault_ignore_gfp_reclaim_spares_reclaiming_requests)
{
    pa_allocator *a = mk();
    struct pa_fault_attr fa = attr(100, 1, -1, 0);
    fa.ignore_gfp_reclaim = 1;
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 5, NULL), 0);
    CHECK_EQ(try_n(a, PA_GFP_USER | PA_GFP_NOWARN, 1, 5, NULL), 0);
    CHECK_EQ(try_n(a, PA_GFP_ATOMIC | PA_GFP_NOWARN, 0, 5, NULL), 5);
    CHECK_EQ(try_n(a, PA_GFP_NOWAIT | PA_GFP_NOWARN, 0, 5, NULL), 5);
    /* Without the attribute, reclaiming requests fail too. */
    fa.ignore_gfp_reclaim = 0;
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 5, NULL), 5);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(fault_nofail_is_never_failed)
{
    pa_allocator *a = mk();
    struct pa_fault_attr fa = attr(100, 1, -1, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL | PA_GFP_NOFAIL, 0, 10, NULL), 0);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL | PA_GFP_NOFAIL, 3, 10, NULL), 0);
    /* NOFAIL calls do not use up times. */
    fa = attr(100, 1, 1, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL | PA_GFP_NOFAIL, 0, 3, NULL), 0);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 3, NULL), 1);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(fault_null_turns_it_off)
{
    pa_allocator *a = mk();
    struct pa_fault_attr fa = attr(100, 1, -1, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 3, NULL), 3);
    CHECK_EQ(pa_set_fail_page_alloc(a, NULL), 0);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL, 0, 20, NULL), 0);
    struct pa_page *arr[8] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 8, arr), 8);
    pa_release_pages(a, arr, 8);
    /* Off twice is fine. */
    CHECK_EQ(pa_set_fail_page_alloc(a, NULL), 0);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(fault_bad_attributes_are_rejected)
{
    pa_allocator *a = mk();
    struct pa_fault_attr fa = attr(101, 1, -1, 0);
    test_log_reset();
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), -EINVAL);
    CHECK_EQ(test_log.count, 1);
    fa = attr(50, 1, -2, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), -EINVAL);
    fa = attr(50, 1, -1, -1);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), -EINVAL);
    CHECK_EQ(pa_set_fail_page_alloc(NULL, &fa), -EINVAL);
    CHECK_EQ(pa_set_fail_page_alloc(NULL, NULL), -EINVAL);
    /* A rejected call leaves the previous setting in place. */
    CHECK_EQ(try_n(a, PA_GFP_KERNEL, 0, 10, NULL), 0);
    struct pa_fault_attr on = attr(100, 1, -1, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, &on), 0);
    fa = attr(101, 1, -1, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), -EINVAL);
    CHECK_EQ(try_n(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0, 3, NULL), 3);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(fault_bulk_call_consults_it_once)
{
    pa_allocator *a = mk();
    /* Every 2nd consultation fails: a bulk call of 16 is one consultation. */
    struct pa_fault_attr fa = attr(100, 2, -1, 0);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    struct pa_page *arr[16] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 16, arr), 16);
    pa_release_pages(a, arr, 16);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 16, arr), 0);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 16, arr), 16);
    pa_release_pages(a, arr, 16);
    /* Space is charged one page per bulk call (order 0), as the kernel's
     * prepare_alloc_pages(gfp, 0, ...) does. */
    int64_t ps = (int64_t)pa_page_size(a);
    fa = attr(100, 1, -1, 2 * ps);
    CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 16, arr), 16);
    pa_release_pages(a, arr, 16);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 16, arr), 0);
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()
