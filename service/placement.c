/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numad -w reads the nodes, sleeps 2 s, reads them again and picks nodes from CPU idle
 * time over those 2 s.  We do the same, but the 2 s are an sd-event timer: the loop
 * keeps serving while a request measures.  The node choice itself is the memory
 * layer's (service/mem/numa-placement.c), shared with the numa engine.
 */
#include <errno.h>
#include <stdlib.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "bus-errors.h"
#include "log.h"
#include "macro.h"
#include "numa-placement.h"
#include "numa-topology.h"
#include "placement.h"

typedef struct Advice Advice;
struct Advice {
        sd_event_source *source;
        Advice *next;
        sd_bus_message *msg;
        uint64_t cpus, mbs;
        struct etmem_numa_sample first;
};

static unsigned n_pending;
static Advice *pending; /* held by us, not floating: placement_cancel_all() can free them */

static void advice_free(void *userdata) {
        Advice *a = userdata;

        for (Advice **p = &pending; *p; p = &(*p)->next)
                if (*p == a) {
                        *p = a->next;
                        break;
                }
        sd_bus_message_unref(a->msg);
        free(a);
        n_pending--;
}

static int advice_reply(Advice *a) {
        _cleanup_free_ struct etmem_numa_sample *second = malloc(sizeof *second);
        struct etmem_numa_params params;
        uint64_t nodes = 0;
        char list[256];
        int r;

        if (!second)
                return sd_bus_reply_method_errno(a->msg, ENOMEM, NULL);
        r = mem_numa_sample(second);
        if (r < 0)
                return sd_bus_reply_method_errorf(a->msg, ETMEM_ERROR_NOT_SUPPORTED,
                                                  "cannot read the NUMA topology from %s: %s", MEM_SYSFS_NODE_DIR,
                                                  strerror(-r));
        mem_numa_params_default(&params);
        r = mem_numa_pick(&a->first, second, &params, NULL, a->cpus, a->mbs, false, &nodes);
        if (r >= 0)
                r = mem_idlist_format(&nodes, 1, list, sizeof list);
        if (r < 0)
                return sd_bus_reply_method_errno(a->msg, -r, NULL);
        log_debug("placement advice for %llu.%02llu CPUs and %llu MB: %s", (unsigned long long) (a->cpus / 100),
                  (unsigned long long) (a->cpus % 100), (unsigned long long) a->mbs, list);
        return sd_bus_reply_method_return(a->msg, "s", list);
}

/* One shot: releasing the source frees the request (its destroy callback). */
static int on_second_sample(sd_event_source *s, uint64_t usec, void *userdata) {
        Advice *a = userdata;
        int r = advice_reply(a);

        if (r < 0)
                log_warning("cannot answer a placement request: %s", strerror(-r));
        sd_event_source_disable_unref(a->source);
        return 0;
}

void placement_cancel_all(void) {
        while (pending)
                sd_event_source_disable_unref(pending->source); /* advice_free unlinks it */
}

int placement_advice_start(sd_event *event, sd_bus_message *msg, uint32_t cpus, uint64_t mbs, sd_bus_error *error) {
        sd_event_source *source = NULL;
        Advice *a;
        int r;

        if (cpus > PLACEMENT_MAX_CPUS)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "cpus %u is out of range 0..%u", cpus,
                                         PLACEMENT_MAX_CPUS);
        if (mbs > PLACEMENT_MAX_MBS)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "megabytes %llu is out of range 0..%llu",
                                         (unsigned long long) mbs, PLACEMENT_MAX_MBS);
        if (n_pending >= PLACEMENT_MAX_PENDING)
                return sd_bus_error_setf(error, ETMEM_ERROR_LIMIT_EXCEEDED,
                                         "%u placement requests are already measuring CPU load; try again in 2 s",
                                         PLACEMENT_MAX_PENDING);
        a = calloc(1, sizeof *a);
        if (!a)
                return -ENOMEM;
        r = mem_numa_sample(&a->first);
        if (r < 0) {
                free(a);
                return sd_bus_error_setf(error, ETMEM_ERROR_NOT_SUPPORTED, "cannot read the NUMA topology from %s: %s",
                                         MEM_SYSFS_NODE_DIR, strerror(-r));
        }
        a->cpus = (uint64_t) cpus * 100; /* numad's unit: hundredths of a CPU */
        a->mbs = mbs;
        a->msg = sd_bus_message_ref(msg);
        n_pending++;
        a->next = pending;
        pending = a;
        r = sd_event_add_time_relative(event, &source, CLOCK_MONOTONIC, PLACEMENT_WINDOW_USEC, 10000,
                                       on_second_sample, a);
        if (r < 0) {
                advice_free(a);
                return r;
        }
        a->source = source;
        (void) sd_event_source_set_description(source, "placement-advice");
        (void) sd_event_source_set_destroy_callback(source, advice_free);
        return 1;
}
