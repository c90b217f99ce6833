// SPDX-License-Identifier: GPL-2.0-only
/* create.c - configuration, memory layout, creation and destruction
 * (Kernel: free_area_init, memmap_init, memblock_free_all). */
#include "internal.h"
#include "page_reporting.h"
#include "trace.h"

#include <stdlib.h>
#include <string.h>

#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define MAX_TOTAL_PAGES (1ull << 40)

PA_API const char *pa_version(void)
{
#define PA_STR2(x) #x
#define PA_STR(x) PA_STR2(x)
    return PA_STR(PA_VERSION_MAJOR) "." PA_STR(PA_VERSION_MINOR) "." PA_STR(PA_VERSION_PATCH);
}

PA_API void pa_config_init(struct pa_config *cfg)
{
    if (!cfg) {
        pa_log(NULL, PA_LOG_WARNING, "pa_config_init: NULL config");
        return;
    }
    memset(cfg, 0, sizeof(*cfg));
    cfg->page_shift = 12;
    cfg->nr_nodes = 1;
    cfg->node_zone_pages[0][PA_ZONE_NORMAL] = 65536;
    cfg->nr_cpus = (uint32_t)os_online_cpus();
}

/* Where every node and zone starts: each zone and node begins on a
 * MAX_ORDER-aligned pfn so buddy blocks never straddle two zones. Returns
 * the number of pfns, 0 if the config holds no page. */
struct layout {
    uint64_t zone_start[PA_MAX_NODES][PA_NR_ZONES];
    uint64_t node_start[PA_MAX_NODES], node_span[PA_MAX_NODES];
};

static uint64_t compute_layout(const struct pa_config *cfg, struct layout *l)
{
    uint64_t cursor = 0, pages = 0;
    for (uint32_t nid = 0; nid < cfg->nr_nodes; nid++) {
        cursor = ALIGN_UP(cursor, MAX_ORDER_NR_PAGES);
        l->node_start[nid] = cursor;
        for (int z = 0; z < PA_NR_ZONES; z++) {
            uint64_t n = cfg->node_zone_pages[nid][z];
            if (n > MAX_TOTAL_PAGES)
                return 0;
            cursor = ALIGN_UP(cursor, MAX_ORDER_NR_PAGES);
            l->zone_start[nid][z] = cursor;
            cursor += n;
            pages += n;
        }
        cursor = ALIGN_UP(cursor, MAX_ORDER_NR_PAGES);
        l->node_span[nid] = cursor - l->node_start[nid];
        if (cursor > MAX_TOTAL_PAGES)
            return 0;
    }
    return pages ? cursor : 0;
}

static int validate_config(const struct pa_config *cfg, struct layout *l, uint64_t *nr_pfns)
{
    if (!cfg)
        return pa_einval(NULL, "pa_create: NULL config");
    if (cfg->page_shift < 12 || cfg->page_shift > 21)
        return pa_einval(NULL, "pa_create: page_shift %u outside [12, 21]", cfg->page_shift);
    if (cfg->nr_nodes < 1 || cfg->nr_nodes > PA_MAX_NODES)
        return pa_einval(NULL, "pa_create: nr_nodes %u outside [1, %d]", cfg->nr_nodes, PA_MAX_NODES);
    if (cfg->nr_cpus > PA_MAX_CPUS)
        return pa_einval(NULL, "pa_create: nr_cpus %u above %d", cfg->nr_cpus, PA_MAX_CPUS);
    if (cfg->flags & ~PA_CFG_ALL_FLAGS)
        return pa_einval(NULL, "pa_create: unknown flags %#x", cfg->flags & ~PA_CFG_ALL_FLAGS);
    if (cfg->percpu_pagelist_high_fraction &&
        cfg->percpu_pagelist_high_fraction < MIN_PERCPU_PAGELIST_HIGH_FRACTION)
        return pa_einval(NULL, "pa_create: percpu_pagelist_high_fraction %u: 0 or at least %d",
                         cfg->percpu_pagelist_high_fraction, MIN_PERCPU_PAGELIST_HIGH_FRACTION);
    if ((cfg->flags & PA_CFG_METADATA_ONLY) && cfg->memory)
        return pa_einval(NULL, "pa_create: PA_CFG_METADATA_ONLY with caller memory");
    if (cfg->page_reporting_order > PA_MAX_ORDER)
        return pa_einval(NULL, "pa_create: page_reporting_order %u above %d", cfg->page_reporting_order,
                         PA_MAX_ORDER);
    /* The virtio balloon turns reporting off under page poisoning for the
     * same reason: a discarded page reads as zeros, not as the poison. */
    if ((cfg->flags & PA_CFG_PAGE_REPORTING) && (cfg->flags & PA_CFG_POISON))
        return pa_einval(NULL, "pa_create: PA_CFG_PAGE_REPORTING with PA_CFG_POISON");
    for (uint32_t nid = cfg->nr_nodes; nid < PA_MAX_NODES; nid++)
        for (int z = 0; z < PA_NR_ZONES; z++)
            if (cfg->node_zone_pages[nid][z])
                return pa_einval(NULL, "pa_create: pages on node %u >= nr_nodes", nid);
    *nr_pfns = compute_layout(cfg, l);
    if (!*nr_pfns)
        return pa_einval(NULL, "pa_create: no pages, or more than 2^40");
    uint32_t nr_cpus = cfg->nr_cpus ? cfg->nr_cpus : (uint32_t)os_online_cpus();
    if (cfg->cpu_to_node)
        for (uint32_t c = 0; c < nr_cpus; c++)
            if (cfg->cpu_to_node[c] < 0 || (uint32_t)cfg->cpu_to_node[c] >= cfg->nr_nodes)
                return pa_einval(NULL, "pa_create: cpu_to_node[%u] = %d out of range", c, cfg->cpu_to_node[c]);
    if (cfg->node_distance)
        for (uint32_t i = 0; i < cfg->nr_nodes * cfg->nr_nodes; i++)
            if (cfg->node_distance[i] == 0)
                return pa_einval(NULL, "pa_create: node_distance[%u] is 0", i);
    if (cfg->memory) {
        uint64_t need = *nr_pfns << cfg->page_shift;
        if (((uintptr_t)cfg->memory & ((1ull << cfg->page_shift) - 1)) || cfg->memory_size < need)
            return pa_einval(NULL, "pa_create: caller memory must be page-aligned and hold %llu bytes",
                             (unsigned long long)need);
    }
    return 0;
}

