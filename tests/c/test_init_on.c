// SPDX-License-Identifier: GPL-2.0-only
/* test_init_on.c - init_on_alloc and init_on_free (Kernel: want_init_on_alloc(),
 * want_init_on_free(), post_alloc_hook(), free_pages_prepare(), Linux 5.3):
 * pages zeroed as they are handed out or taken back, on the single and the
 * bulk paths; __GFP_ZERO not zeroed twice once init_on_free has zeroed the
 * page; page poisoning taking precedence over both. Each test has its
 * control: the same steps without the flag leave the bytes in place. */
#include "support.h"

#include "internal.h"

#include <stdlib.h>

/* Allocates an order-`order` block, fills it with byte, frees it, and
 * returns the address it had (the memory stays mapped). */
static unsigned char *dirty_and_free(pa_allocator *a, unsigned order, int byte, struct pa_page **out)
{
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, order);
    CHECK(p != NULL);
    unsigned char *m = pa_page_address(a, p);
    CHECK(m != NULL);
    memset(m, byte, pa_page_size(a) << order);
    pa_free_pages(a, p, order);
    *out = p;
    return m;
}

TEST(init_flags_are_the_documented_bits)
{
    CHECK_EQ(PA_CFG_INIT_ON_ALLOC, 0x40u);
    CHECK_EQ(PA_CFG_INIT_ON_FREE, 0x80u);
    CHECK((PA_CFG_ALL_FLAGS & (PA_CFG_INIT_ON_ALLOC | PA_CFG_INIT_ON_FREE)) ==
          (PA_CFG_INIT_ON_ALLOC | PA_CFG_INIT_ON_FREE));
    /* The bit above PA_CFG_ALL_FLAGS stays refused. */
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, 1024, 0);
    pa_allocator *a = NULL;
    cfg.flags = PA_CFG_ALL_FLAGS + 1;
    CHECK_EQ(pa_create(&cfg, &a), -EINVAL);
    cfg.flags = PA_CFG_INIT_ON_ALLOC | PA_CFG_INIT_ON_FREE;
    CHECK_EQ(pa_create(&cfg, &a), 0);
    pa_destroy(a);
}

TEST(init_on_free_freed_page_reads_zero_and_so_does_its_next_owner)
{
    pa_allocator *a = test_flags(PA_CFG_INIT_ON_FREE, 4096, 1);
    size_t ps = pa_page_size(a);
    struct pa_page *p;
    unsigned char *m = dirty_and_free(a, 0, 0x5a, &p);
    CHECK(test_all_bytes(m, 0, ps));
    struct pa_page *q = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(q == p);   /* the pcp list hands back the page just freed */
    CHECK(test_all_bytes(pa_page_address(a, q), 0, ps));
    pa_free_pages(a, q, 0);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(without_init_on_free_the_freed_bytes_stay)
{
    pa_allocator *a = test_flags(0, 4096, 1);
    size_t ps = pa_page_size(a);
    struct pa_page *p;
    unsigned char *m = dirty_and_free(a, 0, 0x5a, &p);
    CHECK(test_all_bytes(m, 0x5a, ps));
    struct pa_page *q = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(q == p);
    CHECK(test_all_bytes(pa_page_address(a, q), 0x5a, ps));
    pa_free_pages(a, q, 0);
    pa_destroy(a);
}

TEST(init_on_free_gfp_zero_is_not_zeroed_twice)
{
    pa_allocator *a = test_flags(PA_CFG_INIT_ON_FREE, 4096, 1);
    size_t ps = pa_page_size(a);
    struct pa_page *p;
    unsigned char *m = dirty_and_free(a, 0, 0x5a, &p);
    CHECK(test_all_bytes(m, 0, ps));
    /* A write after free the allocator cannot see: had __GFP_ZERO zeroed
     * the page again, the byte would be gone. */
    m[100] = 0x77;
    struct pa_page *q = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_ZERO, 0);
    CHECK(q == p);
    CHECK_EQ(m[100], 0x77);
    m[100] = 0;
    CHECK(test_all_bytes(m, 0, ps));
    pa_free_pages(a, q, 0);
    pa_destroy(a);
}

