/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * internal.h - the allocator's data structures and the functions the
 * source files share. Vocabulary follows the kernel (include/linux/mmzone.h,
 * mm/internal.h): node (pglist_data), zone, free_area, per_cpu_pages,
 * pageblock, migratetype, watermark, zonelist.
 *
 * Locking, as in the kernel: a pcp's lock (taken with a trylock on the
 * allocation and free paths) may be held while taking its zone's lock,
 * never the reverse. Page descriptors change state only under the lock of
 * the list they are on.
 */
#ifndef PAGEALLOC_INTERNAL_H
#define PAGEALLOC_INTERNAL_H

#include <pagealloc/pagealloc.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "os.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define MIGRATE_PCPTYPES 3  /* unmovable, movable, reclaimable have pcp lists */
#define NR_LOWORDER_PCP_LISTS (MIGRATE_PCPTYPES * (PA_COSTLY_ORDER + 1))
#define NR_PCP_LISTS (NR_LOWORDER_PCP_LISTS + 2) /* + pageblock order, (un)movable */
#define PAGEBLOCK_NR_PAGES (1ul << PA_PAGEBLOCK_ORDER)
#define MAX_ORDER_NR_PAGES (1ul << PA_MAX_ORDER)
#define SWAP_CLUSTER_MAX 32ul
#define MAX_RECLAIM_RETRIES 16
#define PA_MAX_RECLAIMERS 16
#define PA_POISON_BYTE 0xaa

/* ---- Page descriptor ------------------------------------------------------ */

/* Page state bits; exactly one of BUDDY/PCP/ALLOC marks the head of a block,
 * its other pages carry TAIL. RESERVED marks frames outside every zone. */
#define PG_BUDDY    0x01u   /* head of a free block on a buddy list (Kernel: PageBuddy) */
#define PG_PCP      0x02u   /* head of a block on a pcp list */
#define PG_ALLOC    0x04u   /* head of an allocated block */
#define PG_TAIL     0x08u   /* a non-head page of an allocated block */
#define PG_RESERVED 0x10u   /* alignment hole between zones: never allocated */
#define PG_STATE_MASK 0x1fu
/* Outside the state mask: a page_pool page, allocated and owned by a pool
 * (Kernel: PP_SIGNATURE in page->pp_magic), and, with PA_CFG_DEBUG_CHECKS,
 * such a page back in its pool's cache or ring (a put of it is a double put). */
#define PG_PP        0x20u
#define PG_PP_POOLED 0x40u
/* On the head of a free block on a buddy list: free page reporting gave its
 * memory back (Kernel: PG_reported); any path that takes the block off the
 * list clears it (page_reporting.h). */
#define PG_REPORTED  0x80u
#define PG_ZONE_SHIFT 8     /* zone type XOR PG_ZONE_BIAS, 2 bits */
/* On the head of an allocated block of more than one page (Kernel: PG_head,
 * on the head of a compound page): an order-0 free tells such a head from
 * an order-0 page by the state word alone, with no look at its order. */
#define PG_HEAD      0x400u
#define PG_NODE_SHIFT 16    /* node id, 8 bits (Kernel: page->flags node/zone fields) */
#define PG_ZONE_NODE_MASK ((3u << PG_ZONE_SHIFT) | (0xffu << PG_NODE_SHIFT))
/* The zone field holds the zone type XOR this, so that a frame of node 0's
 * normal zone at rest (no state) has an all-zero descriptor. pa_create then
 * writes only the descriptors that are not zero: in the usual one-zone,
 * one-node layout just the heads of the blocks it frees, and the rest of the
 * descriptor map stays untouched zero pages, not resident, until blocks
 * there are split (the memory of struct pages the kernel initialises lazily
 * with CONFIG_DEFERRED_STRUCT_PAGE_INIT). */
#define PG_ZONE_BIAS ((uint32_t)PA_ZONE_NORMAL)

struct pa_page {
    struct pa_list_head lru;  /* buddy, pcp or the owner's list */
    union {
        struct {
            uint32_t flags;   /* PG_* state, zone and node */
            int32_t refcount; /* allocated heads: references held (Kernel: _refcount) */
        };
        uint64_t state;       /* both, for the hot paths' one load or store */
    };
    union {
        struct {
            uint8_t order;    /* order of the block this page heads */
            uint8_t pcp_mt;   /* Kernel: pcppage_migratetype; 0 on a page_pool page */
            uint16_t reserved;     /* PG_PP pages: the pool's id (Kernel: page->pp) */
            uint32_t private_data; /* PG_PP pages: fragment count (Kernel: pp_ref_count);
                                      otherwise free for tests and owners */
        };
        uint64_t pp_word;     /* all four, for page_pool's one-load check */
    };
};
_Static_assert(sizeof(struct pa_page) == (size_t)1 << PA_LAYOUT_DESC_SHIFT,
               "the descriptor's size is the layout version's: callers shift by the constant");
