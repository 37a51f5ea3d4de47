/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the kmod tracker's scans cost an unrelated process (issue #15, line 7).  Runs in
 * the VM suite's guest (2 vCPUs), where etmem_scan is loaded:
 *
 *   tests/vm/run-in-guest.sh build/bench/bench-vm-tlb build/tests/host/hotcold [ROUNDS]
 *
 * A victim process on CPU 1 reads random 8-byte words of its own 256 MiB (a TLB-miss
 * heavy loop, counting reads in shared memory).  A hotcold target with 128 MiB cold and
 * 64 MiB hot runs on CPU 0, and this process, also on CPU 0, scans the target with the
 * kmod tracker back to back.  Each window of WINDOW_S seconds runs one arm:
 *
 *   none       no scanning
 *   flush-all  scans with etmem_scan's flush_all=1: after each walk every online CPU
 *              flushes its whole TLB (the module's behaviour before 2026-12)
 *   flush-mm   scans with the default: only CPUs running the target flush
 *
 * Arms are interleaved round by round (their order rotating), and the victim's reads per
 * second are reported as the median over the rounds and as a ratio to `none`.  The
 * victim's and the target's CPUs are fixed, so the flush-mm arm shows what it is built
 * for: a CPU that is not running the target keeps its TLB.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "target.h"
#include "tracker.h"
#include "workload-util.h"

#define VICTIM_MIB 256
#define WINDOW_S 3.0
#define MAX_ROUNDS 15
#define FLUSH_PARAM "/sys/module/etmem_scan/parameters/flush_all"

enum { ARM_NONE, ARM_FLUSH_ALL, ARM_FLUSH_MM, N_ARMS };
static const char *const arm_name[N_ARMS] = { "none", "flush-all", "flush-mm" };

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

/* The median of v[0..n) (n <= MAX_ROUNDS), v left as it is. */
static double median(const double *v, unsigned n) {
        double s[MAX_ROUNDS];
        memcpy(s, v, n * sizeof *s);
        qsort(s, n, sizeof *s, cmp_double);
        return s[n / 2];
}

static int pin(pid_t pid, int cpu) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        return sched_setaffinity(pid, sizeof set, &set) < 0 ? -errno : 0;
}

static int write_param(const char *v) {
        FILE *f = fopen(FLUSH_PARAM, "we");
        if (!f)
                return -errno;
        int r = fputs(v, f) < 0 ? -EIO : 0;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        return r;
}

static volatile uint64_t sink;

/* The victim: random reads over its own memory forever, counting them in *count. */
static void victim(_Atomic uint64_t *count) {
        size_t n = (size_t) VICTIM_MIB << 20;
        uint64_t *mem = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED)
                _exit(1);
        madvise(mem, n, MADV_NOHUGEPAGE); /* 4 KiB pages: every page is a TLB entry */
        for (size_t i = 0; i < n / 8; i += 512)
                mem[i] = i;
        uint64_t x = 88172645463325252ULL, sum = 0;
        for (;;) {
                for (int k = 0; k < 1024; k++) {
                        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                        sum += mem[(x % (n / 8))];
                }
                sink = sum;
                atomic_fetch_add_explicit(count, 1024, memory_order_relaxed);
        }
}

int main(int argc, char **argv) {
        unsigned rounds = 5;
        double rate[N_ARMS][MAX_ROUNDS], scans[N_ARMS][MAX_ROUNDS];
        Workload w = {};
        MemTarget *t = NULL;
        size_t n_t = 0;
        char buf[32];
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc < 2) {
                fprintf(stderr, "usage: bench-vm-tlb HOTCOLD_BINARY [ROUNDS 3..15]\n");
                return 2;
        }
        if (argc > 2) {
                char *end;
                unsigned long v = strtoul(argv[2], &end, 10);
                if (*end || v < 3 || v > MAX_ROUNDS) {
                        fprintf(stderr, "bench-vm-tlb: ROUNDS must be 3..%d\n", MAX_ROUNDS);
                        return 2;
                }
                rounds = (unsigned) v;
        }
        if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
                fprintf(stderr, "bench-vm-tlb: needs 2 CPUs\n");
                return 1;
        }
        r = write_param("0");
        if (r < 0) {
                fprintf(stderr, "bench-vm-tlb: %s: %s (is etmem_scan loaded?)\n", FLUSH_PARAM, strerror(-r));
                return 1;
        }

        _Atomic uint64_t *count = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (count == MAP_FAILED)
                return 1;
        pid_t v = fork();
        if (v < 0)
                return 1;
        if (v == 0) {
                pin(0, 1);
                victim(count);
        }
        r = wl_start(argv[1], 128, 64, "separate", &w);
        if (r < 0) {
                fprintf(stderr, "bench-vm-tlb: hotcold: %s\n", strerror(-r));
                kill(v, SIGKILL);
                return 1;
        }
        pin(w.pid, 0);
        pin(0, 0);
        snprintf(buf, sizeof buf, "%d", (int) w.pid);
        r = mem_targets_resolve("pid", buf, &t, &n_t);
        MemTracker *tr = NULL;
        if (r >= 0)
                r = mem_tracker_open(t[0].pid, t[0].pidfd, "kmod", &tr);
        if (r < 0) {
                fprintf(stderr, "bench-vm-tlb: kmod tracker on the target: %s\n", strerror(-r));
                goto out;
        }
        sleep(1); /* the victim has filled its memory */

        unsigned round_no = 0;
        for (unsigned rd = 0; rd < rounds; rd++)
                for (int k = 0; k < N_ARMS; k++) {
                        int arm = (int) ((rd + (unsigned) k) % N_ARMS);
                        if (arm != ARM_NONE && (r = write_param(arm == ARM_FLUSH_ALL ? "1" : "0")) < 0)
                                goto out;
                        uint64_t c0 = atomic_load(count);
                        double t0 = now(), t1 = t0;
                        unsigned n_scans = 0;
                        while ((t1 = now()) - t0 < WINDOW_S) {
                                if (arm == ARM_NONE) {
                                        usleep(10000);
                                        continue;
                                }
                                r = mem_tracker_scan(tr, round_no++);
                                if (r < 0) {
                                        fprintf(stderr, "bench-vm-tlb: scan: %s\n", strerror(-r));
                                        goto out;
                                }
                                n_scans++;
                        }
                        rate[arm][rd] = (double) (atomic_load(count) - c0) / (t1 - t0);
                        scans[arm][rd] = n_scans / (t1 - t0);
                        printf("round %u %-9s victim %.3g reads/s, %.1f scans/s\n", rd + 1, arm_name[arm],
                               rate[arm][rd], scans[arm][rd]);
                }

        printf("victim on CPU 1 (random reads over %d MiB), target + scanner on CPU 0, %.0f s windows, "
               "median of %u interleaved rounds:\n", VICTIM_MIB, WINDOW_S, rounds);
        printf("  %-10s %14s %8s %10s\n", "arm", "reads/s", "ratio", "scans/s");
        double base = 0;
        for (int a = 0; a < N_ARMS; a++) {
                double med = median(rate[a], rounds);
                if (a == ARM_NONE)
                        base = med;
                printf("  %-10s %14.4g %8.3f %10.1f\n", arm_name[a], med, base > 0 ? med / base : 0,
                       median(scans[a], rounds));
        }
        r = 0;
out:
        write_param("0");
        if (tr)
                mem_tracker_close(tr);
        if (t)
                mem_targets_free(t, n_t);
        wl_kill(&w);
        wl_free(&w);
        kill(v, SIGKILL);
        waitpid(v, NULL, 0);
        return r < 0 ? 1 : 0;
}
