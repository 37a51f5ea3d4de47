/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-dir.h"
#include "log.h"
#include "macro.h"

static void file_done(ConfigDirFile *f) {
        free(f->name);
        free(f->text);
        *f = (ConfigDirFile) {};
}

void config_dir_done(ConfigDir *d) {
        for (size_t i = 0; i < d->n_files; i++)
                file_done(&d->files[i]);
        free(d->files);
        free(d->path);
        *d = (ConfigDir) {};
}

static bool has_suffix(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);

        return a > b && strcmp(s + a - b, suffix) == 0;
}

static int filter(const struct dirent *de) {
        if (de->d_name[0] == '.')
                return 0;
        if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
                return 0;
        return has_suffix(de->d_name, ".conf") || has_suffix(de->d_name, ".yaml") || has_suffix(de->d_name, ".json");
}

static char *file_path(const ConfigDir *d, const char *name) {
        char *p = NULL;

        return asprintf(&p, "%s/%s", d->path, name) < 0 ? NULL : p;
}

static void log_config_error(const char *what, const ConfigError *ce, const char *path) {
        _cleanup_free_ char *msg = config_error_to_string(ce);

        log_error("%s: %s", what, msg && msg[0] ? msg : path);
}

/* Parses TEXT of file NAME with its path as the source; the format from the suffix. */
static int parse(const ConfigDir *d, const char *name, const char *text, size_t len, Config **ret,
                 ConfigError *ce) {
        _cleanup_free_ char *path = file_path(d, name);

        if (!path)
                return -ENOMEM;
        return config_parse(text, len, has_suffix(name, ".json") ? CONFIG_FORMAT_JSON : CONFIG_FORMAT_INI, path,
                            ret, ce);
}

/* Removes the objects F's applied content names; what is gone already is left out. */
static void unload(const ConfigDir *d, ConfigDirFile *f, ApplyEnv *env) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(obj_refs_done) ObjRefs objs = {};
        ConfigError ce = {};
        int r;

        if (!f->applied)
                return;
        f->applied = false;
        r = parse(d, f->name, f->text, f->len, &c, &ce);
        if (r >= 0)
                r = unapply_config(env, c, &objs, &ce);
        if (r < 0) {
                log_config_error("cannot unload the old version", &ce, f->name);
                config_error_clear(&ce);
                return;
        }
        unapply_commit(env, &objs);
        log_info("%s/%s: unloaded %zu objects", d->path, f->name, objs.n);
}

/* Applies F's content; at_start, a file whose objects all exist is taken as applied. */
static int load(const ConfigDir *d, ConfigDirFile *f, ApplyEnv *env, bool at_start) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(obj_refs_done) ObjRefs objs = {};
        ConfigError ce = {};
        bool thirdparty;
        int r;

        r = parse(d, f->name, f->text, f->len, &c, &ce);
        if (r >= 0)
                r = apply_validate(c, &thirdparty, &ce);
        if (r >= 0 && at_start && c->n_sections > 0) {
                ConfigError ignored = {};

                if (unapply_config(env, c, &objs, &ignored) >= 0) {
                        f->applied = true;
                        log_info("%s/%s: its %zu objects were restored from the state file", d->path, f->name,
                                 objs.n);
                        return 0;
                }
                config_error_clear(&ignored);
                obj_refs_done(&objs);
        }
        if (r >= 0)
                r = apply_config(env, c, &objs, &ce);
        if (r < 0) {
                log_config_error("not applied", &ce, f->name);
                config_error_clear(&ce);
                return r;
        }
        f->applied = true;
        log_info("%s/%s: applied, %zu objects", d->path, f->name, objs.n);
        return 0;
}

int config_dir_load(ConfigDir *d, ApplyEnv *env, bool at_start, bool *ret_changed) {
        struct dirent **list = NULL;
        ConfigDirFile *next = NULL;
        _cleanup_free_ bool *kept = NULL;
        size_t n_next = 0;
        int n, failed = 0, r = 0;
        bool changed = false;

        if (ret_changed)
                *ret_changed = false;
        if (!d->path)
                return 0;
        n = scandir(d->path, &list, filter, alphasort);
        if (n < 0) {
                if (errno != ENOENT)
                        log_warning("cannot read the configuration directory %s: %m", d->path);
                n = 0;
        }
        next = calloc(n > 0 ? (size_t) n : 1, sizeof *next);
        kept = calloc(n > 0 ? (size_t) n : 1, sizeof *kept);
        if (!next || !kept) {
                r = -ENOMEM;
                goto finish;
        }

        /* Read every file first, so that old versions are unloaded before any file is
         * applied (a project may move from one file to another). */
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *path = file_path(d, list[i]->d_name);
                ConfigDirFile *f = &next[n_next];
                ConfigError ce = {};

                if (!path || !(f->name = strdup(list[i]->d_name))) {
                        file_done(f);
                        r = -ENOMEM;
                        goto finish;
                }
                if (config_read_file(path, &f->text, &f->len, &ce) < 0) {
                        /* unreadable: as if gone */
                        log_config_error("not read", &ce, path);
                        config_error_clear(&ce);
                        failed++;
                        file_done(f);
                        continue;
                }
                n_next++;
        }

        for (size_t i = 0; i < d->n_files; i++) {
                ConfigDirFile *old = &d->files[i];
                ConfigDirFile *now = NULL;

                for (size_t j = 0; j < n_next && !now; j++)
                        if (strcmp(next[j].name, old->name) == 0)
                                now = &next[j];
                if (now && now->len == old->len && memcmp(now->text, old->text, old->len) == 0) {
                        /* unchanged: keeps its outcome and is not applied again */
                        now->applied = old->applied;
                        kept[now - next] = true;
                        continue;
                }
                if (old->applied)
                        changed = true;
                unload(d, old, env);
        }

        for (size_t j = 0; j < n_next; j++) {
                if (kept[j])
                        continue;
                if (load(d, &next[j], env, at_start) < 0)
                        failed++;
                else
                        changed = true;
        }

        for (size_t i = 0; i < d->n_files; i++)
                file_done(&d->files[i]);
        free(d->files);
        d->files = TAKE_PTR(next);
        d->n_files = n_next;
        n_next = 0;

finish:
        for (size_t j = 0; j < n_next; j++)
                file_done(&next[j]);
        free(next);
        for (int i = 0; i < n; i++)
                free(list[i]);
        free(list);
        if (ret_changed)
                *ret_changed = changed;
        return r < 0 ? r : failed;
}
