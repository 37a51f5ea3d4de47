/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client-bus.h"
#include "json-util.h"
#include "macro.h"
#include "parse-util.h"

int bus_project_path(const char *project, char **ret) {
        return etmem_object_path(project, NULL, NULL, ret);
}

int bus_engine_path(const char *project, const char *engine, char **ret) {
        return etmem_object_path(project, engine, NULL, ret);
}

int bus_task_path(const char *project, const char *engine, const char *task, char **ret) {
        return etmem_object_path(project, engine, task, ret);
}

int bus_get(Context *ctx, sd_bus **ret) {
        int r;

        if (!ctx->bus) {
                _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;

                if (ctx->address) {
                        r = sd_bus_new(&bus);
                        if (r < 0)
                                return log_failure("cannot allocate a bus connection: %s", strerror(-r));
                        r = sd_bus_set_address(bus, ctx->address);
                        if (r >= 0)
                                r = sd_bus_set_bus_client(bus, 1);
                        if (r >= 0)
                                r = sd_bus_start(bus);
                        if (r < 0)
                                return log_failure("cannot connect to the bus at '%s': %s",
                                                   ctx->address, strerror(-r));
                } else {
                        r = sd_bus_open_system(&bus);
                        if (r < 0)
                                return log_failure("cannot connect to the system bus: %s", strerror(-r));
                }
                /* Lets polkit ask for a password through an agent, as systemctl does. */
                (void) sd_bus_set_allow_interactive_authorization(bus, ctx->ask_password);
                ctx->bus = TAKE_PTR(bus);
        }
        *ret = ctx->bus;
        return 0;
}

int bus_log_create_error(int r) {
        if (r == -EINVAL)
                return log_failure("cannot build the D-Bus message: a string is not valid UTF-8 "
                                   "or contains a NUL byte");
        return log_failure("cannot build the D-Bus message: %s", strerror(-r));
}

int bus_log_parse_error(int r) {
        return log_failure("cannot parse the reply from etmemd: %s", strerror(-r));
}

int bus_new_call(Context *ctx, const char *path, const char *iface, const char *member,
                 sd_bus_message **ret) {
        sd_bus *bus;
        int r;

        r = bus_get(ctx, &bus);
        if (r != 0)
                return r;
        r = sd_bus_message_new_method_call(bus, ret, ETMEM_BUS_NAME, path, iface, member);
        if (r < 0)
                return bus_log_create_error(r);
        return 0;
}

static int bus_report_error(Context *ctx, const sd_bus_error *e, int r, const char *what) {
        _cleanup_free_ char *trimmed = NULL;
        const char *name, *msg = NULL;

        if (!sd_bus_error_is_set(e))
                return log_failure("D-Bus call failed: %s", strerror(-r));
        name = e->name;
        if (e->message) {
                /* Some bindings end messages with a newline; ours adds one. */
                size_t n = strlen(e->message);

                while (n > 0 && strchr(" \t\n", e->message[n - 1]))
                        n--;
                trimmed = strndup(e->message, n);
                if (!trimmed)
                        return log_oom();
                msg = n > 0 ? trimmed : NULL;
        }

        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                return ctx->verbose ?
                        log_failure("etmemd is not running (nothing owns %s on the bus): %s (%s)",
                                    ETMEM_BUS_NAME, strna(msg), name) :
                        log_failure("etmemd is not running (nothing owns %s on the bus)", ETMEM_BUS_NAME);
        if (strncmp(name, "org.freedesktop.DBus.Error.Spawn.", 33) == 0)
                return log_failure("etmemd could not be started: %s (%s)", strna(msg), name);
        if (what && sd_bus_error_has_names(e, SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE))
                return ctx->verbose ?
                        log_failure("no such %s: %s (%s)", what, strna(msg), name) :
                        log_failure("no such %s", what);
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT))
                return log_failure("etmemd did not answer in time%s%s", msg ? ": " : "", strempty(msg));
        if (!msg)
                return log_failure("%s", name);
        if (ctx->verbose)
                return log_failure("%s (%s)", msg, name);
        return log_failure("%s", msg);
}

int bus_call(Context *ctx, sd_bus_message *m, const char *what, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call(ctx->bus, m, 0, &error, ret_reply);
        if (r < 0)
                return bus_report_error(ctx, &error, r, what);
        return 0;
}

int bus_print_object_paths(Context *ctx, sd_bus_message *reply) {
        _cleanup_strv_free_ char **paths = NULL;
        char type;
        int r;

        r = sd_bus_message_peek_type(reply, &type, NULL);
        if (r < 0)
                return bus_log_parse_error(r);
        if (type == SD_BUS_TYPE_ARRAY) {
                r = sd_bus_message_read_strv(reply, &paths);
                if (r < 0)
                        return bus_log_parse_error(r);
        } else {
                const char *p;

                r = sd_bus_message_read_basic(reply, SD_BUS_TYPE_OBJECT_PATH, &p);
                if (r < 0)
                        return bus_log_parse_error(r);
                paths = calloc(2, sizeof(char *));
                if (!paths || !(paths[0] = strdup(p)))
                        return log_oom();
        }

        if (ctx->json) {
                _cleanup_(json_object_putp) struct json_object *a = json_object_new_array();

                if (!a)
                        return log_oom();
                for (char **p = paths; p && *p; p++)
                        if (json_object_array_add(a, json_object_new_string(*p)) < 0)
                                return log_oom();
                return json_print(a);
        }
        for (char **p = paths; p && *p; p++)
                puts(*p);
        return 0;
}

