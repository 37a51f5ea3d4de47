/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "types.h"

int project_bus_path(const Project *p, char **ret);
int project_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                        sd_bus_error *error);
/* Lists every object of the tree (projects, engines, tasks). */
int project_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error);
extern const sd_bus_vtable project_vtable[];
