/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "macro.h"
#include "tracker-obs.h"

int mem_obs_push(MemObsList *l, uint64_t start, uint64_t end, bool accessed, uint64_t resident) {
        if (end <= start)
                return 0;
        if (l->n > 0) {
                MemObs *last = &l->v[l->n - 1];
                if (start < last->end)
                        return -EBADMSG; /* backends must report in address order */
                if (last->end == start && last->accessed == accessed &&
                    (last->resident == MEM_RESIDENT_UNKNOWN) == (resident == MEM_RESIDENT_UNKNOWN)) {
                        last->end = end;
                        if (resident != MEM_RESIDENT_UNKNOWN)
                                last->resident += resident;
                        return 0;
                }
        }
        if (l->n >= l->allocated) {
                size_t na = MAX(l->allocated * 2, (size_t) 256);
                MemObs *nv = reallocarray(l->v, na, sizeof *nv);
                if (!nv)
                        return -ENOMEM;
                l->v = nv;
                l->allocated = na;
        }
        l->v[l->n++] = (MemObs) { .start = start, .end = end, .accessed = accessed, .resident = resident };
        return 0;
}
