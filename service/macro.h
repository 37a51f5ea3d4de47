/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers in the style of systemd's macro.h / ratbagd's shared-macro.h. */
#pragma once

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(x) __attribute__((__cleanup__(x)))
#define _unused_ __attribute__((__unused__))
#define _printf_(a, b) __attribute__((__format__(printf, a, b)))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define container_of(ptr, type, member) ((type *) ((char *) (ptr) - offsetof(type, member)))
#define STRLEN(x) (sizeof(x) - 1)

#define streq(a, b) (strcmp((a), (b)) == 0)
#define streq_ptr(a, b) ((a) == (b) || ((a) && (b) && streq((a), (b))))

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Take ownership of a pointer: returns it and sets the variable to NULL. */
#define TAKE_PTR(p)                     \
        ({                              \
                typeof(p) _p_ = (p);    \
                (p) = NULL;             \
                _p_;                    \
        })
/* The same for a struct: returns it and zeroes the variable. */
#define TAKE_PTR_STRUCT(s)                      \
        ({                                      \
                typeof(s) _s_ = (s);            \
                (s) = (typeof(s)) {};           \
                _s_;                            \
        })
#define TAKE_FD(fd)                     \
        ({                              \
                int _fd_ = (fd);        \
                (fd) = -1;              \
                _fd_;                   \
        })

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)         \
        static inline void func##p(type *p) {           \
                if (*p)                                 \
                        func(*p);                       \
        }

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

DEFINE_TRIVIAL_CLEANUP_FUNC(FILE *, fclose)
#define _cleanup_fclose_ _cleanup_(fclosep)
DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)
#define _cleanup_closedir_ _cleanup_(closedirp)

static inline void strv_free(char **l) {
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free)
#define _cleanup_strv_free_ _cleanup_(strv_freep)

static inline const char *strna(const char *s) {
        return s ? s : "n/a";
}
static inline const char *strempty(const char *s) {
        return s ? s : "";
}

/* Makes room for need elements in *array, whose capacity is *cap (greedily: at least
 * doubling).  -ENOMEM leaves array and cap as they were. */
static inline int greedy_realloc(void **array, size_t *cap, size_t need, size_t size) {
        size_t n;
        void *a;

        if (need <= *cap)
                return 0;
        n = MAX(need, MAX(*cap * 2, (size_t) 4));
        if (n > SIZE_MAX / size)
                return -ENOMEM;
        a = realloc(*array, n * size);
        if (!a)
                return -ENOMEM;
        *array = a;
        *cap = n;
        return 0;
}
#define GREEDY_REALLOC(array, cap, need) greedy_realloc((void **) &(array), &(cap), (need), sizeof((array)[0]))

/* Appends item to array (n elements, capacity cap). */
#define GREEDY_APPEND(array, n, cap, item)                                      \
        ({                                                                      \
                int _r_ = GREEDY_REALLOC(array, cap, (n) + 1);                  \
                if (_r_ >= 0)                                                   \
                        (array)[(n)++] = (item);                                \
                _r_;                                                            \
        })

/* Removes element i of array (n elements), keeping the order. */
#define ARRAY_REMOVE(array, n, i)                                                       \
        do {                                                                            \
                size_t _i_ = (i);                                                       \
                memmove((array) + _i_, (array) + _i_ + 1, ((n) - _i_ - 1) * sizeof((array)[0])); \
                (n)--;                                                                  \
        } while (0)
