/* maildir.c - the Maildir writer's transaction (see maildir.h): begin,
 * add a copy per mailbox (written to tmp/, or hard-linked to an earlier copy
 * with the same bytes), commit (fsync, rename into new/ or cur/) or roll back.
 *
 * Takes: the root, the options, the message bytes, then mailboxes and flags.
 * Returns: the status and the paths of the delivered copies. Mailbox names
 * are maildir_name.c's, flags and dovecot-keywords maildir_keywords.c's,
 * moving a stored message maildir_move.c's.
 */
#include "engine/deliver/maildir.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "engine/deliver/maildir_int.h"

#include "base/fsync_all.h"
#include "base/mkdir_p.h"
#include "base/write_fd.h"

#define WRITE_CHUNK 65536

/* The system flags in the ASCII order of their letters (the Maildir info). */
const sg_md_system_flag sg_md_system_flags[SG_MD_NSYSTEM] = {
    {"\\Draft", 'D'}, {"\\Flagged", 'F'}, {"\\Answered", 'R'}, {"\\Seen", 'S'}, {"\\Deleted", 'T'},
};
/* The Q<n> of unique names: unique within the process, whatever the clock does. */
static atomic_uint name_counter;

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

void sg_md_set_err(sg_maildir_error *err, int errnum, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->errnum = errnum;
}

void sg_md_clear_err(sg_maildir_error *err)
{
    if (err) {
        err->errnum = 0;
        err->message[0] = '\0';
    }
}

/* A name for messages: control characters and bytes past 64 become '?' / "...". */
const char *sg_md_printable(const char *name, char *buf, size_t size)
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
char *sg_md_join_path(const char *root, const char *a, const char *b, const char *c)
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

void sg_md_close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}


/* ---- the transaction ---- */

