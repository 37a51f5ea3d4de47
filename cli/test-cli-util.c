/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of etmemctl's pure helpers; no bus. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client-bus.h"
#include "macro.h"
#include "parse-util.h"
#include "table.h"

const char *program_name(void) {
        return "test-cli-util";
}

static int failures;

#define CHECK(cond)                                                                     \
        do {                                                                            \
                if (!(cond)) {                                                          \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
                        failures++;                                                     \
                }                                                                       \
        } while (0)

static void test_numbers(void) {
        uint32_t v = 77;

        CHECK(parse_uint32_range("1", 1, 10, &v) == 0 && v == 1);
        CHECK(parse_uint32_range("10", 1, 10, &v) == 0 && v == 10);
        CHECK(parse_uint32_range("0", 0, 100, &v) == 0 && v == 0);
        v = 77;
        CHECK(parse_uint32_range("11", 1, 10, &v) == -ERANGE && v == 77);
        CHECK(parse_uint32_range("0", 1, 10, &v) == -ERANGE);
        CHECK(parse_uint32_range("99999999999999999999999", 1, 10, &v) == -ERANGE);
        CHECK(parse_uint32_range("4294967296", 0, UINT32_MAX, &v) == -ERANGE);
        CHECK(parse_uint32_range("4294967295", 0, UINT32_MAX, &v) == 0 && v == UINT32_MAX);
        CHECK(parse_uint32_range("", 1, 10, &v) == -EINVAL);
        CHECK(parse_uint32_range("x", 1, 10, &v) == -EINVAL);
        CHECK(parse_uint32_range("-1", 0, 10, &v) == -EINVAL);
        CHECK(parse_uint32_range("+1", 0, 10, &v) == -EINVAL);
        CHECK(parse_uint32_range(" 1", 0, 10, &v) == -EINVAL);
        CHECK(parse_uint32_range("1 ", 0, 10, &v) == -EINVAL);
        CHECK(parse_uint32_range("0x5", 0, 10, &v) == -EINVAL);
        CHECK(parse_uint32_range("99999999999999999999x", 0, 10, &v) == -EINVAL);
}

static void test_names(void) {
        char long_name[NAME_MAX_LEN + 2];

        CHECK(name_is_valid("test"));
        CHECK(name_is_valid("a.b-c_D9"));
        CHECK(name_is_valid("_x"));
        CHECK(!name_is_valid(""));
        CHECK(!name_is_valid(NULL));
        CHECK(!name_is_valid(".hidden"));
        CHECK(!name_is_valid("-opt"));
        CHECK(!name_is_valid("a b"));
        CHECK(!name_is_valid("a/b"));
        CHECK(!name_is_valid("ä"));
        memset(long_name, 'a', NAME_MAX_LEN);
        long_name[NAME_MAX_LEN] = '\0';
        CHECK(name_is_valid(long_name));
        long_name[NAME_MAX_LEN] = 'a';
        long_name[NAME_MAX_LEN + 1] = '\0';
        CHECK(!name_is_valid(long_name));
}

static void test_kv(void) {
        _cleanup_free_ char *key = NULL;
        const char *value = NULL;
        _cleanup_free_ char *big = NULL;
        char *k2 = NULL;

        CHECK(kv_split("T=1", &key, &value) == 0);
        CHECK(key && streq(key, "T") && streq(value, "1"));
        free(key);
        key = NULL;
        CHECK(kv_split("node_pair=2,0;3,1", &key, &value) == 0);
        CHECK(key && streq(key, "node_pair") && streq(value, "2,0;3,1"));
        free(key);
        key = NULL;
        CHECK(kv_split("empty=", &key, &value) == 0 && streq(value, ""));
        free(key);
        key = NULL;
        CHECK(kv_split("a=b=c", &key, &value) == 0 && streq(key, "a") && streq(value, "b=c"));
        CHECK(kv_split("novalue", &k2, &value) == -EINVAL && !k2);
        CHECK(kv_split("=x", &k2, &value) == -EINVAL);
        CHECK(kv_split("a b=x", &k2, &value) == -EINVAL);
        big = malloc(VALUE_MAX_LEN + 4);
        CHECK(big);
        if (big) {
                memcpy(big, "k=", 2);
                memset(big + 2, 'v', VALUE_MAX_LEN + 1);
                big[VALUE_MAX_LEN + 3] = '\0';
                CHECK(kv_split(big, &k2, &value) == -E2BIG);
                big[VALUE_MAX_LEN + 2] = '\0';
                CHECK(kv_split(big, &k2, &value) == 0 && strlen(value) == VALUE_MAX_LEN);
                free(k2);
        }
}

