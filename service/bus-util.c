/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>

#include "bus-util.h"
#include "macro.h"

#define BUS_PARAMS_MAX 256u

int bus_append_params(sd_bus_message *m, char **params) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "{ss}");
        if (r < 0)
                return r;
        for (char **p = params; p && p[0] && p[1]; p += 2) {
                r = sd_bus_message_append(m, "{ss}", p[0], p[1]);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(m);
}

const char *params_get(char **params, const char *key) {
        for (char **p = params; p && p[0] && p[1]; p += 2)
                if (streq(p[0], key))
                        return p[1];
        return NULL;
}

static int read_variant_as_text(sd_bus_message *m, const char *key, char **ret, sd_bus_error *error) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        switch (contents[0]) {
        case 's': {
                const char *s;
                r = sd_bus_message_read_basic(m, 's', &s);
                if (r >= 0 && !(*ret = strdup(s)))
                        r = -ENOMEM;
                break;
        }
        case 'b': {
                int b;
                r = sd_bus_message_read_basic(m, 'b', &b);
                if (r >= 0 && !(*ret = strdup(b ? "yes" : "no")))
                        r = -ENOMEM;
                break;
        }
        case 'y': case 'q': case 'u': case 't': {
                union { uint8_t y; uint16_t q; uint32_t u; uint64_t t; } v = {};
                uint64_t x;
                r = sd_bus_message_read_basic(m, contents[0], &v);
                x = contents[0] == 'y' ? v.y : contents[0] == 'q' ? v.q : contents[0] == 'u' ? v.u : v.t;
                if (r >= 0 && asprintf(ret, "%" PRIu64, x) < 0)
                        r = -ENOMEM;
                break;
        }
        case 'n': case 'i': case 'x': {
                union { int16_t n; int32_t i; int64_t x; } v = {};
                int64_t x;
                r = sd_bus_message_read_basic(m, contents[0], &v);
                x = contents[0] == 'n' ? v.n : contents[0] == 'i' ? v.i : v.x;
                if (r >= 0 && asprintf(ret, "%" PRId64, x) < 0)
                        r = -ENOMEM;
                break;
        }
        default:
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "parameter '%s' has D-Bus type '%s'; use a string, boolean or integer",
                                         key, contents);
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int bus_read_params(sd_bus_message *m, char ***ret, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        int r;

        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;
                char *value = NULL, **nl;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (n / 2 >= BUS_PARAMS_MAX)
                        return sd_bus_error_setf(error, ETMEM_ERROR_LIMIT_EXCEEDED,
                                                 "more than %u parameters", BUS_PARAMS_MAX);
                if (params_get(l, key))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "parameter '%s' given twice", key);
                r = read_variant_as_text(m, key, &value, error);
                if (r < 0)
                        return r;
                nl = realloc(l, (n + 3) * sizeof(char *));
                if (!nl) {
                        free(value);
                        return -ENOMEM;
                }
                l = nl;
                l[n] = strdup(key);
                l[n + 1] = value;
                l[n + 2] = NULL;
                if (!l[n])
                        return -ENOMEM;
                n += 2;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}
