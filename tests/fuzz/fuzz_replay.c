// SPDX-License-Identifier: GPL-2.0-only
/* fuzz_replay.c - replays every file of the fuzz corpus (tests/fuzz/corpus)
 * through the driver with the ordinary compiler, so ctest catches a
 * regression on any input the fuzzer ever found, without clang. */
#include "driver.h"
#include "check.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    DIR *dir = opendir(argv[1]);
    CHECK(dir != NULL);
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        CHECK(names != NULL);
        names[n++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof(*names), by_name);
    struct driver_stats st = { 0 };
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
        FILE *f = fopen(path, "rb");
        CHECK(f != NULL);
        CHECK_EQ(fseek(f, 0, SEEK_END), 0);
        long size = ftell(f);
        CHECK(size >= 0);
        rewind(f);
        uint8_t *buf = malloc((size_t)size + 1);
        CHECK(buf != NULL);
        CHECK_EQ(fread(buf, 1, (size_t)size, f), (size_t)size);
        fclose(f);
        driver_run_bytes(buf, (size_t)size, &st);
        free(buf);
        free(names[i]);
    }
    free(names);
    /* An empty or missing corpus would make this test pass vacuously. */
    CHECK(n >= 8);
    printf("%zu corpus inputs: %" PRIu64 " ops, %" PRIu64 " bad inputs, %" PRIu64 " bad frees, %" PRIu64
           " pages allocated, %" PRIu64 " pa_check, %" PRIu64 " page pool ops, %" PRIu64
           " mempolicy ops, %" PRIu64 " trace events\n",
           n, st.ops, st.bad_inputs, st.bad_frees, st.allocated_pages, st.checks, st.pool_ops,
           st.mpol_ops, st.trace_events);
    /* The corpus must reach the page pool, the memory policies and the tracepoints. */
    CHECK(st.pool_ops > 0 && st.mpol_ops > 0 && st.trace_events > 0);
    return 0;
}
