/* policy_store.c - the SQLite backend of the authoritative policy store
 * (policy_store.h; docs/policy.md, "What the policy holds" and "Where the policy
 * lives").
 *
 * Takes: a "sqlite:/path" URI, and the admin's writes. Returns: whole
 * snapshots (policy/policy.h) and the store-wide generation.
 *
 * - The file is created on the first write, with a versioned schema
 *   (PRAGMA user_version, one migration function per version) and the
 *   rollback journal (journal_mode=DELETE): readers need only read access to
 *   the file, so delivery running as any user can read a root-owned store.
 * - Readers open it with SQLITE_OPEN_READONLY; a file that does not exist
 *   (or was created but never written) reads as sg_policy_new_default().
 * - Every write is one BEGIN IMMEDIATE transaction that also bumps the
 *   generation; a load is one read transaction, so it sees the old or the
 *   new policy, never half a change.
 * - Input is validated and normalised before it is stored: domains to
 *   lower-case IDNA A-labels (libidn2), addresses to lower case
 *   (policy_normalize.c).
 *
 * This file: the connection, the schema, errors and SQL helpers; reading a
 * snapshot is policy_store_load.c's, the writes policy_store_write.c's.
 */
#include "store/policy_store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/policy_store_int.h"

#define STORE_APPLICATION_ID 0x53475053 /* "SGPS": PRAGMA application_id of a sievegate policy store */
#define BUSY_TIMEOUT_MS 5000

/* ---------------------------------------------------------------- errors */

sg_store_status sg_ps_fail(sg_store_status st, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return st;
}

/* An SQLite failure: locked too long, or unreadable/corrupt. */
sg_store_status sg_ps_db_fail(const sg_policy_store *s, sqlite3 *db, int rc, char *err, size_t errlen)
{
    int primary = rc & 0xFF;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return sg_ps_fail(SG_STORE_UNAVAILABLE, err, errlen,
                          "policy store %s is locked by another process (waited %d s)", s->path,
                          BUSY_TIMEOUT_MS / 1000);
    if (primary == SQLITE_CONSTRAINT)
        return sg_ps_fail(SG_STORE_INVALID, err, errlen, "policy store %s refused the change: %s", s->path,
                          db ? s->sq.f.errmsg(db) : s->sq.f.errstr(rc));
    return sg_ps_fail(SG_STORE_UNAVAILABLE, err, errlen, "policy store %s is unreadable: %s", s->path,
                      db ? s->sq.f.errmsg(db) : s->sq.f.errstr(rc));
}

/* ------------------------------------------------------------ SQL helpers */

/* Runs one statement with bound values: `types` has one letter per value,
 * 't' text (NULL allowed), 'i' int, 'L' sqlite3_int64. Returns the SQLite code
 * (SQLITE_DONE or SQLITE_ROW on success); *changes gets the rows changed. */
int sg_ps_run_sql(const sg_sqlite_conn *q, int *changes, const char *sql, const char *types, ...)
{
    sqlite3_stmt *st = NULL;
    int rc = q->f->prepare_v2(q->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types && types[i] && rc == SQLITE_OK; i++) {
        if (types[i] == 't')
            rc = q->f->bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
        else if (types[i] == 'i')
            rc = q->f->bind_int(st, i + 1, va_arg(ap, int));
        else
            rc = q->f->bind_int64(st, i + 1, va_arg(ap, sqlite3_int64));
    }
    va_end(ap);
    if (rc == SQLITE_OK)
        rc = q->f->step(st);
    if (changes)
        *changes = q->f->changes(q->db);
    int frc = q->f->finalize(st);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? rc : (frc != SQLITE_OK ? frc : rc);
}

bool sg_ps_sql_ok(int rc)
{
    return rc == SQLITE_DONE || rc == SQLITE_ROW || rc == SQLITE_OK;
}

/* The first column of the first row of `sql` (bound to one optional text
 * value) as an integer; *found says whether there was a row. */
