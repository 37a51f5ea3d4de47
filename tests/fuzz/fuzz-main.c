/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs a libFuzzer target over files and directories (the checked-in corpus) without
 * libFuzzer, so that every build, with any compiler, replays the corpus as a test. */

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, n;
        char chunk[65536];
        FILE *m;

        if (!f) {
                fprintf(stderr, "%s: %m\n", path);
                return -1;
        }
        m = open_memstream(&buf, &size);
        if (!m)
                return -1;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
                fwrite(chunk, 1, n, m);
        fclose(m);
        /* a copy of exactly size bytes, so ASan catches reads past the end */
        {
                _cleanup_free_ uint8_t *exact = malloc(size ? size : 1);

                if (!exact)
                        return -1;
                memcpy(exact, buf, size);
                LLVMFuzzerTestOneInput(exact, size);
        }
        return 0;
}

int main(int argc, char **argv) {
        unsigned ran = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %m\n", argv[i]);
                        return EXIT_FAILURE;
                }
                if (S_ISDIR(st.st_mode)) {
                        struct dirent **list = NULL;
                        int n = scandir(argv[i], &list, NULL, alphasort);

                        if (n < 0) {
                                fprintf(stderr, "%s: %m\n", argv[i]);
                                return EXIT_FAILURE;
                        }
                        for (int k = 0; k < n; k++) {
                                _cleanup_free_ char *p = NULL;

                                if (list[k]->d_name[0] != '.' &&
                                    asprintf(&p, "%s/%s", argv[i], list[k]->d_name) >= 0 &&
                                    stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
                                        if (run_file(p) < 0)
                                                return EXIT_FAILURE;
                                        ran++;
                                }
                                free(list[k]);
                        }
                        free(list);
                } else {
                        if (run_file(argv[i]) < 0)
                                return EXIT_FAILURE;
                        ran++;
                }
        }
        printf("ran %u inputs, none crashed\n", ran);
        return ran > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
