/* SPDX-License-Identifier: GPL-2.0-only */
/* trace.c - the kmem tracepoints: setting the callback, building each event
 * with the kernel's field values, and printing events and gfp masks in the
 * kernel's text (include/trace/events/kmem.h, include/trace/events/mmflags.h
 * of Linux 6.18). */
#include "trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PA_API int pa_set_trace(pa_allocator *a, pa_trace_fn fn, void *ctx, uint32_t mask)
{
    if (!a)
        return pa_einval(NULL, "pa_set_trace: NULL allocator");
    if (mask & ~PA_TRACE_ALL)
        return pa_einval(a, "pa_set_trace: unknown event bits %#x", mask & ~PA_TRACE_ALL);
    int err = 0;
    struct trace_hook *hook = NULL;
    os_mutex_lock(&a->cb_lock);
    if (fn && mask) {
        /* Reuse an equal hook: switching one listener on and off again
         * (the C# event does) allocates once. */
        for (hook = a->trace_hooks; hook; hook = hook->next)
            if (hook->fn == fn && hook->ctx == ctx && hook->mask == mask)
                break;
        if (!hook && (hook = malloc(sizeof(*hook)))) {
            *hook = (struct trace_hook){ fn, ctx, mask, a->trace_hooks };
            a->trace_hooks = hook;
        }
        if (!hook)
            err = -ENOMEM;
    }
    if (!err)
        __atomic_store_n(&a->trace, hook, __ATOMIC_RELEASE);
    os_mutex_unlock(&a->cb_lock);
    return err;
}

/* After pa_destroy's last call: no event can run. */
void trace_destroy(struct pa_allocator *a)
{
    for (struct trace_hook *h = a->trace_hooks, *next; h; h = next) {
        next = h->next;
        free(h);
    }
    a->trace_hooks = NULL;
    a->trace = NULL;
}

/* Hands ev to the callback if its event is enabled. */
static void emit(struct pa_allocator *a, struct pa_trace_event *ev)
{
    const struct trace_hook *h = __atomic_load_n(&a->trace, __ATOMIC_ACQUIRE);
    if (!h || !(h->mask & PA_TRACE_MASK(ev->type)))
        return;
    h->fn(h->ctx, ev);
}

static struct pa_trace_event event_of(struct pa_allocator *a, int cpu, uint32_t type,
                                      struct pa_page *page, unsigned order)
{
    return (struct pa_trace_event){ .type = type, .cpu = cpu, .page = page, .order = order,
                                    .pfn = page ? page_to_pfn(a, page) : PA_TRACE_NO_PFN };
}

/* Kernel: trace_mm_page_alloc() in __alloc_pages() */
void emit_mm_page_alloc(struct pa_allocator *a, int cpu, struct pa_page *page, unsigned order,
                        pa_gfp_t gfp, int mt)
{
    struct pa_trace_event ev = event_of(a, cpu, PA_TRACE_MM_PAGE_ALLOC, page, order);
    ev.gfp = gfp;
    ev.migratetype = mt;
    emit(a, &ev);
}

/* Kernel: trace_mm_page_free() in free_pages_prepare() */
void emit_mm_page_free(struct pa_allocator *a, int cpu, struct pa_page *page, unsigned order)
{
    struct pa_trace_event ev = event_of(a, cpu, PA_TRACE_MM_PAGE_FREE, page, order);
    emit(a, &ev);
}

/* Kernel: trace_mm_page_free_batched() in free_unref_folios() */
void emit_mm_page_free_batched(struct pa_allocator *a, int cpu, struct pa_page *page)
{
    struct pa_trace_event ev = event_of(a, cpu, PA_TRACE_MM_PAGE_FREE_BATCHED, page, 0);
    emit(a, &ev);
}

