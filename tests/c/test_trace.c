/* SPDX-License-Identifier: GPL-2.0-only */
/* test_trace.c - the kmem tracepoints (Kernel: include/trace/events/kmem.h,
 * 6.18): each event fires where the kernel fires it with the kernel's
 * fields, the mask and the off switch, the kernel's TP_printk text, and the
 * kernel's gfp names both ways. */
#include "support.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- A recording callback ------------------------------------------------------ */

#define MAX_EVENTS 8192
struct recording {
    int n;
    struct pa_trace_event ev[MAX_EVENTS];
};
static struct recording rec;

static void record_fn(void *ctx, const struct pa_trace_event *ev)
{
    struct recording *r = ctx;
    CHECK(r->n < MAX_EVENTS);
    r->ev[r->n++] = *ev;
}

static void record_on(pa_allocator *a, uint32_t mask)
{
    rec.n = 0;
    CHECK_EQ(pa_set_trace(a, record_fn, &rec, mask), 0);
}

static int count_type(uint32_t type)
{
    int n = 0;
    for (int i = 0; i < rec.n; i++)
        n += rec.ev[i].type == type;
    return n;
}

/* The first recorded event of type, NULL if none. */
static const struct pa_trace_event *first_of(uint32_t type)
{
    for (int i = 0; i < rec.n; i++)
        if (rec.ev[i].type == type)
            return &rec.ev[i];
    return NULL;
}

static const char *text_of(const struct pa_trace_event *ev)
{
    static char buf[512];
    size_t n = pa_format_trace_event(ev, buf, sizeof(buf));
    CHECK(n < sizeof(buf));
    CHECK_EQ(strlen(buf), n);
    return buf;
}

/* "page=%p pfn=0x%lx" as perf script prints a kernel's: pfn_to_page() of
 * pfn evaluated as pfn, and glibc's %p of 0 is (nil). */
static const char *page_pfn_text(uint64_t pfn)
{
    static char buf[64];
    if (pfn)
        snprintf(buf, sizeof(buf), "page=0x%llx pfn=0x%llx", (unsigned long long)pfn, (unsigned long long)pfn);
    else
        snprintf(buf, sizeof(buf), "page=(nil) pfn=0x0");
    return buf;
}

/* ---- Where each event fires ----------------------------------------------------- */

