// SPDX-License-Identifier: GPL-2.0-only
/* driver.c - random operations over one allocator: every allocation
 * function with random (and nonsense) gfp masks, orders 0..12, nodes
 * -1..N+1, empty, full and random nodemasks, bulk with pre-populated arrays,
 * bad frees, drains, CPU rebinding, fault injection, mems_allowed
 * changes, memory policies and interleave weights (with the mempolicy bulk
 * form), tracepoints (every event checked), page pools (alloc, bulk,
 * addresses in bulk, fragments, every kind of put, bad puts, destroy while
 * pages are out), and free page reporting passes (a report that checks no
 * block is held, and fails at times, in metadata-only runs). Every page handed out is checked
 * against the request and claimed
 * in an ownership map; pa_check runs every few hundred operations; at the
 * end every page is back and the counters agree. Choices come from a seeded
 * generator (ctest) or from a byte string (libFuzzer, corpus replay). */
#include "driver.h"
#include "support.h"

#include "internal.h"

#include <errno.h>
#include <sched.h>

#define NR_NODES 2
#define NR_CPUS 3
#define MAX_HELD 4096
#define NR_POOLS 2
#define MAX_PP_HELD 1024

struct block { struct pa_page *page; unsigned order; };

/* A page (or one fragment of it) handed out by page pool `pool`. */
struct pp_block { struct pa_page *page; int pool; bool frag; };

struct pp_slot {
    pa_page_pool *pool;            /* NULL: none (or freed after a lingering destroy) */
    unsigned order;
    bool destroyed;                /* lingering until its last page is back */
};

struct ctx {
    pa_allocator *a, *other;
    struct pa_page *foreign;       /* a page of `other` */
    uint64_t rng;
    uint8_t *owned;                /* per pfn */
    struct block held[MAX_HELD];
    int n;
    uint64_t held_pages, total_pages;
    uint64_t allocated_pages, freed_pages;
    int bound;                     /* pcp slot bound to, -1 if not */
    bool has_mems;
    pa_nodemask_t mems;
    int mpol_mode;                 /* this thread's policy, as the driver expects it */
    pa_nodemask_t mpol_nodes;
    bool metadata;
    bool va_ok;                    /* one address map (caller memory): the pools' address form works */
    void *memory;                  /* the caller memory, or NULL */
    unsigned long bad_frees, failures, bad_inputs;
    struct pp_slot pools[NR_POOLS];
    struct pp_block pp_held[MAX_PP_HELD];
    int pp_n;
    uint16_t *frags;               /* per pfn: fragments of a pool page we hold */
    uint64_t pp_alloc, pp_free;    /* PGALLOC / PGFREE the pool operations caused */
    unsigned long pp_ops, pp_bad_puts;
    bool own_report;               /* driver_report, not the library's discard */
    unsigned long reported_blocks; /* blocks the report function was handed */
    uint32_t trace_mask;           /* events enabled by pa_set_trace, 0: off */
    uint64_t trace_events;
    unsigned long mpol_ops;
    const uint8_t *data;           /* byte source, or NULL for the generator */
    size_t len, pos;
    bool exhausted;                /* the byte source ran out */
};

/* Reuse mode (the fuzzer's): one allocator per configuration, made once per
 * process and reset between runs, and one `other` allocator. */
#define REUSE_CONFIGS 8
struct reused {
    pa_allocator *a;
    void *memory;
    uint8_t *owned;
    uint16_t *frags;
};
static bool reuse_on;
static struct reused reuse_slots[REUSE_CONFIGS];
static pa_allocator *reuse_other;

static uint64_t splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The next k bytes of the byte source, little-endian; zeros once it runs out. */
static uint64_t take(struct ctx *c, unsigned k)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < k; i++) {
        if (c->pos >= c->len) {
            c->exhausted = true;
            break;
        }
        v |= (uint64_t)c->data[c->pos++] << (8 * i);
    }
    return v;
}

static uint64_t rnd(struct ctx *c)
{
    return c->data ? take(c, 8) : splitmix(&c->rng);
}

/* A choice in 0..n-1; from bytes, as few bytes as the range needs, so the
 * fuzzer's mutations map onto single decisions. */
static unsigned below(struct ctx *c, unsigned n)
{
    if (!c->data)
        return (unsigned)(splitmix(&c->rng) % n);
    return (unsigned)(take(c, n <= 256 ? 1 : n <= 65536 ? 2 : 4) % n);
}

static pa_gfp_t random_gfp(struct ctx *c)
{
    if (below(c, 10) == 0)
        return (pa_gfp_t)rnd(c) & ~PA_GFP_NOFAIL;     /* nonsense, mostly invalid */
    static const pa_gfp_t bases[] = { PA_GFP_KERNEL, PA_GFP_ATOMIC, PA_GFP_NOWAIT, PA_GFP_USER,
                                      PA_GFP_HIGHUSER_MOVABLE, 0 };
    static const pa_gfp_t mods[] = { PA_GFP_DMA, PA_GFP_DMA32, PA_GFP_HIGHMEM, PA_GFP_MOVABLE,
                                     PA_GFP_RECLAIMABLE, PA_GFP_HIGH, PA_GFP_ZERO, PA_GFP_NORETRY,
                                     PA_GFP_RETRY_MAYFAIL, PA_GFP_COMP, PA_GFP_NOMEMALLOC,
                                     PA_GFP_HARDWALL, PA_GFP_THISNODE, PA_GFP_ACCOUNT };
    pa_gfp_t gfp = bases[below(c, 6)];
    for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
        if (below(c, 8) == 0)
            gfp |= mods[i];
    if (below(c, 4))
        gfp |= PA_GFP_NOWARN;
    return gfp;
}

static bool random_mask(struct ctx *c, pa_nodemask_t *m)
{
    if (below(c, 2))
        return false;
    memset(m, 0, sizeof(*m));
    switch (below(c, 8)) {
    case 0:                          /* empty: nothing may be allocated */
        break;
    case 1:                          /* full: every bit, absent nodes too */
        memset(m, 0xff, sizeof(*m));
        break;
    default:
        m->bits[0] = rnd(c) & 0xf;   /* nodes 0..3: two exist */
        if (below(c, 8) == 0)
            m->bits[0] |= 1ull << 63;
        break;
    }
    return true;
}

static bool mask_has_node(const pa_nodemask_t *m)
{
    return (m->bits[0] & ((1ull << NR_NODES) - 1)) != 0;
}

