// SPDX-License-Identifier: GPL-2.0-only
/*
 * demo.c - the allocator at work: a bulk allocation of 64 pages, the buddy
 * state before and after, pages written through their addresses, and the
 * merge back to the largest blocks when everything is freed.
 */
#define _POSIX_C_SOURCE 200809L
#include <pagealloc/pagealloc.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

static char report[1 << 16];

static void show_buddyinfo(pa_allocator *a, const char *title)
{
    pa_format_buddyinfo(a, report, sizeof(report));
    printf("%s\n        %*s", title, 22, "");
    for (int order = 0; order <= PA_MAX_ORDER; order++)
        printf("%6d ", order);
    printf("  (order)\n%s\n", report);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(void)
{
    struct pa_config cfg;
    pa_allocator *a;
    pa_config_init(&cfg);
    int err = pa_create(&cfg, &a);
    if (err) {
        fprintf(stderr, "pa_create failed: %d\n", err);
        return 1;
    }
    pa_bind_cpu(a, 0);
    printf("PageAllocInterop %s: the Linux page allocator in user space\n", pa_version());
    printf("One node, one NORMAL zone of %llu pages of %zu bytes, %d pcp slots\n\n",
           (unsigned long long)cfg.node_zone_pages[0][PA_ZONE_NORMAL], pa_page_size(a), pa_nr_cpus(a));

    struct pa_zone_info zi;
    pa_zone_info(a, 0, PA_ZONE_NORMAL, &zi);
    printf("Watermarks (pages): min %llu, low %llu, high %llu\n\n", (unsigned long long)zi.wmark_min,
           (unsigned long long)zi.wmark_low, (unsigned long long)zi.wmark_high);
    show_buddyinfo(a, "/proc/buddyinfo at start: free blocks per order");

    struct pa_page *pages[64] = { 0 };
    unsigned long n = pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 64, pages);
    printf("pa_alloc_pages_bulk_array(64) returned %lu pages, pfns %llu..%llu\n", n,
           (unsigned long long)pa_page_to_pfn(a, pages[0]),
           (unsigned long long)pa_page_to_pfn(a, pages[n - 1]));
    for (unsigned long i = 0; i < n; i++)
        memset(pa_page_address(a, pages[i]), (int)i, pa_page_size(a));
    printf("Wrote every page through pa_page_address; page 7 starts with byte %d\n\n",
           ((unsigned char *)pa_page_address(a, pages[7]))[0]);
    struct pa_pcp_info pi;
    pa_pcp_info(a, 0, 0, PA_ZONE_NORMAL, &pi);
    printf("The pcp list of cpu 0 was refilled in batches of %u; %u pages wait there now\n", pi.batch, pi.count);
    show_buddyinfo(a, "/proc/buddyinfo after the bulk allocation (the top block was split)");

    pa_release_pages(a, pages, n);
    pa_drain_all_pages(a);
    show_buddyinfo(a, "/proc/buddyinfo after freeing and draining: merged back");

    /* 64 pages in one bulk call against 64 single calls, alloc + free. */
    enum { ROUNDS = 20000 };
    double t0 = now_ns();
    for (int r = 0; r < ROUNDS; r++) {
        pa_alloc_pages_bulk_array(a, PA_GFP_KERNEL, 64, pages);
        pa_release_pages(a, pages, 64);
    }
    double t1 = now_ns();
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < 64; i++)
            pages[i] = pa_alloc_pages(a, PA_GFP_KERNEL, 0);
        for (int i = 0; i < 64; i++)
            pa_free_pages(a, pages[i], 0);
    }
    double t2 = now_ns();
    printf("Per page, alloc + free: bulk of 64 %.1f ns, 64 single calls %.1f ns\n",
           (t1 - t0) / (ROUNDS * 64.0), (t2 - t1) / (ROUNDS * 64.0));
    printf("pa_check: %s\n", pa_check(a) == 0 ? "every invariant holds" : "BROKEN");
    pa_destroy(a);
    return 0;
}
