// SPDX-License-Identifier: GPL-2.0-only
/* test_report.c - /proc/buddyinfo, /proc/pagetypeinfo, /proc/zoneinfo and
 * /proc/vmstat byte for byte. The expected text is written from the kernel's
 * format strings in mm/vmstat.c (frag_show_print, pagetypeinfo_showfree_print,
 * pagetypeinfo_showblockcount_print, zoneinfo_show_print (6.1 pageset
 * layout), vmstat_show) with numbers derived by hand for a fixed scenario. */
#include "support.h"

/* The scenario: one node, NORMAL 4096 pages, one CPU.
 *   min_free_kbytes = int_sqrt(16384 * 16) = 512 -> min 128 pages,
 *   tmp = max(128 >> 2, 4096 * 10 / 10000) = 32 -> low 160, high 192, promo 224;
 *   pcp batch = max(1, zone_batchsize) = 1, high = 160 / 1 CPU.
 * Steps (all pageblocks start movable; blocks of 1024 at 0, 1024, 2048, 3072):
 *   1. GFP_KERNEL order 0: unmovable falls back, claims the order-10 block at
 *      0 (pageblocks 0 and 1 become unmovable), splits it: pfn 0 allocated,
 *      unmovable free blocks at orders 0..9 (pfn 1, 2, 4, ..., 512).
 *   2. GFP_HIGHUSER_MOVABLE order 3 (pcp refill of one block): splits the
 *      order-10 block at 1024: movable free blocks at orders 3..9.
 *   3. GFP_KERNEL order 5 (buddy directly): takes the unmovable order-5 block.
 *   4. Free step 1's page: it waits on the pcp list (count 1).
 * Free (buddy) pages: 4096 - 1 - 8 - 32 = 4055. PGALLOC_NORMAL 1 + 8 + 32 = 41,
 * PGFREE 1, NUMA_HIT = NUMA_LOCAL = 3 (one per allocation). */
static pa_allocator *scenario(void)
{
    pa_allocator *a = test_simple(4096, 1);
    struct pa_page *p0 = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p0 != NULL);
    CHECK_OK(a);
    struct pa_page *p1 = pa_alloc_pages(a, PA_GFP_HIGHUSER_MOVABLE, 3);
    CHECK(p1 != NULL);
    CHECK_OK(a);
    struct pa_page *p2 = pa_alloc_pages(a, PA_GFP_KERNEL, 5);
    CHECK(p2 != NULL);
    CHECK_OK(a);
    pa_free_pages(a, p0, 0);
    CHECK_OK(a);
    CHECK_EQ(pa_page_to_pfn(a, p1), 1024);
    CHECK_EQ(pa_page_to_pfn(a, p2), 32);
    return a;
}

static const char expected_buddyinfo[] =
    "Node 0, zone   Normal      1      1      1      2      2      1      2      2      2      2      2 \n";

static const char expected_pagetypeinfo[] =
    "Page block order: 9\n"
    "Pages per block:  512\n"
    "\n"
    "Free pages count per migrate type at order  "
    "     0      1      2      3      4      5      6      7      8      9     10 \n"
    "Node    0, zone   Normal, type    Unmovable "
    "     1      1      1      1      1      0      1      1      1      1      0 \n"
    "Node    0, zone   Normal, type      Movable "
    "     0      0      0      1      1      1      1      1      1      1      2 \n"
    "Node    0, zone   Normal, type  Reclaimable "
    "     0      0      0      0      0      0      0      0      0      0      0 \n"
    "Node    0, zone   Normal, type   HighAtomic "
    "     0      0      0      0      0      0      0      0      0      0      0 \n"
    "\n"
    "Number of blocks type  "
    "   Unmovable      Movable  Reclaimable   HighAtomic \n"
    "Node 0, zone   Normal "
    "           2            6            0            0 \n";

