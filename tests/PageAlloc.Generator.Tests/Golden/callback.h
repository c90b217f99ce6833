/* SPDX-License-Identifier: GPL-2.0-only */
/* Function-pointer typedefs become delegate* unmanaged[Cdecl], the typedef name kept. */
#include <stddef.h>

typedef struct context context;
typedef void (*log_fn)(void *ctx, int level, const char *message);
typedef unsigned long (*reclaim_fn)(void *ctx, context *c, int nid, unsigned long nr);

void set_log(context *c, log_fn fn, void *ctx);
int register_reclaim(context *c, reclaim_fn fn, void *ctx);
void visit(context *c, int (*visitor)(const context *c, size_t index));
