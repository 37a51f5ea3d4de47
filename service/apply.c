/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>

#include "apply.h"
#include "bus-util.h"
#include "engine.h"
#include "lifecycle.h"
#include "log.h"
#include "macro.h"
#include "project.h"
#include "host.h"
#include "target.h"
#include "task.h"

typedef struct Pending {
        Project **projects;
        size_t n_projects;
        Engine **engines;    /* each ->project points at its (existing or pending) project */
        size_t n_engines;
        Task **tasks;        /* each ->engine points at its (existing or pending) engine */
        size_t n_tasks;
} Pending;

static void pending_done(Pending *p) {
        /* Only detached objects are here: free tasks before engines before projects,
         * and never through a parent's list (they are not in it). */
        for (size_t i = 0; i < p->n_tasks; i++)
                task_free(p->tasks[i]);
        for (size_t i = 0; i < p->n_engines; i++)
                engine_free(p->engines[i]);
        for (size_t i = 0; i < p->n_projects; i++)
                project_free(p->projects[i]);
        free(p->tasks);
        free(p->engines);
        free(p->projects);
}

static int push(void *array, size_t *n, void *item) {
        void ***a = array;
        void **na = realloc(*a, (*n + 1) * sizeof(void *));

        if (!na)
                return -ENOMEM;
        *a = na;
        na[(*n)++] = item;
        return 0;
}

static Project *find_project(ApplyEnv *m, Pending *pd, const char *name) {
        Project *p = tree_find_project(m->tree, name);

        if (p)
                return p;
        for (size_t i = 0; i < pd->n_projects; i++)
                if (streq(pd->projects[i]->name, name))
                        return pd->projects[i];
        return NULL;
}

static Engine *find_engine(Pending *pd, Project *p, const char *name) {
        Engine *e = project_find_engine(p, name);

        if (e)
                return e;
        for (size_t i = 0; i < pd->n_engines; i++)
                if (pd->engines[i]->project == p && streq(pd->engines[i]->name, name))
                        return pd->engines[i];
        return NULL;
}

static bool task_exists(Pending *pd, Engine *e, const char *name) {
        if (engine_find_task(e, name))
                return true;
        for (size_t i = 0; i < pd->n_tasks; i++)
                if (pd->tasks[i]->engine == e && streq(pd->tasks[i]->name, name))
                        return true;
        return false;
}

/* The param the plugin complained about, for its line number. */
static const ConfigParam *param_by_key(const ConfigSection *s, const char *key) {
        return key && key[0] ? config_section_get(s, key) : NULL;
}

static int plugin_error(ConfigError *error, const Config *c, const ConfigSection *s,
                        const struct etmem_error *err, int r, const char *what) {
        const ConfigParam *p = param_by_key(s, err->key);
        const char *msg = err->message[0] ? err->message : strerror(-r);

        if (p)
                config_error_param(error, c, p, "%s", msg);
        else
                config_error_section(error, c, s, err->key[0] ? err->key : NULL, "%s: %s", what, msg);
        return r == -EOPNOTSUPP || r == -ENOMEM ? r : -EINVAL;
}

static char **params_to_strv(const ConfigParam **params, size_t n) {
        char **l = calloc(2 * n + 1, sizeof(char *));

        if (!l)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (!(l[2 * i] = strdup(params[i]->key)) || !(l[2 * i + 1] = strdup(params[i]->value))) {
                        strv_free(l);
                        return NULL;
                }
        return l;
}

static struct etmem_param *params_to_plugin(const ConfigParam **params, size_t n) {
        struct etmem_param *v = calloc(n ? n : 1, sizeof *v);

        if (!v)
                return NULL;
        for (size_t i = 0; i < n; i++)
                v[i] = (struct etmem_param) { params[i]->key, params[i]->value };
        return v;
}

/* Fills error with msg at the section's key (or the section) and returns code. */
static int config_error_at(ConfigError *error, int code, const Config *c, const ConfigSection *s, const char *key,
                           const char *fmt, ...) __attribute__((__format__(printf, 6, 7)));
