/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Verbs that create, remove, start and stop single objects. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "client-bus.h"
#include "etmemctl.h"
#include "macro.h"
#include "parse-util.h"

static void help_create_project(void) {
        printf("Usage: %1$s create-project NAME [OPTIONS]\n"
               "\n"
               "Create a stopped project and print its object path.\n"
               "\n"
               "Options:\n"
               "      --loop N                  scans per cycle, 1..120 (default 1)\n"
               "      --interval N              seconds between scans, 1..1200 (default 1)\n"
               "      --sleep N                 seconds between cycles, 1..1200 (default 1)\n"
               "      --sysmem-threshold N      page out only while free memory is below N%%,\n"
               "                                0..100 (slide)\n"
               "      --swapcache-high-wmark N  swap cache above N%% of memory is reclaimed,\n"
               "                                1..100 (slide)\n"
               "      --swapcache-low-wmark N   ... down to N%%, 1..100, below the high mark\n"
               "  -h, --help                    show this help\n",
               program_name());
}

int verb_create_project(Context *ctx, int argc, char **argv) {
        enum { ARG_LOOP = 0x100, ARG_INTERVAL, ARG_SLEEP, ARG_SYSMEM, ARG_HIGH, ARG_LOW };
        static const struct option options[] = {
                { "help",                 no_argument,       NULL, 'h' },
                { "loop",                 required_argument, NULL, ARG_LOOP },
                { "interval",             required_argument, NULL, ARG_INTERVAL },
                { "sleep",                required_argument, NULL, ARG_SLEEP },
                { "sysmem-threshold",     required_argument, NULL, ARG_SYSMEM },
                { "swapcache-high-wmark", required_argument, NULL, ARG_HIGH },
                { "swapcache-low-wmark",  required_argument, NULL, ARG_LOW },
                {}
        };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        const char *verb = argv[0], *name;
        uint32_t loop = 1, interval = 1, sleep_sec = 1, sysmem = 0, high = 0, low = 0;
        bool have_sysmem = false, have_high = false, have_low = false;
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help_create_project();
                        return 0;
                case ARG_LOOP:
                        r = parse_number_arg(verb, "--loop", optarg, 1, 120, &loop);
                        break;
                case ARG_INTERVAL:
                        r = parse_number_arg(verb, "--interval", optarg, 1, 1200, &interval);
                        break;
                case ARG_SLEEP:
                        r = parse_number_arg(verb, "--sleep", optarg, 1, 1200, &sleep_sec);
                        break;
                case ARG_SYSMEM:
                        r = parse_number_arg(verb, "--sysmem-threshold", optarg, 0, 100, &sysmem);
                        have_sysmem = true;
                        break;
                case ARG_HIGH:
                        r = parse_number_arg(verb, "--swapcache-high-wmark", optarg, 1, 100, &high);
                        have_high = true;
                        break;
                case ARG_LOW:
                        r = parse_number_arg(verb, "--swapcache-low-wmark", optarg, 1, 100, &low);
                        have_low = true;
                        break;
                default:
                        return getopt_usage_error(verb, c, argv);
                }
                if (r != 0)
                        return r;
        }

        if (argc - optind != 1)
                return argc - optind < 1 ?
                        usage_error(verb, "missing argument; usage: %s %s NAME [OPTIONS]", program_name(), verb) :
                        usage_error(verb, "unexpected argument '%s'", argv[optind + 1]);
        name = argv[optind];
        r = check_name(verb, "project", name);
        if (r != 0)
                return r;
        if (have_high && have_low && low >= high)
                return usage_error(verb, "--swapcache-low-wmark (%" PRIu32 ") must be lower than "
                                   "--swapcache-high-wmark (%" PRIu32 ")", low, high);

        r = bus_new_call(ctx, ETMEM_ROOT_PATH, ETMEM_MANAGER_IFACE, "CreateProject", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}{sv}{sv}",
                                          "loop", "u", loop,
                                          "interval", "u", interval,
                                          "sleep", "u", sleep_sec);
        if (r >= 0 && have_sysmem)
                r = sd_bus_message_append(m, "{sv}", "sysmem_threshold", "u", sysmem);
        if (r >= 0 && have_high)
                r = sd_bus_message_append(m, "{sv}", "swapcache_high_wmark", "u", high);
        if (r >= 0 && have_low)
                r = sd_bus_message_append(m, "{sv}", "swapcache_low_wmark", "u", low);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return bus_log_create_error(r);

        r = bus_call(ctx, m, NULL, &reply);
        if (r != 0)
                return r;
        return bus_print_object_paths(ctx, reply);
}

static void help_remove_project(void) {
        printf("Usage: %1$s remove-project NAME\n"
               "\n"
               "Remove a project with its engines and tasks; a running project is stopped first.\n",
               program_name());
}

int verb_remove_project(Context *ctx, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        const char *verb = argv[0];
        bool help;
        int first, r;

        r = parse_simple_verb(ctx, argc, argv, help_remove_project, "NAME", 1, 1, false, &first, &help);
        if (r != 0 || help)
                return r;
        r = check_name(verb, "project", argv[first]);
        if (r != 0)
                return r;

        r = bus_new_call(ctx, ETMEM_ROOT_PATH, ETMEM_MANAGER_IFACE, "RemoveProject", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "s", argv[first]);
        if (r < 0)
                return bus_log_create_error(r);
        return bus_call(ctx, m, NULL, NULL);
}