/* Checks a page against its request and claims it. */
static void claim(struct ctx *c, struct pa_page *p, unsigned order, pa_gfp_t gfp, int nid,
                  const pa_nodemask_t *mask)
{
    pa_allocator *a = c->a;
    CHECK(gfp_valid(a, gfp));
    uint64_t pfn = pa_page_to_pfn(a, p);
    CHECK(pfn < a->nr_pfns);
    CHECK_EQ(pfn & ((1ull << order) - 1), 0);
    CHECK_EQ(page_state(p), PG_ALLOC);
    CHECK_EQ(p->order, order);
    int zone = (int)pa_page_zonenum(a, p);
    int node = pa_page_to_nid(a, p);
    CHECK(zone <= gfp_zone(gfp));                    /* never above the highest usable zone */
    if (mask)
        CHECK(nodemask_test(mask, node));
    if ((gfp & PA_GFP_THISNODE) && nid >= 0)
        CHECK_EQ(node, nid);
    /* Unbound, the CPU (so the local node) may change under us. */
    if ((gfp & PA_GFP_THISNODE) && nid < 0 && c->bound >= 0)
        CHECK_EQ(node, pa_cpu_to_node(a, c->bound));
    bool ignores_cpuset = (gfp & PA_GFP_HIGH) && !(gfp & PA_GFP_DIRECT_RECLAIM);
    if (c->has_mems && !ignores_cpuset)
        CHECK(nodemask_test(&c->mems, node));
    if ((gfp & PA_GFP_ZERO) && !c->metadata) {
        const uint8_t *m = pa_page_address(a, p);
        for (size_t i = 0; i < (pa_page_size(a) << order); i += 509)
            CHECK_EQ(m[i], 0);
    }
    for (uint64_t i = 0; i < (1ull << order); i++) {
        CHECK_EQ(c->owned[pfn + i], 0);
        c->owned[pfn + i] = 1;
    }
    if (!c->metadata)
        memset(pa_page_address(a, p), 0x3c, 64);
    CHECK(c->n < MAX_HELD);
    c->held[c->n++] = (struct block){ p, order };
    c->held_pages += 1ull << order;
    c->allocated_pages += 1ull << order;
}

static struct block unclaim(struct ctx *c, int i)
{
    struct block h = c->held[i];
    c->held[i] = c->held[--c->n];
    uint64_t pfn = pa_page_to_pfn(c->a, h.page);
    for (uint64_t k = 0; k < (1ull << h.order); k++) {
        CHECK_EQ(c->owned[pfn + k], 1);
        c->owned[pfn + k] = 0;
    }
    c->held_pages -= 1ull << h.order;
    c->freed_pages += 1ull << h.order;
    return h;
}

static int pick_order0(struct ctx *c)
{
    for (int t = 0; t < 8 && c->n; t++) {
        int i = (int)below(c, (unsigned)c->n);
        if (c->held[i].order == 0)
            return i;
    }
    return -1;
}

static int random_nid(struct ctx *c)
{
    return (int)below(c, NR_NODES + 2) - 1;          /* -1 .. N+1 */
}

static bool nid_ok(int nid) { return nid >= -1 && nid < NR_NODES; }

/* The mask BIND holds a policied request to, or NULL (Kernel:
 * policy_nodemask: the highest zone below MOVABLE is NORMAL here, and the
 * allowed nodes must meet the policy's). */
static const pa_nodemask_t *bind_mask(struct ctx *c, pa_gfp_t gfp)
{
    if (c->mpol_mode != PA_MPOL_BIND || (gfp & PA_GFP_THISNODE) || gfp_zone(gfp) < PA_ZONE_NORMAL)
        return NULL;
    if (c->has_mems && !(c->mems.bits[0] & c->mpol_nodes.bits[0]))
        return NULL;
    return &c->mpol_nodes;
}

/* The gfp a policied request may have been served with: PREFERRED_MANY's
 * first pass drops direct reclaim, so a __GFP_HIGH request may ignore the
 * allowed nodes there (Kernel: alloc_pages_preferred_many). */
static pa_gfp_t policy_gfp(struct ctx *c, pa_gfp_t gfp)
{
    if (c->mpol_mode == PA_MPOL_PREFERRED_MANY && !(gfp & PA_GFP_THISNODE))
        return gfp & ~(PA_GFP_DIRECT_RECLAIM | PA_GFP_NOFAIL);
    return gfp;
}

static void op_alloc(struct ctx *c, int kind)
{
    pa_allocator *a = c->a;
    pa_gfp_t gfp = random_gfp(c);
    unsigned order = below(c, 4) ? below(c, 4) : below(c, 13);
    int nid = kind ? random_nid(c) : PA_NUMA_NO_NODE;
    pa_nodemask_t m;
    bool use_mask = kind == 2 && random_mask(c, &m);
    struct pa_page *p = kind == 0 ? pa_alloc_pages(a, gfp, order)
                      : kind == 1 ? pa_alloc_pages_node(a, gfp, order, nid)
                                  : pa_alloc_pages_nodemask(a, gfp, order, nid, use_mask ? &m : NULL);
    if (!gfp_valid(a, gfp) || order > PA_MAX_ORDER || !nid_ok(nid)) {
        CHECK(p == NULL);
        c->bad_inputs++;
    }
    if (use_mask && !mask_has_node(&m))
        CHECK(p == NULL);
    /* B21: pa_alloc_pages follows the thread's policy. */
    const pa_nodemask_t *policy = kind == 0 && gfp_valid(a, gfp) ? bind_mask(c, gfp) : NULL;
    if (p)
        claim(c, p, order, kind == 0 ? policy_gfp(c, gfp) : gfp, nid, use_mask ? &m : policy);
    else
        c->failures++;
}

/* The mempolicy bulk form, array (with pre-populated slots) or list. */
static void op_bulk_mempolicy(struct ctx *c)
{
    c->mpol_ops++;
    pa_allocator *a = c->a;
    pa_gfp_t gfp = random_gfp(c);
    unsigned long want = below(c, 41);
    bool valid = gfp_valid(a, gfp);
    const pa_nodemask_t *policy = valid ? bind_mask(c, gfp) : NULL;
    c->bad_inputs += !valid;
    if (below(c, 3) == 0) {
        struct pa_list_head list;
        pa_list_init(&list);
        unsigned long got = pa_alloc_pages_bulk_mempolicy_list(a, gfp, want, &list);
        CHECK(got <= want);
        CHECK_EQ(pa_list_count(&list), got);
        if (!valid)
            CHECK_EQ(got, 0);
        while (!pa_list_empty(&list)) {
            struct pa_page *p = pa_list_first(&list);
            pa_list_del(p);
            claim(c, p, 0, policy_gfp(c, gfp), PA_NUMA_NO_NODE, policy);
        }
        return;
    }
    struct pa_page *arr[40] = { 0 }, *pre[40] = { 0 };
    for (unsigned long i = 0; i < want; i++) {
        int h = below(c, 3) == 0 ? pick_order0(c) : -1;
        bool dup = false;
        for (unsigned long j = 0; h >= 0 && j < i; j++)
            dup |= arr[j] == c->held[h].page;
        if (h >= 0 && !dup)
            arr[i] = pre[i] = c->held[h].page;
    }
    unsigned long got = pa_alloc_pages_bulk_mempolicy(a, gfp, want, arr);
    unsigned long populated = 0;
    for (unsigned long i = 0; i < want; i++)
        populated += arr[i] != NULL;
    CHECK_EQ(got, populated);                        /* B4, B19: bad gfp included */
    for (unsigned long i = 0; i < want; i++) {
        if (pre[i])
            CHECK(arr[i] == pre[i]);
        else if (arr[i])
            claim(c, arr[i], 0, policy_gfp(c, gfp), PA_NUMA_NO_NODE, policy);
    }
}

