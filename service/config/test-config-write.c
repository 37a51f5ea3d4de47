/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writers: output shape, refusals, and the round trips parse(to_json(c)) == c, parse(to_ini(c)) == c. */

#include "test-config-util.h"

static Config *parse_data(const char *name) {
        _cleanup_free_ char *path = NULL;
        ConfigError err = {};
        Config *c = NULL;

        if (asprintf(&path, "%s/%s", TEST_DATA_DIR, name) < 0)
                abort();
        check_int(config_parse_file(path, CONFIG_FORMAT_AUTO, &c, &err), 0);
        config_error_clear(&err);
        return c;
}

static Config *reparse(const char *text, ConfigFormat fmt) {
        Config *c = NULL;
        int r;
        _cleanup_free_ char *e = test_parse_error(text, strlen(text), fmt, "out", &r, &c);

        if (e)
                fprintf(stderr, "FAIL writer output does not parse: %s\n---\n%s---\n", e, text);
        check(e == NULL);
        return c;
}

static void round_trip(const char *name) {
        _cleanup_(config_freep) Config *c = parse_data(name), *j = NULL, *i = NULL, *ji = NULL;
        _cleanup_free_ char *json = NULL, *json2 = NULL, *ini = NULL, *ini2 = NULL;

        if (!c)
                return;
        check_int(config_to_json(c, &json), 0);
        if (!json)
                return;
        j = reparse(json, CONFIG_FORMAT_JSON);
        if (j) {
                if (!test_config_same(c, j, false))
                        fprintf(stderr, "FAIL %s: JSON round trip differs:\n%s", name, json);
                check(test_config_same(c, j, false));
                /* and the writer is stable */
                check_int(config_to_json(j, &json2), 0);
                check_str(json, json2);
        }

        check_int(config_to_ini(c, &ini), 0);
        if (!ini)
                return;
        i = reparse(ini, CONFIG_FORMAT_INI);
        if (i) {
                if (!test_config_same(c, i, true))
                        fprintf(stderr, "FAIL %s: INI round trip differs:\n%s", name, ini);
                check(test_config_same(c, i, true));
                check_int(config_to_ini(i, &ini2), 0);
                check_str(ini, ini2);
        }

        /* across formats: INI -> JSON -> INI keeps everything INI can hold */
        if (j) {
                _cleanup_free_ char *ini3 = NULL;

                check_int(config_to_ini(j, &ini3), 0);
                if (ini3) {
                        ji = reparse(ini3, CONFIG_FORMAT_INI);
                        if (ji)
                                check(test_config_same(c, ji, true));
                }
        }
}

static void test_round_trips(void) {
        round_trip("slide_conf.ini");
        round_trip("cslide_conf.ini");
        round_trip("thirdparty_conf.ini");
        round_trip("example.json");
        round_trip("all.json");
}

static void test_json_shape(void) {
        _cleanup_(config_freep) Config *c = parse_data("thirdparty_conf.ini");
        _cleanup_free_ char *json = NULL;

        if (!c)
                return;
        check_int(config_to_json(c, &json), 0);
        /* integers as numbers, the thirdparty engine under its own name, tasks nested */
        check_contains(json, "\"loop\": 1,");
        check_contains(json, "\"name\": \"my_engine\"");
        check_contains(json, "\"type\": \"thirdparty\"");
        check_contains(json, "\"libname\": \"/usr/lib/etmem_fetch/my_engine.so\"");
        check_contains(json, "\"engine_private_key\": \"engine_private_value\"");
        check_contains(json, "\"value\": \"12345\"");
        check(strstr(json, "\"eng_name\"") == NULL);
        check(strstr(json, "\"tasks\"") > strstr(json, "\"engines\""));
}

static void test_ini_shape(void) {
        _cleanup_(config_freep) Config *c = config_new(NULL);
        _cleanup_free_ char *ini = NULL;
        ConfigSection *s;

        s = config_add_section(c, CONFIG_SECTION_PROJECT);
        check_int(config_section_add(s, "name", "p"), 0);
        check_int(config_section_add(s, "state", "running"), 0);
        s = config_add_section(c, CONFIG_SECTION_TASK);
        check_int(config_section_add(s, "x", "#not a comment"), 0);
        check_int(config_section_add(s, "e", ""), 0);
        check_int(config_to_ini(c, &ini), 0);
        check_str(ini, "[project]\nname=p\n\n[task]\nx=#not a comment\ne=\n");
}

