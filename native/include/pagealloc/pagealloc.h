/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pagealloc.h - the Linux kernel's page allocator in user space.
 *
 * A zoned buddy allocator with per-CPU page lists (pcp), watermarks, NUMA
 * zonelists and the bulk API (__alloc_pages_bulk), following mm/page_alloc.c
 * of Linux 6.1-6.13, with 6.14's bulk names and 6.18's memory policies
 * (mm/mempolicy.c); the per-CPU lists as 6.1-6.6 size them, or with
 * PA_CFG_PCP_AUTOTUNE as 6.7-6.18 tune them. One allocator manages the page
 * frames of its own memory
 * arena; every page frame has a descriptor (struct pa_page) kept apart from
 * the page's memory.
 *
 * Conventions, for every function below:
 * - Any function may be called from any thread at any time, except
 *   pa_destroy(), which must be the last call on its allocator.
 * - Functions that can fail for a reason return 0 or a negative errno value
 *   (-EINVAL, -ENOMEM, ...). Allocation functions return NULL or a count.
 * - A NULL or out-of-range argument never crashes: the function returns
 *   -EINVAL (or NULL / 0), logs one line through the log callback and leaves
 *   the allocator unchanged. PA_LEAF functions (below) return the error
 *   value without the log line.
 * - "This thread's CPU" is the pcp slot the thread bound itself to with
 *   pa_bind_cpu(), else sched_getcpu() modulo nr_cpus.
 */
#ifndef PAGEALLOC_PAGEALLOC_H
#define PAGEALLOC_PAGEALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  if defined(PAGEALLOC_BUILDING)
#    define PA_API __declspec(dllexport)
#  elif defined(PAGEALLOC_SHARED)
#    define PA_API __declspec(dllimport)
#  else
#    define PA_API
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define PA_API __attribute__((visibility("default")))
#else
#  define PA_API
#endif

/* A leaf function: it takes no lock, never waits, never logs, fires no
 * tracepoint and calls no callback, and calls only other leaf functions. So a
 * bad argument gets the function's error value without the log line the
 * other functions write. A managed runtime may call a leaf without its GC
 * transition (the .NET bindings' generator reads this mark, which clang's
 * annotate attribute makes visible, and emits [SuppressGCTransition]). The
 * library defines its leaves in translation units that cannot name the log,
 * trace, callback or lock code, and a build test checks the compiled code. */
#if defined(__clang__)
#  define PA_LEAF __attribute__((annotate("pa_leaf")))
#else
#  define PA_LEAF
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define PA_VERSION_MAJOR 0
#define PA_VERSION_MINOR 1
#define PA_VERSION_PATCH 0
/* The version of struct pa_layout and of what the pa_layout_* accessors
 * below compute from it; pa_create refuses a program built with another.
 * 2: the descriptor's size is fixed, 1 << PA_LAYOUT_DESC_SHIFT bytes. */
#define PA_LAYOUT_VERSION 2
/* log2 of a page descriptor's size in this layout version: a constant, so
 * the pa_layout_* accessors shift by an immediate (Kernel: sizeof(struct
 * page), fixed by the build). struct pa_layout's desc_shift says the same. */
#define PA_LAYOUT_DESC_SHIFT 5

/* ---- Limits ---------------------------------------------------------- */

/* Largest buddy order; orders 0..PA_MAX_ORDER exist (Kernel: MAX_ORDER, 6.1). */
#define PA_MAX_ORDER 10
#define PA_NR_PAGE_ORDERS (PA_MAX_ORDER + 1)
/* Pageblock order: the unit that carries a migratetype (Kernel: pageblock_order). */
#define PA_PAGEBLOCK_ORDER 9
/* Orders above this are "costly" and not retried by default. */
#define PA_COSTLY_ORDER 3
#define PA_MAX_NODES 64
#define PA_MAX_CPUS 1024
#define PA_NUMA_NO_NODE (-1)

/* ---- Types ------------------------------------------------------------ */

/* An allocator: its nodes, zones, pcp lists and page descriptors. Opaque. */
typedef struct pa_allocator pa_allocator;

/* A page frame's descriptor; fields private. A pointer to one names the page. */
struct pa_page;

/* A circular doubly linked list head. Pages are linked through their
 * descriptors, so building a list of pages allocates nothing. */
struct pa_list_head {
    struct pa_list_head *next, *prev;
};

typedef unsigned int pa_gfp_t;

/* A set of nodes, one bit per node id. */
typedef struct {
    uint64_t bits[(PA_MAX_NODES + 63) / 64];
} pa_nodemask_t;

/* ---- GFP flags (Kernel: include/linux/gfp_types.h, same meanings) ----- */

/* Zone modifiers: at most one of DMA / DMA32; HIGHMEM and MOVABLE may
 * combine with nothing but each other (Kernel: GFP_ZONE_BAD). */
#define PA_GFP_DMA            0x00000001u
#define PA_GFP_HIGHMEM        0x00000002u
#define PA_GFP_DMA32          0x00000004u
#define PA_GFP_MOVABLE        0x00000008u
/* Mobility: with PA_GFP_MOVABLE above, picks the migratetype. */
#define PA_GFP_RECLAIMABLE    0x00000010u
/* Access to part of the min watermark reserve. */
#define PA_GFP_HIGH           0x00000020u
#define PA_GFP_IO             0x00000040u
#define PA_GFP_FS             0x00000080u
/* Return zeroed memory. */
#define PA_GFP_ZERO           0x00000100u
/* May call the reclaim callbacks and wait for progress. */
#define PA_GFP_DIRECT_RECLAIM 0x00000400u
/* Accepted for kernel compatibility; there is no kswapd to wake. */
#define PA_GFP_KSWAPD_RECLAIM 0x00000800u
/* No warn_alloc() log line on failure. */
#define PA_GFP_NOWARN         0x00002000u
/* Retry (reclaim) even for costly orders, but fail in the end. */
#define PA_GFP_RETRY_MAYFAIL  0x00004000u
/* Never fail: retry until memory is freed by someone. */
#define PA_GFP_NOFAIL         0x00008000u
/* One round of reclaim at most, then fail. */
#define PA_GFP_NORETRY        0x00010000u
/* A compound page: recorded on the head page; accepted for compatibility. */
#define PA_GFP_COMP           0x00040000u
/* No access to the reserves even when non-blocking. */
#define PA_GFP_NOMEMALLOC     0x00080000u
/* Enforce the thread's allowed nodes strictly (Kernel: cpuset hardwall). */
#define PA_GFP_HARDWALL       0x00100000u
/* Only the preferred node, no fallback to other nodes. */
#define PA_GFP_THISNODE       0x00200000u
/* Accepted and ignored: there is no memcg in user space. */
#define PA_GFP_ACCOUNT        0x00400000u
#define PA_GFP_ALL_FLAGS      0x007dedffu

#define PA_GFP_RECLAIM (PA_GFP_DIRECT_RECLAIM | PA_GFP_KSWAPD_RECLAIM)
#define PA_GFP_KERNEL  (PA_GFP_RECLAIM | PA_GFP_IO | PA_GFP_FS)
#define PA_GFP_ATOMIC  (PA_GFP_HIGH | PA_GFP_KSWAPD_RECLAIM)
#define PA_GFP_NOWAIT  (PA_GFP_KSWAPD_RECLAIM)
#define PA_GFP_USER    (PA_GFP_RECLAIM | PA_GFP_IO | PA_GFP_FS | PA_GFP_HARDWALL)
#define PA_GFP_HIGHUSER_MOVABLE (PA_GFP_USER | PA_GFP_HIGHMEM | PA_GFP_MOVABLE)

