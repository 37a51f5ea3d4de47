/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: bus_read_params() (service/bus-util.c), the a{sv} decoder every
 * CreateProject / AddEngine / AddTask / Command call goes through.
 *
 * The input is not raw D-Bus bytes (sd-bus has no public parser for those) but a
 * recipe: the fuzzer's bytes choose the body's signature, then keys, variant types
 * (basic types, arrays, dicts, structs, nested variants) and values, which are
 * appended to a real method call with sd_bus_message_append*, sealed, and read back
 * with bus_read_params() exactly as the daemon does.  A model of the decoder's rules
 * (at most 256 keys, no key twice, only string/boolean/integer values) predicts the
 * outcome, so a wrong answer aborts like a crash does.
 *
 * Input layout:
 *   byte 0        body: < 0xf0 a{sv}; else one of a few other signatures (must be refused)
 *   then entries: [key length byte][key bytes][type byte][value bytes...]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bus-util.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PARAMS_MAX 256     /* BUS_PARAMS_MAX in bus-util.c */
#define ENTRIES_MAX 300    /* enough to cross PARAMS_MAX */
#define STRING_MAX 4096

typedef struct Input {
        const uint8_t *p;
        size_t left;
} Input;

static uint8_t take_u8(Input *in) {
        uint8_t v;

        if (in->left == 0)
                return 0;
        v = *in->p++;
        in->left--;
        return v;
}

static uint64_t take_u64(Input *in, size_t n) {
        uint64_t v = 0;

        for (size_t i = 0; i < n; i++)
                v = (v << 8) | take_u8(in);
        return v;
}

/* A NUL-free string of up to max bytes; sd-bus refuses invalid UTF-8 itself. */
static char *take_string(Input *in, size_t max) {
        size_t n = take_u8(in);
        char *s;

        if (n == 0xff) /* long strings: a second length byte times 16 */
                n = 255 + (size_t) take_u8(in) * 16;
        if (n > max)
                n = max;
        if (n > in->left)
                n = in->left;
        s = malloc(n + 1);
        if (!s)
                abort();
        for (size_t i = 0; i < n; i++)
                s[i] = in->p[i] ? (char) in->p[i] : 'z';
        s[n] = 0;
        in->p += n;
        in->left -= n;
        return s;
}

typedef enum Verdict {
        ACCEPT,        /* a string, boolean or integer: decoded to text */
        REFUSE_TYPE,   /* any other variant type */
} Verdict;

/* Appends one variant whose type the next byte picks; *text is what bus_read_params
 * must produce for it (NULL for refused types). */
static const char *const signatures[18] = {
        "s", "b", "y", "q", "u", "t", "n", "i", "x", "d", "o", "g", "as", "ay", "(si)", "a{sv}", "av", "v",
};

