/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `metrics`: every project's and task's counters and the kernel features in the
 * OpenMetrics text format, for Prometheus (node_exporter's textfile collector).
 *
 * Only counter and gauge families are used: node_exporter parses textfiles as the
 * Prometheus text format, which rejects the OpenMetrics-only stateset and info types
 * (a project's state is a gauge per state, 1 for the current one, as stateset's
 * samples would be). --format prometheus prints that format itself: the same samples,
 * but a counter's TYPE and HELP name the sample (..._total), as that parser wants
 * (it reads an OpenMetrics counter as an untyped ..._total), and no # UNIT or # EOF. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client-bus.h"
#include "etmemctl.h"
#include "macro.h"
#include "object-tree.h"
#include "parse-util.h"

static const char *const project_states[] = { "stopped", "running", "failed" };

/* A label value with \, " and newline escaped, as both text formats require. */
static void put_label_value(FILE *f, const char *s) {
        fputc('"', f);
        for (s = strempty(s); *s; s++)
                switch (*s) {
                case '\\': fputs("\\\\", f); break;
                case '"':  fputs("\\\"", f); break;
                case '\n': fputs("\\n", f); break;
                default:   fputc(*s, f);
                }
        fputc('"', f);
}

static bool prometheus_format; /* --format prometheus */

static void put_family(FILE *f, const char *name, const char *type, const char *unit, const char *help) {
        const char *suffix = prometheus_format && streq(type, "counter") ? "_total" : "";

        fprintf(f, "# TYPE %s%s %s\n", name, suffix, type);
        if (unit && !prometheus_format)
                fprintf(f, "# UNIT %s %s\n", name, unit);
        fprintf(f, "# HELP %s%s %s\n", name, suffix, help);
}

static void put_task_labels(FILE *f, const TaskInfo *k) {
        fputs("{project=", f);
        put_label_value(f, k->project);
        fputs(",engine=", f);
        put_label_value(f, k->engine);
        fputs(",task=", f);
        put_label_value(f, k->name);
        fputc('}', f);
}

typedef enum TaskValue {
        TASK_CYCLES, TASK_PAGES_SCANNED, TASK_PAGES_HOT, TASK_PAGES_COLD, TASK_PAGED_OUT, TASK_MIGRATED,
        TASK_LAST_CYCLE, TASK_PIDS,
} TaskValue;

static const struct {
        const char *name, *type, *unit, *help;
        TaskValue value;
} task_families[] = {
        { "etmem_task_cycles", "counter", NULL, "Cycles the task has run (Task1.Cycles).", TASK_CYCLES },
        { "etmem_task_pages_scanned", "counter", NULL,
          "Pages the task's tracker classified (Task1.PagesScanned).", TASK_PAGES_SCANNED },
        { "etmem_task_pages_hot", "counter", NULL, "Pages found hot (Task1.PagesHot).", TASK_PAGES_HOT },
        { "etmem_task_pages_cold", "counter", NULL, "Pages found cold (Task1.PagesCold).", TASK_PAGES_COLD },
        { "etmem_task_paged_out_bytes", "counter", "bytes",
          "Bytes that left RAM through the task's page-outs (Task1.BytesPagedOut).", TASK_PAGED_OUT },
        { "etmem_task_migrated_bytes", "counter", "bytes",
          "Bytes moved to another NUMA node (Task1.BytesMigrated).", TASK_MIGRATED },
        { "etmem_task_last_cycle_seconds", "gauge", "seconds",
          "How long the task's last cycle took (Task1.LastCycleUsec).", TASK_LAST_CYCLE },
        { "etmem_task_pids", "gauge", NULL, "Processes the task acts on now (Task1.Pids).", TASK_PIDS },
};

static void put_task_sample(FILE *f, const char *family, const char *type, const TaskInfo *k, TaskValue v) {
        static const size_t counters[] = {
                [TASK_CYCLES] = offsetof(TaskInfo, cycles),
                [TASK_PAGES_SCANNED] = offsetof(TaskInfo, pages_scanned),
                [TASK_PAGES_HOT] = offsetof(TaskInfo, pages_hot),
                [TASK_PAGES_COLD] = offsetof(TaskInfo, pages_cold),
                [TASK_PAGED_OUT] = offsetof(TaskInfo, bytes_paged_out),
                [TASK_MIGRATED] = offsetof(TaskInfo, bytes_migrated),
        };

        /* OpenMetrics: a counter's sample is the family name + _total */
        fprintf(f, "%s%s", family, streq(type, "counter") ? "_total" : "");
        put_task_labels(f, k);
        if (v == TASK_LAST_CYCLE)
                fprintf(f, " %" PRIu64 ".%06" PRIu64 "\n", k->last_cycle_usec / 1000000, k->last_cycle_usec % 1000000);
        else if (v == TASK_PIDS)
                fprintf(f, " %zu\n", k->pids.n);
        else
                fprintf(f, " %" PRIu64 "\n", *(const uint64_t *) ((const uint8_t *) k + counters[v]));
}

static void put_metrics(FILE *f, const ObjectTree *tree, char **kernel_features) {
        put_family(f, "etmem_project_cycles", "counter", NULL, "Cycles the project has run (Project1.Cycles).");
        for (size_t i = 0; i < tree->n_projects; i++) {
                fputs("etmem_project_cycles_total{project=", f);
                put_label_value(f, tree->projects[i].name);
                fprintf(f, "} %" PRIu64 "\n", tree->projects[i].cycles);
        }
        put_family(f, "etmem_project_state", "gauge", NULL,
                   "1 for the project's state (Project1.State: stopped, running or failed), 0 for the others.");
        for (size_t i = 0; i < tree->n_projects; i++)
                for (size_t s = 0; s < ELEMENTSOF(project_states); s++) {
                        fputs("etmem_project_state{project=", f);
                        put_label_value(f, tree->projects[i].name);
                        fprintf(f, ",state=\"%s\"} %d\n", project_states[s],
                                streq_ptr(tree->projects[i].state, project_states[s]));
                }

        for (size_t n = 0; n < ELEMENTSOF(task_families); n++) {
                put_family(f, task_families[n].name, task_families[n].type, task_families[n].unit,
                           task_families[n].help);
                for (size_t i = 0; i < tree->n_tasks; i++)
                        put_task_sample(f, task_families[n].name, task_families[n].type, &tree->tasks[i],
                                        task_families[n].value);
        }

        put_family(f, "etmem_kernel_feature", "gauge", NULL,
                   "Manager1.KernelFeatures: one sample per entry, its key and value as labels; always 1.");
        for (char **k = kernel_features; k && k[0] && k[1]; k += 2) {
                fputs("etmem_kernel_feature{feature=", f);
                put_label_value(f, k[0]);
                fputs(",value=", f);
                put_label_value(f, k[1]);
                fputs("} 1\n", f);
        }
        if (!prometheus_format)
                fputs("# EOF\n", f);
}

/* Writes data to path through a temporary file in the same directory and a rename, so
 * a reader (node_exporter) sees the old file or the new one, never a part. */
static int write_atomic(const char *path, const char *data, size_t size) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t done = 0;

        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return log_oom();
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return log_failure("cannot create a temporary file next to %s: %s", path, strerror(errno));
        while (done < size) {
                ssize_t w = write(fd, data + done, size - done);

                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        goto fail;
                }
                done += (size_t) w;
        }
        /* mkostemp makes it 0600; the collector may run as another user */
        if (fchmod(fd, 0644) < 0 || fsync(fd) < 0 || rename(tmp, path) < 0)
                goto fail;
        return 0;
