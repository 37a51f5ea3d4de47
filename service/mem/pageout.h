/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MADV_PAGEOUT through process_madvise() on a pidfd, batched and cancellable. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "etmem-mem.h"

#define MEM_PAGEOUT_DEFAULT_BATCH (64ULL << 20) /* bytes per process_madvise() call */
#define MEM_PAGEOUT_IOV_BYTES (64ULL << 10)     /* largest iovec: IOV_MAX of them = 64 MiB */

int mem_pageout(pid_t pid, int pidfd, const struct etmem_range *ranges, size_t n,
                const struct etmem_pageout_opts *opts, struct etmem_pageout_stats *stats);

/* 1 with process_madvise + active swap; else 0 and a sentence in why. */
int mem_pageout_supported(char *why, size_t size);
