/* mkdir_p.c - see mkdir_p.h. */
#include "base/mkdir_p.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/arena.h"

int sg_mkdir_p(const char *path, mode_t mode, char *failed, size_t failedlen)
{
    struct stat whole;
    if (stat(path, &whole) == 0)
        return 0; /* the common case, one call instead of one per level */
    size_t n = strlen(path);
    char *p = sg_xmalloc(n + 1);
    memcpy(p, path, n + 1);
    int rc = 0;
    for (size_t i = 1; i <= n && rc == 0; i++) {
        if ((p[i] != '/' && p[i] != '\0') || p[i - 1] == '/')
            continue;
        char saved = p[i];
        p[i] = '\0';
        struct stat st;
        if (stat(p, &st) != 0 && (errno != ENOENT || mkdir(p, mode) != 0) && errno != EEXIST) {
            rc = errno;
            if (failed)
                snprintf(failed, failedlen, "%s", p);
        }
        p[i] = saved;
    }
    free(p);
    return rc;
}
