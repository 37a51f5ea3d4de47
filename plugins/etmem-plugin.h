/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * etmem engine plugin ABI.
 *
 * An engine is a shared object that exports ONE data symbol: a const
 * struct etmem_engine_ops.  In-tree engines name it "etmem_engine_ops";
 * third-party engines name it in their config (ops_name=).  The first three
 * fields are the ABI major, minor and the struct size: the host refuses a
 * plugin whose major differs from its own and never reads past `size`.
 * NULL slots mean "not implemented".
 *
 * The host hands the plugin a table of services (struct etmem_host) so a
 * plugin links nothing of the daemon.  Minor versions only append fields.
 *
 * Threading: the fill_, clear_, check_start and eng_mgt_func callbacks run on the daemon's
 * event-loop thread and must not block.  alloc_pid_params, scan, act and
 * free_pid_params run on worker threads; for one task they are serialised
 * per target but different targets of a task may run in parallel (up to
 * max_threads).  Long work must poll host->cancelled() between batches.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ETMEM_PLUGIN_ABI_MAJOR 1
#define ETMEM_PLUGIN_ABI_MINOR 2 /* 1: mem->pagemap_count_ranges, mem->procstat; 2: ops->cycle, project->scan_type */
#define ETMEM_ENGINE_OPS_SYMBOL "etmem_engine_ops"

#define ETMEM_NAME_MAX 64 /* project / engine / task names, as etmem */

enum etmem_log_level {
        ETMEM_LOG_DEBUG = 0,
        ETMEM_LOG_INFO = 1,
        ETMEM_LOG_WARNING = 2,
        ETMEM_LOG_ERROR = 3,
};

struct etmem_param {
        const char *key;
        const char *value;
};

struct etmem_params {
        size_t n;
        const struct etmem_param *v;
};

/* Filled by a plugin that refuses something: which key (may be empty) and why.
 * The host prefixes file:line. */
struct etmem_error {
        char key[64];
        char message[256];
};

struct etmem_project_info {
        const char *name;
        unsigned loop;      /* scans per cycle, 1..120 */
        unsigned interval;  /* seconds between scans, 1..1200 */
        unsigned sleep;     /* seconds between cycles, 1..1200 */
        int sysmem_threshold;      /* 0..100, -1 = unset */
        int swapcache_high_wmark;  /* 1..100, -1 = unset */
        int swapcache_low_wmark;   /* 1..high-1, -1 = unset */
        /* ABI minor >= 2 (check host->abi_minor): "page", "region" or "psi" */
        const char *scan_type;
};

struct etmem_task_info {
        const char *project;
        const char *engine;
        const char *name;
        const char *type;  /* "pid" | "name" */
        const char *value;
};

/* What the engine tells the host about a task it accepted. */
struct etmem_task_conf {
        unsigned max_threads; /* worker threads for this task's targets; host default 1 */
};

/* One process of a task, held by the host through a pidfd. */
struct etmem_target {
        pid_t pid;
        int pidfd;       /* valid for the whole cycle; the host closes it */
        const char *comm;
};

enum etmem_counter {
        ETMEM_COUNTER_PAGES_SCANNED = 0,
        ETMEM_COUNTER_PAGES_HOT,
        ETMEM_COUNTER_PAGES_COLD,
        ETMEM_COUNTER_BYTES_PAGED_OUT,
        ETMEM_COUNTER_BYTES_MIGRATED,
        _ETMEM_COUNTER_MAX,
};

struct etmem_run; /* opaque: one running task, owned by the host */

struct etmem_host {
        uint32_t abi_major;
        uint32_t abi_minor;
        uint32_t size;

        void (*log)(enum etmem_log_level level, const char *fmt, ...)
                __attribute__((__format__(printf, 2, 3)));
        /* True once Stop/Remove asked this run to end. */
        bool (*cancelled)(struct etmem_run *run);
        /* Sleeps up to usec; returns 0, or -ECANCELED as soon as the run is cancelled. */
        int (*sleep)(struct etmem_run *run, uint64_t usec);
        /* Adds to a Task1 counter (thread-safe). Per-cycle figures are published at cycle end. */
        void (*count)(struct etmem_run *run, enum etmem_counter counter, uint64_t delta);
        /* Replaces the task's human-readable Status ("skipped: ..."); thread-safe. */
        void (*set_status)(struct etmem_run *run, const char *fmt, ...)
                __attribute__((__format__(printf, 2, 3)));
        /* Memory-layer services; NULL where this host has none. */
        const struct etmem_mem_services *mem;
};

struct etmem_engine_ops {
        uint32_t abi_major;  /* ETMEM_PLUGIN_ABI_MAJOR */
        uint32_t abi_minor;  /* ETMEM_PLUGIN_ABI_MINOR */
        uint32_t size;       /* sizeof(struct etmem_engine_ops) */
        const char *type;    /* "slide", "cslide", ...; for third-party engines informational */

        /* Validate and take the engine's keys.  Unknown keys must be refused
         * (set err->key).  *ret is handed back to every later call. */
        int (*fill_eng_params)(const struct etmem_host *host,
                               const struct etmem_project_info *project,
                               const struct etmem_params *params,
                               void **ret, struct etmem_error *err);
        void (*clear_eng_params)(void *eng);

        int (*fill_task_params)(void *eng,
                                const struct etmem_project_info *project,
                                const struct etmem_task_info *task,
                                const struct etmem_params *params,
                                struct etmem_task_conf *conf,
                                void **ret, struct etmem_error *err);
        void (*clear_task_params)(void *task);

        /* Called on Start, before any worker runs: may this task run on this host?
         * Return -EOPNOTSUPP with err->message naming what is missing. */
        int (*check_start)(void *eng, void *task, struct etmem_error *err);

        /* Per target and cycle: private state for scan/act. */
        int (*alloc_pid_params)(struct etmem_run *run, void *eng, void *task,
                                const struct etmem_target *target, void **ret);
        void (*free_pid_params)(void *eng, void *pid);

        /* Cycle = `loop` scan rounds `interval` s apart, then act, then `sleep` s. */
        int (*scan)(struct etmem_run *run, void *eng, void *task,
                    const struct etmem_target *target, void *pid, unsigned round);
        int (*act)(struct etmem_run *run, void *eng, void *task,
                   const struct etmem_target *target, void *pid);

        /* Nudge from the loop thread when a run is stopped (optional). */
        void (*stop_task)(void *eng, void *task);

        /* Engine-private command (showtaskpages, ...).  task may be NULL.
         * On success *json is a malloc()ed JSON text the host frees.
         * Return -EOPNOTSUPP for a command the engine does not know. */
        int (*eng_mgt_func)(void *eng, void *task, const char *cmd,
                            const struct etmem_params *args, char **json,
                            struct etmem_error *err);

        /* ABI minor 2.  An engine that works on something other than processes (the
         * psi engine: a cgroup) sets it: the host then calls it once per cycle on the
         * task's worker thread, instead of resolving the task's processes and calling
         * alloc_pid_params/scan/act, and sleeps `sleep` seconds between calls. */
        int (*cycle)(struct etmem_run *run, void *eng, void *task);
};

#ifdef __cplusplus
}
#endif
