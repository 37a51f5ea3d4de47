/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The org.etmem.Error.* names, shared by etmemd and etmemctl so errno values round-trip. */
#pragma once

#include <systemd/sd-bus.h>

#define ETMEM_ERROR_NO_SUCH_OBJECT  "org.etmem.Error.NoSuchObject"   /* ENOENT  */
#define ETMEM_ERROR_ALREADY_EXISTS  "org.etmem.Error.AlreadyExists"  /* EEXIST  */
#define ETMEM_ERROR_INVALID_CONFIG  "org.etmem.Error.InvalidConfig"  /* EINVAL  */
#define ETMEM_ERROR_BUSY            "org.etmem.Error.Busy"           /* EBUSY   */
#define ETMEM_ERROR_NOT_SUPPORTED   "org.etmem.Error.NotSupported"   /* EOPNOTSUPP */
#define ETMEM_ERROR_LIMIT_EXCEEDED  "org.etmem.Error.LimitExceeded"  /* E2BIG   */
#define ETMEM_ERROR_PLUGIN          "org.etmem.Error.PluginRefused"  /* ELIBBAD */

extern const sd_bus_error_map etmem_bus_error_map[];

/* Sets error from a negative errno r: the org.etmem.Error name the map gives -r, or
 * sd-bus's generic name for it, with message msg.  Returns r as sd_bus_error_set does. */
int bus_error_set_etmem(sd_bus_error *error, int r, const char *msg);

/* Registers the map with sd-bus (idempotent). Call once at start. */
int etmem_bus_error_map_register(void);
