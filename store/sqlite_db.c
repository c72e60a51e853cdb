/* sqlite_db.c - see sqlite_db.h. */
#include "store/sqlite_db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"

void sg_sqlite_db_init(sg_sqlite_db *db, const sg_sqlite_db_kind *kind, const char *path, int busy_timeout_ms,
                       void *ctx)
{
    memset(db, 0, sizeof *db);
    db->kind = kind;
    db->path = path;
    db->busy_timeout_ms = busy_timeout_ms;
    db->ctx = ctx;
    db->q.f = &db->f;
}

bool sg_sqlite_db_check_dir(const sg_sqlite_db *db, const char *verb, char *err, size_t errlen)
{
    char *dir = sg_xstrdup(db->path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    struct stat sb;
    bool ok = false;
    if (stat(dir, &sb) != 0)
        snprintf(err, errlen, "cannot %s %s %s: directory %s: %s", verb, db->kind->what, db->path, dir,
                 strerror(errno));
    else if (!S_ISDIR(sb.st_mode))
        snprintf(err, errlen, "cannot %s %s %s: %s is not a directory", verb, db->kind->what, db->path, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        snprintf(err, errlen, "cannot %s %s %s: directory %s is not writable (the journal is created there): %s",
                 verb, db->kind->what, db->path, dir, strerror(errno));
    else
        ok = true;
    free(dir);
    return ok;
}

/* An SQLite call of `step` failed with rc: the store words it now. */
static sg_sqlite_db_result failed(sg_sqlite_db *db, sg_sqlite_step step, int rc, char *err, size_t errlen)
{
    db->rc = rc;
    db->kind->fail(db->ctx, step, rc, err, errlen);
    return SG_SQLITE_DB_FAILED;
}

sg_sqlite_db_result sg_sqlite_db_open(sg_sqlite_db *db, int flags, const char *pragmas, char *err, size_t errlen)
{
    if (db->q.db)
        return SG_SQLITE_DB_OK;
    if (!db->f.handle && !sg_sqlite_lib_open(&db->f, err, errlen))
        return SG_SQLITE_DB_UNLOADED;
    sqlite3 *c = NULL;
    int rc = db->f.open_v2(db->path, &c, flags, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s %s: %s", db->kind->what, db->path,
                 c ? db->f.errmsg(c) : db->f.errstr(rc));
        db->f.close(c);
        return SG_SQLITE_DB_UNOPENED;
    }
    db->f.busy_timeout(c, db->busy_timeout_ms);
    db->q.db = c;
    if (pragmas && (rc = db->f.exec(c, pragmas, NULL, NULL, NULL)) != SQLITE_OK) {
        sg_sqlite_db_result r = failed(db, SG_SQLITE_STEP_OPEN, rc, err, errlen);
        sg_sqlite_db_disconnect(db);
        return r;
    }
    return SG_SQLITE_DB_OK;
}

sg_sqlite_db_result sg_sqlite_db_version(sg_sqlite_db *db, int *version, char *err, size_t errlen)
{
    const sg_sqlite_conn *q = &db->q;
    sqlite3_int64 v = 0, app = 0, ntables = 0;
    sqlite3_stmt *st = NULL;
    int rc = q->f->prepare_v2(q->db,
                              "SELECT (SELECT user_version FROM pragma_user_version),"
                              " (SELECT application_id FROM pragma_application_id),"
                              " (SELECT count(*) FROM sqlite_master)",
                              -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = q->f->step(st);
    if (rc == SQLITE_ROW) {
        v = q->f->column_int64(st, 0);
        app = q->f->column_int64(st, 1);
        ntables = q->f->column_int64(st, 2);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_ERROR;
    }
    sg_sqlite_db_result r = SG_SQLITE_DB_OK;
    if (rc != SQLITE_OK)
        r = failed(db, SG_SQLITE_STEP_READ, rc, err, errlen); /* before finalize, which resets the message */
    q->f->finalize(st);
    if (r != SG_SQLITE_DB_OK)
        return r;
    const sg_sqlite_db_kind *k = db->kind;
    if ((app != 0 && app != k->application_id) || (v == 0 && ntables > 0)) {
        snprintf(err, errlen, "%s %s is not a sievegate %s", k->what, db->path, k->what);
        return SG_SQLITE_DB_FOREIGN;
    }
    if (v > k->version) {
        snprintf(err, errlen, "%s %s has schema version %lld, newer than this sievegate knows (%d)", k->what,
                 db->path, (long long)v, k->version);
        return SG_SQLITE_DB_NEWER;
    }
    *version = (int)v;
    return SG_SQLITE_DB_OK;
}

sg_sqlite_db_result sg_sqlite_db_migrate(sg_sqlite_db *db, char *err, size_t errlen)
{
    const sg_sqlite_conn *q = &db->q;
    const sg_sqlite_db_kind *k = db->kind;
    int version = 0;
    sg_sqlite_db_result r = sg_sqlite_db_version(db, &version, err, errlen);
    if (r != SG_SQLITE_DB_OK || version == k->version)
        return r;
    int rc = q->f->exec(q->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return failed(db, SG_SQLITE_STEP_WRITE, rc, err, errlen);
    r = sg_sqlite_db_version(db, &version, err, errlen); /* another process may have migrated meanwhile */
    for (; r == SG_SQLITE_DB_OK && version < k->version; version++)
        if ((rc = k->migrations[version](q)) != SQLITE_OK)
            r = failed(db, SG_SQLITE_STEP_WRITE, rc, err, errlen);
    if (r == SG_SQLITE_DB_OK) {
        char sql[96];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d", k->version,
                 k->application_id);
        rc = q->f->exec(q->db, sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            rc = q->f->exec(q->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            r = failed(db, SG_SQLITE_STEP_WRITE, rc, err, errlen);
    }
    if (r != SG_SQLITE_DB_OK && !q->f->get_autocommit(q->db))
        q->f->exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return r;
}

void sg_sqlite_db_disconnect(sg_sqlite_db *db)
{
    if (db->f.handle && db->q.db)
        db->f.close(db->q.db);
    db->q.db = NULL;
}

void sg_sqlite_db_close(sg_sqlite_db *db)
{
    sg_sqlite_db_disconnect(db);
    sg_sqlite_lib_close(&db->f);
    db->q.f = &db->f;
}
