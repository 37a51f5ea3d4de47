/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cslide's runtime state and its private commands showtaskpages / showhostpages. */
#pragma once

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "cslide-params.h"
#include "etmem-mem.h"

/* What the last cycle of one process left on each node (pages of page_size). */
typedef struct CslidePidSnap {
        pid_t pid;
        uint64_t cycle;      /* task generation that wrote it */
        uint64_t page_size;
        uint64_t demoted, promoted; /* bytes moved by that cycle */
        uint64_t skipped;    /* resident bytes in huge sparse regions that were not walked */
        uint64_t nodes;      /* bitmask of nodes with pages */
        struct {
                uint64_t pages, hot, cold; /* all resident pages; hot/cold of the managed ones */
        } node[ETMEM_NUMA_MAX_NODES];
} CslidePidSnap;

/* What one act on one process moved: the history showtaskpages reports, so a reader
 * sees every cycle since Start, not only the last one it happened to poll. */
typedef struct CslideCycleRec {
        uint64_t cycle;
        pid_t pid;
        uint64_t demoted, promoted; /* bytes */
} CslideCycleRec;

#define CSLIDE_HISTORY 256 /* acts remembered per task, newest kept */

typedef struct CslideTaskRt CslideTaskRt;

typedef struct CslideEngineRt {
        const struct etmem_host *host;
        CslideEngine conf;
        pthread_mutex_t lock; /* guards tasks and every task's snapshots */
        CslideTaskRt *tasks;
} CslideEngineRt;

struct CslideTaskRt {
        CslideTask conf;
        CslideEngineRt *engine;
        CslideTaskRt *next;
        char name[ETMEM_NAME_MAX + 1];
        uint64_t generation;
        CslidePidSnap *snaps;
        size_t n_snaps;
        CslideCycleRec history[CSLIDE_HISTORY]; /* a ring: history[(n_history - 1) % N] is the newest */
        uint64_t n_history;                     /* acts recorded since the task was filled */
};

#define CSLIDE_MAX_SNAPS 4096 /* processes remembered per task */

/* Replaces the pid's snapshot and appends to the task's history (engine lock held). */
void cslide_snap_put(CslideTaskRt *t, const CslidePidSnap *s);
/* JSON for `task` (NULL: every task of the engine). */
int cslide_report_taskpages(CslideEngineRt *e, CslideTaskRt *task, char **json);
int cslide_report_hostpages(CslideEngineRt *e, char **json, struct etmem_error *err);
