/* policy_source.h - where a decision's policy comes from: memcached first,
 * the authoritative store behind it (docs/policy.md, "Where the policy
 * lives").
 *
 * Takes: an sg_config with the keys
 *   policy_store        store URI (default SG_DEFAULT_POLICY_STORE)
 *   policy_unavailable  tempfail (default) | keep | block
 *   policy_snapshot_file  yes (default) | no: read the store's snapshot file first
 *   policy_check_interval  seconds (default SG_POLICY_CHECK_INTERVAL; 0..3600)
 *   postgresql_password_file  store/pg_db.h
 *   memcached, policy_cache_ttl, memcached_*   see store/policy_cache.h
 *   ldap_*              the directory of "ldap:" scope groups, store/ldap_dir.h
 * Returns: one snapshot per call, or SG_POLICY_UNAVAILABLE with the
 * configured policy_unavailable mode and a reason for the log.
 *
 * sg_policy_source_get, step by step:
 *  0. policy_snapshot_file = yes (the default) and the store not opened yet
 *     by this source: the store's snapshot file (store/policy_snapshot_file.h),
 *     when it is exactly as fresh as the store file. Done, without SQLite.
 *     A long-lived source keeps the copy's bytes: while the store file's
 *     label is still theirs, the copy is not read again.
 *  1. Read the store's generation (authoritative; cheap for SQLite). A
 *     PostgreSQL store with memcached and policy_check_interval > 0: the
 *     generation this source read from the store, or the cache's
 *     generation key, while it was checked against the store less than
 *     policy_check_interval seconds ago (by any host: the key says when) and
 *     is not below the generation this host last read from the store; its
 *     parts from the cache; on a miss the store is asked at once. Every
 *     generation read from the store is put in the generation key (raised
 *     only) with the time it was read, and the admin CLI sets it with every
 *     change. So a change is enforced by every host within
 *     policy_check_interval seconds (at its next lookup after that), and a
 *     delivery whose generation and parts are cached never connects to
 *     PostgreSQL. A replayed (older, validly sealed) generation key is no
 *     newer than the window either, and never below what the host saw. A
 *     long-lived source keeps the whole snapshot of the trusted generation
 *     (from its second lookup of it) and decodes it again for the next
 *     messages, with no round trip at all.
 *  2. Store readable, no memcached configured: the snapshot this source last
 *     loaded, when it is of that generation (kept encoded in memory, so a
 *     long-lived process loads the store once per change). Store readable:
 *     one mget of that generation's parts (with an owner: the
 *     shared parts and that owner's entry). Hit: done. Miss or
 *     memcached unavailable: load the snapshot from the store and put it in
 *     the cache (skipped while memcached is unavailable). The store's
 *     generation cannot be loaded and is not cached: unavailable (an older
 *     cached generation would ignore an admin change).
 *  3. Store unreadable: the cache's last known generation, then its parts.
 *     Both found, and the generation not below the one this host last read
 *     from the store: that snapshot (origin SG_POLICY_FROM_LAST_KNOWN). Else:
 *     unavailable.
 *  4. With an owner (sg_policy_source_get_for), when a scope names a
 *     directory group ("ldap:CN"): the owner's directory groups are added to
 *     the snapshot (store/ldap_policy.h). The directory cannot answer (or
 *     none is configured): unavailable, as in step 3, never "not a member".
 * The caller asks before any side effect, so that tempfail can exit 75 with
 * nothing done; internal forwards and local delivery never need to ask.
 * A missing store file is not "unreadable": the store reads it as the
 * built-in default policy (store/policy_store.h).
 */
#ifndef SG_POLICY_SOURCE_H
#define SG_POLICY_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/config.h"
#include "policy/policy.h"

#define SG_POLICY_CHECK_INTERVAL 5u

typedef enum {
    SG_POLICY_OK = 0,
    SG_POLICY_UNAVAILABLE, /* neither the cache nor the store could answer */
} sg_policy_status;

