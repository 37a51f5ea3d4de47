/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "log.h"
#include "macro.h"
#include "plugin.h"

#define ENGINE_FILE_PREFIX "etmem-engine-"

static int set_error(char **error, int r, const char *fmt, ...) __attribute__((__format__(printf, 3, 4)));
static int set_error(char **error, int r, const char *fmt, ...) {
        va_list ap;

        free(*error);
        *error = NULL;
        va_start(ap, fmt);
        if (vasprintf(error, fmt, ap) < 0)
                *error = NULL;
        va_end(ap);
        return r;
}

/* The fields every ABI-1 plugin must have; later minors only append. */
#define OPS_V1_SIZE (offsetof(struct etmem_engine_ops, eng_mgt_func) + sizeof(void *))

int plugin_check_ops(const struct etmem_engine_ops *ops, const char *what, char **error) {
        if (ops->abi_major != ETMEM_PLUGIN_ABI_MAJOR)
                return set_error(error, -ELIBBAD,
                                 "%s: plugin ABI major %u is not supported (etmemd speaks ABI %u.%u); rebuild it against this etmem's etmem-plugin.h",
                                 what, ops->abi_major, ETMEM_PLUGIN_ABI_MAJOR, ETMEM_PLUGIN_ABI_MINOR);
        if (ops->size < OPS_V1_SIZE)
                return set_error(error, -ELIBBAD, "%s: ops struct is %u bytes, ABI %u needs at least %zu",
                                 what, ops->size, ETMEM_PLUGIN_ABI_MAJOR, (size_t) OPS_V1_SIZE);
        if (!ops->fill_eng_params || !ops->fill_task_params)
                return set_error(error, -ELIBBAD, "%s: fill_eng_params and fill_task_params are required", what);
        return 0;
}

Plugin *plugin_ref(Plugin *p) {
        if (p)
                __atomic_add_fetch(&p->n_ref, 1, __ATOMIC_SEQ_CST);
        return p;
}

Plugin *plugin_unref(Plugin *p) {
        if (!p || __atomic_sub_fetch(&p->n_ref, 1, __ATOMIC_SEQ_CST) > 0)
                return NULL;
        /* Last user gone: no engine or worker can still call into it. */
        if (p->dl)
                dlclose(p->dl);
        if (p->fd >= 0)
                close(p->fd);
        plugin_unref(p->shares);
        free(p->type);
        free(p->path);
        free(p);
        return NULL;
}

void plugin_cache_clear(Plugin **cache) {
        while (*cache) {
                Plugin *p = *cache;
                *cache = p->next;
                p->next = NULL;
                plugin_unref(p);
        }
}

static Plugin *cache_find(Plugin *cache, const char *type, bool thirdparty) {
        for (Plugin *p = cache; p; p = p->next)
                if (p->thirdparty == thirdparty && streq(p->type, type))
                        return p;
        return NULL;
}

static int check_file_trust(const struct stat *st, const char *path, char **error) {
        if (st->st_uid != 0)
                return set_error(error, -EPERM, "%s is owned by uid %u, not root", path, (unsigned) st->st_uid);
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return set_error(error, -EPERM, "%s is writable by group or others (mode %04o)", path,
                                 (unsigned) (st->st_mode & 07777));
        return 0;
}

/* Parents must be root-owned and not group/other writable either, or someone
 * could swap the file underneath us. */
static int check_parents(const char *path, char **error) {
        _cleanup_free_ char *dir = strdup(path);
        char *slash;
        struct stat st;

        if (!dir)
                return -ENOMEM;
        while ((slash = strrchr(dir, '/'))) {
                if (slash == dir)
                        slash[1] = 0;
                else
                        *slash = 0;
                if (lstat(dir, &st) < 0)
                        return set_error(error, -errno, "%s: %m", dir);
                if (!S_ISDIR(st.st_mode))
                        return set_error(error, -ENOTDIR, "%s is not a directory", dir);
                /* A sticky root-owned directory (/tmp) is fine: others cannot replace our entries in it. */
                if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
                        return set_error(error, -EPERM, "directory %s is writable by group or others (mode %04o)",
                                         dir, (unsigned) (st.st_mode & 07777));
                if (st.st_uid != 0)
                        return set_error(error, -EPERM, "directory %s is owned by uid %u, not root", dir,
                                         (unsigned) st.st_uid);
                if (streq(dir, "/"))
                        break;
        }
        return 0;
}