/* Calls a method on a project, engine or task object addressed by names; arg is an
 * optional single string argument. */
static int call_on(Context *ctx, const char *path, const char *iface, const char *member,
                   const char *what, const char *arg) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = bus_new_call(ctx, path, iface, member, &m);
        if (r != 0)
                return r;
        if (arg) {
                r = sd_bus_message_append(m, "s", arg);
                if (r < 0)
                        return bus_log_create_error(r);
        }
        return bus_call(ctx, m, what, NULL);
}

static int project_target(const char *verb, const char *project, char **ret_path, char **ret_what) {
        int r;

        r = check_name(verb, "project", project);
        if (r != 0)
                return r;
        if (bus_project_path(project, ret_path) < 0 ||
            asprintf(ret_what, "project '%s'", project) < 0)
                return log_oom();
        return 0;
}

static int engine_target(const char *verb, const char *project, const char *engine,
                         char **ret_path, char **ret_what) {
        int r;

        r = check_name(verb, "project", project);
        if (r == 0)
                r = check_name(verb, "engine", engine);
        if (r != 0)
                return r;
        if (bus_engine_path(project, engine, ret_path) < 0 ||
            asprintf(ret_what, "engine '%s' in project '%s'", engine, project) < 0)
                return log_oom();
        return 0;
}

static void help_add_engine(void) {
        printf("Usage: %1$s add-engine PROJECT TYPE [KEY=VALUE...]\n"
               "\n"
               "Add an engine of TYPE (see '%1$s features' for the types this etmemd offers)\n"
               "to PROJECT and print its object path. KEY=VALUE pairs are the engine's\n"
               "parameters as in an etmem [engine] section, e.g. for cslide:\n"
               "  node_pair=2,0;3,1 hot_threshold=1 node_mig_quota=1024 node_hot_reserve=1024\n"
               "or for thirdparty: eng_name=my_engine libname=... ops_name=my_engine_ops\n",
               program_name());
}

int verb_add_engine(Context *ctx, int argc, char **argv) {
        static const char *const reserved[] = { "project", NULL };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_free_ char *path = NULL, *what = NULL;
        _cleanup_strv_free_ char **kv = NULL;
        const char *verb = argv[0];
        bool help;
        int first, r;

        r = parse_simple_verb(ctx, argc, argv, help_add_engine, "PROJECT TYPE [KEY=VALUE...]",
                              2, argc, false, &first, &help);
        if (r != 0 || help)
                return r;
        r = project_target(verb, argv[first], &path, &what);
        if (r == 0)
                r = check_name(verb, "engine type", argv[first + 1]);
        if (r == 0)
                r = parse_key_values(verb, argv + first + 2, (size_t) (argc - first - 2), reserved,
                                     "the project is the PROJECT argument", &kv);
        if (r != 0)
                return r;

        r = bus_new_call(ctx, path, ETMEM_PROJECT_IFACE, "AddEngine", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "s", argv[first + 1]);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = bus_append_string_entries(m, kv);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return bus_log_create_error(r);

        r = bus_call(ctx, m, what, &reply);
        if (r != 0)
                return r;
        return bus_print_object_paths(ctx, reply);
}

static void help_remove_engine(void) {
        printf("Usage: %1$s remove-engine PROJECT ENGINE\n"
               "\n"
               "Remove ENGINE and its tasks from PROJECT.\n",
               program_name());
}

int verb_remove_engine(Context *ctx, int argc, char **argv) {
        _cleanup_free_ char *path = NULL, *what = NULL;
        bool help;
        int first, r;

        r = parse_simple_verb(ctx, argc, argv, help_remove_engine, "PROJECT ENGINE", 2, 2, false,
                              &first, &help);
        if (r != 0 || help)
                return r;
        r = project_target(argv[0], argv[first], &path, &what);
        if (r == 0)
                r = check_name(argv[0], "engine", argv[first + 1]);
        if (r != 0)
                return r;
        return call_on(ctx, path, ETMEM_PROJECT_IFACE, "RemoveEngine", what, argv[first + 1]);
}

static void help_add_task(void) {
        printf("Usage: %1$s add-task PROJECT ENGINE TASK (--pid PID | --name COMM) [KEY=VALUE...]\n"
               "\n"
               "Add TASK to ENGINE of PROJECT and print its object path. The task targets one\n"
               "process and its children: by process id, or by name (/proc/PID/comm, at most\n"
               "15 characters, or the executable's file name). KEY=VALUE pairs are the\n"
               "engine's task parameters as in an etmem [task] section, e.g. for slide:\n"
               "  T=1 max_threads=1\n"
               "\n"
               "Options:\n"
               "      --pid PID     the process with this id, 1..%2$u\n"
               "      --name COMM   processes with this name\n"
               "  -h, --help        show this help\n",
               program_name(), PID_MAX_VALUE);
}

