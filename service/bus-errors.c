/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "bus-errors.h"

const sd_bus_error_map etmem_bus_error_map[] = {
        SD_BUS_ERROR_MAP(ETMEM_ERROR_NO_SUCH_OBJECT, ENOENT),
        SD_BUS_ERROR_MAP(ETMEM_ERROR_ALREADY_EXISTS, EEXIST),
        SD_BUS_ERROR_MAP(ETMEM_ERROR_INVALID_CONFIG, EINVAL),
        SD_BUS_ERROR_MAP(ETMEM_ERROR_BUSY, EBUSY),
        SD_BUS_ERROR_MAP(ETMEM_ERROR_NOT_SUPPORTED, EOPNOTSUPP),
        SD_BUS_ERROR_MAP(ETMEM_ERROR_LIMIT_EXCEEDED, E2BIG),
        SD_BUS_ERROR_MAP(ETMEM_ERROR_PLUGIN, ELIBBAD),
        SD_BUS_ERROR_MAP_END,
};

int bus_error_set_etmem(sd_bus_error *error, int r, const char *msg) {
        /* sd_bus_error_set_errno() ignores registered maps: look the name up here. */
        for (const sd_bus_error_map *m = etmem_bus_error_map; m->name; m++)
                if (m->code == -r)
                        return sd_bus_error_set(error, m->name, msg);
        return sd_bus_error_set_errnof(error, -r, "%s", msg ? msg : strerror(-r));
}

int etmem_bus_error_map_register(void) {
        return sd_bus_error_add_map(etmem_bus_error_map);
}
