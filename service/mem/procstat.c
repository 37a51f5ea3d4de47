/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>

#include "macro.h"
#include "proc-util.h"
#include "procstat.h"
#include "target.h"

int mem_procstat_read(pid_t pid, int pidfd, struct etmem_procstat *ret) {
        _cleanup_close_ int fd = proc_open_checked(pid, pidfd, "stat", O_RDONLY);
        unsigned long long v[MEM_STAT_FIELDS];
        int r;

        if (fd < 0)
                return fd;
        r = mem_proc_stat_fd(fd, NULL, v);
        if (r < 0)
                return r;
        /* minflt is field 10, majflt 12, starttime 22 (proc(5)); v[0] is field 4 */
        *ret = (struct etmem_procstat) { .minflt = v[10 - 4], .majflt = v[12 - 4], .starttime = v[22 - 4] };
        return 0;
}
