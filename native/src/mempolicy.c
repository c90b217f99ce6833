/* SPDX-License-Identifier: GPL-2.0-only */
/* mempolicy.c - per-thread memory policies and the allocations that follow
 * them (Kernel: mm/mempolicy.c, 6.18): set_mempolicy/get_mempolicy,
 * interleave weights, alloc_pages_mpol for pa_alloc_pages, and the bulk
 * form alloc_pages_bulk_mempolicy. Rules B20-B23 of docs/BULK_RULES.md.
 *
 * A thread's policy lives in its struct pa_thread, beside its pcp slot and
 * allowed nodes; only the thread itself reads or writes it, as only a task
 * changes its own mempolicy, so no lock guards it. The weights are the
 * allocator's, shared by every thread, as the sysfs weights are the
 * system's. */
#include "internal.h"

#include <string.h>

/* ---- node masks (Kernel: include/linux/nodemask.h) -------------------------- */

static int nodes_weight(const pa_nodemask_t *m)
{
    int n = 0;
    for (size_t i = 0; i < sizeof(m->bits) / sizeof(m->bits[0]); i++)
        n += __builtin_popcountll(m->bits[i]);
    return n;
}

/* Kernel: next_node(): the first node after n, PA_MAX_NODES if none. */
static int next_node(int n, const pa_nodemask_t *m)
{
    for (int nid = n + 1; nid < PA_MAX_NODES; nid++)
        if (nodemask_test(m, nid))
            return nid;
    return PA_MAX_NODES;
}

/* Kernel: next_node_in(): the next node after n, wrapping round; PA_MAX_NODES
 * for an empty mask. */
static int next_node_in(int n, const pa_nodemask_t *m)
{
    int nid = next_node(n, m);
    return nid < PA_MAX_NODES ? nid : next_node(-1, m);
}

static int first_node(const pa_nodemask_t *m)
{
    return next_node(-1, m);
}

static bool nodes_intersect(const pa_nodemask_t *x, const pa_nodemask_t *y)
{
    for (size_t i = 0; i < sizeof(x->bits) / sizeof(x->bits[0]); i++)
        if (x->bits[i] & y->bits[i])
            return true;
    return false;
}

/* Kernel: node_state(nid, N_MEMORY) */
static bool node_has_memory(const struct pa_allocator *a, int nid)
{
    for (int z = 0; z < PA_NR_ZONES; z++)
        if (populated_zone(&a->nodes[nid].zones[z]))
            return true;
    return false;
}

/* ---- the thread's policy ------------------------------------------------------ */

static int local_node(struct pa_allocator *a, struct pa_thread *t)
{
    return a->cpu_to_node[current_cpu(a, t)];
}

/* Kernel: get_il_weight(); 0 in the table is the kernel's "no weights set". */
static unsigned il_weight_of(const struct pa_allocator *a, int nid)
{
    unsigned w = __atomic_load_n(&a->il_weights[nid], __ATOMIC_RELAXED);
    return w ? w : 1;
}

/* Kernel: interleave_nodes(): the next node of the mask after il_prev. */
static int interleave_nodes(struct pa_thread *t)
{
    int nid = next_node_in(t->il_prev, &t->mpol_nodes);
    if (nid < PA_MAX_NODES)
        t->il_prev = nid;
    return nid;
}

/* Kernel: weighted_interleave_nodes(): il_prev until its weight is spent,
 * then the next node with a full weight. */
static int weighted_interleave_nodes(struct pa_allocator *a, struct pa_thread *t)
{
    int nid = t->il_prev;
    if (!t->il_weight || !nodemask_test(&t->mpol_nodes, nid)) {
        nid = next_node_in(nid, &t->mpol_nodes);
        if (nid == PA_MAX_NODES)
            return nid;
        t->il_prev = nid;
        t->il_weight = il_weight_of(a, nid);
    }
    t->il_weight--;
    return nid;
}

/* Kernel: apply_policy_zone(): BIND restricts only requests for the highest
 * zone below MOVABLE any node has (policy_zone), or MOVABLE itself when the
 * policy's nodes have nothing but MOVABLE. */
