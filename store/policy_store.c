/* policy_store.c - the authoritative policy store (policy_store.h;
 * docs/policy.md, "What the policy holds" and "Where the policy lives"):
 * opening either backend, and the SQLite one.
 *
 * Takes: a "sqlite:/path" or "postgresql://..." URI, and the admin's writes.
 * Returns: whole snapshots (policy/policy.h) and the store-wide generation.
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
 * This file: opening, the SQLite connection and schema, errors; the
 * PostgreSQL connection and schema are policy_store_pg.c's, reading a
 * snapshot policy_store_load.c's, the writes policy_store_write.c's (the
 * same SQL for both backends, store/sql.h).
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

/* The sentences of a failure, alike for both backends. */
static sg_store_status worded(const sg_policy_store *s, sg_sql_result r, const char *why, char *err, size_t errlen)
{
    if (r == SG_SQL_BUSY)
        return sg_ps_fail(SG_STORE_UNAVAILABLE, err, errlen,
                          "policy store %s is locked by another process (waited %d s)", s->path,
                          BUSY_TIMEOUT_MS / 1000);
    if (r == SG_SQL_CONSTRAINT)
        return sg_ps_fail(SG_STORE_INVALID, err, errlen, "policy store %s refused the change: %s", s->path, why);
    return sg_ps_fail(SG_STORE_UNAVAILABLE, err, errlen, "policy store %s is unreadable: %s", s->path, why);
}

sg_store_status sg_ps_sql_fail(const sg_policy_store *s, sg_sql_result r, char *err, size_t errlen)
{
    return worded(s, r, s->sql.error, err, errlen);
}

