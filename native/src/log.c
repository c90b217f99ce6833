// SPDX-License-Identifier: GPL-2.0-only
/* log.c - the log callback (Kernel: printk, pr_warn). */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

static const char *level_name(int level)
{
    switch (level) {
    case PA_LOG_ERR: return "error";
    case PA_LOG_WARNING: return "warning";
    case PA_LOG_INFO: return "info";
    default: return "debug";
    }
}

void pa_log(struct pa_allocator *a, int level, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    /* Read the callback once: pa_set_log may run concurrently. */
    pa_log_fn fn = NULL;
    void *ctx = NULL;
    if (a) {
        os_mutex_lock(&a->cb_lock);
        fn = a->log_fn;
        ctx = a->log_ctx;
        os_mutex_unlock(&a->cb_lock);
    }
    if (fn)
        fn(ctx, level, msg);
    else if (level <= PA_LOG_WARNING)
        fprintf(stderr, "pagealloc %s: %s\n", level_name(level), msg);
}

PA_API void pa_set_log(pa_allocator *a, pa_log_fn fn, void *ctx)
{
    if (!a) {
        pa_log(NULL, PA_LOG_WARNING, "pa_set_log: NULL allocator");
        return;
    }
    os_mutex_lock(&a->cb_lock);
    a->log_fn = fn;
    a->log_ctx = ctx;
    os_mutex_unlock(&a->cb_lock);
}
