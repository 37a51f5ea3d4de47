/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Plugin loading: ABI checks and the trust rules for third-party libraries. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "macro.h"
#include "test-check.h"
#include "plugin.h"


static char tmpdir[] = "/tmp/etmem-test-plugin-XXXXXX";
static const char *engines_dir;

static void copy_file(const char *from, const char *to, mode_t mode) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
        if (system(cmd) != 0) {
                fprintf(stderr, "cannot copy %s\n", from);
                exit(1);
        }
        chmod(to, mode);
}

/* Expects plugin_open_trusted(path) to fail with an error containing `needle`. */
static void expect_refused(const char *path, const char *allowed, const char *needle) {
        _cleanup_free_ char *error = NULL;
        int fd = -1, r;

        r = plugin_open_trusted(path, allowed, &fd, &error);
        CHECK(r < 0, "%s was accepted", path);
        CHECK(error && strstr(error, needle), "%s: error '%s' lacks '%s'", path, strna(error), needle);
        if (fd >= 0)
                close(fd);
}

static void test_trust(void) {
        char lib[1100], dir[1024], sub[1100], link[1100], cmd[2300], sample[512];
        _cleanup_free_ char *error = NULL;
        int fd = -1;

        snprintf(sample, sizeof sample, "%s/etmem-engine-sleeper.so", engines_dir);
        snprintf(dir, sizeof dir, "%s/thirdparty", tmpdir);
        mkdir(dir, 0755);
        snprintf(lib, sizeof lib, "%s/good.so", dir);
        copy_file(sample, lib, 0644);

        CHECK(plugin_open_trusted(lib, dir, &fd, &error) == 0, "good library refused: %s", strna(error));
        if (fd >= 0)
                close(fd);

        expect_refused("relative/lib.so", dir, "absolute");
        snprintf(cmd, sizeof cmd, "%s/../thirdparty/good.so", dir);
        expect_refused(cmd, dir, "'..'");
        snprintf(cmd, sizeof cmd, "%s/missing.so", dir);
        expect_refused(cmd, dir, "does not exist");
        expect_refused(sample, dir, "outside the directory");

        snprintf(link, sizeof link, "%s/link.so", dir);
        (void) !symlink(lib, link);
        expect_refused(link, dir, "symbolic link");

        snprintf(cmd, sizeof cmd, "%s/world.so", dir);
        copy_file(sample, cmd, 0666);
        chmod(cmd, 0666);
        expect_refused(cmd, dir, "writable by group or others");

        snprintf(cmd, sizeof cmd, "%s/owned.so", dir);
        copy_file(sample, cmd, 0644);
        if (chown(cmd, 65534, 65534) == 0)
                expect_refused(cmd, dir, "not root");

        snprintf(sub, sizeof sub, "%s/opendir", dir);
        mkdir(sub, 0775);
        chmod(sub, 0775);
        snprintf(cmd, sizeof cmd, "%s/lib.so", sub);
        copy_file(sample, cmd, 0644);
        expect_refused(cmd, dir, "directory");
}

static void test_abi(void) {
        _cleanup_free_ char *error = NULL;
        struct etmem_engine_ops ops = { .abi_major = ETMEM_PLUGIN_ABI_MAJOR + 1, .size = sizeof ops };

        CHECK(plugin_check_ops(&ops, "x", &error) == -ELIBBAD, "wrong major accepted");
        CHECK(error && strstr(error, "ABI major"), "message: %s", strna(error));
        ops.abi_major = ETMEM_PLUGIN_ABI_MAJOR;
        ops.size = 8;
        CHECK(plugin_check_ops(&ops, "x", &error) == -ELIBBAD, "short struct accepted");
}

static void test_builtin(void) {
        char *dirs[] = { (char *) engines_dir, NULL };
        PluginDirs pd = { .engines_dirs = dirs };
        Plugin *cache = NULL, *p = NULL;
        char *error = NULL;
        int r;

        r = plugin_load_builtin(&cache, &pd, "sleeper", &p, &error);
        CHECK(r == 0 && p && p->ops && streq(p->ops->type, "sleeper"), "sleeper: %s", strna(error));
        plugin_unref(p);
        p = NULL;

        r = plugin_load_builtin(&cache, &pd, "badabi", &p, &error);
        CHECK(r == -ELIBBAD && strstr(strempty(error), "ABI major"), "badabi: %d %s", r, strna(error));
        r = plugin_load_builtin(&cache, &pd, "nosym", &p, &error);
        CHECK(r == -ELIBBAD && strstr(strempty(error), "etmem_engine_ops"), "nosym: %d %s", r, strna(error));
        r = plugin_load_builtin(&cache, &pd, "nonexistent", &p, &error);
        CHECK(r == -ENOENT && strstr(strempty(error), "unknown engine type"), "nonexistent: %d %s", r, strna(error));
        r = plugin_load_builtin(&cache, &pd, "../evil", &p, &error);
        CHECK(r == -EINVAL, "path in type accepted: %d", r);
        free(error);
        plugin_cache_clear(&cache);
}

int main(int argc, char *argv[]) {
        char cmd[256];

        if (argc < 2) {
                fprintf(stderr, "usage: %s TEST-ENGINES-DIR\n", argv[0]);
                return 2;
        }
        engines_dir = argv[1];
        if (!mkdtemp(tmpdir))
                return 1;
        chmod(tmpdir, 0755);
        test_abi();
        test_builtin();
        test_trust();
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        (void) !system(cmd);
        printf("%d failures\n", failures);
        return failures ? 1 : 0;
}
