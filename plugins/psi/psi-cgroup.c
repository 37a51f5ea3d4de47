/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "psi-cgroup.h"

static bool exists(const char *dir, const char *file) {
        char p[PATH_MAX + 64];

        snprintf(p, sizeof p, "%s/%s", dir, file);
        return access(p, F_OK) == 0;
}

const char *psi_memory_root(bool *ret_v2) {
        if (exists("/sys/fs/cgroup", "cgroup.controllers")) {
                *ret_v2 = true;
                return "/sys/fs/cgroup";
        }
        *ret_v2 = false;
        return exists("/sys/fs/cgroup/memory", "memory.limit_in_bytes") ? "/sys/fs/cgroup/memory" : NULL;
}

const char *psi_cg_mode_to_string(PsiCgMode m) {
        return m == PSI_CG_V2 ? "cgroup v2 memory.reclaim"
               : m == PSI_CG_V1_RECLAIM ? "cgroup v1 memory.reclaim" : "cgroup v1 memory.limit_in_bytes steps";
}

int psi_cgroup_describe(const char *path, bool v2, PsiCgroup *ret) {
        struct stat st;

        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        *ret = (PsiCgroup) {};
        snprintf(ret->path, sizeof ret->path, "%s", path);
        ret->mode = v2 ? PSI_CG_V2 : exists(path, "memory.reclaim") ? PSI_CG_V1_RECLAIM : PSI_CG_V1_LIMIT;
        if (v2 && exists(path, "memory.pressure"))
                snprintf(ret->pressure, sizeof ret->pressure, "%s/memory.pressure", path);
        else if (!v2 && strncmp(path, "/sys/fs/cgroup/memory/", 22) == 0) {
                /* openEuler's psi_v1: the cpuacct hierarchy of the same name carries memory.pressure */
                snprintf(ret->pressure, sizeof ret->pressure, "/sys/fs/cgroup/cpuacct/%s/memory.pressure", path + 22);
                if (access(ret->pressure, R_OK) < 0)
                        ret->pressure[0] = 0;
        }
        if (!ret->pressure[0]) {
                snprintf(ret->pressure, sizeof ret->pressure, "/proc/pressure/memory");
                ret->pressure_is_system = true;
        }
        return 0;
}

static int read_file(const char *path, char *buf, size_t size) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        if (n < 0) {
                int e = -errno;
                close(fd);
                return e;
        }
        close(fd);
        buf[n] = 0;
        return 0;
}

static int read_u64(const char *dir, const char *file, uint64_t *ret) {
        char p[PATH_MAX + 64], buf[64], *end;
        unsigned long long v;
        int r;

        snprintf(p, sizeof p, "%s/%s", dir, file);
        r = read_file(p, buf, sizeof buf);
        if (r < 0)
                return r;
        if (strncmp(buf, "max", 3) == 0) {
                *ret = UINT64_MAX;
                return 0;
        }
        errno = 0;
        v = strtoull(buf, &end, 10);
        if (errno || end == buf)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int write_u64(const char *dir, const char *file, uint64_t v) {
        char p[PATH_MAX + 64], buf[32];
        int fd, n, r = 0;

        snprintf(p, sizeof p, "%s/%s", dir, file);
        n = snprintf(buf, sizeof buf, "%" PRIu64 "\n", v);
        fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, buf, (size_t) n) != n)
                r = -errno;
        close(fd);
        return r;
}

int psi_cg_usage(const PsiCgroup *cg, uint64_t *ret) {
        return read_u64(cg->path, cg->mode == PSI_CG_V2 ? "memory.current" : "memory.usage_in_bytes", ret);
}

int psi_cg_limit(const PsiCgroup *cg, uint64_t *ret) {
        return read_u64(cg->path, "memory.limit_in_bytes", ret);
}

int psi_cg_set_limit(const PsiCgroup *cg, uint64_t v) {
        return write_u64(cg->path, "memory.limit_in_bytes", v);
}

int psi_cg_reclaim(const PsiCgroup *cg, uint64_t bytes) {
        return write_u64(cg->path, "memory.reclaim", bytes);
}

int psi_cg_stall_us(const PsiCgroup *cg, uint64_t *ret) {
        char buf[512], *t;
        int r = read_file(cg->pressure, buf, sizeof buf);

        if (r < 0)
                return r;
        if (strncmp(buf, "some ", 5) != 0 || !(t = strstr(buf, "total=")))
                return -EBADMSG;
        *ret = strtoull(t + 6, NULL, 10);
        return 0;
}
