/* SPDX-License-Identifier: GPL-2.0-only */
/* test_mempolicy.c - per-thread memory policies, rules B20-B23 of
 * docs/BULK_RULES.md (Kernel: mm/mempolicy.c of 6.18: set_mempolicy,
 * alloc_pages_mpol, alloc_pages_bulk_interleave,
 * alloc_pages_bulk_weighted_interleave, alloc_pages_bulk_preferred_many).
 * Every test pins the node of every page it gets. */
#include "support.h"
#include "internal.h"

#include <pthread.h>
#include <string.h>

#define NORMAL PA_ZONE_NORMAL
#define PAGES 4096

static int32_t c2n[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };

/* nr_nodes nodes of one NORMAL zone each, cpu i on node i, thread on cpu 0. */
static pa_allocator *mk(int nr_nodes)
{
    struct pa_config cfg;
    test_config(&cfg, nr_nodes, nr_nodes, 0, 0, PAGES, 0);
    cfg.cpu_to_node = c2n;
    cfg.pcp_batch = 8;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    return a;
}

static pa_nodemask_t nodes_of(const char *ids)
{
    pa_nodemask_t m;
    memset(&m, 0, sizeof(m));
    for (; *ids; ids++)
        m.bits[0] |= 1ull << (*ids - '0');
    return m;
}

static void set_policy(pa_allocator *a, int mode, const char *ids)
{
    pa_nodemask_t m = nodes_of(ids);
    CHECK_EQ(pa_set_mempolicy(a, mode, &m), 0);
}

/* The nodes of array[0..strlen(want)), one digit per slot, must be want. */
static void expect_nodes(pa_allocator *a, struct pa_page **array, const char *want)
{
    char got[128];
    size_t n = strlen(want);
    CHECK(n < sizeof(got));
    for (size_t i = 0; i < n; i++)
        got[i] = array[i] ? (char)('0' + pa_page_to_nid(a, array[i])) : '-';
    got[n] = '\0';
    CHECK_STR_EQ(got, want);
}

/* The nodes of n single pa_alloc_pages calls, kept in h. */
static void expect_singles(pa_allocator *a, struct held *h, const char *want)
{
    char got[64];
    size_t n = strlen(want);
    for (size_t i = 0; i < n; i++) {
        struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
        CHECK(p != NULL);
        got[i] = (char)('0' + pa_page_to_nid(a, p));
        held_push(h, p);
    }
    got[n] = '\0';
    CHECK_STR_EQ(got, want);
}

/* A mempolicy bulk call of n pages into a fresh array; checks the count. */
static void mpol_bulk(pa_allocator *a, struct pa_page **array, unsigned long n, const char *want)
{
    memset(array, 0, n * sizeof(*array));
    CHECK_EQ(pa_alloc_pages_bulk_mempolicy(a, PA_GFP_KERNEL, n, array), n);
    expect_nodes(a, array, want);
    CHECK_OK(a);
}

static void done(pa_allocator *a, struct held *h, int nr_nodes)
{
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_DEFAULT, NULL), 0);
    held_done(a, h);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), (uint64_t)nr_nodes * PAGES);
    pa_destroy(a);
}

static int policy_mode(pa_allocator *a, pa_nodemask_t *nodes)
{
    int mode = -1;
    CHECK_EQ(pa_get_mempolicy(a, &mode, nodes), 0);
    return mode;
}

/* ---- B20: set_mempolicy's validation ------------------------------------------ */

TEST(B20_kernel_mode_values)
{
    CHECK_EQ(PA_MPOL_DEFAULT, 0);
    CHECK_EQ(PA_MPOL_PREFERRED, 1);
    CHECK_EQ(PA_MPOL_BIND, 2);
    CHECK_EQ(PA_MPOL_INTERLEAVE, 3);
    CHECK_EQ(PA_MPOL_LOCAL, 4);
    CHECK_EQ(PA_MPOL_PREFERRED_MANY, 5);
    CHECK_EQ(PA_MPOL_WEIGHTED_INTERLEAVE, 6);
}

