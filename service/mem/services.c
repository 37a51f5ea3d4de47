/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "meminfo.h"
#include "migrate.h"
#include "numa-placement.h"
#include "numa-topology.h"
#include "pageout.h"
#include "pagemap.h"
#include "procstat.h"
#include "services.h"
#include "tracker.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

/* The public handle is the internal tracker. */
static int svc_tracker_open(const struct etmem_target *target, const char *kind, struct etmem_tracker **ret) {
        if (!target || !ret)
                return -EINVAL;
        return mem_tracker_open(target->pid, target->pidfd, kind, (MemTracker **) ret);
}

static void svc_tracker_info(const struct etmem_tracker *t, struct etmem_tracker_info *ret) {
        mem_tracker_info((const MemTracker *) t, ret);
}

static int svc_tracker_scan(struct etmem_tracker *t, unsigned round) {
        return mem_tracker_scan((MemTracker *) t, round);
}

static int svc_tracker_results(struct etmem_tracker *t, const struct etmem_region **ret, size_t *n_ret,
                               unsigned *rounds) {
        return mem_tracker_results((MemTracker *) t, ret, n_ret, rounds);
}

static void svc_tracker_close(struct etmem_tracker *t) {
        mem_tracker_close((MemTracker *) t);
}

static int svc_pageout(const struct etmem_target *target, const struct etmem_range *ranges, size_t n,
                       const struct etmem_pageout_opts *opts, struct etmem_pageout_stats *stats) {
        if (!target)
                return -EINVAL;
        return mem_pageout(target->pid, target->pidfd, ranges, n, opts, stats);
}

static int svc_procmem(const struct etmem_target *target, struct etmem_procmem *ret) {
        if (!target || !ret)
                return -EINVAL;
        return mem_procmem_read(target->pid, target->pidfd, ret);
}

static int svc_pagemap_read(const struct etmem_target *target, uint64_t start, uint64_t end, uint64_t *entries) {
        if (!target || !entries)
                return -EINVAL;
        return mem_pagemap_read(target->pid, target->pidfd, start, end, entries);
}

static int svc_pagemap_count(const struct etmem_target *target, uint64_t start, uint64_t end, uint64_t *present,
                             uint64_t *swapped) {
        if (!target)
                return -EINVAL;
        return mem_pagemap_count(target->pid, target->pidfd, start, end, present, swapped);
}

static int svc_pagemap_count_ranges(const struct etmem_target *target, const struct etmem_range *ranges, size_t n,
                                    uint64_t *present, uint64_t *swapped) {
        if (!target || (n && !ranges))
                return -EINVAL;
        return mem_pagemap_count_ranges(target->pid, target->pidfd, ranges, n, present, swapped);
}

static int svc_procstat(const struct etmem_target *target, struct etmem_procstat *ret) {
        if (!target || !ret)
                return -EINVAL;
        return mem_procstat_read(target->pid, target->pidfd, ret);
}

static int svc_anon_names_supported(void) {
        static int cached = -1;
        if (cached < 0) {
                long ps = 4096;
                void *p = mmap(NULL, (size_t) ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p == MAP_FAILED)
                        return 0;
                cached = prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long) p, (unsigned long) ps,
                               (unsigned long) "etmem-probe") == 0;
                munmap(p, (size_t) ps);
        }
        return cached;
}

static int svc_process_node_bytes(const struct etmem_target *target, uint64_t *bytes, bool *interleaved) {
        if (!target || !bytes)
                return -EINVAL;
        return mem_process_node_bytes(target->pid, target->pidfd, bytes, interleaved);
}

static int svc_page_nodes(const struct etmem_target *target, const uint64_t *addrs, size_t n, int *status) {
        if (!target)
                return -EINVAL;
        return mem_page_nodes(target->pid, target->pidfd, addrs, n, status);
}

static int svc_move_pages(const struct etmem_target *target, const uint64_t *addrs, const int *nodes, size_t n,
                          int *status, const struct etmem_pageout_opts *opts, struct etmem_move_stats *stats) {
        if (!target)
                return -EINVAL;
        return mem_move_pages(target->pid, target->pidfd, addrs, nodes, n, status, opts, stats);
}

static int svc_migrate_process(const struct etmem_target *target, uint64_t from, uint64_t to) {
        if (!target)
                return -EINVAL;
        return mem_migrate_process(target->pid, target->pidfd, from, to);
}

static int svc_set_affinity(const struct etmem_target *target, const uint64_t *cpus, size_t words,
                            unsigned *threads_ret) {
        if (!target)
                return -EINVAL;
        return mem_set_affinity(target->pid, target->pidfd, cpus, words, threads_ret);
}

const struct etmem_mem_services mem_services_table = {
        .size = sizeof(struct etmem_mem_services),
        .tracker_open = svc_tracker_open,
        .tracker_info = svc_tracker_info,
        .tracker_scan = svc_tracker_scan,
        .tracker_results = svc_tracker_results,
        .tracker_close = svc_tracker_close,
        .pageout = svc_pageout,
        .meminfo = mem_meminfo_read,
        .free_percent = mem_free_percent,
        .swapcache_percent = mem_swapcache_percent,
        .procmem = svc_procmem,
        .pagemap_read = svc_pagemap_read,
        .pagemap_count = svc_pagemap_count,
        .pageout_supported = mem_pageout_supported,
        .anon_names_supported = svc_anon_names_supported,
        .numa_sample = mem_numa_sample,
        .numa_pick = mem_numa_pick,
        .idlist_format = mem_idlist_format,
        .idlist_parse = mem_idlist_parse,
        .numa_hugepages = mem_numa_hugepages,
        .process_node_bytes = svc_process_node_bytes,
        .page_nodes = svc_page_nodes,
        .move_pages = svc_move_pages,
        .migrate_process = svc_migrate_process,
        .set_affinity = svc_set_affinity,
        .pagemap_count_ranges = svc_pagemap_count_ranges,
        .procstat = svc_procstat,
};

const struct etmem_mem_services *mem_services(void) {
        return &mem_services_table;
}
