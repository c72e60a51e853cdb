/* pg_db.h - the one way the stores connect to PostgreSQL and keep its
 * schema: the policy store (policy_store_pg.c) and the audit log (audit.c),
 * as sqlite_db.h is for their SQLite files.
 *
 * Takes: what the database is (its name in messages, the table that holds
 * its schema version, the version this sievegate writes and one migration
 * per version), a libpq connection URI ("postgresql://user@host/db?...",
 * several hosts "host1,host2" for a failover pair) and, optionally, a file
 * holding the password (postgresql_password_file). Returns: an open
 * connection at a schema this sievegate reads, or false with one sentence.
 *
 * - libpq is loaded (pq_lib.h) at the first connect, never before.
 * - The password never comes from a command line: a URI holding one
 *   ("user:secret@" or "password=") is refused by sg_pg_uri_check (the
 *   configuration check of policy_store and audit_log); it comes from the
 *   password file (its first line; refused when every user may read it),
 *   else from what libpq reads itself: PGPASSWORD, PGPASSFILE, ~/.pgpass.
 * - connect_timeout defaults to SG_PG_CONNECT_TIMEOUT seconds (a URI may
 *   set its own); libpq's notices (e.g. "relation exists, skipping") are
 *   not printed.
 * - Schema: the version is the "schema_version" row of kind->version_table
 *   (a key/value table); no such table is version 0 ("never migrated").
 *   Readers check it at connect (sg_pg_db_check_schema): another version
 *   is an error that says to run `sievegate policy migrate`.
 *   sg_pg_db_migrate runs the migrations in one transaction under an
 *   advisory lock (two hosts migrating at once: one waits, then finds the
 *   work done).
 * - A connection lost between statements (the server restarted or failed
 *   over) is made again once, at the next statement outside a transaction
 *   (store/sql.h). */
#ifndef SG_STORE_PG_DB_H
#define SG_STORE_PG_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "store/pq_lib.h"

#define SG_PG_CONNECT_TIMEOUT "5"

typedef struct sg_pg_kind {
    const char *what;          /* "policy store", "audit database" */
    const char *version_table; /* key/value table with the row "schema_version" */
    int version;               /* the schema version this sievegate writes */
    const char *const *migrations; /* [v]: the SQL taking version v to v + 1 */
    long long lock_id;             /* pg_advisory_xact_lock key of migrations */
} sg_pg_kind;

typedef struct sg_pg_db {
    const sg_pg_kind *kind;
    char *uri;           /* owned */
    char *password_file; /* owned; NULL: libpq's own sources */
    sg_pq_lib f;         /* empty until the first connect */
    PGconn *conn;        /* NULL while not connected */
} sg_pg_db;

/* Whether `s` names a PostgreSQL database ("postgresql://" or "postgres://"). */
bool sg_pg_is_uri(const char *s);

/* The configuration check of a URI: the scheme, something after it, and no
 * password in it. False with err saying why. */
bool sg_pg_uri_check(const char *uri, char *err, size_t errlen);

/* Nothing loaded, nothing open; copies uri and password_file (may be NULL). */
void sg_pg_db_init(sg_pg_db *db, const sg_pg_kind *kind, const char *uri, const char *password_file);

/* Loads libpq when needed and connects (a no-op when connected). False
 * with err: "cannot load libpq.so.5: ...", "cannot read
 * postgresql_password_file PATH: ...", "cannot connect to WHAT URI: ...". */
bool sg_pg_db_connect(sg_pg_db *db, char *err, size_t errlen);

/* The schema version (0: never migrated). False with err when it cannot be read. */
bool sg_pg_db_version(sg_pg_db *db, int *version, char *err, size_t errlen);

/* Connected and at kind->version; else false with err ("WHAT URI has no
 * sievegate schema: run `sievegate policy migrate`", or another version). */
bool sg_pg_db_check_schema(sg_pg_db *db, char *err, size_t errlen);

/* Brings the schema to kind->version. *from gets the version found (NULL:
 * not wanted). False with err; nothing changed then. */
bool sg_pg_db_migrate(sg_pg_db *db, int *from, char *err, size_t errlen);

/* Whether a failed statement's connection is gone: libpq says so, or the
 * server said it was going (SQLSTATE class 08, connection exception;
 * 57P01-57P03, shut down or starting: its last message, read before libpq
 * saw the socket close). Then it may be made again (outside a transaction). */
bool sg_pg_db_lost(const sg_pg_db *db, const PGresult *failed);

/* The URI for messages. */
const char *sg_pg_db_name(const sg_pg_db *db);

/* Closes the connection (the library stays loaded). */
void sg_pg_db_disconnect(sg_pg_db *db);
/* Closes everything and frees what init copied; accepts one never connected. */
void sg_pg_db_close(sg_pg_db *db);

#endif
