/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <limits.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "numa-topology.h"
#include "proc-util.h"

int mem_idlist_parse(const char *s, uint64_t *bits, size_t words) {
        memset(bits, 0, words * sizeof(uint64_t));
        while (*s && *s != '\n') {
                unsigned long a, b;
                char *end;

                if (!isdigit((unsigned char) *s))
                        return -EINVAL;
                errno = 0;
                a = strtoul(s, &end, 10);
                if (errno)
                        return -ERANGE;
                b = a;
                s = end;
                if (*s == '-') {
                        if (!isdigit((unsigned char) s[1]))
                                return -EINVAL;
                        b = strtoul(s + 1, &end, 10);
                        if (errno)
                                return -ERANGE;
                        s = end;
                        if (b < a)
                                return -EINVAL;
                }
                if (b >= words * 64)
                        return -ERANGE;
                for (unsigned long i = a; i <= b; i++)
                        mem_bit_set(bits, (unsigned) i);
                if (*s == ',')
                        s++;
                else if (*s && *s != '\n')
                        return -EINVAL;
        }
        return 0;
}

int mem_idlist_format(const uint64_t *bits, size_t words, char *buf, size_t size) {
        size_t off = 0, n = words * 64;

        if (size == 0)
                return -ENOBUFS;
        buf[0] = 0;
        for (size_t i = 0; i < n;) {
                size_t j;
                int k;

                if (!mem_bit_test(bits, (unsigned) i)) {
                        i++;
                        continue;
                }
                for (j = i; j + 1 < n && mem_bit_test(bits, (unsigned) (j + 1)); j++)
                        ;
                /* numad's str_from_id_list(): any run of two or more is "a-b" */
                if (j == i)
                        k = snprintf(buf + off, size - off, "%s%zu", off ? "," : "", i);
                else
                        k = snprintf(buf + off, size - off, "%s%zu-%zu", off ? "," : "", i, j);
                if (k < 0 || (size_t) k >= size - off)
                        return -ENOBUFS;
                off += (size_t) k;
                i = j + 1;
        }
        return 0;
}

static int read_small(const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        return (int) n;
}

static uint64_t meminfo_kb(const char *text, const char *key) {
        const char *p = strstr(text, key);

        if (!p)
                return 0;
        p += strlen(key);
        while (*p && !isdigit((unsigned char) *p))
                p++;
        return strtoull(p, NULL, 10);
}

static int node_ids(const char *dir, int *ids, size_t max, size_t *n_ret) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        struct dirent *de;
        size_t n = 0;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                const char *p = de->d_name;
                char *end;
                long id;

                if (strncmp(p, "node", 4) != 0 || !isdigit((unsigned char) p[4]))
                        continue;
                id = strtol(p + 4, &end, 10);
                if (*end || id < 0)
                        continue;
                if (id >= ETMEM_NUMA_MAX_NODES || n >= max)
                        return -E2BIG;
                ids[n++] = (int) id;
        }
        /* sorted by id: numad indexes nodes by id (its scandir order is sysfs creation order) */
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
                        int t = ids[j];
                        ids[j] = ids[j - 1];
                        ids[j - 1] = t;
                }
        *n_ret = n;
        return 0;
}

static int popcount_hex_file(const char *path) {
        char buf[1024];
        int sum = 0;

        if (read_small(path, buf, sizeof buf) < 0)
                return -ENOENT;
        for (char *p = buf; *p; p++)
                if (isxdigit((unsigned char) *p)) {
                        int v = isdigit((unsigned char) *p) ? *p - '0' : tolower((unsigned char) *p) - 'a' + 10;
                        sum += __builtin_popcount((unsigned) v);
                }
        return sum;
}

static int read_cpu_idle(const char *proc_stat, uint64_t *idle) {
        _cleanup_fclose_ FILE *f = fopen(proc_stat, "re");
        char line[512];

        if (!f)
                return -errno;
        memset(idle, 0, sizeof(uint64_t) * ETMEM_NUMA_MAX_CPUS);
        while (fgets(line, sizeof line, f)) {
                unsigned long cpu;
                unsigned long long user, nice, sys, id;

                if (strncmp(line, "cpu", 3) != 0 || !isdigit((unsigned char) line[3]))
                        continue;
                if (sscanf(line + 3, "%lu %llu %llu %llu %llu", &cpu, &user, &nice, &sys, &id) != 5)
                        continue;
                if (cpu < ETMEM_NUMA_MAX_CPUS)
                        idle[cpu] = id;
        }
        return 0;
}