TEST(B20_einval_cases_leave_the_policy_unchanged)
{
    pa_allocator *a = mk(2);
    pa_nodemask_t m0 = nodes_of("0"), empty = nodes_of(""), absent = nodes_of("59");
    set_policy(a, PA_MPOL_BIND, "1");
    test_log_reset();
    /* Unknown modes, the flag bits included. */
    CHECK_EQ(pa_set_mempolicy(a, -1, &m0), -EINVAL);
    CHECK_EQ(pa_set_mempolicy(a, 7, &m0), -EINVAL);
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_BIND | (1 << 15), &m0), -EINVAL);
    /* A mask given to DEFAULT or LOCAL. */
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_DEFAULT, &m0), -EINVAL);
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_LOCAL, &m0), -EINVAL);
    /* An empty mask (NULL or empty) where one is needed. */
    static const int need[] = { PA_MPOL_BIND, PA_MPOL_INTERLEAVE, PA_MPOL_PREFERRED_MANY,
                                PA_MPOL_WEIGHTED_INTERLEAVE };
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(pa_set_mempolicy(a, need[i], NULL), -EINVAL);
        CHECK_EQ(pa_set_mempolicy(a, need[i], &empty), -EINVAL);
        /* Nodes the allocator lacks are dropped; nothing left is -EINVAL. */
        CHECK_EQ(pa_set_mempolicy(a, need[i], &absent), -EINVAL);
    }
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_PREFERRED, &absent), -EINVAL);
    CHECK_EQ(pa_set_mempolicy(NULL, PA_MPOL_BIND, &m0), -EINVAL);
    CHECK_EQ(pa_get_mempolicy(NULL, NULL, NULL), -EINVAL);
    CHECK_EQ(test_log.count, 18);            /* NULL allocators log to stderr */
    /* Still BIND {1}. */
    pa_nodemask_t got;
    CHECK_EQ(policy_mode(a, &got), PA_MPOL_BIND);
    CHECK_EQ(got.bits[0], 0x2);
    struct held h = { 0 };
    expect_singles(a, &h, "11");
    done(a, &h, 2);
}

TEST(B20_absent_nodes_are_dropped_from_the_mask)
{
    pa_allocator *a = mk(2);
    pa_nodemask_t m = nodes_of("15");
    m.bits[0] |= 1ull << 63;
    pa_nodemask_t got;
    static const int modes[] = { PA_MPOL_BIND, PA_MPOL_INTERLEAVE, PA_MPOL_PREFERRED_MANY,
                                 PA_MPOL_WEIGHTED_INTERLEAVE, PA_MPOL_PREFERRED };
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(pa_set_mempolicy(a, modes[i], &m), 0);
        CHECK_EQ(policy_mode(a, &got), modes[i]);
        CHECK_EQ(got.bits[0], 0x2);
    }
    struct held h = { 0 };
    expect_singles(a, &h, "111");            /* PREFERRED {1} */
    done(a, &h, 2);
}

TEST(B20_nodes_without_memory_are_dropped)
{
    /* Node 1 has no memory (Kernel: N_MEMORY). */
    struct pa_config cfg;
    test_config(&cfg, 3, 3, 0, 0, PAGES, 0);
    cfg.node_zone_pages[1][NORMAL] = 0;
    cfg.cpu_to_node = c2n;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    pa_nodemask_t got, only1 = nodes_of("1");
    set_policy(a, PA_MPOL_INTERLEAVE, "012");
    CHECK_EQ(policy_mode(a, &got), PA_MPOL_INTERLEAVE);
    CHECK_EQ(got.bits[0], 0x5);
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_BIND, &only1), -EINVAL);
    struct held h = { 0 };
    expect_singles(a, &h, "0202");
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_DEFAULT, NULL), 0);
    held_done(a, &h);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 2 * PAGES);
    pa_destroy(a);
}

TEST(B20_preferred_keeps_its_first_node_and_empty_means_local)
{
    pa_allocator *a = mk(4);
    pa_nodemask_t got;
    set_policy(a, PA_MPOL_PREFERRED, "23");
    CHECK_EQ(policy_mode(a, &got), PA_MPOL_PREFERRED);
    CHECK_EQ(got.bits[0], 0x4);
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_PREFERRED, NULL), 0);
    CHECK_EQ(policy_mode(a, &got), PA_MPOL_LOCAL);
    CHECK_EQ(got.bits[0], 0);
    /* DEFAULT and LOCAL report an empty mask; either output may be NULL. */
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_DEFAULT, NULL), 0);
    CHECK_EQ(policy_mode(a, &got), PA_MPOL_DEFAULT);
    CHECK_EQ(got.bits[0], 0);
    CHECK_EQ(pa_get_mempolicy(a, NULL, NULL), 0);
    CHECK_EQ(a->mpol_threads, 0);
    pa_destroy(a);
}

