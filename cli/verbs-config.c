/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Verbs that move whole configurations or talk to engines: apply, delete, command,
 * features. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "client-bus.h"
#include "engine-tables.h"
#include "etmemctl.h"
#include "json-util.h"
#include "macro.h"
#include "parse-util.h"

/* Not a policy limit (etmemd enforces its own and names the file); only the D-Bus
 * maximum message size, so `apply -f /dev/zero` ends instead of eating memory. */
#define CONFIG_READ_MAX (128u * 1024u * 1024u)

static int read_config_file(const char *file, char **ret, size_t *ret_size) {
        _cleanup_fclose_ FILE *owned = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;
        FILE *f;

        if (streq(file, "-"))
                f = stdin;
        else {
                owned = fopen(file, "re");
                if (!owned)
                        return log_failure("%s: %s", file, strerror(errno));
                f = owned;
        }

        for (;;) {
                size_t n;

                if (allocated - size < 4096) {
                        char *nb;

                        if (allocated >= CONFIG_READ_MAX)
                                return log_failure("%s: larger than the D-Bus message limit (%u MiB)",
                                                   file, CONFIG_READ_MAX / (1024u * 1024u));
                        allocated = allocated ? allocated * 2 : 16384;
                        nb = realloc(buf, allocated + 1);
                        if (!nb)
                                return log_oom();
                        buf = nb;
                }
                n = fread(buf + size, 1, allocated - size, f);
                size += n;
                if (n == 0) {
                        if (ferror(f))
                                return log_failure("%s: %s", file, strerror(errno ?: EIO));
                        break;
                }
        }
        buf[size] = '\0';
        if (memchr(buf, '\0', size))
                return log_failure("%s: contains a NUL byte; not a configuration file", file);
        /* Checked here rather than left to sd-bus so the message names the file. */
        if (!utf8_is_valid(buf, size))
                return log_failure("%s: not valid UTF-8 text", file);

        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

int config_send(Context *ctx, const char *method, const char *file, const char *format, bool print) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_free_ char *text = NULL;
        const char *source = streq(file, "-") ? "<stdin>" : file;
        size_t size;
        int r;

        r = read_config_file(file, &text, &size);
        if (r != 0)
                return r;

        r = bus_new_call(ctx, ETMEM_ROOT_PATH, ETMEM_MANAGER_IFACE, method, &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "sss", text, format, source);
        if (r < 0)
                return bus_log_create_error(r);

        r = bus_call(ctx, m, NULL, &reply);
        if (r != 0 || !print)
                return r;
        return bus_print_object_paths(ctx, reply);
}

static void help_apply(void) {
        printf("Usage: %1$s apply -f FILE [--format ini|json]\n"
               "\n"
               "Create every project, engine and task FILE describes, all or nothing, and print\n"
               "the object paths created. FILE is an etmem configuration file (INI sections\n"
               "[project], [engine], [task]) or its JSON form as printed by '%1$s show --json';\n"
               "'-' reads standard input.\n"
               "\n"
               "Options:\n"
               "  -f, --file FILE        the configuration file (required)\n"
               "      --format FORMAT    ini, json or auto (default: auto, JSON if it starts with '{')\n"
               "      --json             print the paths as a JSON list\n"
               "  -h, --help             show this help\n",
               program_name());
}

static void help_delete(void) {
        printf("Usage: %1$s delete -f FILE [--format ini|json]\n"
               "\n"
               "Remove exactly the objects FILE names: a [task] section removes that task, an\n"
               "[engine] that engine, a [project] the project (stopping it first). Prints the\n"
               "object paths removed. '-' reads standard input.\n"
               "\n"
               "Options:\n"
               "  -f, --file FILE        the configuration file (required)\n"
               "      --format FORMAT    ini, json or auto (default: auto)\n"
               "      --json             print the paths as a JSON list\n"
               "  -h, --help             show this help\n",
               program_name());
}

