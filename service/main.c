/* SPDX-License-Identifier: GPL-2.0-or-later */
/* etmemd: the etmem memory-tiering service on the system bus (org.etmem). */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <systemd/sd-daemon.h>

#include "bus-errors.h"
#include "bus-names.h"
#include "config.h"
#include "etmem-config.h"
#include "lifecycle.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "state.h"

static const char *arg_address = NULL;
static const char *arg_state_dir = ETMEM_STATE_DIR;
static const char *arg_engines_dir = NULL;
static const char *arg_thirdparty_dir = ETMEM_THIRDPARTY_DIR;
static const char *arg_config_dir = ETMEM_CONFIG_DIR;
static unsigned arg_max_objects = DEFAULT_MAX_OBJECTS;

static void help(void) {
        printf("Usage: etmemd [OPTIONS]\n"
               "The etmem memory-tiering service: owns org.etmem on the system bus.\n\n"
               "  -h --help                 Show this help and exit\n"
               "     --version              Show the version and exit\n"
               "  -l --log-level=0..3       0 debug, 1 info (default), 2 warning, 3 error\n"
               "     --address=ADDRESS      Connect to this bus instead of the system bus\n"
               "     --state-dir=DIR        Where the object tree is kept (default %s)\n"
               "     --no-state             Keep nothing on disk\n"
               "     --config-dir=DIR       Apply DIR's *.conf, *.yaml, *.json at start and on SIGHUP\n"
               "                            (default %s; empty: none)\n"
               "     --engines-dir=DIR[:DIR] Where engine plugins are found (default %s,\n"
               "                            or the build tree when run uninstalled)\n"
               "     --thirdparty-dir=DIR   The only directory third-party engines may load from\n"
               "                            (default %s)\n"
               "     --max-objects=N        Limit on projects + engines + tasks, 1..1000000 (default %u)\n"
               "  -s --socket=NAME          Accepted for etmem compatibility and ignored\n"
               "  -m --mode-systemctl       Accepted for etmem compatibility and ignored (never forks)\n"
               "\nEnvironment:\n"
               "  ETMEM_POLKIT_TIMEOUT=1..3600  seconds polkit may take per check (default 25)\n",
               ETMEM_STATE_DIR, ETMEM_CONFIG_DIR, ETMEM_ENGINES_DIR, ETMEM_THIRDPARTY_DIR, DEFAULT_MAX_OBJECTS);
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_ADDRESS, ARG_STATE_DIR, ARG_NO_STATE, ARG_ENGINES_DIR, ARG_THIRDPARTY_DIR,
               ARG_MAX_OBJECTS, ARG_CONFIG_DIR };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "log-level", required_argument, NULL, 'l' },
                { "address", required_argument, NULL, ARG_ADDRESS },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "no-state", no_argument, NULL, ARG_NO_STATE },
                { "config-dir", required_argument, NULL, ARG_CONFIG_DIR },
                { "engines-dir", required_argument, NULL, ARG_ENGINES_DIR },
                { "thirdparty-dir", required_argument, NULL, ARG_THIRDPARTY_DIR },
                { "max-objects", required_argument, NULL, ARG_MAX_OBJECTS },
                { "socket", required_argument, NULL, 's' },
                { "mode-systemctl", no_argument, NULL, 'm' },
                {}
        };
        unsigned long long v;
        int c;

        while ((c = getopt_long(argc, argv, "hl:s:m", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("etmemd %s\n", ETMEM_VERSION);
                        return 0;
                case 'l':
                        if (config_parse_uint(optarg, 0, 3, &v) < 0) {
                                fprintf(stderr, "etmemd: --log-level: '%s' is not in 0..3\n", optarg);
                                return -EINVAL;
                        }
                        log_max_level = (int) v;
                        break;
                case ARG_ADDRESS:
                        arg_address = optarg;
                        break;
                case ARG_STATE_DIR:
                        arg_state_dir = optarg;
                        break;
                case ARG_NO_STATE:
                        arg_state_dir = NULL;
                        break;
                case ARG_CONFIG_DIR:
                        arg_config_dir = optarg[0] ? optarg : NULL;
                        break;
                case ARG_ENGINES_DIR:
                        arg_engines_dir = optarg;
                        break;
                case ARG_THIRDPARTY_DIR:
                        /* an empty value would match every absolute path */
                        if (optarg[0] != '/') {
                                fprintf(stderr, "etmemd: --thirdparty-dir: '%s' is not an absolute directory "
                                                "(an empty or relative value would allow libraries from anywhere)\n",
                                        optarg);
                                return -EINVAL;
                        }
                        arg_thirdparty_dir = optarg;
                        break;
                case ARG_MAX_OBJECTS:
                        if (config_parse_uint(optarg, 1, 1000000, &v) < 0) {
                                fprintf(stderr, "etmemd: --max-objects: '%s' is not in 1..1000000\n", optarg);
                                return -EINVAL;
                        }
                        arg_max_objects = (unsigned) v;
                        break;
                case 's':
                        log_info("-s %s is ignored: etmemd is reached over D-Bus (org.etmem)", optarg);
                        break;
                case 'm':
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "etmemd: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

/* Uninstalled (run from the build tree) engines come from the build tree. */
static char **engines_dirs(void) {
        char self[PATH_MAX];
        const char *list = arg_engines_dir;
        _cleanup_free_ char *copy = NULL;
        char **l = NULL, *save = NULL;
        size_t n = 0;
        ssize_t k;

        if (!list) {
                k = readlink("/proc/self/exe", self, sizeof self - 1);
                self[k > 0 ? k : 0] = 0;
                list = strncmp(self, ETMEM_BUILD_ROOT "/", strlen(ETMEM_BUILD_ROOT) + 1) == 0
                               ? ETMEM_BUILD_ENGINES_DIR : ETMEM_ENGINES_DIR;
        }
        copy = strdup(list);
        if (!copy)
                return NULL;
        l = calloc(strlen(list) + 2, sizeof(char *));
        if (!l)
                return NULL;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
                if (!(l[n++] = strdup(d))) {
                        strv_free(l);
                        return NULL;
                }
        return l;
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        log_info("received %s: stopping tasks, saving state", strsignal((int) si->ssi_signo));
        (void) sd_notify(false, "STOPPING=1");
        m->exiting = true;
        /* Save first: running projects are recorded as running so a restart resumes them. */
        (void) manager_save_now(m);
        lifecycle_stop_all(&m->ctx.lifecycle);
        lifecycle_drain(&m->ctx.lifecycle, 2 * 1000000u);
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        struct timespec ts;
        int r;

        if (!m->config_dir.path) {
                log_info("SIGHUP: no configuration directory (--config-dir=): nothing to reload");
                return 0;
        }
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        (void) sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%llu",
                          (unsigned long long) ts.tv_sec * 1000000ULL + (unsigned long long) ts.tv_nsec / 1000);
        log_info("SIGHUP: reloading %s", m->config_dir.path);
        r = manager_load_config_dir(m, false);
        if (r < 0)
                log_error_errno(r, "reloading %s failed: %m", m->config_dir.path);
        else
                log_info("reloaded %s: %d file(s) not applied", m->config_dir.path, r);
        (void) sd_notify(false, "READY=1\nSTATUS=Processing requests...");
        return 0;
}

static int run(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        sigset_t mask;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r;
        (void) etmem_bus_error_map_register();

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);

        r = manager_new(&m);
        if (r < 0)
                return log_error_errno(r, "cannot set up the event loop: %m");
        m->ctx.tree.max_objects = arg_max_objects;
        m->ctx.dirs.engines_dirs = engines_dirs();
        m->ctx.dirs.thirdparty_dir = arg_thirdparty_dir ? strdup(arg_thirdparty_dir) : NULL;
        m->state_dir = arg_state_dir ? strdup(arg_state_dir) : NULL;
        m->config_dir.path = arg_config_dir ? strdup(arg_config_dir) : NULL;
        if (!m->ctx.dirs.engines_dirs || (arg_state_dir && !m->state_dir) || (arg_config_dir && !m->config_dir.path))
                return log_error_errno(-ENOMEM, "out of memory");

        r = sd_event_add_signal(m->ctx.event, NULL, SIGTERM, on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(m->ctx.event, NULL, SIGINT, on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(m->ctx.event, NULL, SIGHUP, on_sighup, m);
        if (r < 0)
                return log_error_errno(r, "cannot watch signals: %m");
        (void) sd_event_set_watchdog(m->ctx.event, true);

        r = manager_connect_bus(m, arg_address);
        if (r < 0)
                return log_error_errno(r, "cannot connect to the %s bus: %m", arg_address ? arg_address : "system");
        /* Objects first, then the name: a client that sees the name sees the tree. */
        r = manager_add_objects(m);
        if (r < 0)
                return log_error_errno(r, "cannot register bus objects: %m");
        r = manager_restore(m);
        if (r < 0)
                return log_error_errno(r, "cannot restore state: %m");
        /* A broken file is logged and left out; the daemon starts with the others. */
        r = manager_load_config_dir(m, true);
        if (r < 0)
                return log_error_errno(r, "cannot apply the configuration directory: %m");
        r = sd_bus_request_name(m->ctx.bus, ETMEM_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "cannot own the name org.etmem (is another etmemd running, or does the bus policy forbid it?): %m");

        log_info("etmemd %s ready on %s (state: %s, engines: %s)", ETMEM_VERSION,
                 arg_address ? arg_address : "the system bus", m->state_dir ? m->state_dir : "none",
                 m->ctx.dirs.engines_dirs[0] ? m->ctx.dirs.engines_dirs[0] : "none");
        (void) sd_notify(false, "READY=1\nSTATUS=Processing requests...");

        r = sd_event_loop(m->ctx.event);
        if (r < 0)
                return log_error_errno(r, "event loop failed: %m");
        (void) manager_save_now(m);
        return 0;
}

int main(int argc, char *argv[]) {
        int r = run(argc, argv);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
