/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "numa-params.h"
#include "plugin-util.h"

void numa_conf_default(NumaConf *c) {
        memset(c, 0, sizeof *c);
        c->cpu_threshold = 50;
        c->mem_threshold = 300;
        c->min_interval = 5;
        c->max_interval = 15;
        c->reeval_delay = 300;
        c->place.target_utilization = 85;
        c->place.target_memlocality = 90;
        c->place.htt_percent = 20;
        c->place.use_inactive_file_cache = true;
}

bool numa_conf_excluded(const NumaConf *c, pid_t pid) {
        for (unsigned i = 0; i < c->n_exclude; i++)
                if (c->exclude[i] == pid)
                        return true;
        return false;
}

static int parse_pids(const struct etmem_param *p, NumaConf *c, struct etmem_error *err) {
        const char *s = p->value;

        c->n_exclude = 0;
        while (*s) {
                char buf[16];
                const char *e = strchr(s, ',');
                size_t len = e ? (size_t) (e - s) : strlen(s);
                unsigned long long v;

                if (len == 0 || len >= sizeof buf)
                        return plugin_fail(err, p->key, -EINVAL, "'%s' is not a comma-separated list of pids",
                                           p->value);
                memcpy(buf, s, len);
                buf[len] = 0;
                if (plugin_parse_ull(buf, 1, INT_MAX, &v) < 0)
                        return plugin_fail(err, p->key, -EINVAL, "'%s' is not a pid (1..%d)", buf, INT_MAX);
                if (c->n_exclude >= NUMA_MAX_EXCLUDE)
                        return plugin_fail(err, p->key, -EINVAL, "more than %d pids", NUMA_MAX_EXCLUDE);
                c->exclude[c->n_exclude++] = (pid_t) v;
                s = e ? e + 1 : s + len;
        }
        return 0;
}

static int uint_key(const struct etmem_param *p, unsigned min, unsigned max, unsigned *ret,
                    struct etmem_error *err) {
        unsigned long long v = 0;
        int r = plugin_param_uint(p, min, max, &v, err);

        if (r < 0)
                return r;
        *ret = (unsigned) v;
        return 0;
}

/* The reserved-CPU list is parsed here, not through host->mem: fill runs before a host
 * service may be used, and the format is small. */
static int parse_cpulist(const struct etmem_param *p, uint64_t *bits, struct etmem_error *err) {
        const char *s = p->value;

        memset(bits, 0, sizeof(uint64_t) * ETMEM_CPU_WORDS);
        while (*s) {
                unsigned long long a, b;
                char buf[2][16];
                const char *e = strchr(s, ','), *dash;
                size_t len = e ? (size_t) (e - s) : strlen(s);

                dash = memchr(s, '-', len);
                if (len == 0 || len >= 32)
                        goto bad;
                if (dash) {
                        size_t l0 = (size_t) (dash - s), l1 = len - l0 - 1;
                        if (l0 == 0 || l1 == 0 || l0 >= 16 || l1 >= 16)
                                goto bad;
                        memcpy(buf[0], s, l0);
                        buf[0][l0] = 0;
                        memcpy(buf[1], dash + 1, l1);
                        buf[1][l1] = 0;
                } else {
                        if (len >= 16)
                                goto bad;
                        memcpy(buf[0], s, len);
                        buf[0][len] = 0;
                        strcpy(buf[1], buf[0]);
                }
                if (plugin_parse_ull(buf[0], 0, ETMEM_NUMA_MAX_CPUS - 1, &a) < 0 ||
                    plugin_parse_ull(buf[1], 0, ETMEM_NUMA_MAX_CPUS - 1, &b) < 0 || b < a)
                        return plugin_fail(err, p->key, -EINVAL, "'%s': CPU numbers are 0..%d, ranges low-high",
                                           p->value, ETMEM_NUMA_MAX_CPUS - 1);
                for (unsigned long long i = a; i <= b; i++)
                        bits[i / 64] |= 1ULL << (i % 64);
                s = e ? e + 1 : s + len;
        }
        return 0;
bad:
        return plugin_fail(err, p->key, -EINVAL, "'%s' is not a CPU list such as 0-3,8", p->value);
}

