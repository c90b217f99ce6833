// SPDX-License-Identifier: GPL-2.0-only
/* alloc.c - single and higher-order allocation: the fast path on the low
 * watermark and the user-space slow path (Kernel: __alloc_pages,
 * get_page_from_freelist, rmqueue, __alloc_pages_slowpath). */
#include "internal.h"
#include "trace.h"

#include <string.h>

/* The single-page path is the kernel's, function for function; these
 * attributes only decide which of them the compiler keeps out of line: the
 * pcp hit runs in one frame, the buddy lists and the slow path in their own. */
#define fast_path static inline __attribute__((always_inline))
#define slow_path static __attribute__((noinline))

/* Kernel: rmqueue_pcplist(): the pcp lock is only tried; NULL sends the
 * caller to the zone lock path. */
fast_path struct pa_page *rmqueue_pcplist(struct pa_zone *preferred, struct pa_zone *z, unsigned order,
                                          unsigned alloc_flags, const struct alloc_context *ac)
{
    struct per_cpu_pages *pcp = &z->pcp[ac->cpu];
    if (unlikely(!spin_trylock(&pcp->lock)))
        return NULL;
    /* An allocation resets the escalating batch frees (nr_pcp_free). */
    pcp->free_factor >>= 1;
    struct pa_list_head *list = &pcp->lists[order_to_pindex(ac->migratetype, order)];
    struct pa_page *page = __rmqueue_pcplist(z, order, ac->migratetype, alloc_flags, pcp, list);
    if (page) {
        counter_add(&pcp->events[ZEV_PGALLOC], 1ull << order);
        zone_statistics(preferred, z, pcp->events, ac->local_nid, 1);
    }
    spin_unlock(&pcp->lock);
    return page;
}

/* Kernel: rmqueue_buddy() */
slow_path struct pa_page *rmqueue_buddy(struct pa_zone *preferred, struct pa_zone *z, unsigned order,
                                        unsigned alloc_flags, const struct alloc_context *ac)
{
    struct pa_page *page = NULL;
    os_mutex_lock(&z->lock);
    if (order > 0 && (alloc_flags & ALLOC_HIGHATOMIC))
        page = rmqueue_smallest(z, order, PA_MIGRATE_HIGHATOMIC);
    if (!page) {
        page = rmqueue_locked(z, order, ac->migratetype, alloc_flags);
        /* Failing now is worse than failing a future atomic request. */
        if (!page && (alloc_flags & ALLOC_OOM))
            page = rmqueue_smallest(z, order, PA_MIGRATE_HIGHATOMIC);
    }
    if (page) {
        set_page_allocated(page, order);
        zone_mod_free_pages(z, -(1l << order));
        counter_add(&z->events[ZEV_PGALLOC], 1ull << order);
        zone_statistics(preferred, z, z->events, ac->local_nid, 1);
    }
    os_mutex_unlock(&z->lock);
    return page;
}

/* Kernel: rmqueue() */
fast_path struct pa_page *rmqueue(struct pa_zone *preferred, struct pa_zone *z, unsigned order,
                                  unsigned alloc_flags, const struct alloc_context *ac)
{
    if (likely(pcp_allowed_order(order))) {
        struct pa_page *page = rmqueue_pcplist(preferred, z, order, alloc_flags, ac);
        if (likely(page))
            return page;
    }
    return rmqueue_buddy(preferred, z, order, alloc_flags, ac);
}

/* Kernel: alloc_flags_nofragment(): avoid mixing pageblocks in NORMAL when
 * a DMA32 zone below it can take the fragmenting fallbacks. */
static unsigned alloc_flags_nofragment(const struct pa_allocator *a, const struct pa_zone *z, pa_gfp_t gfp)
{
    unsigned flags = gfp & PA_GFP_KSWAPD_RECLAIM;
    if (!z || z->idx != PA_ZONE_NORMAL)
        return flags;
    if (a->numa && !populated_zone(&z->node->zones[PA_ZONE_DMA32]))
        return flags;
    return flags | ALLOC_NOFRAGMENT;
}

