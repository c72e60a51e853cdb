/* msgsrc.h - a message's bytes without reading them into memory.
 *
 * Takes: a file path, or a descriptor (an MTA's standard input: a pipe, or a
 * regular file). Returns: the bytes mapped read-only (MAP_PRIVATE), so that
 * a reader touches only the pages it reads - the header section of a 50 MB
 * message is a few pages - and the descriptor of a regular file holding them,
 * so that copies are made with pread() in small chunks instead of through the
 * mapping (the body's pages are then never part of the process). A pipe is
 * first spooled, 64 KiB at a time, into an unlinked temporary file in
 * spool_dir (O_TMPFILE; nothing is left behind by a killed process).
 * Memory: a small constant, whatever the message's size; a file of up to
 * 64 KiB is read into memory instead (cheaper than a mapping).
 */
#ifndef SG_MSGSRC_H
#define SG_MSGSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct sg_msgsrc {
    const char *data; /* the bytes: the mapping, or "" for an empty message */
    size_t len;
    int fd;           /* the regular file holding them (read-only), or -1 */
    off_t file_offset; /* where data[0] is in that file */
    void *map;        /* for munmap, or NULL */
    char *copy;       /* a small file's bytes, read instead of mapped (to free), or NULL */
    size_t maplen;
    bool owns_fd;
} sg_msgsrc;

/* 0 or errno (EFBIG when the message is larger than max). */
int sg_msgsrc_open_path(sg_msgsrc *m, const char *path, size_t max);
/* Takes fd as it is (a regular file: mapped from its current offset; a pipe
 * or anything else: spooled into spool_dir, "/tmp" when NULL). The caller
 * keeps fd. 0 or errno. */
int sg_msgsrc_open_fd(sg_msgsrc *m, int fd, size_t max, const char *spool_dir);
/* A message held in memory (no descriptor): data is not copied. */
void sg_msgsrc_from_memory(sg_msgsrc *m, const char *data, size_t len);
void sg_msgsrc_close(sg_msgsrc *m);

/* The file offset of a pointer into m->data (for pread from m->fd). */
off_t sg_msgsrc_offset(const sg_msgsrc *m, const char *p);

#endif
