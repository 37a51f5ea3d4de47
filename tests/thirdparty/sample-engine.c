/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A sample third-party etmem engine, the one the etmem README describes:
 *
 *   [engine]                              [task]
 *   name=thirdparty                       project=test
 *   project=test                          engine=my_engine
 *   eng_name=my_engine                    name=background_third
 *   libname=/usr/lib/etmem/thirdparty/my_engine.so   type=pid
 *   ops_name=my_engine_ops                value=12345
 *   engine_private_key=engine_private_value          task_private_key=task_private_value
 *
 * It is built against the installed headers only (etmem/etmem-plugin.h and
 * etmem/etmem-mem.h) and links nothing of etmemd:
 *
 *   cc -shared -fPIC -O2 -I/usr/include/etmem sample-engine.c -o my_engine.so
 *   install -o root -m 0644 my_engine.so /usr/lib/etmem/thirdparty/
 *
 * What it does: every scan round reads the target's resident set through
 * host->mem->procmem and counts those pages as scanned; act counts them as hot
 * (a sample pages nothing out) and sets the task's Status.  The private command
 * "showparams" answers with the private keys and what the engine saw, so a test
 * can prove the values reached the library and scan/act really ran.
 *
 * SAMPLE_ABI_MAJOR may be overridden at build time to produce a library for
 * another ABI major, which etmemd must refuse.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etmem-mem.h"
#include "etmem-plugin.h"

#ifndef SAMPLE_ABI_MAJOR
#define SAMPLE_ABI_MAJOR ETMEM_PLUGIN_ABI_MAJOR
#endif

#define PRIVATE_VALUE_MAX 128 /* characters of a private key's value */

typedef struct SampleEngine {
        const struct etmem_host *host;
        char private_value[PRIVATE_VALUE_MAX + 1];
        /* updated by worker threads, read by the loop thread: __atomic only */
        unsigned long long scans, acts, tasks;
} SampleEngine;

typedef struct SampleTask {
        SampleEngine *engine;
        char name[ETMEM_NAME_MAX + 1];
        char private_value[PRIVATE_VALUE_MAX + 1];
        unsigned long long scans, acts, last_pid, last_rss_pages;
} SampleTask;

typedef struct SampleTarget {
        unsigned long long rss_pages; /* resident pages at the last scan round */
} SampleTarget;

static int fail(struct etmem_error *err, const char *key, int r, const char *fmt, ...)
        __attribute__((__format__(printf, 4, 5)));
static int fail(struct etmem_error *err, const char *key, int r, const char *fmt, ...) {
        va_list ap;

        snprintf(err->key, sizeof err->key, "%s", key);
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        return r;
}