static int config_error_at(ConfigError *error, int code, const Config *c, const ConfigSection *s, const char *key,
                           const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        const ConfigParam *p = key ? config_section_get(s, key) : NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if (p)
                config_error_param(error, c, p, "%s", msg);
        else
                config_error_section(error, c, s, key, "%s", msg);
        return code;
}

static int check_limit(ApplyEnv *m, Pending *pd, const Config *c, const ConfigSection *s, ConfigError *error) {
        size_t total = m->tree->n_objects + pd->n_projects + pd->n_engines + pd->n_tasks;

        if (total >= m->tree->max_objects)
                return config_error_at(error, -E2BIG, c, s, NULL,
                               "too many objects: etmemd holds at most %u projects, engines and tasks in all (--max-objects)",
                               m->tree->max_objects);
        return 0;
}

static int prepare_project(ApplyEnv *m, Pending *pd, const Config *c, const ConfigSection *s, ConfigError *error) {
        _cleanup_(project_freep) Project *p = NULL;
        ProjectSpec spec;
        int r;

        r = config_project_spec(c, s, &spec, error);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;
        if (find_project(m, pd, spec.name))
                return config_error_at(error, -EEXIST, c, s, "name", "project '%s' already exists",
                               spec.name);
        r = check_limit(m, pd, c, s, error);
        if (r < 0)
                return r;
        r = project_new(m->tree, &spec, &p);
        if (r < 0)
                return r;
        r = push(&pd->projects, &pd->n_projects, p);
        if (r < 0)
                return r;
        TAKE_PTR(p);
        return 0;
}

static int prepare_engine(ApplyEnv *m, Pending *pd, const Config *c, const ConfigSection *s, ConfigError *error) {
        _cleanup_(engine_freep) Engine *e = NULL;
        _cleanup_(plugin_unrefp) Plugin *plugin = NULL;
        _cleanup_free_ struct etmem_param *pv = NULL;
        _cleanup_free_ char *perr = NULL;
        _cleanup_strv_free_ char **params = NULL;
        struct etmem_project_info info;
        struct etmem_error err = {};
        EngineSpec spec = {};
        EngineImpl *impl;
        Project *p;
        void *priv = NULL;
        int r;

        r = config_engine_spec(c, s, &spec, error);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;
        p = find_project(m, pd, spec.project);
        if (!p) {
                r = config_error_at(error, -ENOENT, c, s, "project", "project '%s' does not exist",
                            spec.project);
                goto out;
        }
        if (find_engine(pd, p, spec.name)) {
                r = config_error_at(error, -EEXIST, c, s, streq(spec.type, "thirdparty") ? "eng_name" : "name",
                            "project '%s' already has an engine '%s'", p->name, spec.name);
                goto out;
        }
        r = check_limit(m, pd, c, s, error);
        if (r < 0)
                goto out;
        if (streq(spec.type, "thirdparty"))
                r = plugin_load_thirdparty(m->plugins, m->dirs, spec.libname, spec.ops_name, &plugin, &perr);
        else
                r = plugin_load_builtin(m->plugins, m->dirs, spec.type, &plugin, &perr);
        if (r < 0) {
                _cleanup_strv_free_ char **types = plugin_list_types(m->dirs);
                _cleanup_free_ char *list = NULL;
                size_t len = 0;
                FILE *f = open_memstream(&list, &len);

                for (char **t = types; f && t && *t; t++)
                        fprintf(f, "%s%s", t == types ? "" : ", ", *t);
                if (f)
                        fclose(f);
                if (r == -ENOENT && !streq(spec.type, "thirdparty"))
                        r = config_error_at(error, -EINVAL, c, s, "name", "%s (available: %s)",
                                    perr ? perr : "unknown engine type", strempty(list));
                else
                        r = config_error_at(error, r == -ENOENT ? -EINVAL : -ELIBBAD, c, s,
                                    streq(spec.type, "thirdparty") ? (r == -ELIBBAD ? "ops_name" : "libname") : "name",
                                    "%s", perr ? perr : strerror(-r));
                goto out;
        }
        pv = params_to_plugin(spec.params, spec.n_params);
        params = params_to_strv(spec.params, spec.n_params);
        if (!pv || !params) {
                r = -ENOMEM;
                goto out;
        }
        project_plugin_info(p, &info);
        r = plugin->ops->fill_eng_params(host_table(), &info,
                                         &(struct etmem_params) { spec.n_params, pv }, &priv, &err);
        if (r < 0) {
                r = plugin_error(error, c, s, &err, r, "engine refused its parameters");
                goto out;
        }
        impl = engine_impl_new(plugin, priv);
        if (!impl) {
                if (priv && plugin->ops->clear_eng_params)
                        plugin->ops->clear_eng_params(priv);
                r = -ENOMEM;
                goto out;
        }
        r = engine_new(p, spec.name, spec.type, spec.libname, spec.ops_name, TAKE_PTR(params), impl, &e);
        if (r < 0)
                goto out;
        r = push(&pd->engines, &pd->n_engines, e);
        if (r >= 0)
                TAKE_PTR(e);
out:
        free(spec.params);
        return r;
}

