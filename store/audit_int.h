/* audit_int.h - what the files of the audit log share, for them alone:
 * audit.c (the setting, the line, the connection, recording),
 * audit_spool.c (records waiting for PostgreSQL) and audit_report.c (the
 * report). See audit.h. */
#ifndef SG_AUDIT_INT_H
#define SG_AUDIT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "store/audit.h"
#include "store/pg_db.h"
#include "store/sql.h"
#include "store/sqlite_db.h"

#define SG_AUDIT_ID_LEN 32 /* hex digits */

struct sg_audit {
    bool to_syslog;
    char *db;   /* the SQLite path or the postgresql:// URI; NULL: no database */
    bool pg;    /* db is PostgreSQL */
    char *password_file, *spool_dir, *host;
    sg_sqlite_db sq; /* SQLite loaded and the database opened at the first record */
    sg_pg_db pgdb;   /* libpq likewise */
    bool schema_checked;
    sg_sql sql;
    sg_audit_line_fn sink;
    void *sink_ctx;
};

/* Connects for writing: SQLite opened and migrated (created), PostgreSQL
 * connected with its schema checked. False with err. */
bool sg_audit_connect(sg_audit *a, char *err, size_t errlen);
/* Opens the database for the report: PostgreSQL as for writing; SQLite
 * read-only. *missing: an SQLite file that does not exist yet. */
bool sg_audit_open_reader(sg_audit *a, bool *missing, char *err, size_t errlen);
/* Inserts one complete record (id, host and time set); a record whose id is
 * in the table already is left alone. */
sg_sql_result sg_audit_insert(sg_audit *a, const sg_audit_record *rec);
/* Sends syslog's line (or the test sink's). */
void sg_audit_emit(const sg_audit *a, int priority, const char *line);

/* ---- audit_spool.c ---- */

/* Writes the record into the spool: one file, written whole (fsync, then
 * renamed into place). False with err. */
bool sg_audit_spool_write(const sg_audit *a, const sg_audit_record *rec, char *err, size_t errlen);
/* How many records wait in the spool (whoever wrote them). */
size_t sg_audit_spool_pending(const sg_audit *a);
/* Sends at most `max` spooled records (0: all) over the open connection. */
bool sg_audit_spool_send(sg_audit *a, size_t max, size_t *sent, size_t *left, char *err, size_t errlen);

#endif
