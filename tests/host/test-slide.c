/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host test of the slide engine module as etmemd drives it, without the daemon: dlopen
 * etmem-engine-slide.so, hand it a host table whose ->mem is the real memory layer, and
 * run the scheduler's cycle (alloc_pid_params, `loop` scans `interval` apart, act,
 * free_pid_params) on the hot/cold workload.  Checks pagemap, counters and Status; the
 * sysmem_threshold, swap_threshold, dram_percent and swapcache gates; Stop during a 1 GiB page-out.
 *
 *   test-slide ENGINE_SO HOTCOLD_BINARY
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "etmem-mem.h"
#include "macro.h"
#include "meminfo.h"
#include "services.h"
#include "target.h"
#include "workload-util.h"

static int failures;
static const char *hotcold;
static const struct etmem_engine_ops *ops;

#define CHECK(cond, ...)                                                                   \
        do {                                                                               \
                if (!(cond)) {                                                             \
                        fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                                      \
                        fputc('\n', stderr);                                               \
                        failures++;                                                        \
                }                                                                          \
        } while (0)

/* ---- a minimal host, as etmemd's scheduler provides it ---- */

struct etmem_run {
        atomic_bool cancelled;
        atomic_uint_least64_t counters[_ETMEM_COUNTER_MAX];
        pthread_mutex_t lock;
        char status[512];
        uint64_t cancelled_at;
};

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static void h_log(enum etmem_log_level level, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "   [engine log %d] ", level);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}
static bool h_cancelled(struct etmem_run *r) {
        return atomic_load(&r->cancelled);
}
static int h_sleep(struct etmem_run *r, uint64_t usec) {
        for (uint64_t t0 = now_usec(); now_usec() - t0 < usec; usleep(10000))
                if (atomic_load(&r->cancelled))
                        return -ECANCELED;
        return 0;
}
static void h_count(struct etmem_run *r, enum etmem_counter c, uint64_t delta) {
        atomic_fetch_add(&r->counters[c], delta);
}
static void h_set_status(struct etmem_run *r, const char *fmt, ...) {
        va_list ap;
        pthread_mutex_lock(&r->lock);
        va_start(ap, fmt);
        vsnprintf(r->status, sizeof r->status, fmt, ap);
        va_end(ap);
        pthread_mutex_unlock(&r->lock);
}

static struct etmem_host host = {
        .abi_major = ETMEM_PLUGIN_ABI_MAJOR,
        .abi_minor = ETMEM_PLUGIN_ABI_MINOR,
        .size = sizeof(struct etmem_host),
        .log = h_log,
        .cancelled = h_cancelled,
        .sleep = h_sleep,
        .count = h_count,
        .set_status = h_set_status,
};

typedef struct Setup {
        struct etmem_project_info project;
        const char *kv[6];
} Setup;

/* Engine + task from "key=value" strings; returns r of the first refusal. */
static int make_task_on(struct etmem_host *h, const Setup *s, void **eng, void **task, struct etmem_error *err) {
        struct etmem_param p[6];
        char buf[6][64];
        size_t n = 0;
        struct etmem_task_conf conf = { .max_threads = 1 };
        int r;

        for (; n < ELEMENTSOF(s->kv) && s->kv[n]; n++) {
                snprintf(buf[n], sizeof buf[n], "%s", s->kv[n]);
                char *eq = strchr(buf[n], '=');
                *eq = 0;
                p[n] = (struct etmem_param) { buf[n], eq + 1 };
        }
        memset(err, 0, sizeof *err);
        r = ops->fill_eng_params(h, &s->project, &(struct etmem_params) { 0, NULL }, eng, err);
        if (r < 0)
                return r;
        struct etmem_task_info ti = { "p", "slide", "t", "pid", "0" };
        r = ops->fill_task_params(*eng, &s->project, &ti, &(struct etmem_params) { n, p }, &conf, task, err);
        if (r < 0) {
                ops->clear_eng_params(*eng);
                return r;
        }
        return 0;
}

static int make_task(const Setup *s, void **eng, void **task, struct etmem_error *err) {
        return make_task_on(&host, s, eng, task, err);
}

