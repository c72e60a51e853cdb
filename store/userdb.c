/* userdb.c - see userdb.h: the configuration, the lookup key of an address,
 * the passwd source, and the fallbacks applied to every source's entry. */
#include "store/userdb.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/pg_db.h"
#include "store/userdb_source.h"

#define MAX_KEY 255

typedef enum { SRC_PASSWD, SRC_FILE, SRC_SQL, SRC_LDAP } source_kind;

struct sg_userdb {
    char *name; /* the userdb value, for logs */
    source_kind kind;
    sg_userdb_file *file;
    sg_userdb_sql *sql; /* sqlite:PATH, postgresql://... */
    sg_userdb_ldap *ldap;
    char *mail_home;   /* template */
    char *format;      /* auth_username_format */
    char *delimiter;   /* recipient_delimiter */
    bool have_uid, have_gid;
    uid_t mail_uid;
    gid_t mail_gid;
    /* userdb_cache_ttl: users found in a database or the directory, kept for
     * that many seconds (not found is never kept: a user just added must not
     * be bounced) */
    unsigned cache_ttl;
    struct cached_user *cache;
    size_t ncache;
};

/* One user found, with the entry as the source gave it (malloc'ed). */
typedef struct cached_user {
    char *key;
    sg_userdb_entry e;
    time_t until;
} cached_user;

#define USERDB_CACHE_MAX 4096 /* entries; when full, the oldest one goes */

static char *dup_or_null(const char *s)
{
    return s ? sg_xstrdup(s) : NULL;
}

static void forget_user(cached_user *c)
{
    free(c->key);
    free(c->e.name);
    free(c->e.password);
    free(c->e.home);
    free(c->e.mail);
}

/* The entry of key kept and still fresh, or NULL (an expired one is dropped). */
static const sg_userdb_entry *cache_get(sg_userdb *db, const char *key, time_t now)
{
    for (size_t i = 0; i < db->ncache; i++) {
        if (strcmp(db->cache[i].key, key) != 0)
            continue;
        if (now < db->cache[i].until)
            return &db->cache[i].e;
        forget_user(&db->cache[i]);
        db->cache[i] = db->cache[--db->ncache];
        return NULL;
    }
    return NULL;
}

static void cache_put(sg_userdb *db, const char *key, const sg_userdb_entry *e, time_t now)
{
    if (!db->cache)
        db->cache = sg_xmalloc(USERDB_CACHE_MAX * sizeof *db->cache);
    size_t at = db->ncache;
    if (at == USERDB_CACHE_MAX) { /* the one that expires first */
        at = 0;
        for (size_t i = 1; i < db->ncache; i++)
            if (db->cache[i].until < db->cache[at].until)
                at = i;
        forget_user(&db->cache[at]);
    } else {
        db->ncache++;
    }
    cached_user *c = &db->cache[at];
    c->key = sg_xstrdup(key);
    c->e = (sg_userdb_entry){dup_or_null(e->name), dup_or_null(e->password), e->uid, e->gid,
                             dup_or_null(e->home), dup_or_null(e->mail)};
    c->until = now + (time_t)db->cache_ttl;
}

/* mail_uid / mail_gid: a number or a name; a user name also gives the gid
 * when mail_gid is unset. */
static bool parse_owner(sg_userdb *db, const sg_config *cfg, char *err, size_t errlen)
{
    const char *u = sg_config_get(cfg, "mail_uid"), *g = sg_config_get(cfg, "mail_gid");
    long long id;
    if (u && *u) {
        if (!sg_userdb_parse_id(u, false, &id)) {
            snprintf(err, errlen, "invalid value for mail_uid: \"%s\" (no such user)", u);
            return false;
        }
        db->mail_uid = (uid_t)id;
        db->have_uid = true;
        struct passwd *pw = isdigit((unsigned char)*u) ? NULL : getpwnam(u);
        if (pw && (!g || !*g)) {
            db->mail_gid = pw->pw_gid;
            db->have_gid = true;
        }
    }
    if (g && *g) {
        if (!sg_userdb_parse_id(g, true, &id)) {
            snprintf(err, errlen, "invalid value for mail_gid: \"%s\" (no such group)", g);
            return false;
        }
        db->mail_gid = (gid_t)id;
        db->have_gid = true;
    }
    return true;
}

/* auth_username_format: literal text and %u %n %d %%, each variable with an
 * optional L. */
static bool valid_format(const char *f)
{
    for (; *f; f++) {
        if (*f != '%')
            continue;
        if (f[1] == 'L')
            f++;
        if (f[1] != 'u' && f[1] != 'n' && f[1] != 'd' && f[1] != '%')
            return false;
        f++;
    }
    return true;
}

