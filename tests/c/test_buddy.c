// SPDX-License-Identifier: GPL-2.0-only
/* test_buddy.c - the buddy lists: split (expand), merge (__free_one_page),
 * zone edges, fallback stealing (__rmqueue_fallback, steal_suitable_fallback),
 * ALLOC_NOFRAGMENT, alignment of high-order blocks. */
#include "support.h"

#include "internal.h"

static struct pa_zone *zone_of(pa_allocator *a, int nid, int zi)
{
    return &a->nodes[nid].zones[zi];
}

static uint64_t nr_free(pa_allocator *a, int zi, unsigned order)
{
    return zone_of(a, 0, zi)->free_area[order].nr_free;
}

static uint64_t nr_free_mt(pa_allocator *a, int zi, unsigned order, int mt)
{
    const struct pa_list_head *h = &zone_of(a, 0, zi)->free_area[order].free_list[mt];
    uint64_t n = 0;
    for (const struct pa_list_head *p = h->next; p != h; p = p->next)
        n++;
    return n;
}

static int pageblocks_of_type(pa_allocator *a, int zi, int mt)
{
    struct pa_zone *z = zone_of(a, 0, zi);
    int n = 0;
    for (uint64_t pfn = z->start_pfn; pfn < zone_end_pfn(z); pfn += PAGEBLOCK_NR_PAGES)
        n += get_pageblock_migratetype(z, pfn) == mt;
    return n;
}

static void buddyinfo(pa_allocator *a, char *buf, size_t size)
{
    size_t n = pa_format_buddyinfo(a, buf, size);
    CHECK(n < size);
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

TEST(fresh_zone_is_max_order_blocks)
{
    pa_allocator *a = test_simple(8192, 1);
    for (unsigned o = 0; o < PA_MAX_ORDER; o++)
        CHECK_EQ(nr_free(a, PA_ZONE_NORMAL, o), 0);
    CHECK_EQ(nr_free(a, PA_ZONE_NORMAL, PA_MAX_ORDER), 8);
    CHECK_EQ(nr_free_mt(a, PA_ZONE_NORMAL, PA_MAX_ORDER, PA_MIGRATE_MOVABLE), 8);
    /* memmap_init marks every pageblock movable. */
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_MOVABLE), 16);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(split_order0_leaves_one_block_per_order)
{
    pa_allocator *a = test_simple(4096, 1);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0);
    CHECK(p != NULL);
    CHECK_OK(a);
    pa_drain_all_pages(a);             /* pcp refill leftovers back to buddy */
    CHECK_OK(a);
    /* expand(): the first order-10 block was split down to order 0: one free
     * block at each order 0..9, the other three order-10 blocks intact. */
    for (unsigned o = 0; o < PA_MAX_ORDER; o++)
        CHECK_EQ(nr_free(a, PA_ZONE_NORMAL, o), 1);
    CHECK_EQ(nr_free(a, PA_ZONE_NORMAL, PA_MAX_ORDER), 3);
    CHECK_EQ(pa_page_to_pfn(a, p), 0);
    /* Each free block is the upper half at its order: pfn 1 << o. */
    for (unsigned o = 0; o < PA_MAX_ORDER; o++) {
        struct pa_page *b = pa_pfn_to_page(a, 1ull << o);
        CHECK(b != NULL);
        CHECK_EQ(page_state(b), PG_BUDDY);
        CHECK_EQ(b->order, o);
    }
    char buf[256];
    buddyinfo(a, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Node 0, zone   Normal      1      1      1      1      1      1      1      1      1      1      3 \n");
    pa_free_pages(a, p, 0);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 4096);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(split_order4_bypasses_pcp_and_leaves_orders_4_to_9)
{
    pa_allocator *a = test_simple(4096, 1);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 4);
    CHECK(p != NULL);
    CHECK_OK(a);
    for (unsigned o = 0; o < 4; o++)
        CHECK_EQ(nr_free(a, PA_ZONE_NORMAL, o), 0);
    for (unsigned o = 4; o < PA_MAX_ORDER; o++)
        CHECK_EQ(nr_free(a, PA_ZONE_NORMAL, o), 1);
    CHECK_EQ(nr_free(a, PA_ZONE_NORMAL, PA_MAX_ORDER), 3);
    pa_free_pages(a, p, 4);
    CHECK_OK(a);
    for (unsigned o = 0; o < PA_MAX_ORDER; o++)
        CHECK_EQ(nr_free(a, PA_ZONE_NORMAL, o), 0);
    CHECK_EQ(nr_free(a, PA_ZONE_NORMAL, PA_MAX_ORDER), 4);
    pa_destroy(a);
}

