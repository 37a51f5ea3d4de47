/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The feedback bookkeeping (feedback.h): what came back is held, the budget shrinks and
 * regrows, holds expire and lengthen, the lists stay bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedback.h"
#include "test-check.h"

#define PS 4096ULL
#define MiB (1ULL << 20)

/* One simulated process: a resident bitmap over pages [0, n). */
typedef struct Sim {
        size_t n;
        bool *in;
} Sim;

static uint64_t count_in(const Sim *s, uint64_t start, uint64_t end) {
        uint64_t c = 0;
        for (uint64_t a = start; a < end; a += PS)
                c += s->in[a / PS];
        return c;
}

static void set_in(Sim *s, uint64_t start, uint64_t end, bool v) {
        for (uint64_t a = start; a < end; a += PS)
                s->in[a / PS] = v;
}

/* A cycle of an engine: look, select among cand, move out what was selected. */
static size_t cycle(Feedback *fb, Sim *s, const FeedbackCandidate *cand, size_t n, FeedbackLook *look,
                    FeedbackSelect *st) {
        uint64_t *now = calloc(fb->n_watch + 1, sizeof *now);
        struct etmem_range *sel = NULL;
        size_t n_sel = 0;

        feedback_begin(fb);
        for (size_t i = 0; i < fb->n_watch; i++)
                now[i] = count_in(s, fb->watch[i].start, fb->watch[i].end);
        CHECK(feedback_look(fb, now, look) == 0, "look");
        free(now);
        CHECK(feedback_select(fb, cand, n, &sel, &n_sel, st) == 0, "select");
        feedback_coarsen(sel, &n_sel, FEEDBACK_MAX_RANGES);
        uint64_t *before = calloc(n_sel + 1, sizeof *before), *after = calloc(n_sel + 1, sizeof *after);
        for (size_t i = 0; i < n_sel; i++) {
                before[i] = count_in(s, sel[i].start, sel[i].end);
                set_in(s, sel[i].start, sel[i].end, false);
                after[i] = count_in(s, sel[i].start, sel[i].end);
        }
        CHECK(feedback_acted(fb, sel, n_sel, before, after) == 0, "acted");
        free(before);
        free(after);
        free(sel);
        return n_sel;
}

/* A cold range that turns hot after its page-out costs one cycle, then is held. */
static void test_refault_is_held(void) {
        Sim s = { 1024, calloc(1024, sizeof(bool)) };
        Feedback fb;
        FeedbackLook look;
        FeedbackSelect st;
        /* two cold ranges of 64 pages: A (comes back) and B (stays cold) */
        FeedbackCandidate cand[] = { { 0, 64 * PS, 64 * PS, 0 }, { 128 * PS, 192 * PS, 64 * PS, 0 } };

        feedback_init(&fb, 3, 10, PS);
        set_in(&s, 0, 1024 * PS, true);
        CHECK(cycle(&fb, &s, cand, 2, &look, &st) == 2, "cycle 1 pages out both");
        CHECK(st.selected == 128 * PS, "selected %llu", (unsigned long long) st.selected);
        CHECK(fb.last_out == 128 * PS, "last_out %llu", (unsigned long long) fb.last_out);

        /* A comes back; the tracker still calls it cold (it cannot see the accesses) */
        set_in(&s, 0, 64 * PS, true);
        cycle(&fb, &s, cand, 2, &look, &st);
        CHECK(look.back == 64 * PS, "back %llu", (unsigned long long) look.back);
        CHECK(look.held_new == 64 * PS, "held_new %llu", (unsigned long long) look.held_new);
        CHECK(look.shrunk, "half of what was paged out came back: the budget shrinks");
        CHECK(st.held == 64 * PS, "A is held: %llu", (unsigned long long) st.held);
        CHECK(count_in(&s, 0, 64 * PS) == 64, "A stays in");
        CHECK(feedback_held(&fb, 0, PS) && !feedback_held(&fb, 128 * PS, 129 * PS), "A held, B not");
        CHECK(fb.back_total == 64 * PS, "back_total");

        /* held for 3 cycles (2, 3, 4), then paged out again (cycle 5) */
        for (int c = 3; c <= 4; c++) {
                cycle(&fb, &s, cand, 2, &look, &st);
                CHECK(count_in(&s, 0, 64 * PS) == 64, "A in at cycle %d", c);
                CHECK(look.back == 0, "nothing back at cycle %d", c);
        }
        cycle(&fb, &s, cand, 2, &look, &st);
        CHECK(count_in(&s, 0, 64 * PS) == 0, "hold over: A paged out at cycle 5");

        /* it comes back again: the hold doubles (6 cycles: 6..11) */
        set_in(&s, 0, 64 * PS, true);
        for (int c = 6; c <= 11; c++) {
                cycle(&fb, &s, cand, 2, &look, &st);
                CHECK(count_in(&s, 0, 64 * PS) == 64, "second hold: A in at cycle %d", c);
        }
        cycle(&fb, &s, cand, 2, &look, &st);
        CHECK(count_in(&s, 0, 64 * PS) == 0, "second hold over at cycle 12");
        feedback_done(&fb);
        free(s.in);
}

