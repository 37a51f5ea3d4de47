/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>

#include "host.h"
#include "log.h"
#include "runner.h"
#include "services.h"

static void host_log(enum etmem_log_level level, const char *fmt, ...) __attribute__((__format__(printf, 2, 3)));
static void host_log(enum etmem_log_level level, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        log_msgv((int) level, fmt, ap);
        va_end(ap);
}

static void host_set_status(TaskRun *r, const char *fmt, ...) __attribute__((__format__(printf, 2, 3)));
static void host_set_status(TaskRun *r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        runner_set_statusv(r, fmt, ap);
        va_end(ap);
}

static const struct etmem_host table = {
        .abi_major = ETMEM_PLUGIN_ABI_MAJOR,
        .abi_minor = ETMEM_PLUGIN_ABI_MINOR,
        .size = sizeof(struct etmem_host),
        .log = host_log,
        .cancelled = runner_cancelled,
        .sleep = runner_sleep,
        .count = runner_count,
        .set_status = host_set_status,
        .mem = &mem_services_table,
};

const struct etmem_host *host_table(void) {
        return &table;
}
