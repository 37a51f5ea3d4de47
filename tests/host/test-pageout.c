/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host test of the memory layer on real processes with zram swap (run as root, through
 * zram-swap.sh run):  the best tracker + MADV_PAGEOUT must move >= 90 % of a 256 MiB cold
 * set to swap (pagemap bit 62) while >= 95 % of the 64 MiB hot set stays present (bit 63),
 * and the data must come back intact; a page-out of 1 GiB stops < 1 s after cancel; a
 * target whose pid was reused by a new process is never touched.
 *
 *   test-pageout HOTCOLD_BINARY
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "etmem-mem.h"
#include "macro.h"
#include "services.h"
#include "target.h"
#include "workload-util.h"

static int failures;
static const char *hotcold;
static const struct etmem_mem_services *mem;

#define CHECK(cond, ...)                                                                   \
        do {                                                                               \
                if (!(cond)) {                                                             \
                        fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                                      \
                        fputc('\n', stderr);                                               \
                        failures++;                                                        \
                }                                                                          \
        } while (0)

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static int target_of(pid_t pid, MemTarget **t, struct etmem_target *et) {
        char buf[32];
        size_t n = 0;
        snprintf(buf, sizeof buf, "%d", (int) pid);
        int r = mem_targets_resolve("pid", buf, t, &n);
        if (r < 0)
                return r;
        if (n != 1) {
                mem_targets_free(*t, n);
                *t = NULL;
                return -ESRCH;
        }
        *et = (struct etmem_target) { .pid = (*t)->pid, .pidfd = (*t)->pidfd, .comm = (*t)->comm };
        return 0;
}

/* Two daemon-like cycles of `loop` rounds `interval_ms` apart; the second cycle's
 * classification (accesses < T) gives the cold ranges, like the slide engine. */
static int find_cold(const struct etmem_target *et, unsigned loop, unsigned interval_ms, unsigned T,
                     struct etmem_range **ret, size_t *n_ret, char *tracker, size_t tracker_size) {
        struct etmem_range *cold = NULL;
        size_t n_cold = 0;
        int r;

        for (int cycle = 0; cycle < 2; cycle++) {
                struct etmem_tracker *tr = NULL;
                r = mem->tracker_open(et, NULL, &tr);
                if (r < 0)
                        return r;
                struct etmem_tracker_info info;
                mem->tracker_info(tr, &info);
                snprintf(tracker, tracker_size, "%s", info.describe);
                for (unsigned round = 0; round < loop; round++) {
                        if (round > 0)
                                usleep(interval_ms * 1000);
                        r = mem->tracker_scan(tr, round);
                        if (r < 0) {
                                mem->tracker_close(tr);
                                return r;
                        }
                }
                if (cycle == 1) {
                        const struct etmem_region *reg;
                        size_t n;
                        unsigned rounds;
                        r = mem->tracker_results(tr, &reg, &n, &rounds);
                        if (r >= 0) {
                                cold = calloc(n ? n : 1, sizeof *cold);
                                for (size_t i = 0; cold && i < n; i++)
                                        if (reg[i].accesses < T && (reg[i].flags & ETMEM_REGION_ANON))
                                                cold[n_cold++] = (struct etmem_range) { reg[i].start, reg[i].end };
                        }
                }
                mem->tracker_close(tr);
                if (cycle == 0)
                        usleep(interval_ms * 1000); /* the daemon's `sleep` between cycles */
        }
        if (!cold)
                return -ENOMEM;
        *ret = cold;
        *n_ret = n_cold;
        return 0;
}

static uint64_t overlap(const struct etmem_range *r, size_t n, uint64_t s, uint64_t e) {
        uint64_t total = 0;
        for (size_t i = 0; i < n; i++)
                if (r[i].end > s && r[i].start < e)
                        total += MIN(r[i].end, e) - MAX(r[i].start, s);
        return total;
}

static void count_spans(const struct etmem_target *et, const Workload *w, bool cold, uint64_t *present,
                        uint64_t *swapped, uint64_t *pages) {
        *present = *swapped = *pages = 0;
        for (size_t i = 0; i < w->n_spans; i++) {
                if (w->spans[i].cold != cold)
                        continue;
                uint64_t p = 0, s = 0;
                int r = mem->pagemap_count(et, w->spans[i].start, w->spans[i].end, &p, &s);
                CHECK(r == 0, "pagemap_count: %s", strerror(-r));
                *present += p;
                *swapped += s;
                *pages += (w->spans[i].end - w->spans[i].start) / 4096;
        }
}

