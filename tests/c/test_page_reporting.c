// SPDX-License-Identifier: GPL-2.0-only
/* test_page_reporting.c - free page reporting (Kernel: mm/page_reporting.c),
 * one or more tests per rule of docs/REPORTING.md, named after the rule:
 * R1 order, R2 trigger, R3 budget, R4 watermark, R5 isolation, R6
 * allocation, R7 migratetypes, R8 the report, R9 counters, R10 passes on
 * demand and on the allocator's thread. A recording callback watches the
 * reports; the R8 tests also use the real madvise on an anonymous arena. */
#include "support.h"

#include "internal.h"
#include "page_reporting.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MOVABLE PA_GFP_HIGHUSER_MOVABLE   /* one migratetype, one free list */

/* ---- helpers ------------------------------------------------------------------ */

static pa_allocator *reporting_allocator(uint64_t pages, unsigned order, uint32_t flags)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, pages, 0);
    cfg.flags |= PA_CFG_PAGE_REPORTING | flags;
    cfg.page_reporting_order = order;
    /* min watermark 0 pages: every page can be allocated; low is then the
     * zone's managed pages / 1000 (watermark_scale_factor 10). */
    cfg.min_free_kbytes = 1;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    return a;
}

/* Reporting at the pageblock order needs low + 32 << 9 free pages (R4). */
#define BIG 32768

static struct pa_zone *normal_zone(pa_allocator *a) { return &a->nodes[0].zones[PA_ZONE_NORMAL]; }

static struct pa_page_reporting_stats stats(pa_allocator *a)
{
    struct pa_page_reporting_stats s;
    CHECK_EQ(pa_page_reporting_get_stats(a, &s), 0);
    return s;
}

/* What a recording report function saw. */
#define MAX_SEEN 4096
struct observer {
    pa_allocator *a;
    int calls;
    unsigned long blocks;
    uint64_t pages;
    uint64_t pfn[MAX_SEEN];
    unsigned order[MAX_SEEN];
    unsigned min_order;
    int fail_with;           /* returned when nonzero */
    int bad;                 /* a block that was not off its list, or a held lock */
    bool shared;             /* other threads use the allocator: its lock may be theirs */
    void (*during)(struct observer *o, const struct pa_page_report_block *b, unsigned nr);
    void *arg;
};

static int observe(void *ctx, const struct pa_page_report_block *b, unsigned nr)
{
    struct observer *o = ctx;
    o->calls++;
    if (nr < 1 || nr > PA_PAGE_REPORTING_CAPACITY)
        o->bad++;
    for (unsigned i = 0; i < nr; i++) {
        /* R5: off every list (state 0: not buddy, pcp or allocated). */
        if (page_state(b[i].page) != 0 || page_reported(b[i].page) ||
            pa_page_to_pfn(o->a, b[i].page) != b[i].pfn || b[i].reserved)
            o->bad++;
        if (o->blocks < MAX_SEEN) {
            o->pfn[o->blocks] = b[i].pfn;
            o->order[o->blocks] = b[i].order;
        }
        if (b[i].order < o->min_order)
            o->min_order = b[i].order;
        o->blocks++;
        o->pages += 1ull << b[i].order;
    }
    /* R5: no zone lock held while reporting (only the pass's thread could hold it
     * unless others use the allocator too). */
    if (pthread_mutex_trylock(&normal_zone(o->a)->lock) == 0)
        pthread_mutex_unlock(&normal_zone(o->a)->lock);
    else if (!o->shared)
        o->bad++;
    if (o->during)
        o->during(o, b, nr);
    return o->fail_with;
}

static void observer_init(struct observer *o, pa_allocator *a)
{
    memset(o, 0, sizeof(*o));
    o->a = a;
    o->min_order = 99;
    CHECK_EQ(pa_set_page_reporting_callback(a, observe, o), 0);
}

/* Allocates every page as blocks of `order` (movable), into blocks[pfn >> order]. */
static unsigned long alloc_all(pa_allocator *a, unsigned order, struct pa_page **blocks, unsigned long max)
{
    unsigned long n = 0;
    struct pa_page *p;
    while ((p = pa_alloc_pages(a, MOVABLE | PA_GFP_NOWARN, order))) {
        uint64_t i = pa_page_to_pfn(a, p) >> order;
        CHECK(i < max && !blocks[i]);
        blocks[i] = p;
        n++;
    }
    pa_drain_all_pages(a);
    return n;
}

static void free_block(pa_allocator *a, struct pa_page **blocks, uint64_t i, unsigned order)
{
    CHECK(blocks[i] != NULL);
    pa_free_pages(a, blocks[i], order);
    blocks[i] = NULL;
}

static bool seen(const struct observer *o, uint64_t pfn)
{
    for (unsigned long i = 0; i < o->blocks && i < MAX_SEEN; i++)
        if (o->pfn[i] == pfn)
            return true;
    return false;
}

static struct pa_page *head(pa_allocator *a, uint64_t pfn) { return pa_pfn_to_page(a, pfn); }

/* The head of the free buddy block that holds pfn, NULL if none. */
static struct pa_page *free_block_holding(pa_allocator *a, uint64_t pfn)
{
    for (unsigned o = 0; o <= PA_MAX_ORDER; o++) {
        struct pa_page *h = head(a, pfn & ~((1ull << o) - 1));
        if (page_state(h) == PG_BUDDY && h->order == o)
            return h;
    }
    return NULL;
}

