/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A test-only engine that exercises the scheduler: each scan/act sleeps busy_ms
 * and appends "scan PID ROUND T_USEC" / "act PID T_USEC" to record=FILE, so bus
 * tests can check the loop / interval / sleep timing and Stop during a long call.
 * honour_cancel=no makes it ignore cancellation (a plugin stuck in a long call). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "plugin-util.h"

typedef struct SleeperTask {
        unsigned long long busy_ms;
        bool honour_cancel;
        bool refuse_start;
        char record[256];
} SleeperTask;

static const struct etmem_host *host;

static int sleeper_fill_eng(const struct etmem_host *h, const struct etmem_project_info *project,
                            const struct etmem_params *params, void **ret, struct etmem_error *err) {
        host = h;
        for (size_t i = 0; i < params->n; i++)
                return plugin_unknown_key(&params->v[i], "engine", "(none)", err);
        *ret = calloc(1, 1);
        return *ret ? 0 : -ENOMEM;
}

static int sleeper_fill_task(void *eng, const struct etmem_project_info *project, const struct etmem_task_info *task,
                             const struct etmem_params *params, struct etmem_task_conf *conf, void **ret,
                             struct etmem_error *err) {
        SleeperTask *t = calloc(1, sizeof *t);
        unsigned long long v = 1;
        int r = 0;

        if (!t)
                return -ENOMEM;
        t->honour_cancel = true;
        conf->max_threads = 1;
        for (size_t i = 0; i < params->n && r >= 0; i++) {
                const struct etmem_param *p = &params->v[i];
                if (strcmp(p->key, "busy_ms") == 0)
                        r = plugin_param_uint(p, 0, 3600000, &t->busy_ms, err);
                else if (strcmp(p->key, "honour_cancel") == 0)
                        r = plugin_param_bool(p, &t->honour_cancel, err);
                else if (strcmp(p->key, "refuse_start") == 0)
                        r = plugin_param_bool(p, &t->refuse_start, err);
                else if (strcmp(p->key, "max_threads") == 0) {
                        r = plugin_param_uint(p, 1, 64, &v, err);
                        conf->max_threads = (unsigned) v;
                } else if (strcmp(p->key, "record") == 0) {
                        if (p->value[0] != '/' || strlen(p->value) >= sizeof t->record)
                                r = plugin_fail(err, p->key, -EINVAL, "must be an absolute path of < %zu characters",
                                                sizeof t->record);
                        else
                                snprintf(t->record, sizeof t->record, "%s", p->value);
                } else
                        r = plugin_unknown_key(p, "task", "busy_ms, honour_cancel, refuse_start, max_threads, record", err);
        }
        if (r < 0) {
                free(t);
                return r;
        }
        *ret = t;
        return 0;
}

static int sleeper_check_start(void *eng, void *task, struct etmem_error *err) {
        SleeperTask *t = task;
        if (t->refuse_start)
                return plugin_fail(err, "refuse_start", -EOPNOTSUPP, "this test engine was told to refuse Start");
        return 0;
}

static void record(SleeperTask *t, const char *fmt, ...) __attribute__((__format__(printf, 2, 3)));
static void record(SleeperTask *t, const char *fmt, ...) {
        char line[256];
        struct timespec ts;
        va_list ap;
        int fd, n;

        if (!t->record[0])
                return;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        va_start(ap, fmt);
        n = vsnprintf(line, sizeof line - 32, fmt, ap);
        va_end(ap);
        n += snprintf(line + n, sizeof line - (size_t) n, " %lld\n",
                      (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
        fd = open(t->record, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0) {
                (void) !write(fd, line, (size_t) n);
                close(fd);
        }
}

static int busy(struct etmem_run *run, SleeperTask *t) {
        if (t->honour_cancel)
                return host->sleep(run, t->busy_ms * 1000);
        usleep((useconds_t) (t->busy_ms * 1000));
        return 0;
}

static int sleeper_scan(struct etmem_run *run, void *eng, void *task, const struct etmem_target *target, void *pid,
                        unsigned round) {
        SleeperTask *t = task;

        record(t, "scan %d %u", (int) target->pid, round);
        host->count(run, ETMEM_COUNTER_PAGES_SCANNED, 1);
        return busy(run, t);
}

static int sleeper_act(struct etmem_run *run, void *eng, void *task, const struct etmem_target *target, void *pid) {
        SleeperTask *t = task;

        record(t, "act %d", (int) target->pid);
        host->set_status(run, "slept %llu ms per call", t->busy_ms);
        return 0;
}

static int sleeper_command(void *eng, void *task, const char *cmd, const struct etmem_params *args, char **json,
                           struct etmem_error *err) {
        if (strcmp(cmd, "ping") != 0)
                return -EOPNOTSUPP;
        *json = strdup(task ? "{\"pong\":\"task\"}" : "{\"pong\":\"engine\"}");
        return *json ? 0 : -ENOMEM;
}

const struct etmem_engine_ops etmem_engine_ops = {
        .abi_major = ETMEM_PLUGIN_ABI_MAJOR,
        .abi_minor = ETMEM_PLUGIN_ABI_MINOR,
        .size = sizeof(struct etmem_engine_ops),
        .type = "sleeper",
        .fill_eng_params = sleeper_fill_eng,
        .clear_eng_params = free,
        .fill_task_params = sleeper_fill_task,
        .clear_task_params = free,
        .check_start = sleeper_check_start,
        .scan = sleeper_scan,
        .act = sleeper_act,
        .eng_mgt_func = sleeper_command,
};