TEST(gfp_zero_without_init_on_free_zeroes)
{
    pa_allocator *a = test_flags(0, 4096, 1);
    size_t ps = pa_page_size(a);
    struct pa_page *p;
    unsigned char *m = dirty_and_free(a, 0, 0x5a, &p);
    struct pa_page *q = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_ZERO, 0);
    CHECK(q == p);
    CHECK(test_all_bytes(m, 0, ps));
    pa_free_pages(a, q, 0);
    pa_destroy(a);
}

TEST(init_on_alloc_zeroes_every_allocation_single_and_high_order)
{
    pa_allocator *a = test_flags(PA_CFG_INIT_ON_ALLOC, 4096, 1);
    size_t ps = pa_page_size(a);
    for (unsigned order = 0; order <= 3; order++) {
        struct pa_page *p;
        unsigned char *m = dirty_and_free(a, order, 0x5a, &p);
        /* Freed data lingers under init_on_alloc alone... */
        CHECK(test_all_bytes(m, 0x5a, ps << order));
        struct pa_page *q = pa_alloc_pages(a, PA_GFP_KERNEL, order);
        CHECK(q == p);
        /* ...until the page is handed out again. */
        CHECK(test_all_bytes(m, 0, ps << order));
        pa_free_pages(a, q, order);
    }
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(init_on_alloc_zeroes_the_bulk_allocator_pages)
{
    pa_allocator *a = test_flags(PA_CFG_INIT_ON_ALLOC, 4096, 1);
    size_t ps = pa_page_size(a);
    struct pa_page *pages[32] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 32, pages), 32);
    for (int i = 0; i < 32; i++)
        memset(pa_page_address(a, pages[i]), 0x5a, ps);
    pa_release_pages(a, pages, 32);
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 32, pages), 32);
    for (int i = 0; i < 32; i++)
        CHECK(test_all_bytes(pa_page_address(a, pages[i]), 0, ps));
    struct pa_list_head list;
    pa_list_init(&list);
    pa_release_pages(a, pages, 32);
    CHECK_EQ(pa_alloc_pages_bulk_list(a, PA_GFP_KERNEL, 32, &list), 32);
    for (struct pa_page *p = pa_list_first(&list); p; p = pa_list_next(&list, p))
        CHECK(test_all_bytes(pa_page_address(a, p), 0, ps));
    pa_free_pages_bulk(a, &list);
    CHECK_OK(a);
    pa_destroy(a);
}

/* The batched frees zero every page they take, through either form. */
TEST(init_on_free_zeroes_release_pages_and_free_pages_bulk)
{
    pa_allocator *a = test_flags(PA_CFG_INIT_ON_FREE, 4096, 1);
    size_t ps = pa_page_size(a);
    struct pa_page *pages[40] = { 0 };
    unsigned char *mem[40];
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 40, pages), 40);
    for (int i = 0; i < 40; i++) {
        mem[i] = pa_page_address(a, pages[i]);
        memset(mem[i], 0x5a, ps);
    }
    pa_release_pages(a, pages, 40);
    for (int i = 0; i < 40; i++)
        CHECK(test_all_bytes(mem[i], 0, ps));

    struct pa_list_head list;
    pa_list_init(&list);
    CHECK_EQ(pa_alloc_pages_bulk_list(a, PA_GFP_KERNEL, 40, &list), 40);
    int n = 0;
    for (struct pa_page *p = pa_list_first(&list); p; p = pa_list_next(&list, p)) {
        mem[n] = pa_page_address(a, p);
        memset(mem[n++], 0x5a, ps);
    }
    CHECK_EQ(n, 40);
    pa_free_pages_bulk(a, &list);
    for (int i = 0; i < 40; i++)
        CHECK(test_all_bytes(mem[i], 0, ps));
    CHECK_EQ(test_total_free(a), 4096);
    CHECK_OK(a);
    pa_destroy(a);
}

