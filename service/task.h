/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include "config.h"

#include "etmem-plugin.h"
#include "figures.h"
#include "plugin.h"
#include "types.h"

struct Task {
        Engine *engine;
        char *name;
        char *type;     /* "pid" | "name" */
        char *value;
        char **params;  /* key, value, ..., NULL */
        TaskImpl *impl;

        TaskRun *run;       /* while running (lifecycle.c) */
        TaskRun *stopping;  /* stopped, worker not returned yet */

        /* impl->bound_starttime as last seen by lifecycle_collect(), which asks for a
         * state save when the worker bound the task (so the binding survives a crash) */
        unsigned long long binding_seen;

        /* Last published figures (from the run's snapshot, on the loop thread). */
        TaskFigures figures;
};

/* Takes ownership of params and impl, also on failure. */
int task_new(Engine *e, const char *name, const char *type, const char *value, char **params, TaskImpl *impl,
             Task **ret);
Task *task_free(Task *t);
static inline void task_freep(Task **t) {
        if (*t)
                task_free(*t);
}
/* Takes over the figures of a run's snapshot (f is left empty). */
void task_set_figures(Task *t, TaskFigures *f);
