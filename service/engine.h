/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "plugin.h"
#include "types.h"

struct Engine {
        Project *project;
        char *name;     /* object name: type, or eng_name for thirdparty */
        char *type;
        char *path;
        char *libname;  /* thirdparty only */
        char *ops_name; /* thirdparty only */
        char **params;  /* key, value, key, value, ..., NULL: as given */
        EngineImpl *impl;

        Task **tasks;
        size_t n_tasks, cap_tasks;
};

/* Takes ownership of impl. */
int engine_new(Project *p, const char *name, const char *type, const char *libname, const char *ops_name,
               char **params, EngineImpl *impl, Engine **ret);
Engine *engine_free(Engine *e);
static inline void engine_freep(Engine **e) {
        if (*e)
                engine_free(*e);
}
Task *engine_find_task(Engine *e, const char *name);
/* Makes room for n more tasks, so that engine_attach_task() cannot fail. */
int engine_reserve_tasks(Engine *e, size_t n);
/* Adds task t (room reserved) and tells the tree's observer. */
void engine_attach_task(Engine *e, Task *t);
/* Removes its tasks, unlinks it from the project (observer told) and frees. */
void engine_remove(Engine *e);

int engine_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                       sd_bus_error *error);
extern const sd_bus_vtable engine_vtable[];
