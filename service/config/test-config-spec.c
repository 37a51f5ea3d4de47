/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Typed views: every rule and range of etmem's key table, and the messages naming them. */

#include <limits.h>

#include "test-config-util.h"

typedef enum Kind { PROJECT, ENGINE, TASK } Kind;

/* Parses text (INI unless it starts with '{') and runs the spec of section idx.
 * Returns the error string or NULL. */
static char *spec_error(const char *text, size_t idx, Kind kind, void *ret) {
        _cleanup_(config_freep) Config *c = NULL;
        ConfigError err = {};
        ProjectSpec ps;
        EngineSpec es;
        TaskSpec ts;
        char *s = NULL;
        int r;

        r = config_parse(text, strlen(text), CONFIG_FORMAT_AUTO, text[0] == '{' ? "t.json" : "t.ini", &c, &err);
        if (r < 0) {
                s = config_error_to_string(&err);
                fprintf(stderr, "FAIL: test input does not parse: %s\n", s);
                test_failed++;
                config_error_clear(&err);
                return s;
        }
        if (idx >= c->n_sections) {
                test_failed++;
                return strdup("no such section");
        }
        switch (kind) {
        case PROJECT:
                r = config_project_spec(c, &c->sections[idx], &ps, &err);
                if (r >= 0 && ret) {
                        ps.name = NULL; /* points into c */
                        *(ProjectSpec *) ret = ps;
                }
                break;
        case ENGINE:
                r = config_engine_spec(c, &c->sections[idx], &es, &err);
                if (r >= 0) {
                        if (ret)
                                *(size_t *) ret = es.n_params;
                        free(es.params);
                }
                break;
        case TASK:
                r = config_task_spec(c, &c->sections[idx], &ts, &err);
                if (r >= 0)
                        free(ts.params);
                break;
        }
        if (r < 0) {
                check_int(r, -EINVAL);
                s = config_error_to_string(&err);
        }
        config_error_clear(&err);
        return s;
}

#define OK(text, idx, kind)                                                             \
        do {                                                                            \
                _cleanup_free_ char *_e = spec_error(text, idx, kind, NULL);            \
                if (_e)                                                                 \
                        fprintf(stderr, "FAIL %s:%d: unexpected: %s\n", __FILE__, __LINE__, _e); \
                check(_e == NULL);                                                      \
        } while (0)

#define BAD(text, idx, kind, needle)                                            \
        do {                                                                    \
                _cleanup_free_ char *_e = spec_error(text, idx, kind, NULL);    \
                check_contains(_e, needle);                                     \
        } while (0)

#define P "[project]\nname=p\nloop=1\ninterval=1\nsleep=1\n"

static void test_names(void) {
        char n64[66], n65[67];

        memset(n64, 'a', 64);
        n64[64] = 0;
        memset(n65, 'a', 65);
        n65[65] = 0;
        check(config_name_is_valid("test"));
        check(config_name_is_valid("a.b-c_D9"));
        check(config_name_is_valid("_x"));
        check(config_name_is_valid(n64));
        check(!config_name_is_valid(n65));
        check(!config_name_is_valid(""));
        check(!config_name_is_valid(NULL));
        check(!config_name_is_valid(".hidden"));
        check(!config_name_is_valid("-opt"));
        check(!config_name_is_valid("a/b"));
        check(!config_name_is_valid("a b"));
        check(!config_name_is_valid("é"));
}

static void test_parse_uint(void) {
        unsigned long long v = 0;

        check_int(config_parse_uint("10", 1, 10, &v), 0);
        check_int(v, 10);
        check_int(config_parse_uint("007", 1, 10, &v), 0);
        check_int(v, 7);
        check_int(config_parse_uint("11", 1, 10, &v), -ERANGE);
        check_int(config_parse_uint("0", 1, 10, &v), -ERANGE);
        check_int(config_parse_uint("18446744073709551615", 0, ULLONG_MAX, &v), 0);
        check(v == ULLONG_MAX);
        check_int(config_parse_uint("18446744073709551616", 0, ULLONG_MAX, &v), -ERANGE);
        check_int(config_parse_uint("99999999999999999999x", 0, ULLONG_MAX, &v), -EINVAL);
        check_int(config_parse_uint("", 0, 10, &v), -EINVAL);
        check_int(config_parse_uint("-1", 0, 10, &v), -EINVAL);
        check_int(config_parse_uint("+1", 0, 10, &v), -EINVAL);
        check_int(config_parse_uint(" 1", 0, 10, &v), -EINVAL);
        check_int(config_parse_uint("1 ", 0, 10, &v), -EINVAL);
        check_int(config_parse_uint("0x10", 0, 100, &v), -EINVAL);
        check_int(config_parse_uint("1e3", 0, 10000, &v), -EINVAL);
}

