/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Starting and stopping tasks and projects, removing objects (a task is stopped
 * before it goes), the runs that were stopped but whose worker has not returned yet
 * (draining), and collecting the workers' snapshots into the tasks.
 */
#pragma once

#include <stdint.h>

#include "config.h"
#include "types.h"

typedef struct DrainEntry {
        TaskRun *run;
        Task *task;   /* NULL once the task went away */
} DrainEntry;

typedef struct Lifecycle {
        Tree *tree;
        int notify_fd;        /* given to every run; -1: none */
        DrainEntry *draining;
        size_t n_draining, cap_draining;
} Lifecycle;

void lifecycle_init(Lifecycle *lc, Tree *tree);
/* Lets go of the draining runs (a worker still inside a plugin keeps its own reference). */
void lifecycle_done(Lifecycle *lc);

int lifecycle_task_start(Lifecycle *lc, Task *t, ConfigError *error);
void lifecycle_task_stop(Lifecycle *lc, Task *t);
/* Starts every task; all-or-nothing: asks every engine first (check_start). */
int lifecycle_project_start(Lifecycle *lc, Project *p, ConfigError *error);
void lifecycle_project_stop(Lifecycle *lc, Project *p);

/* Stop, unlink (the tree's observer is told while the object can still be found) and free. */
void lifecycle_task_remove(Lifecycle *lc, Task *t);
void lifecycle_engine_remove(Lifecycle *lc, Engine *e);
void lifecycle_project_remove(Lifecycle *lc, Project *p);

/* Stops every task (without waiting) — SIGTERM. */
void lifecycle_stop_all(Lifecycle *lc);
/* Joins finished stopped runs and moves fresh snapshots into their tasks (observer told). */
/* True when the state file should be saved: a pid task bound itself to its process. */
bool lifecycle_collect(Lifecycle *lc);
/* Waits up to timeout_usec for stopped workers to return. */
void lifecycle_drain(Lifecycle *lc, uint64_t timeout_usec);
