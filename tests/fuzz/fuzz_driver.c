// SPDX-License-Identifier: GPL-2.0-only
/* fuzz_driver.c - libFuzzer entry point: the fuzzer's bytes are the
 * operation stream of the random-operation driver (tests/c/driver.c). A
 * broken rule, lost or shared page exits the process, which libFuzzer
 * reports as a crash and saves the input. The allocators live for the
 * whole process, one per configuration, and are reset between inputs
 * (allocator_reset): creating them anew for each input held the fuzzer to
 * a few executions a second. */
#include "driver.h"

#include <stddef.h>
#include <stdint.h>

const char *__asan_default_options(void);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ASan holds freed memory back (256 MB by default) to catch late uses, so
 * each input's allocations landed on fresh pages, faulted in anew. The
 * driver's memory lives across inputs now; a small quarantine still catches
 * a use soon after a free. ASAN_OPTIONS overrides this. */
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=8";
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    driver_reuse_allocators();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    driver_run_bytes(data, size, NULL);
    return 0;
}
