/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "authorize.h"
#include "macro.h"
#include "polkit.h"

/* The sender's effective uid, as the bus vouches for it, or a negative errno (error set). */
static int sender_uid(sd_bus_message *m, const char *action, uid_t *ret, sd_bus_error *error) {
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
        *ret = uid;
        return 0;
}

int bus_authorize(sd_bus_message *m, const char *action, const char *const *details, sd_bus_error *error) {
        uid_t uid = 0;
        int r;

        /* Second pass of a held call: the uid was checked on the first. */
        if (!polkit_answered(m)) {
                r = sender_uid(m, action, &uid, error);
                if (r < 0)
                        return r;
                if (uid == 0)
                        return 1;
        }
        return polkit_check(m, uid, action, details, error);
}
