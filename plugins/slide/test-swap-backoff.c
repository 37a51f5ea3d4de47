/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The swap-full state: entered when a page-out moves ~0 for lack of swap, attempts spaced
 * 1, 2, 4 ... cycles apart, left at once when swap frees up or a page-out goes through. */
#include <stdio.h>

#include "swap-backoff.h"
#include "test-check.h"

#define MiB (1ULL << 20)

int main(void) {
        SwapBackoff b = {};
        const uint64_t total = 64 * MiB;
        unsigned tries = 0;

        /* a partial page-out is not "full"; nor is a small one with room left */
        CHECK(!swap_backoff_result(&b, 1, 64 * MiB, 192 * MiB, 0, total), "partial");
        CHECK(!swap_backoff_result(&b, 1, 0, 1 * MiB, 32 * MiB, total), "room left");
        CHECK(swap_backoff_try(&b, 2, 0, total), "not full: try");

        /* ~0 of 192 MiB with no swap left: full */
        CHECK(swap_backoff_result(&b, 2, 0, 192 * MiB, 4096, total), "full");
        CHECK(b.full && b.attempts == 1 && b.since == 2, "state");
        /* 40 cycles of full swap: attempts at 4, 7, 12, 21, 38 (pauses 1, 2, 4, 8, 16) */
        for (uint32_t c = 3; c <= 42; c++)
                if (swap_backoff_try(&b, c, 4096, total)) {
                        tries++;
                        CHECK(swap_backoff_result(&b, c, 0, 192 * MiB, 4096, total), "still full at %u", c);
                }
        CHECK(tries == 5 && b.attempts == 6, "tries %u attempts %u", tries, b.attempts);
        CHECK(b.pause == 32, "pause %u", b.pause);
        /* pauses stop growing at the cap */
        for (int i = 0; i < 10; i++)
                swap_backoff_result(&b, 100, 0, 192 * MiB, 4096, total);
        CHECK(b.pause == SWAP_BACKOFF_MAX_PAUSE, "capped %u", b.pause);

        /* swap frees up (4 MiB = 1/16 of 64 MiB): try at once, state left */
        CHECK(!swap_backoff_try(&b, 101, 4096 + 3 * MiB, total), "3 MiB is not enough");
        CHECK(swap_backoff_try(&b, 101, 4096 + 4 * MiB, total), "freed up");
        CHECK(!b.full && b.attempts == 0, "left");

        /* or an attempt goes through */
        swap_backoff_result(&b, 200, 0, 192 * MiB, 0, total);
        CHECK(b.full, "full again");
        CHECK(!swap_backoff_result(&b, 202, 10 * MiB, 192 * MiB, 0, total), "10 MiB moved: not ~0");
        CHECK(!b.full, "left after a page-out that moved something");
        /* swapoff meanwhile: nothing can go */
        CHECK(swap_backoff_result(&b, 300, 0, 1 * MiB, 0, 0), "no swap at all");

        if (failures) {
                printf("test-swap-backoff: %d check(s) failed\n", failures);
                return 1;
        }
        printf("test-swap-backoff: all checks passed\n");
        return 0;
}