/* B20: a random (sometimes invalid) policy, checked against the syscall's
 * rules and read back; or a random interleave weight. */
static void op_mempolicy(struct ctx *c)
{
    c->mpol_ops++;
    pa_allocator *a = c->a;
    if (below(c, 4) == 0) {
        int nid = (int)below(c, NR_NODES + 2) - 1;
        unsigned w = below(c, 4) ? 1 + below(c, 4) : below(c, 300);
        int err = pa_set_interleave_weight(a, nid, w);
        bool ok = nid >= 0 && nid < NR_NODES && w >= 1 && w <= 255;
        CHECK_EQ(err, ok ? 0 : -EINVAL);
        if (ok)
            CHECK_EQ(pa_get_interleave_weight(a, nid), (int)w);
        c->bad_inputs += !ok;
        return;
    }
    int mode = (int)below(c, PA_MPOL_MAX + 2) - 1;   /* -1 .. PA_MPOL_MAX */
    pa_nodemask_t m = { { below(c, 4) ? rnd(c) & 0x7 : 0 } };
    uint64_t real = m.bits[0] & ((1ull << NR_NODES) - 1);
    int want_mode = mode, err = pa_set_mempolicy(a, mode, below(c, 8) || m.bits[0] ? &m : NULL);
    bool ok;
    if (mode < 0 || mode >= PA_MPOL_MAX)
        ok = false;
    else if (mode == PA_MPOL_DEFAULT || mode == PA_MPOL_LOCAL)
        ok = m.bits[0] == 0;
    else if (mode == PA_MPOL_PREFERRED && m.bits[0] == 0)
        ok = true, want_mode = PA_MPOL_LOCAL;
    else
        ok = real != 0;
    CHECK_EQ(err, ok ? 0 : -EINVAL);
    c->bad_inputs += !ok;
    if (ok) {
        c->mpol_mode = want_mode;
        memset(&c->mpol_nodes, 0, sizeof(c->mpol_nodes));
        if (want_mode == PA_MPOL_PREFERRED)
            c->mpol_nodes.bits[0] = real & -real;      /* its first node */
        else if (want_mode != PA_MPOL_DEFAULT && want_mode != PA_MPOL_LOCAL)
            c->mpol_nodes.bits[0] = real;
    }
    int got_mode = -1;
    pa_nodemask_t got_nodes;
    CHECK_EQ(pa_get_mempolicy(a, &got_mode, &got_nodes), 0);
    CHECK_EQ(got_mode, c->mpol_mode);
    CHECK_EQ(got_nodes.bits[0], c->mpol_nodes.bits[0]);
}

static void op_bulk(struct ctx *c, int kind)
{
    pa_allocator *a = c->a;
    pa_gfp_t gfp = random_gfp(c);
    int nid = random_nid(c);
    pa_nodemask_t m;
    bool use_mask = random_mask(c, &m);
    unsigned long want = below(c, 41);
    if (!gfp_valid(a, gfp) || !nid_ok(nid))
        c->bad_inputs++;
    if (kind == 3) {                 /* list form on this thread's node */
        struct pa_list_head list;
        pa_list_init(&list);
        unsigned long got = pa_alloc_pages_bulk_list(a, gfp, want, &list);
        CHECK(got <= want);
        CHECK_EQ(pa_list_count(&list), got);
        if (!gfp_valid(a, gfp))
            CHECK_EQ(got, 0);
        while (!pa_list_empty(&list)) {
            struct pa_page *p = pa_list_first(&list);
            pa_list_del(p);
            claim(c, p, 0, gfp, PA_NUMA_NO_NODE, NULL);
        }
        return;
    }
    if (kind == 0) {
        struct pa_list_head list;
        pa_list_init(&list);
        unsigned long got = pa_alloc_pages_bulk(a, gfp, nid, use_mask ? &m : NULL, want, &list, NULL);
        CHECK(got <= want);
        CHECK_EQ(pa_list_count(&list), got);
        if (!gfp_valid(a, gfp) || !nid_ok(nid))
            CHECK_EQ(got, 0);
        while (!pa_list_empty(&list)) {
            struct pa_page *p = pa_list_first(&list);
            pa_list_del(p);
            claim(c, p, 0, gfp, nid, use_mask ? &m : NULL);
        }
        return;
    }
    /* Array forms, some slots pre-populated with pages we hold. */
    struct pa_page *arr[40] = { 0 }, *pre[40] = { 0 };
    int npre = 0;
    for (unsigned long i = 0; i < want; i++) {
        if (below(c, 4) == 0) {
            int h = pick_order0(c);
            bool dup = false;
            for (unsigned long j = 0; h >= 0 && j < i; j++)
                dup |= arr[j] == c->held[h].page;
            if (h >= 0 && !dup) {
                arr[i] = pre[i] = c->held[h].page;
                npre++;
            }
        }
    }
    if (kind == 4) {                 /* array form on this thread's node */
        nid = PA_NUMA_NO_NODE;
        use_mask = false;
    }
    unsigned long got = kind == 1
        ? pa_alloc_pages_bulk(a, gfp, nid, use_mask ? &m : NULL, want, NULL, arr)
        : kind == 2 ? pa_alloc_pages_bulk_fill(a, gfp, nid, use_mask ? &m : NULL, want, arr)
                    : pa_alloc_pages_bulk_array(a, gfp, want, arr);
    CHECK(got <= want);
    /* docs/BULK_RULES.md B4, B19: the number of populated slots, pre-populated ones
     * too, on every path: rejected arguments (a bad gfp or node) included. */
    unsigned long populated = 0;
    for (unsigned long i = 0; i < want; i++)
        populated += arr[i] != NULL;
    CHECK_EQ(got, populated);
    for (unsigned long i = 0; i < want; i++) {
        if (pre[i]) {
            CHECK(arr[i] == pre[i]);                 /* populated slots are kept */
            continue;
        }
        if (arr[i])
            claim(c, arr[i], 0, gfp, nid, use_mask ? &m : NULL);
    }
    CHECK(populated >= (unsigned long)npre);
}

