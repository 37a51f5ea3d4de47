/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * apply_config() on a plain tree, with no bus: a config is applied whole or not at
 * all (a bad key in its last section, a duplicate, the object limit, an allocation
 * failure at any point), errors name the source, line and key, and the observer
 * hears only of what was committed, parents first.
 *
 * Allocation failures are injected by this executable's own malloc/calloc/realloc,
 * which forward to libc's (or the address sanitizer's): the k-th allocation of an
 * apply_config() call fails, for every k until one succeeds.
 */
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "config.h"
#include "engine.h"
#include "lifecycle.h"
#include "macro.h"
#include "test-check.h"
#include "plugin.h"
#include "project.h"
#include "task.h"
#include "tree.h"

/* ---- allocation failure injection ---- */

/* The allocator this one forwards to: the sanitizer's interceptors, or libc's own. */
#if defined(__SANITIZE_ADDRESS__)
#define REAL(f) __interceptor_##f
#else
#define REAL(f) __libc_##f
#endif
/* Called before the sanitizer's shadow memory exists: not instrumented. */
#define NO_SANITIZE __attribute__((no_sanitize("address", "undefined")))
void *REAL(malloc)(size_t n);
void *REAL(calloc)(size_t n, size_t size);
void *REAL(realloc)(void *p, size_t n);

static long alloc_countdown = -1;   /* -1: off; 0: the next allocation fails */
static unsigned long alloc_count;   /* allocations seen while armed */

NO_SANITIZE static bool inject(void) {
        if (alloc_countdown < 0)
                return false;
        alloc_count++;
        if (alloc_countdown-- == 0) {
                alloc_countdown = -1;   /* one failure per armed call */
                if (getenv("TEST_APPLY_BACKTRACE")) {
                        void *frames[16];
                        backtrace_symbols_fd(frames, backtrace(frames, 16), 2);
                }
                errno = ENOMEM;
                return true;
        }
        return false;
}

NO_SANITIZE void *malloc(size_t n) {
        return inject() ? NULL : REAL(malloc)(n);
}

NO_SANITIZE void *calloc(size_t n, size_t size) {
        return inject() ? NULL : REAL(calloc)(n, size);
}

NO_SANITIZE void *realloc(void *p, size_t n) {
        return inject() ? NULL : REAL(realloc)(p, n);
}

/* ---- the environment: a tree, a lifecycle, the test engines ---- */

typedef struct Heard {
        char log[4096];
        unsigned added, removing, changed;
} Heard;

static void heard_added(void *userdata, ObjKind kind, void *obj) {
        Heard *h = userdata;
        const char *name = kind == OBJ_PROJECT ? ((Project *) obj)->name
                           : kind == OBJ_ENGINE ? ((Engine *) obj)->name : ((Task *) obj)->name;
        size_t len = strlen(h->log);

        h->added++;
        snprintf(h->log + len, sizeof h->log - len, "%s%c:%s", len ? " " : "", "pet"[kind], name);
}

static void heard_removing(void *userdata, ObjKind kind, void *obj) {
        ((Heard *) userdata)->removing++;
}

static void heard_changed(void *userdata, ObjKind kind, void *obj, unsigned what) {
        ((Heard *) userdata)->changed++;
}

typedef struct Env {
        Tree tree;
        Lifecycle lc;
        Plugin *plugins;
        PluginDirs dirs;
        Heard heard;
} Env;

static char *engines_dirs[2];

static void env_init(Env *e, unsigned max_objects) {
        *e = (Env) {};
        tree_init(&e->tree);
        e->tree.max_objects = max_objects;
        e->tree.observer = (TreeObserver) { heard_added, heard_removing, heard_changed, &e->heard };
        lifecycle_init(&e->lc, &e->tree);
        e->dirs = (PluginDirs) { engines_dirs, (char *) "/nonexistent" };
}

static void env_done(Env *e) {
        tree_done(&e->tree);
        lifecycle_done(&e->lc);
        plugin_cache_clear(&e->plugins);
}

/* The whole tree as one line, to compare before and after. */
static void dump(const Tree *t, char *buf, size_t size) {
        size_t len = 0;

        buf[0] = 0;
        len += (size_t) snprintf(buf + len, size - len, "n=%u", t->n_objects);
        for (size_t i = 0; i < t->n_projects && len < size; i++) {
                Project *p = t->projects[i];
                len += (size_t) snprintf(buf + len, size - len, " [%s", p->name);
                for (size_t j = 0; j < p->n_engines && len < size; j++) {
                        Engine *e = p->engines[j];
                        len += (size_t) snprintf(buf + len, size - len, " <%s", e->name);
                        for (size_t k = 0; k < e->n_tasks && len < size; k++)
                                len += (size_t) snprintf(buf + len, size - len, " %s=%s:%s", e->tasks[k]->name,
                                                         e->tasks[k]->type, e->tasks[k]->value);
                        len += (size_t) snprintf(buf + len, size - len, ">");
                }
                len += (size_t) snprintf(buf + len, size - len, "]");
        }
}