static bool apply_policy_zone(const struct pa_allocator *a, const pa_nodemask_t *nodes, int zone)
{
    int policy_zone = 0;
    bool normal_memory = false;
    for (int nid = 0; nid < a->nr_nodes; nid++) {
        for (int z = 0; z < PA_ZONE_MOVABLE; z++) {
            if (!populated_zone(&a->nodes[nid].zones[z]))
                continue;
            if (z > policy_zone)
                policy_zone = z;
            normal_memory |= nodemask_test(nodes, nid);
        }
    }
    return zone >= (normal_memory ? policy_zone : PA_ZONE_MOVABLE);
}

/* Kernel: policy_nodemask() for the task policy (no interleave index): the
 * node to prefer (*nid, the local node on entry) and the mask, if any. */
static const pa_nodemask_t *policy_nodemask(struct pa_allocator *a, struct pa_thread *t,
                                            pa_gfp_t gfp, int *nid)
{
    switch (t->mpol_mode) {
    case PA_MPOL_PREFERRED:
        *nid = first_node(&t->mpol_nodes);
        return NULL;
    case PA_MPOL_PREFERRED_MANY:
        return &t->mpol_nodes;
    case PA_MPOL_BIND:
        /* Kernel: cpuset_nodemask_valid_mems_allowed() */
        if (apply_policy_zone(a, &t->mpol_nodes, gfp_zone(gfp)) &&
            (!t->has_mems || nodes_intersect(&t->mpol_nodes, &t->mems)))
            return &t->mpol_nodes;
        return NULL;
    case PA_MPOL_INTERLEAVE:
        *nid = interleave_nodes(t);
        return NULL;
    case PA_MPOL_WEIGHTED_INTERLEAVE:
        *nid = weighted_interleave_nodes(a, t);
        return NULL;
    default:                                /* DEFAULT, LOCAL */
        return NULL;
    }
}

/* Kernel: alloc_pages_preferred_many(): the policy's nodes first, allowed
 * to fail quietly and without reclaim; then every node. */
static struct pa_page *alloc_pages_preferred_many(struct pa_allocator *a, pa_gfp_t gfp,
                                                  unsigned order, int nid,
                                                  const pa_nodemask_t *nodes)
{
    pa_gfp_t preferred_gfp = (gfp | PA_GFP_NOWARN) & ~(PA_GFP_DIRECT_RECLAIM | PA_GFP_NOFAIL);
    struct pa_page *page = alloc_pages_nodemask(a, preferred_gfp, order, nid, nodes);
    if (!page)
        page = alloc_pages_nodemask(a, gfp, order, nid, NULL);
    return page;
}

/* Kernel: alloc_pages_mpol() with NO_INTERLEAVE_INDEX, as alloc_pages()
 * calls it. Reached from pa_alloc_pages only when some thread of a has a
 * policy and the request is not __GFP_THISNODE. Out of line: inlined, its
 * registers would cost pa_alloc_pages a prologue on every call. */
__attribute__((noinline))
struct pa_page *alloc_pages_mpol(struct pa_allocator *a, pa_gfp_t gfp, unsigned order)
{
    struct pa_thread *t = thread_state(a, false);
    if (!t || t->mpol_mode == PA_MPOL_DEFAULT)
        return alloc_pages_nodemask(a, gfp, order, PA_NUMA_NO_NODE, NULL);
    int nid = local_node(a, t);
    const pa_nodemask_t *nodes = policy_nodemask(a, t, gfp, &nid);
    if (t->mpol_mode == PA_MPOL_PREFERRED_MANY)
        return alloc_pages_preferred_many(a, gfp, order, nid, nodes);
    struct pa_page *page = alloc_pages_nodemask(a, gfp, order, nid, nodes);
    if ((t->mpol_mode == PA_MPOL_INTERLEAVE || t->mpol_mode == PA_MPOL_WEIGHTED_INTERLEAVE) &&
        page && page_nid(page) == nid)
        atomic_fetch_add_explicit(&page_zone(a, page)->numa_interleave, 1, memory_order_relaxed);
    return page;
}

/* Kernel: mpol_new() and mpol_set_nodemask(): the mode and mask a call
 * asks for, checked and reduced to nodes with memory. */
