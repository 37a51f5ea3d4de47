/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <time.h>

#include "slide-targets.h"

#define PAGE 4096ULL

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

void slide_targets_init(SlideTargets *ts) {
        *ts = (SlideTargets) {};
        pthread_mutex_init(&ts->lock, NULL);
}

static void target_free(SlideTarget *t) {
        feedback_done(&t->fb);
        free(t);
}

void slide_targets_done(SlideTargets *ts) {
        for (size_t i = 0; i < ts->n; i++)
                target_free(ts->v[i]);
        free(ts->v);
        pthread_mutex_destroy(&ts->lock);
        *ts = (SlideTargets) {};
}

static void drop(SlideTargets *ts, size_t i) {
        target_free(ts->v[i]);
        ts->v[i] = ts->v[--ts->n];
}

SlideTarget *slide_targets_get(SlideTargets *ts, pid_t pid, uint64_t starttime, unsigned hold, unsigned pct,
                               uint64_t stale_usec) {
        uint64_t now = now_usec();
        SlideTarget *t = NULL;

        pthread_mutex_lock(&ts->lock);
        for (size_t i = 0; i < ts->n;) {
                SlideTarget *x = ts->v[i];
                if (!x->busy && x->pid == pid && x->starttime != starttime) {
                        drop(ts, i); /* the pid belongs to another process now */
                        continue;
                }
                if (!x->busy && x->pid != pid && now - x->seen_usec > stale_usec) {
                        drop(ts, i);
                        continue;
                }
                if (x->pid == pid && x->starttime == starttime)
                        t = x;
                i++;
        }
        if (t && t->busy)
                t = NULL; /* never two workers on one process's state */
        else if (!t) {
                if (ts->n >= SLIDE_TARGETS_MAX) {
                        size_t oldest = SIZE_MAX;
                        for (size_t i = 0; i < ts->n; i++)
                                if (!ts->v[i]->busy && (oldest == SIZE_MAX || ts->v[i]->seen_usec < ts->v[oldest]->seen_usec))
                                        oldest = i;
                        if (oldest != SIZE_MAX)
                                drop(ts, oldest);
                }
                SlideTarget **v = ts->n < SLIDE_TARGETS_MAX ? realloc(ts->v, (ts->n + 1) * sizeof *v) : NULL;
                if (v) {
                        ts->v = v;
                        t = calloc(1, sizeof *t);
                        if (t) {
                                t->pid = pid;
                                t->starttime = starttime;
                                feedback_init(&t->fb, hold, pct, PAGE);
                                ts->v[ts->n++] = t;
                        }
                }
        }
        if (t) {
                t->busy = true;
                t->seen_usec = now;
        }
        pthread_mutex_unlock(&ts->lock);
        return t;
}

void slide_targets_put(SlideTargets *ts, SlideTarget *t) {
        if (!t)
                return;
        pthread_mutex_lock(&ts->lock);
        t->seen_usec = now_usec();
        t->busy = false;
        pthread_mutex_unlock(&ts->lock);
}
