/* policy_store.c - the SQLite backend of the authoritative policy store
 * (policy_store.h; ../shared/spec/policy.md, "Entities" and "When the policy
 * cannot be read").
 *
 * Takes: a "sqlite:/path" URI, and the admin's writes. Returns: whole
 * snapshots (policy/policy.h) and the store-wide generation.
 *
 * - The file is created on the first write, with a versioned schema
 *   (PRAGMA user_version, one migration function per version) and the
 *   rollback journal (journal_mode=DELETE): readers need only read access to
 *   the file, so delivery running as any user can read a root-owned store.
 * - Readers open it with SQLITE_OPEN_READONLY; a file that does not exist
 *   (or was created but never written) reads as sg_policy_new_default().
 * - Every write is one BEGIN IMMEDIATE transaction that also bumps the
 *   generation; a load is one read transaction, so it sees the old or the
 *   new policy, never half a change.
 * - Input is validated and normalised before it is stored: domains to
 *   lower-case IDNA A-labels (libidn2), addresses to lower case.
 */
#include "store/policy_store.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/idna.h"
#include "store/sqlite_db.h"

#define SCHEMA_VERSION 1
#define STORE_APPLICATION_ID 0x53475053 /* "SGPS": PRAGMA application_id of a sievegate policy store */
#define BUSY_TIMEOUT_MS 5000
#define MAX_NAME_LEN 64
#define MAX_DOMAIN_LEN 253 /* RFC 1035 §2.3.4, without the trailing dot */
#define MAX_LABEL_LEN 63
#define MAX_LOCAL_LEN 64 /* RFC 5321 §4.5.3.1.1 */
#define MAX_FORWARD_HOPS 100
#define MAX_BOUNCE_RATE_PERIOD (366UL * 86400UL)

struct sg_policy_store {
    char *path;
    bool writable;
    /* SQLite loaded at the first connection (sqlite_lib.h); sq.q.db NULL while
     * the file does not exist (readers) or before the first write */
    sg_sqlite_db sq;
};

/* ---------------------------------------------------------------- errors */

/* Copies `in` for an error message: control bytes become '?', long input is cut. */
static void printable(const char *in, char *out, size_t outlen)
{
    size_t n = 0;
    for (; in && *in && n + 1 < outlen && n < 80; in++, n++)
        out[n] = ((unsigned char)*in < 0x20 || *in == 0x7F) ? '?' : *in;
    out[n] = '\0';
}

static sg_store_status fail(sg_store_status st, char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static sg_store_status fail(sg_store_status st, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return st;
}

/* An SQLite failure: locked too long, or unreadable/corrupt. */
static sg_store_status db_fail(const sg_policy_store *s, sqlite3 *db, int rc, char *err, size_t errlen)
{
    int primary = rc & 0xFF;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return fail(SG_STORE_UNAVAILABLE, err, errlen, "policy store %s is locked by another process (waited %d s)",
                    s->path, BUSY_TIMEOUT_MS / 1000);
    if (primary == SQLITE_CONSTRAINT)
        return fail(SG_STORE_INVALID, err, errlen, "policy store %s refused the change: %s", s->path,
                    db ? s->sq.f.errmsg(db) : s->sq.f.errstr(rc));
    return fail(SG_STORE_UNAVAILABLE, err, errlen, "policy store %s is unreadable: %s", s->path,
                db ? s->sq.f.errmsg(db) : s->sq.f.errstr(rc));
}

/* ------------------------------------------------------- normalisation */

static void ascii_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* RFC 1035 §2.3.1 / RFC 5890 §2.3.1: LDH labels of 1-63 octets, no hyphen at
 * either end, at most 253 octets; a numeric last label is an IP address. */
static const char *ldh_problem(const char *d)
{
    size_t len = strlen(d);
    if (len == 0)
        return "it is empty";
    if (len > MAX_DOMAIN_LEN)
        return "it is longer than 253 characters";
    const char *label = d;
    bool numeric = true;
    for (const char *p = d;; p++) {
        if (*p == '.' || *p == '\0') {
            size_t l = (size_t)(p - label);
            if (l == 0)
                return "it has an empty label";
            if (l > MAX_LABEL_LEN)
                return "a label is longer than 63 characters";
            if (label[0] == '-' || p[-1] == '-')
                return "a label starts or ends with a hyphen";
            if (*p == '\0')
                break;
            label = p + 1;
            numeric = true;
            continue;
        }
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return "it holds a character other than letters, digits, hyphens and dots";
        if (!(*p >= '0' && *p <= '9'))
            numeric = false;
    }
    return numeric ? "its last label is numeric" : NULL;
}

bool sg_policy_normalize_domain(const char *in, sg_arena *arena, const char **out, char *err, size_t errlen)
{
    char shown[96];
    printable(in, shown, sizeof shown);
    if (!in || !*in) {
        fail(SG_STORE_INVALID, err, errlen, "invalid domain \"\": it is empty");
        return false;
    }
    if (strlen(in) > 4 * MAX_DOMAIN_LEN) {
        fail(SG_STORE_INVALID, err, errlen, "invalid domain \"%s\": it is too long", shown);
        return false;
    }
    /* UTS #46 processing (as browsers and MTAs do), then the A-label form. */
    char ascii[4 * MAX_DOMAIN_LEN + 1], why[160];
    switch (sg_idna_to_ascii(in, ascii, sizeof ascii, why, sizeof why)) {
    case SG_IDNA_OK: break;
    case SG_IDNA_UNAVAILABLE:
        fail(SG_STORE_UNAVAILABLE, err, errlen, "cannot check the domain \"%s\": %s", shown, why);
        return false;
    default:
        fail(SG_STORE_INVALID, err, errlen, "invalid domain \"%s\": %s", shown, why);
        return false;
    }
    ascii_lower(ascii);
    const char *problem = ldh_problem(ascii);
    if (problem) {
        fail(SG_STORE_INVALID, err, errlen, "invalid domain \"%s\": %s", shown, problem);
        return false;
    }
    *out = sg_arena_strdup(arena, ascii);
    return true;
}

/* policy.md, "Remote domains": `*`, `example.org`, `*.example.org`. */
bool sg_policy_normalize_pattern(const char *in, sg_arena *arena, const char **out, char *err, size_t errlen)
{
    char shown[96];
    printable(in, shown, sizeof shown);
    if (in && strcmp(in, "*") == 0) {
        *out = sg_arena_strdup(arena, "*");
        return true;
    }
    bool wildcard = in && strncmp(in, "*.", 2) == 0;
    const char *domain = wildcard ? in + 2 : in;
    if (!domain || strchr(domain, '*')) {
        fail(SG_STORE_INVALID, err, errlen,
             "invalid remote-domain pattern \"%s\" (expected *, example.org or *.example.org)", shown);
        return false;
    }
    const char *ascii;
    if (!sg_policy_normalize_domain(domain, arena, &ascii, err, errlen))
        return false;
    if (!wildcard) {
        *out = ascii;
        return true;
    }
    size_t n = strlen(ascii);
    char *p = sg_arena_alloc_bytes(arena, n + 3);
    memcpy(p, "*.", 2);
    memcpy(p + 2, ascii, n + 1);
    *out = p;
    return true;
}

/* A dot-atom or UTF-8 local part (RFC 5322 §3.4.1, RFC 6531): no space,
 * control or special character that would need quoting. */
static bool valid_local(const char *s, size_t n)
{
    if (n == 0 || n > MAX_LOCAL_LEN || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7F || strchr("()<>[]:;@\\,\"", c))
            return false;
        if (c == '.' && i + 1 < n && s[i + 1] == '.')
            return false;
    }
    return true;
}

