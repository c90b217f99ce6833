// SPDX-License-Identifier: GPL-2.0-only
/* fuzz_driver.c - libFuzzer entry point: the fuzzer's bytes are the
 * operation stream of the random-operation driver (tests/c/driver.c). A
 * broken rule, lost or shared page exits the process, which libFuzzer
 * reports as a crash and saves the input. */
#include "driver.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    driver_run_bytes(data, size, NULL);
    return 0;
}
