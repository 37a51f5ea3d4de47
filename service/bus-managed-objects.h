/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.freedesktop.DBus.ObjectManager on ETMEM_ROOT_PATH, served from the tree:
 * GetManagedObjects, InterfacesAdded and InterfacesRemoved.  sd-bus's own
 * GetManagedObjects enumerates every path, then looks each one up again through three
 * fallback find callbacks and its node table; this walks the tree once and serializes
 * each object's vtable properties as sd-bus's GetAll does.  Each object lists its
 * org.etmem interface; the standard ones it also implements are not listed. */
#pragma once

#include <systemd/sd-bus.h>

#include "bus-context.h"

/* Installs the filter that answers GetManagedObjects on ETMEM_ROOT_PATH (every other
 * message goes on to sd-bus's object dispatch). */
int bus_managed_objects_install(BusContext *ctx);
/* The reply to msg (a GetManagedObjects call), built from ctx's tree. */
int bus_managed_objects_reply(BusContext *ctx, sd_bus_message *msg, sd_bus_message **ret);
/* InterfacesAdded for an object now findable, InterfacesRemoved for one about to go. */
int bus_emit_object_added(sd_bus *bus, ObjKind kind, void *obj);
int bus_emit_object_removed(sd_bus *bus, ObjKind kind, const void *obj);
