/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The psi engine's task keys (upstream etmem's etmemd_psi_fb.c, with its defaults). */
#pragma once

#include <stdint.h>

#include "etmem-plugin.h"

#define PSI_CG_DIR_MAX 256

typedef struct PsiParams {
        char cg_dir[PSI_CG_DIR_MAX]; /* relative to the memory controller; may hold glob characters */
        double pressure;             /* % of the last period some task stalled on memory: reclaim below it */
        double reclaim_rate, reclaim_rate_min, reclaim_rate_max; /* share of the usage per cycle */
        uint64_t limit_min_bytes;    /* never below this */
        double limit_min_ratio;      /* nor below this share of the highest usage seen */
        uint64_t reclaim_max_bytes;  /* at most this per cycle */
} PsiParams;

/* Fills *ret from params (unknown keys, bad values: err set, -EINVAL). */
int psi_params_parse(const struct etmem_params *params, PsiParams *ret, struct etmem_error *err);
