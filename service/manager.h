/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon context: the event loop, the bus, the tree, the state file's save timer
 * and the workers' eventfd, whose reports lifecycle_collect() takes in. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bus-context.h"
#include "config-dir.h"
#include "tree.h"
#include "types.h"

#define DEFAULT_MAX_OBJECTS TREE_DEFAULT_MAX_OBJECTS

/* How often KernelFeatures is probed again after the probe at start. */
#define FEATURES_REPROBE_USEC (10 * 60 * UINT64_C(1000000))

struct Manager {
        BusContext ctx;       /* event, bus, tree, plugins */

        char *state_dir;      /* NULL: no persistence */
        sd_event_source *save_source; /* deferred state write */

        sd_event_source *notify_source;
        ConfigDir config_dir; /* applied at start and on SIGHUP */
        sd_event_source *features_source; /* probes KernelFeatures again */
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

/* Restores the tree from the state directory (before the name is requested). */
int manager_restore(Manager *m);
/* Applies the configuration directory (config-dir.h); at_start after manager_restore().
 * Returns the number of files that failed, or a negative errno. */
int manager_load_config_dir(Manager *m, bool at_start);
