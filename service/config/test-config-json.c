/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON parsing: flattening into sections, value conversion, syntax and structure errors. */

#include <stdint.h>

#include "test-config-util.h"

static Config *json_ok(const char *text) {
        Config *c = NULL;
        int r;
        _cleanup_free_ char *e = test_parse_error(text, strlen(text), CONFIG_FORMAT_JSON, "t.json", &r, &c);

        if (e) {
                fprintf(stderr, "FAIL unexpected error: %s\n", e);
                test_failed++;
                return NULL;
        }
        test_passed++;
        check(c->format == CONFIG_FORMAT_JSON);
        return c;
}

static void json_fail(const char *text, int expected_r, const char *needle) {
        int r = 0;
        _cleanup_free_ char *e = test_parse_error(text, strlen(text), CONFIG_FORMAT_JSON, "t.json", &r, NULL);

        check(e != NULL);
        check_int(r, expected_r);
        check_contains(e, needle);
}

static const ConfigParam *param(const Config *c, size_t s, const char *key) {
        return s < c->n_sections ? config_section_get(&c->sections[s], key) : NULL;
}

static void test_example(void) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_(config_freep) Config *c = NULL;

        if (asprintf(&path, "%s/example.json", TEST_DATA_DIR) < 0)
                abort();
        text = test_read_file(path, NULL);
        c = json_ok(text);
        if (!c)
                return;

        check_int(c->n_sections, 3);
        check_int(c->sections[0].type, CONFIG_SECTION_PROJECT);
        check_str(c->sections[0].path, "projects[0]");
        check_int(c->sections[0].line, 0);
        check_int(c->sections[0].n_params, 5);
        check_str(test_get(c, 0, "name"), "test");
        check_str(test_get(c, 0, "loop"), "1");
        check_str(test_get(c, 0, "state"), "stopped");
        check_str(param(c, 0, "loop")->path, "projects[0].loop");
        check_int(param(c, 0, "loop")->line, 0);

        check_int(c->sections[1].type, CONFIG_SECTION_ENGINE);
        check_str(c->sections[1].path, "projects[0].engines[0]");
        check_int(c->sections[1].n_params, 2);
        check_str(test_get(c, 1, "project"), "test");
        check_str(test_get(c, 1, "name"), "slide");
        check_str(param(c, 1, "name")->path, "projects[0].engines[0].type");
        check(param(c, 1, "eng_name") == NULL);

        check_int(c->sections[2].type, CONFIG_SECTION_TASK);
        check_str(c->sections[2].path, "projects[0].engines[0].tasks[0]");
        check_int(c->sections[2].n_params, 7);
        check_str(test_get(c, 2, "project"), "test");
        check_str(test_get(c, 2, "engine"), "slide");
        check_str(test_get(c, 2, "name"), "t1");
        check_str(test_get(c, 2, "type"), "name");
        check_str(test_get(c, 2, "value"), "mysql");
        check_str(test_get(c, 2, "T"), "1");
        check_str(test_get(c, 2, "max_threads"), "1");
        check_str(param(c, 2, "T")->path, "projects[0].engines[0].tasks[0].params.T");
        /* generic keys first, then the params in document order */
        check_str(c->sections[2].params[5].key, "T");
        check_str(c->sections[2].params[6].key, "max_threads");
}