/* mkdir -p, mode 0700, for the root. 0 or errno (path in err). */
int sg_md_make_root(const char *root, sg_maildir_error *err)
{
    char failed[PATH_MAX];
    int rc = sg_mkdir_p(root, DIR_MODE, failed, sizeof failed);
    if (rc)
        sg_md_set_err(err, rc, "mkdir(%s): %s", failed, strerror(rc));
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
            char *p = sg_md_join_path(t->root, folder, subs[i], NULL);
            sg_md_set_err(err, e, "mkdir(%s): %s", p, strerror(e));
            free(p);
            return SG_MAILDIR_TEMPFAIL;
        }
        if (!S_ISDIR(st.st_mode)) {
            char *p = sg_md_join_path(t->root, folder, subs[i], NULL);
            sg_md_set_err(err, ENOTDIR, "%s is %s, not a Maildir directory: refused", p,
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

/* The message of the adds, prefix then data, chunk by chunk: the data from
 * memory, or with pread() from the descriptor (a large message is never read
 * into memory, nor its pages mapped into the process). */
typedef struct chunks {
    const sg_maildir_txn *t;
    size_t pos; /* in prefix + data */
    char *buf;  /* WRITE_CHUNK bytes, for pread */
} chunks;

/* The next chunk (*len 0 at the end); 0 or errno. */
static int next_chunk(chunks *c, const char **p, size_t *len)
{
    const sg_maildir_txn *t = c->t;
    *len = 0;
    if (c->pos < t->prefix_len) {
        *p = t->prefix + c->pos;
        *len = t->prefix_len - c->pos;
    } else if (c->pos < t->prefix_len + t->len) {
        size_t at = c->pos - t->prefix_len, want = t->len - at;
        if (t->src_fd < 0) {
            *p = t->data + at;
            *len = want;
        } else {
            ssize_t got;
            do
                got = pread(t->src_fd, c->buf, want < WRITE_CHUNK ? want : WRITE_CHUNK, t->src_off + (off_t)at);
            while (got < 0 && errno == EINTR);
            if (got < 0)
                return errno;
            if (got == 0)
                return EIO; /* the file is shorter than it was */
            *p = c->buf;
            *len = (size_t)got;
        }
    }
    c->pos += *len;
    return 0;
}

/* Walks prefix + data with every CRLF as LF: emit(ctx, bytes, n) for each run
 * (NULL: only counts). Returns 0 or errno; *size gets the bytes emitted. */
static int walk_lf(const sg_maildir_txn *t, int (*emit)(void *ctx, const char *p, size_t n), void *ctx,
                   size_t *size)
{
    chunks c = {t, 0, t->src_fd >= 0 ? sg_xmalloc(WRITE_CHUNK) : NULL};
    bool held_cr = false; /* a CR at the end of the last chunk: kept unless a LF follows */
    size_t total = 0;
    int e = 0;
    for (;;) {
        const char *p;
        size_t n;
        if ((e = next_chunk(&c, &p, &n)) != 0 || n == 0)
            break;
        size_t i = 0;
        if (held_cr) {
            held_cr = false;
            if (p[0] != '\n') {
                total++;
                if (emit && (e = emit(ctx, "\r", 1)) != 0)
                    break;
            }
        }
        size_t run = 0;
        for (; i < n; i++) {
            const char *cr = memchr(p + i, '\r', n - i); /* most messages have none left (LMTP, LDAs) */
            if (!cr) {
                i = n;
                break;
            }
            i = (size_t)(cr - p);
            if (i + 1 == n) { /* decided by the next chunk */
                held_cr = true;
                break;
            }
            if (p[i + 1] == '\n') {
                total += i - run;
                if (emit && i > run && (e = emit(ctx, p + run, i - run)) != 0)
                    break;
                run = i + 1; /* the LF starts the next run */
            }
        }
        if (e)
            break;
        total += i - run;
        if (emit && i > run && (e = emit(ctx, p + run, i - run)) != 0)
            break;
    }
    if (!e && held_cr) {
        total++;
        if (emit)
            e = emit(ctx, "\r", 1);
    }
    free(c.buf);
    if (size)
        *size = total;
    return e;
}

static void set_source(sg_maildir_txn *t, const char *prefix, size_t prefix_len, const char *data, int fd, off_t off,
                       size_t len)
{
    t->prefix = prefix ? prefix : "";
    t->prefix_len = prefix ? prefix_len : 0;
    t->data = data ? data : "";
    t->src_fd = fd;
    t->src_off = off;
    t->len = data || fd >= 0 ? len : 0;
    if (walk_lf(t, NULL, NULL, &t->size) != 0)
        t->size = t->prefix_len + t->len; /* the write will fail and say why */
}

void sg_maildir_set_message(sg_maildir_txn *t, const char *prefix, size_t prefix_len, const char *data, size_t len)
{
    set_source(t, prefix, prefix_len, data, -1, 0, len);
}

void sg_maildir_set_message_fd(sg_maildir_txn *t, const char *prefix, size_t prefix_len, int fd, off_t off,
                               size_t len)
{
    set_source(t, prefix, prefix_len, NULL, fd, off, len);
}

sg_maildir_status sg_maildir_begin(const char *root, const sg_maildir_options *opt, const char *prefix,
                                   size_t prefix_len, const char *data, size_t len, sg_maildir_txn **txn,
                                   sg_maildir_error *err)
{
    *txn = NULL;
    sg_md_clear_err(err);
    if (!root || root[0] != '/') {
        sg_md_set_err(err, EINVAL, "the Maildir path \"%s\" is not absolute", root ? root : "");
        return SG_MAILDIR_TEMPFAIL;
    }
    if (sg_md_make_root(root, err) != 0)
        return SG_MAILDIR_TEMPFAIL;
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* the root may be a symlink */
    if (rootfd < 0) {
        int e = errno;
        sg_md_set_err(err, e, "open(%s): %s", root, strerror(e));
        return SG_MAILDIR_TEMPFAIL;
    }
    sg_maildir_txn *t = sg_xmalloc(sizeof *t);
    memset(t, 0, sizeof *t);
    t->root = sg_xstrdup(root);
    t->rootfd = rootfd;
    t->journal_fd = -1;
    t->pid = getpid();
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
    int e = st == SG_MAILDIR_OK && made && !t->opt.no_fsync ? sg_fsync_retry(rootfd) : 0;
    if (e) {
        sg_md_set_err(err, e, "fsync(%s): %s", root, strerror(e));
        st = SG_MAILDIR_TEMPFAIL;
    }
    if (st != SG_MAILDIR_OK) {
        sg_maildir_free(t);
        return st == SG_MAILDIR_REFUSED ? SG_MAILDIR_TEMPFAIL : st; /* no INBOX to fall back to */
    }
    sg_md_clean_tmp(rootfd, time(NULL)); /* what killed deliveries left in tmp/, as Dovecot cleans it */
    *txn = t;
    return SG_MAILDIR_OK;
}

/* Removes every copy written or renamed; the transaction is spoiled. */
static void rollback(sg_maildir_txn *t)
{
    for (size_t i = t->count; i-- > 0;) {
        sg_md_copy *c = &t->copies[i];
        if (c->renamed) {
            int dest = c->sysflags || c->keywords ? c->curfd : c->newfd;
            if (unlinkat(dest, c->final_name, 0) == 0 && !t->opt.no_fsync)
                sg_fsync_retry(dest);
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
sg_maildir_status sg_md_open_folder(sg_maildir_txn *t, sg_md_copy *c, bool create, sg_maildir_error *err)
{
    char shown[80];
    bool created = false;
    if (!*c->folder) {
        c->dirfd = fcntl(t->rootfd, F_DUPFD_CLOEXEC, 0);
        if (c->dirfd < 0) {
            int e = errno;
            sg_md_set_err(err, e, "dup(%s): %s", t->root, strerror(e));
            return SG_MAILDIR_TEMPFAIL;
        }
    } else {
        c->dirfd = openat(t->rootfd, c->folder, OPEN_DIR);
        if (c->dirfd < 0 && errno == ENOENT) {
            if (!create && !t->opt.autocreate) {
                char *p = sg_md_join_path(t->root, c->folder, NULL, NULL);
                sg_md_set_err(err, ENOENT, "mailbox \"%s\" does not exist (%s) and may not be created",
                              sg_md_printable(c->mailbox, shown, sizeof shown), p);
                free(p);
                return SG_MAILDIR_NOTFOUND;
            }
            if (mkdirat(t->rootfd, c->folder, DIR_MODE) == 0)
                created = true;
            else if (errno != EEXIST) {
                int e = errno;
                char *p = sg_md_join_path(t->root, c->folder, NULL, NULL);
                sg_md_set_err(err, e, "mkdir(%s): %s", p, strerror(e));
                free(p);
                return SG_MAILDIR_TEMPFAIL;
            }
            c->dirfd = openat(t->rootfd, c->folder, OPEN_DIR);
        }
        if (c->dirfd < 0) {
            int e = errno;
            char *p = sg_md_join_path(t->root, c->folder, NULL, NULL);
            if (e == ELOOP || e == ENOTDIR) {
                struct stat st;
                bool link = fstatat(t->rootfd, c->folder, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
                sg_md_set_err(err, link ? ELOOP : ENOTDIR, "mailbox \"%s\" refused: %s is %s",
                              sg_md_printable(c->mailbox, shown, sizeof shown), p,
                              link ? "a symbolic link" : "not a directory");
                free(p);
                return SG_MAILDIR_REFUSED;
            }
            sg_md_set_err(err, e, "open(%s): %s", p, strerror(e));
            free(p);
            return SG_MAILDIR_TEMPFAIL;
        }
    }
    static const char *const subs[] = {"tmp", "new", "cur"};
    int *fds[] = {&c->tmpfd, &c->newfd, &c->curfd};
    /* Mostly all three are there: opened at once (O_DIRECTORY | O_NOFOLLOW
     * refuses what make_subdirs refuses); checked and made only when one is not. */
    bool all = true;
    for (size_t i = 0; i < 3 && all; i++)
        all = (*fds[i] = openat(c->dirfd, subs[i], OPEN_DIR)) >= 0;
    if (all && !created)
        return SG_MAILDIR_OK;
    for (size_t i = 0; i < 3; i++)
        sg_md_close_fd(fds[i]);
    sg_maildir_status st = make_subdirs(t, c->dirfd, c->folder, &created, err);
    if (st != SG_MAILDIR_OK)
        return st;
    if (created && *c->folder) {
        /* a new (or repaired) Maildir++ folder is marked as one, durably */
        int fd = openat(c->dirfd, "maildirfolder", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
        int e = fd < 0 ? errno : 0;
        if (fd >= 0)
            close(fd);
        if (!e && !t->opt.no_fsync && (e = sg_fsync_retry(c->dirfd)) == 0)
            e = sg_fsync_retry(t->rootfd);
        if (e) {
            char *p = sg_md_join_path(t->root, c->folder, "maildirfolder", NULL);
            sg_md_set_err(err, e, "creating %s: %s", p, strerror(e));
            free(p);
            return SG_MAILDIR_TEMPFAIL;
        }
    } else if (created && !t->opt.no_fsync) {
        int e = sg_fsync_retry(c->dirfd);
        if (e) {
            sg_md_set_err(err, e, "fsync(%s): %s", t->root, strerror(e));
            return SG_MAILDIR_TEMPFAIL;
        }
    }
    for (size_t i = 0; i < 3; i++) {
        *fds[i] = openat(c->dirfd, subs[i], OPEN_DIR);
        if (*fds[i] < 0) {
            int e = errno;
            char *p = sg_md_join_path(t->root, c->folder, subs[i], NULL);
            sg_md_set_err(err, e, "open(%s): %s", p, strerror(e));
            free(p);
            return e == ELOOP || e == ENOTDIR ? SG_MAILDIR_REFUSED : SG_MAILDIR_TEMPFAIL;
        }
    }
    return SG_MAILDIR_OK;
}

/* ---- writing one copy ---- */

static void unique_name(const sg_maildir_txn *t, char *out, size_t outlen)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    unsigned q = atomic_fetch_add(&name_counter, 1u) + 1u;
    snprintf(out, outlen, "%lld.M%ldP%ldQ%u.%s,S=%zu", (long long)tv.tv_sec, (long)tv.tv_usec, (long)t->pid, q,
             t->host, t->size);
}

/* Output in WRITE_CHUNK writes, whatever the runs between CRLFs. */
typedef struct outbuf {
    int fd;
    char *buf;
    size_t n;
} outbuf;

static int emit_write(void *ctx, const char *p, size_t n)
{
    outbuf *o = ctx;
    while (n) {
        size_t take = WRITE_CHUNK - o->n < n ? WRITE_CHUNK - o->n : n;
        memcpy(o->buf + o->n, p, take);
        o->n += take, p += take, n -= take;
        if (o->n == WRITE_CHUNK) {
            int e = sg_write_fd(o->fd, o->buf, o->n);
            o->n = 0;
            if (e)
                return e;
        }
    }
    return 0;
}

/* prefix + data with every CRLF written as LF. 0 or errno. */
static int write_message(const sg_maildir_txn *t, int fd)
{
    outbuf o = {fd, sg_xmalloc(WRITE_CHUNK), 0};
    int e = walk_lf(t, emit_write, &o, NULL);
    if (!e && o.n)
        e = sg_write_fd(fd, o.buf, o.n);
    free(o.buf);
    return e;
}

/* The same bytes as copy e: the current message against e's. */
static bool same_content(const sg_maildir_txn *t, const sg_md_copy *e)
{
    if (e->prefix_len + e->len != t->prefix_len + t->len)
        return false;
    if (e->src_fd >= 0 || t->src_fd >= 0) /* the same range of the same file, after the same prefix */
        return e->src_fd == t->src_fd && e->src_off == t->src_off && e->prefix_len == t->prefix_len &&
               memcmp(e->prefix, t->prefix, t->prefix_len) == 0;
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
static bool link_copy(sg_maildir_txn *t, sg_md_copy *c)
{
    for (size_t i = 0; i < t->count; i++) {
        const sg_md_copy *e = &t->copies[i];
        if (e->linked || !e->written || !same_content(t, e))
            continue;
        char name[NAME_LIMIT + 1];
        for (int tries = 0; tries < 100; tries++) {
            unique_name(t, name, sizeof name);
            if (linkat(e->tmpfd, e->tmp_name, c->tmpfd, name, 0) == 0) {
                c->tmp_name = sg_xstrdup(name);
                c->path = sg_md_join_path(t->root, c->folder, "tmp", name);
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
static sg_maildir_status write_copy(sg_maildir_txn *t, sg_md_copy *c, sg_maildir_error *err)
{
    c->prefix = t->prefix, c->prefix_len = t->prefix_len;
    c->data = t->data, c->len = t->len;
    c->src_fd = t->src_fd, c->src_off = t->src_off;
    if (link_copy(t, c))
        return SG_MAILDIR_OK;
    char name[NAME_LIMIT + 1];
    int fd = -1;
    for (int tries = 0; fd < 0; tries++) {
        unique_name(t, name, sizeof name);
        fd = openat(c->tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
        if (fd < 0 && (errno != EEXIST || tries == 100)) {
            int e = errno;
            char *p = sg_md_join_path(t->root, c->folder, "tmp", name);
            sg_md_set_err(err, e, "open(%s): %s", p, strerror(e));
            free(p);
            return SG_MAILDIR_TEMPFAIL;
        }
    }
    c->tmp_name = sg_xstrdup(name);
    c->path = sg_md_join_path(t->root, c->folder, "tmp", name);
    c->written = true; /* from here on a rollback removes it */
    c->fd = fd;
    int e = write_message(t, fd);
    if (e) {
        sg_md_set_err(err, e, "write(%s): %s", c->path, strerror(e));
        return SG_MAILDIR_TEMPFAIL;
    }
    return SG_MAILDIR_OK;
}

void sg_md_copy_free(sg_md_copy *c)
{
    sg_md_close_fd(&c->fd);
    sg_md_close_fd(&c->dirfd);
    sg_md_close_fd(&c->tmpfd);
    sg_md_close_fd(&c->newfd);
    sg_md_close_fd(&c->curfd);
    free(c->mailbox);
    free(c->folder);
    free(c->tmp_name);
    free(c->final_name);
    free(c->path);
}

sg_maildir_status sg_maildir_add(sg_maildir_txn *t, const char *mailbox, const char *const *flags, size_t nflags,
                                 bool create, sg_maildir_error *err)
{
    sg_md_clear_err(err);
    if (t->failed || t->committed) {
        sg_md_set_err(err, EINVAL, "the delivery to %s is already %s", t->root,
                      t->failed ? "rolled back" : "committed");
        return SG_MAILDIR_TEMPFAIL;
    }
    char folder[NAME_LIMIT + 1];
    sg_maildir_status st = sg_maildir_folder_dir(mailbox, folder, sizeof folder, err);
    if (st != SG_MAILDIR_OK)
        return st;
    for (size_t i = 0; i < t->count; i++) {
        if (strcmp(t->copies[i].folder, folder) == 0) /* one copy per folder: the flags add up */
            return sg_md_apply_flags(t, &t->copies[i], flags, nflags, err) == SG_MAILDIR_OK ? SG_MAILDIR_OK : fail(t);
    }
    sg_md_copy c;
    memset(&c, 0, sizeof c);
    c.dirfd = c.tmpfd = c.newfd = c.curfd = c.fd = -1;
    c.mailbox = sg_xstrdup(mailbox);
    c.folder = sg_xstrdup(folder);
    st = sg_md_open_folder(t, &c, create, err);
    if (st == SG_MAILDIR_OK)
        st = sg_md_apply_flags(t, &c, flags, nflags, err);
    if (st == SG_MAILDIR_OK)
        st = write_copy(t, &c, err);
    if (st != SG_MAILDIR_OK) {
        if (c.written)
            unlinkat(c.tmpfd, c.tmp_name, 0);
        sg_md_copy_free(&c);
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
char *sg_md_final_name(const sg_md_copy *c, const char *base)
{
    char info[4 + SG_MD_NSYSTEM + KEYWORDS_MAX] = "";
    if (c->sysflags || c->keywords) {
        size_t o = 0;
        memcpy(info, ":2,", 3);
        o = 3;
        for (size_t i = 0; i < SG_MD_NSYSTEM; i++)
            if (c->sysflags & (1u << i))
                info[o++] = sg_md_system_flags[i].letter;
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

/* The journal's line before the renames: each copy's tmp/ and final paths,
 * relative to the root. Not written (a full disk): the commit goes on; a retry
 * then cannot tell, and may store a second copy, never none. */
static void journal_pending(sg_maildir_txn *t, char *const *names, time_t now)
{
    char ***pairs = sg_xmalloc((t->count + 1) * sizeof *pairs);
    for (size_t i = 0; i < t->count; i++) {
        const sg_md_copy *c = &t->copies[i];
        pairs[i] = sg_xmalloc(2 * sizeof **pairs);
        const char *sub = c->sysflags || c->keywords ? "cur" : "new";
        size_t fl = strlen(c->folder);
        pairs[i][0] = sg_xmalloc(fl + strlen(c->tmp_name) + 6);
        sprintf(pairs[i][0], "%s%stmp/%s", c->folder, fl ? "/" : "", c->tmp_name);
        pairs[i][1] = sg_xmalloc(fl + strlen(names[i]) + 6);
        sprintf(pairs[i][1], "%s%s%s/%s", c->folder, fl ? "/" : "", sub, names[i]);
    }
    sg_md_journal_pending(t, (char **const *)pairs, t->count, now);
    for (size_t i = 0; i < t->count; i++) {
        free(pairs[i][0]);
        free(pairs[i][1]);
        free(pairs[i]);
    }
    free(pairs);
}

sg_maildir_status sg_maildir_commit(sg_maildir_txn *t, sg_maildir_error *err)
{
    sg_md_clear_err(err);
    if (t->failed || t->committed) {
        sg_md_set_err(err, EINVAL, "the delivery to %s is already %s", t->root,
                      t->failed ? "rolled back" : "committed");
        return SG_MAILDIR_TEMPFAIL;
    }
    /* Each file once, with all its links: its bytes and its link count; all
     * at once, so that their device flushes merge (base/fsync_all.h). */
    int *fds = sg_xmalloc((t->count + 1) * sizeof *fds);
    int *errs = sg_xmalloc((t->count + 1) * sizeof *errs);
    size_t *of = sg_xmalloc((t->count + 1) * sizeof *of);
    size_t nfds = 0;
    for (size_t i = 0; i < t->count; i++) {
        if (t->copies[i].fd >= 0) {
            of[nfds] = i;
            fds[nfds++] = t->copies[i].fd;
        }
    }
    if (!t->opt.no_fsync)
        sg_fsync_all(t->opt.sync_crew, fds, nfds, errs, t->opt.turns);
    else
        memset(errs, 0, (nfds + 1) * sizeof *errs);
    int failed_e = 0;
    for (size_t k = 0; k < nfds; k++) { /* the first failure in the order of the adds */
        sg_md_copy *c = &t->copies[of[k]];
        const char *what = "fsync";
        int e = errs[k];
        if (close(c->fd) != 0 && !e) {
            what = "close";
            e = errno;
        }
        c->fd = -1;
        if (e && !failed_e) {
            failed_e = e;
            sg_md_set_err(err, e, "%s(%s): %s", what, c->path, strerror(e));
        }
    }
    if (failed_e) {
        free(fds), free(errs), free(of);
        return fail(t);
    }
    char **names = sg_xmalloc((t->count + 1) * sizeof *names);
    for (size_t i = 0; i < t->count; i++) {
        sg_md_copy *c = &t->copies[i];
        int dest = c->sysflags || c->keywords ? c->curfd : c->newfd;
        names[i] = sg_md_final_name(c, c->tmp_name);
        /* rename() replaces: never over an existing message. */
        struct stat st;
        for (int tries = 0; fstatat(dest, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && tries < 100; tries++) {
            char base[NAME_LIMIT + 1];
            unique_name(t, base, sizeof base);
            free(names[i]);
            names[i] = sg_md_final_name(c, base);
        }
    }
    time_t now = time(NULL);
    if (t->opt.journal_key)
        journal_pending(t, names, now);
    for (size_t i = 0; i < t->count; i++) {
        sg_md_copy *c = &t->copies[i];
        bool flagged = c->sysflags || c->keywords;
        int dest = flagged ? c->curfd : c->newfd;
        const char *sub = flagged ? "cur" : "new";
        char *name = names[i];
        names[i] = NULL;
        if (renameat(c->tmpfd, c->tmp_name, dest, name) != 0) {
            int e = errno;
            char *to = sg_md_join_path(t->root, c->folder, sub, name);
            sg_md_set_err(err, e, "rename(%s, %s): %s", c->path, to, strerror(e));
            free(to);
            free(name);
            for (size_t k = i + 1; k < t->count; k++)
                free(names[k]);
            free(names);
            free(fds), free(errs), free(of);
            return fail(t);
        }
        c->final_name = name;
        c->renamed = true;
        free(c->path);
        c->path = sg_md_join_path(t->root, c->folder, sub, name);
    }
    free(names);
    /* Each new/ or cur/ that got a copy, once, all at once as the files. */
    nfds = 0;
    for (size_t i = 0; i < t->count && !t->opt.no_fsync; i++) {
        sg_md_copy *c = &t->copies[i];
        int dir = c->sysflags || c->keywords ? c->curfd : c->newfd;
        size_t k = 0;
        while (k < nfds && fds[k] != dir)
            k++;
        if (k == nfds) {
            of[nfds] = i;
            fds[nfds++] = dir;
        }
    }
    if (nfds && sg_fsync_all(t->opt.sync_crew, fds, nfds, errs, t->opt.turns)) {
        size_t k = 0;
        while (!errs[k])
            k++;
        sg_md_copy *c = &t->copies[of[k]];
        char *p = sg_md_join_path(t->root, c->folder, c->sysflags || c->keywords ? "cur" : "new", NULL);
        sg_md_set_err(err, errs[k], "fsync(%s): %s", p, strerror(errs[k]));
        free(p);
        free(fds), free(errs), free(of);
        return fail(t);
    }
    free(fds), free(errs), free(of);
    if (t->opt.journal_key)
        sg_md_journal_done(t, now); /* not written: the retry finds every copy in place */
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
        sg_md_copy_free(&t->copies[i]);
    free(t->copies);
    sg_md_journal_close(t);
    sg_md_close_fd(&t->rootfd);
    free(t->root);
    free(t->dropped);
    free(t);
}

const char *sg_maildir_dropped(const sg_maildir_txn *t)
{
    return t ? t->dropped : NULL;
}
