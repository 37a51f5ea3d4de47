/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

#include "config.h"
#include "etmem-plugin.h"
#include "types.h"

typedef enum ProjectState {
        PROJECT_STOPPED,
        PROJECT_RUNNING,
        PROJECT_FAILED,
} ProjectState;

struct Project {
        Tree *tree;
        char *name;
        const char *scan_type;   /* "page" | "psi" (static) */
        unsigned loop, interval, sleep;
        int sysmem_threshold;
        int swapcache_high_wmark;
        int swapcache_low_wmark;
        ProjectState state;
        char *last_error;

        Engine **engines;
        size_t n_engines, cap_engines;
};

int project_new(Tree *t, const ProjectSpec *spec, Project **ret);
Project *project_free(Project *p);
static inline void project_freep(Project **p) {
        if (*p)
                project_free(*p);
}

/* What plugins see of a project. */
void project_plugin_info(const Project *p, struct etmem_project_info *ret);
Engine *project_find_engine(Project *p, const char *name);
const char *project_state_to_string(ProjectState s);

/* Asks every engine whether its tasks can run here (check_start); error gets the reason. */
int project_check_start(Project *p, ConfigError *error);
/* Makes room for n more engines, so that tree_attach_engine() cannot fail. */
int project_reserve_engines(Project *p, size_t n);
/* True if that changed State or LastError (tree_set_project_state() tells the observer). */
bool project_set_state(Project *p, ProjectState s, const char *error);
/* Sum of its tasks' cycles (Project1.Cycles). */
uint64_t project_cycles(const Project *p);
