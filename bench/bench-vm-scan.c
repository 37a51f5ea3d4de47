/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scan cost per GiB of resident memory for each tracker, against a bare clear_refs +
 * pagemap pass over the same memory (the kernel's own cheapest way to learn anything
 * per page).  Runs in the VM suite's guest (tests/vm/run-in-guest.sh), the one place
 * where the etmem_scan module and DAMON vaddr both exist:
 *
 *   tests/vm/run-in-guest.sh build/bench/bench-vm-scan build/tests/host/hotcold [MIB]
 *
 * For each tracker: a fresh hotcold with MIB (default 256) of written memory, one
 * warm-up round, then the mean of 5 timed rounds (mem_tracker_scan: the tracker's
 * observation plus VMA reading and accumulation, i.e. what a slide round costs).
 * DAMON's rounds only read what its kdamond sampled in the background, so its kdamond's
 * CPU time during those rounds is reported too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "pagemap.h"
#include "target.h"
#include "tracker.h"
#include "workload-util.h"

#define ROUNDS 5
#define ROUND_GAP_US 200000 /* between DAMON rounds, so that it aggregates */

static const char *hotcold;

static double clock_s(clockid_t c) {
        struct timespec ts;
        clock_gettime(c, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}
static double now(void) {
        return clock_s(CLOCK_MONOTONIC);
}
/* this thread's CPU, user and kernel (the kernel's walks run in our syscalls) */
static double cpu_now(void) {
        return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

typedef struct Cost {
        double wall, cpu; /* ms per GiB, or -errno in wall */
} Cost;

static int start(unsigned mib, Workload *w, MemTarget **t) {
        char buf[32];
        size_t n = 0;
        int r = wl_start(hotcold, mib, 0, "separate", w);
        if (r < 0)
                return r;
        snprintf(buf, sizeof buf, "%d", (int) w->pid);
        r = mem_targets_resolve("pid", buf, t, &n);
        if (r < 0 || n != 1) {
                wl_kill(w);
                return r < 0 ? r : -ESRCH;
        }
        return 0;
}

static void finish(Workload *w, MemTarget *t) {
        mem_targets_free(t, 1);
        wl_kill(w);
        wl_free(w);
}

/* utime + stime of a thread, in seconds. */
static double cpu_seconds(pid_t pid) {
        char path[64], buf[1024];
        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        FILE *f = fopen(path, "re");
        if (!f)
                return -1;
        size_t l = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[l] = 0;
        char *p = strrchr(buf, ')');
        unsigned long long ut, st;
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
                return -1;
        return (double) (ut + st) / (double) sysconf(_SC_CLK_TCK);
}

static pid_t kdamond_pid(void) {
        FILE *f = fopen("/sys/kernel/mm/damon/admin/kdamonds/0/pid", "re");
        int pid = -1;
        if (f) {
                if (fscanf(f, "%d", &pid) != 1)
                        pid = -1;
                fclose(f);
        }
        return pid;
}

/* ms per GiB of the tracker's round (mean of ROUNDS after one warm-up). */
static Cost tracker_cost(const char *kind, unsigned mib, double *kdamond_ms) {
        Workload w = {};
        MemTarget *t = NULL;
        MemTracker *tr = NULL;
        Cost c = {};
        int r;

        if (kdamond_ms)
                *kdamond_ms = -1;
        r = start(mib, &w, &t);
        if (r < 0)
                return (Cost) { r, r };
        r = mem_tracker_open(t->pid, t->pidfd, kind, &tr);
        if (r < 0) {
                finish(&w, t);
                return (Cost) { r, r };
        }
        bool damon = streq(kind, "damon");
        r = mem_tracker_scan(tr, 0);
        double busy = 0, cpu = 0, kd0 = damon ? cpu_seconds(kdamond_pid()) : 0, t_all = now();
        for (unsigned i = 1; r >= 0 && i <= ROUNDS; i++) {
                if (damon)
                        usleep(ROUND_GAP_US);
                double t0 = now(), c0 = cpu_now();
                r = mem_tracker_scan(tr, i);
                busy += now() - t0;
                cpu += cpu_now() - c0;
        }
        if (damon && kdamond_ms)
                *kdamond_ms = (cpu_seconds(kdamond_pid()) - kd0) * 1000 / (now() - t_all);
        if (r < 0)
                c = (Cost) { r, r };
        else
                c = (Cost) { busy * 1000 / ROUNDS / ((double) mib / 1024), cpu * 1000 / ROUNDS / ((double) mib / 1024) };
        mem_tracker_close(tr);
        finish(&w, t);
        return c;
}

/* write "1" to clear_refs, then read the workload's pagemap entries */
static Cost bare_cost(unsigned mib) {
        Workload w = {};
        MemTarget *t = NULL;
        Cost c = { -EIO, -EIO };
        char path[64];

        if (start(mib, &w, &t) < 0)
                return c;
        snprintf(path, sizeof path, "/proc/%d/clear_refs", (int) t->pid);
        int cfd = open(path, O_WRONLY | O_CLOEXEC), pfd = mem_pagemap_open(t->pid, t->pidfd);
        if (cfd >= 0 && pfd >= 0) {
                uint64_t present;
                (void) !pwrite(cfd, "1", 1, 0);
                (void) mem_pagemap_count_fd(pfd, w.spans[0].start, w.spans[0].end, &present, NULL);
                double t0 = now(), c0 = cpu_now();
                for (int r = 0; r < ROUNDS; r++) {
                        (void) !pwrite(cfd, "1", 1, 0);
                        (void) mem_pagemap_count_fd(pfd, w.spans[0].start, w.spans[0].end, &present, NULL);
                }
                c.wall = (now() - t0) * 1000 / ROUNDS / ((double) mib / 1024);
                c.cpu = (cpu_now() - c0) * 1000 / ROUNDS / ((double) mib / 1024);
        }
        if (cfd >= 0)
                close(cfd);
        if (pfd >= 0)
                close(pfd);
        finish(&w, t);
        return c;
}

int main(int argc, char **argv) {
        unsigned mib = 256;
        static const char *const kinds[] = { "kmod", "damon", "clear_refs" };
        static const char *const what[] = {
                "kmod tracker round (etmem_scan walk + decode + accumulation)",
                "DAMON tracker round (sysfs update + tried_regions read)",
                "clear_refs tracker round (smaps + clear_refs)",
        };
        Cost ms[3];
        double kdamond_ms = -1;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc < 2) {
                fprintf(stderr, "usage: bench-vm-scan HOTCOLD_BINARY [MIB]\n");
                return 2;
        }
        hotcold = argv[1];
        if (argc > 2) {
                char *end;
                unsigned long v = strtoul(argv[2], &end, 10);
                if (*end || v < 16 || v > 1024) {
                        fprintf(stderr, "bench-vm-scan: MIB must be 16..1024 (the guest has 2 GiB)\n");
                        return 2;
                }
                mib = (unsigned) v;
        }
        Cost bare = bare_cost(mib);
        for (int k = 0; k < 3; k++)
                ms[k] = tracker_cost(kinds[k], mib, k == 1 ? &kdamond_ms : NULL);

        printf("scan cost per GiB resident (%u MiB written workload, mean of %d rounds after a warm-up):\n", mib,
               ROUNDS);
        printf("  %-62s %9s %6s %9s %6s\n", "pass", "wall", "ratio", "CPU", "ratio");
        printf("  %-62s %9.2f %6.2f %9.2f %6.2f\n", "bare clear_refs write + pagemap read", bare.wall, 1.0,
               bare.cpu, 1.0);
        for (int k = 0; k < 3; k++) {
                if (ms[k].wall < 0)
                        printf("  %-62s   unavailable: %s\n", what[k], strerror((int) -ms[k].wall));
                else
                        printf("  %-62s %9.2f %6.2f %9.2f %6.2f\n", what[k], ms[k].wall,
                               bare.wall > 0 ? ms[k].wall / bare.wall : 0, ms[k].cpu,
                               bare.cpu > 0 ? ms[k].cpu / bare.cpu : 0);
        }
        printf("  (ms per GiB resident; ratio = to the bare pass)\n");
        if (kdamond_ms >= 0)
                printf("  kdamond CPU while monitoring it: %.1f ms per second (sample 5 ms, aggregation 100 ms)\n",
                       kdamond_ms);
        return bare.wall < 0 || ms[0].wall < 0 || ms[1].wall < 0 || ms[2].wall < 0 ? 1 : 0;
}