_Static_assert(offsetof(struct pa_page, lru) == 0,
               "the list link opens the descriptor, as the layout version says: pa_layout_list_next");

/* Relaxed atomics: find_buddy() reads a neighbour's state under the zone
 * lock while its owner (pcp lock or none) may be changing it between
 * states other than BUDDY; plain accesses would be a data race. */
static inline unsigned page_state(const struct pa_page *p)
{
    return __atomic_load_n(&p->flags, __ATOMIC_RELAXED) & PG_STATE_MASK;
}
static inline bool page_head(const struct pa_page *p)
{
    return __atomic_load_n(&p->flags, __ATOMIC_RELAXED) & PG_HEAD;
}
static inline void set_page_state(struct pa_page *p, unsigned s)
{
    __atomic_store_n(&p->flags, (__atomic_load_n(&p->flags, __ATOMIC_RELAXED) & ~PG_STATE_MASK) | s,
                     __ATOMIC_RELAXED);
}
/* An allocated block: head and tails marked while the lock of the list it
 * left is still held, so pa_check never sees a block in between. */
static inline void set_page_allocated(struct pa_page *page, unsigned order)
{
    set_page_state(page, order ? PG_ALLOC | PG_HEAD : PG_ALLOC);
    page->order = (uint8_t)order;
    page->refcount = 1;
    for (uint64_t i = 1; i < (1ull << order); i++)
        set_page_state(page + i, PG_TAIL);
}
/* The reverse, under the lock of the list the block joins. */
static inline void clear_page_allocated(struct pa_page *page, unsigned order)
{
    __atomic_store_n(&page->flags, page->flags & ~PG_HEAD, __ATOMIC_RELAXED);
    page->refcount = 0;
    for (uint64_t i = 1; i < (1ull << order); i++)
        set_page_state(page + i, 0);
}

/* The state word of a page with these flags and reference count. */
static inline uint64_t page_state_word(uint32_t flags, int32_t refcount)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (uint64_t)flags << 32 | (uint32_t)refcount;
#else
    return (uint64_t)flags | (uint64_t)(uint32_t)refcount << 32;
#endif
}

static inline int page_zonenum(const struct pa_page *p)
{
    return (int)(((p->flags >> PG_ZONE_SHIFT) & 3) ^ PG_ZONE_BIAS);
}
static inline int page_nid(const struct pa_page *p) { return (p->flags >> PG_NODE_SHIFT) & 0xff; }

static inline struct pa_page *lru_to_page(const struct pa_list_head *h)
{
    return (struct pa_page *)((char *)h - offsetof(struct pa_page, lru));
}

/* ---- Intrusive list (Kernel: include/linux/list.h) ------------------------- */

static inline void list_init(struct pa_list_head *h) { h->next = h->prev = h; }
static inline bool list_empty(const struct pa_list_head *h) { return h->next == h; }
static inline void list_insert(struct pa_list_head *n, struct pa_list_head *prev,
                               struct pa_list_head *next)
{
    next->prev = n;
    n->next = next;
    n->prev = prev;
    __atomic_store_n(&prev->next, n, __ATOMIC_RELAXED);   /* see list_empty_lockless */
}
static inline void list_add(struct pa_list_head *n, struct pa_list_head *h) { list_insert(n, h, h->next); }
static inline void list_add_tail(struct pa_list_head *n, struct pa_list_head *h) { list_insert(n, h->prev, h); }
static inline void list_del(struct pa_list_head *n)
{
    n->next->prev = n->prev;
    __atomic_store_n(&n->prev->next, n->next, __ATOMIC_RELAXED);
    n->next = n->prev = n;
}
/* For a reader without the list's lock (the watermark check's peek at the
 * free lists, as the kernel's free_area_empty()): an advisory answer. */
static inline bool list_empty_lockless(const struct pa_list_head *h)
{
    return __atomic_load_n(&h->next, __ATOMIC_RELAXED) == h;
}
static inline void list_splice_tail_init(struct pa_list_head *from, struct pa_list_head *to)
{
    if (list_empty(from))
        return;
    struct pa_list_head *first = from->next, *last = from->prev;
    first->prev = to->prev;
    to->prev->next = first;
    last->next = to;
    to->prev = last;
    list_init(from);
}

/* ---- Counters --------------------------------------------------------------- */

/* A counter written only under one lock and read without it: relaxed
 * atomics keep readers race-free and cost writers nothing on x86-64. */
typedef _Atomic uint64_t pa_counter;

static inline void counter_add(pa_counter *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}
static inline uint64_t counter_read(const pa_counter *c)
{
    return atomic_load_explicit((pa_counter *)c, memory_order_relaxed);
}

/* Per-zone events, kept per pcp (under its lock) and per zone (under the zone
 * lock), summed when read (Kernel: vm_event_states, per_cpu_zonestats). */
