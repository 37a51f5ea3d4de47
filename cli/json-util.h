/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON output for --json. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

static inline void json_object_putp(struct json_object **o) {
        if (*o)
                json_object_put(*o);
}

/* Pretty-prints o and a newline to stdout; 0 or an exit status. */
int json_print(struct json_object *o);
/* Pretty-prints the JSON document text; text that is not JSON is printed as it is. */
int json_print_text(const char *text, bool pretty);
