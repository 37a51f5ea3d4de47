/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "authorize.h"
#include "macro.h"
#include "polkit.h"

/* 1 if the sender's effective uid is 0, 0 if not, or a negative errno (error set). */
static int sender_is_root(sd_bus_message *m, const char *action, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uint64_t augmented;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s was refused: the caller cannot be identified (%s).", action,
                                         strerror(-r));
        /* /proc-augmented credentials are racy (pid reuse): never decide on them. */
        augmented = sd_bus_creds_get_augmented_mask(creds);
        if (augmented & SD_BUS_CREDS_EUID)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s was refused: the bus does not vouch for the caller's uid.", action);
        return uid == 0;
}

int bus_authorize(sd_bus_message *m, const char *action, const char *const *details, sd_bus_error *error) {
        int r;

        /* Second pass of a held call: the uid was checked on the first. */
        if (!polkit_answered(m)) {
                r = sender_is_root(m, action, error);
                if (r != 0)
                        return r;
        }
        return polkit_check(m, action, details, error);
}