/* Whether the allocator accepts gfp: no bit outside PA_GFP_ALL_FLAGS, a zone
 * combination the kernel's GFP_ZONE_TABLE maps (not GFP_ZONE_BAD), and not
 * PA_GFP_MOVABLE with PA_GFP_RECLAIMABLE (the kernel warns on that pair in
 * gfp_migratetype). Every allocation function refuses the others: the
 * single-page ones return NULL, the bulk ones allocate nothing. */
PA_API PA_LEAF bool pa_gfp_valid(pa_gfp_t gfp);

enum pa_zone_type {
    PA_ZONE_DMA,
    PA_ZONE_DMA32,
    PA_ZONE_NORMAL,
    PA_ZONE_MOVABLE,
    PA_NR_ZONES
};

enum pa_migratetype {
    PA_MIGRATE_UNMOVABLE,
    PA_MIGRATE_MOVABLE,
    PA_MIGRATE_RECLAIMABLE,
    PA_MIGRATE_HIGHATOMIC,
    PA_MIGRATE_TYPES
};

/* ---- Creation ---------------------------------------------------------- */

/* Metadata only: page frames have descriptors but no memory
 * (pa_page_address() returns NULL); models large machines cheaply. */
#define PA_CFG_METADATA_ONLY 0x1u
/* Poison freed pages with 0xaa and check the pattern on allocation. */
#define PA_CFG_POISON        0x2u
/* Full bad_page checks on every free and allocation. */
#define PA_CFG_DEBUG_CHECKS  0x4u
/* Bind each node's memory to the host NUMA node of the same id (mbind). */
#define PA_CFG_BIND_NUMA     0x8u
/* Per-CPU lists as Linux 6.7-6.18 run them: high tuned between high_min and
 * high_max as pages are freed and allocated, refills scaled by alloc_factor,
 * high decayed by pa_vmstat_tick(). Without it, the lists of 6.1-6.6
 * (fixed high, one batch per refill). A fixed pcp_high or a
 * percpu_pagelist_high_fraction pins high_min = high_max, as the sysctl
 * does in the kernel. See "Per-CPU list tuning" below. */
#define PA_CFG_PCP_AUTOTUNE  0x10u
/* Free page reporting: free blocks of order >= page_reporting_order are
 * handed to a report function, by default madvise(MADV_DONTNEED), so the
 * process's RSS falls. See "Free page reporting" below. Not with
 * PA_CFG_POISON (the report zeroes the poison; -EINVAL). */
#define PA_CFG_PAGE_REPORTING 0x20u
/* Zero every page as it is allocated, as the kernel's init_on_alloc=1
 * (Linux 5.3): no request sees what an earlier owner left in its pages.
 * PA_CFG_POISON takes precedence: with it this flag does nothing. */
#define PA_CFG_INIT_ON_ALLOC 0x40u
/* Zero every page as it is freed, as the kernel's init_on_free=1: freed
 * data does not linger, and an allocation (__GFP_ZERO included) finds the
 * page zeroed already, so it is not zeroed twice. Pages a page_pool
 * recycles are not freed, and so not zeroed, as in the kernel. Memory the
 * caller supplies (pa_config.memory) is zeroed by pa_create. PA_CFG_POISON
 * takes precedence: with it this flag does nothing. */
#define PA_CFG_INIT_ON_FREE  0x80u
/* Back the page-descriptor table with transparent huge pages (madvise
 * MADV_HUGEPAGE, where the host allows them), as the kernel maps its vmemmap
 * with PMD-sized pages: for callers that touch most descriptors (every page
 * of a large machine allocated once), far fewer page faults. Without it the
 * table is committed a base page at a time, as descriptors are first
 * written, and stays small when few are. */
#define PA_CFG_HUGE_MEMMAP   0x100u
#define PA_CFG_ALL_FLAGS     0x1ffu

struct pa_config {
    uint32_t page_shift;          /* log2 of the page size: 12 (4 KiB) to 21 */
    uint32_t nr_nodes;            /* 1..PA_MAX_NODES */
    uint64_t node_zone_pages[PA_MAX_NODES][PA_NR_ZONES]; /* 0 = zone absent */
    uint32_t nr_cpus;             /* pcp slots, 1..PA_MAX_CPUS; 0 = online CPUs */
    int32_t *cpu_to_node;         /* nr_cpus entries; NULL: CPUs spread evenly */
    uint8_t *node_distance;       /* nr_nodes*nr_nodes; NULL: 10 local, 20 remote */
    uint64_t min_free_kbytes;     /* 0: kernel formula (calculate_min_free_kbytes) */
    uint32_t watermark_scale_factor; /* 0: 10 (0.1% of the zone) */
    uint32_t pcp_batch, pcp_high; /* 0: kernel sizing (zone_batchsize, zone_highsize) */
    uint32_t flags;               /* PA_CFG_* */
    void *memory;                 /* optional caller-owned backing for all nodes, */
    uint64_t memory_size;         /* page-aligned, >= total pages << page_shift */
    /* Kernel: vm.percpu_pagelist_high_fraction. 0: high from the low
     * watermark; else >= 8, high = managed / fraction split over the node's
     * CPUs (with PA_CFG_PCP_AUTOTUNE: high_min = high_max = that value). */
    uint32_t percpu_pagelist_high_fraction;
    /* Kernel: vm.lowmem_reserve_ratio per zone (DMA, DMA32, NORMAL, MOVABLE):
     * zone z keeps back from requests that could use higher zones their
     * managed pages / ratio[z] (0: nothing). All four 0: the kernel's
     * defaults 256, 256, 32, 0. */
    uint32_t lowmem_reserve_ratio[PA_NR_ZONES];
    /* Kernel: page_reporting.page_reporting_order. With PA_CFG_PAGE_REPORTING,
     * the least order reported: 0 means PA_PAGEBLOCK_ORDER (the kernel's
     * default), 1..PA_MAX_ORDER that order; larger values are -EINVAL.
     * Ignored without the flag. */
    uint32_t page_reporting_order;
};

/* Fills cfg with the defaults: one node with one NORMAL zone of 65536 pages
 * (256 MiB), 4 KiB pages, nr_cpus = online CPUs, kernel formulas elsewhere. */
PA_API void pa_config_init(struct pa_config *cfg);

/* Bytes of backing memory an allocator created from cfg maps, and the
 * least memory_size a caller-supplied region must have (each zone starts on
 * a PA_MAX_ORDER-aligned page frame); 0 for a bad cfg. */
PA_API uint64_t pa_config_memory_size(const struct pa_config *cfg);

/* Creates an allocator from cfg (copied; cfg may be freed afterwards).
 * Returns 0 and sets *out, or -EINVAL for a bad config, -ENOMEM if memory
 * could not be mapped. Anonymous memory is mapped lazily. */
PA_API int pa_create(const struct pa_config *cfg, pa_allocator **out);

/* pa_create for a program built against the header whose PA_LAYOUT_VERSION is
 * layout_version: another version than the library's is refused with
 * -EPROTO (logged), since such a program's inline pa_layout_* accessors would
 * misread the layout this library publishes. The pa_create macro below makes
 * every C caller of this header check; the exported pa_create (no check)
 * stays for bindings and for programs built against older headers. */
PA_API int pa_create_checked(const struct pa_config *cfg, pa_allocator **out,
                             uint32_t layout_version);
#define pa_create(cfg, out) pa_create_checked((cfg), (out), PA_LAYOUT_VERSION)

/* Destroys the allocator and unmaps its memory, pages in use included.
 * No other call on it may run concurrently or follow. NULL is ignored. */
PA_API void pa_destroy(pa_allocator *a);

/* "major.minor.patch" of the library actually loaded. */
PA_API const char *pa_version(void);

/* ---- Threads ------------------------------------------------------------ */

/* Binds the calling thread to pcp slot cpu for this allocator (-1 unbinds:
 * back to sched_getcpu() modulo nr_cpus). Returns 0 or -EINVAL. */
