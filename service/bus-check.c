/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks of bus arguments that handlers run before they authorize (parse -> validate ->
 * authorize): a call is held for polkit only with names and values that could be taken. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bus-check.h"
#include "bus-errors.h"
#include "macro.h"
#include "target.h"

int bus_check_name(const char *what, const char *name, sd_bus_error *error) {
        if (config_name_is_valid(name))
                return 0;
        /* the name is not repeated: it may be megabytes of anything */
        return sd_bus_error_setf(error, ETMEM_ERROR_INVALID_CONFIG,
                                 "the %s name (%zu bytes) is not 1..%u characters of [A-Za-z0-9_.-] that do not start "
                                 "with '.' or '-'", what, strlen(name), CONFIG_NAME_MAX);
}

int bus_check_params(char **params, sd_bus_error *error) {
        for (char **p = params; p && p[0] && p[1]; p += 2) {
                if (!config_key_is_valid(p[0]))
                        return sd_bus_error_setf(error, ETMEM_ERROR_INVALID_CONFIG,
                                                 "a parameter name (%zu bytes) is not 1..%u characters of "
                                                 "[A-Za-z0-9_.-]", strlen(p[0]), CONFIG_KEY_MAX);
                if (!config_value_is_valid(p[1]))
                        return sd_bus_error_setf(error, ETMEM_ERROR_INVALID_CONFIG,
                                                 "parameter '%s': the value (%zu bytes) is not up to %u bytes of UTF-8 "
                                                 "without control characters or surrounding blanks",
                                                 p[0], strlen(p[1]), CONFIG_VALUE_MAX);
        }
        return 0;
}

int bus_check_source(const char *source, sd_bus_error *error) {
        size_t n = strlen(source);

        if (n <= BUS_SOURCE_MAX && (n == 0 || config_value_is_valid(source)))
                return 0;
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                 "the source name (%zu bytes) is not up to %u bytes of UTF-8 without control "
                                 "characters or surrounding blanks", n, BUS_SOURCE_MAX);
}

void bus_details_add(BusDetails *d, const char *key, const char *value) {
        if (!value || d->n + 2 >= ELEMENTSOF(d->kv))
                return;
        d->kv[d->n++] = key;
        d->kv[d->n++] = value;
        d->kv[d->n] = NULL;
}

/* comm is the process's to choose (prctl): only printable ASCII goes to polkit */
static void printable(char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || (unsigned char) *s >= 0x7f)
                        *s = '?';
}

void bus_details_add_target(BusDetails *d, const char *type, const char *value) {
        unsigned long long pid;
        char path[32];
        struct stat st;

        if (!type || !value)
                return;
        if (!streq(type, "pid") || config_parse_uint(value, 1, CONFIG_TASK_PID_MAX, &pid) < 0) {
                /* a name task: the name it matches (validated: at most 15 characters) */
                if (streq(type, "name") && strlen(value) < sizeof d->process) {
                        snprintf(d->process, sizeof d->process, "%s", value);
                        printable(d->process);
                        bus_details_add(d, "process", d->process);
                }
                return;
        }
        snprintf(d->pid, sizeof d->pid, "%llu", pid);
        bus_details_add(d, "pid", d->pid);
        if (mem_proc_stat((pid_t) pid, d->process, NULL, NULL, NULL) >= 0) {
                printable(d->process);
                bus_details_add(d, "process", d->process);
        }
        snprintf(path, sizeof path, "/proc/%llu", pid);
        if (stat(path, &st) >= 0) {
                snprintf(d->uid, sizeof d->uid, "%u", (unsigned) st.st_uid);
                bus_details_add(d, "uid", d->uid);
        }
}

int bus_details_add_config(BusDetails *d, const Config *c, const char *source) {
        _cleanup_free_ char *list = NULL;
        size_t len = 0;
        FILE *f;

        bus_details_add(d, "source", source);
        f = open_memstream(&list, &len);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_sections; i++) {
                const ConfigSection *s = &c->sections[i];
                const ConfigParam *p = config_section_get(s, s->type == CONFIG_SECTION_PROJECT ? "name" : "project");
                bool seen = false;

                if (!p)
                        continue;
                for (size_t j = 0; j < i && !seen; j++) {
                        const ConfigSection *o = &c->sections[j];
                        const ConfigParam *q = config_section_get(o, o->type == CONFIG_SECTION_PROJECT ? "name"
                                                                                                  : "project");
                        seen = q && streq(q->value, p->value);
                }
                if (!seen)
                        fprintf(f, "%s%s", ftell(f) > 0 ? "," : "", p->value);
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        /* bounded: a longer list is not cut (a rule could match a part), it is replaced */
        free(d->projects);
        d->projects = strdup(len <= BUS_DETAIL_MAX ? list : "*");
        if (!d->projects)
                return -ENOMEM;
        bus_details_add(d, "projects", d->projects);
        return 0;
}

void bus_details_done(BusDetails *d) {
        free(d->projects);
        d->projects = NULL;
}