PA_API uint64_t pa_config_memory_size(const struct pa_config *cfg)
{
    struct layout *l = malloc(sizeof(*l));
    uint64_t nr_pfns = 0;
    if (!l)
        return 0;
    struct pa_config probe;
    if (cfg) {
        probe = *cfg;
        probe.memory = NULL;
        probe.flags &= ~PA_CFG_METADATA_ONLY;
    }
    int err = validate_config(cfg ? &probe : NULL, l, &nr_pfns);
    free(l);
    return err ? 0 : nr_pfns << cfg->page_shift;
}

static int map_node_memory(struct pa_allocator *a, struct pa_node *n)
{
    if (a->cfg.flags & PA_CFG_METADATA_ONLY)
        return 0;
    if (a->memory) {
        n->mem = a->memory + (n->start_pfn << a->page_shift);
        return 0;
    }
    if (!n->span)
        return 0;
    n->mem = os_map(n->span << a->page_shift, a->page_size, &n->map_base, &n->map_size);
    if (!n->mem)
        return -ENOMEM;
    if (a->cfg.flags & PA_CFG_BIND_NUMA) {
        int err = os_bind_node(n->mem, n->span << a->page_shift, n->nid);
        if (err)
            pa_log(a, PA_LOG_INFO, "node %d: memory not bound to a host NUMA node (%d)", n->nid, err);
    }
    return 0;
}

/* Kernel: memmap_init_range(): every frame gets its node and zone; frames
 * between zones are reserved. The table is zero (a fresh mapping, or cleared
 * on reset), and zero is a frame of node 0's normal zone (PG_ZONE_BIAS): only
 * other descriptors are written, so that the table's pages stay untouched
 * until their frames are used. */
static void init_page_descriptors(struct pa_allocator *a, const struct layout *l)
{
    for (int nid = 0; nid < a->nr_nodes; nid++) {
        uint32_t node_bits = (uint32_t)nid << PG_NODE_SHIFT;
        uint64_t end = l->node_start[nid] + l->node_span[nid];
        for (int z = 0; z < PA_NR_ZONES; z++) {
            uint32_t bits = zone_bits(z, nid);
            uint64_t s = l->zone_start[nid][z], e = s + a->cfg.node_zone_pages[nid][z];
            uint64_t hole = z + 1 < PA_NR_ZONES ? l->zone_start[nid][z + 1] : end;
            if (z == 0)
                for (uint64_t pfn = l->node_start[nid]; pfn < s; pfn++)
                    a->pages[pfn].flags = node_bits | PG_RESERVED;
            for (uint64_t pfn = s; bits && pfn < e; pfn++)
                a->pages[pfn].flags = bits;
            for (uint64_t pfn = e; pfn < hole; pfn++)
                a->pages[pfn].flags = node_bits | PG_RESERVED;
        }
    }
}