/* Pages that reach the buddy lists (a drain, a high-order free) stay zero:
 * the zeroing happens on the way in, whichever list takes the page. */
TEST(init_on_free_pages_drained_to_buddy_stay_zero)
{
    pa_allocator *a = test_flags(PA_CFG_INIT_ON_FREE, 4096, 1);
    size_t ps = pa_page_size(a);
    struct pa_page *p;
    unsigned char *m = dirty_and_free(a, 0, 0x5a, &p);
    pa_drain_all_pages(a);
    CHECK(test_all_bytes(m, 0, ps));
    unsigned char *big = dirty_and_free(a, 5, 0x5a, &p);   /* not a pcp order: buddy directly */
    CHECK(test_all_bytes(big, 0, ps << 5));
    CHECK_OK(a);
    pa_destroy(a);
}

/* pa_create zeroes memory the caller supplies, so no page enters the free
 * lists holding the caller's old bytes; without the flag it does not. */
TEST(init_on_free_zeroes_caller_memory_at_create)
{
    for (int with = 0; with <= 1; with++) {
        struct pa_config cfg;
        test_config(&cfg, 1, 1, 0, 0, 1024, 0);
        cfg.flags = with ? PA_CFG_INIT_ON_FREE : 0;
        uint64_t size = pa_config_memory_size(&cfg);
        CHECK(size > 0);
        void *mem = aligned_alloc(4096, size);
        CHECK(mem != NULL);
        memset(mem, 0x77, size);
        cfg.memory = mem;
        cfg.memory_size = size;
        pa_allocator *a = test_create(&cfg);
        CHECK_EQ(pa_bind_cpu(a, 0), 0);
        struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
        CHECK(p != NULL);
        CHECK(test_all_bytes(pa_page_address(a, p), with ? 0 : 0x77, pa_page_size(a)));
        pa_free_pages(a, p, 0);
        pa_destroy(a);
        free(mem);
    }
}

/* Kernel: page poisoning takes precedence over init_on_alloc and
 * init_on_free (said once, at info level): freed pages read 0xaa, and an
 * allocation finds the poison, not zeros. __GFP_ZERO still zeroes. */
TEST(poison_takes_precedence_over_init_on_alloc_and_free)
{
    struct pa_config cfg;
    test_config(&cfg, 1, 1, 0, 0, 4096, 0);
    cfg.flags = PA_CFG_POISON | PA_CFG_INIT_ON_ALLOC | PA_CFG_INIT_ON_FREE;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    size_t ps = pa_page_size(a);
    struct pa_page *p;
    unsigned char *m = dirty_and_free(a, 0, 0x5a, &p);
    CHECK(test_all_bytes(m, 0xaa, ps));
    test_log_reset();
    struct pa_page *q = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(q == p);
    CHECK(test_all_bytes(m, 0xaa, ps));
    CHECK_EQ(test_log.count, 0);   /* the poison was intact */
    pa_free_pages(a, q, 0);
    q = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_ZERO, 0);
    CHECK(q == p);
    CHECK(test_all_bytes(m, 0, ps));
    pa_free_pages(a, q, 0);
    CHECK_OK(a);
    pa_destroy(a);
}

/* Metadata-only allocators have no memory to zero: the flags are accepted
 * and every path runs without touching any. */
TEST(init_on_alloc_and_free_on_metadata_only)
{
    pa_allocator *a = test_flags(PA_CFG_METADATA_ONLY | PA_CFG_INIT_ON_ALLOC | PA_CFG_INIT_ON_FREE, 4096, 1);
    struct pa_page *pages[16] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL | PA_GFP_ZERO, 16, pages), 16);
    CHECK(pa_page_address(a, pages[0]) == NULL);
    pa_release_pages(a, pages, 16);
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 3);
    CHECK(p != NULL);
    pa_free_pages(a, p, 3);
    CHECK_EQ(test_total_free(a), 4096);
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()