static bool path_has_dotdot(const char *path) {
        for (const char *p = path; (p = strstr(p, "..")); p += 2)
                if ((p == path || p[-1] == '/') && (p[2] == '/' || p[2] == 0))
                        return true;
        return false;
}

int plugin_open_trusted(const char *path, const char *allowed_dir, int *ret_fd, char **error) {
        _cleanup_close_ int fd = -1;
        struct stat st;
        size_t dlen;
        int r;

        if (path[0] != '/')
                return set_error(error, -EINVAL, "%s: library path must be absolute", path);
        if (strlen(path) >= PATH_MAX)
                return set_error(error, -ENAMETOOLONG, "library path is longer than %d characters", PATH_MAX - 1);
        if (path_has_dotdot(path))
                return set_error(error, -EINVAL, "%s: library path must not contain '..'", path);
        if (lstat(path, &st) < 0) {
                if (errno == ENOENT)
                        return set_error(error, -ENOENT, "library %s does not exist", path);
                return set_error(error, -errno, "library %s: %m", path);
        }
        if (allowed_dir) {
                if (allowed_dir[0] != '/')
                        return set_error(error, -EPERM, "third-party engines are refused: the allowed directory '%s' "
                                         "is not absolute", allowed_dir);
                dlen = strlen(allowed_dir);
                while (dlen > 1 && allowed_dir[dlen - 1] == '/')
                        dlen--;
                if (strncmp(path, allowed_dir, dlen) != 0 || path[dlen] != '/')
                        return set_error(error, -EPERM,
                                         "library %s is outside the directory third-party engines may be loaded from (%s)",
                                         path, allowed_dir);
        }
        if (S_ISLNK(st.st_mode))
                return set_error(error, -ELOOP, "library %s is a symbolic link; give the real path", path);
        fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return set_error(error, -errno, "library %s: %m", path);
        if (fstat(fd, &st) < 0)
                return set_error(error, -errno, "library %s: %m", path);
        if (!S_ISREG(st.st_mode))
                return set_error(error, -EINVAL, "library %s is not a regular file", path);
        r = check_file_trust(&st, path, error);
        if (r < 0)
                return r;
        r = check_parents(path, error);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* dlopen through /proc/self/fd so the file we checked is the file we load.
 *
 * glibc recognises loaded objects by name and by file: a second dlopen of a file that
 * is already loaded, under a new name, returns the old handle and keeps the new name
 * as an alias for as long as the object stays loaded.  So a file that is already
 * loaded is opened again under the name it was loaded with (never adding an alias),
 * and a refused library that stays loaded anyway keeps its fd, so no later library
 * can get that /proc/self/fd/N name. */
static int load_from_fd(Plugin *cache, int *fd, const char *path, const char *symbol, bool thirdparty,
                        const char *type, Plugin **ret, char **error) {
        char fdpath[64];
        _cleanup_free_ Plugin *p = NULL;
        const struct etmem_engine_ops *ops;
        struct stat st;
        Plugin *same = NULL;
        void *dl;
        int r;

        if (fstat(*fd, &st) < 0)
                return set_error(error, -errno, "library %s: %m", path);
        for (Plugin *c = cache; c; c = c->next)
                if (c->fd >= 0 && c->dev == st.st_dev && c->ino == st.st_ino) {
                        same = c;
                        break;
                }
        snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", same ? same->fd : *fd);
        dl = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL);
        if (!dl)
                return set_error(error, -ELIBBAD, "cannot load %s: %s", path, dlerror());
        ops = dlsym(dl, symbol);
        if (!ops)
                r = set_error(error, -ELIBBAD, "%s does not export the engine symbol '%s'", path, symbol);
        else
                r = plugin_check_ops(ops, path, error);
        if (r < 0) {
                dlclose(dl);
                if (!same) {
                        void *still = dlopen(fdpath, RTLD_NOW | RTLD_NOLOAD);
                        if (still) {
                                /* cannot be unloaded: its name must stay unique for good */
                                dlclose(still);
                                log_warning("%s stays loaded after being refused; keeping fd %d open", path, *fd);
                                (void) TAKE_FD(*fd);
                        }
                }
                return r;
        }
        p = calloc(1, sizeof *p);
        if (!p || !(p->type = strdup(type)) || !(p->path = strdup(path))) {
                if (p) {
                        free(p->type);
                        free(p->path);
                }
                dlclose(dl);
                return -ENOMEM;
        }
        p->n_ref = 1;
        p->dl = dl;
        /* A second load of the same file shares the name of the first: our fd is not needed. */
        p->fd = same ? -1 : TAKE_FD(*fd);
        p->shares = plugin_ref(same);
        p->dev = st.st_dev;
        p->ino = st.st_ino;
        p->ops = ops;
        p->thirdparty = thirdparty;
        *ret = TAKE_PTR(p);
        return 0;
}