TEST(merge_on_free_back_to_max_order)
{
    /* Allocate 1024 order-0 pages (one whole order-10 block's worth, and
     * more from the pcp refills), free them in a scrambled order: every
     * block merges back to order 10. */
    pa_allocator *a = test_simple(8192, 1);
    static struct pa_page *held[2048];
    for (int i = 0; i < 2048; i++) {
        held[i] = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0);
        CHECK(held[i] != NULL);
    }
    CHECK_OK(a);
    uint64_t s = 42;
    for (int i = 2047; i > 0; i--) {
        int j = (int)(rng_next(&s) % (uint64_t)(i + 1));
        struct pa_page *t = held[i];
        held[i] = held[j];
        held[j] = t;
    }
    for (int i = 0; i < 2048; i++) {
        pa_free_pages(a, held[i], 0);
        if (i % 256 == 0)
            CHECK_OK(a);
    }
    pa_drain_all_pages(a);
    CHECK_OK(a);
    for (unsigned o = 0; o < PA_MAX_ORDER; o++)
        CHECK_EQ(nr_free(a, PA_ZONE_NORMAL, o), 0);
    CHECK_EQ(nr_free(a, PA_ZONE_NORMAL, PA_MAX_ORDER), 8);
    pa_destroy(a);
}

TEST(merge_pairs_buddies_only)
{
    /* Two order-3 blocks at 0 and 8 merge to an order-4 at 0; blocks at 8
     * and 16 are not buddies and must not merge. */
    pa_allocator *a = test_simple(1024, 1);
    struct pa_page *b[4];
    for (int i = 0; i < 4; i++) {
        b[i] = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE | PA_GFP_NOWARN, 5);
        CHECK(b[i] != NULL);
        CHECK_EQ(pa_page_to_pfn(a, b[i]), 32ull * (uint64_t)i);
    }
    /* Free the middle two (pfn 32 and 64: not buddies of each other). */
    pa_free_pages(a, b[1], 5);
    pa_free_pages(a, b[2], 5);
    CHECK_OK(a);
    CHECK_EQ(page_state(pa_pfn_to_page(a, 32)), PG_BUDDY);
    CHECK_EQ(pa_pfn_to_page(a, 32)->order, 5);
    CHECK_EQ(page_state(pa_pfn_to_page(a, 64)), PG_BUDDY);
    CHECK_EQ(pa_pfn_to_page(a, 64)->order, 5);
    /* Free pfn 0: merges with 32 into order 6 at 0. */
    pa_free_pages(a, b[0], 5);
    CHECK_OK(a);
    CHECK_EQ(page_state(pa_pfn_to_page(a, 0)), PG_BUDDY);
    CHECK_EQ(pa_pfn_to_page(a, 0)->order, 6);
    CHECK_EQ(page_state(pa_pfn_to_page(a, 32)), 0);
    /* Free pfn 96: 64+96 -> order 6 at 64, then 0+64 -> order 7 ... to 10. */
    pa_free_pages(a, b[3], 5);
    CHECK_OK(a);
    CHECK_EQ(pa_pfn_to_page(a, 0)->order, PA_MAX_ORDER);
    CHECK_EQ(nr_free(a, PA_ZONE_NORMAL, PA_MAX_ORDER), 1);
    pa_destroy(a);
}

