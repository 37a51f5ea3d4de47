/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A full swap device is a state: once a page-out moved (almost) nothing of its cold
 * memory because swap has no room for it, slide stops trying for 1, 2, 4 ... 64 cycles
 * between attempts, and tries again at once when swap has freed up.  Pure logic.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define SWAP_BACKOFF_MAX_PAUSE 64  /* cycles between attempts at most */

typedef struct SwapBackoff {
        bool full;
        unsigned attempts;      /* page-outs tried since swap filled (the first one included) */
        unsigned pause;         /* cycles skipped after the last attempt */
        uint32_t next;          /* cycle of the next attempt */
        uint32_t since;         /* cycle swap was found full */
        uint64_t free_at_full;  /* SwapFree then */
} SwapBackoff;

/* Swap room that counts as "freed up": 1/16 of it, at least 1 MiB. */
uint64_t swap_backoff_room(uint64_t swap_total);
/* Before a page-out in `cycle`: true = try it (swap not full, freed up, or time for an attempt). */
bool swap_backoff_try(SwapBackoff *b, uint32_t cycle, uint64_t swap_free, uint64_t swap_total);
/* After a page-out that moved `out` of `wanted` bytes, with swap_free left: true = swap is full
 * (the state is entered or stays, and the pause doubles). */
bool swap_backoff_result(SwapBackoff *b, uint32_t cycle, uint64_t out, uint64_t wanted, uint64_t swap_free,
                         uint64_t swap_total);
