/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The contents hotcold writes into its cold pages, shared with bench/ so the lz4
 * figure is measured on the very data that gets paged out. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A header with the page index, then 16-byte blocks alternating text and pseudo-random
 * bytes: lz4 gets about 2:1 on it, in the range of real heaps, and it is never all-equal
 * (zram would store a same-filled page without compressing it). */
static inline void hotcold_fill_page(uint8_t *p, size_t ps, uint64_t idx) {
        static const char words[] = "etmem cold page pattern lorem ipsum dolor sit amet ";
        uint64_t x = idx * 0x9E3779B97F4A7C15ULL + 1;
        memcpy(p, &idx, sizeof idx);
        for (size_t i = sizeof idx; i < ps; i++) {
                if ((i / 16) % 2 == 0)
                        p[i] = (uint8_t) words[(i + idx) % (sizeof words - 1)];
                else {
                        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
                        p[i] = (uint8_t) x;
                }
        }
}