/* Parses text as an INI file named source and applies it; *error filled on failure. */
static int apply_text(Env *e, const char *text, const char *source, ObjRefs *ret, ConfigError *error) {
        _cleanup_(config_freep) Config *c = NULL;
        ApplyEnv env = { &e->tree, &e->lc, &e->plugins, &e->dirs };
        int r;

        r = config_parse(text, strlen(text), CONFIG_FORMAT_INI, source, &c, error);
        if (r < 0) {
                fprintf(stderr, "%s does not parse: %s\n", source, strna(error->message));
                exit(1);
        }
        return apply_config(&env, c, ret, error);
}

#define PROJECT(name) "[project]\nname=" name "\nloop=1\ninterval=1\nsleep=1\n"
#define ENGINE(project) "[engine]\nname=sleeper\nproject=" project "\n"
#define TASK(project, name, extra) \
        "[task]\nproject=" project "\nengine=sleeper\nname=" name "\ntype=pid\nvalue=1\n" extra

/* Applies text expecting error code r_expected at line:key of source; the tree and
 * what the observer heard must be unchanged. */
static void expect_refused(Env *e, const char *what, const char *text, int r_expected, unsigned line,
                           const char *key, const char *needle) {
        ConfigError error = {};
        ObjRefs objs = {};
        char before[4096], after[4096];
        Heard heard_before = e->heard;
        int r;

        dump(&e->tree, before, sizeof before);
        r = apply_text(e, text, "t.conf", &objs, &error);
        dump(&e->tree, after, sizeof after);
        CHECK(r == r_expected, "%s: apply_config() = %d (%s), expected %d", what, r, strerror(-r), r_expected);
        CHECK(streq(before, after), "%s: the tree changed: '%s' → '%s'", what, before, after);
        CHECK(e->heard.added == heard_before.added && e->heard.changed == heard_before.changed,
              "%s: the observer heard %u added, %u changed", what, e->heard.added - heard_before.added,
              e->heard.changed - heard_before.changed);
        CHECK(objs.n == 0, "%s: %zu objects returned", what, objs.n);
        CHECK(error.source && streq(error.source, "t.conf"), "%s: error source '%s'", what, strna(error.source));
        CHECK(error.line == line, "%s: error line %u, expected %u (%s)", what, error.line, line, strna(error.message));
        CHECK(streq_ptr(error.key, key), "%s: error key '%s', expected '%s'", what, strna(error.key), strna(key));
        CHECK(error.message && strstr(error.message, needle), "%s: message '%s' lacks '%s'", what,
              strna(error.message), needle);
        config_error_clear(&error);
        obj_refs_done(&objs);
}

static void test_apply_and_order(void) {
        _cleanup_(obj_refs_done) ObjRefs objs = {};
        ConfigError error = {};
        char buf[4096];
        Env e;
        int r;

        env_init(&e, TREE_DEFAULT_MAX_OBJECTS);
        r = apply_text(&e, PROJECT("p") ENGINE("p") TASK("p", "t1", "busy_ms=1\n") TASK("p", "t2", ""), "ok.conf",
                       &objs, &error);
        CHECK(r == 0, "a valid config was refused: %d %s", r, strna(error.message));
        dump(&e.tree, buf, sizeof buf);
        CHECK(streq(buf, "n=4 [p <sleeper t1=pid:1 t2=pid:1>]"), "tree after apply: %s", buf);
        CHECK(streq(e.heard.log, "p:p e:sleeper t:t1 t:t2"), "observer heard '%s' (parents first)", e.heard.log);
        CHECK(objs.n == 4 && objs.v[0].kind == OBJ_PROJECT && objs.v[1].kind == OBJ_ENGINE &&
              objs.v[3].kind == OBJ_TASK, "returned %zu objects", objs.n);
        /* upstream's psi task: no type, no value */
        r = apply_text(&e, "[project]\nname=q\nscan_type=psi\ninterval=2\n" ENGINE("q")
                       "[task]\nproject=q\nengine=sleeper\nname=psi_task\n", "psi.conf", NULL, &error);
        CHECK(r == 0, "a psi task without type and value was refused: %s", strna(error.message));
        dump(&e.tree, buf, sizeof buf);
        CHECK(strstr(buf, "[q <sleeper psi_task=name:cgroup_v1>]"), "tree after the psi config: %s", buf);
        CHECK(e.tree.n_projects == 2 && streq(e.tree.projects[1]->scan_type, "psi") && e.tree.projects[1]->sleep == 2,
              "the psi project: scan_type %s, sleep %u", e.tree.n_projects == 2 ? e.tree.projects[1]->scan_type : "?",
              e.tree.n_projects == 2 ? e.tree.projects[1]->sleep : 0);
        config_error_clear(&error);
        /* a later config adds to existing objects */
        r = apply_text(&e, TASK("p", "t3", ""), "more.conf", NULL, &error);
        CHECK(r == 0, "a task for an existing engine was refused: %s", strna(error.message));
        CHECK(e.tree.n_objects == 8, "n_objects %u", e.tree.n_objects);
        config_error_clear(&error);
        env_done(&e);
}

