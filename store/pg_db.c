/* pg_db.c - see pg_db.h. */
#include "store/pg_db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/arena.h"
#include "base/secret_file.h"

#define PASSWORD_MAX 1024

bool sg_pg_is_uri(const char *s)
{
    return s && (strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0);
}

bool sg_pg_uri_check(const char *uri, char *err, size_t errlen)
{
    if (!sg_pg_is_uri(uri)) {
        snprintf(err, errlen, "expected postgresql://[user@]host[:port][,host2...]/dbname[?param=value...]");
        return false;
    }
    const char *rest = strstr(uri, "://") + 3;
    size_t auth = strcspn(rest, "/?");
    const char *at = memchr(rest, '@', auth);
    /* RFC 3986 userinfo "user:password@": the password would sit in the
     * configuration and, through -o, on a command line. */
    if (at && memchr(rest, ':', (size_t)(at - rest))) {
        snprintf(err, errlen, "a password in the URI is refused: put it in postgresql_password_file "
                              "(or PGPASSWORD / PGPASSFILE in the environment)");
        return false;
    }
    for (const char *q = strchr(rest, '?'); q; q = strchr(q + 1, '&')) {
        if (strncmp(q + 1, "password=", 9) == 0) {
            snprintf(err, errlen, "a password in the URI is refused: put it in postgresql_password_file "
                                  "(or PGPASSWORD / PGPASSFILE in the environment)");
            return false;
        }
    }
    if (strpbrk(uri, " \t\r\n")) {
        snprintf(err, errlen, "a URI holds no white space (escape it as %%20)");
        return false;
    }
    return true;
}

void sg_pg_db_init(sg_pg_db *db, const sg_pg_kind *kind, const char *uri, const char *password_file)
{
    memset(db, 0, sizeof *db);
    db->kind = kind;
    db->uri = sg_xstrdup(uri);
    db->password_file = password_file && *password_file ? sg_xstrdup(password_file) : NULL;
}

const char *sg_pg_db_name(const sg_pg_db *db)
{
    return db->uri;
}

/* libpq prints notices on stderr by default; a delivery's stderr goes to the MTA. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* The first line of the password file (base/secret_file.h: refused when
 * every user may read it; 0640 root:mail is the intended mode). */
static bool read_password(const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
    char *data;
    size_t len;
    if (!sg_secret_read("postgresql_password_file", path, PASSWORD_MAX, &data, &len, err, errlen))
        return false;
    size_t n = strcspn(data, "\r\n");
    bool ok = n > 0 && n < outlen && memchr(data, '\0', n) == NULL;
    if (ok) {
        memcpy(out, data, n);
        out[n] = '\0';
    } else {
        snprintf(err, errlen, "postgresql_password_file %s: the first line is empty or longer than %zu bytes", path,
                 outlen - 1);
    }
    sg_secret_free(data, len);
    return ok;
}

/* libpq's message on one line: one clause a host tried ("; " between),
 * without the hint lines (tab-indented: "Is the server running..."). */
static void connect_error(sg_pg_db *db, const char *why, char *err, size_t errlen)
{
    char flat[512];
    size_t n = 0;
    for (const char *line = why; *line && n + 3 < sizeof flat;) {
        size_t len = strcspn(line, "\n");
        if (line[0] != '\t' && len > 0) {
            if (n)
                flat[n++] = ';', flat[n++] = ' ';
            size_t take = len < sizeof flat - n - 1 ? len : sizeof flat - n - 1;
            memcpy(flat + n, line, take);
            n += take;
        }
        line += len + (line[len] == '\n');
    }
    while (n && flat[n - 1] == ' ')
        n--;
    flat[n] = '\0';
    snprintf(err, errlen, "cannot connect to %s %s: %s", db->kind->what, db->uri, flat);
}

bool sg_pg_db_connect(sg_pg_db *db, char *err, size_t errlen)
{
    if (db->conn)
        return true;
    if (!db->f.handle && !sg_pq_lib_open(&db->f, err, errlen))
        return false;
    char password[PASSWORD_MAX + 1] = "";
    if (db->password_file && !read_password(db->password_file, password, sizeof password, err, errlen))
        return false;
    /* Later keywords override earlier ones, and the URI is expanded where
     * "dbname" stands: connect_timeout before it is a default the URI may
     * change; the password after it. */
    const char *keys[] = {"connect_timeout", "fallback_application_name", "dbname", "password", NULL};
    const char *values[] = {SG_PG_CONNECT_TIMEOUT, "sievegate", db->uri, password[0] ? password : NULL, NULL};
    if (!password[0])
        keys[3] = NULL;
    PGconn *c = db->f.connectdbParams(keys, values, 1);
    memset(password, 0, sizeof password);
    if (!c) {
        connect_error(db, "out of memory", err, errlen);
        return false;
    }
    if (db->f.status(c) != CONNECTION_OK) {
        connect_error(db, db->f.errorMessage(c), err, errlen);
        db->f.finish(c);
        return false;
    }
    db->f.setNoticeProcessor(c, quiet, NULL);
    db->conn = c;
    return true;
}

/* Statements without parameters (the simple protocol: a migration is
 * several); the last one's result (NULL when out of memory). */
static PGresult *run(sg_pg_db *db, const char *sql)
{
    return db->f.exec(db->conn, sql);
}

