/* maildir.c - see maildir.h. */
#include "engine/deliver/maildir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "grammar/diag.h"
#include "base/base64.h"
#include "base/read_fd.h"
#include "base/utf8.h"

#define NAME_LIMIT 255 /* bytes of a mailbox name, and of a directory entry (NAME_MAX) */
#define MUTF7_CHUNK 48 /* UTF-16 bytes base64-encoded at once: a multiple of 3 (and of 2) */
#define HOST_LIMIT 100 /* bytes of the escaped host name in unique names */
#define KEYWORDS_MAX 26 /* letters a..z */
#define KEYWORDS_FILE "dovecot-keywords"
#define KEYWORDS_LOCK "dovecot-keywords.lock"
#define KEYWORDS_LOCK_STALE 120 /* seconds, Dovecot's KEYWORDS_LOCK_STALE_TIMEOUT */
#define KEYWORDS_LOCK_WAIT_MS 10000
#define KEYWORDS_FILE_LIMIT (1 << 20)
#define WRITE_CHUNK 65536
#define DIR_MODE 0700
#define FILE_MODE 0600
#define OPEN_DIR (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* The system flags in the ASCII order of their letters (the Maildir info). */
static const struct {
    const char *name;
    char letter;
} system_flags[] = {
    {"\\Draft", 'D'}, {"\\Flagged", 'F'}, {"\\Answered", 'R'}, {"\\Seen", 'S'}, {"\\Deleted", 'T'},
};
#define NSYSTEM (sizeof system_flags / sizeof system_flags[0])

/* The Q<n> of unique names: unique within the process, whatever the clock does. */
static atomic_uint name_counter;

typedef struct copy {
    char *mailbox;     /* as added */
    char *folder;      /* "" (INBOX) or ".Name" */
    int dirfd, tmpfd, newfd, curfd;
    char *tmp_name;    /* in tmp/ */
    char *final_name;  /* in new/ or cur/, once renamed */
    char *path;        /* full path: in tmp/ until renamed */
    unsigned sysflags; /* bit i = system_flags[i] */
    uint32_t keywords; /* bit i = letter 'a' + i */
    bool written, renamed;
    /* The bytes as added (the caller's, valid until commit), to find a later
     * copy with the same bytes; fd: the written file, open until it is
     * fsynced at commit; -1 for a copy that is a hard link to another. */
    const char *prefix, *data;
    size_t prefix_len, len;
    int fd;
    bool linked;
} copy;

struct sg_maildir_txn {
    char *root;
    int rootfd;
    sg_maildir_options opt;
    char host[HOST_LIMIT + 1]; /* escaped: '/' -> \057, ':' -> \072 */
    const char *prefix, *data;
    size_t prefix_len, len;
    size_t size; /* on disk, CRLF written as LF */
    copy *copies;
    size_t count, cap;
    bool failed, committed;
};

const char *sg_maildir_status_name(sg_maildir_status s)
{
    switch (s) {
    case SG_MAILDIR_OK: return "ok";
    case SG_MAILDIR_REFUSED: return "refused";
    case SG_MAILDIR_NOTFOUND: return "notfound";
    case SG_MAILDIR_TEMPFAIL: return "tempfail";
    }
    return "unknown";
}

static void set_err(sg_maildir_error *err, int errnum, const char *fmt, ...) SG_PRINTF(3, 4);
static void set_err(sg_maildir_error *err, int errnum, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->errnum = errnum;
}

static void clear_err(sg_maildir_error *err)
{
    if (err) {
        err->errnum = 0;
        err->message[0] = '\0';
    }
}

