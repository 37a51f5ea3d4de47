/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "swap-backoff.h"

uint64_t swap_backoff_room(uint64_t swap_total) {
        uint64_t r = swap_total / 16;
        return r > (1ULL << 20) ? r : (1ULL << 20);
}

bool swap_backoff_try(SwapBackoff *b, uint32_t cycle, uint64_t swap_free, uint64_t swap_total) {
        if (!b->full)
                return true;
        if (swap_total > 0 && swap_free >= b->free_at_full + swap_backoff_room(swap_total)) {
                *b = (SwapBackoff) {}; /* swap freed up: back to normal */
                return true;
        }
        return (int32_t) (cycle - b->next) >= 0;
}

bool swap_backoff_result(SwapBackoff *b, uint32_t cycle, uint64_t out, uint64_t wanted, uint64_t swap_free,
                         uint64_t swap_total) {
        /* "~0": under 1/64 of what was asked, and swap has no room left for the rest */
        bool full = wanted > 0 && out * 64 < wanted && (swap_total == 0 || swap_free < wanted - out);

        if (!full) {
                *b = (SwapBackoff) {};
                return false;
        }
        if (!b->full)
                *b = (SwapBackoff) { .full = true, .since = cycle, .pause = 1 };
        else
                b->pause = b->pause * 2 > SWAP_BACKOFF_MAX_PAUSE ? SWAP_BACKOFF_MAX_PAUSE : b->pause * 2;
        b->attempts++;
        b->next = cycle + b->pause + 1;
        b->free_at_full = swap_free;
        return true;
}