static int mpol_check(struct pa_allocator *a, int *mode, const pa_nodemask_t *nodes,
                      pa_nodemask_t *out)
{
    static const pa_nodemask_t empty;
    if (!nodes)
        nodes = &empty;
    bool given = nodes_weight(nodes) != 0;
    memset(out, 0, sizeof(*out));
    if (*mode < 0 || *mode >= PA_MPOL_MAX)
        return pa_einval(a, "pa_set_mempolicy: unknown mode %d", *mode);
    if (*mode == PA_MPOL_DEFAULT || *mode == PA_MPOL_LOCAL) {
        if (given)
            return pa_einval(a, "pa_set_mempolicy: mode %d takes no nodes", *mode);
        return 0;
    }
    if (*mode == PA_MPOL_PREFERRED && !given) {
        *mode = PA_MPOL_LOCAL;                   /* Kernel: empty preferred is local */
        return 0;
    }
    if (!given)
        return pa_einval(a, "pa_set_mempolicy: mode %d needs a non-empty node mask", *mode);
    for (int nid = 0; nid < a->nr_nodes; nid++)
        if (nodemask_test(nodes, nid) && node_has_memory(a, nid))
            out->bits[nid / 64] |= 1ull << (nid % 64);
    if (!nodes_weight(out))
        return pa_einval(a, "pa_set_mempolicy: the mask holds no node of this allocator with memory");
    if (*mode == PA_MPOL_PREFERRED) {            /* Kernel: mpol_new_preferred() */
        int nid = first_node(out);
        memset(out, 0, sizeof(*out));
        out->bits[nid / 64] |= 1ull << (nid % 64);
    }
    return 0;
}

/* Kernel: do_set_mempolicy() */
PA_API int pa_set_mempolicy(pa_allocator *a, int mode, const pa_nodemask_t *nodes)
{
    if (!a)
        return pa_einval(NULL, "pa_set_mempolicy: NULL allocator");
    pa_nodemask_t mask;
    int err = mpol_check(a, &mode, nodes, &mask);
    if (err)
        return err;
    struct pa_thread *t = thread_state(a, mode != PA_MPOL_DEFAULT);
    if (!t)
        return mode != PA_MPOL_DEFAULT ? -ENOMEM : 0;
    int delta = (mode != PA_MPOL_DEFAULT) - (t->mpol_mode != PA_MPOL_DEFAULT);
    if (delta)
        atomic_fetch_add_explicit(&a->mpol_threads, delta, memory_order_relaxed);
    t->mpol_mode = mode;
    t->mpol_nodes = mask;
    if (mode == PA_MPOL_INTERLEAVE || mode == PA_MPOL_WEIGHTED_INTERLEAVE) {
        t->il_prev = PA_MAX_NODES - 1;
        t->il_weight = 0;
    }
    return 0;
}

/* Kernel: do_get_mempolicy() without flags */
PA_API int pa_get_mempolicy(pa_allocator *a, int *mode, pa_nodemask_t *nodes)
{
    if (!a)
        return pa_einval(NULL, "pa_get_mempolicy: NULL allocator");
    struct pa_thread *t = thread_state(a, false);
    int m = t ? t->mpol_mode : PA_MPOL_DEFAULT;
    if (mode)
        *mode = m;
    if (nodes) {
        memset(nodes, 0, sizeof(*nodes));
        if (m != PA_MPOL_DEFAULT && m != PA_MPOL_LOCAL)
            *nodes = t->mpol_nodes;
    }
    return 0;
}

/* Kernel: weighted_interleave/nodeN store (writing 0 is refused, as in 6.16+). */
PA_API int pa_set_interleave_weight(pa_allocator *a, int nid, unsigned int weight)
{
    if (!a)
        return pa_einval(NULL, "pa_set_interleave_weight: NULL allocator");
    if (nid < 0 || nid >= a->nr_nodes)
        return pa_einval(a, "pa_set_interleave_weight: node %d out of range", nid);
    if (weight < 1 || weight > 255)
        return pa_einval(a, "pa_set_interleave_weight: weight %u outside [1, 255]", weight);
    __atomic_store_n(&a->il_weights[nid], (uint8_t)weight, __ATOMIC_RELAXED);
    return 0;
}