static void *other_thread_policy(void *arg)
{
    pa_allocator *a = arg;
    pa_nodemask_t got;
    int mode = policy_mode(a, &got);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    /* This thread has none of the main thread's interleave. */
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_nid(a, p), 0);
    pa_free_pages(a, p, 0);
    set_policy(a, PA_MPOL_BIND, "1");
    return (void *)(intptr_t)mode;
}

TEST(B20_policy_is_per_thread)
{
    pa_allocator *a = mk(2);
    set_policy(a, PA_MPOL_INTERLEAVE, "1");
    pthread_t th;
    void *mode;
    CHECK_EQ(pthread_create(&th, NULL, other_thread_policy, a), 0);
    CHECK_EQ(pthread_join(th, &mode), 0);
    CHECK_EQ((int)(intptr_t)mode, PA_MPOL_DEFAULT);
    /* The other thread's BIND went with it. */
    pa_nodemask_t got;
    CHECK_EQ(policy_mode(a, &got), PA_MPOL_INTERLEAVE);
    CHECK_EQ(got.bits[0], 0x2);
    CHECK_EQ(a->mpol_threads, 1);
    struct held h = { 0 };
    expect_singles(a, &h, "11");
    done(a, &h, 2);
}

TEST(B20_interleave_weights_1_to_255_default_1)
{
    pa_allocator *a = mk(2);
    CHECK_EQ(pa_get_interleave_weight(a, 0), 1);
    CHECK_EQ(pa_get_interleave_weight(a, 1), 1);
    test_log_reset();
    CHECK_EQ(pa_set_interleave_weight(a, 0, 0), -EINVAL);
    CHECK_EQ(pa_set_interleave_weight(a, 0, 256), -EINVAL);
    CHECK_EQ(pa_set_interleave_weight(a, -1, 3), -EINVAL);
    CHECK_EQ(pa_set_interleave_weight(a, 2, 3), -EINVAL);
    CHECK_EQ(pa_set_interleave_weight(NULL, 0, 3), -EINVAL);
    CHECK_EQ(pa_get_interleave_weight(a, 2), -EINVAL);
    CHECK_EQ(test_log.count, 5);            /* NULL allocators log to stderr */
    CHECK_EQ(pa_set_interleave_weight(a, 0, 255), 0);
    CHECK_EQ(pa_set_interleave_weight(a, 1, 1), 0);
    CHECK_EQ(pa_get_interleave_weight(a, 0), 255);
    CHECK_EQ(pa_get_interleave_weight(a, 1), 1);
    pa_destroy(a);
}

/* ---- B21: pa_alloc_pages follows the policy -------------------------------------- */

TEST(B21_alloc_pages_interleaves_2_and_4_nodes)
{
    pa_allocator *a = mk(4);
    struct held h = { 0 };
    /* il_prev starts past the last node: the mask's first node comes first. */
    set_policy(a, PA_MPOL_INTERLEAVE, "01");
    expect_singles(a, &h, "01010");
    set_policy(a, PA_MPOL_INTERLEAVE, "0123");
    expect_singles(a, &h, "01230123");
    set_policy(a, PA_MPOL_INTERLEAVE, "13");
    expect_singles(a, &h, "13131");
    /* Orders above 0 take their turn too. */
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL, 2);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_nid(a, p), 3);
    pa_free_pages(a, p, 2);
    done(a, &h, 4);
}

TEST(B21_alloc_pages_weighted_interleave)
{
    pa_allocator *a = mk(4);
    struct held h = { 0 };
    CHECK_EQ(pa_set_interleave_weight(a, 0, 3), 0);
    CHECK_EQ(pa_set_interleave_weight(a, 2, 2), 0);
    /* Kernel: weighted_interleave_nodes(): each node for its weight. */
    set_policy(a, PA_MPOL_WEIGHTED_INTERLEAVE, "02");
    expect_singles(a, &h, "0002200022");
    set_policy(a, PA_MPOL_WEIGHTED_INTERLEAVE, "123");
    expect_singles(a, &h, "1223122");
    done(a, &h, 4);
}

