/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm-guest.h"
#include "macro.h"
#include "proc-util.h"

bool mem_maps_line_is_kvm_vcpu(const char *line) {
        /* "start-end perms offset dev inode   path": the path is the 6th field */
        const char *p = line;
        for (int field = 0; field < 5; field++) {
                p = strchr(p, ' ');
                if (!p)
                        return false;
                p += strspn(p, " ");
        }
        static const char vcpu[] = "anon_inode:kvm-vcpu";
        return strncmp(p, vcpu, sizeof vcpu - 1) == 0;
}

int mem_process_runs_kvm(pid_t pid, int pidfd) {
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        int r = 0;
        FILE *f = proc_fopen_checked(pid, pidfd, "maps", &r);

        if (!f)
                return r < 0 ? r : -EIO;
        r = 0;
        while (getline(&line, &size, f) > 0)
                if (mem_maps_line_is_kvm_vcpu(line)) {
                        r = 1;
                        break;
                }
        if (r == 0 && ferror(f))
                r = -EIO;
        fclose(f);
        return r;
}
