/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Moving a process's memory and threads between NUMA nodes: move_pages(2),
 * migrate_pages(2), sched_setaffinity(2), each checked against the target's pidfd. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "etmem-mem.h"

#define MEM_MOVE_DEFAULT_BATCH (2ULL << 20) /* bytes per move_pages() call: 512 pages */

int mem_page_nodes(pid_t pid, int pidfd, const uint64_t *addrs, size_t n, int *status);
int mem_move_pages(pid_t pid, int pidfd, const uint64_t *addrs, const int *nodes, size_t n, int *status,
                   const struct etmem_pageout_opts *opts, struct etmem_move_stats *stats);
int mem_migrate_process(pid_t pid, int pidfd, uint64_t from, uint64_t to);
int mem_set_affinity(pid_t pid, int pidfd, const uint64_t *cpus, size_t words, unsigned *threads_ret);
