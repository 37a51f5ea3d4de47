/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The config model: building, freeing, errors, shared checks, format dispatch. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-internal.h"
#include "config.h"
#include "macro.h"

const char *const config_project_keys[] = {
        "name", "loop", "interval", "sleep", "sysmem_threshold",
        "swapcache_high_wmark", "swapcache_low_wmark", "state",
};
const size_t config_project_n_keys = ELEMENTSOF(config_project_keys);

bool config_project_key_is_integer(const char *key) {
        return streq(key, "loop") || streq(key, "interval") || streq(key, "sleep") ||
               streq(key, "sysmem_threshold") || streq(key, "swapcache_high_wmark") ||
               streq(key, "swapcache_low_wmark");
}

/* ---- errors ---- */

void config_error_clear(ConfigError *e) {
        if (!e)
                return;
        free(e->source);
        free(e->path);
        free(e->key);
        free(e->message);
        *e = (ConfigError) {};
}

static bool path_names_key(const char *path, const char *key) {
        /* "projects[0].loop" already says which key; don't repeat it. */
        size_t pl = strlen(path), kl = strlen(key);

        if (pl < kl || !streq(path + pl - kl, key))
                return false;
        return pl == kl || path[pl - kl - 1] == '.';
}

char *config_error_to_string(const ConfigError *e) {
        char *buf = NULL;
        size_t size = 0;
        _cleanup_fclose_ FILE *f = NULL;
        bool first = true;

        if (!e)
                return NULL;
        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;

        if (e->source) {
                fputs(e->source, f);
                first = false;
        }
        if (e->line > 0) {
                if (first)
                        fprintf(f, "line %u", e->line);
                else
                        fprintf(f, ":%u", e->line);
                first = false;
        }
        if (e->path && e->path[0]) {
                fprintf(f, "%s%s", first ? "" : ": ", e->path);
                first = false;
        }
        if (e->key && !(e->path && path_names_key(e->path, e->key))) {
                fprintf(f, "%skey '%s'", first ? "" : ": ", e->key);
                first = false;
        }
        fprintf(f, "%s%s", first ? "" : ": ", e->message ?: "unknown error");

        if (fclose(TAKE_PTR(f)) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static int error_setv(ConfigError *e, const char *source, unsigned line, const char *path,
                      const char *key, const char *fmt, va_list ap) _printf_(6, 0);
static int error_setv(ConfigError *e, const char *source, unsigned line, const char *path,
                      const char *key, const char *fmt, va_list ap) {
        ConfigError n = { .line = line };

        if (!e)
                return -EINVAL;

        /* The arguments may point into *e, so build the new one before clearing it. */
        n.source = source ? strdup(source) : NULL;
        n.path = path ? strdup(path) : NULL;
        n.key = key ? strdup(key) : NULL;
        if (vasprintf(&n.message, fmt, ap) < 0)
                n.message = NULL;

        config_error_clear(e);
        *e = n;
        return -EINVAL;
}

int config_error_set(ConfigError *e, const char *source, unsigned line, const char *path,
                     const char *key, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = error_setv(e, source, line, path, key, fmt, ap);
        va_end(ap);
        return r;
}

int config_error_message(ConfigError *e, int code, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) error_setv(e, NULL, 0, NULL, NULL, fmt, ap);
        va_end(ap);
        return code;
}

int config_error_param(ConfigError *e, const Config *c, const ConfigParam *p, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = error_setv(e, c ? c->source : NULL, p->line, p->path, p->key, fmt, ap);
        va_end(ap);
        return r;
}

int config_error_section(ConfigError *e, const Config *c, const ConfigSection *s, const char *key,
                         const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = error_setv(e, c ? c->source : NULL, s->line, s->path, key, fmt, ap);
        va_end(ap);
        return r;
}

/* ---- model ---- */

Config *config_new(const char *source) {
        Config *c = calloc(1, sizeof(Config));

        if (!c)
                return NULL;
        if (source) {
                c->source = strdup(source);
                if (!c->source) {
                        free(c);
                        return NULL;
                }
        }
        return c;
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_sections; i++) {
                ConfigSection *s = &c->sections[i];

                for (size_t j = 0; j < s->n_params; j++) {
                        free(s->params[j].key);
                        free(s->params[j].value);
                        free(s->params[j].path);
                }
                free(s->params);
                free(s->path);
        }
        free(c->sections);
        free(c->source);
        free(c);
        return NULL;
}

/* Grows *p so that it has room for n + 1 elements, doubling from 4. */
static int grow(void **p, size_t n, size_t size) {
        size_t cap;
        void *q;

        if (n == 0)
                cap = 4;
        else if (n >= 4 && (n & (n - 1)) == 0)
                cap = n * 2;
        else
                return 0;

        if (cap > SIZE_MAX / size)
                return -ENOMEM;
        q = realloc(*p, cap * size);
        if (!q)
                return -ENOMEM;
        *p = q;
        return 0;
}