static void test_all(void) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_(config_freep) Config *c = NULL;

        if (asprintf(&path, "%s/all.json", TEST_DATA_DIR) < 0)
                abort();
        text = test_read_file(path, NULL);
        c = json_ok(text);
        if (!c)
                return;

        /* project, cslide, its task, my_engine, its two tasks, second project */
        check_int(c->n_sections, 7);
        check_str(test_get(c, 0, "sysmem_threshold"), "50");
        check_str(test_get(c, 0, "swapcache_low_wmark"), "3");
        check_str(test_get(c, 0, "state"), "running");
        check_str(test_get(c, 1, "name"), "cslide");
        check_str(test_get(c, 1, "hot_threshold"), "1");
        check_str(test_get(c, 1, "node_mig_quota"), "1024");
        check_str(test_get(c, 2, "value"), "23456");
        check_str(test_get(c, 2, "anon_only"), "no");
        check_str(test_get(c, 2, "ign_host"), "yes");
        check_int(c->sections[3].type, CONFIG_SECTION_ENGINE);
        check_str(test_get(c, 3, "name"), "thirdparty");
        check_str(test_get(c, 3, "eng_name"), "my_engine");
        check_str(param(c, 3, "eng_name")->path, "projects[0].engines[1].name");
        check_str(test_get(c, 3, "libname"), "/usr/lib/etmem/thirdparty/my_engine.so");
        check_str(test_get(c, 3, "ops_name"), "my_engine_ops");
        check_str(test_get(c, 3, "engine_private_key"), "engine_private_value");
        check_str(test_get(c, 4, "engine"), "my_engine");
        check_str(test_get(c, 4, "value"), "12345");
        check_str(test_get(c, 5, "name"), "third2");
        check_str(c->sections[5].path, "projects[0].engines[1].tasks[1]");
        check_int(c->sections[6].type, CONFIG_SECTION_PROJECT);
        check_str(test_get(c, 6, "name"), "other");
        check_str(c->sections[6].path, "projects[1]");
}

static void test_values(void) {
        _cleanup_(config_freep) Config *c = NULL;

        c = json_ok("{\"projects\":[{\"name\":\"p\",\"loop\":-3,\"sleep\":\"x\",\"engines\":[{\"name\":\"slide\","
                    "\"type\":\"slide\",\"params\":{\"b1\":true,\"b0\":false,\"big\":18446744073709551615,"
                    "\"s\":\"héllo\",\"esc\":\"a\\u00e9\\/b\"}}]}]}");
        if (c) {
                check_str(test_get(c, 0, "loop"), "-3");
                check_str(test_get(c, 0, "sleep"), "x");
                check_str(test_get(c, 1, "b1"), "yes");
                check_str(test_get(c, 1, "b0"), "no");
                check_str(test_get(c, 1, "big"), "18446744073709551615");
                check_str(test_get(c, 1, "s"), "héllo");
                check_str(test_get(c, 1, "esc"), "aé/b");
        }
        config_free(TAKE_PTR(c));

        c = json_ok(" \n{\"projects\": []}\n\n");
        if (c)
                check_int(c->n_sections, 0);
}

static void test_syntax_errors(void) {
        json_fail("{\n  \"projects\": [\n    {\"name\": \"a\",,}\n  ]\n}\n", -EINVAL, "t.json:3: JSON syntax error");
        json_fail("{\"projects\": [\n", -EINVAL, "t.json:2: JSON syntax error: unexpected end of input");
        json_fail("{\"projects\": []}\n\n  x", -EINVAL, "t.json:3: JSON syntax error");
        json_fail("{\"projects\": [],}", -EINVAL, "t.json:1: JSON syntax error");       /* strict: no trailing comma */
        json_fail("", -EINVAL, "t.json:1: JSON syntax error: unexpected end of input");
        json_fail("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", -EINVAL,
                  "t.json:1: JSON syntax error");
        json_fail("{\"projects\":\n[\"\xff\"]}", -EINVAL, "t.json:2: invalid UTF-8");
}