TEST(trace_alloc_single_fires_mm_page_alloc_with_gfp_and_migratetype)
{
    pa_allocator *a = test_simple(8192, 1);
    record_on(a, PA_TRACE_ALL);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_ZERO, 0);
    CHECK(p != NULL);
    CHECK_EQ(count_type(PA_TRACE_MM_PAGE_ALLOC), 1);
    const struct pa_trace_event *ev = first_of(PA_TRACE_MM_PAGE_ALLOC);
    CHECK_EQ(ev->pfn, pa_page_to_pfn(a, p));
    CHECK(ev->page == p);
    CHECK_EQ(ev->order, 0);
    CHECK_EQ(ev->migratetype, PA_MIGRATE_UNMOVABLE);
    CHECK_EQ(ev->gfp, PA_GFP_KERNEL | PA_GFP_ZERO);
    CHECK_EQ(ev->cpu, 0);
    /* The alloc event is the call's last: after the refill's zone_locked ones. */
    CHECK_EQ(rec.ev[rec.n - 1].type, PA_TRACE_MM_PAGE_ALLOC);

    record_on(a, PA_TRACE_ALL);
    struct pa_page *q = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 2);
    CHECK(q != NULL);
    ev = first_of(PA_TRACE_MM_PAGE_ALLOC);
    CHECK(ev != NULL);
    CHECK_EQ(ev->pfn, pa_page_to_pfn(a, q));
    CHECK_EQ(ev->order, 2);
    CHECK_EQ(ev->migratetype, PA_MIGRATE_MOVABLE);
    pa_set_trace(a, NULL, NULL, 0);
    pa_free_pages(a, p, 0);
    pa_free_pages(a, q, 2);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(trace_failed_alloc_fires_mm_page_alloc_without_page)
{
    pa_allocator *a = test_simple(2048, 1);
    record_on(a, PA_TRACE_MASK(PA_TRACE_MM_PAGE_ALLOC));
    struct pa_page *blocks[2];
    for (int i = 0; i < 2; i++)
        CHECK((blocks[i] = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 10)) != NULL || i == 1);
    /* 2048 pages with watermarks: the second order-10 block must fail. */
    CHECK(blocks[1] == NULL);
    CHECK_EQ(rec.n, 2);
    CHECK_EQ(rec.ev[1].pfn, PA_TRACE_NO_PFN);
    CHECK(rec.ev[1].page == NULL);
    CHECK_EQ(rec.ev[1].order, 10);
    CHECK_STR_EQ(text_of(&rec.ev[1]),
                 "page=(nil) pfn=0x0 order=10 migratetype=0 gfp_flags=GFP_KERNEL|__GFP_NOWARN");
    pa_free_pages(a, blocks[0], 10);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(trace_bulk_fires_zone_locked_refills_not_mm_page_alloc)
{
    /* Kernel: alloc_pages_bulk takes pages off the pcp list without
     * trace_mm_page_alloc; the refill's __rmqueue_smallest fires zone_locked. */
    pa_allocator *a = test_simple_pcp(8192, 1, 16, 64);
    record_on(a, PA_TRACE_ALL);
    struct pa_page *pages[32] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 32, pages), 32);
    CHECK_EQ(count_type(PA_TRACE_MM_PAGE_ALLOC), 0);
    CHECK_EQ(count_type(PA_TRACE_MM_PAGE_ALLOC_ZONE_LOCKED), 32);   /* two batches of 16 */
    for (int i = 0; i < 32; i++) {
        bool seen = false;
        for (int j = 0; j < rec.n; j++)
            seen |= rec.ev[j].type == PA_TRACE_MM_PAGE_ALLOC_ZONE_LOCKED &&
                    rec.ev[j].pfn == pa_page_to_pfn(a, pages[i]) && rec.ev[j].order == 0 &&
                    rec.ev[j].migratetype == PA_MIGRATE_UNMOVABLE && rec.ev[j].percpu_refill == 1;
        CHECK(seen);
    }
    /* From the pcp list alone: no event at all. */
    pa_release_pages(a, pages, 32);
    record_on(a, PA_TRACE_ALL);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 16, pages), 16);
    CHECK_EQ(rec.n, 0);
    pa_set_trace(a, NULL, NULL, 0);
    pa_release_pages(a, pages, 16);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(trace_bulk_single_page_fallback_fires_mm_page_alloc)
{
    /* B6: one page wanted goes down the single-page path, __alloc_pages. */
    pa_allocator *a = test_simple(8192, 1);
    record_on(a, PA_TRACE_MASK(PA_TRACE_MM_PAGE_ALLOC));
    struct pa_list_head list;
    pa_list_init(&list);
    CHECK_EQ(pa_alloc_pages_bulk_list(a, PA_GFP_USER, 1, &list), 1);
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.ev[0].pfn, pa_page_to_pfn(a, pa_list_first(&list)));
    CHECK_EQ(rec.ev[0].gfp, PA_GFP_USER);
    pa_set_trace(a, NULL, NULL, 0);
    pa_free_pages_bulk(a, &list);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(trace_free_single_fires_mm_page_free_only)
{
    pa_allocator *a = test_simple(8192, 1);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 3);
    struct pa_page *q = pa_alloc_pages(a, PA_GFP_KERNEL, 5);
    CHECK(p && q);
    record_on(a, PA_TRACE_ALL);
    pa_free_pages(a, p, 3);
    pa_free_pages(a, q, 5);
    CHECK_EQ(rec.n, 2);
    CHECK_EQ(rec.ev[0].type, PA_TRACE_MM_PAGE_FREE);
    CHECK_EQ(rec.ev[0].pfn, pa_page_to_pfn(a, p));
    CHECK_EQ(rec.ev[0].order, 3);
    CHECK_EQ(rec.ev[1].type, PA_TRACE_MM_PAGE_FREE);
    CHECK_EQ(rec.ev[1].order, 5);
    pa_set_trace(a, NULL, NULL, 0);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(trace_refused_free_fires_nothing)
{
    pa_allocator *a = test_simple(8192, 1);
    pa_set_log(a, test_log_fn, NULL);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    pa_free_pages(a, p, 0);
    record_on(a, PA_TRACE_ALL);
    pa_free_pages(a, p, 0);          /* double free: bad_page, ignored */
    CHECK_EQ(rec.n, 0);
    pa_set_trace(a, NULL, NULL, 0);
    CHECK_OK(a);
    pa_destroy(a);
}

/* Kernel 6.18 free_unref_folios(): free_pages_prepare's mm_page_free, then
 * mm_page_free_batched as the page goes on the pcp list. */