/* ---- R1 order ------------------------------------------------------------------- */

TEST(R1_order_defaults_to_pageblock_order)
{
    pa_allocator *a = reporting_allocator(BIG, 0, 0);
    CHECK_EQ(stats(a).order, PA_PAGEBLOCK_ORDER);
    struct observer o;
    observer_init(&o, a);
    /* Free blocks of every order below 9 and above. */
    struct pa_page *p0 = pa_alloc_pages(a, MOVABLE, 0), *p3 = pa_alloc_pages(a, MOVABLE, 3);
    struct pa_page *p8 = pa_alloc_pages(a, MOVABLE, 8);
    CHECK(p0 && p3 && p8);
    CHECK(pa_page_reporting_run(a) > 0);
    CHECK_EQ(o.bad, 0);
    CHECK(o.blocks > 0);
    CHECK(o.min_order >= PA_PAGEBLOCK_ORDER);
    CHECK_OK(a);
    pa_free_pages(a, p0, 0);
    pa_free_pages(a, p3, 3);
    pa_free_pages(a, p8, 8);
    pa_destroy(a);
}

TEST(R1_only_blocks_of_the_reporting_order_or_above)
{
    enum { PAGES = 4096, ORDER = 5 };
    static struct pa_page *blocks[PAGES];
    memset(blocks, 0, sizeof(blocks));
    pa_allocator *a = reporting_allocator(PAGES, ORDER, 0);
    CHECK_EQ(stats(a).order, ORDER);
    CHECK_EQ(alloc_all(a, 4, blocks, PAGES >> 4), PAGES >> 4);
    /* Half of every 32-page group free: 128 free blocks of order 4, none of 5. */
    for (uint64_t i = 0; i < PAGES >> 4; i += 2)
        free_block(a, blocks, i, 4);
    struct observer o;
    observer_init(&o, a);
    CHECK_EQ(pa_page_reporting_run(a), 0);
    CHECK_EQ(o.calls, 0);
    CHECK_EQ(stats(a).passes, 1);
    /* The other half of group 7: one order-5 block, the only one reported. */
    free_block(a, blocks, 15, 4);
    CHECK_EQ(pa_page_reporting_run(a), 1 << ORDER);
    CHECK_EQ(o.blocks, 1);
    CHECK_EQ(o.pfn[0], 7 * 32);
    CHECK_EQ(o.order[0], ORDER);
    CHECK(page_reported(head(a, 7 * 32)));
    CHECK_OK(a);
    for (uint64_t i = 0; i < PAGES >> 4; i++)
        if (blocks[i])
            free_block(a, blocks, i, 4);
    pa_destroy(a);
}

TEST(R1_order_above_max_order_is_refused)
{
    struct pa_config cfg;
    pa_allocator *a = NULL;
    test_config(&cfg, 1, 1, 0, 0, 4096, 0);
    cfg.flags |= PA_CFG_PAGE_REPORTING;
    cfg.page_reporting_order = PA_MAX_ORDER + 1;
    CHECK_EQ(pa_create(&cfg, &a), -EINVAL);
    CHECK(a == NULL);
    cfg.page_reporting_order = PA_MAX_ORDER;
    a = test_create(&cfg);
    CHECK_EQ(stats(a).order, PA_MAX_ORDER);
    pa_destroy(a);
    /* The report zeroes memory, which the poison check would flag. */
    cfg.page_reporting_order = 0;
    cfg.flags |= PA_CFG_POISON;
    CHECK_EQ(pa_create(&cfg, &a), -EINVAL);
}

/* ---- R2 trigger ------------------------------------------------------------------ */

TEST(R2_a_free_at_the_order_requests_a_pass_and_reports_nothing_itself)
{
    enum { PAGES = 4096, ORDER = 5 };
    static struct pa_page *blocks[PAGES];
    memset(blocks, 0, sizeof(blocks));
    pa_allocator *a = reporting_allocator(PAGES, ORDER, 0);
    /* pa_create's frees requested the first pass, as page_reporting_register does. */
    CHECK_EQ(stats(a).state, PA_PAGE_REPORTING_REQUESTED);
    struct observer o;
    observer_init(&o, a);
    alloc_all(a, 4, blocks, PAGES >> 4);
    CHECK_EQ(pa_page_reporting_run(a), 0);
    CHECK_EQ(stats(a).state, PA_PAGE_REPORTING_IDLE);
    /* Below the order: no request. */
    for (uint64_t i = 0; i < PAGES >> 4; i += 2)
        free_block(a, blocks, i, 4);
    CHECK_EQ(stats(a).state, PA_PAGE_REPORTING_IDLE);
    /* Merging up to the order: a request, and no report on the free path. */
    free_block(a, blocks, 1, 4);
    CHECK_EQ(stats(a).state, PA_PAGE_REPORTING_REQUESTED);
    CHECK_EQ(o.calls, 0);
    CHECK_EQ(stats(a).reported_free_pages, 0);
    CHECK_EQ(pa_page_reporting_run(a), 1 << ORDER);
    CHECK_EQ(stats(a).state, PA_PAGE_REPORTING_IDLE);
    for (uint64_t i = 0; i < PAGES >> 4; i++)
        if (blocks[i])
            free_block(a, blocks, i, 4);
    CHECK_OK(a);
    pa_destroy(a);
}