static void test_project(void) {
        ProjectSpec ps = {};
        char *e;

        e = spec_error(P, 0, PROJECT, &ps);
        check(e == NULL);
        free(e);
        check_int(ps.loop, 1);
        check_int(ps.interval, 1);
        check_int(ps.sleep, 1);
        check_int(ps.sysmem_threshold, -1);
        check_int(ps.swapcache_high_wmark, -1);
        check_int(ps.swapcache_low_wmark, -1);
        check(!ps.running);

        e = spec_error("[project]\nname=p\nloop=10\ninterval=1200\nsleep=1200\nsysmem_threshold=0\n"
                       "swapcache_high_wmark=100\nswapcache_low_wmark=99\n", 0, PROJECT, &ps);
        check(e == NULL);
        free(e);
        check_int(ps.loop, 10);
        check_int(ps.interval, 1200);
        check_int(ps.sleep, 1200);
        check_int(ps.sysmem_threshold, 0);
        check_int(ps.swapcache_high_wmark, 100);
        check_int(ps.swapcache_low_wmark, 99);

        /* upstream's scan_type: page is the default; a psi project needs only interval,
         * its period (loop 1, sleep = interval); region (damon) is refused by name */
        check_str(ps.scan_type, "page");
        e = spec_error("[project]\nname=p\nscan_type=psi\ninterval=7\n", 0, PROJECT, &ps);
        check(e == NULL);
        free(e);
        check_str(ps.scan_type, "psi");
        check_int(ps.loop, 1);
        check_int(ps.interval, 7);
        check_int(ps.sleep, 7);
        e = spec_error("[project]\nname=p\nscan_type=page\nloop=1\ninterval=1\nsleep=1\n", 0, PROJECT, &ps);
        check(e == NULL);
        free(e);
        check_str(ps.scan_type, "page");
        BAD("[project]\nname=p\nscan_type=page\ninterval=1\nsleep=1\n", 0, PROJECT,
            "t.ini:1: key 'loop': missing; [project] requires it (valid: 1..120)");
        BAD("[project]\nname=p\nscan_type=psi\nloop=1\n", 0, PROJECT,
            "t.ini:1: key 'interval': missing; [project] requires it (valid: 1..1200 seconds)");
        BAD("[project]\nname=p\nscan_type=region\n", 0, PROJECT,
            "t.ini:3: key 'scan_type': scan_type=region (the damon engine) is not supported by this etmemd (valid: page, psi)");
        BAD("[project]\nname=p\nscan_type=region\nsample_interval=5000\naggr_interval=100000\n", 0, PROJECT,
            "t.ini:3: key 'scan_type': scan_type=region (the damon engine) is not supported by this etmemd");
        BAD("[project]\nname=p\nsample_interval=5000\nscan_type=region\n", 0, PROJECT,
            "t.ini:4: key 'scan_type': scan_type=region (the damon engine) is not supported by this etmemd");
        BAD(P "max_nr_regions=1000\n", 0, PROJECT,
            "t.ini:6: key 'max_nr_regions': only valid in a scan_type=region (damon) project");
        BAD("[project]\nname=p\nscan_type=pages\n", 0, PROJECT,
            "t.ini:3: key 'scan_type': 'pages' is not a scan type (valid: page, psi)");

        e = spec_error("{\"projects\":[{\"name\":\"p\",\"loop\":1,\"interval\":1,\"sleep\":1,\"state\":\"running\"}]}",
                       0, PROJECT, &ps);
        check(e == NULL);
        free(e);
        check(ps.running);

        /* required keys: reported at the [project] header line */
        BAD("# x\n[project]\nloop=1\ninterval=1\nsleep=1\n", 0, PROJECT,
            "t.ini:2: key 'name': missing; [project] requires it (valid: 1..64 characters");
        BAD("[project]\nname=p\ninterval=1\nsleep=1\n", 0, PROJECT, "t.ini:1: key 'loop': missing; [project] requires it (valid: 1..120)");
        BAD("[project]\nname=p\nloop=1\nsleep=1\n", 0, PROJECT, "t.ini:1: key 'interval': missing; [project] requires it (valid: 1..1200 seconds)");
        BAD("[project]\nname=p\nloop=1\ninterval=1\n", 0, PROJECT, "t.ini:1: key 'sleep': missing; [project] requires it (valid: 1..1200 seconds)");
        BAD("{\"projects\":[{\"name\":\"p\",\"loop\":1,\"interval\":1}]}", 0, PROJECT,
            "t.json: projects[0]: key 'sleep': missing; [project] requires it (valid: 1..1200 seconds)");

        /* ranges */
        e = spec_error("[project]\nname=p\nloop=20\ninterval=1\nsleep=1\n", 0, PROJECT, &ps);
        check(e == NULL); /* loop 1..120 as upstream's code (its README says 1..10) */
        free(e);
        check_int(ps.loop, 20);
        e = spec_error("[project]\nname=p\nloop=120\ninterval=1\nsleep=1\n", 0, PROJECT, &ps);
        check(e == NULL);
        free(e);
        check_int(ps.loop, 120);
        BAD("[project]\nname=p\nloop=121\ninterval=1\nsleep=1\n", 0, PROJECT, "t.ini:3: key 'loop': 121 is out of range 1..120");
        BAD("[project]\nname=p\nloop=0\ninterval=1\nsleep=1\n", 0, PROJECT, "t.ini:3: key 'loop': 0 is out of range 1..120");
        BAD("[project]\nname=p\nloop=x\ninterval=1\nsleep=1\n", 0, PROJECT,
            "t.ini:3: key 'loop': 'x' is not a decimal number (valid: 1..120)");
        BAD("[project]\nname=p\nloop=1\ninterval=1201\nsleep=1\n", 0, PROJECT, "t.ini:4: key 'interval': 1201 is out of range 1..1200");
        BAD("[project]\nname=p\nloop=1\ninterval=1\nsleep=0\n", 0, PROJECT, "t.ini:5: key 'sleep': 0 is out of range 1..1200");
        BAD(P "sysmem_threshold=101\n", 0, PROJECT, "t.ini:6: key 'sysmem_threshold': 101 is out of range 0..100");
        BAD(P "sysmem_threshold=-1\n", 0, PROJECT, "t.ini:6: key 'sysmem_threshold': '-1' is not a decimal number (valid: 0..100)");
        BAD(P "swapcache_high_wmark=0\n", 0, PROJECT, "t.ini:6: key 'swapcache_high_wmark': 0 is out of range 1..100");
        BAD(P "swapcache_high_wmark=101\n", 0, PROJECT, "t.ini:6: key 'swapcache_high_wmark': 101 is out of range 1..100");
        BAD(P "swapcache_high_wmark=10\n", 0, PROJECT,
            "t.ini:6: key 'swapcache_high_wmark': only valid together with swapcache_low_wmark (1..9, below it)");
        BAD(P "swapcache_low_wmark=3\n", 0, PROJECT,
            "t.ini:6: key 'swapcache_low_wmark': only valid together with swapcache_high_wmark");
        BAD(P "swapcache_high_wmark=5\nswapcache_low_wmark=5\n", 0, PROJECT,
            "t.ini:7: key 'swapcache_low_wmark': 5 is out of range 1..4 (must be below swapcache_high_wmark=5)");
        BAD(P "swapcache_low_wmark=0\nswapcache_high_wmark=5\n", 0, PROJECT,
            "t.ini:6: key 'swapcache_low_wmark': 0 is out of range 1..4");
        BAD(P "swapcache_high_wmark=1\nswapcache_low_wmark=1\n", 0, PROJECT,
            "t.ini:7: key 'swapcache_low_wmark': must be below swapcache_high_wmark, which is 1");
        BAD("[project]\nname=.p\nloop=1\ninterval=1\nsleep=1\n", 0, PROJECT,
            "t.ini:2: key 'name': '.p' is not a valid project name (1..64 characters of A-Z a-z 0-9 _ . -, not starting with '.' or '-')");

        /* unknown keys list the valid ones; state is JSON only */
        BAD(P "lop=1\n", 0, PROJECT,
            "t.ini:6: key 'lop': unknown key in [project] (valid: name, scan_type, loop, interval, sleep, sysmem_threshold, "
            "swapcache_high_wmark, swapcache_low_wmark)");
        BAD(P "state=running\n", 0, PROJECT, "t.ini:6: key 'state': unknown key in [project]");
        BAD("{\"projects\":[{\"name\":\"p\",\"loop\":1,\"interval\":1,\"sleep\":1,\"state\":\"paused\"}]}", 0, PROJECT,
            "t.json: projects[0].state: 'paused' is not a valid state (valid: running, stopped)");
        BAD("{\"projects\":[{\"name\":\"p\",\"loop\":121,\"interval\":1,\"sleep\":1}]}", 0, PROJECT,
            "t.json: projects[0].loop: 121 is out of range 1..120");

        /* a built project (the daemon's tree) may carry state */
        {
                _cleanup_(config_freep) Config *c = config_new(NULL);
                ConfigSection *s = config_add_section(c, CONFIG_SECTION_PROJECT);
                ConfigError err = {};

                check_int(config_section_add(s, "name", "built"), 0);
                check_int(config_section_add(s, "loop", "2"), 0);
                check_int(config_section_add(s, "interval", "3"), 0);
                check_int(config_section_add(s, "sleep", "4"), 0);
                check_int(config_section_add(s, "state", "running"), 0);
                check_int(config_section_add(s, "state", "stopped"), -EEXIST);
                check_int(config_section_add(s, "bad key", "x"), -EINVAL);
                check_int(config_section_add(s, "k", " x"), -EINVAL);
                check_int(config_section_add(s, "k", "a\nb"), -EINVAL);
                check_int(config_project_spec(c, s, &ps, &err), 0);
                check_str(ps.name, "built");
                check_int(ps.sleep, 4);
                check(ps.running);
        }
}

