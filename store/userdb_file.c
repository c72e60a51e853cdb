/* userdb_file.c - the passwd-file source of store/userdb.h: Dovecot's
 * "user:password:uid:gid:gecos:home:shell:extra" lines, parsed strictly
 * (FILE:LINE for the first malformed line), kept sorted in memory and read
 * again when the file changes. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/attr.h"
#include "base/read_fd.h"
#include "store/userdb_source.h"

#define MAX_FILE ((size_t)256 << 20)
#define MAX_NAME 255

struct sg_userdb_file {
    char *path;
    sg_arena *arena; /* the entries of the current contents */
    sg_userdb_entry *entries;
    size_t n;
    struct stat st;  /* of the contents loaded */
    bool stale;      /* the file changed and could not be read again */
    struct stat failed_st; /* of the contents that failed, not read again until they change */
};

static bool line_error(char *err, size_t errlen, const char *file, size_t line, const char *fmt, ...) SG_PRINTF(5, 6);
static bool line_error(char *err, size_t errlen, const char *file, size_t line, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s:%zu: %s", file, line, why);
    return false;
}

bool sg_userdb_parse_id(const char *s, bool group, long long *out)
{
    if (!*s) {
        *out = -1;
        return true;
    }
    if (isdigit((unsigned char)*s)) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (*end || errno || v > 0x7fffffffULL)
            return false;
        *out = (long long)v;
        return true;
    }
    if (group) {
        struct group *gr = getgrnam(s);
        if (!gr)
            return false;
        *out = gr->gr_gid;
    } else {
        struct passwd *pw = getpwnam(s);
        if (!pw)
            return false;
        *out = pw->pw_uid;
    }
    return true;
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > MAX_NAME)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f)
            return false;
    return true;
}

/* The extra fields: space-separated KEY=VALUE (or a bare flag). */
static bool parse_extra(char *s, sg_userdb_entry *e, const char *file, size_t line, char *err, size_t errlen)
{
    char *save = NULL;
    for (char *tok = strtok_r(s, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue; /* a flag such as "nopassword": nothing for delivery */
        *eq = '\0';
        const char *key = tok, *val = eq + 1;
        if (strncmp(key, "userdb_", 7) == 0)
            key += 7;
        if (strcmp(key, "mail") == 0) {
            if (!*val)
                return line_error(err, errlen, file, line, "empty userdb_mail");
            e->mail = (char *)val;
        } else if (strcmp(key, "home") == 0) {
            e->home = (char *)val;
        } else if (strcmp(key, "uid") == 0 || strcmp(key, "gid") == 0) {
            bool gid = key[0] == 'g';
            if (!*val || !sg_userdb_parse_id(val, gid, gid ? &e->gid : &e->uid))
                return line_error(err, errlen, file, line, "invalid %s \"%s\"", key, val);
        }
    }
    return true;
}

/* One line, split in place (it lives in the arena). */
static bool parse_line(char *s, sg_userdb_entry *e, const char *file, size_t line, char *err, size_t errlen)
{
    char *f[8] = {NULL};
    size_t nf = 0;
    f[nf++] = s;
    for (char *p = s; *p && nf < 8; p++)
        if (*p == ':') {
            *p = '\0';
            f[nf++] = p + 1;
        }
    memset(e, 0, sizeof *e);
    e->name = f[0];
    if (!valid_name(e->name))
        return line_error(err, errlen, file, line, "invalid user name \"%.64s\"", e->name);
    e->password = f[1] ? f[1] : "";
    if (!sg_userdb_parse_id(f[2] ? f[2] : "", false, &e->uid))
        return line_error(err, errlen, file, line, "invalid uid \"%.64s\"", f[2]);
    if (!sg_userdb_parse_id(f[3] ? f[3] : "", true, &e->gid))
        return line_error(err, errlen, file, line, "invalid gid \"%.64s\"", f[3]);
    e->home = f[5] && *f[5] ? f[5] : NULL;
    if (f[7] && !parse_extra(f[7], e, file, line, err, errlen))
        return false;
    if (e->home && e->home[0] != '/' && e->home[0] != '%')
        return line_error(err, errlen, file, line, "home \"%.64s\" is not an absolute path", e->home);
    return true;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const sg_userdb_entry *)a)->name, ((const sg_userdb_entry *)b)->name);
}

