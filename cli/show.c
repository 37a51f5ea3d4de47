/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `show` and `status`: the object tree as tables, or as JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "etmemctl.h"
#include "json-util.h"
#include "macro.h"
#include "object-tree.h"
#include "parse-util.h"
#include "table.h"

static bool in_project(const char *filter, const char *project) {
        return !filter || streq_ptr(filter, project);
}

/* "k=v k=v"; NULL for an empty list (printed as "-"). */
static int format_params(char **kv, char **ret) {
        _cleanup_free_ char *s = NULL;
        size_t len = 0;

        for (char **k = kv; k && k[0] && k[1]; k += 2) {
                size_t add = strlen(k[0]) + strlen(k[1]) + 2;
                char *n = realloc(s, len + add + 1);

                if (!n)
                        return -ENOMEM;
                s = n;
                len += (size_t) sprintf(s + len, "%s%s=%s", len ? " " : "", k[0], k[1]);
        }
        *ret = TAKE_PTR(s);
        return 0;
}

static int print_table(Table *t) {
        if (table_print(t, stdout) < 0)
                return log_failure("cannot write to standard output");
        return 0;
}

static int show_projects(const ObjectTree *tree, const char *filter) {
        static const char *const headers[] = { "PROJECT", "STATE", ">LOOP", ">INTERVAL", ">SLEEP", NULL };
        _cleanup_table_ Table *t = NULL;

        if (table_new(headers, &t) < 0)
                return log_oom();
        for (size_t i = 0; i < tree->n_projects; i++) {
                const ProjectInfo *p = &tree->projects[i];
                char loop[16], interval[16], sleep_s[16];

                if (!in_project(filter, p->name))
                        continue;
                snprintf(loop, sizeof loop, "%" PRIu32, p->loop);
                snprintf(interval, sizeof interval, "%" PRIu32, p->interval);
                snprintf(sleep_s, sizeof sleep_s, "%" PRIu32, p->sleep);
                if (table_add_row(t, (const char *[]) { p->name, p->state, loop, interval, sleep_s }) < 0)
                        return log_oom();
        }
        if (table_rows(t) == 0) {
                puts("No projects.");
                return 0;
        }
        return print_table(t);
}

static int show_engines(const ObjectTree *tree, const char *filter) {
        static const char *const headers[] = { "PROJECT", "ENGINE", "TYPE", "PARAMS", NULL };
        _cleanup_table_ Table *t = NULL;

        if (table_new(headers, &t) < 0)
                return log_oom();
        for (size_t i = 0; i < tree->n_engines; i++) {
                const EngineInfo *e = &tree->engines[i];
                _cleanup_free_ char *params = NULL;

                if (!in_project(filter, e->project))
                        continue;
                if (format_params(e->params, &params) < 0 ||
                    table_add_row(t, (const char *[]) { e->project, e->name, e->type, params }) < 0)
                        return log_oom();
        }
        if (table_rows(t) == 0)
                return 0;
        putchar('\n');
        return print_table(t);
}

static int show_tasks(const ObjectTree *tree, const char *filter) {
        static const char *const headers[] = { "PROJECT", "ENGINE", "TASK", "TYPE", "VALUE", "PARAMS", NULL };
        _cleanup_table_ Table *t = NULL;

        if (table_new(headers, &t) < 0)
                return log_oom();
        for (size_t i = 0; i < tree->n_tasks; i++) {
                const TaskInfo *k = &tree->tasks[i];
                _cleanup_free_ char *params = NULL;

                if (!in_project(filter, k->project))
                        continue;
                if (format_params(k->params, &params) < 0 ||
                    table_add_row(t, (const char *[]) { k->project, k->engine, k->name, k->type,
                                                        k->value, params }) < 0)
                        return log_oom();
        }
        if (table_rows(t) == 0)
                return 0;
        putchar('\n');
        return print_table(t);
}

static int show_tree(Context *ctx, const char *project) {
        _cleanup_(object_tree_done) ObjectTree tree = {};
        int r;

        r = object_tree_fetch(ctx, &tree);
        if (r != 0)
                return r;
        if (project && !object_tree_find_project(&tree, project))
                return log_failure("no such project '%s'", project);

        r = show_projects(&tree, project);
        if (r == 0)
                r = show_engines(&tree, project);
        if (r == 0)
                r = show_tasks(&tree, project);
        return r;
}

/* ExportConfig("json"), narrowed to one project. The result stays in the config schema,
 * so `show --json [PROJECT] > f; apply -f f` round-trips. */