static void op_free(struct ctx *c)
{
    if (!c->n)
        return;
    struct block h = unclaim(c, (int)below(c, (unsigned)c->n));
    pa_free_pages(c->a, h.page, h.order);
}

static void op_free_many(struct ctx *c, bool as_list)
{
    struct pa_list_head list;
    struct pa_page *arr[32] = { 0 };
    pa_list_init(&list);
    int k = 1 + (int)below(c, 32);
    for (int j = 0; j < k; j++) {
        int i = pick_order0(c);
        if (i < 0)
            break;
        struct block h = unclaim(c, i);
        if (as_list)
            pa_list_move_tail(h.page, &list);
        else {
            int slot = (int)below(c, 32);            /* scattered, NULLs between */
            while (arr[slot])
                slot = (slot + 1) % 32;
            arr[slot] = h.page;
        }
    }
    if (as_list) {
        pa_free_pages_bulk(c->a, &list);
        CHECK(pa_list_empty(&list));
    } else {
        pa_release_pages(c->a, arr, 32);
        for (int j = 0; j < 32; j++)
            CHECK(arr[j] == NULL);
    }
}

static void op_bad_free(struct ctx *c)
{
    pa_allocator *a = c->a;
    int before = test_log.count;
    switch (below(c, 6)) {
    case 0:
        pa_free_pages(a, NULL, 0);
        break;
    case 1: {                                        /* double free */
        if (!c->n)
            return;
        struct block h = unclaim(c, (int)below(c, (unsigned)c->n));
        pa_free_pages(a, h.page, h.order);
        before = test_log.count;
        pa_free_pages(a, h.page, h.order);
        break;
    }
    case 2: {                                        /* wrong order */
        if (!c->n)
            return;
        struct block *h = &c->held[below(c, (unsigned)c->n)];
        pa_free_pages(a, h->page, h->order ? h->order - 1 : h->order + 1 + below(c, 12));
        break;
    }
    case 3:
        pa_free_pages(a, c->foreign, 0);
        break;
    case 4: {                                        /* a tail page */
        int i = -1;
        for (int t = 0; t < 8 && c->n; t++) {
            int j = (int)below(c, (unsigned)c->n);
            if (c->held[j].order)
                i = j;
        }
        if (i < 0)
            return;
        pa_free_pages(a, pa_pfn_to_page(a, pa_page_to_pfn(a, c->held[i].page) + 1), 0);
        break;
    }
    default: {                                       /* still referenced */
        if (!c->n)
            return;
        struct block *h = &c->held[below(c, (unsigned)c->n)];
        CHECK_EQ(pa_get_page(a, h->page), 2);
        pa_free_pages(a, h->page, h->order);
        CHECK(strstr(test_log.last, "still referenced") != NULL);
        CHECK_EQ(pa_put_page(a, h->page, h->order), 1);
        break;
    }
    }
    CHECK(test_log.count > before);
    c->bad_frees++;
}

/* ---- Page pools ------------------------------------------------------------ */

static uint64_t pgalloc_events(pa_allocator *a)
{
    uint64_t n = 0;
    for (int it = PA_PGALLOC_DMA; it <= PA_PGALLOC_MOVABLE; it++)
        n += pa_vm_event(a, (enum pa_vm_event_item)it);
    return n;
}

/* Checks a page a pool handed out and claims it (whole, or one fragment). */
static void pp_claim(struct ctx *c, int pool, struct pa_page *p, bool frag)
{
    pa_allocator *a = c->a;
    unsigned order = c->pools[pool].order;
    uint64_t pfn = pa_page_to_pfn(a, p);
    CHECK(pfn < a->nr_pfns);
    CHECK_EQ(pfn & ((1ull << order) - 1), 0);
    CHECK_EQ(page_state(p), PG_ALLOC);
    CHECK(p->flags & PG_PP);
    CHECK_EQ(p->order, order);
    for (uint64_t i = 0; i < (1ull << order); i++)
        CHECK_EQ(c->owned[pfn + i], 0);
    if (frag) {
        c->frags[pfn]++;
    } else {
        CHECK_EQ(c->frags[pfn], 0);
        for (uint64_t i = 0; i < (1ull << order); i++)
            c->owned[pfn + i] = 2;
        if (!c->metadata)
            memset(pa_page_address(a, p), 0x5a, 64);
    }
    CHECK(c->pp_n < MAX_PP_HELD);
    c->pp_held[c->pp_n++] = (struct pp_block){ p, pool, frag };
}

static struct pp_block pp_unclaim(struct ctx *c, int i)
{
    struct pp_block b = c->pp_held[i];
    c->pp_held[i] = c->pp_held[--c->pp_n];
    uint64_t pfn = pa_page_to_pfn(c->a, b.page);
    if (b.frag) {
        CHECK(c->frags[pfn] > 0);
        c->frags[pfn]--;
    } else {
        for (uint64_t k = 0; k < (1ull << c->pools[b.pool].order); k++) {
            CHECK_EQ(c->owned[pfn + k], 2);
            c->owned[pfn + k] = 0;
        }
    }
    return b;
}

/* A destroyed pool is freed by its last page's return: forget it then. */
static void pp_forget_if_done(struct ctx *c, int pool)
{
    if (!c->pools[pool].destroyed)
        return;
    for (int i = 0; i < c->pp_n; i++)
        if (c->pp_held[i].pool == pool)
            return;
    c->pools[pool] = (struct pp_slot){ 0 };
}

static void pp_create(struct ctx *c, int slot)
{
    struct pa_page_pool_params p = {
        .order = below(c, 3) ? 0 : below(c, 4),
        .pool_size = below(c, 4) ? 8 + below(c, 120) : 0,
        .nid = (int)below(c, NR_NODES + 1) - 1,
        .flags = below(c, 4) ? 0 : PA_PP_FLAG_DMA_MAP,
    };
    bool bad = below(c, 8) == 0;
    if (bad) {
        switch (below(c, 4)) {
        case 0: p.order = PA_MAX_ORDER + 1 + below(c, 4); break;
        case 1: p.flags |= 4u << below(c, 8); break;
        case 2: p.flags = PA_PP_FLAG_DMA_SYNC_DEV | (below(c, 2) ? PA_PP_FLAG_DMA_MAP : 0); break;
        default: p.nid = NR_NODES + (int)below(c, 3); break;
        }
    }
    pa_page_pool *pool = NULL;
    int before = test_log.count;
    int err = pa_page_pool_create(c->a, &p, &pool);
    if (bad) {
        CHECK_EQ(err, -EINVAL);
        CHECK(pool == NULL);
        CHECK(test_log.count > before);
        c->bad_inputs++;
        return;
    }
    CHECK_EQ(err, 0);
    c->pools[slot] = (struct pp_slot){ pool, p.order, false };
    CHECK_EQ(pa_page_pool_inflight(pool), 0);
}

