/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "apply.h"
#include "config.h"
#include "export.h"
#include "log.h"
#include "macro.h"
#include "lifecycle.h"
#include "project.h"
#include "tree.h"
#include "state.h"

int write_file_atomic(const char *dir, const char *name, const char *data, size_t len) {
        _cleanup_free_ char *tmp = NULL, *path = NULL;
        _cleanup_close_ int fd = -1, dfd = -1;
        size_t off = 0;

        if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, name) < 0 || asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        while (off < len) {
                ssize_t k = write(fd, data + off, len - off);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        goto fail;
                }
                off += (size_t) k;
        }
        if (fchmod(fd, 0600) < 0 || fsync(fd) < 0)
                goto fail;
        if (rename(tmp, path) < 0)
                goto fail;
        /* make the rename itself durable */
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void) fsync(dfd);
        return 0;
fail:;
        int r = -errno;
        (void) unlink(tmp);
        return r;
}

int state_save(const Tree *tree, const char *dir) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *json = NULL;
        int r;

        if (!dir)
                return 0;
        r = export_config(tree, &c);
        if (r < 0)
                return log_error_errno(r, "cannot serialise the state: %m");
        r = config_to_json(c, &json);
        if (r < 0)
                return log_error_errno(r, "cannot serialise the state: %m");
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "cannot create %s: %m", dir);
        r = write_file_atomic(dir, STATE_FILE, json, strlen(json));
        if (r < 0)
                return log_error_errno(r, "cannot write %s/%s: %m", dir, STATE_FILE);
        log_debug("state saved (%zu bytes)", strlen(json));
        return 0;
}

static void keep_aside(const char *dir, const char *suffix) {
        _cleanup_free_ char *from = NULL, *to = NULL;

        if (asprintf(&from, "%s/%s", dir, STATE_FILE) < 0 ||
            asprintf(&to, "%s/%s.%s-%lld", dir, STATE_FILE, suffix, (long long) time(NULL)) < 0)
                return;
        /* a copy via link keeps the original in place until the next save replaces it */
        if (link(from, to) < 0)
                log_warning("cannot keep %s as %s: %m", from, to);
        else
                log_warning("kept the state file as %s", to);
}

/* A write killed before its rename leaves .state.json.XXXXXX behind; those were never the state. */
static void remove_stale_temp_files(const char *dir) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d)))
                if (strncmp(de->d_name, "." STATE_FILE ".", STRLEN("." STATE_FILE ".")) == 0 &&
                    unlinkat(dirfd(d), de->d_name, 0) == 0)
                        log_info("removed %s/%s, left by an interrupted state write", dir, de->d_name);
}

/* A new Config with sections [from, to) of c. */
static int config_copy_range(const Config *c, size_t from, size_t to, const char *source, Config **ret) {
        _cleanup_(config_freep) Config *one = config_new(source);

        if (!one)
                return -ENOMEM;
        for (size_t k = from; k < to; k++) {
                ConfigSection *s = config_add_section(one, c->sections[k].type);

                if (!s)
                        return -ENOMEM;
                for (size_t q = 0; q < c->sections[k].n_params; q++)
                        if (config_section_add(s, c->sections[k].params[q].key, c->sections[k].params[q].value) < 0)
                                return -ENOMEM;
        }
        *ret = TAKE_PTR(one);
        return 0;
}

int state_restore(ApplyEnv *env, const char *dir) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *path = NULL;
        ConfigError ce = {};
        bool lost = false;
        int r;

        if (!dir)
                return 0;
        if (asprintf(&path, "%s/%s", dir, STATE_FILE) < 0)
                return -ENOMEM;
        remove_stale_temp_files(dir);
        if (access(path, F_OK) < 0)
                return 0;
        r = config_parse_file(path, CONFIG_FORMAT_JSON, &c, &ce);
        if (r < 0) {
                _cleanup_free_ char *s = config_error_to_string(&ce);
                log_error("cannot restore state: %s", strna(s));
                config_error_clear(&ce);
                keep_aside(dir, "broken");
                return 0;
        }
        /* Project by project, so one project that no longer loads does not take the others with it. */
        for (size_t i = 0; i < c->n_sections;) {
                _cleanup_(config_freep) Config *one = NULL;
                ConfigError error = {};
                ProjectSpec spec;
                size_t j = i + 1;

                while (j < c->n_sections && c->sections[j].type != CONFIG_SECTION_PROJECT)
                        j++;
                r = config_copy_range(c, i, j, path, &one);
                if (r < 0)
                        return r;
                r = apply_config(env, one, NULL, &error);
                if (r < 0) {
                        _cleanup_free_ char *s = config_error_to_string(&error);

                        log_error("cannot restore a project from %s: %s", path, error.message && s ? s : strerror(-r));
                        lost = true;
                } else if (c->sections[i].type == CONFIG_SECTION_PROJECT &&
                           config_project_spec(c, &c->sections[i], &spec, &ce) >= 0 && spec.running) {
                        ConfigError serr = {};
                        Project *p = tree_find_project(env->tree, spec.name);

                        if (p && lifecycle_project_start(env->lifecycle, p, &serr) < 0) {
                                log_error("project %s was running but cannot start again: %s", p->name,
                                          strna(serr.message));
                                tree_set_project_state(env->tree, p, PROJECT_FAILED, serr.message);
                        }
                        config_error_clear(&serr);
                }
                config_error_clear(&error);
                config_error_clear(&ce);
                i = j;
        }
        if (lost)
                keep_aside(dir, "unrestored");
        log_info("restored %zu project(s) from %s", env->tree->n_projects, path);
        return 0;
}
