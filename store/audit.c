/* audit.c - the audit log of external forwarding decisions and its report
 * (see audit.h; docs/policy.md, "Decision for one forward").
 *
 * Takes: the audit_log setting and decision records. Returns: syslog lines,
 * rows appended to the audit database, and reports read from it.
 */
#include "store/audit.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "store/sqlite_db.h"

#define AUDIT_SCHEMA_VERSION 1
#define AUDIT_APPLICATION_ID 0x53474155 /* "SGAU" */
#define AUDIT_BUSY_TIMEOUT_MS 5000
#define AUDIT_LINE_MAX 2048

struct sg_audit {
    bool to_syslog;
    char *db_path;   /* NULL: no database */
    sg_sqlite_db sq; /* SQLite loaded and the database opened at the first record */
    sg_audit_line_fn sink;
    void *sink_ctx;
};

/* ------------------------------------------------------------ setting */

static void trim_span(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* One item of the setting: "syslog" or a database path. */
static bool add_item(sg_audit *a, const char *item, size_t n, char *err, size_t errlen)
{
    trim_span(&item, &n);
    if (n == 0) {
        snprintf(err, errlen, "audit_log: empty item (expected syslog and/or a database path)");
        return false;
    }
    if (n == 6 && strncmp(item, "syslog", 6) == 0) {
        a->to_syslog = true;
        return true;
    }
    if (a->db_path) {
        snprintf(err, errlen, "audit_log: more than one database path");
        return false;
    }
    a->db_path = sg_xmalloc(n + 1);
    memcpy(a->db_path, item, n);
    a->db_path[n] = '\0';
    return true;
}

bool sg_audit_open(const char *setting, sg_audit **out, char *err, size_t errlen)
{
    *out = NULL;
    sg_audit *a = sg_xmalloc(sizeof *a);
    memset(a, 0, sizeof *a);
    if (!setting || !*setting)
        setting = "syslog";
    for (const char *p = setting;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (!add_item(a, p, n, err, errlen)) {
            sg_audit_close(a);
            return false;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    *out = a;
    return true;
}

void sg_audit_close(sg_audit *audit)
{
    if (!audit)
        return;
    sg_sqlite_db_close(&audit->sq);
    free(audit->db_path);
    free(audit);
}

const char *sg_audit_database(const sg_audit *audit)
{
    return audit->db_path;
}

void sg_audit_set_line_sink(sg_audit *audit, sg_audit_line_fn fn, void *ctx)
{
    audit->sink = fn;
    audit->sink_ctx = ctx;
}

/* --------------------------------------------------------------- times */

void sg_audit_format_time(int64_t t, char buf[SG_AUDIT_TIME_LEN])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(buf, SG_AUDIT_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, SG_AUDIT_TIME_LEN, "invalid-time");
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool sg_audit_parse_time(const char *text, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, s = 0;
    size_t len = text ? strlen(text) : 0;
    if (len < 10 || !digits(text, 4, &y) || text[4] != '-' || !digits(text + 5, 2, &mo) || text[7] != '-' ||
        !digits(text + 8, 2, &d))
        return false;
    if (len > 10) {
        const char *t = text + 10;
        if ((*t != 'T' && *t != ' ') || len < 19 || !digits(t + 1, 2, &h) || t[3] != ':' || !digits(t + 4, 2, &mi) ||
            t[6] != ':' || !digits(t + 7, 2, &s) || !(len == 19 || (len == 20 && t[9] == 'Z')))
            return false;
    }
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || s > 60)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        return false;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s};
    *out = (int64_t)timegm(&tm);
    return true;
}

/* ------------------------------------------------------------ the line */

typedef struct {
    char *buf;
    size_t len, used; /* used may exceed len: the length needed */
} line_buf;

static void put_char(line_buf *b, char c)
{
    if (b->used + 1 < b->len)
        b->buf[b->used] = c;
    b->used++;
}

static void put_str(line_buf *b, const char *s)
{
    for (; *s; s++)
        put_char(b, *s);
}

/* key=value, quoting values that need it and escaping control bytes, so a
 * hostile Message-ID cannot forge keys or lines. */
static void put_kv(line_buf *b, const char *key, const char *value)
{
    if (!value)
        return;
    if (b->used)
        put_char(b, ' ');
    put_str(b, key);
    put_char(b, '=');
    bool quote = *value == '\0' || strpbrk(value, " \"\\=") != NULL;
    if (quote)
        put_char(b, '"');
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (*p < 0x20 || *p == 0x7F) {
            char hex[5];
            snprintf(hex, sizeof hex, "\\x%02X", *p);
            put_str(b, hex);
        } else {
            if (*p == '"' || *p == '\\')
                put_char(b, '\\');
            put_char(b, (char)*p);
        }
    }
    if (quote)
        put_char(b, '"');
}