static int prepare_task(ApplyEnv *m, Pending *pd, const Config *c, const ConfigSection *s, ConfigError *error) {
        _cleanup_(task_freep) Task *t = NULL;
        _cleanup_free_ struct etmem_param *pv = NULL;
        _cleanup_strv_free_ char **params = NULL;
        struct etmem_project_info info;
        struct etmem_task_conf conf = { .max_threads = 1 };
        struct etmem_error err = {};
        TaskSpec spec = {};
        const struct etmem_engine_ops *ops;
        TaskImpl *impl;
        Project *p;
        Engine *e;
        void *priv = NULL;
        int r;

        r = config_task_spec(c, s, &spec, error);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;
        p = find_project(m, pd, spec.project);
        if (!p) {
                r = config_error_at(error, -ENOENT, c, s, "project", "project '%s' does not exist",
                            spec.project);
                goto out;
        }
        e = find_engine(pd, p, spec.engine);
        if (!e) {
                r = config_error_at(error, -ENOENT, c, s, "engine",
                            "project '%s' has no engine '%s'", p->name, spec.engine);
                goto out;
        }
        if (spec.untargeted && !streq(p->scan_type, "psi")) {
                r = config_error_at(error, -EINVAL, c, s, "type",
                            "missing; [task] requires it (valid: pid, name); only tasks of scan_type=psi projects may leave out type and value");
                goto out;
        }
        if (task_exists(pd, e, spec.name)) {
                r = config_error_at(error, -EEXIST, c, s, "name",
                            "engine '%s' of project '%s' already has a task '%s'", e->name, p->name, spec.name);
                goto out;
        }
        r = check_limit(m, pd, c, s, error);
        if (r < 0)
                goto out;
        ops = e->impl->plugin->ops;
        pv = params_to_plugin(spec.params, spec.n_params);
        params = params_to_strv(spec.params, spec.n_params);
        if (!pv || !params) {
                r = -ENOMEM;
                goto out;
        }
        project_plugin_info(p, &info);
        r = ops->fill_task_params(e->impl->priv, &info,
                                  &(struct etmem_task_info) { p->name, e->name, spec.name, spec.type, spec.value },
                                  &(struct etmem_params) { spec.n_params, pv }, &conf, &priv, &err);
        if (r < 0) {
                r = plugin_error(error, c, s, &err, r, "engine refused the task's parameters");
                goto out;
        }
        /* A task added to a running project starts right away, so it must be able to. */
        if (p->state == PROJECT_RUNNING && ops->check_start) {
                struct etmem_error serr = {};
                r = ops->check_start(e->impl->priv, priv, &serr);
                if (r < 0) {
                        if (ops->clear_task_params)
                                ops->clear_task_params(priv);
                        r = plugin_error(error, c, s, &serr, r, "task cannot start");
                        goto out;
                }
        }
        if (conf.max_threads == 0)
                conf.max_threads = 1;
        impl = task_impl_new(e->impl, priv, &conf);
        if (!impl) {
                if (priv && ops->clear_task_params)
                        ops->clear_task_params(priv);
                r = -ENOMEM;
                goto out;
        }
        impl->has_match_uid = spec.has_uid;
        impl->match_uid = (uid_t) spec.uid;
        if (spec.has_binding) {
                char boot[CONFIG_BOOT_ID_MAX + 1];

                /* a process of another boot is gone, whatever holds its pid now */
                impl->bound_starttime = mem_boot_id(boot) >= 0 && streq(boot, spec.binding_boot) ?
                                        spec.binding_start : TASK_BOUND_OTHER_BOOT;
        }
        r = task_new(e, spec.name, spec.type, spec.value, TAKE_PTR(params), impl, &t);
        if (r < 0)
                goto out;
        r = push(&pd->tasks, &pd->n_tasks, t);
        if (r >= 0)
                TAKE_PTR(t);
out:
        free(spec.params);
        return r;
}

