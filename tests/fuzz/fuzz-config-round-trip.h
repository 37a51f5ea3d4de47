/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What both config fuzz targets check once an input has parsed: the writers either refuse
 * it with -EINVAL/-E2BIG or produce text that parses back to the same thing. */
#pragma once

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "test-config-util.h"

static void fuzz_abort(const char *what, const char *text) {
        fprintf(stderr, "round trip broken: %s\n--- text ---\n%s\n------------\n", what, text ? text : "(none)");
        abort();
}

/* canonical: c came from JSON, so its sections are already in the nesting order. */
static void fuzz_round_trip(const Config *c, bool canonical) {
        _cleanup_free_ char *json = NULL, *json2 = NULL, *ini = NULL, *ini2 = NULL;
        Config *j = NULL, *i = NULL;
        ConfigError err = {};
        int r;

        r = config_to_json(c, &json);
        if (r == 0) {
                if (config_parse_json(json, strlen(json), "fuzz.json", &j, &err) < 0)
                        fuzz_abort("config_to_json output does not parse", json);
                /* every section is written or the whole thing refused */
                if (j->n_sections != c->n_sections)
                        fuzz_abort("config_to_json lost sections", json);
                if (canonical && !test_config_same(c, j, false))
                        fuzz_abort("config_to_json round trip differs", json);
                if (config_to_json(j, &json2) < 0 || !streq(json, json2))
                        fuzz_abort("config_to_json is not stable", json);
                config_free(j);
        } else if (r != -EINVAL && r != -E2BIG)
                fuzz_abort("config_to_json failed unexpectedly", NULL);

        r = config_to_ini(c, &ini);
        if (r == 0) {
                if (config_parse_ini(ini, strlen(ini), "fuzz.ini", &i, &err) < 0)
                        fuzz_abort("config_to_ini output does not parse", ini);
                if (!test_config_same(c, i, true))
                        fuzz_abort("config_to_ini round trip differs", ini);
                if (config_to_ini(i, &ini2) < 0 || !streq(ini, ini2))
                        fuzz_abort("config_to_ini is not stable", ini);
                config_free(i);
        } else if (r != -E2BIG)
                fuzz_abort("config_to_ini failed unexpectedly", NULL);
        config_error_clear(&err);
}

/* The spec functions must not crash on anything that parsed. */
static void fuzz_specs(const Config *c) {
        ConfigError err = {};

        for (size_t k = 0; k < c->n_sections; k++) {
                ProjectSpec ps;
                EngineSpec es = {};
                TaskSpec ts = {};

                (void) config_project_spec(c, &c->sections[k], &ps, &err);
                (void) config_engine_spec(c, &c->sections[k], &es, &err);
                (void) config_task_spec(c, &c->sections[k], &ts, &err);
                free(es.params);
                free(ts.params);
                free(config_error_to_string(&err));
        }
        config_error_clear(&err);
}