static void test_engine(void) {
        size_t n = 99;
        char *e;

        OK(P "[engine]\nname=slide\nproject=p\n", 1, ENGINE);
        e = spec_error(P "[engine]\nname=cslide\nproject=p\nnode_pair=2,0;3,1\nhot_threshold=1\n", 1, ENGINE, &n);
        check(e == NULL);
        free(e);
        check_int(n, 2);

        /* check the typed fields on the thirdparty seed */
        {
                _cleanup_free_ char *path = NULL;
                _cleanup_(config_freep) Config *c = NULL;
                ConfigError err = {};
                EngineSpec es;
                TaskSpec ts;

                if (asprintf(&path, "%s/thirdparty_conf.ini", TEST_DATA_DIR) < 0)
                        abort();
                check_int(config_parse_file(path, CONFIG_FORMAT_AUTO, &c, &err), 0);
                if (c) {
                        check_int(config_engine_spec(c, &c->sections[1], &es, &err), 0);
                        check_str(es.project, "test");
                        check_str(es.type, "thirdparty");
                        check_str(es.name, "my_engine");
                        check_str(es.libname, "/usr/lib/etmem_fetch/my_engine.so");
                        check_str(es.ops_name, "my_engine_ops");
                        check_int(es.n_params, 1);
                        if (es.n_params == 1) {
                                check_str(es.params[0]->key, "engine_private_key");
                                check_str(es.params[0]->value, "engine_private_value");
                        }
                        free(es.params);
                        check_int(config_task_spec(c, &c->sections[2], &ts, &err), 0);
                        check_str(ts.project, "test");
                        check_str(ts.engine, "my_engine");
                        check_str(ts.name, "backgroud_third");
                        check_str(ts.type, "pid");
                        check_str(ts.value, "12345");
                        check_int(ts.n_params, 1);
                        free(ts.params);
                        /* a project section is not an engine */
                        check_int(config_engine_spec(c, &c->sections[0], &es, &err), -EINVAL);
                }
                config_error_clear(&err);
        }

        BAD(P "\n[engine]\nname=slide\n", 1, ENGINE, "t.ini:7: key 'project': missing; [engine] requires it");
        BAD(P "[engine]\nproject=p\n", 1, ENGINE, "t.ini:6: key 'name': missing; [engine] requires it (valid: the engine type");
        BAD(P "[engine]\nproject=p q\nname=slide\n", 1, ENGINE, "t.ini:7: key 'project': 'p q' is not a valid project name (1..64");
        BAD(P "[engine]\nproject=p\nname=Slide\n", 1, ENGINE,
            "t.ini:8: key 'name': 'Slide' is not a valid engine type (1..32 characters of a-z 0-9 _");
        BAD(P "[engine]\nproject=p\nname=abcdefghijklmnopqrstuvwxyz0123456\n", 1, ENGINE, "is not a valid engine type (1..32");

#define TP P "[engine]\nproject=p\nname=thirdparty\n"
        OK(TP "eng_name=e\nlibname=/x.so\nops_name=_ops1\n", 1, ENGINE);
        BAD(TP "libname=/x.so\nops_name=ops\n", 1, ENGINE, "t.ini:6: key 'eng_name': missing; [engine] requires it");
        BAD(TP "eng_name=-e\nlibname=/x.so\nops_name=ops\n", 1, ENGINE, "t.ini:9: key 'eng_name': '-e' is not a valid engine name");
        BAD(TP "eng_name=e\nops_name=ops\n", 1, ENGINE,
            "t.ini:6: key 'libname': missing; [engine] requires it (valid: an absolute path of at most 4095 characters)");
        BAD(TP "eng_name=e\nlibname=x.so\nops_name=ops\n", 1, ENGINE, "t.ini:10: key 'libname': 'x.so' is not an absolute path");
        BAD(TP "eng_name=e\nlibname=/x.so\n", 1, ENGINE, "t.ini:6: key 'ops_name': missing; [engine] requires it (valid: a C identifier");
        BAD(TP "eng_name=e\nlibname=/x.so\nops_name=9ops\n", 1, ENGINE,
            "t.ini:11: key 'ops_name': '9ops' is not a valid symbol name (a C identifier of 1..64 characters");
        BAD(TP "eng_name=e\nlibname=/x.so\nops_name=my-ops\n", 1, ENGINE, "'my-ops' is not a valid symbol name");
        {
                /* a 4096-character path is one too many */
                _cleanup_free_ char *t = malloc(8192);
                char *p = stpcpy(t, TP "eng_name=e\nops_name=o\nlibname=");

                memset(p, 'a', 4096);
                p[0] = '/';
                strcpy(p + 4096, "\n");
                BAD(t, 1, ENGINE, "t.ini:11: key 'libname': path is 4096 characters, more than 4095");
                strcpy(p + 4095, "\n");
                OK(t, 1, ENGINE);
        }
        /* for other types eng_name/libname/ops_name are plugin params */
        e = spec_error(P "[engine]\nproject=p\nname=slide\nlibname=/x\n", 1, ENGINE, &n);
        check(e == NULL);
        free(e);
        check_int(n, 1);
}

