/* user_state.c - the per-user state store (user_state.h): "seen within a
 * period" records for vacation, duplicate, forward and bounce tracking, in one
 * SQLite file per user.
 *
 * Takes: a path, keys, and `now` in every call. Returns: seen / won, and a
 * status with a message.
 *
 * - Schema (PRAGMA user_version 1, application_id "SGUS"):
 *     seen(id INTEGER PRIMARY KEY AUTOINCREMENT, kind, key BLOB(32), expires_at,
 *          UNIQUE (kind, key)), indexes on (kind, id) and (expires_at);
 *     meta(key, value): 'writes' = inserts since the last purge.
 *   AUTOINCREMENT ids never go back, and a renewed record is re-inserted, so
 *   "ORDER BY id" is the order of the last write: the bound drops the lowest.
 * - Every write is one BEGIN IMMEDIATE transaction; a check is one SELECT.
 * - SQLite itself is loaded (sqlite_lib.h) by sg_user_state_open, after the
 *   path checks: a process that opens no state store never loads it.
 * - Keys are SHA-256 (FIPS 180-4, base/hash.h) of a tagged, length-prefixed
 *   encoding of the fields, so no two field lists hash the same input.
 */
#include "store/user_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/hash.h"
#include "store/sqlite_db.h"

#define SCHEMA_VERSION 1
#define STATE_APPLICATION_ID 0x53475553 /* "SGUS": PRAGMA application_id of a sievegate user state store */
#define DEFAULT_MAX_ROWS 10000
#define DEFAULT_PURGE_EVERY 100
#define DEFAULT_BUSY_TIMEOUT_MS 10000

struct sg_user_state {
    char *path;
    sg_sqlite_db sq; /* SQLite loaded by sg_user_state_open, after the path checks */
    size_t max_rows[SG_STATE_NKINDS];
    unsigned purge_every;
    int busy_timeout_ms;
};

/* ------------------------------------------------------------------- keys */

const char *sg_state_kind_name(sg_state_kind kind)
{
    switch (kind) {
    case SG_STATE_VACATION: return "vacation";
    case SG_STATE_DUPLICATE: return "duplicate";
    case SG_STATE_FORWARD: return "forward";
    case SG_STATE_BOUNCE: return "bounce";
    case SG_STATE_NKINDS: break;
    }
    return "unknown";
}

/* One field of a key; lower_domain: an address whose part after the last
 * '@' is lower-cased. */
typedef struct {
    const char *value; /* NULL: not given */
    bool lower_domain;
} key_field;

static void hash_u64(sg_sha256_ctx *s, uint64_t v)
{
    unsigned char be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (unsigned char)(v >> (56 - 8 * i));
    sg_sha256_update(s, be, 8);
}

