/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <limits.h>
#include <unistd.h>

#include "cslide-params.h"
#include "plugin-util.h"

static int node_exists(const char *dir, int node) {
        char path[PATH_MAX];

        snprintf(path, sizeof path, "%s/node%d", dir, node);
        return access(path, F_OK) == 0;
}

static void list_nodes(const char *dir, char *buf, size_t size) {
        size_t off = 0;

        buf[0] = 0;
        for (int n = 0; n <= CSLIDE_MAX_NODE && off + 8 < size; n++)
                if (node_exists(dir, n))
                        off += (size_t) snprintf(buf + off, size - off, "%s%d", off ? ", " : "", n);
}

int cslide_parse_node_pairs(const char *key, const char *value, const char *dir, CslideEngine *e,
                            struct etmem_error *err) {
        char nodes[128];
        const char *s = value;

        e->n_pairs = 0;
        while (*s) {
                unsigned long long a, b;
                char buf[2][16];
                size_t len[2];
                const char *comma = strchr(s, ','), *end;

                if (!comma)
                        return plugin_fail(err, key, -EINVAL,
                                           "'%s' is not a list of DRAM,slow node pairs such as 0,2;1,3", value);
                end = strchr(comma, ';');
                if (!end)
                        end = comma + strlen(comma);
                len[0] = (size_t) (comma - s);
                len[1] = (size_t) (end - comma - 1);
                if (len[0] == 0 || len[1] == 0 || len[0] >= sizeof buf[0] || len[1] >= sizeof buf[1])
                        return plugin_fail(err, key, -EINVAL,
                                           "'%s' is not a list of DRAM,slow node pairs such as 0,2;1,3", value);
                memcpy(buf[0], s, len[0]);
                buf[0][len[0]] = 0;
                memcpy(buf[1], comma + 1, len[1]);
                buf[1][len[1]] = 0;
                if (plugin_parse_ull(buf[0], 0, CSLIDE_MAX_NODE, &a) < 0 ||
                    plugin_parse_ull(buf[1], 0, CSLIDE_MAX_NODE, &b) < 0)
                        return plugin_fail(err, key, -EINVAL, "'%s,%s': node numbers are 0..%d", buf[0], buf[1],
                                           CSLIDE_MAX_NODE);
                if (a == b)
                        return plugin_fail(err, key, -EINVAL, "pair %llu,%llu names the same node twice", a, b);
                for (unsigned i = 0; i < e->n_pairs; i++)
                        if (e->pairs[i].fast == (int) a || e->pairs[i].slow == (int) a ||
                            e->pairs[i].fast == (int) b || e->pairs[i].slow == (int) b)
                                return plugin_fail(err, key, -EINVAL, "a node appears in more than one pair in '%s'",
                                                   value);
                if (e->n_pairs >= CSLIDE_MAX_PAIRS)
                        return plugin_fail(err, key, -EINVAL, "more than %d node pairs", CSLIDE_MAX_PAIRS);
                e->pairs[e->n_pairs++] = (CslideNodePair) { (int) a, (int) b };
                s = *end ? end + 1 : end;
        }
        if (e->n_pairs == 0)
                return plugin_fail(err, key, -EINVAL, "no node pairs given (expected e.g. 0,2;1,3)");
        for (unsigned i = 0; i < e->n_pairs; i++)
                for (int k = 0; k < 2; k++) {
                        int node = k ? e->pairs[i].slow : e->pairs[i].fast;
                        if (!node_exists(dir, node)) {
                                list_nodes(dir, nodes, sizeof nodes);
                                return plugin_fail(err, key, -EINVAL,
                                                   "NUMA node %d does not exist on this machine (its nodes: %s)",
                                                   node, nodes[0] ? nodes : "none");
                        }
                }
        return 0;
}

int cslide_parse_engine(const struct etmem_params *params, const char *dir, CslideEngine *e,
                        struct etmem_error *err) {
        static const char *const keys[] = { "node_pair", "hot_threshold", "node_mig_quota", "node_hot_reserve" };
        bool seen[4] = {};
        const char *missing;
        int r;

        for (size_t i = 0; i < params->n; i++) {
                const struct etmem_param *p = &params->v[i];
                size_t k;

                if (plugin_pmu_key(p->key, 4)) {
                        unsigned long long v;
                        r = plugin_param_uint(p, 0, INT_MAX, &v, err);
                        if (r < 0)
                                return r;
                        if (!e->pmu_key)
                                e->pmu_key = plugin_pmu_key(p->key, 4);
                        continue;
                }
                for (k = 0; k < 4; k++)
                        if (strcmp(p->key, keys[k]) == 0)
                                break;
                if (k == 4)
                        return plugin_unknown_key(p, "engine",
                                                  "node_pair, hot_threshold, node_mig_quota, node_hot_reserve; "
                                                  "PMU-only: sample_period, vma_updata_rate, cpu_set_size, "
                                                  "cooling_interval",
                                                  err);
                seen[k] = true;
                switch (k) {
                case 0:
                        r = cslide_parse_node_pairs(p->key, p->value, dir, e, err);
                        break;
                case 1:
                        r = plugin_param_uint(p, 0, INT_MAX, &e->hot_threshold, err);
                        break;
                case 2:
                        r = plugin_param_uint(p, 0, INT_MAX, &e->node_mig_quota, err);
                        break;
                default:
                        r = plugin_param_uint(p, 0, INT_MAX, &e->node_hot_reserve, err);
                        break;
                }
                if (r < 0)
                        return r;
        }
        missing = plugin_missing(seen, keys, 4);
        if (missing)
                return plugin_fail(err, missing, -EINVAL, "missing required key '%s' for a cslide engine", missing);
        return 0;
}

int cslide_parse_task(const struct etmem_params *params, CslideTask *t, struct etmem_error *err) {
        bool seen_flags = false;
        int r;

        for (size_t i = 0; i < params->n; i++) {
                const struct etmem_param *p = &params->v[i];

                if (strcmp(p->key, "vm_flags") == 0) {
                        if (strcmp(p->value, "ht") != 0)
                                return plugin_fail(err, p->key, -EINVAL,
                                                   "'%s' is not supported (valid: ht, huge-page VMAs)", p->value);
                        t->vm_flags_ht = true;
                        seen_flags = true;
                } else if (strcmp(p->key, "anon_only") == 0) {
                        r = plugin_param_bool(p, &t->anon_only, err);
                        if (r < 0)
                                return r;
                } else if (strcmp(p->key, "ign_host") == 0) {
                        r = plugin_param_bool(p, &t->ign_host, err);
                        if (r < 0)
                                return r;
                } else
                        return plugin_unknown_key(p, "task", "vm_flags, anon_only, ign_host", err);
        }
        if (!seen_flags)
                return plugin_fail(err, "vm_flags", -EINVAL, "missing required key 'vm_flags' for a cslide task (valid: ht)");
        return 0;
}
