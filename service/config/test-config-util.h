/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tiny test harness for the config tests (and the fuzz targets' round-trip checks). */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "macro.h"

static unsigned test_passed, test_failed;

#define check(expr)                                                                    \
        do {                                                                           \
                if (expr)                                                              \
                        test_passed++;                                                 \
                else {                                                                 \
                        test_failed++;                                                 \
                        fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #expr); \
                }                                                                      \
        } while (0)

#define check_int(a, b)                                                                          \
        do {                                                                                     \
                long long _a = (a), _b = (b);                                                    \
                if (_a == _b)                                                                    \
                        test_passed++;                                                           \
                else {                                                                           \
                        test_failed++;                                                           \
                        fprintf(stderr, "FAIL %s:%d: %s == %s: %lld != %lld\n", __FILE__, __LINE__, \
                                #a, #b, _a, _b);                                                 \
                }                                                                                \
        } while (0)

#define check_str(a, b)                                                                          \
        do {                                                                                     \
                const char *_a = (a), *_b = (b);                                                 \
                if (streq_ptr(_a, _b))                                                           \
                        test_passed++;                                                           \
                else {                                                                           \
                        test_failed++;                                                           \
                        fprintf(stderr, "FAIL %s:%d: %s == %s: \"%s\" != \"%s\"\n", __FILE__,     \
                                __LINE__, #a, #b, strna(_a), strna(_b));                         \
                }                                                                                \
        } while (0)

#define check_contains(hay, needle)                                                              \
        do {                                                                                     \
                const char *_h = (hay), *_n = (needle);                                          \
                if (_h && strstr(_h, _n))                                                        \
                        test_passed++;                                                           \
                else {                                                                           \
                        test_failed++;                                                           \
                        fprintf(stderr, "FAIL %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, \
                                __LINE__, strna(_h), _n);                                        \
                }                                                                                \
        } while (0)

static inline int test_summary(void) {
        printf("%u passed, %u failed\n", test_passed, test_failed);
        return test_failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Reads a whole file; aborts on error (test data must exist). */
static inline char *test_read_file(const char *path, size_t *ret_len) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t size = 0, len;

        if (!f) {
                fprintf(stderr, "cannot open %s: %m\n", path);
                abort();
        }
        _cleanup_fclose_ FILE *m = open_memstream(&buf, &size);
        char chunk[4096];
        while ((len = fread(chunk, 1, sizeof chunk, f)) > 0)
                fwrite(chunk, 1, len, m);
        fclose(TAKE_PTR(m));
        if (ret_len)
                *ret_len = size;
        return buf;
}

/* Parses text and returns the error string, or NULL if it parsed (then *ret, if given, gets it). */
static inline char *test_parse_error(const char *text, size_t len, ConfigFormat fmt, const char *source,
                                     int *ret_r, Config **ret) {
        ConfigError err = {};
        Config *c = NULL;
        char *s = NULL;
        int r;

        r = config_parse(text, len, fmt, source, &c, &err);
        if (ret_r)
                *ret_r = r;
        if (r < 0) {
                s = config_error_to_string(&err);
                if (!s)
                        abort();
        } else if (ret)
                *ret = c;
        else
                config_free(c);
        config_error_clear(&err);
        return s;
}

static inline int test_cmp_param(const void *a, const void *b) {
        const ConfigParam *x = *(const ConfigParam *const *) a, *y = *(const ConfigParam *const *) b;
        int r = strcmp(x->key, y->key);

        return r ? r : strcmp(x->value, y->value);
}

/* Same sections in the same order with the same key=value pairs (their order aside, since
 * the writers put the generic keys first).  ignore_state: the project key "state" is JSON only. */
static inline bool test_config_same(const Config *a, const Config *b, bool ignore_state) {
        if (a->n_sections != b->n_sections)
                return false;
        for (size_t i = 0; i < a->n_sections; i++) {
                const ConfigSection *s = &a->sections[i], *t = &b->sections[i];
                const ConfigParam *ls[CONFIG_MAX_PARAMS + 1], *lt[CONFIG_MAX_PARAMS + 1];
                size_t ns = 0, nt = 0;

                if (s->type != t->type || s->n_params > CONFIG_MAX_PARAMS || t->n_params > CONFIG_MAX_PARAMS)
                        return false;
                for (size_t j = 0; j < s->n_params; j++)
                        if (!(ignore_state && s->type == CONFIG_SECTION_PROJECT && streq(s->params[j].key, "state")))
                                ls[ns++] = &s->params[j];
                for (size_t j = 0; j < t->n_params; j++)
                        if (!(ignore_state && t->type == CONFIG_SECTION_PROJECT && streq(t->params[j].key, "state")))
                                lt[nt++] = &t->params[j];
                if (ns != nt)
                        return false;
                qsort(ls, ns, sizeof ls[0], test_cmp_param);
                qsort(lt, nt, sizeof lt[0], test_cmp_param);
                for (size_t j = 0; j < ns; j++)
                        if (!streq(ls[j]->key, lt[j]->key) || !streq(ls[j]->value, lt[j]->value))
                                return false;
        }
        return true;
}

static inline const char *test_get(const Config *c, size_t section, const char *key) {
        const ConfigParam *p;

        if (section >= c->n_sections)
                return NULL;
        p = config_section_get(&c->sections[section], key);
        return p ? p->value : NULL;
}