PA_API int pa_get_interleave_weight(pa_allocator *a, int nid)
{
    if (!a)
        return pa_einval(NULL, "pa_get_interleave_weight: NULL allocator");
    if (nid < 0 || nid >= a->nr_nodes)
        return pa_einval(a, "pa_get_interleave_weight: node %d out of range", nid);
    return (int)il_weight_of(a, nid);
}

/* ---- the bulk form (B22, B23) ------------------------------------------------- */

/* One share of a split request: a bulk call on node nid onto the list, or
 * over the array window at *array, which then advances by the window's
 * populated count (B23). Returns that count. */
static unsigned long bulk_share(struct pa_allocator *a, pa_gfp_t gfp, int nid,
                                const pa_nodemask_t *nodes, unsigned long nr,
                                struct pa_list_head *list, struct pa_page ***array)
{
    unsigned long got = pa_alloc_pages_bulk(a, gfp, nid, nodes, nr, list, list ? NULL : *array);
    if (!list)
        *array += got;
    return got;
}

/* Kernel: alloc_pages_bulk_interleave(): nr / nodes pages per node, the
 * first nr % nodes nodes one more, from the thread's next interleave node.
 * Every node takes its turn, so il_prev comes back where it was. */
static unsigned long bulk_interleave(struct pa_allocator *a, struct pa_thread *t, pa_gfp_t gfp,
                                     unsigned long nr, struct pa_list_head *list,
                                     struct pa_page **array)
{
    unsigned long nodes = (unsigned long)nodes_weight(&t->mpol_nodes);
    unsigned long per_node = nr / nodes, delta = nr - nodes * per_node, total = 0;
    for (unsigned long i = 0; i < nodes; i++) {
        unsigned long share = per_node + (delta ? 1 : 0);
        if (delta)
            delta--;
        total += bulk_share(a, gfp, interleave_nodes(t), NULL, share, list, &array);
    }
    return total;
}

/* Kernel: alloc_pages_bulk_weighted_interleave() (6.9, as simplified in
 * 2025): finish il_prev's remaining weight, then whole rounds of the
 * weights plus the remainder in node order, one bulk call per node; the
 * thread resumes on the node where the remainder ran out, with what is left
 * of its weight, or on the next node with its full weight. */
static unsigned long bulk_weighted_interleave(struct pa_allocator *a, struct pa_thread *t,
                                              pa_gfp_t gfp, unsigned long nr,
                                              struct pa_list_head *list, struct pa_page **array)
{
    const pa_nodemask_t *nodes = &t->mpol_nodes;
    unsigned long total = 0, rem = nr;
    int node = t->il_prev;
    unsigned weight = t->il_weight;

    if (!nr)
        return 0;
    if (weight && nodemask_test(nodes, node)) {
        total += bulk_share(a, gfp, node, NULL, rem < weight ? rem : weight, list, &array);
        if (rem <= weight) {
            t->il_weight -= (unsigned)rem;
            return total;
        }
        rem -= weight;
    }
    t->il_weight = 0;                        /* in case a share fails */
    int prev = node, nnodes = nodes_weight(nodes);
    unsigned long weight_total = 0;
    for (int nid = first_node(nodes); nid < PA_MAX_NODES; nid = next_node(nid, nodes))
        weight_total += il_weight_of(a, nid);

    unsigned long rounds = rem / weight_total, delta = rem % weight_total;
    int resume_node = next_node_in(prev, nodes);
    unsigned resume_weight = il_weight_of(a, resume_node);
    for (int i = 0; i < nnodes; i++) {
        node = next_node_in(prev, nodes);
        weight = il_weight_of(a, node);
        unsigned long node_pages = weight * rounds;
        if (delta > weight) {
            node_pages += weight;
            delta -= weight;
        } else if (delta) {
            node_pages += delta;             /* the remainder ends here: resume here */
            resume_node = node;
            resume_weight = weight - (unsigned)delta;
            delta = 0;
        }
        if (!node_pages)
            break;
        if (node_pages > nr - total)
            node_pages = nr - total;
        total += bulk_share(a, gfp, node, NULL, node_pages, list, &array);
        if (total == nr)
            break;
        prev = node;
    }
    t->il_prev = resume_node;
    t->il_weight = resume_weight;
    return total;
}