/* Kernel: get_page_from_freelist() */
fast_path struct pa_page *get_page_from_freelist(struct pa_allocator *a, pa_gfp_t gfp, unsigned order,
                                                 unsigned alloc_flags, const struct alloc_context *ac)
{
    struct pa_zone *preferred = ac->preferred_zoneref->zone;
retry:;
    bool no_fallback = alloc_flags & ALLOC_NOFRAGMENT;
    for (struct zoneref *zr = ac->preferred_zoneref; zr->zone;
         zr = next_zones_zonelist(zr + 1, ac->highest_zoneidx, ac->nodemask)) {
        struct pa_zone *z = zr->zone;
        if ((alloc_flags & ALLOC_CPUSET) && !cpuset_zone_allowed(ac, z))
            continue;
        /* Locality matters more than fragmentation: retry without
         * NOFRAGMENT before going to a remote node. */
        if (no_fallback && a->numa && z != preferred && z->nid != preferred->nid) {
            alloc_flags &= ~ALLOC_NOFRAGMENT;
            goto retry;
        }
        if (unlikely(a->pcp_autotune))   /* 6.7+: ZONE_BELOW_HIGH */
            zone_note_below_high(z, order, ac->highest_zoneidx, alloc_flags);
        if (!(alloc_flags & ALLOC_NO_WATERMARKS)) {
            uint64_t mark = z->watermark[alloc_flags & ALLOC_WMARK_MASK];
            if (!zone_watermark_fast(z, order, mark, ac->highest_zoneidx, alloc_flags))
                continue;
        }
        struct pa_page *page = rmqueue(preferred, z, order, alloc_flags, ac);
        if (page) {
            if (unlikely(prep_needed(a, gfp)))
                prep_new_page(a, page, order, gfp);
            if (unlikely(order && (alloc_flags & ALLOC_HIGHATOMIC)))
                reserve_highatomic_pageblock(z, page);
            return page;
        }
    }
    if (no_fallback) {
        alloc_flags &= ~ALLOC_NOFRAGMENT;
        goto retry;
    }
    return NULL;
}

/* Kernel: __perform_reclaim() -> try_to_free_pages(): in user space, ask the
 * registered reclaim callbacks, with no lock held. */
static unsigned long perform_reclaim(struct pa_allocator *a, unsigned order, int nid)
{
    struct reclaimer rs[PA_MAX_RECLAIMERS];
    int n;
    os_mutex_lock(&a->cb_lock);
    n = a->nr_reclaimers;
    memcpy(rs, a->reclaimers, sizeof(rs[0]) * (size_t)n);
    os_mutex_unlock(&a->cb_lock);
    unsigned long want = (1ul << order) > SWAP_CLUSTER_MAX ? (1ul << order) : SWAP_CLUSTER_MAX;
    unsigned long freed = 0;
    for (int i = 0; i < n && freed < want; i++)
        freed += rs[i].fn(rs[i].ctx, a, nid, want - freed);
    atomic_fetch_add_explicit(&a->allocstall, 1, memory_order_relaxed);
    return freed;
}

/* Kernel: __alloc_pages_direct_reclaim(): reclaim, retry, and once drain
 * every CPU's lists (and free the high-atomic reserve) before giving up. */
static struct pa_page *direct_reclaim(struct pa_allocator *a, pa_gfp_t gfp, unsigned order,
                                      unsigned alloc_flags, const struct alloc_context *ac,
                                      unsigned long *progress)
{
    bool drained = false;
    *progress = perform_reclaim(a, order, ac->preferred_zoneref->zone->nid);
retry:;
    struct pa_page *page = get_page_from_freelist(a, gfp, order, alloc_flags, ac);
    if (!page && !drained) {
        unreserve_highatomic_pageblock(a, ac, false);
        pa_drain_all_pages(a);
        drained = true;
        goto retry;
    }
    return page;
}

/* Kernel: should_reclaim_retry(). Without page-cache accounting, progress
 * reported by the reclaim callbacks is what justifies another round. */
static bool should_reclaim_retry(struct pa_allocator *a, const struct alloc_context *ac, unsigned order,
                                 unsigned long progress, int *no_progress_loops)
{
    if (progress && order <= PA_COSTLY_ORDER)
        *no_progress_loops = 0;
    else
        (*no_progress_loops)++;
    if (*no_progress_loops > MAX_RECLAIM_RETRIES)
        return unreserve_highatomic_pageblock(a, ac, true);
    return progress != 0;
}

