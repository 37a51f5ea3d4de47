/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon context: the event loop, the bus, the tree, the state file's save timer
 * and the workers' eventfd. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bus-context.h"
#include "tree.h"
#include "types.h"

#define DEFAULT_MAX_OBJECTS TREE_DEFAULT_MAX_OBJECTS

struct Manager {
        BusContext ctx;       /* event, bus, tree, plugins */

        char *state_dir;      /* NULL: no persistence */
        sd_event_source *save_source; /* deferred state write */
        bool restoring;       /* suppresses saving while the state file is being applied */

        sd_event_source *notify_source;
        bool exiting;
};

int manager_new(Manager **ret);
Manager *manager_free(Manager *m);
static inline void manager_freep(Manager **m) {
        if (*m)
                manager_free(*m);
}

int manager_connect_bus(Manager *m, const char *address);
/* The workers' eventfd, then the bus objects. */
int manager_add_objects(Manager *m);

/* Ask for the tree to be written to the state directory (coalesced, after this loop iteration). */
void manager_schedule_save(Manager *m);
int manager_save_now(Manager *m);

/* Stops every task (without waiting) — used by SIGTERM. */
void manager_stop_all(Manager *m);
/* Waits up to timeout_usec for stopped workers to return. */
void manager_drain(Manager *m, uint64_t timeout_usec);
