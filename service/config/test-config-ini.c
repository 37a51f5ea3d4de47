/* SPDX-License-Identifier: GPL-2.0-or-later */
/* INI parsing: etmem's seed examples, every syntax error class, limits, random input. */

#include <stdint.h>

#include "test-config-util.h"

static Config *parse_ok(const char *text, const char *source) {
        Config *c = NULL;
        int r;
        _cleanup_free_ char *e = test_parse_error(text, strlen(text), CONFIG_FORMAT_INI, source, &r, &c);

        if (e) {
                fprintf(stderr, "unexpected error: %s\n", e);
                test_failed++;
                return NULL;
        }
        test_passed++;
        return c;
}

/* Returns the error for text, checking that it failed with errno r. */
static char *parse_fail(const char *text, size_t len, int expected_r) {
        int r = 0;
        char *e = test_parse_error(text, len, CONFIG_FORMAT_INI, "t.ini", &r, NULL);

        check(e != NULL);
        check_int(r, expected_r);
        return e ?: strdup("(parsed)");
}

static Config *parse_data_file(const char *name) {
        _cleanup_free_ char *path = NULL;
        ConfigError err = {};
        Config *c = NULL;
        int r;

        if (asprintf(&path, "%s/%s", TEST_DATA_DIR, name) < 0)
                abort();
        r = config_parse_file(path, CONFIG_FORMAT_AUTO, &c, &err);
        if (r < 0) {
                _cleanup_free_ char *s = config_error_to_string(&err);

                fprintf(stderr, "FAIL parsing %s: %s\n", path, s);
                test_failed++;
                config_error_clear(&err);
                return NULL;
        }
        test_passed++;
        check(c->format == CONFIG_FORMAT_INI);
        check_contains(c->source, name);
        return c;
}

static void check_project_test(const Config *c) {
        check_int(c->sections[0].type, CONFIG_SECTION_PROJECT);
        check_int(c->sections[0].line, 1);
        check_int(c->sections[0].n_params, 4);
        check_str(test_get(c, 0, "name"), "test");
        check_str(test_get(c, 0, "loop"), "1");
        check_str(test_get(c, 0, "interval"), "1");
        check_str(test_get(c, 0, "sleep"), "1");
        check_int(config_section_get(&c->sections[0], "sleep")->line, 5);
        check(config_section_get(&c->sections[0], "sleep")->path == NULL);
}

static void test_seed_examples(void) {
        _cleanup_(config_freep) Config *slide = parse_data_file("slide_conf.ini");
        _cleanup_(config_freep) Config *cslide = parse_data_file("cslide_conf.ini");
        _cleanup_(config_freep) Config *third = parse_data_file("thirdparty_conf.ini");

        if (!slide || !cslide || !third)
                return;

        check_int(slide->n_sections, 3);
        check_project_test(slide);
        check_int(slide->sections[1].type, CONFIG_SECTION_ENGINE);
        check_int(slide->sections[1].line, 8);
        check_str(test_get(slide, 1, "name"), "slide");
        check_str(test_get(slide, 1, "project"), "test");
        check_int(slide->sections[2].type, CONFIG_SECTION_TASK);
        check_int(slide->sections[2].line, 12);
        check_int(slide->sections[2].n_params, 7);
        check_str(test_get(slide, 2, "engine"), "slide");
        check_str(test_get(slide, 2, "name"), "background_slide");
        check_str(test_get(slide, 2, "type"), "name");
        check_str(test_get(slide, 2, "value"), "mysql");
        check_str(test_get(slide, 2, "T"), "1");
        check_str(test_get(slide, 2, "max_threads"), "1");
        check_int(config_section_get(&slide->sections[2], "max_threads")->line, 19);
        /* keys keep file order */
        check_str(slide->sections[2].params[5].key, "T");
        check_str(slide->sections[2].params[6].key, "max_threads");

        check_int(cslide->n_sections, 3);
        check_project_test(cslide);
        check_str(test_get(cslide, 1, "name"), "cslide");
        check_str(test_get(cslide, 1, "node_pair"), "2,0;3,1");
        check_str(test_get(cslide, 1, "hot_threshold"), "1");
        check_str(test_get(cslide, 1, "node_mig_quota"), "1024");
        check_str(test_get(cslide, 1, "node_hot_reserve"), "1024");
        check_str(test_get(cslide, 2, "type"), "pid");
        check_str(test_get(cslide, 2, "value"), "23456");
        check_str(test_get(cslide, 2, "vm_flags"), "ht");
        check_str(test_get(cslide, 2, "anon_only"), "no");
        check_str(test_get(cslide, 2, "ign_host"), "no");

        check_int(third->n_sections, 3);
        check_project_test(third);
        check_str(test_get(third, 1, "name"), "thirdparty");
        check_str(test_get(third, 1, "eng_name"), "my_engine");
        check_str(test_get(third, 1, "libname"), "/usr/lib/etmem_fetch/my_engine.so");
        check_str(test_get(third, 1, "ops_name"), "my_engine_ops");
        check_str(test_get(third, 1, "engine_private_key"), "engine_private_value");
        check_str(test_get(third, 2, "engine"), "my_engine");
        check_str(test_get(third, 2, "value"), "12345");
        check_str(test_get(third, 2, "task_private_key"), "task_private_value");
}

