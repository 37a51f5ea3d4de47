/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON form (json-c), flattened into the same section list as an INI file:
 * each project, then each of its engines followed by that engine's tasks. */

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config-internal.h"
#include "config.h"
#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener *, json_tokener_free)

typedef struct Ctx {
        Config *c;
        ConfigError *err;
} Ctx;

/* What a JSON value may be for a given key. */
typedef enum Accept {
        ACCEPT_STRING = 1 << 0,
        ACCEPT_INT = 1 << 1,
        ACCEPT_BOOL = 1 << 2,
} Accept;

static const char *json_type_noun(json_type t) {
        switch (t) {
        case json_type_null:
                return "null";
        case json_type_boolean:
                return "a boolean";
        case json_type_double:
                return "a floating-point number";
        case json_type_int:
                return "an integer";
        case json_type_object:
                return "an object";
        case json_type_array:
                return "an array";
        case json_type_string:
                return "a string";
        }
        return "something else";
}

static int fail(Ctx *x, const char *path, const char *key, const char *fmt, ...) _printf_(4, 5);
static int fail(Ctx *x, const char *path, const char *key, const char *fmt, ...) {
        _cleanup_free_ char *m = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);
        return config_error_set(x->err, x->c->source, 0, path, key, "%s", m ?: "out of memory");
}

static int fail_limit(Ctx *x, const char *path, const char *what, unsigned limit) {
        config_error_set(x->err, x->c->source, 0, path, NULL, "more than %u %s", limit, what);
        return -E2BIG;
}

/* Converts a scalar to the model's text form: "3", "yes"/"no", or the string. */
static int to_text(Ctx *x, json_object *v, Accept accept, const char *path, const char *key, char **ret) {
        json_type t = json_object_get_type(v);
        const char *s, *problem;
        size_t len;
        char *copy;

        if (t == json_type_string && (accept & ACCEPT_STRING)) {
                s = json_object_get_string(v);
                len = json_object_get_string_len(v);
        } else if (t == json_type_int && (accept & ACCEPT_INT)) {
                s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
                len = strlen(s);
        } else if (t == json_type_boolean && (accept & ACCEPT_BOOL)) {
                s = json_object_get_boolean(v) ? "yes" : "no";
                len = strlen(s);
        } else
                return fail(x, path, key, "must be %s%s%s, not %s",
                            (accept & ACCEPT_STRING) ? "a string" : "",
                            (accept & ACCEPT_INT) ? ((accept & ACCEPT_BOOL) ? ", an integer" : " or an integer") : "",
                            (accept & ACCEPT_BOOL) ? " or a boolean" : "",
                            json_type_noun(t));

        if (len > CONFIG_VALUE_MAX) {
                config_error_set(x->err, x->c->source, 0, path, key,
                                 "value is %zu bytes, more than the limit of %u bytes", len, CONFIG_VALUE_MAX);
                return -E2BIG;
        }
        problem = config_value_problem(s, len);
        if (problem)
                return fail(x, path, key, "%s", problem);

        copy = strndup(s, len);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

static int add(Ctx *x, size_t si, const char *key, const char *value, const char *path) {
        ConfigSection *s = &x->c->sections[si];
        const ConfigParam *dup;

        dup = config_section_get(s, key);
        if (dup)
                return fail(x, path, key, "conflicts with %s (the same key in the flattened [%s] section)",
                            dup->path ?: "an earlier key", config_section_type_to_string(s->type));
        if (s->n_params >= CONFIG_MAX_PARAMS)
                return fail_limit(x, s->path, "keys in one object", CONFIG_MAX_PARAMS);
        return config_section_add_full(s, key, strlen(key), value, strlen(value), 0, path);
}

static int add_value(Ctx *x, size_t si, const char *key, json_object *v, Accept accept,
                     const char *parent_path) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        int r;

        if (asprintf(&path, "%s.%s", parent_path, key) < 0)
                return -ENOMEM;
        r = to_text(x, v, accept, path, key, &text);
        if (r < 0)
                return r;
        return add(x, si, key, text, path);
}

