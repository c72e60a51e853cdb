/* user_state.h - per-user state: "was this seen within a period?" records for
 * vacation response tracking (RFC 5230 §4.2, RFC 6131), the "duplicate" test
 * (RFC 7352), the forward duplicate tracker and the bounce rate tracker
 * (docs/policy.md, "Decision for one forward" step 2 and "What a
 * block does"; architecture.md, "Failure rules").
 *
 * Takes: the path of one SQLite file per user (default ~/.sievegate.state.db,
 * the caller builds it), opened by the delivering process running as that
 * user; keys built by the sg_state_key_* functions; the current time `now`
 * (seconds since the epoch) as a parameter of every call, never read from a
 * clock here. Returns: seen / not seen, whether a claim was won, and a status
 * with a message in `err` that an admin can act on.
 *
 * Semantics
 * - A record is (kind, key) -> expires_at = now + period (saturating). It is
 *   seen at time t while t < expires_at: the end of the period is EXCLUSIVE,
 *   so a record made at T with period P is seen at T + P - 1 and not at T + P.
 *   A period of 0 therefore never stores anything (RFC 6131 :seconds 0 =
 *   reply every time; RFC 7352 :seconds 0 = "duplicate" yields false).
 * - Keys are SHA-256 digests of the kind and its length-prefixed fields, so
 *   every row has the same small size and no two fields can run together.
 *   Addresses are compared with the domain lower-cased and the local part as
 *   given (RFC 5321 §2.4); every other field is compared exactly.
 * - Bounded: at most max_rows[kind] rows per kind. A write that exceeds it
 *   first drops every expired row, then the least recently written rows of
 *   that kind ("oldest dropped first"). Expired rows are also dropped on open
 *   and every `purge_every` writes (a counter kept in the file, so it works
 *   across the short-lived delivery processes). Size: about 125 bytes a row
 *   (measured), so about 1.2 MB per kind at the default bound.
 *
 * Concurrency and durability
 * - Rollback journal (journal_mode=DELETE, synchronous=FULL), not WAL: home
 *   directories are often on NFS, where WAL's shared-memory index does not
 *   work; every transaction here is a tiny write, so WAL's readers-during-
 *   writer buys nothing; and no -wal/-shm files linger in the user's home.
 * - Every write is one BEGIN IMMEDIATE transaction (the write lock is taken
 *   first, so two deliveries never deadlock upgrading a read lock), with a
 *   busy timeout: concurrent deliveries for one user serialise.
 * - The file is created 0600; its directory must be writable (the journal is
 *   created beside it).
 *
 * How callers use it
 * - vacation: check; when not seen, send the reply, then record (period from
 *   :days/:seconds). Pass the arguments BEFORE variable expansion (§4.2).
 * - duplicate: check for every test during the run (all tests of one run see
 *   the same answer); only when the run finished successfully, record with
 *   renew = :last (RFC 7352 §3.3): without :last a live entry keeps its
 *   first expiry.
 * - forward (12 h) and bounce (bounce_rate_period): before sending, claim
 *   with a short lease (e.g. 600 s); lost -> skip, the copy was or is being
 *   sent. After the submission succeeded, record with renew = true and the
 *   full period; when it failed, forget, so the retried delivery sends it. A
 *   process killed between claim and send leaves only the lease, which
 *   expires before the MTA's retry usually comes. A store that cannot be
 *   opened or written: deliver exits 75 before sending a forward; vacation
 *   may skip the reply.
 */
#ifndef SG_USER_STATE_H
#define SG_USER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SG_USER_STATE_DEFAULT_FILE ".sievegate.state.db" /* in the user's home */

typedef enum {
    SG_STATE_OK = 0,
    SG_STATE_UNAVAILABLE, /* cannot be opened or written now: permission, locked too long, disk full, newer schema */
    SG_STATE_CORRUPT,     /* the file is damaged or is not a sievegate state store */
} sg_state_status;

typedef enum {
    SG_STATE_VACATION = 0, /* sender + :handle, or sender + :subject :from :mime reason */
    SG_STATE_DUPLICATE,    /* RFC 7352 unique id + :handle */
    SG_STATE_FORWARD,      /* Message-ID + forward target */
    SG_STATE_BOUNCE,       /* envelope sender + owner */
    SG_STATE_NKINDS
} sg_state_kind;

typedef struct sg_state_key {
    sg_state_kind kind;
    unsigned char digest[32]; /* SHA-256, stable across versions: a change would reset tracking */
} sg_state_key;

/* 0 in any field means the default. */
typedef struct sg_user_state_limits {
    size_t max_rows[SG_STATE_NKINDS]; /* default 10000 each */
    unsigned purge_every;             /* drop expired rows every N writes; default 100 */
    int busy_timeout_ms;              /* wait for another delivery's lock; default 10000 */
} sg_user_state_limits;

typedef struct sg_user_state sg_user_state;

const char *sg_state_kind_name(sg_state_kind kind); /* "vacation", "duplicate", "forward", "bounce" */

/* Opens (creating it, 0600, when missing) and upgrades the store, then drops
 * expired rows. limits may be NULL. On failure *out is NULL. */
sg_state_status sg_user_state_open(const char *path, int64_t now, const sg_user_state_limits *limits,
                                   sg_user_state **out, char *err, size_t errlen);
void sg_user_state_close(sg_user_state *state); /* NULL is fine */

/* Keys. NULL means "not given" and differs from "". */
/* RFC 5230 §4.2: a handle keys by sender + handle alone; without one, by
 * sender + subject + from + mime + reason (the unexpanded arguments). */
void sg_state_key_vacation(sg_state_key *key, const char *sender, const char *handle, const char *subject,
                           const char *from, bool mime, const char *reason);
/* RFC 7352 §3.2: the unique id (case-sensitive), separated by :handle. */
void sg_state_key_duplicate(sg_state_key *key, const char *handle, const char *uniqueid);
void sg_state_key_forward(sg_state_key *key, const char *message_id, const char *target);
void sg_state_key_bounce(sg_state_key *key, const char *sender, const char *owner);

/* *seen: a record of key exists with now < expires_at. Writes nothing. */
sg_state_status sg_user_state_check(sg_user_state *state, const sg_state_key *key, int64_t now, bool *seen,
                                    char *err, size_t errlen);
/* Stores key until now + period. A live record keeps its expiry unless
 * renew; an expired one is replaced. period 0 stores nothing. */
sg_state_status sg_user_state_record(sg_user_state *state, const sg_state_key *key, int64_t now, uint64_t period,
                                     bool renew, char *err, size_t errlen);
/* Check-and-record in one transaction: *won is true when no live record
 * existed and this caller stored one until now + period (period 0: won,
 * nothing stored); false when one did. Of concurrent claims, exactly one wins. */
sg_state_status sg_user_state_claim(sg_user_state *state, const sg_state_key *key, int64_t now, uint64_t period,
                                    bool *won, char *err, size_t errlen);
/* Removes the record of key, if any (a failed send after a claim). */
sg_state_status sg_user_state_forget(sg_user_state *state, const sg_state_key *key, char *err, size_t errlen);
/* Drops every row with expires_at <= now; *removed (may be NULL) gets how many. */
sg_state_status sg_user_state_purge(sg_user_state *state, int64_t now, size_t *removed, char *err, size_t errlen);
/* Rows stored for kind, expired or not (for tests and diagnostics). */
sg_state_status sg_user_state_count(sg_user_state *state, sg_state_kind kind, size_t *rows, char *err,
                                    size_t errlen);

#endif
