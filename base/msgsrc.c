/* msgsrc.c - see msgsrc.h. */
#define _GNU_SOURCE /* O_TMPFILE */
#include "base/msgsrc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_CHUNK (64 * 1024)
/* Up to this size a file is read, not mapped: mapping and unmapping cost more
 * than copying a few pages (`sievegate filter` over 1,000 messages of 4 KiB:
 * the munmap alone was a third of the system time), and memory stays small. */
#define READ_BELOW (64 * 1024)

void sg_msgsrc_from_memory(sg_msgsrc *m, const char *data, size_t len)
{
    memset(m, 0, sizeof *m);
    m->data = data ? data : "";
    m->len = data ? len : 0;
    m->fd = -1;
}

/* Maps (or reads) [offset, end) of the regular file fd; known: its fstat, or NULL. */
static int map_file(sg_msgsrc *m, int fd, off_t offset, size_t max, const struct stat *known)
{
    struct stat st;
    if (known)
        st = *known;
    else if (fstat(fd, &st) != 0)
        return errno;
    if (offset < 0 || offset > st.st_size)
        offset = 0;
    size_t len = (size_t)(st.st_size - offset);
    if (len > max)
        return EFBIG;
    m->fd = fd;
    m->len = len;
    m->file_offset = offset;
    m->data = "";
    if (len == 0)
        return 0;
    if (len <= READ_BELOW) {
        char *buf = malloc(len);
        if (!buf)
            return ENOMEM;
        size_t got = 0;
        while (got < len) {
            ssize_t r = pread(fd, buf + got, len - got, offset + (off_t)got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                int e = r < 0 ? errno : EIO; /* shorter than fstat said: changed while read */
                free(buf);
                return e;
            }
            got += (size_t)r;
        }
        m->copy = buf;
        m->data = buf;
        return 0;
    }
    /* mmap wants a page-aligned offset: map from the page holding it */
    long page = sysconf(_SC_PAGESIZE);
    off_t base = offset - offset % (page > 0 ? page : 4096);
    m->maplen = len + (size_t)(offset - base);
    m->map = mmap(NULL, m->maplen, PROT_READ, MAP_PRIVATE, fd, base);
    if (m->map == MAP_FAILED) {
        int e = errno;
        m->map = NULL;
        return e;
    }
    m->data = (const char *)m->map + (offset - base);
    return 0;
}

int sg_msgsrc_open_path(sg_msgsrc *m, const char *path, size_t max)
{
    sg_msgsrc_from_memory(m, NULL, 0);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
        if (e) {
            close(fd);
            return e;
        }
        int rc = sg_msgsrc_open_fd(m, fd, max, NULL); /* a FIFO or a device: spooled */
        close(fd);
        return rc;
    }
    int rc = map_file(m, fd, 0, max, &st);
    if (rc) {
        close(fd);
        m->fd = -1;
        return rc;
    }
    m->owns_fd = true;
    return 0;
}

int sg_msgsrc_open_fd(sg_msgsrc *m, int fd, size_t max, const char *spool_dir)
{
    sg_msgsrc_from_memory(m, NULL, 0);
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        off_t at = lseek(fd, 0, SEEK_CUR);
        int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (dup_fd < 0)
            return errno;
        int rc = map_file(m, dup_fd, at < 0 ? 0 : at, max, &st);
        if (rc) {
            close(dup_fd);
            m->fd = -1;
            return rc;
        }
        m->owns_fd = true;
        return 0;
    }
    int spool = open(spool_dir ? spool_dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (spool < 0)
        return errno;
    char *buf = malloc(SPOOL_CHUNK);
    if (!buf) {
        close(spool);
        return ENOMEM;
    }
    size_t total = 0;
    int e = 0;
    for (;;) {
        ssize_t got = read(fd, buf, SPOOL_CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            e = errno;
            break;
        }
        if (got == 0)
            break;
        total += (size_t)got;
        if (total > max) {
            e = EFBIG;
            break;
        }
        for (ssize_t off = 0; off < got && !e;) {
            ssize_t w = write(spool, buf + off, (size_t)(got - off));
            if (w < 0 && errno != EINTR)
                e = errno;
            else if (w > 0)
                off += w;
        }
        if (e)
            break;
    }
    free(buf);
    if (!e)
        e = map_file(m, spool, 0, max, NULL);
    if (e) {
        close(spool);
        m->fd = -1;
        return e;
    }
    m->owns_fd = true;
    return 0;
}

void sg_msgsrc_close(sg_msgsrc *m)
{
    if (m->map)
        munmap(m->map, m->maplen);
    free(m->copy);
    if (m->owns_fd && m->fd >= 0)
        close(m->fd);
    sg_msgsrc_from_memory(m, NULL, 0);
}

off_t sg_msgsrc_offset(const sg_msgsrc *m, const char *p)
{
    return m->file_offset + (off_t)(p - m->data);
}