PA_API int pa_bind_cpu(pa_allocator *a, int cpu);

/* The pcp slot the calling thread uses now, or -EINVAL. */
PA_API int pa_current_cpu(pa_allocator *a);

/* Sets the calling thread's allowed nodes (the cpuset analogue, applied with
 * ALLOC_CPUSET as the kernel does). NULL allows all nodes. Returns 0, or
 * -EINVAL when the mask holds no node of this allocator. */
PA_API int pa_set_mems_allowed(pa_allocator *a, const pa_nodemask_t *mask);

/* ---- Allocation ----------------------------------------------------------- */

/* Allocates 2^order contiguous pages on this thread's node (Kernel:
 * alloc_pages). Returns the first page's descriptor, or NULL on failure
 * (logged by warn_alloc unless PA_GFP_NOWARN) or bad arguments. */
PA_API struct pa_page *pa_alloc_pages(pa_allocator *a, pa_gfp_t gfp, unsigned int order);

/* As pa_alloc_pages, preferring node nid (PA_NUMA_NO_NODE: this thread's). */
PA_API struct pa_page *pa_alloc_pages_node(pa_allocator *a, pa_gfp_t gfp,
                                           unsigned int order, int nid);

/* Kernel: __alloc_pages(). nodemask (NULL: all nodes) restricts the nodes
 * used; with PA_GFP_THISNODE only preferred_nid is used. Fast path on the low
 * watermark, then the slow path: min watermark and reserves, drain every
 * CPU's lists, reclaim callbacks under PA_GFP_DIRECT_RECLAIM, retries as
 * NORETRY / RETRY_MAYFAIL / NOFAIL say. */
PA_API struct pa_page *pa_alloc_pages_nodemask(pa_allocator *a, pa_gfp_t gfp,
                                               unsigned int order, int preferred_nid,
                                               const pa_nodemask_t *nodemask);

/* Frees 2^order pages allocated with that order (Kernel: __free_pages).
 * Orders 0..3 and the pageblock order go to this thread's pcp list, others
 * to the buddy lists. A bad free (NULL, foreign page, double free, wrong
 * order, page still referenced) is logged as bad_page and ignored. */
PA_API void pa_free_pages(pa_allocator *a, struct pa_page *page, unsigned int order);

/* Takes one more reference on an allocated page (Kernel: get_page).
 * Returns the new count or -EINVAL. */
PA_API int pa_get_page(pa_allocator *a, struct pa_page *page);

/* Drops one reference; the last one frees the 2^order pages (Kernel:
 * put_page / __free_pages). Returns the remaining count or -EINVAL. */
PA_API int pa_put_page(pa_allocator *a, struct pa_page *page, unsigned int order);

/* Makes an allocated block of 2^order pages (order as allocated, one
 * reference) into 2^order allocated order-0 pages, each with one reference,
 * freed one by one (Kernel: split_page). 0, or -EINVAL (logged) for anything
 * else: a free, tail or page_pool page, another order, more references. */
PA_API int pa_split_page(pa_allocator *a, struct pa_page *page, unsigned int order);

/* ---- Bulk allocation (Kernel: __alloc_pages_bulk; rules in docs/BULK_RULES.md) ---- */

/* Allocates up to nr_pages order-0 pages from the preferred node's zones,
 * onto page_list (appended) or into the NULL slots of page_array (exactly
 * one of the two). Returns, for an array, the number of populated slots
 * (pre-populated ones included, wherever they are), also when the gfp mask
 * or node is refused; for a list, the pages added by this call. 0 for a
 * NULL allocator or neither / both of page_list and page_array.
 * A short count is normal: callers that need every page loop, see
 * pa_alloc_pages_bulk_fill. At least one page is tried for with the full
 * single-page path when the bulk path cannot proceed. */
PA_API unsigned long pa_alloc_pages_bulk(pa_allocator *a, pa_gfp_t gfp, int preferred_nid,
                                         const pa_nodemask_t *nodemask, unsigned long nr_pages,
                                         struct pa_list_head *page_list,
                                         struct pa_page **page_array);

/* pa_alloc_pages_bulk on this thread's node, no nodemask, list form. */
PA_API unsigned long pa_alloc_pages_bulk_list(pa_allocator *a, pa_gfp_t gfp,
                                              unsigned long nr_pages,
                                              struct pa_list_head *list);

/* pa_alloc_pages_bulk on this thread's node, no nodemask, array form. */
PA_API unsigned long pa_alloc_pages_bulk_array(pa_allocator *a, pa_gfp_t gfp,
                                               unsigned long nr_pages,
                                               struct pa_page **array);

/* Calls pa_alloc_pages_bulk (array form) while it makes progress, as sunrpc's
 * svc_alloc_arg does; returns the populated count: nr_pages when every slot
 * is filled, less when a call made no progress. */
PA_API unsigned long pa_alloc_pages_bulk_fill(pa_allocator *a, pa_gfp_t gfp,
                                              int preferred_nid,
                                              const pa_nodemask_t *nodemask,
                                              unsigned long nr_pages,
                                              struct pa_page **page_array);

/* Frees every (order-0) page on list and leaves it empty (Kernel:
 * free_unref_page_list): one pcp lock round per batch. */
PA_API void pa_free_pages_bulk(pa_allocator *a, struct pa_list_head *list);

/* Frees the non-NULL order-0 pages of pages[0..nr) and sets their slots to
 * NULL (Kernel: release_pages). */
PA_API void pa_release_pages(pa_allocator *a, struct pa_page **pages, unsigned long nr);

/* ---- 6.14 bulk names and memory policies (Kernel: mm/mempolicy.c, 6.18) ---- */

/* Kernel: alloc_pages_bulk_node() (6.14's name for alloc_pages_bulk_array_node):
 * pa_alloc_pages_bulk's array form on node nid (PA_NUMA_NO_NODE: this thread's
 * node), no nodemask. Returns the populated slots, as every array form does. */
PA_API unsigned long pa_alloc_pages_bulk_node(pa_allocator *a, pa_gfp_t gfp, int nid,
                                              unsigned long nr_pages, struct pa_page **array);

/* Memory policy modes: the kernel's enum mempolicy_mode values (set_mempolicy(2)). */
enum pa_mempolicy_mode {
    PA_MPOL_DEFAULT = 0,           /* no policy: this thread's node */
    PA_MPOL_PREFERRED = 1,         /* one node first, then the usual fallback */
    PA_MPOL_BIND = 2,              /* only the mask's nodes */
    PA_MPOL_INTERLEAVE = 3,        /* the mask's nodes in turn, page by page */
    PA_MPOL_LOCAL = 4,             /* this thread's node, stated explicitly */
    PA_MPOL_PREFERRED_MANY = 5,    /* the mask's nodes first, then any node */
    PA_MPOL_WEIGHTED_INTERLEAVE = 6, /* in turn, each node for its weight's pages */
    PA_MPOL_MAX
};

/* Sets the calling thread's memory policy for a (Kernel: set_mempolicy(2)).
 * nodes may be NULL (empty). Nodes a lacks, or without memory, are dropped.
 * -EINVAL: unknown mode; a mask given to DEFAULT or LOCAL; an empty mask
 * (after dropping) for BIND, INTERLEAVE, PREFERRED_MANY, WEIGHTED_INTERLEAVE,
 * or a non-empty one left empty for PREFERRED. PREFERRED with an empty mask
 * is LOCAL. The interleave position restarts at the mask's first node. */
PA_API int pa_set_mempolicy(pa_allocator *a, int mode, const pa_nodemask_t *nodes);

/* The calling thread's policy for a (Kernel: get_mempolicy(2) without
 * flags): *mode a PA_MPOL_* value, *nodes its mask (empty for DEFAULT and
 * LOCAL; PREFERRED's one node). Either pointer may be NULL. 0 or -EINVAL. */