static int apply_or_delete(Context *ctx, int argc, char **argv, void (*help)(void), const char *method) {
        enum { ARG_FORMAT = 0x100, ARG_JSON };
        static const struct option options[] = {
                { "help",   no_argument,       NULL, 'h' },
                { "file",   required_argument, NULL, 'f' },
                { "format", required_argument, NULL, ARG_FORMAT },
                { "json",   no_argument,       NULL, ARG_JSON },
                {}
        };
        const char *verb = argv[0], *file = NULL, *format = "";
        int c;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":hf:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 'f':
                        if (file)
                                return usage_error(verb, "-f FILE is given twice; one file per call");
                        if (!*optarg)
                                return usage_error(verb, "-f: the file name is empty");
                        file = optarg;
                        break;
                case ARG_FORMAT:
                        if (streq(optarg, "ini") || streq(optarg, "json"))
                                format = optarg;
                        else if (streq(optarg, "auto"))
                                format = "";
                        else
                                return usage_error(verb, "--format: '%s' is not one of ini, json, auto", optarg);
                        break;
                case ARG_JSON:
                        ctx->json = true;
                        break;
                default:
                        return getopt_usage_error(verb, c, argv);
                }
        if (optind < argc)
                return usage_error(verb, "unexpected argument '%s' (the file is given with -f FILE)",
                                   argv[optind]);
        if (!file)
                return usage_error(verb, "-f FILE is required");
        return config_send(ctx, method, file, format, true);
}

int verb_apply(Context *ctx, int argc, char **argv) {
        return apply_or_delete(ctx, argc, argv, help_apply, "LoadConfig");
}

int verb_delete(Context *ctx, int argc, char **argv) {
        return apply_or_delete(ctx, argc, argv, help_delete, "UnloadConfig");
}

int engine_command(Context *ctx, const char *project, const char *engine, const char *cmd,
                   const char *task, char **kv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_free_ char *path = NULL, *what = NULL;
        const char *json;
        int r;

        if (bus_engine_path(project, engine, &path) < 0 ||
            asprintf(&what, "engine '%s' in project '%s'", engine, project) < 0)
                return log_oom();

        r = bus_new_call(ctx, path, ETMEM_ENGINE_IFACE, "Command", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "s", cmd);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0 && task)
                r = sd_bus_message_append(m, "{sv}", "task", "s", task);
        if (r >= 0)
                r = bus_append_string_entries(m, kv);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return bus_log_create_error(r);

        r = bus_call(ctx, m, what, &reply);
        if (r != 0)
                return r;
        r = sd_bus_message_read_basic(reply, 's', &json);
        if (r < 0)
                return bus_log_parse_error(r);
        if (!ctx->json) {
                r = engine_print_table(cmd, json);
                if (r != 0)
                        return r == 1 ? 0 : r;
        }
        return json_print_text(json, !ctx->json);
}

static void help_command(void) {
        printf("Usage: %1$s command PROJECT ENGINE CMD [-t TASK] [KEY=VALUE...]\n"
               "\n"
               "Run an engine-private command (e.g. cslide's showtaskpages, showhostpages) and\n"
               "print the JSON it returns, pretty-printed (as sent with --json).\n"
               "\n"
               "Options:\n"
               "  -t, --task TASK    the task the command is about\n"
               "      --json         print the engine's JSON as it is\n"
               "  -h, --help         show this help\n",
               program_name());
}