/* One scheduler cycle on one target. */
static int cycle(struct etmem_run *run, void *eng, void *task, const struct etmem_target *t, unsigned loop,
                 unsigned interval_ms) {
        void *pid = NULL;
        int r = ops->alloc_pid_params(run, eng, task, t, &pid);
        if (r < 0)
                return r;
        for (unsigned round = 0; round < loop && r >= 0; round++) {
                if (round > 0 && h_sleep(run, interval_ms * 1000ULL) < 0) {
                        r = -ECANCELED;
                        break;
                }
                r = ops->scan(run, eng, task, t, pid, round);
        }
        if (r >= 0)
                r = ops->act(run, eng, task, t, pid);
        ops->free_pid_params(eng, pid);
        return r;
}

static void run_reset(struct etmem_run *run) {
        atomic_store(&run->cancelled, false);
        for (int i = 0; i < _ETMEM_COUNTER_MAX; i++)
                atomic_store(&run->counters[i], 0);
        run->status[0] = 0;
}

static int target_of(const Workload *w, MemTarget **t, struct etmem_target *et) {
        char buf[32];
        size_t n = 0;
        snprintf(buf, sizeof buf, "%d", (int) w->pid);
        int r = mem_targets_resolve("pid", buf, t, &n);
        if (r < 0 || n != 1)
                return r < 0 ? r : -ESRCH;
        *et = (struct etmem_target) { .pid = (*t)->pid, .pidfd = (*t)->pidfd, .comm = (*t)->comm };
        return 0;
}

static void span_counts(const struct etmem_target *et, const Workload *w, bool cold, uint64_t *present,
                        uint64_t *swapped, uint64_t *pages) {
        *present = *swapped = *pages = 0;
        for (size_t i = 0; i < w->n_spans; i++) {
                if (w->spans[i].cold != cold)
                        continue;
                uint64_t p = 0, s = 0;
                CHECK(host.mem->pagemap_count(et, w->spans[i].start, w->spans[i].end, &p, &s) == 0, "pagemap");
                *present += p;
                *swapped += s;
                *pages += (w->spans[i].end - w->spans[i].start) / 4096;
        }
}

static const struct etmem_project_info base_project = {
        .name = "p", .loop = 2, .interval = 1, .sleep = 1,
        .sysmem_threshold = -1, .swapcache_high_wmark = -1, .swapcache_low_wmark = -1,
};

static void test_refusals(void) {
        void *eng = NULL, *task = NULL;
        struct etmem_error err;
        Setup s = { .project = base_project, .kv = { "T=7" } };

        printf("== parameter and start checks\n");
        CHECK(make_task(&s, &eng, &task, &err) == -EINVAL && streq(err.key, "T"), "T=7 with loop 2: %s",
              err.message);
        struct etmem_param ep = { "sysmem_threshold", "50" };
        CHECK(ops->fill_eng_params(&host, &base_project, &(struct etmem_params) { 1, &ep }, &eng, &err) == -EINVAL &&
                      streq(err.key, "sysmem_threshold"),
              "engine key accepted");
        printf("   %s: %s\n", err.key, err.message);

        /* swap_flag=yes needs anonymous VMA names; refused at Start where the kernel lacks them. */
        Setup f = { .project = base_project, .kv = { "T=1", "swap_flag=yes" } };
        CHECK(make_task(&f, &eng, &task, &err) == 0, "swap_flag=yes parse");
        memset(&err, 0, sizeof err);
        int r = ops->check_start(eng, task, &err);
        if (host.mem->anon_names_supported())
                CHECK(r == 0, "check_start with anon names: %s", err.message);
        else {
                CHECK(r == -EOPNOTSUPP && streq(err.key, "swap_flag"), "swap_flag without anon names: %d", r);
                printf("   check_start(swap_flag=yes): %s\n", err.message);
        }
        ops->clear_task_params(task);
        ops->clear_eng_params(eng);

        /* A host without memory services is refused at Start, not at run time. */
        struct etmem_host bare = host;
        bare.mem = NULL;
        Setup ok = { .project = base_project, .kv = { "T=1" } };
        CHECK(make_task_on(&bare, &ok, &eng, &task, &err) == 0, "T=1");
        CHECK(ops->check_start(eng, task, &err) == -EOPNOTSUPP, "no host->mem accepted");
        printf("   check_start(no host->mem): %s\n", err.message);
        ops->clear_task_params(task);
        ops->clear_eng_params(eng);
}

