/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_to_json / config_to_ini: text that config_parse_* reads back unchanged. */

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-internal.h"
#include "config.h"
#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

static const char *get(const ConfigSection *s, const char *key) {
        const ConfigParam *p = config_section_get(s, key);

        return p ? p->value : NULL;
}

/* "0", "12", "-3": written as a JSON number, which json-c prints back identically. */
static bool is_canonical_int(const char *v) {
        const char *d = v[0] == '-' ? v + 1 : v;
        size_t n = strlen(d);

        if (n == 0 || n > 18 || strspn(d, "0123456789") != n)
                return false;
        if (d[0] == '0')
                return n == 1 && d == v;
        return true;
}

static int add_string(json_object *o, const char *key, const char *value) {
        json_object *v;

        if (!config_key_is_valid(key) || !config_value_is_valid(value))
                return -EINVAL;
        v = json_object_new_string(value);
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int add_new(json_object *o, const char *key, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static bool key_in(const char *key, const char *const *list) {
        for (; *list; list++)
                if (streq(key, *list))
                        return true;
        return false;
}

/* Everything except the generic keys goes into "params", in order. */
static int add_params(json_object *o, const ConfigSection *s, const char *const *generic) {
        _cleanup_(json_object_putp) json_object *params = json_object_new_object();
        int r;

        if (!params)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_params; i++) {
                if (key_in(s->params[i].key, generic))
                        continue;
                r = add_string(params, s->params[i].key, s->params[i].value);
                if (r < 0)
                        return r;
        }
        return add_new(o, "params", TAKE_PTR(params));
}

typedef struct Node {
        const char *project, *name;
        json_object *children; /* borrowed: owned by the tree */
} Node;

static const Node *find(const Node *nodes, size_t n, const char *project, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (streq_ptr(nodes[i].project, project) && streq(nodes[i].name, name))
                        return &nodes[i];
        return NULL;
}

static int add_project(json_object *projects, const ConfigSection *s, Node *nodes, size_t *n) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        json_object *engines;
        const char *name = get(s, "name");
        int r;

        if (!o)
                return -ENOMEM;
        if (!name || find(nodes, *n, NULL, name))
                return -EINVAL;
        r = add_string(o, "name", name);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_params; i++) {
                const ConfigParam *p = &s->params[i];
                bool known = false;

                if (streq(p->key, "name"))
                        continue;
                for (size_t k = 0; k < config_project_n_keys; k++)
                        known = known || streq(p->key, config_project_keys[k]);
                if (!known)
                        return -EINVAL; /* config_parse_json would refuse it */

                if (config_project_key_is_integer(p->key) && is_canonical_int(p->value))
                        r = add_new(o, p->key, json_object_new_int64(strtoll(p->value, NULL, 10)));
                else
                        r = add_string(o, p->key, p->value);
                if (r < 0)
                        return r;
        }
        engines = json_object_new_array();
        r = add_new(o, "engines", engines);
        if (r < 0)
                return r;

        nodes[(*n)++] = (Node) { .name = name, .children = engines };
        return json_object_array_add(projects, TAKE_PTR(o)) < 0 ? -ENOMEM : 0;
}

static int add_engine(const ConfigSection *s, const Node *projects, size_t n_projects, Node *engines, size_t *n) {
        static const char *const generic[] = { "project", "name", NULL };
        static const char *const generic_thirdparty[] = { "project", "name", "eng_name", "libname", "ops_name", NULL };
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        const char *project = get(s, "project"), *type = get(s, "name"), *name;
        const Node *parent;
        json_object *tasks;
        bool thirdparty;
        int r;

        if (!o)
                return -ENOMEM;
        if (!project || !type)
                return -EINVAL;
        parent = find(projects, n_projects, NULL, project);
        if (!parent)
                return -EINVAL;
        thirdparty = streq(type, "thirdparty");
        name = thirdparty ? get(s, "eng_name") : type;
        if (!name || find(engines, *n, project, name))
                return -EINVAL;

        r = add_string(o, "name", name);
        if (r < 0)
                return r;
        r = add_string(o, "type", type);
        if (r < 0)
                return r;
        for (size_t k = 3; thirdparty && generic_thirdparty[k]; k++) {
                const char *v = get(s, generic_thirdparty[k]); /* libname, ops_name */

                if (v) {
                        r = add_string(o, generic_thirdparty[k], v);
                        if (r < 0)
                                return r;
                }
        }
        r = add_params(o, s, thirdparty ? generic_thirdparty : generic);
        if (r < 0)
                return r;
        tasks = json_object_new_array();
        r = add_new(o, "tasks", tasks);
        if (r < 0)
                return r;

        engines[(*n)++] = (Node) { .project = project, .name = name, .children = tasks };
        return json_object_array_add(parent->children, TAKE_PTR(o)) < 0 ? -ENOMEM : 0;
}

