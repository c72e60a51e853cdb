/* write_fd.h - writing all of a buffer to a file descriptor: the one loop
 * behind the files written (store/script_store.c, store/policy_snapshot_file.c,
 * the Maildir writer in engine/deliver/) and the servers' plain-text replies.
 *
 * Takes: a descriptor and bytes. Returns: 0 when every byte was written
 * (a write cut short or interrupted by a signal goes on), else the errno
 * of the write that failed (EIO for a write of 0 bytes). */
#ifndef SG_WRITE_FD_H
#define SG_WRITE_FD_H

#include <stddef.h>

int sg_write_fd(int fd, const void *data, size_t len);

#endif
