/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Manager1.GetPlacementAdvice: numad -w's answer without blocking the event loop. */
#pragma once

#include <systemd/sd-bus.h>

#include <systemd/sd-event.h>

#define PLACEMENT_WINDOW_USEC (2 * 1000000ULL) /* numad -w measures CPU idle over 2 s */
#define PLACEMENT_MAX_PENDING 64               /* requests measuring at once */
#define PLACEMENT_MAX_CPUS 100000              /* numad parses int hundredths */
#define PLACEMENT_MAX_MBS 2000000000ULL

/* Takes a first sample now and replies `s nodelist` from a second one PLACEMENT_WINDOW_USEC
 * later (sd-event timer).  Returns 1 (reply pending) or a negative errno / sets error. */
int placement_advice_start(sd_event *event, sd_bus_message *msg, uint32_t cpus, uint64_t mbs, sd_bus_error *error);
/* Drops requests still measuring (daemon exit): their callers get no reply. */
void placement_cancel_all(void);