int verb_add_task(Context *ctx, int argc, char **argv) {
        enum { ARG_PID = 0x100, ARG_NAME };
        static const struct option options[] = {
                { "help", no_argument,       NULL, 'h' },
                { "pid",  required_argument, NULL, ARG_PID },
                { "name", required_argument, NULL, ARG_NAME },
                {}
        };
        static const char *const reserved[] = { "type", "value", "name", "project", "engine", NULL };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_free_ char *path = NULL, *what = NULL;
        _cleanup_strv_free_ char **kv = NULL;
        const char *verb = argv[0], *pid_arg = NULL, *comm = NULL;
        uint32_t pid;
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help_add_task();
                        return 0;
                case ARG_PID:
                        r = parse_number_arg(verb, "--pid", optarg, 1, PID_MAX_VALUE, &pid);
                        if (r != 0)
                                return r;
                        pid_arg = optarg;
                        break;
                case ARG_NAME:
                        if (!*optarg)
                                return usage_error(verb, "--name: the process name must not be empty");
                        if (strlen(optarg) > VALUE_MAX_LEN)
                                return usage_error(verb, "--name: longer than %u characters", VALUE_MAX_LEN);
                        comm = optarg;
                        break;
                default:
                        return getopt_usage_error(verb, c, argv);
                }

        if (argc - optind < 3)
                return usage_error(verb, "missing argument; usage: %s %s PROJECT ENGINE TASK "
                                   "(--pid PID | --name COMM) [KEY=VALUE...]", program_name(), verb);
        if (!!pid_arg == !!comm)
                return usage_error(verb, "exactly one of --pid or --name is required");
        r = engine_target(verb, argv[optind], argv[optind + 1], &path, &what);
        if (r == 0)
                r = check_name(verb, "task", argv[optind + 2]);
        if (r == 0)
                r = parse_key_values(verb, argv + optind + 3, (size_t) (argc - optind - 3), reserved,
                                     "use the PROJECT ENGINE TASK arguments and --pid or --name", &kv);
        if (r != 0)
                return r;

        r = bus_new_call(ctx, path, ETMEM_ENGINE_IFACE, "AddTask", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "s", argv[optind + 2]);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}{sv}",
                                          "type", "s", pid_arg ? "pid" : "name",
                                          "value", "s", pid_arg ?: comm);
        if (r >= 0)
                r = bus_append_string_entries(m, kv);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return bus_log_create_error(r);

        r = bus_call(ctx, m, what, &reply);
        if (r != 0)
                return r;
        return bus_print_object_paths(ctx, reply);
}

static void help_remove_task(void) {
        printf("Usage: %1$s remove-task PROJECT ENGINE TASK\n"
               "\n"
               "Remove TASK from ENGINE of PROJECT; its processes are left as they are.\n",
               program_name());
}

int verb_remove_task(Context *ctx, int argc, char **argv) {
        _cleanup_free_ char *path = NULL, *what = NULL;
        bool help;
        int first, r;

        r = parse_simple_verb(ctx, argc, argv, help_remove_task, "PROJECT ENGINE TASK", 3, 3, false,
                              &first, &help);
        if (r != 0 || help)
                return r;
        r = engine_target(argv[0], argv[first], argv[first + 1], &path, &what);
        if (r == 0)
                r = check_name(argv[0], "task", argv[first + 2]);
        if (r != 0)
                return r;
        return call_on(ctx, path, ETMEM_ENGINE_IFACE, "RemoveTask", what, argv[first + 2]);
}

static void help_start(void) {
        printf("Usage: %1$s start PROJECT\n"
               "\n"
               "Start the tasks of PROJECT: scan, classify and act every cycle.\n",
               program_name());
}

static void help_stop(void) {
        printf("Usage: %1$s stop PROJECT\n"
               "\n"
               "Stop the tasks of PROJECT; the project and its objects stay.\n",
               program_name());
}

static int start_stop(Context *ctx, int argc, char **argv, void (*help_fn)(void), const char *member) {
        _cleanup_free_ char *path = NULL, *what = NULL;
        bool help;
        int first, r;

        r = parse_simple_verb(ctx, argc, argv, help_fn, "PROJECT", 1, 1, false, &first, &help);
        if (r != 0 || help)
                return r;
        r = project_target(argv[0], argv[first], &path, &what);
        if (r != 0)
                return r;
        return call_on(ctx, path, ETMEM_PROJECT_IFACE, member, what, NULL);
}

int verb_start(Context *ctx, int argc, char **argv) {
        return start_stop(ctx, argc, argv, help_start, "Start");
}

int verb_stop(Context *ctx, int argc, char **argv) {
        return start_stop(ctx, argc, argv, help_stop, "Stop");
}

int project_start_stop(Context *ctx, const char *verb, const char *project, bool start) {
        _cleanup_free_ char *path = NULL, *what = NULL;
        int r;

        r = project_target(verb, project, &path, &what);
        if (r != 0)
                return r;
        return call_on(ctx, path, ETMEM_PROJECT_IFACE, start ? "Start" : "Stop", what, NULL);
}