static void test_upstream_typo_refused(void) {
        _cleanup_free_ char *path = NULL, *s = NULL;
        ConfigError err = {};
        Config *c = NULL;
        int r;

        if (asprintf(&path, "%s/cslide_conf_upstream_typo.ini", TEST_DATA_DIR) < 0)
                abort();
        r = config_parse_file(path, CONFIG_FORMAT_INI, &c, &err);
        check_int(r, -EINVAL);
        check(c == NULL);
        check_int(err.line, 21);
        check_str(err.key, "name");
        s = config_error_to_string(&err);
        check_contains(s, "cslide_conf_upstream_typo.ini:21: key 'name': given twice");
        check_contains(s, "(first on line 19)");
        config_error_clear(&err);
}

static void test_syntax(void) {
        _cleanup_(config_freep) Config *c = NULL;

        /* comments, blank lines, whitespace around keys and values, CRLF, several engines/tasks */
        c = parse_ok("# leading comment\r\n"
                     "\r\n"
                     "[project]\r\n"
                     "  name =  p1 \r\n"
                     "\tloop\t=\t2\r\n"
                     "   # indented comment\r\n"
                     "[engine]\n"
                     "name=slide\n"
                     "project=p1\n"
                     "[ engine ]\n"
                     "name=cslide\n"
                     "project=p1\n"
                     "empty=\n"
                     "[task]\n"
                     "a=b=c\n"
                     "[task]\n"
                     "x=#not a comment\n"
                     "utf8=héllo wörld\n",
                     "ok.ini");
        if (c) {
                check_int(c->n_sections, 5);
                check_str(c->source, "ok.ini");
                check_int(c->sections[0].line, 3);
                check_str(test_get(c, 0, "name"), "p1");
                check_str(test_get(c, 0, "loop"), "2");
                check_int(config_section_get(&c->sections[0], "loop")->line, 5);
                check_str(test_get(c, 1, "name"), "slide");
                check_str(test_get(c, 2, "name"), "cslide");
                check_int(c->sections[2].line, 10);
                check_str(test_get(c, 2, "empty"), "");
                check_int(c->sections[3].type, CONFIG_SECTION_TASK);
                check_str(test_get(c, 3, "a"), "b=c");
                check_str(test_get(c, 4, "x"), "#not a comment");
                check_str(test_get(c, 4, "utf8"), "héllo wörld");
        }
        config_free(TAKE_PTR(c));

        /* empty input and only comments: no sections */
        c = parse_ok("", "e.ini");
        if (c)
                check_int(c->n_sections, 0);
        config_free(TAKE_PTR(c));
        c = parse_ok("# nothing\n\n", "e.ini");
        if (c)
                check_int(c->n_sections, 0);
        config_free(TAKE_PTR(c));

        /* a section without keys, a file without final newline, a BOM */
        c = parse_ok("\xef\xbb\xbf[project]\n[task]\nk=v", "e.ini");
        if (c) {
                check_int(c->n_sections, 2);
                check_int(c->sections[0].n_params, 0);
                check_str(test_get(c, 1, "k"), "v");
        }
}