static void pp_alloc(struct ctx *c, int slot)
{
    pa_page_pool *pool = c->pools[slot].pool;
    pa_gfp_t gfp = below(c, 2) ? PA_GFP_KERNEL : PA_GFP_ATOMIC;
    switch (below(c, 4)) {
    case 0: {
        struct pa_page *p = pa_page_pool_alloc_pages(pool, gfp);
        if (p)
            pp_claim(c, slot, p, false);
        else
            c->failures++;
        break;
    }
    case 1: {
        struct pa_page *v[24] = { 0 };
        unsigned long nr = below(c, 25), pre = 0;
        if (c->pp_n + (int)nr > MAX_PP_HELD)
            return;
        for (unsigned long i = 0; i < nr; i++)
            if (below(c, 6) == 0) {
                v[i] = c->foreign;   /* a populated slot: skipped, never touched */
                pre++;
            }
        unsigned long got = pa_page_pool_alloc_bulk(pool, gfp, nr, v);
        unsigned long populated = 0;
        for (unsigned long i = 0; i < nr; i++)
            populated += v[i] != NULL;
        CHECK_EQ(got, populated);
        for (unsigned long i = 0; i < nr; i++)
            if (v[i] && v[i] != c->foreign)
                pp_claim(c, slot, v[i], false);
        CHECK(got >= pre);
        break;
    }
    case 2: {                                        /* addresses in bulk */
        void *v[24];
        unsigned long nr = below(c, 25);
        if (c->pp_n + (int)nr > MAX_PP_HELD)
            return;
        int before = test_log.count;
        unsigned long got = pa_page_pool_alloc_va_bulk(pool, gfp, nr, v);
        if (!c->va_ok) {                             /* no one map: 0, logged */
            CHECK_EQ(got, 0);
            CHECK(test_log.count > before);
            c->bad_inputs++;
            return;
        }
        CHECK(got <= nr);
        c->failures += got < nr;
        for (unsigned long i = 0; i < got; i++) {
            struct pa_page *p = pa_virt_to_page(c->a, v[i]);
            CHECK(p != NULL);
            CHECK(pa_page_address(c->a, p) == v[i]);
            pp_claim(c, slot, p, false);
        }
        break;
    }
    default: {
        unsigned size = 1 + below(c, (unsigned)(pa_page_size(c->a) << c->pools[slot].order));
        struct pa_page *p = NULL;
        unsigned off = 0;
        void *addr = pa_page_pool_alloc_frag(pool, &p, &off, size, gfp);
        if (!p) {
            CHECK(addr == NULL);
            c->failures++;
            return;
        }
        CHECK(off + size <= pa_page_size(c->a) << c->pools[slot].order);
        CHECK_EQ(off % 64, 0);
        if (!c->metadata) {
            CHECK(addr == (char *)pa_page_address(c->a, p) + off);
            memset(addr, 0x6b, size);
        }
        pp_claim(c, slot, p, true);
        break;
    }
    }
}

static void pp_put(struct ctx *c)
{
    if (!c->pp_n)
        return;
    switch (below(c, 6)) {
    case 0: {                                        /* a bulk put, pools mixed */
        struct pa_page *v[16] = { 0 };
        int k = 1 + (int)below(c, 16), pools[NR_POOLS] = { 0 };
        for (int j = 0; j < k && c->pp_n; j++) {
            struct pp_block b = pp_unclaim(c, (int)below(c, (unsigned)c->pp_n));
            int slot = (int)below(c, 16);            /* scattered, NULLs between */
            while (v[slot])
                slot = (slot + 1) % 16;
            v[slot] = b.page;
            pools[b.pool]++;
        }
        pa_page_pool_put_page_bulk(v, 16);
        for (int j = 0; j < 16; j++)
            CHECK(v[j] == NULL);
        for (int p = 0; p < NR_POOLS; p++)
            if (pools[p])
                pp_forget_if_done(c, p);
        return;
    }
    case 1: {                                        /* shared: leaves with put_page */
        struct pp_block b = pp_unclaim(c, (int)below(c, (unsigned)c->pp_n));
        unsigned order = c->pools[b.pool].order;
        CHECK(pa_get_page(c->a, b.page) >= 2);
        pa_page_pool_put_page(c->pools[b.pool].pool, b.page, -1, below(c, 2));
        pa_put_page(c->a, b.page, order);
        pp_forget_if_done(c, b.pool);
        return;
    }
    case 2: {                                        /* addresses in bulk, one pool's */
        if (!c->va_ok)
            return;
        void *v[17];
        struct pp_block b = pp_unclaim(c, (int)below(c, (unsigned)c->pp_n));
        int k = 1 + (int)below(c, 16), m = 0;
        v[m++] = pa_page_address(c->a, b.page);
        for (int t = 0; t < 2 * k && m < k && c->pp_n; t++) {
            int i = (int)below(c, (unsigned)c->pp_n);
            if (c->pp_held[i].pool == b.pool)
                v[m++] = pa_page_address(c->a, pp_unclaim(c, i).page);
        }
        /* Now and then an address that is not a block: logged, skipped
         * (not for a lingering pool, which the last return frees). */
        bool bad = !c->pools[b.pool].destroyed && below(c, 4) == 0;
        if (bad) {
            int at = (int)below(c, (unsigned)m + 1);
            memmove(v + at + 1, v + at, (size_t)(m - at) * sizeof(v[0]));
            v[at] = below(c, 2) ? NULL : (char *)v[at ? at - 1 : 1] + 1 + below(c, 63);
            m++;
        }
        int before = test_log.count;
        pa_page_pool_free_va_bulk(c->pools[b.pool].pool, v, (unsigned long)m, below(c, 2));
        if (bad) {
            CHECK(test_log.count > before);
            c->pp_bad_puts++;
        }
        pp_forget_if_done(c, b.pool);
        return;
    }
    default: {
        struct pp_block b = pp_unclaim(c, (int)below(c, (unsigned)c->pp_n));
        pa_page_pool *pool = c->pools[b.pool].pool;
        unsigned how = below(c, 3);
        if (how == 0)
            pa_page_pool_recycle_direct(pool, b.page);
        else if (how == 1)
            pa_page_pool_put_page(pool, b.page, (int)below(c, 5000) - 1, below(c, 2));
        else
            pa_page_pool_put_full_page(pool, b.page, below(c, 2));
        pp_forget_if_done(c, b.pool);
        return;
    }
    }
}

