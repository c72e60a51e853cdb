/* userdb_source.h - the sources behind store/userdb.h (internal to
 * store/userdb*.c): each answers a lookup of a key that userdb.c made from
 * the address, with the raw fields of the entry; userdb.c applies the
 * fallbacks (mail_uid, mail_gid, mail_home) and expands templates.
 */
#ifndef SG_USERDB_SOURCE_H
#define SG_USERDB_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/config.h"
#include "store/userdb.h"

/* ---- passwd-file (store/userdb_file.c) ---- */
typedef struct sg_userdb_file sg_userdb_file;
bool sg_userdb_file_open(const char *path, sg_userdb_file **out, char *err, size_t errlen);
void sg_userdb_file_close(sg_userdb_file *f);
/* FOUND with *entry (owned by f, valid until the next lookup), NOTFOUND, or
 * TEMPFAIL when the file changed and cannot be read again. */
sg_userdb_status sg_userdb_file_lookup(sg_userdb_file *f, const char *key, const sg_userdb_entry **entry, char *err,
                                       size_t errlen);

/* ---- sqlite:PATH and postgresql://... (store/userdb_sql.c) ---- */
typedef struct sg_userdb_sql sg_userdb_sql;
/* spec: "sqlite:PATH" or a PostgreSQL URI; password_file for PostgreSQL (NULL: libpq's own sources). */
sg_userdb_sql *sg_userdb_sql_new(const char *spec, const char *password_file);
void sg_userdb_sql_close(sg_userdb_sql *s);
/* The entry's strings in arena. */
sg_userdb_status sg_userdb_sql_lookup(sg_userdb_sql *s, const char *key, sg_arena *arena, sg_userdb_entry *entry,
                                      char *err, size_t errlen);

/* ---- ldap (store/userdb_ldap.c) ---- */
typedef struct sg_userdb_ldap sg_userdb_ldap;
/* Reads the ldap_* keys (store/ldap_dir.h) and the attribute keys; no I/O.
 * False with err when ldap_uri is unset or a key is malformed. */
bool sg_userdb_ldap_open(const sg_config *cfg, sg_userdb_ldap **out, char *err, size_t errlen);
void sg_userdb_ldap_close(sg_userdb_ldap *s);
/* The entry's strings in arena; TEMPFAIL when the directory cannot answer. */
sg_userdb_status sg_userdb_ldap_lookup(sg_userdb_ldap *s, const char *key, sg_arena *arena, sg_userdb_entry *entry,
                                       char *err, size_t errlen);

#endif
