/* SPDX-License-Identifier: GPL-2.0-only */
/* test_oracle.c - the host kernel as the oracle of the 6.18 model.
 *
 * An allocator shaped like this machine (managed pages of every zone from
 * /proc/zoneinfo; /proc/sys/vm/min_free_kbytes, watermark_scale_factor,
 * lowmem_reserve_ratio, percpu_pagelist_high_fraction; the online CPUs and
 * their nodes) with PA_CFG_PCP_AUTOTUNE | PA_CFG_METADATA_ONLY must print in
 * its zoneinfo every static number the host prints: per zone min, low,
 * high, promo, every protection entry, and per CPU batch, high_min,
 * high_max and the vm stats threshold. Sizes come from managed pages (the
 * kernel sizes everything compared here from them), so a zone spanning far
 * more than it manages is no special case.
 *
 * ZONE_DEVICE: the kernel's fifth zone never holds managed pages, so the
 * model has none; its protection column equals the MOVABLE one by the
 * kernel's definition (the sum of managed pages up to that zone, divided by
 * the ratio) and is compared against it; the Device zone's own line is
 * counted as not modelled (and must manage no pages, or the test fails).
 *
 * Skips: only where /proc/zoneinfo does not exist at all (not Linux, or
 * /proc not mounted), the test says so and passes. A zoneinfo that exists
 * but cannot be read or parsed, or a host the config cannot express, fails. */
#include "support.h"

#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

#define MAX_TEXT (4u << 20)

static char *read_text(const char *path, int *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        *err = errno;
        return NULL;
    }
    char *buf = malloc(MAX_TEXT);
    CHECK(buf != NULL);
    size_t n = fread(buf, 1, MAX_TEXT - 1, f);
    buf[n] = '\0';
    *err = ferror(f) ? EIO : 0;
    fclose(f);
    return buf;
}

/* The numbers of a /proc/sys/vm file (space separated); how many read. */
static int read_numbers(const char *name, long long *out, int max)
{
    char path[128];
    int err;
    snprintf(path, sizeof(path), "/proc/sys/vm/%s", name);
    char *text = read_text(path, &err);
    if (!text) {
        fprintf(stderr, "oracle: cannot read %s: %s\n", path, strerror(err));
        CHECK(text != NULL);
    }
    int n = 0, used;
    for (const char *p = text; n < max && sscanf(p, "%lld%n", &out[n], &used) == 1; p += used)
        n++;
    free(text);
    CHECK(n > 0);
    return n;
}