enum zone_event {
    ZEV_PGALLOC, ZEV_PGFREE, ZEV_NUMA_HIT, ZEV_NUMA_MISS, ZEV_NUMA_FOREIGN,
    ZEV_NUMA_LOCAL, ZEV_NUMA_OTHER, NR_ZONE_EVENTS
};

/* ---- Zones ---------------------------------------------------------------------- */

enum { WMARK_MIN, WMARK_LOW, WMARK_HIGH, WMARK_PROMO, NR_WMARK };

/* Kernel: struct free_area */
struct free_area {
    struct pa_list_head free_list[PA_MIGRATE_TYPES];
    uint64_t nr_free;                 /* blocks of this order, all migratetypes */
};

#define PCPF_PREV_FREE_HIGH_ORDER 0x01u /* the last free was of an order 1..3 block */
#define PCPF_FREE_HIGH_BATCH      0x02u /* the CPU's cache holds a batch: keep it on high-order frees */
#define PCP_BATCH_SCALE_MAX 5           /* Kernel: CONFIG_PCP_BATCH_SCALE_MAX */
#define MIN_PERCPU_PAGELIST_HIGH_FRACTION 8

/* Kernel: struct per_cpu_pages */
struct per_cpu_pages {
    pa_spinlock lock;
    int count;                        /* pages (base pages) on the lists */
    int high, batch;
    /* Both halved by every single-page allocation (rmqueue_pcplist). */
    union {
        int free_factor;              /* Kernel: pcp->free_factor (6.1-6.6) */
        int free_count;               /* Kernel: pcp->free_count (6.7+, PA_CFG_PCP_AUTOTUNE) */
    };
    /* PA_CFG_PCP_AUTOTUNE only (Kernel 6.7+): */
    int high_min, high_max;
    uint8_t flags;                    /* PCPF_* */
    uint8_t alloc_factor;             /* refills are batch << alloc_factor */
    pa_counter events[NR_ZONE_EVENTS];
    struct pa_list_head lists[NR_PCP_LISTS];
} __attribute__((aligned(64)));

struct pa_node;

/* Kernel: struct zone */
struct pa_zone {
    /* read-mostly */
    struct pa_allocator *alloc;
    struct pa_node *node;
    int idx;                          /* enum pa_zone_type */
    int nid;
    uint64_t allocated_word;          /* page_state_word(): an allocated page's, one reference */
    uint64_t pcp_word;                /* page_state_word(): a page's on a pcp list */
    uint64_t start_pfn, spanned, present, managed;
    uint64_t watermark[NR_WMARK];
    uint64_t lowmem_reserve[PA_NR_ZONES];
    struct per_cpu_pages *pcp;        /* nr_cpus entries */
    uint8_t *pageblock_mt;            /* migratetype per pageblock */

    /* written under lock */
    pa_mutex lock __attribute__((aligned(64)));
    _Atomic long nr_free_pages;       /* NR_FREE_PAGES: buddy pages only */
    _Atomic bool below_high;          /* Kernel: ZONE_BELOW_HIGH (PA_CFG_PCP_AUTOTUNE) */
    int pcp_disabled;                 /* pa_zone_pcp_disable() calls not yet enabled again (atomic) */
    uint64_t nr_reserved_highatomic;
    pa_counter events[NR_ZONE_EVENTS];
    pa_counter numa_foreign;          /* counted from other zones' paths */
    pa_counter numa_interleave;       /* NUMA_INTERLEAVE_HIT, atomic: policy path only */
    struct free_area free_area[PA_NR_PAGE_ORDERS];
    uint64_t nr_reported[PA_NR_PAGE_ORDERS]; /* blocks marked PG_REPORTED, per order */
};

/* The zone and node bits of every page of zone idx of node nid. */
static inline uint32_t zone_bits(int idx, int nid)
{
    return ((uint32_t)idx ^ PG_ZONE_BIAS) << PG_ZONE_SHIFT | (uint32_t)nid << PG_NODE_SHIFT;
}
/* The whole flags word of a page of zone z in state s: nothing else lives
 * in it, so the hot paths compare and store it whole (the zone keeps the
 * two they use, allocated_word and pcp_word). */
static inline uint32_t zone_page_flags(const struct pa_zone *z, unsigned s)
{
    return s | zone_bits(z->idx, z->nid);
}

static inline bool populated_zone(const struct pa_zone *z) { return z->present != 0; }
static inline uint64_t zone_end_pfn(const struct pa_zone *z) { return z->start_pfn + z->spanned; }

/* A zonelist entry (Kernel: struct zoneref) */
struct zoneref {
    struct pa_zone *zone;
    int zone_idx;
};

