/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Starting tests/workload/hotcold and reading its ground truth (host tests, benchmarks). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct WlSpan {
        uint64_t start, end;
        bool cold;
} WlSpan;

typedef struct Workload {
        pid_t pid;
        char out[256];
        WlSpan *spans;
        size_t n_spans;
        uint64_t cold_bytes, hot_bytes;
} Workload;

/* Runs `hotcold --cold C --hot H --pattern P --out <tmp>` and waits (<= 60 s) for "ready".
 * exe: path of the hotcold binary. */
int wl_start(const char *exe, unsigned cold_mib, unsigned hot_mib, const char *pattern, Workload *ret);
/* SIGTERM, wait; returns hotcold's exit status (0 = cold data intact) or -errno. */
int wl_stop(Workload *w);
/* SIGKILL + reap without verification. */
void wl_kill(Workload *w);
void wl_free(Workload *w);