/* Frees, from inside the report, the block the test left in arg. */
static void free_arg_block(struct observer *o, const struct pa_page_report_block *b, unsigned nr)
{
    (void)b;
    (void)nr;
    struct pa_page **p = o->arg;
    if (*p) {
        pa_free_pages(o->a, *p, 4);
        *p = NULL;
    }
}

TEST(R2_a_request_during_a_pass_leaves_another_requested)
{
    enum { PAGES = 4096, ORDER = 4 };
    pa_allocator *a = reporting_allocator(PAGES, ORDER, 0);
    struct pa_page *late = pa_alloc_pages(a, MOVABLE, 4);
    CHECK(late != NULL);
    struct observer o;
    observer_init(&o, a);
    o.during = free_arg_block;
    o.arg = &late;
    CHECK(pa_page_reporting_run(a) > 0);
    CHECK(late == NULL);
    CHECK_EQ(stats(a).state, PA_PAGE_REPORTING_REQUESTED);
    o.during = NULL;
    CHECK(pa_page_reporting_run(a) > 0);
    CHECK_OK(a);
    pa_destroy(a);
}

/* ---- R3 budget --------------------------------------------------------------------- */

TEST(R3_a_pass_reports_a_sixteenth_of_a_list_in_batches)
{
    /* 1024 free order-4 blocks on one list, none mergeable: the budget is
     * DIV_ROUND_UP(1024, 32 * 16) = 2 batches, and the kernel's loop makes
     * one call more (it stops when the budget goes below zero): 96 blocks. */
    enum { PAGES = 32768, ORDER = 4, NR = PAGES >> (ORDER + 1) };
    static struct pa_page *blocks[PAGES >> ORDER];
    memset(blocks, 0, sizeof(blocks));
    pa_allocator *a = reporting_allocator(PAGES, ORDER, PA_CFG_METADATA_ONLY);
    CHECK_EQ(alloc_all(a, ORDER, blocks, PAGES >> ORDER), PAGES >> ORDER);
    for (uint64_t i = 0; i < PAGES >> ORDER; i += 2)
        free_block(a, blocks, i, ORDER);
    CHECK_EQ(normal_zone(a)->free_area[ORDER].nr_free, NR);
    struct observer o;
    observer_init(&o, a);
    unsigned long total = 0;
    for (int pass = 1; pass <= 11; pass++) {
        unsigned long expect = NR - total < 96 ? NR - total : 96;
        int calls = o.calls;
        CHECK_EQ(pa_page_reporting_run(a), (int64_t)expect << ORDER);
        CHECK_EQ(o.blocks, total + expect);
        CHECK_EQ(o.calls - calls, (int)((expect + 31) / 32));
        total += expect;
        /* The budget ran out with blocks left: another pass is requested. */
        CHECK_EQ(stats(a).state, total < NR ? PA_PAGE_REPORTING_REQUESTED : PA_PAGE_REPORTING_IDLE);
        CHECK_EQ(stats(a).reported_free_pages, (uint64_t)total << ORDER);
    }
    CHECK_EQ(total, NR);
    /* Reported blocks are skipped and not counted: nothing is left. */
    CHECK_EQ(pa_page_reporting_run(a), 0);
    CHECK_EQ(o.blocks, NR);
    for (unsigned long i = 0; i < o.blocks; i++)
        for (unsigned long j = i + 1; j < o.blocks; j++)
            CHECK(o.pfn[i] != o.pfn[j]);
    CHECK_EQ(o.bad, 0);
    CHECK_OK(a);
    pa_destroy(a);
}

/* ---- R4 watermark ------------------------------------------------------------------ */

TEST(R4_a_zone_near_its_low_watermark_is_skipped)
{
    /* Order 4: the zone must keep low + 32 << 4 = low + 512 pages free. */
    enum { PAGES = 4096, ORDER = 4 };
    pa_allocator *a = reporting_allocator(PAGES, ORDER, PA_CFG_METADATA_ONLY);
    struct pa_zone *z = normal_zone(a);
    uint64_t low = z->watermark[WMARK_LOW];
    struct held h = { 0 };
    test_eat_to(a, 0, PA_ZONE_NORMAL, low + 512, MOVABLE, &h);
    struct observer o;
    observer_init(&o, a);
    uint64_t unreported = 0;
    for (unsigned k = ORDER; k <= PA_MAX_ORDER; k++)
        unreported += z->free_area[k].nr_free;
    CHECK(unreported > 0);
    CHECK_EQ(pa_page_reporting_run(a), 0);
    CHECK_EQ(o.calls, 0);
    CHECK_EQ(stats(a).skipped_wmark, unreported);
    CHECK_EQ(stats(a).passes, 1);
    /* One page more than the mark: the zone is reported. */
    pa_free_pages(a, h.p[--h.n], 0);
    pa_drain_all_pages(a);
    CHECK(pa_page_reporting_run(a) > 0);
    CHECK_EQ(stats(a).skipped_wmark, unreported);
    CHECK_EQ(o.bad, 0);
    held_done(a, &h);
    CHECK_OK(a);
    pa_destroy(a);
}

