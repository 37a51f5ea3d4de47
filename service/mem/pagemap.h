/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/PID/pagemap: per-page present / swapped / PFN (pagemap.rst). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "etmem-mem.h"

/* An fd on /proc/PID/pagemap, checked against the pidfd. */
int mem_pagemap_open(pid_t pid, int pidfd);
/* (end - start) / page_size entries into out; start, end page aligned. */
int mem_pagemap_read_fd(int fd, uint64_t start, uint64_t end, uint64_t *out);
/* Calls fn for each range of [start, end) whose pages are present (present = true) or
 * swapped (false), in address order, through PAGEMAP_SCAN: the kernel skips what is not
 * mapped, so the cost follows resident memory, not the span.  -EOPNOTSUPP on kernels
 * before 6.7 (remembered), or fn's negative return. */
int mem_pagemap_scan_fd(int fd, uint64_t start, uint64_t end,
                        int (*fn)(uint64_t start, uint64_t end, bool present, void *userdata), void *userdata);
/* Counts present / swapped pages of [start, end): PAGEMAP_SCAN where the kernel has it,
 * else every entry in chunks (no big allocation). */
int mem_pagemap_count_fd(int fd, uint64_t start, uint64_t end, uint64_t *present, uint64_t *swapped);

int mem_pagemap_read(pid_t pid, int pidfd, uint64_t start, uint64_t end, uint64_t *out);
int mem_pagemap_count(pid_t pid, int pidfd, uint64_t start, uint64_t end, uint64_t *present, uint64_t *swapped);

/* The same for n ranges through one open pagemap (either array may be NULL). */
int mem_pagemap_count_ranges(pid_t pid, int pidfd, const struct etmem_range *ranges, size_t n, uint64_t *present,
                             uint64_t *swapped);

uint64_t mem_page_size(void);
