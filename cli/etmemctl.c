/* SPDX-License-Identifier: GPL-2.0-or-later */
/* etmemctl: global options and verb dispatch. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bus-errors.h"
#include "etmem-config.h"
#include "etmemctl.h"
#include "macro.h"
#include "parse-util.h"

const char *program_name(void) {
        return program_invocation_short_name;
}

typedef struct Verb {
        const char *name;
        VerbFunction fn;
} Verb;

static int verb_help(Context *ctx, int argc, char **argv);

static const Verb verbs[] = {
        { "create-project", verb_create_project },
        { "remove-project", verb_remove_project },
        { "add-engine",     verb_add_engine },
        { "remove-engine",  verb_remove_engine },
        { "add-task",       verb_add_task },
        { "remove-task",    verb_remove_task },
        { "start",          verb_start },
        { "stop",           verb_stop },
        { "show",           verb_show },
        { "status",         verb_status },
        { "apply",          verb_apply },
        { "delete",         verb_delete },
        { "command",        verb_command },
        { "features",       verb_features },
        { "metrics",        verb_metrics },
        { "advise",         verb_advise },
        { "obj",            verb_obj },
        { "project",        verb_project },
        { "engine",         verb_engine },
        { "help",           verb_help },
};

static const Verb *verb_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        return &verbs[i];
        return NULL;
}

static void help(void) {
        printf("Usage: %1$s [OPTIONS] VERB [ARGS...]\n"
               "\n"
               "Control etmemd, the memory tiering service, over D-Bus (%2$s).\n"
               "\n"
               "Objects:\n"
               "  create-project NAME [--loop N] [--interval N] [--sleep N] ...\n"
               "  remove-project NAME\n"
               "  add-engine PROJECT TYPE [KEY=VALUE...]\n"
               "  remove-engine PROJECT ENGINE\n"
               "  add-task PROJECT ENGINE TASK (--pid PID | --name COMM) [KEY=VALUE...]\n"
               "  remove-task PROJECT ENGINE TASK\n"
               "  start PROJECT\n"
               "  stop PROJECT\n"
               "\n"
               "Inspection:\n"
               "  show [PROJECT]                       projects, engines, tasks\n"
               "  status [PROJECT]                     task counters and errors\n"
               "  features                             version, engine types, kernel features\n"
               "  metrics [--format F] [--output FILE] counters for Prometheus (OpenMetrics)\n"
               "  advise --cpus N [--mem MB]           NUMA nodes for a new workload (numad -w)\n"
               "\n"
               "Configuration files:\n"
               "  apply -f FILE                        create what FILE describes\n"
               "  delete -f FILE                       remove what FILE names\n"
               "\n"
               "Engine commands:\n"
               "  command PROJECT ENGINE CMD [-t TASK] [KEY=VALUE...]\n"
               "\n"
               "etmem's commands:\n"
               "  obj add|del -f FILE\n"
               "  project start|stop -n NAME, project show [-n NAME]\n"
               "  engine CMD -n PROJECT -e ENGINE [-t TASK]\n"
               "\n"
               "Options:\n"
               "      --address ADDRESS  connect to this D-Bus address, not the system bus\n"
               "      --json             machine-readable output\n"
               "      --verbose          name the D-Bus error in error messages\n"
               "      --no-ask-password  do not let polkit ask for a password\n"
               "  -h, --help             show this help\n"
               "      --version          show the version\n"
               "\n"
               "'%1$s VERB --help' shows the arguments of VERB.\n"
               "Exit status: 0 success, 1 failure, 2 usage error.\n",
               program_name(), ETMEM_BUS_NAME);
}

static int verb_help(Context *ctx, int argc, char **argv) {
        const Verb *v;
        char *sub[] = { NULL, (char *) "--help", NULL };

        if (argc < 2 || streq(argv[1], "-h") || streq(argv[1], "--help")) {
                help();
                return 0;
        }
        if (argc > 2)
                return usage_error(NULL, "help: unexpected argument '%s'", argv[2]);
        v = verb_find(argv[1]);
        if (!v || v->fn == verb_help)
                return usage_error(NULL, "help: unknown verb '%s'", argv[1]);
        sub[0] = argv[1];
        return v->fn(ctx, 2, sub);
}

int main(int argc, char **argv) {
        enum { ARG_ADDRESS = 0x100, ARG_JSON, ARG_VERBOSE, ARG_NO_ASK_PASSWORD, ARG_VERSION };
        static const struct option options[] = {
                { "help",            no_argument,       NULL, 'h' },
                { "address",         required_argument, NULL, ARG_ADDRESS },
                { "json",            no_argument,       NULL, ARG_JSON },
                { "verbose",         no_argument,       NULL, ARG_VERBOSE },
                { "no-ask-password", no_argument,       NULL, ARG_NO_ASK_PASSWORD },
                { "version",         no_argument,       NULL, ARG_VERSION },
                {}
        };
        Context ctx = { .ask_password = isatty(STDIN_FILENO) };
        const Verb *v;
        int c, r;

        /* So errno values of org.etmem.Error.* round-trip like the daemon's. */
        (void) etmem_bus_error_map_register();

        opterr = 0;
        /* '+': global options end at the verb; the rest belongs to the verb. */
        while ((c = getopt_long(argc, argv, "+:h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_ADDRESS:
                        if (!*optarg)
                                return usage_error(NULL, "--address: the address is empty");
                        ctx.address = optarg;
                        break;
                case ARG_JSON:
                        ctx.json = true;
                        break;
                case ARG_VERBOSE:
                        ctx.verbose = true;
                        break;
                case ARG_NO_ASK_PASSWORD:
                        ctx.ask_password = false;
                        break;
                case ARG_VERSION:
                        printf("%s %s\n", program_name(), ETMEM_VERSION);
                        return 0;
                default:
                        return getopt_usage_error(NULL, c, argv);
                }

        if (optind >= argc)
                return usage_error(NULL, "missing verb");
        v = verb_find(argv[optind]);
        if (!v)
                return usage_error(NULL, "unknown verb '%s'", argv[optind]);

        r = v->fn(&ctx, argc - optind, argv + optind);

        if (ctx.bus)
                sd_bus_flush_close_unref(ctx.bus);
        if (fflush(stdout) != 0 && r == 0)
                r = log_failure("cannot write to standard output: %s", strerror(errno));
        return r;
}