static int append_value(sd_bus_message *m, Input *in, unsigned depth, char **text, Verdict *verdict,
                        const char **sig) {
        uint8_t t = take_u8(in);
        int r;

        *text = NULL;
        *verdict = REFUSE_TYPE;
        if (depth > 3) /* containers nest a few levels deep, no more */
                t %= 10;
        *sig = signatures[t % 18];
        switch (t % 18) {
        case 0: {
                _cleanup_free_ char *s = take_string(in, STRING_MAX);
                r = sd_bus_message_append(m, "v", "s", s);
                if (r >= 0) {
                        *text = TAKE_PTR(s);
                        *verdict = ACCEPT;
                }
                return r;
        }
        case 1: {
                /* any non-zero value must read back as true */
                int b = take_u8(in) & 1;
                *verdict = ACCEPT;
                *text = strdup(b ? "yes" : "no");
                return sd_bus_message_append(m, "v", "b", b);
        }
        case 2: {
                uint8_t v = take_u8(in);
                *verdict = ACCEPT;
                if (asprintf(text, "%u", (unsigned) v) < 0)
                        abort();
                return sd_bus_message_append(m, "v", "y", v);
        }
        case 3: {
                uint16_t v = (uint16_t) take_u64(in, 2);
                *verdict = ACCEPT;
                if (asprintf(text, "%u", (unsigned) v) < 0)
                        abort();
                return sd_bus_message_append(m, "v", "q", v);
        }
        case 4: {
                uint32_t v = (uint32_t) take_u64(in, 4);
                *verdict = ACCEPT;
                if (asprintf(text, "%" PRIu32, v) < 0)
                        abort();
                return sd_bus_message_append(m, "v", "u", v);
        }
        case 5: {
                uint64_t v = take_u64(in, 8);
                *verdict = ACCEPT;
                if (asprintf(text, "%" PRIu64, v) < 0)
                        abort();
                return sd_bus_message_append(m, "v", "t", v);
        }
        case 6: {
                int16_t v = (int16_t) take_u64(in, 2);
                *verdict = ACCEPT;
                if (asprintf(text, "%d", (int) v) < 0)
                        abort();
                return sd_bus_message_append(m, "v", "n", v);
        }
        case 7: {
                int32_t v = (int32_t) take_u64(in, 4);
                *verdict = ACCEPT;
                if (asprintf(text, "%" PRId32, v) < 0)
                        abort();
                return sd_bus_message_append(m, "v", "i", v);
        }
        case 8: {
                int64_t v = (int64_t) take_u64(in, 8);
                *verdict = ACCEPT;
                if (asprintf(text, "%" PRId64, v) < 0)
                        abort();
                return sd_bus_message_append(m, "v", "x", v);
        }
        case 9: {
                uint64_t bits = take_u64(in, 8);
                double d;
                memcpy(&d, &bits, sizeof d);
                return sd_bus_message_append(m, "v", "d", d);
        }
        case 10: {
                _cleanup_free_ char *s = take_string(in, 256);
                /* not always a valid path: sd-bus refuses those and the input is skipped */
                return sd_bus_message_append(m, "v", "o", s[0] == '/' ? s : "/org/etmem");
        }
        case 11: {
                _cleanup_free_ char *s = take_string(in, 255);
                return sd_bus_message_append(m, "v", "g", s);
        }
        case 12: { /* as */
                unsigned n = take_u8(in) % 8;
                r = sd_bus_message_open_container(m, 'v', "as");
                r = r < 0 ? r : sd_bus_message_open_container(m, 'a', "s");
                for (unsigned i = 0; i < n && r >= 0; i++) {
                        _cleanup_free_ char *s = take_string(in, 64);
                        r = sd_bus_message_append(m, "s", s);
                }
                r = r < 0 ? r : sd_bus_message_close_container(m);
                return r < 0 ? r : sd_bus_message_close_container(m);
        }
        case 13: { /* ay */
                _cleanup_free_ char *s = take_string(in, STRING_MAX);
                /* not sd_bus_message_append("ay", n, ...): that takes n bytes as varargs, and
                 * reading a long string's length of them off the stack overflowed it */
                r = sd_bus_message_open_container(m, 'v', "ay");
                r = r < 0 ? r : sd_bus_message_append_array(m, 'y', s, strlen(s));
                return r < 0 ? r : sd_bus_message_close_container(m);
        }
        case 14: { /* (si) */
                _cleanup_free_ char *s = take_string(in, 64);
                return sd_bus_message_append(m, "v", "(si)", s, (int32_t) take_u64(in, 4));
        }
        case 15: /* nested a{sv} */
        case 16: { /* av */
                bool dict = t % 18 == 15;
                unsigned n = take_u8(in) % 4;
                r = sd_bus_message_open_container(m, 'v', dict ? "a{sv}" : "av");
                r = r < 0 ? r : sd_bus_message_open_container(m, 'a', dict ? "{sv}" : "v");
                for (unsigned i = 0; i < n && r >= 0; i++) {
                        _cleanup_free_ char *inner = NULL;
                        const char *isig;
                        Verdict v;
                        if (dict) {
                                _cleanup_free_ char *k = take_string(in, 32);
                                r = sd_bus_message_open_container(m, 'e', "sv");
                                r = r < 0 ? r : sd_bus_message_append(m, "s", k);
                        }
                        r = r < 0 ? r : append_value(m, in, depth + 1, &inner, &v, &isig);
                        if (dict)
                                r = r < 0 ? r : sd_bus_message_close_container(m);
                }
                r = r < 0 ? r : sd_bus_message_close_container(m);
                return r < 0 ? r : sd_bus_message_close_container(m);
        }
        default: { /* v inside v */
                _cleanup_free_ char *inner = NULL;
                const char *isig;
                Verdict v;
                r = sd_bus_message_open_container(m, 'v', "v");
                r = r < 0 ? r : append_value(m, in, depth + 1, &inner, &v, &isig);
                return r < 0 ? r : sd_bus_message_close_container(m);
        }
        }
}

static sd_bus *fuzz_bus(void) {
        static sd_bus *bus;
        int fds[2];

        if (bus)
                return bus;
        /* sd_bus_message_new_method_call() wants a bus past BUS_UNSET; a started
         * bus on one end of a socket pair is that, and nothing is ever sent. */
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0 || sd_bus_new(&bus) < 0 ||
            sd_bus_set_fd(bus, fds[0], fds[0]) < 0 || sd_bus_start(bus) < 0)
                abort();
        return bus;
}

