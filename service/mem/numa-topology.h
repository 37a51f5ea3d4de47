/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NUMA topology and load as numad reads them: /sys/devices/system/node, /proc/stat. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "etmem-mem.h"

#define MEM_SYSFS_NODE_DIR "/sys/devices/system/node"

/* Reads the machine (node dir: MEM_SYSFS_NODE_DIR unless tests pass another one). */
int mem_numa_sample(struct etmem_numa_sample *ret);
int mem_numa_sample_dir(const char *node_dir, const char *proc_stat, struct etmem_numa_sample *ret);
int mem_numa_hugepages(struct etmem_hugepages *ret, size_t max, size_t *n_ret);
int mem_numa_hugepages_dir(const char *node_dir, struct etmem_hugepages *ret, size_t max, size_t *n_ret);

/* /proc/PID/numa_maps summed per node (bytes[ETMEM_NUMA_MAX_NODES]). */
int mem_process_node_bytes(pid_t pid, int pidfd, uint64_t *bytes, bool *interleaved);
/* Parses numa_maps text (exported for tests). */
int mem_numa_maps_parse(FILE *f, uint64_t page_size, uint64_t *bytes, bool *interleaved);

/* "0-3,8" <-> bitmaps of `words` 64-bit words. */
int mem_idlist_parse(const char *s, uint64_t *bits, size_t words);
int mem_idlist_format(const uint64_t *bits, size_t words, char *buf, size_t size);

static inline bool mem_bit_test(const uint64_t *bits, unsigned i) {
        return (bits[i / 64] >> (i % 64)) & 1;
}
static inline void mem_bit_set(uint64_t *bits, unsigned i) {
        bits[i / 64] |= 1ULL << (i % 64);
}