/* ---- R5 isolation --------------------------------------------------------------------- */

/* During the report: the zone's free count lacks the isolated pages. */
static void check_free_count(struct observer *o, const struct pa_page_report_block *b, unsigned nr)
{
    uint64_t isolated = 0, *before = o->arg;
    (void)b;
    for (unsigned i = 0; i < nr; i++)
        isolated += 1ull << b[i].order;
    if (o->calls == 1 && test_zone_free(o->a, 0, PA_ZONE_NORMAL) != *before - isolated)
        o->bad++;
    /* The report may allocate and free: no allocator lock is held. */
    struct pa_page *p = pa_alloc_pages(o->a, MOVABLE, 4);
    if (!p)
        o->bad++;
    else
        pa_free_pages(o->a, p, 4);
}

TEST(R5_blocks_are_off_their_lists_and_no_lock_is_held_during_the_report)
{
    pa_allocator *a = reporting_allocator(8192, 4, 0);
    struct observer o;
    observer_init(&o, a);
    uint64_t before = test_zone_free(a, 0, PA_ZONE_NORMAL);
    o.during = check_free_count;
    o.arg = &before;
    CHECK(pa_page_reporting_run(a) > 0);
    CHECK(o.calls >= 1);
    CHECK_EQ(o.bad, 0);
    CHECK_EQ(test_zone_free(a, 0, PA_ZONE_NORMAL), before);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(R5_reported_blocks_go_back_to_the_tail_of_their_list_marked)
{
    enum { PAGES = 4096, ORDER = 4 };
    static struct pa_page *blocks[PAGES >> ORDER];
    memset(blocks, 0, sizeof(blocks));
    pa_allocator *a = reporting_allocator(PAGES, ORDER, 0);
    alloc_all(a, ORDER, blocks, PAGES >> ORDER);
    for (uint64_t i = 0; i < PAGES >> ORDER; i += 2)
        free_block(a, blocks, i, ORDER);   /* 128 blocks: 64 per pass */
    struct observer o;
    observer_init(&o, a);
    CHECK_EQ(pa_page_reporting_run(a), 64 << ORDER);
    /* The list: 64 unreported blocks first, then the 64 reported ones. */
    const struct pa_list_head *list = &normal_zone(a)->free_area[ORDER].free_list[PA_MIGRATE_MOVABLE];
    int pos = 0;
    for (const struct pa_list_head *p = list->next; p != list; p = p->next, pos++) {
        struct pa_page *page = lru_to_page(p);
        CHECK_EQ(page_reported(page), pos >= 64);
        CHECK_EQ(seen(&o, pa_page_to_pfn(a, page)), pos >= 64);
    }
    CHECK_EQ(pos, 128);
    CHECK_EQ(normal_zone(a)->nr_reported[ORDER], 64);
    CHECK_OK(a);
    for (uint64_t i = 0; i < PAGES >> ORDER; i++)
        if (blocks[i])
            free_block(a, blocks, i, ORDER);
    pa_destroy(a);
}

/* The first report frees the buddies of its blocks, which cannot merge
 * while they are isolated; the second finds the first batch merged on its
 * way back, unreported. */
static void free_buddies(struct observer *o, const struct pa_page_report_block *b, unsigned nr)
{
    struct pa_page **blocks = o->arg;
    if (o->calls == 1) {
        for (unsigned i = 0; i < nr; i++) {
            uint64_t buddy = (b[i].pfn ^ (1ull << b[i].order)) >> b[i].order;
            if (!blocks[buddy])
                o->bad++;
            pa_free_pages(o->a, blocks[buddy], b[i].order);
            blocks[buddy] = NULL;
        }
    } else if (o->calls == 2) {
        for (int i = 0; i < PA_PAGE_REPORTING_CAPACITY; i++) {
            struct pa_page *p = free_block_holding(o->a, o->pfn[i]);
            if (!p || p->order <= o->order[i] || page_reported(p))
                o->bad++;
        }
    }
}

TEST(R5_a_block_merged_while_reported_stays_unreported)
{
    enum { PAGES = 4096, ORDER = 4 };
    static struct pa_page *blocks[PAGES >> ORDER];
    memset(blocks, 0, sizeof(blocks));
    pa_allocator *a = reporting_allocator(PAGES, ORDER, 0);
    alloc_all(a, ORDER, blocks, PAGES >> ORDER);
    for (uint64_t i = 0; i < PAGES >> ORDER; i += 2)
        free_block(a, blocks, i, ORDER);
    struct observer o;
    observer_init(&o, a);
    o.during = free_buddies;
    o.arg = blocks;
    CHECK(pa_page_reporting_run(a) > 0);
    CHECK(o.calls >= 2);
    CHECK_EQ(o.bad, 0);
    CHECK_OK(a);
    /* The merged blocks are reported at their own, larger order, when a
     * pass reaches their list (this one did, going up the orders). */
    o.during = NULL;
    while (pa_page_reporting_run(a) > 0)
        ;
    for (int i = 0; i < PA_PAGE_REPORTING_CAPACITY; i++) {
        struct pa_page *p = free_block_holding(a, o.pfn[i]);
        CHECK(p != NULL && p->order > ORDER && page_reported(p));
        CHECK(seen(&o, pa_page_to_pfn(a, p)));
    }
    CHECK_OK(a);
    for (uint64_t i = 0; i < PAGES >> ORDER; i++)
        if (blocks[i])
            free_block(a, blocks, i, ORDER);
    pa_destroy(a);
}

TEST(R5_isolation_makes_pageblocks_movable_as_the_kernel_does)
{
    pa_allocator *a = reporting_allocator(BIG, 0, PA_CFG_METADATA_ONLY);
    struct pa_zone *z = normal_zone(a);
    struct observer o;
    observer_init(&o, a);
    CHECK_EQ(pa_set_pageblock_migratetype(a, 1024, PA_MIGRATE_UNMOVABLE), 0);
    CHECK_EQ(get_pageblock_migratetype(z, 1024), PA_MIGRATE_UNMOVABLE);
    CHECK(pa_page_reporting_run(a) > 0);
    CHECK(seen(&o, 1024));
    CHECK_EQ(get_pageblock_migratetype(z, 1024), PA_MIGRATE_MOVABLE);
    CHECK_OK(a);
    pa_destroy(a);
}

/* ---- R6 allocation ------------------------------------------------------------------- */

static void report_all(pa_allocator *a)
{
    while (pa_page_reporting_run(a) > 0)
        ;
}

TEST(R6_every_allocation_path_clears_the_mark)
{
    pa_allocator *a = reporting_allocator(BIG, 0, PA_CFG_METADATA_ONLY);
    struct observer o;
    observer_init(&o, a);
    report_all(a);
    CHECK_EQ(stats(a).reported_free_pages, BIG);
    /* A single page (a pcp refill splits a reported order-10 block: its
     * halves go back unreported). */
    struct pa_page *p = pa_alloc_pages(a, MOVABLE, 0);
    CHECK(p != NULL);
    CHECK_OK(a);   /* no allocated or pcp page is marked; the counts match */
    CHECK_EQ(stats(a).reported_free_pages, BIG - 1024);
    /* A bulk allocation of another migratetype (a fallback: it steals from
     * the movable lists), a buddy allocation of order 10, one of order 5. */
    struct pa_page *arr[64] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 64, arr), 64);
    CHECK_OK(a);
    uint64_t before = stats(a).reported_free_pages;
    struct pa_page *big = pa_alloc_pages(a, MOVABLE, 10);
    CHECK(big != NULL && !page_reported(big));
    CHECK_EQ(stats(a).reported_free_pages, before - 1024);
    struct pa_page *mid = pa_alloc_pages(a, MOVABLE, 5);
    CHECK(mid != NULL && !page_reported(mid));
    CHECK_OK(a);
    CHECK_EQ(stats(a).reported_free_pages % 1024, 0);
    pa_free_pages(a, p, 0);
    pa_release_pages(a, arr, 64);
    pa_free_pages(a, big, 10);
    pa_free_pages(a, mid, 5);
    pa_drain_all_pages(a);
    CHECK_OK(a);
    report_all(a);
    CHECK_EQ(stats(a).reported_free_pages, BIG);
    pa_destroy(a);
}