size_t sg_audit_format_line(const sg_audit_record *rec, char *buf, size_t len)
{
    line_buf b = {buf, len, 0};
    char when[SG_AUDIT_TIME_LEN];
    sg_audit_format_time(rec->time ? rec->time : (int64_t)time(NULL), when);
    put_str(&b, "forward-audit");
    put_kv(&b, "time", when);
    put_kv(&b, "owner", rec->owner ? rec->owner : "");
    put_kv(&b, "target", rec->target ? rec->target : "");
    put_kv(&b, "target_domain", rec->target_domain ? rec->target_domain : "");
    put_kv(&b, "mechanism", rec->mechanism ? rec->mechanism : "");
    put_kv(&b, "verdict", rec->verdict ? rec->verdict : "");
    put_kv(&b, "policy", rec->policy);
    put_kv(&b, "remote_domain", rec->remote_domain);
    put_kv(&b, "message_id", rec->message_id);
    if (len)
        buf[b.used < len ? b.used : len - 1] = '\0';
    return b.used;
}

static void emit(const sg_audit *a, int priority, const char *line)
{
    if (a->sink)
        a->sink(a->sink_ctx, priority, line);
    else
        syslog(LOG_MAIL | priority, "%s", line);
}

/* ------------------------------------------------------------ database */

/* Version 1: one row per decision; indexes for the report's "first ever". */
static int audit_migrate_to_1(const sg_sqlite_conn *q)
{
    return q->f->exec(q->db,
                      "CREATE TABLE forwards ("
                      "  id INTEGER PRIMARY KEY,"
                      "  time INTEGER NOT NULL,"
                      "  owner TEXT NOT NULL,"
                      "  target TEXT NOT NULL,"
                      "  target_domain TEXT NOT NULL,"
                      "  mechanism TEXT NOT NULL,"
                      "  verdict TEXT NOT NULL,"
                      "  policy TEXT,"
                      "  remote_domain TEXT,"
                      "  message_id TEXT);"
                      "CREATE INDEX forwards_time ON forwards (time);"
                      "CREATE INDEX forwards_owner ON forwards (owner, time);"
                      "CREATE INDEX forwards_domain ON forwards (target_domain, time);",
                      NULL, NULL, NULL);
}

static int (*const audit_migrations[AUDIT_SCHEMA_VERSION])(const sg_sqlite_conn *q) = {audit_migrate_to_1};

/* sqlite_db.h's kind->fail (ctx: the sg_sqlite_db), by step. */
static void word_failure(void *ctx, sg_sqlite_step step, int rc, char *err, size_t errlen)
{
    const sg_sqlite_db *db = ctx;
    const char *why = db->q.db ? db->f.errmsg(db->q.db) : db->f.errstr(rc);
    if (step == SG_SQLITE_STEP_OPEN)
        snprintf(err, errlen, "cannot open audit database %s: %s", db->path, why);
    else if (step == SG_SQLITE_STEP_READ)
        snprintf(err, errlen, "audit database %s is unreadable: %s", db->path, why);
    else
        snprintf(err, errlen, "audit database %s cannot be written: %s", db->path, why);
}

static const sg_sqlite_db_kind audit_kind = {
    .what = "audit database",
    .application_id = AUDIT_APPLICATION_ID,
    .version = AUDIT_SCHEMA_VERSION,
    .migrations = audit_migrations,
    .fail = word_failure,
};

/* Opens (creating it when missing) the database for appending; SQLite
 * itself is loaded here, at the first record that needs it. */
static bool audit_connect(sg_audit *a, char *err, size_t errlen)
{
    if (a->sq.q.db)
        return true;
    if (!a->sq.kind)
        sg_sqlite_db_init(&a->sq, &audit_kind, a->db_path, AUDIT_BUSY_TIMEOUT_MS, &a->sq);
    if (sg_sqlite_db_open(&a->sq, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "PRAGMA journal_mode = DELETE", err,
                          errlen) != SG_SQLITE_DB_OK)
        return false;
    if (sg_sqlite_db_migrate(&a->sq, err, errlen) != SG_SQLITE_DB_OK) {
        sg_sqlite_db_disconnect(&a->sq);
        return false;
    }
    return true;
}

