/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * slide: finds each target's cold memory (accessed in fewer than T of a cycle's `loop`
 * scan rounds) and pages it out to swap with MADV_PAGEOUT.  Everything it does to a
 * process goes through host->mem (etmem-mem.h); this module links only libc.
 *
 * Gates before a page-out, in etmem's order (docs/engines.md):
 *   sysmem_threshold   page out only while MemFree is below this % of MemTotal
 *   swap_threshold     page out only a process whose RSS is at least this
 *   swapcache_*_wmark  while SwapCached >= high % of MemTotal, page-out pauses until it
 *                      drops below low % (mainline has no user-space swap-cache
 *                      reclaim, so we stop adding to it instead of draining it)
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etmem-mem.h"
#include "plugin-util.h"
#include "slide-params.h"

#define PAGE 4096ULL

typedef struct SlideEngine {
        const struct etmem_host *host;
        /* Shared by all tasks of the engine: the swap cache is one system-wide figure. */
        atomic_bool swapcache_paused;
} SlideEngine;

typedef struct SlidePid {
        struct etmem_tracker *tracker;
        bool gone; /* the process exited during the cycle */
} SlidePid;

static void format_bytes(uint64_t b, char *buf, size_t size) {
        if (b >= (1ULL << 30))
                snprintf(buf, size, "%.1f GiB", (double) b / (1ULL << 30));
        else if (b >= (1ULL << 20))
                snprintf(buf, size, "%.1f MiB", (double) b / (1ULL << 20));
        else
                snprintf(buf, size, "%llu KiB", (unsigned long long) (b >> 10));
}

static bool mem_usable(const struct etmem_host *host) {
        return host && ETMEM_MEM_HAS(host->mem, anon_names_supported);
}

static int slide_fill_eng(const struct etmem_host *host, const struct etmem_project_info *project,
                          const struct etmem_params *params, void **ret, struct etmem_error *err) {
        SlideEngine *e;
        int r;

        r = slide_parse_engine(params, err);
        if (r < 0)
                return r;
        e = calloc(1, sizeof *e);
        if (!e)
                return -ENOMEM;
        e->host = host;
        atomic_init(&e->swapcache_paused, false);
        *ret = e;
        return 0;
}

static int slide_fill_task(void *eng, const struct etmem_project_info *project, const struct etmem_task_info *task,
                           const struct etmem_params *params, struct etmem_task_conf *conf, void **ret,
                           struct etmem_error *err) {
        long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
        SlideTask *t;
        int r;

        t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        r = slide_parse_task(project, params, ncpus > 0 ? (unsigned) ncpus : 1, t, err);
        if (r < 0) {
                free(t);
                return r;
        }
        conf->max_threads = t->max_threads;
        *ret = t;
        return 0;
}

static int slide_check_start(void *eng, void *task, struct etmem_error *err) {
        SlideEngine *e = eng;
        SlideTask *t = task;
        char why[256];

        if (!mem_usable(e->host))
                return plugin_fail(err, NULL, -EOPNOTSUPP,
                                   "this etmemd offers no memory services to engines (host->mem missing or too old)");
        if (e->host->mem->pageout_supported(why, sizeof why) <= 0)
                return plugin_fail(err, NULL, -EOPNOTSUPP, "%s", why);
        if (t->swap_flag && !e->host->mem->anon_names_supported())
                return plugin_fail(err, "swap_flag", -EOPNOTSUPP,
                                   "swap_flag=yes pages out only memory a process named \"%s...\" with "
                                   "prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME), and this kernel has no anonymous "
                                   "VMA names (CONFIG_ANON_VMA_NAME, Linux >= 5.17)",
                                   ETMEM_MARK_ANON_NAME);
        return 0;
}

