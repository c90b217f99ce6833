/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * leaf.h - the one header of the translation units that define the public
 * header's PA_LEAF functions (LEAF_SOURCES in native/CMakeLists.txt). A leaf
 * may run where no callback may: a .NET caller skips the GC transition
 * around it, and a callback into managed code there would corrupt the
 * runtime. So a leaf source must not be able to reach the log, a
 * tracepoint, a callback or a lock, and that is enforced, not asked:
 * - below, every identifier that leads there is poisoned: naming one in a
 *   leaf source after this header is a compile error;
 * - the leaf_functions test (tests/c/leaf_functions.cmake) reads the built
 *   code: each PA_LEAF function is defined in a leaf object and in no
 *   other, leaf objects call nothing but each other, and in the shared
 *   library a leaf's code reaches no call outside the leaves, no indirect
 *   call and no locked (atomic read-modify-write) instruction.
 * trace.h and the other sources' private headers are not included here.
 */
#ifndef PAGEALLOC_LEAF_H
#define PAGEALLOC_LEAF_H

#include "internal.h"

/* The log, the callbacks and the state that holds them (log.c, trace.h). */
#undef pa_einval
#pragma GCC poison pa_log pa_einval log_fn log_ctx trace trace_hooks reclaimers fault fault_on
/* Every lock, and what may take one or allocate: the per-thread state. */
#pragma GCC poison spin_lock spin_trylock spin_lock_slow spin_unlock
#pragma GCC poison os_mutex_lock os_mutex_unlock threads_lock cb_lock pp_lock lock
#pragma GCC poison thread_state current_cpu os_key_get os_key_set malloc calloc free

#endif /* PAGEALLOC_LEAF_H */
