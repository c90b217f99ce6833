/* Functions: C spellings kept where C# spells the type differently. */
#ifndef GOLDEN_FUNCTION_H
#define GOLDEN_FUNCTION_H

#include <stddef.h>
#include <stdint.h>

int add(int a, unsigned int b);
const char *name(void);
size_t length(const char *text, size_t max);
uint64_t widen(uint32_t value, int64_t delta, uint8_t *bytes);
void out_param(int **out, void *ctx);
unsigned long count(long delta);
_Bool toggle(_Bool on, int *state);   /* C's bool: one byte */

/* Static functions are not exported: no binding. */
static inline int helper(void) { return 1; }

#endif