static void test_cold_out(void) {
        Workload w = {};
        MemTarget *t = NULL;
        struct etmem_target et;
        struct etmem_run run = { .lock = PTHREAD_MUTEX_INITIALIZER };
        void *eng = NULL, *task = NULL;
        struct etmem_error err;
        uint64_t cp, cs, cn, hp, hs, hn;
        int r;

        printf("== slide on a 256/64 MiB hot/cold workload (loop 2, interval 1 s, T=1)\n");
        CHECK(wl_start(hotcold, 256, 64, "separate", &w) == 0, "workload");
        CHECK(target_of(&w, &t, &et) == 0, "resolve");
        if (!t)
                goto out;

        /* Gate 1: sysmem_threshold 0 -> MemFree% is never below it: skip, touch nothing. */
        Setup s0 = { .project = base_project, .kv = { "T=1" } };
        s0.project.sysmem_threshold = 0;
        CHECK(make_task(&s0, &eng, &task, &err) == 0, "task: %s", err.message);
        CHECK(ops->check_start(eng, task, &err) == 0, "check_start: %s", err.message);
        run_reset(&run);
        CHECK(cycle(&run, eng, task, &et, 2, 1000) == 0, "cycle");
        printf("   sysmem_threshold=0: %s\n", run.status);
        CHECK(strstr(run.status, "skipped: MemFree") && strstr(run.status, ">= sysmem_threshold 0%"), "status '%s'",
              run.status);
        CHECK(atomic_load(&run.counters[ETMEM_COUNTER_BYTES_PAGED_OUT]) == 0, "paged out despite the gate");
        ops->clear_task_params(task);
        ops->clear_eng_params(eng);

        /* Gate 2: swap_threshold far above the RSS. */
        Setup s1 = { .project = base_project, .kv = { "T=1", "swap_threshold=1000g" } };
        CHECK(make_task(&s1, &eng, &task, &err) == 0, "task: %s", err.message);
        run_reset(&run);
        CHECK(cycle(&run, eng, task, &et, 2, 1000) == 0, "cycle");
        printf("   swap_threshold=1000g: %s\n", run.status);
        CHECK(strstr(run.status, "skipped:") && strstr(run.status, "< swap_threshold 1000.0 GiB"), "status '%s'",
              run.status);
        span_counts(&et, &w, true, &cp, &cs, &cn);
        CHECK(cs == 0, "%llu cold pages swapped despite the gates", (unsigned long long) cs);
        ops->clear_task_params(task);
        ops->clear_eng_params(eng);

        /* Gate 3: dram_percent=100 keeps all of VmRSS + VmSwap in RAM: nothing to page out. */
        Setup s4 = { .project = base_project, .kv = { "T=1", "dram_percent=100" } };
        CHECK(make_task(&s4, &eng, &task, &err) == 0, "task: %s", err.message);
        run_reset(&run);
        CHECK(cycle(&run, eng, task, &et, 2, 1000) == 0, "cycle");
        printf("   dram_percent=100: %s\n", run.status);
        CHECK(strstr(run.status, "skipped:") && strstr(run.status, "is within dram_percent 100%"), "status '%s'",
              run.status);
        span_counts(&et, &w, true, &cp, &cs, &cn);
        CHECK(cs == 0, "%llu cold pages swapped despite dram_percent=100", (unsigned long long) cs);
        ops->clear_task_params(task);
        ops->clear_eng_params(eng);

        /* The real thing: sysmem_threshold 100 (always below), swap_threshold 0g. */
        Setup s2 = { .project = base_project, .kv = { "T=1", "swap_threshold=0g", "max_threads=2" } };
        s2.project.sysmem_threshold = 100;
        CHECK(make_task(&s2, &eng, &task, &err) == 0, "task: %s", err.message);
        CHECK(ops->check_start(eng, task, &err) == 0, "check_start: %s", err.message);
        run_reset(&run);
        /* The gated cycles above already re-armed the tracker, so cycle 1 sees the cold set
         * as cold; cycle 2 then finds it out of memory (nothing left to do).  Counters add up. */
        r = cycle(&run, eng, task, &et, 2, 1000);
        CHECK(r == 0, "cycle 1: %s", strerror(-r));
        printf("   cycle 1: %s\n", run.status);
        CHECK(strstr(run.status, "paged out"), "status '%s'", run.status);
        r = cycle(&run, eng, task, &et, 2, 1000);
        CHECK(r == 0, "cycle 2: %s", strerror(-r));
        printf("   cycle 2: %s\n", run.status);
        uint64_t scanned = atomic_load(&run.counters[ETMEM_COUNTER_PAGES_SCANNED]),
                 hot = atomic_load(&run.counters[ETMEM_COUNTER_PAGES_HOT]),
                 cold = atomic_load(&run.counters[ETMEM_COUNTER_PAGES_COLD]),
                 out = atomic_load(&run.counters[ETMEM_COUNTER_BYTES_PAGED_OUT]);
        printf("   counters: scanned %llu, hot %llu, cold %llu pages; paged out %llu MiB\n",
               (unsigned long long) scanned, (unsigned long long) hot, (unsigned long long) cold,
               (unsigned long long) (out >> 20));
        span_counts(&et, &w, true, &cp, &cs, &cn);
        span_counts(&et, &w, false, &hp, &hs, &hn);
        printf("   cold set %llu/%llu swapped, hot set %llu/%llu present\n", (unsigned long long) cs,
               (unsigned long long) cn, (unsigned long long) hp, (unsigned long long) hn);
        CHECK(cs * 100 >= cn * 90, "cold swapped %llu of %llu", (unsigned long long) cs, (unsigned long long) cn);
        CHECK(hp * 100 >= hn * 95, "hot present %llu of %llu", (unsigned long long) hp, (unsigned long long) hn);
        CHECK(scanned == hot + cold, "scanned %llu != hot + cold", (unsigned long long) scanned);
        CHECK(cold >= cn * 9 / 10 && hot >= hn * 95 / 100, "counters vs ground truth");
        CHECK(out >= cs * 4096 * 9 / 10 && out <= (cn + 1024) * 4096, "BYTES_PAGED_OUT %llu vs %llu pages swapped",
              (unsigned long long) out, (unsigned long long) cs);

        /* Gate 3: swap cache.  Read the swapped cold set back into the swap cache (MADV_WILLNEED
         * leaves it unmapped there) until SwapCached >= 1 % of MemTotal, then ask for high=1. */
        struct iovec iov = { (void *) (uintptr_t) w.spans[0].start, w.spans[0].end - w.spans[0].start };
        (void) syscall(SYS_process_madvise, et.pidfd, &iov, 1, 3 /* MADV_WILLNEED */, 0);
        usleep(200 * 1000);
        struct etmem_meminfo mi;
        CHECK(mem_meminfo_read(&mi) == 0, "meminfo");
        unsigned pct = mem_swapcache_percent(&mi);
        ops->clear_task_params(task);
        ops->clear_eng_params(eng);
        if (pct >= 1) {
                Setup s3 = { .project = base_project, .kv = { "T=1" } };
                s3.project.swapcache_high_wmark = 1;
                CHECK(make_task(&s3, &eng, &task, &err) == 0, "task: %s", err.message);
                run_reset(&run);
                CHECK(cycle(&run, eng, task, &et, 1, 0) == 0, "cycle");
                printf("   SwapCached %u%%, swapcache_high_wmark=1: %s\n", pct, run.status);
                CHECK(strstr(run.status, "skipped: SwapCached") && strstr(run.status, "swapcache_high_wmark 1%"),
                      "status '%s'", run.status);
                ops->clear_task_params(task);
                ops->clear_eng_params(eng);
        } else
                printf("   swap-cache gate not exercised: SwapCached only %u%% of MemTotal after read-back\n", pct);

out:
        mem_targets_free(t, t ? 1 : 0);
        if (w.pid > 0)
                CHECK(wl_stop(&w) == 0, "workload's cold data intact after swap-in");
        wl_free(&w);
}