static void test_errors(void) {
        char *e;

#define EXPECT(text, r, ...)                                                  \
        do {                                                                  \
                const char *_needles[] = { __VA_ARGS__ };                     \
                e = parse_fail(text, strlen(text), r);                        \
                for (size_t _i = 0; _i < ELEMENTSOF(_needles); _i++)          \
                        check_contains(e, _needles[_i]);                      \
                free(e);                                                      \
        } while (0)

        EXPECT("[project]\nname=a\n[foo]\n", -EINVAL,
               "t.ini:3: unknown section '[foo]' (valid: [project], [engine], [task])");
        EXPECT("[Project]\n", -EINVAL, "t.ini:1: unknown section '[Project]'");
        EXPECT("# c\nname=x\n[project]\n", -EINVAL,
               "t.ini:2: key 'name': key=value before the first section");
        EXPECT("[project]\nname=a\nloop\n", -EINVAL,
               "t.ini:3: expected key=value, a [section] header or a # comment, got 'loop'");
        EXPECT("[project]\nname=a\n  =3\n", -EINVAL, "t.ini:3: empty key before '='");
        EXPECT("[project]\nna me=a\n", -EINVAL, "t.ini:2: invalid key 'na me' (keys are 1..64 characters");
        EXPECT("[project]\nname=a\n\nname = b\n", -EINVAL,
               "t.ini:4: key 'name': given twice in this [project] section (first on line 2)");
        EXPECT("[project\n", -EINVAL, "t.ini:1: malformed section header '[project'");
        EXPECT("[task]\nvalue=a\x01z\n", -EINVAL, "t.ini:2: key 'value': value contains a control character");
        EXPECT("[task]\nvalue=a\rz\n", -EINVAL, "t.ini:2: key 'value': value contains a control character");
        /* the same key in two sections is fine, duplicates are per section */
        {
                _cleanup_(config_freep) Config *c = parse_ok("[task]\nname=a\n[task]\nname=a\n", "d.ini");
                if (c)
                        check_int(c->n_sections, 2);
        }

        /* NUL byte, with its line */
        e = parse_fail("[project]\nname=a\0b\n", 19, -EINVAL);
        check_contains(e, "t.ini:2: NUL byte in input");
        free(e);

        /* invalid UTF-8: a stray continuation byte, an overlong '/', a surrogate, a truncated sequence */
        EXPECT("[project]\nname=ok\nloop=\x80\n", -EINVAL, "t.ini:3: invalid UTF-8 (byte 0x80");
        EXPECT("[project]\nname=\xc0\xaf\n", -EINVAL, "t.ini:2: invalid UTF-8 (byte 0xc0");
        EXPECT("[task]\n\nv=\xed\xa0\x80\n", -EINVAL, "t.ini:3: invalid UTF-8 (byte 0xed");
        EXPECT("[task]\nv=\xe2\x82", -EINVAL, "t.ini:2: invalid UTF-8");
#undef EXPECT
}

