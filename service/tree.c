/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "engine.h"
#include "macro.h"
#include "project.h"
#include "task.h"
#include "tree.h"

void tree_init(Tree *t) {
        *t = (Tree) { .max_objects = TREE_DEFAULT_MAX_OBJECTS };
}

void tree_done(Tree *t) {
        while (t->n_projects > 0)
                project_free(t->projects[--t->n_projects]);
        free(t->projects);
        t->projects = NULL;
        t->cap_projects = 0;
        t->n_objects = 0;
}

Project *tree_find_project(const Tree *t, const char *name) {
        for (size_t i = 0; i < t->n_projects; i++)
                if (streq(t->projects[i]->name, name))
                        return t->projects[i];
        return NULL;
}

Engine *tree_find_engine(const Tree *t, const char *project, const char *engine) {
        Project *p = tree_find_project(t, project);
        return p ? project_find_engine(p, engine) : NULL;
}

Task *tree_find_task(const Tree *t, const char *project, const char *engine, const char *task) {
        Engine *e = tree_find_engine(t, project, engine);
        return e ? engine_find_task(e, task) : NULL;
}

int tree_reserve_projects(Tree *t, size_t n) {
        return GREEDY_REALLOC(t->projects, t->cap_projects, t->n_projects + n);
}

void tree_attach_project(Tree *t, Project *p) {
        assert(t->n_projects < t->cap_projects);
        t->projects[t->n_projects++] = p;
        p->tree = t;
        t->n_objects++;
        tree_added(t, OBJ_PROJECT, p);
}

void tree_detach_project(Tree *t, Project *p) {
        for (size_t i = 0; i < t->n_projects; i++)
                if (t->projects[i] == p) {
                        ARRAY_REMOVE(t->projects, t->n_projects, i);
                        t->n_objects--;
                        return;
                }
}

void tree_attach_engine(Tree *t, Project *p, Engine *e) {
        assert(p->n_engines < p->cap_engines);
        p->engines[p->n_engines++] = e;
        e->project = p;
        t->n_objects++;
        tree_added(t, OBJ_ENGINE, e);
}

void tree_attach_task(Tree *t, Engine *e, Task *task) {
        assert(e->n_tasks < e->cap_tasks);
        e->tasks[e->n_tasks++] = task;
        task->engine = e;
        t->n_objects++;
        tree_added(t, OBJ_TASK, task);
}

void tree_detach_engine(Tree *t, Engine *e) {
        Project *p = e->project;

        for (size_t i = 0; i < p->n_engines; i++)
                if (p->engines[i] == e) {
                        ARRAY_REMOVE(p->engines, p->n_engines, i);
                        t->n_objects--;
                        return;
                }
}

void tree_detach_task(Tree *t, Task *task) {
        Engine *e = task->engine;

        for (size_t i = 0; i < e->n_tasks; i++)
                if (e->tasks[i] == task) {
                        ARRAY_REMOVE(e->tasks, e->n_tasks, i);
                        t->n_objects--;
                        return;
                }
}

void tree_set_project_state(Tree *t, Project *p, ProjectState s, const char *error) {
        if (project_set_state(p, s, error))
                tree_changed(t, OBJ_PROJECT, p, TREE_CHANGE_STATE);
}

void tree_added(Tree *t, ObjKind kind, void *obj) {
        if (t->observer.added)
                t->observer.added(t->observer.userdata, kind, obj);
}

void tree_removing(Tree *t, ObjKind kind, void *obj) {
        if (t->observer.removing)
                t->observer.removing(t->observer.userdata, kind, obj);
}

void tree_changed(Tree *t, ObjKind kind, void *obj, unsigned what) {
        if (t->observer.changed)
                t->observer.changed(t->observer.userdata, kind, obj, what);
}

int obj_refs_add(ObjRefs *l, ObjKind kind, void *obj) {
        return GREEDY_APPEND(l->v, l->n, l->cap, ((ObjRef) { kind, obj }));
}

void obj_refs_done(ObjRefs *l) {
        free(l->v);
        *l = (ObjRefs) {};
}