TEST(zone_not_multiple_of_max_order_starts_with_largest_aligned_blocks)
{
    /* 1500 = 1024 + 256 + 128 + 64 + 16 + 8 + 4: the largest blocks that are
     * aligned and end inside the zone. */
    pa_allocator *a = test_simple(1500, 1);
    char initial[256];
    buddyinfo(a, initial, sizeof(initial));
    CHECK_STR_EQ(initial, "Node 0, zone   Normal      0      0      1      1      1      0      1      1      1      0      1 \n");
    static const struct { uint64_t pfn; unsigned order; } blocks[] = {
        { 0, 10 }, { 1024, 8 }, { 1280, 7 }, { 1408, 6 }, { 1472, 4 }, { 1488, 3 }, { 1496, 2 },
    };
    for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
        struct pa_page *p = pa_pfn_to_page(a, blocks[i].pfn);
        CHECK(p != NULL);
        CHECK_EQ(page_state(p), PG_BUDDY);
        CHECK_EQ(p->order, blocks[i].order);
    }
    CHECK(pa_pfn_to_page(a, 1499) != NULL);
    CHECK(pa_pfn_to_page(a, 1500) == NULL);       /* beyond the zone */
    /* Three pageblocks, the last one partial. */
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_MOVABLE), 3);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(merging_stops_at_zone_end)
{
    /* Allocate as much of two 1500-page zones as possible with movable
     * requests (smallest blocks first: the zone's tail blocks go first),
     * free it all in a random order: the blocks re-merge exactly to the
     * initial layout, never past the zone's end. */
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 1500, 1500, 0);   /* DMA32 then NORMAL at 2048 */
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    char initial[512], buf[512];
    buddyinfo(a, initial, sizeof(initial));
    static struct pa_page *held[3000];
    int n = 0;
    struct pa_page *p;
    while ((p = pa_alloc_pages(a, PA_GFP_ATOMIC | PA_GFP_HIGHMEM | PA_GFP_MOVABLE | PA_GFP_NOWARN, 0)) != NULL)
        held[n++] = p;
    CHECK(n > 2900);
    CHECK_OK(a);
    /* The tail blocks were split and handed out. */
    CHECK_EQ(page_state(pa_pfn_to_page(a, 1499)), PG_ALLOC);
    CHECK_EQ(page_state(pa_pfn_to_page(a, 2048 + 1499)), PG_ALLOC);
    uint64_t s = 7;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(rng_next(&s) % (uint64_t)(i + 1));
        struct pa_page *t = held[i];
        held[i] = held[j];
        held[j] = t;
    }
    for (int i = 0; i < n; i++)
        pa_free_pages(a, held[i], 0);
    pa_drain_all_pages(a);
    CHECK_OK(a);
    buddyinfo(a, buf, sizeof(buf));
    CHECK_STR_EQ(buf, initial);
    CHECK_EQ(pa_pfn_to_page(a, 1496)->order, 2);
    CHECK_EQ(pa_pfn_to_page(a, 2048 + 1496)->order, 2);
    CHECK_EQ(test_total_free(a), 3000);
    pa_destroy(a);
}

TEST(high_order_allocations_are_aligned)
{
    pa_allocator *a = test_simple(16384, 1);
    static struct pa_page *held[200];
    static unsigned orders[200];
    int n = 0;
    for (int round = 0; round < 3; round++) {
        for (unsigned order = 0; order <= PA_MAX_ORDER; order++) {
            struct pa_page *p = pa_alloc_pages(a, round == 1 ? PA_GFP_KERNEL : PA_GFP_HIGHUSER_MOVABLE, order);
            CHECK(p != NULL);
            uint64_t pfn = pa_page_to_pfn(a, p);
            CHECK_EQ(pfn & ((1ull << order) - 1), 0);
            CHECK(pfn + (1ull << order) <= 16384);
            held[n] = p;
            orders[n++] = order;
            CHECK_OK(a);
        }
    }
    for (int i = 0; i < n; i++)
        pa_free_pages(a, held[i], orders[i]);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 16384);
    pa_destroy(a);
}

