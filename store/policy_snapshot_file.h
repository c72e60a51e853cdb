/* policy_snapshot_file.h - a read-only copy of the SQLite policy store, tied
 * to the exact state of the store file it copies, so that a delivery can
 * decide without loading SQLite at all.
 *
 * Why: a delivery process that loads SQLite to read a few kilobytes of policy
 * pays about 1 ms of dynamic linking and about 1.3 MB of RSS for the library's
 * code (bench/compare.sh; issues 6 and 7), more than the rest of the delivery.
 *
 * Takes: the path of a policy store (store/policy_store.c: SQLite in
 * rollback-journal mode). The file is PATH.snapshot, written by `sievegate
 * policy` after each change, atomically (a temporary file, fsync, rename,
 * fsync of the directory), owned by the store file's owner.
 *
 * Format (text header, then the six cache entries of store/policy_codec.h,
 * each with its own generation and checksum):
 *
 *     "SGPSNAP2 " COUNTER " " SIZE " " INODE " " DEVICE " " MTIME-SEC " "
 *       MTIME-NSEC " " GENERATION " " LEN-ORG ... LEN-FORWARDS "\n" ENTRIES
 *
 * COUNTER .. MTIME label the store file state the copy was made from: SQLite's
 * file change counter (database header offset 24, which every committed write
 * transaction changes; https://www.sqlite.org/fileformat2.html#file_change_counter)
 * and the file's stat. The copy is written only when the label read before
 * and after loading the policy from the store is the same.
 *
 * Returns, when reading: the policy, only when ALL of these hold, checked now:
 *  - the store file's header is SQLite's, in rollback-journal mode (header
 *    bytes 18-19 are 1), and its label is the copy's label;
 *  - no rollback journal holds data (a write in progress or interrupted);
 *  - the copy is a regular file owned by the store file's owner and not
 *    writable by anyone the store file is not writable by;
 *  - the header, the lengths and every entry decode strictly.
 * Anything else: SG_SNAPSHOT_FILE_UNUSABLE with the reason, and the caller
 * reads the store as before. The copy is an optimisation, never a second
 * source of truth: an admin change is seen by the next delivery either way.
 *
 * Reading opens and closes the store file itself (for its header): do it
 * only while this process holds no SQLite transaction on it, since closing
 * any descriptor of a file drops the process's POSIX locks on it. */
#ifndef SG_POLICY_SNAPSHOT_FILE_H
#define SG_POLICY_SNAPSHOT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"
#include "store/policy_store.h"

typedef enum {
    SG_SNAPSHOT_FILE_OK = 0,
    SG_SNAPSHOT_FILE_UNUSABLE, /* missing, stale, not trusted or corrupt: read the store */
} sg_snapshot_file_status;

/* On SG_SNAPSHOT_FILE_OK, *out is the policy (the caller frees it with
 * sg_policy_free); else *out is NULL and `why` says why, for a debug log. */
sg_snapshot_file_status sg_snapshot_file_read(const char *store_path, sg_policy **out, char *why, size_t whylen);

/* What a long-lived reader (an LMTP worker's policy source) keeps of the
 * last copy it read and trusted: its bytes and the store file state they
 * belong to. While the store's label read now is that one, the store has not
 * changed since: the bytes are decoded again and the copy is not read (its
 * open, fstat and reads). The store's label and journal are still read every
 * time. Zero-initialised; sg_snapshot_file_memo_clear frees it. */
typedef struct sg_snapshot_file_memo {
    bool have;
    uint32_t counter;
    uint64_t size, ino, dev;
    int64_t mtime_sec, mtime_nsec;
    char *buf;
    size_t len;
} sg_snapshot_file_memo;

/* sg_snapshot_file_read with a memo (NULL: none). */
sg_snapshot_file_status sg_snapshot_file_read_memo(const char *store_path, sg_snapshot_file_memo *memo, sg_policy **out,
                                                   char *why, size_t whylen);
void sg_snapshot_file_memo_clear(sg_snapshot_file_memo *memo);

/* After a write through `store` (open on store_path, no transaction open):
 * loads the policy back and writes the copy. Returns false with err saying
 * why (the store kept changing, the directory is not writable...); readers
 * then read the store, which is slower but just as correct. On success,
 * *generation (when not NULL) is the generation the copy holds. */
bool sg_snapshot_file_write(const char *store_path, sg_policy_store *store, uint64_t *generation, char *err,
                            size_t errlen);

#endif
