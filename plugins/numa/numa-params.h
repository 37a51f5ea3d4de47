/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The numa engine's keys: numad's options (numad(8)) as engine keys. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "etmem-mem.h"
#include "etmem-plugin.h"

#define NUMA_MAX_EXCLUDE 1024

typedef struct NumaConf {
        bool scan_all;                /* numad -S: every process, not only the tasks' */
        pid_t exclude[NUMA_MAX_EXCLUDE]; /* numad -x: never touched */
        unsigned n_exclude;
        unsigned cpu_threshold;       /* % of one CPU a process must use (numad: 50) */
        unsigned mem_threshold;       /* MiB a process must use (numad: 300) */
        unsigned min_interval, max_interval; /* numad -i: s between evaluations after a move / otherwise */
        unsigned reeval_delay;        /* s before a bound process is evaluated again (numad: 300) */
        bool keep_interleaved;        /* numad -K */
        unsigned thp_scan_sleep_ms;   /* numad -H; 0 = leave the system's value */
        struct etmem_numa_params place; /* -u, -m, -t, -C, -R */
        char reserved_cpus_text[256];
} NumaConf;

#define NUMA_KEYS "scan_all, exclude, cpu_threshold, mem_threshold, target_utilization, target_memlocality, " \
                  "min_interval, max_interval, reeval_delay, reserved_cpus, htt_percent, " \
                  "use_inactive_file_cache, keep_interleaved, thp_scan_sleep_ms"

void numa_conf_default(NumaConf *c);
/* Applies params on top of *c (all or nothing: *c is unchanged on error). */
int numa_conf_apply(NumaConf *c, const struct etmem_params *params, struct etmem_error *err);
bool numa_conf_excluded(const NumaConf *c, pid_t pid);
/* "key":"value" pairs of the current settings, as JSON object members. */
int numa_conf_json(const NumaConf *c, char *buf, size_t size);