TEST(R6_a_reported_block_merging_with_an_unreported_buddy_is_unreported)
{
    pa_allocator *a = reporting_allocator(BIG, 0, PA_CFG_METADATA_ONLY);
    struct observer o;
    observer_init(&o, a);
    report_all(a);
    /* An order-9 allocation splits a reported order-10 block; its free half
     * is reported by the next pass. */
    struct pa_page *half = pa_alloc_pages(a, MOVABLE, 9);
    CHECK(half != NULL);
    pa_drain_all_pages(a);   /* the pcp refill's other blocks back to the buddy lists */
    uint64_t pfn = pa_page_to_pfn(a, half), buddy = pfn ^ 512;
    CHECK(!page_reported(head(a, buddy)));
    CHECK_EQ(pa_page_reporting_run(a), 512);
    CHECK(page_reported(head(a, buddy)));
    uint64_t before = stats(a).reported_free_pages;
    pa_free_pages(a, half, 9);
    pa_drain_all_pages(a);
    struct pa_page *merged = head(a, pfn & ~1023ull);
    CHECK_EQ(page_state(merged), PG_BUDDY);
    CHECK_EQ(merged->order, 10);
    CHECK(!page_reported(merged));
    CHECK_EQ(stats(a).reported_free_pages, before - 512);
    CHECK_OK(a);
    pa_destroy(a);
}

/* ---- R7 migratetypes -------------------------------------------------------------------- */

TEST(R7_every_migratetype_list_is_reported_high_atomic_included)
{
    /* The kernel skips only MIGRATE_ISOLATE (this allocator has no such type,
     * nor CMA): a high-atomic reserve's free blocks are reported, and the
     * pageblock stays reserved. */
    pa_allocator *a = reporting_allocator(BIG, 0, PA_CFG_METADATA_ONLY);
    struct pa_zone *z = normal_zone(a);
    struct pa_page *p = pa_alloc_pages(a, MOVABLE, 0);
    CHECK(p != NULL);
    uint64_t block = pa_page_to_pfn(a, p) & ~(PAGEBLOCK_NR_PAGES - 1);
    reserve_highatomic_pageblock(z, p);
    CHECK_EQ(get_pageblock_migratetype(z, block), PA_MIGRATE_HIGHATOMIC);
    pa_free_pages(a, p, 0);
    pa_drain_all_pages(a);
    CHECK(!list_empty(&z->free_area[PA_PAGEBLOCK_ORDER].free_list[PA_MIGRATE_HIGHATOMIC]));
    struct observer o;
    observer_init(&o, a);
    report_all(a);
    CHECK(seen(&o, block));
    CHECK(page_reported(head(a, block)));
    CHECK_EQ(get_pageblock_migratetype(z, block), PA_MIGRATE_HIGHATOMIC);
    CHECK_OK(a);
    pa_destroy(a);
}