/* Makes room in every parent for its pending children, so that the commit cannot fail. */
static int reserve(ApplyEnv *m, Pending *pd) {
        int r;

        r = tree_reserve_projects(m->tree, pd->n_projects);
        for (size_t i = 0; i < pd->n_engines && r >= 0; i++) {
                size_t n = 1;

                for (size_t j = 0; j < i; j++)
                        n += pd->engines[j]->project == pd->engines[i]->project;
                r = project_reserve_engines(pd->engines[i]->project, n);
        }
        for (size_t i = 0; i < pd->n_tasks && r >= 0; i++) {
                size_t n = 1;

                for (size_t j = 0; j < i; j++)
                        n += pd->tasks[j]->engine == pd->tasks[i]->engine;
                r = engine_reserve_tasks(pd->tasks[i]->engine, n);
        }
        return r;
}

int apply_config(ApplyEnv *m, const Config *c, ObjRefs *ret, ConfigError *error) {
        _cleanup_(obj_refs_done) ObjRefs objs = {};
        Pending pd = {};
        int r = 0;

        for (size_t i = 0; i < c->n_sections && r >= 0; i++) {
                const ConfigSection *s = &c->sections[i];

                switch (s->type) {
                case CONFIG_SECTION_PROJECT:
                        r = prepare_project(m, &pd, c, s, error);
                        break;
                case CONFIG_SECTION_ENGINE:
                        r = prepare_engine(m, &pd, c, s, error);
                        break;
                case CONFIG_SECTION_TASK:
                        r = prepare_task(m, &pd, c, s, error);
                        break;
                }
        }
        /* Room for the result list and in every parent: after this nothing can fail. */
        if (r >= 0)
                r = GREEDY_REALLOC(objs.v, objs.cap, pd.n_projects + pd.n_engines + pd.n_tasks);
        if (r >= 0)
                r = reserve(m, &pd);
        if (r < 0) {
                pending_done(&pd);
                return r;
        }

        /* Commit, which cannot fail: parents first so InterfacesAdded arrives in tree order. */
        for (size_t i = 0; i < pd.n_projects; i++) {
                tree_attach_project(m->tree, pd.projects[i]);
                log_info("created project %s", pd.projects[i]->name);
                objs.v[objs.n++] = (ObjRef) { OBJ_PROJECT, TAKE_PTR(pd.projects[i]) };
        }
        for (size_t i = 0; i < pd.n_engines; i++) {
                tree_attach_engine(m->tree, pd.engines[i]->project, pd.engines[i]);
                objs.v[objs.n++] = (ObjRef) { OBJ_ENGINE, TAKE_PTR(pd.engines[i]) };
        }
        for (size_t i = 0; i < pd.n_tasks; i++) {
                Task *t = TAKE_PTR(pd.tasks[i]);

                tree_attach_task(m->tree, t->engine, t);
                objs.v[objs.n++] = (ObjRef) { OBJ_TASK, t };
                if (t->engine->project->state == PROJECT_RUNNING) {
                        ConfigError e = {};

                        if (lifecycle_task_start(m->lifecycle, t, &e) < 0)
                                log_warning("task %s could not start: %s", t->name, strna(e.message));
                        config_error_clear(&e);
                }
        }
        pd.n_projects = pd.n_engines = pd.n_tasks = 0;
        pending_done(&pd);
        if (ret)
                *ret = TAKE_PTR_STRUCT(objs);
        return 0;
}

/* ---- removal ---- */

typedef struct Victim {
        ConfigSectionType type;
        const char *project, *engine, *task;
} Victim;

