/* golden.h - byte-exact comparison of built mail against a golden file, for
 * cmocka tests (include after <cmocka.h>).
 *
 * Takes: the expected-files directory, a file name and the bytes built.
 * Fails the current test at the first differing byte, printing both texts;
 * with SG_UPDATE_EXPECTED=1 in the environment it writes the file instead.
 */
#ifndef SG_TEST_GOLDEN_H
#define SG_TEST_GOLDEN_H

#include <stdio.h>
#include <stdlib.h>

#include "base/arena.h"

static inline char *golden_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *s = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len + 4096 + 1 > cap)
            s = sg_xrealloc(s, cap = (cap ? cap * 2 : 8192));
        size_t got = fread(s + *len, 1, 4096, f);
        *len += got;
        if (got < 4096)
            break;
    }
    s[*len] = '\0';
    fclose(f);
    return s;
}

static inline void golden_compare(const char *dir, const char *name, const char *data, size_t data_len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (getenv("SG_UPDATE_EXPECTED")) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, data_len, f), data_len);
        fclose(f);
        return;
    }
    size_t len = 0;
    char *want = golden_read(path, &len);
    if (!want)
        fail_msg("cannot read %s (run with SG_UPDATE_EXPECTED=1 to create it)", path);
    size_t i = 0;
    while (i < len && i < data_len && want[i] == data[i])
        i++;
    if (i != len || i != data_len) {
        print_error("%s differs at byte %zu\n--- expected:\n%s\n--- got:\n%.*s\n", name, i, want, (int)data_len, data);
        free(want);
        fail();
    }
    free(want);
}

#endif