TEST(alloc_every_order_free_random_order_restores_zone)
{
    pa_allocator *a = test_simple(65536, 2);
    char initial[256], buf[256];
    buddyinfo(a, initial, sizeof(initial));
    static struct pa_page *held[400];
    static unsigned orders[400];
    int n = 0;
    uint64_t s = 1234;
    for (int i = 0; i < 400; i++) {
        unsigned order = (unsigned)(rng_next(&s) % (PA_MAX_ORDER + 1));
        pa_gfp_t gfp = (rng_next(&s) & 1) ? PA_GFP_KERNEL : PA_GFP_HIGHUSER_MOVABLE;
        CHECK_EQ(pa_bind_cpu(a, (int)(rng_next(&s) & 1)), 0);
        struct pa_page *p = pa_alloc_pages(a, gfp | PA_GFP_NOWARN, order);
        if (!p)
            continue;
        held[n] = p;
        orders[n++] = order;
    }
    CHECK(n > 100);
    CHECK_OK(a);
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(rng_next(&s) % (uint64_t)(i + 1));
        struct pa_page *t = held[i];
        unsigned to = orders[i];
        held[i] = held[j];
        orders[i] = orders[j];
        held[j] = t;
        orders[j] = to;
    }
    for (int i = 0; i < n; i++) {
        CHECK_EQ(pa_bind_cpu(a, (int)(rng_next(&s) & 1)), 0);
        pa_free_pages(a, held[i], orders[i]);
        if (i % 50 == 0)
            CHECK_OK(a);
    }
    pa_drain_all_pages(a);
    CHECK_OK(a);
    buddyinfo(a, buf, sizeof(buf));
    CHECK_STR_EQ(buf, initial);
    CHECK_EQ(test_total_free(a), 65536);
    pa_destroy(a);
}

TEST(unmovable_fallback_claims_whole_max_order_block)
{
    /* An unmovable request from an all-movable zone steals the largest
     * block (order 10 = two pageblocks) and claims both pageblocks. */
    pa_allocator *a = test_simple(4096, 1);
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_UNMOVABLE), 0);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    CHECK_OK(a);
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_UNMOVABLE), 2);
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_MOVABLE), 6);
    CHECK_EQ(get_pageblock_migratetype(zone_of(a, 0, PA_ZONE_NORMAL), pa_page_to_pfn(a, p)),
             PA_MIGRATE_UNMOVABLE);
    /* The split halves went to the unmovable lists. */
    pa_drain_all_pages(a);
    for (unsigned o = 0; o < PA_MAX_ORDER; o++) {
        CHECK_EQ(nr_free_mt(a, PA_ZONE_NORMAL, o, PA_MIGRATE_UNMOVABLE), 1);
        CHECK_EQ(nr_free_mt(a, PA_ZONE_NORMAL, o, PA_MIGRATE_MOVABLE), 0);
    }
    CHECK_EQ(nr_free_mt(a, PA_ZONE_NORMAL, PA_MAX_ORDER, PA_MIGRATE_MOVABLE), 3);
    /* /proc/pagetypeinfo's block counts say the same. */
    char buf[2048];
    CHECK(pa_format_pagetypeinfo(a, buf, sizeof(buf)) < sizeof(buf));
    CHECK(strstr(buf, "Node 0, zone   Normal            2            6            0            0 \n") != NULL);
    /* A second unmovable request is served from the claimed blocks. */
    struct pa_page *q = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(q != NULL);
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_UNMOVABLE), 2);
    CHECK(pa_page_to_pfn(a, q) < 1024);
    CHECK_OK(a);
    pa_free_pages(a, p, 0);
    pa_free_pages(a, q, 0);
    CHECK_EQ(test_total_free(a), 4096);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(reclaimable_fallback_claims_blocks_too)
{
    pa_allocator *a = test_simple(4096, 1);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_RECLAIMABLE, 0);
    CHECK(p != NULL);
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_RECLAIMABLE), 2);
    CHECK_OK(a);
    pa_free_pages(a, p, 0);
    CHECK_EQ(test_total_free(a), 4096);
    pa_destroy(a);
}

