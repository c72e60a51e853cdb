/* read_fd.c - see read_fd.h. */
#include "base/read_fd.h"

#include <errno.h>
#include <sys/stat.h>
#include <string.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/arena.h"

#define FIRST_CHUNK (64 * 1024) /* when the size is unknown or over the bound */

int sg_read_fd(int fd, size_t size_hint, size_t max, char **data, size_t *len)
{
    size_t cap = size_hint && size_hint <= max ? size_hint + 3 : FIRST_CHUNK, n = 0;
    char *buf = sg_xmalloc(cap);
    for (;;) {
        if (cap - n < 3) { /* one byte to read into, two for the NULs */
            if (n > max)
                break;
            cap *= 2;
            buf = sg_xrealloc(buf, cap);
        }
        ssize_t r = read(fd, buf + n, cap - n - 2);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            return e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max)
            break;
    }
    buf[n] = buf[n + 1] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

int sg_read_file(const char *path, size_t max, char **data, size_t *len, bool *too_large, size_t *size)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat st;
    *too_large = false;
    *size = 0;
    if (fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            if (fd != STDIN_FILENO)
                close(fd);
            return EISDIR;
        }
        if (S_ISREG(st.st_mode))
            *size = (size_t)st.st_size;
    }
    char *buf;
    size_t n;
    int e = sg_read_fd(fd, *size, max, &buf, &n);
    if (fd != STDIN_FILENO)
        close(fd);
    if (e)
        return e;
    if (n > max) {
        *too_large = true;
        if (*size < n)
            *size = n;
    }
    *data = buf;
    *len = n;
    return 0;
}
