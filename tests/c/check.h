/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check.h - the C tests' assertion macros: plain C, no framework.
 * A failed CHECK prints where and why and ends the test with exit code 1.
 * TEST(name) registers a test function; RUN_TESTS() runs the ones named on
 * the command line (or all) and prints "N passed, N failed".
 */
#ifndef PAGEALLOC_TEST_CHECK_H
#define PAGEALLOC_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

#define CHECK_EQ(a, b)                                                           \
    do {                                                                         \
        long long va_ = (long long)(a), vb_ = (long long)(b);                    \
        if (va_ != vb_) {                                                        \
            fprintf(stderr, "%s:%d: CHECK_EQ(%s, %s) failed: %lld != %lld\n",     \
                    __FILE__, __LINE__, #a, #b, va_, vb_);                       \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                       \
    do {                                                                         \
        const char *sa_ = (a), *sb_ = (b);                                       \
        if (strcmp(sa_, sb_) != 0) {                                             \
            fprintf(stderr, "%s:%d: CHECK_STR_EQ(%s, %s) failed:\n--- got\n%s\n--- expected\n%s\n", \
                    __FILE__, __LINE__, #a, #b, sa_, sb_);                       \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

typedef void (*test_fn)(void);
struct test_case { const char *name; test_fn fn; };

#define MAX_TESTS 256
static struct test_case tests_[MAX_TESTS];
static int nr_tests_;

#define TEST(name)                                                               \
    static void name(void);                                                      \
    __attribute__((constructor)) static void register_##name(void)               \
    {                                                                            \
        if (nr_tests_ < MAX_TESTS)                                               \
            tests_[nr_tests_++] = (struct test_case){ #name, name };             \
    }                                                                            \
    static void name(void)

/* Runs one test per process when argv names it (ctest registers each test
 * separately), else every test in this one process. */
static inline int run_tests(int argc, char **argv)
{
    int passed = 0;
    for (int i = 0; i < nr_tests_; i++) {
        if (argc > 1 && strcmp(argv[1], tests_[i].name) != 0)
            continue;
        tests_[i].fn();
        printf("ok %s\n", tests_[i].name);
        passed++;
    }
    if (argc > 1 && passed == 0) {
        fprintf(stderr, "no test named %s\n", argv[1]);
        return 1;
    }
    printf("%d passed, 0 failed\n", passed);
    return 0;
}

#define RUN_TESTS() int main(int argc, char **argv) { return run_tests(argc, argv); }

#endif