bool sg_userdb_parse_passwd_file(const char *file, const char *text, size_t len, sg_arena *arena,
                                 sg_userdb_entry **entries, size_t *n, char *err, size_t errlen)
{
    *entries = NULL;
    *n = 0;
    size_t cap = 0, count = 0, lineno = 0;
    sg_userdb_entry *v = NULL;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        lineno++;
        size_t l = (size_t)(e - p);
        if (l && p[l - 1] == '\r')
            l--;
        if (memchr(p, '\0', l))
            return line_error(err, errlen, file, lineno, "NUL character");
        char *s = sg_arena_strndup(arena, p, l);
        p = nl ? nl + 1 : end;
        const char *t = s;
        while (*t == ' ' || *t == '\t')
            t++;
        if (!*t || *t == '#')
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            sg_userdb_entry *grown = sg_arena_alloc(arena, cap * sizeof *grown);
            if (count)
                memcpy(grown, v, count * sizeof *grown);
            v = grown;
        }
        if (!parse_line(s, &v[count], file, lineno, err, errlen))
            return false;
        count++;
    }
    if (count)
        qsort(v, count, sizeof *v, by_name);
    for (size_t i = 1; i < count; i++)
        if (strcmp(v[i - 1].name, v[i].name) == 0) {
            /* name the later line: find it again (rare, only on error) */
            size_t ln = 0, seen = 0;
            for (const char *q = text; q < end;) {
                const char *nl = memchr(q, '\n', (size_t)(end - q));
                size_t l = nl ? (size_t)(nl - q) : (size_t)(end - q);
                size_t nl_len = strlen(v[i].name);
                ln++;
                if (l > nl_len && memcmp(q, v[i].name, nl_len) == 0 && q[nl_len] == ':' && ++seen == 2)
                    break;
                q = nl ? nl + 1 : end;
            }
            return line_error(err, errlen, file, ln, "duplicate user \"%s\"", v[i].name);
        }
    *entries = v;
    *n = count;
    return true;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Reads the file into a new arena; replaces the contents only on success. */
static bool load(sg_userdb_file *f, char *err, size_t errlen)
{
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "userdb %s: %s", f->path, strerror(errno));
        return false;
    }
    struct stat st;
    char *data = NULL;
    size_t len = 0;
    int rc = fstat(fd, &st) != 0 ? errno : sg_read_fd(fd, (size_t)st.st_size, MAX_FILE, &data, &len);
    close(fd);
    if (rc || len > MAX_FILE) {
        snprintf(err, errlen, "userdb %s: %s", f->path, rc ? strerror(rc) : "larger than 256 MiB");
        free(data);
        return false;
    }
    sg_arena *arena = sg_arena_new();
    sg_userdb_entry *entries;
    size_t n;
    bool ok = sg_userdb_parse_passwd_file(f->path, data, len, arena, &entries, &n, err, errlen);
    free(data);
    if (!ok) {
        sg_arena_free(arena);
        f->failed_st = st;
        return false;
    }
    sg_arena_free(f->arena);
    f->arena = arena;
    f->entries = entries;
    f->n = n;
    f->st = st;
    f->stale = false;
    return true;
}

bool sg_userdb_file_open(const char *path, sg_userdb_file **out, char *err, size_t errlen)
{
    sg_userdb_file *f = sg_xmalloc(sizeof *f);
    memset(f, 0, sizeof *f);
    f->path = sg_xstrdup(path);
    if (!load(f, err, errlen)) {
        sg_userdb_file_close(f);
        *out = NULL;
        return false;
    }
    *out = f;
    return true;
}

void sg_userdb_file_close(sg_userdb_file *f)
{
    if (!f)
        return;
    sg_arena_free(f->arena);
    free(f->path);
    free(f);
}

sg_userdb_status sg_userdb_file_lookup(sg_userdb_file *f, const char *key, const sg_userdb_entry **entry, char *err,
                                       size_t errlen)
{
    *entry = NULL;
    struct stat st;
    char why[512] = "";
    if (stat(f->path, &st) != 0) {
        snprintf(why, sizeof why, "userdb %s: %s", f->path, strerror(errno));
        f->stale = true;
    } else if (!same_file(&st, &f->st)) {
        /* changed: read again, unless this very version already failed */
        if (f->stale && same_file(&st, &f->failed_st))
            snprintf(why, sizeof why, "userdb %s is malformed; using its previous contents", f->path);
        else if (!load(f, why, sizeof why))
            f->stale = true;
    }
    sg_userdb_entry probe;
    memset(&probe, 0, sizeof probe);
    probe.name = (char *)key;
    const sg_userdb_entry *e = f->n ? bsearch(&probe, f->entries, f->n, sizeof *f->entries, by_name) : NULL;
    if (e) {
        *entry = e;
        return SG_USERDB_FOUND;
    }
    if (f->stale) {
        snprintf(err, errlen, "%s", *why ? why : "userdb file unreadable");
        return SG_USERDB_TEMPFAIL; /* the new contents may hold the user: no 550 on a guess */
    }
    return SG_USERDB_NOTFOUND;
}