/* Kernel: pglist_data */
struct pa_node {
    int nid;
    uint64_t start_pfn, span;         /* pfns [start_pfn, start_pfn + span) */
    uint8_t *mem;                     /* page memory of start_pfn; NULL: metadata only */
    void *map_base;                   /* what to unmap */
    size_t map_size;
    struct pa_zone zones[PA_NR_ZONES];
    /* zones of every node by distance, highest zone first; NULL-terminated */
    struct zoneref *zonelist_fallback;
    /* this node's zones only (__GFP_THISNODE) */
    struct zoneref zonelist_nofallback[PA_NR_ZONES + 1];
};

/* ---- Fault injection (Kernel: struct fault_attr) ------------------------------ */

struct fault_state {
    bool enabled;
    struct pa_fault_attr attr;
    int64_t times_left, space_left;
    uint64_t count;
    uint64_t rng;
};

/* ---- The allocator ------------------------------------------------------------- */

struct trace_hook;

struct reclaimer {
    pa_reclaim_fn fn;
    void *ctx;
};

struct pa_allocator {
    struct pa_config cfg;             /* pointers in it cleared; see below */
    unsigned page_shift;
    size_t page_size;
    int nr_nodes, nr_cpus;
    int *cpu_to_node;
    uint8_t *node_distance;
    uint64_t min_free_kbytes;
    unsigned watermark_scale_factor;
    bool pcp_autotune;                /* PA_CFG_PCP_AUTOTUNE: the pcp lists of 6.7-6.18 */
    bool init_on_alloc, init_on_free; /* PA_CFG_INIT_ON_*, unless PA_CFG_POISON */
    bool prep_always;                 /* prep_new_page() has work whatever the gfp */
    bool numa;                        /* nr_nodes > 1 (Kernel: nr_online_nodes > 1) */

    uint64_t nr_pfns;
    struct pa_page *pages;            /* nr_pfns descriptors */
    uint64_t pages_bytes;             /* nr_pfns * sizeof(struct pa_page) */
    uintptr_t mem_bias[PA_MAX_NODES]; /* per node: address of pfn p = bias + (p << page_shift) */
    uint64_t addr_bytes;              /* pages_bytes, or 0 when no page has an address */
    unsigned addr_shift;              /* descriptor offset to page offset */
    void *pages_map_base;
    size_t pages_map_size;
    struct pa_node *nodes;            /* nr_nodes */

    uint64_t id;                      /* unique per pa_create: keys the thread cache */
    pa_thread_key tkey;               /* struct pa_thread per thread */
    bool tkey_created;
    pa_mutex threads_lock;
    struct pa_thread *threads;        /* every thread state, freed at destroy */

    pa_mutex cb_lock;                 /* log, reclaimers, fault injection */
    pa_log_fn log_fn;
    void *log_ctx;
    struct reclaimer reclaimers[PA_MAX_RECLAIMERS];
    int nr_reclaimers;
    struct fault_state fault;
    _Atomic bool fault_on;
    const struct trace_hook *trace;   /* pa_set_trace; NULL: off (trace.h) */
    struct trace_hook *trace_hooks;   /* every hook made, freed at destroy (cb_lock) */

    pa_counter allocstall, pgfail;    /* atomics: slow paths only */
    _Atomic int mpol_threads;         /* threads whose policy is not DEFAULT */
    uint8_t il_weights[PA_MAX_NODES]; /* weighted interleave; 0: never set, weight 1 */

    pa_mutex pp_lock;                 /* the page pools of this allocator */
    struct pa_page_pool *pools;
    uint8_t *memory;                  /* caller-supplied region, if any */

    /* Free page reporting (page_reporting.h): the order frees request a pass
     * at, UINT_MAX when PA_CFG_PAGE_REPORTING is off; its state. */
    unsigned page_reporting_order;
    struct page_reporting *reporting;
    struct page_reporting_request *reporting_request;   /* &reporting->req */
};

/* Per-thread state (Kernel: current->mems_allowed, the CPU it runs on). */
struct pa_thread {
    struct pa_allocator *alloc;
    struct pa_thread *next;
    int cpu;                          /* bound pcp slot, -1 if unbound */
    bool has_mems;
    pa_nodemask_t mems;
    /* Kernel: current->mempolicy, il_prev, il_weight (mempolicy.c) */
    int mpol_mode;                    /* PA_MPOL_*; DEFAULT: none */
    pa_nodemask_t mpol_nodes;
    int il_prev;                      /* last interleave node */
    unsigned il_weight;               /* pages left on il_prev (weighted) */
};

static inline struct pa_page *pfn_to_page(const struct pa_allocator *a, uint64_t pfn)
{
    return a->pages + pfn;
}
static inline uint64_t page_to_pfn(const struct pa_allocator *a, const struct pa_page *p)
{
    return (uint64_t)(p - a->pages);
}
static inline struct pa_zone *page_zone(const struct pa_allocator *a, const struct pa_page *p)
{
    return &a->nodes[page_nid(p)].zones[page_zonenum(p)];
}
/* Is page a descriptor of a's, of a frame inside a zone? (pa_page_address
 * spells it out once more: as a shared helper it costs that hot call three
 * instructions.) */
