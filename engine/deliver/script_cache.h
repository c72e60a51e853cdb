/* script_cache.h - compiled scripts kept by a long-lived host (an LMTP
 * worker) across its deliveries, so that an unchanged script is parsed and
 * validated once, not once per message.
 *
 * Takes: a script's path and what stat(2) says of it now (device, inode,
 * size, mtime, ctime: the key; a file replaced, rewritten or touched no longer
 * matches, so a user editing the script over ManageSieve sees the change at
 * the next message), and, to keep, its source text and the parsed and
 * validated script (which points into that text). Returns: the entry for an
 * unchanged file, or NULL. One cache serves one registry and one set of
 * limits (the host's): what validation depended on.
 *
 * The caller offers only valid scripts that include nothing (an included
 * file's change would not show in the key); kept only when the file was last
 * changed at least
 * SG_SCRIPT_CACHE_SETTLE seconds before it was read (a write in the same
 * timestamp tick as the read, same size, would otherwise look unchanged).
 * Bounded by bytes (the scripts' arenas and texts, lmtp_script_cache_size):
 * the least recently used go first. An entry in use by a delivery (held) is
 * freed only when released, even if it was dropped from the cache meanwhile.
 * Thread-safe: one lock, taken briefly.
 */
#ifndef SG_DELIVER_SCRIPT_CACHE_H
#define SG_DELIVER_SCRIPT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include "grammar/ast.h"

#define SG_SCRIPT_CACHE_SETTLE 2 /* seconds: coarse file timestamps (ext4's jiffies, 1 s and 2 s filesystems) */

typedef struct sg_script_cache sg_script_cache;
typedef struct sg_cached_script sg_cached_script;

/* max_bytes 0: nothing is kept (every lookup misses). */
sg_script_cache *sg_script_cache_new(size_t max_bytes);
void sg_script_cache_free(sg_script_cache *c);

/* The entry for `path` whose file is still `st`, held (release it), or NULL. */
sg_cached_script *sg_script_cache_get(sg_script_cache *c, const char *path, const struct stat *st);

/* Keeps `script` (owning it and `src`, malloc'd) for `path` as stat'ed
 * before it was read, and returns it held; replaces an older entry of the
 * path. NULL when it is not to be kept (see above): the caller still owns
 * both. now: the time of the read. */
sg_cached_script *sg_script_cache_put(sg_script_cache *c, const char *path, const struct stat *st, sg_script *script,
                                      char *src, size_t len, time_t now);

const sg_script *sg_cached_script_script(const sg_cached_script *e);
const char *sg_cached_script_source(const sg_cached_script *e, size_t *len);

/* Done with a held entry: freed if the cache dropped it meanwhile. */
void sg_script_cache_release(sg_script_cache *c, sg_cached_script *e);

/* How many entries and bytes are kept (tests, logs). */
size_t sg_script_cache_count(sg_script_cache *c, size_t *bytes);

#endif