static bool type_is_valid(const char *type) {
        size_t n = strlen(type);

        if (n == 0 || n > 32)
                return false;
        for (const char *c = type; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
                        return false;
        return true;
}

int plugin_load_builtin(Plugin **cache, const PluginDirs *dirs, const char *type, Plugin **ret, char **error) {
        Plugin *p;
        int r;

        if (!type_is_valid(type))
                return set_error(error, -EINVAL, "'%s' is not a valid engine type ([a-z0-9_], 1..32 characters)", type);
        p = cache_find(*cache, type, false);
        if (p) {
                *ret = plugin_ref(p);
                return 0;
        }
        for (char **d = dirs->engines_dirs; d && *d; d++) {
                /* installed layout: DIR/etmem-engine-T.so; build tree: DIR/T/etmem-engine-T.so */
                for (size_t i = 0; i < 2; i++) {
                        _cleanup_free_ char *path = NULL;
                        _cleanup_close_ int fd = -1;
                        struct stat st;

                        r = i == 0 ? asprintf(&path, "%s/" ENGINE_FILE_PREFIX "%s.so", *d, type)
                                   : asprintf(&path, "%s/%s/" ENGINE_FILE_PREFIX "%s.so", *d, type, type);
                        if (r < 0)
                                return -ENOMEM;
                        fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                        if (fd < 0)
                                continue;
                        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                                continue;
                        r = check_file_trust(&st, path, error);
                        if (r < 0)
                                return r;
                        /* as for third-party libraries: whoever may write a directory above
                         * the file may put another file in its place */
                        r = check_parents(path, error);
                        if (r < 0)
                                return r;
                        r = load_from_fd(*cache, &fd, path, ETMEM_ENGINE_OPS_SYMBOL, false, type, &p, error);
                        if (r < 0)
                                return r;
                        log_info("loaded engine '%s' from %s (ABI %u.%u)", type, path, p->ops->abi_major,
                                 p->ops->abi_minor);
                        p->next = *cache;
                        *cache = p;
                        *ret = plugin_ref(p);
                        return 0;
                }
        }
        return set_error(error, -ENOENT,
                         "unknown engine type '%s': no " ENGINE_FILE_PREFIX "%s.so in the engines directory (%s)",
                         type, type, dirs->engines_dirs && dirs->engines_dirs[0] ? dirs->engines_dirs[0] : "none");
}

int plugin_load_thirdparty(Plugin **cache, const PluginDirs *dirs, const char *libname, const char *ops_name,
                           Plugin **ret, char **error) {
        _cleanup_free_ char *key = NULL;
        _cleanup_close_ int fd = -1;
        Plugin *p;
        int r;

        /* One cache entry per (library, symbol): one library may offer several engines. */
        if (asprintf(&key, "%s:%s", libname, ops_name) < 0)
                return -ENOMEM;
        p = cache_find(*cache, key, true);
        if (p) {
                *ret = plugin_ref(p);
                return 0;
        }
        r = plugin_open_trusted(libname, dirs->thirdparty_dir, &fd, error);
        if (r < 0)
                return r;
        r = load_from_fd(*cache, &fd, libname, ops_name, true, key, &p, error);
        if (r < 0)
                return r;
        log_info("loaded third-party engine %s from %s", ops_name, libname);
        p->next = *cache;
        *cache = p;
        *ret = plugin_ref(p);
        return 0;
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int strv_push_unique(char ***l, size_t *n, const char *s) {
        char **nl;

        for (size_t i = 0; i < *n; i++)
                if (streq((*l)[i], s))
                        return 0;
        nl = realloc(*l, (*n + 2) * sizeof(char *));
        if (!nl)
                return -ENOMEM;
        *l = nl;
        if (!(nl[*n] = strdup(s)))
                return -ENOMEM;
        nl[++*n] = NULL;
        return 0;
}

static void scan_dir(const char *dir, char ***l, size_t *n, int depth) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);

                if (de->d_name[0] == '.')
                        continue;
                if (strncmp(de->d_name, ENGINE_FILE_PREFIX, STRLEN(ENGINE_FILE_PREFIX)) == 0 && len > 3 &&
                    streq(de->d_name + len - 3, ".so")) {
                        _cleanup_free_ char *t = strndup(de->d_name + STRLEN(ENGINE_FILE_PREFIX),
                                                         len - 3 - STRLEN(ENGINE_FILE_PREFIX));
                        if (t && type_is_valid(t))
                                (void) strv_push_unique(l, n, t);
                } else if (depth == 0 && de->d_type == DT_DIR) {
                        _cleanup_free_ char *sub = NULL;
                        if (asprintf(&sub, "%s/%s", dir, de->d_name) >= 0)
                                scan_dir(sub, l, n, 1);
                }
        }
}