static inline bool page_is_ours(const struct pa_allocator *a, const struct pa_page *page)
{
    uintptr_t off = (uintptr_t)page - (uintptr_t)a->pages;
    return off < a->pages_bytes && off % sizeof(struct pa_page) == 0 &&
           !(page->flags & PG_RESERVED);
}
static inline bool debug_checks(const struct pa_allocator *a)
{
    return a->cfg.flags & PA_CFG_DEBUG_CHECKS;
}
static inline bool nodemask_test(const pa_nodemask_t *m, int nid)
{
    return (m->bits[nid / 64] >> (nid % 64)) & 1;
}

/* ---- Allocation context (Kernel: struct alloc_context, alloc flags) ---------- */

#define ALLOC_WMARK_MIN      WMARK_MIN
#define ALLOC_WMARK_LOW      WMARK_LOW
#define ALLOC_WMARK_HIGH     WMARK_HIGH
#define ALLOC_NO_WATERMARKS  0x04
#define ALLOC_WMARK_MASK     (ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM            0x08
#define ALLOC_NON_BLOCK      0x10
#define ALLOC_MIN_RESERVE    0x20  /* same bit as PA_GFP_HIGH, as in the kernel */
#define ALLOC_CPUSET         0x40
#define ALLOC_NOFRAGMENT     0x100
#define ALLOC_HIGHATOMIC     0x200
#define ALLOC_KSWAPD         0x800 /* same bit as PA_GFP_KSWAPD_RECLAIM */
#define ALLOC_RESERVES (ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)

struct alloc_context {
    struct zoneref *zonelist;
    const pa_nodemask_t *nodemask;
    struct zoneref *preferred_zoneref;
    int migratetype;
    int highest_zoneidx;
    int local_nid;                    /* node of the calling thread's CPU */
    int cpu;                          /* pcp slot of the calling thread */
    struct pa_thread *thread;         /* NULL: no per-thread state */
};

/* gfp.c */
#define GFP_ZONEMASK (PA_GFP_DMA | PA_GFP_HIGHMEM | PA_GFP_DMA32 | PA_GFP_MOVABLE)
extern const signed char gfp_zone_table[16];
/* Kernel: gfp_zone(); -1 for a bad combination */
static inline int gfp_zone(pa_gfp_t gfp)
{
    return gfp_zone_table[gfp & GFP_ZONEMASK];
}
/* Kernel: gfp_migratetype() */
static inline int gfp_migratetype(pa_gfp_t gfp)
{
    return (int)((gfp & (PA_GFP_MOVABLE | PA_GFP_RECLAIMABLE)) >> 3);
}
/* Unknown bits, a bad zone combination or MOVABLE|RECLAIMABLE (the kernel's
 * VM_WARN in gfp_migratetype) make a request invalid. */
static inline bool gfp_valid(const struct pa_allocator *a, pa_gfp_t gfp)
{
    (void)a;
    return !(gfp & ~PA_GFP_ALL_FLAGS) && gfp_zone(gfp) >= 0 &&
           (gfp & (PA_GFP_MOVABLE | PA_GFP_RECLAIMABLE)) != (PA_GFP_MOVABLE | PA_GFP_RECLAIMABLE);
}
unsigned gfp_to_alloc_flags(pa_gfp_t gfp, unsigned order);

/* gfp_format.c */
size_t gfp_format(pa_gfp_t gfp, char *buf, size_t size);

/* thread.c */
struct pa_thread *thread_state_lookup(struct pa_allocator *a, bool create);
int current_cpu_slow(struct pa_allocator *a);
void threads_destroy(struct pa_allocator *a);
void thread_exit(void *state);

/* The calling thread's state for the allocator it used last, one entry
 * (Kernel: current): a hit costs a few loads where the thread key costs a
 * call into libpthread. id tells apart an allocator created at the address
 * of a destroyed one. Initial-exec: a fixed offset from the thread pointer,
 * taken from the small static TLS reserve even when the library is dlopened. */
struct thread_cache {
    const struct pa_allocator *a;
    uint64_t id;
    struct pa_thread *t;
};
extern __thread struct thread_cache pa_thread_cache
    __attribute__((tls_model("initial-exec"), visibility("hidden")));

/* The thread's state for a, created on first need; NULL if it has none and
 * create is false (an unbound thread allowed every node). */
static inline struct pa_thread *thread_state(struct pa_allocator *a, bool create)
{
    struct thread_cache *c = &pa_thread_cache;
    if (likely(c->a == a && c->id == a->id) && (c->t || !create))
        return c->t;
    return thread_state_lookup(a, create);
}

/* Kernel: smp_processor_id(); a bound thread always uses its slot. */
static inline int current_cpu(struct pa_allocator *a, struct pa_thread *t)
{
    if (likely(t && t->cpu >= 0))
        return t->cpu;
    return current_cpu_slow(a);
}

