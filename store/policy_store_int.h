/* policy_store_int.h - what the files of the policy store share, for them
 * alone: policy_store.c (open and close, the SQLite backend, errors),
 * policy_store_pg.c (the PostgreSQL backend), policy_normalize.c
 * (validating and normalising input), policy_store_load.c (reading a
 * snapshot) and policy_store_write.c (the admin's writes). The reads and
 * writes are the same SQL for both backends (store/sql.h).
 *
 * Takes and returns as policy_store.h says; see each declaration. */
#ifndef SG_POLICY_STORE_INT_H
#define SG_POLICY_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/attr.h"
#include "store/pg_db.h"
#include "store/policy_store.h"
#include "store/sql.h"
#include "store/sqlite_db.h"

#define SG_PS_SCHEMA_VERSION 2
#define SG_PS_MAX_NAME_LEN 64

struct sg_policy_store {
    char *path; /* the file (SQLite) or the URI (PostgreSQL): in messages */
    bool writable;
    bool pg; /* PostgreSQL; else SQLite */
    /* SQLite loaded at the first connection (sqlite_lib.h); sq.q.db NULL while
     * the file does not exist (readers) or before the first write */
    sg_sqlite_db sq;
    sg_pg_db pgdb; /* PostgreSQL: libpq loaded at the first connection */
    bool schema_checked; /* PostgreSQL: at this sievegate's version (checked once) */
    sg_sql sql;    /* statements on whichever is open */
};

/* ---- errors (policy_store.c) ---- */

/* Formats err, returns st. */
sg_store_status sg_ps_fail(sg_store_status st, char *err, size_t errlen, const char *fmt, ...) SG_PRINTF(4, 5);
/* A failed statement (s->sql.error says why): locked too long, a refused
 * change, or unreadable. */
sg_store_status sg_ps_sql_fail(const sg_policy_store *s, sg_sql_result r, char *err, size_t errlen);

/* ---- the connection (policy_store.c, policy_store_pg.c) ---- */

/* Opens the database: SQLite, when the file exists (or, with `create`,
 * creates it); PostgreSQL: connects and checks the schema. Leaves it
 * unopened (sg_ps_connected false), with SG_STORE_OK, when an SQLite file
 * does not exist and must not be created. */
sg_store_status sg_ps_connect(sg_policy_store *s, bool create, char *err, size_t errlen);
bool sg_ps_connected(const sg_policy_store *s);
/* The schema version inside the current transaction: 0 means "never written". */
sg_store_status sg_ps_current_version(sg_policy_store *s, int *version, char *err, size_t errlen);

/* PostgreSQL (policy_store_pg.c) */
void sg_ps_pg_init(sg_policy_store *s, const char *uri, const char *password_file);
sg_store_status sg_ps_pg_connect(sg_policy_store *s, char *err, size_t errlen);
sg_store_status sg_ps_pg_migrate(sg_policy_store *s, int *from, char *err, size_t errlen);

/* The scope lists of a policy, in the order of policy_scope.kind's names. */
#define SG_PS_NSCOPE 6
extern const char *const sg_ps_scope_kinds[SG_PS_NSCOPE];
void sg_ps_scope_lists(const sg_outbound_policy *op, const sg_strlist *lists[SG_PS_NSCOPE]);

/* ---- normalisation (policy_normalize.c) ---- */

/* Copies `in` for an error message: control bytes become '?', long input is cut. */
void sg_ps_printable(const char *in, char *out, size_t outlen);
void sg_ps_ascii_lower(char *s);
/* Policy and group names: 1-64 of [A-Za-z0-9._-] (groups may be addresses,
 * so '@' and '+' too), so lists of them print unambiguously. */
bool sg_ps_valid_name(const char *what, const char *name, bool group, char *err, size_t errlen);

typedef enum { SG_PS_NORM_ADDRESS, SG_PS_NORM_DOMAIN, SG_PS_NORM_GROUP } sg_ps_norm_kind;
/* Normalises every item of `in` into `out` (in `arena`), dropping duplicates. */
bool sg_ps_normalize_list(const sg_strlist *in, sg_ps_norm_kind kind, sg_arena *arena, sg_strlist *out, char *err,
                          size_t errlen);

#endif