/* ---- R8 the report ---------------------------------------------------------------------- */

static long rss_pages(void)
{
    long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    CHECK(f != NULL);
    CHECK_EQ(fscanf(f, "%ld %ld", &size, &resident), 2);
    fclose(f);
    return resident;
}

/* Host pages of [p, p + len) in memory (mincore). */
static size_t resident_bytes(void *p, size_t len)
{
    size_t host = (size_t)sysconf(_SC_PAGESIZE), n = len / host, r = 0;
    unsigned char *vec = malloc(n);
    CHECK(vec != NULL);
    CHECK_EQ(mincore(p, len, vec), 0);
    for (size_t i = 0; i < n; i++)
        r += vec[i] & 1;
    free(vec);
    return r * host;
}

TEST(R8_the_default_report_gives_the_memory_back_and_it_reads_zero)
{
    /* 128 MiB zone; 64 MiB of it touched as 32 order-9 blocks. */
    enum { PAGES = 32768, NR = 32, BLOCK = 512 * 4096 };
    pa_allocator *a = reporting_allocator(PAGES, 0, 0);
    CHECK_EQ(pa_page_reporting_run(a) >= 0, 1);   /* the never-touched arena */
    struct pa_page *b[NR];
    for (int i = 0; i < NR; i++) {
        b[i] = pa_alloc_pages(a, MOVABLE, 9);
        CHECK(b[i] != NULL);
        memset(pa_page_address(a, b[i]), 0x5a, BLOCK);
    }
    CHECK_EQ(resident_bytes(pa_page_address(a, b[0]), BLOCK), BLOCK);
    long rss_touched = rss_pages();
    for (int i = 0; i < NR; i++)
        pa_free_pages(a, b[i], 9);
    pa_drain_all_pages(a);
    CHECK_EQ(stats(a).state, PA_PAGE_REPORTING_REQUESTED);
    report_all(a);
    CHECK_EQ(stats(a).failures, 0);
    for (int i = 0; i < NR; i++)
        CHECK_EQ(resident_bytes(pa_page_address(a, b[i]), BLOCK), 0);
    long rss_after = rss_pages();
    CHECK(rss_touched - rss_after >= (long)NR * 512 * 9 / 10);
    /* Allocated again: zeros, whatever path hands them out. */
    for (int i = 0; i < NR; i++) {
        b[i] = pa_alloc_pages(a, MOVABLE, 9);
        CHECK(b[i] != NULL);
        const uint8_t *m = pa_page_address(a, b[i]);
        for (size_t k = 0; k < BLOCK; k += 4096 / 4)
            CHECK_EQ(m[k], 0);
    }
    for (int i = 0; i < NR; i++)
        pa_free_pages(a, b[i], 9);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(R8_caller_memory_is_reported_too)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, 8192, 0);
    cfg.flags |= PA_CFG_PAGE_REPORTING;
    cfg.page_reporting_order = 4;
    cfg.min_free_kbytes = 64;
    size_t size = (size_t)pa_config_memory_size(&cfg);
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(mem != MAP_FAILED);
    memset(mem, 0x33, size);
    cfg.memory = mem;
    cfg.memory_size = size;
    pa_allocator *a = test_create(&cfg);
    report_all(a);
    CHECK_EQ(stats(a).reported_free_pages, 8192);
    CHECK_EQ(resident_bytes(mem, size), 0);
    CHECK_EQ(((uint8_t *)mem)[size / 2], 0);
    pa_destroy(a);
    munmap(mem, size);
}