TEST(B21_interleave_hit_counts_pages_on_the_intended_node)
{
    pa_allocator *a = mk(2);
    struct held h = { 0 };
    static char buf[32768];
    set_policy(a, PA_MPOL_INTERLEAVE, "01");
    expect_singles(a, &h, "0101");
    CHECK_EQ(pa_vm_event(a, PA_NUMA_INTERLEAVE_HIT), 4);
    pa_format_vmstat(a, buf, sizeof(buf));
    CHECK(strstr(buf, "numa_interleave 4\n") != NULL);
    /* Node 1 down to its low watermark: its turns land on node 0, no hit. */
    struct held eaten = { 0 };
    test_eat_to(a, 1, NORMAL, test_zone(a, 1, NORMAL).wmark_low, PA_GFP_KERNEL | PA_GFP_THISNODE, &eaten);
    expect_singles(a, &h, "0000");
    CHECK_EQ(pa_vm_event(a, PA_NUMA_INTERLEAVE_HIT), 6);
    /* Counted on the zone of the page, as /proc/zoneinfo shows it. */
    pa_format_zoneinfo(a, buf, sizeof(buf));
    const char *node1 = strstr(buf, "Node 1, zone   Normal");
    CHECK(node1 != NULL);
    CHECK(strstr(buf, "numa_interleave 4\n") != NULL && strstr(buf, "numa_interleave 4\n") < node1);
    CHECK(strstr(node1, "numa_interleave 2\n") != NULL);
    /* Bulk calls never count it. Node 0's window [0,2) is filled; node 1's
     * bulk cannot use node 1 and its single page comes from node 0: a
     * short count, slot 3 left empty. */
    struct pa_page *arr[4] = { 0 };
    CHECK_EQ(pa_alloc_pages_bulk_mempolicy(a, PA_GFP_KERNEL, 4, arr), 3);
    expect_nodes(a, arr, "000-");
    pa_release_pages(a, arr, 4);
    held_done(a, &eaten);
    set_policy(a, PA_MPOL_PREFERRED, "1");
    expect_singles(a, &h, "11");
    CHECK_EQ(pa_vm_event(a, PA_NUMA_INTERLEAVE_HIT), 6);
    done(a, &h, 2);
}

TEST(B21_thisnode_and_node_calls_ignore_the_policy)
{
    pa_allocator *a = mk(2);
    set_policy(a, PA_MPOL_BIND, "1");
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_THISNODE, 0);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_nid(a, p), 0);
    pa_free_pages(a, p, 0);
    p = pa_alloc_pages_node(a, PA_GFP_KERNEL, 0, 0);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_nid(a, p), 0);
    pa_free_pages(a, p, 0);
    pa_nodemask_t m0 = nodes_of("0");
    p = pa_alloc_pages_nodemask(a, PA_GFP_KERNEL, 0, PA_NUMA_NO_NODE, &m0);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_nid(a, p), 0);
    pa_free_pages(a, p, 0);
    /* Interleave does not advance for them either. */
    set_policy(a, PA_MPOL_INTERLEAVE, "01");
    p = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_THISNODE, 0);
    pa_free_pages(a, p, 0);
    p = pa_alloc_pages_node(a, PA_GFP_KERNEL, 0, 1);
    pa_free_pages(a, p, 0);
    struct held h = { 0 };
    expect_singles(a, &h, "01");
    done(a, &h, 2);
}

TEST(B21_bind_holds_to_its_nodes_and_fails_there)
{
    pa_allocator *a = mk(4);
    set_policy(a, PA_MPOL_BIND, "23");
    struct held h = { 0 };
    struct pa_page *p;
    int seen[4] = { 0 };
    while ((p = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_NOWARN, 0)) != NULL) {
        seen[pa_page_to_nid(a, p)]++;
        held_push(&h, p);
    }
    /* Node 2 first (the nearest of the mask from node 0), then node 3. */
    CHECK_EQ(pa_page_to_nid(a, h.p[0]), 2);
    CHECK_EQ(seen[0] + seen[1], 0);
    CHECK(seen[2] > PAGES / 2 && seen[3] > PAGES / 2);
    CHECK_EQ(test_zone_free(a, 0, NORMAL), PAGES);
    CHECK_EQ(test_zone_free(a, 1, NORMAL), PAGES);
    done(a, &h, 4);
}

