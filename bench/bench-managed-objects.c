/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Times org.freedesktop.DBus.ObjectManager.GetManagedObjects on /org/etmem: N calls,
 * prints each one's wall time and the median in ms, plus how many objects came back.
 * Usage: bench-managed-objects ADDRESS [CALLS] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

static double now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

/* Counts the object paths of an a{oa{sa{sv}}} reply. */
static int count_objects(sd_bus_message *reply, unsigned *ret) {
        unsigned n = 0;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
                r = sd_bus_message_skip(reply, "oa{sa{sv}}");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
                n++;
        }
        if (r < 0)
                return r;
        *ret = n;
        return sd_bus_message_exit_container(reply);
}

int main(int argc, char *argv[]) {
        sd_bus *bus = NULL;
        double t[101];
        unsigned calls = argc > 2 ? (unsigned) strtoul(argv[2], NULL, 10) : 15, objects = 0;
        int r;

        if (argc < 2 || calls < 1 || calls > 101) {
                fprintf(stderr, "usage: %s ADDRESS [CALLS 1..101]\n", argv[0]);
                return 2;
        }
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, argv[1]);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                fprintf(stderr, "cannot connect to %s: %s\n", argv[1], strerror(-r));
                return 1;
        }
        for (unsigned i = 0; i < calls; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;
                double t0 = now_ms();

                r = sd_bus_call_method(bus, "org.etmem", "/org/etmem", "org.freedesktop.DBus.ObjectManager",
                                       "GetManagedObjects", &error, &reply, "");
                t[i] = now_ms() - t0;
                if (r < 0) {
                        fprintf(stderr, "GetManagedObjects: %s\n", error.message ? error.message : strerror(-r));
                        return 1;
                }
                r = count_objects(reply, &objects);
                sd_bus_message_unref(reply);
                if (r < 0) {
                        fprintf(stderr, "cannot read the reply: %s\n", strerror(-r));
                        return 1;
                }
                printf("call %2u: %.2f ms\n", i + 1, t[i]);
        }
        qsort(t, calls, sizeof t[0], cmp_double);
        printf("GetManagedObjects of %u objects: median %.2f ms over %u calls (min %.2f, max %.2f)\n", objects,
               calls % 2 ? t[calls / 2] : (t[calls / 2 - 1] + t[calls / 2]) / 2, calls, t[0], t[calls - 1]);
        sd_bus_unref(bus);
        return 0;
}
