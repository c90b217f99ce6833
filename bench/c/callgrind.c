/* callgrind: instruction counts per page, the figure that does not move with
 * the neighbours' load. The driver re-runs this binary under
 *   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=bench_measured_cycles
 * once per candidate, so the count holds the measured cycles only (no set-up,
 * no warm-up), and divides the total by the pages handled. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static const char *const callgrind_candidates[] = {
    "pa_bulk_array/8", "pa_bulk_array/64", "pa_bulk_array/512", "pa_bulk_list/64",
    "pa_single/1", "pa_single/64", "pa_order2/1", "pa_order9/1",
    "glibc_malloc/64", "glibc_aligned_alloc/64", "mimalloc/64", "jemalloc/64",
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
    const char *out = "-", *pages = "32768";
    for (int i = 0; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--out") == 0) out = argv[i + 1];
        else if (strcmp(argv[i], "--pages") == 0) pages = argv[i + 1];
        else { fprintf(stderr, "usage: pagealloc-bench callgrind [--out FILE] [--pages N]\n"); return 2; }
    }
    static struct bench_env probe;   /* only to learn which peers load */
    FILE *f = open_output(out);
    fprintf(f, "candidate,pages,instructions,instructions_per_page\n");
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
    return 0;
}