static bool audit_insert(sg_audit *a, const sg_audit_record *rec, int64_t when, char *err, size_t errlen)
{
    if (!audit_connect(a, err, errlen))
        return false;
    sqlite3_stmt *st = NULL;
    int rc = a->sq.f.prepare_v2(a->sq.q.db,
                                "INSERT INTO forwards (time, owner, target, target_domain, mechanism, verdict,"
                                " policy, remote_domain, message_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        const char *texts[] = {rec->owner,  rec->target,        rec->target_domain,
                               rec->mechanism, rec->verdict, rec->policy, rec->remote_domain, rec->message_id};
        a->sq.f.bind_int64(st, 1, (sqlite3_int64)when);
        for (int i = 0; i < 8; i++) {
            const char *v = texts[i] ? texts[i] : (i < 5 ? "" : NULL);
            if (v)
                a->sq.f.bind_text(st, i + 2, v, -1, SQLITE_STATIC);
        }
        rc = a->sq.f.step(st);
    }
    a->sq.f.finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "cannot write audit database %s: %s", a->db_path, a->sq.f.errmsg(a->sq.q.db));
        return false;
    }
    return true;
}

bool sg_audit_record_decision(sg_audit *audit, const sg_audit_record *rec, char *err, size_t errlen)
{
    sg_audit_record r = *rec;
    if (!r.time)
        r.time = (int64_t)time(NULL);
    char line[AUDIT_LINE_MAX];
    sg_audit_format_line(&r, line, sizeof line);
    bool ok = true;
    if (audit->db_path)
        ok = audit_insert(audit, &r, r.time, err, errlen);
    if (!ok) {
        char warn[AUDIT_LINE_MAX];
        snprintf(warn, sizeof warn, "forward-audit-failure reason=\"%s\"", err);
        emit(audit, LOG_WARNING, warn);
    }
    /* syslog as configured, and as the fallback when the database failed */
    if (audit->to_syslog || !ok)
        emit(audit, LOG_INFO, line);
    return ok;
}

/* -------------------------------------------------------------- report */

static const char *col_dup(const sg_sqlite_conn *q, sqlite3_stmt *st, int i, sg_arena *arena)
{
    const unsigned char *t = q->f->column_text(st, i);
    return t ? sg_arena_strdup(arena, (const char *)t) : NULL;
}

static sqlite3_stmt *prepare_since(const sg_sqlite_conn *q, const char *sql, int64_t since, int *rc)
{
    sqlite3_stmt *st = NULL;
    *rc = q->f->prepare_v2(q->db, sql, -1, &st, NULL);
    if (*rc == SQLITE_OK)
        *rc = q->f->bind_int64(st, 1, (sqlite3_int64)since);
    return st;
}

