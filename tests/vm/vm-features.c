/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Prints the memory layer's view of this kernel (what Manager1.KernelFeatures shows),
 * one "key: value" per line, for the VM suite's boot check. */
#include <stdio.h>
#include <string.h>

#include "kernel-features.h"
#include "macro.h"

int main(void) {
        _cleanup_strv_free_ char **l = NULL;
        int r = mem_kernel_features(&l);
        if (r < 0) {
                fprintf(stderr, "vm-features: mem_kernel_features: %s\n", strerror(-r));
                return 1;
        }
        for (size_t i = 0; l[i] && l[i + 1]; i += 2)
                printf("%s: %s\n", l[i], l[i + 1]);
        return 0;
}
