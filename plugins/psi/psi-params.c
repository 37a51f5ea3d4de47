/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>

#include "plugin-util.h"
#include "psi-params.h"

#define VALID_KEYS "cg_dir (or cg_path), pressure, reclaim_rate, reclaim_rate_min, reclaim_rate_max, " \
                   "limit_min_bytes, limit_min_ratio, reclaim_max_bytes"

static int param_double(const struct etmem_param *p, double min, double max, double *ret, struct etmem_error *err) {
        char *end;
        double v;

        errno = 0;
        v = strtod(p->value, &end);
        if (!p->value[0] || *end || errno || !isfinite(v) || p->value[0] == ' ')
                return plugin_fail(err, p->key, -EINVAL, "'%s' is not a number (valid: %g..%g)", p->value, min, max);
        if (v < min || v > max)
                return plugin_fail(err, p->key, -EINVAL, "%s is out of range %g..%g", p->value, min, max);
        *ret = v;
        return 0;
}

/* Relative to the controller's mount, without ".." or empty components. */
static int param_cg_dir(const struct etmem_param *p, char *ret, struct etmem_error *err) {
        const char *v = p->value;

        while (*v == '/')
                v++;
        if (!*v || strlen(v) >= PSI_CG_DIR_MAX)
                return plugin_fail(err, p->key, -EINVAL, "must name a cgroup below the memory controller's root, in 1..%d characters",
                                   PSI_CG_DIR_MAX - 1);
        for (const char *c = v; *c; c++) {
                if ((unsigned char) *c < 0x20)
                        return plugin_fail(err, p->key, -EINVAL, "control characters are not allowed");
                if ((c == v || c[-1] == '/') && c[0] == '.' && c[1] == '.' && (c[2] == '/' || !c[2]))
                        return plugin_fail(err, p->key, -EINVAL, "'..' is not allowed: name a cgroup below the root");
                if (c[0] == '/' && c[1] == '/')
                        return plugin_fail(err, p->key, -EINVAL, "empty path components are not allowed");
        }
        snprintf(ret, PSI_CG_DIR_MAX, "%s", v);
        return 0;
}

int psi_params_parse(const struct etmem_params *params, PsiParams *ret, struct etmem_error *err) {
        PsiParams p = {
                .pressure = 0.1,
                .reclaim_rate = 0.05,
                .reclaim_rate_min = 0.01,
                .reclaim_rate_max = 0.5,
                .limit_min_bytes = 0,
                .limit_min_ratio = 0.1,
                .reclaim_max_bytes = 1ull << 30,
        };
        const struct etmem_param *cg = NULL;
        unsigned long long v = 0;
        int r = 0;

        for (size_t i = 0; i < params->n && r >= 0; i++) {
                const struct etmem_param *q = &params->v[i];

                if (strcmp(q->key, "cg_dir") == 0 || strcmp(q->key, "cg_path") == 0) {
                        if (cg)
                                return plugin_fail(err, q->key, -EINVAL, "the cgroup is already given by %s", cg->key);
                        cg = q;
                        r = param_cg_dir(q, p.cg_dir, err);
                } else if (strcmp(q->key, "pressure") == 0)
                        r = param_double(q, 0.0, 100.0, &p.pressure, err);
                else if (strcmp(q->key, "reclaim_rate") == 0)
                        r = param_double(q, 0.0001, 1.0, &p.reclaim_rate, err);
                else if (strcmp(q->key, "reclaim_rate_min") == 0)
                        r = param_double(q, 0.0001, 1.0, &p.reclaim_rate_min, err);
                else if (strcmp(q->key, "reclaim_rate_max") == 0)
                        r = param_double(q, 0.0001, 1.0, &p.reclaim_rate_max, err);
                else if (strcmp(q->key, "limit_min_ratio") == 0)
                        r = param_double(q, 0.0, 1.0, &p.limit_min_ratio, err);
                else if (strcmp(q->key, "limit_min_bytes") == 0) {
                        r = plugin_param_uint(q, 0, 1ull << 50, &v, err);
                        p.limit_min_bytes = v;
                } else if (strcmp(q->key, "reclaim_max_bytes") == 0) {
                        r = plugin_param_uint(q, 4096, 1ull << 50, &v, err);
                        p.reclaim_max_bytes = v;
                } else
                        r = plugin_unknown_key(q, "task", VALID_KEYS, err);
        }
        if (r < 0)
                return r;
        if (!cg)
                return plugin_fail(err, "cg_dir", -EINVAL, "missing: the psi engine needs the cgroup to reclaim (cg_dir=NAME, relative to the memory controller; a glob such as isulad/* names several)");
        if (p.reclaim_rate_min > p.reclaim_rate_max)
                return plugin_fail(err, "reclaim_rate_min", -EINVAL, "%g is above reclaim_rate_max=%g",
                                   p.reclaim_rate_min, p.reclaim_rate_max);
        if (p.reclaim_rate < p.reclaim_rate_min || p.reclaim_rate > p.reclaim_rate_max)
                return plugin_fail(err, "reclaim_rate", -EINVAL, "%g is outside reclaim_rate_min..reclaim_rate_max (%g..%g)",
                                   p.reclaim_rate, p.reclaim_rate_min, p.reclaim_rate_max);
        *ret = p;
        return 0;
}