/* Allocates movable order-8 blocks from NORMAL (ascending pfns), then frees
 * every odd one: each NORMAL pageblock holds one allocated order-8 half and
 * one free one, so no free movable block of order >= 9 is left there. */
static int fragment_normal(pa_allocator *a, struct pa_page **held)
{
    int n = 0;
    struct pa_page *p;
    while ((p = pa_alloc_pages_node(a, PA_GFP_HIGHUSER_MOVABLE | PA_GFP_NOWARN, 8, 0)) != NULL) {
        if (pa_page_zonenum(a, p) != PA_ZONE_NORMAL) {
            pa_free_pages(a, p, 8);
            break;
        }
        CHECK_EQ(pa_page_to_pfn(a, p), zone_of(a, 0, PA_ZONE_NORMAL)->start_pfn + 256ull * (uint64_t)n);
        held[n++] = p;
    }
    CHECK_EQ(n, 15);
    for (int i = 1; i < n; i += 2) {
        pa_free_pages(a, held[i], 8);
        held[i] = NULL;
    }
    CHECK_OK(a);
    CHECK_EQ(nr_free(a, PA_ZONE_NORMAL, 9), 0);
    CHECK_EQ(nr_free(a, PA_ZONE_NORMAL, 10), 0);
    CHECK_EQ(nr_free(a, PA_ZONE_NORMAL, 8), 8);
    return n;
}