static void check_free_then_batched(pa_allocator *a, struct pa_page **pages, int n)
{
    CHECK_EQ(rec.n, 2 * n);
    for (int i = 0; i < n; i++) {
        uint64_t pfn = pa_page_to_pfn(a, pages[i]);
        CHECK_EQ(rec.ev[2 * i].type, PA_TRACE_MM_PAGE_FREE);
        CHECK_EQ(rec.ev[2 * i].pfn, pfn);
        CHECK_EQ(rec.ev[2 * i].order, 0);
        CHECK_EQ(rec.ev[2 * i + 1].type, PA_TRACE_MM_PAGE_FREE_BATCHED);
        CHECK_EQ(rec.ev[2 * i + 1].pfn, pfn);
    }
}

TEST(trace_batched_free_fires_free_then_free_batched_same_pfn)
{
    pa_allocator *a = test_simple(8192, 1);
    struct pa_page *pages[24] = { 0 }, *copy[24];
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 24, pages), 24);
    memcpy(copy, pages, sizeof(pages));
    record_on(a, PA_TRACE_MASK(PA_TRACE_MM_PAGE_FREE) | PA_TRACE_MASK(PA_TRACE_MM_PAGE_FREE_BATCHED));
    pa_release_pages(a, pages, 24);
    check_free_then_batched(a, copy, 24);
    CHECK_OK(a);

    /* The list form too. */
    struct pa_list_head list;
    pa_list_init(&list);
    CHECK_EQ(pa_alloc_pages_bulk_list(a, PA_GFP_KERNEL, 24, &list), 24);
    int i = 0;
    for (struct pa_page *p = pa_list_first(&list); p; p = pa_list_next(&list, p))
        copy[i++] = p;
    rec.n = 0;
    pa_free_pages_bulk(a, &list);
    check_free_then_batched(a, copy, 24);
    pa_set_trace(a, NULL, NULL, 0);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(trace_zone_locked_percpu_refill_1_on_pcp_refill_0_on_direct_buddy)
{
    pa_allocator *a = test_simple(8192, 1);
    record_on(a, PA_TRACE_MASK(PA_TRACE_MM_PAGE_ALLOC_ZONE_LOCKED));
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0);
    CHECK(p != NULL);
    CHECK(rec.n >= 1);
    for (int i = 0; i < rec.n; i++) {
        CHECK_EQ(rec.ev[i].order, 0);
        CHECK_EQ(rec.ev[i].migratetype, PA_MIGRATE_MOVABLE);
        CHECK_EQ(rec.ev[i].percpu_refill, 1);
    }
    /* Order 4 has no pcp list: rmqueue_buddy, percpu_refill 0. */
    record_on(a, PA_TRACE_MASK(PA_TRACE_MM_PAGE_ALLOC_ZONE_LOCKED));
    struct pa_page *q = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 4);
    CHECK(q != NULL);
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.ev[0].pfn, pa_page_to_pfn(a, q));
    CHECK_EQ(rec.ev[0].order, 4);
    CHECK_EQ(rec.ev[0].migratetype, PA_MIGRATE_MOVABLE);
    CHECK_EQ(rec.ev[0].percpu_refill, 0);
    pa_set_trace(a, NULL, NULL, 0);
    pa_free_pages(a, p, 0);
    pa_free_pages(a, q, 4);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(trace_pcpu_drain_fires_per_block_on_drain)
{
    pa_allocator *a = test_simple(8192, 1);
    pa_drain_all_pages(a);
    struct pa_page *pages[8] = { 0 }, *copy[8];
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 8, pages), 8);
    memcpy(copy, pages, sizeof(pages));
    pa_release_pages(a, pages, 8);
    struct pa_pcp_info pi;
    CHECK_EQ(pa_pcp_info(a, 0, 0, PA_ZONE_NORMAL, &pi), 0);
    record_on(a, PA_TRACE_ALL);
    pa_drain_all_pages(a);
    CHECK_EQ(rec.n, (int)pi.count);
    CHECK_EQ(count_type(PA_TRACE_MM_PAGE_PCPU_DRAIN), (int)pi.count);
    for (int i = 0; i < 8; i++) {
        bool seen = false;
        for (int j = 0; j < rec.n; j++)
            seen |= rec.ev[j].pfn == pa_page_to_pfn(a, copy[i]) && rec.ev[j].order == 0 &&
                    rec.ev[j].migratetype == PA_MIGRATE_UNMOVABLE;
        CHECK(seen);
    }
    pa_set_trace(a, NULL, NULL, 0);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(trace_extfrag_on_fallback_that_claims_the_block)
{
    /* A fresh zone is all movable pageblocks: the first unmovable request
     * steals an order-10 block and claims both its pageblocks. */
    pa_allocator *a = test_simple(8192, 1);
    record_on(a, PA_TRACE_ALL);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    const struct pa_trace_event *ev = first_of(PA_TRACE_MM_PAGE_ALLOC_EXTFRAG);
    CHECK(ev != NULL);
    CHECK_EQ(count_type(PA_TRACE_MM_PAGE_ALLOC_EXTFRAG), 1);
    CHECK_EQ(ev->alloc_order, 0);
    CHECK_EQ(ev->fallback_order, 10);
    CHECK_EQ(ev->alloc_migratetype, PA_MIGRATE_UNMOVABLE);
    CHECK_EQ(ev->fallback_migratetype, PA_MIGRATE_MOVABLE);
    CHECK_EQ(ev->change_ownership, 1);
    CHECK_EQ(ev->pfn % 1024, 0);
    /* Kernel order: the steal, then __rmqueue_smallest's zone_locked. */
    CHECK(ev == &rec.ev[0]);
    CHECK_EQ(rec.ev[1].type, PA_TRACE_MM_PAGE_ALLOC_ZONE_LOCKED);
    pa_set_trace(a, NULL, NULL, 0);
    pa_free_pages(a, p, 0);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(trace_extfrag_single_page_steal_keeps_ownership)
{
    /* A DMA32 zone (no ALLOC_NOFRAGMENT) turned all unmovable, its free
     * space scattered single pages: a movable request steals one page and
     * the pageblock stays unmovable (change_ownership=0, fragmenting). */
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 1024, 0, 0);
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    struct held h = { 0 };
    struct pa_page *got;
    while ((got = pa_alloc_pages(a, PA_GFP_ATOMIC | PA_GFP_DMA32 | PA_GFP_NOWARN, 0)))
        held_push(&h, got);
    CHECK(h.n > 768);
    /* Every fourth page back: none of them can merge. */
    for (size_t i = 0; i < h.n; i++) {
        if (pa_page_to_pfn(a, h.p[i]) % 4 == 0) {
            pa_free_pages(a, h.p[i], 0);
            h.p[i] = h.p[--h.n];
            i--;
        }
    }
    pa_drain_all_pages(a);
    CHECK_OK(a);
    record_on(a, PA_TRACE_MASK(PA_TRACE_MM_PAGE_ALLOC_EXTFRAG));
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_DMA32 | PA_GFP_MOVABLE | PA_GFP_HIGH, 0);
    CHECK(p != NULL);
    CHECK(rec.n >= 1);
    const struct pa_trace_event *ev = &rec.ev[0];
    CHECK_EQ(ev->alloc_order, 0);
    CHECK(ev->fallback_order < PA_PAGEBLOCK_ORDER);
    CHECK_EQ(ev->alloc_migratetype, PA_MIGRATE_MOVABLE);
    CHECK_EQ(ev->fallback_migratetype, PA_MIGRATE_UNMOVABLE);
    CHECK_EQ(ev->change_ownership, 0);
    char want[256];
    snprintf(want, sizeof(want),
             "%s alloc_order=0 fallback_order=%d pageblock_order=9 "
             "alloc_migratetype=1 fallback_migratetype=0 fragmenting=1 change_ownership=0",
             page_pfn_text(ev->pfn), ev->fallback_order);
    CHECK_STR_EQ(text_of(ev), want);
    pa_set_trace(a, NULL, NULL, 0);
    pa_free_pages(a, p, 0);
    held_done(a, &h);
    CHECK_OK(a);
    pa_destroy(a);
}

