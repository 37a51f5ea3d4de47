/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Typed views of sections, with the generic checks from etmem's key table.
 * Engine-specific keys pass through as params for the plugin to judge. */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-internal.h"
#include "config.h"
#include "macro.h"

#define NAME_RULE "1..64 characters of A-Z a-z 0-9 _ . -, not starting with '.' or '-'"
#define ENGINE_TYPE_MAX 32u
#define LIBNAME_MAX 4095u /* PATH_MAX - 1 */
#define OPS_NAME_MAX 64u

bool config_name_is_valid(const char *name) {
        size_t n;

        if (!name)
                return false;
        n = strlen(name);
        if (n < 1 || n > CONFIG_NAME_MAX || name[0] == '.' || name[0] == '-')
                return false;
        return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static bool engine_type_is_valid(const char *t) {
        size_t n = strlen(t);

        return n >= 1 && n <= ENGINE_TYPE_MAX && strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static bool c_identifier_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n < 1 || n > OPS_NAME_MAX || (s[0] >= '0' && s[0] <= '9'))
                return false;
        return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static int missing(ConfigError *err, const Config *c, const ConfigSection *s, const char *key, const char *valid) {
        return config_error_section(err, c, s, key, "missing; [%s] requires it (valid: %s)",
                                    config_section_type_to_string(s->type), valid);
}

static int check_name(ConfigError *err, const Config *c, const ConfigParam *p, const char *what) {
        if (config_name_is_valid(p->value))
                return 0;
        return config_error_param(err, c, p, SHOWN_FMT " is not a valid %s name (" NAME_RULE ")",
                                  SHOWN(p->value), what);
}

static int check_uint(ConfigError *err, const Config *c, const ConfigParam *p, unsigned long long min,
                      unsigned long long max, unsigned long long *ret) {
        int r = config_parse_uint(p->value, min, max, ret);

        if (r == -ERANGE)
                return config_error_param(err, c, p, "%s is out of range %llu..%llu", p->value, min, max);
        if (r < 0)
                return config_error_param(err, c, p, SHOWN_FMT " is not a decimal number (valid: %llu..%llu)",
                                          SHOWN(p->value), min, max);
        return 0;
}

/* upstream's scan_type=region keys (DAMON attributes): known, so that a region project is
 * refused for its scan_type, and a page project that carries them is told where they belong */
static bool is_region_key(const char *key) {
        return streq(key, "sample_interval") || streq(key, "aggr_interval") || streq(key, "update_interval") ||
               streq(key, "min_nr_regions") || streq(key, "max_nr_regions");
}

int config_project_spec(const Config *c, const ConfigSection *s, ProjectSpec *ret, ConfigError *err) {
        const ConfigParam *name = NULL, *loop = NULL, *interval = NULL, *sleep_ = NULL, *sysmem = NULL,
                          *high = NULL, *low = NULL, *state = NULL, *scan_type = NULL, *region = NULL;
        /* the run state is not part of etmem's INI format; JSON and the state file carry it */
        bool allow_state = !c || c->format != CONFIG_FORMAT_INI;
        ProjectSpec spec = {
                .scan_type = "page",
                .sysmem_threshold = -1,
                .swapcache_high_wmark = -1,
                .swapcache_low_wmark = -1,
        };
        unsigned long long v;
        int r;

        if (!s || !ret)
                return -EINVAL;
        if (s->type != CONFIG_SECTION_PROJECT)
                return config_error_section(err, c, s, NULL, "not a [project] section");

        for (size_t i = 0; i < s->n_params; i++) {
                const ConfigParam *p = &s->params[i];
                const ConfigParam **slot =
                        streq(p->key, "name") ? &name :
                        streq(p->key, "scan_type") ? &scan_type :
                        streq(p->key, "loop") ? &loop :
                        streq(p->key, "interval") ? &interval :
                        streq(p->key, "sleep") ? &sleep_ :
                        streq(p->key, "sysmem_threshold") ? &sysmem :
                        streq(p->key, "swapcache_high_wmark") ? &high :
                        streq(p->key, "swapcache_low_wmark") ? &low :
                        streq(p->key, "state") && allow_state ? &state :
                        is_region_key(p->key) ? &region : NULL;

                if (slot == &region && region)
                        continue; /* the first one speaks for all */
                if (!slot)
                        return config_error_param(err, c, p,
                                                  "unknown key in [project] (valid: name, scan_type, loop, interval, sleep, "
                                                  "sysmem_threshold, swapcache_high_wmark, swapcache_low_wmark%s)",
                                                  allow_state ? ", state" : "");
                *slot = p;
        }

        if (!name)
                return missing(err, c, s, "name", NAME_RULE);
        r = check_name(err, c, name, "project");
        if (r < 0)
                return r;
        spec.name = name->value;

        /* upstream etmem's scan_type: page (the default) or psi, whose projects need only
         * interval (the period of its cycles); region is the damon engine's, not here yet */
        if (scan_type) {
                if (streq(scan_type->value, "psi"))
                        spec.scan_type = "psi";
                else if (streq(scan_type->value, "region"))
                        return config_error_param(err, c, scan_type,
                                                  "scan_type=region (the damon engine) is not supported by this etmemd "
                                                  "(valid: page, psi)");
                else if (!streq(scan_type->value, "page"))
                        return config_error_param(err, c, scan_type, SHOWN_FMT " is not a scan type (valid: page, psi)",
                                                  SHOWN(scan_type->value));
        }
        bool psi = streq(spec.scan_type, "psi");
        if (region)
                return config_error_param(err, c, region, "only valid in a scan_type=region (damon) project");

        spec.loop = 1;
        if (!loop && !psi)
                return missing(err, c, s, "loop", "1..120");
        /* 1..120 as upstream's code (MAX_LOOP_VALUE); its README says 1..10 */
        r = loop ? check_uint(err, c, loop, 1, 120, &v) : 0;
        if (r < 0)
                return r;
        if (loop)
                spec.loop = v;

        if (!interval)
                return missing(err, c, s, "interval", "1..1200 seconds");
        r = check_uint(err, c, interval, 1, 1200, &v);
        if (r < 0)
                return r;
        spec.interval = v;

        if (!sleep_ && !psi)
                return missing(err, c, s, "sleep", "1..1200 seconds");
        r = sleep_ ? check_uint(err, c, sleep_, 1, 1200, &v) : 0;
        if (r < 0)
                return r;
        spec.sleep = sleep_ ? v : spec.interval; /* psi: a cycle every interval seconds */

        if (sysmem) {
                r = check_uint(err, c, sysmem, 0, 100, &v);
                if (r < 0)
                        return r;
                spec.sysmem_threshold = v;
        }
        if (high) {
                r = check_uint(err, c, high, 1, 100, &v);
                if (r < 0)
                        return r;
                spec.swapcache_high_wmark = v;
                /* a pair, as upstream (commit fff3255): high alone is refused */
                if (!low)
                        return config_error_param(err, c, high,
                                                  "only valid together with swapcache_low_wmark (1..%d, below it)",
                                                  spec.swapcache_high_wmark - 1);
        }
        if (low) {
                if (!high)
                        return config_error_param(err, c, low,
                                                  "only valid together with swapcache_high_wmark (1..100), "
                                                  "which must be greater");
                if (spec.swapcache_high_wmark <= 1)
                        return config_error_param(err, c, low,
                                                  "must be below swapcache_high_wmark, which is 1: no value is "
                                                  "valid (raise swapcache_high_wmark to 2..100)");
                r = config_parse_uint(low->value, 1, spec.swapcache_high_wmark - 1, &v);
                if (r == -ERANGE)
                        return config_error_param(err, c, low,
                                                  "%s is out of range 1..%d (must be below swapcache_high_wmark=%d)",
                                                  low->value, spec.swapcache_high_wmark - 1,
                                                  spec.swapcache_high_wmark);
                if (r < 0)
                        return config_error_param(err, c, low, SHOWN_FMT " is not a decimal number (valid: 1..%d)",
                                                  SHOWN(low->value), spec.swapcache_high_wmark - 1);
                spec.swapcache_low_wmark = v;
        }
        if (state) {
                if (streq(state->value, "running"))
                        spec.running = true;
                else if (!streq(state->value, "stopped"))
                        return config_error_param(err, c, state, SHOWN_FMT " is not a valid state (valid: running, stopped)",
                                                  SHOWN(state->value));
        }

        *ret = spec;
        return 0;
}

/* The keys not in generic, in order; NULL (n = 0) when there are none. */
static int collect_params(const ConfigSection *s, const char *const *generic, const ConfigParam ***ret, size_t *ret_n) {
        const ConfigParam **l;
        size_t n = 0;

        if (s->n_params == 0) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        l = calloc(s->n_params, sizeof(ConfigParam *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_params; i++) {
                bool skip = false;

                for (const char *const *g = generic; *g; g++)
                        skip = skip || streq(s->params[i].key, *g);
                if (!skip)
                        l[n++] = &s->params[i];
        }
        if (n == 0)
                l = (free(l), NULL);
        *ret = l;
        *ret_n = n;
        return 0;
}

int config_engine_spec(const Config *c, const ConfigSection *s, EngineSpec *ret, ConfigError *err) {
        static const char *const generic[] = { "project", "name", NULL };
        static const char *const generic_thirdparty[] = { "project", "name", "eng_name", "libname", "ops_name", NULL };
        const ConfigParam *project, *type;
        EngineSpec spec = {};
        int r;

        if (!s || !ret)
                return -EINVAL;
        if (s->type != CONFIG_SECTION_ENGINE)
                return config_error_section(err, c, s, NULL, "not an [engine] section");

        project = config_section_get(s, "project");
        if (!project)
                return missing(err, c, s, "project", "the name of a project, " NAME_RULE);
        r = check_name(err, c, project, "project");
        if (r < 0)
                return r;
        spec.project = project->value;

        type = config_section_get(s, "name");
        if (!type)
                return missing(err, c, s, "name", "the engine type: slide, cslide, thirdparty, ...");
        if (!engine_type_is_valid(type->value))
                return config_error_param(err, c, type,
                                          SHOWN_FMT " is not a valid engine type "
                                          "(1..%u characters of a-z 0-9 _, such as slide, cslide, thirdparty)",
                                          SHOWN(type->value), ENGINE_TYPE_MAX);
        spec.type = spec.name = type->value;

        if (streq(type->value, "thirdparty")) {
                const ConfigParam *eng_name = config_section_get(s, "eng_name"),
                                  *libname = config_section_get(s, "libname"),
                                  *ops_name = config_section_get(s, "ops_name");

                if (!eng_name)
                        return missing(err, c, s, "eng_name", "the engine's own name, " NAME_RULE);
                r = check_name(err, c, eng_name, "engine");
                if (r < 0)
                        return r;
                spec.name = eng_name->value;

                if (!libname)
                        return missing(err, c, s, "libname", "an absolute path of at most 4095 characters");
                if (libname->value[0] != '/')
                        return config_error_param(err, c, libname,
                                                  SHOWN_FMT " is not an absolute path (valid: /path/to/lib.so, "
                                                  "at most %u characters)", SHOWN(libname->value), LIBNAME_MAX);
                if (strlen(libname->value) > LIBNAME_MAX)
                        return config_error_param(err, c, libname, "path is %zu characters, more than %u",
                                                  strlen(libname->value), LIBNAME_MAX);
                spec.libname = libname->value;

                if (!ops_name)
                        return missing(err, c, s, "ops_name", "a C identifier of 1..64 characters");
                if (!c_identifier_is_valid(ops_name->value))
                        return config_error_param(err, c, ops_name,
                                                  SHOWN_FMT " is not a valid symbol name "
                                                  "(a C identifier of 1..%u characters: A-Z a-z 0-9 _, "
                                                  "not starting with a digit)", SHOWN(ops_name->value), OPS_NAME_MAX);
                spec.ops_name = ops_name->value;
        }

        r = collect_params(s, streq(spec.type, "thirdparty") ? generic_thirdparty : generic, &spec.params, &spec.n_params);
        if (r < 0)
                return r;
        *ret = spec;
        return 0;
}

int config_task_spec(const Config *c, const ConfigSection *s, TaskSpec *ret, ConfigError *err) {
        static const char *const generic[] = { "project", "engine", "name", "type", "value", "uid", "binding", NULL };
        const ConfigParam *project, *engine, *name, *type, *value, *uid, *binding;
        /* the binding is written by etmemd (the state file, ExportConfig's JSON), never by etmem's INI */
        bool allow_binding = !c || c->format != CONFIG_FORMAT_INI;
        TaskSpec spec = {};
        int r;

        if (!s || !ret)
                return -EINVAL;
        if (s->type != CONFIG_SECTION_TASK)
                return config_error_section(err, c, s, NULL, "not a [task] section");

        project = config_section_get(s, "project");
        if (!project)
                return missing(err, c, s, "project", "the name of a project, " NAME_RULE);
        r = check_name(err, c, project, "project");
        if (r < 0)
                return r;

        engine = config_section_get(s, "engine");
        if (!engine)
                return missing(err, c, s, "engine", "the engine type, or eng_name for thirdparty, " NAME_RULE);
        r = check_name(err, c, engine, "engine");
        if (r < 0)
                return r;

        name = config_section_get(s, "name");
        if (!name)
                return missing(err, c, s, "name", NAME_RULE);
        r = check_name(err, c, name, "task");
        if (r < 0)
                return r;

        spec.project = project->value;
        spec.engine = engine->value;
        spec.name = name->value;
        type = config_section_get(s, "type");
        value = config_section_get(s, "value");
        if (!type && !value) {
                /* upstream's psi tasks name no processes: allowed here, refused by apply for
                 * a project that is not scan_type=psi (it does not know the project) */
                spec.untargeted = true;
                spec.type = "name";
                spec.value = CONFIG_TASK_UNTARGETED_VALUE;
                goto params;
        }
        if (!type)
                return missing(err, c, s, "type", "pid, name");
        if (!streq(type->value, "pid") && !streq(type->value, "name"))
                return config_error_param(err, c, type, SHOWN_FMT " is not a valid task type (valid: pid, name)",
                                          SHOWN(type->value));

        if (streq(type->value, "pid")) {
                if (!value)
                        return missing(err, c, s, "value", "a process id, 1..4194304");
                r = check_uint(err, c, value, 1, CONFIG_TASK_PID_MAX, NULL);
                if (r < 0)
                        return r;
        } else {
                size_t n;

                if (!value)
                        return missing(err, c, s, "value", "a process name of 1..15 characters");
                n = strlen(value->value);
                if (n == 0)
                        return config_error_param(err, c, value,
                                                  "empty process name (valid: 1..%u characters, no '/')",
                                                  CONFIG_TASK_COMM_MAX);
                if (n > CONFIG_TASK_COMM_MAX)
                        return config_error_param(err, c, value,
                                                  SHOWN_FMT " is %zu characters; etmem only matches process names "
                                                  "of up to %u characters",
                                                  SHOWN(value->value), n, CONFIG_TASK_COMM_MAX);
                if (strchr(value->value, '/'))
                        return config_error_param(err, c, value,
                                                  SHOWN_FMT " contains '/'; a process name is the executable's "
                                                  "name without directories (1..%u characters)",
                                                  SHOWN(value->value), CONFIG_TASK_COMM_MAX);
                for (const char *p = value->value; *p; p++)
                        if ((unsigned char) *p < 0x20 || *p == 0x7f)
                                return config_error_param(err, c, value,
                                                          "process name contains a control character "
                                                          "(valid: 1..%u printable characters, no '/')",
                                                          CONFIG_TASK_COMM_MAX);
        }

        spec.type = type->value;
        spec.value = value->value;

        uid = config_section_get(s, "uid");
        if (uid) {
                unsigned long long v;

                if (!streq(spec.type, "name"))
                        return config_error_param(err, c, uid,
                                                  "only a type=name task takes uid (a type=pid task names its process)");
                r = check_uint(err, c, uid, 0, CONFIG_TASK_UID_MAX, &v);
                if (r < 0)
                        return r;
                spec.has_uid = true;
                spec.uid = (uint32_t) v;
        }

        binding = config_section_get(s, "binding");
        if (binding) {
                int k = -1;

                if (!allow_binding)
                        return config_error_param(err, c, binding,
                                                  "is written by etmemd in its state file and JSON exports, "
                                                  "not in etmem's INI files");
                if (!streq(spec.type, "pid"))
                        return config_error_param(err, c, binding, "only a type=pid task has a binding");
                if (sscanf(binding->value, "%llu@%36[0-9a-f-]%n", &spec.binding_start, spec.binding_boot, &k) != 2 ||
                    k < 0 || binding->value[k] || binding->value[0] < '0' || binding->value[0] > '9' ||
                    strlen(spec.binding_boot) != CONFIG_BOOT_ID_MAX || spec.binding_start == 0)
                        return config_error_param(err, c, binding,
                                                  SHOWN_FMT " is not START@BOOT_ID (the process's start time in "
                                                  "clock ticks, /proc/PID/stat field 22, then the boot's "
                                                  "/proc/sys/kernel/random/boot_id)", SHOWN(binding->value));
                spec.has_binding = true;
        }
params:
        r = collect_params(s, generic, &spec.params, &spec.n_params);
        if (r < 0)
                return r;
        *ret = spec;
        return 0;
}