static int init_zone(struct pa_allocator *a, struct pa_node *n, int idx, uint64_t start, uint64_t pages)
{
    struct pa_zone *z = &n->zones[idx];
    z->alloc = a;
    z->node = n;
    z->idx = idx;
    z->nid = n->nid;
    z->allocated_word = page_state_word(zone_page_flags(z, PG_ALLOC), 1);
    z->pcp_word = page_state_word(zone_page_flags(z, PG_PCP), 0);
    z->start_pfn = start;
    z->spanned = z->present = z->managed = pages;
    for (int o = 0; o < PA_NR_PAGE_ORDERS; o++)
        for (int mt = 0; mt < PA_MIGRATE_TYPES; mt++)
            list_init(&z->free_area[o].free_list[mt]);
    if (os_mutex_init(&z->lock))
        return -ENOMEM;
    if (!pages)
        return 0;
    uint64_t blocks = (pages + PAGEBLOCK_NR_PAGES - 1) / PAGEBLOCK_NR_PAGES;
    z->pageblock_mt = malloc(blocks);
    z->pcp = aligned_alloc(64, sizeof(struct per_cpu_pages) * (size_t)a->nr_cpus);
    if (!z->pageblock_mt || !z->pcp)
        return -ENOMEM;
    /* Kernel: memmap_init_range() marks every pageblock movable at boot. */
    memset(z->pageblock_mt, PA_MIGRATE_MOVABLE, blocks);
    memset(z->pcp, 0, sizeof(struct per_cpu_pages) * (size_t)a->nr_cpus);
    for (int c = 0; c < a->nr_cpus; c++) {
        spin_init(&z->pcp[c].lock);
        for (int i = 0; i < NR_PCP_LISTS; i++)
            list_init(&z->pcp[c].lists[i]);
    }
    return 0;
}

static int copy_topology(struct pa_allocator *a, const struct pa_config *cfg)
{
    a->cpu_to_node = malloc(sizeof(int) * (size_t)a->nr_cpus);
    a->node_distance = malloc((size_t)a->nr_nodes * (size_t)a->nr_nodes);
    if (!a->cpu_to_node || !a->node_distance)
        return -ENOMEM;
    for (int c = 0; c < a->nr_cpus; c++)
        a->cpu_to_node[c] = cfg->cpu_to_node ? cfg->cpu_to_node[c]
                                             : (int)((int64_t)c * a->nr_nodes / a->nr_cpus);
    for (int i = 0; i < a->nr_nodes; i++)
        for (int j = 0; j < a->nr_nodes; j++)
            a->node_distance[i * a->nr_nodes + j] =
                cfg->node_distance ? cfg->node_distance[i * a->nr_nodes + j] : (i == j ? 10 : 20);
    a->cfg.cpu_to_node = NULL;
    a->cfg.node_distance = NULL;
    return 0;
}

/* PA_CFG_HUGE_MEMMAP: the table starts on a 2 MiB boundary (x86-64's PMD),
 * so that its huge pages cover whole descriptors from its first. */
#define HUGE_MEMMAP_ALIGN ((size_t)2 << 20)

/* `reuse`: the nodes of an allocator being reset, whose memory (and
 * descriptor table, already in a->pages) are kept. */