static void test_limits(void) {
        _cleanup_free_ char *big = NULL, *text = NULL, *val = NULL;
        size_t n, len;
        char *e, *p;

        /* 2 MiB of valid-looking input */
        n = 2u * 1024 * 1024;
        big = malloc(n);
        for (size_t i = 0; i < n; i++)
                big[i] = "[task]\nk=v\n"[i % 11];
        e = parse_fail(big, n, -E2BIG);
        check_contains(e, "t.ini: input is 2097152 bytes, more than the limit of 1048576 bytes");
        free(e);

        /* exactly the limit is fine: a comment padded to CONFIG_MAX_BYTES */
        memset(big, '#', CONFIG_MAX_BYTES);
        memcpy(big, "[task]\nk=v\n", 11);
        {
                Config *c = NULL;
                int r;
                _cleanup_free_ char *err = test_parse_error(big, CONFIG_MAX_BYTES, CONFIG_FORMAT_INI, "t", &r, &c);
                check(err == NULL);
                if (c) {
                        check_int(c->n_sections, 1);
                        config_free(c);
                }
        }

        /* CONFIG_MAX_SECTIONS sections parse, one more does not */
        text = malloc((CONFIG_MAX_SECTIONS + 1) * 7 + 1);
        p = text;
        for (unsigned i = 0; i < CONFIG_MAX_SECTIONS; i++)
                p = stpcpy(p, "[task]\n");
        {
                Config *c = NULL;
                int r;
                _cleanup_free_ char *err = test_parse_error(text, p - text, CONFIG_FORMAT_INI, "t", &r, &c);
                check(err == NULL);
                if (c) {
                        check_int(c->n_sections, CONFIG_MAX_SECTIONS);
                        config_free(c);
                }
        }
        p = stpcpy(p, "[task]\n");
        e = parse_fail(text, p - text, -E2BIG);
        check_contains(e, "t.ini:4097: more than 4096 sections");
        free(e);

        /* values: CONFIG_VALUE_MAX bytes are fine, one more is not */
        val = malloc(CONFIG_VALUE_MAX + 32);
        len = sprintf(val, "[task]\nkey=");
        memset(val + len, 'x', CONFIG_VALUE_MAX);
        val[len + CONFIG_VALUE_MAX] = '\n';
        {
                Config *c = NULL;
                int r;
                _cleanup_free_ char *err = test_parse_error(val, len + CONFIG_VALUE_MAX + 1, CONFIG_FORMAT_INI,
                                                            "t", &r, &c);
                check(err == NULL);
                if (c) {
                        check_int(strlen(test_get(c, 0, "key")), CONFIG_VALUE_MAX);
                        config_free(c);
                }
        }
        val[len + CONFIG_VALUE_MAX] = 'x';
        val[len + CONFIG_VALUE_MAX + 1] = '\n';
        e = parse_fail(val, len + CONFIG_VALUE_MAX + 2, -E2BIG);
        check_contains(e, "t.ini:2: key 'key': value is 4097 bytes, more than the limit of 4096 bytes");
        free(e);

        /* keys per section */
        free(text);
        text = malloc(16 * (CONFIG_MAX_PARAMS + 2));
        p = stpcpy(text, "[engine]\n");
        for (unsigned i = 0; i <= CONFIG_MAX_PARAMS; i++)
                p += sprintf(p, "k%u=v\n", i);
        e = parse_fail(text, p - text, -E2BIG);
        check_contains(e, "t.ini:258: key 'k256': more than 256 keys in this [engine] section");
        free(e);

        /* long garbage lines are quoted shortened in messages */
        free(text);
        text = malloc(100001);
        memset(text, 'z', 100000);
        memcpy(text, "[task]\n", 7);
        e = parse_fail(text, 100000, -EINVAL);
        check_contains(e, "t.ini:2: expected key=value");
        check(strlen(e) < 200);
        free(e);
}