static int slide_alloc_pid(struct etmem_run *run, void *eng, void *task, const struct etmem_target *target,
                           void **ret) {
        SlideEngine *e = eng;
        SlidePid *p;
        int r;

        if (!mem_usable(e->host))
                return -EOPNOTSUPP;
        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        r = e->host->mem->tracker_open(target, NULL, &p->tracker);
        if (r == -ESRCH)
                p->gone = true; /* exited since it was resolved: nothing to do this cycle */
        else if (r < 0) {
                free(p);
                return r;
        }
        *ret = p;
        return 0;
}

static void slide_free_pid(void *eng, void *pid) {
        SlideEngine *e = eng;
        SlidePid *p = pid;

        if (!p)
                return;
        if (p->tracker)
                e->host->mem->tracker_close(p->tracker);
        free(p);
}

static int slide_scan(struct etmem_run *run, void *eng, void *task, const struct etmem_target *target, void *pid,
                      unsigned round) {
        SlideEngine *e = eng;
        SlidePid *p = pid;
        int r;

        if (p->gone)
                return 0;
        if (e->host->cancelled(run))
                return -ECANCELED;
        r = e->host->mem->tracker_scan(p->tracker, round);
        if (r == -ESRCH) {
                p->gone = true;
                return 0;
        }
        return r;
}

/* The swap-cache gate: pause at >= high, resume below low (or below high when low is unset). */
static bool swapcache_gate(SlideEngine *e, const SlideTask *t, unsigned pct, char *why, size_t size) {
        if (t->swapcache_high_wmark < 0)
                return true;
        unsigned high = (unsigned) t->swapcache_high_wmark;
        unsigned low = t->swapcache_low_wmark >= 0 ? (unsigned) t->swapcache_low_wmark : high;
        bool paused = atomic_load(&e->swapcache_paused);

        if (pct >= high)
                paused = true;
        else if (pct < low)
                paused = false;
        atomic_store(&e->swapcache_paused, paused);
        if (paused)
                snprintf(why, size,
                         "skipped: SwapCached %u%% of MemTotal >= swapcache_high_wmark %u%%; page-out resumes below "
                         "swapcache_low_wmark %u%%",
                         pct, high, low);
        return !paused;
}

static bool run_cancelled(void *userdata) {
        void **ctx = userdata;
        const struct etmem_host *host = ctx[0];
        return host->cancelled(ctx[1]);
}

