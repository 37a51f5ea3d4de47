/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "engine.h"
#include "export.h"
#include "macro.h"
#include "tree.h"
#include "project.h"
#include "target.h"
#include "task.h"

static int add_kv(ConfigSection *s, const char *key, const char *value) {
        return value ? config_section_add(s, key, value) : 0;
}

static int add_int(ConfigSection *s, const char *key, long long v) {
        char buf[32];

        if (v < 0)
                return 0;
        snprintf(buf, sizeof buf, "%lld", v);
        return config_section_add(s, key, buf);
}

/* A pid task's binding, so that a restart does not adopt whoever holds the pid then. */
static int add_binding(ConfigSection *s, const TaskImpl *impl) {
        unsigned long long start = __atomic_load_n(&impl->bound_starttime, __ATOMIC_SEQ_CST);
        char boot[37], buf[80];

        if (start == 0)
                return 0;
        if (start == TASK_BOUND_OTHER_BOOT)
                /* no process of this boot can match: keep it that way */
                snprintf(boot, sizeof boot, "00000000-0000-0000-0000-000000000000");
        else if (mem_boot_id(boot) < 0)
                return 0;
        snprintf(buf, sizeof buf, "%llu@%s", start == TASK_BOUND_OTHER_BOOT ? 1ULL : start, boot);
        return config_section_add(s, "binding", buf);
}

int export_config(const Tree *tree, Config **ret) {
        _cleanup_(config_freep) Config *c = config_new("etmemd");
        int r = 0;

        if (!c)
                return -ENOMEM;
        for (size_t i = 0; i < tree->n_projects && r >= 0; i++) {
                Project *p = tree->projects[i];
                ConfigSection *s = config_add_section(c, CONFIG_SECTION_PROJECT);

                if (!s)
                        return -ENOMEM;
                r = add_kv(s, "name", p->name);
                if (!streq(p->scan_type, "page"))
                        r = r < 0 ? r : add_kv(s, "scan_type", p->scan_type);
                r = r < 0 ? r : add_int(s, "loop", p->loop);
                r = r < 0 ? r : add_int(s, "interval", p->interval);
                r = r < 0 ? r : add_int(s, "sleep", p->sleep);
                r = r < 0 ? r : add_int(s, "sysmem_threshold", p->sysmem_threshold);
                r = r < 0 ? r : add_int(s, "swapcache_high_wmark", p->swapcache_high_wmark);
                r = r < 0 ? r : add_int(s, "swapcache_low_wmark", p->swapcache_low_wmark);
                r = r < 0 ? r : add_kv(s, "state", p->state != PROJECT_STOPPED ? "running" : "stopped");
                for (size_t j = 0; j < p->n_engines && r >= 0; j++) {
                        Engine *e = p->engines[j];

                        s = config_add_section(c, CONFIG_SECTION_ENGINE);
                        if (!s)
                                return -ENOMEM;
                        r = add_kv(s, "project", p->name);
                        r = r < 0 ? r : add_kv(s, "name", e->type);
                        if (streq(e->type, "thirdparty")) {
                                r = r < 0 ? r : add_kv(s, "eng_name", e->name);
                                r = r < 0 ? r : add_kv(s, "libname", e->libname);
                                r = r < 0 ? r : add_kv(s, "ops_name", e->ops_name);
                        }
                        for (char **kv = e->params; r >= 0 && kv && kv[0]; kv += 2)
                                r = add_kv(s, kv[0], kv[1]);
                        for (size_t k = 0; k < e->n_tasks && r >= 0; k++) {
                                Task *t = e->tasks[k];

                                s = config_add_section(c, CONFIG_SECTION_TASK);
                                if (!s)
                                        return -ENOMEM;
                                r = add_kv(s, "project", p->name);
                                r = r < 0 ? r : add_kv(s, "engine", e->name);
                                r = r < 0 ? r : add_kv(s, "name", t->name);
                                r = r < 0 ? r : add_kv(s, "type", t->type);
                                r = r < 0 ? r : add_kv(s, "value", t->value);
                                if (r >= 0 && t->impl && t->impl->has_match_uid)
                                        r = add_int(s, "uid", (long long) t->impl->match_uid);
                                if (r >= 0 && t->impl)
                                        r = add_binding(s, t->impl);
                                for (char **kv = t->params; r >= 0 && kv && kv[0]; kv += 2)
                                        r = add_kv(s, kv[0], kv[1]);
                        }
                }
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}