/* Kernel zone names to ours; PA_NR_ZONES for Device, -1 for anything else. */
static int zone_index(const char *name)
{
    static const char *const names[] = { "DMA", "DMA32", "Normal", "Movable", "Device" };
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/* CPU c's node from /sys/devices/system/node/node<n>/cpulist ("0-3,8-11"). */
static void read_cpu_nodes(int nr_nodes, int nr_cpus, int32_t *cpu_to_node)
{
    for (int c = 0; c < nr_cpus; c++)
        cpu_to_node[c] = 0;
    if (nr_nodes == 1)
        return;
    for (int nid = 0; nid < nr_nodes; nid++) {
        char path[96];
        int err;
        snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", nid);
        char *text = read_text(path, &err);
        if (!text) {
            fprintf(stderr, "oracle: %d nodes, and %s cannot be read: %s\n", nr_nodes, path, strerror(err));
            CHECK(text != NULL);
        }
        int lo, hi, used;
        for (const char *p = text; sscanf(p, "%d%n", &lo, &used) == 1; ) {
            p += used;
            hi = lo;
            if (*p == '-' && sscanf(p + 1, "%d%n", &hi, &used) == 1)
                p += 1 + used;
            for (int c = lo; c <= hi && c < nr_cpus; c++)
                cpu_to_node[c] = nid;
            if (*p != ',')
                break;
            p++;
        }
        free(text);
    }
}

struct tally {
    int compared, equal, not_modelled;
};

static void compare(struct tally *t, const struct zi_zone *z, const char *field, int cpu,
                    long long host, long long model)
{
    t->compared++;
    if (host == model) {
        t->equal++;
        return;
    }
    if (t->compared - t->equal > 10)
        return;
    char where[32] = "";
    if (cpu >= 0)
        snprintf(where, sizeof(where), " (cpu %d)", cpu);
    fprintf(stderr, "oracle: node %d zone %s %s%s: host %lld, model %lld\n", z->node, z->name, field,
            where, host, model);
}

static const struct zi_zone *find_zone(const struct zi_zone *zones, int n, int node, const char *name)
{
    for (int i = 0; i < n; i++)
        if (zones[i].node == node && strcmp(zones[i].name, name) == 0)
            return &zones[i];
    return NULL;
}

/* Every static number of host zone h against the model's zone m. */
static void compare_zone(struct tally *t, const struct zi_zone *h, const struct zi_zone *m)
{
    compare(t, h, "min", -1, h->min, m->min);
    compare(t, h, "low", -1, h->low, m->low);
    compare(t, h, "high", -1, h->high, m->high);
    compare(t, h, "promo", -1, h->promo, m->promo);
    static const char *const prot[] = { "protection[0]", "protection[1]", "protection[2]",
                                        "protection[3]", "protection[4]", "protection[5]" };
    for (int j = 0; j < h->nr_protection && j < 6; j++) {
        /* ZONE_DEVICE (index PA_NR_ZONES) manages nothing: its column is
         * MOVABLE's. */
        int mj = j < PA_NR_ZONES ? j : PA_NR_ZONES - 1;
        compare(t, h, prot[j], -1, h->protection[j], mj < m->nr_protection ? m->protection[mj] : -1);
    }
    CHECK_EQ(h->nr_cpus, m->nr_cpus);
    for (int c = 0; c < h->nr_cpus && c < ZI_MAX_CPUS; c++) {
        compare(t, h, "batch", h->cpu[c], h->batch[c], m->batch[c]);
        compare(t, h, "high_min", h->cpu[c], h->high_min[c], m->high_min[c]);
        compare(t, h, "high_max", h->cpu[c], h->high_max[c], m->high_max[c]);
        compare(t, h, "vm stats threshold", h->cpu[c], h->threshold[c], m->threshold[c]);
    }
}

/* The host's zones and sysctls read as one consistent picture: this host's
 * memory can grow or shrink while the test runs (memory hot-plug, a
 * balloon), so zoneinfo is read before and after the sysctls and the
 * reading is repeated until both agree on every zone's managed pages and
 * watermarks. Returns the number of zones; 0: /proc/zoneinfo does not exist. */
struct host {
    struct zi_zone zones[ZI_MAX_ZONES];
    int nr_zones;
    long long min_free_kbytes, watermark_scale_factor, high_fraction;
    long long ratio[8];
    int nr_ratios;
};

static int read_zones(struct zi_zone *zones)
{
    int err;
    char *text = read_text("/proc/zoneinfo", &err);
    if (!text && err == ENOENT)
        return 0;
    if (!text || err) {
        fprintf(stderr, "oracle: /proc/zoneinfo exists but cannot be read: %s\n", strerror(err));
        CHECK(text != NULL && err == 0);
    }
    int n = zoneinfo_parse(text, zones, ZI_MAX_ZONES);
    free(text);
    CHECK(n > 0);
    return n;
}

static bool same_sizes(const struct zi_zone *a, const struct zi_zone *b, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i].managed != b[i].managed || a[i].min != b[i].min || a[i].low != b[i].low ||
            a[i].high_min[0] != b[i].high_min[0])
            return false;
    return true;
}