static const char *section_name(const ConfigSection *s, const char *key) {
        const ConfigParam *p = config_section_get(s, key);
        return p ? p->value : NULL;
}

int unapply_config(ApplyEnv *m, const Config *c, ObjRefs *ret, ConfigError *error) {
        _cleanup_free_ Victim *v = NULL;
        _cleanup_(obj_refs_done) ObjRefs objs = {};
        int r;

        v = calloc(c->n_sections ? c->n_sections : 1, sizeof *v);
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_sections; i++) {
                const ConfigSection *s = &c->sections[i];
                const char *pname, *ename = NULL, *tname = NULL;
                Project *p;
                Engine *e = NULL;

                v[i].type = s->type;
                pname = section_name(s, s->type == CONFIG_SECTION_PROJECT ? "name" : "project");
                if (!pname)
                        return config_error_at(error, -EINVAL, c, s, s->type == CONFIG_SECTION_PROJECT ? "name" : "project",
                                       "missing required key");
                p = tree_find_project(m->tree, pname);
                if (!p)
                        return config_error_at(error, -ENOENT, c, s,
                                       s->type == CONFIG_SECTION_PROJECT ? "name" : "project",
                                       "project '%s' does not exist", pname);
                if (s->type != CONFIG_SECTION_PROJECT) {
                        const char *ekey = s->type == CONFIG_SECTION_TASK ? "engine"
                                           : section_name(s, "eng_name") ? "eng_name" : "name";
                        ename = section_name(s, ekey);
                        if (!ename)
                                return config_error_at(error, -EINVAL, c, s, ekey, "missing required key");
                        e = project_find_engine(p, ename);
                        if (!e)
                                return config_error_at(error, -ENOENT, c, s, ekey,
                                               "project '%s' has no engine '%s'", pname, ename);
                }
                if (s->type == CONFIG_SECTION_TASK) {
                        tname = section_name(s, "name");
                        if (!tname)
                                return config_error_at(error, -EINVAL, c, s, "name", "missing required key");
                        if (!engine_find_task(e, tname))
                                return config_error_at(error, -ENOENT, c, s, "name",
                                               "engine '%s' of project '%s' has no task '%s'", ename, pname, tname);
                }
                v[i].project = pname;
                v[i].engine = ename;
                v[i].task = tname;
        }
        /* Children before parents; an object listed twice, or whose parent is listed too,
         * is removed once. */
        for (size_t pass = 0; pass < 3; pass++) {
                ConfigSectionType want = pass == 0 ? CONFIG_SECTION_TASK
                                         : pass == 1 ? CONFIG_SECTION_ENGINE : CONFIG_SECTION_PROJECT;
                for (size_t i = c->n_sections; i-- > 0;) {
                        ObjRef ref;
                        bool seen = false;

                        if (v[i].type != want)
                                continue;
                        if (want == CONFIG_SECTION_PROJECT)
                                ref = (ObjRef) { OBJ_PROJECT, tree_find_project(m->tree, v[i].project) };
                        else if (want == CONFIG_SECTION_ENGINE)
                                ref = (ObjRef) { OBJ_ENGINE, tree_find_engine(m->tree, v[i].project, v[i].engine) };
                        else
                                ref = (ObjRef) { OBJ_TASK,
                                                 tree_find_task(m->tree, v[i].project, v[i].engine, v[i].task) };
                        for (size_t j = 0; j < objs.n && !seen; j++)
                                seen = objs.v[j].obj == ref.obj;
                        if (!seen) {
                                r = obj_refs_add(&objs, ref.kind, ref.obj);
                                if (r < 0)
                                        return r;
                        }
                }
        }
        *ret = TAKE_PTR_STRUCT(objs);
        return 0;
}

void unapply_commit(ApplyEnv *m, const ObjRefs *l) {
        for (size_t i = 0; i < l->n; i++)
                switch (l->v[i].kind) {
                case OBJ_TASK:
                        lifecycle_task_remove(m->lifecycle, l->v[i].obj);
                        break;
                case OBJ_ENGINE:
                        lifecycle_engine_remove(m->lifecycle, l->v[i].obj);
                        break;
                case OBJ_PROJECT:
                        log_info("removing project %s", ((Project *) l->v[i].obj)->name);
                        lifecycle_project_remove(m->lifecycle, l->v[i].obj);
                        break;
                }
}