static void test_structure_errors(void) {
        json_fail("[]", -EINVAL, "t.json: the document must be an object");
        json_fail("{}", -EINVAL, "t.json: key 'projects': missing");
        json_fail("{\"projects\":{}}", -EINVAL, "t.json: projects: must be an array, not an object");
        json_fail("{\"projects\":[],\"extra\":1}", -EINVAL, "t.json: key 'extra': unknown key (valid: projects)");
        json_fail("{\"projects\":[3]}", -EINVAL, "t.json: projects[0]: must be an object, not an integer");
        json_fail("{\"projects\":[{\"loop\":1}]}", -EINVAL, "t.json: projects[0]: key 'name': missing");
        json_fail("{\"projects\":[{\"name\":7}]}", -EINVAL, "t.json: projects[0].name: must be a string, not an integer");
        json_fail("{\"projects\":[{\"name\":\"p\",\"lop\":1}]}", -EINVAL,
                  "t.json: projects[0]: key 'lop': unknown key (valid: name, loop, interval, sleep,");
        json_fail("{\"projects\":[{\"name\":\"p\",\"loop\":1.5}]}", -EINVAL,
                  "t.json: projects[0].loop: must be a string or an integer, not a floating-point number");
        json_fail("{\"projects\":[{\"name\":\"p\",\"loop\":null}]}", -EINVAL,
                  "t.json: projects[0].loop: must be a string or an integer, not null");
        json_fail("{\"projects\":[{\"name\":\"p\",\"state\":true}]}", -EINVAL,
                  "t.json: projects[0].state: must be a string, not a boolean");
        json_fail("{\"projects\":[{\"name\":\"p\",\"engines\":{}}]}", -EINVAL,
                  "t.json: projects[0].engines: must be an array, not an object");
        json_fail("{\"projects\":[{\"name\":\"p\",\"engines\":[{\"type\":\"slide\"}]}]}", -EINVAL,
                  "t.json: projects[0].engines[0]: key 'name': missing");
        json_fail("{\"projects\":[{\"name\":\"p\",\"engines\":[{\"name\":\"x\",\"type\":\"slide\"}]}]}", -EINVAL,
                  "t.json: projects[0].engines[0].name: 'x' differs from the engine type 'slide'");
        json_fail("{\"projects\":[{\"name\":\"p\",\"engines\":[{\"name\":\"slide\",\"type\":\"slide\",\"x\":1}]}]}",
                  -EINVAL, "t.json: projects[0].engines[0]: key 'x': unknown key (valid: name, type, libname,");
        json_fail("{\"projects\":[{\"name\":\"p\",\"engines\":[{\"name\":\"slide\",\"type\":\"slide\","
                  "\"params\":{\"project\":\"q\"}}]}]}",
                  -EINVAL, "t.json: projects[0].engines[0].params.project: conflicts with projects[0].name");
        json_fail("{\"projects\":[{\"name\":\"p\",\"engines\":[{\"name\":\"slide\",\"type\":\"slide\","
                  "\"params\":{\"a b\":\"q\"}}]}]}",
                  -EINVAL, "t.json: projects[0].engines[0].params: key 'a b': invalid key");
        json_fail("{\"projects\":[{\"name\":\"p\",\"engines\":[{\"name\":\"slide\",\"type\":\"slide\","
                  "\"params\":{\"T\":[1]}}]}]}",
                  -EINVAL, "t.json: projects[0].engines[0].params.T: must be a string, an integer or a boolean, not an array");
        json_fail("{\"projects\":[{\"name\":\"p\",\"engines\":[{\"name\":\"slide\",\"type\":\"slide\","
                  "\"tasks\":[{\"name\":\"t\",\"typ\":\"pid\"}]}]}]}",
                  -EINVAL, "t.json: projects[0].engines[0].tasks[0]: key 'typ': unknown key (valid: name, type, value, params)");
        json_fail("{\"projects\":[{\"name\":\"p\",\"engines\":[{\"name\":\"slide\",\"type\":\"slide\","
                  "\"tasks\":[{\"name\":\"t\",\"value\":true}]}]}]}",
                  -EINVAL, "t.json: projects[0].engines[0].tasks[0].value: must be a string or an integer, not a boolean");
        json_fail("{\"projects\":[{\"name\":\"p\",\"engines\":[{\"name\":\"slide\",\"type\":\"slide\","
                  "\"tasks\":[{\"name\":\" t\"}]}]}]}",
                  -EINVAL, "t.json: projects[0].engines[0].tasks[0].name: value has leading or trailing whitespace");
        json_fail("{\"projects\":[{\"name\":\"a\\nb\"}]}", -EINVAL,
                  "t.json: projects[0].name: value contains a control character");
        json_fail("{\"projects\":[{\"name\":\"a\\u0000b\"}]}", -EINVAL,
                  "t.json: projects[0].name: value contains a NUL character");
}

