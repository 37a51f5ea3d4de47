/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "meminfo.h"
#include "proc-util.h"

/* Reads "Key:   123 kB" lines; keys[i] -> vals[i] in bytes.  -EBADMSG if one is missing. */
static int read_kb_fields(FILE *f, const char *const *keys, uint64_t *const *vals, size_t n) {
        char line[256];
        unsigned found = 0;

        while (fgets(line, sizeof line, f)) {
                char key[64];
                unsigned long long kib;
                if (sscanf(line, "%63[^:]: %llu", key, &kib) != 2)
                        continue;
                for (size_t i = 0; i < n; i++)
                        if (streq(key, keys[i])) {
                                *vals[i] = (uint64_t) kib * 1024;
                                found |= 1u << i;
                        }
        }
        return found == (1u << n) - 1 ? 0 : -EBADMSG;
}

int mem_meminfo_read_file(const char *path, struct etmem_meminfo *ret) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        struct etmem_meminfo m = {};
        static const char *const keys[] = { "MemTotal", "MemFree", "MemAvailable",
                                            "SwapTotal", "SwapFree", "SwapCached" };
        uint64_t *const vals[] = { &m.mem_total, &m.mem_free, &m.mem_available,
                                   &m.swap_total, &m.swap_free, &m.swap_cached };
        int r;

        if (!f)
                return -errno;
        r = read_kb_fields(f, keys, vals, ELEMENTSOF(keys));
        if (r < 0)
                return r;
        if (m.mem_total == 0)
                return -EBADMSG;
        *ret = m;
        return 0;
}

int mem_meminfo_read(struct etmem_meminfo *ret) {
        return mem_meminfo_read_file("/proc/meminfo", ret);
}

unsigned mem_free_percent(const struct etmem_meminfo *m) {
        return m->mem_total ? (unsigned) (m->mem_free * 100 / m->mem_total) : 0;
}

unsigned mem_swapcache_percent(const struct etmem_meminfo *m) {
        return m->mem_total ? (unsigned) (m->swap_cached * 100 / m->mem_total) : 0;
}

int mem_procmem_read(pid_t pid, int pidfd, struct etmem_procmem *ret) {
        _cleanup_fclose_ FILE *f = NULL;
        struct etmem_procmem p = {};
        static const char *const keys[] = { "VmRSS", "RssAnon", "RssFile", "RssShmem", "VmSwap" };
        uint64_t *const vals[] = { &p.rss, &p.rss_anon, &p.rss_file, &p.rss_shmem, &p.swap };
        int r;

        f = proc_fopen_checked(pid, pidfd, "status", &r);
        if (!f)
                return r;
        r = read_kb_fields(f, keys, vals, ELEMENTSOF(keys));
        if (r < 0)
                return r == -EBADMSG ? -ESRCH : r; /* a zombie's status has no Vm* lines */
        *ret = p;
        return 0;
}
