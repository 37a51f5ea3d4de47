/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: config_parse_ini, then the writers and a re-parse. */

#include <stddef.h>
#include <stdint.h>

#include "fuzz-config-round-trip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ConfigError err = {};
        Config *c = NULL;

        if (config_parse_ini((const char *) data, size, "fuzz.ini", &c, &err) < 0) {
                /* every refusal must format */
                char *s = config_error_to_string(&err);

                if (!s)
                        abort();
                free(s);
                config_error_clear(&err);
                return 0;
        }
        fuzz_specs(c);
        fuzz_round_trip(c, false);
        config_free(c);
        return 0;
}
