/* policy_store_pg.c - the PostgreSQL backend of the policy store
 * (policy_store.h): one policy for many mail hosts.
 *
 * Takes: a postgresql:// URI and the password file (store/pg_db.h). Returns:
 * a connection whose schema was checked, for the SQL that both backends
 * share (policy_store_load.c, policy_store_write.c), and the migrations that
 * `sievegate policy migrate` runs.
 *
 * The schema is the SQLite store's (policy_store.c), in PostgreSQL's types:
 * text columns compare and sort bytewise (COLLATE "C", as SQLite's BINARY)
 * so that both backends load the same snapshot in the same order; policy
 * names are unique whatever their case (SQLite: COLLATE NOCASE; here an
 * index on lower(name)). Write transactions lock the meta table (sql.h):
 * writers go one at a time, readers never wait.
 */
#include "store/policy_store.h"

#include "store/policy_store_int.h"

/* "SGPS": the key of the advisory lock migrations hold. */
#define STORE_LOCK_ID 0x53475053LL

/* Version 1: the entities of docs/policy.md and the meta table (generation
 * and schema version). The default policy and the "*" remote domain always
 * exist. */
static const char migrate_to_1[] =
    "CREATE TABLE meta (key TEXT COLLATE \"C\" PRIMARY KEY, value BIGINT NOT NULL);"
    "INSERT INTO meta VALUES ('generation', 0), ('schema_version', 1);"
    "CREATE TABLE org_settings ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  automatic_means TEXT NOT NULL CHECK (automatic_means IN ('off', 'on')),"
    "  bounce_internal_senders INTEGER NOT NULL CHECK (bounce_internal_senders IN (0, 1)),"
    "  bounce_rate_period BIGINT NOT NULL CHECK (bounce_rate_period >= 0),"
    "  max_forward_hops INTEGER NOT NULL CHECK (max_forward_hops >= 1));"
    "INSERT INTO org_settings VALUES (1, 'off', 1, 86400, 3);"
    "CREATE TABLE accepted_domains (name TEXT COLLATE \"C\" PRIMARY KEY,"
    "  match_subdomains INTEGER NOT NULL DEFAULT 0 CHECK (match_subdomains IN (0, 1)));"
    "CREATE TABLE outbound_policies ("
    "  name TEXT COLLATE \"C\" PRIMARY KEY,"
    "  is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),"
    "  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
    "  priority INTEGER NOT NULL UNIQUE,"
    "  mode TEXT NOT NULL CHECK (mode IN ('automatic', 'on', 'off')));"
    "CREATE UNIQUE INDEX outbound_policies_name_nocase ON outbound_policies (lower(name));"
    "INSERT INTO outbound_policies VALUES ('default', 1, 1, -1, 'automatic');"
    "CREATE TABLE policy_scope ("
    "  policy TEXT COLLATE \"C\" NOT NULL REFERENCES outbound_policies (name) ON DELETE CASCADE,"
    "  kind TEXT COLLATE \"C\" NOT NULL CHECK (kind IN ('users', 'groups', 'domains',"
    "                                     'exclude_users', 'exclude_groups', 'exclude_domains')),"
    "  pos INTEGER NOT NULL,"
    "  value TEXT COLLATE \"C\" NOT NULL,"
    "  PRIMARY KEY (policy, kind, value));"
    "CREATE TABLE user_groups (name TEXT COLLATE \"C\" PRIMARY KEY);"
    "CREATE TABLE group_members ("
    "  grp TEXT COLLATE \"C\" NOT NULL REFERENCES user_groups (name) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  member TEXT COLLATE \"C\" NOT NULL,"
    "  PRIMARY KEY (grp, member));"
    "CREATE TABLE remote_domains (pattern TEXT COLLATE \"C\" PRIMARY KEY,"
    "  auto_forward INTEGER NOT NULL, auto_reply INTEGER NOT NULL,"
    "  ndr INTEGER NOT NULL, is_internal INTEGER NOT NULL);"
    "INSERT INTO remote_domains VALUES ('*', 1, 1, 1, 0);";

/* Version 2: the admins' mailbox forwards (`sievegate forward`), one per user. */
static const char migrate_to_2[] =
    "CREATE TABLE admin_forwards (mailbox TEXT COLLATE \"C\" PRIMARY KEY,"
    "  address TEXT COLLATE \"C\" NOT NULL,"
    "  keep_copy INTEGER NOT NULL CHECK (keep_copy IN (0, 1)));"
    "UPDATE meta SET value = 2 WHERE key = 'schema_version';";

static const char *const migrations[SG_PS_SCHEMA_VERSION] = {migrate_to_1, migrate_to_2};

static const sg_pg_kind store_kind = {
    .what = "policy store",
    .version_table = "meta",
    .version = SG_PS_SCHEMA_VERSION,
    .migrations = migrations,
    .lock_id = STORE_LOCK_ID,
};

void sg_ps_pg_init(sg_policy_store *s, const char *uri, const char *password_file)
{
    sg_pg_db_init(&s->pgdb, &store_kind, uri, password_file);
    sg_sql_init_pg(&s->sql, &s->pgdb, "meta");
}

/* Connects (again) when needed; the schema is checked once per store object. */
sg_store_status sg_ps_pg_connect(sg_policy_store *s, char *err, size_t errlen)
{
    if (s->pgdb.conn && s->schema_checked)
        return SG_STORE_OK;
    if (!sg_pg_db_check_schema(&s->pgdb, err, errlen))
        return SG_STORE_UNAVAILABLE;
    s->schema_checked = true;
    return SG_STORE_OK;
}

sg_store_status sg_ps_pg_migrate(sg_policy_store *s, int *from, char *err, size_t errlen)
{
    return sg_pg_db_migrate(&s->pgdb, from, err, errlen) ? SG_STORE_OK : SG_STORE_UNAVAILABLE;
}