int bus_append_string_entries(sd_bus_message *m, char **kv) {
        int r;

        for (char **k = kv; k && k[0] && k[1]; k += 2) {
                r = sd_bus_message_append(m, "{sv}", k[0], "s", k[1]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const BusProperty *property_find(const BusProperty *map, const char *name) {
        for (; map->name; map++)
                if (streq(map->name, name))
                        return map;
        return NULL;
}

static void sort_pairs(char **kv) {
        size_t n = 0;

        while (kv[2 * n])
                n++;
        /* insertion sort: parameter lists are a handful of entries */
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && strcmp(kv[2 * (j - 1)], kv[2 * j]) > 0; j--) {
                        char *k = kv[2 * j], *v = kv[2 * j + 1];

                        kv[2 * j] = kv[2 * (j - 1)];
                        kv[2 * j + 1] = kv[2 * (j - 1) + 1];
                        kv[2 * (j - 1)] = k;
                        kv[2 * (j - 1) + 1] = v;
                }
}

static int read_string_dict(sd_bus_message *m, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        const char *k, *v;
        int r;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{ss}");
        if (r < 0)
                return r;
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        while ((r = sd_bus_message_read(m, "{ss}", &k, &v)) > 0) {
                char **nl = reallocarray(l, 2 * n + 3, sizeof(char *));

                if (!nl)
                        return -ENOMEM;
                l = nl;
                l[2 * n] = strdup(k);
                l[2 * n + 1] = strdup(v);
                l[2 * n + 2] = NULL;
                if (!l[2 * n] || !l[2 * n + 1]) {
                        free(l[2 * n]);
                        free(l[2 * n + 1]);
                        l[2 * n] = NULL;
                        return -ENOMEM;
                }
                n++;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        sort_pairs(l);
        *ret = TAKE_PTR(l);
        return 0;
}

static int read_property(sd_bus_message *m, const BusProperty *p, void *userdata) {
        uint8_t *field = (uint8_t *) userdata + p->offset;
        int r;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, p->signature);
        if (r < 0)
                return r;

        if (streq(p->signature, "s")) {
                const char *s;
                char *copy;

                r = sd_bus_message_read_basic(m, 's', &s);
                if (r < 0)
                        return r;
                copy = strdup(s);
                if (!copy)
                        return -ENOMEM;
                free(*(char **) field);
                *(char **) field = copy;
        } else if (streq(p->signature, "u"))
                r = sd_bus_message_read_basic(m, 'u', (uint32_t *) field);
        else if (streq(p->signature, "i"))
                r = sd_bus_message_read_basic(m, 'i', (int32_t *) field);
        else if (streq(p->signature, "t"))
                r = sd_bus_message_read_basic(m, 't', (uint64_t *) field);
        else if (streq(p->signature, "as") || streq(p->signature, "a{ss}")) {
                char **l = NULL;

                r = p->signature[1] == 's' ? sd_bus_message_read_strv(m, &l) : read_string_dict(m, &l);
                if (r < 0)
                        return r;
                strv_free(*(char ***) field);
                *(char ***) field = l;
        } else if (streq(p->signature, "au")) {
                BusUint32Array *a = (BusUint32Array *) field;
                const void *data;
                size_t size;
                uint32_t *copy = NULL;

                r = sd_bus_message_read_array(m, 'u', &data, &size);
                if (r < 0)
                        return r;
                if (size > 0) {
                        copy = malloc(size);
                        if (!copy)
                                return -ENOMEM;
                        memcpy(copy, data, size);
                }
                free(a->v);
                a->v = copy;
                a->n = size / sizeof(uint32_t);
        } else
                return -EOPNOTSUPP; /* a map entry this reader does not know: a bug here */
        if (r < 0)
                return r;

        return sd_bus_message_exit_container(m);
}

int bus_read_properties(sd_bus_message *m, const BusProperty *map, void *userdata) {
        int r;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
                const BusProperty *p;
                const char *name, *contents;

                r = sd_bus_message_read_basic(m, 's', &name);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                p = property_find(map, name);
                /* Unknown or differently typed properties are skipped: a newer daemon may
                 * add some, and a table cell is better missing than garbage. */
                if (p && streq(contents, p->signature))
                        r = read_property(m, p, userdata);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int bus_get_all(Context *ctx, const char *path, const char *iface, const BusProperty *map, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        int r;

        r = bus_new_call(ctx, path, "org.freedesktop.DBus.Properties", "GetAll", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "s", iface);
        if (r < 0)
                return bus_log_create_error(r);
        r = bus_call(ctx, m, NULL, &reply);
        if (r != 0)
                return r;
        r = bus_read_properties(reply, map, userdata);
        if (r < 0)
                return bus_log_parse_error(r);
        return 0;
}