static int add_task(const ConfigSection *s, const Node *engines, size_t n_engines) {
        static const char *const generic[] = { "project", "engine", "name", "type", "value", NULL };
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        const char *project = get(s, "project"), *engine = get(s, "engine");
        const Node *parent;
        int r;

        if (!o)
                return -ENOMEM;
        if (!project || !engine)
                return -EINVAL;
        parent = find(engines, n_engines, project, engine);
        if (!parent)
                return -EINVAL;
        for (size_t k = 2; generic[k]; k++) {
                const char *v = get(s, generic[k]);

                if (v) {
                        r = add_string(o, generic[k], v);
                        if (r < 0)
                                return r;
                }
        }
        r = add_params(o, s, generic);
        if (r < 0)
                return r;
        return json_object_array_add(parent->children, TAKE_PTR(o)) < 0 ? -ENOMEM : 0;
}

int config_to_json(const Config *c, char **ret) {
        _cleanup_(json_object_putp) json_object *root = NULL;
        _cleanup_free_ Node *projects = NULL, *engines = NULL;
        size_t n_projects = 0, n_engines = 0;
        json_object *parray;
        const char *text;
        char *copy;
        int r;

        if (!c || !ret)
                return -EINVAL;
        if (c->n_sections > CONFIG_MAX_SECTIONS)
                return -E2BIG;

        root = json_object_new_object();
        parray = json_object_new_array();
        if (!root)
                return -ENOMEM;
        r = add_new(root, "projects", parray);
        if (r < 0)
                return r;
        projects = calloc(c->n_sections + 1, sizeof(Node));
        engines = calloc(c->n_sections + 1, sizeof(Node));
        if (!projects || !engines)
                return -ENOMEM;

        /* Three passes so that the nesting does not depend on the order of the sections. */
        for (size_t i = 0; i < c->n_sections; i++)
                if (c->sections[i].type == CONFIG_SECTION_PROJECT) {
                        r = add_project(parray, &c->sections[i], projects, &n_projects);
                        if (r < 0)
                                return r;
                }
        for (size_t i = 0; i < c->n_sections; i++)
                if (c->sections[i].type == CONFIG_SECTION_ENGINE) {
                        r = add_engine(&c->sections[i], projects, n_projects, engines, &n_engines);
                        if (r < 0)
                                return r;
                }
        for (size_t i = 0; i < c->n_sections; i++)
                if (c->sections[i].type == CONFIG_SECTION_TASK) {
                        r = add_task(&c->sections[i], engines, n_engines);
                        if (r < 0)
                                return r;
                }

        text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                    JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text)
                return -ENOMEM;
        if (strlen(text) + 1 > CONFIG_MAX_BYTES)
                return -E2BIG;
        if (asprintf(&copy, "%s\n", text) < 0)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

int config_to_ini(const Config *c, char **ret) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t size = 0;

        if (!c || !ret)
                return -EINVAL;
        if (c->n_sections > CONFIG_MAX_SECTIONS)
                return -E2BIG;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_sections; i++) {
                const ConfigSection *s = &c->sections[i];
                const char *type = config_section_type_to_string(s->type);

                if (!type)
                        return -EINVAL;
                fprintf(f, "%s[%s]\n", i > 0 ? "\n" : "", type);
                for (size_t j = 0; j < s->n_params; j++) {
                        const ConfigParam *p = &s->params[j];

                        /* the run state and a pid task's binding are carried by JSON (the state file) only */
                        if ((s->type == CONFIG_SECTION_PROJECT && streq(p->key, "state")) ||
                            (s->type == CONFIG_SECTION_TASK && streq(p->key, "binding")))
                                continue;
                        if (!config_key_is_valid(p->key) || !config_value_is_valid(p->value))
                                return -EINVAL;
                        fprintf(f, "%s=%s\n", p->key, p->value);
                }
        }
        if (fclose(TAKE_PTR(f)) != 0)
                return -ENOMEM;
        if (size > CONFIG_MAX_BYTES)
                return -E2BIG;
        *ret = TAKE_PTR(buf);
        return 0;
}