static void test_built_order(void) {
        /* the daemon may list sections in any order; JSON nests them anyway */
        _cleanup_(config_freep) Config *c = config_new(NULL), *j = NULL;
        _cleanup_free_ char *json = NULL;
        ConfigSection *s;

        s = config_add_section(c, CONFIG_SECTION_TASK);
        config_section_add(s, "project", "p");
        config_section_add(s, "engine", "slide");
        config_section_add(s, "name", "t");
        s = config_add_section(c, CONFIG_SECTION_ENGINE);
        config_section_add(s, "project", "p");
        config_section_add(s, "name", "slide");
        s = config_add_section(c, CONFIG_SECTION_PROJECT);
        config_section_add(s, "name", "p");
        config_section_add(s, "loop", "007");
        config_section_add(s, "sleep", "-3");
        check_int(config_to_json(c, &json), 0);
        check_contains(json, "\"loop\": \"007\"");
        check_contains(json, "\"sleep\": -3");
        j = json ? reparse(json, CONFIG_FORMAT_JSON) : NULL;
        if (j) {
                check_int(j->n_sections, 3);
                check(j->sections[0].type == CONFIG_SECTION_PROJECT);
                check(j->sections[1].type == CONFIG_SECTION_ENGINE);
                check(j->sections[2].type == CONFIG_SECTION_TASK);
                check_str(test_get(j, 0, "loop"), "007");
                check_str(test_get(j, 0, "sleep"), "-3");
                check_str(test_get(j, 2, "name"), "t");
        }
}

static void json_refused(const char *ini, int expected) {
        Config *c = NULL;
        int r;
        _cleanup_free_ char *e = test_parse_error(ini, strlen(ini), CONFIG_FORMAT_INI, "t", &r, &c);
        _cleanup_free_ char *json = NULL;

        check(e == NULL);
        if (!c)
                return;
        check_int(config_to_json(c, &json), expected);
        check(json == NULL);
        config_free(c);
}

static void test_refusals(void) {
        json_refused("[engine]\nproject=p\nname=slide\n", -EINVAL);                      /* unknown project */
        json_refused("[project]\nname=p\n[task]\nproject=p\nengine=slide\n", -EINVAL);   /* unknown engine */
        json_refused("[project]\nname=p\n[project]\nname=p\n", -EINVAL);                  /* duplicate project */
        json_refused("[project]\nloop=1\n", -EINVAL);                                     /* nameless project */
        json_refused("[project]\nname=p\nfoo=1\n", -EINVAL);                              /* unknown project key */
        json_refused("[project]\nname=p\n[engine]\nproject=p\nname=thirdparty\n", -EINVAL); /* no eng_name */
        json_refused("[project]\nname=p\n[engine]\nproject=p\nname=slide\n[engine]\nproject=p\nname=slide\n", -EINVAL);
        json_refused("[project]\nname=p\n[engine]\nproject=p\nname=slide\n[task]\nproject=q\nengine=slide\n", -EINVAL);
        /* the same engine name in two projects is fine */
        {
                const char *t = "[project]\nname=p\n[project]\nname=q\n[engine]\nproject=p\nname=slide\n"
                                "[engine]\nproject=q\nname=slide\n[task]\nproject=q\nengine=slide\nname=t\n";
                _cleanup_(config_freep) Config *c = NULL, *j = NULL;
                _cleanup_free_ char *json = NULL;
                int r;
                _cleanup_free_ char *e = test_parse_error(t, strlen(t), CONFIG_FORMAT_INI, "t", &r, &c);

                check(e == NULL);
                if (c) {
                        check_int(config_to_json(c, &json), 0);
                        j = json ? reparse(json, CONFIG_FORMAT_JSON) : NULL;
                        /* canonical order: p, p/slide, q, q/slide, q/slide/t */
                        if (j) {
                                check_int(j->n_sections, 5);
                                check_str(test_get(j, 4, "project"), "q");
                                check_str(test_get(j, 4, "name"), "t");
                                check_str(j->sections[4].path, "projects[1].engines[0].tasks[0]");
                        }
                }
        }
}

int main(void) {
        test_round_trips();
        test_json_shape();
        test_ini_shape();
        test_built_order();
        test_refusals();
        return test_summary();
}
