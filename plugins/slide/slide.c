/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * slide: finds each target's cold memory (accessed in fewer than T of a cycle's `loop`
 * scan rounds) and pages it out to swap with MADV_PAGEOUT.  Everything it does to a
 * process goes through host->mem (etmem-mem.h); this module links only libc.
 *
 * Gates before a page-out, in etmem's order (docs/engines.md):
 *   sysmem_threshold   page out only while MemFree is below this % of MemTotal
 *   swap_threshold     page out only a process whose RSS is at least this; without it,
 *                      sysmem_threshold also stops once VmSwap reaches that % of
 *                      VmRSS + VmSwap (upstream's rule)
 *   dram_percent       page out, coldest first, only down to this % of VmRSS + VmSwap
 *   swapcache_*_wmark  while SwapCached >= high % of MemTotal, page-out pauses until it
 *                      drops below low % (mainline has no user-space swap-cache
 *                      reclaim, so we stop adding to it instead of draining it)
 *
 * Feedback (feedback.h, slide-targets.h): every cycle first counts which of the pages paged
 * out in the last cycles are present again; a range that came back is held hot for
 * refault_hold cycles and a page-out that came back by more than max_refault_pct halves the
 * next one.  A page-out that moves ~0 because swap is full enters the swap-full state
 * (swap-backoff.h): Status and LastError say so and attempts are spaced out.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etmem-mem.h"
#include "plugin-util.h"
#include "slide-params.h"
#include "slide-targets.h"

#define PAGE 4096ULL

typedef struct SlideEngine {
        const struct etmem_host *host;
        /* Shared by all tasks of the engine: the swap cache is one system-wide figure. */
        atomic_bool swapcache_paused;
} SlideEngine;

/* The task: its keys and what it remembers of its processes between cycles. */
typedef struct SlideTaskRt {
        SlideTask conf;
        SlideTargets targets;
} SlideTaskRt;

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
        return host && ETMEM_MEM_HAS(host->mem, procstat);
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
        SlideTaskRt *t;
        int r;

        t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        r = slide_parse_task(project, params, ncpus > 0 ? (unsigned) ncpus : 1, &t->conf, err);
        if (r < 0) {
                free(t);
                return r;
        }
        if (t->conf.warning[0])
                ((SlideEngine *) eng)->host->log(ETMEM_LOG_WARNING, "project %s, task %s: %s", project->name,
                                                 task->name, t->conf.warning);
        slide_targets_init(&t->targets);
        conf->max_threads = t->conf.max_threads;
        *ret = t;
        return 0;
}

static void slide_clear_task(void *task) {
        SlideTaskRt *t = task;

        if (!t)
                return;
        slide_targets_done(&t->targets);
        free(t);
}

