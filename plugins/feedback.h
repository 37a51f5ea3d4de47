/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Feedback of an engine that moves memory away (slide: to swap; cslide: to a slow node):
 * what came back of what it moved, which ranges are therefore held hot, and how much the
 * next action may move (the budget).  Pure logic, per target: the engine reads pagemap
 * (or the pages' nodes) through host->mem and hands the counts in.
 *
 * One cycle:
 *   feedback_begin(fb)                      next cycle; forgets old holds
 *   fb->watch[0..n_watch)                   ranges acted on, still watched: the engine
 *                                           counts the pages of each that are back in
 *   feedback_look(fb, back_in, &look)       a range that came back is held hot for
 *                                           hold_cycles (doubling each time it comes back
 *                                           again); too much back overall halves the budget
 *   feedback_select(fb, cand, n, ...)       cold candidates minus held ranges, coldest first,
 *                                           within the budget
 *   feedback_coarsen(&ranges, &n)           the selection merged to at most
 *                                           FEEDBACK_MAX_RANGES ranges, to be watched
 *   feedback_acted(fb, ranges, n, in_before, in_after)   what the action moved: watched
 *
 * So a wrong verdict costs one cycle: what it moved comes back, is seen at the next cycle
 * and held.  Memory: both lists hold at most FEEDBACK_MAX_RANGES entries (close neighbours
 * merge beyond that), bounded by the ranges acted on, never by address space.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etmem-mem.h"

#define FEEDBACK_MAX_RANGES 4096       /* per list and target: 4096 * 40 bytes */
#define FEEDBACK_WATCH_CYCLES 4        /* cycles a range acted on is watched */
#define FEEDBACK_HOLD_MAX_SHIFT 5      /* a hold doubles per return, up to 32 x hold_cycles */
#define FEEDBACK_BUDGET_MIN (4ULL << 20)
#define FEEDBACK_UNLIMITED UINT64_MAX

#define FEEDBACK_HOLD_DEFAULT 8        /* refault_hold */
#define FEEDBACK_HOLD_MAX 1000
#define FEEDBACK_PCT_DEFAULT 10        /* max_refault_pct */

/* A cold range the tracker found (tracker regions, sorted by start). */
typedef struct FeedbackCandidate {
        uint64_t start, end;
        uint64_t resident;  /* bytes (estimated for region trackers) */
        uint32_t accesses;
} FeedbackCandidate;

typedef struct FeedbackWatch {
        uint64_t start, end;
        uint64_t base;   /* pages of it in (present / on the fast node) at the last look */
        uint64_t out;    /* pages the action moved out of it */
        uint64_t back;   /* of those, pages seen back so far */
        uint32_t cycle;  /* when it was acted on */
} FeedbackWatch;

typedef struct FeedbackHold {
        uint64_t start, end;
        uint32_t until;    /* held through this cycle */
        uint32_t forget;   /* remembered through this cycle: a return before it holds longer */
        uint32_t strikes;  /* returns seen */
} FeedbackHold;

typedef struct Feedback {
        unsigned hold_cycles;  /* 0: nothing is held */
        unsigned max_pct;      /* a range / a cycle with more than this % back counts */
        uint64_t page_size;
        uint32_t cycle;
        FeedbackWatch *watch;
        size_t n_watch;
        FeedbackHold *hold;
        size_t n_hold;
        uint64_t budget;       /* bytes the next action may move */
        uint64_t last_out;     /* bytes the last action moved */
        uint64_t last_wanted;  /* candidate bytes (after holds) at the last select */
        uint64_t back_total;   /* bytes seen back, all cycles */
} Feedback;

typedef struct FeedbackLook {
        uint64_t back;      /* bytes back since the previous look */
        uint64_t watched;   /* bytes out and watched before this look */
        uint64_t held_new;  /* bytes (moved out of ranges) that this look put on hold */
        bool shrunk;        /* the budget was cut */
} FeedbackLook;

typedef struct FeedbackSelect {
        uint64_t wanted;       /* candidate bytes */
        uint64_t held;         /* of them, bytes kept in because held */
        uint64_t over_budget;  /* bytes left for a later cycle by the budget */
        uint64_t selected;     /* bytes selected */
} FeedbackSelect;

void feedback_init(Feedback *fb, unsigned hold_cycles, unsigned max_pct, uint64_t page_size);
void feedback_done(Feedback *fb);
/* Drops everything learnt (another process now has the pid). */
void feedback_reset(Feedback *fb);

void feedback_begin(Feedback *fb);
/* back_in[i]: pages of fb->watch[i] in now.  Watched ranges that came back are held; the
 * list drops ranges all back or older than FEEDBACK_WATCH_CYCLES.  0 or -ENOMEM. */
int feedback_look(Feedback *fb, const uint64_t *back_in, FeedbackLook *ret);
/* True while [start, end) overlaps a held range. */
bool feedback_held(const Feedback *fb, uint64_t start, uint64_t end);
/* Bytes of held ranges (their span). */
uint64_t feedback_held_bytes(const Feedback *fb);
/* cand sorted by start.  *ret (malloc()ed, sorted by start; NULL when *n_ret = 0): the
 * candidates minus held ranges, coldest (fewest accesses) first up to the budget. */
int feedback_select(Feedback *fb, const FeedbackCandidate *cand, size_t n, struct etmem_range **ret,
                    size_t *n_ret, FeedbackSelect *st);
/* Merges the closest neighbours of sorted ranges until at most max remain. */
void feedback_coarsen(struct etmem_range *ranges, size_t *n, size_t max);
/* ranges (sorted, at most FEEDBACK_MAX_RANGES): in_before / in_after pages of each in,
 * around the action.  They are watched from now on, replacing older watches they overlap. */
int feedback_acted(Feedback *fb, const struct etmem_range *ranges, size_t n, const uint64_t *in_before,
                   const uint64_t *in_after);