static void test_all_or_nothing(void) {
        Env e;

        env_init(&e, TREE_DEFAULT_MAX_OBJECTS);
        /* the plugin refuses a key of the last section: nothing of the first three stays */
        expect_refused(&e, "bad key in the last task",
                       PROJECT("p") ENGINE("p") TASK("p", "t1", "") TASK("p", "t2", "busy_ms=soon\n"),
                       -EINVAL, 21, "busy_ms", "not a whole number");
        expect_refused(&e, "unknown task key",
                       PROJECT("p") ENGINE("p") TASK("p", "t1", "bogus=1\n"), -EINVAL, 15, "bogus", "bogus");
        expect_refused(&e, "unknown engine type",
                       PROJECT("p") "[engine]\nname=nosuchengine\nproject=p\n", -EINVAL, 7, "name", "available:");
        expect_refused(&e, "task before its engine",
                       PROJECT("p") TASK("p", "t1", "") ENGINE("p"), -ENOENT, 8, "engine", "no engine 'sleeper'");
        expect_refused(&e, "engine of a project that does not exist", PROJECT("p") ENGINE("q"), -ENOENT, 8,
                       "project", "project 'q' does not exist");
        expect_refused(&e, "a task without type and value outside a psi project",
                       PROJECT("p") ENGINE("p") "[task]\nproject=p\nengine=sleeper\nname=t1\n", -EINVAL, 9, "type",
                       "only tasks of scan_type=psi projects");
        expect_refused(&e, "bad project key", PROJECT("p") "[project]\nname=q\nloop=0\ninterval=1\nsleep=1\n",
                       -EINVAL, 8, "loop", "out of range 1..");
        CHECK(e.tree.n_objects == 0 && e.heard.added == 0, "%u objects after refusals", e.tree.n_objects);
        env_done(&e);
}

static void test_duplicates(void) {
        ConfigError error = {};
        Env e;
        int r;

        env_init(&e, TREE_DEFAULT_MAX_OBJECTS);
        r = apply_text(&e, PROJECT("p") ENGINE("p") TASK("p", "t1", ""), "base.conf", NULL, &error);
        CHECK(r == 0, "base config refused: %s", strna(error.message));
        config_error_clear(&error);

        expect_refused(&e, "project that exists", PROJECT("q") PROJECT("p"), -EEXIST, 7, "name",
                       "project 'p' already exists");
        expect_refused(&e, "project twice in one file", PROJECT("q") PROJECT("q"), -EEXIST, 7, "name",
                       "project 'q' already exists");
        expect_refused(&e, "engine that exists", PROJECT("q") ENGINE("q") ENGINE("p"), -EEXIST, 10, "name",
                       "already has an engine 'sleeper'");
        expect_refused(&e, "engine twice in one file", PROJECT("q") ENGINE("q") ENGINE("q"), -EEXIST, 10, "name",
                       "already has an engine");
        expect_refused(&e, "task that exists", TASK("p", "t2", "") TASK("p", "t1", ""), -EEXIST, 10, "name",
                       "already has a task 't1'");
        expect_refused(&e, "task twice in one file", TASK("p", "t2", "") TASK("p", "t2", ""), -EEXIST, 10, "name",
                       "already has a task 't2'");
        env_done(&e);
}

