/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "bus-errors.h"

/* Appends a{ss} from a key,value,... strv (NULL = empty). */
int bus_append_params(sd_bus_message *m, char **params);
/* Reads a{sv} whose values are strings, booleans or integers into a key,value,... strv.
 * Other types are refused with an InvalidArgs error naming the key. */
int bus_read_params(sd_bus_message *m, char ***ret, sd_bus_error *error);
/* Looks a key up in a key,value,... strv. */
const char *params_get(char **params, const char *key);
