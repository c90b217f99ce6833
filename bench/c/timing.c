// SPDX-License-Identifier: GPL-2.0-only
/* timing: every candidate in one process, interleaved round robin per
 * repetition (so drift and neighbours' noise hit all alike), min and median. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct timing_opts {
    unsigned reps;
    unsigned long pages_per_rep;
    int cpu;
    const char *csv, *md, *peers;
    const char *only;   /* comma-separated candidate names, or NULL: all */
};

static bool selected(const struct timing_opts *o, const char *name)
{
    if (!o->only)
        return true;
    size_t len = strlen(name);
    for (const char *p = o->only; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
            return true;
    return false;
}

static unsigned long cycles_for(const struct candidate *c, unsigned long pages_per_rep)
{
    unsigned long cycles = pages_per_rep / bench_pages_per_cycle(c);
    return cycles ? cycles : 1;
}

static double time_rep(struct bench_env *env, const struct candidate *c, unsigned long cycles)
{
    uint64_t t0 = now_ns();
    for (unsigned long i = 0; i < cycles; i++)
        c->cycle(env, c->batch, c->order);
    return (double)(now_ns() - t0) / (double)(cycles * bench_pages_per_cycle(c));
}

static int parse(int argc, char **argv, struct timing_opts *o)
{
    *o = (struct timing_opts){ 11, 1ul << 16, 0, "-", NULL, NULL, NULL };
    for (int i = 0; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return -1;
        if (strcmp(argv[i], "--reps") == 0) o->reps = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(argv[i], "--pages") == 0) o->pages_per_rep = strtoul(v, NULL, 10);
        else if (strcmp(argv[i], "--cpu") == 0) o->cpu = atoi(v);
        else if (strcmp(argv[i], "--csv") == 0) o->csv = v;
        else if (strcmp(argv[i], "--md") == 0) o->md = v;
        else if (strcmp(argv[i], "--peers") == 0) o->peers = v;
        else if (strcmp(argv[i], "--only") == 0) o->only = v;
        else return -1;
        i++;
    }
    return o->reps >= 1 && o->pages_per_rep >= 1 ? 0 : -1;
}

static void write_peers(const char *path, struct bench_env *env)
{
    static const char *const peers[] = { "mimalloc", "jemalloc", "dpdk" };
    FILE *f = path ? open_output(path) : NULL;
    if (f)
        fprintf(f, "peer,status\n");
    for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
        char status[512];
        peers_load(env, status, sizeof(status), peers[i]);
        fprintf(stderr, "peer %s: %s\n", peers[i], status);
        if (f) {
            for (char *p = status; *p; p++)
                if (*p == ',' || *p == '\n')
                    *p = ';';
            fprintf(f, "%s,%s\n", peers[i], status);
        }
    }
    if (f && f != stdout)
        fclose(f);
}

int run_timing(int argc, char **argv)
{
    struct timing_opts o;
    if (parse(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: pagealloc-bench timing [--reps N] [--pages N] [--cpu C] "
                        "[--csv FILE] [--md FILE] [--peers FILE] [--only NAME,NAME...]\n");
        return 2;
    }
    static struct bench_env env;
    bench_env_init(&env, o.cpu);
    write_peers(o.peers, &env);

    const struct candidate *run[64];
    size_t n = 0;
    for (size_t i = 0; i < bench_nr_candidates && n < 64; i++)
        if (peer_available(&env, bench_candidates[i].peer) && selected(&o, bench_candidates[i].name))
            run[n++] = &bench_candidates[i];

    double *ns = calloc(n * o.reps, sizeof(*ns));
    if (!ns)
        bench_die("calloc", -12);
    for (size_t c = 0; c < n; c++)   /* warm-up: caches, pcp lists and peers' heaps filled */
        time_rep(&env, run[c], cycles_for(run[c], o.pages_per_rep));
    for (unsigned r = 0; r < o.reps; r++)
        for (size_t k = 0; k < n; k++) {
            size_t c = (k + r) % n;   /* a different candidate leads each repetition */
            ns[c * o.reps + r] = time_rep(&env, run[c], cycles_for(run[c], o.pages_per_rep));
        }
    bench_env_fini(&env);

    FILE *csv = open_output(o.csv);
    FILE *md = o.md ? open_output(o.md) : NULL;
    fprintf(csv, "candidate,family,batch,order,reps,min_ns_per_page,median_ns_per_page,"
                 "min_ns_per_block,median_ns_per_block\n");
    if (md)
        fprintf(md, "| candidate | batch | order | min ns/page | median ns/page | median ns/block |\n"
                    "|---|---:|---:|---:|---:|---:|\n");
    for (size_t c = 0; c < n; c++) {
        double *v = &ns[c * o.reps];
        double mn = min_of(v, o.reps), med = median_of(v, o.reps);
        double per_block = (double)(1u << run[c]->order);
        fprintf(csv, "%s,%s,%u,%u,%u,%.3f,%.3f,%.3f,%.3f\n", run[c]->name, run[c]->family,
                run[c]->batch, run[c]->order, o.reps, mn, med, mn * per_block, med * per_block);
        if (md)
            fprintf(md, "| %s | %u | %u | %.2f | %.2f | %.2f |\n", run[c]->name, run[c]->batch,
                    run[c]->order, mn, med, med * per_block);
    }
    if (csv != stdout)
        fclose(csv);
    if (md && md != stdout)
        fclose(md);
    free(ns);
    return 0;
}