static void test_key_values(void) {
        static const char *const reserved[] = { "type", NULL };
        char *ok[] = { (char *) "T=1", (char *) "max_threads=2" };
        char *dup[] = { (char *) "T=1", (char *) "T=2" };
        char *res[] = { (char *) "type=pid" };
        _cleanup_strv_free_ char **l = NULL;
        char **l2 = NULL;

        CHECK(parse_key_values("v", ok, 2, reserved, "hint", &l) == 0);
        CHECK(l && streq(l[0], "T") && streq(l[1], "1") && streq(l[2], "max_threads") &&
              streq(l[3], "2") && !l[4]);
        fprintf(stderr, "(two usage messages expected below)\n");
        CHECK(parse_key_values("v", dup, 2, reserved, "hint", &l2) == 2 && !l2);
        CHECK(parse_key_values("v", res, 1, reserved, "hint", &l2) == 2 && !l2);
}

static void test_utf8(void) {
        CHECK(utf8_is_valid("", 0));
        CHECK(utf8_is_valid("plain [project]\nname=x\n", 23));
        CHECK(utf8_is_valid("\xc3\xa4\xe2\x82\xac\xf0\x9f\x98\x80", 9)); /* a-umlaut, euro, emoji */
        CHECK(!utf8_is_valid("\xff", 1));
        CHECK(!utf8_is_valid("\xc3", 1));                  /* truncated */
        CHECK(!utf8_is_valid("\xc0\x80", 2));              /* overlong NUL */
        CHECK(!utf8_is_valid("\xe0\x80\xaf", 3));          /* overlong '/' */
        CHECK(!utf8_is_valid("\xed\xa0\x80", 3));          /* surrogate */
        CHECK(!utf8_is_valid("\xf4\x90\x80\x80", 4));      /* above U+10FFFF */
        CHECK(!utf8_is_valid("a\x80", 2));                 /* stray continuation */
}

static void test_paths(void) {
        _cleanup_free_ char *p = NULL, *e = NULL, *t = NULL, *odd = NULL;

        CHECK(bus_project_path("test", &p) >= 0 && streq(p, "/org/etmem/project/test"));
        CHECK(bus_engine_path("test", "slide", &e) >= 0 &&
              streq(e, "/org/etmem/project/test/engine/slide"));
        CHECK(bus_task_path("test", "slide", "t1", &t) >= 0 &&
              streq(t, "/org/etmem/project/test/engine/slide/task/t1"));
        /* '.' and '-' are not valid in a path element and must be escaped (_2e, _2d). */
        CHECK(bus_task_path("a.b", "c-d", "e_f", &odd) >= 0);
        CHECK(odd && streq(odd, "/org/etmem/project/a_2eb/engine/c_2dd/task/e_5ff"));
        if (odd)
                fprintf(stderr, "escaped path: %s\n", odd);
}

static void test_table(void) {
        static const char *const headers[] = { "NAME", ">COUNT", "NOTE", NULL };
        _cleanup_table_ Table *t = NULL;
        _cleanup_free_ char *out = NULL;
        size_t size = 0;
        FILE *f;

        CHECK(table_new(headers, &t) == 0);
        if (!t)
                return;
        CHECK(table_add_row(t, (const char *[]) { "a", "5", "" }) == 0);
        CHECK(table_add_row(t, (const char *[]) { "longer", "12345", "x" }) == 0);
        CHECK(table_rows(t) == 2);
        f = open_memstream(&out, &size);
        CHECK(f);
        if (!f)
                return;
        CHECK(table_print(t, f) == 0);
        fclose(f);
        CHECK(out && streq(out,
                           "NAME    COUNT  NOTE\n"
                           "a           5  -\n"
                           "longer  12345  x\n"));
        if (out)
                fprintf(stderr, "table:\n%s", out);
}

int main(void) {
        test_numbers();
        test_names();
        test_kv();
        test_key_values();
        test_utf8();
        test_paths();
        test_table();
        if (failures) {
                fprintf(stderr, "%d check(s) failed\n", failures);
                return EXIT_FAILURE;
        }
        fprintf(stderr, "all checks passed\n");
        return EXIT_SUCCESS;
}