int sg_ps_query_int(const sg_sqlite_conn *q, const char *sql, const char *arg, sqlite3_int64 *value, bool *found)
{
    sqlite3_stmt *st = NULL;
    int rc = q->f->prepare_v2(q->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    if (arg)
        q->f->bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    rc = q->f->step(st);
    if (found)
        *found = rc == SQLITE_ROW;
    *value = rc == SQLITE_ROW ? q->f->column_int64(st, 0) : 0;
    int frc = q->f->finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : (frc != SQLITE_OK ? frc : rc);
}

/* The first text column of the first row of `sql` bound to `arg`, copied
 * into buf ("" when there is no row). */
int sg_ps_query_text(const sg_sqlite_conn *q, const char *sql, const char *arg, char *buf, size_t len)
{
    sqlite3_stmt *st = NULL;
    buf[0] = '\0';
    int rc = q->f->prepare_v2(q->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    q->f->bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    rc = q->f->step(st);
    if (rc == SQLITE_ROW && q->f->column_text(st, 0))
        snprintf(buf, len, "%s", (const char *)q->f->column_text(st, 0));
    int frc = q->f->finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : (frc != SQLITE_OK ? frc : rc);
}

/* The scope lists, in the order of policy_scope.kind's names. */
const char *const sg_ps_scope_kinds[SG_PS_NSCOPE] = {"users",         "groups",         "domains",
                                                     "exclude_users", "exclude_groups", "exclude_domains"};

void sg_ps_scope_lists(const sg_outbound_policy *op, const sg_strlist *lists[SG_PS_NSCOPE])
{
    lists[0] = &op->users;
    lists[1] = &op->groups;
    lists[2] = &op->domains;
    lists[3] = &op->exclude_users;
    lists[4] = &op->exclude_groups;
    lists[5] = &op->exclude_domains;
}

/* ------------------------------------------------------------- schema */

/* Version 1: the entities of policy.md, "What the policy holds", and the meta table
 * (generation and schema version). The default policy and the "*" remote
 * domain always exist. */
static int migrate_to_1(const sg_sqlite_conn *q)
{
    static const char sql[] =
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
        "INSERT INTO meta VALUES ('generation', 0), ('schema_version', 1);"
        "CREATE TABLE org_settings ("
        "  id INTEGER PRIMARY KEY CHECK (id = 1),"
        "  automatic_means TEXT NOT NULL CHECK (automatic_means IN ('off', 'on')),"
        "  bounce_internal_senders INTEGER NOT NULL CHECK (bounce_internal_senders IN (0, 1)),"
        "  bounce_rate_period INTEGER NOT NULL CHECK (bounce_rate_period >= 0),"
        "  max_forward_hops INTEGER NOT NULL CHECK (max_forward_hops >= 1));"
        "INSERT INTO org_settings VALUES (1, 'off', 1, 86400, 3);"
        "CREATE TABLE accepted_domains (name TEXT PRIMARY KEY,"
        "  match_subdomains INTEGER NOT NULL DEFAULT 0 CHECK (match_subdomains IN (0, 1)));"
        "CREATE TABLE outbound_policies ("
        "  name TEXT PRIMARY KEY COLLATE NOCASE,"
        "  is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),"
        "  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
        "  priority INTEGER NOT NULL UNIQUE,"
        "  mode TEXT NOT NULL CHECK (mode IN ('automatic', 'on', 'off')));"
        "INSERT INTO outbound_policies VALUES ('default', 1, 1, -1, 'automatic');"
        "CREATE TABLE policy_scope ("
        "  policy TEXT NOT NULL COLLATE NOCASE REFERENCES outbound_policies (name) ON DELETE CASCADE,"
        "  kind TEXT NOT NULL CHECK (kind IN ('users', 'groups', 'domains',"
        "                                     'exclude_users', 'exclude_groups', 'exclude_domains')),"
        "  pos INTEGER NOT NULL,"
        "  value TEXT NOT NULL,"
        "  PRIMARY KEY (policy, kind, value));"
        "CREATE TABLE user_groups (name TEXT PRIMARY KEY);"
        "CREATE TABLE group_members ("
        "  grp TEXT NOT NULL REFERENCES user_groups (name) ON DELETE CASCADE,"
        "  pos INTEGER NOT NULL,"
        "  member TEXT NOT NULL,"
        "  PRIMARY KEY (grp, member));"
        "CREATE TABLE remote_domains (pattern TEXT PRIMARY KEY,"
        "  auto_forward INTEGER NOT NULL, auto_reply INTEGER NOT NULL,"
        "  ndr INTEGER NOT NULL, is_internal INTEGER NOT NULL);"
        "INSERT INTO remote_domains VALUES ('*', 1, 1, 1, 0);";
    return q->f->exec(q->db, sql, NULL, NULL, NULL);
}

/* migrations[v] takes a store from version v to v + 1. */
static int (*const migrations[SG_PS_SCHEMA_VERSION])(const sg_sqlite_conn *q) = {migrate_to_1};

/* sqlite_db.h's kind->fail: every step is worded alike. */
static void word_failure(void *ctx, sg_sqlite_step step, int rc, char *err, size_t errlen)
{
    const sg_policy_store *s = ctx;
    (void)step;
    sg_ps_db_fail(s, s->sq.q.db, rc, err, errlen);
}

static const sg_sqlite_db_kind store_kind = {
    .what = "policy store",
    .application_id = STORE_APPLICATION_ID,
    .version = SG_PS_SCHEMA_VERSION,
    .migrations = migrations,
    .fail = word_failure,
};

/* The store's status for what sqlite_db.h answered (err is worded). */
static sg_store_status db_status(const sg_policy_store *s, sg_sqlite_db_result r)
{
    if (r == SG_SQLITE_DB_OK)
        return SG_STORE_OK;
    if (r == SG_SQLITE_DB_FAILED && (s->sq.rc & 0xFF) == SQLITE_CONSTRAINT)
        return SG_STORE_INVALID;
    return SG_STORE_UNAVAILABLE;
}

/* ------------------------------------------------------- open and close */

const char *sg_policy_store_path(const char *uri)
{
    static const char scheme[] = "sqlite:";
    if (!uri || strncmp(uri, scheme, sizeof scheme - 1) != 0 || uri[sizeof scheme - 1] == '\0')
        return NULL;
    return uri + sizeof scheme - 1;
}

bool sg_policy_store_exists(const char *uri)
{
    const char *path = sg_policy_store_path(uri);
    struct stat st;
    return path && stat(path, &st) == 0;
}

/* Opens the file when it exists (or, with `create`, creates it). Leaves
 * s->sq.q.db NULL, with SG_STORE_OK, when it does not exist and must not be created. */
sg_store_status sg_ps_connect(sg_policy_store *s, bool create, char *err, size_t errlen)
{
    if (s->sq.q.db)
        return SG_STORE_OK;
    struct stat sb;
    if (stat(s->path, &sb) != 0) {
        if (errno != ENOENT)
            return sg_ps_fail(SG_STORE_UNAVAILABLE, err, errlen, "cannot open policy store %s: %s", s->path,
                              strerror(errno));
        if (!create || !s->writable)
            return SG_STORE_OK; /* reads as the built-in default policy */
        if (!sg_sqlite_db_check_dir(&s->sq, "create", err, errlen))
            return SG_STORE_UNAVAILABLE;
    } else if (S_ISDIR(sb.st_mode)) {
        return sg_ps_fail(SG_STORE_UNAVAILABLE, err, errlen, "cannot open policy store %s: it is a directory", s->path);
    } else if (access(s->path, s->writable ? R_OK | W_OK : R_OK) != 0) {
        return sg_ps_fail(SG_STORE_UNAVAILABLE, err, errlen, "cannot open policy store %s: %s", s->path,
                          strerror(errno));
    }
    /* SQLite itself only now that there is a file to read or write (sqlite_lib.h).
     * Writers use the rollback journal: readers need no write access (WAL
     * would need the -shm file). A reader checks the file (a garbage file
     * fails here) and migrates nothing. */
    int flags = s->writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    sg_sqlite_db_result r =
        sg_sqlite_db_open(&s->sq, flags, s->writable ? "PRAGMA journal_mode = DELETE" : NULL, err, errlen);
    int version;
    if (r == SG_SQLITE_DB_OK)
        r = s->writable ? sg_sqlite_db_migrate(&s->sq, err, errlen)
                        : sg_sqlite_db_version(&s->sq, &version, err, errlen);
    if (r != SG_SQLITE_DB_OK)
        sg_sqlite_db_disconnect(&s->sq);
    return db_status(s, r);
}

sg_store_status sg_policy_store_open(const char *uri, bool writable, sg_policy_store **out, char *err, size_t errlen)
{
    *out = NULL;
    const char *path = sg_policy_store_path(uri);
    if (!path) {
        char shown[96];
        sg_ps_printable(uri ? uri : "", shown, sizeof shown);
        return sg_ps_fail(SG_STORE_INVALID, err, errlen,
                          "unsupported policy store \"%s\" (expected sqlite:/path/to/policy.db)", shown);
    }
    sg_policy_store *s = sg_xmalloc(sizeof *s);
    s->path = sg_xstrdup(path);
    s->writable = writable;
    sg_sqlite_db_init(&s->sq, &store_kind, s->path, BUSY_TIMEOUT_MS, s);
    sg_store_status st = sg_ps_connect(s, false, err, errlen);
    if (st != SG_STORE_OK) {
        sg_policy_store_close(s);
        return st;
    }
    *out = s;
    return SG_STORE_OK;
}

void sg_policy_store_close(sg_policy_store *store)
{
    if (!store)
        return;
    sg_sqlite_db_close(&store->sq);
    free(store->path);
    free(store);
}

/* The schema version inside the current transaction: 0 means "never written". */
sg_store_status sg_ps_current_version(sg_policy_store *s, int *version, char *err, size_t errlen)
{
    sg_store_status st = db_status(s, sg_sqlite_db_version(&s->sq, version, err, errlen));
    if (st == SG_STORE_OK && *version != 0 && *version != SG_PS_SCHEMA_VERSION)
        st = sg_ps_fail(SG_STORE_UNAVAILABLE, err, errlen,
                  "policy store %s has schema version %d; run a `sievegate policy` write as its owner to upgrade it",
                        s->path, *version);
    return st;
}