typedef enum {
    SG_POLICY_FROM_CACHE = 0,  /* memcached, for the store's current generation */
    SG_POLICY_FROM_STORE,      /* the store (and then put in the cache) */
    SG_POLICY_FROM_LAST_KNOWN, /* memcached, for its last known generation: the store was unreadable */
    SG_POLICY_FROM_SNAPSHOT_FILE, /* the store's snapshot file, as fresh as the store */
    SG_POLICY_FROM_BUILTIN,       /* policy_store = none: the built-in default (sg_policy_new_default) */
} sg_policy_origin;

typedef struct {
    sg_policy *policy; /* SG_POLICY_OK: owned by the caller (sg_policy_free); else NULL */
    sg_policy_origin origin;
    sg_unavailable_mode on_unavailable; /* what to do when the status is SG_POLICY_UNAVAILABLE */
    char reason[480]; /* SG_POLICY_UNAVAILABLE: why, for the log; else what failed on the way, or "" (room
                         for a store error and a cache error of 200 each) */
} sg_policy_answer;

typedef struct sg_policy_source sg_policy_source;

/* Reads the keys above; false (err says which key) when a value is malformed.
 * Does no I/O: the store is opened read-only at the first get, and reopened
 * on a later get after it failed to open. */
bool sg_policy_source_open(const sg_config *cfg, sg_policy_source **out, char *err, size_t errlen);

/* Which case of the configuration applies (for `check`, `config` and the
 * delivery log), from the configuration and the store file's existence alone. */
typedef enum {
    SG_POLICY_CASE_NONE,       /* policy_store = none: the built-in default policy */
    SG_POLICY_CASE_STORE,      /* the configured store exists */
    SG_POLICY_CASE_MISSING,    /* the configured store does not exist: a fault, policy_unavailable applies */
    SG_POLICY_CASE_UNREADABLE, /* it exists but cannot be read: a fault, policy_unavailable applies */
} sg_policy_case;

/* Whether a policy store is configured at all (policy_store is not "none"):
 * only then may a mailbox have an admin forward. No I/O. */
bool sg_policy_store_configured(const sg_config *cfg);

/* The case, with one sentence saying it in text (e.g. "policy store
 * sqlite:/var/lib/sievegate/policy.db does not exist: forwards follow
 * policy_unavailable = tempfail (create it with `sievegate policy init`)"). */
sg_policy_case sg_policy_case_of(const sg_config *cfg, char *text, size_t len);
const char *sg_policy_case_name(sg_policy_case c); /* "none", "store", "missing", "unreadable" */
void sg_policy_source_close(sg_policy_source *src);

sg_unavailable_mode sg_policy_source_unavailable_mode(const sg_policy_source *src);

sg_policy_status sg_policy_source_get(sg_policy_source *src, sg_policy_answer *answer);

/* The same for decisions about one owner only: from the cache, the snapshot's
 * groups are that owner's view (store/policy_cache.h), which makes a warm
 * lookup read and decode a fraction of the bytes. Use the answer only to
 * decide for `owner` (and for what needs no group: domains, org settings). */
sg_policy_status sg_policy_source_get_for(sg_policy_source *src, const char *owner, sg_policy_answer *answer);

typedef enum {
    SG_PUBLISH_DONE = 0, /* the current snapshot and generation are in memcached */
    SG_PUBLISH_NO_CACHE, /* no memcached configured: nothing to do */
    SG_PUBLISH_FAILED,   /* err says why; readers still see the change (they ask the store first) */
} sg_publish_status;

/* For `sievegate policy` right after a successful write: puts `snapshot` (the
 * store's new generation, as loaded back) in the memcached of cfg and sets
 * the last known generation to it unconditionally, so that a host that later
 * cannot read the store falls back to this generation and not an older one.
 * Entries of older generations are left to expire. */
sg_publish_status sg_policy_source_publish(const sg_config *cfg, const sg_policy *snapshot, char *err,
                                           size_t errlen);

#endif
