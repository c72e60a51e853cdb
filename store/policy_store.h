/* policy_store.h - the authoritative policy store, behind a small interface
 * so that another backend can be added without touching the engine.
 *
 * Takes: a URI: "sqlite:/var/lib/sievegate/policy.db" (the embedded
 * default: no server needed), or "postgresql://[user@]host[,host2][:port]/db
 * [?param=...]" (one policy for many mail hosts; libpq's URI, the password
 * from postgresql_password_file or libpq's environment, never in the URI:
 * store/pg_db.h). Returns: the generation number, whole snapshots
 * (policy/policy.h), and write operations for `sievegate policy`, each one
 * transaction that also bumps the generation, so that readers never see half
 * a change. Both backends run the same SQL (store/sql.h).
 *
 * SQLite: delivery opens it read-only, so processes running as other users
 * can read a root-owned file; a file that does not exist yet reads as the
 * built-in default policy (sg_policy_new_default) and is created, at the
 * current schema, on the first write.
 * PostgreSQL: the schema is created and upgraded by sg_policy_store_migrate
 * (`sievegate policy migrate`) only; opening checks it, and a database
 * without it, or at another version, cannot be read (SG_STORE_UNAVAILABLE,
 * saying to run `sievegate policy migrate`).
 */
#ifndef SG_POLICY_STORE_H
#define SG_POLICY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "policy/policy.h"

#define SG_DEFAULT_POLICY_STORE "sqlite:/var/lib/sievegate/policy.db"

/* The backend a policy_store value names. */
typedef enum {
    SG_STORE_KIND_UNKNOWN = 0,
    SG_STORE_KIND_NONE,   /* "none": no store, the built-in default policy */
    SG_STORE_KIND_SQLITE, /* "sqlite:/path" */
    SG_STORE_KIND_POSTGRESQL, /* "postgresql://..." or "postgres://..." */
} sg_store_kind;

sg_store_kind sg_policy_store_kind(const char *uri);

typedef enum {
    SG_STORE_OK = 0,
    SG_STORE_UNAVAILABLE, /* cannot be read or written now: corrupt, permission, locked too long */
    SG_STORE_INVALID,     /* a write was refused: bad input (err says why) */
    SG_STORE_NOT_FOUND,   /* a remove named nothing */
} sg_store_status;

typedef struct sg_policy_store sg_policy_store;

sg_store_status sg_policy_store_open(const char *uri, bool writable, sg_policy_store **out, char *err,
                                     size_t errlen);
/* The same with the password file of a PostgreSQL store (NULL: none). */
sg_store_status sg_policy_store_open_with(const char *uri, const char *password_file, bool writable,
                                          sg_policy_store **out, char *err, size_t errlen);
/* The store the configuration names: policy_store (default
 * SG_DEFAULT_POLICY_STORE) and postgresql_password_file. */
sg_store_status sg_policy_store_open_config(const sg_config *cfg, bool writable, sg_policy_store **out, char *err,
                                            size_t errlen);
/* Whether the store exists yet. Deliveries treat a missing store as one that
 * cannot be read (policy_unavailable: nothing is decided on a guess); the
 * admin CLI reads it as the built-in default and creates it on first write.
 * A PostgreSQL store is a server: it "exists" (whether it answers is found
 * when it is opened). */
bool sg_policy_store_exists(const char *uri);
/* The file of an "sqlite:/path" URI ("/path"); NULL for any other scheme. */
const char *sg_policy_store_path(const char *uri);
void sg_policy_store_close(sg_policy_store *store);

/* Creates or upgrades the schema (opened writable): *from gets the version
 * found (0: none), *to the version now. SQLite: creates the file if needed. */
sg_store_status sg_policy_store_migrate(sg_policy_store *store, int *from, int *to, char *err, size_t errlen);

sg_store_status sg_policy_store_generation(sg_policy_store *store, uint64_t *generation, char *err, size_t errlen);
sg_store_status sg_policy_store_load(sg_policy_store *store, sg_policy **out, char *err, size_t errlen);

/* Writes: every one is a single transaction that bumps the generation. */
sg_store_status sg_policy_store_set_default_mode(sg_policy_store *store, sg_fwd_mode mode, char *err, size_t errlen);
/* Creates the custom policy, or replaces the one of the same name. Refused:
 * the name "default", a priority below 0 or held by another policy. */
sg_store_status sg_policy_store_put_policy(sg_policy_store *store, const sg_outbound_policy *policy, char *err,
                                           size_t errlen);
sg_store_status sg_policy_store_remove_policy(sg_policy_store *store, const char *name, char *err, size_t errlen);
sg_store_status sg_policy_store_add_accepted_domain(sg_policy_store *store, const char *domain,
                                                    bool match_subdomains, char *err, size_t errlen);
sg_store_status sg_policy_store_remove_accepted_domain(sg_policy_store *store, const char *domain, char *err,
                                                       size_t errlen);
sg_store_status sg_policy_store_put_remote_domain(sg_policy_store *store, const sg_remote_domain *rd, char *err,
                                                  size_t errlen);
sg_store_status sg_policy_store_remove_remote_domain(sg_policy_store *store, const char *pattern, char *err,
                                                     size_t errlen);
sg_store_status sg_policy_store_put_group(sg_policy_store *store, const char *name, const sg_strlist *members,
                                          char *err, size_t errlen);
sg_store_status sg_policy_store_remove_group(sg_policy_store *store, const char *name, char *err, size_t errlen);
sg_store_status sg_policy_store_put_org(sg_policy_store *store, const sg_org_settings *org, char *err,
                                        size_t errlen);
/* Sets the admin forward of fwd->user (replacing one already set); both
 * addresses are normalised. Refused: a malformed address, a forward to the
 * mailbox itself. Removing one that is not set is NOT_FOUND. */
sg_store_status sg_policy_store_put_forward(sg_policy_store *store, const sg_admin_forward *fwd, char *err,
                                            size_t errlen);
sg_store_status sg_policy_store_remove_forward(sg_policy_store *store, const char *user, char *err, size_t errlen);

/* The normalisation every write applies (docs/policy.md, "What the policy holds"),
 * for callers that show or look up what was stored. Each returns false with
 * `err` saying why; the result lives in `arena`.
 * Domain: lower-case IDNA A-label (libidn2, UTS #46 non-transitional), LDH labels.
 * Pattern: "*", "example.org" or "*.example.org", the domain part normalised.
 * Address: local@domain, lower-cased, the domain normalised. */
bool sg_policy_normalize_domain(const char *in, sg_arena *arena, const char **out, char *err, size_t errlen);
bool sg_policy_normalize_pattern(const char *in, sg_arena *arena, const char **out, char *err, size_t errlen);
bool sg_policy_normalize_address(const char *in, sg_arena *arena, const char **out, char *err, size_t errlen);

#endif