/* ---- Switching ---------------------------------------------------------------------- */

TEST(trace_mask_delivers_only_its_events)
{
    pa_allocator *a = test_simple(8192, 1);
    record_on(a, PA_TRACE_MASK(PA_TRACE_MM_PAGE_FREE));
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 4);
    pa_free_pages(a, p, 4);
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.ev[0].type, PA_TRACE_MM_PAGE_FREE);
    pa_set_trace(a, NULL, NULL, 0);
    pa_destroy(a);
}

TEST(trace_callback_null_or_mask_0_turns_tracing_off)
{
    pa_allocator *a = test_simple(8192, 1);
    record_on(a, PA_TRACE_ALL);
    CHECK_EQ(pa_set_trace(a, NULL, &rec, PA_TRACE_ALL), 0);
    struct pa_page *pages[16] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 16, pages), 16);
    pa_release_pages(a, pages, 16);
    pa_free_pages(a, pa_alloc_pages(a, PA_GFP_KERNEL, 0), 0);
    pa_drain_all_pages(a);
    CHECK_EQ(rec.n, 0);
    CHECK_EQ(pa_set_trace(a, record_fn, &rec, 0), 0);
    pa_free_pages(a, pa_alloc_pages(a, PA_GFP_KERNEL, 0), 0);
    CHECK_EQ(rec.n, 0);
    /* And on again: the same hook serves. */
    CHECK_EQ(pa_set_trace(a, record_fn, &rec, PA_TRACE_ALL), 0);
    pa_free_pages(a, pa_alloc_pages(a, PA_GFP_KERNEL, 0), 0);
    CHECK(rec.n >= 2);
    pa_set_trace(a, NULL, NULL, 0);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(trace_set_rejects_null_allocator_and_unknown_bits)
{
    CHECK_EQ(pa_set_trace(NULL, record_fn, &rec, PA_TRACE_ALL), -EINVAL);
    pa_allocator *a = test_simple(8192, 1);
    CHECK_EQ(pa_set_trace(a, record_fn, &rec, PA_TRACE_ALL + 1), -EINVAL);
    rec.n = 0;
    pa_free_pages(a, pa_alloc_pages(a, PA_GFP_KERNEL, 0), 0);
    CHECK_EQ(rec.n, 0);
    pa_destroy(a);
}

