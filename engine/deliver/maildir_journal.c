/* maildir_journal.c - exactly once, and tmp/ kept clean (see maildir.h).
 *
 * The journal is one text file in the Maildir root, SG_MAILDIR_JOURNAL,
 * appended to by each delivery that has a key (the caller's: the recipient
 * and a digest of the message, so a retry of the same delivery has the same
 * key):
 *     P TIME KEY N TMP1 FINAL1 ... TMPN FINALN   before the renames
 *     D TIME KEY                                  after them (and the fsyncs)
 * paths relative to the root, percent-encoded where a byte is not a
 * printable ASCII character other than ' ' and '%'. A retry of a delivery
 * finds its key: D means everything is there; P means the attempt died
 * between the two lines, and each copy is found (in new/, or in cur/ where an
 * IMAP client moved it) or completed (its file is still in tmp/: renamed now).
 * Entries older than SG_MAILDIR_JOURNAL_WINDOW are ignored and dropped when
 * the file is rewritten (past SG_MAILDIR_JOURNAL_MAX bytes, under an
 * exclusive lock taken without waiting; appenders hold a shared one and
 * reopen a file that was replaced meanwhile). A commit holds its descriptor
 * and shared lock from its P line to its D line, so no rewrite comes between.
 *
 * The lines are written without fsync: they survive the death of the
 * process (kill -9, the OOM killer, a crash), which is what the MTA retries
 * after; a power failure in the instant between a rename and its D line can
 * still give one duplicate, never a loss.
 */
#define _GNU_SOURCE /* memmem, memrchr */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/write_fd.h"
#include "engine/deliver/maildir_int.h"
#include "base/fsync_all.h"

#define LINE_MAX_BYTES 65536
#define CLEAN_EVERY (8 * 3600)  /* tmp/ is scanned at most this often, as Dovecot does */
#define TMP_MAX_AGE (36 * 3600) /* a file in tmp/ older than this is a dead delivery's (Dovecot's horizon) */

/* ---- writing ---- */

static void put_escaped(char **p, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c >= 0x7F || c == '%')
            *p += sprintf(*p, "%%%02X", c);
        else
            *(*p)++ = (char)c;
    }
}

