/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "authorize.h"
#include "macro.h"

int bus_authorize(sd_bus_message *m, const char *action, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "cannot identify the caller: %s", strerror(-r));
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "cannot identify the caller: %s", strerror(-r));
        if (uid == 0)
                return 1;
        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                 "%s is only granted to root in this build (uid %u denied)", action, (unsigned) uid);
}
