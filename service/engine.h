/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "plugin.h"
#include "types.h"

struct Engine {
        Project *project;
        char *name;     /* object name: type, or eng_name for thirdparty */
        char *type;
        char *libname;  /* thirdparty only */
        char *ops_name; /* thirdparty only */
        char **params;  /* key, value, key, value, ..., NULL: as given */
        EngineImpl *impl;

        Task **tasks;
        size_t n_tasks, cap_tasks;
};

/* Takes ownership of params and impl, also on failure. */
int engine_new(Project *p, const char *name, const char *type, const char *libname, const char *ops_name,
               char **params, EngineImpl *impl, Engine **ret);
Engine *engine_free(Engine *e);
static inline void engine_freep(Engine **e) {
        if (*e)
                engine_free(*e);
}
Task *engine_find_task(Engine *e, const char *name);
/* Makes room for n more tasks, so that tree_attach_task() cannot fail. */
int engine_reserve_tasks(Engine *e, size_t n);
/* Settings for a running engine (Command "set"): the engine's params with args (key,
 * value, ...; the key "task" is not a setting) merged in, as a new list in *ret.  The
 * engine is not changed: engine_set_params() records the list once the engine took it,
 * so that the settings survive a restart. */
int engine_params_merged(const Engine *e, char **args, char ***ret);
/* Takes ownership of params. */
void engine_set_params(Engine *e, char **params);