bool sg_policy_normalize_address(const char *in, sg_arena *arena, const char **out, char *err, size_t errlen)
{
    char shown[96];
    printable(in, shown, sizeof shown);
    const char *at = in ? strrchr(in, '@') : NULL;
    if (!at || !valid_local(in, (size_t)(at - in))) {
        fail(SG_STORE_INVALID, err, errlen, "invalid address \"%s\" (expected local@domain)", shown);
        return false;
    }
    const char *domain;
    if (!sg_policy_normalize_domain(at + 1, arena, &domain, err, errlen))
        return false;
    size_t l = (size_t)(at - in), d = strlen(domain);
    char *p = sg_arena_alloc_bytes(arena, l + d + 2);
    memcpy(p, in, l);
    p[l] = '\0';
    ascii_lower(p);
    p[l] = '@';
    memcpy(p + l + 1, domain, d + 1);
    *out = p;
    return true;
}

/* Policy and group names: 1-64 of [A-Za-z0-9._-] (groups may be addresses,
 * so '@' and '+' too), so lists of them print unambiguously. */
static bool valid_name(const char *what, const char *name, bool group, char *err, size_t errlen)
{
    char shown[96];
    printable(name, shown, sizeof shown);
    size_t n = name ? strlen(name) : 0;
    bool ok = n > 0 && n <= MAX_NAME_LEN;
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
             c == '-' || (group && (c == '@' || c == '+'));
    }
    if (!ok)
        fail(SG_STORE_INVALID, err, errlen, "invalid %s name \"%s\" (1 to %d of letters, digits, '.', '_', '-'%s)",
             what, shown, MAX_NAME_LEN, group ? ", '@', '+'" : "");
    return ok;
}

