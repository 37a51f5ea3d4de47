/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin-util.h"
#include "slide-params.h"

int slide_parse_engine(const struct etmem_params *params, struct etmem_error *err) {
        if (params->n > 0)
                return plugin_fail(err, params->v[0].key, -EINVAL,
                                   "unknown key '%s' in [engine]: the slide engine has no engine keys "
                                   "(T, max_threads, swap_threshold, swap_flag, refault_hold and max_refault_pct "
                                   "belong in [task])",
                                   params->v[0].key);
        return 0;
}

int slide_parse_swap_threshold(const char *s, uint64_t *ret) {
        unsigned long long gib;
        char num[32];
        size_t l = s ? strlen(s) : 0;

        if (l < 2 || l >= sizeof num || (s[l - 1] != 'g' && s[l - 1] != 'G'))
                return -EINVAL;
        memcpy(num, s, l - 1);
        num[l - 1] = 0;
        if (plugin_parse_ull(num, 0, SLIDE_SWAP_THRESHOLD_MAX_GIB, &gib) < 0)
                return -ERANGE;
        *ret = (uint64_t) gib << 30;
        return 0;
}

uint64_t slide_dram_percent_need(uint64_t rss, uint64_t swap, unsigned pct) {
        /* the exact floor of (rss + swap) * pct / 100 without overflow: upstream's (rss + swap) / 100 * pct
         * leaves up to 99 units short, so dram_percent=100 would still page something out */
        uint64_t keep = (rss + swap) / 100 * pct + (rss + swap) % 100 * pct / 100;

        return rss > keep ? rss - keep : 0;
}

static int by_coldness(const void *a, const void *b) {
        const FeedbackCandidate *x = a, *y = b;

        if (x->accesses != y->accesses)
                return x->accesses < y->accesses ? -1 : 1;
        return x->start < y->start ? -1 : x->start > y->start;
}

static int by_start(const void *a, const void *b) {
        const FeedbackCandidate *x = a, *y = b;

        return x->start < y->start ? -1 : x->start > y->start;
}

size_t slide_dram_percent_pick(FeedbackCandidate *c, size_t n, uint64_t need) {
        uint64_t taken = 0;
        size_t k = 0;

        if (n == 0)
                return 0;
        qsort(c, n, sizeof *c, by_coldness);
        while (k < n && taken < need)
                taken += c[k++].resident;
        qsort(c, k, sizeof *c, by_start);
        return k;
}

bool slide_swap_share_allows(uint64_t rss, uint64_t swap, unsigned sysmem_threshold) {
        return (rss + swap) / 100 * sysmem_threshold > swap;
}

int slide_parse_max_threads(const char *value, unsigned threads_max, unsigned *ret, char *warning, size_t size) {
        unsigned long long v = 0;
        bool negative = value[0] == '-';
        int r = plugin_parse_ull(value + negative, 0, ULLONG_MAX, &v);

        if (r == -EINVAL)
                return r;
        /* upstream etmemd_task.c: below 1 becomes 1, above 2 * CPUs + 1 becomes that, with a warning */
        if (negative || (r == 0 && v == 0))
                *ret = 1;
        else if (r < 0 || v > threads_max) /* r = -ERANGE: more digits than fit */
                *ret = threads_max;
        else {
                *ret = (unsigned) v;
                return 0;
        }
        snprintf(warning, size, "max_threads=%s is outside 1..%u (2 * CPUs + 1); using %u, as upstream etmem does",
                 value, threads_max, *ret);
        return 0;
}