static int read_host(struct host *h)
{
    static struct zi_zone again[ZI_MAX_ZONES];
    for (int attempt = 0; attempt < 10; attempt++) {
        h->nr_zones = read_zones(h->zones);
        if (!h->nr_zones)
            return 0;
        long long v[1];
        read_numbers("min_free_kbytes", v, 1);
        h->min_free_kbytes = v[0];
        read_numbers("watermark_scale_factor", v, 1);
        h->watermark_scale_factor = v[0];
        read_numbers("percpu_pagelist_high_fraction", v, 1);
        h->high_fraction = v[0];
        h->nr_ratios = read_numbers("lowmem_reserve_ratio", h->ratio, 8);
        if (read_zones(again) == h->nr_zones && same_sizes(h->zones, again, h->nr_zones))
            return h->nr_zones;
        printf("oracle: the host's zones changed while being read; reading again\n");
        usleep(100000);
    }
    fprintf(stderr, "oracle: the host's zones kept changing over 10 readings\n");
    CHECK(0);
    return 0;
}

/* A config shaped like the host. */
static void host_config(const struct host *h, struct pa_config *cfg, int32_t *cpu_to_node)
{
    pa_config_init(cfg);
    cfg->node_zone_pages[0][PA_ZONE_NORMAL] = 0;
    cfg->page_shift = (uint32_t)__builtin_ctzl((unsigned long)sysconf(_SC_PAGESIZE));
    int nr_nodes = 0;
    for (int i = 0; i < h->nr_zones; i++) {
        const struct zi_zone *z = &h->zones[i];
        int zi = zone_index(z->name);
        if (zi < 0 || z->node >= PA_MAX_NODES || z->managed < 0) {
            fprintf(stderr, "oracle: zone %s of node %d cannot be modelled\n", z->name, z->node);
            CHECK(0);
        }
        if (z->node + 1 > nr_nodes)
            nr_nodes = z->node + 1;
        if (zi == PA_NR_ZONES) {   /* ZONE_DEVICE */
            CHECK_EQ(z->managed, 0);
            continue;
        }
        cfg->node_zone_pages[z->node][zi] = (uint64_t)z->managed;
    }
    cfg->nr_nodes = (uint32_t)nr_nodes;
    cfg->nr_cpus = (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
    CHECK(cfg->nr_cpus >= 1 && cfg->nr_cpus <= PA_MAX_CPUS);
    read_cpu_nodes(nr_nodes, (int)cfg->nr_cpus, cpu_to_node);
    cfg->cpu_to_node = cpu_to_node;
    cfg->min_free_kbytes = (uint64_t)h->min_free_kbytes;
    cfg->watermark_scale_factor = (uint32_t)h->watermark_scale_factor;
    cfg->percpu_pagelist_high_fraction = (uint32_t)h->high_fraction;
    /* Ratios beyond MOVABLE (Device's) never reserve anything: the top
     * zone's reserve is not computed, and MOVABLE's against Device is
     * 0 / ratio. */
    for (int i = 0; i < PA_NR_ZONES && i < h->nr_ratios; i++)
        cfg->lowmem_reserve_ratio[i] = (uint32_t)h->ratio[i];
    cfg->flags = PA_CFG_METADATA_ONLY | PA_CFG_PCP_AUTOTUNE;
}

TEST(oracle_host_zoneinfo)
{
    static struct host h;
    static struct zi_zone model[ZI_MAX_ZONES];
    static int32_t cpu_to_node[PA_MAX_CPUS];
    if (!read_host(&h)) {
        printf("oracle: /proc/zoneinfo does not exist on this system (not Linux, or /proc not "
               "mounted): nothing to compare with\n");
        return;
    }
    struct pa_config cfg;
    host_config(&h, &cfg, cpu_to_node);
    pa_allocator *a = test_create(&cfg);
    char *model_text = malloc(MAX_TEXT);
    CHECK(model_text != NULL);
    size_t len = pa_format_zoneinfo(a, model_text, MAX_TEXT);
    CHECK(len < MAX_TEXT);
    int nm = zoneinfo_parse(model_text, model, ZI_MAX_ZONES);
    CHECK(nm > 0);

    struct tally t = { 0, 0, 0 };
    for (int i = 0; i < h.nr_zones; i++) {
        const struct zi_zone *hz = &h.zones[i];
        if (zone_index(hz->name) == PA_NR_ZONES) {
            t.not_modelled += 4;   /* min, low, high, promo of the Device zone */
            continue;
        }
        const struct zi_zone *m = find_zone(model, nm, hz->node, hz->name);
        CHECK(m != NULL);
        CHECK_EQ(m->managed, hz->managed);
        compare_zone(&t, hz, m);
    }
    printf("oracle: %u node(s), %u CPUs, min_free_kbytes %llu, watermark_scale_factor %u, "
           "percpu_pagelist_high_fraction %u; managed pages:",
           cfg.nr_nodes, cfg.nr_cpus, (unsigned long long)cfg.min_free_kbytes,
           cfg.watermark_scale_factor, cfg.percpu_pagelist_high_fraction);
    for (int i = 0; i < h.nr_zones; i++)
        printf(" %s %lld", h.zones[i].name, h.zones[i].managed);
    printf("\nfields compared: %d, equal: %d (not modelled: %d, the Device zone's watermarks)\n",
           t.compared, t.equal, t.not_modelled);
    free(model_text);
    CHECK_OK(a);
    pa_destroy(a);
    CHECK(t.compared > 0);
    CHECK_EQ(t.equal, t.compared);
}

/* The parser on a fixed text of the kernel's layout, so that the oracle's
 * reading is itself checked. */
TEST(oracle_zoneinfo_parser)
{
    static const char text[] =
        "Node 0, zone      DMA\n"
        "  per-node stats\n"
        "      workingset_nodes 3628\n"
        "  pages free     3840\n"
        "        boost    0\n"
        "        min      71\n"
        "        low      88\n"
        "        high     105\n"
        "        promo    122\n"
        "        spanned  4095\n"
        "        present  3998\n"
        "        managed  3840\n"
        "        cma      0\n"
        "        protection: (0, 3018, 3530, 3530, 3530)\n"
        "      nr_free_pages 3840\n"
        "  pagesets\n"
        "    cpu: 0\n"
        "              count:    0\n"
        "              high:     0\n"
        "              batch:    1\n"
        "              high_min: 44\n"
        "              high_max: 240\n"
        "  vm stats threshold: 4\n"
        "    cpu: 3\n"
        "              count:    7\n"
        "              high:     50\n"
        "              batch:    2\n"
        "              high_min: 45\n"
        "              high_max: 241\n"
        "  vm stats threshold: 5\n"
        "  node_unreclaimable:  0\n"
        "  start_pfn:           1\n"
        "Node 1, zone   Device\n"
        "  pages free     0\n"
        "        min      0\n"
        "        managed  0\n"
        "        protection: (0, 0, 0, 0, 0)\n";
    struct zi_zone z[4];
    CHECK_EQ(zoneinfo_parse(text, z, 4), 2);
    CHECK_EQ(z[0].node, 0);
    CHECK_STR_EQ(z[0].name, "DMA");
    CHECK_EQ(z[0].min, 71);
    CHECK_EQ(z[0].low, 88);
    CHECK_EQ(z[0].high, 105);
    CHECK_EQ(z[0].promo, 122);
    CHECK_EQ(z[0].spanned, 4095);
    CHECK_EQ(z[0].present, 3998);
    CHECK_EQ(z[0].managed, 3840);
    CHECK_EQ(z[0].nr_protection, 5);
    CHECK_EQ(z[0].protection[1], 3018);
    CHECK_EQ(z[0].protection[4], 3530);
    CHECK_EQ(z[0].nr_cpus, 2);
    CHECK_EQ(z[0].cpu[1], 3);
    CHECK_EQ(z[0].batch[0], 1);
    CHECK_EQ(z[0].high_min[0], 44);
    CHECK_EQ(z[0].high_max[0], 240);
    CHECK_EQ(z[0].threshold[0], 4);
    CHECK_EQ(z[0].batch[1], 2);
    CHECK_EQ(z[0].high_min[1], 45);
    CHECK_EQ(z[0].high_max[1], 241);
    CHECK_EQ(z[0].threshold[1], 5);
    CHECK_EQ(z[1].node, 1);
    CHECK_STR_EQ(z[1].name, "Device");
    CHECK_EQ(z[1].promo, -1);
    CHECK_EQ(z[1].nr_cpus, 0);
}

RUN_TESTS()