TEST(trace_event_carries_the_callers_pcp_slot)
{
    pa_allocator *a = test_simple(8192, 4);
    CHECK_EQ(pa_bind_cpu(a, 3), 0);
    record_on(a, PA_TRACE_ALL);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    pa_free_pages(a, p, 0);
    CHECK(rec.n >= 2);
    for (int i = 0; i < rec.n; i++)
        CHECK_EQ(rec.ev[i].cpu, 3);
    pa_set_trace(a, NULL, NULL, 0);
    pa_destroy(a);
}

TEST(trace_traced_batched_path_keeps_every_invariant)
{
    pa_allocator *a = test_simple_pcp(8192, 1, 8, 32);
    record_on(a, PA_TRACE_ALL);
    struct pa_page *pages[200] = { 0 };
    for (int round = 0; round < 5; round++) {
        CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 200, pages), 200);
        CHECK_OK(a);
        rec.n = 0;
        pa_release_pages(a, pages, 200);   /* through high: drains as it goes */
        CHECK_OK(a);
        CHECK_EQ(count_type(PA_TRACE_MM_PAGE_FREE), 200);
        CHECK_EQ(count_type(PA_TRACE_MM_PAGE_FREE_BATCHED), 200);
        CHECK(count_type(PA_TRACE_MM_PAGE_PCPU_DRAIN) > 0);
    }
    pa_set_trace(a, NULL, NULL, 0);
    pa_destroy(a);
}

/* ---- Text ------------------------------------------------------------------------- */

/* Lines of perf script on Linux 6.18.44 (this project's bench machine),
 * after the "kmem:name: " prefix. */