typedef struct Expected {
        char *key;
        char *text;
        Verdict verdict;
        const char *sig;
} Expected;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **got = NULL;
        Expected exp[ENTRIES_MAX] = {};
        const char *want_error = NULL;
        _cleanup_free_ char *want_message = NULL;
        size_t n = 0, n_ok = 0;
        Input in = { data, size };
        uint8_t body;
        int r;

        if (size == 0)
                return 0;
        if (sd_bus_message_new_method_call(fuzz_bus(), &m, "org.etmem", "/org/etmem", "org.etmem.Manager1",
                                           "CreateProject") < 0)
                abort();
        body = take_u8(&in);
        if (body >= 0xf0) {
                /* not an a{sv}: the decoder must refuse it, whatever follows */
                _cleanup_free_ char *s = take_string(&in, 64);
                switch (body % 4) {
                case 0: r = sd_bus_message_append(m, "s", s); break;
                case 1: r = sd_bus_message_append(m, "a{ss}", 1, s, s); break;
                case 2: r = sd_bus_message_append(m, "as", 1, s); break;
                default: r = 0; break; /* empty body */
                }
                if (r < 0 || sd_bus_message_seal(m, 1, 0) < 0)
                        return 0;
                r = bus_read_params(m, &got, &error);
                if (r >= 0)
                        abort();
                return 0;
        }

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        while (r >= 0 && in.left > 0 && n < ENTRIES_MAX) {
                exp[n].key = take_string(&in, 128);
                r = sd_bus_message_open_container(m, 'e', "sv");
                r = r < 0 ? r : sd_bus_message_append(m, "s", exp[n].key);
                r = r < 0 ? r : append_value(m, &in, 0, &exp[n].text, &exp[n].verdict, &exp[n].sig);
                r = r < 0 ? r : sd_bus_message_close_container(m);
                n++;
        }
        r = r < 0 ? r : sd_bus_message_close_container(m);
        if (r < 0 || sd_bus_message_seal(m, 1, 0) < 0)
                goto out; /* sd-bus refused the recipe (bad UTF-8, bad path...): not our decoder's input */

        /* The model: entries are decoded in order; the first that breaks a rule decides,
         * and the message names the rule (and the key). */
        for (size_t i = 0; i < n && !want_error; i++) {
                if (i >= PARAMS_MAX) {
                        want_error = ETMEM_ERROR_LIMIT_EXCEEDED;
                        if (asprintf(&want_message, "more than %d parameters", PARAMS_MAX) < 0)
                                abort();
                        break;
                }
                for (size_t j = 0; j < i && !want_error; j++)
                        if (strcmp(exp[i].key, exp[j].key) == 0) {
                                want_error = SD_BUS_ERROR_INVALID_ARGS;
                                if (asprintf(&want_message, "parameter '%s' given twice", exp[i].key) < 0)
                                        abort();
                        }
                if (!want_error && exp[i].verdict != ACCEPT) {
                        want_error = SD_BUS_ERROR_INVALID_ARGS;
                        if (asprintf(&want_message,
                                     "parameter '%s' has D-Bus type '%s'; use a string, boolean or integer",
                                     exp[i].key, exp[i].sig) < 0)
                                abort();
                }
                if (!want_error)
                        n_ok++;
        }

        r = bus_read_params(m, &got, &error);
        if (want_error) {
                if (r >= 0 || !sd_bus_error_has_name(&error, want_error) || !error.message ||
                    strcmp(error.message, want_message) != 0) {
                        fprintf(stderr, "expected %s: %s\ngot r=%d %s: %s\n", want_error, want_message, r,
                                strna(error.name), strna(error.message));
                        abort();
                }
                goto out;
        }
        if (r < 0) {
                fprintf(stderr, "valid a{sv} of %zu entries refused: r=%d %s: %s\n", n, r, strna(error.name),
                        strna(error.message));
                abort();
        }
        for (size_t i = 0; i < n_ok; i++)
                if (!got[2 * i] || !got[2 * i + 1] || strcmp(got[2 * i], exp[i].key) != 0 ||
                    strcmp(got[2 * i + 1], exp[i].text) != 0) {
                        fprintf(stderr, "entry %zu: expected '%s'='%s', got '%s'='%s'\n", i, exp[i].key,
                                exp[i].text, strna(got[2 * i]), strna(got[2 * i] ? got[2 * i + 1] : NULL));
                        abort();
                }
        if (got[2 * n_ok])
                abort(); /* more entries than were sent */
        for (size_t i = 0; i < n_ok; i++)
                if (params_get(got, exp[i].key) != got[2 * i + 1])
                        abort();
out:
        for (size_t i = 0; i < n; i++) {
                free(exp[i].key);
                free(exp[i].text);
        }
        return 0;
}