PA_API int pa_get_mempolicy(pa_allocator *a, int *mode, pa_nodemask_t *nodes);

/* Weighted interleave weight of node nid, 1..255, for every thread of a
 * (Kernel: /sys/kernel/mm/mempolicy/weighted_interleave/nodeN). Default 1.
 * Returns 0, or -EINVAL for a bad node or weight. */
PA_API int pa_set_interleave_weight(pa_allocator *a, int nid, unsigned int weight);
/* The weight of node nid (1..255), or -EINVAL. */
PA_API int pa_get_interleave_weight(pa_allocator *a, int nid);

/* Kernel: alloc_pages_bulk_mempolicy(): the array form placed by the calling
 * thread's policy (the default policy under PA_GFP_THISNODE). INTERLEAVE and
 * WEIGHTED_INTERLEAVE split the request into one bulk call per node, over
 * consecutive windows of the array, and advance the thread's interleave
 * position; PREFERRED_MANY tries the mask's nodes without reclaim, then any
 * node; other modes are one call on the policy's node and mask. Returns the
 * populated slots of array[0..nr_pages) (B4); 0 only for NULL a or array. */
PA_API unsigned long pa_alloc_pages_bulk_mempolicy(pa_allocator *a, pa_gfp_t gfp,
                                                   unsigned long nr_pages,
                                                   struct pa_page **array);

/* The same placement onto a list (appended); returns the pages added. The
 * kernel has no list form; this one serves callers that keep pages on lists. */
PA_API unsigned long pa_alloc_pages_bulk_mempolicy_list(pa_allocator *a, pa_gfp_t gfp,
                                                        unsigned long nr_pages,
                                                        struct pa_list_head *list);

/* ---- Page lists ------------------------------------------------------------- */

PA_API PA_LEAF void pa_list_init(struct pa_list_head *list);
PA_API PA_LEAF int pa_list_empty(const struct pa_list_head *list);
/* First page of list, NULL if empty. */
PA_API PA_LEAF struct pa_page *pa_list_first(const struct pa_list_head *list);
/* Page after page on list, NULL at the end. */
PA_API PA_LEAF struct pa_page *pa_list_next(const struct pa_list_head *list, const struct pa_page *page);
PA_API PA_LEAF unsigned long pa_list_count(const struct pa_list_head *list);
/* Moves page (an allocated page on some list) to the tail of list. */
PA_API PA_LEAF void pa_list_move_tail(struct pa_page *page, struct pa_list_head *list);
/* Unlinks page from the list it is on. */
PA_API PA_LEAF void pa_list_del(struct pa_page *page);
/* Appends every page of from to to, leaving from empty. O(1). */
PA_API PA_LEAF void pa_list_splice_tail(struct pa_list_head *from, struct pa_list_head *to);

/* ---- Pages -------------------------------------------------------------------- */

/* Page frame number of page; UINT64_MAX if page is not this allocator's. */
PA_API PA_LEAF uint64_t pa_page_to_pfn(const pa_allocator *a, const struct pa_page *page);
/* Descriptor of pfn, NULL if pfn is outside every zone. */
PA_API PA_LEAF struct pa_page *pa_pfn_to_page(const pa_allocator *a, uint64_t pfn);
/* The page's memory (page-aligned, 1 << page_shift bytes per page), NULL if
 * metadata-only or not this allocator's page. */
PA_API PA_LEAF void *pa_page_address(const pa_allocator *a, const struct pa_page *page);
/* The page whose memory holds addr, NULL if none. */
PA_API PA_LEAF struct pa_page *pa_virt_to_page(const pa_allocator *a, const void *addr);
/* Node id of page, -EINVAL if not this allocator's. */
PA_API PA_LEAF int pa_page_to_nid(const pa_allocator *a, const struct pa_page *page);
/* Zone of page; PA_NR_ZONES if not this allocator's. */
PA_API PA_LEAF enum pa_zone_type pa_page_zonenum(const pa_allocator *a, const struct pa_page *page);
/* Bytes per page (0 for NULL). */
PA_API PA_LEAF size_t pa_page_size(const pa_allocator *a);
/* Number of nodes and pcp slots of the allocator (0 for NULL). */
PA_API PA_LEAF int pa_nr_nodes(const pa_allocator *a);
PA_API PA_LEAF int pa_nr_cpus(const pa_allocator *a);
/* Node of pcp slot cpu, -EINVAL if out of range. */
PA_API PA_LEAF int pa_cpu_to_node(const pa_allocator *a, int cpu);
/* Bytes of the allocator's page memory the OS holds in memory now (mincore):
 * pages touched and not given back, in use or free. Any thread; a snapshot.
 * -EINVAL for NULL, -EOPNOTSUPP for a metadata-only allocator. */
PA_API int64_t pa_resident_bytes(const pa_allocator *a);

/* ---- Page layout: the calls above as arithmetic in the caller ----------------- */

/* Where an allocator keeps its descriptors and its memory, when both are flat:
 * the descriptors of every frame in one array indexed by pfn (the kernel's
 * flat mem_map), and the memory of every node in one linear map (one node, or
 * caller-supplied memory). The layout never changes while the allocator
 * lives. The descriptor's fields stay private: only its size is published. */
struct pa_layout {
    uint32_t version;       /* PA_LAYOUT_VERSION of the library */
    uint32_t page_shift;    /* log2 of the page size */
    uint32_t desc_shift;    /* PA_LAYOUT_DESC_SHIFT: log2 of the array's stride */
    uint32_t page_size;     /* 1 << page_shift: a multiply by it is one
                             * instruction, a shift by page_shift two */
    struct pa_page *pages;  /* descriptor of pfn 0 */
    uint64_t nr_pfns;       /* descriptors exist for pfns [0, nr_pfns) */
    uintptr_t mem_base;     /* address pfn 0's memory has in the map: pfn p's is
                             * mem_base + (p << page_shift) (pfn 0 may lie
                             * outside every zone: then nothing is there) */
};

/* Fills *out with a's layout. Returns 0; -EINVAL for a NULL argument;
 * -ENXIO (and *out untouched) when the pages have no addresses in one map:
 * a metadata-only allocator, or nodes mapped apart. */
PA_API PA_LEAF int pa_get_layout(const pa_allocator *a, struct pa_layout *out);

/* The pa_layout_* functions compute, inline, what the exported functions of
 * the same name without "layout_" return, from a layout pa_get_layout
 * filled: a pointer that is not a descriptor of the array, or a pfn beyond
 * it, gets the same error value. For every frame in a zone (every page the
 * allocator hands out) both give the same answer. A frame in an alignment
 * hole between zones (pa_pfn_to_page returns NULL for it, and no call ever
 * returns its descriptor) has a descriptor and an address here. */
static inline size_t pa_layout_page_size(const struct pa_layout *l)
{
    return l->page_size;
}

static inline uint64_t pa_layout_page_to_pfn(const struct pa_layout *l,
                                             const struct pa_page *page)
{
    uint64_t off = (uint64_t)((uintptr_t)page - (uintptr_t)l->pages);
    /* Rotated right by the stride's shift, a misaligned offset's low bits
     * become high ones: one compare refuses it and any offset past the array. */
    uint64_t pfn = off >> PA_LAYOUT_DESC_SHIFT | off << (64 - PA_LAYOUT_DESC_SHIFT);
    return pfn < l->nr_pfns ? pfn : UINT64_MAX;
}

static inline struct pa_page *pa_layout_pfn_to_page(const struct pa_layout *l, uint64_t pfn)
{
    if (pfn >= l->nr_pfns)
        return NULL;
    return (struct pa_page *)((uintptr_t)l->pages + ((uintptr_t)pfn << PA_LAYOUT_DESC_SHIFT));
}

