/* audit_report.c - the "auto-forwarded messages report" (audit.h,
 * `sievegate policy report`): the records of a period, by forwarder,
 * recipient domain, host and mechanism, read in one transaction so that
 * the figures agree, from SQLite or PostgreSQL alike (store/sql.h).
 *
 * Takes: an open audit (its database) and a query (period, host, user,
 * domain, verdict, mechanism). Returns: the report in its own arena.
 */
#include "store/audit.h"

#include <stdio.h>
#include <string.h>

#include "store/audit_int.h"

/* Every query's WHERE clause: ?1 since, ?2 until (0: none), then host,
 * owner, domain, verdict, mechanism ('' for any). The casts give
 * PostgreSQL the parameters' types. */
#define FILTER                                                                                                    \
    " time >= CAST(?1 AS BIGINT) AND (CAST(?2 AS BIGINT) = 0 OR time < CAST(?2 AS BIGINT))"                       \
    " AND (CAST(?3 AS TEXT) = '' OR host = ?3) AND (CAST(?4 AS TEXT) = '' OR owner = ?4)"                          \
    " AND (CAST(?5 AS TEXT) = '' OR target_domain = ?5) AND (CAST(?6 AS TEXT) = '' OR verdict = ?6)"             \
    " AND (CAST(?7 AS TEXT) = '' OR mechanism = ?7)"
#define FILTER_TYPES "LLttttt"
#define ALLOWED "sum(CASE WHEN verdict = 'allow' THEN 1 ELSE 0 END)"

static const char *or_any(const char *s)
{
    return s ? s : "";
}

static sg_sql_result run(sg_sql *c, sg_sql_rows *rows, const char *sql, const sg_audit_query *q)
{
    return sg_sql_query(c, rows, sql, FILTER_TYPES, (long long)q->since, (long long)q->until, or_any(q->host),
                        or_any(q->owner), or_any(q->domain), or_any(q->verdict), or_any(q->mechanism));
}

static const char *dup_col(const sg_sql_rows *rows, int i, sg_arena *arena)
{
    return sg_sql_null(rows, i) ? NULL : sg_arena_strdup(arena, sg_sql_text(rows, i));
}

static sg_sql_result report_forwarders(sg_sql *c, const sg_audit_query *q, sg_audit_report *r)
{
    sg_sql_rows rows;
    size_t cap = 0;
    run(c, &rows,
        "SELECT owner, count(*), " ALLOWED ", count(DISTINCT target), count(DISTINCT target_domain),"
        " (SELECT min(time) FROM forwards a WHERE a.owner = f.owner)"
        " FROM forwards f WHERE" FILTER " GROUP BY owner ORDER BY owner",
        q);
    while (sg_sql_next(&rows)) {
        r->forwarders = sg_arena_grow(r->arena, r->forwarders, r->nforwarders, &cap, sizeof *r->forwarders, 8);
        sg_audit_forwarder *f = &r->forwarders[r->nforwarders++];
        f->owner = dup_col(&rows, 0, r->arena);
        f->forwards = (unsigned long)sg_sql_int(&rows, 1);
        f->allowed = (unsigned long)sg_sql_int(&rows, 2);
        f->blocked = f->forwards - f->allowed;
        f->recipients = (unsigned long)sg_sql_int(&rows, 3);
        f->domains = (unsigned long)sg_sql_int(&rows, 4);
        f->first_forward = sg_sql_int(&rows, 5);
        f->is_new = f->first_forward >= r->since;
        r->new_forwarders += f->is_new;
    }
    return sg_sql_end(&rows);
}

static sg_sql_result report_domains(sg_sql *c, const sg_audit_query *q, sg_audit_report *r)
{
    sg_sql_rows rows;
    size_t cap = 0;
    run(c, &rows,
        "SELECT target_domain, count(*), " ALLOWED ", count(DISTINCT owner),"
        " (SELECT min(time) FROM forwards a WHERE a.target_domain = f.target_domain)"
        " FROM forwards f WHERE" FILTER " GROUP BY target_domain ORDER BY target_domain",
        q);
    while (sg_sql_next(&rows)) {
        r->domains = sg_arena_grow(r->arena, r->domains, r->ndomains, &cap, sizeof *r->domains, 8);
        sg_audit_domain_stat *d = &r->domains[r->ndomains++];
        d->domain = dup_col(&rows, 0, r->arena);
        d->forwards = (unsigned long)sg_sql_int(&rows, 1);
        d->allowed = (unsigned long)sg_sql_int(&rows, 2);
        d->blocked = d->forwards - d->allowed;
        d->forwarders = (unsigned long)sg_sql_int(&rows, 3);
        d->first_forward = sg_sql_int(&rows, 4);
        d->is_new = d->first_forward >= r->since;
        r->new_domains += d->is_new;
    }
    return sg_sql_end(&rows);
}

/* By host or by mechanism: `column` is one of those two, never input. */
static sg_sql_result report_counts(sg_sql *c, const sg_audit_query *q, sg_audit_report *r, const char *column,
                                   sg_audit_count **out, size_t *n)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(%s, ''), count(*), " ALLOWED ", count(DISTINCT owner) FROM forwards WHERE" FILTER
             " GROUP BY coalesce(%s, '') ORDER BY coalesce(%s, '')",
             column, column, column);
    sg_sql_rows rows;
    size_t cap = 0;
    run(c, &rows, sql, q);
    while (sg_sql_next(&rows)) {
        *out = sg_arena_grow(r->arena, *out, *n, &cap, sizeof **out, 4);
        sg_audit_count *k = &(*out)[(*n)++];
        k->name = dup_col(&rows, 0, r->arena);
        k->forwards = (unsigned long)sg_sql_int(&rows, 1);
        k->allowed = (unsigned long)sg_sql_int(&rows, 2);
        k->blocked = k->forwards - k->allowed;
        k->forwarders = (unsigned long)sg_sql_int(&rows, 3);
    }
    return sg_sql_end(&rows);
}

