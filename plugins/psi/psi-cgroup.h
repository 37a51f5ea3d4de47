/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup files the psi engine reads and writes: the memory controller's root,
 * usage and limit, memory.reclaim, and PSI stall totals. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum PsiCgMode {
        PSI_CG_V2,          /* cgroup v2: memory.reclaim, memory.pressure */
        PSI_CG_V1_RECLAIM,  /* cgroup v1 with openEuler's memory.reclaim */
        PSI_CG_V1_LIMIT,    /* cgroup v1 without it: memory.limit_in_bytes stepped down, then restored */
} PsiCgMode;

typedef struct PsiCgroup {
        char path[PATH_MAX];           /* the cgroup's directory in the memory controller */
        char pressure[PATH_MAX];       /* its memory.pressure, else /proc/pressure/memory */
        bool pressure_is_system;       /* the latter: etmemd's own reclaim stalls are in it */
        PsiCgMode mode;
} PsiCgroup;

/* The memory controller's mount: "/sys/fs/cgroup" for v2, ".../memory" for v1; NULL if none. */
const char *psi_memory_root(bool *ret_v2);
/* Describes the cgroup directory path (which must exist) under a root from psi_memory_root(). */
int psi_cgroup_describe(const char *path, bool v2, PsiCgroup *ret);
const char *psi_cg_mode_to_string(PsiCgMode m);

/* usage: memory.current (v2) or memory.usage_in_bytes (v1). */
int psi_cg_usage(const PsiCgroup *cg, uint64_t *ret);
/* v1 only: memory.limit_in_bytes. */
int psi_cg_limit(const PsiCgroup *cg, uint64_t *ret);
/* v1 only: writes memory.limit_in_bytes (the kernel reclaims down to it, or fails with EBUSY). */
int psi_cg_set_limit(const PsiCgroup *cg, uint64_t v);
/* writes memory.reclaim (v2, v1 with it): -EAGAIN when less could be reclaimed. */
int psi_cg_reclaim(const PsiCgroup *cg, uint64_t bytes);
/* The "some" stall total (microseconds) of the cgroup's pressure file. */
int psi_cg_stall_us(const PsiCgroup *cg, uint64_t *ret);
