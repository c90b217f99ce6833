/* SPDX-License-Identifier: GPL-2.0-only */
/* Object-like macros become constants, evaluated by clang; others are left out. */
#ifndef GOLDEN_DEFINE_H
#define GOLDEN_DEFINE_H

#define EXPORTED __attribute__((visibility("default")))
#define likely(x) __builtin_expect(!!(x), 1)

#define SMALL 10
#define NEGATIVE (-1)
#define DERIVED (SMALL + 1)
#define FLAG_A 0x1u
#define FLAG_B 0x00000004u
#define FLAGS_AB (FLAG_A | FLAG_B)
#define BIG_MASK (1ul << 40)
#define NATIVE_LONG 5L
#define LONG_LONG (-3ll)
#define RATIO 0.25
#define RATIO_F 1.5f
#define CHAR_CODE 'A'

EXPORTED int uses(int flags);

#endif