/* Puts the pool must refuse: logged, nothing changes. */
static void pp_bad_put(struct ctx *c, int slot)
{
    pa_page_pool *pool = c->pools[slot].pool;
    long inflight = pa_page_pool_inflight(pool);
    int before = test_log.count;
    switch (below(c, 5)) {
    case 0:
        pa_page_pool_recycle_direct(pool, NULL);
        break;
    case 1:
        pa_page_pool_put_full_page(pool, c->foreign, below(c, 2));
        break;
    case 2: {                                        /* a page from outside any pool */
        if (!c->n)
            return;
        pa_page_pool_put_page(pool, c->held[below(c, (unsigned)c->n)].page, -1, below(c, 2));
        break;
    }
    case 3: {                                        /* another pool's page */
        int i = -1;
        for (int t = 0; t < 8 && c->pp_n && i < 0; t++) {
            int j = (int)below(c, (unsigned)c->pp_n);
            if (c->pp_held[j].pool != slot)
                i = j;
        }
        if (i < 0)
            return;
        pa_page_pool_recycle_direct(pool, c->pp_held[i].page);
        break;
    }
    default: {                                       /* debug: a double put */
        if (!(c->a->cfg.flags & PA_CFG_DEBUG_CHECKS) || !c->pp_n)
            return;
        int i = (int)below(c, (unsigned)c->pp_n);
        if (c->pp_held[i].frag || c->pools[c->pp_held[i].pool].destroyed)
            return;
        struct pp_block b = pp_unclaim(c, i);
        pa_page_pool *own = c->pools[b.pool].pool;
        pa_page_pool_recycle_direct(own, b.page);
        inflight = pa_page_pool_inflight(pool);
        before = test_log.count;
        long own_inflight = pa_page_pool_inflight(own);
        pa_page_pool_put_full_page(own, b.page, below(c, 2));
        CHECK_EQ(pa_page_pool_inflight(own), own_inflight);
        break;
    }
    }
    CHECK(test_log.count > before);
    CHECK_EQ(pa_page_pool_inflight(pool), inflight);
    c->pp_bad_puts++;
}

static void pp_destroy(struct ctx *c, int slot)
{
    c->pools[slot].destroyed = true;
    pa_page_pool_destroy(c->pools[slot].pool);
    pp_forget_if_done(c, slot);
}

static void op_page_pool(struct ctx *c)
{
    uint64_t allocs = pgalloc_events(c->a), frees = pa_vm_event(c->a, PA_PGFREE);
    int slot = (int)below(c, NR_POOLS);
    struct pp_slot *s = &c->pools[slot];
    unsigned op = below(c, 20);
    c->pp_ops++;
    if (!s->pool)
        pp_create(c, slot);
    else if (op < 8 && !s->destroyed)
        pp_alloc(c, slot);
    else if (op < 15)
        pp_put(c);
    else if (op < 18 && !s->destroyed)
        pp_bad_put(c, slot);
    else if (op == 18 && !s->destroyed)
        pp_destroy(c, slot);
    else if (!s->destroyed) {
        struct pa_page_pool_stats st;
        CHECK_EQ(pa_page_pool_get_stats(s->pool, &st), 0);
        CHECK(pa_format_page_pool_stats(s->pool, NULL, 0) > 0);
        CHECK(pa_page_pool_inflight(s->pool) >= 0);
    }
    c->pp_alloc += pgalloc_events(c->a) - allocs;
    c->pp_free += pa_vm_event(c->a, PA_PGFREE) - frees;
}

/* Every pool page back, every pool destroyed. */
static void pp_finish(struct ctx *c)
{
    uint64_t allocs = pgalloc_events(c->a), frees = pa_vm_event(c->a, PA_PGFREE);
    while (c->pp_n) {
        struct pp_block b = pp_unclaim(c, c->pp_n - 1);
        pa_page_pool_put_full_page(c->pools[b.pool].pool, b.page, false);
        pp_forget_if_done(c, b.pool);
    }
    for (int slot = 0; slot < NR_POOLS; slot++) {
        if (c->pools[slot].pool) {
            CHECK(!c->pools[slot].destroyed);
            pa_page_pool_destroy(c->pools[slot].pool);
            c->pools[slot] = (struct pp_slot){ 0 };
        }
    }
    c->pp_alloc += pgalloc_events(c->a) - allocs;
    c->pp_free += pa_vm_event(c->a, PA_PGFREE) - frees;
}

/* The report function of metadata-only runs and of most fuzz inputs: no
 * block handed over may be one the driver holds, and its address is the
 * page's (none without memory); one call in four fails (the blocks stay
 * unreported). The other runs keep the library's own discard. */
static int driver_report(void *ctx, const struct pa_page_report_block *b, unsigned nr)
{
    struct ctx *c = ctx;
    for (unsigned i = 0; i < nr; i++) {
        CHECK(b[i].order >= c->a->page_reporting_order);
        CHECK(b[i].addr == (c->metadata ? NULL : pa_page_address(c->a, b[i].page)));
        for (uint64_t p = b[i].pfn; p < b[i].pfn + (1ull << b[i].order); p++)
            CHECK(c->owned[p] == 0 && c->frags[p] == 0);
    }
    c->reported_blocks += nr;
    return below(c, 4) ? 0 : -EIO;
}

static void op_report(struct ctx *c)
{
    int64_t r = pa_page_reporting_run(c->a);
    if (c->a->cfg.flags & PA_CFG_PAGE_REPORTING) {
        CHECK(r >= 0 || (r == -EIO && c->own_report));
    } else {
        CHECK_EQ(r, -EINVAL);
        c->bad_inputs++;
    }
}

/* Tracepoints: every event is one the mask enabled, of a frame of the
 * allocator (or a failed allocation), with sane fields, and formats. */
static void trace_check(void *ctx, const struct pa_trace_event *ev)
{
    struct ctx *c = ctx;
    CHECK(ev->type < PA_TRACE_NR_EVENTS);
    CHECK(c->trace_mask & PA_TRACE_MASK(ev->type));
    if (ev->pfn == PA_TRACE_NO_PFN) {
        CHECK_EQ(ev->type, PA_TRACE_MM_PAGE_ALLOC);
        CHECK(ev->page == NULL);
    } else {
        CHECK(ev->pfn < c->a->nr_pfns);
        CHECK(ev->page == pfn_to_page(c->a, ev->pfn));
    }
    CHECK(ev->order <= PA_MAX_ORDER);
    CHECK(ev->cpu >= 0 && ev->cpu < NR_CPUS);
    char line[256];
    CHECK(pa_format_trace_event(ev, line, sizeof(line)) > 0);
    CHECK(pa_trace_event_name(ev->type) != NULL);
    c->trace_events++;
}

