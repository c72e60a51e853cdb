/* mkdir_p.h - "mkdir -p": a directory and its missing parents.
 *
 * Takes: an absolute path and the mode of the directories it creates.
 * Returns: 0, or the errno of the first mkdir or stat that failed, with that
 * directory's path in `failed` (may be NULL). Existing directories are left
 * as they are (a symbolic link to one is followed); users: a Maildir's root
 * (engine/deliver/maildir.c), a virtual user's home (the LMTP server).
 */
#ifndef SG_MKDIR_P_H
#define SG_MKDIR_P_H

#include <stddef.h>
#include <sys/types.h>

int sg_mkdir_p(const char *path, mode_t mode, char *failed, size_t failedlen);

#endif
