/* read_fd.h - reading a whole file descriptor into memory, bounded: the one
 * loop behind scripts and messages (sg_read_file), included scripts
 * (engine/core/include.c), dovecot-keywords (engine/deliver/maildir_keywords.c) and the policy
 * snapshot file (store/policy_snapshot_file.c).
 *
 * Takes: an open descriptor (read from where it is; not closed), the size
 * expected (st_size, or 0 when unknown) and a bound. Returns: 0 with *data a
 * malloc'd buffer of *len bytes followed by two NUL bytes (so the script
 * parser can scan it in place), or an errno with nothing allocated. Reading
 * stops at the end of the file or as soon as more than max bytes are in:
 * *len > max then says the file is larger, and what to do is the caller's. */
#ifndef SG_READ_FD_H
#define SG_READ_FD_H

#include <stdbool.h>
#include <stddef.h>

int sg_read_fd(int fd, size_t size_hint, size_t max, char **data, size_t *len);

/* Reads a whole file (or standard input for "-") up to max bytes, followed by
 * two NUL bytes (for sg_parse_buffer); *too_large is set and *size holds the
 * real size (when known) if it is bigger. Returns 0 or errno (EISDIR for a
 * directory). */
int sg_read_file(const char *path, size_t max, char **data, size_t *len, bool *too_large, size_t *size);

#endif
