/* sql.h - one SQL statement, run alike on an SQLite file (sqlite_db.h) or a
 * PostgreSQL database (pg_db.h), so that the policy store and the audit log
 * have one implementation of their reads and writes for both backends.
 *
 * Takes: an open connection of either kind, SQL that both understand, with
 * numbered parameters ?1 ?2 ... (rewritten to $1 $2 ... for PostgreSQL,
 * outside quoted strings), and the values as a type string: one letter a
 * value, 't' text (const char *, NULL is SQL NULL), 'i' int, 'L' long long.
 * Returns: a result that says what kind of failure it was, the rows of a
 * query one at a time, and the failure's message in c->error.
 *
 * Transactions: sg_sql_begin(c, false) is a read transaction that sees one
 * snapshot (SQLite: BEGIN; PostgreSQL: REPEATABLE READ, READ ONLY);
 * sg_sql_begin(c, true) a write transaction that writers take one at a time
 * (SQLite: BEGIN IMMEDIATE, waiting up to the busy timeout; PostgreSQL: an
 * exclusive lock on `lock_table` waiting up to SG_SQL_LOCK_TIMEOUT).
 * PostgreSQL: a connection lost outside a transaction (the server restarted
 * or failed over) is made again once, and the statement run again.
 */
#ifndef SG_STORE_SQL_H
#define SG_STORE_SQL_H

#include <stdbool.h>
#include <stddef.h>

#include "store/pg_db.h"
#include "store/sqlite_lib.h"

#define SG_SQL_LOCK_TIMEOUT "5s"

typedef enum {
    SG_SQL_OK = 0,
    SG_SQL_BUSY,       /* locked by another writer for too long */
    SG_SQL_CONSTRAINT, /* a constraint refused the change */
    SG_SQL_FAILED,     /* anything else: unreadable, corrupt, the server gone */
} sg_sql_result;

typedef struct sg_sql {
    const sg_sqlite_conn *lite; /* an open SQLite connection, or NULL */
    sg_pg_db *pg;               /* a connected PostgreSQL database, or NULL */
    const char *lock_table;     /* PostgreSQL: the table write transactions lock */
    bool in_tx;
    char error[256]; /* the last failure's message */
} sg_sql;

void sg_sql_init_sqlite(sg_sql *c, const sg_sqlite_conn *q);
void sg_sql_init_pg(sg_sql *c, sg_pg_db *db, const char *lock_table);

/* One statement; *changes (may be NULL) gets the rows it changed. */
sg_sql_result sg_sql_exec(sg_sql *c, long long *changes, const char *sql, const char *types, ...);

/* The rows of a query. */
typedef struct sg_sql_rows {
    sg_sql *c;
    void *stmt; /* sqlite3_stmt * or PGresult * */
    int row, nrows; /* PostgreSQL: the current row (-1 before the first), and how many */
    sg_sql_result status;
} sg_sql_rows;

/* Runs the query; rows->status (also returned) says whether it failed. Call
 * sg_sql_end in every case. */
sg_sql_result sg_sql_query(sg_sql *c, sg_sql_rows *rows, const char *sql, const char *types, ...);
/* The next row: false at the end or on a failure (then rows->status). */
bool sg_sql_next(sg_sql_rows *rows);
const char *sg_sql_text(const sg_sql_rows *rows, int col); /* "" for NULL */
bool sg_sql_null(const sg_sql_rows *rows, int col);
long long sg_sql_int(const sg_sql_rows *rows, int col);
/* Frees the rows; returns their status. */
sg_sql_result sg_sql_end(sg_sql_rows *rows);

/* The first column of the first row as an integer; *found whether there was a row. */
sg_sql_result sg_sql_query_int(sg_sql *c, long long *value, bool *found, const char *sql, const char *types, ...);

sg_sql_result sg_sql_begin(sg_sql *c, bool write);
sg_sql_result sg_sql_commit(sg_sql *c);
void sg_sql_rollback(sg_sql *c);

#endif