static int slide_act(struct etmem_run *run, void *eng, void *task, const struct etmem_target *target, void *pid) {
        SlideEngine *e = eng;
        SlideTask *t = task;
        SlidePid *p = pid;
        const struct etmem_host *host = e->host;
        const struct etmem_mem_services *mem = host->mem;
        const struct etmem_region *reg;
        struct etmem_tracker_info info;
        struct etmem_range *cold = NULL;
        uint64_t scanned = 0, hot = 0, cold_bytes = 0, candidate_bytes = 0;
        size_t n = 0, n_cold = 0;
        unsigned rounds = 0;
        char a[32], b[32], why[320];
        int r;

        if (p->gone) {
                host->set_status(run, "pid %d exited during the cycle", (int) target->pid);
                return 0;
        }
        r = mem->tracker_results(p->tracker, &reg, &n, &rounds);
        if (r < 0)
                return r;
        mem->tracker_info(p->tracker, &info);

        cold = calloc(n ? n : 1, sizeof *cold);
        if (!cold)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                scanned += reg[i].resident;
                if (reg[i].accesses >= t->T) {
                        hot += reg[i].resident;
                        continue;
                }
                cold_bytes += reg[i].resident;
                /* mlock()ed and hugetlb memory cannot be paged out; swap_flag limits us to marked memory */
                if (reg[i].flags & (ETMEM_REGION_LOCKED | ETMEM_REGION_HUGETLB))
                        continue;
                if (t->swap_flag && !(reg[i].flags & ETMEM_REGION_MARKED))
                        continue;
                cold[n_cold++] = (struct etmem_range) { reg[i].start, reg[i].end };
                candidate_bytes += reg[i].resident;
        }
        /* scanned = hot + cold exactly, whatever the rounding of estimated residency */
        host->count(run, ETMEM_COUNTER_PAGES_SCANNED, hot / PAGE + cold_bytes / PAGE);
        host->count(run, ETMEM_COUNTER_PAGES_HOT, hot / PAGE);
        host->count(run, ETMEM_COUNTER_PAGES_COLD, cold_bytes / PAGE);

        /* Gates, in etmem's order. */
        struct etmem_meminfo mi;
        r = mem->meminfo(&mi);
        if (r < 0)
                goto out;
        if (t->sysmem_threshold >= 0) {
                unsigned free_pct = mem->free_percent(&mi);
                if (free_pct >= (unsigned) t->sysmem_threshold) {
                        host->set_status(run, "skipped: MemFree %u%% >= sysmem_threshold %d%%", free_pct,
                                         t->sysmem_threshold);
                        goto out;
                }
        }
        if (t->swap_threshold > 0) {
                struct etmem_procmem pm;
                r = mem->procmem(target, &pm);
                if (r == -ESRCH) {
                        r = 0;
                        goto out;
                }
                if (r < 0)
                        goto out;
                if (pm.rss < t->swap_threshold) {
                        format_bytes(pm.rss, a, sizeof a);
                        format_bytes(t->swap_threshold, b, sizeof b);
                        host->set_status(run, "skipped: pid %d RSS %s < swap_threshold %s", (int) target->pid, a, b);
                        goto out;
                }
        }
        if (!swapcache_gate(e, t, mem->swapcache_percent(&mi), why, sizeof why)) {
                host->set_status(run, "%s", why);
                goto out;
        }
        if (n_cold == 0) {
                format_bytes(scanned, a, sizeof a);
                host->set_status(run, "pid %d: no cold memory to page out (%s scanned by %s, T=%u of %u rounds)%s",
                                 (int) target->pid, a, info.describe, t->T, rounds,
                                 t->swap_flag && cold_bytes ? "; swap_flag=yes and none of it is marked" : "");
                goto out;
        }

        void *ctx[2] = { (void *) host, run };
        struct etmem_pageout_opts opts = { .cancelled = run_cancelled, .userdata = ctx, .measure = true };
        struct etmem_pageout_stats st = {};
        r = mem->pageout(target, cold, n_cold, &opts, &st);
        uint64_t out_bytes = st.resident_before > st.resident_after ? st.resident_before - st.resident_after : 0;
        host->count(run, ETMEM_COUNTER_BYTES_PAGED_OUT, out_bytes);
        format_bytes(out_bytes, a, sizeof a);
        format_bytes(candidate_bytes, b, sizeof b);
        if (r == -ECANCELED)
                host->set_status(run, "stopped: pid %d paged out %s of %s cold before the stop", (int) target->pid, a,
                                 b);
        else if (r == -ESRCH) {
                host->set_status(run, "pid %d exited during page-out (%s paged out)", (int) target->pid, a);
                r = 0;
        } else if (r >= 0)
                host->set_status(run, "pid %d: paged out %s of %s cold (%s, %u rounds, T=%u)", (int) target->pid, a,
                                 b, info.describe, rounds, t->T);
out:
        free(cold);
        return r < 0 ? r : 0;
}

/* The one exported symbol (the module is built with hidden visibility). */
__attribute__((visibility("default"))) const struct etmem_engine_ops etmem_engine_ops = {
        .abi_major = ETMEM_PLUGIN_ABI_MAJOR,
        .abi_minor = ETMEM_PLUGIN_ABI_MINOR,
        .size = sizeof(struct etmem_engine_ops),
        .type = "slide",
        .fill_eng_params = slide_fill_eng,
        .clear_eng_params = free,
        .fill_task_params = slide_fill_task,
        .clear_task_params = free,
        .check_start = slide_check_start,
        .alloc_pid_params = slide_alloc_pid,
        .free_pid_params = slide_free_pid,
        .scan = slide_scan,
        .act = slide_act,
};
