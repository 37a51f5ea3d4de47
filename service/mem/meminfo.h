/* SPDX-License-Identifier: GPL-2.0-or-later */
/* System and per-process memory figures. */
#pragma once

#include <sys/types.h>

#include "etmem-mem.h"

int mem_meminfo_read(struct etmem_meminfo *ret);
/* Same, from another file (tests feed canned text). */
int mem_meminfo_read_file(const char *path, struct etmem_meminfo *ret);
unsigned mem_free_percent(const struct etmem_meminfo *m);
unsigned mem_swapcache_percent(const struct etmem_meminfo *m);
int mem_procmem_read(pid_t pid, int pidfd, struct etmem_procmem *ret);