static void op_trace(struct ctx *c)
{
    uint32_t mask = below(c, 4) == 0 ? 0 : (uint32_t)rnd(c) & (PA_TRACE_ALL | (below(c, 8) == 0 ? 0x100u : 0));
    int err = pa_set_trace(c->a, mask ? trace_check : NULL, c, mask);
    if (mask & ~PA_TRACE_ALL) {
        CHECK_EQ(err, -EINVAL);
        c->bad_inputs++;
        return;
    }
    CHECK_EQ(err, 0);
    c->trace_mask = mask;
}

static void op_config(struct ctx *c)
{
    pa_allocator *a = c->a;
    switch (below(c, 7)) {
    case 0: {
        int cpu = (int)below(c, NR_CPUS + 3) - 2;    /* -2 .. NR_CPUS */
        int err = pa_bind_cpu(a, cpu);
        CHECK_EQ(err, cpu >= -1 && cpu < NR_CPUS ? 0 : -EINVAL);
        c->bad_inputs += err != 0;
        if (!err)
            c->bound = cpu;
        break;
    }
    case 1: {
        if (below(c, 3) == 0) {
            CHECK_EQ(pa_set_fail_page_alloc(a, NULL), 0);
        } else {
            struct pa_fault_attr fa = { below(c, 101), below(c, 4), (int64_t)below(c, 20) - 1,
                                        (int64_t)below(c, 3) * 4096 * 8, below(c, 4), (int)below(c, 2) };
            CHECK_EQ(pa_set_fail_page_alloc(a, &fa), 0);
        }
        break;
    }
    case 2: {
        if (below(c, 3) == 0) {
            CHECK_EQ(pa_set_mems_allowed(a, NULL), 0);
            c->has_mems = false;
        } else {
            pa_nodemask_t m = { { rnd(c) & 0x7 } };
            int err = pa_set_mems_allowed(a, &m);
            if (m.bits[0] & 3) {
                CHECK_EQ(err, 0);
                c->has_mems = true;
                c->mems = m;
            } else {
                CHECK_EQ(err, -EINVAL);
                c->bad_inputs++;
            }
        }
        break;
    }
    case 3:
        op_mempolicy(c);
        break;
    case 4:
        op_report(c);
        break;
    case 5:
        op_trace(c);
        break;
    default:
        if (below(c, 2))
            pa_drain_local_pages(a);
        else
            pa_drain_all_pages(a);
        break;
    }
}

/* Every frame back in the allocator's hands: the ownership maps are clear. */
static void check_maps_clear(const struct ctx *c)
{
    for (uint64_t pfn = 0; pfn < c->a->nr_pfns; pfn++)
        CHECK(c->owned[pfn] == 0 && c->frags[pfn] == 0);
}

/* One run: `variant` picks the configuration, `ops` bounds the operations
 * (the byte source may end them sooner). */
