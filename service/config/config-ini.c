/* SPDX-License-Identifier: GPL-2.0-or-later */
/* etmem's INI files (GKeyFile-like): [project]/[engine]/[task], key=value, # comments. */

#include <errno.h>
#include <string.h>

#include "config-internal.h"
#include "config.h"
#include "macro.h"

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static void trim(const char **b, const char **e) {
        while (*b < *e && is_blank(**b))
                (*b)++;
        while (*e > *b && is_blank((*e)[-1]))
                (*e)--;
}

static int section_type_from(const char *b, size_t n, ConfigSectionType *ret) {
        static const struct {
                const char *name;
                ConfigSectionType type;
        } table[] = {
                { "project", CONFIG_SECTION_PROJECT },
                { "engine", CONFIG_SECTION_ENGINE },
                { "task", CONFIG_SECTION_TASK },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strlen(table[i].name) == n && memcmp(table[i].name, b, n) == 0) {
                        *ret = table[i].type;
                        return 0;
                }
        return -EINVAL;
}

int config_parse_ini(const char *text, size_t len, const char *source, Config **ret, ConfigError *err) {
        _cleanup_(config_freep) Config *c = NULL;
        const char *p, *end;
        unsigned line = 0;
        int r;

        r = config_check_text(text, len, source, err);
        if (r < 0)
                return r;

        c = config_new(source);
        if (!c)
                return -ENOMEM;
        c->format = CONFIG_FORMAT_INI;

        p = text;
        end = text + len;
        if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
                p += 3; /* a UTF-8 byte order mark, as some editors write */

        while (p < end) {
                const char *nl, *b, *e, *eq, *kb, *ke, *vb, *ve, *problem;
                const ConfigParam *dup;
                ConfigSection *s;
                _cleanup_free_ char *key = NULL;

                line++;
                nl = memchr(p, '\n', end - p);
                b = p;
                e = nl ?: end;
                p = nl ? nl + 1 : end;
                if (e > b && e[-1] == '\r')
                        e--; /* CRLF */
                trim(&b, &e);

                if (b == e || *b == '#')
                        continue;

                if (*b == '[') {
                        ConfigSectionType type;
                        const char *nb = b + 1, *ne = e - 1;

                        if (e - b < 2 || e[-1] != ']')
                                return config_error_set(err, source, line, NULL, NULL,
                                                        "malformed section header " SHOWN_FMT
                                                        " (valid: [project], [engine], [task])",
                                                        SHOWN_ARGS(b, (size_t) (e - b)));
                        trim(&nb, &ne);
                        if (section_type_from(nb, ne - nb, &type) < 0)
                                return config_error_set(err, source, line, NULL, NULL,
                                                        "unknown section " SHOWN_FMT
                                                        " (valid: [project], [engine], [task])",
                                                        SHOWN_ARGS(b, (size_t) (e - b)));
                        if (c->n_sections >= CONFIG_MAX_SECTIONS) {
                                config_error_set(err, source, line, NULL, NULL,
                                                 "more than %u sections", CONFIG_MAX_SECTIONS);
                                return -E2BIG;
                        }
                        if (!config_add_section_full(c, type, line, NULL))
                                return -ENOMEM;
                        continue;
                }

                eq = memchr(b, '=', e - b);
                if (!eq)
                        return config_error_set(err, source, line, NULL, NULL,
                                                "expected key=value, a [section] header or a # comment, got "
                                                SHOWN_FMT, SHOWN_ARGS(b, (size_t) (e - b)));
                kb = b, ke = eq, vb = eq + 1, ve = e;
                trim(&kb, &ke);
                trim(&vb, &ve);

                if (kb == ke)
                        return config_error_set(err, source, line, NULL, NULL, "empty key before '='");
                if ((size_t) (ke - kb) > CONFIG_KEY_MAX)
                        return config_error_set(err, source, line, NULL, NULL,
                                                "key " SHOWN_FMT " is longer than %u characters",
                                                SHOWN_ARGS(kb, (size_t) (ke - kb)), CONFIG_KEY_MAX);
                key = strndup(kb, ke - kb);
                if (!key)
                        return -ENOMEM;
                if (!config_key_is_valid(key))
                        return config_error_set(err, source, line, NULL, NULL,
                                                "invalid key " SHOWN_FMT
                                                " (keys are 1..%u characters of A-Z a-z 0-9 _ . -)",
                                                SHOWN(key), CONFIG_KEY_MAX);
                if (c->n_sections == 0)
                        return config_error_set(err, source, line, NULL, key,
                                                "key=value before the first section "
                                                "(start with [project], [engine] or [task])");
                if ((size_t) (ve - vb) > CONFIG_VALUE_MAX) {
                        config_error_set(err, source, line, NULL, key,
                                         "value is %zu bytes, more than the limit of %u bytes",
                                         (size_t) (ve - vb), CONFIG_VALUE_MAX);
                        return -E2BIG;
                }
                problem = config_value_problem(vb, ve - vb);
                if (problem)
                        return config_error_set(err, source, line, NULL, key, "%s", problem);

                s = &c->sections[c->n_sections - 1];
                dup = config_section_get(s, key);
                if (dup)
                        return config_error_set(err, source, line, NULL, key,
                                                "given twice in this [%s] section (first on line %u)",
                                                config_section_type_to_string(s->type), dup->line);
                if (s->n_params >= CONFIG_MAX_PARAMS) {
                        config_error_set(err, source, line, NULL, key,
                                         "more than %u keys in this [%s] section",
                                         CONFIG_MAX_PARAMS, config_section_type_to_string(s->type));
                        return -E2BIG;
                }

                r = config_section_add_full(s, kb, ke - kb, vb, ve - vb, line, NULL);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(c);
        return 0;
}
