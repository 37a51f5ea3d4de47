/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a tracker backend produces per round: sorted observations of accessed memory. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEM_RESIDENT_UNKNOWN UINT64_MAX

typedef struct MemObs {
        uint64_t start, end;
        uint64_t resident; /* bytes, or MEM_RESIDENT_UNKNOWN: estimated from the VMA's Rss */
        bool accessed;
} MemObs;

typedef struct MemObsList {
        MemObs *v;
        size_t n, allocated;
} MemObsList;

/* Appends, merging with the previous observation when contiguous and alike. */
int mem_obs_push(MemObsList *l, uint64_t start, uint64_t end, bool accessed, uint64_t resident);

/* Decodes one read() of the etmem_scan idle_pages stream; *addr carries over between reads
 * (tracker-kmod.c; exposed for unit tests). */
int mem_kmod_decode(const uint8_t *b, size_t n, uint64_t *addr, MemObsList *out);