static void test_hot_cold(const char *pattern, unsigned cold_mib, unsigned hot_mib) {
        Workload w = {};
        MemTarget *t = NULL;
        struct etmem_target et;
        struct etmem_range *cold = NULL;
        size_t n_cold = 0;
        char tracker[64] = "";
        int r;

        printf("== hot/cold %u/%u MiB, pattern %s\n", cold_mib, hot_mib, pattern);
        r = wl_start(hotcold, cold_mib, hot_mib, pattern, &w);
        CHECK(r == 0, "start workload: %s", strerror(-r));
        if (r < 0)
                return;
        r = target_of(w.pid, &t, &et);
        CHECK(r == 0, "resolve workload: %s", strerror(-r));
        if (r < 0)
                goto out;

        r = find_cold(&et, 2, 1000, 1, &cold, &n_cold, tracker, sizeof tracker);
        CHECK(r == 0, "find cold: %s", strerror(-r));
        if (r < 0)
                goto out;

        uint64_t cold_truth = 0, hot_truth = 0, classified = 0;
        for (size_t i = 0; i < n_cold; i++)
                classified += cold[i].end - cold[i].start;
        for (size_t i = 0; i < w.n_spans; i++) {
                uint64_t o = overlap(cold, n_cold, w.spans[i].start, w.spans[i].end);
                if (w.spans[i].cold)
                        cold_truth += o;
                else
                        hot_truth += o;
        }
        bool page_granular = !strstr(tracker, "VMA");
        printf("   tracker %s: classified cold %llu MiB (%llu MiB of the cold set, %llu KiB of the hot set)\n",
               tracker, (unsigned long long) (classified >> 20), (unsigned long long) (cold_truth >> 20),
               (unsigned long long) (hot_truth >> 10));
        CHECK(hot_truth == 0, "%llu bytes of the hot set classified cold", (unsigned long long) hot_truth);

        uint64_t t0 = now_usec();
        struct etmem_pageout_opts opts = { .measure = true };
        struct etmem_pageout_stats st = {};
        r = mem->pageout(&et, cold, n_cold, &opts, &st);
        uint64_t dt = now_usec() - t0;
        CHECK(r == 0, "pageout: %s", strerror(-r));
        printf("   pageout: advised %llu MiB, resident %llu -> %llu MiB, %llu syscalls, %.3f s (%.2f GiB/s)\n",
               (unsigned long long) (st.bytes_advised >> 20), (unsigned long long) (st.resident_before >> 20),
               (unsigned long long) (st.resident_after >> 20), (unsigned long long) st.syscalls, dt / 1e6,
               dt ? (double) (st.resident_before - st.resident_after) / (1 << 30) / (dt / 1e6) : 0.0);

        uint64_t cp, cs, cn, hp, hs, hn;
        count_spans(&et, &w, true, &cp, &cs, &cn);
        count_spans(&et, &w, false, &hp, &hs, &hn);
        printf("   cold set: %llu of %llu pages swapped (%.1f %%); hot set: %llu of %llu present (%.1f %%)\n",
               (unsigned long long) cs, (unsigned long long) cn, cn ? 100.0 * cs / cn : 0,
               (unsigned long long) hp, (unsigned long long) hn, hn ? 100.0 * hp / hn : 0);
        CHECK(hp * 100 >= hn * 95, "only %llu of %llu hot pages present", (unsigned long long) hp,
              (unsigned long long) hn);
        if (page_granular || strcmp(pattern, "separate") == 0)
                CHECK(cs * 100 >= cn * 90, "only %llu of %llu cold pages swapped", (unsigned long long) cs,
                      (unsigned long long) cn);
        else
                printf("   (VMA-granular tracker cannot split an interleaved mapping: no cold page expected)\n");
        if (cs > 0)
                CHECK(st.resident_before - st.resident_after >= cs * 4096 * 9 / 10,
                      "measured page-out %llu bytes disagrees with pagemap (%llu pages swapped)",
                      (unsigned long long) (st.resident_before - st.resident_after), (unsigned long long) cs);

out:
        free(cold);
        mem_targets_free(t, t ? 1 : 0);
        if (w.pid > 0) {
                r = wl_stop(&w);
                CHECK(r == 0, "workload's cold data check after swap-in: exit %d", r);
                if (r == 0)
                        printf("   workload read its cold data back intact\n");
        }
        wl_free(&w);
}

typedef struct Canceller {
        atomic_bool flag;
        uint64_t set_at;
        unsigned delay_ms;
} Canceller;

static bool is_cancelled(void *userdata) {
        Canceller *c = userdata;
        return atomic_load(&c->flag);
}

static void *cancel_later(void *p) {
        Canceller *c = p;
        usleep(c->delay_ms * 1000);
        c->set_at = now_usec();
        atomic_store(&c->flag, true);
        return NULL;
}

static void test_cancel(void) {
        Workload w = {};
        MemTarget *t = NULL;
        struct etmem_target et;
        int r;

        printf("== cancel a 1 GiB page-out\n");
        r = wl_start(hotcold, 1024, 0, "separate", &w);
        CHECK(r == 0, "start workload: %s", strerror(-r));
        if (r < 0)
                return;
        r = target_of(w.pid, &t, &et);
        CHECK(r == 0, "resolve: %s", strerror(-r));
        if (r == 0) {
                struct etmem_range rg = { w.spans[0].start, w.spans[0].end };
                Canceller c = { .delay_ms = 150 };
                pthread_t th;
                struct etmem_pageout_opts opts = { .cancelled = is_cancelled, .userdata = &c };
                struct etmem_pageout_stats st = {};
                pthread_create(&th, NULL, cancel_later, &c);
                r = mem->pageout(&et, &rg, 1, &opts, &st);
                uint64_t done = now_usec();
                pthread_join(th, NULL);
                uint64_t latency = c.set_at ? done - c.set_at : 0;
                printf("   returned %s after %llu ms from cancel; advised %llu MiB of 1024\n", strerror(-r),
                       (unsigned long long) (latency / 1000), (unsigned long long) (st.bytes_advised >> 20));
                CHECK(r == -ECANCELED, "pageout returned %s, want ECANCELED", strerror(-r));
                CHECK(c.set_at && latency < 1000000, "stopped %llu ms after cancel (limit 1000)",
                      (unsigned long long) (latency / 1000));
                CHECK(st.bytes_advised < w.cold_bytes, "everything was advised before the cancel was seen");
        }
        mem_targets_free(t, t ? 1 : 0);
        r = wl_stop(&w);
        CHECK(r == 0, "workload data check: exit %d", r);
        wl_free(&w);
}