TEST(nofragment_prefers_lower_zone_over_mixing_a_pageblock)
{
    /* ALLOC_NOFRAGMENT (NORMAL with a DMA32 below it): an unmovable request
     * that would have to steal less than a pageblock in NORMAL goes to
     * DMA32 and claims whole pageblocks there instead. */
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 4096, 4096, 0);
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    struct pa_page *held[32];
    int n = fragment_normal(a, held);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_zonenum(a, p), PA_ZONE_DMA32);
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_UNMOVABLE), 0);
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_MOVABLE), 8);
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_DMA32, PA_MIGRATE_UNMOVABLE), 2);
    CHECK_OK(a);
    pa_free_pages(a, p, 0);
    for (int i = 0; i < n; i++)
        if (held[i])
            pa_free_pages(a, held[i], 8);
    CHECK_EQ(test_total_free(a), 8192);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(nofragment_retries_with_fallback_on_a_single_zone)
{
    /* Only NORMAL: the first pass with ALLOC_NOFRAGMENT finds nothing, the
     * retry without it steals an order-8 block from a movable pageblock. The
     * pageblock is claimed: its free half plus its allocated half (never
     * movable in user space) reach half a pageblock. */
    pa_allocator *a = test_simple(4096, 1);
    struct pa_page *held[32];
    int n = fragment_normal(a, held);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_zonenum(a, p), PA_ZONE_NORMAL);
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_UNMOVABLE), 1);
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_MOVABLE), 7);
    uint64_t pfn = pa_page_to_pfn(a, p);
    CHECK_EQ(get_pageblock_migratetype(zone_of(a, 0, PA_ZONE_NORMAL), pfn), PA_MIGRATE_UNMOVABLE);
    /* It came from the free (odd) half of its pageblock. */
    CHECK_EQ((pfn >> 8) & 1, 1);
    CHECK_OK(a);
    char buf[2048];
    CHECK(pa_format_pagetypeinfo(a, buf, sizeof(buf)) < sizeof(buf));
    CHECK(strstr(buf, "Node 0, zone   Normal            1            7            0            0 \n") != NULL);
    pa_free_pages(a, p, 0);
    for (int i = 0; i < n; i++)
        if (held[i])
            pa_free_pages(a, held[i], 8);
    CHECK_EQ(test_total_free(a), 4096);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(movable_fallback_steals_without_claiming_small_blocks)
{
    /* A movable order-0 request that must fall back into an unmovable
     * pageblock with fewer than half its pages free takes a single block
     * (the smallest) and leaves the pageblock unmovable. */
    pa_allocator *a = test_simple(1024, 1);
    /* Make both pageblocks unmovable, then hold most of them. */
    static struct pa_page *held[1024];
    int n = 0;
    struct pa_page *p;
    while ((p = pa_alloc_pages(a, PA_GFP_ATOMIC | PA_GFP_NOWARN, 0)) != NULL)
        held[n++] = p;
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_UNMOVABLE), 2);
    /* Give back 100 pages of each pageblock, spread out. */
    int freed = 0;
    for (int i = 0; i < n; i++) {
        uint64_t pfn = pa_page_to_pfn(a, held[i]);
        if ((pfn & 3) == 1 && freed < 200) {
            pa_free_pages(a, held[i], 0);
            held[i] = NULL;
            freed++;
        }
    }
    pa_drain_all_pages(a);
    CHECK_OK(a);
    struct pa_page *m = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 0);
    CHECK(m != NULL);
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_UNMOVABLE), 2);
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_MOVABLE), 0);
    CHECK_OK(a);
    pa_free_pages(a, m, 0);
    for (int i = 0; i < n; i++)
        if (held[i])
            pa_free_pages(a, held[i], 0);
    CHECK_EQ(test_total_free(a), 1024);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(set_pageblock_migratetype_retypes_a_block_and_its_free_pages)
{
    /* Every page allocated (movable, with the atomic reserves), pageblock 1
     * (pfns 512..1023 of the zone) made unmovable: its 512 pages freed merge
     * into one order-9 block on the unmovable list, pageblock 0 being still
     * allocated. Made movable again, that free block moves with it. */
    static struct pa_page *held[4096];
    pa_allocator *a = test_simple(4096, 1);
    uint64_t start = zone_of(a, 0, PA_ZONE_NORMAL)->start_pfn;
    struct pa_page *p;
    while ((p = pa_alloc_pages(a, PA_GFP_MOVABLE | PA_GFP_ATOMIC, 0)) != NULL)
        held[pa_page_to_pfn(a, p) - start] = p;
    pa_drain_all_pages(a);
    for (int i = 0; i < 1024; i++)
        CHECK(held[i] != NULL);
    CHECK_EQ(pa_set_pageblock_migratetype(a, start + 600, PA_MIGRATE_UNMOVABLE), 0);
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_UNMOVABLE), 1);
    CHECK_EQ(get_pageblock_migratetype(zone_of(a, 0, PA_ZONE_NORMAL), start + 512), PA_MIGRATE_UNMOVABLE);
    for (int i = 512; i < 1024; i++) {
        pa_free_pages(a, held[i], 0);
        held[i] = NULL;
    }
    pa_drain_all_pages(a);
    CHECK_EQ(nr_free_mt(a, PA_ZONE_NORMAL, 9, PA_MIGRATE_UNMOVABLE), 1);
    CHECK_EQ(nr_free_mt(a, PA_ZONE_NORMAL, 9, PA_MIGRATE_MOVABLE), 0);
    CHECK_OK(a);
    CHECK_EQ(pa_set_pageblock_migratetype(a, start + 512, PA_MIGRATE_MOVABLE), 0);
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_UNMOVABLE), 0);
    CHECK_EQ(nr_free_mt(a, PA_ZONE_NORMAL, 9, PA_MIGRATE_UNMOVABLE), 0);
    CHECK_EQ(nr_free_mt(a, PA_ZONE_NORMAL, 9, PA_MIGRATE_MOVABLE), 1);
    CHECK_OK(a);
    /* Bad arguments change nothing. */
    CHECK_EQ(pa_set_pageblock_migratetype(a, start + 4096 * 4, PA_MIGRATE_UNMOVABLE), -EINVAL);
    CHECK_EQ(pa_set_pageblock_migratetype(a, start, PA_MIGRATE_HIGHATOMIC), -EINVAL);
    CHECK_EQ(pa_set_pageblock_migratetype(a, start, -1), -EINVAL);
    CHECK_EQ(pa_set_pageblock_migratetype(NULL, start, PA_MIGRATE_MOVABLE), -EINVAL);
    CHECK_EQ(pageblocks_of_type(a, PA_ZONE_NORMAL, PA_MIGRATE_MOVABLE), 8);
    for (int i = 0; i < 4096; i++)
        if (held[i])
            pa_free_pages(a, held[i], 0);
    CHECK_EQ(test_total_free(a), 4096);
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()

