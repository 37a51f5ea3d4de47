/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Engine plugins: loading (with trust checks) and the refcounted engine/task
 * private data that outlives bus objects while a worker still uses it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <sys/types.h>

#include "etmem-plugin.h"
#include "types.h"

struct Plugin {
        unsigned n_ref;
        char *type;     /* engine type ("slide") or, for thirdparty, the library path */
        char *path;
        void *dl;
        /* The O_PATH fd it was loaded through stays open while it is loaded: glibc
         * recognises loaded objects by name, and /proc/self/fd/N must not name two. */
        int fd;
        Plugin *shares; /* a second load of a loaded file uses that plugin's name: keep it open */
        dev_t dev;      /* the file it was loaded from, to recognise a second load of it */
        ino_t ino;
        const struct etmem_engine_ops *ops;
        bool thirdparty;
        Plugin *next;   /* manager's cache of loaded plugins */
};

/* The engine's private data: ops + what fill_eng_params returned. */
struct EngineImpl {
        unsigned n_ref;  /* atomic */
        Plugin *plugin;
        void *priv;
};

struct TaskImpl {
        unsigned n_ref;  /* atomic */
        EngineImpl *engine;
        void *priv;
        struct etmem_task_conf conf;
        /* type=pid: the start time of the process the task first found, so a pid that
         * another process takes later is never adopted (0 = not bound yet; atomic).
         * Persisted as the task's binding; TASK_BOUND_OTHER_BOOT when the state file
         * bound it to a process of an earlier boot, which no process can match. */
        unsigned long long bound_starttime;
        /* type=name with uid=: only processes whose real and effective uid are this */
        bool has_match_uid;
        uid_t match_uid;
};

#define TASK_BOUND_OTHER_BOOT ULLONG_MAX

typedef struct PluginDirs {
        char **engines_dirs;  /* searched in order; NULL-terminated */
        char *thirdparty_dir; /* the only place third-party libraries may come from */
} PluginDirs;

/* Finds and loads etmem-engine-TYPE.so.  On error *error says why (malloc'ed). */
int plugin_load_builtin(Plugin **cache, const PluginDirs *dirs, const char *type, Plugin **ret, char **error);
/* Loads a third-party engine after the trust checks of DESIGN §6. */
int plugin_load_thirdparty(Plugin **cache, const PluginDirs *dirs, const char *libname, const char *ops_name,
                           Plugin **ret, char **error);
/* ops->cycle where the plugin's struct holds it (ABI minor >= 2), else NULL. */
static inline int (*plugin_ops_cycle(const struct etmem_engine_ops *ops))(struct etmem_run *, void *, void *) {
        return ops->size >= offsetof(struct etmem_engine_ops, cycle) + sizeof(ops->cycle) ? ops->cycle : NULL;
}
/* Checks the ABI fields of an ops struct; exported for unit tests. */
int plugin_check_ops(const struct etmem_engine_ops *ops, const char *what, char **error);
/* Trust check of a path (absolute, no "..", under dir, root-owned, not group/other writable,
 * parents likewise, no symlinks); returns an O_PATH fd.  Exported for unit tests. */
int plugin_open_trusted(const char *path, const char *allowed_dir, int *ret_fd, char **error);

Plugin *plugin_ref(Plugin *p);
Plugin *plugin_unref(Plugin *p);
/* Drops the cache's references (at exit). */
void plugin_cache_clear(Plugin **cache);
/* Types of the in-tree engines found in dirs (sorted, unique), NULL-terminated. */
char **plugin_list_types(const PluginDirs *dirs);

EngineImpl *engine_impl_new(Plugin *p, void *priv);
EngineImpl *engine_impl_ref(EngineImpl *e);
EngineImpl *engine_impl_unref(EngineImpl *e);
TaskImpl *task_impl_new(EngineImpl *e, void *priv, const struct etmem_task_conf *conf);
TaskImpl *task_impl_ref(TaskImpl *t);
TaskImpl *task_impl_unref(TaskImpl *t);

static inline void engine_impl_unrefp(EngineImpl **e) {
        if (*e)
                engine_impl_unref(*e);
}
static inline void task_impl_unrefp(TaskImpl **t) {
        if (*t)
                task_impl_unref(*t);
}
static inline void plugin_unrefp(Plugin **p) {
        if (*p)
                plugin_unref(*p);
}