TEST(trace_format_prints_the_kernels_tp_printk_text)
{
    struct pa_trace_event ev = { .type = PA_TRACE_MM_PAGE_ALLOC, .pfn = 0x1d6a65, .order = 0,
                                 .migratetype = 1,
                                 .gfp = PA_GFP_HIGHUSER_MOVABLE | PA_GFP_ZERO | PA_GFP_COMP };
    CHECK_STR_EQ(text_of(&ev), "page=0x1d6a65 pfn=0x1d6a65 order=0 migratetype=1 "
                               "gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP");
    ev.gfp = PA_GFP_KERNEL | PA_GFP_ACCOUNT | PA_GFP_ZERO | PA_GFP_COMP;
    ev.migratetype = 0;
    CHECK_STR_EQ(text_of(&ev), "page=0x1d6a65 pfn=0x1d6a65 order=0 migratetype=0 "
                               "gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP");
    ev.gfp = PA_GFP_KERNEL | PA_GFP_RECLAIMABLE | PA_GFP_NOWARN | PA_GFP_NORETRY | PA_GFP_COMP;
    CHECK_STR_EQ(text_of(&ev), "page=0x1d6a65 pfn=0x1d6a65 order=0 migratetype=0 "
                               "gfp_flags=GFP_KERNEL|__GFP_RECLAIMABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP");
    ev.gfp = 0;
    CHECK_STR_EQ(text_of(&ev), "page=0x1d6a65 pfn=0x1d6a65 order=0 migratetype=0 gfp_flags=none");

    ev = (struct pa_trace_event){ .type = PA_TRACE_MM_PAGE_FREE, .pfn = 0x1d65ba, .order = 0 };
    CHECK_STR_EQ(text_of(&ev), "page=0x1d65ba pfn=0x1d65ba order=0");
    ev.order = 9;
    CHECK_STR_EQ(text_of(&ev), "page=0x1d65ba pfn=0x1d65ba order=9");
    ev = (struct pa_trace_event){ .type = PA_TRACE_MM_PAGE_FREE_BATCHED, .pfn = 0x1d61f3 };
    CHECK_STR_EQ(text_of(&ev), "page=0x1d61f3 pfn=0x1d61f3 order=0");
    ev = (struct pa_trace_event){ .type = PA_TRACE_MM_PAGE_ALLOC_ZONE_LOCKED, .pfn = 0x1d194e,
                                  .order = 1, .migratetype = 1, .percpu_refill = 1 };
    CHECK_STR_EQ(text_of(&ev), "page=0x1d194e pfn=0x1d194e order=1 migratetype=1 percpu_refill=1");
    ev = (struct pa_trace_event){ .type = PA_TRACE_MM_PAGE_PCPU_DRAIN, .pfn = 0x1d1e7a,
                                  .order = 0, .migratetype = 1 };
    CHECK_STR_EQ(text_of(&ev), "page=0x1d1e7a pfn=0x1d1e7a order=0 migratetype=1");
    /* perf script prints fragmenting=<fallback_order> (libtraceevent cannot
     * evaluate the comparison); the kernel's own text has the 0/1 below. */
    ev = (struct pa_trace_event){ .type = PA_TRACE_MM_PAGE_ALLOC_EXTFRAG, .pfn = 0x1d8c00,
                                  .alloc_order = 2, .fallback_order = 10, .alloc_migratetype = 2,
                                  .fallback_migratetype = 1, .change_ownership = 1 };
    CHECK_STR_EQ(text_of(&ev), "page=0x1d8c00 pfn=0x1d8c00 alloc_order=2 fallback_order=10 "
                               "pageblock_order=9 alloc_migratetype=2 fallback_migratetype=1 "
                               "fragmenting=0 change_ownership=1");
    CHECK_STR_EQ(pa_trace_event_name(PA_TRACE_MM_PAGE_ALLOC_EXTFRAG), "mm_page_alloc_extfrag");
    CHECK_STR_EQ(pa_trace_event_name(PA_TRACE_MM_PAGE_ALLOC), "mm_page_alloc");
    CHECK(pa_trace_event_name(PA_TRACE_NR_EVENTS) == NULL);
}

TEST(trace_format_is_snprintf_style)
{
    struct pa_trace_event ev = { .type = PA_TRACE_MM_PAGE_FREE, .pfn = 0x10, .order = 1 };
    const char *full = "page=0x10 pfn=0x10 order=1";
    char small[8];
    CHECK_EQ(pa_format_trace_event(&ev, small, sizeof(small)), strlen(full));
    CHECK_STR_EQ(small, "page=0x");
    CHECK_EQ(pa_format_trace_event(&ev, NULL, 0), strlen(full));
    /* pfn 0 is a NULL struct page to libtraceevent's %p. */
    ev.pfn = 0;
    CHECK_STR_EQ(text_of(&ev), "page=(nil) pfn=0x0 order=1");
    ev.type = PA_TRACE_NR_EVENTS;
    CHECK_EQ(pa_format_trace_event(&ev, small, sizeof(small)), 0);
    CHECK_STR_EQ(small, "");
    CHECK_EQ(pa_format_trace_event(NULL, small, sizeof(small)), 0);
}

TEST(trace_events_of_a_run_print_as_the_kernel_does)
{
    pa_allocator *a = test_simple(8192, 1);
    record_on(a, PA_TRACE_ALL);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_ZERO, 0);
    uint64_t pfn = pa_page_to_pfn(a, p);
    char want[256];
    snprintf(want, sizeof(want), "%s order=0 migratetype=0 gfp_flags=GFP_KERNEL|__GFP_ZERO",
             page_pfn_text(pfn));
    CHECK_STR_EQ(text_of(first_of(PA_TRACE_MM_PAGE_ALLOC)), want);
    pa_set_trace(a, NULL, NULL, 0);
    pa_free_pages(a, p, 0);
    pa_destroy(a);
}

