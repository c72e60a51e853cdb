/* sql.c - see sql.h: the SQLite side, the PostgreSQL side, and what both share. */
#include "store/sql.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

#define MAX_PARAMS 16

typedef struct {
    char type;
    const char *text;
    long long num;
    char buf[24]; /* PostgreSQL: the number as text */
} param;

/* The values of `types` from ap; -1 when there are too many or a letter is unknown. */
static int collect(const char *types, va_list ap, param *out)
{
    int n = 0;
    for (; types && types[n]; n++) {
        if (n == MAX_PARAMS)
            return -1;
        out[n].type = types[n];
        out[n].text = NULL;
        out[n].num = 0;
        if (types[n] == 't')
            out[n].text = va_arg(ap, const char *);
        else if (types[n] == 'i')
            out[n].num = va_arg(ap, int);
        else if (types[n] == 'L')
            out[n].num = va_arg(ap, long long);
        else
            return -1;
    }
    return n;
}

static sg_sql_result fail(sg_sql *c, sg_sql_result r, const char *fmt, const char *what)
{
    snprintf(c->error, sizeof c->error, fmt, what ? what : "");
    return r;
}

void sg_sql_init_sqlite(sg_sql *c, const sg_sqlite_conn *q)
{
    memset(c, 0, sizeof *c);
    c->lite = q;
}

void sg_sql_init_pg(sg_sql *c, sg_pg_db *db, const char *lock_table)
{
    memset(c, 0, sizeof *c);
    c->pg = db;
    c->lock_table = lock_table;
}

/* ---------------------------------------------------------------- SQLite */

static sg_sql_result lite_status(sg_sql *c, int rc)
{
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
        return SG_SQL_OK;
    const sg_sqlite_conn *q = c->lite;
    snprintf(c->error, sizeof c->error, "%s", q->db ? q->f->errmsg(q->db) : q->f->errstr(rc));
    int primary = rc & 0xFF;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return SG_SQL_BUSY;
    return primary == SQLITE_CONSTRAINT ? SG_SQL_CONSTRAINT : SG_SQL_FAILED;
}

static sg_sql_result lite_prepare(sg_sql *c, const char *sql, const param *p, int n, sqlite3_stmt **out)
{
    const sg_sqlite_conn *q = c->lite;
    sqlite3_stmt *st = NULL;
    int rc = q->f->prepare_v2(q->db, sql, -1, &st, NULL);
    for (int i = 0; rc == SQLITE_OK && i < n; i++)
        rc = p[i].type == 't' ? q->f->bind_text(st, i + 1, p[i].text, -1, SQLITE_TRANSIENT)
                              : q->f->bind_int64(st, i + 1, (sqlite3_int64)p[i].num);
    sg_sql_result r = lite_status(c, rc); /* before finalize, which resets the message */
    if (r != SG_SQL_OK) {
        q->f->finalize(st);
        st = NULL;
    }
    *out = st;
    return r;
}

static sg_sql_result lite_exec(sg_sql *c, long long *changes, const char *sql, const param *p, int n)
{
    sqlite3_stmt *st;
    sg_sql_result r = lite_prepare(c, sql, p, n, &st);
    if (r != SG_SQL_OK)
        return r;
    const sg_sqlite_conn *q = c->lite;
    int rc = q->f->step(st);
    r = lite_status(c, rc);
    if (changes)
        *changes = q->f->changes(q->db);
    q->f->finalize(st);
    return r;
}

/* ------------------------------------------------------------ PostgreSQL */

/* ?N -> $N outside quoted strings and identifiers. */
static char *pg_sql(const char *sql)
{
    char *out = sg_xstrdup(sql);
    char quote = 0;
    for (char *p = out; *p; p++) {
        if (quote) {
            quote = *p == quote ? 0 : quote;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '?' && p[1] >= '1' && p[1] <= '9') {
            *p = '$';
        }
    }
    return out;
}