TEST(R8_a_metadata_only_allocator_reports_nothing_without_a_callback)
{
    pa_allocator *a = reporting_allocator(BIG, 0, PA_CFG_METADATA_ONLY);
    CHECK_EQ(pa_page_reporting_run(a), 0);
    CHECK_EQ(stats(a).passes, 0);
    CHECK_EQ(stats(a).reported_free_pages, 0);
    struct observer o;
    observer_init(&o, a);
    /* The last block would take the zone below min (isolation obeys it, as
     * the kernel's __isolate_free_page): the next pass takes it. */
    CHECK_EQ(pa_page_reporting_run(a), BIG - 1024);
    CHECK_EQ(stats(a).passes, 1);
    CHECK_EQ(pa_page_reporting_run(a), 1024);
    CHECK(o.blocks > 0);
    for (unsigned long i = 0; i < o.blocks; i++)
        CHECK_EQ(o.order[i] >= PA_PAGEBLOCK_ORDER, 1);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(R8_a_failing_report_leaves_the_blocks_unreported)
{
    pa_allocator *a = reporting_allocator(BIG, 0, PA_CFG_METADATA_ONLY);
    struct observer o;
    observer_init(&o, a);
    o.fail_with = -EIO;
    CHECK_EQ(pa_page_reporting_run(a), -EIO);
    /* The pass stopped at the first failed batch: 31 order-10 blocks (the
     * 32nd stays for the min watermark), one call. */
    CHECK_EQ(o.calls, 1);
    struct pa_page_reporting_stats s = stats(a);
    CHECK_EQ(s.failures, 31);
    CHECK_EQ(s.pages_reported, 0);
    CHECK_EQ(s.reported_free_pages, 0);
    CHECK_EQ(test_zone_free(a, 0, PA_ZONE_NORMAL), BIG);
    CHECK_OK(a);
    /* The allocator keeps working, and a working report goes on. */
    struct pa_page *p = pa_alloc_pages(a, MOVABLE, 10);
    CHECK(p != NULL);
    pa_free_pages(a, p, 10);
    o.fail_with = 0;
    report_all(a);
    CHECK_EQ(stats(a).reported_free_pages, BIG);
    CHECK_EQ(stats(a).failures, 31);
    pa_destroy(a);
}

/* ---- R9 counters ------------------------------------------------------------------------- */

static unsigned long long vmstat_value(const char *text, const char *name)
{
    size_t len = strlen(name);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (!strncmp(l, name, len) && l[len] == ' ')
            return strtoull(l + len + 1, NULL, 10);
    fprintf(stderr, "no %s line\n", name);
    exit(1);
}

TEST(R9_vmstat_has_the_reporting_counters_only_with_reporting)
{
    static char buf[8192];
    pa_allocator *a = reporting_allocator(BIG, 0, PA_CFG_METADATA_ONLY);
    struct observer o;
    observer_init(&o, a);
    o.fail_with = -EIO;
    pa_page_reporting_run(a);
    o.fail_with = 0;
    report_all(a);
    struct pa_page_reporting_stats s = stats(a);
    CHECK(pa_format_vmstat(a, buf, sizeof(buf)) < sizeof(buf));
    CHECK_EQ(vmstat_value(buf, "page_reporting_pages"), s.pages_reported);
    CHECK_EQ(vmstat_value(buf, "page_reporting_blocks"), s.blocks_reported);
    CHECK_EQ(vmstat_value(buf, "page_reporting_passes"), s.passes);
    CHECK_EQ(vmstat_value(buf, "page_reporting_skipped_wmark"), s.skipped_wmark);
    CHECK_EQ(vmstat_value(buf, "page_reporting_failures"), 31);
    CHECK_EQ(vmstat_value(buf, "page_reporting_free_reported"), BIG);
    CHECK_EQ(s.pages_reported, BIG);
    CHECK_EQ(s.blocks_reported, 32);
    pa_destroy(a);
    a = test_simple(4096, 1);
    pa_format_vmstat(a, buf, sizeof(buf));
    CHECK(strstr(buf, "page_reporting") == NULL);
    struct pa_page_reporting_stats none;
    CHECK_EQ(pa_page_reporting_get_stats(a, &none), -EINVAL);
    pa_destroy(a);
}

/* ---- R10 passes on demand and on the allocator's thread ------------------------------------ */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool wait_for_passes(pa_allocator *a, uint64_t passes, unsigned timeout_ms)
{
    uint64_t end = now_ms() + timeout_ms;
    while (stats(a).passes < passes)
        if (now_ms() > end)
            return false;
        else
            usleep(5000);
    return true;
}

TEST(R10_the_thread_runs_a_pass_a_delay_after_a_request)
{
    enum { DELAY = 300 };
    pa_allocator *a = reporting_allocator(BIG, 0, PA_CFG_METADATA_ONLY);
    struct observer o;
    observer_init(&o, a);
    report_all(a);
    CHECK_EQ(o.blocks, 32);
    struct pa_page *p = pa_alloc_pages(a, MOVABLE, 10);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_reporting_start(a, DELAY), 0);
    CHECK_EQ(pa_page_reporting_start(a, DELAY), -EALREADY);
    CHECK_EQ(stats(a).thread_running, 1);
    CHECK_EQ(stats(a).delay_ms, DELAY);
    CHECK_EQ(stats(a).state, PA_PAGE_REPORTING_IDLE);
    uint64_t passes = stats(a).passes;
    usleep(2 * DELAY * 1000);
    CHECK_EQ(stats(a).passes, passes);     /* no request, no pass */
    uint64_t t0 = now_ms();
    pa_free_pages(a, p, 10);                /* the request */
    CHECK(wait_for_passes(a, passes + 1, 20000));
    CHECK(now_ms() - t0 >= DELAY - 10);    /* timed waits may end a clock tick early */
    CHECK_EQ(o.blocks, 33);
    CHECK_EQ(stats(a).reported_free_pages, BIG);
    CHECK_EQ(pa_page_reporting_stop(a), 0);
    CHECK_EQ(stats(a).thread_running, 0);
    CHECK_EQ(pa_page_reporting_stop(a), 0);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(R10_the_thread_passes_again_while_requests_come_in)
{
    /* The first pass frees an order-4 block from inside its report: a
     * request during the pass, so the thread schedules a second one. */
    pa_allocator *a = reporting_allocator(4096, 4, PA_CFG_METADATA_ONLY);
    struct pa_page *late = pa_alloc_pages(a, MOVABLE, 4);
    CHECK(late != NULL);
    struct observer o;
    observer_init(&o, a);
    o.during = free_arg_block;
    o.arg = &late;
    CHECK_EQ(pa_page_reporting_start(a, 50), 0);   /* pa_create's request is pending */
    CHECK(wait_for_passes(a, 2, 20000));
    CHECK(late == NULL);
    CHECK(wait_for_passes(a, 2, 0));
    CHECK_OK(a);
    pa_destroy(a);                                  /* stops the thread */
}

/* Calls back into reporting from the report: refused, not a deadlock. */
static void call_back(struct observer *o, const struct pa_page_report_block *b, unsigned nr)
{
    (void)b;
    (void)nr;
    if (pa_page_reporting_run(o->a) != -EDEADLK || pa_page_reporting_stop(o->a) != -EDEADLK ||
        pa_set_page_reporting_callback(o->a, NULL, NULL) != -EDEADLK)
        o->bad++;
}

TEST(R10_calls_that_would_wait_for_their_own_pass_are_refused)
{
    pa_allocator *a = reporting_allocator(BIG, 0, PA_CFG_METADATA_ONLY);
    struct observer o;
    observer_init(&o, a);
    o.during = call_back;
    CHECK(pa_page_reporting_run(a) > 0);
    CHECK_EQ(o.bad, 0);
    pa_destroy(a);
}

TEST(R10_destroy_stops_a_thread_with_a_pass_pending)
{
    pa_allocator *a = reporting_allocator(8192, 0, 0);
    CHECK_EQ(pa_page_reporting_start(a, 60000), 0);
    CHECK_EQ(stats(a).state, PA_PAGE_REPORTING_REQUESTED);
    uint64_t t0 = now_ms();
    pa_destroy(a);
    CHECK(now_ms() - t0 < 10000);
}

TEST(R10_bad_input)
{
    struct pa_page_reporting_stats s;
    CHECK_EQ(pa_page_reporting_run(NULL), -EINVAL);
    CHECK_EQ(pa_page_reporting_start(NULL, 0), -EINVAL);
    CHECK_EQ(pa_page_reporting_stop(NULL), -EINVAL);
    CHECK_EQ(pa_set_page_reporting_callback(NULL, NULL, NULL), -EINVAL);
    CHECK_EQ(pa_page_reporting_get_stats(NULL, &s), -EINVAL);
    pa_allocator *a = test_simple(4096, 1);
    test_log_reset();
    CHECK_EQ(pa_page_reporting_run(a), -EINVAL);
    CHECK(test_log_contains("PA_CFG_PAGE_REPORTING"));
    CHECK_EQ(pa_page_reporting_start(a, 0), -EINVAL);
    CHECK_EQ(pa_page_reporting_stop(a), -EINVAL);
    CHECK_EQ(pa_set_page_reporting_callback(a, observe, NULL), -EINVAL);
    pa_destroy(a);
    a = reporting_allocator(4096, 0, 0);
    CHECK_EQ(pa_page_reporting_get_stats(a, NULL), -EINVAL);
    CHECK_EQ(stats(a).delay_ms, PA_PAGE_REPORTING_DELAY_MS);
    pa_destroy(a);
}

/* ---- pa_check while passes run --------------------------------------------------------- */

struct churn {
    pa_allocator *a;
    atomic_bool stop;
    atomic_int passes;
};

static void *reporter(void *arg)
{
    struct churn *c = arg;
    while (!atomic_load(&c->stop)) {
        if (pa_page_reporting_run(c->a) < 0)
            abort();
        atomic_fetch_add(&c->passes, 1);
    }
    return NULL;
}

TEST(R5_pa_check_holds_while_passes_run_beside_allocations)
{
    pa_allocator *a = reporting_allocator(16384, 3, PA_CFG_METADATA_ONLY);
    struct observer o;
    observer_init(&o, a);
    o.shared = true;   /* this thread takes the zone lock while the passes run */
    struct churn c = { .a = a };
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, reporter, &c), 0);
    struct pa_page *held[64] = { 0 };
    unsigned orders[64] = { 0 };
    uint64_t rng = 42;
    for (int i = 0; i < 4000 || atomic_load(&c.passes) < 50; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        int slot = (int)(rng >> 58);
        if (held[slot]) {
            pa_free_pages(a, held[slot], orders[slot]);
            held[slot] = NULL;
        } else {
            orders[slot] = (unsigned)(rng >> 40) % 7;
            held[slot] = pa_alloc_pages(a, MOVABLE | PA_GFP_NOWARN, orders[slot]);
        }
        if (i % 200 == 0) {
            pa_drain_all_pages(a);
            CHECK_OK(a);
        }
    }
    atomic_store(&c.stop, true);
    pthread_join(t, NULL);
    for (int i = 0; i < 64; i++)
        if (held[i])
            pa_free_pages(a, held[i], orders[i]);
    pa_drain_all_pages(a);
    CHECK_OK(a);
    CHECK_EQ(o.bad, 0);
    CHECK(stats(a).pages_reported > 0);
    pa_destroy(a);
}

RUN_TESTS()
