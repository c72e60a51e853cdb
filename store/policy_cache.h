/* policy_cache.h - memcached in front of the policy store (libmemcached).
 *
 * Takes: the cache settings of sievegate.conf, and snapshots to store.
 * Returns: the snapshot of a given store generation when every part of it is
 * cached and intact (one memcached_mget for the six parts), the last store
 * generation any host saw, or "unavailable". The cache is never needed for a
 * correct answer: the caller (store/policy_source.h) falls back to the store.
 *
 * Config keys (sievegate.conf or -o):
 *   memcached                    server list "host:port,host:port" (port 11211
 *                                when omitted); empty or unset: no cache
 *   policy_cache_ttl             seconds an entry lives (default 300, at most
 *                                2592000 = 30 days)
 *   memcached_connect_timeout_ms connect timeout (default 200)
 *   memcached_poll_timeout_ms    wait for a reply; also SO_SNDTIMEO/RCVTIMEO
 *                                (default 200)
 *   memcached_dead_timeout       seconds a failed server is skipped before it
 *                                is tried again (default 10)
 *   memcached_namespace          key prefix (default "sievegate"), so that
 *                                two installations can share memcached
 *
 * Keys: NS ":v1:" GENERATION ":" PART (parts of store/policy_codec.h),
 * NS ":v1:" GENERATION ":member:" HASH (one owner's view of the groups), and
 * NS ":v1:generation", which holds "SGG1 " GENERATION: the newest generation
 * a host stored, read only when the store itself cannot be read. Entries of
 * an old generation are never read again and simply expire.
 *
 * Failures: a dead server (connection refused or connect timeout) is ejected
 * by libmemcached at its first failed connect (SERVER_FAILURE_LIMIT 1,
 * REMOVE_FAILED_SERVERS) and retried after memcached_dead_timeout
 * (DEAD_TIMEOUT; without it a restarted server would never come back). A
 * hung server accepts connections but does not answer; libmemcached never
 * ejects it (and with several servers pending, ends an mget on a poll
 * timeout as if every key were missing, with no error). So this object
 * itself leaves out, for memcached_dead_timeout, every server that did not
 * reply within the poll timeout, and drops its connections so that no late
 * reply is ever read. Either way one lookup costs at most the connect
 * timeout plus the poll timeout once, and every failure kind (connection
 * failure, timeout, no reply, server marked dead, temporarily disabled, no
 * server left) is SG_CACHE_UNAVAILABLE for that call. The other servers stay
 * in use: keys are spread by consistent hashing (ketama), so leaving one
 * server out moves only its keys. This state lives in the object: a new
 * process (one delivery) pays the timeout once again.
 *
 * One object is used by one thread at a time; it holds no global state.
 */
#ifndef SG_POLICY_CACHE_H
#define SG_POLICY_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "policy/policy.h"
#include "store/policy_codec.h"

#define SG_CACHE_DEFAULT_TTL 300u
#define SG_CACHE_MAX_TTL 2592000u
#define SG_CACHE_DEFAULT_CONNECT_TIMEOUT_MS 200u
#define SG_CACHE_DEFAULT_POLL_TIMEOUT_MS 200u
#define SG_CACHE_DEFAULT_DEAD_TIMEOUT 10u
#define SG_CACHE_DEFAULT_NAMESPACE "sievegate"
#define SG_CACHE_DEFAULT_KEY_FILE "/etc/sievegate/memcached.key"
#define SG_CACHE_DEFAULT_FAILURE_DIR "/run/sievegate/memcached"

typedef struct {
    const char *servers;    /* NULL or "" for no cache; not owned */
    const char *namespace_; /* not owned */
    unsigned ttl;           /* seconds */
    unsigned connect_timeout_ms;
    unsigned poll_timeout_ms;
    unsigned dead_timeout; /* seconds, > 0 */
    const char *key_file;    /* the entries' HMAC key; NULL or "": none, so no cache; not owned */
    const char *failure_dir; /* failure memory shared by the host's processes; NULL or "": none; not owned */
} sg_policy_cache_options;