char **plugin_list_types(const PluginDirs *dirs) {
        char **l = calloc(1, sizeof(char *));
        size_t n = 0;

        if (!l)
                return NULL;
        for (char **d = dirs->engines_dirs; d && *d; d++)
                scan_dir(*d, &l, &n, 0);
        (void) strv_push_unique(&l, &n, "thirdparty");
        qsort(l, n, sizeof(char *), strcmp_ptr);
        return l;
}

EngineImpl *engine_impl_new(Plugin *p, void *priv) {
        EngineImpl *e = calloc(1, sizeof *e);

        if (!e)
                return NULL;
        e->n_ref = 1;
        e->plugin = plugin_ref(p);
        e->priv = priv;
        return e;
}

EngineImpl *engine_impl_ref(EngineImpl *e) {
        if (e)
                __atomic_add_fetch(&e->n_ref, 1, __ATOMIC_SEQ_CST);
        return e;
}

EngineImpl *engine_impl_unref(EngineImpl *e) {
        if (!e || __atomic_sub_fetch(&e->n_ref, 1, __ATOMIC_SEQ_CST) > 0)
                return NULL;
        if (e->priv && e->plugin->ops->clear_eng_params)
                e->plugin->ops->clear_eng_params(e->priv);
        plugin_unref(e->plugin);
        free(e);
        return NULL;
}

TaskImpl *task_impl_new(EngineImpl *e, void *priv, const struct etmem_task_conf *conf) {
        TaskImpl *t = calloc(1, sizeof *t);

        if (!t)
                return NULL;
        t->n_ref = 1;
        t->engine = engine_impl_ref(e);
        t->priv = priv;
        t->conf = *conf;
        return t;
}

TaskImpl *task_impl_ref(TaskImpl *t) {
        if (t)
                __atomic_add_fetch(&t->n_ref, 1, __ATOMIC_SEQ_CST);
        return t;
}

TaskImpl *task_impl_unref(TaskImpl *t) {
        if (!t || __atomic_sub_fetch(&t->n_ref, 1, __ATOMIC_SEQ_CST) > 0)
                return NULL;
        if (t->priv && t->engine->plugin->ops->clear_task_params)
                t->engine->plugin->ops->clear_task_params(t->priv);
        engine_impl_unref(t->engine);
        free(t);
        return NULL;
}
