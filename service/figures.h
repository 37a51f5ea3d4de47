/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A task's published figures: what a worker reports at the end of a cycle
 * (runner.h calls it a RunSnapshot) and what the Task keeps for its properties. */
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#include "etmem-plugin.h"

typedef struct TaskFigures {
        uint64_t counters[_ETMEM_COUNTER_MAX];
        uint64_t cycles;
        uint64_t last_cycle_usec;
        pid_t *pids;
        size_t n_pids;
        char *status;
        char *last_error;
} TaskFigures;

static inline void task_figures_done(TaskFigures *f) {
        free(f->pids);
        free(f->status);
        free(f->last_error);
        f->pids = NULL;
        f->n_pids = 0;
        f->status = f->last_error = NULL;
}
