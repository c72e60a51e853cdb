/* maildir_keywords.c - message flags in the Maildir writer (maildir.h):
 * system flags as the info letters, keywords as the letters a..z that the
 * folder's dovecot-keywords file assigns (written under its lock, as Dovecot
 * does, when a keyword is new).
 *
 * Takes: a copy being added and its flags (IMAP flag names). Returns: the
 * copy's flag bits, or TEMPFAIL when dovecot-keywords cannot be updated.
 */
#include "engine/deliver/maildir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/read_fd.h"
#include "base/write_fd.h"
#include "engine/deliver/maildir_int.h"
#include "base/fsync_all.h"

#define KEYWORDS_LOCK "dovecot-keywords.lock"
#define KEYWORDS_LOCK_STALE 120 /* seconds, Dovecot's KEYWORDS_LOCK_STALE_TIMEOUT */
#define KEYWORDS_LOCK_WAIT_MS 10000
#define KEYWORDS_FILE_LIMIT (1 << 20)

void sg_md_keywords_clear(sg_md_keywords *kw)
{
    for (size_t i = 0; i < KEYWORDS_MAX; i++)
        free(kw->names[i]);
    memset(kw, 0, sizeof *kw);
}

static int keywords_find(const sg_md_keywords *kw, const char *name)
{
    for (int i = 0; i < KEYWORDS_MAX; i++)
        if (kw->names[i] && strcasecmp(kw->names[i], name) == 0)
            return i;
    return -1;
}

/* Reads the folder's dovecot-keywords ("INDEX NAME" lines; others skipped, as
 * Dovecot does). A missing file is an empty list. 0 or errno. */
int sg_md_keywords_read(int dirfd, sg_md_keywords *kw)
{
    sg_md_keywords_clear(kw);
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

/* Writes kw into the held lock and renames it over dovecot-keywords. */
static int keywords_write(const sg_maildir_txn *t, int dirfd, int lockfd, const sg_md_keywords *kw, time_t old_mtime)
{
    size_t n = 0;
    for (int i = 0; i < KEYWORDS_MAX; i++)
        n += kw->names[i] ? strlen(kw->names[i]) + 4 : 0;
    char *text = sg_xmalloc(n + 1);
    size_t o = 0;
    for (int i = 0; i < KEYWORDS_MAX; i++)
        if (kw->names[i])
            o += (size_t)snprintf(text + o, n + 1 - o, "%d %s\n", i, kw->names[i]);
    int e = sg_write_fd(lockfd, text, o);
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
        e = sg_fsync_retry(lockfd);
    if (!e && renameat(dirfd, KEYWORDS_LOCK, dirfd, KEYWORDS_FILE) != 0)
        e = errno;
    if (!e && !t->opt.no_fsync)
        e = sg_fsync_retry(dirfd);
    return e;
}

bool sg_maildir_keyword_valid(const char *s, size_t n)
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

/* A keyword the file name cannot hold: "MAILBOX: KW" into t->dropped. */
static void note_dropped(sg_maildir_txn *t, const sg_md_copy *c, const char *kw, size_t n)
{
    size_t have = t->dropped ? strlen(t->dropped) : 0, ml = strlen(c->mailbox);
    t->dropped = sg_xrealloc(t->dropped, have + ml + n + 5);
    sprintf(t->dropped + have, "%s%s: %.*s", have ? ", " : "", c->mailbox, (int)n, kw);
}

/* Adds the flags to c: system flags as bits, keywords as letters (assigned
 * in the folder's dovecot-keywords when new). */
sg_maildir_status sg_md_apply_flags(sg_maildir_txn *t, sg_md_copy *c, const char *const *flags, size_t nflags,
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
                for (size_t i = 0; i < SG_MD_NSYSTEM; i++)
                    if (strlen(sg_md_system_flags[i].name) == n && strncasecmp(sg_md_system_flags[i].name, p, n) == 0)
                        c->sysflags |= 1u << i;
            } else if (!sg_maildir_keyword_valid(p, n)) {
                note_dropped(t, c, p, n); /* not an IMAP atom: no letter can stand for it */
            } else {
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
    sg_md_keywords kw;
    memset(&kw, 0, sizeof kw);
    int e = nwanted ? sg_md_keywords_read(c->dirfd, &kw) : 0;
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
        e = sg_md_keywords_read(c->dirfd, &kw);
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
            if (idx >= 0)
                c->keywords |= 1u << idx;
            else /* all 26 letters are taken: said, never dropped in silence */
                note_dropped(t, c, wanted[i], strlen(wanted[i]));
        }
        if (!e && changed)
            e = keywords_write(t, c->dirfd, lockfd, &kw, old_mtime);
        close(lockfd);
        if (e || !changed)
            unlinkat(c->dirfd, KEYWORDS_LOCK, 0);
    }
    if (e) {
        char *p = sg_md_join_path(t->root, c->folder, KEYWORDS_FILE, NULL);
        sg_md_set_err(err, e, "updating %s: %s", p, strerror(e));
        free(p);
        st = SG_MAILDIR_TEMPFAIL;
    }
    sg_md_keywords_clear(&kw);
    for (size_t i = 0; i < nwanted; i++)
        free(wanted[i]);
    free(wanted);
    return st;
}