ConfigSection *config_add_section_full(Config *c, ConfigSectionType type, unsigned line, const char *path) {
        ConfigSection *s;
        char *p = NULL;

        if (path) {
                p = strdup(path);
                if (!p)
                        return NULL;
        }
        if (grow((void **) &c->sections, c->n_sections, sizeof(ConfigSection)) < 0) {
                free(p);
                return NULL;
        }
        s = &c->sections[c->n_sections++];
        *s = (ConfigSection) { .type = type, .line = line, .path = p };
        return s;
}

ConfigSection *config_add_section(Config *c, ConfigSectionType type) {
        if (!c || type < CONFIG_SECTION_PROJECT || type > CONFIG_SECTION_TASK)
                return NULL;
        return config_add_section_full(c, type, 0, NULL);
}

int config_section_add_full(ConfigSection *s, const char *key, size_t key_len,
                            const char *value, size_t value_len, unsigned line, const char *path) {
        _cleanup_free_ char *k = NULL, *v = NULL, *p = NULL;

        k = strndup(key, key_len);
        v = strndup(value, value_len);
        if (!k || !v)
                return -ENOMEM;
        if (path) {
                p = strdup(path);
                if (!p)
                        return -ENOMEM;
        }
        if (grow((void **) &s->params, s->n_params, sizeof(ConfigParam)) < 0)
                return -ENOMEM;

        s->params[s->n_params++] = (ConfigParam) {
                .key = TAKE_PTR(k),
                .value = TAKE_PTR(v),
                .line = line,
                .path = TAKE_PTR(p),
        };
        return 0;
}

int config_section_add(ConfigSection *s, const char *key, const char *value) {
        if (!s || !key || !value)
                return -EINVAL;
        if (!config_key_is_valid(key) || !config_value_is_valid(value))
                return -EINVAL;
        if (config_section_get(s, key))
                return -EEXIST;
        return config_section_add_full(s, key, strlen(key), value, strlen(value), 0, NULL);
}

const ConfigParam *config_section_get(const ConfigSection *s, const char *key) {
        if (!s || !key)
                return NULL;
        for (size_t i = 0; i < s->n_params; i++)
                if (streq(s->params[i].key, key))
                        return &s->params[i];
        return NULL;
}

const char *config_section_type_to_string(ConfigSectionType t) {
        switch (t) {
        case CONFIG_SECTION_PROJECT:
                return "project";
        case CONFIG_SECTION_ENGINE:
                return "engine";
        case CONFIG_SECTION_TASK:
                return "task";
        }
        return NULL;
}

int config_format_from_string(const char *s, ConfigFormat *ret) {
        ConfigFormat f;

        if (!s || streq(s, ""))
                f = CONFIG_FORMAT_AUTO;
        else if (streq(s, "ini"))
                f = CONFIG_FORMAT_INI;
        else if (streq(s, "json"))
                f = CONFIG_FORMAT_JSON;
        else
                return -EINVAL;
        if (ret)
                *ret = f;
        return 0;
}

/* ---- keys, values, text ---- */

