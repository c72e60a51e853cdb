/* write_fd.h - writing all of a buffer to a file descriptor: the one loop
 * behind the files written (store/script_store.c, store/policy_snapshot_file.c,
 * the Maildir writer in engine/deliver/) and the servers' plain-text replies;
 * and the fsync of a new file's directory entry after a rename into it
 * (sg_fsync_parent: the snapshot file, the audit spool).
 *
 * Takes: a descriptor and bytes. Returns: 0 when every byte was written
 * (a write cut short or interrupted by a signal goes on), else the errno
 * of the write that failed (EIO for a write of 0 bytes). */
#ifndef SG_WRITE_FD_H
#define SG_WRITE_FD_H

#include <stddef.h>

int sg_write_fd(int fd, const void *data, size_t len);

/* fsync(2) of the directory holding `path` (after a rename into it). 0, or errno. */
int sg_fsync_parent(const char *path);

#endif