/* Private values end up in JSON: keep them to characters that need no escaping. */
static int take_value(const struct etmem_param *p, char *dest, struct etmem_error *err) {
        size_t n = strlen(p->value);

        if (n == 0 || n > PRIVATE_VALUE_MAX)
                return fail(err, p->key, -EINVAL, "value must be 1..%d characters, got %zu", PRIVATE_VALUE_MAX, n);
        if (strspn(p->value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
                return fail(err, p->key, -EINVAL, "'%s' may only hold letters, digits, '_', '.' and '-'", p->value);
        memcpy(dest, p->value, n + 1);
        return 0;
}

static int sample_fill_eng(const struct etmem_host *host, const struct etmem_project_info *project,
                           const struct etmem_params *params, void **ret, struct etmem_error *err) {
        SampleEngine *e;
        int r = 0;

        e = calloc(1, sizeof *e);
        if (!e)
                return -ENOMEM;
        e->host = host;
        for (size_t i = 0; i < params->n && r >= 0; i++) {
                const struct etmem_param *p = &params->v[i];

                if (strcmp(p->key, "engine_private_key") == 0)
                        r = take_value(p, e->private_value, err);
                else
                        r = fail(err, p->key, -EINVAL, "unknown key '%s' in [engine] of my_engine (valid: engine_private_key)",
                                 p->key);
        }
        if (r < 0) {
                free(e);
                return r;
        }
        host->log(ETMEM_LOG_INFO, "my_engine: engine_private_key=%s", e->private_value);
        *ret = e;
        return 0;
}

static int sample_fill_task(void *eng, const struct etmem_project_info *project, const struct etmem_task_info *task,
                            const struct etmem_params *params, struct etmem_task_conf *conf, void **ret,
                            struct etmem_error *err) {
        SampleEngine *e = eng;
        SampleTask *t;
        int r = 0;

        t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        t->engine = e;
        snprintf(t->name, sizeof t->name, "%s", task->name);
        for (size_t i = 0; i < params->n && r >= 0; i++) {
                const struct etmem_param *p = &params->v[i];

                if (strcmp(p->key, "task_private_key") == 0)
                        r = take_value(p, t->private_value, err);
                else
                        r = fail(err, p->key, -EINVAL, "unknown key '%s' in [task] of my_engine (valid: task_private_key)",
                                 p->key);
        }
        if (r < 0) {
                free(t);
                return r;
        }
        conf->max_threads = 1;
        __atomic_add_fetch(&e->tasks, 1, __ATOMIC_SEQ_CST);
        *ret = t;
        return 0;
}

static void sample_clear_task(void *task) {
        SampleTask *t = task;

        /* the host keeps the engine alive while any of its tasks exists */
        __atomic_sub_fetch(&t->engine->tasks, 1, __ATOMIC_SEQ_CST);
        free(t);
}

static int sample_check_start(void *eng, void *task, struct etmem_error *err) {
        SampleEngine *e = eng;

        if (!ETMEM_MEM_HAS(e->host->mem, procmem) || !e->host->mem->procmem)
                return fail(err, "", -EOPNOTSUPP, "my_engine needs the host's procmem service");
        return 0;
}

static int sample_alloc_pid(struct etmem_run *run, void *eng, void *task, const struct etmem_target *target,
                            void **ret) {
        SampleTarget *st = calloc(1, sizeof *st);

        if (!st)
                return -ENOMEM;
        *ret = st;
        return 0;
}

static void sample_free_pid(void *eng, void *pid) {
        free(pid);
}

static int sample_scan(struct etmem_run *run, void *eng, void *task, const struct etmem_target *target, void *pid,
                       unsigned round) {
        SampleEngine *e = eng;
        SampleTask *t = task;
        SampleTarget *st = pid;
        struct etmem_procmem pm;
        int r;

        r = e->host->mem->procmem(target, &pm);
        if (r < 0)
                return r;
        st->rss_pages = pm.rss / 4096;
        e->host->count(run, ETMEM_COUNTER_PAGES_SCANNED, st->rss_pages);
        __atomic_store_n(&t->last_pid, (unsigned long long) target->pid, __ATOMIC_SEQ_CST);
        __atomic_store_n(&t->last_rss_pages, st->rss_pages, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&t->scans, 1, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&e->scans, 1, __ATOMIC_SEQ_CST);
        return 0;
}

static int sample_act(struct etmem_run *run, void *eng, void *task, const struct etmem_target *target, void *pid) {
        SampleEngine *e = eng;
        SampleTask *t = task;
        SampleTarget *st = pid;
        unsigned long long acts;

        e->host->count(run, ETMEM_COUNTER_PAGES_HOT, st->rss_pages);
        acts = __atomic_add_fetch(&t->acts, 1, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&e->acts, 1, __ATOMIC_SEQ_CST);
        e->host->set_status(run, "my_engine: act %llu on pid %d, %llu resident pages, task_private_key=%s", acts,
                            (int) target->pid, st->rss_pages, t->private_value);
        return 0;
}

static int sample_command(void *eng, void *task, const char *cmd, const struct etmem_params *args, char **json,
                          struct etmem_error *err) {
        SampleEngine *e = eng;
        SampleTask *t = task;
        int r;

        if (strcmp(cmd, "showparams") != 0)
                return fail(err, "", -EOPNOTSUPP, "my_engine knows only 'showparams'");
        for (size_t i = 0; i < args->n; i++)
                if (strcmp(args->v[i].key, "task") != 0)
                        return fail(err, args->v[i].key, -EINVAL, "unknown argument (valid: task)");
        if (t)
                r = asprintf(json,
                             "{\"engine\":\"my_engine\",\"engine_private_key\":\"%s\",\"task\":\"%s\","
                             "\"task_private_key\":\"%s\",\"scans\":%llu,\"acts\":%llu,\"last_pid\":%llu,"
                             "\"last_rss_pages\":%llu}",
                             e->private_value, t->name, t->private_value,
                             __atomic_load_n(&t->scans, __ATOMIC_SEQ_CST), __atomic_load_n(&t->acts, __ATOMIC_SEQ_CST),
                             __atomic_load_n(&t->last_pid, __ATOMIC_SEQ_CST),
                             __atomic_load_n(&t->last_rss_pages, __ATOMIC_SEQ_CST));
        else
                r = asprintf(json,
                             "{\"engine\":\"my_engine\",\"engine_private_key\":\"%s\",\"tasks\":%llu,"
                             "\"scans\":%llu,\"acts\":%llu}",
                             e->private_value, __atomic_load_n(&e->tasks, __ATOMIC_SEQ_CST),
                             __atomic_load_n(&e->scans, __ATOMIC_SEQ_CST), __atomic_load_n(&e->acts, __ATOMIC_SEQ_CST));
        return r < 0 ? -ENOMEM : 0;
}

/* The one symbol etmemd looks up (ops_name=my_engine_ops). */
extern const struct etmem_engine_ops my_engine_ops;
const struct etmem_engine_ops my_engine_ops = {
        .abi_major = SAMPLE_ABI_MAJOR,
        .abi_minor = ETMEM_PLUGIN_ABI_MINOR,
        .size = sizeof(struct etmem_engine_ops),
        .type = "my_engine",
        .fill_eng_params = sample_fill_eng,
        .clear_eng_params = free,
        .fill_task_params = sample_fill_task,
        .clear_task_params = sample_clear_task,
        .check_start = sample_check_start,
        .alloc_pid_params = sample_alloc_pid,
        .free_pid_params = sample_free_pid,
        .scan = sample_scan,
        .act = sample_act,
        .eng_mgt_func = sample_command,
};