int verb_command(Context *ctx, int argc, char **argv) {
        enum { ARG_JSON = 0x100 };
        static const struct option options[] = {
                { "help",      no_argument,       NULL, 'h' },
                { "task",      required_argument, NULL, 't' },
                { "task_name", required_argument, NULL, 't' },
                { "json",      no_argument,       NULL, ARG_JSON },
                {}
        };
        static const char *const reserved[] = { "task", NULL };
        _cleanup_strv_free_ char **kv = NULL;
        const char *verb = argv[0], *task = NULL;
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":ht:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help_command();
                        return 0;
                case 't':
                        task = optarg;
                        break;
                case ARG_JSON:
                        ctx->json = true;
                        break;
                default:
                        return getopt_usage_error(verb, c, argv);
                }

        if (argc - optind < 3)
                return usage_error(verb, "missing argument; usage: %s %s PROJECT ENGINE CMD "
                                   "[-t TASK] [KEY=VALUE...]", program_name(), verb);
        r = check_name(verb, "project", argv[optind]);
        if (r == 0)
                r = check_name(verb, "engine", argv[optind + 1]);
        if (r == 0)
                r = check_name(verb, "command", argv[optind + 2]);
        if (r == 0 && task)
                r = check_name(verb, "task", task);
        if (r == 0)
                r = parse_key_values(verb, argv + optind + 3, (size_t) (argc - optind - 3), reserved,
                                     "use -t TASK", &kv);
        if (r != 0)
                return r;
        return engine_command(ctx, argv[optind], argv[optind + 1], argv[optind + 2], task, kv);
}

typedef struct Features {
        char *version;
        char **engine_types;
        char **kernel_features;   /* alternating key, value */
        uint32_t max_objects;
        uint32_t object_count;
} Features;

static void features_done(Features *f) {
        free(f->version);
        strv_free(f->engine_types);
        strv_free(f->kernel_features);
}

static void help_features(void) {
        printf("Usage: %1$s features [--json]\n"
               "\n"
               "Show etmemd's version, the engine types it can load, the kernel features it\n"
               "found (which trackers and actions are in use) and its object count and limit.\n",
               program_name());
}

static int features_print_json(const Features *f) {
        _cleanup_(json_object_putp) struct json_object *o = json_object_new_object();
        struct json_object *types = json_object_new_array(), *kf = json_object_new_object();

        if (!o || !types || !kf) {
                json_object_put(types);
                json_object_put(kf);
                return log_oom();
        }
        json_object_object_add(o, "version", json_object_new_string(strempty(f->version)));
        json_object_object_add(o, "engine_types", types);
        json_object_object_add(o, "kernel_features", kf);
        for (char **t = f->engine_types; t && *t; t++)
                json_object_array_add(types, json_object_new_string(*t));
        for (char **k = f->kernel_features; k && k[0] && k[1]; k += 2)
                json_object_object_add(kf, k[0], json_object_new_string(k[1]));
        json_object_object_add(o, "max_objects", json_object_new_int64(f->max_objects));
        json_object_object_add(o, "object_count", json_object_new_int64(f->object_count));
        return json_print(o);
}

int verb_features(Context *ctx, int argc, char **argv) {
        static const BusProperty map[] = {
                { "Version",        "s",     offsetof(Features, version) },
                { "EngineTypes",    "as",    offsetof(Features, engine_types) },
                { "KernelFeatures", "a{ss}", offsetof(Features, kernel_features) },
                { "MaxObjects",     "u",     offsetof(Features, max_objects) },
                { "ObjectCount",    "u",     offsetof(Features, object_count) },
                {}
        };
        _cleanup_(features_done) Features f = {};
        size_t w = 0;
        bool help;
        int first, r;

        r = parse_simple_verb(ctx, argc, argv, help_features, "", 0, 0, true, &first, &help);
        if (r != 0 || help)
                return r;

        r = bus_get_all(ctx, ETMEM_ROOT_PATH, ETMEM_MANAGER_IFACE, map, &f);
        if (r != 0)
                return r;

        if (ctx->json)
                return features_print_json(&f);

        printf("Version:         %s\n", strna(f.version));
        printf("Engine types:   ");
        for (char **t = f.engine_types; t && *t; t++)
                printf(" %s", *t);
        printf("%s\n", f.engine_types && *f.engine_types ? "" : " -");
        printf("Objects:         %u of at most %u\n", f.object_count, f.max_objects);
        printf("Kernel features:%s\n", f.kernel_features && *f.kernel_features ? "" : " -");
        for (char **k = f.kernel_features; k && k[0] && k[1]; k += 2)
                w = MAX(w, strlen(k[0]));
        for (char **k = f.kernel_features; k && k[0] && k[1]; k += 2)
                printf("  %-*s  %s\n", (int) w, k[0], k[1]);
        return 0;
}
