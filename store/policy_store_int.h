/* policy_store_int.h - what the files of the SQLite policy store share, for
 * them alone: policy_store.c (the connection, the schema, the SQL helpers,
 * errors), policy_normalize.c (validating and normalising input),
 * policy_store_load.c (reading a snapshot) and policy_store_write.c (the
 * admin's writes).
 *
 * Takes and returns as policy_store.h says; see each declaration. */
#ifndef SG_POLICY_STORE_INT_H
#define SG_POLICY_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/attr.h"
#include "store/policy_store.h"
#include "store/sqlite_db.h"

#define SG_PS_SCHEMA_VERSION 1
#define SG_PS_MAX_NAME_LEN 64

struct sg_policy_store {
    char *path;
    bool writable;
    /* SQLite loaded at the first connection (sqlite_lib.h); sq.q.db NULL while
     * the file does not exist (readers) or before the first write */
    sg_sqlite_db sq;
};

/* ---- errors (policy_store.c) ---- */

/* Formats err, returns st. */
sg_store_status sg_ps_fail(sg_store_status st, char *err, size_t errlen, const char *fmt, ...) SG_PRINTF(4, 5);
/* An SQLite failure of db: locked too long, a refused change, or unreadable/corrupt. */
sg_store_status sg_ps_db_fail(const sg_policy_store *s, sqlite3 *db, int rc, char *err, size_t errlen);

/* ---- the connection (policy_store.c) ---- */

/* Opens the file when it exists (or, with `create`, creates it). Leaves
 * s->sq.q.db NULL, with SG_STORE_OK, when it does not exist and must not be created. */
sg_store_status sg_ps_connect(sg_policy_store *s, bool create, char *err, size_t errlen);
/* The schema version inside the current transaction: 0 means "never written". */
sg_store_status sg_ps_current_version(sg_policy_store *s, int *version, char *err, size_t errlen);

/* ---- SQL helpers (policy_store.c) ---- */

/* Runs one statement with bound values: `types` has one letter per value,
 * 't' text (NULL allowed), 'i' int, 'L' sqlite3_int64. Returns the SQLite code
 * (SQLITE_DONE or SQLITE_ROW on success); *changes gets the rows changed. */
int sg_ps_run_sql(const sg_sqlite_conn *q, int *changes, const char *sql, const char *types, ...);
/* SQLITE_OK, SQLITE_DONE or SQLITE_ROW. */
bool sg_ps_sql_ok(int rc);
/* The first column of the first row of `sql` (bound to one optional text
 * value) as an integer; *found says whether there was a row. */
int sg_ps_query_int(const sg_sqlite_conn *q, const char *sql, const char *arg, sqlite3_int64 *value, bool *found);
/* The first text column of the first row of `sql` bound to `arg`, copied
 * into buf ("" when there is no row). */
int sg_ps_query_text(const sg_sqlite_conn *q, const char *sql, const char *arg, char *buf, size_t len);

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
