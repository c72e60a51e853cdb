/* audit.c - the audit log of external forwarding decisions (see audit.h;
 * docs/policy.md, "How one forward is decided").
 *
 * Takes: the audit_log setting and decision records. Returns: syslog lines
 * and rows appended to the audit database (SQLite or PostgreSQL, the same
 * SQL: store/sql.h), records spooled while PostgreSQL cannot take them
 * (audit_spool.c). The report is audit_report.c's.
 */
#include "store/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/hex.h"
#include "store/audit_int.h"

#define AUDIT_SCHEMA_VERSION 2
#define AUDIT_APPLICATION_ID 0x53474155 /* "SGAU" */
#define AUDIT_BUSY_TIMEOUT_MS 5000
#define AUDIT_LINE_MAX 2048
#define SPOOL_SEND_PER_RECORD 100 /* spooled records sent along with one new record */

/* ------------------------------------------------------------ setting */

static void trim_span(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* One item of the setting: "syslog" or a database. */
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
    if (a->db) {
        snprintf(err, errlen, "audit_log: more than one database path");
        return false;
    }
    a->db = sg_xmalloc(n + 1);
    memcpy(a->db, item, n);
    a->db[n] = '\0';
    a->pg = sg_pg_is_uri(a->db);
    if (a->pg && !sg_pg_uri_check(a->db, err, errlen)) {
        char why[256];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "audit_log: %s", why);
        return false;
    }
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
        while (*p == ' ' || *p == '\t')
            p++;
        /* A PostgreSQL URI may name several hosts ("h1,h2"): it runs to the end. */
        const char *comma = sg_pg_is_uri(p) ? NULL : strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (!add_item(a, p, n, err, errlen)) {
            sg_audit_close(a);
            return false;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    a->spool_dir = sg_xstrdup(SG_AUDIT_SPOOL_DIR);
    *out = a;
    return true;
}

static void replace(char **field, const char *value)
{
    if (!value)
        return;
    free(*field);
    *field = *value ? sg_xstrdup(value) : NULL;
}

void sg_audit_configure(sg_audit *audit, const sg_audit_options *opt)
{
    replace(&audit->password_file, opt->password_file);
    replace(&audit->spool_dir, opt->spool_dir);
    replace(&audit->host, opt->host);
}

bool sg_audit_open_config(const sg_config *cfg, sg_audit **out, char *err, size_t errlen)
{
    if (!sg_audit_open(sg_config_get(cfg, "audit_log"), out, err, errlen))
        return false;
    sg_audit_options opt = {sg_config_get(cfg, "postgresql_password_file"), sg_config_get(cfg, "audit_spool_dir"),
                            sg_config_get(cfg, "hostname")};
    sg_audit_configure(*out, &opt);
    return true;
}

void sg_audit_close(sg_audit *audit)
{
    if (!audit)
        return;
    if (audit->pg)
        sg_pg_db_close(&audit->pgdb);
    sg_sqlite_db_close(&audit->sq);
    free(audit->db);
    free(audit->password_file);
    free(audit->spool_dir);
    free(audit->host);
    free(audit);
}

const char *sg_audit_database(const sg_audit *audit)
{
    return audit->db;
}