TEST(B21_bind_applies_only_to_the_policy_zone)
{
    /* Node 0: DMA32 and NORMAL; node 1: NORMAL. policy_zone is NORMAL. */
    struct pa_config cfg;
    test_config(&cfg, 2, 2, 0, 0, PAGES, 0);
    cfg.node_zone_pages[0][PA_ZONE_DMA32] = PAGES;
    cfg.cpu_to_node = c2n;
    pa_allocator *a = test_create(&cfg);
    CHECK_EQ(pa_bind_cpu(a, 0), 0);
    set_policy(a, PA_MPOL_BIND, "1");
    struct pa_page *p = pa_alloc_pages(a, PA_GFP_KERNEL | PA_GFP_DMA32, 0);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_nid(a, p), 0);        /* below policy_zone: not bound */
    CHECK_EQ(pa_page_zonenum(a, p), PA_ZONE_DMA32);
    pa_free_pages(a, p, 0);
    p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK_EQ(pa_page_to_nid(a, p), 1);
    pa_free_pages(a, p, 0);
    /* Allowed nodes that miss the policy's: the mask is not applied
     * (Kernel: cpuset_nodemask_valid_mems_allowed). */
    pa_nodemask_t m0 = nodes_of("0");
    CHECK_EQ(pa_set_mems_allowed(a, &m0), 0);
    p = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
    CHECK(p != NULL);
    CHECK_EQ(pa_page_to_nid(a, p), 0);
    pa_free_pages(a, p, 0);
    CHECK_EQ(pa_set_mems_allowed(a, NULL), 0);
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_DEFAULT, NULL), 0);
    CHECK_OK(a);
    CHECK_EQ(test_total_free(a), 3 * PAGES);
    pa_destroy(a);
}

TEST(B21_preferred_local_and_default)
{
    pa_allocator *a = mk(4);
    struct held h = { 0 };
    set_policy(a, PA_MPOL_PREFERRED, "3");
    expect_singles(a, &h, "333");
    /* Preferred, not bound: node 3 at its low watermark, then node 0 (the
     * next in node 3's zonelist). */
    struct held eaten = { 0 };
    test_eat_to(a, 3, NORMAL, test_zone(a, 3, NORMAL).wmark_low, PA_GFP_KERNEL | PA_GFP_THISNODE, &eaten);
    expect_singles(a, &h, "00");
    held_done(a, &eaten);
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_LOCAL, NULL), 0);
    CHECK_EQ(pa_bind_cpu(a, 2), 0);
    expect_singles(a, &h, "22");
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_DEFAULT, NULL), 0);
    CHECK_EQ(pa_bind_cpu(a, 1), 0);
    expect_singles(a, &h, "11");
    done(a, &h, 4);
}

TEST(B21_preferred_many_tries_its_nodes_then_any)
{
    pa_allocator *a = mk(4);
    struct held h = { 0 }, eaten = { 0 };
    set_policy(a, PA_MPOL_PREFERRED_MANY, "23");
    expect_singles(a, &h, "22");
    /* Node 2 at min: node 3; nodes 2 and 3 at min: the local node 0, with
     * no reclaim and no warning on the first pass. */
    test_eat_to(a, 2, NORMAL, test_zone(a, 2, NORMAL).wmark_min, PA_GFP_KERNEL | PA_GFP_THISNODE, &eaten);
    expect_singles(a, &h, "33");
    test_eat_to(a, 3, NORMAL, test_zone(a, 3, NORMAL).wmark_min, PA_GFP_KERNEL | PA_GFP_THISNODE, &eaten);
    uint64_t stall = pa_vm_event(a, PA_ALLOCSTALL);
    test_log_reset();
    expect_singles(a, &h, "00");
    CHECK_EQ(pa_vm_event(a, PA_ALLOCSTALL), stall);
    CHECK_EQ(test_log.count, 0);
    held_done(a, &eaten);
    done(a, &h, 4);
}

