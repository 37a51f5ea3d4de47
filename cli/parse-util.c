/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "etmemctl.h"
#include "parse-util.h"

int parse_uint32_range(const char *s, uint32_t min, uint32_t max, uint32_t *ret) {
        unsigned long long v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                /* Keep scanning after overflow so "12x" stays "not a number". */
                if (v <= UINT32_MAX)
                        v = v * 10 + (unsigned) (*p - '0');
        }
        if (v < min || v > max)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

bool name_is_valid(const char *name) {
        return name && config_name_is_valid(name);
}

int kv_split(const char *s, char **ret_key, const char **ret_value) {
        const char *eq = strchr(s, '=');
        size_t klen;
        char *key;

        if (!eq)
                return -EINVAL;
        klen = (size_t) (eq - s);
        if (klen < 1 || klen > KEY_MAX_LEN)
                return -EINVAL;
        if (strlen(eq + 1) > VALUE_MAX_LEN)
                return -E2BIG;
        key = strndup(s, klen);
        if (!key)
                return -ENOMEM;
        if (!config_key_is_valid(key)) { /* the daemon's key rule */
                free(key);
                return -EINVAL;
        }
        *ret_key = key;
        *ret_value = eq + 1;
        return 0;
}

bool utf8_is_valid(const char *s, size_t n) {
        const unsigned char *p = (const unsigned char *) s, *end = p + n;

        while (p < end) {
                unsigned char c = *p;
                uint32_t cp;
                size_t len;

                if (c < 0x80) {
                        p++;
                        continue;
                }
                if (c >= 0xC2 && c <= 0xDF) {
                        len = 2;
                        cp = c & 0x1F;
                } else if (c >= 0xE0 && c <= 0xEF) {
                        len = 3;
                        cp = c & 0x0F;
                } else if (c >= 0xF0 && c <= 0xF4) {
                        len = 4;
                        cp = c & 0x07;
                } else
                        return false;
                if ((size_t) (end - p) < len)
                        return false;
                for (size_t i = 1; i < len; i++) {
                        if ((p[i] & 0xC0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3F);
                }
                if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                    (cp >= 0xD800 && cp <= 0xDFFF))
                        return false;
                p += len;
        }
        return true;
}

int usage_error(const char *verb, const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "%s: %s%s", program_name(), verb ? verb : "", verb ? ": " : "");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry '%s%s%s --help' for more information.\n",
                program_name(), verb ? " " : "", verb ? verb : "");
        return EXIT_USAGE;
}

int log_failure(const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "%s: ", program_name());
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return EXIT_FAILURE;
}

int log_oom(void) {
        return log_failure("out of memory");
}

int getopt_usage_error(const char *verb, int c, char **argv) {
        /* getopt leaves optind just past the offending word for long options and for a
         * missing argument; for an unknown short option in a cluster optopt is exact. */
        const char *word = optind > 0 ? argv[optind - 1] : "?";

        if (c == ':')
                return usage_error(verb, "option '%s' requires an argument", word);
        if (optopt > 0 && optopt < 128 && !(word[0] == '-' && word[1] == '-'))
                return usage_error(verb, "unknown option '-%c'", optopt);
        return usage_error(verb, "unknown option '%s'", word);
}

int parse_number_arg(const char *verb, const char *what, const char *s,
                     uint32_t min, uint32_t max, uint32_t *ret) {
        int r = parse_uint32_range(s, min, max, ret);

        if (r == -EINVAL)
                return usage_error(verb, "%s: '%s' is not a number (%" PRIu32 "..%" PRIu32 ")",
                                   what, s, min, max);
        if (r == -ERANGE)
                return usage_error(verb, "%s: %s is out of range %" PRIu32 "..%" PRIu32,
                                   what, s, min, max);
        return 0;
}

int check_name(const char *verb, const char *what, const char *name) {
        if (name_is_valid(name))
                return 0;
        return usage_error(verb,
                           "invalid %s name '%s': names are 1..%u characters of [A-Za-z0-9_.-], "
                           "not starting with '.' or '-'",
                           what, name, NAME_MAX_LEN);
}

int parse_key_values(const char *verb, char **args, size_t n, const char *const *reserved,
                     const char *reserved_hint, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;

        l = calloc(2 * n + 1, sizeof(char *));
        if (!l)
                return log_oom();

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *key = NULL;
                const char *value;
                int r;

                r = kv_split(args[i], &key, &value);
                if (r == -ENOMEM)
                        return log_oom();
                if (r == -E2BIG)
                        return usage_error(verb, "'%.*s...': value is longer than %u characters",
                                           32, args[i], VALUE_MAX_LEN);
                if (r < 0)
                        return usage_error(verb,
                                           "'%s': expected KEY=VALUE with KEY 1..%u characters of "
                                           "[A-Za-z0-9_.-]", args[i], KEY_MAX_LEN);
                for (const char *const *k = reserved; k && *k; k++)
                        if (streq(key, *k))
                                return usage_error(verb, "key '%s' cannot be given as KEY=VALUE; %s",
                                                   key, reserved_hint);
                for (size_t j = 0; j < i; j++)
                        if (streq(l[2 * j], key))
                                return usage_error(verb, "key '%s' is given twice", key);

                l[2 * i + 1] = strdup(value);
                if (!l[2 * i + 1])
                        return log_oom();
                l[2 * i] = TAKE_PTR(key);
        }

        *ret = TAKE_PTR(l);
        return 0;
}

int parse_simple_verb(Context *ctx, int argc, char **argv, void (*help)(void),
                      const char *synopsis, int min_pos, int max_pos, bool json_ok,
                      int *ret_first, bool *ret_help) {
        enum { ARG_JSON = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, ARG_JSON },
                {}
        };
        const char *verb = argv[0];
        int c, n;

        *ret_help = false;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        *ret_help = true;
                        return 0;
                case ARG_JSON:
                        if (!json_ok)
                                return usage_error(verb, "option '--json' is not supported here");
                        ctx->json = true;
                        break;
                default:
                        return getopt_usage_error(verb, c, argv);
                }

        n = argc - optind;
        if (n < min_pos)
                return usage_error(verb, "missing argument; usage: %s %s %s",
                                   program_name(), verb, synopsis);
        if (n > max_pos)
                return usage_error(verb, "unexpected argument '%s'", argv[optind + max_pos]);
        *ret_first = optind;
        return 0;
}