static int report_forwarders(const sg_sqlite_conn *q, sg_audit_report *r)
{
    int rc;
    size_t cap = 0;
    sqlite3_stmt *st = prepare_since(q,
                                     "SELECT owner, count(*), total(verdict = 'allow'), count(DISTINCT target),"
                                     " count(DISTINCT target_domain),"
                                     " (SELECT min(time) FROM forwards a WHERE a.owner = f.owner)"
                                     " FROM forwards f WHERE time >= ?1 GROUP BY owner ORDER BY owner",
                                     r->since, &rc);
    while (rc == SQLITE_OK && (rc = q->f->step(st)) == SQLITE_ROW) {
        r->forwarders = sg_arena_grow(r->arena, r->forwarders, r->nforwarders, &cap, sizeof *r->forwarders, 8);
        sg_audit_forwarder *f = &r->forwarders[r->nforwarders++];
        f->owner = col_dup(q, st, 0, r->arena);
        f->forwards = (unsigned long)q->f->column_int64(st, 1);
        f->allowed = (unsigned long)q->f->column_double(st, 2);
        f->blocked = f->forwards - f->allowed;
        f->recipients = (unsigned long)q->f->column_int64(st, 3);
        f->domains = (unsigned long)q->f->column_int64(st, 4);
        f->first_forward = q->f->column_int64(st, 5);
        f->is_new = f->first_forward >= r->since;
        r->new_forwarders += f->is_new;
        rc = SQLITE_OK;
    }
    q->f->finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int report_domains(const sg_sqlite_conn *q, sg_audit_report *r)
{
    int rc;
    size_t cap = 0;
    sqlite3_stmt *st = prepare_since(q,
                                     "SELECT target_domain, count(*), total(verdict = 'allow'), count(DISTINCT owner),"
                                     " (SELECT min(time) FROM forwards a WHERE a.target_domain = f.target_domain)"
                                     " FROM forwards f WHERE time >= ?1 GROUP BY target_domain ORDER BY target_domain",
                                     r->since, &rc);
    while (rc == SQLITE_OK && (rc = q->f->step(st)) == SQLITE_ROW) {
        r->domains = sg_arena_grow(r->arena, r->domains, r->ndomains, &cap, sizeof *r->domains, 8);
        sg_audit_domain_stat *d = &r->domains[r->ndomains++];
        d->domain = col_dup(q, st, 0, r->arena);
        d->forwards = (unsigned long)q->f->column_int64(st, 1);
        d->allowed = (unsigned long)q->f->column_double(st, 2);
        d->blocked = d->forwards - d->allowed;
        d->forwarders = (unsigned long)q->f->column_int64(st, 3);
        d->first_forward = q->f->column_int64(st, 4);
        d->is_new = d->first_forward >= r->since;
        r->new_domains += d->is_new;
        rc = SQLITE_OK;
    }
    q->f->finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int report_records(const sg_sqlite_conn *q, sg_audit_report *r)
{
    int rc;
    size_t cap = 0;
    sqlite3_stmt *st = prepare_since(q,
                                     "SELECT time, owner, target, target_domain, mechanism, verdict, policy,"
                                     " remote_domain, message_id FROM forwards WHERE time >= ?1 ORDER BY time, id",
                                     r->since, &rc);
    while (rc == SQLITE_OK && (rc = q->f->step(st)) == SQLITE_ROW) {
        r->records = sg_arena_grow(r->arena, r->records, r->nrecords, &cap, sizeof *r->records, 8);
        sg_audit_record *rec = &r->records[r->nrecords++];
        rec->time = q->f->column_int64(st, 0);
        rec->owner = col_dup(q, st, 1, r->arena);
        rec->target = col_dup(q, st, 2, r->arena);
        rec->target_domain = col_dup(q, st, 3, r->arena);
        rec->mechanism = col_dup(q, st, 4, r->arena);
        rec->verdict = col_dup(q, st, 5, r->arena);
        rec->policy = col_dup(q, st, 6, r->arena);
        rec->remote_domain = col_dup(q, st, 7, r->arena);
        rec->message_id = col_dup(q, st, 8, r->arena);
        if (rec->verdict && strcmp(rec->verdict, "allow") == 0)
            r->allowed++;
        else
            r->blocked++;
        r->total++;
        rc = SQLITE_OK;
    }
    q->f->finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* All three parts in one read transaction, so their figures agree. */
static bool report_query(sg_sqlite_db *db, sg_audit_report *r, char *err, size_t errlen)
{
    const sg_sqlite_conn *q = &db->q;
    const char *path = db->path;
    int version = 0;
    if (sg_sqlite_db_version(db, &version, err, errlen) != SG_SQLITE_DB_OK)
        return false;
    if (version == 0)
        return true; /* created but never written */
    int rc = q->f->exec(q->db, "BEGIN", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = report_records(q, r);
    if (rc == SQLITE_OK)
        rc = report_forwarders(q, r);
    if (rc == SQLITE_OK)
        rc = report_domains(q, r);
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "audit database %s is unreadable: %s", path, q->f->errmsg(q->db));
    q->f->exec(q->db, rc == SQLITE_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    return rc == SQLITE_OK;
}

bool sg_audit_report_read(const char *path, int64_t since, sg_audit_report **out, char *err, size_t errlen)
{
    *out = NULL;
    sg_arena *arena = sg_arena_new();
    sg_audit_report *r = sg_arena_calloc(arena, sizeof *r);
    r->arena = arena;
    r->since = since;
    struct stat sb;
    if (stat(path, &sb) != 0 && errno == ENOENT) {
        *out = r; /* nothing recorded yet */
        return true;
    }
    sg_sqlite_db db; /* SQLite, for this report only (sqlite_lib.h) */
    sg_sqlite_db_init(&db, &audit_kind, path, AUDIT_BUSY_TIMEOUT_MS, &db);
    bool ok = sg_sqlite_db_open(&db, SQLITE_OPEN_READONLY, NULL, err, errlen) == SG_SQLITE_DB_OK &&
              report_query(&db, r, err, errlen);
    sg_sqlite_db_close(&db);
    if (!ok) {
        sg_arena_free(arena);
        return false;
    }
    *out = r;
    return true;
}

void sg_audit_report_free(sg_audit_report *report)
{
    if (report)
        sg_arena_free(report->arena);
}
