/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The slide engine's configuration keys (etmem README, slide rows) and their checks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etmem-plugin.h"
#include "feedback.h"

#define SLIDE_SWAP_THRESHOLD_MAX_GIB 1048576ULL /* 1 PiB: far above any machine, still no overflow */

typedef struct SlideTask {
        unsigned T;               /* cold = accessed in fewer than T of the rounds; 0..loop*3 */
        unsigned loop;            /* the project's rounds per cycle */
        unsigned max_threads;     /* 1..2*ncpus+1; other values are clamped, as upstream */
        unsigned dram_percent;    /* (0,100]: keep this % of VmRSS + VmSwap in RAM, coldest out first; 0 = unset */
        char warning[160];        /* why max_threads was clamped, for the log; "" if it was not */
        const char *pmu_key;      /* the first PMU-only key given (Start refuses it), or NULL */
        uint64_t swap_threshold;  /* bytes; 0 = not set: no RSS floor */
        bool swap_flag;           /* page out only memory the process marked */
        unsigned refault_hold;    /* cycles memory that came back after a page-out is kept in; 0..1000 */
        unsigned max_refault_pct; /* more of a page-out back than this % holds / cuts the budget; 0..100 */
        unsigned interval, sleep; /* the project's seconds between rounds / cycles */
        /* the project's keys, taken at fill time (act() is not handed the project) */
        int sysmem_threshold, swapcache_high_wmark, swapcache_low_wmark;
} SlideTask;

/* The engine section has no slide-private keys: any key is refused. */
int slide_parse_engine(const struct etmem_params *params, struct etmem_error *err);
/* Fills t from the task keys; ncpus bounds max_threads (clamped into 1..2*ncpus+1 with
 * t->warning set, as upstream etmem does). */
int slide_parse_task(const struct etmem_project_info *project, const struct etmem_params *params,
                     unsigned ncpus, SlideTask *t, struct etmem_error *err);
/* max_threads as upstream: a whole number (a leading '-' allowed) clamped into 1..threads_max;
 * when clamped, warning says so.  -EINVAL for anything else. */
int slide_parse_max_threads(const char *value, unsigned threads_max, unsigned *ret, char *warning, size_t size);
/* Upstream's rule for a task with sysmem_threshold but no swap_threshold (etmemd_slide.c,
 * check_pid_should_swap): page out only while VmSwap < (VmRSS + VmSwap) / 100 * sysmem_threshold,
 * i.e. until that share of the process is in swap.  True when the page-out may go on. */
bool slide_swap_share_allows(uint64_t rss, uint64_t swap, unsigned sysmem_threshold);
/* dram_percent (upstream etmemd_migrate.c, check_should_migrate): the bytes to page out so that
 * (VmRSS + VmSwap) / 100 * pct stays in RAM; 0 when RSS is already at or below that. */
uint64_t slide_dram_percent_need(uint64_t rss, uint64_t swap, unsigned pct);
/* Orders the cold candidates coldest first (fewest accesses, then address) and keeps the first
 * ones until `need` bytes are reached (the one that reaches it included, as upstream counts
 * pages); returns how many are kept, again sorted by start. */
size_t slide_dram_percent_pick(FeedbackCandidate *c, size_t n, uint64_t need);
/* "10g" / "10G" -> bytes (only g/G, as etmem). */
int slide_parse_swap_threshold(const char *s, uint64_t *ret);