static struct etmem_run *stop_run;
static void *stop_later(void *p) {
        usleep(*(unsigned *) p * 1000);
        stop_run->cancelled_at = now_usec();
        atomic_store(&stop_run->cancelled, true);
        return NULL;
}

static void test_stop(void) {
        Workload w = {};
        MemTarget *t = NULL;
        struct etmem_target et;
        struct etmem_run run = { .lock = PTHREAD_MUTEX_INITIALIZER };
        void *eng = NULL, *task = NULL, *pid = NULL;
        struct etmem_error err;

        printf("== Stop during a 1 GiB page-out\n");
        CHECK(wl_start(hotcold, 1024, 0, "separate", &w) == 0, "workload");
        CHECK(target_of(&w, &t, &et) == 0, "resolve");
        if (!t)
                goto out;
        Setup s = { .project = base_project, .kv = { "T=1" } };
        CHECK(make_task(&s, &eng, &task, &err) == 0, "task");
        /* warm-up cycle so the next cycle's rounds see the cold set as cold; then a scan-only pass */
        run_reset(&run);
        run.status[0] = 0;
        CHECK(ops->alloc_pid_params(&run, eng, task, &et, &pid) == 0, "alloc");
        CHECK(ops->scan(&run, eng, task, &et, pid, 0) == 0, "scan");
        ops->free_pid_params(eng, pid);
        CHECK(ops->alloc_pid_params(&run, eng, task, &et, &pid) == 0, "alloc");
        usleep(300 * 1000);
        CHECK(ops->scan(&run, eng, task, &et, pid, 0) == 0, "scan");
        pthread_t th;
        unsigned delay = 120;
        stop_run = &run;
        pthread_create(&th, NULL, stop_later, &delay);
        int r = ops->act(&run, eng, task, &et, pid);
        uint64_t done = now_usec();
        pthread_join(th, NULL);
        ops->free_pid_params(eng, pid);
        uint64_t out = atomic_load(&run.counters[ETMEM_COUNTER_BYTES_PAGED_OUT]);
        printf("   act returned %s %llu ms after Stop; %s (paged out %llu MiB)\n", strerror(-r),
               (unsigned long long) ((done - run.cancelled_at) / 1000), run.status, (unsigned long long) (out >> 20));
        CHECK(r == -ECANCELED, "act returned %d", r);
        CHECK(done - run.cancelled_at < 1000000, "act took %llu ms after Stop",
              (unsigned long long) ((done - run.cancelled_at) / 1000));
        CHECK(strstr(run.status, "stopped:"), "status '%s'", run.status);
        ops->clear_task_params(task);
        ops->clear_eng_params(eng);
out:
        mem_targets_free(t, t ? 1 : 0);
        if (w.pid > 0)
                CHECK(wl_stop(&w) == 0, "workload's cold data intact");
        wl_free(&w);
}

int main(int argc, char **argv) {
        char why[256];

        if (argc != 3) {
                fprintf(stderr, "usage: %s ENGINE_SO HOTCOLD_BINARY\n", argv[0]);
                return 2;
        }
        hotcold = argv[2];
        if (geteuid() != 0) {
                printf("skip: needs root\n");
                return 77;
        }
        host.mem = mem_services();
        if (host.mem->pageout_supported(why, sizeof why) <= 0) {
                printf("skip: %s\n", why);
                return 77;
        }
        void *dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
        if (!dl) {
                fprintf(stderr, "dlopen %s: %s\n", argv[1], dlerror());
                return 1;
        }
        ops = dlsym(dl, ETMEM_ENGINE_OPS_SYMBOL);
        if (!ops || ops->abi_major != ETMEM_PLUGIN_ABI_MAJOR || !streq(ops->type, "slide")) {
                fprintf(stderr, "%s: no slide etmem_engine_ops\n", argv[1]);
                return 1;
        }

        test_refusals();
        test_cold_out();
        test_stop();

        if (failures) {
                printf("test-slide: %d check(s) failed\n", failures);
                return 1;
        }
        printf("test-slide: all checks passed\n");
        return 0;
}