/* pa_check follows every list's next links; a back link that is not the
 * entry before it (a list_del() of that entry would cut the list) fails it
 * too, on a pcp list and on a buddy list, and mending it passes again. */
TEST(check_catches_a_broken_back_link)
{
    pa_allocator *a = test_simple_pcp(4096, 1, 8, 64);
    struct pa_page *pages[4] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 4, pages), 4);
    pa_release_pages(a, pages, 4);   /* four pages on cpu 0's unmovable list */
    CHECK_OK(a);
    struct pa_list_head *pcp_list = &zone_of(a, 0, PA_ZONE_NORMAL)->pcp[0].lists[order_to_pindex(PA_MIGRATE_UNMOVABLE, 0)];
    struct pa_list_head *second = pcp_list->next->next, *saved = second->prev;
    second->prev = pcp_list;
    CHECK_EQ(pa_check(a), -EUCLEAN);
    second->prev = saved;
    CHECK_OK(a);

    struct pa_list_head *buddy = &zone_of(a, 0, PA_ZONE_NORMAL)->free_area[PA_MAX_ORDER].free_list[PA_MIGRATE_MOVABLE];
    CHECK(!list_empty(buddy));
    saved = buddy->prev;
    buddy->prev = buddy;
    CHECK_EQ(pa_check(a), -EUCLEAN);
    buddy->prev = saved;
    CHECK_OK(a);
    pa_destroy(a);
}

/* PG_HEAD is on the head of every allocated block above order 0 and on no
 * other page: pa_check finds it missing, misplaced or left on a free page. */
TEST(check_catches_a_head_flag_out_of_place)
{
    pa_allocator *a = test_simple(4096, 1);
    struct pa_page *big = pa_alloc_pages(a, PA_GFP_KERNEL, 3), *one = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(big != NULL && one != NULL);
    CHECK(big->flags & PG_HEAD);
    CHECK(!(one->flags & PG_HEAD));
    CHECK_OK(a);
    big->flags &= ~PG_HEAD;
    CHECK_EQ(pa_check(a), -EUCLEAN);
    big->flags |= PG_HEAD;
    one->flags |= PG_HEAD;
    CHECK_EQ(pa_check(a), -EUCLEAN);
    one->flags &= ~PG_HEAD;
    CHECK_OK(a);
    pa_free_pages(a, big, 3);
    CHECK(!(big->flags & PG_HEAD));
    CHECK_OK(a);
    struct pa_list_head *buddy = &zone_of(a, 0, PA_ZONE_NORMAL)->free_area[PA_MAX_ORDER].free_list[PA_MIGRATE_MOVABLE];
    CHECK(!list_empty(buddy));
    struct pa_page *free_head = lru_to_page(buddy->next);
    for (unsigned i = 0; i < 2; i++) {   /* the head of a free block, then a page inside it */
        free_head[i].flags |= PG_HEAD;
        CHECK_EQ(pa_check(a), -EUCLEAN);
        free_head[i].flags &= ~PG_HEAD;
    }
    pa_free_pages(a, one, 0);
    CHECK_OK(a);
    pa_destroy(a);
}
