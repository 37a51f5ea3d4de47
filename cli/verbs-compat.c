/* SPDX-License-Identifier: GPL-2.0-or-later */
/* etmem's own command line (`etmem obj|project|engine ...`), kept as etmem documents it
 * so existing scripts work when etmemctl is run as `etmem`. -s SOCKET is accepted and
 * ignored: there is no socket, etmemd is on D-Bus. */
#include <getopt.h>
#include <stdio.h>

#include "etmemctl.h"
#include "macro.h"
#include "parse-util.h"

enum { ARG_JSON = 0x100 };

static void note_socket(Context *ctx) {
        if (ctx->socket_noted)
                return;
        ctx->socket_noted = true;
        fprintf(stderr, "%s: note: -s SOCKET is ignored; etmemd is reached over D-Bus (%s)\n",
                program_name(), ETMEM_BUS_NAME);
}

static void help_obj(void) {
        printf("Usage:\n"
               "    %1$s obj add [options]\n"
               "    %1$s obj del [options]\n"
               "    %1$s obj help\n"
               "\n"
               "Options:\n"
               "    -f|--file <conf_file>        Add configuration file\n"
               "    -s|--socket <socket_name>    Socket name to connect (accepted and ignored:\n"
               "                                 etmemd is reached over D-Bus)\n"
               "\n"
               "Notes:\n"
               "    1. Configuration file must be given.\n",
               program_name());
}

int verb_obj(Context *ctx, int argc, char **argv) {
        static const struct option options[] = {
                { "help",   no_argument,       NULL, 'h' },
                { "file",   required_argument, NULL, 'f' },
                { "socket", required_argument, NULL, 's' },
                {}
        };
        const char *file = NULL, *cmd;
        char verb[16];
        int c;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":hf:s:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help_obj();
                        return 0;
                case 'f':
                        file = optarg;
                        break;
                case 's':
                        note_socket(ctx);
                        break;
                default:
                        return getopt_usage_error("obj", c, argv);
                }

        if (optind >= argc)
                return usage_error("obj", "missing command; one of add, del, help");
        cmd = argv[optind];
        if (streq(cmd, "help")) {
                help_obj();
                return 0;
        }
        if (!streq(cmd, "add") && !streq(cmd, "del"))
                return usage_error("obj", "unknown command '%s'; one of add, del, help", cmd);
        snprintf(verb, sizeof verb, "obj %s", cmd);
        if (optind + 1 < argc)
                return usage_error(verb, "unexpected argument '%s'", argv[optind + 1]);
        if (!file || !*file)
                return usage_error(verb, "-f FILE is required (the configuration file)");

        /* Quiet like etmem: scripts written for it expect no output on success. */
        return config_send(ctx, streq(cmd, "add") ? "LoadConfig" : "UnloadConfig", file, "", false);
}

static void help_project(void) {
        printf("Usage:\n"
               "    %1$s project start [options]\n"
               "    %1$s project stop [options]\n"
               "    %1$s project show [options]\n"
               "    %1$s project help\n"
               "\n"
               "Options:\n"
               "    -n|--name <proj_name>        Add project name\n"
               "    -s|--socket <socket_name>    Socket name to connect (accepted and ignored:\n"
               "                                 etmemd is reached over D-Bus)\n"
               "\n"
               "Notes:\n"
               "    1. Project name must be given when execute start or stop option.\n"
               "    2. show without a project name shows all projects.\n",
               program_name());
}

int verb_project(Context *ctx, int argc, char **argv) {
        static const struct option options[] = {
                { "help",   no_argument,       NULL, 'h' },
                { "name",   required_argument, NULL, 'n' },
                { "socket", required_argument, NULL, 's' },
                { "json",   no_argument,       NULL, ARG_JSON },
                {}
        };
        const char *name = NULL, *cmd;
        char verb[16];
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":hn:s:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help_project();
                        return 0;
                case 'n':
                        name = optarg;
                        break;
                case 's':
                        note_socket(ctx);
                        break;
                case ARG_JSON:
                        ctx->json = true;
                        break;
                default:
                        return getopt_usage_error("project", c, argv);
                }

        if (optind >= argc)
                return usage_error("project", "missing command; one of start, stop, show, help");
        cmd = argv[optind];
        if (streq(cmd, "help")) {
                help_project();
                return 0;
        }
        if (!streq(cmd, "start") && !streq(cmd, "stop") && !streq(cmd, "show"))
                return usage_error("project", "unknown command '%s'; one of start, stop, show, help", cmd);
        snprintf(verb, sizeof verb, "project %s", cmd);
        if (optind + 1 < argc)
                return usage_error(verb, "unexpected argument '%s'", argv[optind + 1]);
        if (name) {
                r = check_name(verb, "project", name);
                if (r != 0)
                        return r;
        }
        if (streq(cmd, "show"))
                return show_objects(ctx, name);
        if (!name)
                return usage_error(verb, "-n NAME is required (the project name)");
        return project_start_stop(ctx, verb, name, streq(cmd, "start"));
}

static void help_engine(void) {
        printf("Usage:\n"
               "    %1$s engine <cmd> [options]\n"
               "    %1$s engine help\n"
               "\n"
               "Run an engine-private command, such as cslide's showtaskpages or\n"
               "showhostpages, and print its JSON result.\n"
               "\n"
               "Options:\n"
               "    -n|--name <proj_name>        Project of the engine\n"
               "    -e|--engine <engine_name>    Engine name\n"
               "    -t|--task_name <task_name>   Task name, for task commands\n"
               "    -s|--socket <socket_name>    Socket name to connect (accepted and ignored:\n"
               "                                 etmemd is reached over D-Bus)\n"
               "\n"
               "Notes:\n"
               "    1. Project name and engine name must be given.\n",
               program_name());
}

int verb_engine(Context *ctx, int argc, char **argv) {
        static const struct option options[] = {
                { "help",      no_argument,       NULL, 'h' },
                { "name",      required_argument, NULL, 'n' },
                { "proj_name", required_argument, NULL, 'n' },
                { "engine",    required_argument, NULL, 'e' },
                { "task_name", required_argument, NULL, 't' },
                { "socket",    required_argument, NULL, 's' },
                { "json",      no_argument,       NULL, ARG_JSON },
                {}
        };
        const char *project = NULL, *engine = NULL, *task = NULL, *cmd;
        char verb[80];
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":hn:e:t:s:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help_engine();
                        return 0;
                case 'n':
                        project = optarg;
                        break;
                case 'e':
                        engine = optarg;
                        break;
                case 't':
                        task = optarg;
                        break;
                case 's':
                        note_socket(ctx);
                        break;
                case ARG_JSON:
                        ctx->json = true;
                        break;
                default:
                        return getopt_usage_error("engine", c, argv);
                }

        if (optind >= argc)
                return usage_error("engine", "missing command, e.g. showtaskpages or help");
        cmd = argv[optind];
        if (streq(cmd, "help")) {
                help_engine();
                return 0;
        }
        r = check_name("engine", "command", cmd);
        if (r != 0)
                return r;
        snprintf(verb, sizeof verb, "engine %s", cmd);
        if (optind + 1 < argc)
                return usage_error(verb, "unexpected argument '%s'", argv[optind + 1]);
        if (!project || !engine)
                return usage_error(verb, "-n PROJECT and -e ENGINE are required");
        r = check_name(verb, "project", project);
        if (r == 0)
                r = check_name(verb, "engine", engine);
        if (r == 0 && task)
                r = check_name(verb, "task", task);
        if (r != 0)
                return r;
        return engine_command(ctx, project, engine, cmd, task, NULL);
}
