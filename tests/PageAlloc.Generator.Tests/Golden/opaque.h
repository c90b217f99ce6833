/* SPDX-License-Identifier: GPL-2.0-only */
/* Opaque structs: declared, never defined; used through pointers. */
typedef struct handle handle;
struct session;

int open_handle(handle **out);
void close_handle(handle *h);
struct session *session_of(const handle *h);
