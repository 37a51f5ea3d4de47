/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A running task: one worker thread that repeats the project's cycle —
 * resolve the targets, `loop` scan rounds `interval` seconds apart, act,
 * then `sleep` seconds — until cancelled.  The loop thread never waits for a
 * worker: Stop sets the cancel flag, and the finished thread is joined later
 * when it reports through the eventfd.
 *
 * The runner never sees the object model: a RunSpec goes in (copied), a
 * RunSnapshot comes out.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "etmem-plugin.h"
#include "figures.h"
#include "types.h"

typedef struct RunSpec {
        TaskImpl *impl;                          /* the runner takes a reference */
        struct etmem_project_info project;       /* strings are copied */
        struct etmem_task_info task;             /* strings are copied */
        uint64_t counters[_ETMEM_COUNTER_MAX];   /* continue from these */
        uint64_t cycles;
        int notify_fd;                           /* written after each cycle and at the end */
} RunSpec;

/* Fresh copies; release with task_figures_done() or hand them to task_set_figures(). */
typedef TaskFigures RunSnapshot;

/* Spawns the worker.  *ret holds one reference for the caller. */
int runner_start(const RunSpec *spec, TaskRun **ret);
void runner_cancel(TaskRun *r);
bool runner_finished(TaskRun *r);
/* Joins a finished worker (never blocks for long: only call when runner_finished()). */
void runner_join(TaskRun *r);
/* Waits up to timeout for the worker to return; true if it did. */
bool runner_wait(TaskRun *r, uint64_t timeout_usec);
/* If the worker published since the last call, fills *ret with copies of its figures
 * and returns true (false: nothing new, or out of memory; *ret is untouched then). */
bool runner_take_snapshot(TaskRun *r, RunSnapshot *ret);
TaskRun *runner_ref(TaskRun *r);
TaskRun *runner_unref(TaskRun *r);

/* What host.c wires into the plugins' struct etmem_host (worker threads). */
bool runner_cancelled(TaskRun *r);
int runner_sleep(TaskRun *r, uint64_t usec);
void runner_count(TaskRun *r, enum etmem_counter c, uint64_t delta);
void runner_set_statusv(TaskRun *r, const char *fmt, va_list ap) __attribute__((__format__(printf, 2, 0)));

static inline void runner_unrefp(TaskRun **r) {
        if (*r)
                runner_unref(*r);
}