#define EMPTY_ZONE(name)                                                         \
    "Node 0, zone " name "\n"                                                    \
    "  pages free     0\n"                                                       \
    "        boost    0\n"                                                       \
    "        min      0\n"                                                       \
    "        low      0\n"                                                       \
    "        high     0\n"                                                       \
    "        promo    0\n"                                                       \
    "        spanned  0\n"                                                       \
    "        present  0\n"                                                       \
    "        managed  0\n"                                                       \
    "        cma      0\n"                                                       \
    "        protection: (0, 0, 0, 0)\n"

static const char expected_zoneinfo[] =
    EMPTY_ZONE("     DMA")
    EMPTY_ZONE("   DMA32")
    "Node 0, zone   Normal\n"
    "  pages free     4055\n"
    "        boost    0\n"
    "        min      128\n"
    "        low      160\n"
    "        high     192\n"
    "        promo    224\n"
    "        spanned  4096\n"
    "        present  4096\n"
    "        managed  4096\n"
    "        cma      0\n"
    "        protection: (0, 0, 0, 0)\n"
    "      nr_free_pages 4055\n"
    "      numa_hit     3\n"
    "      numa_miss    0\n"
    "      numa_foreign 0\n"
    "      numa_interleave 0\n"
    "      numa_local   3\n"
    "      numa_other   0\n"
    "  pagesets\n"
    "    cpu: 0\n"
    "              count: 1\n"
    "              high:  160\n"
    "              batch: 1\n"
    "  vm stats threshold: 0\n"
    "  node_unreclaimable:  0\n"
    "  start_pfn:           0\n"
    EMPTY_ZONE(" Movable");

static const char expected_vmstat[] =
    "nr_free_pages 4055\n"
    "numa_hit 3\n"
    "numa_miss 0\n"
    "numa_foreign 0\n"
    "numa_interleave 0\n"
    "numa_local 3\n"
    "numa_other 0\n"
    "pgalloc_dma 0\n"
    "pgalloc_dma32 0\n"
    "pgalloc_normal 41\n"
    "pgalloc_movable 0\n"
    "pgfree 1\n";

typedef size_t (*format_fn)(pa_allocator *, char *, size_t);

static void check_report(pa_allocator *a, format_fn fn, const char *expected)
{
    static char buf[16384];
    size_t n = fn(a, buf, sizeof(buf));
    CHECK_EQ(n, strlen(expected));
    CHECK_STR_EQ(buf, expected);
}