int numa_conf_apply(NumaConf *conf, const struct etmem_params *params, struct etmem_error *err) {
        NumaConf c = *conf;
        int r = 0;

        for (size_t i = 0; i < params->n && r >= 0; i++) {
                const struct etmem_param *p = &params->v[i];
                const char *k = p->key;

                if (strcmp(k, "scan_all") == 0)
                        r = plugin_param_bool(p, &c.scan_all, err);
                else if (strcmp(k, "exclude") == 0)
                        r = parse_pids(p, &c, err);
                else if (strcmp(k, "cpu_threshold") == 0)
                        r = uint_key(p, 0, 100000, &c.cpu_threshold, err);
                else if (strcmp(k, "mem_threshold") == 0)
                        r = uint_key(p, 0, 1U << 30, &c.mem_threshold, err);
                else if (strcmp(k, "target_utilization") == 0)
                        r = uint_key(p, 10, 130, &c.place.target_utilization, err);
                else if (strcmp(k, "target_memlocality") == 0)
                        r = uint_key(p, 50, 100, &c.place.target_memlocality, err);
                else if (strcmp(k, "min_interval") == 0)
                        r = uint_key(p, 1, 86400, &c.min_interval, err);
                else if (strcmp(k, "max_interval") == 0)
                        r = uint_key(p, 1, 86400, &c.max_interval, err);
                else if (strcmp(k, "reeval_delay") == 0)
                        r = uint_key(p, 0, 86400, &c.reeval_delay, err);
                else if (strcmp(k, "htt_percent") == 0)
                        r = uint_key(p, 0, 100, &c.place.htt_percent, err);
                else if (strcmp(k, "use_inactive_file_cache") == 0)
                        r = plugin_param_bool(p, &c.place.use_inactive_file_cache, err);
                else if (strcmp(k, "keep_interleaved") == 0)
                        r = plugin_param_bool(p, &c.keep_interleaved, err);
                else if (strcmp(k, "thp_scan_sleep_ms") == 0) {
                        r = uint_key(p, 0, 1000000, &c.thp_scan_sleep_ms, err);
                        if (r >= 0 && c.thp_scan_sleep_ms > 0 && c.thp_scan_sleep_ms < 10)
                                r = plugin_fail(err, k, -EINVAL, "%u is out of range: 0 (keep the system's) or 10..1000000",
                                                c.thp_scan_sleep_ms);
                } else if (strcmp(k, "reserved_cpus") == 0) {
                        if (strlen(p->value) >= sizeof c.reserved_cpus_text)
                                r = plugin_fail(err, k, -EINVAL, "a CPU list of at most %zu characters",
                                                sizeof c.reserved_cpus_text - 1);
                        else {
                                r = parse_cpulist(p, c.place.reserved_cpus, err);
                                snprintf(c.reserved_cpus_text, sizeof c.reserved_cpus_text, "%s", p->value);
                        }
                } else
                        r = plugin_unknown_key(p, "engine", NUMA_KEYS, err);
        }
        if (r < 0)
                return r;
        if (c.min_interval > c.max_interval)
                return plugin_fail(err, "min_interval", -EINVAL, "min_interval %u is greater than max_interval %u",
                                   c.min_interval, c.max_interval);
        *conf = c;
        return 0;
}

int numa_conf_json(const NumaConf *c, char *buf, size_t size) {
        char ex[NUMA_MAX_EXCLUDE * 12] = "";
        size_t off = 0;
        int k;

        for (unsigned i = 0; i < c->n_exclude && off + 12 < sizeof ex; i++)
                off += (size_t) snprintf(ex + off, sizeof ex - off, "%s%d", i ? "," : "", (int) c->exclude[i]);
        k = snprintf(buf, size,
                     "\"scan_all\":\"%s\",\"exclude\":\"%s\",\"cpu_threshold\":\"%u\",\"mem_threshold\":\"%u\","
                     "\"target_utilization\":\"%u\",\"target_memlocality\":\"%u\",\"min_interval\":\"%u\","
                     "\"max_interval\":\"%u\",\"reeval_delay\":\"%u\",\"reserved_cpus\":\"%s\",\"htt_percent\":\"%u\","
                     "\"use_inactive_file_cache\":\"%s\",\"keep_interleaved\":\"%s\",\"thp_scan_sleep_ms\":\"%u\"",
                     c->scan_all ? "yes" : "no", ex, c->cpu_threshold, c->mem_threshold, c->place.target_utilization,
                     c->place.target_memlocality, c->min_interval, c->max_interval, c->reeval_delay,
                     c->reserved_cpus_text, c->place.htt_percent, c->place.use_inactive_file_cache ? "yes" : "no",
                     c->keep_interleaved ? "yes" : "no", c->thp_scan_sleep_ms);
        return k < 0 || (size_t) k >= size ? -ENOBUFS : 0;
}