static bool result_ok(sg_pg_db *db, PGresult *r)
{
    ExecStatusType st = r ? db->f.resultStatus(r) : PGRES_FATAL_ERROR;
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

static void result_error(sg_pg_db *db, PGresult *r, const char *doing, char *err, size_t errlen)
{
    const char *why = r ? db->f.resultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!why)
        why = db->f.errorMessage(db->conn);
    size_t n = strlen(why);
    while (n && why[n - 1] == '\n')
        n--;
    snprintf(err, errlen, "%s %s %s: %.*s", db->kind->what, db->uri, doing, (int)n, why);
}

bool sg_pg_db_lost(const sg_pg_db *db, const PGresult *failed)
{
    if (!db->conn || db->f.status(db->conn) != CONNECTION_OK)
        return true;
    const char *state = failed ? db->f.resultErrorField(failed, PG_DIAG_SQLSTATE) : NULL;
    return state && (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 ||
                     strcmp(state, "57P03") == 0);
}

/* SQLSTATE 42P01: undefined_table. */
static bool undefined_table(sg_pg_db *db, PGresult *r)
{
    const char *state = r ? db->f.resultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return state && strcmp(state, "42P01") == 0;
}

bool sg_pg_db_version(sg_pg_db *db, int *version, char *err, size_t errlen)
{
    *version = 0;
    if (!sg_pg_db_connect(db, err, errlen))
        return false;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT value FROM %s WHERE key = 'schema_version'", db->kind->version_table);
    /* Inside a transaction a failed statement would abort it: a savepoint
     * keeps "no such table" from spoiling the caller's transaction. */
    bool in_tx = db->f.transactionStatus(db->conn) == PQTRANS_INTRANS;
    if (in_tx)
        db->f.clear(run(db, "SAVEPOINT sg_version"));
    PGresult *r = run(db, sql);
    if (!in_tx && !result_ok(db, r) && sg_pg_db_lost(db, r)) {
        /* the server restarted or failed over since this connection was made: once more */
        db->f.clear(r);
        sg_pg_db_disconnect(db);
        if (!sg_pg_db_connect(db, err, errlen))
            return false;
        r = run(db, sql);
    }
    bool answered = result_ok(db, r), ok = answered;
    if (answered && db->f.ntuples(r) > 0)
        *version = atoi(db->f.getvalue(r, 0, 0));
    else if (!answered && undefined_table(db, r))
        ok = true; /* never migrated */
    else if (!answered)
        result_error(db, r, "is unreadable", err, errlen);
    db->f.clear(r);
    if (in_tx)
        db->f.clear(run(db, answered ? "RELEASE SAVEPOINT sg_version" : "ROLLBACK TO SAVEPOINT sg_version"));
    return ok;
}

bool sg_pg_db_check_schema(sg_pg_db *db, char *err, size_t errlen)
{
    int version;
    if (!sg_pg_db_version(db, &version, err, errlen))
        return false;
    if (version == db->kind->version)
        return true;
    if (version == 0)
        snprintf(err, errlen, "%s %s has no sievegate schema: run `sievegate policy migrate`", db->kind->what,
                 db->uri);
    else if (version < db->kind->version)
        snprintf(err, errlen, "%s %s has schema version %d, older than this sievegate's (%d): run `sievegate policy "
                              "migrate`", db->kind->what, db->uri, version, db->kind->version);
    else
        snprintf(err, errlen, "%s %s has schema version %d, newer than this sievegate knows (%d)", db->kind->what,
                 db->uri, version, db->kind->version);
    return false;
}

bool sg_pg_db_migrate(sg_pg_db *db, int *from, char *err, size_t errlen)
{
    if (!sg_pg_db_connect(db, err, errlen))
        return false;
    const sg_pg_kind *k = db->kind;
    char lock[96];
    snprintf(lock, sizeof lock, "SELECT pg_advisory_xact_lock(%lld)", k->lock_id);
    PGresult *r = run(db, "BEGIN");
    bool ok = result_ok(db, r);
    db->f.clear(r);
    if (ok) {
        r = run(db, lock);
        ok = result_ok(db, r);
        if (!ok)
            result_error(db, r, "cannot be locked for migration", err, errlen);
        db->f.clear(r);
    } else {
        result_error(db, NULL, "cannot be migrated", err, errlen);
    }
    int version = 0;
    ok = ok && sg_pg_db_version(db, &version, err, errlen); /* read again under the lock */
    if (from)
        *from = version;
    if (ok && version > k->version) {
        snprintf(err, errlen, "%s %s has schema version %d, newer than this sievegate knows (%d)", k->what, db->uri,
                 version, k->version);
        ok = false;
    }
    for (; ok && version < k->version; version++) {
        r = run(db, k->migrations[version]);
        ok = result_ok(db, r);
        if (!ok) {
            char doing[64];
            snprintf(doing, sizeof doing, "cannot be migrated to version %d", version + 1);
            result_error(db, r, doing, err, errlen);
        }
        db->f.clear(r);
    }
    r = run(db, ok ? "COMMIT" : "ROLLBACK");
    if (ok && !result_ok(db, r)) {
        result_error(db, r, "cannot be migrated", err, errlen);
        ok = false;
    }
    db->f.clear(r);
    return ok;
}

void sg_pg_db_disconnect(sg_pg_db *db)
{
    if (db->conn)
        db->f.finish(db->conn);
    db->conn = NULL;
}

void sg_pg_db_close(sg_pg_db *db)
{
    sg_pg_db_disconnect(db);
    sg_pq_lib_close(&db->f);
    free(db->uri);
    free(db->password_file);
    db->uri = db->password_file = NULL;
}
