// SPDX-License-Identifier: GPL-2.0-only
/* callgrind: instruction counts per page, the figure that does not move with
 * the neighbours' load. The driver re-runs this binary under
 *   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=bench_measured_cycles
 * once per candidate, so the count holds the measured cycles only (no set-up,
 * no warm-up), and divides the total by the pages handled. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static const char *const callgrind_candidates[] = {
    "pa_bulk_array/8", "pa_bulk_array/64", "pa_bulk_array/512", "pa_bulk_list/64",
    "pa_single/1", "pa_single/64", "pa_order2/1", "pa_order9/1",
    "pp_va_bulk/64", "pp_desc_bulk/64", "pp_bulk/64", "pp_put_bulk/64", "pp_single/1",
    "glibc_malloc/64", "glibc_aligned_alloc/64", "mimalloc/64", "jemalloc/64", "dpdk_mempool/64",
    "memset_page/64", "pa_single_zero/64", "pa_single_init_alloc/64", "pa_single_init_free/64",
    "pa_bulk_zero/64", "pa_bulk_init_alloc/64", "pa_bulk_init_free/64",
};

__attribute__((noinline, noclone)) void bench_measured_cycles(struct bench_env *env,
                                                               const struct candidate *c,
                                                               unsigned long cycles)
{
    for (unsigned long i = 0; i < cycles; i++)
        c->cycle(env, c->batch, c->order);
    __asm__ volatile("" ::: "memory");   /* keeps the frame: valgrind's toggle needs the call */
}

static unsigned long cycles_for(const struct candidate *c, unsigned long pages)
{
    unsigned long cycles = pages / bench_pages_per_cycle(c);
    return cycles ? cycles : 1;
}

/* callgrind-one NAME PAGES: the child run under valgrind. */
int run_callgrind_one(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pagealloc-bench callgrind-one CANDIDATE PAGES\n");
        return 2;
    }
    const struct candidate *c = bench_find(argv[0]);
    unsigned long pages = strtoul(argv[1], NULL, 10);
    if (!c || pages == 0) {
        fprintf(stderr, "pagealloc-bench: unknown candidate %s or zero pages\n", argv[0]);
        return 2;
    }
    static struct bench_env env;
    bench_env_init(&env, 0);
    char status[512];
    if (c->peer && peers_load(&env, status, sizeof(status), c->peer) != 0) {
        fprintf(stderr, "pagealloc-bench: %s\n", status);
        return 3;
    }
    /* warm-up outside the count: lazy bindings resolved, pcp lists and peers' heaps filled */
    for (unsigned long i = 0; i < cycles_for(c, 4096); i++)
        c->cycle(&env, c->batch, c->order);
    unsigned long cycles = cycles_for(c, pages);
    bench_measured_cycles(&env, c, cycles);
    printf("%lu\n", cycles * bench_pages_per_cycle(c));
    bench_env_fini(&env);
    return 0;
}

/* The "totals:" line of a callgrind output file: instructions (Ir) collected. */
static long long read_totals(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[4096];
    long long total = -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "totals:", 7) == 0 || (total < 0 && strncmp(line, "summary:", 8) == 0))
            total = strtoll(strchr(line, ':') + 1, NULL, 10);
    fclose(f);
    return total;
}

/* Self instructions per function of a callgrind output file: every cost
 * line counts for the function of the last fn= line, except the one after
 * a calls= line (the callee's inclusive cost). Names are compressed: the
 * first "fn=(id) name" or "cfn=(id) name" defines id, later ones say
 * "fn=(id)". */
struct fn_cost {
    char name[96];
    long long self;
};

static size_t read_functions(const char *path, struct fn_cost *fns, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[4096];
    size_t n = 0;
    long cur = -1;
    bool after_calls = false;
    while (fgets(line, sizeof(line), f)) {
        bool callee = strncmp(line, "cfn=(", 5) == 0;
        if (callee || strncmp(line, "fn=(", 4) == 0) {
            char *end;
            long id = strtol(line + (callee ? 5 : 4), &end, 10);
            if (id < 0 || (size_t)id >= cap)
                id = -1;
            if (id >= 0 && *end == ')' && end[1] == ' ') {
                snprintf(fns[id].name, sizeof(fns[id].name), "%s", end + 2);
                fns[id].name[strcspn(fns[id].name, "\n")] = '\0';
            }
            if (id >= 0 && (size_t)id >= n)
                n = (size_t)id + 1;
            if (!callee) {
                cur = id;
                after_calls = false;
            }
        } else if (strncmp(line, "calls=", 6) == 0) {
            after_calls = true;
        } else if (strchr("0123456789+-*", line[0])) {
            char *cost = strchr(line, ' ');
            if (cur >= 0 && cost && !after_calls)
                fns[cur].self += strtoll(cost + 1, NULL, 10);
            after_calls = false;
        }
    }
    fclose(f);
    return n;
}

