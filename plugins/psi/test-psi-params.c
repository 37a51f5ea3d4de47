/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The psi engine's task keys: upstream's defaults, the cg_path alias, and refusals
 * that name the key and the valid range. */
#include <math.h>

#include "plugin-util.h"
#include "psi-params.h"
#include "test-check.h"

#define PARAMS(...) (&(struct etmem_params) { sizeof((struct etmem_param[]) { __VA_ARGS__ }) / sizeof(struct etmem_param), \
                                              (struct etmem_param[]) { __VA_ARGS__ } })

static void expect_refused(const struct etmem_params *params, const char *key, const char *needle) {
        struct etmem_error err = {};
        PsiParams p;
        int r = psi_params_parse(params, &p, &err);

        CHECK(r == -EINVAL, "accepted (wanted an error at %s)", key);
        CHECK(strcmp(err.key, key) == 0, "error key '%s', expected '%s' (%s)", err.key, key, err.message);
        CHECK(strstr(err.message, needle), "message '%s' lacks '%s'", err.message, needle);
}

int main(void) {
        struct etmem_error err = {};
        PsiParams p;
        int r;

        r = psi_params_parse(PARAMS({ "cg_dir", "isulad/*" }), &p, &err);
        CHECK(r == 0, "refused: %s", err.message);
        CHECK(strcmp(p.cg_dir, "isulad/*") == 0, "cg_dir %s", p.cg_dir);
        CHECK(p.pressure == 0.1 && p.reclaim_rate == 0.05 && p.reclaim_rate_min == 0.01 && p.reclaim_rate_max == 0.5,
              "rate defaults %g %g %g %g", p.pressure, p.reclaim_rate, p.reclaim_rate_min, p.reclaim_rate_max);
        CHECK(p.limit_min_bytes == 0 && p.limit_min_ratio == 0.1 && p.reclaim_max_bytes == 1ull << 30,
              "limit defaults %llu %g %llu", (unsigned long long) p.limit_min_bytes, p.limit_min_ratio,
              (unsigned long long) p.reclaim_max_bytes);

        r = psi_params_parse(PARAMS({ "cg_path", "/redis" }, { "pressure", "0.5" }, { "reclaim_rate", "0.2" },
                                    { "limit_min_bytes", "67108864" }, { "reclaim_max_bytes", "1048576" }),
                             &p, &err);
        CHECK(r == 0, "refused: %s", err.message);
        CHECK(strcmp(p.cg_dir, "redis") == 0, "cg_path '/redis' became '%s'", p.cg_dir);
        CHECK(p.pressure == 0.5 && p.reclaim_rate == 0.2 && p.limit_min_bytes == 64u << 20 &&
              p.reclaim_max_bytes == 1u << 20, "values not taken");

        expect_refused(PARAMS({ "pressure", "0.1" }), "cg_dir", "missing");
        expect_refused(PARAMS({ "cg_dir", "a" }, { "cg_path", "b" }), "cg_path", "already given by cg_dir");
        expect_refused(PARAMS({ "cg_dir", "../etc" }), "cg_dir", "'..'");
        expect_refused(PARAMS({ "cg_dir", "a/../../b" }), "cg_dir", "'..'");
        expect_refused(PARAMS({ "cg_dir", "/" }), "cg_dir", "below the memory controller");
        expect_refused(PARAMS({ "cg_dir", "a" }, { "pressure", "abc" }), "pressure", "not a number (valid: 0..100)");
        expect_refused(PARAMS({ "cg_dir", "a" }, { "pressure", "nan" }), "pressure", "not a number");
        expect_refused(PARAMS({ "cg_dir", "a" }, { "reclaim_rate", "2" }), "reclaim_rate", "out of range");
        expect_refused(PARAMS({ "cg_dir", "a" }, { "reclaim_rate", "0.9" }), "reclaim_rate",
                       "outside reclaim_rate_min..reclaim_rate_max");
        expect_refused(PARAMS({ "cg_dir", "a" }, { "reclaim_rate_min", "0.6" }), "reclaim_rate_min",
                       "above reclaim_rate_max");
        expect_refused(PARAMS({ "cg_dir", "a" }, { "limit_min_bytes", "-1" }), "limit_min_bytes", "whole number");
        expect_refused(PARAMS({ "cg_dir", "a" }, { "reclaim_max_bytes", "1" }), "reclaim_max_bytes", "out of range");
        expect_refused(PARAMS({ "cg_dir", "a" }, { "loop", "1" }), "loop", "unknown key 'loop'");
        printf("%d failures\n", failures);
        return failures ? 1 : 0;
}