/* Kernel: warn_alloc() */
static void warn_alloc(struct pa_allocator *a, pa_gfp_t gfp, unsigned order, const pa_nodemask_t *nodemask)
{
    char flags[256];
    if (gfp & PA_GFP_NOWARN)
        return;
    gfp_format(gfp, flags, sizeof(flags));
    if (nodemask)
        pa_log(a, PA_LOG_WARNING, "page allocation failure: order:%u, mode:%#x(%s), nodemask=%#llx",
               order, gfp, flags, (unsigned long long)nodemask->bits[0]);
    else
        pa_log(a, PA_LOG_WARNING, "page allocation failure: order:%u, mode:%#x(%s), nodemask=(null)",
               order, gfp, flags);
}

/* Kernel: __alloc_pages_slowpath(), for user space: the min watermark and
 * the reserves, reclaim callbacks with a drain of every CPU, retries as
 * NORETRY / RETRY_MAYFAIL / NOFAIL allow. No kswapd, compaction or OOM kill. */
slow_path struct pa_page *alloc_pages_slowpath(struct pa_allocator *a, pa_gfp_t gfp, unsigned order,
                                               struct alloc_context *ac)
{
    bool can_direct_reclaim = gfp & PA_GFP_DIRECT_RECLAIM;
    bool costly = order > PA_COSTLY_ORDER;
    int no_progress_loops = 0;
    unsigned rounds = 0;
    unsigned alloc_flags = gfp_to_alloc_flags(gfp, order);
    struct pa_page *page;
    unsigned long progress;

retry:
    page = get_page_from_freelist(a, gfp, order, alloc_flags, ac);
    if (page)
        return page;
    if (!can_direct_reclaim)
        goto nopage;
    page = direct_reclaim(a, gfp, order, alloc_flags, ac, &progress);
    if (page)
        return page;
    if (gfp & PA_GFP_NORETRY)
        goto nopage;
    if (costly && !(gfp & PA_GFP_RETRY_MAYFAIL))
        goto nopage;
    /* A callback that keeps claiming progress without helping must not
     * spin forever; the kernel bounds the same loop by reclaimable pages. */
    if (++rounds < 1000 && should_reclaim_retry(a, ac, order, progress, &no_progress_loops))
        goto retry;
nopage:
    if (gfp & PA_GFP_NOFAIL) {
        if (!can_direct_reclaim) {
            pa_log(a, PA_LOG_WARNING, "__GFP_NOFAIL without __GFP_DIRECT_RECLAIM cannot wait: failing");
            goto fail;
        }
        /* Wait for someone else to free memory, as the kernel does. */
        if (rounds == 1000)
            pa_log(a, PA_LOG_WARNING, "__GFP_NOFAIL order:%u allocation still waiting for memory", order);
        os_sleep_us(1000);
        rounds++;
        no_progress_loops = 0;
        goto retry;
    }
fail:
    warn_alloc(a, gfp, order, ac->nodemask);
    return NULL;
}

/* Kernel: __alloc_pages() after argument checking. */
fast_path struct pa_page *__alloc_pages(struct pa_allocator *a, pa_gfp_t gfp, unsigned order,
                                        int preferred_nid, const pa_nodemask_t *nodemask)
{
    struct alloc_context ac;
    struct pa_page *page = NULL;
    if (!prepare_alloc_context(a, gfp, preferred_nid, nodemask, &ac)) {
        warn_alloc(a, gfp, order, nodemask);
        goto out;
    }
    if (should_fail_alloc_page(a, gfp, order))
        goto out;
    unsigned alloc_flags = ALLOC_WMARK_LOW | ALLOC_CPUSET |
                           alloc_flags_nofragment(a, ac.preferred_zoneref->zone, gfp);
    page = get_page_from_freelist(a, gfp, order, alloc_flags, &ac);
    if (likely(page))
        goto out;
    page = alloc_pages_slowpath(a, gfp, order, &ac);
out:
    if (!page)
        atomic_fetch_add_explicit(&a->pgfail, 1, memory_order_relaxed);
    trace_mm_page_alloc(a, ac.cpu, page, order, gfp, gfp_migratetype(gfp));
    return page;
}

/* Kernel: __alloc_pages(), out of line for the bulk fallback and the
 * mempolicy paths. */
struct pa_page *alloc_pages_nodemask(struct pa_allocator *a, pa_gfp_t gfp, unsigned order,
                                     int preferred_nid, const pa_nodemask_t *nodemask)
{
    return __alloc_pages(a, gfp, order, preferred_nid, nodemask);
}