/* Make the next fork() get `pid` (root: /proc/sys/kernel/ns_last_pid); retries a few times. */
static int start_with_pid(pid_t pid, Workload *w) {
        for (int attempt = 0; attempt < 50; attempt++) {
                int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                char buf[32];
                int l = snprintf(buf, sizeof buf, "%d", (int) pid - 1);
                if (write(fd, buf, (size_t) l) != l) {
                        close(fd);
                        return -errno;
                }
                close(fd);
                int r = wl_start(hotcold, 32, 0, "separate", w);
                if (r < 0)
                        return r;
                if (w->pid == pid)
                        return 0;
                wl_kill(w);
                wl_free(w);
        }
        return -EAGAIN;
}

static void test_pid_reuse(void) {
        Workload old = {}, fresh = {};
        MemTarget *t = NULL;
        struct etmem_target et;
        int r;

        printf("== pid reuse\n");
        r = wl_start(hotcold, 32, 0, "separate", &old);
        CHECK(r == 0, "start: %s", strerror(-r));
        if (r < 0)
                return;
        r = target_of(old.pid, &t, &et);
        CHECK(r == 0, "resolve: %s", strerror(-r));
        pid_t pid = old.pid;
        wl_kill(&old);
        wl_free(&old);
        if (r < 0)
                return;

        r = start_with_pid(pid, &fresh);
        if (r < 0) {
                printf("   could not get pid %d again (%s): only the dead-target checks run\n", (int) pid,
                       strerror(-r));
        } else
                printf("   pid %d now belongs to a new process\n", (int) pid);

        CHECK(!mem_target_alive(t), "old target reported alive");
        struct etmem_tracker *tr = NULL;
        CHECK(mem->tracker_open(&et, NULL, &tr) == -ESRCH, "tracker opened on a reused pid");
        if (tr)
                mem->tracker_close(tr);
        struct etmem_procmem pm;
        CHECK(mem->procmem(&et, &pm) == -ESRCH, "procmem read a reused pid");
        if (r == 0) {
                struct etmem_range rg = { fresh.spans[0].start, fresh.spans[0].end };
                struct etmem_pageout_stats st = {};
                r = mem->pageout(&et, &rg, 1, NULL, &st);
                CHECK(r == -ESRCH && st.bytes_advised == 0, "pageout through a stale target: %s, %llu bytes",
                      strerror(-r), (unsigned long long) st.bytes_advised);
                uint64_t present = 0, swapped = 0;
                MemTarget *nt = NULL;
                struct etmem_target net;
                CHECK(target_of(fresh.pid, &nt, &net) == 0, "resolve new process");
                if (nt) {
                        CHECK(nt->starttime != t->starttime, "same starttime for a new process");
                        CHECK(mem->pagemap_count(&net, rg.start, rg.end, &present, &swapped) == 0, "pagemap");
                        CHECK(swapped == 0 && present == (rg.end - rg.start) / 4096,
                              "new process lost pages: present %llu swapped %llu", (unsigned long long) present,
                              (unsigned long long) swapped);
                        printf("   new process untouched: %llu pages present, %llu swapped\n",
                               (unsigned long long) present, (unsigned long long) swapped);
                }
                mem_targets_free(nt, nt ? 1 : 0);
                CHECK(wl_stop(&fresh) == 0, "new workload data check");
        }
        wl_free(&fresh);
        mem_targets_free(t, 1);
}

int main(int argc, char **argv) {
        char why[256];

        if (argc != 2) {
                fprintf(stderr, "usage: %s HOTCOLD_BINARY\n", argv[0]);
                return 2;
        }
        hotcold = argv[1];
        if (geteuid() != 0) {
                printf("skip: needs root\n");
                return 77;
        }
        mem = mem_services();
        if (mem->pageout_supported(why, sizeof why) <= 0) {
                printf("skip: %s\n", why);
                return 77;
        }
        printf("page-out: %s\n", why);

        test_hot_cold("separate", 256, 64);
        test_hot_cold("interleave:64", 64, 64);
        test_cancel();
        test_pid_reuse();

        if (failures) {
                printf("test-pageout: %d check(s) failed\n", failures);
                return 1;
        }
        printf("test-pageout: all checks passed\n");
        return 0;
}