/* Rows "candidate,function,instructions_per_page" for the functions that
 * hold at least 1% of the count, the rest as "(other)". */
static void write_functions(FILE *out, const char *candidate, const char *path, long long total,
                            unsigned long long pages)
{
    enum { MAX_FNS = 1 << 14 };
    static struct fn_cost fns[MAX_FNS];
    memset(fns, 0, sizeof(fns));
    size_t n = read_functions(path, fns, MAX_FNS);
    long long other = total;
    for (;;) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (fns[i].self * 100 >= total && (best == n || fns[i].self > fns[best].self))
                best = i;
        if (best == n)
            break;
        for (char *p = fns[best].name; *p; p++)
            if (*p == ',' || *p == '"')
                *p = ';';   /* a C++ name may hold them; the file is CSV */
        fprintf(out, "%s,%s,%.2f\n", candidate, fns[best].name, (double)fns[best].self / (double)pages);
        other -= fns[best].self;
        fns[best].self = 0;
    }
    if (other > 0)
        fprintf(out, "%s,(other),%.2f\n", candidate, (double)other / (double)pages);
}

static int run_child(const char *self, const char *name, const char *pages, const char *out_file,
                     unsigned long long *pages_done)
{
    char out_arg[600];
    snprintf(out_arg, sizeof(out_arg), "--callgrind-out-file=%s", out_file);
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        close(pipefd[1]);
        execlp("valgrind", "valgrind", "-q", "--tool=callgrind", "--collect-atstart=no",
               "--toggle-collect=bench_measured_cycles", out_arg, self, "callgrind-one", name,
               pages, (char *)NULL);
        perror("valgrind");
        _exit(127);
    }
    close(pipefd[1]);
    char buf[64] = { 0 };
    ssize_t got = read(pipefd[0], buf, sizeof(buf) - 1);
    close(pipefd[0]);
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got <= 0)
        return WIFEXITED(status) ? -WEXITSTATUS(status) : -EINTR;
    *pages_done = strtoull(buf, NULL, 10);
    return 0;
}

/* callgrind [--out FILE] [--pages N]: every candidate of the list above whose
 * allocator is present. */
int run_callgrind(int argc, char **argv, const char *self)
{
    const char *out = "-", *pages = "32768", *functions = NULL;
    for (int i = 0; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--out") == 0) out = argv[i + 1];
        else if (strcmp(argv[i], "--pages") == 0) pages = argv[i + 1];
        else if (strcmp(argv[i], "--functions") == 0) functions = argv[i + 1];
        else {
            fprintf(stderr, "usage: pagealloc-bench callgrind [--out FILE] [--pages N] [--functions FILE]\n");
            return 2;
        }
    }
    static struct bench_env probe;   /* only to learn which peers load */
    FILE *f = open_output(out);
    fprintf(f, "candidate,pages,instructions,instructions_per_page\n");
    FILE *fn_out = functions ? open_output(functions) : NULL;
    if (fn_out)
        fprintf(fn_out, "candidate,function,instructions_per_page\n");
    for (size_t i = 0; i < sizeof(callgrind_candidates) / sizeof(callgrind_candidates[0]); i++) {
        const struct candidate *c = bench_find(callgrind_candidates[i]);
        char status[512];
        if (c->peer && peers_load(&probe, status, sizeof(status), c->peer) != 0) {
            fprintf(stderr, "callgrind %s: %s\n", c->name, status);
            continue;
        }
        char tmp[] = "/tmp/pagealloc-callgrind-XXXXXX";
        int fd = mkstemp(tmp);
        if (fd < 0)
            bench_die("mkstemp", -errno);
        close(fd);
        unsigned long long done = 0;
        int rc = run_child(self, c->name, pages, tmp, &done);
        long long total = rc == 0 ? read_totals(tmp) : -1;
        if (fn_out && total > 0 && done > 0) {
            write_functions(fn_out, c->name, tmp, total, done);
            fflush(fn_out);
        }
        unlink(tmp);
        if (rc != 0 || total < 0 || done == 0) {
            fprintf(stderr, "callgrind %s failed (%d)\n", c->name, rc);
            return 1;
        }
        fprintf(f, "%s,%llu,%lld,%.2f\n", c->name, done, total, (double)total / (double)done);
        fprintf(stderr, "callgrind %s: %.2f instructions/page\n", c->name, (double)total / (double)done);
        fflush(f);
    }
    if (f != stdout)
        fclose(f);
    if (fn_out && fn_out != stdout)
        fclose(fn_out);
    return 0;
}