int slide_parse_task(const struct etmem_project_info *project, const struct etmem_params *params,
                     unsigned ncpus, SlideTask *t, struct etmem_error *err) {
        unsigned long long v = 0;
        bool have_T = false;
        unsigned threads_max = 2 * (ncpus ? ncpus : 1) + 1;
        int r;

        *t = (SlideTask) {
                .max_threads = 1,
                .loop = project->loop,
                .interval = project->interval,
                .sleep = project->sleep,
                .refault_hold = FEEDBACK_HOLD_DEFAULT,
                .max_refault_pct = FEEDBACK_PCT_DEFAULT,
                .sysmem_threshold = project->sysmem_threshold,
                .swapcache_high_wmark = project->swapcache_high_wmark,
                .swapcache_low_wmark = project->swapcache_low_wmark,
        };

        for (size_t i = 0; i < params->n; i++) {
                const struct etmem_param *p = &params->v[i];
                if (strcmp(p->key, "T") == 0) {
                        unsigned long long max = 3ULL * project->loop;
                        r = plugin_parse_ull(p->value, 0, max, &v);
                        if (r == -EINVAL)
                                return plugin_fail(err, p->key, -EINVAL,
                                                   "'%s' is not a whole number (valid: 0..%llu, loop * 3)", p->value,
                                                   max);
                        if (r < 0)
                                return plugin_fail(err, p->key, -EINVAL, "%s is out of range 0..%llu (loop %u * 3)",
                                                   p->value, max, project->loop);
                        t->T = (unsigned) v;
                        have_T = true;
                } else if (strcmp(p->key, "max_threads") == 0) {
                        r = slide_parse_max_threads(p->value, threads_max, &t->max_threads, t->warning,
                                                    sizeof t->warning);
                        if (r < 0)
                                return plugin_fail(err, p->key, -EINVAL,
                                                   "'%s' is not a whole number (valid: 1..%u, 2 * %u CPUs + 1; "
                                                   "other numbers are clamped)",
                                                   p->value, threads_max, ncpus);
                } else if (strcmp(p->key, "dram_percent") == 0) {
                        r = plugin_param_uint(p, 1, 100, &v, err);
                        if (r < 0)
                                return r;
                        t->dram_percent = (unsigned) v;
                } else if (plugin_pmu_key(p->key, 3)) {
                        r = plugin_param_uint(p, 0, INT_MAX, &v, err);
                        if (r < 0)
                                return r;
                        if (!t->pmu_key)
                                t->pmu_key = plugin_pmu_key(p->key, 3);
                } else if (strcmp(p->key, "swap_threshold") == 0) {
                        r = slide_parse_swap_threshold(p->value, &t->swap_threshold);
                        if (r == -ERANGE)
                                return plugin_fail(err, p->key, -EINVAL, "'%s' is out of range 0g..%llug", p->value,
                                                   SLIDE_SWAP_THRESHOLD_MAX_GIB);
                        if (r < 0)
                                return plugin_fail(err, p->key, -EINVAL,
                                                   "'%s' is not a size in GiB such as 10g or 10G (only the g/G unit, as etmem)",
                                                   p->value);
                } else if (strcmp(p->key, "swap_flag") == 0) {
                        r = plugin_param_bool(p, &t->swap_flag, err);
                        if (r < 0)
                                return r;
                } else if (strcmp(p->key, "refault_hold") == 0) {
                        r = plugin_param_uint(p, 0, FEEDBACK_HOLD_MAX, &v, err);
                        if (r < 0)
                                return r;
                        t->refault_hold = (unsigned) v;
                } else if (strcmp(p->key, "max_refault_pct") == 0) {
                        r = plugin_param_uint(p, 0, 100, &v, err);
                        if (r < 0)
                                return r;
                        t->max_refault_pct = (unsigned) v;
                } else
                        return plugin_unknown_key(p, "task",
                                                  "T, max_threads, swap_threshold, swap_flag, refault_hold, max_refault_pct, dram_percent; "
                                                  "PMU-only: sample_period, vma_updata_rate, cpu_set_size",
                                                  err);
        }
        if (!have_T)
                return plugin_fail(err, "T", -EINVAL,
                                   "missing required key 'T' for a slide task (valid: 0..%u, loop * 3)",
                                   3 * project->loop);
        return 0;
}
