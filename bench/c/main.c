// SPDX-License-Identifier: GPL-2.0-only
/* pagealloc-bench: the C benchmark harness of `build.ps1 bench`.
 *   timing     single-thread ns/page of every candidate, interleaved
 *   callgrind  instructions/page under valgrind --tool=callgrind
 *   threads    bulk-64 throughput on N threads, own and shared pcp slots
 *   create     pa_create cost per page, descriptor size
 *   info       the build: library version, compiler */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static int run_info(void)
{
    printf("key,value\nlibrary_version,%s\ncompiler,%s\n", pa_version(), "gcc " __VERSION__);
    return 0;
}

/* Debian's libjemalloc.so.2 uses initial-exec TLS, which dlopen can place
 * only in glibc's optional static TLS reserve (512 bytes by default): run
 * once more with a larger reserve, so jemalloc loads without LD_PRELOAD
 * (which would replace malloc for every candidate). */
static void reexec_with_static_tls(char **argv)
{
    if (getenv("PAGEALLOC_BENCH_TLS"))
        return;
    const char *old = getenv("GLIBC_TUNABLES");
    char tunables[4096];
    snprintf(tunables, sizeof(tunables), "%s%sglibc.rtld.optional_static_tls=65536",
             old ? old : "", old && *old ? ":" : "");
    setenv("GLIBC_TUNABLES", tunables, 1);
    setenv("PAGEALLOC_BENCH_TLS", "1", 1);
    execv("/proc/self/exe", argv);   /* on failure: go on; jemalloc reports "not run" */
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pagealloc-bench timing|callgrind|callgrind-one|threads|create|info [options]\n");
        return 2;
    }
    const char *mode = argv[1];
    /* Not callgrind-one: it runs under valgrind, where /proc/self/exe is valgrind's
     * tool; the driver hands it the environment of its own re-executed run. */
    if (strcmp(mode, "timing") == 0 || strcmp(mode, "callgrind") == 0)
        reexec_with_static_tls(argv);
    if (strcmp(mode, "timing") == 0)
        return run_timing(argc - 2, argv + 2);
    if (strcmp(mode, "callgrind") == 0) {
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0)
            return 1;
        self[n] = '\0';
        return run_callgrind(argc - 2, argv + 2, self);
    }
    if (strcmp(mode, "callgrind-one") == 0)
        return run_callgrind_one(argc - 2, argv + 2);
    if (strcmp(mode, "threads") == 0)
        return run_threads(argc - 2, argv + 2);
    if (strcmp(mode, "create") == 0)
        return run_create(argc - 2, argv + 2);
    if (strcmp(mode, "info") == 0)
        return run_info();
    fprintf(stderr, "pagealloc-bench: unknown mode %s\n", mode);
    return 2;
}