static int create(pa_allocator *a, const struct pa_config *cfg, const struct layout *l,
                  const struct pa_node *reuse)
{
    int err;
    if ((err = copy_topology(a, cfg)))
        return err;
    if (os_mutex_init(&a->threads_lock) || os_mutex_init(&a->cb_lock) || os_mutex_init(&a->pp_lock))
        return -ENOMEM;
    if (os_key_create(&a->tkey, thread_exit))
        return -EAGAIN;
    mem_init_setup(a);
    a->tkey_created = true;
    a->pages_bytes = a->nr_pfns * sizeof(struct pa_page);
    a->addr_bytes = (a->cfg.flags & PA_CFG_METADATA_ONLY) ? 0 : a->pages_bytes;
    a->addr_shift = a->page_shift - (unsigned)__builtin_ctz(sizeof(struct pa_page));
    if (!a->pages) {
        /* Transparent huge pages only when asked: one write into a 2 MiB
         * huge page makes all of it resident, and most callers write the
         * table sparsely (init_page_descriptors). */
        bool huge = a->cfg.flags & PA_CFG_HUGE_MEMMAP;
        a->pages = os_map(a->pages_bytes, huge ? HUGE_MEMMAP_ALIGN : 64, &a->pages_map_base, &a->pages_map_size);
        /* Kernel: vmemmap_populate_hugepages(). Advice only: a host without
         * transparent huge pages maps base pages, as without the flag. */
        if (a->pages && huge && os_advise_huge(a->pages, a->pages_bytes))
            pa_log(a, PA_LOG_INFO, "page descriptors: no huge pages from the host");
    } else {
        memset(a->pages, 0, a->pages_bytes);   /* reset: the table as fresh as a new mapping */
    }
    a->nodes = calloc((size_t)a->nr_nodes, sizeof(struct pa_node));
    if (!a->pages || !a->nodes)
        return -ENOMEM;
    init_page_descriptors(a, l);
    for (int nid = 0; nid < a->nr_nodes; nid++) {
        struct pa_node *n = &a->nodes[nid];
        n->nid = nid;
        n->start_pfn = l->node_start[nid];
        n->span = l->node_span[nid];
        if (reuse) {
            n->mem = reuse[nid].mem;
            n->map_base = reuse[nid].map_base;
            n->map_size = reuse[nid].map_size;
        } else if ((err = map_node_memory(a, n))) {
            return err;
        }
        a->mem_bias[nid] = (uintptr_t)n->mem - (uintptr_t)(n->start_pfn << a->page_shift);
        for (int z = 0; z < PA_NR_ZONES; z++)
            if ((err = init_zone(a, n, z, l->zone_start[nid][z], cfg->node_zone_pages[nid][z])))
                return err;
        /* On reset the free pages already hold the poison the free path
         * wrote, and allocator_reset poisoned the rest. */
        if ((a->cfg.flags & PA_CFG_POISON) && n->mem && !reuse)
            memset(n->mem, PA_POISON_BYTE, n->span << a->page_shift);
        /* init_on_free: no page enters the free lists holding data. */
        else if (want_init_on_free(a) && a->memory && n->mem)
            memset(n->mem, 0, n->span << a->page_shift);
    }
    if ((err = page_reporting_init(a)))
        return err;
    struct pa_zone *z;
    for_each_zone(a, z)
        free_pages_core(z, z->start_pfn, zone_end_pfn(z));
    if ((err = build_zonelists(a)))
        return err;
    a->min_free_kbytes = cfg->min_free_kbytes ? cfg->min_free_kbytes : calculate_min_free_kbytes(a);
    setup_per_zone_wmarks(a);
    setup_per_zone_lowmem_reserve(a);
    for_each_zone(a, z)
        setup_pcp(a, z);
    return 0;
}

static void init_fields(pa_allocator *a, const struct pa_config *cfg, uint64_t nr_pfns);

/* The parentheses keep the header's pa_create macro (which checks the
 * caller's layout version) off the exported function's definition. */
PA_API int (pa_create)(const struct pa_config *cfg, pa_allocator **out)
{
    struct layout *l;
    uint64_t nr_pfns;
    if (!out)
        return pa_einval(NULL, "pa_create: NULL out");
    *out = NULL;
    l = malloc(sizeof(*l));
    if (!l)
        return -ENOMEM;
    int err = validate_config(cfg, l, &nr_pfns);
    if (err) {
        free(l);
        return err;
    }
    pa_allocator *a = calloc(1, sizeof(*a));
    if (!a) {
        free(l);
        return -ENOMEM;
    }
    init_fields(a, cfg, nr_pfns);
    err = create(a, cfg, l, NULL);
    free(l);
    if (err) {
        pa_destroy(a);
        return err;
    }
    *out = a;
    return 0;
}

/* The fields pa_create sets from the configuration, on a zeroed allocator. */
static void init_fields(pa_allocator *a, const struct pa_config *cfg, uint64_t nr_pfns)
{
    /* A new id on every create and reset: the reset dropped every thread's
     * state, so no thread cache keyed by the old one may match. */
    static _Atomic uint64_t last_id;
    a->id = atomic_fetch_add_explicit(&last_id, 1, memory_order_relaxed) + 1;
    a->cfg = *cfg;
    a->page_shift = cfg->page_shift;
    a->page_size = (size_t)1 << cfg->page_shift;
    a->nr_nodes = (int)cfg->nr_nodes;
    a->nr_cpus = cfg->nr_cpus ? (int)cfg->nr_cpus : os_online_cpus();
    a->numa = a->nr_nodes > 1;
    a->pcp_autotune = cfg->flags & PA_CFG_PCP_AUTOTUNE;
    a->nr_pfns = nr_pfns;
    a->memory = cfg->memory;
    a->watermark_scale_factor = cfg->watermark_scale_factor ? cfg->watermark_scale_factor : 10;
    a->cfg.memory = NULL;
}

