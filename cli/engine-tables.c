/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "engine-tables.h"
#include "json-util.h"
#include "macro.h"
#include "parse-util.h"
#include "table.h"

static int64_t get_int(struct json_object *o, const char *key) {
        struct json_object *v;
        return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static const char *get_str(struct json_object *o, const char *key) {
        struct json_object *v;
        return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static struct json_object *get_array(struct json_object *o, const char *key) {
        struct json_object *v;
        return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_array) ? v : NULL;
}

static void kib(int64_t pages, int64_t page_size, char *buf, size_t size) {
        snprintf(buf, size, "%" PRId64, pages * page_size / 1024);
}

/* One row per task, pid and node: pages on the node, of them hot and cold (KiB). */
static int taskpages(struct json_object *root) {
        static const char *const headers[] = { "TASK", ">PID", ">NODE", ">KIB", ">HOT_KIB", ">COLD_KIB", ">PAGES",
                                               NULL };
        _cleanup_table_ Table *t = NULL;
        struct json_object *tasks = get_array(root, "tasks");

        if (!tasks)
                return 0;
        if (table_new(headers, &t) < 0)
                return log_oom();
        for (size_t i = 0; i < json_object_array_length(tasks); i++) {
                struct json_object *task = json_object_array_get_idx(tasks, i), *pids = get_array(task, "pids");
                for (size_t j = 0; pids && j < json_object_array_length(pids); j++) {
                        struct json_object *p = json_object_array_get_idx(pids, j), *nodes = get_array(p, "nodes");
                        int64_t ps = get_int(p, "page_size");
                        for (size_t k = 0; nodes && k < json_object_array_length(nodes); k++) {
                                struct json_object *n = json_object_array_get_idx(nodes, k);
                                char pid[16], node[16], all[32], hot[32], cold[32], pages[32];
                                snprintf(pid, sizeof pid, "%" PRId64, get_int(p, "pid"));
                                snprintf(node, sizeof node, "%" PRId64, get_int(n, "node"));
                                kib(get_int(n, "pages"), ps, all, sizeof all);
                                kib(get_int(n, "hot"), ps, hot, sizeof hot);
                                kib(get_int(n, "cold"), ps, cold, sizeof cold);
                                snprintf(pages, sizeof pages, "%" PRId64, get_int(n, "pages"));
                                if (table_add_row(t, (const char *[]) { get_str(task, "task"), pid, node, all, hot,
                                                                        cold, pages }) < 0)
                                        return log_oom();
                        }
                }
        }
        if (table_rows(t) == 0) {
                printf("No figures yet: a task shows its pages after its first cycle.\n");
                return 1;
        }
        return table_print(t, stdout) < 0 ? log_failure("cannot write to standard output") : 1;
}

/* One row per node and huge page size. */
static int hostpages(struct json_object *root) {
        static const char *const headers[] = { ">NODE", "ROLE", ">MEM_MIB", ">FREE_MIB", ">HUGEPAGE_KB", ">TOTAL",
                                               ">FREE", ">USED", NULL };
        _cleanup_table_ Table *t = NULL;
        struct json_object *nodes = get_array(root, "nodes");

        if (!nodes)
                return 0;
        if (table_new(headers, &t) < 0)
                return log_oom();
        for (size_t i = 0; i < json_object_array_length(nodes); i++) {
                struct json_object *n = json_object_array_get_idx(nodes, i), *hp = get_array(n, "hugepages");
                char node[16], mem[32], fr[32], size[32] = "", total[32] = "", hfree[32] = "", used[32] = "";
                size_t k = 0, rows = hp ? json_object_array_length(hp) : 0;

                snprintf(node, sizeof node, "%" PRId64, get_int(n, "node"));
                snprintf(mem, sizeof mem, "%" PRId64, get_int(n, "mem_total") >> 20);
                snprintf(fr, sizeof fr, "%" PRId64, get_int(n, "mem_free") >> 20);
                do {
                        if (k < rows) {
                                struct json_object *h = json_object_array_get_idx(hp, k);
                                snprintf(size, sizeof size, "%" PRId64, get_int(h, "page_size") / 1024);
                                snprintf(total, sizeof total, "%" PRId64, get_int(h, "total"));
                                snprintf(hfree, sizeof hfree, "%" PRId64, get_int(h, "free"));
                                snprintf(used, sizeof used, "%" PRId64, get_int(h, "used"));
                        }
                        if (table_add_row(t, (const char *[]) { node, get_str(n, "role"), mem, fr, size, total, hfree,
                                                                used }) < 0)
                                return log_oom();
                } while (++k < rows);
        }
        return table_print(t, stdout) < 0 ? log_failure("cannot write to standard output") : 1;
}

int engine_print_table(const char *cmd, const char *json) {
        _cleanup_(json_object_putp) struct json_object *root = NULL;

        if (!streq(cmd, "showtaskpages") && !streq(cmd, "showhostpages"))
                return 0;
        root = json_tokener_parse(json);
        if (!root || !json_object_is_type(root, json_type_object))
                return 0;
        return streq(cmd, "showtaskpages") ? taskpages(root) : hostpages(root);
}
