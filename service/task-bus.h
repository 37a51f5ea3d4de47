/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "types.h"

int task_bus_path(const Task *t, char **ret);
int task_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                     sd_bus_error *error);
extern const sd_bus_vtable task_vtable[];