/* Kernel: trace_mm_page_alloc_zone_locked() in __rmqueue_smallest() */
void emit_mm_page_alloc_zone_locked(struct pa_zone *z, int cpu, struct pa_page *page, unsigned order,
                                    int mt, bool percpu_refill)
{
    struct pa_trace_event ev = event_of(z->alloc, cpu, PA_TRACE_MM_PAGE_ALLOC_ZONE_LOCKED, page, order);
    ev.migratetype = mt;
    ev.percpu_refill = percpu_refill;
    emit(z->alloc, &ev);
}

/* Kernel: trace_mm_page_pcpu_drain() in free_pcppages_bulk() */
void emit_mm_page_pcpu_drain(struct pa_zone *z, int cpu, struct pa_page *page, unsigned order, int mt)
{
    struct pa_trace_event ev = event_of(z->alloc, cpu, PA_TRACE_MM_PAGE_PCPU_DRAIN, page, order);
    ev.migratetype = mt;
    emit(z->alloc, &ev);
}

/* Kernel: trace_mm_page_alloc_extfrag() in __rmqueue_fallback() */
void emit_mm_page_alloc_extfrag(struct pa_zone *z, int cpu, struct pa_page *page, unsigned alloc_order,
                                unsigned fallback_order, int alloc_mt, int fallback_mt,
                                bool change_ownership)
{
    struct pa_trace_event ev = event_of(z->alloc, cpu, PA_TRACE_MM_PAGE_ALLOC_EXTFRAG, page, 0);
    ev.alloc_order = (int32_t)alloc_order;
    ev.fallback_order = (int32_t)fallback_order;
    ev.alloc_migratetype = alloc_mt;
    ev.fallback_migratetype = fallback_mt;
    ev.change_ownership = change_ownership;
    emit(z->alloc, &ev);
}

/* ---- Text ---------------------------------------------------------------------- */

/* The kernel's gfp bits (gfp_types.h, 6.18 x86-64): ours where we have them. */
#define KGFP_RECLAIM (PA_GFP_DIRECT_RECLAIM | PA_GFP_KSWAPD_RECLAIM)
#define KGFP_KERNEL (KGFP_RECLAIM | PA_GFP_IO | PA_GFP_FS)
#define KGFP_USER (KGFP_KERNEL | PA_GFP_HARDWALL)
#define KGFP_HIGHUSER (KGFP_USER | PA_GFP_HIGHMEM)
#define KGFP_HIGHUSER_MOVABLE (KGFP_HIGHUSER | PA_GFP_MOVABLE)
#define KGFP_TRANSHUGE_LIGHT ((KGFP_HIGHUSER_MOVABLE | PA_GFP_COMP | PA_GFP_NOMEMALLOC | \
                               PA_GFP_NOWARN) & ~KGFP_RECLAIM)
#define KGFP_TRANSHUGE (KGFP_TRANSHUGE_LIGHT | PA_GFP_DIRECT_RECLAIM)

/* Kernel: __def_gfpflag_names, in its order: the first name whose bits are
 * all set wins and takes them; most bits first. */
