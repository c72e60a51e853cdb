/* sqlite_db.h - the one way the stores open an SQLite database and keep its
 * schema: the policy store (policy_store.c), the per-user state store
 * (user_state.c) and the audit database (audit.c).
 *
 * Takes: what the database is (its name in messages, PRAGMA application_id,
 * the schema version and one migration function per version, and how the
 * store words an SQLite failure), a path, open flags, a busy timeout.
 * Returns: an open connection (db->q) at the current schema, or a result
 * saying what failed, with one sentence in err.
 *
 * - SQLite itself is loaded (sqlite_lib.h) at the first open, never before:
 *   a process that opens no database never loads it. The library stays
 *   loaded until sg_sqlite_db_close.
 * - A file is ours when its application_id is ours or 0 and, at version 0
 *   (never migrated), it has no table. Version, id and table count are read
 *   in ONE statement, so one snapshot: read apart, another process's
 *   migration committed in between made a fresh store look foreign.
 * - sg_sqlite_db_migrate runs migrations[v] (version v to v + 1) up to the
 *   current version in one BEGIN IMMEDIATE transaction, reading the version
 *   again inside it (another process may have migrated meanwhile), then sets
 *   user_version and application_id and commits; on any failure it rolls
 *   back and nothing changed.
 * - Messages this module words: "cannot open WHAT PATH: WHY", "WHAT PATH is
 *   not a sievegate WHAT", "WHAT PATH has schema version V, newer than this
 *   sievegate knows (N)", and sqlite_lib.h's "cannot load ..."; an SQLite
 *   call that fails is worded by the store (kind->fail), at once, while the
 *   connection's message is still the failure's. */
#ifndef SG_STORE_SQLITE_DB_H
#define SG_STORE_SQLITE_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "store/sqlite_lib.h"

typedef enum {
    SG_SQLITE_STEP_OPEN,  /* the pragmas right after opening */
    SG_SQLITE_STEP_READ,  /* reading the schema version */
    SG_SQLITE_STEP_WRITE, /* migrating */
} sg_sqlite_step;

typedef enum {
    SG_SQLITE_DB_OK = 0,
    SG_SQLITE_DB_UNLOADED, /* SQLite cannot be loaded */
    SG_SQLITE_DB_UNOPENED, /* the file cannot be opened */
    SG_SQLITE_DB_FAILED,   /* an SQLite call failed: db->rc, worded by kind->fail */
    SG_SQLITE_DB_FOREIGN,  /* not a database of this kind */
    SG_SQLITE_DB_NEWER,    /* a schema newer than this sievegate knows */
} sg_sqlite_db_result;

typedef struct sg_sqlite_db_kind {
    const char *what;   /* "policy store", "state store", "audit database" */
    int application_id; /* PRAGMA application_id */
    int version;        /* the schema version this sievegate writes */
    int (*const *migrations)(const sg_sqlite_conn *q); /* [v]: version v to v + 1; an SQLite code */
    /* Words the SQLite failure rc of `step` into err (ctx: sg_sqlite_db.ctx). */
    void (*fail)(void *ctx, sg_sqlite_step step, int rc, char *err, size_t errlen);
} sg_sqlite_db_kind;

typedef struct sg_sqlite_db {
    const sg_sqlite_db_kind *kind;
    const char *path; /* borrowed: the store owns it */
    int busy_timeout_ms;
    void *ctx;        /* for kind->fail */
    sg_sqlite_lib f;  /* empty until the first open */
    sg_sqlite_conn q; /* q.f = &f; q.db NULL while not open */
    int rc;           /* the SQLite code of the last SG_SQLITE_DB_FAILED */
} sg_sqlite_db;

/* Nothing loaded, nothing open. */
void sg_sqlite_db_init(sg_sqlite_db *db, const sg_sqlite_db_kind *kind, const char *path, int busy_timeout_ms,
                       void *ctx);

/* Before a file or its journal is created: the directory of db->path must
 * exist and be writable. False with err: "cannot VERB WHAT PATH: directory
 * DIR: WHY", "... DIR is not a directory" or "... directory DIR is not
 * writable (the journal is created there): WHY". */
bool sg_sqlite_db_check_dir(const sg_sqlite_db *db, const char *verb, char *err, size_t errlen);

/* Loads SQLite when not yet loaded, opens the file (flags: SQLITE_OPEN_*),
 * sets the busy timeout, runs pragmas (NULL: none). On failure nothing is
 * left open (the library stays loaded). */
sg_sqlite_db_result sg_sqlite_db_open(sg_sqlite_db *db, int flags, const char *pragmas, char *err, size_t errlen);

/* The schema version of the open database after checking it is ours (0: a
 * database created but never migrated). */
sg_sqlite_db_result sg_sqlite_db_version(sg_sqlite_db *db, int *version, char *err, size_t errlen);

/* Brings the open database to kind->version (see above). */
sg_sqlite_db_result sg_sqlite_db_migrate(sg_sqlite_db *db, char *err, size_t errlen);

/* Closes the connection, if open (the library stays loaded). */
void sg_sqlite_db_disconnect(sg_sqlite_db *db);
/* Closes the connection and lets the library go; accepts one never opened. */
void sg_sqlite_db_close(sg_sqlite_db *db);

#endif
