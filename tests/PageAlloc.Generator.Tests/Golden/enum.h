/* SPDX-License-Identifier: GPL-2.0-only */
/* Enums: named ones keep their C names, anonymous ones become constants. */
enum color {
    COLOR_RED,
    COLOR_GREEN,
    COLOR_BLUE = 7,
    COLOR_COUNT
};

enum signed_value {
    SIGNED_MINUS = -1,
    SIGNED_ZERO
};

typedef enum {
    SHAPE_SQUARE = 1,
    SHAPE_ROUND = 2
} shape_t;

enum { LEVEL_LOW = 3, LEVEL_HIGH = 9 };

void paint(enum color c, shape_t s);
