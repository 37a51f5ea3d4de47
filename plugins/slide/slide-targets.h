/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What slide remembers of each process of a task from one cycle to the next: the
 * feedback (what it paged out and what came back, feedback.h) and the swap-full state.
 * Keyed by pid and start time, so a process that reuses a pid starts afresh.  At most
 * SLIDE_TARGETS_MAX processes a task; one not seen for a while is forgotten.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "feedback.h"
#include "swap-backoff.h"

#define SLIDE_TARGETS_MAX 4096

typedef struct SlideTarget {
        pid_t pid;
        uint64_t starttime;
        uint64_t seen_usec;  /* CLOCK_MONOTONIC of its last act */
        bool busy;           /* a worker has it */
        bool have_majflt;
        uint64_t majflt;     /* at the last act */
        Feedback fb;
        SwapBackoff swap;
} SlideTarget;

typedef struct SlideTargets {
        pthread_mutex_t lock;
        SlideTarget **v;
        size_t n;
} SlideTargets;

void slide_targets_init(SlideTargets *ts);
void slide_targets_done(SlideTargets *ts);
/* The process's state (created with the given feedback keys), marked busy until put; entries
 * not seen for stale_usec are dropped.  NULL when out of memory or all slots are busy. */
SlideTarget *slide_targets_get(SlideTargets *ts, pid_t pid, uint64_t starttime, unsigned hold, unsigned pct,
                               uint64_t stale_usec);
void slide_targets_put(SlideTargets *ts, SlideTarget *t);
