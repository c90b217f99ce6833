/* SPDX-License-Identifier: GPL-2.0-only */
/* driver.h - the random-operation driver shared by test_random (fixed
 * seeds), the libFuzzer entry point (fuzzer bytes) and fuzz_replay (the
 * committed corpus, replayed by ctest). One operation stream, two sources of
 * choices: a seeded generator or a byte string. */
#ifndef PAGEALLOC_TEST_DRIVER_H
#define PAGEALLOC_TEST_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/* What a run did; summed over runs by the caller. */
struct driver_stats {
    uint64_t runs;
    uint64_t ops;              /* operations executed */
    uint64_t bad_inputs;       /* calls with an argument the API must reject */
    uint64_t bad_frees;        /* NULL, double, wrong-order, tail, foreign, referenced frees */
    uint64_t allocated_pages;  /* pages handed out and checked */
    uint64_t failed_calls;     /* allocation calls that returned nothing */
    uint64_t checks;           /* pa_check calls */
    uint64_t pool_ops;         /* page_pool operations (part of ops) */
    uint64_t reported_pages;   /* pages free page reporting passes reported */
    uint64_t mpol_ops;         /* memory policy calls and mempolicy bulk allocations */
    uint64_t trace_events;     /* tracepoint events checked */
};

/* `ops` operations chosen by a generator seeded with `seed`; asserts (exit 1)
 * on any broken rule, lost page or shared page. */
void driver_run_seed(uint64_t seed, long ops, struct driver_stats *st);

/* The operations encoded by data[0..len) (first byte: the configuration);
 * stops when the bytes run out or after a bounded number of operations. */
void driver_run_bytes(const uint8_t *data, size_t len, struct driver_stats *st);

/* From now on driver_run_bytes keeps its allocators alive, one per
 * configuration, and resets them between runs instead of creating new
 * ones: the fuzzer's pace. */
void driver_reuse_allocators(void);

#endif
