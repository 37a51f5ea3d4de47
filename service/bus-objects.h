/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Objects of the tree as the bus sees them: paths and replies that list objects. */
#pragma once

#include <systemd/sd-bus.h>

#include "config.h"
#include "tree.h"

/* The object path of a project, engine or task (bus-names.h has the scheme). */
int bus_object_path(ObjKind kind, const void *obj, char **ret);
/* A method return "ao" with the paths of l (built before l's objects go away). */
int bus_objects_reply_new(sd_bus_message *msg, const ObjRefs *l, sd_bus_message **ret);
/* Replies "ao" with the paths of l, or "o" with the path of its first object. */
int bus_reply_objects(sd_bus_message *msg, const ObjRefs *l);
int bus_reply_object(sd_bus_message *msg, const ObjRefs *l);
/* Turns an operation's -errno + ConfigError into the reply error (bus_error_set_etmem)
 * and clears ce; returns r unchanged when ce holds no message (e.g. -ENOMEM). */
int bus_error_set_config(sd_bus_error *error, int r, ConfigError *ce);