static int new_section(Ctx *x, ConfigSectionType type, const char *path, size_t *ret) {
        if (x->c->n_sections >= CONFIG_MAX_SECTIONS)
                return fail_limit(x, path, "projects, engines and tasks", CONFIG_MAX_SECTIONS);
        if (!config_add_section_full(x->c, type, 0, path))
                return -ENOMEM;
        *ret = x->c->n_sections - 1;
        return 0;
}

static bool in_list(const char *key, const char *const *list) {
        for (; *list; list++)
                if (streq(key, *list))
                        return true;
        return false;
}

static int check_keys(Ctx *x, json_object *o, const char *path, const char *const *valid, const char *valid_text) {
        json_object_object_foreach(o, key, v) {
                (void) v;
                if (!in_list(key, valid)) {
                        _cleanup_free_ char *k = strndup(key, config_shown_len(key, strlen(key)));

                        return fail(x, path[0] ? path : NULL, k ?: "?", "unknown key (valid: %s)", valid_text);
                }
        }
        return 0;
}

/* A required string member; *ret points into o. */
static int get_string(Ctx *x, json_object *o, const char *path, const char *key, const char **ret) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v))
                return fail(x, path, key, "missing (required)");
        if (!json_object_is_type(v, json_type_string)) {
                _cleanup_free_ char *kp = NULL;

                if (asprintf(&kp, "%s.%s", path, key) < 0)
                        return -ENOMEM;
                return fail(x, kp, key, "must be a string, not %s", json_type_noun(json_object_get_type(v)));
        }
        *ret = json_object_get_string(v);
        return 0;
}

static int get_container(Ctx *x, json_object *o, const char *path, const char *key, json_type type,
                         json_object **ret) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v)) {
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, type)) {
                _cleanup_free_ char *kp = NULL;

                if (asprintf(&kp, "%s.%s", path, key) < 0)
                        return -ENOMEM;
                return fail(x, kp, key, "must be %s, not %s", json_type_noun(type),
                            json_type_noun(json_object_get_type(v)));
        }
        *ret = v;
        return 0;
}