/* Below max_pct nothing is held; a small trickle does not cut the budget. */
static void test_threshold(void) {
        Sim s = { 256, calloc(256, sizeof(bool)) };
        Feedback fb;
        FeedbackLook look;
        FeedbackSelect st;
        FeedbackCandidate cand[] = { { 0, 100 * PS, 100 * PS, 0 } };

        feedback_init(&fb, 5, 10, PS);
        set_in(&s, 0, 256 * PS, true);
        cycle(&fb, &s, cand, 1, &look, &st);
        set_in(&s, 0, 5 * PS, true); /* 5 % back */
        cycle(&fb, &s, cand, 1, &look, &st);
        CHECK(look.back == 5 * PS && look.held_new == 0 && !look.shrunk, "5 %% back: no hold, no cut");
        CHECK(fb.budget == FEEDBACK_UNLIMITED, "budget unlimited");

        /* max_pct 100: feedback off */
        feedback_reset(&fb);
        fb.max_pct = 100;
        set_in(&s, 0, 256 * PS, true);
        cycle(&fb, &s, cand, 1, &look, &st);
        set_in(&s, 0, 100 * PS, true);
        cycle(&fb, &s, cand, 1, &look, &st);
        CHECK(look.back == 100 * PS && look.held_new == 0 && !look.shrunk, "max_pct=100 never holds");
        CHECK(count_in(&s, 0, 100 * PS) == 0, "paged out again");

        /* hold_cycles 0: no hold, but the budget still shrinks */
        feedback_done(&fb);
        feedback_init(&fb, 0, 10, PS);
        set_in(&s, 0, 256 * PS, true);
        cycle(&fb, &s, cand, 1, &look, &st);
        set_in(&s, 0, 100 * PS, true);
        cycle(&fb, &s, cand, 1, &look, &st);
        CHECK(look.held_new == 0 && look.shrunk, "hold 0: budget only");
        feedback_done(&fb);
        free(s.in);
}

/* The budget halves what the last page-out did, coldest first, then grows back. */
static void test_budget(void) {
        Feedback fb;
        FeedbackLook look;
        struct etmem_range *sel;
        size_t n_sel;
        FeedbackSelect st;
        FeedbackCandidate cand[] = {
                { 0, 64 * MiB, 64 * MiB, 2 },
                { 128 * MiB, 192 * MiB, 64 * MiB, 0 },
                { 256 * MiB, 320 * MiB, 32 * MiB, 1 }, /* half resident */
        };
        uint64_t before = 64 * MiB / PS, after = 0, in = 64 * MiB / PS;
        struct etmem_range r = { 400 * MiB, 464 * MiB };

        feedback_init(&fb, 0, 10, PS);
        feedback_begin(&fb);
        CHECK(feedback_acted(&fb, &r, 1, &before, &after) == 0, "acted");
        feedback_begin(&fb);
        CHECK(feedback_look(&fb, &in, &look) == 0 && look.shrunk, "all back: cut");
        CHECK(fb.budget == 32 * MiB, "budget half of 64 MiB: %llu", (unsigned long long) fb.budget);
        CHECK(fb.n_watch == 0, "all back: not watched any more");

        CHECK(feedback_select(&fb, cand, 3, &sel, &n_sel, &st) == 0, "select");
        CHECK(st.wanted == 160 * MiB && st.selected == 32 * MiB && st.over_budget == 128 * MiB,
              "wanted %llu selected %llu over %llu", (unsigned long long) st.wanted,
              (unsigned long long) st.selected, (unsigned long long) st.over_budget);
        CHECK(n_sel == 1 && sel[0].start == 128 * MiB && sel[0].end == 160 * MiB, "the coldest range's first half");
        free(sel);

        /* calm cycles: 64, 128, then unlimited once it no longer binds (160 MiB wanted) */
        feedback_begin(&fb);
        feedback_look(&fb, NULL, &look);
        CHECK(fb.budget == 64 * MiB, "regrows: %llu", (unsigned long long) fb.budget);
        feedback_begin(&fb);
        feedback_look(&fb, NULL, &look);
        feedback_begin(&fb);
        feedback_look(&fb, NULL, &look);
        CHECK(fb.budget == FEEDBACK_UNLIMITED, "unlimited again: %llu", (unsigned long long) fb.budget);
        feedback_done(&fb);
}

