/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The object tree: projects, their engines, their tasks.  Plain data: it knows
 * nothing of D-Bus.  What happens to it is told to one observer (the bus layer
 * installs it): an object was added (findable now), is being removed (still
 * findable; freed right after), or changed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "project.h"
#include "types.h"

typedef enum ObjKind {
        OBJ_PROJECT,
        OBJ_ENGINE,
        OBJ_TASK,
} ObjKind;

/* What changed, for TreeObserver.changed. */
enum {
        TREE_CHANGE_STATE = 1u << 0,    /* project: State, LastError */
        TREE_CHANGE_CYCLES = 1u << 1,   /* project: Cycles (sum over its tasks) */
        TREE_CHANGE_FIGURES = 1u << 2,  /* task: counters, Pids, Status, LastError */
        TREE_CHANGE_PARAMS = 1u << 3,   /* engine: Params */
};

typedef struct TreeObserver {
        void (*added)(void *userdata, ObjKind kind, void *obj);
        void (*removing)(void *userdata, ObjKind kind, void *obj);
        void (*changed)(void *userdata, ObjKind kind, void *obj, unsigned what);
        void *userdata;
} TreeObserver;

struct Tree {
        Project **projects;   /* in creation order */
        size_t n_projects, cap_projects;
        unsigned n_objects;   /* projects + engines + tasks */
        unsigned max_objects;
        TreeObserver observer;
};

#define TREE_DEFAULT_MAX_OBJECTS 1024u

void tree_init(Tree *t);
/* Frees every project (their tasks must have been stopped). */
void tree_done(Tree *t);

Project *tree_find_project(const Tree *t, const char *name);
Engine *tree_find_engine(const Tree *t, const char *project, const char *engine);
Task *tree_find_task(const Tree *t, const char *project, const char *engine, const char *task);

/* Makes room for n more projects, so that tree_attach_project() cannot fail. */
int tree_reserve_projects(Tree *t, size_t n);
/* Adds a detached project (room reserved); tells the observer. */
void tree_attach_project(Tree *t, Project *p);
/* Adds a detached engine to its project, a detached task to its engine (room reserved
 * with project_reserve_engines / engine_reserve_tasks); tells the observer. */
void tree_attach_engine(Tree *t, Project *p, Engine *e);
void tree_attach_task(Tree *t, Engine *e, Task *task);
/* Unlink from the parent (the caller frees the object; the observer was told first). */
void tree_detach_project(Tree *t, Project *p);
void tree_detach_engine(Tree *t, Engine *e);
void tree_detach_task(Tree *t, Task *task);

/* project_set_state(), telling the observer when State or LastError changed. */
void tree_set_project_state(Tree *t, Project *p, ProjectState s, const char *error);

void tree_added(Tree *t, ObjKind kind, void *obj);
void tree_removing(Tree *t, ObjKind kind, void *obj);
void tree_changed(Tree *t, ObjKind kind, void *obj, unsigned what);

/* A list of objects, such as what apply_config() added. */
typedef struct ObjRef {
        ObjKind kind;
        void *obj;
} ObjRef;

typedef struct ObjRefs {
        ObjRef *v;
        size_t n, cap;
} ObjRefs;

int obj_refs_add(ObjRefs *l, ObjKind kind, void *obj);
void obj_refs_done(ObjRefs *l);