static int show_json(Context *ctx, const char *project) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(json_object_putp) struct json_object *root = NULL, *out = NULL;
        struct json_object *projects, *kept;
        enum json_tokener_error jerr;
        const char *text;
        int r;

        r = bus_new_call(ctx, ETMEM_ROOT_PATH, ETMEM_MANAGER_IFACE, "ExportConfig", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "s", "json");
        if (r < 0)
                return bus_log_create_error(r);
        r = bus_call(ctx, m, NULL, &reply);
        if (r != 0)
                return r;
        r = sd_bus_message_read_basic(reply, 's', &text);
        if (r < 0)
                return bus_log_parse_error(r);
        if (!project)
                return json_print_text(text, true);

        root = json_tokener_parse_verbose(text, &jerr);
        if (!root || !json_object_object_get_ex(root, "projects", &projects) ||
            !json_object_is_type(projects, json_type_array))
                return log_failure("etmemd's ExportConfig returned JSON without a \"projects\" list");

        out = json_object_new_object();
        kept = json_object_new_array();
        if (!out || !kept) {
                json_object_put(kept);
                return log_oom();
        }
        json_object_object_add(out, "projects", kept);
        for (size_t i = 0; i < json_object_array_length(projects); i++) {
                struct json_object *p = json_object_array_get_idx(projects, i), *name;

                if (json_object_object_get_ex(p, "name", &name) &&
                    streq_ptr(json_object_get_string(name), project))
                        json_object_array_add(kept, json_object_get(p));
        }
        if (json_object_array_length(kept) == 0)
                return log_failure("no such project '%s'", project);
        return json_print(out);
}

int show_objects(Context *ctx, const char *project) {
        return ctx->json ? show_json(ctx, project) : show_tree(ctx, project);
}

static void help_show(void) {
        printf("Usage: %1$s show [PROJECT] [--json]\n"
               "\n"
               "Show the projects (state, loop, interval, sleep), their engines and tasks\n"
               "with their parameters; only PROJECT's if given. With --json, print the\n"
               "configuration in the JSON form that '%1$s apply -f' loads back.\n",
               program_name());
}

int verb_show(Context *ctx, int argc, char **argv) {
        const char *project;
        bool help;
        int first, r;

        r = parse_simple_verb(ctx, argc, argv, help_show, "[PROJECT]", 0, 1, true, &first, &help);
        if (r != 0 || help)
                return r;
        project = first < argc ? argv[first] : NULL;
        if (project) {
                r = check_name(argv[0], "project", project);
                if (r != 0)
                        return r;
        }
        return show_objects(ctx, project);
}

/* 1536 -> "1.5K": powers of 1024, one decimal below 10, as `free -h` does. */
static void format_bytes(uint64_t b, char *buf, size_t size) {
        static const char units[] = "BKMGTPE";
        double v = (double) b;
        size_t u = 0;

        while (v >= 1024.0 && u + 1 < strlen(units)) {
                v /= 1024.0;
                u++;
        }
        if (u == 0)
                snprintf(buf, size, "%" PRIu64 "B", b);
        else if (v < 10.0)
                snprintf(buf, size, "%.1f%c", v, units[u]);
        else
                snprintf(buf, size, "%.0f%c", v, units[u]);
}

/* "12,13,14,15,+3": a task may match hundreds of processes; the count matters more. */
static void format_pids(const BusUint32Array *pids, char *buf, size_t size) {
        size_t len = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < pids->n && i < 4; i++)
                len += (size_t) snprintf(buf + len, size - len, "%s%" PRIu32, i ? "," : "", pids->v[i]);
        if (pids->n > 4)
                snprintf(buf + len, size - len, ",+%zu", pids->n - 4);
}

static int status_table(const ObjectTree *tree, const char *filter) {
        static const char *const pheaders[] = { "PROJECT", "STATE", ">CYCLES", "LAST-ERROR", NULL };
        static const char *const theaders[] = {
                "PROJECT", "ENGINE", "TASK", "STATUS", "PIDS", ">CYCLES", ">SCANNED", ">HOT", ">COLD",
                ">PAGED-OUT", ">MIGRATED", "LAST-ERROR", NULL
        };
        _cleanup_table_ Table *pt = NULL, *tt = NULL;
        int r;

        if (table_new(pheaders, &pt) < 0 || table_new(theaders, &tt) < 0)
                return log_oom();
        for (size_t i = 0; i < tree->n_projects; i++) {
                const ProjectInfo *p = &tree->projects[i];
                char cycles[24];

                if (!in_project(filter, p->name))
                        continue;
                snprintf(cycles, sizeof cycles, "%" PRIu64, p->cycles);
                if (table_add_row(pt, (const char *[]) { p->name, p->state, cycles, p->last_error }) < 0)
                        return log_oom();
        }
        for (size_t i = 0; i < tree->n_tasks; i++) {
                const TaskInfo *k = &tree->tasks[i];
                char pids[80], cycles[24], scanned[24], hot[24], cold[24], out[16], mig[16];

                if (!in_project(filter, k->project))
                        continue;
                format_pids(&k->pids, pids, sizeof pids);
                snprintf(cycles, sizeof cycles, "%" PRIu64, k->cycles);
                snprintf(scanned, sizeof scanned, "%" PRIu64, k->pages_scanned);
                snprintf(hot, sizeof hot, "%" PRIu64, k->pages_hot);
                snprintf(cold, sizeof cold, "%" PRIu64, k->pages_cold);
                format_bytes(k->bytes_paged_out, out, sizeof out);
                format_bytes(k->bytes_migrated, mig, sizeof mig);
                if (table_add_row(tt, (const char *[]) { k->project, k->engine, k->name, k->status, pids,
                                                         cycles, scanned, hot, cold, out, mig,
                                                         k->last_error }) < 0)
                        return log_oom();
        }

        if (table_rows(pt) == 0) {
                puts("No projects.");
                return 0;
        }
        r = print_table(pt);
        if (r != 0)
                return r;
        putchar('\n');
        if (table_rows(tt) == 0) {
                puts("No tasks.");
                return 0;
        }
        return print_table(tt);
}