static int slide_check_start(void *eng, void *task, struct etmem_error *err) {
        SlideEngine *e = eng;
        SlideTask *t = &((SlideTaskRt *) task)->conf;
        char why[256];

        if (t->pmu_key)
                return plugin_pmu_not_supported(err, t->pmu_key);
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

/* How long a process not acted on is remembered: ten cycles, at least ten minutes. */
static uint64_t stale_usec(const SlideTask *t) {
        uint64_t cycle = (uint64_t) (t->loop > 0 ? t->loop - 1 : 0) * t->interval + t->sleep;
        uint64_t s = 10 * cycle;
        return (s < 600 ? 600 : s) * 1000000u;
}

/* Present pages of each range: n entries into *ret (malloc()ed). */
static int count_present(const struct etmem_mem_services *mem, const struct etmem_target *target,
                         const struct etmem_range *r, size_t n, uint64_t **ret) {
        uint64_t *v = calloc(n ? n : 1, sizeof *v);
        int k;

        if (!v)
                return -ENOMEM;
        k = n ? mem->pagemap_count_ranges(target, r, n, v, NULL) : 0;
        if (k < 0) {
                free(v);
                return k;
        }
        *ret = v;
        return 0;
}

/* What came back of earlier page-outs: pages of the watched ranges present again. */
static int look_back(const struct etmem_mem_services *mem, const struct etmem_target *target, Feedback *fb,
                     FeedbackLook *look) {
        struct etmem_range *r = calloc(fb->n_watch ? fb->n_watch : 1, sizeof *r);
        uint64_t *in = NULL;
        int k;

        if (!r)
                return -ENOMEM;
        for (size_t i = 0; i < fb->n_watch; i++)
                r[i] = (struct etmem_range) { fb->watch[i].start, fb->watch[i].end };
        k = count_present(mem, target, r, fb->n_watch, &in);
        free(r);
        if (k < 0)
                return k;
        k = feedback_look(fb, in, look);
        free(in);
        return k;
}

/* Pages out sel and hands what left memory to the feedback; *out_bytes = bytes that left. */
static int pageout_watched(const struct etmem_host *host, struct etmem_run *run, const struct etmem_target *target,
                           Feedback *fb, const struct etmem_range *sel, size_t n_sel, uint64_t *out_bytes) {
        const struct etmem_mem_services *mem = host->mem;
        struct etmem_range *w;
        uint64_t *before = NULL, *after = NULL, out = 0;
        size_t n_w = n_sel;
        int r, k;

        /* the watch is coarser than the page-out when there are many ranges: it is counted
         * over the same coarse ranges before and after, so the gaps cancel out */
        w = malloc((n_sel ? n_sel : 1) * sizeof *w);
        if (!w)
                return -ENOMEM;
        memcpy(w, sel, n_sel * sizeof *w);
        feedback_coarsen(w, &n_w, FEEDBACK_MAX_RANGES);
        r = count_present(mem, target, w, n_w, &before);
        if (r < 0)
                goto out;

        void *ctx[2] = { (void *) host, run };
        struct etmem_pageout_opts opts = { .cancelled = run_cancelled, .userdata = ctx };
        r = mem->pageout(target, sel, n_sel, &opts, NULL);
        if (r < 0 && r != -ECANCELED)
                goto out;
        k = count_present(mem, target, w, n_w, &after);
        if (k < 0) {
                r = k;
                goto out;
        }
        for (size_t i = 0; i < n_w; i++)
                out += before[i] > after[i] ? before[i] - after[i] : 0;
        k = feedback_acted(fb, w, n_w, before, after);
        if (k < 0)
                r = k;
out:
        *out_bytes = out * PAGE;
        free(w);
        free(before);
        free(after);
        return r;
}

/* "; refaulted 12 MiB (40 MiB in all, 3071 major faults), holding 12 MiB hot" */
static void feedback_text(const SlideTarget *st, const FeedbackLook *look, const FeedbackSelect *sel,
                          uint64_t majflt, char *buf, size_t size) {
        char a[32], b[32], c[32], d[32] = "";
        int l;

        if (!st) {
                snprintf(buf, size, "; no feedback for this process (out of memory or slots)");
                return;
        }
        format_bytes(look->back, a, sizeof a);
        format_bytes(st->fb.back_total, b, sizeof b);
        format_bytes(sel->held, c, sizeof c);
        l = snprintf(buf, size, "; refaulted %s (%s in all, %llu major faults since the last cycle), holding %s hot",
                     a, b, (unsigned long long) majflt, c);
        if (st->fb.budget != FEEDBACK_UNLIMITED && l >= 0 && (size_t) l < size) {
                format_bytes(st->fb.budget, d, sizeof d);
                snprintf(buf + l, size - (size_t) l, ", page-out budget %s", d);
        }
}

static int slide_act(struct etmem_run *run, void *eng, void *task, const struct etmem_target *target, void *pid) {
        SlideEngine *e = eng;
        SlideTaskRt *rt = task;
        SlideTask *t = &rt->conf;
        SlidePid *p = pid;
        const struct etmem_host *host = e->host;
        const struct etmem_mem_services *mem = host->mem;
        const struct etmem_region *reg;
        struct etmem_tracker_info info;
        FeedbackCandidate *cold = NULL;
        struct etmem_range *sel = NULL;
        SlideTarget *st = NULL;
        Feedback nofb = {};
        FeedbackLook look = {};
        FeedbackSelect fsel = {};
        struct etmem_procstat ps = {};
        uint64_t scanned = 0, hot = 0, cold_bytes = 0, majflt = 0;
        size_t n = 0, n_cold = 0, n_sel = 0;
        unsigned rounds = 0;
        char a[32], b[32], c[32], why[320], fbt[200];
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
                cold[n_cold++] = (FeedbackCandidate) { reg[i].start, reg[i].end, reg[i].resident, reg[i].accesses };
        }
        /* scanned = hot + cold exactly, whatever the rounding of estimated residency */
        host->count(run, ETMEM_COUNTER_PAGES_SCANNED, hot / PAGE + cold_bytes / PAGE);
        host->count(run, ETMEM_COUNTER_PAGES_HOT, hot / PAGE);
        host->count(run, ETMEM_COUNTER_PAGES_COLD, cold_bytes / PAGE);

        /* Feedback first, whatever the gates say: what came back of the last page-outs. */
        r = mem->procstat(target, &ps);
        if (r == -ESRCH) {
                r = 0;
                goto out;
        }
        if (r < 0)
                goto out;
        st = slide_targets_get(&rt->targets, target->pid, ps.starttime, t->refault_hold, t->max_refault_pct,
                               stale_usec(t));
        Feedback *fb = st ? &st->fb : &nofb;
        if (!st)
                feedback_init(&nofb, 0, 100, PAGE); /* no memory: page out as without feedback */
        if (st && st->have_majflt && ps.majflt >= st->majflt)
                majflt = ps.majflt - st->majflt;
        if (st) {
                st->majflt = ps.majflt;
                st->have_majflt = true;
        }
        feedback_begin(fb);
        r = look_back(mem, target, fb, &look);
        if (r == -ESRCH) {
                r = 0;
                goto out;
        }
        if (r < 0)
                goto out;
        if (t->dram_percent > 0) {
                /* upstream's dram_percent: page out, coldest first, only what keeps RAM above
                 * that share of VmRSS + VmSwap */
                struct etmem_procmem pm;
                r = mem->procmem(target, &pm);
                if (r == -ESRCH) {
                        r = 0;
                        goto out;
                }
                if (r < 0)
                        goto out;
                uint64_t need = slide_dram_percent_need(pm.rss, pm.swap, t->dram_percent);
                if (need == 0) {
                        format_bytes(pm.rss, a, sizeof a);
                        format_bytes(pm.rss + pm.swap, b, sizeof b);
                        host->set_status(run, "skipped: pid %d VmRSS %s is within dram_percent %u%% of VmRSS+VmSwap %s",
                                         (int) target->pid, a, t->dram_percent, b);
                        goto out;
                }
                n_cold = slide_dram_percent_pick(cold, n_cold, need);
        }
        r = feedback_select(fb, cold, n_cold, &sel, &n_sel, &fsel);
        if (r < 0)
                goto out;
        feedback_text(st, &look, &fsel, majflt, fbt, sizeof fbt);

        /* Gates, in etmem's order. */
        struct etmem_meminfo mi;
        r = mem->meminfo(&mi);
        if (r < 0)
                goto out;
        if (t->sysmem_threshold >= 0) {
                unsigned free_pct = mem->free_percent(&mi);
                if (free_pct >= (unsigned) t->sysmem_threshold) {
                        host->set_status(run, "skipped: MemFree %u%% >= sysmem_threshold %d%%%s", free_pct,
                                         t->sysmem_threshold, fbt);
                        goto out;
                }
        }
        if (t->swap_threshold > 0 || t->sysmem_threshold >= 0) {
                struct etmem_procmem pm;
                r = mem->procmem(target, &pm);
                if (r == -ESRCH) {
                        r = 0;
                        goto out;
                }
                if (r < 0)
                        goto out;
                if (t->swap_threshold == 0 &&
                    !slide_swap_share_allows(pm.rss, pm.swap, (unsigned) t->sysmem_threshold)) {
                        /* sysmem_threshold without swap_threshold: upstream's swap share rule */
                        format_bytes(pm.swap, a, sizeof a);
                        format_bytes(pm.rss + pm.swap, b, sizeof b);
                        host->set_status(run, "skipped: pid %d VmSwap %s >= sysmem_threshold %d%% of VmRSS+VmSwap %s%s",
                                         (int) target->pid, a, t->sysmem_threshold, b, fbt);
                        goto out;
                }
                if (t->swap_threshold > 0 && pm.rss < t->swap_threshold) {
                        format_bytes(pm.rss, a, sizeof a);
                        format_bytes(t->swap_threshold, b, sizeof b);
                        host->set_status(run, "skipped: pid %d RSS %s < swap_threshold %s%s", (int) target->pid, a,
                                         b, fbt);
                        goto out;
                }
        }
        if (!swapcache_gate(e, t, mem->swapcache_percent(&mi), why, sizeof why)) {
                host->set_status(run, "%s%s", why, fbt);
                goto out;
        }
        if (n_sel == 0) {
                format_bytes(scanned, a, sizeof a);
                host->set_status(run, "pid %d: no cold memory to page out (%s scanned by %s, T=%u of %u rounds)%s%s",
                                 (int) target->pid, a, info.describe, t->T, rounds,
                                 t->swap_flag && cold_bytes ? "; swap_flag=yes and none of it is marked" : "", fbt);
                goto out;
        }
        SwapBackoff *sb = st ? &st->swap : NULL;
        if (sb && !swap_backoff_try(sb, fb->cycle, mi.swap_free, mi.swap_total)) {
                format_bytes(mi.swap_free, a, sizeof a);
                format_bytes(mi.swap_total, b, sizeof b);
                format_bytes(fsel.selected, c, sizeof c);
                host->set_status(run,
                                 "swap is full (SwapFree %s of %s): page-out of %s cold paused, next attempt in %u "
                                 "cycle(s); %u attempt(s) in the %u cycle(s) since swap filled%s",
                                 a, b, c, sb->next - fb->cycle, sb->attempts, fb->cycle - sb->since, fbt);
                goto out;
        }

        uint64_t out_bytes = 0;
        r = pageout_watched(host, run, target, fb, sel, n_sel, &out_bytes);
        host->count(run, ETMEM_COUNTER_BYTES_PAGED_OUT, out_bytes);
        format_bytes(out_bytes, a, sizeof a);
        format_bytes(fsel.selected, b, sizeof b);
        if (r == -ECANCELED) {
                host->set_status(run, "stopped: pid %d paged out %s of %s cold before the stop", (int) target->pid, a,
                                 b);
                goto out;
        }
        if (r == -ESRCH) {
                host->set_status(run, "pid %d exited during page-out (%s paged out)", (int) target->pid, a);
                r = 0;
                goto out;
        }
        if (r < 0)
                goto out;
        if (mem->meminfo(&mi) >= 0 && sb &&
            swap_backoff_result(sb, fb->cycle, out_bytes, fsel.selected, mi.swap_free, mi.swap_total)) {
                format_bytes(mi.swap_free, c, sizeof c);
                host->set_status(run,
                                 "swap is full: pid %d paged out %s of %s cold, SwapFree %s; page-out paused for %u "
                                 "cycle(s) (attempt %u since swap filled)%s",
                                 (int) target->pid, a, b, c, sb->pause, sb->attempts, fbt);
                r = -ENOSPC; /* LastError: "action of pid N failed: No space left on device" */
                goto out;
        }
        host->set_status(run, "pid %d: paged out %s of %s cold (%s, %u rounds, T=%u)%s", (int) target->pid, a, b,
                         info.describe, rounds, t->T, fbt);
out:
        if (!st)
                feedback_done(&nofb);
        slide_targets_put(&rt->targets, st);
        free(sel);
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
        .clear_task_params = slide_clear_task,
        .check_start = slide_check_start,
        .alloc_pid_params = slide_alloc_pid,
        .free_pid_params = slide_free_pid,
        .scan = slide_scan,
        .act = slide_act,
};