static int add_params(Ctx *x, size_t si, json_object *params, const char *path) {
        _cleanup_free_ char *ppath = NULL;

        if (!params)
                return 0;
        if (asprintf(&ppath, "%s.params", path) < 0)
                return -ENOMEM;
        json_object_object_foreach(params, key, v) {
                int r;

                if (!config_key_is_valid(key)) {
                        _cleanup_free_ char *k = strndup(key, config_shown_len(key, strlen(key)));

                        return fail(x, ppath, k ?: "?",
                                    "invalid key (keys are 1..%u characters of A-Z a-z 0-9 _ . -)",
                                    CONFIG_KEY_MAX);
                }
                r = add_value(x, si, key, v, ACCEPT_STRING | ACCEPT_INT | ACCEPT_BOOL, ppath);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The flattened sections refer to their parents by name; the path says where the name came from. */
static int add_ref(Ctx *x, size_t si, const char *key, const char *value, const char *path) {
        if (config_value_problem(value, strlen(value)))
                return 0; /* reported where the name itself is added */
        return add(x, si, key, value, path);
}

static int parse_task(Ctx *x, json_object *t, const char *epath, size_t k,
                      const char *project, const char *project_path,
                      const char *engine, const char *engine_path) {
        static const char *const valid[] = { "name", "type", "value", "params", NULL };
        _cleanup_free_ char *path = NULL;
        json_object *params, *v;
        size_t si;
        int r;

        if (asprintf(&path, "%s.tasks[%zu]", epath, k) < 0)
                return -ENOMEM;
        if (!json_object_is_type(t, json_type_object))
                return fail(x, path, NULL, "must be an object, not %s", json_type_noun(json_object_get_type(t)));
        r = check_keys(x, t, path, valid, "name, type, value, params");
        if (r < 0)
                return r;
        r = get_container(x, t, path, "params", json_type_object, &params);
        if (r < 0)
                return r;

        r = new_section(x, CONFIG_SECTION_TASK, path, &si);
        if (r < 0)
                return r;
        r = add_ref(x, si, "project", project, project_path);
        if (r < 0)
                return r;
        r = add_ref(x, si, "engine", engine, engine_path);
        if (r < 0)
                return r;
        if (json_object_object_get_ex(t, "name", &v)) {
                r = add_value(x, si, "name", v, ACCEPT_STRING, path);
                if (r < 0)
                        return r;
        }
        if (json_object_object_get_ex(t, "type", &v)) {
                r = add_value(x, si, "type", v, ACCEPT_STRING, path);
                if (r < 0)
                        return r;
        }
        if (json_object_object_get_ex(t, "value", &v)) {
                r = add_value(x, si, "value", v, ACCEPT_STRING | ACCEPT_INT, path);
                if (r < 0)
                        return r;
        }
        return add_params(x, si, params, path);
}

static int parse_engine(Ctx *x, json_object *e, const char *ppath, size_t j,
                        const char *project, const char *project_path) {
        static const char *const valid[] = { "name", "type", "libname", "ops_name", "params", "tasks", NULL };
        _cleanup_free_ char *path = NULL, *name_path = NULL, *type_path = NULL;
        const char *name, *type;
        json_object *params, *tasks, *v;
        bool thirdparty;
        size_t si;
        int r;

        if (asprintf(&path, "%s.engines[%zu]", ppath, j) < 0)
                return -ENOMEM;
        if (!json_object_is_type(e, json_type_object))
                return fail(x, path, NULL, "must be an object, not %s", json_type_noun(json_object_get_type(e)));
        r = check_keys(x, e, path, valid, "name, type, libname, ops_name, params, tasks");
        if (r < 0)
                return r;
        r = get_string(x, e, path, "type", &type);
        if (r < 0)
                return r;
        r = get_string(x, e, path, "name", &name);
        if (r < 0)
                return r;
        if (asprintf(&name_path, "%s.name", path) < 0 || asprintf(&type_path, "%s.type", path) < 0)
                return -ENOMEM;

        thirdparty = streq(type, "thirdparty");
        if (!thirdparty && !streq(name, type))
                return fail(x, name_path, "name",
                            SHOWN_FMT " differs from the engine type " SHOWN_FMT
                            " (only thirdparty engines have a name of their own)", SHOWN(name), SHOWN(type));
        r = get_container(x, e, path, "params", json_type_object, &params);
        if (r < 0)
                return r;
        r = get_container(x, e, path, "tasks", json_type_array, &tasks);
        if (r < 0)
                return r;

        r = new_section(x, CONFIG_SECTION_ENGINE, path, &si);
        if (r < 0)
                return r;
        r = add_ref(x, si, "project", project, project_path);
        if (r < 0)
                return r;
        r = add_value(x, si, "name", json_object_object_get(e, "type"), ACCEPT_STRING, path);
        if (r < 0)
                return r;
        /* add_value names the path after the key; "name" here came from ".type" */
        free(x->c->sections[si].params[x->c->sections[si].n_params - 1].path);
        x->c->sections[si].params[x->c->sections[si].n_params - 1].path = TAKE_PTR(type_path);
        if (thirdparty) {
                _cleanup_free_ char *text = NULL;

                r = to_text(x, json_object_object_get(e, "name"), ACCEPT_STRING, name_path, "name", &text);
                if (r < 0)
                        return r;
                r = add(x, si, "eng_name", text, name_path);
                if (r < 0)
                        return r;
        }
        if (json_object_object_get_ex(e, "libname", &v)) {
                r = add_value(x, si, "libname", v, ACCEPT_STRING, path);
                if (r < 0)
                        return r;
        }
        if (json_object_object_get_ex(e, "ops_name", &v)) {
                r = add_value(x, si, "ops_name", v, ACCEPT_STRING, path);
                if (r < 0)
                        return r;
        }
        r = add_params(x, si, params, path);
        if (r < 0)
                return r;

        for (size_t k = 0; tasks && k < json_object_array_length(tasks); k++) {
                r = parse_task(x, json_object_array_get_idx(tasks, k), path, k,
                               project, project_path, name, name_path);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_project(Ctx *x, json_object *p, size_t i) {
        static const char *const valid[] = { "name", "loop", "interval", "sleep", "sysmem_threshold",
                                             "swapcache_high_wmark", "swapcache_low_wmark", "state",
                                             "engines", NULL };
        _cleanup_free_ char *path = NULL, *name_path = NULL;
        json_object *engines;
        const char *name;
        size_t si;
        int r;

        if (asprintf(&path, "projects[%zu]", i) < 0)
                return -ENOMEM;
        if (!json_object_is_type(p, json_type_object))
                return fail(x, path, NULL, "must be an object, not %s", json_type_noun(json_object_get_type(p)));
        r = check_keys(x, p, path, valid,
                       "name, loop, interval, sleep, sysmem_threshold, swapcache_high_wmark, "
                       "swapcache_low_wmark, state, engines");
        if (r < 0)
                return r;
        r = get_string(x, p, path, "name", &name);
        if (r < 0)
                return r;
        if (asprintf(&name_path, "%s.name", path) < 0)
                return -ENOMEM;
        r = get_container(x, p, path, "engines", json_type_array, &engines);
        if (r < 0)
                return r;

        r = new_section(x, CONFIG_SECTION_PROJECT, path, &si);
        if (r < 0)
                return r;
        json_object_object_foreach(p, key, v) {
                if (streq(key, "engines"))
                        continue;
                r = add_value(x, si, key, v,
                              config_project_key_is_integer(key) ? ACCEPT_STRING | ACCEPT_INT : ACCEPT_STRING,
                              path);
                if (r < 0)
                        return r;
        }

        for (size_t j = 0; engines && j < json_object_array_length(engines); j++) {
                r = parse_engine(x, json_object_array_get_idx(engines, j), path, j, name, name_path);
                if (r < 0)
                        return r;
        }
        return 0;
}

static unsigned line_at(const char *text, size_t offset) {
        unsigned line = 1;

        for (size_t i = 0; i < offset; i++)
                if (text[i] == '\n')
                        line++;
        return line;
}

int config_parse_json(const char *text, size_t len, const char *source, Config **ret, ConfigError *err) {
        static const char *const valid[] = { "projects", NULL };
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(json_tokener_freep) json_tokener *tok = NULL;
        _cleanup_(json_object_putp) json_object *root = NULL;
        json_object *projects;
        size_t end;
        Ctx x;
        int r;

        r = config_check_text(text, len, source, err);
        if (r < 0)
                return r;

        c = config_new(source);
        if (!c)
                return -ENOMEM;
        c->format = CONFIG_FORMAT_JSON;
        x = (Ctx) { .c = c, .err = err };

        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
                text += 3, len -= 3;

        /* Our documents nest 6 deep; json-c's default 32 leaves room for garbage only. */
        tok = json_tokener_new_ex(16);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);

        root = json_tokener_parse_ex(tok, text, (int) len);
        end = json_tokener_get_parse_end(tok);
        if (!root) {
                enum json_tokener_error jerr = json_tokener_get_error(tok);

                if (jerr == json_tokener_continue || jerr == json_tokener_success)
                        return config_error_set(err, source, line_at(text, len), NULL, NULL,
                                                "JSON syntax error: unexpected end of input");
                return config_error_set(err, source, line_at(text, MIN(end, len)), NULL, NULL,
                                        "JSON syntax error: %s", json_tokener_error_desc(jerr));
        }
        for (size_t i = end; i < len; i++)
                if (!strchr(" \t\r\n", text[i]))
                        return config_error_set(err, source, line_at(text, i), NULL, NULL,
                                                "JSON syntax error: unexpected data after the end of the document");

        if (!json_object_is_type(root, json_type_object))
                return config_error_set(err, source, 0, NULL, NULL,
                                        "the document must be an object like {\"projects\": [...]}, not %s",
                                        json_type_noun(json_object_get_type(root)));
        r = check_keys(&x, root, "", valid, "projects");
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(root, "projects", &projects))
                return fail(&x, NULL, "projects", "missing (required; may be [])");
        if (!json_object_is_type(projects, json_type_array))
                return fail(&x, "projects", "projects", "must be an array, not %s",
                            json_type_noun(json_object_get_type(projects)));

        for (size_t i = 0; i < json_object_array_length(projects); i++) {
                r = parse_project(&x, json_object_array_get_idx(projects, i), i);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(c);
        return 0;
}
