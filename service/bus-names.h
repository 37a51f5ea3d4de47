/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bus name, object paths and interfaces of etmemd, shared by etmemd and etmemctl. */
#pragma once

#define ETMEM_BUS_NAME "org.etmem"
#define ETMEM_ROOT_PATH "/org/etmem"
#define ETMEM_PROJECT_PREFIX "/org/etmem/project"
#define ETMEM_MANAGER_IFACE "org.etmem.Manager1"
#define ETMEM_PROJECT_IFACE "org.etmem.Project1"
#define ETMEM_ENGINE_IFACE "org.etmem.Engine1"
#define ETMEM_TASK_IFACE "org.etmem.Task1"

/* The path of a project (engine and task NULL), an engine (task NULL) or a task,
 * ETMEM_PROJECT_PREFIX "/P[/engine/E[/task/T]]", names escaped by sd_bus_path_encode. */
int etmem_object_path(const char *project, const char *engine, const char *task, char **ret);
/* PARENT "/" KIND "/" escaped NAME: a child's path from its parent's (the same result). */
int etmem_child_path(const char *parent, const char *kind, const char *name, char **ret);
/* The reverse: which names a path holds (ret_engine, ret_task get NULL where it names a
 * project or an engine).  -ENXIO for a path that names no etmem object, -ENOMEM. */
int etmem_object_path_decode(const char *path, char **ret_project, char **ret_engine, char **ret_task);