bool sg_audit_is_postgresql(const sg_audit *audit)
{
    return audit->db && audit->pg;
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

void sg_audit_emit(const sg_audit *a, int priority, const char *line)
{
    if (a->sink)
        a->sink(a->sink_ctx, priority, line);
    else
        syslog(LOG_MAIL | priority, "%s", line);
}

/* ------------------------------------------------------------ database */

/* Version 1: one row per decision; indexes for the report's "first ever".
 * Version 2: the host that decided and the record's id (unique: a record
 * sent twice from the spool is stored once). */
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

static int audit_migrate_to_2(const sg_sqlite_conn *q)
{
    return q->f->exec(q->db,
                      "ALTER TABLE forwards ADD COLUMN host TEXT;"
                      "ALTER TABLE forwards ADD COLUMN record_id TEXT;"
                      "CREATE UNIQUE INDEX forwards_record ON forwards (record_id);"
                      "CREATE INDEX forwards_host ON forwards (host, time);",
                      NULL, NULL, NULL);
}

static int (*const audit_migrations[AUDIT_SCHEMA_VERSION])(const sg_sqlite_conn *q) = {audit_migrate_to_1,
                                                                                       audit_migrate_to_2};

/* PostgreSQL: the same table at version 2 in one step; audit_meta holds the version. */
static const char pg_migrate_to_1[] =
    "CREATE TABLE audit_meta (key TEXT COLLATE \"C\" PRIMARY KEY, value BIGINT NOT NULL);"
    "INSERT INTO audit_meta VALUES ('schema_version', 1);"
    "CREATE TABLE forwards ("
    "  id BIGSERIAL PRIMARY KEY,"
    "  record_id TEXT COLLATE \"C\" UNIQUE,"
    "  host TEXT COLLATE \"C\","
    "  time BIGINT NOT NULL,"
    "  owner TEXT COLLATE \"C\" NOT NULL,"
    "  target TEXT COLLATE \"C\" NOT NULL,"
    "  target_domain TEXT COLLATE \"C\" NOT NULL,"
    "  mechanism TEXT COLLATE \"C\" NOT NULL,"
    "  verdict TEXT COLLATE \"C\" NOT NULL,"
    "  policy TEXT COLLATE \"C\","
    "  remote_domain TEXT COLLATE \"C\","
    "  message_id TEXT COLLATE \"C\");"
    "CREATE INDEX forwards_time ON forwards (time);"
    "CREATE INDEX forwards_owner ON forwards (owner, time);"
    "CREATE INDEX forwards_domain ON forwards (target_domain, time);"
    "CREATE INDEX forwards_host ON forwards (host, time);";

#define AUDIT_PG_SCHEMA_VERSION 1
static const char *const pg_migrations[AUDIT_PG_SCHEMA_VERSION] = {pg_migrate_to_1};

static const sg_pg_kind audit_pg_kind = {
    .what = "audit database",
    .version_table = "audit_meta",
    .version = AUDIT_PG_SCHEMA_VERSION,
    .migrations = pg_migrations,
    .lock_id = AUDIT_APPLICATION_ID,
};

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

/* Opens the SQLite file (read-only, or creating and migrating it). */
static bool sqlite_open(sg_audit *a, bool write, char *err, size_t errlen)
{
    if (a->sq.q.db)
        return true;
    if (!a->sq.kind)
        sg_sqlite_db_init(&a->sq, &audit_kind, a->db, AUDIT_BUSY_TIMEOUT_MS, &a->sq);
    int flags = write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    if (sg_sqlite_db_open(&a->sq, flags, write ? "PRAGMA journal_mode = DELETE" : NULL, err, errlen) !=
        SG_SQLITE_DB_OK)
        return false;
    if (write && sg_sqlite_db_migrate(&a->sq, err, errlen) != SG_SQLITE_DB_OK) {
        sg_sqlite_db_disconnect(&a->sq);
        return false;
    }
    sg_sql_init_sqlite(&a->sql, &a->sq.q);
    return true;
}

static void pg_prepare(sg_audit *a)
{
    if (!a->pgdb.kind) {
        sg_pg_db_init(&a->pgdb, &audit_pg_kind, a->db, a->password_file);
        sg_sql_init_pg(&a->sql, &a->pgdb, "audit_meta");
    }
}

/* PostgreSQL: connected, the schema checked once per object. */
static bool pg_open(sg_audit *a, char *err, size_t errlen)
{
    pg_prepare(a);
    if (a->pgdb.conn && a->schema_checked)
        return true;
    if (!sg_pg_db_check_schema(&a->pgdb, err, errlen))
        return false;
    a->schema_checked = true;
    return true;
}

bool sg_audit_connect(sg_audit *a, char *err, size_t errlen)
{
    return a->pg ? pg_open(a, err, errlen) : sqlite_open(a, true, err, errlen);
}

/* Opens the database for the report: PostgreSQL as for writing; SQLite
 * read-only. *missing: an SQLite file that does not exist yet. */
bool sg_audit_open_reader(sg_audit *a, bool *missing, char *err, size_t errlen)
{
    *missing = false;
    if (a->pg)
        return pg_open(a, err, errlen);
    struct stat sb;
    if (stat(a->db, &sb) != 0 && errno == ENOENT) {
        *missing = true;
        return true;
    }
    return sqlite_open(a, false, err, errlen);
}

bool sg_audit_migrate(sg_audit *audit, int *from, int *to, char *err, size_t errlen)
{
    *from = *to = 0;
    if (!audit->db) {
        snprintf(err, errlen, "audit_log names no database");
        return false;
    }
    if (audit->pg) {
        pg_prepare(audit);
        if (!sg_pg_db_migrate(&audit->pgdb, from, err, errlen))
            return false;
        *to = AUDIT_PG_SCHEMA_VERSION;
        return true;
    }
    if (!audit->sq.kind)
        sg_sqlite_db_init(&audit->sq, &audit_kind, audit->db, AUDIT_BUSY_TIMEOUT_MS, &audit->sq);
    if (!audit->sq.q.db && (!sg_sqlite_db_check_dir(&audit->sq, "create", err, errlen) ||
                            sg_sqlite_db_open(&audit->sq, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                              "PRAGMA journal_mode = DELETE", err, errlen) != SG_SQLITE_DB_OK))
        return false;
    if (sg_sqlite_db_version(&audit->sq, from, err, errlen) != SG_SQLITE_DB_OK ||
        sg_sqlite_db_migrate(&audit->sq, err, errlen) != SG_SQLITE_DB_OK)
        return false;
    sg_sql_init_sqlite(&audit->sql, &audit->sq.q);
    *to = AUDIT_SCHEMA_VERSION;
    return true;
}

sg_sql_result sg_audit_insert(sg_audit *a, const sg_audit_record *r)
{
    return sg_sql_exec(&a->sql, NULL,
                       "INSERT INTO forwards (time, owner, target, target_domain, mechanism, verdict, policy,"
                       " remote_domain, message_id, host, record_id)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (record_id) DO NOTHING",
                       "Lttttttttt" "t", (long long)r->time, r->owner ? r->owner : "", r->target ? r->target : "",
                       r->target_domain ? r->target_domain : "", r->mechanism ? r->mechanism : "",
                       r->verdict ? r->verdict : "", r->policy, r->remote_domain, r->message_id, r->host, r->id);
}

/* ------------------------------------------------------------ recording */

static void default_host(const sg_audit *a, char *buf, size_t len)
{
    if (a->host) {
        snprintf(buf, len, "%s", a->host);
        return;
    }
    if (gethostname(buf, len - 1) != 0)
        snprintf(buf, len, "localhost");
    buf[len - 1] = '\0';
}

/* Whether this process may write the SQLite file: it exists and is
 * writable, with its directory (the rollback journal goes there), or it
 * does not exist yet and the directory is this process's own to create it
 * in. Under the documented Postfix and Exim setups delivery runs as each
 * recipient: a file one user created would hold everyone's records under
 * that user's control, so the users' records go into the spool instead
 * and `sievegate policy report` (root or the directory's owner) collects
 * them. A directory that does not exist is a fault, found by opening. */
typedef enum { SQLITE_WRITABLE, SQLITE_NOT_OURS, SQLITE_MISSING_DIR } sqlite_access;

static sqlite_access sqlite_writable(const sg_audit *a)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", a->db);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return SQLITE_MISSING_DIR;
    if (faccessat(AT_FDCWD, dir, W_OK, AT_EACCESS) != 0)
        return SQLITE_NOT_OURS;
    if (faccessat(AT_FDCWD, a->db, F_OK, AT_EACCESS) == 0)
        return faccessat(AT_FDCWD, a->db, W_OK, AT_EACCESS) == 0 ? SQLITE_WRITABLE : SQLITE_NOT_OURS;
    return sb.st_uid == geteuid() ? SQLITE_WRITABLE : SQLITE_NOT_OURS;
}

