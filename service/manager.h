/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "plugin.h"
#include "tree.h"
#include "types.h"

#define MANAGER_PATH "/org/etmem"
#define PROJECT_PREFIX "/org/etmem/project"
#define DEFAULT_MAX_OBJECTS TREE_DEFAULT_MAX_OBJECTS

struct Manager {
        sd_event *event;
        sd_bus *bus;

        Tree tree;

        PluginDirs dirs;
        Plugin *plugins;      /* cache of loaded plugins */

        char *state_dir;      /* NULL: no persistence */
        sd_event_source *save_source; /* deferred state write */
        bool restoring;       /* suppresses saving while the state file is being applied */

        /* Workers report through this eventfd; runs that were stopped but whose
         * thread has not returned yet wait in `draining`. */
        int notify_fd;
        sd_event_source *notify_source;
        struct DrainEntry {
                TaskRun *run;
                Task *task;   /* NULL once the task went away */
        } *draining;
        size_t n_draining;
        bool exiting;
};

int manager_new(Manager **ret);
Manager *manager_free(Manager *m);
static inline void manager_freep(Manager **m) {
        if (*m)
                manager_free(*m);
}

int manager_connect_bus(Manager *m, const char *address);
int manager_add_objects(Manager *m);

/* Ask for the tree to be written to the state directory (coalesced, after this loop iteration). */
void manager_schedule_save(Manager *m);
int manager_save_now(Manager *m);

/* Stops every task (without waiting) — used by SIGTERM. */
void manager_stop_all(Manager *m);
/* Waits up to timeout_usec for stopped workers to return. */
void manager_drain(Manager *m, uint64_t timeout_usec);


extern const sd_bus_vtable manager_vtable[];

/* Resolves an object path to the object it names (any out-param may be NULL).
 * Returns 0 and sets exactly the deepest object found, -ENOENT if none. */
int manager_lookup_path(Manager *m, const char *path, Project **ret_p, Engine **ret_e, Task **ret_t);
/* Keeps a stopped run of task t until its worker returns. */
int manager_add_draining(Manager *m, TaskRun *r, Task *t);
/* Task t goes away: its draining run (if any) no longer reports to it. */
void manager_forget_draining(Manager *m, Task *t);