#define E P "[engine]\nproject=p\nname=slide\n[task]\nproject=p\nengine=slide\nname=t\n"

static void test_task(void) {
        OK(E "type=pid\nvalue=1\n", 2, TASK);
        OK(E "type=pid\nvalue=4194304\n", 2, TASK);
        OK(E "type=name\nvalue=mysql\nT=1\n", 2, TASK);
        OK(E "type=name\nvalue=abcdefghijklmno\n", 2, TASK);

        BAD(P "[task]\nengine=e\nname=t\ntype=pid\nvalue=1\n", 0 + 1, TASK, "t.ini:6: key 'project': missing; [task] requires it");
        BAD(P "[task]\nproject=p\nname=t\ntype=pid\nvalue=1\n", 1, TASK, "t.ini:6: key 'engine': missing; [task] requires it");
        BAD(P "[task]\nproject=p\nengine=e\ntype=pid\nvalue=1\n", 1, TASK, "t.ini:6: key 'name': missing; [task] requires it");
        BAD(P "[task]\nproject=p\nengine=e\nname=t/1\ntype=pid\nvalue=1\n", 1, TASK, "t.ini:9: key 'name': 't/1' is not a valid task name");
        BAD(P "[task]\nproject=p\nengine=e e\nname=t\n", 1, TASK, "t.ini:8: key 'engine': 'e e' is not a valid engine name");
        BAD(E "value=1\n", 2, TASK, "t.ini:9: key 'type': missing; [task] requires it (valid: pid, name)");
        /* neither type nor value: upstream's psi tasks (apply refuses it outside scan_type=psi) */
        {
                _cleanup_(config_freep) Config *c = NULL;
                ConfigError err = {};
                TaskSpec ts = {};
                check_int(config_parse(E "cg_dir=isulad\n", strlen(E "cg_dir=isulad\n"), CONFIG_FORMAT_INI, "t.ini", &c, &err), 0);
                check_int(config_task_spec(c, &c->sections[2], &ts, &err), 0);
                check(ts.untargeted);
                check(ts.project && ts.engine && ts.name);
                check_str(ts.type, "name");
                check_str(ts.value, CONFIG_TASK_UNTARGETED_VALUE);
                check_int(ts.n_params, 1);
                free(ts.params);
        }
        BAD(E "type=comm\nvalue=1\n", 2, TASK, "t.ini:13: key 'type': 'comm' is not a valid task type (valid: pid, name)");
        BAD(E "type=pid\n", 2, TASK, "t.ini:9: key 'value': missing; [task] requires it (valid: a process id, 1..4194304)");
        BAD(E "type=pid\nvalue=0\n", 2, TASK, "t.ini:14: key 'value': 0 is out of range 1..4194304");
        BAD(E "type=pid\nvalue=4194305\n", 2, TASK, "t.ini:14: key 'value': 4194305 is out of range 1..4194304");
        BAD(E "type=pid\nvalue=mysql\n", 2, TASK, "t.ini:14: key 'value': 'mysql' is not a decimal number (valid: 1..4194304)");
        BAD(E "type=name\n", 2, TASK, "t.ini:9: key 'value': missing; [task] requires it (valid: a process name of 1..15 characters)");
        BAD(E "type=name\nvalue=\n", 2, TASK, "t.ini:14: key 'value': empty process name (valid: 1..15 characters");
        BAD(E "type=name\nvalue=abcdefghijklmnop\n", 2, TASK,
            "t.ini:14: key 'value': 'abcdefghijklmnop' is 16 characters; etmem only matches process names of up to 15 characters");
        BAD(E "type=name\nvalue=/usr/bin/x\n", 2, TASK, "t.ini:14: key 'value': '/usr/bin/x' contains '/'");
        BAD("{\"projects\":[{\"name\":\"p\",\"engines\":[{\"name\":\"slide\",\"type\":\"slide\","
            "\"tasks\":[{\"name\":\"t\",\"type\":\"pid\",\"value\":-5}]}]}]}", 2, TASK,
            "t.json: projects[0].engines[0].tasks[0].value: '-5' is not a decimal number (valid: 1..4194304)");
        BAD("{\"projects\":[{\"name\":\"p\",\"engines\":[{\"name\":\"slide\",\"type\":\"slide\","
            "\"tasks\":[{\"name\":\"t\",\"value\":5}]}]}]}", 2, TASK,
            "t.json: projects[0].engines[0].tasks[0]: key 'type': missing; [task] requires it (valid: pid, name)");
}

