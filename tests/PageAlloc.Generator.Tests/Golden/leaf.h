/* SPDX-License-Identifier: GPL-2.0-only */
/* Leaf functions: [SuppressGCTransition] exactly where the header says pa_leaf. */
#ifndef GOLDEN_LEAF_H
#define GOLDEN_LEAF_H

#define LEAF __attribute__((annotate("pa_leaf")))

LEAF int quick(int x);
int slow(int x);
__attribute__((annotate("something_else"))) int annotated_otherwise(int x);
LEAF _Bool quick_bool(_Bool on);   /* marshalled, and still a leaf */
__attribute__((annotate("pa_leaf_not"))) void near_miss(void);

/* A static leaf has no binding at all. */
LEAF static inline int inline_leaf(void) { return 1; }

#endif
