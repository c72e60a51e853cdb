/* secret_file.c - see secret_file.h. */
#include "base/secret_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/read_fd.h"

bool sg_secret_read(const char *what, const char *path, size_t max, char **data, size_t *len, char *err,
                    size_t errlen)
{
    *data = NULL;
    *len = 0;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "cannot read %s %s: %s", what, path, strerror(errno));
        return false;
    }
    if (sb.st_mode & S_IROTH) {
        snprintf(err, errlen, "%s %s is readable by every user: make it readable by the mail services only (e.g. "
                              "chmod 0640, group mail)", what, path);
        return false;
    }
    char *buf = NULL;
    size_t n = 0, size = 0;
    bool too_large = false;
    int e = sg_read_file(path, max, &buf, &n, &too_large, &size);
    if (e != 0) {
        snprintf(err, errlen, "cannot read %s %s: %s", what, path, strerror(e));
        return false;
    }
    if (too_large) {
        sg_secret_free(buf, n);
        snprintf(err, errlen, "%s %s is larger than %zu bytes", what, path, max);
        return false;
    }
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    *data = buf;
    *len = n;
    return true;
}

void sg_secret_free(char *data, size_t len)
{
    if (!data)
        return;
    volatile char *p = data;
    for (size_t i = 0; i < len; i++)
        p[i] = 0;
    free(data);
}
