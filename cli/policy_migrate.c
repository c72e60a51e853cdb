/* policy_migrate.c - `sievegate policy migrate` (the schema of the policy
 * store and of the audit database: created or upgraded, as a PostgreSQL
 * store needs before it is used), `policy init` for a PostgreSQL store, and
 * `policy audit-flush` (the audit records spooled while the database was
 * away or by users who may not write it). See policy_cli.h.
 *
 * Exit codes: 0 done (or nothing to do), 75 a database cannot be reached or
 * migrated (nothing changed in it), 78 configuration error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/arena.h"
#include "base/json.h"
#include "base/mkdir_p.h"
#include "cli/policy_cli.h"
#include "store/audit.h"
#include "store/policy_store.h"

typedef struct migrated {
    const char *name; /* the store or database, as configured; NULL: none */
    int from, to;
} migrated;

static int migrate_store(policy_cli *pc, migrated *m)
{
    m->name = NULL;
    if (pol_store_none(pc))
        return SG_EXIT_OK;
    sg_policy_store *store;
    int rc = pol_open_store(pc, true, &store);
    if (rc != SG_EXIT_OK)
        return rc;
    char err[512] = "";
    sg_store_status st = sg_policy_store_migrate(store, &m->from, &m->to, err, sizeof err);
    sg_policy_store_close(store);
    if (st != SG_STORE_OK)
        return pol_write_failed(pc, st, err);
    m->name = pol_store_uri(pc);
    return SG_EXIT_OK;
}

static int open_audit(policy_cli *pc, sg_audit **audit)
{
    char err[512] = "";
    if (!sg_audit_open_config(pc->cli.config, audit, err, sizeof err)) {
        sg_cli_error(&pc->cli, "configuration error: %s", err);
        return SG_EXIT_CONFIG;
    }
    return SG_EXIT_OK;
}

/* The spool the delivering users drop their records into (audit.h): made
 * when missing, mode 1777 as the package's tmpfiles.d makes it (sticky: a
 * user's files are their own). */
static int make_spool(policy_cli *pc)
{
    const char *dir = sg_config_get(pc->cli.config, "audit_spool_dir");
    if (!dir || !*dir)
        dir = SG_AUDIT_SPOOL_DIR;
    struct stat sb;
    if (stat(dir, &sb) == 0)
        return SG_EXIT_OK; /* the administrator's, as it is */
    char failed[4096] = "";
    int e = sg_mkdir_p(dir, 0755, failed, sizeof failed);
    if (e == 0 && chmod(dir, 01777) != 0)
        e = errno, snprintf(failed, sizeof failed, "%s", dir);
    if (e != 0) {
        sg_cli_error(&pc->cli, "cannot create the audit spool %s: %s: %s", dir, failed, strerror(e));
        return SG_EXIT_CANTCREAT;
    }
    return SG_EXIT_OK;
}

static int migrate_audit(policy_cli *pc, migrated *m)
{
    m->name = NULL;
    sg_audit *audit;
    int rc = open_audit(pc, &audit);
    if (rc != SG_EXIT_OK)
        return rc;
    char err[512] = "";
    if (sg_audit_database(audit) && !sg_audit_migrate(audit, &m->from, &m->to, err, sizeof err)) {
        sg_cli_error(&pc->cli, "%s", err);
        rc = SG_EXIT_TEMPFAIL;
    } else if (sg_audit_database(audit)) {
        m->name = sg_arena_strdup(pc->arena, sg_audit_database(audit));
        rc = make_spool(pc);
    }
    sg_audit_close(audit);
    return rc;
}

static void migrated_text(const char *what, const migrated *m)
{
    if (!m->name)
        printf("%s: none\n", what);
    else if (m->from == m->to)
        printf("%s %s: schema version %d, up to date\n", what, m->name, m->to);
    else if (m->from == 0)
        printf("%s %s: schema created (version %d)\n", what, m->name, m->to);
    else
        printf("%s %s: schema upgraded from version %d to %d\n", what, m->name, m->from, m->to);
}

static void migrated_json(const char *key, const migrated *m)
{
    printf("\"%s\": ", key);
    if (!m->name) {
        fputs("null", stdout);
        return;
    }
    fputs("{\"name\": ", stdout);
    sg_json_string(stdout, m->name);
    printf(", \"from\": %d, \"to\": %d}", m->from, m->to);
}

int pol_cmd_migrate(policy_cli *pc, int argc, char **argv)
{
    int rc = pol_start_plain(pc, argc, argv);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    migrated store, audit;
    if ((rc = migrate_store(pc, &store)) != SG_EXIT_OK || (rc = migrate_audit(pc, &audit)) != SG_EXIT_OK)
        return rc;
    if (pc->json) {
        fputc('{', stdout);
        migrated_json("policy_store", &store);
        fputs(", ", stdout);
        migrated_json("audit_log", &audit);
        fputs("}\n", stdout);
    } else {
        migrated_text("policy store", &store);
        migrated_text("audit database", &audit);
    }
    return SG_EXIT_OK;
}

int pol_migrate_store(policy_cli *pc, int *from)
{
    migrated m;
    int rc = migrate_store(pc, &m);
    *from = m.from;
    return rc;
}

int pol_cmd_audit_flush(policy_cli *pc, int argc, char **argv)
{
    int rc = pol_start_plain(pc, argc, argv);
    if (rc != SG_EXIT_OK || pc->help)
        return rc;
    sg_audit *audit;
    if ((rc = open_audit(pc, &audit)) != SG_EXIT_OK)
        return rc;
    char err[512] = "";
    size_t sent = 0, left = 0;
    if (!sg_audit_flush_spool(audit, &sent, &left, err, sizeof err)) {
        sg_cli_error(&pc->cli, "%s", err);
        rc = SG_EXIT_TEMPFAIL;
    }
    sg_audit_close(audit);
    if (pc->json)
        printf("{\"sent\": %zu, \"left\": %zu}\n", sent, left);
    else
        printf("audit records sent: %zu, left in the spool: %zu\n", sent, left);
    return rc;
}
