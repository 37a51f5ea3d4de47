/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether a process runs KVM guests (DESIGN §7, "VM targets").  A guest's accesses to
 * its memory go through KVM's secondary MMU (EPT/NPT) and never set the accessed bits
 * of the VMM's own page tables, so a tracker that reads only those (the kmod, clear_refs)
 * sees the guest's hot memory as cold; DAMON vaddr and page_idle ask the mmu notifiers. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* 1 if the process maps a KVM vCPU (every VMM mmaps its vCPUs' kvm_run: an
 * "anon_inode:kvm-vcpu" line in /proc/PID/maps), 0 if not, -ESRCH / -errno. */
int mem_process_runs_kvm(pid_t pid, int pidfd);
/* For tests: the same check on one line of a maps file. */
bool mem_maps_line_is_kvm_vcpu(const char *line);
