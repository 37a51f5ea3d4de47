/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A snapshot of etmemd's projects, engines and tasks, read with one
 * ObjectManager.GetManagedObjects call and sorted by name for stable output. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "client-bus.h"
#include "etmemctl.h"

typedef struct ProjectInfo {
        char *name, *state, *last_error;
        uint32_t loop, interval, sleep;
        int32_t sysmem_threshold, swapcache_high_wmark, swapcache_low_wmark; /* -1: unset */
        uint64_t cycles;
} ProjectInfo;

typedef struct EngineInfo {
        char *name, *type, *project;
        char **params;          /* alternating key, value; sorted by key */
} EngineInfo;

typedef struct TaskInfo {
        char *name, *project, *engine, *type, *value, *status, *last_error;
        char **params;
        BusUint32Array pids;
        uint64_t cycles, pages_scanned, pages_hot, pages_cold, bytes_paged_out, bytes_migrated;
        uint64_t last_cycle_usec;
} TaskInfo;

typedef struct ObjectTree {
        ProjectInfo *projects;
        size_t n_projects;
        EngineInfo *engines;
        size_t n_engines;
        TaskInfo *tasks;
        size_t n_tasks;
} ObjectTree;

void object_tree_done(ObjectTree *t);

/* Parses a GetManagedObjects reply (a{oa{sa{sv}}}); -errno. */
int object_tree_parse(sd_bus_message *reply, ObjectTree *ret);
/* Calls GetManagedObjects on /org/etmem; prints errors, 0 or an exit status. */
int object_tree_fetch(Context *ctx, ObjectTree *ret);

const ProjectInfo *object_tree_find_project(const ObjectTree *t, const char *name);