/* Holds cut candidates into pieces with their share of the residency. */
static void test_split(void) {
        Feedback fb;
        struct etmem_range *sel;
        size_t n_sel;
        FeedbackSelect st;
        FeedbackCandidate cand[] = { { 0, 100 * PS, 50 * PS, 0 } };
        uint64_t before = 10, after = 0, in = 10;
        struct etmem_range r = { 40 * PS, 50 * PS };

        feedback_init(&fb, 4, 10, PS);
        feedback_begin(&fb);
        feedback_acted(&fb, &r, 1, &before, &after);
        feedback_begin(&fb);
        feedback_look(&fb, &in, NULL);
        CHECK(feedback_select(&fb, cand, 1, &sel, &n_sel, &st) == 0, "select");
        CHECK(n_sel == 2 && sel[0].start == 0 && sel[0].end == 40 * PS && sel[1].start == 50 * PS &&
              sel[1].end == 100 * PS, "split around the hold");
        CHECK(st.held == 5 * PS, "held share of residency: %llu", (unsigned long long) st.held);
        CHECK(feedback_held_bytes(&fb) == 10 * PS, "held bytes");
        free(sel);
        feedback_done(&fb);
}

/* Many tiny ranges: the lists stay capped. */
static void test_bounded(void) {
        size_t n = 3 * FEEDBACK_MAX_RANGES;
        struct etmem_range *r = calloc(n, sizeof *r);
        uint64_t *one = calloc(n, sizeof *one), *zero = calloc(n, sizeof *zero);
        Feedback fb;

        for (size_t i = 0; i < n; i++) {
                r[i] = (struct etmem_range) { i * 2 * PS, i * 2 * PS + PS };
                one[i] = 1;
        }
        /* a wider gap every 8 ranges: those are the ones kept open */
        for (size_t i = 0; i < n; i++)
                r[i].start += (i / 8) * 64 * PS, r[i].end += (i / 8) * 64 * PS;
        size_t m = n;
        feedback_coarsen(r, &m, FEEDBACK_MAX_RANGES);
        CHECK(m <= FEEDBACK_MAX_RANGES && m >= n / 8, "coarsened to %zu", m);
        for (size_t i = 1; i < m; i++)
                CHECK(r[i].start >= r[i - 1].end, "sorted, disjoint at %zu", i);

        feedback_init(&fb, 2, 10, PS);
        feedback_begin(&fb);
        CHECK(feedback_acted(&fb, r, m, one, zero) == 0, "acted");
        CHECK(fb.n_watch == m, "watched %zu", fb.n_watch);
        feedback_begin(&fb);
        CHECK(feedback_look(&fb, one, NULL) == 0, "all back");
        CHECK(fb.n_hold <= FEEDBACK_MAX_RANGES && fb.n_hold > 0, "holds capped: %zu", fb.n_hold);
        CHECK(feedback_held(&fb, r[0].start, r[0].end) && feedback_held(&fb, r[m - 1].start, r[m - 1].end),
              "first and last held");
        /* watched ranges age out */
        feedback_reset(&fb);
        feedback_begin(&fb);
        feedback_acted(&fb, r, m, one, zero);
        for (int c = 0; c < FEEDBACK_WATCH_CYCLES; c++) {
                feedback_begin(&fb);
                feedback_look(&fb, zero, NULL);
        }
        CHECK(fb.n_watch == 0, "watches aged out: %zu left", fb.n_watch);
        feedback_done(&fb);
        free(r);
        free(one);
        free(zero);
}

int main(void) {
        test_refault_is_held();
        test_threshold();
        test_budget();
        test_split();
        test_bounded();
        if (failures) {
                fprintf(stderr, "%d check(s) failed\n", failures);
                return 1;
        }
        printf("feedback: all checks passed\n");
        return 0;
}
