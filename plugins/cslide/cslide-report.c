/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cslide-report.h"
#include "plugin-util.h"

void cslide_snap_put(CslideTaskRt *t, const CslidePidSnap *s) {
        t->history[t->n_history++ % CSLIDE_HISTORY] = (CslideCycleRec) {
                .cycle = s->cycle, .pid = s->pid, .demoted = s->demoted, .promoted = s->promoted };
        for (size_t i = 0; i < t->n_snaps; i++)
                if (t->snaps[i].pid == s->pid) {
                        t->snaps[i] = *s;
                        return;
                }
        /* forget processes that exited before growing */
        for (size_t i = 0; i < t->n_snaps;)
                if (kill(t->snaps[i].pid, 0) < 0 && errno == ESRCH)
                        t->snaps[i] = t->snaps[--t->n_snaps];
                else
                        i++;
        if (t->n_snaps >= CSLIDE_MAX_SNAPS)
                return;
        CslidePidSnap *n = realloc(t->snaps, (t->n_snaps + 1) * sizeof *n);
        if (!n)
                return;
        t->snaps = n;
        t->snaps[t->n_snaps++] = *s;
}

/* A growing text buffer: FILE* over memory. */
static int task_json(FILE *f, const CslideTaskRt *t) {
        fprintf(f, "{\"task\":\"%s\",\"vm_flags\":\"%s\",\"anon_only\":%s,\"pids\":[", t->name,
                t->conf.vm_flags_ht ? "ht" : "", t->conf.anon_only ? "true" : "false");
        for (size_t i = 0; i < t->n_snaps; i++) {
                const CslidePidSnap *s = &t->snaps[i];
                bool first = true;

                fprintf(f, "%s{\"pid\":%d,\"cycle\":%llu,\"page_size\":%llu,\"demoted_bytes\":%llu,"
                           "\"promoted_bytes\":%llu,\"skipped_bytes\":%llu,\"nodes\":[",
                        i ? "," : "", (int) s->pid, (unsigned long long) s->cycle, (unsigned long long) s->page_size,
                        (unsigned long long) s->demoted, (unsigned long long) s->promoted,
                        (unsigned long long) s->skipped);
                for (int n = 0; n < ETMEM_NUMA_MAX_NODES; n++) {
                        if (!((s->nodes >> n) & 1))
                                continue;
                        fprintf(f, "%s{\"node\":%d,\"pages\":%llu,\"hot\":%llu,\"cold\":%llu}", first ? "" : ",", n,
                                (unsigned long long) s->node[n].pages, (unsigned long long) s->node[n].hot,
                                (unsigned long long) s->node[n].cold);
                        first = false;
                }
                fputs("]}", f);
        }
        /* oldest first; "history_dropped" counts acts that fell out of the ring */
        uint64_t first = t->n_history > CSLIDE_HISTORY ? t->n_history - CSLIDE_HISTORY : 0;
        fprintf(f, "],\"history_dropped\":%llu,\"history\":[", (unsigned long long) first);
        for (uint64_t i = first; i < t->n_history; i++) {
                const CslideCycleRec *h = &t->history[i % CSLIDE_HISTORY];
                fprintf(f, "%s{\"cycle\":%llu,\"pid\":%d,\"demoted_bytes\":%llu,\"promoted_bytes\":%llu}",
                        i > first ? "," : "", (unsigned long long) h->cycle, (int) h->pid,
                        (unsigned long long) h->demoted, (unsigned long long) h->promoted);
        }
        fputs("]}", f);
        return 0;
}

int cslide_report_taskpages(CslideEngineRt *e, CslideTaskRt *task, char **json) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        bool first = true;

        if (!f)
                return -ENOMEM;
        fputs("{\"tasks\":[", f);
        pthread_mutex_lock(&e->lock);
        for (CslideTaskRt *t = e->tasks; t; t = t->next) {
                if (task && t != task)
                        continue;
                if (!first)
                        fputc(',', f);
                task_json(f, t);
                first = false;
        }
        pthread_mutex_unlock(&e->lock);
        fputs("]}", f);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *json = buf;
        return 0;
}

int cslide_report_hostpages(CslideEngineRt *e, char **json, struct etmem_error *err) {
        struct etmem_hugepages hp[256];
        struct etmem_numa_sample *s;
        size_t n_hp = 0;
        char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        if (!e->host || !ETMEM_MEM_HAS(e->host->mem, set_affinity))
                return plugin_fail(err, NULL, -EOPNOTSUPP, "this etmemd offers no NUMA services to engines");
        s = malloc(sizeof *s);
        if (!s)
                return -ENOMEM;
        r = e->host->mem->numa_sample(s);
        if (r >= 0)
                r = e->host->mem->numa_hugepages(hp, 256, &n_hp);
        if (r < 0) {
                free(s);
                return plugin_fail(err, NULL, r, "cannot read /sys/devices/system/node: %s", strerror(-r));
        }
        f = open_memstream(&buf, &size);
        if (!f) {
                free(s);
                return -ENOMEM;
        }
        fputs("{\"nodes\":[", f);
        for (uint32_t i = 0; i < s->n_nodes; i++) {
                const struct etmem_numa_node *nd = &s->nodes[i];
                bool first = true;
                const char *role = "";

                for (unsigned k = 0; k < e->conf.n_pairs; k++)
                        if (e->conf.pairs[k].fast == nd->id)
                                role = "dram";
                        else if (e->conf.pairs[k].slow == nd->id)
                                role = "slow";
                fprintf(f, "%s{\"node\":%d,\"role\":\"%s\",\"mem_total\":%llu,\"mem_free\":%llu,\"hugepages\":[",
                        i ? "," : "", nd->id, role, (unsigned long long) nd->mem_total,
                        (unsigned long long) nd->mem_free);
                for (size_t k = 0; k < n_hp; k++) {
                        if (hp[k].node != nd->id)
                                continue;
                        fprintf(f, "%s{\"page_size\":%llu,\"total\":%llu,\"free\":%llu,\"used\":%llu,\"surplus\":%llu}",
                                first ? "" : ",", (unsigned long long) hp[k].page_size, (unsigned long long) hp[k].nr,
                                (unsigned long long) hp[k].free,
                                (unsigned long long) (hp[k].nr > hp[k].free ? hp[k].nr - hp[k].free : 0),
                                (unsigned long long) hp[k].surplus);
                        first = false;
                }
                fputs("]}", f);
        }
        fputs("]}", f);
        free(s);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *json = buf;
        return 0;
}