fail:
        {
                int e = errno;

                (void) unlink(tmp);
                return log_failure("cannot write %s: %s", path, strerror(e));
        }
}

static void help_metrics(void) {
        printf("Usage: %1$s metrics [--format openmetrics|prometheus] [--output FILE]\n"
               "\n"
               "Print every project's and task's counters and the kernel features in the\n"
               "OpenMetrics text format (with # HELP and # TYPE lines, ending in # EOF), for\n"
               "Prometheus (for node_exporter's textfile collector: --format prometheus).\n"
               "\n"
               "Families (labels project, engine, task):\n"
               "  etmem_project_cycles_total, etmem_project_state{state=...}\n"
               "  etmem_task_cycles_total, etmem_task_pages_scanned_total,\n"
               "  etmem_task_pages_hot_total, etmem_task_pages_cold_total,\n"
               "  etmem_task_paged_out_bytes_total, etmem_task_migrated_bytes_total,\n"
               "  etmem_task_last_cycle_seconds, etmem_task_pids,\n"
               "  etmem_kernel_feature{feature=...,value=...}\n"
               "\n"
               "Options:\n"
               "      --format F     openmetrics (default) or prometheus: the older text format\n"
               "                     node_exporter's textfile collector parses (a counter's\n"
               "                     TYPE names its _total sample; no # UNIT, no # EOF)\n"
               "  -o, --output FILE  write FILE atomically (a temporary file renamed over it),\n"
               "                     mode 0644, instead of standard output\n"
               "  -h, --help         show this help\n",
               program_name());
}

int verb_metrics(Context *ctx, int argc, char **argv) {
        enum { ARG_FORMAT = 0x100 };
        static const struct option options[] = {
                { "help",   no_argument,       NULL, 'h' },
                { "output", required_argument, NULL, 'o' },
                { "format", required_argument, NULL, ARG_FORMAT },
                {}
        };
        static const BusProperty manager_map[] = {
                { "KernelFeatures", "a{ss}", 0 },
                {}
        };
        _cleanup_(object_tree_done) ObjectTree tree = {};
        _cleanup_strv_free_ char **kernel_features = NULL;
        _cleanup_free_ char *text = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        const char *verb = argv[0], *output = NULL;
        size_t size = 0;
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":ho:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help_metrics();
                        return 0;
                case 'o':
                        if (optarg[0] == '\0')
                                return usage_error(verb, "--output needs a file name");
                        output = optarg;
                        break;
                case ARG_FORMAT:
                        if (streq(optarg, "openmetrics"))
                                prometheus_format = false;
                        else if (streq(optarg, "prometheus"))
                                prometheus_format = true;
                        else
                                return usage_error(verb, "--format: '%s' is not one of openmetrics, prometheus",
                                                   optarg);
                        break;
                default:
                        return getopt_usage_error(verb, c, argv);
                }
        if (optind < argc)
                return usage_error(verb, "unexpected argument '%s'", argv[optind]);

        /* the objects in one call; the Manager is not among them (it is the root) */
        r = object_tree_fetch(ctx, &tree);
        if (r != 0)
                return r;
        r = bus_get_all(ctx, ETMEM_ROOT_PATH, ETMEM_MANAGER_IFACE, manager_map, &kernel_features);
        if (r != 0)
                return r;

        f = open_memstream(&text, &size);
        if (!f)
                return log_oom();
        put_metrics(f, &tree, kernel_features);
        if (fflush(f) != 0 || ferror(f))
                return log_oom();

        if (output)
                return write_atomic(output, text, size);
        if (fwrite(text, 1, size, stdout) != size || fflush(stdout) != 0)
                return log_failure("cannot write to standard output");
        return 0;
}