static inline void *pa_layout_page_address(const struct pa_layout *l,
                                           const struct pa_page *page)
{
    uint64_t pfn = pa_layout_page_to_pfn(l, page);
    if (pfn == UINT64_MAX)
        return NULL;
    return (void *)(l->mem_base + (uintptr_t)pfn * l->page_size);
}

/* A descriptor begins with its list link, as part of the layout
 * (PA_LAYOUT_VERSION): a page on a list is where its link is. So a list is
 * walked inline, as pa_list_first and pa_list_next walk it, with no layout
 * to read. */
static inline struct pa_page *pa_layout_list_first(const struct pa_list_head *list)
{
    return list->next == list ? NULL : (struct pa_page *)list->next;
}

static inline struct pa_page *pa_layout_list_next(const struct pa_list_head *list,
                                                  const struct pa_page *page)
{
    const struct pa_list_head *next = ((const struct pa_list_head *)page)->next;
    return next == list ? NULL : (struct pa_page *)next;
}

/* ---- Draining ---------------------------------------------------------------- */

/* Returns this thread's CPU's pcp pages to the buddy lists (Kernel: drain_local_pages). */
PA_API void pa_drain_local_pages(pa_allocator *a);
/* Returns every CPU's pcp pages to the buddy lists (Kernel: drain_all_pages). */
PA_API void pa_drain_all_pages(pa_allocator *a);

/* ---- Statistics ---------------------------------------------------------------- */

struct pa_zone_info {            /* in pages */
    uint64_t managed, present, spanned, free;  /* free = NR_FREE_PAGES (buddy only) */
    uint64_t wmark_min, wmark_low, wmark_high;
    uint64_t lowmem_reserve[PA_NR_ZONES];       /* "protection" in /proc/zoneinfo */
    uint64_t start_pfn;
    uint64_t pcp_pages;                          /* pages on all CPUs' pcp lists */
    uint64_t nr_reserved_highatomic;
    uint64_t wmark_promo;                        /* Kernel: WMARK_PROMO, high + (low - min) */
};
struct pa_pcp_info {
    uint32_t count, high, batch;
    /* The range PA_CFG_PCP_AUTOTUNE moves high in; both equal high without it. */
    uint32_t high_min, high_max;
};

/* Fills out for zone of node nid; -EINVAL if out of range, -ENOENT if the
 * zone is absent on that node. */
PA_API int pa_zone_info(pa_allocator *a, int nid, enum pa_zone_type zone, struct pa_zone_info *out);
/* Fills out for the pcp of (cpu, zone of node nid); errors as pa_zone_info. */
PA_API int pa_pcp_info(pa_allocator *a, int cpu, int nid, enum pa_zone_type zone,
                       struct pa_pcp_info *out);

enum pa_vm_event_item {
    PA_PGALLOC_DMA, PA_PGALLOC_DMA32, PA_PGALLOC_NORMAL, PA_PGALLOC_MOVABLE,
    PA_PGFREE,
    PA_NUMA_HIT, PA_NUMA_MISS, PA_NUMA_FOREIGN, PA_NUMA_LOCAL, PA_NUMA_OTHER,
    PA_ALLOCSTALL,       /* slow-path entries that called reclaim */
    PA_PGFAIL,           /* allocation calls that returned NULL / nothing */
    PA_NUMA_INTERLEAVE_HIT, /* interleaved single allocations that got their node */
    PA_NR_VM_EVENT_ITEMS
};
/* Event count summed over CPUs and nodes; 0 for a bad item. */
PA_API uint64_t pa_vm_event(pa_allocator *a, enum pa_vm_event_item item);

/* snprintf-style reports in the layout of the kernel's /proc files: write at
 * most size bytes (NUL-terminated when size > 0) and return the length the
 * full text needs. */
PA_API size_t pa_format_buddyinfo(pa_allocator *a, char *buf, size_t size);
PA_API size_t pa_format_pagetypeinfo(pa_allocator *a, char *buf, size_t size);
PA_API size_t pa_format_zoneinfo(pa_allocator *a, char *buf, size_t size);
PA_API size_t pa_format_vmstat(pa_allocator *a, char *buf, size_t size);

/* Full invariant check: every page frame is exactly one of free in a buddy
 * list (aligned, no free buddy left unmerged), on one pcp list, or
 * allocated; every counter equals what the lists hold. Returns 0, or
 * -EUCLEAN with the first broken invariant logged. Takes every lock, and
 * waits for a free page reporting pass to end (so not from a report function). */
PA_API int pa_check(pa_allocator *a);

/* ---- Callbacks ------------------------------------------------------------------ */

enum { PA_LOG_ERR = 3, PA_LOG_WARNING = 4, PA_LOG_INFO = 6, PA_LOG_DEBUG = 7 };
/* Called on the thread that hit the event, possibly with allocator locks
 * held: it must not call back into the allocator. */
typedef void (*pa_log_fn)(void *ctx, int level, const char *message);
/* Sets the log callback (NULL: log to stderr at PA_LOG_WARNING and above). */
PA_API void pa_set_log(pa_allocator *a, pa_log_fn fn, void *ctx);

/* A reclaim callback (the shrinker analogue): asked, with no allocator lock
 * held, to free about nr_to_free pages of node nid (-1: any) back to a;
 * returns the number it freed. May call pa_free_pages and friends. */
typedef unsigned long (*pa_reclaim_fn)(void *ctx, pa_allocator *a, int nid,
                                       unsigned long nr_to_free);
/* Registers fn (up to 16 callbacks). Returns 0, -EINVAL or -ENOSPC. */
PA_API int pa_register_reclaim(pa_allocator *a, pa_reclaim_fn fn, void *ctx);
/* Removes a callback registered with the same fn and ctx; 0 or -ENOENT. */
PA_API int pa_unregister_reclaim(pa_allocator *a, pa_reclaim_fn fn, void *ctx);

/* Fault injection with the kernel's fail_page_alloc attributes
 * (Documentation/fault-injection): fail with probability percent (0..100)
 * every interval-th eligible call, times times (-1: no limit), after space
 * bytes have passed; orders below min_order and (with ignore_gfp_reclaim)
 * PA_GFP_DIRECT_RECLAIM requests are never failed, nor PA_GFP_NOFAIL ones.
 * NULL turns it off. The random sequence is deterministic per allocator. */
struct pa_fault_attr {
    uint32_t probability;
    uint32_t interval;
    int64_t times;
    int64_t space;
    uint32_t min_order;
    int ignore_gfp_reclaim;
};
PA_API int pa_set_fail_page_alloc(pa_allocator *a, const struct pa_fault_attr *attr);

/* ---- Tracepoints (Kernel: include/trace/events/kmem.h, 6.18) --------------------- */

/* The kernel's page allocator tracepoints, fired where the kernel fires them
 * (as mapped onto this allocator's code) with the kernel's field values.
 * One bit per event in pa_set_trace's mask: PA_TRACE_MASK(PA_TRACE_MM_PAGE_FREE). */
enum pa_trace_event_type {
    PA_TRACE_MM_PAGE_ALLOC,             /* __alloc_pages() returned (page or failure) */
    PA_TRACE_MM_PAGE_FREE,              /* free_pages_prepare(): a block is being freed */
    PA_TRACE_MM_PAGE_FREE_BATCHED,      /* a batched free queues the page on a pcp list */
    PA_TRACE_MM_PAGE_ALLOC_ZONE_LOCKED, /* __rmqueue_smallest() took a block off a buddy list */
    PA_TRACE_MM_PAGE_PCPU_DRAIN,        /* free_pcppages_bulk() returned a block to the buddy */
    PA_TRACE_MM_PAGE_ALLOC_EXTFRAG,     /* a fallback took a block of another migratetype */
    PA_TRACE_NR_EVENTS
};
#define PA_TRACE_MASK(type) (1u << (type))
#define PA_TRACE_ALL ((1u << PA_TRACE_NR_EVENTS) - 1u)

