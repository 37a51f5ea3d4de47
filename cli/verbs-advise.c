/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `advise --cpus N --mem MB`: numad -w through Manager1.GetPlacementAdvice. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "client-bus.h"
#include "etmemctl.h"
#include "macro.h"
#include "parse-util.h"

#define ADVISE_MAX_CPUS 100000

static void help_advise(void) {
        printf("Usage: %1$s advise --cpus N [--mem MB] [--json]\n"
               "\n"
               "Ask etmemd which NUMA nodes would best hold a new workload of N CPUs and MB\n"
               "megabytes, as `numad -w N:MB` does, and print the node list (e.g. 0-1).\n"
               "The answer measures CPU load over 2 seconds.\n"
               "\n"
               "Options:\n"
               "      --cpus N    CPUs the workload needs (0..%2$d)\n"
               "      --mem MB    memory it needs, in MiB (default 0)\n"
               "      --json      print {\"nodes\": \"...\"}\n"
               "  -h, --help      show this help\n",
               program_name(), ADVISE_MAX_CPUS);
}

int verb_advise(Context *ctx, int argc, char **argv) {
        enum { ARG_CPUS = 0x100, ARG_MEM, ARG_JSON };
        static const struct option options[] = {
                { "help", no_argument,       NULL, 'h' },
                { "cpus", required_argument, NULL, ARG_CPUS },
                { "mem",  required_argument, NULL, ARG_MEM },
                { "json", no_argument,       NULL, ARG_JSON },
                {}
        };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        const char *verb = argv[0], *nodes;
        uint32_t cpus = 0, mem = 0;
        bool have_cpus = false;
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help_advise();
                        return 0;
                case ARG_CPUS:
                        r = parse_number_arg(verb, "--cpus", optarg, 0, ADVISE_MAX_CPUS, &cpus);
                        if (r != 0)
                                return r;
                        have_cpus = true;
                        break;
                case ARG_MEM:
                        r = parse_number_arg(verb, "--mem", optarg, 0, 2000000000, &mem);
                        if (r != 0)
                                return r;
                        break;
                case ARG_JSON:
                        ctx->json = true;
                        break;
                default:
                        return getopt_usage_error(verb, c, argv);
                }
        if (optind < argc)
                return usage_error(verb, "unexpected argument '%s'", argv[optind]);
        if (!have_cpus)
                return usage_error(verb, "--cpus N is required");

        r = bus_new_call(ctx, ETMEM_ROOT_PATH, ETMEM_MANAGER_IFACE, "GetPlacementAdvice", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "ut", cpus, (uint64_t) mem);
        if (r < 0)
                return bus_log_create_error(r);
        r = bus_call(ctx, m, NULL, &reply);
        if (r != 0)
                return r;
        r = sd_bus_message_read_basic(reply, 's', &nodes);
        if (r < 0)
                return bus_log_parse_error(r);
        if (ctx->json)
                printf("{\"nodes\": \"%s\"}\n", nodes);
        else
                printf("%s\n", nodes);
        return 0;
}