static void test_limits(void) {
        _cleanup_free_ char *text = NULL;
        size_t n = 2u * 1024 * 1024, len;
        char *p;

        /* 2 MiB */
        text = malloc(n + 64);
        p = stpcpy(text, "{\"projects\":[");
        while ((size_t) (p - text) < n)
                p = stpcpy(p, "{\"name\":\"p\"},");
        strcpy(p - 1, "]}");
        json_fail(text, -E2BIG, "t.json: input is");
        json_fail(text, -E2BIG, "bytes, more than the limit of 1048576 bytes");

        /* a value of CONFIG_VALUE_MAX + 1 bytes */
        p = stpcpy(text, "{\"projects\":[{\"name\":\"p\",\"sleep\":\"");
        memset(p, 'x', CONFIG_VALUE_MAX + 1);
        strcpy(p + CONFIG_VALUE_MAX + 1, "\"}]}");
        json_fail(text, -E2BIG, "t.json: projects[0].sleep: value is 4097 bytes, more than the limit of 4096 bytes");

        /* more than CONFIG_MAX_SECTIONS */
        p = stpcpy(text, "{\"projects\":[");
        for (unsigned i = 0; i <= CONFIG_MAX_SECTIONS; i++)
                p += sprintf(p, "{\"name\":\"p%u\"},", i);
        strcpy(p - 1, "]}");
        json_fail(text, -E2BIG, "t.json: projects[4096]: more than 4096 projects, engines and tasks");

        /* too many params */
        p = stpcpy(text, "{\"projects\":[{\"name\":\"p\",\"engines\":[{\"name\":\"e\",\"type\":\"e\",\"params\":{");
        for (unsigned i = 0; i <= CONFIG_MAX_PARAMS; i++)
                p += sprintf(p, "\"k%u\":1,", i);
        strcpy(p - 1, "}}]}]}");
        len = strlen(text);
        json_fail(text, -E2BIG, "t.json: projects[0].engines[0]: more than 256 keys in one object");
        /* the limit counts the flattened section: project and name plus 254 params is fine */
        memmove(strstr(text, ",\"k254\""), "}}]}]}", 7);
        check(strlen(text) < len);
        {
                int r;
                Config *c = NULL;
                _cleanup_free_ char *e = test_parse_error(text, strlen(text), CONFIG_FORMAT_JSON, "t.json", &r, &c);
                check(e == NULL);
                if (c) {
                        check_int(c->sections[1].n_params, CONFIG_MAX_PARAMS);
                        config_free(c);
                }
        }
}

static void test_random(void) {
        static const char *const pieces[] = {
                "{", "}", "[", "]", ",", ":", "\"projects\"", "\"name\"", "\"engines\"", "\"tasks\"",
                "\"params\"", "\"type\"", "\"value\"", "\"slide\"", "\"thirdparty\"", "1", "-2", "1.5",
                "true", "null", "\"x\"", " ", "\n", "\"\\u0000\"", "\xff",
        };
        _cleanup_free_ char *buf = malloc(8192);
        uint64_t seed = 42;
        unsigned ok = 0;

        for (unsigned round = 0; round < 4000; round++) {
                size_t n = 0;
                Config *c = NULL;
                char *e;
                int r;

                for (;;) {
                        const char *piece;

                        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                        piece = pieces[(seed >> 40) % ELEMENTSOF(pieces)];
                        if ((seed >> 20) % 61 == 0 || n + strlen(piece) > 8000)
                                break;
                        n = stpcpy(buf + n, piece) - buf;
                }
                e = test_parse_error(buf, n, CONFIG_FORMAT_JSON, "rand", &r, &c);
                if (e) {
                        check(r == -EINVAL || r == -E2BIG);
                        check_contains(e, "rand");
                        free(e);
                } else {
                        ok++;
                        config_free(c);
                }
        }
        printf("random JSON inputs: %u of 4000 parsed\n", ok);
}

int main(void) {
        test_example();
        test_all();
        test_values();
        test_syntax_errors();
        test_structure_errors();
        test_limits();
        test_random();
        return test_summary();
}