/* One event. Fields the event does not carry are 0; the table says which
 * each carries (as kmem.h's TP_STRUCT__entry):
 *   mm_page_alloc              pfn, order, migratetype, gfp
 *   mm_page_free               pfn, order
 *   mm_page_free_batched       pfn                       (order 0)
 *   mm_page_alloc_zone_locked  pfn, order, migratetype, percpu_refill
 *   mm_page_pcpu_drain         pfn, order, migratetype
 *   mm_page_alloc_extfrag      pfn, alloc_order, fallback_order, alloc_migratetype,
 *                              fallback_migratetype, change_ownership
 * page and cpu are ours: every event has them. */
struct pa_trace_event {
    uint32_t type;                 /* enum pa_trace_event_type */
    int32_t cpu;                   /* pcp slot of the thread that caused the event */
    uint64_t pfn;                  /* PA_TRACE_NO_PFN: mm_page_alloc of a failed allocation */
    struct pa_page *page;          /* the page's descriptor; NULL with PA_TRACE_NO_PFN */
    uint32_t order;
    int32_t migratetype;           /* enum pa_migratetype */
    pa_gfp_t gfp;                  /* as the caller passed it */
    int32_t percpu_refill;         /* kernel: pcp_allowed_order(order) && migratetype < 3 */
    int32_t alloc_order, fallback_order;
    int32_t alloc_migratetype, fallback_migratetype;
    int32_t change_ownership;      /* the pageblock now has alloc_migratetype */
    int32_t reserved;              /* 0 */
};
#define PA_TRACE_NO_PFN UINT64_MAX

/* Called for each enabled event, on the thread that caused it, before the
 * allocator call returns. It must not call back into the allocator and should
 * be quick: it may run with allocator locks held:
 *   mm_page_alloc                           no lock
 *   mm_page_free                            none (single free) or the pcp lock
 *                                           (batched free: pa_free_pages_bulk,
 *                                           pa_release_pages)
 *   mm_page_free_batched                    the pcp lock
 *   mm_page_alloc_zone_locked,
 *   mm_page_alloc_extfrag                   the zone lock, and the pcp lock on a refill
 *   mm_page_pcpu_drain                      the pcp lock and the zone lock
 * ev is valid only during the call. */
typedef void (*pa_trace_fn)(void *ctx, const struct pa_trace_event *ev);

/* Calls fn(ctx, ev) for the events whose PA_TRACE_MASK bit is in mask. fn NULL
 * (or mask 0) turns tracing off; without a callback each event site costs one
 * predictable branch. fn, ctx and mask are switched together: an event goes to
 * the old or to the new callback, never to a mix; a call already running
 * when tracing goes on or off may report some of its events and not others.
 * ctx must stay valid while calls that began before the switch may still be
 * running. Returns 0, or
 * -EINVAL for a NULL allocator or mask bits beyond PA_TRACE_ALL. */
PA_API int pa_set_trace(pa_allocator *a, pa_trace_fn fn, void *ctx, uint32_t mask);

/* The event's name as the kernel's tracefs and perf print it ("mm_page_alloc"),
 * without the "kmem:" system; NULL for an unknown type. */
PA_API const char *pa_trace_event_name(uint32_t type);

/* snprintf-style: the event's text exactly as the kernel's TP_printk prints it
 * (perf script's form), e.g. for mm_page_alloc
 *   page=0x1d6a65 pfn=0x1d6a65 order=0 migratetype=1 gfp_flags=GFP_KERNEL|__GFP_ZERO
 * page= has no struct page address to show here: it prints what perf script
 * prints for the kernel (libtraceevent evaluates the pfn_to_page() of the
 * format as the pfn), 0x<pfn>, or (nil) with pfn=0x0 for a failed
 * allocation; a line of ours and a line of perf script parse alike, keyed on
 * pfn. Returns the length the full text needs; 0 (and an empty buf) for a
 * NULL or unknown event. */
PA_API size_t pa_format_trace_event(const struct pa_trace_event *ev, char *buf, size_t size);

/* Kernel-only gfp bits: printed and parsed by name, never accepted by the
 * allocator (mask a parsed value with PA_GFP_ALL_FLAGS before allocating).
 * Values as the 6.18 x86-64 kernel's (gfp_types.h, CONFIG_SLAB_OBJ_EXT). */
#define PA_GFP_KERNEL_WRITE      0x00001000u  /* __GFP_WRITE */
#define PA_GFP_KERNEL_MEMALLOC   0x00020000u  /* __GFP_MEMALLOC */
#define PA_GFP_KERNEL_ZEROTAGS   0x00800000u  /* __GFP_ZEROTAGS */
#define PA_GFP_KERNEL_NO_OBJ_EXT 0x01000000u  /* __GFP_NO_OBJ_EXT */

/* snprintf-style: gfp as the kernel's show_gfp_flags() prints it: composite
 * names first in the kernel's order (GFP_TRANSHUGE ... GFP_KERNEL, GFP_NOFS,
 * GFP_ATOMIC, GFP_NOIO, GFP_NOWAIT, GFP_DMA, GFP_DMA32, __GFP_RECLAIM), then
 * the remaining __GFP_ bits, '|'-separated, leftover bits as 0x..., "none"
 * for 0. The composites have the 6.18 kernel's values, which may differ from
 * the PA_GFP_ macros of the same name (GFP_NOWAIT includes __GFP_NOWARN). */
PA_API size_t pa_format_gfp_flags(pa_gfp_t gfp, char *buf, size_t size);

/* Parses the kernel's printed gfp forms: names joined by '|' (composite and
 * __GFP_ names as pa_format_gfp_flags prints them), 0x... hex numbers, or
 * "none". Returns 0 and sets *out, or -EINVAL (and *out untouched) for an
 * unknown name, an empty part or a NULL argument. */
PA_API int pa_parse_gfp_flags(const char *text, pa_gfp_t *out);

/* ---- Per-CPU list tuning (Linux 6.7-6.18, PA_CFG_PCP_AUTOTUNE) ---------------- */

/* What the kernel's per-second vmstat work does to the pcp lists
 * (refresh_cpu_vm_stats -> decay_pcp_high): on every CPU's list of every
 * zone, high above high_min drops by an eighth (but not below count minus
 * 32 batches, nor high_min), and the pages above the new high go back to the
 * buddy lists. Nothing runs in the background: call it as often as the
 * kernel's vmstat interval would (once a second). Without PA_CFG_PCP_AUTOTUNE
 * high is fixed and the call changes nothing. NULL is logged and ignored. */
PA_API void pa_vmstat_tick(pa_allocator *a);

/* Sets the high of the pcp of (cpu, zone of node nid), clamped to
 * [high_min, high_max], as a running kernel's tuning left it (Kernel: none;
 * /proc/zoneinfo's per-cpu "high:" shows it), so that a replay can start
 * where the host was. PA_CFG_PCP_AUTOTUNE only: high is fixed without it
 * (-EINVAL). Errors as pa_pcp_info. Any thread. */
PA_API int pa_set_pcp_high(pa_allocator *a, int cpu, int nid, enum pa_zone_type zone,
                           uint32_t high);

/* Disables the pcp lists of the zone (node nid) on every CPU, as memory
 * offlining does (Kernel: zone_pcp_disable()): high 0 and batch 1, then every
 * CPU's lists of the zone drained. Until pa_zone_pcp_enable() an allocation
 * takes one block through its list and a free goes back to the buddy lists
 * at once; alloc_factor and free_count move as the kernel's do (a free still
 * halves alloc_factor, a refill of one block leaves it). Calls nest: the
 * last enable restores. Returns 0; errors as pa_pcp_info. The caller keeps a
 * disable and an enable of one zone from running at once. */