static void hash_field(sg_sha256_ctx *s, const key_field *f)
{
    unsigned char tag = f->value ? 1 : 0;
    sg_sha256_update(s, &tag, 1);
    if (!f->value)
        return;
    size_t n = strlen(f->value);
    hash_u64(s, (uint64_t)n);
    const char *at = f->lower_domain ? strrchr(f->value, '@') : NULL;
    size_t keep = at ? (size_t)(at - f->value) : n;
    sg_sha256_update(s, f->value, keep);
    char lower[64];
    for (size_t i = keep; i < n; i += sizeof lower) {
        size_t k = n - i < sizeof lower ? n - i : sizeof lower;
        for (size_t j = 0; j < k; j++) {
            char c = f->value[i + j];
            lower[j] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        sg_sha256_update(s, lower, k);
    }
}

/* The key is SHA-256 of
 *   "sievegate-state" NUL kind-name NUL variant-byte field...
 * where a field is 0x00 (not given) or 0x01, 8-byte big-endian length, bytes. */
static void key_make(sg_state_key *key, sg_state_kind kind, char variant, const key_field *fields, size_t n)
{
    sg_sha256_ctx s;
    memset(key, 0, sizeof *key);
    sg_sha256_begin(&s);
    const char *name = sg_state_kind_name(kind);
    sg_sha256_update(&s, "sievegate-state", sizeof "sievegate-state");
    sg_sha256_update(&s, name, strlen(name) + 1);
    sg_sha256_update(&s, &variant, 1);
    for (size_t i = 0; i < n; i++)
        hash_field(&s, &fields[i]);
    sg_sha256_end(&s, key->digest);
    key->kind = kind;
}

void sg_state_key_vacation(sg_state_key *key, const char *sender, const char *handle, const char *subject,
                           const char *from, bool mime, const char *reason)
{
    if (handle) {
        const key_field f[] = {{sender, true}, {handle, false}};
        key_make(key, SG_STATE_VACATION, 'h', f, 2);
    } else {
        const key_field f[] = {{sender, true}, {subject, false}, {from, false}, {mime ? "mime" : NULL, false},
                               {reason, false}};
        key_make(key, SG_STATE_VACATION, 'a', f, 5);
    }
}

void sg_state_key_duplicate(sg_state_key *key, const char *handle, const char *uniqueid)
{
    const key_field f[] = {{handle, false}, {uniqueid, false}};
    key_make(key, SG_STATE_DUPLICATE, 'u', f, 2);
}

void sg_state_key_forward(sg_state_key *key, const char *message_id, const char *target)
{
    const key_field f[] = {{message_id, false}, {target, true}};
    key_make(key, SG_STATE_FORWARD, 'm', f, 2);
}

void sg_state_key_bounce(sg_state_key *key, const char *sender, const char *owner)
{
    const key_field f[] = {{sender, true}, {owner, true}};
    key_make(key, SG_STATE_BOUNCE, 's', f, 2);
}

/* ----------------------------------------------------------------- errors */

static sg_state_status fail(sg_state_status st, char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static sg_state_status fail(sg_state_status st, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return st;
}

static bool corrupt(int rc)
{
    return (rc & 0xFF) == SQLITE_CORRUPT || (rc & 0xFF) == SQLITE_NOTADB;
}

/* An SQLite failure, by what the caller can do about it. */
static sg_state_status db_fail(const sg_user_state *s, int rc, char *err, size_t errlen)
{
    const char *msg = s->sq.q.db ? s->sq.f.errmsg(s->sq.q.db) : s->sq.f.errstr(rc);
    if (corrupt(rc))
        return fail(SG_STATE_CORRUPT, err, errlen, "state store %s is corrupt: %s", s->path, msg);
    switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return fail(SG_STATE_UNAVAILABLE, err, errlen, "state store %s is locked by another delivery (waited %d ms)",
                    s->path, s->busy_timeout_ms);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
        return fail(SG_STATE_UNAVAILABLE, err, errlen, "state store %s cannot be written: %s", s->path, msg);
    default:
        return fail(SG_STATE_UNAVAILABLE, err, errlen, "state store %s cannot be used: %s", s->path, msg);
    }
}

/* ------------------------------------------------------------ SQL helpers */

/* Runs one statement; `types` has one letter per bound value: 'L' int64,
 * 'k' a key (two values: kind, digest). *value (may be NULL) gets the first
 * column of the first row as an integer, *found whether there was a row, and
 * *changes the rows changed. Returns an SQLite code (SQLITE_OK on success). */
static int run(sg_user_state *s, const char *sql, const char *types, sqlite3_int64 *value, bool *found, int *changes,
               ...)
{
    sqlite3_stmt *st = NULL;
    int rc = s->sq.f.prepare_v2(s->sq.q.db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    va_list ap;
    va_start(ap, changes);
    int col = 1;
    for (const char *t = types; t && *t && rc == SQLITE_OK; t++) {
        if (*t == 'L') {
            rc = s->sq.f.bind_int64(st, col++, va_arg(ap, sqlite3_int64));
        } else {
            const sg_state_key *k = va_arg(ap, const sg_state_key *);
            rc = s->sq.f.bind_int(st, col++, (int)k->kind);
            if (rc == SQLITE_OK)
                rc = s->sq.f.bind_blob(st, col++, k->digest, (int)sizeof k->digest, SQLITE_STATIC);
        }
    }
    va_end(ap);
    if (rc == SQLITE_OK)
        rc = s->sq.f.step(st);
    if (found)
        *found = rc == SQLITE_ROW;
    if (value)
        *value = rc == SQLITE_ROW ? s->sq.f.column_int64(st, 0) : 0;
    if (changes)
        *changes = s->sq.f.changes(s->sq.q.db);
    int frc = s->sq.f.finalize(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return SQLITE_OK;
    return frc != SQLITE_OK ? frc : rc;
}

/* now + period, saturating at INT64_MAX ("forever"). */
static int64_t expiry(int64_t now, uint64_t period)
{
    if (now >= 0)
        return period > (uint64_t)(INT64_MAX - now) ? INT64_MAX : now + (int64_t)period;
    return period > (uint64_t)INT64_MAX ? INT64_MAX : now + (int64_t)period;
}

/* Begins the write transaction (the write lock first: no deadlock on upgrade). */
static int begin(sg_user_state *s)
{
    return s->sq.f.exec(s->sq.q.db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
}

/* Commits, or on rc != OK records the error and rolls back. */
static sg_state_status finish(sg_user_state *s, int rc, char *err, size_t errlen)
{
    if (rc == SQLITE_OK)
        rc = s->sq.f.exec(s->sq.q.db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        return SG_STATE_OK;
    sg_state_status st = db_fail(s, rc, err, errlen);
    if (!s->sq.f.get_autocommit(s->sq.q.db))
        s->sq.f.exec(s->sq.q.db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

/* Inside a write transaction: drops expired rows, resets the write counter. */
static int purge_locked(sg_user_state *s, int64_t now, int *removed)
{
    int rc = run(s, "DELETE FROM seen WHERE expires_at <= ?", "L", NULL, NULL, removed, (sqlite3_int64)now);
    if (rc == SQLITE_OK)
        rc = run(s, "UPDATE meta SET value = 0 WHERE key = 'writes'", NULL, NULL, NULL, NULL);
    return rc;
}

/* Inside a write transaction, after a row of `kind` was inserted: the
 * periodic purge, then the bound (expired rows first, then the oldest). */
static int after_insert(sg_user_state *s, sg_state_kind kind, int64_t now)
{
    sqlite3_int64 writes = 0, rows = 0;
    int rc = run(s, "UPDATE meta SET value = value + 1 WHERE key = 'writes' RETURNING value", NULL, &writes,
                 NULL, NULL);
    if (rc == SQLITE_OK && writes >= (sqlite3_int64)s->purge_every)
        rc = purge_locked(s, now, NULL);
    if (rc == SQLITE_OK)
        rc = run(s, "SELECT count(*) FROM seen WHERE kind = ?", "L", &rows, NULL, NULL, (sqlite3_int64)kind);
    if (rc != SQLITE_OK || rows <= (sqlite3_int64)s->max_rows[kind])
        return rc;
    rc = purge_locked(s, now, NULL);
    if (rc == SQLITE_OK)
        rc = run(s, "SELECT count(*) FROM seen WHERE kind = ?", "L", &rows, NULL, NULL, (sqlite3_int64)kind);
    if (rc == SQLITE_OK && rows > (sqlite3_int64)s->max_rows[kind])
        rc = run(s,
                 "DELETE FROM seen WHERE id IN (SELECT id FROM seen WHERE kind = ? ORDER BY id LIMIT ?)", "LL",
                 NULL, NULL, NULL, (sqlite3_int64)kind, rows - (sqlite3_int64)s->max_rows[kind]);
    return rc;
}

static bool valid_key(const sg_state_key *key)
{
    return key && (int)key->kind >= 0 && key->kind < SG_STATE_NKINDS;
}

/* A key that no sg_state_key_* function made (NULL, or garbage). */
static sg_state_status key_fail(char *err, size_t errlen)
{
    return fail(SG_STATE_UNAVAILABLE, err, errlen, "invalid state key");
}

/* ----------------------------------------------------------------- schema */

static int migrate_to_1(const sg_sqlite_conn *q)
{
    static const char sql[] =
        "CREATE TABLE seen ("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  kind INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 3),"
        "  key BLOB NOT NULL CHECK (length(key) = 32),"
        "  expires_at INTEGER NOT NULL,"
        "  UNIQUE (kind, key));"
        "CREATE INDEX seen_kind ON seen (kind, id);"
        "CREATE INDEX seen_expiry ON seen (expires_at);"
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
        "INSERT INTO meta VALUES ('writes', 0);";
    return q->f->exec(q->db, sql, NULL, NULL, NULL);
}

/* migrations[v] takes a store from version v to v + 1. */
static int (*const migrations[SCHEMA_VERSION])(const sg_sqlite_conn *q) = {migrate_to_1};

/* sqlite_db.h's kind->fail: every step is worded alike. */
static void word_failure(void *ctx, sg_sqlite_step step, int rc, char *err, size_t errlen)
{
    (void)step;
    db_fail(ctx, rc, err, errlen);
}

static const sg_sqlite_db_kind state_kind = {
    .what = "state store",
    .application_id = STATE_APPLICATION_ID,
    .version = SCHEMA_VERSION,
    .migrations = migrations,
    .fail = word_failure,
};

/* The store's status for what sqlite_db.h answered (err is worded). */
static sg_state_status db_status(const sg_user_state *s, sg_sqlite_db_result r)
{
    switch (r) {
    case SG_SQLITE_DB_OK: return SG_STATE_OK;
    case SG_SQLITE_DB_FOREIGN: return SG_STATE_CORRUPT;
    case SG_SQLITE_DB_FAILED: return corrupt(s->sq.rc) ? SG_STATE_CORRUPT : SG_STATE_UNAVAILABLE;
    default: return SG_STATE_UNAVAILABLE;
    }
}

/* ---------------------------------------------------------- open, close */

/* Creates the file (0600) when missing; refuses one that cannot be written. */
static sg_state_status check_file(const sg_user_state *s, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(s->path, &sb) == 0) {
        if (!S_ISREG(sb.st_mode))
            return fail(SG_STATE_UNAVAILABLE, err, errlen, "cannot open state store %s: not a regular file",
                        s->path);
        if (access(s->path, R_OK | W_OK) != 0)
            return fail(SG_STATE_UNAVAILABLE, err, errlen, "cannot open state store %s: %s", s->path,
                        strerror(errno));
        return SG_STATE_OK;
    }
    if (errno != ENOENT)
        return fail(SG_STATE_UNAVAILABLE, err, errlen, "cannot open state store %s: %s", s->path, strerror(errno));
    int fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(SG_STATE_UNAVAILABLE, err, errlen, "cannot create state store %s: %s", s->path,
                    strerror(errno));
    close(fd);
    return SG_STATE_OK;
}

sg_state_status sg_user_state_open(const char *path, int64_t now, const sg_user_state_limits *limits,
                                   sg_user_state **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!path || !*path)
        return fail(SG_STATE_UNAVAILABLE, err, errlen, "no state store path given");
    sg_user_state *s = sg_xmalloc(sizeof *s);
    s->path = sg_xstrdup(path);
    for (int k = 0; k < SG_STATE_NKINDS; k++)
        s->max_rows[k] = limits && limits->max_rows[k] ? limits->max_rows[k] : DEFAULT_MAX_ROWS;
    s->purge_every = limits && limits->purge_every ? limits->purge_every : DEFAULT_PURGE_EVERY;
    s->busy_timeout_ms = limits && limits->busy_timeout_ms > 0 ? limits->busy_timeout_ms : DEFAULT_BUSY_TIMEOUT_MS;
    sg_sqlite_db_init(&s->sq, &state_kind, s->path, s->busy_timeout_ms, s);

    sg_state_status st = sg_sqlite_db_check_dir(&s->sq, "open", err, errlen) ? SG_STATE_OK : SG_STATE_UNAVAILABLE;
    if (st == SG_STATE_OK)
        st = check_file(s, err, errlen);
    /* SQLite itself only now that the store is really used (sqlite_lib.h).
     * Rollback journal, fsync'ed (user_state.h says why not WAL). */
    if (st == SG_STATE_OK)
        st = db_status(s, sg_sqlite_db_open(&s->sq, SQLITE_OPEN_READWRITE,
                                            "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL", err, errlen));
    if (st == SG_STATE_OK)
        st = db_status(s, sg_sqlite_db_migrate(&s->sq, err, errlen));
    if (st == SG_STATE_OK) {
        bool any = false;
        sqlite3_int64 one;
        int rc = run(s, "SELECT 1 FROM seen WHERE expires_at <= ? LIMIT 1", "L", &one, &any, NULL,
                     (sqlite3_int64)now);
        if (rc != SQLITE_OK)
            st = db_fail(s, rc, err, errlen);
        else if (any)
            st = sg_user_state_purge(s, now, NULL, err, errlen);
    }
    if (st != SG_STATE_OK) {
        sg_user_state_close(s);
        return st;
    }
    *out = s;
    return SG_STATE_OK;
}

void sg_user_state_close(sg_user_state *state)
{
    if (!state)
        return;
    sg_sqlite_db_close(&state->sq);
    free(state->path);
    free(state);
}

/* ------------------------------------------------------------- operations */

sg_state_status sg_user_state_check(sg_user_state *state, const sg_state_key *key, int64_t now, bool *seen,
                                    char *err, size_t errlen)
{
    *seen = false;
    if (!valid_key(key))
        return key_fail(err, errlen);
    sqlite3_int64 expires_at = 0;
    bool found = false;
    int rc = run(state, "SELECT expires_at FROM seen WHERE kind = ? AND key = ?", "k", &expires_at, &found, NULL,
                 key);
    if (rc != SQLITE_OK)
        return db_fail(state, rc, err, errlen);
    *seen = found && now < expires_at;
    return SG_STATE_OK;
}

/* Inside a write transaction: stores key until now + period. renew replaces
 * a live record; otherwise only a missing or expired one is (re)placed.
 * *inserted says whether a row was written. */
static int store_locked(sg_user_state *s, const sg_state_key *key, int64_t now, uint64_t period, bool renew,
                        bool *inserted)
{
    int changes = 0;
    sqlite3_int64 until = expiry(now, period);
    int rc;
    if (renew) {
        rc = run(s, "INSERT OR REPLACE INTO seen (kind, key, expires_at) VALUES (?, ?, ?)", "kL", NULL, NULL,
                 &changes, key, until);
    } else {
        rc = run(s, "DELETE FROM seen WHERE kind = ? AND key = ? AND expires_at <= ?", "kL", NULL, NULL, NULL,
                 key, (sqlite3_int64)now);
        if (rc == SQLITE_OK)
            rc = run(s, "INSERT OR IGNORE INTO seen (kind, key, expires_at) VALUES (?, ?, ?)", "kL", NULL, NULL,
                     &changes, key, until);
    }
    *inserted = rc == SQLITE_OK && changes == 1;
    if (*inserted)
        rc = after_insert(s, key->kind, now);
    return rc;
}

sg_state_status sg_user_state_record(sg_user_state *state, const sg_state_key *key, int64_t now, uint64_t period,
                                     bool renew, char *err, size_t errlen)
{
    if (!valid_key(key))
        return key_fail(err, errlen);
    if (period == 0)
        return SG_STATE_OK;
    int rc = begin(state);
    if (rc != SQLITE_OK)
        return db_fail(state, rc, err, errlen);
    bool inserted;
    rc = store_locked(state, key, now, period, renew, &inserted);
    return finish(state, rc, err, errlen);
}

sg_state_status sg_user_state_claim(sg_user_state *state, const sg_state_key *key, int64_t now, uint64_t period,
                                    bool *won, char *err, size_t errlen)
{
    *won = false;
    if (!valid_key(key))
        return key_fail(err, errlen);
    if (period == 0) {
        *won = true;
        return SG_STATE_OK;
    }
    int rc = begin(state);
    if (rc != SQLITE_OK)
        return db_fail(state, rc, err, errlen);
    bool inserted = false;
    rc = store_locked(state, key, now, period, false, &inserted);
    sg_state_status st = finish(state, rc, err, errlen);
    *won = st == SG_STATE_OK && inserted;
    return st;
}

sg_state_status sg_user_state_forget(sg_user_state *state, const sg_state_key *key, char *err, size_t errlen)
{
    if (!valid_key(key))
        return key_fail(err, errlen);
    int rc = begin(state);
    if (rc != SQLITE_OK)
        return db_fail(state, rc, err, errlen);
    rc = run(state, "DELETE FROM seen WHERE kind = ? AND key = ?", "k", NULL, NULL, NULL, key);
    return finish(state, rc, err, errlen);
}

sg_state_status sg_user_state_purge(sg_user_state *state, int64_t now, size_t *removed, char *err, size_t errlen)
{
    if (removed)
        *removed = 0;
    int rc = begin(state);
    if (rc != SQLITE_OK)
        return db_fail(state, rc, err, errlen);
    int n = 0;
    rc = purge_locked(state, now, &n);
    sg_state_status st = finish(state, rc, err, errlen);
    if (st == SG_STATE_OK && removed)
        *removed = (size_t)n;
    return st;
}

sg_state_status sg_user_state_count(sg_user_state *state, sg_state_kind kind, size_t *rows, char *err,
                                    size_t errlen)
{
    *rows = 0;
    sqlite3_int64 n = 0;
    int rc = run(state, "SELECT count(*) FROM seen WHERE kind = ?", "L", &n, NULL, NULL, (sqlite3_int64)kind);
    if (rc != SQLITE_OK)
        return db_fail(state, rc, err, errlen);
    *rows = (size_t)n;
    return SG_STATE_OK;
}