static sg_sql_result pg_status(sg_sql *c, PGresult *r)
{
    sg_pg_db *db = c->pg;
    ExecStatusType st = r ? db->f.resultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return SG_SQL_OK;
    const char *why = r ? db->f.resultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!why)
        why = db->conn ? db->f.errorMessage(db->conn) : "no connection";
    size_t n = strlen(why);
    while (n && (why[n - 1] == '\n' || why[n - 1] == ' '))
        n--;
    snprintf(c->error, sizeof c->error, "%.*s", (int)n, why);
    const char *state = r ? db->f.resultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state && strncmp(state, "23", 2) == 0)
        return SG_SQL_CONSTRAINT;
    /* lock_not_available (lock_timeout), serialization_failure, deadlock_detected */
    if (state && (strcmp(state, "55P03") == 0 || strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0))
        return SG_SQL_BUSY;
    return SG_SQL_FAILED;
}

/* Runs one statement; outside a transaction, a connection found lost is made
 * again once and the statement run again. *out gets the result (the
 * caller clears it). */
static sg_sql_result pg_run(sg_sql *c, const char *sql, const param *p, int n, PGresult **out)
{
    sg_pg_db *db = c->pg;
    char *text = pg_sql(sql);
    const char *values[MAX_PARAMS];
    param copy[MAX_PARAMS];
    for (int i = 0; i < n; i++) {
        copy[i] = p[i];
        if (p[i].type == 't') {
            values[i] = p[i].text;
        } else {
            snprintf(copy[i].buf, sizeof copy[i].buf, "%lld", p[i].num);
            values[i] = copy[i].buf;
        }
    }
    sg_sql_result r = SG_SQL_FAILED;
    *out = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!db->conn && !sg_pg_db_connect(db, c->error, sizeof c->error))
            break;
        *out = db->f.execParams(db->conn, text, n, NULL, values, NULL, NULL, 0);
        r = pg_status(c, *out);
        if (r == SG_SQL_OK || c->in_tx || !sg_pg_db_lost(db, *out))
            break;
        /* The server went away between statements (a restart, a failover):
         * connect again, to the same URI (libpq tries every host it names). */
        db->f.clear(*out);
        *out = NULL;
        sg_pg_db_disconnect(db);
    }
    free(text);
    return r;
}

static sg_sql_result pg_exec(sg_sql *c, long long *changes, const char *sql, const param *p, int n)
{
    PGresult *res;
    sg_sql_result r = pg_run(c, sql, p, n, &res);
    if (r == SG_SQL_OK && changes) {
        const char *t = c->pg->f.cmdTuples(res);
        *changes = t && *t ? atoll(t) : 0;
    }
    if (res)
        c->pg->f.clear(res);
    return r;
}

/* ---------------------------------------------------------------- shared */

sg_sql_result sg_sql_exec(sg_sql *c, long long *changes, const char *sql, const char *types, ...)
{
    param p[MAX_PARAMS] = {{0}}; // collect() fills the first n; zeroed so no compiler sees an uninitialised read
    va_list ap;
    va_start(ap, types);
    int n = collect(types, ap, p);
    va_end(ap);
    if (changes)
        *changes = 0;
    if (n < 0)
        return fail(c, SG_SQL_FAILED, "bad parameter types \"%s\"", types);
    return c->lite ? lite_exec(c, changes, sql, p, n) : pg_exec(c, changes, sql, p, n);
}

static sg_sql_result query_v(sg_sql *c, sg_sql_rows *rows, const char *sql, const char *types, va_list ap)
{
    memset(rows, 0, sizeof *rows);
    rows->c = c;
    rows->row = -1;
    param p[MAX_PARAMS] = {{0}}; // collect() fills the first n; zeroed so no compiler sees an uninitialised read
    int n = collect(types, ap, p);
    if (n < 0)
        return rows->status = fail(c, SG_SQL_FAILED, "bad parameter types \"%s\"", types);
    if (c->lite)
        return rows->status = lite_prepare(c, sql, p, n, (sqlite3_stmt **)&rows->stmt);
    PGresult *res;
    rows->status = pg_run(c, sql, p, n, &res);
    if (rows->status == SG_SQL_OK) {
        rows->stmt = res;
        rows->nrows = c->pg->f.ntuples(res);
    } else if (res) {
        c->pg->f.clear(res);
    }
    return rows->status;
}

sg_sql_result sg_sql_query(sg_sql *c, sg_sql_rows *rows, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    sg_sql_result r = query_v(c, rows, sql, types, ap);
    va_end(ap);
    return r;
}