PA_API int pa_create_checked(const struct pa_config *cfg, pa_allocator **out,
                             uint32_t layout_version)
{
    if (layout_version != PA_LAYOUT_VERSION) {
        if (out)
            *out = NULL;
        pa_log(NULL, PA_LOG_ERR,
               "pa_create: the program was built for page layout version %u, this library has %u",
               layout_version, PA_LAYOUT_VERSION);
        return -EPROTO;
    }
    return (pa_create)(cfg, out);
}

/* What pa_destroy and allocator_reset both tear down: each zone's lock and
 * lists, the zonelists, every thread's state, the locks and the tracepoints.
 * The memory mappings and the node array stay: a reset keeps them. */
static void release_state(pa_allocator *a)
{
    for (int nid = 0; a->nodes && nid < a->nr_nodes; nid++) {
        struct pa_node *n = &a->nodes[nid];
        for (int zi = 0; zi < PA_NR_ZONES; zi++) {
            struct pa_zone *z = &n->zones[zi];
            if (!z->alloc)
                continue;
            os_mutex_destroy(&z->lock);
            free(z->pcp);
            free(z->pageblock_mt);
        }
        free(n->zonelist_fallback);
    }
    if (a->tkey_created)
        os_key_delete(a->tkey);
    threads_destroy(a);
    os_mutex_destroy(&a->threads_lock);
    os_mutex_destroy(&a->cb_lock);
    trace_destroy(a);
    os_mutex_destroy(&a->pp_lock);
}

PA_API void pa_destroy(pa_allocator *a)
{
    if (!a)
        return;
    page_reporting_destroy(a);
    page_pools_release_all(a);
    release_state(a);
    if (a->nodes) {
        for (int nid = 0; nid < a->nr_nodes; nid++)
            os_unmap(a->nodes[nid].map_base, a->nodes[nid].map_size);
        free(a->nodes);
    }
    os_unmap(a->pages_map_base, a->pages_map_size);
    free(a->cpu_to_node);
    free(a->node_distance);
    free(a);
}

/* Poisons the blocks still allocated, so that with PA_CFG_POISON every frame
 * of a zone holds the poison again, as after pa_create. */
static void poison_allocated(pa_allocator *a)
{
    for (uint64_t pfn = 0; pfn < a->nr_pfns; pfn++) {
        struct pa_page *p = &a->pages[pfn];
        if (page_state(p) != PG_ALLOC)
            continue;
        uint8_t *mem = (uint8_t *)(a->mem_bias[page_nid(p)] + (uintptr_t)(pfn << a->page_shift));
        memset(mem, PA_POISON_BYTE, a->page_size << p->order);
    }
}

/* Frees everything and brings a back to the state pa_create left, keeping
 * what is dear to make again: the page memory and the descriptor table,
 * already faulted in (the fuzzer resets one allocator between inputs), and
 * the log handler. Pools still alive are freed as pa_destroy frees them
 * (and logged). Every thread's state is dropped: only the calling thread
 * may be using a. On an error a can only be destroyed. */
int allocator_reset(pa_allocator *a)
{
    struct layout *l = malloc(sizeof(*l));
    struct pa_node *old = a->nodes;
    if (!l || !old) {
        free(l);
        return -ENOMEM;
    }
    uint64_t nr_pfns = compute_layout(&a->cfg, l);
    page_reporting_destroy(a);
    page_pools_release_all(a);
    if ((a->cfg.flags & PA_CFG_POISON) && a->addr_bytes)
        poison_allocated(a);
    release_state(a);

    struct pa_config cfg = a->cfg;
    cfg.memory = a->memory;
    cfg.nr_cpus = (uint32_t)a->nr_cpus;
    cfg.cpu_to_node = a->cpu_to_node;
    cfg.node_distance = a->node_distance;
    struct pa_page *pages = a->pages;
    void *pages_map_base = a->pages_map_base;
    size_t pages_map_size = a->pages_map_size;
    pa_log_fn log_fn = a->log_fn;
    void *log_ctx = a->log_ctx;

    memset(a, 0, sizeof(*a));
    init_fields(a, &cfg, nr_pfns);
    a->pages = pages;
    a->pages_map_base = pages_map_base;
    a->pages_map_size = pages_map_size;
    int err = create(a, &cfg, l, old);
    a->log_fn = log_fn;
    a->log_ctx = log_ctx;
    free(cfg.cpu_to_node);
    free(cfg.node_distance);
    free(old);
    free(l);
    return err;
}