/* Kernel: __cpuset_zone_allowed(). The thread's set acts as a hardwalled,
 * mem_exclusive cpuset: it binds every request that carries ALLOC_CPUSET. */
static inline bool cpuset_zone_allowed(const struct alloc_context *ac, const struct pa_zone *z)
{
    return !ac->thread || !ac->thread->has_mems || nodemask_test(&ac->thread->mems, z->nid);
}

/* mempolicy.c */
struct pa_page *alloc_pages_mpol(struct pa_allocator *a, pa_gfp_t gfp, unsigned order);
/* Kernel: mpol_put() at exit: a thread leaving with a policy no longer
 * counts among those alloc_pages() must look up. */
static inline void mempolicy_thread_exit(struct pa_thread *t)
{
    if (t->mpol_mode != PA_MPOL_DEFAULT)
        atomic_fetch_sub_explicit(&t->alloc->mpol_threads, 1, memory_order_relaxed);
}

/* zonelist.c */
int build_zonelists(struct pa_allocator *a);
struct zoneref *__next_zones_zonelist(struct zoneref *z, int highest_zoneidx,
                                      const pa_nodemask_t *nodes);

/* Kernel: next_zones_zonelist(): the first entry at or after z whose zone is
 * at most highest_zoneidx and whose node is in nodes; the walk out of line
 * only when z itself does not do. */
static inline struct zoneref *next_zones_zonelist(struct zoneref *z, int highest_zoneidx,
                                                  const pa_nodemask_t *nodes)
{
    if (likely(!nodes && z->zone_idx <= highest_zoneidx))
        return z;
    return __next_zones_zonelist(z, highest_zoneidx, nodes);
}

/* Kernel: prepare_alloc_pages() without the fault injection, which callers
 * consult themselves (the bulk path once per call). */
static inline bool prepare_alloc_context(struct pa_allocator *a, pa_gfp_t gfp, int preferred_nid,
                                         const pa_nodemask_t *nodemask, struct alloc_context *ac)
{
    ac->thread = thread_state(a, false);
    ac->cpu = current_cpu(a, ac->thread);
    ac->local_nid = a->cpu_to_node[ac->cpu];
    if (preferred_nid == PA_NUMA_NO_NODE)
        preferred_nid = ac->local_nid;
    struct pa_node *n = &a->nodes[preferred_nid];
    ac->highest_zoneidx = gfp_zone(gfp);
    ac->migratetype = gfp_migratetype(gfp);
    ac->nodemask = nodemask;
    ac->zonelist = (gfp & PA_GFP_THISNODE) ? n->zonelist_nofallback : n->zonelist_fallback;
    ac->preferred_zoneref = next_zones_zonelist(ac->zonelist, ac->highest_zoneidx, nodemask);
    return ac->preferred_zoneref->zone != NULL;
}

/* watermark.c */
uint64_t calculate_min_free_kbytes(const struct pa_allocator *a);
void setup_per_zone_wmarks(struct pa_allocator *a);
void setup_per_zone_lowmem_reserve(struct pa_allocator *a);
bool zone_watermark_ok(const struct pa_zone *z, unsigned order, uint64_t mark,
                       int highest_zoneidx, unsigned alloc_flags, long free_pages);
static inline long zone_free_pages(const struct pa_zone *z)
{
    return atomic_load_explicit(&((struct pa_zone *)z)->nr_free_pages, memory_order_relaxed);
}
/* Kernel: __zone_watermark_unusable_free(): the high-atomic reserve is not
 * usable by ordinary requests, nor the pages below the order. */
static inline long unusable_free(const struct pa_zone *z, unsigned order, unsigned alloc_flags)
{
    long unusable = (1l << order) - 1;
    if (!(alloc_flags & ALLOC_RESERVES))
        unusable += (long)z->nr_reserved_highatomic;
    return unusable;
}
/* Kernel: zone_watermark_fast(): an order-0 shortcut before the full check.
 * There is no watermark boosting (no kswapd), so no boost retry. */
static inline bool zone_watermark_fast(const struct pa_zone *z, unsigned order, uint64_t mark,
                                       int highest_zoneidx, unsigned alloc_flags)
{
    long free_pages = zone_free_pages(z);
    if (!order) {
        long reserved = unusable_free(z, 0, alloc_flags);
        long usable = free_pages - (reserved < free_pages ? reserved : free_pages);
        if (usable > (long)(mark + z->lowmem_reserve[highest_zoneidx]))
            return true;
    }
    return zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages);
}
static inline void zone_mod_free_pages(struct pa_zone *z, long delta)
{
    atomic_store_explicit(&z->nr_free_pages, zone_free_pages(z) + delta, memory_order_relaxed);
}

/* Kernel: get_pfnblock_migratetype(): read without the zone lock by the
 * free paths, as the kernel reads the pageblock bits. */
static inline int get_pageblock_migratetype(const struct pa_zone *z, uint64_t pfn)
{
    return z->pageblock_mt[(pfn - z->start_pfn) >> PA_PAGEBLOCK_ORDER];
}

