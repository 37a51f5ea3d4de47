/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What this kernel offers the memory layer, for Manager1.KernelFeatures. */
#pragma once

#include <stddef.h>

/* NULL-terminated strv of alternating key, value, e.g.
 *   "tracker"           "clear_refs (VMA granularity: ...)"   the one in use (best available)
 *   "tracker.kmod"      "unavailable: /dev/etmem_scan missing"
 *   "tracker.damon"     "unavailable: ..." | "available (...)"
 *   "tracker.page_idle" "unavailable: ..." | "available"
 *   "tracker.clear_refs" "available (VMA granularity)"
 *   "pageout"           "process_madvise" | "unavailable: ..."
 *   "swap"              "zram0 4 GiB" | "none"
 * Never fails for a missing feature (that is a value); returns -ENOMEM only.
 * The caller frees with strv_free(). */
int mem_kernel_features(char ***ret);

/* "4 GiB", "512 MiB", "12 KiB", "100 B": exact when a unit divides, else one decimal. */
void mem_format_bytes(unsigned long long bytes, char *buf, size_t size);