TEST(buddyinfo_layout_matches_kernel)
{
    pa_allocator *a = scenario();
    check_report(a, pa_format_buddyinfo, expected_buddyinfo);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(pagetypeinfo_layout_matches_kernel)
{
    pa_allocator *a = scenario();
    check_report(a, pa_format_pagetypeinfo, expected_pagetypeinfo);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(zoneinfo_layout_matches_kernel)
{
    pa_allocator *a = scenario();
    check_report(a, pa_format_zoneinfo, expected_zoneinfo);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(vmstat_layout_matches_kernel)
{
    pa_allocator *a = scenario();
    check_report(a, pa_format_vmstat, expected_vmstat);
    CHECK_EQ(pa_vm_event(a, PA_PGALLOC_NORMAL), 41);
    CHECK_EQ(pa_vm_event(a, PA_PGFREE), 1);
    CHECK_EQ(pa_vm_event(a, PA_NUMA_HIT), 3);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(reports_after_drain_show_pcp_page_merged_back)
{
    /* Draining returns step 1's page: it merges with the unmovable blocks
     * at 1, 2, 4, 8, 16 into an order-5 block at 0 (its buddy at 32 is
     * allocated). */
    pa_allocator *a = scenario();
    pa_drain_all_pages(a);
    CHECK_OK(a);
    check_report(a, pa_format_buddyinfo,
                 "Node 0, zone   Normal      0      0      0      1      1      2      2      2      2      2      2 \n");
    char buf[4096];
    CHECK(pa_format_vmstat(a, buf, sizeof(buf)) < sizeof(buf));
    CHECK(strncmp(buf, "nr_free_pages 4056\n", 19) == 0);
    pa_destroy(a);
}

TEST(buddyinfo_lists_every_populated_zone_by_node)
{
    struct pa_config cfg;
    pa_config_init(&cfg);
    cfg.nr_nodes = 2;
    cfg.nr_cpus = 2;
    cfg.node_zone_pages[0][PA_ZONE_NORMAL] = 2048;
    cfg.node_zone_pages[0][PA_ZONE_DMA32] = 1024;
    cfg.node_zone_pages[1][PA_ZONE_NORMAL] = 1536;
    pa_allocator *a = test_create(&cfg);
    check_report(a, pa_format_buddyinfo,
                 "Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0      1 \n"
                 "Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0      2 \n"
                 "Node 1, zone   Normal      0      0      0      0      0      0      0      0      0      1      1 \n");
    /* pagetypeinfo: one section per node; zoneinfo: four zones per node. */
    static char buf[65536];
    CHECK(pa_format_pagetypeinfo(a, buf, sizeof(buf)) < sizeof(buf));
    CHECK(strstr(buf, "Node 1, zone   Normal            0            3            0            0 \n") != NULL);
    const char *second = strstr(buf + 1, "Page block order: 9\n");
    CHECK(second != NULL);
    CHECK(strstr(second + 1, "Page block order") == NULL);
    CHECK(pa_format_zoneinfo(a, buf, sizeof(buf)) < sizeof(buf));
    int zones = 0;
    for (const char *p = buf; (p = strstr(p, "Node ")) != NULL; p++)
        zones++;
    CHECK_EQ(zones, 8);
    CHECK(strstr(buf, "Node 1, zone   Normal\n  pages free     1536\n") != NULL);
    CHECK(strstr(buf, "    cpu: 1\n") != NULL);
    CHECK_OK(a);
    pa_destroy(a);
}

/* snprintf contract for each of the four reports. */
static void check_snprintf_contract(pa_allocator *a, format_fn fn)
{
    static char full[16384];
    size_t len = fn(a, NULL, 0);
    CHECK(len > 20);
    CHECK_EQ(fn(a, full, sizeof(full)), len);
    CHECK_EQ(strlen(full), len);
    static char buf[16384 + 16];
    static const size_t sizes[] = { 1, 2, 10, 0, 0, 0 };
    size_t try_sizes[6];
    memcpy(try_sizes, sizes, sizeof(sizes));
    try_sizes[3] = len - 1;
    try_sizes[4] = len;
    try_sizes[5] = len + 1;
    for (int i = 0; i < 6; i++) {
        size_t size = try_sizes[i];
        memset(buf, '#', sizeof(buf));
        CHECK_EQ(fn(a, buf, size), len);
        size_t kept = size - 1 < len ? size - 1 : len;
        CHECK_EQ(strlen(buf), kept);
        CHECK(memcmp(buf, full, kept) == 0);
        CHECK_EQ(buf[kept], '\0');
        /* Nothing written past size. */
        for (size_t j = size; j < size + 16; j++)
            CHECK_EQ(buf[j], '#');
    }
    /* Size 0 with a real buffer writes nothing. */
    memset(buf, '#', 16);
    CHECK_EQ(fn(a, buf, 0), len);
    CHECK_EQ(buf[0], '#');
}

TEST(report_snprintf_contract)
{
    pa_allocator *a = scenario();
    check_snprintf_contract(a, pa_format_buddyinfo);
    check_snprintf_contract(a, pa_format_pagetypeinfo);
    check_snprintf_contract(a, pa_format_zoneinfo);
    check_snprintf_contract(a, pa_format_vmstat);
    CHECK_OK(a);
    pa_destroy(a);
}

TEST(report_null_arguments)
{
    pa_allocator *a = scenario();
    char buf[64];
    format_fn fns[4] = { pa_format_buddyinfo, pa_format_pagetypeinfo, pa_format_zoneinfo, pa_format_vmstat };
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(fns[i](NULL, buf, sizeof(buf)), 0);
        CHECK_EQ(fns[i](NULL, NULL, 0), 0);
        test_log_reset();
        CHECK_EQ(fns[i](a, NULL, 10), 0);    /* NULL buffer with a size */
        CHECK_EQ(test_log.count, 1);
    }
    CHECK_OK(a);
    pa_destroy(a);
}

RUN_TESTS()