/* buddy.c (zone lock held) */
void set_pageblock_migratetype(struct pa_zone *z, uint64_t pfn, int mt);
void free_one_page_locked(struct pa_zone *z, struct pa_page *page, uint64_t pfn,
                          unsigned order, int mt, bool to_tail);
bool isolate_free_page(struct pa_zone *z, struct pa_page *page, unsigned order);
void putback_isolated_page(struct pa_zone *z, struct pa_page *page, unsigned order, int mt);
struct pa_page *rmqueue_smallest(struct pa_zone *z, unsigned order, int mt);
struct pa_page *rmqueue_locked(struct pa_zone *z, unsigned order, int mt, unsigned alloc_flags);
void free_pages_core(struct pa_zone *z, uint64_t start_pfn, uint64_t end_pfn);
void reserve_highatomic_pageblock(struct pa_zone *z, struct pa_page *page);
bool unreserve_highatomic_pageblock(struct pa_allocator *a, const struct alloc_context *ac,
                                    bool force);

/* Kernel: pcp_allowed_order() */
static inline bool pcp_allowed_order(unsigned order)
{
    return order <= PA_COSTLY_ORDER || order == PA_PAGEBLOCK_ORDER;
}

/* Kernel: order_to_pindex(): one list per (order, migratetype) for the low
 * orders, two (movable or not) for the pageblock order. */
static inline int order_to_pindex(int mt, unsigned order)
{
    if (order > PA_COSTLY_ORDER)
        return NR_LOWORDER_PCP_LISTS + (mt == PA_MIGRATE_MOVABLE);
    return MIGRATE_PCPTYPES * (int)order + mt;
}

/* pcp.c */
void setup_pcp(struct pa_allocator *a, struct pa_zone *z);
void zone_pcp_disable(struct pa_zone *z);
int zone_pcp_enable(struct pa_zone *z);
int zone_adjust_managed_pages(struct pa_zone *z, int64_t delta);
bool pcp_refill(struct pa_zone *z, unsigned order, int mt, unsigned alloc_flags,
                struct per_cpu_pages *pcp, struct pa_list_head *list);
unsigned long rmqueue_pcplist_bulk(struct pa_zone *z, int mt, unsigned alloc_flags, pa_gfp_t gfp,
                                   struct per_cpu_pages *pcp, struct pa_list_head *list,
                                   unsigned long nr, struct pa_list_head *out,
                                   struct pa_page ***slots, struct pa_page **end);
void pcp_trim(struct pa_zone *z, struct per_cpu_pages *pcp, int pindex, unsigned order);
void free_commit_tuned(struct pa_zone *z, struct per_cpu_pages *pcp, int pindex, unsigned order);
void free_one_page(struct pa_zone *z, struct pa_page *page, unsigned order, int mt);
void drain_zone_pages_cpu(struct pa_zone *z, int cpu);
void zone_note_below_high(struct pa_zone *z, unsigned order, int highest_zoneidx,
                          unsigned alloc_flags);

/* Kernel: __rmqueue_pcplist(): first block of the list, refilling it from
 * the buddy lists by a batch when empty. pcp lock held. */
static inline struct pa_page *__rmqueue_pcplist(struct pa_zone *z, unsigned order, int mt,
                                                unsigned alloc_flags, struct per_cpu_pages *pcp,
                                                struct pa_list_head *list)
{
    if (unlikely(list_empty(list)) && !pcp_refill(z, order, mt, alloc_flags, pcp, list))
        return NULL;
    struct pa_page *page = lru_to_page(list->next);
    list_del(&page->lru);
    __atomic_store_n(&pcp->count, pcp->count - (1 << order), __ATOMIC_RELAXED);   /* read locklessly */
    set_page_allocated(page, order);
    return page;
}

/* Kernel: free_unref_page_commit() / free_frozen_page_commit() (6.15+):
 * queue the block on the pcp list, then the tuning of 6.7+ or the drain of
 * a batch once the list reaches high (pcp_trim, which also flushes a burst
 * of order 1..3 frees). The page passed free_pages_prepare(): its flags hold
 * PG_ALLOC, zone and node only. pcp lock held. */
static inline void free_unref_page_commit(struct pa_zone *z, struct per_cpu_pages *pcp,
                                          struct pa_page *page, int mt, unsigned order)
{
    int pindex = order_to_pindex(mt, order);
    if (order)
        clear_page_allocated(page, order);
    __atomic_store_n(&page->state, z->pcp_word, __ATOMIC_RELAXED);
    page->order = (uint8_t)order;
    list_add(&page->lru, &pcp->lists[pindex]);
    __atomic_store_n(&pcp->count, pcp->count + (1 << order), __ATOMIC_RELAXED);
    counter_add(&pcp->events[ZEV_PGFREE], 1ull << order);
    if (unlikely(z->alloc->pcp_autotune))
        free_commit_tuned(z, pcp, pindex, order);
    else if (unlikely(order || pcp->count >= pcp->high))
        pcp_trim(z, pcp, pindex, order);
}

