/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A running task: one worker thread that repeats the project's cycle —
 * resolve the targets, `loop` scan rounds `interval` seconds apart, act,
 * then `sleep` seconds — until cancelled.  The loop thread never waits for a
 * worker: Stop sets the cancel flag, and the finished thread is joined later
 * when it reports through the manager's eventfd.
 */
#pragma once

#include <stdbool.h>

#include "etmem-plugin.h"
#include "types.h"

/* Spawns the worker.  *ret holds one reference for the caller. */
int run_start(Task *t, int notify_fd, TaskRun **ret);
void run_cancel(TaskRun *r);
bool run_finished(TaskRun *r);
/* Joins a finished worker (never blocks for long: only call when run_finished()). */
void run_join(TaskRun *r);
/* Waits up to timeout for the worker to return; true if it did. */
bool run_wait(TaskRun *r, uint64_t timeout_usec);
/* The owning task, or NULL once the task went away (loop thread only). */
Task *run_owner(TaskRun *r);
void run_set_owner(TaskRun *r, Task *t);
/* If the worker published since the last call, copies its figures into t; true if it did. */
bool run_take_snapshot(TaskRun *r, Task *t);
TaskRun *run_ref(TaskRun *r);
TaskRun *run_unref(TaskRun *r);

const struct etmem_host *scheduler_host(void);