static void test_limits(void) {
        ConfigError error = {};
        Env e;
        int r;

        env_init(&e, 5);
        r = apply_text(&e, PROJECT("p") ENGINE("p") TASK("p", "t1", ""), "base.conf", NULL, &error);
        CHECK(r == 0, "base config refused: %s", strna(error.message));
        config_error_clear(&error);
        /* 3 + 3 > 5: refused at the section that would be the sixth object */
        expect_refused(&e, "over the object limit", PROJECT("q") ENGINE("q") TASK("q", "u", ""), -E2BIG, 9, NULL,
                       "at most 5");
        /* exactly at the limit is fine */
        r = apply_text(&e, TASK("p", "t2", "") TASK("p", "t3", ""), "two.conf", NULL, &error);
        CHECK(r == 0 && e.tree.n_objects == 5, "two tasks up to the limit: r=%d n=%u %s", r, e.tree.n_objects,
              strna(error.message));
        config_error_clear(&error);
        expect_refused(&e, "one past a full tree", TASK("p", "t4", ""), -E2BIG, 1, NULL, "--max-objects");
        env_done(&e);
}

/* Fails each allocation of one apply_config() in turn: every failure leaves the tree and
 * the observer untouched, and the call that finally succeeds has applied everything. */
static void test_allocation_failures(void) {
        static const char text[] = PROJECT("q") ENGINE("q") TASK("q", "u1", "busy_ms=5\n") TASK("q", "u2", "")
                PROJECT("r");
        ConfigError error = {};
        char before[4096], after[4096];
        unsigned long injected = 0;
        Env e;
        int r;

        env_init(&e, TREE_DEFAULT_MAX_OBJECTS);
        /* an existing project keeps the sleeper plugin loaded (in the cache) */
        r = apply_text(&e, PROJECT("p") ENGINE("p"), "base.conf", NULL, &error);
        CHECK(r == 0, "base config refused: %s", strna(error.message));
        config_error_clear(&error);
        dump(&e.tree, before, sizeof before);

        for (long k = 0;; k++) {
                _cleanup_(config_freep) Config *c = NULL;
                ObjRefs objs = {};
                ApplyEnv env = { &e.tree, &e.lc, &e.plugins, &e.dirs };
                Heard heard_before = e.heard;

                r = config_parse(text, strlen(text), CONFIG_FORMAT_INI, "alloc.conf", &c, &error);
                CHECK(r == 0, "does not parse");
                if (r < 0)
                        break;
                if (getenv("TEST_APPLY_VERBOSE"))
                        fprintf(stderr, "failing allocation %ld\n", k);
                alloc_count = 0;
                alloc_countdown = k;
                r = apply_config(&env, c, &objs, &error);
                alloc_countdown = -1;
                if (r == 0) {
                        dump(&e.tree, after, sizeof after);
                        CHECK(streq(after, "n=7 [p <sleeper>] [q <sleeper u1=pid:1 u2=pid:1>] [r]"),
                              "after the first success (allocation %ld): %s", k, after);
                        CHECK(objs.n == 5, "%zu objects returned", objs.n);
                        CHECK(alloc_count == (unsigned long) k, "the successful call made %lu allocations, not %ld",
                              alloc_count, k);
                        obj_refs_done(&objs);
                        break;
                }
                injected++;
                CHECK(r == -ENOMEM, "allocation %ld failed: apply_config() = %d (%s), not -ENOMEM", k, r,
                      strna(error.message));
                dump(&e.tree, after, sizeof after);
                CHECK(streq(before, after), "allocation %ld failed: the tree changed to '%s'", k, after);
                CHECK(e.heard.added == heard_before.added, "allocation %ld failed: the observer heard of %u objects",
                      k, e.heard.added - heard_before.added);
                CHECK(objs.n == 0, "allocation %ld failed: %zu objects returned", k, objs.n);
                config_error_clear(&error);
                if (k > 100000) {
                        CHECK(false, "apply_config never succeeded");
                        break;
                }
        }
        /* a config of 5 objects allocates at least names, params, plugin state and arrays */
        CHECK(injected >= 20, "only %lu allocation points were exercised", injected);
        printf("allocation failures injected: %lu, each left the tree as it was\n", injected);
        env_done(&e);
}

static void on_abort(int sig) {
        void *frames[32];
        backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
        _exit(134);
}

int main(int argc, char **argv) {
        signal(SIGABRT, on_abort);
        signal(SIGSEGV, on_abort);
        if (argc != 2) {
                fprintf(stderr, "usage: %s TEST_ENGINES_DIR\n", argv[0]);
                return 2;
        }
        engines_dirs[0] = argv[1];
        test_apply_and_order();
        test_all_or_nothing();
        test_duplicates();
        test_limits();
        test_allocation_failures();
        printf("%d failures\n", failures);
        return failures ? 1 : 0;
}