/* ---- B22: the mempolicy bulk form ----------------------------------------------- */

TEST(B22_interleave_splits_evenly_2_nodes)
{
    pa_allocator *a = mk(2);
    struct held h = { 0 };
    struct pa_page *arr[16];
    set_policy(a, PA_MPOL_INTERLEAVE, "01");
    /* 5 = 2 * 2 + 1: the first node one more. */
    mpol_bulk(a, arr, 5, "00011");
    pa_release_pages(a, arr, 5);
    /* Every node takes one turn, so il_prev is back where it was. */
    mpol_bulk(a, arr, 5, "00011");
    pa_release_pages(a, arr, 5);
    /* A single page moves it on: the next bulk starts on node 1. */
    expect_singles(a, &h, "0");
    mpol_bulk(a, arr, 5, "11100");
    pa_release_pages(a, arr, 5);
    mpol_bulk(a, arr, 16, "1111111100000000");
    pa_release_pages(a, arr, 16);
    CHECK_EQ(pa_vm_event(a, PA_NUMA_INTERLEAVE_HIT), 1);
    done(a, &h, 2);
}

TEST(B22_interleave_splits_evenly_4_nodes)
{
    pa_allocator *a = mk(4);
    struct held h = { 0 };
    struct pa_page *arr[16];
    set_policy(a, PA_MPOL_INTERLEAVE, "0123");
    /* 10 = 4 * 2 + 2: nodes 0 and 1 take 3, nodes 2 and 3 take 2. */
    mpol_bulk(a, arr, 10, "0001112233");
    pa_release_pages(a, arr, 10);
    /* Fewer pages than nodes: shares of 1, 1, 0, 0. */
    mpol_bulk(a, arr, 2, "01");
    pa_release_pages(a, arr, 2);
    expect_singles(a, &h, "01");
    mpol_bulk(a, arr, 7, "2233001");         /* 7 = 4 * 1 + 3, from node 2 */
    pa_release_pages(a, arr, 7);
    set_policy(a, PA_MPOL_INTERLEAVE, "13");
    mpol_bulk(a, arr, 7, "1111333");
    pa_release_pages(a, arr, 7);
    done(a, &h, 4);
}

TEST(B22_weighted_interleave_resumes_across_calls_2_nodes)
{
    pa_allocator *a = mk(2);
    struct held h = { 0 };
    struct pa_page *arr[16];
    CHECK_EQ(pa_set_interleave_weight(a, 0, 3), 0);
    CHECK_EQ(pa_set_interleave_weight(a, 1, 2), 0);
    set_policy(a, PA_MPOL_WEIGHTED_INTERLEAVE, "01");
    /* Call 1, 7 pages, nothing carried (il_weight 0): weight_total 5,
     * rounds 1, delta 2. Node 0: 3 * 1 + the delta 2 = 5, the delta ends
     * there, so resume on node 0 with 3 - 2 = 1; node 1: 2 * 1 = 2. */
    mpol_bulk(a, arr, 7, "0000011");
    pa_release_pages(a, arr, 7);
    /* Call 2, 4 pages: node 0's carried weight 1 first (rem 3); then rounds
     * 0, delta 3 from node 1: node 1 takes 2 (delta 3 > 2), node 0 the last
     * 1 and keeps 3 - 1 = 2 to resume with. */
    mpol_bulk(a, arr, 4, "0110");
    pa_release_pages(a, arr, 4);
    /* Call 3, 2 pages: within node 0's carried 2; none left after. */
    mpol_bulk(a, arr, 2, "00");
    pa_release_pages(a, arr, 2);
    /* Call 4, 3 pages: nothing carried, il_prev 0, so node 1 first: 2 (delta
     * 3 > 2), then node 0: 1, resuming there with 2. */
    mpol_bulk(a, arr, 3, "110");
    pa_release_pages(a, arr, 3);
    /* Single pages continue from there: node 0 twice, then node 1. */
    expect_singles(a, &h, "001");
    /* Two whole rounds, no delta (fresh policy): 6 and 4; the resume node
     * is the one after il_prev's start, node 0, with its full weight 3. */
    set_policy(a, PA_MPOL_WEIGHTED_INTERLEAVE, "01");
    mpol_bulk(a, arr, 10, "0000001111");
    pa_release_pages(a, arr, 10);
    expect_singles(a, &h, "00011");
    done(a, &h, 2);
}