typedef enum {
    STORED,         /* in the database */
    SPOOLED,        /* in the spool, as designed: the file is not this user's to write */
    SPOOLED_FAULT,  /* in the spool because the database failed (reported) */
    LOST_TO_SYSLOG, /* neither: only syslog has it (reported) */
} stored_where;

/* Into the database, with the spool this process may send first; into
 * the spool when the database cannot take it (PostgreSQL down, SQLite
 * broken) or is not this user's to write. */
static stored_where to_database(sg_audit *a, const sg_audit_record *r, char *err, size_t errlen)
{
    bool designed = !a->pg && sqlite_writable(a) == SQLITE_NOT_OURS;
    if (designed) {
        snprintf(err, errlen, "audit database %s is not writable by this user", a->db);
    } else if (sg_audit_connect(a, err, errlen)) {
        size_t sent, left;
        char serr[256];
        (void)sg_audit_spool_send(a, SPOOL_SEND_PER_RECORD, &sent, &left, serr, sizeof serr);
        sg_sql_result res = sg_audit_insert(a, r);
        if (res == SG_SQL_OK)
            return STORED;
        snprintf(err, errlen, "cannot write audit database %s: %s", a->db, a->sql.error);
    }
    /* Kept for later: sent by the next record that reaches the database, or
     * by `policy report` / `policy audit-flush`. */
    char why[512], serr[256];
    snprintf(why, sizeof why, "%s", err);
    if (sg_audit_spool_write(a, r, serr, sizeof serr)) {
        snprintf(err, errlen, "%s (the record waits in %s)", why, a->spool_dir);
        return designed ? SPOOLED : SPOOLED_FAULT;
    }
    snprintf(err, errlen, "%s; %s", why, serr);
    return LOST_TO_SYSLOG;
}