PA_API int pa_zone_pcp_disable(pa_allocator *a, int nid, enum pa_zone_type zone);
/* Restores batch, high_min and high_max after pa_zone_pcp_disable() (Kernel:
 * zone_pcp_enable()); with PA_CFG_PCP_AUTOTUNE each list's high starts again
 * at high_min at its next use. Returns 0; -EINVAL when the zone is not
 * disabled, else errors as pa_pcp_info. */
PA_API int pa_zone_pcp_enable(pa_allocator *a, int nid, enum pa_zone_type zone);
/* Adds delta (negative: removes) to the managed pages of the zone (node
 * nid), as memory hot-plug does when a block goes online or offline (Kernel:
 * adjust_managed_page_count() and init_per_zone_wmark_min()): every zone's
 * watermarks and lowmem reserves, and its pcp batch, high_min and high_max,
 * are computed again from the new sizes (each list's high is clamped into
 * its new bounds at its next use). No page changes hands: the caller holds
 * the pages it takes out of the count, and frees those it brings in. The
 * result must lie in 1..present (-EINVAL); errors as pa_pcp_info. No other
 * call into the allocator may run at the same time. */
PA_API int pa_adjust_managed_pages(pa_allocator *a, int nid, enum pa_zone_type zone, int64_t delta);

/* Gives the pageblock holding pfn the migratetype mt (unmovable, movable or
 * reclaimable) and moves its free blocks to mt's free lists (Kernel:
 * set_pageblock_migratetype() then move_freepages_block()), so that an
 * allocator can start with the pageblock types of a host's
 * /proc/pagetypeinfo. Pages on pcp lists stay where they are. Returns 0;
 * -EINVAL for a NULL allocator, a pfn outside every zone, another mt, or a
 * high-atomic pageblock (its reserve is accounted). Any thread. */
PA_API int pa_set_pageblock_migratetype(pa_allocator *a, uint64_t pfn, int mt);

/* ---- page_pool (Kernel: net/core/page_pool.c, Linux 6.18; rules in docs/PAGE_POOL.md) ---- */

/* A page pool: a per-consumer cache of blocks of one order, refilled in bulk
 * from its allocator, with a recycle ring so that blocks put back by other
 * threads return without touching the allocator. Opaque.
 * The pool's context: allocation and direct recycling (cache access) run on
 * one thread at a time, which the caller guarantees, as a NAPI poll loop
 * does; puts from other threads go through the ring under its lock. */
typedef struct pa_page_pool pa_page_pool;

#define PA_PP_FLAG_DMA_MAP       (1u << 0)   /* accepted, no-op: no device here */
#define PA_PP_FLAG_DMA_SYNC_DEV  (1u << 1)   /* needs DMA_MAP and max_len, else -EINVAL */
#define PA_PP_FLAG_ALL           (PA_PP_FLAG_DMA_MAP | PA_PP_FLAG_DMA_SYNC_DEV)
#define PA_PP_ALLOC_CACHE_SIZE   128
#define PA_PP_ALLOC_CACHE_REFILL 64
#define PA_PP_RING_DEFAULT       1024
#define PA_PP_RING_MAX           16384

struct pa_page_pool_params {
    unsigned int order;      /* block order 0..PA_MAX_ORDER */
    unsigned int pool_size;  /* recycle ring slots; 0 = PA_PP_RING_DEFAULT; clamped to PA_PP_RING_MAX */
    int nid;                 /* preferred node; PA_NUMA_NO_NODE = node of the creating thread's CPU */
    unsigned int flags;      /* PA_PP_FLAG_*; any other bit: -EINVAL */
    unsigned int max_len;    /* for DMA_SYNC_DEV */
    unsigned int offset;     /* kept for the caller, as in the kernel */
};

/* Creates a pool over a (Kernel: page_pool_create()). Any thread. Returns 0
 * and sets *out; -EINVAL (logged) for NULL arguments, an order above
 * PA_MAX_ORDER, unknown flags, DMA_SYNC_DEV without DMA_MAP or max_len, a node
 * a lacks; -ENOMEM without memory. The pool lives until pa_page_pool_destroy
 * and its last page's return, or pa_destroy(a). */
PA_API int pa_page_pool_create(pa_allocator *a, const struct pa_page_pool_params *p,
                               pa_page_pool **out);

/* Kernel: page_pool_destroy(). From the pool's context, once. Returns the
 * cache and ring to the allocator at once; while pages are still with callers
 * the pool lingers (their puts go straight back to the allocator) and the
 * last put frees it. The pool must not be used for allocation afterwards. */
PA_API void pa_page_pool_destroy(pa_page_pool *pool);

/* Kernel: page_pool_alloc_pages(). Pool's context only. One block of the
 * pool's order: from the cache, else the ring, else the allocator (order 0:
 * 64 pages in one bulk call). NULL when nothing is left or on bad input. */
PA_API struct pa_page *pa_page_pool_alloc_pages(pa_page_pool *pool, pa_gfp_t gfp);

/* Fills the NULL slots of array[0..nr) as nr pa_page_pool_alloc_pages calls
 * would; returns the populated count (pre-populated slots included, as the
 * bulk allocator's B4). Pool's context only. Not in the kernel. */
PA_API unsigned long pa_page_pool_alloc_bulk(pa_page_pool *pool, pa_gfp_t gfp,
                                             unsigned long nr, struct pa_page **array);

/* Kernel: page_pool_alloc_va(), in bulk: the addresses of up to nr whole
 * blocks into va[0..n), n returned (fewer only when the allocator has no
 * more). Pool's context only. The pool's own address form, as DPDK's
 * rte_mempool_get_bulk: no descriptor array to fill and clear. 0 and a log
 * line for an allocator whose pages lack addresses in one map (metadata-only,
 * or nodes mapped apart). Not in the kernel. */
PA_API unsigned long pa_page_pool_alloc_va_bulk(pa_page_pool *pool, pa_gfp_t gfp,
                                                unsigned long nr, void **va);

/* Kernel: page_pool_free_va() for va[0..count): each block put as
 * pa_page_pool_put_full_page would put it. Direct (allow_direct, or on the
 * owner thread), a batch that is all recyclable and fits the cache goes in
 * one pass. An address that is not a block of the pool's allocator is
 * logged and skipped. The array is left as it is. Not in the kernel. */
PA_API void pa_page_pool_free_va_bulk(pa_page_pool *pool, void *const *va, unsigned long count,
                                      bool allow_direct);

/* Kernel: page_pool_put_page(). Any thread. Drops one fragment reference
 * (pa_page_pool_alloc_frag); the last recycles the page: to the cache when
 * allow_direct or called on the owner thread, else the ring, else back to the
 * allocator. A page whose reference count pa_get_page raised leaves the pool
 * with pa_put_page semantics. Bad puts are logged and change nothing. */
PA_API void pa_page_pool_put_page(pa_page_pool *pool, struct pa_page *page,
                                  int dma_sync_size, bool allow_direct);

/* Kernel: page_pool_put_full_page(). pa_page_pool_put_page with dma_sync_size -1. */
PA_API void pa_page_pool_put_full_page(pa_page_pool *pool, struct pa_page *page,
                                       bool allow_direct);

/* Kernel: page_pool_recycle_direct(). Pool's context only: a put with
 * allow_direct, the fast way back into the cache. */
PA_API void pa_page_pool_recycle_direct(pa_page_pool *pool, struct pa_page *page);

/* pa_page_pool_recycle_direct for pages[0..count), with the same outcome
 * for every page; the array is left as it is. Pool's context only. When all
 * are recyclable and fit the cache, one pass with no call per page. Not in
 * the kernel. */
PA_API void pa_page_pool_recycle_direct_bulk(pa_page_pool *pool, struct pa_page *const *pages,
                                             unsigned long count);