bool sg_userdb_open(const sg_config *cfg, sg_userdb **out, char *err, size_t errlen)
{
    *out = NULL;
    const char *spec = sg_config_get(cfg, "userdb");
    spec = spec && *spec ? spec : "passwd";
    const char *fmt = sg_config_get(cfg, "auth_username_format");
    fmt = fmt ? fmt : "%Lu";
    if (!valid_format(fmt)) {
        snprintf(err, errlen, "invalid value for auth_username_format: \"%s\" (expected %%u, %%n, %%d, %%Lu...)", fmt);
        return false;
    }
    const char *home = sg_config_get(cfg, "mail_home");
    home = home && *home ? home : SG_USERDB_DEFAULT_MAIL_HOME;
    char bad = 0;
    char *probe = sg_config_expand(home, "/", "u@d", &bad);
    if (!probe || probe[0] != '/') {
        snprintf(err, errlen, "invalid value for mail_home: \"%s\" (%s)", home,
                 probe ? "not an absolute path" : "unknown %-variable");
        free(probe);
        return false;
    }
    free(probe);
    const char *delim = sg_config_get(cfg, "recipient_delimiter");
    sg_userdb *db = sg_xmalloc(sizeof *db);
    memset(db, 0, sizeof *db);
    db->name = sg_xstrdup(spec);
    db->mail_home = sg_xstrdup(home);
    db->format = sg_xstrdup(fmt);
    db->delimiter = sg_xstrdup(delim ? delim : "+");
    bool ok = parse_owner(db, cfg, err, errlen) &&
              sg_config_get_uint(cfg, "userdb_cache_ttl", 0, 86400, &db->cache_ttl, err, errlen);
    if (ok && strcmp(spec, "passwd") == 0) {
        db->kind = SRC_PASSWD;
    } else if (ok && strncmp(spec, "passwd-file:", 12) == 0 && spec[12]) {
        db->kind = SRC_FILE;
        ok = sg_userdb_file_open(spec + 12, &db->file, err, errlen);
    } else if (ok && strncmp(spec, "sqlite:", 7) == 0 && spec[7]) {
        db->kind = SRC_SQL;
        db->sql = sg_userdb_sql_new(spec, NULL);
    } else if (ok && sg_pg_is_uri(spec)) {
        db->kind = SRC_SQL;
        ok = sg_pg_uri_check(spec, err, errlen); /* no password in the URI: postgresql_password_file */
        if (ok)
            db->sql = sg_userdb_sql_new(spec, sg_config_get(cfg, "postgresql_password_file"));
    } else if (ok && strcmp(spec, "ldap") == 0) {
        db->kind = SRC_LDAP;
        ok = sg_userdb_ldap_open(cfg, &db->ldap, err, errlen);
    } else if (ok) {
        snprintf(err, errlen,
                 "invalid value for userdb: \"%s\" (expected passwd, passwd-file:PATH, sqlite:PATH, "
                 "postgresql://... or ldap)",
                 spec);
        ok = false;
    }
    if (!ok) {
        sg_userdb_close(db);
        return false;
    }
    *out = db;
    return true;
}

void sg_userdb_close(sg_userdb *db)
{
    if (!db)
        return;
    sg_userdb_file_close(db->file);
    sg_userdb_sql_close(db->sql);
    sg_userdb_ldap_close(db->ldap);
    for (size_t i = 0; i < db->ncache; i++)
        forget_user(&db->cache[i]);
    free(db->cache);
    free(db->name);
    free(db->mail_home);
    free(db->format);
    free(db->delimiter);
    free(db);
}

const char *sg_userdb_name(const sg_userdb *db)
{
    return db->name;
}

bool sg_userdb_mail_uid(const sg_userdb *db, uid_t *uid)
{
    if (db->have_uid)
        *uid = db->mail_uid;
    return db->have_uid;
}

bool sg_userdb_mail_gid(const sg_userdb *db, gid_t *gid)
{
    if (db->have_gid)
        *gid = db->mail_gid;
    return db->have_gid;
}

static void append(char *out, size_t *o, const char *s, size_t n, bool lower)
{
    for (size_t i = 0; i < n && *o < MAX_KEY + 1; i++)
        out[(*o)++] = lower ? (char)tolower((unsigned char)s[i]) : s[i];
}

const char *sg_userdb_key(const sg_userdb *db, const char *address, sg_arena *arena, const char **detail)
{
    *detail = NULL;
    size_t len = strlen(address);
    if (len == 0 || len > MAX_KEY)
        return NULL;
    for (const char *p = address; *p; p++)
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            return NULL;
    /* RFC 5233: local part "user+detail"; the detail is not part of the user */
    const char *at = strrchr(address, '@');
    size_t local_len = at ? (size_t)(at - address) : len;
    const char *domain = at ? at + 1 : "";
    size_t user_len = local_len;
    if (*db->delimiter) {
        size_t dl = strlen(db->delimiter);
        for (size_t i = 0; i + dl <= local_len; i++)
            if (memcmp(address + i, db->delimiter, dl) == 0) {
                user_len = i;
                *detail = sg_arena_strndup(arena, address + i + dl, local_len - i - dl);
                break;
            }
    }
    if (user_len == 0)
        return NULL;
    char buf[MAX_KEY + 2];
    size_t o = 0;
    for (const char *f = db->format; *f; f++) {
        if (*f != '%') {
            append(buf, &o, f, 1, false);
            continue;
        }
        bool lower = f[1] == 'L';
        if (lower)
            f++;
        f++;
        if (*f == 'u') {
            append(buf, &o, address, user_len, lower);
            if (at) {
                append(buf, &o, "@", 1, false);
                append(buf, &o, domain, strlen(domain), lower);
            }
        } else if (*f == 'n') {
            append(buf, &o, address, user_len, lower);
        } else if (*f == 'd') {
            append(buf, &o, domain, strlen(domain), lower);
        } else {
            append(buf, &o, "%", 1, false);
        }
    }
    if (o == 0 || o > MAX_KEY)
        return NULL;
    return sg_arena_strndup(arena, buf, o);
}

