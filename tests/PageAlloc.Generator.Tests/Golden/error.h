/* SPDX-License-Identifier: GPL-2.0-only */
/* A header clang cannot read: the generator must fail and say why. */
#include <stddef.h>

unknown_type broken(size_t size);
