/* SPDX-License-Identifier: GPL-2.0-only */
/* Structs: fields in C order, primitive arrays as fixed buffers, other arrays as inline arrays. */
#include <stdint.h>

struct node {
    struct node *next;
    uint8_t tag;
    uint64_t weight;
};

struct table {
    uint32_t count;
    uint64_t cells[8][4];
    int32_t *index;
    char name[16];
    struct node nodes[2];
    struct node *heads[3];
};

typedef struct {
    uint64_t bits[2];
} mask_t;