typedef enum {
    SG_CACHE_OK = 0,      /* found (get) or stored (put) */
    SG_CACHE_MISS,        /* not cached, expired, or corrupt (get); not stored (put) */
    SG_CACHE_UNAVAILABLE, /* no server answered in time: use the store */
} sg_cache_status;

typedef struct sg_policy_cache sg_policy_cache;

/* Defaults, then the config keys above. False (err says which key) on a
 * malformed value. The strings point into cfg. */
bool sg_policy_cache_options_from_config(const sg_config *cfg, sg_policy_cache_options *opt, char *err,
                                         size_t errlen);

/* *out is NULL when no server is configured (not an error). False on a
 * malformed server list or namespace. Opening does no network I/O. */
bool sg_policy_cache_open(const sg_policy_cache_options *opt, sg_policy_cache **out, char *err, size_t errlen);
void sg_policy_cache_close(sg_policy_cache *cache);

/* The snapshot of `generation` (sg_policy_free it) when all parts are cached
 * and decode; MISS when any part is missing or corrupt. */
sg_cache_status sg_policy_cache_get(sg_policy_cache *cache, uint64_t generation, sg_policy **out);

/* What one owner's decisions need, in one mget: every part but the groups,
 * and that owner's entry (the groups as the owner sees them, policy_codec.h).
 * The snapshot's groups are that view: use it only to decide for `owner`.
 * *shared_found says whether the shared parts were all there (so that a miss
 * of the owner's entry alone needs only sg_policy_cache_put_owner). */
sg_cache_status sg_policy_cache_get_for_owner(sg_policy_cache *cache, uint64_t generation, const char *owner,
                                             sg_policy **out, bool *shared_found);

/* Stores the owner's entry of policy->generation: `groups` as
 * sg_policy_owner_groups gave them for `owner`. */
sg_cache_status sg_policy_cache_put_owner(sg_policy_cache *cache, const sg_policy *policy, const char *owner,
                                          const sg_group *groups, size_t ngroups);

/* Stores every part of `policy` under its generation, then the generation
 * key: raised only (a host that read an older generation never lowers it)
 * unless `authoritative` (the admin CLI, right after its own write). */
sg_cache_status sg_policy_cache_put(sg_policy_cache *cache, const sg_policy *policy, bool authoritative);

/* The newest generation stored by any host. */
sg_cache_status sg_policy_cache_last_generation(sg_policy_cache *cache, uint64_t *generation);
/* The same, and when a host read it from the store (seconds since the epoch). */
sg_cache_status sg_policy_cache_generation(sg_policy_cache *cache, uint64_t *generation, int64_t *checked_at);

/* Sets the generation key, checked against the store at `checked_at`:
 * raised only (a newer generation, or the same checked later) unless
 * `authoritative`. */
sg_cache_status sg_policy_cache_set_generation(sg_policy_cache *cache, uint64_t generation, int64_t checked_at,
                                               bool authoritative);
/* The same, checked now. */
sg_cache_status sg_policy_cache_set_last_generation(sg_policy_cache *cache, uint64_t generation,
                                                    bool authoritative);

/* The key of one part, or of the generation key when part is SG_PART_COUNT.
 * Returns false when it does not fit. */
bool sg_policy_cache_key(const sg_policy_cache *cache, uint64_t generation, sg_policy_part part, char *buf,
                         size_t len);

/* What the last call that returned SG_CACHE_UNAVAILABLE ran into ("" if none). */
const char *sg_policy_cache_error(const sg_policy_cache *cache);
/* How many entries read so far were not sealed with the key (each a miss). */
unsigned long sg_policy_cache_forged(const sg_policy_cache *cache);

/* The generation this host last read from the store itself (0: none known;
 * kept in memcached_failure_dir), and noting one just read (the store is
 * authoritative: lower too, after a restore). A generation key below it is
 * a replay. */
uint64_t sg_policy_cache_highest_seen(const sg_policy_cache *cache);
void sg_policy_cache_note_seen(sg_policy_cache *cache, uint64_t generation);

#endif