static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (s[0] == '%' && s[1] && s[2]) {
            char hex[3] = {s[1], s[2], 0};
            *o++ = (char)strtol(hex, NULL, 16);
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

static bool within_window(long long when, time_t now)
{
    return when + SG_MAILDIR_JOURNAL_WINDOW >= (long long)now && when <= (long long)now + 3600;
}

/* Rewrites the journal with the entries of the window only (under LOCK_EX,
 * held by the caller on `fd`). The file is read through a descriptor of its
 * own: a dup() of `fd` would hold the lock (it is the same open file) for as
 * long as it stayed open. */
static void rotate(int rootfd, int fd, time_t now)
{
    struct stat locked, opened;
    int infd = openat(rootfd, SG_MAILDIR_JOURNAL, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    FILE *in = infd >= 0 ? fdopen(infd, "r") : NULL;
    if (!in) {
        if (infd >= 0)
            close(infd);
        return;
    }
    if (fstat(fd, &locked) != 0 || fstat(infd, &opened) != 0 || locked.st_ino != opened.st_ino ||
        locked.st_dev != opened.st_dev) {
        fclose(in); /* replaced meanwhile: the other writer rotated it */
        return;
    }
    int outfd = openat(rootfd, SG_MAILDIR_JOURNAL ".new", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                       FILE_MODE);
    FILE *out = outfd >= 0 ? fdopen(outfd, "w") : NULL;
    if (!out) {
        if (outfd >= 0)
            close(outfd);
        fclose(in);
        return;
    }
    char *line = sg_xmalloc(LINE_MAX_BYTES);
    while (fgets(line, LINE_MAX_BYTES, in)) {
        long long when = 0;
        char kind;
        if (sscanf(line, "%c %lld", &kind, &when) == 2 && within_window(when, now))
            fputs(line, out);
    }
    free(line);
    fclose(in);
    if (fclose(out) == 0)
        renameat(rootfd, SG_MAILDIR_JOURNAL ".new", rootfd, SG_MAILDIR_JOURNAL);
    else
        unlinkat(rootfd, SG_MAILDIR_JOURNAL ".new", 0);
}

/* Whether a rewrite would drop enough: the first line, the oldest, is past
 * the window by SG_MAILDIR_JOURNAL_SLACK. A mailbox that gets more than
 * SG_MAILDIR_JOURNAL_MAX bytes of lines within the window would otherwise be
 * rewritten whole, dropping nothing, at every append. */
static bool worth_rotating(int fd, time_t now)
{
    char head[64];
    ssize_t got = pread(fd, head, sizeof head - 1, 0);
    if (got <= 0)
        return got == 0;
    head[got] = '\0';
    char kind;
    long long when;
    if (sscanf(head, "%c %lld", &kind, &when) != 2)
        return true; /* not a journal line: the rewrite drops it */
    return when + SG_MAILDIR_JOURNAL_WINDOW + SG_MAILDIR_JOURNAL_SLACK < (long long)now || when > (long long)now + 3600;
}

/* Opens the journal for appending with a shared lock, the file the path
 * names now (a rotation may have replaced the one opened). fd or -errno;
 * *size its size. */
static int open_locked(int rootfd, off_t *size)
{
    for (int tries = 0; tries < 5; tries++) {
        int fd = openat(rootfd, SG_MAILDIR_JOURNAL, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                        FILE_MODE);
        if (fd < 0)
            return -errno;
        struct stat a, b;
        if (flock(fd, LOCK_SH) != 0 || fstat(fd, &a) != 0 ||
            fstatat(rootfd, SG_MAILDIR_JOURNAL, &b, AT_SYMLINK_NOFOLLOW) != 0 || a.st_ino != b.st_ino) {
            close(fd); /* rewritten meanwhile: append to the new one */
            continue;
        }
        *size = a.st_size;
        return fd;
    }
    return -EAGAIN;
}

/* Rewrites the journal when it grew past SG_MAILDIR_JOURNAL_MAX. Never waits
 * for the exclusive lock (LOCK_NB): a delivery holds its shared one from its
 * P line to its D line, across its fsyncs, and one in this very process may
 * be waiting for the turn its caller holds (base/fsync_all.h). A rotation not
 * done now is done by a later append. `fd` is closed. */
static void close_maybe_rotate(int rootfd, int fd, off_t size, time_t now)
{
    struct stat a, b;
    if (size > SG_MAILDIR_JOURNAL_MAX && worth_rotating(fd, now) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        fstat(fd, &a) == 0 && fstatat(rootfd, SG_MAILDIR_JOURNAL, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_ino == b.st_ino)
        rotate(rootfd, fd, now);
    close(fd);
}

/* Appends one line. 0 or errno. */
static int append(int rootfd, const char *line, time_t now)
{
    off_t size = 0;
    int fd = open_locked(rootfd, &size);
    if (fd < 0)
        return -fd;
    int e = sg_write_fd(fd, line, strlen(line));
    close_maybe_rotate(rootfd, fd, e ? 0 : size, now);
    return e;
}

int sg_md_journal_pending(sg_maildir_txn *t, char **const *pairs, size_t n, time_t now)
{
    size_t size = 64 + strlen(t->opt.journal_key);
    for (size_t i = 0; i < n; i++)
        size += 3 * (strlen(pairs[i][0]) + strlen(pairs[i][1])) + 2;
    char *line = sg_xmalloc(size), *p = line;
    p += sprintf(p, "P %lld %s %zu", (long long)now, t->opt.journal_key, n);
    for (size_t i = 0; i < n; i++) {
        *p++ = ' ';
        put_escaped(&p, pairs[i][0]);
        *p++ = ' ';
        put_escaped(&p, pairs[i][1]);
    }
    *p++ = '\n';
    *p = '\0';
    /* kept open, locked, for the D line: one open, lock and check per delivery */
    sg_md_journal_close(t);
    off_t had = 0;
    int fd = open_locked(t->rootfd, &had);
    int e = fd < 0 ? -fd : sg_write_fd(fd, line, (size_t)(p - line));
    if (fd >= 0 && e) {
        close(fd);
    } else if (fd >= 0) {
        t->journal_fd = fd;
        t->journal_size = had + (p - line);
    }
    free(line);
    return e;
}

void sg_md_journal_close(sg_maildir_txn *t)
{
    if (t->journal_fd >= 0)
        close(t->journal_fd);
    t->journal_fd = -1;
}

int sg_md_journal_done(sg_maildir_txn *t, time_t now)
{
    char line[512];
    snprintf(line, sizeof line, "D %lld %s\n", (long long)now, t->opt.journal_key);
    if (t->journal_fd < 0) /* no P line of ours (sg_maildir_recover), or it was not written */
        return append(t->rootfd, line, now);
    /* Our shared lock, held since the P line, kept any rotation out: the
     * file is still the one the path names. */
    int fd = t->journal_fd;
    t->journal_fd = -1;
    int e = sg_write_fd(fd, line, strlen(line));
    close_maybe_rotate(t->rootfd, fd, e ? 0 : t->journal_size + (off_t)strlen(line), now);
    return e;
}

/* ---- reading ---- */

typedef struct entry {
    bool found, done;
    char *pairs; /* the P line's "TMP FINAL ..." part, malloc'ed */
    size_t n;
} entry;

/* One line of the journal that names `key`: the entry it makes, if it is
 * the key's (not a key that merely contains it) and within the window. */
static void take_line(char *line, const char *key, size_t klen, time_t now, entry *out)
{
    char kind;
    long long when;
    int off = 0;
    if (sscanf(line, "%c %lld %n", &kind, &when, &off) != 2 || !off || !within_window(when, now))
        return;
    const char *k = line + off;
    if (strncmp(k, key, klen) != 0 || (k[klen] != ' ' && k[klen] != '\n' && k[klen] != '\0'))
        return;
    if (kind == 'D') { /* done: the P line's copies are no longer needed */
        free(out->pairs);
        out->pairs = NULL;
        out->n = 0;
        out->found = out->done = true;
    } else if (kind == 'P') {
        size_t n = 0;
        int used = 0;
        if (sscanf(k + klen, " %zu %n", &n, &used) != 1 || !used)
            return;
        free(out->pairs);
        out->pairs = sg_xstrdup(k + klen + used);
        out->pairs[strcspn(out->pairs, "\n")] = '\0';
        out->n = n;
        out->found = true;
        out->done = false;
    }
}

/* The lines among buf[0, len) (whole lines) that name `key`, in order. The
 * key is searched in the bytes (memmem); only the lines where it occurs are
 * parsed, and most lines are other deliveries'. */
static void scan_lines(char *buf, size_t len, const char *key, size_t klen, time_t now, entry *out)
{
    char *end = buf + len, *at = buf;
    char *hit;
    while (at < end && (hit = memmem(at, (size_t)(end - at), key, klen)) != NULL) {
        char *start = hit;
        while (start > at && start[-1] != '\n')
            start--;
        char *nl = memchr(hit, '\n', (size_t)(end - hit));
        char *stop = nl ? nl : end;
        char saved = *stop;
        *stop = '\0';
        take_line(start, key, klen, now, out);
        *stop = saved;
        at = stop + 1;
    }
}

#define READ_CHUNK 16384 /* bytes read at a time: the buffer's pages stay few */

/* The last state of `key` within the window. 0 or errno (ENOENT: no journal).
 * The file holds the window's deliveries (up to SG_MAILDIR_JOURNAL_MAX and
 * more), and every delivery looks its key up: read in chunks into one
 * buffer, lines kept whole across chunks; a line longer than
 * LINE_MAX_BYTES is no journal line (skipped). */
static int find(int rootfd, const char *key, time_t now, entry *out)
{
    memset(out, 0, sizeof *out);
    int fd = openat(rootfd, SG_MAILDIR_JOURNAL, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno;
    size_t klen = strlen(key);
    char *buf = sg_xmalloc(LINE_MAX_BYTES);
    size_t have = 0;
    bool skipping = false; /* inside an over-long line: up to its end */
    int rc = 0;
    for (;;) {
        size_t room = LINE_MAX_BYTES - have;
        if (room > READ_CHUNK)
            room = READ_CHUNK;
        if (!room) { /* no line break in LINE_MAX_BYTES */
            have = 0;
            skipping = true;
            continue;
        }
        ssize_t got = read(fd, buf + have, room);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = errno;
            break;
        }
        if (got == 0) {
            if (have && !skipping) /* a last line without its line break */
                scan_lines(buf, have, key, klen, now, out);
            break;
        }
        size_t from = have;
        have += (size_t)got;
        char *last = memrchr(buf + from, '\n', have - from);
        if (!last)
            continue;
        size_t whole = (size_t)(last + 1 - buf), first = 0;
        if (skipping) {
            first = (size_t)((char *)memchr(buf, '\n', have) + 1 - buf);
            skipping = false;
        }
        scan_lines(buf + first, whole - first, key, klen, now, out);
        memmove(buf, buf + whole, have - whole);
        have -= whole;
    }
    free(buf);
    close(fd);
    if (rc) {
        free(out->pairs);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

/* Whether the message of `final` (a path under the root) is there: in its
 * place, or moved from new/ to cur/ and given flags by an IMAP client
 * (same base name, before ':'). */
static bool final_exists(int rootfd, const char *final)
{
    struct stat st;
    if (fstatat(rootfd, final, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return true;
    const char *slash = strrchr(final, '/');
    if (!slash || slash - final < 3)
        return false;
    size_t dirlen = (size_t)(slash - final);
    char *cur = sg_xmalloc(dirlen + 1);
    memcpy(cur, final, dirlen);
    cur[dirlen] = '\0';
    memcpy(cur + dirlen - 3, "cur", 3); /* FOLDER/new -> FOLDER/cur (and cur stays cur) */
    const char *base = slash + 1;
    size_t blen = strcspn(base, ":");
    int dfd = openat(rootfd, cur, OPEN_DIR);
    free(cur);
    DIR *dir = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!dir) {
        if (dfd >= 0)
            close(dfd);
        return false;
    }
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(dir)) != NULL)
        found = strncmp(de->d_name, base, blen) == 0 && (de->d_name[blen] == ':' || de->d_name[blen] == '\0');
    closedir(dir);
    return found;
}

/* The directory part of a path under the root, opened. */
static int open_parent(int rootfd, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return -1;
    char *dir = sg_xmalloc((size_t)(slash - path) + 1);
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    int fd = openat(rootfd, dir, OPEN_DIR);
    free(dir);
    return fd;
}

sg_maildir_status sg_maildir_recover(const char *root, const sg_maildir_options *opt, time_t now, bool *delivered,
                                     size_t *copies, sg_maildir_error *err)
{
    *delivered = false;
    *copies = 0;
    sg_md_clear_err(err);
    if (!opt || !opt->journal_key)
        return SG_MAILDIR_OK;
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return SG_MAILDIR_OK; /* no Maildir yet: nothing was delivered */
    entry e;
    int rc = find(rootfd, opt->journal_key, now, &e);
    if (rc || !e.found) {
        close(rootfd);
        return SG_MAILDIR_OK;
    }
    if (e.done) {
        *delivered = true;
        free(e.pairs);
        close(rootfd);
        return SG_MAILDIR_OK;
    }
    /* P without D: the attempt died during its renames. */
    sg_maildir_status st = SG_MAILDIR_OK;
    size_t present = 0;
    char *save = NULL;
    char *tok = strtok_r(e.pairs, " ", &save);
    for (size_t i = 0; i < e.n && tok; i++) {
        char *tmp = tok, *final = strtok_r(NULL, " ", &save);
        if (!final)
            break;
        unescape(tmp);
        unescape(final);
        struct stat sb;
        if (final_exists(rootfd, final)) {
            present++;
        } else if (fstatat(rootfd, tmp, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode)) {
            /* written and fsynced before the P line: finish its rename */
            if (renameat(rootfd, tmp, rootfd, final) != 0) {
                int er = errno;
                sg_md_set_err(err, er, "rename(%s/%s, %s/%s): %s", root, tmp, root, final, strerror(er));
                st = SG_MAILDIR_TEMPFAIL;
                break;
            }
            int dfd = open_parent(rootfd, final);
            int er = dfd >= 0 && !opt->no_fsync ? sg_fsync_retry(dfd) : 0;
            if (dfd >= 0)
                close(dfd);
            if (er) {
                sg_md_set_err(err, er, "fsync(%s/%s): %s", root, final, strerror(er));
                st = SG_MAILDIR_TEMPFAIL;
                break;
            }
            present++;
        }
        tok = strtok_r(NULL, " ", &save);
    }
    if (st == SG_MAILDIR_OK && present == e.n && e.n > 0) {
        sg_maildir_txn t;
        memset(&t, 0, sizeof t);
        t.rootfd = rootfd;
        t.journal_fd = -1;
        t.opt = *opt;
        sg_md_journal_done(&t, now);
        *delivered = true;
        *copies = present;
    }
    free(e.pairs);
    close(rootfd);
    return st;
}

/* ---- tmp/ ---- */

static void clean_dir(int dfd, time_t now)
{
    DIR *dir = fdopendir(dfd);
    if (!dir) {
        close(dfd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        struct stat st;
        if (de->d_name[0] == '.' || fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISREG(st.st_mode) && st.st_mtime + TMP_MAX_AGE < now && st.st_atime + TMP_MAX_AGE < now)
            unlinkat(dirfd(dir), de->d_name, 0);
    }
    closedir(dir);
}

void sg_md_clean_tmp(int rootfd, time_t now)
{
    /* When: the root tmp/'s access time, set here after each scan (as Dovecot
     * does; explicitly, so that it works on noatime mounts too). */
    struct stat st;
    if (fstatat(rootfd, "tmp", &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        (st.st_atime + CLEAN_EVERY > now && st.st_atime <= now))
        return;
    const struct timespec times[2] = {{now, 0}, {0, UTIME_OMIT}};
    if (utimensat(rootfd, "tmp", times, AT_SYMLINK_NOFOLLOW) != 0)
        return; /* first: concurrent deliveries do not all scan */
    int tfd = openat(rootfd, "tmp", OPEN_DIR);
    if (tfd >= 0)
        clean_dir(tfd, now);
    int rfd = dup(rootfd);
    DIR *dir = rfd >= 0 ? fdopendir(rfd) : NULL;
    if (!dir) {
        if (rfd >= 0)
            close(rfd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] != '.' || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char sub[NAME_LIMIT + 8];
        snprintf(sub, sizeof sub, "%s/tmp", de->d_name);
        int sfd = openat(dirfd(dir), sub, OPEN_DIR);
        if (sfd >= 0)
            clean_dir(sfd, now);
    }
    closedir(dir);
}