bool sg_sql_next(sg_sql_rows *rows)
{
    if (rows->status != SG_SQL_OK || !rows->stmt)
        return false;
    if (rows->c->pg) {
        if (rows->row + 1 >= rows->nrows)
            return false;
        rows->row++;
        return true;
    }
    int rc = rows->c->lite->f->step(rows->stmt);
    if (rc == SQLITE_ROW)
        return true;
    rows->status = lite_status(rows->c, rc);
    return false;
}

bool sg_sql_null(const sg_sql_rows *rows, int col)
{
    if (rows->c->pg)
        return rows->c->pg->f.getisnull(rows->stmt, rows->row, col) != 0;
    return rows->c->lite->f->column_type(rows->stmt, col) == SQLITE_NULL;
}

const char *sg_sql_text(const sg_sql_rows *rows, int col)
{
    if (rows->c->pg)
        return rows->c->pg->f.getvalue(rows->stmt, rows->row, col); /* "" for NULL */
    const unsigned char *t = rows->c->lite->f->column_text(rows->stmt, col);
    return t ? (const char *)t : "";
}

long long sg_sql_int(const sg_sql_rows *rows, int col)
{
    if (rows->c->pg)
        return atoll(rows->c->pg->f.getvalue(rows->stmt, rows->row, col));
    return (long long)rows->c->lite->f->column_int64(rows->stmt, col);
}

sg_sql_result sg_sql_end(sg_sql_rows *rows)
{
    if (rows->stmt) {
        if (rows->c->pg)
            rows->c->pg->f.clear(rows->stmt);
        else
            rows->c->lite->f->finalize(rows->stmt);
    }
    rows->stmt = NULL;
    return rows->status;
}

sg_sql_result sg_sql_query_int(sg_sql *c, long long *value, bool *found, const char *sql, const char *types, ...)
{
    sg_sql_rows rows;
    va_list ap;
    va_start(ap, types);
    query_v(c, &rows, sql, types, ap);
    va_end(ap);
    bool row = sg_sql_next(&rows);
    *value = row ? sg_sql_int(&rows, 0) : 0;
    if (found)
        *found = row;
    return sg_sql_end(&rows);
}

/* ---------------------------------------------------------- transactions */

sg_sql_result sg_sql_begin(sg_sql *c, bool write)
{
    sg_sql_result r;
    if (c->lite) {
        r = sg_sql_exec(c, NULL, write ? "BEGIN IMMEDIATE" : "BEGIN", NULL);
    } else if (!write) {
        r = sg_sql_exec(c, NULL, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", NULL);
    } else {
        r = sg_sql_exec(c, NULL, "BEGIN", NULL);
        if (r == SG_SQL_OK) {
            c->in_tx = true;
            char lock[128];
            snprintf(lock, sizeof lock, "LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE", c->lock_table);
            r = sg_sql_exec(c, NULL, "SET LOCAL lock_timeout = '" SG_SQL_LOCK_TIMEOUT "'", NULL);
            if (r == SG_SQL_OK)
                r = sg_sql_exec(c, NULL, lock, NULL);
            if (r != SG_SQL_OK)
                sg_sql_rollback(c);
        }
    }
    c->in_tx = r == SG_SQL_OK;
    return r;
}

sg_sql_result sg_sql_commit(sg_sql *c)
{
    /* PostgreSQL answers COMMIT of a failed transaction with a rollback, and no error. */
    if (c->pg && c->pg->conn && c->pg->f.transactionStatus(c->pg->conn) == PQTRANS_INERROR) {
        sg_sql_rollback(c);
        return fail(c, SG_SQL_FAILED, "%s", "the transaction failed");
    }
    sg_sql_result r = sg_sql_exec(c, NULL, "COMMIT", NULL);
    if (r != SG_SQL_OK)
        sg_sql_rollback(c);
    c->in_tx = false;
    return r;
}

/* Keeps c->error: it says why the transaction is rolled back. */
void sg_sql_rollback(sg_sql *c)
{
    char why[sizeof c->error];
    memcpy(why, c->error, sizeof why);
    c->in_tx = true; /* never reconnect for a rollback */
    if (c->lite ? !c->lite->f->get_autocommit(c->lite->db) : (c->pg->conn != NULL))
        (void)sg_sql_exec(c, NULL, "ROLLBACK", NULL);
    c->in_tx = false;
    memcpy(c->error, why, sizeof why);
}