TEST(B22_weighted_interleave_resumes_across_calls_4_nodes)
{
    pa_allocator *a = mk(4);
    struct held h = { 0 };
    struct pa_page *arr[16];
    for (int n = 0; n < 4; n++)
        CHECK_EQ(pa_set_interleave_weight(a, n, (unsigned)n + 1), 0);
    set_policy(a, PA_MPOL_WEIGHTED_INTERLEAVE, "0123");
    /* 13 pages, weights 1 2 3 4 (total 10): rounds 1, delta 3. Node 0:
     * 1 + 1 (delta 3 > 1, 2 left); node 1: 2 + 2, the delta ends exactly
     * here, so resume on node 1 with weight 0; node 2: 3; node 3: 4. */
    mpol_bulk(a, arr, 13, "0011112223333");
    pa_release_pages(a, arr, 13);
    /* Weight 0 carried is nothing carried: 5 pages from node 2 (il_prev 1):
     * node 2: 3 (delta 5 > 3), node 3: 2, resume on node 3 with 4 - 2. */
    mpol_bulk(a, arr, 5, "22233");
    pa_release_pages(a, arr, 5);
    expect_singles(a, &h, "33011");
    /* A mask of two of the nodes: weights 2 and 4. */
    set_policy(a, PA_MPOL_WEIGHTED_INTERLEAVE, "13");
    /* rounds 1, delta 3: node 1 2 + 2, node 3 4 + 1. */
    mpol_bulk(a, arr, 9, "111133333");
    pa_release_pages(a, arr, 9);
    done(a, &h, 4);
}

TEST(B22_preferred_many_bulk_tries_its_nodes_then_the_local_node)
{
    pa_allocator *a = mk(4);
    struct held eaten = { 0 };
    struct pa_page *arr[8];
    set_policy(a, PA_MPOL_PREFERRED_MANY, "23");
    /* One bulk call preferring the mask's first node from node 0. */
    mpol_bulk(a, arr, 8, "22222222");
    pa_release_pages(a, arr, 8);
    /* Node 2 at its low watermark: the first pass's bulk cannot use it and
     * takes its one single page from node 3; the rest on node 0. */
    test_eat_to(a, 2, NORMAL, test_zone(a, 2, NORMAL).wmark_low, PA_GFP_KERNEL | PA_GFP_THISNODE, &eaten);
    mpol_bulk(a, arr, 8, "30000000");
    pa_release_pages(a, arr, 8);
    /* Both at min: the first pass fails quietly, without reclaim. */
    held_done(a, &eaten);
    test_eat_to(a, 2, NORMAL, test_zone(a, 2, NORMAL).wmark_min, PA_GFP_KERNEL | PA_GFP_THISNODE, &eaten);
    test_eat_to(a, 3, NORMAL, test_zone(a, 3, NORMAL).wmark_min, PA_GFP_KERNEL | PA_GFP_THISNODE, &eaten);
    uint64_t stall = pa_vm_event(a, PA_ALLOCSTALL);
    test_log_reset();
    mpol_bulk(a, arr, 8, "00000000");
    CHECK_EQ(pa_vm_event(a, PA_ALLOCSTALL), stall);
    CHECK_EQ(test_log.count, 0);
    pa_release_pages(a, arr, 8);
    struct held h = { 0 };
    held_done(a, &eaten);
    done(a, &h, 4);
}

