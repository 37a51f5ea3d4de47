/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory-layer benchmark (root, zram swap active; run through tests/host/zram-swap.sh):
 *   - page-out throughput of process_madvise(MADV_PAGEOUT): contiguous ranges in 64 MiB
 *     calls (what etmem's page-out does for VMA/region trackers), 4 KiB iovecs IOV_MAX per
 *     call (what a page-granular tracker produces), and one call per page;
 *   - single-core lz4 compression of the same data (zram's own limit per CPU);
 *   - scan cost per GiB of resident memory: the clear_refs tracker's round vs a bare
 *     clear_refs write + pagemap pass over the same memory.
 * Prints figures and ratios side by side.
 *
 *   bench-mem HOTCOLD_BINARY [COLD_MIB]      (default 512)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "pageout.h"
#include "pagemap.h"
#include "../tests/workload/pattern.h"
#include "services.h"
#include "target.h"
#include "tracker.h"
#include "workload-util.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static const char *hotcold;

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static double gib(uint64_t b) {
        return (double) b / (double) (1ULL << 30);
}

static int start(unsigned cold_mib, Workload *w, MemTarget **t) {
        char buf[32];
        size_t n = 0;
        int r = wl_start(hotcold, cold_mib, 0, "separate", w);
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

static uint64_t swapped_bytes(MemTarget *t, const Workload *w) {
        uint64_t swapped = 0;
        if (mem_pagemap_count(t->pid, t->pidfd, w->spans[0].start, w->spans[0].end, NULL, &swapped) < 0)
                return 0;
        return swapped * mem_page_size();
}

typedef enum { RANGES, IOVECS, PER_PAGE, _MODE_MAX } Mode;

static uint64_t iov_bytes; /* IOVECS: bytes per iovec, IOV_MAX iovecs per call */

/* Returns GiB/s of bytes that really left memory. */
static double pageout_run(Mode mode, unsigned mib, uint64_t *moved, double *secs) {
        Workload w = {};
        MemTarget *t = NULL;
        uint64_t ps = mem_page_size();
        double t0, t1;

        if (start(mib, &w, &t) < 0)
                return -1;
        uint64_t s = w.spans[0].start, e = w.spans[0].end;
        t0 = now();
        if (mode == RANGES) {
                struct etmem_range rg = { s, e };
                struct etmem_pageout_stats st;
                (void) mem_pageout(t->pid, t->pidfd, &rg, 1, NULL, &st);
        } else if (mode == IOVECS) {
                static struct iovec iov[IOV_MAX];
                for (uint64_t a = s; a < e;) {
                        size_t n = 0;
                        size_t max_n = (size_t) MAX(1ULL, MIN((uint64_t) IOV_MAX, (64ULL << 20) / iov_bytes));
                        for (; n < max_n && a < e; n++, a += iov_bytes)
                                iov[n] = (struct iovec) { (void *) (uintptr_t) a, MIN(iov_bytes, e - a) };
                        (void) syscall(SYS_process_madvise, t->pidfd, iov, n, MADV_PAGEOUT, 0);
                }
        } else {
                for (uint64_t a = s; a < e; a += ps) {
                        struct iovec iov = { (void *) (uintptr_t) a, ps };
                        (void) syscall(SYS_process_madvise, t->pidfd, &iov, 1, MADV_PAGEOUT, 0);
                }
        }
        t1 = now();
        *moved = swapped_bytes(t, &w);
        *secs = t1 - t0;
        finish(&w, t);
        return gib(*moved) / *secs;
}

static double lz4_run(unsigned mib, double *ratio) {
        uint64_t ps = mem_page_size(), n = ((uint64_t) mib << 20) / ps;
        uint8_t *src = malloc(n * ps);
        char *dst = malloc((size_t) LZ4_compressBound((int) ps));
        uint64_t out = 0;

        if (!src || !dst)
                return -1;
        for (uint64_t i = 0; i < n; i++)
                hotcold_fill_page(src + i * ps, ps, i);
        double t0 = now();
        for (uint64_t i = 0; i < n; i++)
                out += (uint64_t) LZ4_compress_default((const char *) src + i * ps, dst, (int) ps,
                                                       LZ4_compressBound((int) ps));
        double dt = now() - t0;
        *ratio = (double) (n * ps) / (double) out;
        free(src);
        free(dst);
        return gib(n * ps) / dt;
}

static void scan_cost(unsigned mib, double *tracker_ms, double *bare_ms) {
        Workload w = {};
        MemTarget *t = NULL;
        const int rounds = 5;

        *tracker_ms = *bare_ms = -1;
        if (start(mib, &w, &t) < 0)
                return;
        MemTracker *tr = NULL;
        if (mem_tracker_open(t->pid, t->pidfd, "clear_refs", &tr) == 0) {
                double t0 = now();
                for (int r = 0; r < rounds; r++)
                        (void) mem_tracker_scan(tr, (unsigned) r);
                *tracker_ms = (now() - t0) * 1000 / rounds / gib((uint64_t) mib << 20);
                mem_tracker_close(tr);
        }
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/clear_refs", (int) t->pid);
        int cfd = open(path, O_WRONLY | O_CLOEXEC), pfd = mem_pagemap_open(t->pid, t->pidfd);
        if (cfd >= 0 && pfd >= 0) {
                double t0 = now();
                for (int r = 0; r < rounds; r++) {
                        uint64_t present;
                        (void) !pwrite(cfd, "1", 1, 0);
                        (void) mem_pagemap_count_fd(pfd, w.spans[0].start, w.spans[0].end, &present, NULL);
                }
                *bare_ms = (now() - t0) * 1000 / rounds / gib((uint64_t) mib << 20);
        }
        if (cfd >= 0)
                close(cfd);
        if (pfd >= 0)
                close(pfd);
        finish(&w, t);
}

static void machine(void) {
        char model[256] = "unknown CPU", alg[128] = "", line[256];
        struct utsname u;
        FILE *f = fopen("/proc/cpuinfo", "re");
        while (f && fgets(line, sizeof line, f))
                if (sscanf(line, "model name : %255[^\n]", model) == 1)
                        break;
        if (f)
                fclose(f);
        f = fopen("/sys/block/zram0/comp_algorithm", "re");
        if (f && fgets(line, sizeof line, f)) {
                char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;
                if (a && b)
                        snprintf(alg, sizeof alg, "%.*s", (int) (b - a - 1), a + 1);
        }
        if (f)
                fclose(f);
        uname(&u);
        printf("machine: %s, %ld CPUs, Linux %s, swap on zram0 (%s)\n", model, sysconf(_SC_NPROCESSORS_ONLN),
               u.release, alg[0] ? alg : "?");
}

int main(int argc, char **argv) {
        char why[256];
        unsigned mib = 512;

        if (argc < 2) {
                fprintf(stderr, "usage: %s HOTCOLD_BINARY [COLD_MIB]\n", argv[0]);
                return 2;
        }
        hotcold = argv[1];
        if (argc > 2)
                mib = (unsigned) strtoul(argv[2], NULL, 10);
        if (mib < 16 || mib > 1536) {
                fprintf(stderr, "COLD_MIB must be 16..1536 (it must fit the 2 GiB zram swap)\n");
                return 2;
        }
        if (geteuid() != 0 || mem_pageout_supported(why, sizeof why) <= 0) {
                printf("skip: %s\n", geteuid() ? "needs root" : why);
                return 77;
        }
        machine();

        static const struct {
                Mode mode;
                uint64_t iov_bytes;
                unsigned div; /* of COLD_MIB: one call per page is slow, so it gets less data */
                const char *name;
        } cases[] = {
                { RANGES, 0, 1, "etmem page-out: 64 KiB iovecs, 64 MiB/call" },
                { IOVECS, 4ULL << 10, 1, "4 KiB iovecs, 1024 per call" },
                { IOVECS, 2ULL << 20, 1, "2 MiB iovecs, 32 per call" },
                { IOVECS, 64ULL << 20, 1, "one 64 MiB range per call" },
                { PER_PAGE, 0, 4, "one call per 4 KiB page" },
        };
        double rate[ELEMENTSOF(cases)];
        printf("page-out, process_madvise(MADV_PAGEOUT) into zram (bytes that left RAM per second, best of 2):\n");
        /* A first page-out warms zram's allocator up. */
        {
                uint64_t mv;
                double sc;
                (void) pageout_run(RANGES, mib / 4, &mv, &sc);
        }
        for (size_t m = 0; m < ELEMENTSOF(cases); m++) {
                uint64_t moved = 0, mv;
                double secs = 0, sc, rt;
                iov_bytes = cases[m].iov_bytes; /* IOVECS: at most 64 MiB per call, like the layer */
                rate[m] = -1;
                for (int rep = 0; rep < 2; rep++) {
                        rt = pageout_run(cases[m].mode, mib / cases[m].div, &mv, &sc);
                        if (rt > rate[m]) {
                                rate[m] = rt;
                                moved = mv;
                                secs = sc;
                        }
                }
                printf("  %-44s %5llu MiB in %6.3f s  %6.2f GiB/s\n", cases[m].name,
                       (unsigned long long) (moved >> 20), secs, rate[m]);
        }
        size_t last = ELEMENTSOF(cases) - 1;
        printf("  ratios to one call per page: etmem x%.2f, 4 KiB iovecs x%.2f, 64 MiB range x%.2f\n",
               rate[0] / rate[last], rate[1] / rate[last], rate[3] / rate[last]);
        double ratio = 0;
        double lz4 = lz4_run(mib, &ratio);
        printf("lz4, one core, LZ4_compress_default per 4 KiB page of the same data: %.2f GiB/s (ratio %.2f:1)\n", lz4,
               ratio);
        printf("  etmem page-out / lz4 = %.2f (zram compresses on the reclaiming CPU: lz4 bounds it)\n",
               rate[0] / lz4);

        double tr_ms, bare_ms;
        scan_cost(mib, &tr_ms, &bare_ms);
        printf("scan cost per GiB resident (%u MiB workload, mean of 5 rounds):\n", mib);
        printf("  clear_refs tracker round (smaps + clear_refs)  %7.2f ms/GiB\n", tr_ms);
        printf("  bare clear_refs + pagemap pass                 %7.2f ms/GiB\n", bare_ms);
        printf("  ratio tracker / bare = %.2f\n", tr_ms / bare_ms);
        return 0;
}