/* ---- gfp names -------------------------------------------------------------------- */

static pa_gfp_t parse_ok(const char *text)
{
    pa_gfp_t g = 0xdeadbeef;
    CHECK_EQ(pa_parse_gfp_flags(text, &g), 0);
    return g;
}

static const char *gfp_text(pa_gfp_t g)
{
    static char buf[512];
    size_t n = pa_format_gfp_flags(g, buf, sizeof(buf));
    CHECK(n < sizeof(buf));
    return buf;
}

TEST(gfp_parse_round_trips_every_flag_and_composite)
{
    /* The kernel's composites (6.18 values) print as their own name. */
    static const struct { const char *name; pa_gfp_t bits; } composites[] = {
        { "GFP_TRANSHUGE", 0x1c24ca }, { "GFP_TRANSHUGE_LIGHT", 0x1c20ca },
        { "GFP_HIGHUSER_MOVABLE", PA_GFP_HIGHUSER_MOVABLE }, { "GFP_HIGHUSER", PA_GFP_USER | PA_GFP_HIGHMEM },
        { "GFP_USER", PA_GFP_USER }, { "GFP_KERNEL_ACCOUNT", PA_GFP_KERNEL | PA_GFP_ACCOUNT },
        { "GFP_KERNEL", PA_GFP_KERNEL }, { "GFP_NOFS", PA_GFP_RECLAIM | PA_GFP_IO },
        { "GFP_ATOMIC", PA_GFP_ATOMIC }, { "GFP_NOIO", PA_GFP_RECLAIM },
        { "GFP_NOWAIT", PA_GFP_KSWAPD_RECLAIM | PA_GFP_NOWARN }, { "GFP_DMA", PA_GFP_DMA },
        { "GFP_DMA32", PA_GFP_DMA32 },
    };
    for (size_t i = 0; i < sizeof(composites) / sizeof(composites[0]); i++) {
        CHECK_EQ(parse_ok(composites[i].name), composites[i].bits);
        CHECK_STR_EQ(gfp_text(composites[i].bits), composites[i].name);
    }
    CHECK_EQ(parse_ok("__GFP_RECLAIM"), PA_GFP_RECLAIM);
    CHECK_EQ(parse_ok("__GFP_DMA"), PA_GFP_DMA);
    /* Every single bit the kernel names: format, parse back, same bits. */
    int named = 0;
    for (int bit = 0; bit < 32; bit++) {
        pa_gfp_t g = 1u << bit;
        const char *t = gfp_text(g);
        CHECK_EQ(parse_ok(t), g);
        named += strncmp(t, "0x", 2) != 0;
    }
    CHECK_EQ(named, 24);   /* bits 0..24 less the unused bit 9 */
    CHECK_STR_EQ(gfp_text(PA_GFP_KERNEL_WRITE), "__GFP_WRITE");
    CHECK_STR_EQ(gfp_text(PA_GFP_KERNEL_NO_OBJ_EXT), "__GFP_NO_OBJ_EXT");
    CHECK_STR_EQ(gfp_text(0x200), "0x200");
    /* Mixed, as real trace lines have them. */
    static const char *const lines[] = {
        "GFP_HIGHUSER_MOVABLE|__GFP_WRITE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP",
        "GFP_NOFS|__GFP_MOVABLE|__GFP_NOFAIL|__GFP_COMP|__GFP_HARDWALL",
        "__GFP_RECLAIMABLE|__GFP_IO|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC",
        "GFP_NOWAIT|__GFP_NORETRY|__GFP_COMP|__GFP_THISNODE",
        "GFP_HIGHUSER|__GFP_ACCOUNT", "GFP_KERNEL|0x200", "none",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        CHECK_STR_EQ(gfp_text(parse_ok(lines[i])), lines[i]);
    /* Every mask of our flags survives the trip. */
    for (pa_gfp_t g = 0; g < 0x10000; g += 7)
        CHECK_EQ(parse_ok(gfp_text(g * 131u & PA_GFP_ALL_FLAGS)), g * 131u & PA_GFP_ALL_FLAGS);
    CHECK_EQ(parse_ok("0x400cc0"), PA_GFP_KERNEL | PA_GFP_ACCOUNT);
    CHECK_EQ(parse_ok("GFP_KERNEL|__GFP_KSWAPD_RECLAIM"), PA_GFP_KERNEL);
}

TEST(gfp_parse_rejects_garbage)
{
    static const char *const bad[] = {
        "", "GFP_BOGUS", "GFP_KERNEL|", "|GFP_KERNEL", "GFP_KERNEL||__GFP_ZERO", "0x", "0xzz",
        "gfp_kernel", "GFP_KERNEL |__GFP_ZERO", " GFP_KERNEL", "0x100000000", "none|GFP_KERNEL",
        "GFP_KERNEL|none", "__GFP_UNUSED", "12",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pa_gfp_t g = 0x1234;
        CHECK_EQ(pa_parse_gfp_flags(bad[i], &g), -EINVAL);
        CHECK_EQ(g, 0x1234);
    }
    pa_gfp_t g;
    CHECK_EQ(pa_parse_gfp_flags(NULL, &g), -EINVAL);
    CHECK_EQ(pa_parse_gfp_flags("GFP_KERNEL", NULL), -EINVAL);
    CHECK_EQ(parse_ok("none"), 0);
    CHECK_EQ(parse_ok("0x0"), 0);
}

/* ---- Threads -------------------------------------------------------------------- */

struct tagged {
    int tag;
    long events;   /* atomically */
};
static struct tagged tag_a = { 'a', 0 }, tag_b = { 'b', 0 };
static int mixed, workers_done, switches;
#define SWITCHES 3000

static void fn_a(void *ctx, const struct pa_trace_event *ev)
{
    (void)ev;
    struct tagged *t = ctx;
    if (t->tag != 'a')
        __atomic_store_n(&mixed, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&t->events, 1, __ATOMIC_RELAXED);
}

static void fn_b(void *ctx, const struct pa_trace_event *ev)
{
    (void)ev;
    struct tagged *t = ctx;
    if (t->tag != 'b')
        __atomic_store_n(&mixed, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&t->events, 1, __ATOMIC_RELAXED);
}

struct worker_arg {
    pa_allocator *a;
    int cpu;
};

static void *trace_worker(void *p)
{
    struct worker_arg *w = p;
    CHECK_EQ(pa_bind_cpu(w->a, w->cpu), 0);
    struct pa_page *pages[32];
    /* Busy until the main thread has switched SWITCHES times: the two overlap. */
    for (int round = 0; round < 200 || __atomic_load_n(&switches, __ATOMIC_ACQUIRE) < SWITCHES; round++) {
        memset(pages, 0, sizeof(pages));
        unsigned long n = pa_alloc_pages_bulk_array(w->a, PA_GFP_KERNEL, 32, pages);
        pa_release_pages(w->a, pages, n);
        struct pa_page *q = pa_alloc_pages(w->a, PA_GFP_KERNEL, round % 4);
        if (q)
            pa_free_pages(w->a, q, round % 4);
    }
    __atomic_fetch_add(&workers_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

TEST(trace_switching_callbacks_under_load_never_mixes_fn_and_ctx)
{
    pa_allocator *a = test_simple_pcp(16384, 2, 8, 32);
    pthread_t th[2];
    struct worker_arg args[2] = { { a, 0 }, { a, 1 } };
    for (int i = 0; i < 2; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, trace_worker, &args[i]), 0);
    for (int i = 0; i < SWITCHES || __atomic_load_n(&workers_done, __ATOMIC_ACQUIRE) < 2; i++) {
        switch (i % 3) {
        case 0: CHECK_EQ(pa_set_trace(a, fn_a, &tag_a, PA_TRACE_ALL), 0); break;
        case 1: CHECK_EQ(pa_set_trace(a, fn_b, &tag_b, PA_TRACE_ALL), 0); break;
        default: CHECK_EQ(pa_set_trace(a, NULL, NULL, 0), 0); break;
        }
        if (i < SWITCHES)
            __atomic_store_n(&switches, i + 1, __ATOMIC_RELEASE);
    }
    for (int i = 0; i < 2; i++)
        CHECK_EQ(pthread_join(th[i], NULL), 0);
    CHECK_EQ(mixed, 0);
    /* Settled: the last setting holds for every thread. */
    CHECK_EQ(pa_set_trace(a, fn_b, &tag_b, PA_TRACE_ALL), 0);
    long before = tag_b.events;
    pa_free_pages(a, pa_alloc_pages(a, PA_GFP_KERNEL, 0), 0);
    CHECK(tag_b.events > before);
    CHECK_EQ(mixed, 0);
    pa_set_trace(a, NULL, NULL, 0);
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()