TEST(B22_other_modes_are_one_bulk_call_on_the_policy_node)
{
    pa_allocator *a = mk(4);
    struct held h = { 0 };
    struct pa_page *arr[8];
    mpol_bulk(a, arr, 8, "00000000");          /* DEFAULT: the local node */
    pa_release_pages(a, arr, 8);
    set_policy(a, PA_MPOL_PREFERRED, "3");
    mpol_bulk(a, arr, 8, "33333333");
    pa_release_pages(a, arr, 8);
    set_policy(a, PA_MPOL_BIND, "12");
    mpol_bulk(a, arr, 8, "11111111");
    pa_release_pages(a, arr, 8);
    CHECK_EQ(pa_set_mempolicy(a, PA_MPOL_LOCAL, NULL), 0);
    CHECK_EQ(pa_bind_cpu(a, 2), 0);
    mpol_bulk(a, arr, 8, "22222222");
    pa_release_pages(a, arr, 8);
    /* Under __GFP_THISNODE the default policy: the local node. */
    set_policy(a, PA_MPOL_INTERLEAVE, "01");
    memset(arr, 0, sizeof(arr));
    CHECK_EQ(pa_alloc_pages_bulk_mempolicy(a, PA_GFP_KERNEL | PA_GFP_THISNODE, 8, arr), 8);
    expect_nodes(a, arr, "22222222");
    pa_release_pages(a, arr, 8);
    /* The list form places the same way. */
    struct pa_list_head list;
    pa_list_init(&list);
    CHECK_EQ(pa_alloc_pages_bulk_mempolicy_list(a, PA_GFP_KERNEL, 5, &list), 5);
    char got[8] = { 0 };
    int i = 0;
    for (struct pa_page *p = pa_list_first(&list); p; p = pa_list_next(&list, p))
        got[i++] = (char)('0' + pa_page_to_nid(a, p));
    CHECK_STR_EQ(got, "00011");
    pa_free_pages_bulk(a, &list);
    done(a, &h, 4);
}

/* ---- B23: pre-populated slots -------------------------------------------------- */

TEST(B23_populated_slot_counts_toward_its_windows_node)
{
    pa_allocator *a = mk(2);
    struct held h = { 0 };
    struct pa_page *arr[6] = { 0 };
    /* Two pages of node 1 in slots 1 and 4. */
    struct pa_page *p1 = pa_alloc_pages_node(a, PA_GFP_KERNEL, 0, 1);
    struct pa_page *p4 = pa_alloc_pages_node(a, PA_GFP_KERNEL, 0, 1);
    arr[1] = p1;
    arr[4] = p4;
    uint64_t g0 = pa_vm_event(a, PA_PGALLOC_NORMAL);
    set_policy(a, PA_MPOL_INTERLEAVE, "01");
    /* Windows [0,3) on node 0 and [3,6) on node 1: each fills its two NULL
     * slots and returns 3, slot 1's page counting toward node 0's share. */
    CHECK_EQ(pa_alloc_pages_bulk_mempolicy(a, PA_GFP_KERNEL, 6, arr), 6);
    expect_nodes(a, arr, "010111");
    CHECK(arr[1] == p1 && arr[4] == p4);
    CHECK_EQ(pa_page_to_nid(a, arr[0]), 0);
    CHECK_EQ(pa_page_to_nid(a, arr[2]), 0);
    CHECK_EQ(pa_vm_event(a, PA_PGALLOC_NORMAL), g0 + 4);
    /* A full array: nothing allocated, n returned. */
    CHECK_EQ(pa_alloc_pages_bulk_mempolicy(a, PA_GFP_KERNEL, 6, arr), 6);
    CHECK_EQ(pa_vm_event(a, PA_PGALLOC_NORMAL), g0 + 4);
    pa_release_pages(a, arr, 6);
    done(a, &h, 2);
}

TEST(B23_weighted_windows_skip_populated_slots)
{
    pa_allocator *a = mk(2);
    struct held h = { 0 };
    struct pa_page *arr[5] = { 0 };
    CHECK_EQ(pa_set_interleave_weight(a, 0, 2), 0);
    set_policy(a, PA_MPOL_WEIGHTED_INTERLEAVE, "01");
    /* Slots 0 and 1 hold node 1 pages; 5 pages, weights 2 and 1: rounds 1,
     * delta 2 -> node 0 gets 4 (window [0,4): slots 2, 3 filled), node 1
     * gets 1 (window [4,5)). */
    arr[0] = pa_alloc_pages_node(a, PA_GFP_KERNEL, 0, 1);
    arr[1] = pa_alloc_pages_node(a, PA_GFP_KERNEL, 0, 1);
    CHECK_EQ(pa_alloc_pages_bulk_mempolicy(a, PA_GFP_KERNEL, 5, arr), 5);
    expect_nodes(a, arr, "11001");
    pa_release_pages(a, arr, 5);
    done(a, &h, 2);
}

RUN_TESTS()
