// SPDX-License-Identifier: GPL-2.0-only
/* create: the cost of pa_create for 1 Mi pages (4 GiB), metadata only and
 * backed by an anonymous mapping, per page; and the descriptor size, read as
 * the distance between two neighbouring descriptors. */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define CREATE_PAGES (1u << 20)

static double create_once(uint32_t flags, long *descriptor_bytes)
{
    uint64_t t0 = now_ns();
    pa_allocator *a = bench_create_allocator(CREATE_PAGES, 0, flags);
    uint64_t t1 = now_ns();
    struct pa_zone_info zi;
    if (pa_zone_info(a, 0, PA_ZONE_NORMAL, &zi) != 0)
        bench_die("pa_zone_info", -22);
    struct pa_page *p0 = pa_pfn_to_page(a, zi.start_pfn), *p1 = pa_pfn_to_page(a, zi.start_pfn + 1);
    *descriptor_bytes = (long)((const char *)p1 - (const char *)p0);
    pa_destroy(a);
    return (double)(t1 - t0) / CREATE_PAGES;
}

int run_create(int argc, char **argv)
{
    const char *out = "-";
    unsigned reps = 7;
    for (int i = 0; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--out") == 0) out = argv[i + 1];
        else if (strcmp(argv[i], "--reps") == 0) reps = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else { fprintf(stderr, "usage: pagealloc-bench create [--out FILE] [--reps N]\n"); return 2; }
    }
    if (reps == 0 || reps > 64)
        return 2;
    static const struct { const char *kind; uint32_t flags; } kinds[] = {
        { "metadata-only", PA_CFG_METADATA_ONLY }, { "backed", 0 },
    };
    double v[2][64];
    long desc = 0;
    for (unsigned r = 0; r < reps; r++)
        for (unsigned k = 0; k < 2; k++)
            v[k][r] = create_once(kinds[k].flags, &desc);
    FILE *f = open_output(out);
    fprintf(f, "kind,pages,reps,min_ns_per_page,median_ns_per_page,descriptor_bytes\n");
    for (unsigned k = 0; k < 2; k++) {
        double mn = min_of(v[k], reps);
        fprintf(f, "%s,%u,%u,%.3f,%.3f,%ld\n", kinds[k].kind, CREATE_PAGES, reps, mn,
                median_of(v[k], reps), desc);
    }
    if (f != stdout)
        fclose(f);
    return 0;
}