int mem_numa_sample_dir(const char *dir, const char *proc_stat, struct etmem_numa_sample *ret) {
        int ids[ETMEM_NUMA_MAX_NODES];
        char path[256], buf[4096];
        struct timespec ts;
        size_t n;
        int r;

        memset(ret, 0, sizeof *ret);
        r = node_ids(dir, ids, ETMEM_NUMA_MAX_NODES, &n);
        if (r < 0)
                return r;
        if (n == 0)
                return -ENOENT;
        r = popcount_hex_file("/sys/devices/system/cpu/cpu0/topology/thread_siblings");
        ret->threads_per_core = r > 0 ? (uint32_t) r : 1;
        ret->n_nodes = (uint32_t) n;
        for (size_t i = 0; i < n; i++) {
                struct etmem_numa_node *nd = &ret->nodes[i];
                char *p;

                nd->id = ids[i];
                snprintf(path, sizeof path, "%s/node%d/cpulist", dir, ids[i]);
                r = read_small(path, buf, sizeof buf);
                if (r < 0)
                        return r;
                r = mem_idlist_parse(buf, nd->cpus, ETMEM_CPU_WORDS);
                if (r < 0)
                        return r;
                for (size_t w = 0; w < ETMEM_CPU_WORDS; w++)
                        nd->n_cpus += (uint32_t) __builtin_popcountll(nd->cpus[w]);

                snprintf(path, sizeof path, "%s/node%d/meminfo", dir, ids[i]);
                r = read_small(path, buf, sizeof buf);
                if (r < 0)
                        return r;
                nd->mem_total = meminfo_kb(buf, "MemTotal:") * 1024;
                nd->mem_free = meminfo_kb(buf, "MemFree:") * 1024;
                nd->inactive_file = meminfo_kb(buf, "Inactive(file):") * 1024;

                snprintf(path, sizeof path, "%s/node%d/distance", dir, ids[i]);
                r = read_small(path, buf, sizeof buf);
                if (r < 0)
                        return r;
                p = buf;
                /* the row lists distances to the nodes in id order */
                for (size_t k = 0; k < n && *p; k++) {
                        unsigned long d = strtoul(p, &p, 10);
                        nd->distance[ids[k]] = (uint8_t) (d > 255 ? 255 : d);
                        while (*p == ' ')
                                p++;
                }
        }
        r = read_cpu_idle(proc_stat, ret->cpu_idle);
        if (r < 0)
                return r;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ret->time_cs = (uint64_t) ts.tv_sec * 100 + (uint64_t) ts.tv_nsec / 10000000;
        return 0;
}

int mem_numa_sample(struct etmem_numa_sample *ret) {
        if (!ret)
                return -EINVAL;
        return mem_numa_sample_dir(MEM_SYSFS_NODE_DIR, "/proc/stat", ret);
}

int mem_numa_hugepages_dir(const char *dir, struct etmem_hugepages *ret, size_t max, size_t *n_ret) {
        int ids[ETMEM_NUMA_MAX_NODES];
        size_t n_nodes, n = 0;
        int r;

        r = node_ids(dir, ids, ETMEM_NUMA_MAX_NODES, &n_nodes);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_nodes; i++) {
                char path[256];
                _cleanup_(closedirp) DIR *d = NULL;
                struct dirent *de;

                snprintf(path, sizeof path, "%s/node%d/hugepages", dir, ids[i]);
                d = opendir(path);
                if (!d)
                        continue; /* no hugetlb support: no pools */
                while ((de = readdir(d))) {
                        unsigned long long kb, v[3];
                        static const char *const files[3] = { "nr_hugepages", "free_hugepages", "surplus_hugepages" };
                        char f[PATH_MAX + 64], buf[64];

                        if (sscanf(de->d_name, "hugepages-%llukB", &kb) != 1)
                                continue;
                        for (int k = 0; k < 3; k++) {
                                snprintf(f, sizeof f, "%s/%s/%s", path, de->d_name, files[k]);
                                v[k] = read_small(f, buf, sizeof buf) > 0 ? strtoull(buf, NULL, 10) : 0;
                        }
                        if (n >= max)
                                return -ENOBUFS;
                        ret[n++] = (struct etmem_hugepages) { .node = ids[i], .page_size = kb * 1024,
                                                              .nr = v[0], .free = v[1], .surplus = v[2] };
                }
        }
        *n_ret = n;
        return 0;
}

int mem_numa_hugepages(struct etmem_hugepages *ret, size_t max, size_t *n_ret) {
        if (!ret || !n_ret)
                return -EINVAL;
        return mem_numa_hugepages_dir(MEM_SYSFS_NODE_DIR, ret, max, n_ret);
}

int mem_numa_maps_parse(FILE *f, uint64_t page_size, uint64_t *bytes, bool *interleaved) {
        char line[4096];

        memset(bytes, 0, sizeof(uint64_t) * ETMEM_NUMA_MAX_NODES);
        if (interleaved)
                *interleaved = false;
        while (fgets(line, sizeof line, f)) {
                /* kernelpagesize_kB= (last on the line) is the unit of every N<node>= count */
                const char *k = strstr(line, " kernelpagesize_kB=");
                uint64_t ps = k ? strtoull(k + 19, NULL, 10) * 1024 : page_size;
                char *save = NULL;

                for (char *tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
                        unsigned long node;
                        unsigned long long pages;
                        char *end;

                        if (strncmp(tok, "interleave", 10) == 0) {
                                if (interleaved)
                                        *interleaved = true;
                                continue;
                        }
                        if (tok[0] != 'N' || !isdigit((unsigned char) tok[1]))
                                continue;
                        node = strtoul(tok + 1, &end, 10);
                        if (*end != '=' || node >= ETMEM_NUMA_MAX_NODES)
                                continue;
                        pages = strtoull(end + 1, NULL, 10);
                        bytes[node] += pages * ps;
                }
        }
        return 0;
}

int mem_process_node_bytes(pid_t pid, int pidfd, uint64_t *bytes, bool *interleaved) {
        _cleanup_fclose_ FILE *f = NULL;
        long ps = sysconf(_SC_PAGESIZE);
        int r;

        f = proc_fopen_checked(pid, pidfd, "numa_maps", &r);
        if (!f)
                return r;
        return mem_numa_maps_parse(f, ps > 0 ? (uint64_t) ps : 4096, bytes, interleaved);
}
