// SPDX-License-Identifier: GPL-2.0-only
/* test_random.c - the random-operation driver (driver.c) over fixed seeds:
 * thousands of operations per seed, every configuration variant. Prints
 * what it did, the numbers docs/RELIABILITY.md quotes. */
#include "driver.h"
#include "support.h"

#include <inttypes.h>

static void run_seed(uint64_t seed, long ops)
{
    struct driver_stats st = { 0 };
    driver_run_seed(seed, ops, &st);
    printf("seed %" PRIu64 ": %" PRIu64 " ops, %" PRIu64 " bad inputs, %" PRIu64 " bad frees, %" PRIu64
           " pages allocated, %" PRIu64 " failed calls, %" PRIu64 " pa_check, %" PRIu64 " page_pool ops, %" PRIu64
           " pages reported\n",
           seed, st.ops, st.bad_inputs, st.bad_frees, st.allocated_pages, st.failed_calls, st.checks,
           st.pool_ops, st.reported_pages);
}

TEST(random_ops_seed_1) { run_seed(1, 4000); }
TEST(random_ops_seed_2) { run_seed(2, 4000); }
TEST(random_ops_seed_3) { run_seed(3, 4000); }
TEST(random_ops_seed_4) { run_seed(4, 4000); }
TEST(random_ops_seed_5) { run_seed(5, 4000); }
TEST(random_ops_seed_6) { run_seed(6, 4000); }
TEST(random_ops_seed_7) { run_seed(7, 4000); }
TEST(random_ops_seed_8) { run_seed(8, 4000); }
TEST(random_ops_seed_9) { run_seed(9, 4000); }
TEST(random_ops_seed_10) { run_seed(10, 4000); }

/* `test_random --seeds FIRST LAST [OPS]`: a sweep over many more seeds than
 * ctest runs, with totals. Otherwise the ctest tests, by name. */
int main(int argc, char **argv)
{
    if (argc > 3 && strcmp(argv[1], "--seeds") == 0) {
        uint64_t first = strtoull(argv[2], NULL, 10), last = strtoull(argv[3], NULL, 10);
        long ops = argc > 4 ? atol(argv[4]) : 4000;
        CHECK(first <= last && ops > 0);
        struct driver_stats st = { 0 };
        for (uint64_t seed = first; seed <= last; seed++)
            driver_run_seed(seed, ops, &st);
        printf("seeds %" PRIu64 "..%" PRIu64 ": %" PRIu64 " ops, %" PRIu64 " bad inputs, %" PRIu64
               " bad frees, %" PRIu64 " pages allocated, %" PRIu64 " failed calls, %" PRIu64 " pa_check, %" PRIu64
               " page_pool ops, %" PRIu64 " pages reported\n",
               first, last, st.ops, st.bad_inputs, st.bad_frees, st.allocated_pages, st.failed_calls, st.checks,
               st.pool_ops, st.reported_pages);
        return 0;
    }
    return run_tests(argc, argv);
}