bool config_key_is_valid(const char *key) {
        size_t n;

        if (!key)
                return false;
        n = strlen(key);
        if (n < 1 || n > CONFIG_KEY_MAX)
                return false;
        return strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

size_t config_utf8_valid_prefix(const char *str, size_t len) {
        const unsigned char *s = (const unsigned char *) str;
        size_t i = 0;

        while (i < len) {
                unsigned char c = s[i];
                size_t n;
                uint32_t cp, min;

                if (c < 0x80) {
                        i++;
                        continue;
                } else if ((c & 0xe0) == 0xc0) {
                        n = 2, cp = c & 0x1f, min = 0x80;
                } else if ((c & 0xf0) == 0xe0) {
                        n = 3, cp = c & 0x0f, min = 0x800;
                } else if ((c & 0xf8) == 0xf0) {
                        n = 4, cp = c & 0x07, min = 0x10000;
                } else
                        return i;

                if (len - i < n)
                        return i;
                for (size_t k = 1; k < n; k++) {
                        if ((s[i + k] & 0xc0) != 0x80)
                                return i;
                        cp = (cp << 6) | (s[i + k] & 0x3f);
                }
                /* overlong forms, UTF-16 surrogates and beyond U+10FFFF are not UTF-8 */
                if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
                        return i;
                i += n;
        }
        return i;
}

int config_shown_len(const char *v, size_t len) {
        size_t n = len;

        if (n <= CONFIG_SHOWN_MAX)
                return (int) n;
        n = CONFIG_SHOWN_MAX;
        /* back up to the start of a UTF-8 sequence */
        while (n > 0 && ((unsigned char) v[n] & 0xc0) == 0x80)
                n--;
        return (int) n;
}

const char *config_value_problem(const char *value, size_t len) {
        if (len > CONFIG_VALUE_MAX)
                return "value is too long";
        if (memchr(value, 0, len))
                return "value contains a NUL character";
        if (config_utf8_valid_prefix(value, len) != len)
                return "value is not valid UTF-8";
        for (size_t i = 0; i < len; i++) {
                unsigned char ch = value[i];

                if (ch < 0x20 || ch == 0x7f)
                        return "value contains a control character";
        }
        if (len > 0 && (strchr(" \t", value[0]) || strchr(" \t", value[len - 1])))
                return "value has leading or trailing whitespace";
        return NULL;
}

bool config_value_is_valid(const char *value) {
        return value && !config_value_problem(value, strlen(value));
}

static unsigned line_of(const char *text, size_t offset) {
        unsigned line = 1;

        for (size_t i = 0; i < offset; i++)
                if (text[i] == '\n')
                        line++;
        return line;
}

int config_check_text(const char *text, size_t len, const char *source, ConfigError *err) {
        const char *nul;
        size_t valid;

        if (len > CONFIG_MAX_BYTES) {
                config_error_set(err, source, 0, NULL, NULL,
                                 "input is %zu bytes, more than the limit of %u bytes", len, CONFIG_MAX_BYTES);
                return -E2BIG;
        }
        if (!text && len > 0)
                return config_error_set(err, source, 0, NULL, NULL, "no input");

        nul = len > 0 ? memchr(text, 0, len) : NULL;
        if (nul)
                return config_error_set(err, source, line_of(text, nul - text), NULL, NULL,
                                        "NUL byte in input (a text file was expected)");

        valid = len > 0 ? config_utf8_valid_prefix(text, len) : 0;
        if (valid != len)
                return config_error_set(err, source, line_of(text, valid), NULL, NULL,
                                        "invalid UTF-8 (byte 0x%02x at offset %zu)",
                                        (unsigned char) text[valid], valid);
        return 0;
}

/* ---- parsing entry points ---- */

int config_parse(const char *text, size_t len, ConfigFormat format, const char *source,
                 Config **ret, ConfigError *err) {
        if (format == CONFIG_FORMAT_AUTO) {
                size_t i = 0;

                if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
                        i = 3;
                while (i < len && strchr(" \t\r\n", text[i]) && text[i])
                        i++;
                format = i < len && text[i] == '{' ? CONFIG_FORMAT_JSON : CONFIG_FORMAT_INI;
        }

        switch (format) {
        case CONFIG_FORMAT_INI:
                return config_parse_ini(text, len, source, ret, err);
        case CONFIG_FORMAT_JSON:
                return config_parse_json(text, len, source, ret, err);
        default:
                return config_error_set(err, source, 0, NULL, NULL, "unknown format %d", (int) format);
        }
}

int config_read_file(const char *path, char **ret_text, size_t *ret_len, ConfigError *err) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len = 0;

        if (!path)
                return config_error_set(err, NULL, 0, NULL, NULL, "no file name");

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                int r = -errno;

                config_error_set(err, path, 0, NULL, NULL, "cannot open: %s", strerror(-r));
                return r;
        }
        if (fstat(fd, &st) < 0) {
                int r = -errno;

                config_error_set(err, path, 0, NULL, NULL, "cannot stat: %s", strerror(-r));
                return r;
        }
        if (S_ISDIR(st.st_mode))
                return config_error_set(err, path, 0, NULL, NULL, "is a directory");
        if (S_ISREG(st.st_mode) && (uintmax_t) st.st_size > CONFIG_MAX_BYTES) {
                config_error_set(err, path, 0, NULL, NULL,
                                 "file is %jd bytes, more than the limit of %u bytes",
                                 (intmax_t) st.st_size, CONFIG_MAX_BYTES);
                return -E2BIG;
        }

        /* One byte more than the limit, so a growing file or a pipe is caught too. */
        buf = malloc(CONFIG_MAX_BYTES + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(fd, buf + len, CONFIG_MAX_BYTES + 1 - len);

                if (n < 0) {
                        int r = -errno;

                        if (r == -EINTR)
                                continue;
                        config_error_set(err, path, 0, NULL, NULL, "cannot read: %s", strerror(-r));
                        return r;
                }
                if (n == 0)
                        break;
                len += n;
                if (len > CONFIG_MAX_BYTES) {
                        config_error_set(err, path, 0, NULL, NULL,
                                         "file is more than the limit of %u bytes", CONFIG_MAX_BYTES);
                        return -E2BIG;
                }
        }

        buf[len] = 0;
        *ret_text = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

int config_parse_file(const char *path, ConfigFormat format, Config **ret, ConfigError *err) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        r = config_read_file(path, &buf, &len, err);
        if (r < 0)
                return r;
        return config_parse(buf, len, format, path, ret, err);
}

int config_parse_uint(const char *s, unsigned long long min, unsigned long long max, unsigned long long *ret) {
        unsigned long long v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                unsigned d;

                if (*p < '0' || *p > '9')
                        return -EINVAL;
                d = *p - '0';
                if (v > (ULLONG_MAX - d) / 10) {
                        /* keep checking the rest so "99999999999999999999x" is -EINVAL */
                        v = ULLONG_MAX;
                        for (p++; *p; p++)
                                if (*p < '0' || *p > '9')
                                        return -EINVAL;
                        return -ERANGE;
                }
                v = v * 10 + d;
        }
        if (v < min || v > max)
                return -ERANGE;
        if (ret)
                *ret = v;
        return 0;
}