static void test_random(void) {
        unsigned ok = 0;
        uint64_t seed = 0x9e3779b97f4a7c15ull;
        _cleanup_free_ char *buf = malloc(4096);

        /* random bytes and random lines from an alphabet that reaches the interesting states */
        for (unsigned round = 0; round < 4000; round++) {
                size_t n;
                Config *c = NULL;
                char *e;
                int r;

                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                n = (seed >> 33) % 4096;
                if (round % 2)
                        for (size_t i = 0; i < n; i++) {
                                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                                buf[i] = (char) (seed >> 56);
                        }
                else {
                        static const char *const pieces[] = {
                                "[project]\n", "[engine]\n", "[task]\n", "name=x\n", "k=v\n", "# c\n", "\n",
                                "\r\n", "=", "[", "]", " ", "\t", "\xc3\xa9", "\xff", "\0", "a",
                        };
                        size_t i = 0;

                        for (;;) {
                                const char *piece;
                                size_t l;

                                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                                piece = pieces[(seed >> 40) % ELEMENTSOF(pieces)];
                                l = MAX(strlen(piece), (size_t) 1); /* "\0" is one NUL byte */
                                if ((seed >> 20) % 97 == 0 || i + l > n)
                                        break;
                                memcpy(buf + i, piece, l);
                                i += l;
                        }
                        n = i;
                }
                e = test_parse_error(buf, n, CONFIG_FORMAT_INI, "rand", &r, &c);
                if (e) {
                        check(r == -EINVAL || r == -E2BIG);
                        check_contains(e, "rand");
                        free(e);
                } else {
                        ok++;
                        config_free(c);
                }
        }
        printf("random inputs: %u of 4000 parsed\n", ok);
        check(ok > 0);
}

static void test_error_format(void) {
        ConfigError e = {};
        char *s;

        config_error_set(&e, "f.ini", 7, NULL, "loop", "%d is out of range 1..10", 11);
        s = config_error_to_string(&e);
        check_str(s, "f.ini:7: key 'loop': 11 is out of range 1..10");
        free(s);
        config_error_set(&e, "f.json", 0, "projects[0].engines[1].tasks[0]", "type", "bad");
        s = config_error_to_string(&e);
        check_str(s, "f.json: projects[0].engines[1].tasks[0]: key 'type': bad");
        free(s);
        /* a path that already ends in the key does not repeat it */
        config_error_set(&e, "f.json", 0, "projects[0].loop", "loop", "bad");
        s = config_error_to_string(&e);
        check_str(s, "f.json: projects[0].loop: bad");
        free(s);
        config_error_set(&e, NULL, 3, NULL, NULL, "oops");
        s = config_error_to_string(&e);
        check_str(s, "line 3: oops");
        free(s);
        config_error_set(&e, NULL, 0, NULL, NULL, "just this");
        s = config_error_to_string(&e);
        check_str(s, "just this");
        free(s);
        /* setting from its own fields is safe */
        config_error_set(&e, e.message, 1, NULL, NULL, "%s", e.message);
        s = config_error_to_string(&e);
        check_str(s, "just this:1: just this");
        free(s);
        config_error_clear(&e);
        check(e.message == NULL);
}

static void test_auto_and_file(void) {
        ConfigError err = {};
        Config *c = NULL;
        char *s;
        int r;

        r = config_parse_file("/nonexistent/etmem.conf", CONFIG_FORMAT_AUTO, &c, &err);
        check_int(r, -ENOENT);
        s = config_error_to_string(&err);
        check_contains(s, "/nonexistent/etmem.conf: cannot open");
        free(s);

        r = config_parse("  \n {\"projects\": []}", 20, CONFIG_FORMAT_AUTO, "a", &c, &err);
        check_int(r, 0);
        if (r == 0) {
                check(c->format == CONFIG_FORMAT_JSON);
                config_free(TAKE_PTR(c));
        }
        r = config_parse("[task]\n", 7, CONFIG_FORMAT_AUTO, "a", &c, &err);
        check_int(r, 0);
        if (r == 0) {
                check(c->format == CONFIG_FORMAT_INI);
                config_free(TAKE_PTR(c));
        }
        config_error_clear(&err);

        {
                ConfigFormat f = CONFIG_FORMAT_INI;
                check_int(config_format_from_string("", &f), 0);
                check(f == CONFIG_FORMAT_AUTO);
                check_int(config_format_from_string("json", &f), 0);
                check(f == CONFIG_FORMAT_JSON);
                check_int(config_format_from_string("yaml", &f), -EINVAL);
        }
}

int main(void) {
        test_seed_examples();
        test_upstream_typo_refused();
        test_syntax();
        test_errors();
        test_limits();
        test_random();
        test_error_format();
        test_auto_and_file();
        return test_summary();
}