bool sg_audit_record_decision(sg_audit *audit, const sg_audit_record *rec, char *err, size_t errlen)
{
    sg_audit_record r = *rec;
    char host[256], id[SG_AUDIT_ID_LEN + 1];
    if (!r.time)
        r.time = (int64_t)time(NULL);
    if (!r.host) {
        default_host(audit, host, sizeof host);
        r.host = host;
    }
    if (!r.id) {
        sg_random_hex(id, SG_AUDIT_ID_LEN);
        r.id = id;
    }
    char line[AUDIT_LINE_MAX];
    sg_audit_format_line(&r, line, sizeof line);
    /* A fault is reported even when the spool kept the record; the records
     * of users who may not write the file are spooled without a word. */
    bool ok = true;
    if (audit->db) {
        stored_where where = to_database(audit, &r, err, errlen);
        ok = where == STORED || where == SPOOLED;
    }
    if (!ok) {
        char warn[AUDIT_LINE_MAX];
        snprintf(warn, sizeof warn, "forward-audit-failure reason=\"%s\"", err);
        sg_audit_emit(audit, LOG_WARNING, warn);
    }
    /* syslog as configured, and as the fallback when the database failed */
    if (audit->to_syslog || !ok)
        sg_audit_emit(audit, LOG_INFO, line);
    return ok;
}

bool sg_audit_flush_spool(sg_audit *audit, size_t *sent, size_t *left, char *err, size_t errlen)
{
    *sent = *left = 0;
    size_t pending = audit->db ? sg_audit_spool_pending(audit) : 0;
    if (!pending)
        return true; /* syslog alone, or nothing waits */
    if (!audit->pg && sqlite_writable(audit) == SQLITE_NOT_OURS) {
        *left = pending; /* not this user's to collect */
        return true;
    }
    return sg_audit_connect(audit, err, errlen) && sg_audit_spool_send(audit, 0, sent, left, err, errlen);
}