/* A template expanded for the user (%u %n %d), in arena. */
static const char *expand(const char *tmpl, const char *user, sg_arena *arena)
{
    char *s = sg_config_expand(tmpl, NULL, user, NULL);
    if (!s)
        return NULL;
    const char *copy = sg_arena_strdup(arena, s);
    free(s);
    return copy;
}

/* The entry with the fallbacks of the configuration. */
static sg_userdb_status complete(sg_userdb *db, const char *key, const sg_userdb_entry *e, sg_arena *arena,
                                 sg_userdb_user *out, char *err, size_t errlen)
{
    out->user = key;
    if (e->uid >= 0)
        out->uid = (uid_t)e->uid;
    else if (db->have_uid)
        out->uid = db->mail_uid;
    else {
        snprintf(err, errlen, "user %s has no uid and mail_uid is not set", key);
        return SG_USERDB_TEMPFAIL;
    }
    if (e->gid >= 0)
        out->gid = (gid_t)e->gid;
    else if (db->have_gid)
        out->gid = db->mail_gid;
    else {
        snprintf(err, errlen, "user %s has no gid and mail_gid is not set", key);
        return SG_USERDB_TEMPFAIL;
    }
    out->home = expand(e->home ? e->home : db->mail_home, key, arena);
    if (!out->home || out->home[0] != '/') {
        snprintf(err, errlen, "user %s: home \"%s\" is not an absolute path", key, e->home ? e->home : db->mail_home);
        return SG_USERDB_TEMPFAIL;
    }
    out->mail = e->mail ? sg_arena_strdup(arena, e->mail) : NULL;
    out->password = e->password ? sg_arena_strdup(arena, e->password) : "";
    return SG_USERDB_FOUND;
}

static sg_userdb_status lookup_passwd(const char *key, sg_arena *arena, sg_userdb_user *out, char *err,
                                      size_t errlen)
{
    const char *at = strchr(key, '@');
    const char *name = at ? sg_arena_strndup(arena, key, (size_t)(at - key)) : key;
    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        if (errno && errno != ENOENT && errno != ESRCH && errno != EBADF && errno != EPERM) {
            snprintf(err, errlen, "userdb passwd: getpwnam(%s): %s", name, strerror(errno));
            return SG_USERDB_TEMPFAIL;
        }
        return SG_USERDB_NOTFOUND;
    }
    out->user = sg_arena_strdup(arena, pw->pw_name);
    out->uid = pw->pw_uid;
    out->gid = pw->pw_gid;
    out->home = sg_arena_strdup(arena, pw->pw_dir);
    out->mail = NULL;
    out->password = "";
    return SG_USERDB_FOUND;
}

sg_userdb_status sg_userdb_lookup(sg_userdb *db, const char *address, sg_arena *arena, sg_userdb_user *out,
                                  char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *detail;
    const char *key = sg_userdb_key(db, address, arena, &detail);
    if (!key)
        return SG_USERDB_NOTFOUND;
    sg_userdb_status st;
    if (db->kind == SRC_PASSWD) {
        st = lookup_passwd(key, arena, out, err, errlen);
    } else if (db->kind == SRC_FILE) {
        const sg_userdb_entry *e;
        st = sg_userdb_file_lookup(db->file, key, &e, err, errlen);
        if (st == SG_USERDB_FOUND)
            st = complete(db, key, e, arena, out, err, errlen);
    } else {
        time_t now = time(NULL);
        const sg_userdb_entry *kept = db->cache_ttl ? cache_get(db, key, now) : NULL;
        sg_userdb_entry e;
        if (kept) {
            e = *kept;
            st = SG_USERDB_FOUND;
        } else {
            st = db->kind == SRC_SQL ? sg_userdb_sql_lookup(db->sql, key, arena, &e, err, errlen)
                                     : sg_userdb_ldap_lookup(db->ldap, key, arena, &e, err, errlen);
            if (st == SG_USERDB_FOUND && db->cache_ttl)
                cache_put(db, key, &e, now);
        }
        if (st == SG_USERDB_FOUND)
            st = complete(db, key, &e, arena, out, err, errlen);
    }
    if (st == SG_USERDB_FOUND)
        out->detail = detail;
    return st;
}