static sg_sql_result report_records(sg_sql *c, const sg_audit_query *q, sg_audit_report *r)
{
    sg_sql_rows rows;
    size_t cap = 0;
    run(c, &rows,
        "SELECT time, owner, target, target_domain, mechanism, verdict, policy, remote_domain, message_id, host,"
        " record_id FROM forwards WHERE" FILTER " ORDER BY time, id",
        q);
    while (sg_sql_next(&rows)) {
        r->records = sg_arena_grow(r->arena, r->records, r->nrecords, &cap, sizeof *r->records, 8);
        sg_audit_record *rec = &r->records[r->nrecords++];
        rec->time = sg_sql_int(&rows, 0);
        rec->owner = dup_col(&rows, 1, r->arena);
        rec->target = dup_col(&rows, 2, r->arena);
        rec->target_domain = dup_col(&rows, 3, r->arena);
        rec->mechanism = dup_col(&rows, 4, r->arena);
        rec->verdict = dup_col(&rows, 5, r->arena);
        rec->policy = dup_col(&rows, 6, r->arena);
        rec->remote_domain = dup_col(&rows, 7, r->arena);
        rec->message_id = dup_col(&rows, 8, r->arena);
        rec->host = dup_col(&rows, 9, r->arena);
        rec->id = dup_col(&rows, 10, r->arena);
        if (rec->verdict && strcmp(rec->verdict, "allow") == 0)
            r->allowed++;
        else
            r->blocked++;
        r->total++;
    }
    return sg_sql_end(&rows);
}

/* Every part in one read transaction, so their figures agree. */
static bool report_queries(sg_audit *a, const sg_audit_query *q, sg_audit_report *r, char *err, size_t errlen)
{
    sg_sql *c = &a->sql;
    sg_sql_result res = sg_sql_begin(c, false);
    if (res == SG_SQL_OK)
        res = report_records(c, q, r);
    if (res == SG_SQL_OK)
        res = report_forwarders(c, q, r);
    if (res == SG_SQL_OK)
        res = report_domains(c, q, r);
    if (res == SG_SQL_OK)
        res = report_counts(c, q, r, "host", &r->hosts, &r->nhosts);
    if (res == SG_SQL_OK)
        res = report_counts(c, q, r, "mechanism", &r->mechanisms, &r->nmechanisms);
    if (res == SG_SQL_OK)
        res = sg_sql_commit(c);
    else
        sg_sql_rollback(c);
    if (res != SG_SQL_OK)
        snprintf(err, errlen, "audit database %s is unreadable: %s", a->db, c->error);
    return res == SG_SQL_OK;
}

/* An SQLite file of version 1 (before hosts and record ids), opened
 * read-only: a temporary view of the same name, with those columns NULL,
 * stands in front of the table for this connection. */
static bool old_file_view(sg_audit *a, char *err, size_t errlen)
{
    sg_sql_result res = sg_sql_exec(&a->sql, NULL,
                                     "CREATE TEMP VIEW forwards AS SELECT id, time, owner, target, target_domain,"
                                     " mechanism, verdict, policy, remote_domain, message_id, NULL AS host,"
                                     " NULL AS record_id FROM main.forwards",
                                     NULL);
    if (res != SG_SQL_OK)
        snprintf(err, errlen, "audit database %s is unreadable: %s", a->db, a->sql.error);
    return res == SG_SQL_OK;
}

bool sg_audit_report_query(sg_audit *audit, const sg_audit_query *q, sg_audit_report **out, char *err,
                           size_t errlen)
{
    *out = NULL;
    if (!audit->db) {
        snprintf(err, errlen, "audit_log names no database");
        return false;
    }
    sg_arena *arena = sg_arena_new();
    sg_audit_report *r = sg_arena_calloc(arena, sizeof *r);
    r->arena = arena;
    r->since = q->since;
    r->until = q->until;
    bool missing = false;
    bool ok = sg_audit_open_reader(audit, &missing, err, errlen);
    if (ok && !missing) {
        /* An SQLite file created but never written has no table yet. */
        int version = 1;
        if (!audit->pg && sg_sqlite_db_version(&audit->sq, &version, err, errlen) != SG_SQLITE_DB_OK)
            ok = false;
        else if (version == 1 && !audit->pg)
            ok = old_file_view(audit, err, errlen) && report_queries(audit, q, r, err, errlen);
        else if (version > 0)
            ok = report_queries(audit, q, r, err, errlen);
    }
    if (!ok) {
        sg_arena_free(arena);
        return false;
    }
    *out = r;
    return true;
}

bool sg_audit_report_read(const char *path, int64_t since, sg_audit_report **out, char *err, size_t errlen)
{
    sg_audit *a = NULL;
    *out = NULL;
    if (!sg_audit_open(path, &a, err, errlen))
        return false;
    sg_audit_query q = {.since = since};
    bool ok = sg_audit_report_query(a, &q, out, err, errlen);
    sg_audit_close(a);
    return ok;
}

void sg_audit_report_free(sg_audit_report *report)
{
    if (report)
        sg_arena_free(report->arena);
}