/* Kernel: alloc_pages_bulk_preferred_many(): the policy's nodes quietly and
 * without reclaim, then the rest on this thread's node with any fallback. */
static unsigned long bulk_preferred_many(struct pa_allocator *a, struct pa_thread *t,
                                         pa_gfp_t gfp, unsigned long nr,
                                         struct pa_list_head *list, struct pa_page **array)
{
    pa_gfp_t preferred_gfp = (gfp | PA_GFP_NOWARN) & ~(PA_GFP_DIRECT_RECLAIM | PA_GFP_NOFAIL);
    int nid = local_node(a, t);
    unsigned long got = bulk_share(a, preferred_gfp, nid, &t->mpol_nodes, nr, list, &array);
    if (got < nr)
        got += bulk_share(a, gfp, nid, NULL, nr - got, list, &array);
    return got;
}

/* Populated slots of array[0..nr): what the array form returns (B4, B19). */
static unsigned long populated_slots(struct pa_page *const *array, unsigned long nr)
{
    unsigned long n = 0;
    for (unsigned long i = 0; i < nr; i++)
        n += array[i] != NULL;
    return n;
}

/* Kernel: alloc_pages_bulk_mempolicy_noprof(), for a list or an array. */
static unsigned long bulk_mempolicy(struct pa_allocator *a, pa_gfp_t gfp, unsigned long nr,
                                    struct pa_list_head *list, struct pa_page **array)
{
    if (!gfp_valid(a, gfp)) {
        pa_log(a, PA_LOG_WARNING, "pa_alloc_pages_bulk_mempolicy: invalid gfp %#x", gfp);
        return array ? populated_slots(array, nr) : 0;
    }
    struct pa_thread *t = (gfp & PA_GFP_THISNODE) ? NULL : thread_state(a, false);
    int mode = t ? t->mpol_mode : PA_MPOL_DEFAULT;
    unsigned long got;
    if (mode == PA_MPOL_INTERLEAVE) {
        got = bulk_interleave(a, t, gfp, nr, list, array);
    } else if (mode == PA_MPOL_WEIGHTED_INTERLEAVE) {
        got = bulk_weighted_interleave(a, t, gfp, nr, list, array);
    } else if (mode == PA_MPOL_PREFERRED_MANY) {
        got = bulk_preferred_many(a, t, gfp, nr, list, array);
    } else {
        int nid = PA_NUMA_NO_NODE;
        const pa_nodemask_t *nodes = NULL;
        if (t && mode != PA_MPOL_DEFAULT) {
            nid = local_node(a, t);
            nodes = policy_nodemask(a, t, gfp, &nid);
        }
        return pa_alloc_pages_bulk(a, gfp, nid, nodes, nr, list, array);
    }
    /* The kernel sums the shares' counts; a short share makes windows
     * overlap, so an array is counted whole (B4). */
    return array ? populated_slots(array, nr) : got;
}

PA_API unsigned long pa_alloc_pages_bulk_mempolicy(pa_allocator *a, pa_gfp_t gfp,
                                                   unsigned long nr_pages, struct pa_page **array)
{
    if (!a || !array) {
        pa_log(a, PA_LOG_WARNING, "pa_alloc_pages_bulk_mempolicy: NULL %s", a ? "array" : "allocator");
        return 0;
    }
    return bulk_mempolicy(a, gfp, nr_pages, NULL, array);
}

PA_API unsigned long pa_alloc_pages_bulk_mempolicy_list(pa_allocator *a, pa_gfp_t gfp,
                                                        unsigned long nr_pages,
                                                        struct pa_list_head *list)
{
    if (!a || !list) {
        pa_log(a, PA_LOG_WARNING, "pa_alloc_pages_bulk_mempolicy_list: NULL %s", a ? "list" : "allocator");
        return 0;
    }
    return bulk_mempolicy(a, gfp, nr_pages, list, NULL);
}