static const struct gfp_name {
    pa_gfp_t mask;
    const char *name;
} gfp_names[] = {
    { KGFP_TRANSHUGE, "GFP_TRANSHUGE" },
    { KGFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT" },
    { KGFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE" },
    { KGFP_HIGHUSER, "GFP_HIGHUSER" },
    { KGFP_USER, "GFP_USER" },
    { KGFP_KERNEL | PA_GFP_ACCOUNT, "GFP_KERNEL_ACCOUNT" },
    { KGFP_KERNEL, "GFP_KERNEL" },
    { KGFP_RECLAIM | PA_GFP_IO, "GFP_NOFS" },
    { PA_GFP_HIGH | PA_GFP_KSWAPD_RECLAIM, "GFP_ATOMIC" },
    { KGFP_RECLAIM, "GFP_NOIO" },
    { PA_GFP_KSWAPD_RECLAIM | PA_GFP_NOWARN, "GFP_NOWAIT" },
    { PA_GFP_DMA, "GFP_DMA" },
    { PA_GFP_DMA32, "GFP_DMA32" },
    { KGFP_RECLAIM, "__GFP_RECLAIM" },
    { PA_GFP_DMA, "__GFP_DMA" },
    { PA_GFP_HIGHMEM, "__GFP_HIGHMEM" },
    { PA_GFP_DMA32, "__GFP_DMA32" },
    { PA_GFP_MOVABLE, "__GFP_MOVABLE" },
    { PA_GFP_RECLAIMABLE, "__GFP_RECLAIMABLE" },
    { PA_GFP_HIGH, "__GFP_HIGH" },
    { PA_GFP_IO, "__GFP_IO" },
    { PA_GFP_FS, "__GFP_FS" },
    { PA_GFP_ZERO, "__GFP_ZERO" },
    { PA_GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM" },
    { PA_GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM" },
    { PA_GFP_KERNEL_WRITE, "__GFP_WRITE" },
    { PA_GFP_NOWARN, "__GFP_NOWARN" },
    { PA_GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL" },
    { PA_GFP_NOFAIL, "__GFP_NOFAIL" },
    { PA_GFP_NORETRY, "__GFP_NORETRY" },
    { PA_GFP_KERNEL_MEMALLOC, "__GFP_MEMALLOC" },
    { PA_GFP_COMP, "__GFP_COMP" },
    { PA_GFP_NOMEMALLOC, "__GFP_NOMEMALLOC" },
    { PA_GFP_HARDWALL, "__GFP_HARDWALL" },
    { PA_GFP_THISNODE, "__GFP_THISNODE" },
    { PA_GFP_ACCOUNT, "__GFP_ACCOUNT" },
    { PA_GFP_KERNEL_ZEROTAGS, "__GFP_ZEROTAGS" },
    { PA_GFP_KERNEL_NO_OBJ_EXT, "__GFP_NO_OBJ_EXT" },
};
#define NR_GFP_NAMES (sizeof(gfp_names) / sizeof(gfp_names[0]))

/* An snprintf that appends at *len and keeps counting past size. */
struct text {
    char *buf;
    size_t size, len;
};

static void __attribute__((format(printf, 2, 3))) text_add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->len < t->size ? t->buf + t->len : NULL,
                      t->len < t->size ? t->size - t->len : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n;
}

/* Kernel: show_gfp_flags() -> __print_flags(flags, "|", __def_gfpflag_names) */
static void text_gfp(struct text *t, pa_gfp_t gfp)
{
    if (!gfp) {
        text_add(t, "none");
        return;
    }
    const char *sep = "";
    for (size_t i = 0; i < NR_GFP_NAMES && gfp; i++) {
        if ((gfp & gfp_names[i].mask) != gfp_names[i].mask)
            continue;
        gfp &= ~gfp_names[i].mask;
        text_add(t, "%s%s", sep, gfp_names[i].name);
        sep = "|";
    }
    if (gfp)
        text_add(t, "%s0x%x", sep, gfp);
}

PA_API size_t pa_format_gfp_flags(pa_gfp_t gfp, char *buf, size_t size)
{
    struct text t = { buf, buf ? size : 0, 0 };
    if (t.size)
        buf[0] = '\0';
    text_gfp(&t, gfp);
    return t.len;
}

static int parse_gfp_part(const char *s, size_t n, pa_gfp_t *bits)
{
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        uint64_t v = 0;
        for (size_t i = 2; i < n; i++) {
            char c = s[i];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0 || (v = v << 4 | (unsigned)d) > UINT32_MAX)
                return -EINVAL;
        }
        *bits |= (pa_gfp_t)v;
        return 0;
    }
    for (size_t i = 0; i < NR_GFP_NAMES; i++) {
        if (strlen(gfp_names[i].name) == n && memcmp(gfp_names[i].name, s, n) == 0) {
            *bits |= gfp_names[i].mask;
            return 0;
        }
    }
    return -EINVAL;
}

PA_API int pa_parse_gfp_flags(const char *text, pa_gfp_t *out)
{
    if (!text || !out)
        return pa_einval(NULL, "pa_parse_gfp_flags: NULL %s", text ? "out" : "text");
    if (strcmp(text, "none") == 0) {
        *out = 0;
        return 0;
    }
    pa_gfp_t bits = 0;
    const char *s = text;
    for (;;) {
        const char *bar = strchr(s, '|');
        size_t n = bar ? (size_t)(bar - s) : strlen(s);
        if (!n || parse_gfp_part(s, n, &bits) != 0)
            return -EINVAL;
        if (!bar)
            break;
        s = bar + 1;
    }
    *out = bits;
    return 0;
}

static const char *const event_names[PA_TRACE_NR_EVENTS] = {
    [PA_TRACE_MM_PAGE_ALLOC] = "mm_page_alloc",
    [PA_TRACE_MM_PAGE_FREE] = "mm_page_free",
    [PA_TRACE_MM_PAGE_FREE_BATCHED] = "mm_page_free_batched",
    [PA_TRACE_MM_PAGE_ALLOC_ZONE_LOCKED] = "mm_page_alloc_zone_locked",
    [PA_TRACE_MM_PAGE_PCPU_DRAIN] = "mm_page_pcpu_drain",
    [PA_TRACE_MM_PAGE_ALLOC_EXTFRAG] = "mm_page_alloc_extfrag",
};

PA_API const char *pa_trace_event_name(uint32_t type)
{
    return type < PA_TRACE_NR_EVENTS ? event_names[type] : NULL;
}

/* "page=%p pfn=0x%lx" as perf script prints it: libtraceevent takes
 * pfn_to_page(pfn) for the pfn itself, and glibc's %p prints 0 as (nil). A
 * failed mm_page_alloc has neither page nor pfn (the kernel prints 0). */
static void text_page_pfn(struct text *t, uint64_t pfn)
{
    if (pfn == PA_TRACE_NO_PFN || pfn == 0)
        text_add(t, "page=(nil) pfn=0x0");
    else
        text_add(t, "page=0x%llx pfn=0x%llx", (unsigned long long)pfn, (unsigned long long)pfn);
}

/* Kernel: the TP_printk of each event in kmem.h */
PA_API size_t pa_format_trace_event(const struct pa_trace_event *ev, char *buf, size_t size)
{
    struct text t = { buf, buf ? size : 0, 0 };
    if (t.size)
        buf[0] = '\0';
    if (!ev || ev->type >= PA_TRACE_NR_EVENTS) {
        pa_log(NULL, PA_LOG_WARNING, "pa_format_trace_event: %s", ev ? "unknown event type" : "NULL event");
        return 0;
    }
    text_page_pfn(&t, ev->pfn);
    switch (ev->type) {
    case PA_TRACE_MM_PAGE_ALLOC:
        text_add(&t, " order=%d migratetype=%d gfp_flags=", (int)ev->order, ev->migratetype);
        text_gfp(&t, ev->gfp);
        break;
    case PA_TRACE_MM_PAGE_FREE:
        text_add(&t, " order=%d", (int)ev->order);
        break;
    case PA_TRACE_MM_PAGE_FREE_BATCHED:
        text_add(&t, " order=0");
        break;
    case PA_TRACE_MM_PAGE_ALLOC_ZONE_LOCKED:
        text_add(&t, " order=%u migratetype=%d percpu_refill=%d", ev->order, ev->migratetype,
                 ev->percpu_refill);
        break;
    case PA_TRACE_MM_PAGE_PCPU_DRAIN:
        text_add(&t, " order=%d migratetype=%d", (int)ev->order, ev->migratetype);
        break;
    case PA_TRACE_MM_PAGE_ALLOC_EXTFRAG:
        text_add(&t, " alloc_order=%d fallback_order=%d pageblock_order=%d alloc_migratetype=%d"
                     " fallback_migratetype=%d fragmenting=%d change_ownership=%d",
                 ev->alloc_order, ev->fallback_order, PA_PAGEBLOCK_ORDER, ev->alloc_migratetype,
                 ev->fallback_migratetype, ev->fallback_order < PA_PAGEBLOCK_ORDER,
                 ev->change_ownership);
        break;
    }
    return t.len;
}