static bool list_has(const sg_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

typedef enum { NORM_ADDRESS, NORM_DOMAIN, NORM_GROUP } norm_kind;

/* Normalises every item of `in` into `out` (in `arena`), dropping duplicates. */
static bool normalize_list(const sg_strlist *in, norm_kind kind, sg_arena *arena, sg_strlist *out, char *err,
                           size_t errlen)
{
    out->count = 0;
    out->items = sg_arena_alloc(arena, (in->count + 1) * sizeof *out->items);
    for (size_t i = 0; i < in->count; i++) {
        const char *v = NULL;
        bool ok;
        if (kind == NORM_ADDRESS) {
            ok = sg_policy_normalize_address(in->items[i], arena, &v, err, errlen);
        } else if (kind == NORM_DOMAIN) {
            ok = sg_policy_normalize_domain(in->items[i], arena, &v, err, errlen);
        } else {
            ok = valid_name("group", in->items[i], true, err, errlen);
            if (ok) {
                char *g = sg_arena_strdup(arena, in->items[i]);
                ascii_lower(g);
                v = g;
            }
        }
        if (!ok)
            return false;
        if (!list_has(out, v))
            out->items[out->count++] = v;
    }
    return true;
}

/* ------------------------------------------------------------ SQL helpers */

/* Runs one statement with bound values: `types` has one letter per value,
 * 't' text (NULL allowed), 'i' int, 'L' sqlite3_int64. Returns the SQLite code
 * (SQLITE_DONE or SQLITE_ROW on success); *changes gets the rows changed. */
static int run_sql(const sg_sqlite_conn *q, int *changes, const char *sql, const char *types, ...)
{
    sqlite3_stmt *st = NULL;
    int rc = q->f->prepare_v2(q->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types && types[i] && rc == SQLITE_OK; i++) {
        if (types[i] == 't')
            rc = q->f->bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
        else if (types[i] == 'i')
            rc = q->f->bind_int(st, i + 1, va_arg(ap, int));
        else
            rc = q->f->bind_int64(st, i + 1, va_arg(ap, sqlite3_int64));
    }
    va_end(ap);
    if (rc == SQLITE_OK)
        rc = q->f->step(st);
    if (changes)
        *changes = q->f->changes(q->db);
    int frc = q->f->finalize(st);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? rc : (frc != SQLITE_OK ? frc : rc);
}

static bool sql_ok(int rc)
{
    return rc == SQLITE_DONE || rc == SQLITE_ROW || rc == SQLITE_OK;
}

/* The first column of the first row of `sql` (bound to one optional text
 * value) as an integer; *found says whether there was a row. */
static int query_int(const sg_sqlite_conn *q, const char *sql, const char *arg, sqlite3_int64 *value, bool *found)
{
    sqlite3_stmt *st = NULL;
    int rc = q->f->prepare_v2(q->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    if (arg)
        q->f->bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    rc = q->f->step(st);
    if (found)
        *found = rc == SQLITE_ROW;
    *value = rc == SQLITE_ROW ? q->f->column_int64(st, 0) : 0;
    int frc = q->f->finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : (frc != SQLITE_OK ? frc : rc);
}

/* The first text column of the first row of `sql` bound to `arg`, copied
 * into buf ("" when there is no row). */
static int query_text(const sg_sqlite_conn *q, const char *sql, const char *arg, char *buf, size_t len)
{
    sqlite3_stmt *st = NULL;
    buf[0] = '\0';
    int rc = q->f->prepare_v2(q->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    q->f->bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    rc = q->f->step(st);
    if (rc == SQLITE_ROW && q->f->column_text(st, 0))
        snprintf(buf, len, "%s", (const char *)q->f->column_text(st, 0));
    int frc = q->f->finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : (frc != SQLITE_OK ? frc : rc);
}

/* ------------------------------------------------------------- schema */

/* Version 1: the entities of policy.md, "Entities", and the meta table
 * (generation and schema version). The default policy and the "*" remote
 * domain always exist. */
static int migrate_to_1(const sg_sqlite_conn *q)
{
    static const char sql[] =
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
        "INSERT INTO meta VALUES ('generation', 0), ('schema_version', 1);"
        "CREATE TABLE org_settings ("
        "  id INTEGER PRIMARY KEY CHECK (id = 1),"
        "  automatic_means TEXT NOT NULL CHECK (automatic_means IN ('off', 'on')),"
        "  bounce_internal_senders INTEGER NOT NULL CHECK (bounce_internal_senders IN (0, 1)),"
        "  bounce_rate_period INTEGER NOT NULL CHECK (bounce_rate_period >= 0),"
        "  max_forward_hops INTEGER NOT NULL CHECK (max_forward_hops >= 1));"
        "INSERT INTO org_settings VALUES (1, 'off', 1, 86400, 3);"
        "CREATE TABLE accepted_domains (name TEXT PRIMARY KEY,"
        "  match_subdomains INTEGER NOT NULL DEFAULT 0 CHECK (match_subdomains IN (0, 1)));"
        "CREATE TABLE outbound_policies ("
        "  name TEXT PRIMARY KEY COLLATE NOCASE,"
        "  is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),"
        "  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
        "  priority INTEGER NOT NULL UNIQUE,"
        "  mode TEXT NOT NULL CHECK (mode IN ('automatic', 'on', 'off')));"
        "INSERT INTO outbound_policies VALUES ('default', 1, 1, -1, 'automatic');"
        "CREATE TABLE policy_scope ("
        "  policy TEXT NOT NULL COLLATE NOCASE REFERENCES outbound_policies (name) ON DELETE CASCADE,"
        "  kind TEXT NOT NULL CHECK (kind IN ('users', 'groups', 'domains',"
        "                                     'exclude_users', 'exclude_groups', 'exclude_domains')),"
        "  pos INTEGER NOT NULL,"
        "  value TEXT NOT NULL,"
        "  PRIMARY KEY (policy, kind, value));"
        "CREATE TABLE user_groups (name TEXT PRIMARY KEY);"
        "CREATE TABLE group_members ("
        "  grp TEXT NOT NULL REFERENCES user_groups (name) ON DELETE CASCADE,"
        "  pos INTEGER NOT NULL,"
        "  member TEXT NOT NULL,"
        "  PRIMARY KEY (grp, member));"
        "CREATE TABLE remote_domains (pattern TEXT PRIMARY KEY,"
        "  auto_forward INTEGER NOT NULL, auto_reply INTEGER NOT NULL,"
        "  ndr INTEGER NOT NULL, is_internal INTEGER NOT NULL);"
        "INSERT INTO remote_domains VALUES ('*', 1, 1, 1, 0);";
    return q->f->exec(q->db, sql, NULL, NULL, NULL);
}

/* migrations[v] takes a store from version v to v + 1. */
static int (*const migrations[SCHEMA_VERSION])(const sg_sqlite_conn *q) = {migrate_to_1};

/* sqlite_db.h's kind->fail: every step is worded alike. */
static void word_failure(void *ctx, sg_sqlite_step step, int rc, char *err, size_t errlen)
{
    const sg_policy_store *s = ctx;
    (void)step;
    db_fail(s, s->sq.q.db, rc, err, errlen);
}

static const sg_sqlite_db_kind store_kind = {
    .what = "policy store",
    .application_id = STORE_APPLICATION_ID,
    .version = SCHEMA_VERSION,
    .migrations = migrations,
    .fail = word_failure,
};

/* The store's status for what sqlite_db.h answered (err is worded). */
static sg_store_status db_status(const sg_policy_store *s, sg_sqlite_db_result r)
{
    if (r == SG_SQLITE_DB_OK)
        return SG_STORE_OK;
    if (r == SG_SQLITE_DB_FAILED && (s->sq.rc & 0xFF) == SQLITE_CONSTRAINT)
        return SG_STORE_INVALID;
    return SG_STORE_UNAVAILABLE;
}

/* ------------------------------------------------------- open and close */

const char *sg_policy_store_path(const char *uri)
{
    static const char scheme[] = "sqlite:";
    if (!uri || strncmp(uri, scheme, sizeof scheme - 1) != 0 || uri[sizeof scheme - 1] == '\0')
        return NULL;
    return uri + sizeof scheme - 1;
}

bool sg_policy_store_exists(const char *uri)
{
    const char *path = sg_policy_store_path(uri);
    struct stat st;
    return path && stat(path, &st) == 0;
}

/* Opens the file when it exists (or, with `create`, creates it). Leaves
 * s->sq.q.db NULL, with SG_STORE_OK, when it does not exist and must not be created. */
static sg_store_status connect_db(sg_policy_store *s, bool create, char *err, size_t errlen)
{
    if (s->sq.q.db)
        return SG_STORE_OK;
    struct stat sb;
    if (stat(s->path, &sb) != 0) {
        if (errno != ENOENT)
            return fail(SG_STORE_UNAVAILABLE, err, errlen, "cannot open policy store %s: %s", s->path,
                        strerror(errno));
        if (!create || !s->writable)
            return SG_STORE_OK; /* reads as the built-in default policy */
        if (!sg_sqlite_db_check_dir(&s->sq, "create", err, errlen))
            return SG_STORE_UNAVAILABLE;
    } else if (S_ISDIR(sb.st_mode)) {
        return fail(SG_STORE_UNAVAILABLE, err, errlen, "cannot open policy store %s: it is a directory", s->path);
    } else if (access(s->path, s->writable ? R_OK | W_OK : R_OK) != 0) {
        return fail(SG_STORE_UNAVAILABLE, err, errlen, "cannot open policy store %s: %s", s->path, strerror(errno));
    }
    /* SQLite itself only now that there is a file to read or write (sqlite_lib.h).
     * Writers use the rollback journal: readers need no write access (WAL
     * would need the -shm file). A reader checks the file (a garbage file
     * fails here) and migrates nothing. */
    int flags = s->writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    sg_sqlite_db_result r =
        sg_sqlite_db_open(&s->sq, flags, s->writable ? "PRAGMA journal_mode = DELETE" : NULL, err, errlen);
    int version;
    if (r == SG_SQLITE_DB_OK)
        r = s->writable ? sg_sqlite_db_migrate(&s->sq, err, errlen) : sg_sqlite_db_version(&s->sq, &version, err, errlen);
    if (r != SG_SQLITE_DB_OK)
        sg_sqlite_db_disconnect(&s->sq);
    return db_status(s, r);
}

sg_store_status sg_policy_store_open(const char *uri, bool writable, sg_policy_store **out, char *err, size_t errlen)
{
    *out = NULL;
    const char *path = sg_policy_store_path(uri);
    if (!path) {
        char shown[96];
        printable(uri ? uri : "", shown, sizeof shown);
        return fail(SG_STORE_INVALID, err, errlen,
                    "unsupported policy store \"%s\" (expected sqlite:/path/to/policy.db)", shown);
    }
    sg_policy_store *s = sg_xmalloc(sizeof *s);
    s->path = sg_xstrdup(path);
    s->writable = writable;
    sg_sqlite_db_init(&s->sq, &store_kind, s->path, BUSY_TIMEOUT_MS, s);
    sg_store_status st = connect_db(s, false, err, errlen);
    if (st != SG_STORE_OK) {
        sg_policy_store_close(s);
        return st;
    }
    *out = s;
    return SG_STORE_OK;
}

void sg_policy_store_close(sg_policy_store *store)
{
    if (!store)
        return;
    sg_sqlite_db_close(&store->sq);
    free(store->path);
    free(store);
}

/* ---------------------------------------------------------------- reads */

/* The schema version inside the current transaction: 0 means "never written". */
static sg_store_status current_version(sg_policy_store *s, int *version, char *err, size_t errlen)
{
    sg_store_status st = db_status(s, sg_sqlite_db_version(&s->sq, version, err, errlen));
    if (st == SG_STORE_OK && *version != 0 && *version != SCHEMA_VERSION)
        st = fail(SG_STORE_UNAVAILABLE, err, errlen,
                  "policy store %s has schema version %d; run a `sievegate policy` write as its owner to upgrade it",
                  s->path, *version);
    return st;
}

sg_store_status sg_policy_store_generation(sg_policy_store *store, uint64_t *generation, char *err, size_t errlen)
{
    *generation = 0;
    sg_store_status st = connect_db(store, false, err, errlen);
    if (st != SG_STORE_OK || !store->sq.q.db)
        return st;
    sqlite3_int64 v;
    bool found;
    int rc = query_int(&store->sq.q, "SELECT value FROM meta WHERE key = 'generation'", NULL, &v, &found);
    if (rc != SQLITE_OK) {
        /* A store created but never written has no meta table: generation 0. */
        int version;
        if (current_version(store, &version, err, errlen) == SG_STORE_OK && version == 0)
            return SG_STORE_OK;
        return db_fail(store, store->sq.q.db, rc, err, errlen);
    }
    *generation = found ? (uint64_t)v : 0;
    return SG_STORE_OK;
}

/* Growable arrays in the snapshot's arena (the old block is left to the arena). */
static void *grow(sg_arena *arena, void *items, size_t count, size_t *cap, size_t size)
{
    if (count < *cap)
        return items;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *n = sg_arena_alloc(arena, ncap * size);
    if (count)
        memcpy(n, items, count * size);
    *cap = ncap;
    return n;
}

static void strlist_push(sg_arena *arena, sg_strlist *l, size_t *cap, const char *s)
{
    l->items = grow(arena, (void *)l->items, l->count, cap, sizeof *l->items);
    l->items[l->count++] = sg_arena_strdup(arena, s);
}

static const char *col_text(const sg_sqlite_conn *q, sqlite3_stmt *st, int i)
{
    const unsigned char *t = q->f->column_text(st, i);
    return t ? (const char *)t : "";
}

static int load_org(const sg_sqlite_conn *q, sg_org_settings *org)
{
    sqlite3_stmt *st = NULL;
    sg_org_settings_default(org);
    int rc = q->f->prepare_v2(q->db,
                              "SELECT automatic_means, bounce_internal_senders, bounce_rate_period,"
                              " max_forward_hops FROM org_settings WHERE id = 1",
                              -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = q->f->step(st);
    if (rc == SQLITE_ROW) {
        org->automatic_means = strcmp(col_text(q, st, 0), "on") == 0 ? SG_MODE_ON : SG_MODE_OFF;
        org->bounce_internal_senders = q->f->column_int(st, 1) != 0;
        org->bounce_rate_period = (unsigned long)q->f->column_int64(st, 2);
        org->max_forward_hops = (unsigned)q->f->column_int(st, 3);
    }
    q->f->finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int load_accepted(const sg_sqlite_conn *q, sg_policy *p)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc = q->f->prepare_v2(q->db, "SELECT name, match_subdomains FROM accepted_domains ORDER BY name", -1, &st,
                              NULL);
    while (rc == SQLITE_OK && (rc = q->f->step(st)) == SQLITE_ROW) {
        p->accepted = grow(p->arena, p->accepted, p->naccepted, &cap, sizeof *p->accepted);
        sg_accepted_domain *a = &p->accepted[p->naccepted++];
        a->name = sg_arena_strdup(p->arena, col_text(q, st, 0));
        a->match_subdomains = q->f->column_int(st, 1) != 0;
        rc = SQLITE_OK;
    }
    q->f->finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The scope lists, in the order of policy_scope.kind's names. */
#define NSCOPE 6
static const char *const scope_kinds[NSCOPE] = {"users",         "groups",         "domains",
                                                "exclude_users", "exclude_groups", "exclude_domains"};

static void scope_lists(const sg_outbound_policy *op, const sg_strlist *lists[NSCOPE])
{
    lists[0] = &op->users;
    lists[1] = &op->groups;
    lists[2] = &op->domains;
    lists[3] = &op->exclude_users;
    lists[4] = &op->exclude_groups;
    lists[5] = &op->exclude_domains;
}

/* Every policy's scope in one query: a prepared statement per policy cost
 * more than the rest of a load (bench_policy). */
static int load_scopes(const sg_sqlite_conn *q, sg_policy *p)
{
    sqlite3_stmt *st = NULL;
    size_t(*caps)[NSCOPE] = sg_arena_calloc(p->arena, (p->npolicies + 1) * sizeof *caps);
    int rc = q->f->prepare_v2(q->db, "SELECT policy, kind, value FROM policy_scope ORDER BY policy, kind, pos", -1,
                              &st, NULL);
    size_t at = 0; /* rows come grouped by policy: look the name up only when it changes */
    while (rc == SQLITE_OK && (rc = q->f->step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        const char *name = col_text(q, st, 0);
        if (at >= p->npolicies || strcmp(p->policies[at].name, name) != 0) {
            for (at = 0; at < p->npolicies && strcmp(p->policies[at].name, name) != 0; at++)
                ;
            if (at == p->npolicies)
                continue; /* a foreign key makes this unreachable */
        }
        const sg_strlist *lists[NSCOPE];
        scope_lists(&p->policies[at], lists);
        for (size_t k = 0; k < NSCOPE; k++)
            if (strcmp(col_text(q, st, 1), scope_kinds[k]) == 0)
                strlist_push(p->arena, (sg_strlist *)lists[k], &caps[at][k], col_text(q, st, 2));
    }
    q->f->finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int load_policies(const sg_sqlite_conn *q, sg_policy *p)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc = q->f->prepare_v2(q->db,
                              "SELECT name, is_default, enabled, priority, mode FROM outbound_policies"
                              " ORDER BY is_default DESC, priority",
                              -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = q->f->step(st)) == SQLITE_ROW) {
        p->policies = grow(p->arena, p->policies, p->npolicies, &cap, sizeof *p->policies);
        sg_outbound_policy *op = &p->policies[p->npolicies++];
        memset(op, 0, sizeof *op);
        op->name = sg_arena_strdup(p->arena, col_text(q, st, 0));
        op->is_default = q->f->column_int(st, 1) != 0;
        op->enabled = q->f->column_int(st, 2) != 0;
        op->priority = op->is_default ? -1 : q->f->column_int(st, 3);
        if (!sg_fwd_mode_parse(col_text(q, st, 4), &op->mode))
            op->mode = SG_MODE_OFF; /* CHECK constraint makes this unreachable; fail closed */
        rc = SQLITE_OK;
    }
    q->f->finalize(st);
    if (rc != SQLITE_DONE)
        return rc;
    return load_scopes(q, p);
}

static int load_remote(const sg_sqlite_conn *q, sg_policy *p)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc = q->f->prepare_v2(q->db,
                              "SELECT pattern, auto_forward, auto_reply, ndr, is_internal FROM remote_domains"
                              " ORDER BY pattern",
                              -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = q->f->step(st)) == SQLITE_ROW) {
        p->remote = grow(p->arena, p->remote, p->nremote, &cap, sizeof *p->remote);
        sg_remote_domain *rd = &p->remote[p->nremote++];
        rd->pattern = sg_arena_strdup(p->arena, col_text(q, st, 0));
        rd->auto_forward = q->f->column_int(st, 1) != 0;
        rd->auto_reply = q->f->column_int(st, 2) != 0;
        rd->ndr = q->f->column_int(st, 3) != 0;
        rd->is_internal = q->f->column_int(st, 4) != 0;
        rc = SQLITE_OK;
    }
    q->f->finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int load_groups(const sg_sqlite_conn *q, sg_policy *p)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0, mcap = 0;
    int rc = q->f->prepare_v2(q->db,
                              "SELECT g.name, m.member FROM user_groups g LEFT JOIN group_members m"
                              " ON m.grp = g.name ORDER BY g.name, m.pos",
                              -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = q->f->step(st)) == SQLITE_ROW) {
        const char *name = col_text(q, st, 0);
        if (p->ngroups == 0 || strcmp(p->groups[p->ngroups - 1].name, name) != 0) {
            p->groups = grow(p->arena, p->groups, p->ngroups, &cap, sizeof *p->groups);
            sg_group *g = &p->groups[p->ngroups++];
            g->name = sg_arena_strdup(p->arena, name);
            g->members.items = NULL;
            g->members.count = 0;
            mcap = 0;
        }
        if (q->f->column_type(st, 1) != SQLITE_NULL)
            strlist_push(p->arena, &p->groups[p->ngroups - 1].members, &mcap, col_text(q, st, 1));
        rc = SQLITE_OK;
    }
    q->f->finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Reads everything of a version-1 store; the caller holds a read transaction. */
static int load_all(const sg_sqlite_conn *q, sg_policy *p)
{
    sqlite3_int64 gen;
    bool found;
    int rc = query_int(q, "SELECT value FROM meta WHERE key = 'generation'", NULL, &gen, &found);
    p->generation = found ? (uint64_t)gen : 0;
    if (rc == SQLITE_OK)
        rc = load_org(q, &p->org);
    if (rc == SQLITE_OK)
        rc = load_accepted(q, p);
    if (rc == SQLITE_OK)
        rc = load_policies(q, p);
    if (rc == SQLITE_OK)
        rc = load_remote(q, p);
    if (rc == SQLITE_OK)
        rc = load_groups(q, p);
    return rc;
}

/* policy.h: the default policy comes first and "*" always exists; a store
 * edited by hand might lack them, so put them back (fail closed: automatic). */
static void ensure_invariants(sg_policy *p)
{
    if (p->npolicies == 0 || !p->policies[0].is_default) {
        sg_outbound_policy *ops = sg_arena_calloc(p->arena, (p->npolicies + 1) * sizeof *ops);
        memcpy(ops + 1, p->policies, p->npolicies * sizeof *ops);
        ops[0].name = SG_DEFAULT_POLICY_NAME;
        ops[0].is_default = true;
        ops[0].enabled = true;
        ops[0].priority = -1;
        ops[0].mode = SG_MODE_AUTOMATIC;
        p->policies = ops;
        p->npolicies++;
    }
    if (p->nremote == 0 || strcmp(p->remote[0].pattern, "*") != 0) { /* "*" sorts first */
        sg_remote_domain *rds = sg_arena_calloc(p->arena, (p->nremote + 1) * sizeof *rds);
        memcpy(rds + 1, p->remote, p->nremote * sizeof *rds);
        sg_remote_domain_default(&rds[0], "*");
        p->remote = rds;
        p->nremote++;
    }
}

sg_store_status sg_policy_store_load(sg_policy_store *store, sg_policy **out, char *err, size_t errlen)
{
    *out = NULL;
    sg_store_status st = connect_db(store, false, err, errlen);
    if (st != SG_STORE_OK)
        return st;
    if (!store->sq.q.db) {
        *out = sg_policy_new_default();
        return SG_STORE_OK;
    }
    /* One read transaction: every table as of the same commit. */
    int rc = store->sq.f.exec(store->sq.q.db, "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return db_fail(store, store->sq.q.db, rc, err, errlen);
    int version = 0;
    st = current_version(store, &version, err, errlen);
    sg_policy *p = NULL;
    if (st == SG_STORE_OK && version == 0) {
        p = sg_policy_new_default(); /* created but never written */
    } else if (st == SG_STORE_OK) {
        sg_arena *arena = sg_arena_new();
        p = sg_arena_calloc(arena, sizeof *p);
        p->arena = arena;
        rc = load_all(&store->sq.q, p);
        if (rc == SQLITE_OK)
            ensure_invariants(p);
        else
            st = db_fail(store, store->sq.q.db, rc, err, errlen);
    }
    store->sq.f.exec(store->sq.q.db, st == SG_STORE_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    if (st != SG_STORE_OK) {
        sg_policy_free(p);
        return st;
    }
    *out = p;
    return SG_STORE_OK;
}

/* --------------------------------------------------------------- writes */

typedef sg_store_status (*write_fn)(sg_policy_store *s, const void *arg, char *err, size_t errlen);

/* Runs `fn` in one BEGIN IMMEDIATE transaction that also bumps the
 * generation; on any failure nothing is written. With `create` false a
 * store that does not exist yet is left alone and *missing is set. */
static sg_store_status run_write(sg_policy_store *s, bool create, bool *missing, write_fn fn, const void *arg,
                                 char *err, size_t errlen)
{
    if (!s->writable)
        return fail(SG_STORE_UNAVAILABLE, err, errlen, "policy store %s was opened read-only", s->path);
    sg_store_status st = connect_db(s, create, err, errlen);
    if (missing)
        *missing = st == SG_STORE_OK && !s->sq.q.db;
    if (st != SG_STORE_OK || !s->sq.q.db)
        return st;
    int rc = s->sq.f.exec(s->sq.q.db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return db_fail(s, s->sq.q.db, rc, err, errlen);
    st = fn(s, arg, err, errlen);
    if (st == SG_STORE_OK) {
        rc = run_sql(&s->sq.q, NULL, "UPDATE meta SET value = value + 1 WHERE key = 'generation'", NULL);
        if (sql_ok(rc))
            rc = s->sq.f.exec(s->sq.q.db, "COMMIT", NULL, NULL, NULL);
        if (!sql_ok(rc))
            st = db_fail(s, s->sq.q.db, rc, err, errlen);
    }
    if (st != SG_STORE_OK)
        s->sq.f.exec(s->sq.q.db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

/* A write that names something to remove: NOT_FOUND when nothing was removed. */
static sg_store_status removed(sg_policy_store *s, int rc, int changes, char *err, size_t errlen, const char *what,
                               const char *name)
{
    if (!sql_ok(rc))
        return db_fail(s, s->sq.q.db, rc, err, errlen);
    if (changes == 0)
        return fail(SG_STORE_NOT_FOUND, err, errlen, "no %s \"%s\"", what, name);
    return SG_STORE_OK;
}

static sg_store_status exec_or_fail(sg_policy_store *s, int rc, char *err, size_t errlen)
{
    return sql_ok(rc) ? SG_STORE_OK : db_fail(s, s->sq.q.db, rc, err, errlen);
}

static sg_store_status do_set_default_mode(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const sg_fwd_mode *mode = arg;
    return exec_or_fail(s,
                        run_sql(&s->sq.q, NULL, "UPDATE outbound_policies SET mode = ?1 WHERE is_default = 1", "t",
                                sg_fwd_mode_name(*mode)),
                        err, errlen);
}

static bool valid_mode(sg_fwd_mode mode)
{
    return mode == SG_MODE_AUTOMATIC || mode == SG_MODE_ON || mode == SG_MODE_OFF;
}

sg_store_status sg_policy_store_set_default_mode(sg_policy_store *store, sg_fwd_mode mode, char *err, size_t errlen)
{
    if (!valid_mode(mode))
        return fail(SG_STORE_INVALID, err, errlen, "invalid mode %d (expected automatic, on or off)", (int)mode);
    return run_write(store, true, NULL, do_set_default_mode, &mode, err, errlen);
}

/* Refuses a priority held by another policy, and groups that do not exist. */
static sg_store_status check_policy_refs(sg_policy_store *s, const sg_outbound_policy *op, char *err, size_t errlen)
{
    char holder[MAX_NAME_LEN + 1];
    char prio[24];
    snprintf(prio, sizeof prio, "%d", op->priority);
    int rc = query_text(&s->sq.q, "SELECT name FROM outbound_policies WHERE priority = CAST(?1 AS INTEGER)", prio,
                        holder, sizeof holder);
    if (rc != SQLITE_OK)
        return db_fail(s, s->sq.q.db, rc, err, errlen);
    if (holder[0] && strcasecmp(holder, op->name) != 0)
        return fail(SG_STORE_INVALID, err, errlen, "priority %d is already held by policy \"%s\"", op->priority,
                    holder);
    const sg_strlist *lists[] = {&op->groups, &op->exclude_groups};
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; i < lists[l]->count; i++) {
            sqlite3_int64 one;
            bool found;
            rc = query_int(&s->sq.q, "SELECT 1 FROM user_groups WHERE name = ?1", lists[l]->items[i], &one, &found);
            if (rc != SQLITE_OK)
                return db_fail(s, s->sq.q.db, rc, err, errlen);
            if (!found)
                return fail(SG_STORE_INVALID, err, errlen, "group \"%s\" does not exist", lists[l]->items[i]);
        }
    }
    return SG_STORE_OK;
}

static sg_store_status insert_scope(sg_policy_store *s, const sg_outbound_policy *op, char *err, size_t errlen)
{
    const sg_strlist *lists[NSCOPE];
    scope_lists(op, lists);
    for (size_t k = 0; k < NSCOPE; k++) {
        for (size_t i = 0; i < lists[k]->count; i++) {
            int rc = run_sql(&s->sq.q, NULL, "INSERT INTO policy_scope (policy, kind, pos, value) VALUES (?1, ?2, ?3, ?4)",
                             "ttit", op->name, scope_kinds[k], (int)i, lists[k]->items[i]);
            if (!sql_ok(rc))
                return db_fail(s, s->sq.q.db, rc, err, errlen);
        }
    }
    return SG_STORE_OK;
}

static sg_store_status do_put_policy(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const sg_outbound_policy *op = arg;
    sg_store_status st = check_policy_refs(s, op, err, errlen);
    if (st != SG_STORE_OK)
        return st;
    int rc = run_sql(&s->sq.q, NULL, "DELETE FROM policy_scope WHERE policy = ?1", "t", op->name);
    if (sql_ok(rc))
        rc = run_sql(&s->sq.q, NULL, "DELETE FROM outbound_policies WHERE name = ?1 AND is_default = 0", "t", op->name);
    if (sql_ok(rc))
        rc = run_sql(&s->sq.q, NULL,
                     "INSERT INTO outbound_policies (name, is_default, enabled, priority, mode)"
                     " VALUES (?1, 0, ?2, ?3, ?4)",
                     "tiit", op->name, op->enabled ? 1 : 0, op->priority, sg_fwd_mode_name(op->mode));
    if (!sql_ok(rc))
        return db_fail(s, s->sq.q.db, rc, err, errlen);
    return insert_scope(s, op, err, errlen);
}

/* Validates and normalises a custom policy into `n` (strings in `arena`). */
static sg_store_status normalize_policy(const sg_outbound_policy *in, sg_arena *arena, sg_outbound_policy *n,
                                       char *err, size_t errlen)
{
    if (!valid_name("policy", in->name, false, err, errlen))
        return SG_STORE_INVALID;
    if (in->is_default || strcasecmp(in->name, SG_DEFAULT_POLICY_NAME) == 0)
        return fail(SG_STORE_INVALID, err, errlen,
                    "the default policy cannot be replaced or renamed; change its mode with set-default");
    if (in->priority < 0)
        return fail(SG_STORE_INVALID, err, errlen, "invalid priority %d (0 is the highest; it must be 0 or more)",
                    in->priority);
    if (!valid_mode(in->mode))
        return fail(SG_STORE_INVALID, err, errlen, "invalid mode %d (expected automatic, on or off)", (int)in->mode);
    *n = *in;
    n->is_default = false;
    if (!normalize_list(&in->users, NORM_ADDRESS, arena, &n->users, err, errlen) ||
        !normalize_list(&in->groups, NORM_GROUP, arena, &n->groups, err, errlen) ||
        !normalize_list(&in->domains, NORM_DOMAIN, arena, &n->domains, err, errlen) ||
        !normalize_list(&in->exclude_users, NORM_ADDRESS, arena, &n->exclude_users, err, errlen) ||
        !normalize_list(&in->exclude_groups, NORM_GROUP, arena, &n->exclude_groups, err, errlen) ||
        !normalize_list(&in->exclude_domains, NORM_DOMAIN, arena, &n->exclude_domains, err, errlen))
        return SG_STORE_INVALID;
    return SG_STORE_OK;
}

sg_store_status sg_policy_store_put_policy(sg_policy_store *store, const sg_outbound_policy *policy, char *err,
                                           size_t errlen)
{
    sg_arena *arena = sg_arena_new();
    sg_outbound_policy n;
    sg_store_status st = normalize_policy(policy, arena, &n, err, errlen);
    if (st == SG_STORE_OK)
        st = run_write(store, true, NULL, do_put_policy, &n, err, errlen);
    sg_arena_free(arena);
    return st;
}

static sg_store_status do_remove_policy(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const char *name = arg;
    int changes = 0;
    int rc = run_sql(&s->sq.q, NULL, "DELETE FROM policy_scope WHERE policy = ?1", "t", name);
    if (sql_ok(rc))
        rc = run_sql(&s->sq.q, &changes, "DELETE FROM outbound_policies WHERE name = ?1 AND is_default = 0", "t", name);
    return removed(s, rc, changes, err, errlen, "policy", name);
}

/* A remove on a store that does not exist yet names nothing (and creates nothing). */
static sg_store_status remove_write(sg_policy_store *s, write_fn fn, const void *arg, const char *what,
                                    const char *name, char *err, size_t errlen)
{
    bool missing = false;
    sg_store_status st = run_write(s, false, &missing, fn, arg, err, errlen);
    if (st == SG_STORE_OK && missing)
        return fail(SG_STORE_NOT_FOUND, err, errlen, "no %s \"%s\"", what, name);
    return st;
}

sg_store_status sg_policy_store_remove_policy(sg_policy_store *store, const char *name, char *err, size_t errlen)
{
    if (name && strcasecmp(name, SG_DEFAULT_POLICY_NAME) == 0)
        return fail(SG_STORE_INVALID, err, errlen, "the default policy cannot be removed");
    if (!valid_name("policy", name, false, err, errlen))
        return SG_STORE_INVALID;
    return remove_write(store, do_remove_policy, name, "policy", name, err, errlen);
}

typedef struct {
    const char *name;
    bool match_subdomains;
} accepted_arg;

static sg_store_status do_add_accepted(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const accepted_arg *a = arg;
    return exec_or_fail(s,
                        run_sql(&s->sq.q, NULL,
                                "INSERT INTO accepted_domains (name, match_subdomains) VALUES (?1, ?2)"
                                " ON CONFLICT (name) DO UPDATE SET match_subdomains = excluded.match_subdomains",
                                "ti", a->name, a->match_subdomains ? 1 : 0),
                        err, errlen);
}

sg_store_status sg_policy_store_add_accepted_domain(sg_policy_store *store, const char *domain,
                                                    bool match_subdomains, char *err, size_t errlen)
{
    sg_arena *arena = sg_arena_new();
    accepted_arg a = {NULL, match_subdomains};
    sg_store_status st = SG_STORE_INVALID;
    if (sg_policy_normalize_domain(domain, arena, &a.name, err, errlen))
        st = run_write(store, true, NULL, do_add_accepted, &a, err, errlen);
    sg_arena_free(arena);
    return st;
}

static sg_store_status do_remove_accepted(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    int changes = 0;
    int rc = run_sql(&s->sq.q, &changes, "DELETE FROM accepted_domains WHERE name = ?1", "t", (const char *)arg);
    return removed(s, rc, changes, err, errlen, "accepted domain", arg);
}

sg_store_status sg_policy_store_remove_accepted_domain(sg_policy_store *store, const char *domain, char *err,
                                                       size_t errlen)
{
    sg_arena *arena = sg_arena_new();
    const char *name;
    sg_store_status st = SG_STORE_INVALID;
    if (sg_policy_normalize_domain(domain, arena, &name, err, errlen))
        st = remove_write(store, do_remove_accepted, name, "accepted domain", name, err, errlen);
    sg_arena_free(arena);
    return st;
}

static sg_store_status do_put_remote(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const sg_remote_domain *rd = arg;
    return exec_or_fail(s,
                        run_sql(&s->sq.q, NULL,
                                "INSERT OR REPLACE INTO remote_domains"
                                " (pattern, auto_forward, auto_reply, ndr, is_internal) VALUES (?1, ?2, ?3, ?4, ?5)",
                                "tiiii", rd->pattern, rd->auto_forward ? 1 : 0, rd->auto_reply ? 1 : 0,
                                rd->ndr ? 1 : 0, rd->is_internal ? 1 : 0),
                        err, errlen);
}

sg_store_status sg_policy_store_put_remote_domain(sg_policy_store *store, const sg_remote_domain *rd, char *err,
                                                  size_t errlen)
{
    sg_arena *arena = sg_arena_new();
    sg_remote_domain n = *rd;
    sg_store_status st = SG_STORE_INVALID;
    if (sg_policy_normalize_pattern(rd->pattern, arena, &n.pattern, err, errlen))
        st = run_write(store, true, NULL, do_put_remote, &n, err, errlen);
    sg_arena_free(arena);
    return st;
}

static sg_store_status do_remove_remote(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    int changes = 0;
    int rc = run_sql(&s->sq.q, &changes, "DELETE FROM remote_domains WHERE pattern = ?1", "t", (const char *)arg);
    return removed(s, rc, changes, err, errlen, "remote domain", arg);
}

sg_store_status sg_policy_store_remove_remote_domain(sg_policy_store *store, const char *pattern, char *err,
                                                     size_t errlen)
{
    if (pattern && strcmp(pattern, "*") == 0)
        return fail(SG_STORE_INVALID, err, errlen,
                    "the \"*\" remote domain always exists; change its flags with remote-domain set");
    sg_arena *arena = sg_arena_new();
    const char *n;
    sg_store_status st = SG_STORE_INVALID;
    if (sg_policy_normalize_pattern(pattern, arena, &n, err, errlen))
        st = remove_write(store, do_remove_remote, n, "remote domain", n, err, errlen);
    sg_arena_free(arena);
    return st;
}

typedef struct {
    const char *name;
    sg_strlist members;
} group_arg;

static sg_store_status do_put_group(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const group_arg *g = arg;
    int rc = run_sql(&s->sq.q, NULL, "INSERT OR IGNORE INTO user_groups (name) VALUES (?1)", "t", g->name);
    if (sql_ok(rc))
        rc = run_sql(&s->sq.q, NULL, "DELETE FROM group_members WHERE grp = ?1", "t", g->name);
    for (size_t i = 0; sql_ok(rc) && i < g->members.count; i++)
        rc = run_sql(&s->sq.q, NULL, "INSERT INTO group_members (grp, pos, member) VALUES (?1, ?2, ?3)", "tit", g->name,
                     (int)i, g->members.items[i]);
    return exec_or_fail(s, rc, err, errlen);
}

sg_store_status sg_policy_store_put_group(sg_policy_store *store, const char *name, const sg_strlist *members,
                                          char *err, size_t errlen)
{
    if (!valid_name("group", name, true, err, errlen))
        return SG_STORE_INVALID;
    sg_arena *arena = sg_arena_new();
    group_arg g;
    char *lower = sg_arena_strdup(arena, name);
    ascii_lower(lower);
    g.name = lower;
    sg_store_status st = SG_STORE_INVALID;
    if (normalize_list(members, NORM_ADDRESS, arena, &g.members, err, errlen))
        st = run_write(store, true, NULL, do_put_group, &g, err, errlen);
    sg_arena_free(arena);
    return st;
}

static sg_store_status do_remove_group(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const char *name = arg;
    char user[MAX_NAME_LEN + 1];
    int rc = query_text(&s->sq.q,
                        "SELECT policy FROM policy_scope WHERE kind IN ('groups', 'exclude_groups')"
                        " AND value = ?1 ORDER BY policy LIMIT 1",
                        name, user, sizeof user);
    if (rc != SQLITE_OK)
        return db_fail(s, s->sq.q.db, rc, err, errlen);
    if (user[0])
        return fail(SG_STORE_INVALID, err, errlen, "group \"%s\" is used by policy \"%s\"; change that policy first",
                    name, user);
    int changes = 0;
    rc = run_sql(&s->sq.q, NULL, "DELETE FROM group_members WHERE grp = ?1", "t", name);
    if (sql_ok(rc))
        rc = run_sql(&s->sq.q, &changes, "DELETE FROM user_groups WHERE name = ?1", "t", name);
    return removed(s, rc, changes, err, errlen, "group", name);
}

sg_store_status sg_policy_store_remove_group(sg_policy_store *store, const char *name, char *err, size_t errlen)
{
    if (!valid_name("group", name, true, err, errlen))
        return SG_STORE_INVALID;
    char *lower = sg_xstrdup(name);
    ascii_lower(lower);
    sg_store_status st = remove_write(store, do_remove_group, lower, "group", lower, err, errlen);
    free(lower);
    return st;
}

static sg_store_status do_put_org(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const sg_org_settings *org = arg;
    return exec_or_fail(s,
                        run_sql(&s->sq.q, NULL,
                                "INSERT OR REPLACE INTO org_settings (id, automatic_means, bounce_internal_senders,"
                                " bounce_rate_period, max_forward_hops) VALUES (1, ?1, ?2, ?3, ?4)",
                                "tiLi", sg_fwd_mode_name(org->automatic_means), org->bounce_internal_senders ? 1 : 0,
                                (sqlite3_int64)org->bounce_rate_period, (int)org->max_forward_hops),
                        err, errlen);
}

sg_store_status sg_policy_store_put_org(sg_policy_store *store, const sg_org_settings *org, char *err, size_t errlen)
{
    if (org->automatic_means != SG_MODE_OFF && org->automatic_means != SG_MODE_ON)
        return fail(SG_STORE_INVALID, err, errlen, "invalid automatic_means (expected off or on)");
    if (org->max_forward_hops < 1 || org->max_forward_hops > MAX_FORWARD_HOPS)
        return fail(SG_STORE_INVALID, err, errlen, "invalid max_forward_hops %u (expected 1 to %d)",
                    org->max_forward_hops, MAX_FORWARD_HOPS);
    if (org->bounce_rate_period > MAX_BOUNCE_RATE_PERIOD)
        return fail(SG_STORE_INVALID, err, errlen, "invalid bounce_rate_period %lu (expected 0 to %lu seconds)",
                    org->bounce_rate_period, MAX_BOUNCE_RATE_PERIOD);
    return run_write(store, true, NULL, do_put_org, org, err, errlen);
}