/* An SQLite failure of the connection (sqlite_db.h's steps). */
static sg_store_status sqlite_fail(const sg_policy_store *s, int rc, char *err, size_t errlen)
{
    int primary = rc & 0xFF;
    sg_sql_result r = primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? SG_SQL_BUSY
                      : primary == SQLITE_CONSTRAINT                     ? SG_SQL_CONSTRAINT
                                                                         : SG_SQL_FAILED;
    return worded(s, r, s->sq.q.db ? s->sq.f.errmsg(s->sq.q.db) : s->sq.f.errstr(rc), err, errlen);
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

/* Version 2: the admins' mailbox forwards (`sievegate forward`), one per user. */
static int migrate_to_2(const sg_sqlite_conn *q)
{
    static const char sql[] =
        "CREATE TABLE admin_forwards (mailbox TEXT PRIMARY KEY, address TEXT NOT NULL,"
        "  keep_copy INTEGER NOT NULL CHECK (keep_copy IN (0, 1)));"
        "UPDATE meta SET value = 2 WHERE key = 'schema_version';";
    return q->f->exec(q->db, sql, NULL, NULL, NULL);
}

/* migrations[v] takes a store from version v to v + 1. */
static int (*const migrations[SG_PS_SCHEMA_VERSION])(const sg_sqlite_conn *q) = {migrate_to_1, migrate_to_2};

/* sqlite_db.h's kind->fail: every step is worded alike. */
static void word_failure(void *ctx, sg_sqlite_step step, int rc, char *err, size_t errlen)
{
    const sg_policy_store *s = ctx;
    (void)step;
    sqlite_fail(s, rc, err, errlen);
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

sg_store_kind sg_policy_store_kind(const char *uri)
{
    if (!uri)
        return SG_STORE_KIND_UNKNOWN;
    if (strcmp(uri, "none") == 0)
        return SG_STORE_KIND_NONE;
    if (sg_pg_is_uri(uri))
        return SG_STORE_KIND_POSTGRESQL;
    return sg_policy_store_path(uri) ? SG_STORE_KIND_SQLITE : SG_STORE_KIND_UNKNOWN;
}

const char *sg_policy_store_path(const char *uri)
{
    static const char scheme[] = "sqlite:";
    if (!uri || strncmp(uri, scheme, sizeof scheme - 1) != 0 || uri[sizeof scheme - 1] == '\0')
        return NULL;
    return uri + sizeof scheme - 1;
}

bool sg_policy_store_exists(const char *uri)
{
    if (sg_policy_store_kind(uri) == SG_STORE_KIND_POSTGRESQL)
        return true;
    const char *path = sg_policy_store_path(uri);
    struct stat st;
    return path && stat(path, &st) == 0;
}

bool sg_ps_connected(const sg_policy_store *s)
{
    return s->pg ? s->pgdb.conn != NULL : s->sq.q.db != NULL;
}

/* SQLite: opens the file when it exists (or, with `create`, creates it). */
static sg_store_status sqlite_connect(sg_policy_store *s, bool create, char *err, size_t errlen)
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

sg_store_status sg_ps_connect(sg_policy_store *s, bool create, char *err, size_t errlen)
{
    return s->pg ? sg_ps_pg_connect(s, err, errlen) : sqlite_connect(s, create, err, errlen);
}

sg_store_status sg_policy_store_open_with(const char *uri, const char *password_file, bool writable,
                                          sg_policy_store **out, char *err, size_t errlen)
{
    *out = NULL;
    sg_store_kind kind = sg_policy_store_kind(uri);
    if (kind != SG_STORE_KIND_SQLITE && kind != SG_STORE_KIND_POSTGRESQL) {
        char shown[96];
        sg_ps_printable(uri ? uri : "", shown, sizeof shown);
        return sg_ps_fail(SG_STORE_INVALID, err, errlen,
                          "unsupported policy store \"%s\" (expected sqlite:/path/to/policy.db or "
                          "postgresql://host/dbname)", shown);
    }
    if (kind == SG_STORE_KIND_POSTGRESQL && !sg_pg_uri_check(uri, err, errlen))
        return SG_STORE_INVALID;
    sg_policy_store *s = sg_xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->writable = writable;
    s->pg = kind == SG_STORE_KIND_POSTGRESQL;
    if (s->pg) {
        s->path = sg_xstrdup(uri);
        sg_ps_pg_init(s, uri, password_file);
    } else {
        s->path = sg_xstrdup(sg_policy_store_path(uri));
        sg_sqlite_db_init(&s->sq, &store_kind, s->path, BUSY_TIMEOUT_MS, s);
        sg_sql_init_sqlite(&s->sql, &s->sq.q);
    }
    /* A writable PostgreSQL store may have no schema yet: `policy migrate`
     * creates it; every read and write checks it first. */
    sg_store_status st = s->pg && writable
                             ? (sg_pg_db_connect(&s->pgdb, err, errlen) ? SG_STORE_OK : SG_STORE_UNAVAILABLE)
                             : sg_ps_connect(s, false, err, errlen);
    if (st != SG_STORE_OK) {
        sg_policy_store_close(s);
        return st;
    }
    *out = s;
    return SG_STORE_OK;
}

sg_store_status sg_policy_store_open(const char *uri, bool writable, sg_policy_store **out, char *err, size_t errlen)
{
    return sg_policy_store_open_with(uri, NULL, writable, out, err, errlen);
}

sg_store_status sg_policy_store_open_config(const sg_config *cfg, bool writable, sg_policy_store **out, char *err,
                                            size_t errlen)
{
    const char *uri = sg_config_get(cfg, "policy_store");
    return sg_policy_store_open_with(uri && *uri ? uri : SG_DEFAULT_POLICY_STORE,
                                     sg_config_get(cfg, "postgresql_password_file"), writable, out, err, errlen);
}

sg_store_status sg_policy_store_migrate(sg_policy_store *store, int *from, int *to, char *err, size_t errlen)
{
    *from = *to = 0;
    if (!store->writable)
        return sg_ps_fail(SG_STORE_UNAVAILABLE, err, errlen, "policy store %s was opened read-only", store->path);
    if (store->pg) {
        sg_store_status st = sg_ps_pg_migrate(store, from, err, errlen);
        *to = st == SG_STORE_OK ? SG_PS_SCHEMA_VERSION : *from;
        return st;
    }
    /* SQLite: the version found, then the connection migrates (creating the file). */
    if (store->sq.q.db) {
        sg_store_status st = db_status(store, sg_sqlite_db_version(&store->sq, from, err, errlen));
        if (st != SG_STORE_OK)
            return st;
    }
    sg_store_status st = sg_ps_connect(store, true, err, errlen);
    if (st == SG_STORE_OK)
        st = db_status(store, sg_sqlite_db_version(&store->sq, to, err, errlen));
    return st;
}

void sg_policy_store_close(sg_policy_store *store)
{
    if (!store)
        return;
    if (store->pg)
        sg_pg_db_close(&store->pgdb);
    else
        sg_sqlite_db_close(&store->sq);
    free(store->path);
    free(store);
}

/* The schema version inside the current transaction: 0 means "never written". */
sg_store_status sg_ps_current_version(sg_policy_store *s, int *version, char *err, size_t errlen)
{
    if (s->pg) /* anything but the current version is refused with what to do */
        return sg_pg_db_check_schema(&s->pgdb, err, errlen) ? (*version = SG_PS_SCHEMA_VERSION, SG_STORE_OK)
                                                            : SG_STORE_UNAVAILABLE;
    sg_store_status st = db_status(s, sg_sqlite_db_version(&s->sq, version, err, errlen));
    if (st == SG_STORE_OK && *version != 0 && *version != SG_PS_SCHEMA_VERSION)
        st = sg_ps_fail(SG_STORE_UNAVAILABLE, err, errlen,
                  "policy store %s has schema version %d; run a `sievegate policy` write as its owner to upgrade it",
                        s->path, *version);
    return st;
}