static void test_seed_specs(void) {
        static const char *const files[] = { "slide_conf.ini", "cslide_conf.ini", "thirdparty_conf.ini", "all.json", "example.json" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *path = NULL;
                _cleanup_(config_freep) Config *c = NULL;
                ConfigError err = {};
                int r;

                if (asprintf(&path, "%s/%s", TEST_DATA_DIR, files[i]) < 0)
                        abort();
                check_int(config_parse_file(path, CONFIG_FORMAT_AUTO, &c, &err), 0);
                for (size_t j = 0; c && j < c->n_sections; j++) {
                        ProjectSpec ps;
                        EngineSpec es = {};
                        TaskSpec ts = {};

                        switch (c->sections[j].type) {
                        case CONFIG_SECTION_PROJECT:
                                r = config_project_spec(c, &c->sections[j], &ps, &err);
                                break;
                        case CONFIG_SECTION_ENGINE:
                                r = config_engine_spec(c, &c->sections[j], &es, &err);
                                break;
                        default:
                                r = config_task_spec(c, &c->sections[j], &ts, &err);
                                break;
                        }
                        free(es.params);
                        free(ts.params);
                        if (r < 0) {
                                _cleanup_free_ char *s = config_error_to_string(&err);
                                fprintf(stderr, "FAIL %s: %s\n", files[i], s);
                        }
                        check_int(r, 0);
                }
                config_error_clear(&err);
        }
}

int main(void) {
        test_names();
        test_parse_uint();
        test_project();
        test_engine();
        test_task();
        test_seed_specs();
        return test_summary();
}