static void run(struct ctx *c, unsigned variant, long ops, struct driver_stats *st)
{
    struct pa_config cfg;
    pa_config_init(&cfg);
    cfg.nr_nodes = NR_NODES;
    cfg.nr_cpus = NR_CPUS;
    /* Bit 7 of the variant: zones a quarter the size (partial pageblocks,
     * exhaustion sooner, and four times the fuzzer's pace). */
    unsigned shift = variant & 0x80 ? 2 : 0;
    cfg.node_zone_pages[0][PA_ZONE_DMA] = 1024 >> shift;
    cfg.node_zone_pages[0][PA_ZONE_DMA32] = 2048 >> shift;
    cfg.node_zone_pages[0][PA_ZONE_NORMAL] = (4096 >> shift) + (variant % 3) * 300;
    cfg.node_zone_pages[1][PA_ZONE_NORMAL] = 4096 >> shift;
    cfg.node_zone_pages[1][PA_ZONE_MOVABLE] = (2048 >> shift) + (variant % 2) * 100;
    static const uint32_t flag_sets[] = { 0, PA_CFG_POISON | PA_CFG_DEBUG_CHECKS, PA_CFG_DEBUG_CHECKS,
                                          PA_CFG_METADATA_ONLY };
    cfg.flags = flag_sets[variant % 4];
    if (variant % 5 == 4) {
        cfg.pcp_batch = 3;
        cfg.pcp_high = 12;
    }
    /* Reporting wherever it is allowed (not with poison), at orders small
     * enough for these zones' watermarks. */
    if (!(cfg.flags & PA_CFG_POISON)) {
        cfg.flags |= PA_CFG_PAGE_REPORTING;
        cfg.page_reporting_order = 2 + variant % 3;
    }
    c->metadata = cfg.flags & PA_CFG_METADATA_ONLY;
    /* Bit 2 of the variant: all nodes in one caller-supplied map, so the
     * page pools' address form (one bias for every node) works. */
    struct reused *slot = reuse_on ? &reuse_slots[variant % REUSE_CONFIGS] : NULL;
    c->memory = slot ? slot->memory : NULL;
    if ((variant & 4) && !c->metadata && !c->memory) {
        uint64_t size = pa_config_memory_size(&cfg);
        CHECK(size > 0);
        c->memory = aligned_alloc(4096, (size_t)((size + 4095) & ~(uint64_t)4095));
        CHECK(c->memory != NULL);
        cfg.memory = c->memory;
        cfg.memory_size = size;
    }
    c->total_pages = 0;
    for (int n = 0; n < NR_NODES; n++)
        for (int z = 0; z < PA_NR_ZONES; z++)
            c->total_pages += cfg.node_zone_pages[n][z];
    /* Unbound, a thread uses the slot of the CPU it runs on: pin the thread
     * to one CPU so a seed (or fuzz input) replays exactly. */
    /* In reuse mode the process stays pinned (a fuzzer runs nothing else). */
    static bool pinned;
    cpu_set_t saved, one;
    if (!pinned) {
        CHECK_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
        CPU_ZERO(&one);
        for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
            if (CPU_ISSET(cpu, &saved)) {
                CPU_SET(cpu, &one);
                break;
            }
        }
        CHECK_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
    }
    pinned = reuse_on;
    if (slot && slot->a) {
        CHECK_EQ(allocator_reset(slot->a), 0);
        c->a = slot->a;
    } else {
        c->a = test_create(&cfg);
    }
    c->va_ok = test_one_address_map(c->a);   /* caller memory, or mappings end to end */
    /* madvise and the refault of the next touch were a fifth of the
     * fuzzer's time: one byte configuration (caller memory, debug checks)
     * and the seeded runs discard for real, the rest check what they are
     * handed. */
    c->own_report = (cfg.flags & PA_CFG_PAGE_REPORTING) &&
                    (c->metadata || (reuse_on && (variant & 0x7f) != 6));
    if (c->own_report)
        CHECK_EQ(pa_set_page_reporting_callback(c->a, driver_report, c), 0);
    c->bound = -1;
    if (reuse_on && reuse_other) {
        CHECK_EQ(allocator_reset(reuse_other), 0);
        CHECK_EQ(pa_bind_cpu(reuse_other, 0), 0);
        c->other = reuse_other;
    } else {
        c->other = test_simple(1024, 1);
    }
    c->foreign = pa_alloc_pages(c->other, PA_GFP_KERNEL, 0);
    CHECK(c->foreign != NULL);
    if (slot && slot->owned) {   /* left all zero by the last run's final checks */
        c->owned = slot->owned;
        c->frags = slot->frags;
    } else {
        c->owned = calloc(c->a->nr_pfns, 1);
        c->frags = calloc(c->a->nr_pfns, sizeof(*c->frags));
    }
    CHECK(c->owned != NULL && c->frags != NULL);
    test_log_reset();

    long i;
    uint64_t checks = 0;
    for (i = 0; i < ops && !c->exhausted; i++) {
        unsigned op = below(c, 116);
        /* Hold at most about 70% of memory: free when above it. */
        if (c->held_pages * 10 > c->total_pages * 7 && op < 45)
            op = 45 + below(c, 20);
        if (op >= 100) {
            op_page_pool(c);
            continue;
        }
        if (op < 18)
            op_alloc(c, (int)(op % 3));
        else if (op < 30)
            op_bulk(c, (int)(op % 5));
        else if (op < 33)
            op_bulk_mempolicy(c);
        else if (op < 45)
            op_alloc(c, 0);
        else if (op < 60)
            op_free(c);
        else if (op < 66)
            op_free_many(c, op & 1);
        else if (op < 76)
            op_bad_free(c);
        else if (op < 90)
            op_config(c);
        else if (op < 99)
            op_alloc(c, 1);
        else {
            CHECK_OK(c->a);
            checks++;
        }
        if (i % 250 == 249) {   /* not at 0: a fresh (or just reset) allocator */
            CHECK_OK(c->a);
            checks++;
        }
    }
    CHECK_OK(c->a);
    /* Everything back: exact page count and counters. */
    CHECK_EQ(pa_set_fail_page_alloc(c->a, NULL), 0);
    CHECK_EQ(pa_set_mems_allowed(c->a, NULL), 0);
    CHECK_EQ(pa_set_mempolicy(c->a, PA_MPOL_DEFAULT, NULL), 0);
    CHECK_EQ(pa_set_trace(c->a, NULL, NULL, 0), 0);
    c->trace_mask = 0;
    pp_finish(c);
    while (c->n) {
        struct block h = unclaim(c, c->n - 1);
        pa_free_pages(c->a, h.page, h.order);
    }
    pa_drain_all_pages(c->a);
    CHECK_OK(c->a);
    checks += 2;
    CHECK_EQ(test_total_free(c->a), c->total_pages);
    CHECK_EQ(c->allocated_pages, c->freed_pages);
    CHECK_EQ(c->pp_alloc, c->pp_free);
    CHECK_EQ(pgalloc_events(c->a), c->allocated_pages + c->pp_alloc);
    CHECK_EQ(pa_vm_event(c->a, PA_PGFREE), c->freed_pages + c->pp_free);
    CHECK_EQ(pa_vm_event(c->a, PA_NUMA_HIT) + pa_vm_event(c->a, PA_NUMA_MISS),
             pa_vm_event(c->a, PA_NUMA_LOCAL) + pa_vm_event(c->a, PA_NUMA_OTHER));
    CHECK(pa_vm_event(c->a, PA_NUMA_INTERLEAVE_HIT) <= pa_vm_event(c->a, PA_NUMA_HIT));
    check_maps_clear(c);
    struct pa_page_reporting_stats rs = { 0 };
    if (c->a->reporting)
        CHECK_EQ(pa_page_reporting_get_stats(c->a, &rs), 0);
    pa_free_pages(c->other, c->foreign, 0);
    CHECK_OK(c->other);
    CHECK_EQ(test_total_free(c->other), 1024);
    if (slot) {
        *slot = (struct reused){ c->a, c->memory, c->owned, c->frags };
        reuse_other = c->other;
    } else {
        pa_destroy(c->other);
        pa_destroy(c->a);
        free(c->memory);
        free(c->owned);
        free(c->frags);
    }
    c->memory = NULL;
    c->owned = NULL;
    c->frags = NULL;
    if (!reuse_on)
        CHECK_EQ(sched_setaffinity(0, sizeof(saved), &saved), 0);
    if (st) {
        st->runs++;
        st->ops += (uint64_t)i;
        st->bad_inputs += c->bad_inputs;
        st->bad_frees += c->bad_frees + c->pp_bad_puts;
        st->allocated_pages += c->allocated_pages;
        st->failed_calls += c->failures;
        st->checks += checks;
        st->pool_ops += c->pp_ops;
        st->reported_pages += rs.pages_reported;
        st->mpol_ops += c->mpol_ops;
        st->trace_events += c->trace_events;
    }
}

void driver_run_seed(uint64_t seed, long ops, struct driver_stats *st)
{
    struct ctx *c = calloc(1, sizeof(*c));
    CHECK(c != NULL);
    c->rng = seed;
    run(c, (unsigned)seed, ops, st);
    /* A seeded run of thousands of operations must have exercised both sides. */
    CHECK(c->allocated_pages > (uint64_t)ops);
    CHECK(c->bad_frees > 0);
    CHECK(c->bad_inputs > 0);
    free(c);
}

/* Bounds one fuzz input's work so the fuzzer keeps its pace. */
#define DRIVER_MAX_BYTE_OPS 20000

/* Byte inputs run in one of REUSE_CONFIGS configurations, all with the
 * quarter-size zones (bit 7): those cover the four flag sets, both address
 * maps, the three zone-size tweaks and the small pcp lists, and each keeps
 * one allocator alive in reuse mode. The seeded runs keep the full range. */
static unsigned byte_variant(uint8_t b)
{
    return 0x80u | (b % REUSE_CONFIGS);
}

void driver_run_bytes(const uint8_t *data, size_t len, struct driver_stats *st)
{
    if (len == 0)
        return;
    /* One context for the process in reuse mode: a fresh calloc of it
     * faulted its pages in anew for every input. */
    static struct ctx *kept;
    struct ctx *c = reuse_on && kept ? memset(kept, 0, sizeof(*kept)) : calloc(1, sizeof(*c));
    CHECK(c != NULL);
    c->data = data + 1;
    c->len = len - 1;
    run(c, byte_variant(data[0]), DRIVER_MAX_BYTE_OPS, st);
    if (reuse_on)
        kept = c;
    else
        free(c);
}

void driver_reuse_allocators(void)
{
    reuse_on = true;
}