static struct json_object *json_str(const char *s) {
        return json_object_new_string(strempty(s));
}

static int status_json(const ObjectTree *tree, const char *filter) {
        _cleanup_(json_object_putp) struct json_object *o = json_object_new_object();
        struct json_object *projects = json_object_new_array(), *tasks = json_object_new_array();

        if (!o || !projects || !tasks) {
                json_object_put(projects);
                json_object_put(tasks);
                return log_oom();
        }
        json_object_object_add(o, "projects", projects);
        json_object_object_add(o, "tasks", tasks);

        for (size_t i = 0; i < tree->n_projects; i++) {
                const ProjectInfo *p = &tree->projects[i];
                struct json_object *j;

                if (!in_project(filter, p->name))
                        continue;
                j = json_object_new_object();
                if (!j || json_object_array_add(projects, j) < 0) {
                        json_object_put(j);
                        return log_oom();
                }
                json_object_object_add(j, "name", json_str(p->name));
                json_object_object_add(j, "state", json_str(p->state));
                json_object_object_add(j, "cycles", json_object_new_uint64(p->cycles));
                json_object_object_add(j, "last_error", json_str(p->last_error));
        }
        for (size_t i = 0; i < tree->n_tasks; i++) {
                const TaskInfo *k = &tree->tasks[i];
                struct json_object *j, *pids;

                if (!in_project(filter, k->project))
                        continue;
                j = json_object_new_object();
                if (!j || json_object_array_add(tasks, j) < 0) {
                        json_object_put(j);
                        return log_oom();
                }
                pids = json_object_new_array();
                if (!pids)
                        return log_oom();
                for (size_t n = 0; n < k->pids.n; n++)
                        json_object_array_add(pids, json_object_new_int64(k->pids.v[n]));
                json_object_object_add(j, "project", json_str(k->project));
                json_object_object_add(j, "engine", json_str(k->engine));
                json_object_object_add(j, "name", json_str(k->name));
                json_object_object_add(j, "type", json_str(k->type));
                json_object_object_add(j, "value", json_str(k->value));
                json_object_object_add(j, "status", json_str(k->status));
                json_object_object_add(j, "pids", pids);
                json_object_object_add(j, "cycles", json_object_new_uint64(k->cycles));
                json_object_object_add(j, "pages_scanned", json_object_new_uint64(k->pages_scanned));
                json_object_object_add(j, "pages_hot", json_object_new_uint64(k->pages_hot));
                json_object_object_add(j, "pages_cold", json_object_new_uint64(k->pages_cold));
                json_object_object_add(j, "bytes_paged_out", json_object_new_uint64(k->bytes_paged_out));
                json_object_object_add(j, "bytes_migrated", json_object_new_uint64(k->bytes_migrated));
                json_object_object_add(j, "last_cycle_usec", json_object_new_uint64(k->last_cycle_usec));
                json_object_object_add(j, "last_error", json_str(k->last_error));
        }
        return json_print(o);
}

static void help_status(void) {
        printf("Usage: %1$s status [PROJECT] [--json]\n"
               "\n"
               "Show each project's state and each task's counters: matched processes,\n"
               "cycles run, pages scanned / hot / cold, bytes paged out and migrated, and the\n"
               "last error; only PROJECT's if given.\n",
               program_name());
}

int verb_status(Context *ctx, int argc, char **argv) {
        _cleanup_(object_tree_done) ObjectTree tree = {};
        const char *project;
        bool help;
        int first, r;

        r = parse_simple_verb(ctx, argc, argv, help_status, "[PROJECT]", 0, 1, true, &first, &help);
        if (r != 0 || help)
                return r;
        project = first < argc ? argv[first] : NULL;
        if (project) {
                r = check_name(argv[0], "project", project);
                if (r != 0)
                        return r;
        }

        r = object_tree_fetch(ctx, &tree);
        if (r != 0)
                return r;
        if (project && !object_tree_find_project(&tree, project))
                return log_failure("no such project '%s'", project);
        return ctx->json ? status_json(&tree, project) : status_table(&tree, project);
}
