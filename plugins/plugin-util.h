/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parameter helpers for engine plugins: header-only so a plugin links nothing of etmemd. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etmem-plugin.h"

static inline int plugin_fail(struct etmem_error *err, const char *key, int r, const char *fmt, ...)
        __attribute__((__format__(printf, 4, 5)));
static inline int plugin_fail(struct etmem_error *err, const char *key, int r, const char *fmt, ...) {
        va_list ap;

        snprintf(err->key, sizeof err->key, "%s", key ? key : "");
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        return r;
}

/* Strict decimal: digits only, no sign, no junk, within [min, max]. */
static inline int plugin_parse_ull(const char *s, unsigned long long min, unsigned long long max,
                                   unsigned long long *ret) {
        unsigned long long v;
        char *end;

        if (!s || !*s)
                return -EINVAL;
        for (const char *c = s; *c; c++)
                if (*c < '0' || *c > '9')
                        return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno == ERANGE || *end)
                return -ERANGE;
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

/* "key: 'v' is not in min..max" style error for a numeric key. */
static inline int plugin_param_uint(const struct etmem_param *p, unsigned long long min, unsigned long long max,
                                    unsigned long long *ret, struct etmem_error *err) {
        int r = plugin_parse_ull(p->value, min, max, ret);

        if (r == -EINVAL)
                return plugin_fail(err, p->key, -EINVAL, "'%s' is not a whole number (valid: %llu..%llu)", p->value,
                                   min, max);
        if (r < 0)
                return plugin_fail(err, p->key, -EINVAL, "%s is out of range %llu..%llu", p->value, min, max);
        return 0;
}

static inline int plugin_param_bool(const struct etmem_param *p, bool *ret, struct etmem_error *err) {
        if (strcmp(p->value, "yes") == 0)
                *ret = true;
        else if (strcmp(p->value, "no") == 0)
                *ret = false;
        else
                return plugin_fail(err, p->key, -EINVAL, "'%s' is not one of: yes, no", p->value);
        return 0;
}

static inline int plugin_unknown_key(const struct etmem_param *p, const char *section, const char *valid,
                                     struct etmem_error *err) {
        return plugin_fail(err, p->key, -EINVAL, "unknown key '%s' in [%s] (valid: %s)", p->key, section, valid);
}

/* Keys that only upstream etmem's PMU build (libpfm4, -DENABLE_PMU) knows: slide tasks take the
 * first three, cslide engines all four.  Accepted when given as whole numbers, so upstream's
 * shipped files load; Start then refuses the task with plugin_pmu_not_supported(). */
static inline const char *plugin_pmu_key(const char *key, size_t n_keys) {
        static const char *const keys[] = { "sample_period", "vma_updata_rate", "cpu_set_size", "cooling_interval" };

        for (size_t i = 0; i < n_keys && i < sizeof keys / sizeof keys[0]; i++)
                if (strcmp(key, keys[i]) == 0)
                        return keys[i];
        return NULL;
}

static inline int plugin_pmu_not_supported(struct etmem_error *err, const char *key) {
        return plugin_fail(err, key, -EOPNOTSUPP,
                           "'%s' selects upstream etmem's PMU sampling (its libpfm4 build), which this etmemd does "
                           "not have; remove the PMU keys (sample_period, vma_updata_rate, cpu_set_size, "
                           "cooling_interval) to scan with this machine's access tracker",
                           key);
}

/* Finds a required key that was not given. */
static inline const char *plugin_missing(const bool *seen, const char *const *keys, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!seen[i])
                        return keys[i];
        return NULL;
}