/* Kernel: page_pool_put_netmem_bulk() (6.14+). Any thread; pages of any
 * pools, NULL slots skipped and every slot set to NULL. One ring lock round
 * per pool; the owner thread's own pool's pages try its cache first. */
PA_API void pa_page_pool_put_page_bulk(struct pa_page **pages, unsigned long count);

/* Kernel: page_pool_alloc_frag(). Pool's context only. Carves size bytes
 * (aligned to 64) out of the pool's current block; sets *page and *offset and
 * returns the fragment's address (NULL in a metadata-only allocator). Each
 * fragment is returned with one pa_page_pool_put_page. NULL and *page NULL on
 * failure or when size exceeds the block (logged). */
PA_API void *pa_page_pool_alloc_frag(pa_page_pool *pool, struct pa_page **page,
                                     unsigned int *offset, unsigned int size, pa_gfp_t gfp);

/* Names the calling thread the pool's context (Kernel: the NAPI instance's
 * CPU, page_pool_napi_local()): its puts count as direct. Any thread. */
PA_API void pa_page_pool_set_owner(pa_page_pool *pool);

/* Kernel: page_pool_inflight(). Blocks taken from the allocator and not yet
 * given back: in the cache, the ring or with callers; -EINVAL for NULL. */
PA_API long pa_page_pool_inflight(const pa_page_pool *pool);

struct pa_page_pool_stats {
    uint64_t alloc_fast, alloc_slow, alloc_slow_high_order, alloc_empty, alloc_refill, alloc_waive;
    uint64_t recycle_cached, recycle_cache_full, recycle_ring, recycle_ring_full, recycle_released_refcnt;
};

/* Kernel: page_pool_get_stats(). Any thread; a snapshot. 0 or -EINVAL. */
PA_API int pa_page_pool_get_stats(const pa_page_pool *pool, struct pa_page_pool_stats *out);

/* Kernel: page_pool_ethtool_stats_get(). One "rx_pp_alloc_fast: N" line per
 * counter, snprintf-style: returns the length the full text needs, or -EINVAL. */
PA_API int pa_format_page_pool_stats(const pa_page_pool *pool, char *buf, size_t size);

/* ---- Free page reporting (Kernel: mm/page_reporting.c, 6.18; docs/REPORTING.md) ---- */

/* With PA_CFG_PAGE_REPORTING, free blocks of order >= the reporting order go
 * to a report function in batches: off their free list while it runs, with
 * no allocator lock held, then back at the tail of their list marked
 * reported, so that later passes skip them. The default report gives the
 * blocks' memory back to the OS (madvise MADV_DONTNEED): RSS falls, and a
 * reported block reads as zeros when next allocated (private anonymous
 * memory: the allocator's own, or caller memory of that kind). A free that
 * leaves a block of the reporting order or above only requests a pass;
 * nothing is reported on the allocation or free paths. Passes run when
 * pa_page_reporting_run is called, or on the allocator's own thread
 * (pa_page_reporting_start) a delay after a request. A reported block is an
 * ordinary free block: any allocation may take it, and the mark goes. */
#define PA_PAGE_REPORTING_CAPACITY 32    /* blocks per report call (Kernel: PAGE_REPORTING_CAPACITY) */
#define PA_PAGE_REPORTING_DELAY_MS 2000  /* request to pass (Kernel: PAGE_REPORTING_DELAY) */
/* pa_page_reporting_stats.state (Kernel: PAGE_REPORTING_IDLE ...) */
#define PA_PAGE_REPORTING_IDLE      0    /* no pass wanted */
#define PA_PAGE_REPORTING_REQUESTED 1    /* a free asked for a pass that has not begun */
#define PA_PAGE_REPORTING_ACTIVE    2    /* a pass runs, no request since it began */

/* One free block handed to a report function. */
struct pa_page_report_block {
    struct pa_page *page;  /* the block's head descriptor: do not touch it */
    uint64_t pfn;
    void *addr;            /* the block's memory; NULL in a metadata-only allocator */
    uint32_t order;
    uint32_t reserved;     /* 0 */
};

/* A report function (Kernel: page_reporting_dev_info.report): blocks[0..nr),
 * 1 <= nr <= PA_PAGE_REPORTING_CAPACITY, are free and on no list while it
 * runs; it is called with no allocator lock held, on the thread running the
 * pass. Returns 0, or a negative errno: those blocks then go back unreported,
 * counted in failures, and the pass ends there. It may allocate and free
 * pages of the allocator; it must not call pa_check, pa_destroy,
 * pa_page_reporting_run, _stop or pa_set_page_reporting_callback (the last
 * three return -EDEADLK from it). blocks is valid only during the call. */
typedef int (*pa_page_report_fn)(void *ctx, const struct pa_page_report_block *blocks,
                                 unsigned int nr);

/* Sets the report function; fn NULL restores the default (madvise
 * MADV_DONTNEED on each block's memory; in a metadata-only allocator,
 * nothing: passes then report no block). Waits for a pass in progress. Any
 * thread. Returns 0; -EINVAL for a NULL allocator or one without
 * PA_CFG_PAGE_REPORTING; -EDEADLK from a report function. */
PA_API int pa_set_page_reporting_callback(pa_allocator *a, pa_page_report_fn fn, void *ctx);

/* Runs one reporting pass now, on the calling thread, whether or not one was
 * requested (Kernel: page_reporting_process()); waits for a pass already
 * running first. Per zone above its low watermark (plus a batch), per order
 * >= the reporting order, per free list: a sixteenth of the order's free
 * blocks, in batches (and one batch more). Returns the pages this pass
 * reported (0 when nothing was left to report); the report function's
 * negative errno if it failed (blocks reported before stay reported);
 * -EINVAL as pa_set_page_reporting_callback; -EDEADLK from a report
 * function. Any thread, no allocator lock held. */
PA_API int64_t pa_page_reporting_run(pa_allocator *a);

/* Starts the allocator's reporting thread: a pass runs delay_ms (0:
 * PA_PAGE_REPORTING_DELAY_MS) after a free requests one, and again after the
 * same delay when requests came in while a pass ran or the budget ran out.
 * A request pending at the start (pa_create makes one) is timed from now.
 * Returns 0; -EALREADY if it runs; -EAGAIN if no thread could be created;
 * -EINVAL as pa_set_page_reporting_callback. Any thread. pa_destroy stops it. */
PA_API int pa_page_reporting_start(pa_allocator *a, unsigned int delay_ms);

/* Stops the reporting thread, waiting for its pass in progress. 0 also when
 * it was not running; -EINVAL as above; -EDEADLK from a report function. */
PA_API int pa_page_reporting_stop(pa_allocator *a);

/* Counters of free page reporting (not in the kernel, which keeps none;
 * pa_format_vmstat prints them as page_reporting_* lines). */
struct pa_page_reporting_stats {
    uint64_t pages_reported;      /* pages of blocks whose report succeeded, all passes */
    uint64_t blocks_reported;     /* those blocks */
    uint64_t passes;              /* passes that had a report function */
    uint64_t skipped_wmark;       /* unreported blocks left in zones a pass skipped: low watermark */
    uint64_t failures;            /* blocks whose report failed */
    uint64_t reported_free_pages; /* now: free pages in blocks marked reported */
    uint32_t order;               /* the reporting order in force */
    uint32_t state;               /* PA_PAGE_REPORTING_IDLE, _REQUESTED or _ACTIVE */
    uint32_t thread_running;      /* 1 between pa_page_reporting_start and _stop */
    uint32_t delay_ms;            /* the thread's delay */
};

/* A snapshot of the counters; any thread, no lock. 0, or -EINVAL for NULL
 * arguments or an allocator without PA_CFG_PAGE_REPORTING. */
PA_API int pa_page_reporting_get_stats(pa_allocator *a, struct pa_page_reporting_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* PAGEALLOC_PAGEALLOC_H */
