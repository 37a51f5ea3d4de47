/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "json-util.h"
#include "macro.h"
#include "parse-util.h"

int json_print(struct json_object *o) {
        const char *s = json_object_to_json_string_ext(
                o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);

        if (!s)
                return log_oom();
        puts(s);
        return 0;
}

int json_print_text(const char *text, bool pretty) {
        size_t n = strlen(text);

        if (pretty) {
                _cleanup_(json_object_putp) struct json_object *o = NULL;
                enum json_tokener_error jerr;

                o = json_tokener_parse_verbose(text, &jerr);
                if (o)
                        return json_print(o);
        }
        fputs(text, stdout);
        if (n == 0 || text[n - 1] != '\n')
                fputc('\n', stdout);
        return 0;
}