/* What alloc_args_ok() refused, said once, out of the fast path. */
slow_path bool alloc_args_report(struct pa_allocator *a, pa_gfp_t gfp, unsigned order, int nid,
                                 const char *fn)
{
    if (!a)
        pa_log(NULL, PA_LOG_WARNING, "%s: NULL allocator", fn);
    else if (order > PA_MAX_ORDER)
        pa_log(a, PA_LOG_WARNING, "%s: order %u above PA_MAX_ORDER", fn, order);
    else if (!gfp_valid(a, gfp))
        pa_log(a, PA_LOG_WARNING, "%s: invalid gfp mask %#x", fn, gfp);
    else
        pa_log(a, PA_LOG_WARNING, "%s: node %d out of range", fn, nid);
    return false;
}

/* The argument checks every allocation entry point shares. */
fast_path bool alloc_args_ok(struct pa_allocator *a, pa_gfp_t gfp, unsigned order, int nid,
                             const pa_nodemask_t *nodemask, const char *fn)
{
    (void)nodemask;
    if (likely(a && order <= PA_MAX_ORDER && gfp_valid(a, gfp) &&
               (nid == PA_NUMA_NO_NODE || (nid >= 0 && nid < a->nr_nodes))))
        return true;
    return alloc_args_report(a, gfp, order, nid, fn);
}

PA_API struct pa_page *pa_alloc_pages_nodemask(pa_allocator *a, pa_gfp_t gfp, unsigned int order,
                                               int preferred_nid, const pa_nodemask_t *nodemask)
{
    if (!alloc_args_ok(a, gfp, order, preferred_nid, nodemask, "pa_alloc_pages_nodemask"))
        return NULL;
    return alloc_pages_nodemask(a, gfp, order, preferred_nid, nodemask);
}

PA_API struct pa_page *pa_alloc_pages_node(pa_allocator *a, pa_gfp_t gfp, unsigned int order, int nid)
{
    if (!alloc_args_ok(a, gfp, order, nid, NULL, "pa_alloc_pages_node"))
        return NULL;
    return alloc_pages_nodemask(a, gfp, order, nid, NULL);
}

PA_API struct pa_page *pa_alloc_pages(pa_allocator *a, pa_gfp_t gfp, unsigned int order)
{
    if (!alloc_args_ok(a, gfp, order, PA_NUMA_NO_NODE, NULL, "pa_alloc_pages"))
        return NULL;
    /* B21: the thread's policy, as alloc_pages() follows the task's; one
     * load and branch while no thread of a has set one. */
    if (unlikely(atomic_load_explicit(&a->mpol_threads, memory_order_relaxed)) &&
        !(gfp & PA_GFP_THISNODE))
        return alloc_pages_mpol(a, gfp, order);
    /* Two copies: order 0, the common request, with every order test folded. */
    if (likely(order == 0))
        return __alloc_pages(a, gfp, 0, PA_NUMA_NO_NODE, NULL);
    return __alloc_pages(a, gfp, order, PA_NUMA_NO_NODE, NULL);
}

PA_API int pa_register_reclaim(pa_allocator *a, pa_reclaim_fn fn, void *ctx)
{
    if (!a || !fn)
        return pa_einval(a, "pa_register_reclaim: NULL allocator or callback");
    int err = 0;
    os_mutex_lock(&a->cb_lock);
    if (a->nr_reclaimers == PA_MAX_RECLAIMERS)
        err = -ENOSPC;
    else
        a->reclaimers[a->nr_reclaimers++] = (struct reclaimer){ fn, ctx };
    os_mutex_unlock(&a->cb_lock);
    return err;
}

PA_API int pa_unregister_reclaim(pa_allocator *a, pa_reclaim_fn fn, void *ctx)
{
    if (!a || !fn)
        return pa_einval(a, "pa_unregister_reclaim: NULL allocator or callback");
    int err = -ENOENT;
    os_mutex_lock(&a->cb_lock);
    for (int i = 0; i < a->nr_reclaimers; i++) {
        if (a->reclaimers[i].fn == fn && a->reclaimers[i].ctx == ctx) {
            a->reclaimers[i] = a->reclaimers[--a->nr_reclaimers];
            err = 0;
            break;
        }
    }
    os_mutex_unlock(&a->cb_lock);
    return err;
}