/* A name for messages: control characters and bytes past 64 become '?' / "...". */
static const char *printable(const char *name, char *buf, size_t size)
{
    size_t o = 0;
    const char *p = name;
    for (; *p && o + 4 < size; p++)
        buf[o++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
    if (*p) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

/* root + "/" + each non-empty part, malloc'ed. */
static char *join_path(const char *root, const char *a, const char *b, const char *c)
{
    const char *parts[] = {a, b, c};
    size_t n = strlen(root) + 1;
    for (size_t i = 0; i < 3; i++)
        n += parts[i] ? strlen(parts[i]) + 1 : 0;
    char *s = sg_xmalloc(n);
    size_t o = strlen(root);
    memcpy(s, root, o);
    for (size_t i = 0; i < 3; i++) {
        if (!parts[i] || !*parts[i])
            continue;
        if (o == 0 || s[o - 1] != '/')
            s[o++] = '/';
        size_t l = strlen(parts[i]);
        memcpy(s + o, parts[i], l);
        o += l;
    }
    s[o] = '\0';
    return s;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int fsync_fd(int fd)
{
    while (fsync(fd) != 0) {
        if (errno != EINTR)
            return errno;
    }
    return 0;
}

/* ---- mailbox names ---- */

/* Appends n bytes of text to out[*o..outlen), keeping room for a NUL. */
static bool append(char *out, size_t outlen, size_t *o, const char *text, size_t n)
{
    if (*o + n >= outlen)
        return false;
    memcpy(out + *o, text, n);
    *o += n;
    return true;
}

/* Appends the modified BASE64 of u[0..n) (RFC 3501 §5.1.3). */
static bool append_base64(char *out, size_t outlen, size_t *o, const unsigned char *u, size_t n)
{
    char text[SG_BASE64_ENCODED_SIZE(MUTF7_CHUNK)];
    return append(out, outlen, o, text, sg_base64_encode(u, n, SG_BASE64_IMAP, text));
}

/* RFC 3501 §5.1.3: printable ASCII as itself ('&' as "&-"), every other run
 * as '&' + modified BASE64 of its UTF-16 (big-endian, RFC 2781) + '-'. s is
 * valid UTF-8 without control characters. False when out is too small. */
static bool mutf7_encode(const char *s, char *out, size_t outlen)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0, o = 0;
    while (i < len) {
        if (p[i] < 0x80) {
            if (!append(out, outlen, &o, s + i, 1) || (p[i] == '&' && !append(out, outlen, &o, "-", 1)))
                return false;
            i++;
            continue;
        }
        if (!append(out, outlen, &o, "&", 1))
            return false;
        /* The run's UTF-16 in chunks of MUTF7_CHUNK bytes, a multiple of 3:
         * each chunk encodes to whole characters, as the run would at once. */
        unsigned char u[MUTF7_CHUNK];
        size_t nu = 0;
        while (i < len && p[i] >= 0x80) {
            uint32_t cp = sg_utf8_next(p, len, &i);
            uint16_t units[2] = {(uint16_t)cp, 0};
            int n = 1;
            if (cp >= 0x10000) {
                cp -= 0x10000;
                units[0] = (uint16_t)(0xd800 + (cp >> 10));
                units[1] = (uint16_t)(0xdc00 + (cp & 0x3ff));
                n = 2;
            }
            for (int k = 0; k < n; k++) {
                u[nu++] = (unsigned char)(units[k] >> 8);
                u[nu++] = (unsigned char)units[k];
                if (nu == MUTF7_CHUNK) {
                    if (!append_base64(out, outlen, &o, u, nu))
                        return false;
                    nu = 0;
                }
            }
        }
        if (!append_base64(out, outlen, &o, u, nu) || !append(out, outlen, &o, "-", 1))
            return false;
    }
    out[o] = '\0';
    return true;
}

sg_maildir_status sg_maildir_folder_dir(const char *name, char *out, size_t outlen, sg_maildir_error *err)
{
    char shown[80];
    clear_err(err);
    if (!name || !*name) {
        set_err(err, EINVAL, "empty mailbox name refused");
        return SG_MAILDIR_REFUSED;
    }
    size_t n = strlen(name);
    if (n > NAME_LIMIT) {
        set_err(err, ENAMETOOLONG, "mailbox name \"%s\" refused: longer than %d bytes",
                printable(name, shown, sizeof shown), NAME_LIMIT);
        return SG_MAILDIR_REFUSED;
    }
    if (sg_utf8_invalid_at(name, n) != n) {
        set_err(err, EILSEQ, "mailbox name \"%s\" refused: not valid UTF-8", printable(name, shown, sizeof shown));
        return SG_MAILDIR_REFUSED;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i], d = (unsigned char)name[i + 1];
        if (c < 0x20 || c == 0x7f || (c == 0xc2 && d >= 0x80 && d <= 0x9f)) {
            set_err(err, EINVAL, "mailbox name \"%s\" refused: it holds a control character",
                    printable(name, shown, sizeof shown));
            return SG_MAILDIR_REFUSED;
        }
    }
    if (strcasecmp(name, "INBOX") == 0) {
        if (outlen < 1) {
            set_err(err, ENAMETOOLONG, "no room for the folder name");
            return SG_MAILDIR_REFUSED;
        }
        out[0] = '\0';
        return SG_MAILDIR_OK;
    }
    if (name[0] == '/') {
        set_err(err, EINVAL, "mailbox name \"%s\" refused: an absolute path", printable(name, shown, sizeof shown));
        return SG_MAILDIR_REFUSED;
    }
    if (name[0] == '.') {
        set_err(err, EINVAL, "mailbox name \"%s\" refused: it starts with '.'", printable(name, shown, sizeof shown));
        return SG_MAILDIR_REFUSED;
    }
    /* '/' and '.' both separate hierarchy levels on disk: none may be empty,
     * which also rules out "." and ".." levels. */
    for (size_t i = 0; i < n; i++) {
        bool sep = name[i] == '/' || name[i] == '.';
        bool next_sep = i + 1 == n || name[i + 1] == '/' || name[i + 1] == '.';
        if (sep && next_sep) {
            set_err(err, EINVAL, "mailbox name \"%s\" refused: an empty hierarchy level (\"..\", \"//\" or a trailing separator)",
                    printable(name, shown, sizeof shown));
            return SG_MAILDIR_REFUSED;
        }
    }
    char plain[NAME_LIMIT + 2];
    plain[0] = '.';
    for (size_t i = 0; i <= n; i++)
        plain[i + 1] = name[i] == '/' ? '.' : name[i];
    char encoded[NAME_LIMIT + 1];
    if (!mutf7_encode(plain, encoded, sizeof encoded)) {
        set_err(err, ENAMETOOLONG, "mailbox name \"%s\" refused: longer than %d bytes once encoded",
                printable(name, shown, sizeof shown), NAME_LIMIT);
        return SG_MAILDIR_REFUSED;
    }
    size_t e = strlen(encoded);
    if (e + 1 > outlen) {
        set_err(err, ENAMETOOLONG, "mailbox name \"%s\" refused: no room for its folder name",
                printable(name, shown, sizeof shown));
        return SG_MAILDIR_REFUSED;
    }
    memcpy(out, encoded, e + 1);
    return SG_MAILDIR_OK;
}

bool sg_maildir_location_root(const char *location, sg_arena *arena, const char **root, char *err, size_t errlen)
{
    *root = NULL;
    if (!location || strncmp(location, "maildir:", 8) != 0) {
        snprintf(err, errlen, "mail_location \"%s\" is not supported: only maildir:PATH is",
                 location ? location : "");
        return false;
    }
    const char *p = location + 8;
    size_t n = strlen(p);
    char *path = sg_arena_alloc_bytes(arena, n + 1);
    size_t o = 0;
    /* Dovecot: a ':' in the path is written "::". */
    while (*p && !(*p == ':' && p[1] != ':')) {
        if (*p == ':')
            p++;
        path[o++] = *p++;
    }
    path[o] = '\0';
    while (*p == ':') {
        const char *opt = ++p;
        size_t len = strcspn(opt, ":");
        p = opt + len;
        if (len >= 7 && strncasecmp(opt, "LAYOUT=", 7) == 0) {
            if (!(len == 16 && strncasecmp(opt + 7, "maildir++", 9) == 0)) {
                snprintf(err, errlen, "mail_location: %.*s is not supported (only LAYOUT=Maildir++)", (int)len, opt);
                return false;
            }
        } else if ((len >= 6 && strncasecmp(opt, "INBOX=", 6) == 0) || (len == 5 && strncasecmp(opt, "UTF-8", 5) == 0)) {
            snprintf(err, errlen, "mail_location: %.*s is not supported", (int)len, opt);
            return false;
        }
    }
    if (path[0] != '/') {
        snprintf(err, errlen, "mail_location \"%s\": the Maildir path must be absolute", location);
        return false;
    }
    *root = path;
    return true;
}

/* ---- the transaction ---- */

/* mkdir -p, mode 0700, for the root. 0 or errno (path in err). */
static int make_root(const char *root, sg_maildir_error *err)
{
    size_t n = strlen(root);
    char *path = sg_xmalloc(n + 1);
    memcpy(path, root, n + 1);
    int rc = 0;
    for (size_t i = 1; i <= n && rc == 0; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        if (path[i - 1] == '/')
            continue;
        char saved = path[i];
        path[i] = '\0';
        struct stat st;
        if (stat(path, &st) != 0 && (errno != ENOENT || mkdir(path, DIR_MODE) != 0) && errno != EEXIST) {
            rc = errno;
            set_err(err, rc, "mkdir(%s): %s", path, strerror(rc));
        }
        path[i] = saved;
    }
    free(path);
    return rc;
}

/* tmp/, new/, cur/ under dirfd: created when missing (then *made is set),
 * refused when a symlink or not a directory. */
static sg_maildir_status make_subdirs(const sg_maildir_txn *t, int dirfd, const char *folder, bool *made,
                                      sg_maildir_error *err)
{
    static const char *const subs[] = {"tmp", "new", "cur"};
    for (size_t i = 0; i < 3; i++) {
        struct stat st;
        if (fstatat(dirfd, subs[i], &st, AT_SYMLINK_NOFOLLOW) != 0) {
            int e = errno;
            if (e == ENOENT && mkdirat(dirfd, subs[i], DIR_MODE) == 0) {
                *made = true;
                continue;
            }
            e = e == ENOENT ? errno : e;
            if (e == EEXIST)
                continue; /* made by a concurrent delivery */
            char *p = join_path(t->root, folder, subs[i], NULL);
            set_err(err, e, "mkdir(%s): %s", p, strerror(e));
            free(p);
            return SG_MAILDIR_TEMPFAIL;
        }
        if (!S_ISDIR(st.st_mode)) {
            char *p = join_path(t->root, folder, subs[i], NULL);
            set_err(err, ENOTDIR, "%s is %s, not a Maildir directory: refused", p,
                    S_ISLNK(st.st_mode) ? "a symbolic link" : "not a directory");
            free(p);
            return SG_MAILDIR_REFUSED;
        }
    }
    return SG_MAILDIR_OK;
}

static void escape_host(const char *in, char *out)
{
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 4 <= HOST_LIMIT; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '/' || c == ':' || c <= 0x20 || c >= 0x7f || c == '\\') {
            snprintf(out + o, 5, "\\%03o", c);
            o += 4;
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    if (o == 0)
        strcpy(out, "localhost");
}

/* The byte at index i of prefix + data. */
static inline unsigned char byte_at(const sg_maildir_txn *t, size_t i)
{
    return (unsigned char)(i < t->prefix_len ? t->prefix[i] : t->data[i - t->prefix_len]);
}

void sg_maildir_set_message(sg_maildir_txn *t, const char *prefix, size_t prefix_len, const char *data, size_t len)
{
    t->prefix = prefix ? prefix : "";
    t->prefix_len = prefix ? prefix_len : 0;
    t->data = data ? data : "";
    t->len = data ? len : 0;
    size_t total = t->prefix_len + t->len, crlf = 0;
    for (size_t i = 0; i + 1 < total; i++)
        if (byte_at(t, i) == '\r' && byte_at(t, i + 1) == '\n')
            crlf++;
    t->size = total - crlf;
}

sg_maildir_status sg_maildir_begin(const char *root, const sg_maildir_options *opt, const char *prefix,
                                   size_t prefix_len, const char *data, size_t len, sg_maildir_txn **txn,
                                   sg_maildir_error *err)
{
    *txn = NULL;
    clear_err(err);
    if (!root || root[0] != '/') {
        set_err(err, EINVAL, "the Maildir path \"%s\" is not absolute", root ? root : "");
        return SG_MAILDIR_TEMPFAIL;
    }
    if (make_root(root, err) != 0)
        return SG_MAILDIR_TEMPFAIL;
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* the root may be a symlink */
    if (rootfd < 0) {
        int e = errno;
        set_err(err, e, "open(%s): %s", root, strerror(e));
        return SG_MAILDIR_TEMPFAIL;
    }
    sg_maildir_txn *t = sg_xmalloc(sizeof *t);
    memset(t, 0, sizeof *t);
    t->root = sg_xstrdup(root);
    t->rootfd = rootfd;
    if (opt)
        t->opt = *opt;
    t->opt.hostname = NULL;
    char host[256] = "";
    if (opt && opt->hostname && *opt->hostname)
        snprintf(host, sizeof host, "%s", opt->hostname);
    else if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    host[sizeof host - 1] = '\0';
    escape_host(host, t->host);
    sg_maildir_set_message(t, prefix, prefix_len, data, len);
    bool made = false;
    sg_maildir_status st = make_subdirs(t, rootfd, "", &made, err);
    int e = st == SG_MAILDIR_OK && made && !t->opt.no_fsync ? fsync_fd(rootfd) : 0;
    if (e) {
        set_err(err, e, "fsync(%s): %s", root, strerror(e));
        st = SG_MAILDIR_TEMPFAIL;
    }
    if (st != SG_MAILDIR_OK) {
        sg_maildir_free(t);
        return st == SG_MAILDIR_REFUSED ? SG_MAILDIR_TEMPFAIL : st; /* no INBOX to fall back to */
    }
    *txn = t;
    return SG_MAILDIR_OK;
}

/* Removes every copy written or renamed; the transaction is spoiled. */
static void rollback(sg_maildir_txn *t)
{
    for (size_t i = t->count; i-- > 0;) {
        copy *c = &t->copies[i];
        if (c->renamed) {
            int dest = c->sysflags || c->keywords ? c->curfd : c->newfd;
            if (unlinkat(dest, c->final_name, 0) == 0 && !t->opt.no_fsync)
                fsync_fd(dest);
            c->renamed = false;
        } else if (c->written) {
            unlinkat(c->tmpfd, c->tmp_name, 0);
        }
        c->written = false;
    }
    t->failed = true;
}

static sg_maildir_status fail(sg_maildir_txn *t)
{
    rollback(t);
    return SG_MAILDIR_TEMPFAIL;
}

/* Opens (maybe creates) the folder and its tmp/ new/ cur/ into c. */
static sg_maildir_status open_folder(sg_maildir_txn *t, copy *c, bool create, sg_maildir_error *err)
{
    char shown[80];
    bool created = false;
    if (!*c->folder) {
        c->dirfd = fcntl(t->rootfd, F_DUPFD_CLOEXEC, 0);
        if (c->dirfd < 0) {
            int e = errno;
            set_err(err, e, "dup(%s): %s", t->root, strerror(e));
            return SG_MAILDIR_TEMPFAIL;
        }
    } else {
        c->dirfd = openat(t->rootfd, c->folder, OPEN_DIR);
        if (c->dirfd < 0 && errno == ENOENT) {
            if (!create && !t->opt.autocreate) {
                char *p = join_path(t->root, c->folder, NULL, NULL);
                set_err(err, ENOENT, "mailbox \"%s\" does not exist (%s) and may not be created",
                        printable(c->mailbox, shown, sizeof shown), p);
                free(p);
                return SG_MAILDIR_NOTFOUND;
            }
            if (mkdirat(t->rootfd, c->folder, DIR_MODE) == 0)
                created = true;
            else if (errno != EEXIST) {
                int e = errno;
                char *p = join_path(t->root, c->folder, NULL, NULL);
                set_err(err, e, "mkdir(%s): %s", p, strerror(e));
                free(p);
                return SG_MAILDIR_TEMPFAIL;
            }
            c->dirfd = openat(t->rootfd, c->folder, OPEN_DIR);
        }
        if (c->dirfd < 0) {
            int e = errno;
            char *p = join_path(t->root, c->folder, NULL, NULL);
            if (e == ELOOP || e == ENOTDIR) {
                struct stat st;
                bool link = fstatat(t->rootfd, c->folder, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
                set_err(err, link ? ELOOP : ENOTDIR, "mailbox \"%s\" refused: %s is %s",
                        printable(c->mailbox, shown, sizeof shown), p,
                        link ? "a symbolic link" : "not a directory");
                free(p);
                return SG_MAILDIR_REFUSED;
            }
            set_err(err, e, "open(%s): %s", p, strerror(e));
            free(p);
            return SG_MAILDIR_TEMPFAIL;
        }
    }
    sg_maildir_status st = make_subdirs(t, c->dirfd, c->folder, &created, err);
    if (st != SG_MAILDIR_OK)
        return st;
    if (created && *c->folder) {
        /* a new (or repaired) Maildir++ folder is marked as one, durably */
        int fd = openat(c->dirfd, "maildirfolder", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
        int e = fd < 0 ? errno : 0;
        if (fd >= 0)
            close(fd);
        if (!e && !t->opt.no_fsync && (e = fsync_fd(c->dirfd)) == 0)
            e = fsync_fd(t->rootfd);
        if (e) {
            char *p = join_path(t->root, c->folder, "maildirfolder", NULL);
            set_err(err, e, "creating %s: %s", p, strerror(e));
            free(p);
            return SG_MAILDIR_TEMPFAIL;
        }
    } else if (created && !t->opt.no_fsync) {
        int e = fsync_fd(c->dirfd);
        if (e) {
            set_err(err, e, "fsync(%s): %s", t->root, strerror(e));
            return SG_MAILDIR_TEMPFAIL;
        }
    }
    static const char *const subs[] = {"tmp", "new", "cur"};
    int *fds[] = {&c->tmpfd, &c->newfd, &c->curfd};
    for (size_t i = 0; i < 3; i++) {
        *fds[i] = openat(c->dirfd, subs[i], OPEN_DIR);
        if (*fds[i] < 0) {
            int e = errno;
            char *p = join_path(t->root, c->folder, subs[i], NULL);
            set_err(err, e, "open(%s): %s", p, strerror(e));
            free(p);
            return e == ELOOP || e == ENOTDIR ? SG_MAILDIR_REFUSED : SG_MAILDIR_TEMPFAIL;
        }
    }
    return SG_MAILDIR_OK;
}

/* ---- flags and dovecot-keywords ---- */

typedef struct keyword_list {
    char *names[KEYWORDS_MAX];
    time_t mtime; /* of the file read, 0 if none */
} keyword_list;

static void keywords_clear(keyword_list *kw)
{
    for (size_t i = 0; i < KEYWORDS_MAX; i++)
        free(kw->names[i]);
    memset(kw, 0, sizeof *kw);
}

static int keywords_find(const keyword_list *kw, const char *name)
{
    for (int i = 0; i < KEYWORDS_MAX; i++)
        if (kw->names[i] && strcasecmp(kw->names[i], name) == 0)
            return i;
    return -1;
}

/* Reads the folder's dovecot-keywords ("INDEX NAME" lines; others skipped, as
 * Dovecot does). A missing file is an empty list. 0 or errno. */
static int keywords_read(int dirfd, keyword_list *kw)
{
    keywords_clear(kw);
    int fd = openat(dirfd, KEYWORDS_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    kw->mtime = st.st_mtime;
    char *buf;
    size_t len;
    int e = sg_read_fd(fd, (size_t)st.st_size, KEYWORDS_FILE_LIMIT - 1, &buf, &len);
    close(fd);
    if (e)
        return e;
    if (len > KEYWORDS_FILE_LIMIT - 1) /* what is beyond the limit is not read */
        buf[len = KEYWORDS_FILE_LIMIT - 1] = '\0';
    for (char *line = buf; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        char *sp = strchr(line, ' ');
        if (sp && sp > line && sp[1]) {
            char *stop;
            long idx = strtol(line, &stop, 10);
            if (stop == sp && idx >= 0 && idx < KEYWORDS_MAX && !kw->names[idx])
                kw->names[idx] = sg_xstrdup(sp + 1);
        }
        line = end ? end + 1 : NULL;
    }
    free(buf);
    return 0;
}

/* dovecot-keywords.lock, created exclusively; one older than 120 s is stale.
 * The lock file becomes the new file. 0 with *fd, or errno. */
static int keywords_lock(int dirfd, int *fd)
{
    for (long waited = 0;;) {
        *fd = openat(dirfd, KEYWORDS_LOCK, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
        if (*fd >= 0)
            return 0;
        if (errno != EEXIST)
            return errno;
        struct stat st;
        if (fstatat(dirfd, KEYWORDS_LOCK, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            time(NULL) - st.st_mtime > KEYWORDS_LOCK_STALE) {
            unlinkat(dirfd, KEYWORDS_LOCK, 0);
            continue;
        }
        if (waited >= KEYWORDS_LOCK_WAIT_MS)
            return EAGAIN;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
        waited += 50;
    }
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (w == 0)
            return EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes kw into the held lock and renames it over dovecot-keywords. */
static int keywords_write(const sg_maildir_txn *t, int dirfd, int lockfd, const keyword_list *kw, time_t old_mtime)
{
    size_t n = 0;
    for (int i = 0; i < KEYWORDS_MAX; i++)
        n += kw->names[i] ? strlen(kw->names[i]) + 4 : 0;
    char *text = sg_xmalloc(n + 1);
    size_t o = 0;
    for (int i = 0; i < KEYWORDS_MAX; i++)
        if (kw->names[i])
            o += (size_t)snprintf(text + o, n + 1 - o, "%d %s\n", i, kw->names[i]);
    int e = write_all(lockfd, text, o);
    free(text);
    struct stat st;
    if (!e && fstat(lockfd, &st) != 0)
        e = errno;
    if (!e && old_mtime && st.st_mtime <= old_mtime) {
        /* Dovecot rereads the file when its mtime changes: it must grow. */
        struct timespec times[2] = {{0, UTIME_OMIT}, {old_mtime + 1, 0}};
        if (futimens(lockfd, times) != 0)
            e = errno;
    }
    if (!e && !t->opt.no_fsync)
        e = fsync_fd(lockfd);
    if (!e && renameat(dirfd, KEYWORDS_LOCK, dirfd, KEYWORDS_FILE) != 0)
        e = errno;
    if (!e && !t->opt.no_fsync)
        e = fsync_fd(dirfd);
    return e;
}

/* An IMAP atom (RFC 3501 §9): no space, control, 8-bit or atom-special. */
static bool keyword_valid(const char *s, size_t n)
{
    if (n == 0 || n > 200)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c))
            return false;
    }
    return true;
}

/* Adds the flags to c: system flags as bits, keywords as letters (assigned
 * in the folder's dovecot-keywords when new). */
static sg_maildir_status apply_flags(sg_maildir_txn *t, copy *c, const char *const *flags, size_t nflags,
                                     sg_maildir_error *err)
{
    char **wanted = NULL;
    size_t nwanted = 0;
    for (size_t f = 0; f < nflags; f++) {
        const char *p = flags[f];
        while (p && *p) {
            p += strspn(p, " ");
            size_t n = strcspn(p, " ");
            if (n == 0)
                break;
            if (p[0] == '\\') {
                for (size_t i = 0; i < NSYSTEM; i++)
                    if (strlen(system_flags[i].name) == n && strncasecmp(system_flags[i].name, p, n) == 0)
                        c->sysflags |= 1u << i;
            } else if (keyword_valid(p, n)) {
                bool dup = false;
                for (size_t i = 0; i < nwanted && !dup; i++)
                    dup = strlen(wanted[i]) == n && strncasecmp(wanted[i], p, n) == 0;
                if (!dup) {
                    wanted = sg_xrealloc(wanted, (nwanted + 1) * sizeof *wanted);
                    wanted[nwanted] = sg_xmalloc(n + 1);
                    memcpy(wanted[nwanted], p, n);
                    wanted[nwanted++][n] = '\0';
                }
            }
            p += n;
        }
    }
    sg_maildir_status st = SG_MAILDIR_OK;
    keyword_list kw;
    memset(&kw, 0, sizeof kw);
    int e = nwanted ? keywords_read(c->dirfd, &kw) : 0;
    size_t missing = 0;
    for (size_t i = 0; !e && i < nwanted; i++) {
        int idx = keywords_find(&kw, wanted[i]);
        if (idx >= 0)
            c->keywords |= 1u << idx;
        else
            missing++;
    }
    int lockfd = -1;
    if (!e && missing && (e = keywords_lock(c->dirfd, &lockfd)) == 0) {
        /* Read again under the lock: another process may have added some. */
        e = keywords_read(c->dirfd, &kw);
        bool changed = false;
        time_t old_mtime = kw.mtime;
        for (size_t i = 0; !e && i < nwanted; i++) {
            int idx = keywords_find(&kw, wanted[i]);
            for (int j = 0; idx < 0 && j < KEYWORDS_MAX; j++) {
                if (!kw.names[j]) {
                    kw.names[j] = sg_xstrdup(wanted[i]);
                    idx = j;
                    changed = true;
                }
            }
            if (idx >= 0) /* else all 26 letters are taken: the keyword is not stored */
                c->keywords |= 1u << idx;
        }
        if (!e && changed)
            e = keywords_write(t, c->dirfd, lockfd, &kw, old_mtime);
        close(lockfd);
        if (e || !changed)
            unlinkat(c->dirfd, KEYWORDS_LOCK, 0);
    }
    if (e) {
        char *p = join_path(t->root, c->folder, KEYWORDS_FILE, NULL);
        set_err(err, e, "updating %s: %s", p, strerror(e));
        free(p);
        st = SG_MAILDIR_TEMPFAIL;
    }
    keywords_clear(&kw);
    for (size_t i = 0; i < nwanted; i++)
        free(wanted[i]);
    free(wanted);
    return st;
}

/* ---- writing one copy ---- */

static void unique_name(const sg_maildir_txn *t, char *out, size_t outlen)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    unsigned q = atomic_fetch_add(&name_counter, 1u) + 1u;
    snprintf(out, outlen, "%lld.M%ldP%ldQ%u.%s,S=%zu", (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(), q,
             t->host, t->size);
}

/* prefix + data with every CRLF written as LF. 0 or errno. */
static int write_message(const sg_maildir_txn *t, int fd)
{
    char *buf = sg_xmalloc(WRITE_CHUNK);
    size_t n = 0, total = t->prefix_len + t->len;
    int e = 0;
    for (size_t i = 0; i < total && !e; i++) {
        unsigned char c = byte_at(t, i);
        if (c == '\r' && i + 1 < total && byte_at(t, i + 1) == '\n')
            continue;
        buf[n++] = (char)c;
        if (n == WRITE_CHUNK) {
            e = write_all(fd, buf, n);
            n = 0;
        }
    }
    if (!e && n)
        e = write_all(fd, buf, n);
    free(buf);
    return e;
}

/* The same bytes as copy e: the current message against e's. */
static bool same_content(const sg_maildir_txn *t, const copy *e)
{
    if (e->prefix_len + e->len != t->prefix_len + t->len)
        return false;
    /* Compare the two (prefix, data) pairs as one stream each. */
    const char *a[2] = {e->prefix, e->data}, *b[2] = {t->prefix, t->data};
    size_t an[2] = {e->prefix_len, e->len}, bn[2] = {t->prefix_len, t->len};
    size_t ai = 0, bi = 0, ao = 0, bo = 0;
    while (ai < 2 && bi < 2) {
        if (ao == an[ai]) {
            ai++, ao = 0;
            continue;
        }
        if (bo == bn[bi]) {
            bi++, bo = 0;
            continue;
        }
        size_t n = an[ai] - ao < bn[bi] - bo ? an[ai] - ao : bn[bi] - bo;
        if (memcmp(a[ai] + ao, b[bi] + bo, n) != 0)
            return false;
        ao += n, bo += n;
    }
    return true;
}

/* A copy with the same bytes is a hard link to the first one written, as
 * Dovecot copies between Maildirs: one file to write and to fsync, whatever
 * the number of folders. False when there is none or the link cannot be
 * made (another file system, no hard links): the caller writes the file. */
static bool link_copy(sg_maildir_txn *t, copy *c)
{
    for (size_t i = 0; i < t->count; i++) {
        const copy *e = &t->copies[i];
        if (e->linked || !e->written || !same_content(t, e))
            continue;
        char name[NAME_LIMIT + 1];
        for (int tries = 0; tries < 100; tries++) {
            unique_name(t, name, sizeof name);
            if (linkat(e->tmpfd, e->tmp_name, c->tmpfd, name, 0) == 0) {
                c->tmp_name = sg_xstrdup(name);
                c->path = join_path(t->root, c->folder, "tmp", name);
                c->written = c->linked = true;
                return true;
            }
            if (errno != EEXIST)
                return false;
        }
        return false;
    }
    return false;
}

/* Writes the copy into tmp/ (or links it, see link_copy). The file is
 * fsynced by the commit, once all its links exist. */
static sg_maildir_status write_copy(sg_maildir_txn *t, copy *c, sg_maildir_error *err)
{
    c->prefix = t->prefix, c->prefix_len = t->prefix_len;
    c->data = t->data, c->len = t->len;
    if (link_copy(t, c))
        return SG_MAILDIR_OK;
    char name[NAME_LIMIT + 1];
    int fd = -1;
    for (int tries = 0; fd < 0; tries++) {
        unique_name(t, name, sizeof name);
        fd = openat(c->tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
        if (fd < 0 && (errno != EEXIST || tries == 100)) {
            int e = errno;
            char *p = join_path(t->root, c->folder, "tmp", name);
            set_err(err, e, "open(%s): %s", p, strerror(e));
            free(p);
            return SG_MAILDIR_TEMPFAIL;
        }
    }
    c->tmp_name = sg_xstrdup(name);
    c->path = join_path(t->root, c->folder, "tmp", name);
    c->written = true; /* from here on a rollback removes it */
    c->fd = fd;
    int e = write_message(t, fd);
    if (e) {
        set_err(err, e, "write(%s): %s", c->path, strerror(e));
        return SG_MAILDIR_TEMPFAIL;
    }
    return SG_MAILDIR_OK;
}

static void copy_free(copy *c)
{
    close_fd(&c->fd);
    close_fd(&c->dirfd);
    close_fd(&c->tmpfd);
    close_fd(&c->newfd);
    close_fd(&c->curfd);
    free(c->mailbox);
    free(c->folder);
    free(c->tmp_name);
    free(c->final_name);
    free(c->path);
}

sg_maildir_status sg_maildir_add(sg_maildir_txn *t, const char *mailbox, const char *const *flags, size_t nflags,
                                 bool create, sg_maildir_error *err)
{
    clear_err(err);
    if (t->failed || t->committed) {
        set_err(err, EINVAL, "the delivery to %s is already %s", t->root, t->failed ? "rolled back" : "committed");
        return SG_MAILDIR_TEMPFAIL;
    }
    char folder[NAME_LIMIT + 1];
    sg_maildir_status st = sg_maildir_folder_dir(mailbox, folder, sizeof folder, err);
    if (st != SG_MAILDIR_OK)
        return st;
    for (size_t i = 0; i < t->count; i++) {
        if (strcmp(t->copies[i].folder, folder) == 0) /* one copy per folder: the flags add up */
            return apply_flags(t, &t->copies[i], flags, nflags, err) == SG_MAILDIR_OK ? SG_MAILDIR_OK : fail(t);
    }
    copy c;
    memset(&c, 0, sizeof c);
    c.dirfd = c.tmpfd = c.newfd = c.curfd = c.fd = -1;
    c.mailbox = sg_xstrdup(mailbox);
    c.folder = sg_xstrdup(folder);
    st = open_folder(t, &c, create, err);
    if (st == SG_MAILDIR_OK)
        st = apply_flags(t, &c, flags, nflags, err);
    if (st == SG_MAILDIR_OK)
        st = write_copy(t, &c, err);
    if (st != SG_MAILDIR_OK) {
        if (c.written)
            unlinkat(c.tmpfd, c.tmp_name, 0);
        copy_free(&c);
        return st == SG_MAILDIR_TEMPFAIL ? fail(t) : st;
    }
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 4;
        t->copies = sg_xrealloc(t->copies, t->cap * sizeof *t->copies);
    }
    t->copies[t->count++] = c;
    return SG_MAILDIR_OK;
}

/* The name in new/ (no flags) or cur/ (":2," + the flag letters in ASCII order). */
static char *final_name(const copy *c, const char *base)
{
    char info[4 + NSYSTEM + KEYWORDS_MAX] = "";
    if (c->sysflags || c->keywords) {
        size_t o = 0;
        memcpy(info, ":2,", 3);
        o = 3;
        for (size_t i = 0; i < NSYSTEM; i++)
            if (c->sysflags & (1u << i))
                info[o++] = system_flags[i].letter;
        for (int i = 0; i < KEYWORDS_MAX; i++)
            if (c->keywords & (1u << i))
                info[o++] = (char)('a' + i);
        info[o] = '\0';
    }
    size_t b = strlen(base), n = strlen(info);
    char *s = sg_xmalloc(b + n + 1);
    memcpy(s, base, b);
    memcpy(s + b, info, n + 1);
    return s;
}

sg_maildir_status sg_maildir_commit(sg_maildir_txn *t, sg_maildir_error *err)
{
    clear_err(err);
    if (t->failed || t->committed) {
        set_err(err, EINVAL, "the delivery to %s is already %s", t->root, t->failed ? "rolled back" : "committed");
        return SG_MAILDIR_TEMPFAIL;
    }
    /* Each file once, with all its links: its bytes and its link count. */
    for (size_t i = 0; i < t->count; i++) {
        copy *c = &t->copies[i];
        if (c->fd < 0)
            continue;
        const char *what = "fsync";
        int e = t->opt.no_fsync ? 0 : fsync_fd(c->fd);
        if (close(c->fd) != 0 && !e) {
            what = "close";
            e = errno;
        }
        c->fd = -1;
        if (e) {
            set_err(err, e, "%s(%s): %s", what, c->path, strerror(e));
            return fail(t);
        }
    }
    for (size_t i = 0; i < t->count; i++) {
        copy *c = &t->copies[i];
        bool flagged = c->sysflags || c->keywords;
        int dest = flagged ? c->curfd : c->newfd;
        const char *sub = flagged ? "cur" : "new";
        char *name = final_name(c, c->tmp_name);
        /* rename() replaces: never over an existing message. */
        struct stat st;
        for (int tries = 0; fstatat(dest, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && tries < 100; tries++) {
            char base[NAME_LIMIT + 1];
            unique_name(t, base, sizeof base);
            free(name);
            name = final_name(c, base);
        }
        if (renameat(c->tmpfd, c->tmp_name, dest, name) != 0) {
            int e = errno;
            char *to = join_path(t->root, c->folder, sub, name);
            set_err(err, e, "rename(%s, %s): %s", c->path, to, strerror(e));
            free(to);
            free(name);
            return fail(t);
        }
        c->final_name = name;
        c->renamed = true;
        free(c->path);
        c->path = join_path(t->root, c->folder, sub, name);
    }
    for (size_t i = 0; i < t->count && !t->opt.no_fsync; i++) {
        copy *c = &t->copies[i];
        bool flagged = c->sysflags || c->keywords;
        int e = fsync_fd(flagged ? c->curfd : c->newfd);
        if (e) {
            char *p = join_path(t->root, c->folder, flagged ? "cur" : "new", NULL);
            set_err(err, e, "fsync(%s): %s", p, strerror(e));
            free(p);
            return fail(t);
        }
    }
    t->committed = true;
    return SG_MAILDIR_OK;
}

size_t sg_maildir_count(const sg_maildir_txn *t)
{
    return t ? t->count : 0;
}

const char *sg_maildir_path(const sg_maildir_txn *t, size_t index)
{
    return t && index < t->count ? t->copies[index].path : NULL;
}

const char *sg_maildir_mailbox(const sg_maildir_txn *t, size_t index)
{
    return t && index < t->count ? t->copies[index].mailbox : NULL;
}

void sg_maildir_free(sg_maildir_txn *t)
{
    if (!t)
        return;
    if (!t->committed)
        rollback(t);
    for (size_t i = 0; i < t->count; i++)
        copy_free(&t->copies[i]);
    free(t->copies);
    close_fd(&t->rootfd);
    free(t->root);
    free(t);
}

/* ---- the mailbox store (engine/core/mailbox_store.h) ---- */

bool sg_maildir_folder_exists(const char *root, const char *name)
{
    char folder[NAME_LIMIT + 1];
    sg_maildir_error err;
    if (sg_maildir_folder_dir(name, folder, sizeof folder, &err) != SG_MAILDIR_OK)
        return false;
    if (!*folder)
        return true; /* INBOX: the root, made on the first delivery */
    char *p = join_path(root, folder, "cur", NULL);
    struct stat st;
    bool ok = lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
    free(p);
    p = join_path(root, folder, NULL, NULL);
    ok = ok && lstat(p, &st) == 0 && S_ISDIR(st.st_mode); /* a symlinked folder is refused on delivery */
    free(p);
    return ok;
}

sg_maildir_status sg_maildir_folder_create(const char *root, const char *name, sg_maildir_error *err)
{
    clear_err(err);
    char folder[NAME_LIMIT + 1];
    sg_maildir_status st = sg_maildir_folder_dir(name, folder, sizeof folder, err);
    if (st != SG_MAILDIR_OK)
        return st;
    if (make_root(root, err) != 0)
        return SG_MAILDIR_TEMPFAIL;
    static const char *const subs[] = {NULL, "tmp", "new", "cur"};
    for (size_t i = 0; i < 4; i++) {
        if (!*folder && !subs[i])
            continue;
        char *p = join_path(root, folder, subs[i], NULL);
        if (mkdir(p, DIR_MODE) != 0 && errno != EEXIST) {
            int e = errno;
            set_err(err, e, "mkdir(%s): %s", p, strerror(e));
            free(p);
            return SG_MAILDIR_TEMPFAIL;
        }
        free(p);
    }
    if (*folder) {
        char *p = join_path(root, folder, "maildirfolder", NULL);
        int fd = open(p, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
        if (fd >= 0)
            close(fd);
        free(p);
    }
    return SG_MAILDIR_OK;
}

/* ---- moving a stored message (sievegate filter) ---- */

/* The flags of a Maildir file name's info (":2,LETTERS"), as names: system
 * letters by system_flags, keyword letters through the folder's keywords. */
static size_t name_flags(const char *letters, const keyword_list *kw, const char **out, size_t max)
{
    size_t n = 0;
    for (const char *p = letters; *p && n < max; p++) {
        if (*p >= 'a' && *p < 'a' + KEYWORDS_MAX) {
            if (kw->names[*p - 'a'])
                out[n++] = kw->names[*p - 'a'];
            continue;
        }
        for (size_t i = 0; i < NSYSTEM; i++)
            if (system_flags[i].letter == *p)
                out[n++] = system_flags[i].name;
    }
    return n;
}

sg_maildir_status sg_maildir_move(const char *root, const sg_maildir_options *opt, const char *path,
                                  const char *mailbox, const char *const *flags, size_t nflags, bool create,
                                  char **new_path, sg_maildir_error *err)
{
    clear_err(err);
    if (new_path)
        *new_path = NULL;
    /* path = FOLDER/SUB/NAME with SUB new or cur */
    const char *slash = strrchr(path, '/');
    const char *sub = NULL;
    for (const char *p = slash ? slash - 1 : NULL; p && p >= path; p--) {
        if (*p == '/') {
            sub = p + 1;
            break;
        }
    }
    size_t sublen = sub ? (size_t)(slash - sub) : 0;
    if (!sub || sublen != 3 || (memcmp(sub, "new", 3) != 0 && memcmp(sub, "cur", 3) != 0) || !slash[1]) {
        set_err(err, EINVAL, "%s is not in the new/ or cur/ of a Maildir folder", path);
        return SG_MAILDIR_REFUSED;
    }
    bool in_cur = memcmp(sub, "cur", 3) == 0;
    const char *name = slash + 1;
    char *folder_path = sg_xmalloc((size_t)(sub - path) + 2);
    memcpy(folder_path, path, (size_t)(sub - path));
    folder_path[sub - path] = '.'; /* "FOLDER/." also names the folder when sub == path + 1 */
    folder_path[sub - path + 1] = '\0';
    const char *info = strstr(name, ":2,");
    size_t base_len = info ? (size_t)(info - name) : strlen(name);
    char *base = sg_xmalloc(base_len + 1);
    memcpy(base, name, base_len);
    base[base_len] = '\0';

    keyword_list skw;
    memset(&skw, 0, sizeof skw);
    int sfd = open(folder_path, OPEN_DIR & ~O_NOFOLLOW);
    int e = sfd < 0 ? errno : (info ? keywords_read(sfd, &skw) : 0);
    sg_maildir_txn *t = NULL;
    sg_maildir_status st = SG_MAILDIR_OK;
    if (e) {
        set_err(err, e, "reading %s/%s: %s", folder_path, KEYWORDS_FILE, strerror(e));
        st = SG_MAILDIR_TEMPFAIL;
    }
    if (st == SG_MAILDIR_OK)
        st = sg_maildir_begin(root, opt, NULL, 0, NULL, 0, &t, err);
    copy c;
    memset(&c, 0, sizeof c);
    c.dirfd = c.tmpfd = c.newfd = c.curfd = c.fd = -1;
    char folder[NAME_LIMIT + 1];
    if (st == SG_MAILDIR_OK)
        st = sg_maildir_folder_dir(mailbox, folder, sizeof folder, err);
    if (st == SG_MAILDIR_OK) {
        c.mailbox = sg_xstrdup(mailbox);
        c.folder = sg_xstrdup(folder);
        st = open_folder(t, &c, create, err);
    }
    if (st == SG_MAILDIR_OK) {
        const char *all[NSYSTEM + KEYWORDS_MAX + 1];
        size_t n = name_flags(info ? info + 3 : "", &skw, all, NSYSTEM + KEYWORDS_MAX);
        st = apply_flags(t, &c, all, n, err);
        if (st == SG_MAILDIR_OK)
            st = apply_flags(t, &c, flags, nflags, err);
    }
    if (st == SG_MAILDIR_OK) {
        bool to_cur = in_cur || c.sysflags || c.keywords;
        int dest = to_cur ? c.curfd : c.newfd;
        char *dname = final_name(&c, base);
        if (to_cur && !c.sysflags && !c.keywords) { /* in cur/, a name has its info, if empty */
            size_t dn = strlen(dname);
            dname = sg_xrealloc(dname, dn + 4);
            memcpy(dname + dn, ":2,", 4);
        }
        struct stat a, b;
        int srcdirfd = openat(sfd, in_cur ? "cur" : "new", OPEN_DIR);
        bool same_dir = srcdirfd >= 0 && fstat(srcdirfd, &a) == 0 && fstat(dest, &b) == 0 && a.st_dev == b.st_dev &&
                        a.st_ino == b.st_ino;
        char *to = join_path(t->root, c.folder, to_cur ? "cur" : "new", dname);
        if (srcdirfd < 0) {
            e = errno;
            set_err(err, e, "open(%s): %s", folder_path, strerror(e));
            st = SG_MAILDIR_TEMPFAIL;
        } else if (same_dir && strcmp(dname, name) == 0) {
            /* already there, as it is */
        } else if (linkat(srcdirfd, name, dest, dname, 0) != 0) {
            e = errno;
            set_err(err, e, "link(%s, %s): %s", path, to, strerror(e));
            st = SG_MAILDIR_TEMPFAIL;
        } else if ((!t->opt.no_fsync && (e = fsync_fd(dest)) != 0) || (unlinkat(srcdirfd, name, 0) != 0 && (e = errno))) {
            /* the new name may not be durable, or the old one is still there:
             * undo the link so the message stays exactly once, where it was */
            set_err(err, e, "moving %s to %s: %s", path, to, strerror(e));
            unlinkat(dest, dname, 0);
            st = SG_MAILDIR_TEMPFAIL;
        } else if (!t->opt.no_fsync) {
            fsync_fd(srcdirfd);
        }
        if (st == SG_MAILDIR_OK && new_path)
            *new_path = sg_xstrdup(to);
        free(to);
        free(dname);
        if (srcdirfd >= 0)
            close(srcdirfd);
    }
    copy_free(&c);
    sg_maildir_free(t);
    keywords_clear(&skw);
    if (sfd >= 0)
        close(sfd);
    free(base);
    free(folder_path);
    return st;
}

size_t sg_maildir_name_flags(const char *path, sg_arena *arena, const char ***flags)
{
    *flags = NULL;
    const char *slash = strrchr(path, '/');
    const char *info = strstr(slash ? slash : path, ":2,");
    if (!info || !info[3])
        return 0;
    keyword_list kw;
    memset(&kw, 0, sizeof kw);
    /* FOLDER/SUB/NAME: the keywords are FOLDER's */
    const char *sub = NULL;
    for (const char *p = slash ? slash - 1 : NULL; p && p >= path; p--)
        if (*p == '/') {
            sub = p;
            break;
        }
    char *folder = sub ? sg_arena_strndup(arena, path, (size_t)(sub - path) + 1) : sg_arena_strdup(arena, "./");
    int fd = open(folder, OPEN_DIR & ~O_NOFOLLOW);
    if (fd >= 0) {
        keywords_read(fd, &kw);
        close(fd);
    }
    const char *all[NSYSTEM + KEYWORDS_MAX];
    size_t n = name_flags(info + 3, &kw, all, NSYSTEM + KEYWORDS_MAX);
    const char **out = sg_arena_alloc(arena, (n + 1) * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = sg_arena_strdup(arena, all[i]);
    keywords_clear(&kw);
    *flags = out;
    return n;
}