static int section_add_pairs(ConfigSection *s, const char *source, const char *const *kv, ConfigError *error) {
        int r;

        for (; kv && kv[0] && kv[1]; kv += 2) {
                r = config_section_add(s, kv[0], kv[1]);
                if (r == -EEXIST)
                        return config_error_set(error, source, 0, NULL, NULL, "key '%s' given twice", kv[0]);
                if (r == -EINVAL)
                        return config_error_set(error, source, 0, NULL, NULL,
                                                "key '%s': invalid key or value (keys are 1..64 characters of [A-Za-z0-9_.-]; values up to 4096 bytes of UTF-8 without control characters or surrounding blanks)",
                                                kv[0]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int apply_section_new(ConfigSectionType type, const char *source, const char *const *lead, char **params,
                      Config **ret, bool *ret_thirdparty, ConfigError *error) {
        _cleanup_(config_freep) Config *c = config_new(source);
        ConfigSection *s;
        int r;

        if (!c || !(s = config_add_section(c, type)))
                return -ENOMEM;
        r = section_add_pairs(s, source, lead, error);
        if (r >= 0)
                r = section_add_pairs(s, source, (const char *const *) params, error);
        if (r >= 0)
                r = apply_validate(c, ret_thirdparty, error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int apply_validate(const Config *c, bool *ret_thirdparty, ConfigError *error) {
        *ret_thirdparty = false;
        for (size_t i = 0; i < c->n_sections; i++) {
                const ConfigSection *s = &c->sections[i];
                int r = 0;

                switch (s->type) {
                case CONFIG_SECTION_PROJECT: {
                        ProjectSpec spec;
                        r = config_project_spec(c, s, &spec, error);
                        break;
                }
                case CONFIG_SECTION_ENGINE: {
                        EngineSpec spec = {};
                        r = config_engine_spec(c, s, &spec, error);
                        if (r >= 0 && streq(spec.type, "thirdparty"))
                                *ret_thirdparty = true;
                        free(spec.params);
                        break;
                }
                case CONFIG_SECTION_TASK: {
                        TaskSpec spec = {};
                        r = config_task_spec(c, s, &spec, error);
                        free(spec.params);
                        break;
                }
                }
                if (r < 0)
                        return -EINVAL;
        }
        return 0;
}

int apply_engine_check(const Engine *e, char **params, const char *source, ConfigError *error) {
        _cleanup_(config_freep) Config *c = config_new(source);
        _cleanup_free_ struct etmem_param *pv = NULL;
        const struct etmem_engine_ops *ops = e->impl->plugin->ops;
        bool thirdparty = streq(e->type, "thirdparty");
        struct etmem_project_info info;
        struct etmem_error err = {};
        EngineSpec spec = {};
        ConfigSection *s;
        void *priv = NULL;
        int r;

        if (!c || !(s = config_add_section(c, CONFIG_SECTION_ENGINE)))
                return -ENOMEM;
        r = section_add_pairs(s, source,
                              (const char *const[]) { "project", e->project->name, "name", e->type,
                                                      thirdparty ? "eng_name" : NULL, e->name, "libname", e->libname,
                                                      "ops_name", e->ops_name, NULL },
                              error);
        if (r >= 0)
                r = section_add_pairs(s, source, (const char *const *) params, error);
        if (r < 0)
                return r;
        r = config_engine_spec(c, s, &spec, error);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;
        pv = params_to_plugin(spec.params, spec.n_params);
        if (!pv) {
                free(spec.params);
                return -ENOMEM;
        }
        /* the plugin's own keys, as a config file's [engine] would be checked: on a copy */
        project_plugin_info(e->project, &info);
        r = ops->fill_eng_params(host_table(), &info, &(struct etmem_params) { spec.n_params, pv }, &priv, &err);
        if (r < 0)
                r = plugin_error(error, c, s, &err, r, "engine refused its parameters");
        else if (priv && ops->clear_eng_params)
                ops->clear_eng_params(priv);
        free(spec.params);
        return r;
}
