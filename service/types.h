/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

typedef struct Manager Manager;
typedef struct Tree Tree;
typedef struct Lifecycle Lifecycle;
typedef struct Project Project;
typedef struct Engine Engine;
typedef struct Task Task;
typedef struct Plugin Plugin;
typedef struct EngineImpl EngineImpl;
typedef struct TaskImpl TaskImpl;
typedef struct etmem_run TaskRun;
