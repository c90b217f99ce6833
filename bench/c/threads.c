// SPDX-License-Identifier: GPL-2.0-only
/* threads: bulk-64 cycles on N threads, each pinned to its own CPU and bound
 * to its own pcp slot (scaling), and more threads than slots (the pcp trylock
 * fallback to the zone lock under contention: throughput stays sane and the
 * allocator stays consistent). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define MT_BATCH 64

struct mt_run {
    pa_allocator *a;
    struct pa_layout layout;   /* a's, for the inline page address */
    unsigned nr_threads, nr_slots, nr_host_cpus;
    unsigned long cycles;
    pthread_barrier_t start;
};

struct mt_thread {
    struct mt_run *run;
    unsigned index;
    pthread_t tid;
    uint64_t start_ns, done_ns;
    unsigned long pages, short_calls;
};

static void *mt_worker(void *arg)
{
    struct mt_thread *t = arg;
    struct mt_run *r = t->run;
    struct pa_page *pages[MT_BATCH] = { 0 };
    const struct pa_layout l = r->layout;   /* a local: the touches cannot alias it */
    /* Thread i runs on CPU i (mod CPUs) and uses slot i (mod slots): with more
     * threads than slots, threads on different CPUs share a pcp. */
    pin_to_cpu((int)(t->index % r->nr_host_cpus));
    if (pa_bind_cpu(r->a, (int)(t->index % r->nr_slots)) != 0)
        bench_die("pa_bind_cpu", -22);
    for (int c = 0; c < 256; c++) {   /* warm-up: pcp list filled, its pages faulted in */
        unsigned long got = pa_alloc_pages_bulk_array(r->a, PA_GFP_KERNEL, MT_BATCH, pages);
        for (unsigned i = 0; i < got; i++)
            bench_touch(pa_layout_page_address(&l, pages[i]), 0);
        pa_release_pages(r->a, pages, got);
    }
    pthread_barrier_wait(&r->start);
    /* Each thread reads its own start: the main thread may be scheduled late. */
    t->start_ns = now_ns();
    for (unsigned long c = 0; c < r->cycles; c++) {
        /* A short count is the API's answer when the pcp trylock fails (the
         * fallback allocates one page): counted, not retried, so the figure
         * shows what the fallback costs. */
        unsigned long got = pa_alloc_pages_bulk_array(r->a, PA_GFP_KERNEL, MT_BATCH, pages);
        if (got == 0)
            bench_die("bulk allocation under threads", -12);
        t->short_calls += got != MT_BATCH;
        t->pages += got;
        for (unsigned i = 0; i < got; i++)
            bench_touch(pa_layout_page_address(&l, pages[i]), 0);
        pa_release_pages(r->a, pages, got);
    }
    t->done_ns = now_ns();
    return NULL;
}

/* One run; returns pages per second over all threads and adds the calls
 * that returned short to *short_calls. */
static double mt_once(unsigned nr_threads, unsigned nr_slots, unsigned long cycles, unsigned host_cpus,
                      unsigned long *short_calls)
{
    struct mt_run r = { .nr_threads = nr_threads, .nr_slots = nr_slots,
                        .nr_host_cpus = host_cpus, .cycles = cycles };
    r.a = bench_create_allocator(BENCH_ARENA_PAGES, nr_slots, 0);
    if (pa_get_layout(r.a, &r.layout) != 0)
        bench_die("pa_get_layout", -22);
    pthread_barrier_init(&r.start, NULL, nr_threads + 1);
    struct mt_thread *t = calloc(nr_threads, sizeof(*t));
    if (!t)
        bench_die("calloc", -12);
    for (unsigned i = 0; i < nr_threads; i++) {
        t[i] = (struct mt_thread){ .run = &r, .index = i };
        if (pthread_create(&t[i].tid, NULL, mt_worker, &t[i]) != 0)
            bench_die("pthread_create", -11);
    }
    pthread_barrier_wait(&r.start);
    uint64_t t0 = UINT64_MAX, t1 = 0;
    unsigned long pages = 0;
    for (unsigned i = 0; i < nr_threads; i++) {
        pthread_join(t[i].tid, NULL);
        if (t[i].start_ns < t0)
            t0 = t[i].start_ns;
        if (t[i].done_ns > t1)
            t1 = t[i].done_ns;
        pages += t[i].pages;
        *short_calls += t[i].short_calls;
    }
    int rc = pa_check(r.a);
    if (rc != 0)
        bench_die("pa_check after a threaded run", rc);
    pthread_barrier_destroy(&r.start);
    pa_destroy(r.a);
    free(t);
    if (t1 <= t0)
        bench_die("threaded run timing (no time elapsed)", -22);
    return (double)pages * 1e9 / (double)(t1 - t0);
}

int run_threads(int argc, char **argv)
{
    const char *out = "-";
    unsigned reps = 7;
    unsigned long cycles = 20000;
    for (int i = 0; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--out") == 0) out = argv[i + 1];
        else if (strcmp(argv[i], "--reps") == 0) reps = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--cycles") == 0) cycles = strtoul(argv[i + 1], NULL, 10);
        else { fprintf(stderr, "usage: pagealloc-bench threads [--out FILE] [--reps N] [--cycles N]\n"); return 2; }
    }
    if (reps == 0 || cycles == 0)
        return 2;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned cpus = online > 0 ? (unsigned)online : 1;

    struct mt_case { unsigned threads, slots; const char *kind; } cases[16];
    unsigned n = 0;
    for (unsigned t = 1; t <= cpus && n < 12; t++)
        cases[n++] = (struct mt_case){ t, t, "own slot" };
    cases[n++] = (struct mt_case){ 2, 1, "contended" };
    cases[n++] = (struct mt_case){ 4, 2, "contended" };

    double *v = calloc((size_t)n * reps, sizeof(*v));
    unsigned long short_calls[16] = { 0 };
    if (!v)
        bench_die("calloc", -12);
    for (unsigned r = 0; r < reps; r++)          /* interleaved, as in timing */
        for (unsigned c = 0; c < n; c++)
            v[c * reps + r] = mt_once(cases[c].threads, cases[c].slots, cycles, cpus, &short_calls[c]);

    FILE *f = open_output(out);
    fprintf(f, "kind,threads,slots,host_cpus,reps,calls,short_calls,median_pages_per_s,min_pages_per_s,max_pages_per_s,scaling_vs_1\n");
    double base = 0;
    for (unsigned c = 0; c < n; c++) {
        double *x = &v[c * reps];
        double med = median_of(x, reps);   /* sorted now */
        if (c == 0)
            base = med;
        fprintf(f, "%s,%u,%u,%u,%u,%lu,%lu,%.0f,%.0f,%.0f,%.3f\n", cases[c].kind, cases[c].threads,
                cases[c].slots, cpus, reps, (unsigned long)cases[c].threads * cycles * reps,
                short_calls[c], med, x[0], x[reps - 1], med / base);
    }
    if (f != stdout)
        fclose(f);
    free(v);
    return 0;
}