/* alloc.c */
struct pa_page *alloc_pages_nodemask(struct pa_allocator *a, pa_gfp_t gfp, unsigned order,
                                     int preferred_nid, const pa_nodemask_t *nodemask);
/* Kernel: zone_statistics(): NUMA_HIT/MISS against the preferred zone's
 * node, NUMA_LOCAL/OTHER against the calling CPU's node. events is the
 * counter block of the lock held; FOREIGN belongs to another zone and is
 * counted atomically. */
static inline void zone_statistics(struct pa_zone *preferred, struct pa_zone *z, pa_counter *events,
                                   int local_nid, uint64_t nr)
{
    if (likely(z->nid == preferred->nid)) {
        counter_add(&events[ZEV_NUMA_HIT], nr);
    } else {
        counter_add(&events[ZEV_NUMA_MISS], nr);
        atomic_fetch_add_explicit(&preferred->numa_foreign, nr, memory_order_relaxed);
    }
    counter_add(&events[z->nid == local_nid ? ZEV_NUMA_LOCAL : ZEV_NUMA_OTHER], nr);
}

/* page_init.c: what a page's memory holds as it is handed out and taken back */
void mem_init_setup(struct pa_allocator *a);
void prep_new_page(struct pa_allocator *a, struct pa_page *page, unsigned order, pa_gfp_t gfp);
void free_pages_init(struct pa_allocator *a, struct pa_page *page, unsigned order);
/* Kernel: want_init_on_alloc() */
static inline bool want_init_on_alloc(const struct pa_allocator *a, pa_gfp_t gfp)
{
    return a->init_on_alloc || (gfp & PA_GFP_ZERO);
}
/* Kernel: want_init_on_free() */
static inline bool want_init_on_free(const struct pa_allocator *a)
{
    return a->init_on_free;
}
/* Does prep_new_page() do anything for this allocator and gfp? */
static inline bool prep_needed(const struct pa_allocator *a, pa_gfp_t gfp)
{
    return a->prep_always || (gfp & PA_GFP_ZERO);
}


/* debug.c */
void bad_page(struct pa_allocator *a, const struct pa_page *page, const char *reason);
void poison_pages(struct pa_allocator *a, struct pa_page *page, unsigned order);
void check_poison(struct pa_allocator *a, struct pa_page *page, unsigned order);
bool free_page_is_bad_report(struct pa_allocator *a, struct pa_page *page, unsigned order);

/* Kernel: free_page_is_bad() / page_expected_state(): may these 2^order
 * pages be freed? The expected head, a page of a's allocated once as this
 * order and not a page_pool's, passes in one compare of its state word;
 * everything else, and the tail pages under PA_CFG_DEBUG_CHECKS, goes to
 * the reporting check. True: the page must not be freed. */
static inline bool free_page_is_bad(struct pa_allocator *a, struct pa_page *page, unsigned order)
{
    uintptr_t off = (uintptr_t)page - (uintptr_t)a->pages;
    const uint64_t mask = page_state_word(PG_STATE_MASK | PG_PP | PG_PP_POOLED, -1);
    if (likely(off < a->pages_bytes && off % sizeof(struct pa_page) == 0 &&
               (__atomic_load_n(&page->state, __ATOMIC_RELAXED) & mask) == page_state_word(PG_ALLOC, 1) &&
               page->order == order && !(order && debug_checks(a))))
        return false;
    return free_page_is_bad_report(a, page, order);
}

/* stats.c */
uint64_t zone_pcp_pages(const struct pa_zone *z);
uint64_t zone_event(const struct pa_zone *z, enum zone_event ev);

/* page_pool.c: frees the pools left at pa_destroy, logging the lingering ones */
void page_pools_release_all(struct pa_allocator *a);

/* create.c: frees everything and restores the state pa_create left, keeping
 * the memory mappings and the log handler (the fuzzer's reset between inputs). */
int allocator_reset(struct pa_allocator *a);

/* fault.c */
bool should_fail_alloc_page(struct pa_allocator *a, pa_gfp_t gfp, unsigned order);

/* log.c */
void pa_log(struct pa_allocator *a, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define pa_einval(a, ...) (pa_log((a), PA_LOG_WARNING, __VA_ARGS__), -EINVAL)

/* create.c: iteration over populated zones */
#define for_each_zone(a, z)                                                    \
    for (int zi_ = 0; zi_ < (a)->nr_nodes * PA_NR_ZONES; zi_++)                \
        if (((z) = &(a)->nodes[zi_ / PA_NR_ZONES].zones[zi_ % PA_NR_ZONES]),  \
            !populated_zone(z)) {} else

#endif /* PAGEALLOC_INTERNAL_H */
