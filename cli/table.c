/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "table.h"

struct Table {
        size_t n_columns;
        bool *right;
        char **cells;      /* row-major; row 0 is the header */
        size_t n_rows;     /* including the header */
};

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t->right);
        free(t);
        return NULL;
}

static int table_append(Table *t, const char *const *cells) {
        char **n;

        n = reallocarray(t->cells, (t->n_rows + 1) * t->n_columns, sizeof(char *));
        if (!n)
                return -ENOMEM;
        t->cells = n;
        for (size_t c = 0; c < t->n_columns; c++) {
                const char *s = cells[c] && *cells[c] ? cells[c] : "-";
                char *copy = strdup(s);

                if (!copy) {
                        for (size_t k = 0; k < c; k++)
                                free(n[t->n_rows * t->n_columns + k]);
                        return -ENOMEM;
                }
                n[t->n_rows * t->n_columns + c] = copy;
        }
        t->n_rows++;
        return 0;
}

int table_new(const char *const *headers, Table **ret) {
        _cleanup_table_ Table *t = NULL;
        _cleanup_free_ const char **h = NULL;
        size_t n = 0;
        int r;

        while (headers[n])
                n++;
        if (n == 0)
                return -EINVAL;

        t = calloc(1, sizeof(Table));
        h = calloc(n, sizeof(char *));
        if (!t || !h)
                return -ENOMEM;
        t->n_columns = n;
        t->right = calloc(n, sizeof(bool));
        if (!t->right)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                t->right[i] = headers[i][0] == '>';
                h[i] = headers[i] + t->right[i];
        }
        r = table_append(t, h);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(t);
        return 0;
}

int table_add_row(Table *t, const char *const *cells) {
        return table_append(t, cells);
}

size_t table_rows(const Table *t) {
        return t->n_rows - 1;
}

/* Columns are measured in characters, not bytes, so UTF-8 in values (process names,
 * error texts) does not skew the alignment. */
static size_t text_width(const char *s) {
        size_t w = 0;

        for (; *s; s++)
                if (((unsigned char) *s & 0xC0) != 0x80)
                        w++;
        return w;
}

int table_print(const Table *t, FILE *f) {
        _cleanup_free_ size_t *width = calloc(t->n_columns, sizeof(size_t));

        if (!width)
                return -ENOMEM;
        for (size_t r = 0; r < t->n_rows; r++)
                for (size_t c = 0; c < t->n_columns; c++)
                        width[c] = MAX(width[c], text_width(t->cells[r * t->n_columns + c]));

        for (size_t r = 0; r < t->n_rows; r++) {
                for (size_t c = 0; c < t->n_columns; c++) {
                        const char *s = t->cells[r * t->n_columns + c];
                        size_t pad = width[c] - text_width(s);
                        bool last = c + 1 == t->n_columns;

                        if (c > 0)
                                fputs("  ", f);
                        if (t->right[c])
                                fprintf(f, "%*s%s", (int) pad, "", s);
                        else
                                fprintf(f, "%s%*s", s, last ? 0 : (int) pad, "");
                }
                fputc('\n', f);
        }
        return ferror(f) ? -EIO : 0;
}
