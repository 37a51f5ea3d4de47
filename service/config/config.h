/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration model shared by etmem's INI files, the JSON form (frontends,
 * `etmemctl show --json`, `apply -f`) and the daemon's state file.
 *
 * Parsing produces an ordered list of sections, exactly as they appear: [project],
 * [engine] and [task] in file order (JSON is flattened into the same order: each
 * project, then its engines, each engine followed by its tasks).  Each key keeps
 * its line so errors can say FILE:LINE: key 'K': ...
 *
 * Syntax and the generic keys (project keys with their ranges; engine project/name,
 * thirdparty's eng_name/libname/ops_name; task project/engine/name/type/value) are
 * checked here.  Engine-specific keys are passed through as params; the engine
 * plugin validates them.  Cross-object checks (does the project exist?) are the
 * daemon's, which knows its current tree.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_BYTES (1024u * 1024u)  /* a larger file is refused */
#define CONFIG_MAX_SECTIONS 4096u
#define CONFIG_NAME_MAX 64u                /* project / engine / task names */
#define CONFIG_VALUE_MAX 4096u             /* any single value */
#define CONFIG_KEY_MAX 64u                 /* keys: 1..64 of [A-Za-z0-9_.-] */
#define CONFIG_MAX_PARAMS 256u             /* keys in one section */
#define CONFIG_TASK_PID_MAX 4194304u       /* PID_MAX_LIMIT on 64-bit kernels */
#define CONFIG_TASK_COMM_MAX 15u           /* TASK_COMM_LEN - 1 */
#define CONFIG_TASK_UID_MAX 4294967294u    /* (uid_t) -1 means "no uid" */
#define CONFIG_BOOT_ID_MAX 36u             /* /proc/sys/kernel/random/boot_id */

typedef enum ConfigFormat {
        CONFIG_FORMAT_AUTO = 0, /* JSON if the first non-blank byte is '{', INI otherwise */
        CONFIG_FORMAT_INI,
        CONFIG_FORMAT_JSON,
} ConfigFormat;

typedef enum ConfigSectionType {
        CONFIG_SECTION_PROJECT,
        CONFIG_SECTION_ENGINE,
        CONFIG_SECTION_TASK,
} ConfigSectionType;

typedef struct ConfigParam {
        char *key;
        char *value;  /* always text; JSON numbers/booleans are converted ("3", "yes"/"no") */
        unsigned line; /* 1-based; 0 when unknown (JSON) */
        char *path;    /* JSON location such as "projects[0].loop"; NULL for INI */
} ConfigParam;

typedef struct ConfigSection {
        ConfigSectionType type;
        unsigned line;     /* line of the [header]; 0 for JSON */
        char *path;        /* JSON location such as "projects[0].engines[1]"; NULL for INI */
        ConfigParam *params;
        size_t n_params;
} ConfigSection;

typedef struct Config {
        char *source;      /* file name used in messages */
        ConfigFormat format; /* what it was parsed from; CONFIG_FORMAT_AUTO when built */
        ConfigSection *sections;
        size_t n_sections;
} Config;

/* An error that names where and what: "FILE:LINE: key 'KEY': MESSAGE". */
typedef struct ConfigError {
        char *source;
        unsigned line;     /* 0 = none */
        char *path;        /* JSON location, may be NULL */
        char *key;         /* may be NULL */
        char *message;
} ConfigError;

void config_error_clear(ConfigError *e);
/* Formats the whole error as one line; caller frees. */
char *config_error_to_string(const ConfigError *e);
/* Sets e (clearing what was there); returns -EINVAL for convenience. */
int config_error_set(ConfigError *e, const char *source, unsigned line, const char *path,
                     const char *key, const char *fmt, ...) __attribute__((__format__(printf, 6, 7)));
/* An error with a message only (an operation on the tree, not a place in a file);
 * returns code, a negative errno. */
int config_error_message(ConfigError *e, int code, const char *fmt, ...) __attribute__((__format__(printf, 3, 4)));
/* The same, but taking the place from a param or section. */
int config_error_param(ConfigError *e, const Config *c, const ConfigParam *p,
                       const char *fmt, ...) __attribute__((__format__(printf, 4, 5)));
int config_error_section(ConfigError *e, const Config *c, const ConfigSection *s, const char *key,
                         const char *fmt, ...) __attribute__((__format__(printf, 5, 6)));

Config *config_new(const char *source);
Config *config_free(Config *c);
static inline void config_freep(Config **c) {
        if (*c)
                config_free(*c);
}

/* Parse text (not NUL-terminated necessarily) of length len.  Refuses more than
 * CONFIG_MAX_BYTES, NUL bytes, invalid UTF-8, lines before the first section,
 * unknown section names, lines without '=', duplicate keys within a section,
 * empty keys.  On error returns negative errno, *ret untouched, err filled:
 * -E2BIG for a limit (bytes, sections, keys per section, value length),
 * -EINVAL for everything else.  err may be NULL. */
int config_parse(const char *text, size_t len, ConfigFormat format, const char *source,
                 Config **ret, ConfigError *err);
int config_parse_ini(const char *text, size_t len, const char *source, Config **ret, ConfigError *err);
int config_parse_json(const char *text, size_t len, const char *source, Config **ret, ConfigError *err);
/* Reads a whole file (refusing > CONFIG_MAX_BYTES before reading it all); *ret_text
 * is NUL-terminated, *ret_len does not count the NUL. */
int config_read_file(const char *path, char **ret_text, size_t *ret_len, ConfigError *err);
/* Reads a file (refusing > CONFIG_MAX_BYTES before reading it all) and parses it. */
int config_parse_file(const char *path, ConfigFormat format, Config **ret, ConfigError *err);

/* "ini" | "json" | "" (auto); -EINVAL otherwise. */
int config_format_from_string(const char *s, ConfigFormat *ret);
/* "project" | "engine" | "task" */
const char *config_section_type_to_string(ConfigSectionType t);

/* Keys: 1..CONFIG_KEY_MAX characters of [A-Za-z0-9_.-]. */
bool config_key_is_valid(const char *key);
/* Values: at most CONFIG_VALUE_MAX bytes of UTF-8, no control characters, no
 * leading or trailing space/tab (so that every value survives an INI round trip). */
bool config_value_is_valid(const char *value);

/* Building (the daemon serialises its tree this way).  config_add_section returns
 * NULL on OOM; the pointer is valid until the next config_add_section on c.
 * config_section_add: -EINVAL for an invalid key or value, -EEXIST for a key the
 * section already has, -ENOMEM. */
ConfigSection *config_add_section(Config *c, ConfigSectionType type);
int config_section_add(ConfigSection *s, const char *key, const char *value);
const ConfigParam *config_section_get(const ConfigSection *s, const char *key);

/* Writers.  JSON nests engines under their project and tasks under their engine:
 *   {"projects":[{"name":..,"loop":1,..,"engines":[{"name":..,"type":..,"params":{..},
 *     "tasks":[{"name":..,"type":"pid","value":"..","params":{..}}]}]}]}
 * Integer-valued generic project keys are written as JSON numbers, others as strings.
 * The project key "state" ("running"|"stopped") is carried through JSON only. */
/* Both return -EINVAL for a config they cannot represent so that it parses back
 * (JSON: a section without its name, an engine/task naming no known project/engine,
 * duplicate project or engine names, unknown project keys; both: invalid keys/values),
 * -E2BIG when the result would exceed CONFIG_MAX_BYTES / CONFIG_MAX_SECTIONS.
 * config_to_ini leaves out the project key "state". */
int config_to_json(const Config *c, char **ret);
int config_to_ini(const Config *c, char **ret);

/* ---- typed views of sections, with generic validation ---- */

typedef struct ProjectSpec {
        const char *name;
        const char *scan_type;            /* "page" (default) or "psi" (static strings) */
        unsigned loop, interval, sleep;   /* required, but for psi: loop 1, sleep = interval */
        int sysmem_threshold;             /* -1 = unset, else 0..100 */
        int swapcache_high_wmark;         /* -1 = unset, else 1..100 */
        int swapcache_low_wmark;          /* -1 = unset, else 1..high-1 */
        bool running;                     /* "state"="running" (JSON / state file) */
} ProjectSpec;

typedef struct EngineSpec {
        const char *project;
        const char *type;      /* value of name=: slide | cslide | thirdparty | other plugin type */
        const char *name;      /* object name: = type, or eng_name for thirdparty */
        const char *libname;   /* thirdparty only */
        const char *ops_name;  /* thirdparty only */
        /* remaining keys for the plugin, in order (points into the section) */
        const ConfigParam **params;
        size_t n_params;
} EngineSpec;

#define CONFIG_TASK_UNTARGETED_VALUE "cgroup_v1"

typedef struct TaskSpec {
        const char *project;
        const char *engine;
        const char *name;
        const char *type;      /* "pid" | "name" */
        const char *value;     /* pid: 1..CONFIG_TASK_PID_MAX decimal; name: 1..15 bytes, no '/' */
        bool untargeted;       /* neither type nor value given (psi): type "name", value
                                * CONFIG_TASK_UNTARGETED_VALUE, as upstream's psi_conf.yaml writes */
        /* uid=N (type=name): only processes whose real and effective uid are N match */
        bool has_uid;
        uint32_t uid;
        /* binding=START@BOOT_ID (type=pid, JSON and the state file only): the start time
         * (/proc/PID/stat field 22) of the process the task bound itself to, in that boot */
        bool has_binding;
        unsigned long long binding_start;
        char binding_boot[CONFIG_BOOT_ID_MAX + 1];
        const ConfigParam **params;
        size_t n_params;
} TaskSpec;

/* Names: 1..CONFIG_NAME_MAX characters of [A-Za-z0-9_.-], not starting with '.' or '-'. */
bool config_name_is_valid(const char *name);

/* Each fills *ret with pointers into s (valid while c lives; free spec->params with free()).
 * Errors: unknown key (project sections only — engine/task unknown keys are the plugin's),
 * missing required key, value out of range ("loop: 11 is out of range 1..10"). */
int config_project_spec(const Config *c, const ConfigSection *s, ProjectSpec *ret, ConfigError *err);
int config_engine_spec(const Config *c, const ConfigSection *s, EngineSpec *ret, ConfigError *err);
int config_task_spec(const Config *c, const ConfigSection *s, TaskSpec *ret, ConfigError *err);

/* Helpers for strict number parsing used by the daemon and plugins:
 * decimal only, no sign, no whitespace, no trailing junk, range-checked.
 * -EINVAL when s is not a decimal number, -ERANGE when outside min..max. */
int config_parse_uint(const char *s, unsigned long long min, unsigned long long max, unsigned long long *ret);
