/* maildir_move.c - moving a stored message to another folder, with flags
 * added (sievegate filter; maildir.h sg_maildir_move), and reading the
 * flags of a stored message's name.
 *
 * Takes: a path in a folder's new/ or cur/, a mailbox, flags. Returns: the
 * message exactly once, in its new place or where it was.
 */
#include "engine/deliver/maildir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/deliver/maildir_int.h"
#include "base/fsync_all.h"

/* The flags of a Maildir file name's info (":2,LETTERS"), as names: system
 * letters by sg_md_system_flags, keyword letters through the folder's keywords. */
static size_t name_flags(const char *letters, const sg_md_keywords *kw, const char **out, size_t max)
{
    size_t n = 0;
    for (const char *p = letters; *p && n < max; p++) {
        if (*p >= 'a' && *p < 'a' + KEYWORDS_MAX) {
            if (kw->names[*p - 'a'])
                out[n++] = kw->names[*p - 'a'];
            continue;
        }
        for (size_t i = 0; i < SG_MD_NSYSTEM; i++)
            if (sg_md_system_flags[i].letter == *p)
                out[n++] = sg_md_system_flags[i].name;
    }
    return n;
}

sg_maildir_status sg_maildir_move(const char *root, const sg_maildir_options *opt, const char *path,
                                  const char *mailbox, const char *const *flags, size_t nflags, bool create,
                                  char **new_path, sg_maildir_error *err)
{
    sg_md_clear_err(err);
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
        sg_md_set_err(err, EINVAL, "%s is not in the new/ or cur/ of a Maildir folder", path);
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

    sg_md_keywords skw;
    memset(&skw, 0, sizeof skw);
    int sfd = open(folder_path, OPEN_DIR & ~O_NOFOLLOW);
    int e = sfd < 0 ? errno : (info ? sg_md_keywords_read(sfd, &skw) : 0);
    sg_maildir_txn *t = NULL;
    sg_maildir_status st = SG_MAILDIR_OK;
    if (e) {
        sg_md_set_err(err, e, "reading %s/%s: %s", folder_path, KEYWORDS_FILE, strerror(e));
        st = SG_MAILDIR_TEMPFAIL;
    }
    if (st == SG_MAILDIR_OK)
        st = sg_maildir_begin(root, opt, NULL, 0, NULL, 0, &t, err);
    sg_md_copy c;
    memset(&c, 0, sizeof c);
    c.dirfd = c.tmpfd = c.newfd = c.curfd = c.fd = -1;
    char folder[NAME_LIMIT + 1];
    if (st == SG_MAILDIR_OK)
        st = sg_maildir_folder_dir(mailbox, folder, sizeof folder, err);
    if (st == SG_MAILDIR_OK) {
        c.mailbox = sg_xstrdup(mailbox);
        c.folder = sg_xstrdup(folder);
        st = sg_md_open_folder(t, &c, create, err);
    }
    if (st == SG_MAILDIR_OK) {
        const char *all[SG_MD_NSYSTEM + KEYWORDS_MAX + 1];
        size_t n = name_flags(info ? info + 3 : "", &skw, all, SG_MD_NSYSTEM + KEYWORDS_MAX);
        st = sg_md_apply_flags(t, &c, all, n, err);
        if (st == SG_MAILDIR_OK)
            st = sg_md_apply_flags(t, &c, flags, nflags, err);
    }
    if (st == SG_MAILDIR_OK) {
        bool to_cur = in_cur || c.sysflags || c.keywords;
        int dest = to_cur ? c.curfd : c.newfd;
        char *dname = sg_md_final_name(&c, base);
        if (to_cur && !c.sysflags && !c.keywords) { /* in cur/, a name has its info, if empty */
            size_t dn = strlen(dname);
            dname = sg_xrealloc(dname, dn + 4);
            memcpy(dname + dn, ":2,", 4);
        }
        struct stat a, b;
        int srcdirfd = openat(sfd, in_cur ? "cur" : "new", OPEN_DIR);
        bool same_dir = srcdirfd >= 0 && fstat(srcdirfd, &a) == 0 && fstat(dest, &b) == 0 && a.st_dev == b.st_dev &&
                        a.st_ino == b.st_ino;
        char *to = sg_md_join_path(t->root, c.folder, to_cur ? "cur" : "new", dname);
        if (srcdirfd < 0) {
            e = errno;
            sg_md_set_err(err, e, "open(%s): %s", folder_path, strerror(e));
            st = SG_MAILDIR_TEMPFAIL;
        } else if (same_dir && strcmp(dname, name) == 0) {
            /* already there, as it is */
        } else if (linkat(srcdirfd, name, dest, dname, 0) != 0) {
            e = errno;
            sg_md_set_err(err, e, "link(%s, %s): %s", path, to, strerror(e));
            st = SG_MAILDIR_TEMPFAIL;
        } else if ((!t->opt.no_fsync && (e = sg_fsync_retry(dest)) != 0) || (unlinkat(srcdirfd, name, 0) != 0 && (e = errno))) {
            /* the new name may not be durable, or the old one is still there:
             * undo the link so the message stays exactly once, where it was */
            sg_md_set_err(err, e, "moving %s to %s: %s", path, to, strerror(e));
            unlinkat(dest, dname, 0);
            st = SG_MAILDIR_TEMPFAIL;
        } else if (!t->opt.no_fsync) {
            sg_fsync_retry(srcdirfd);
        }
        if (st == SG_MAILDIR_OK && new_path)
            *new_path = sg_xstrdup(to);
        free(to);
        free(dname);
        if (srcdirfd >= 0)
            close(srcdirfd);
    }
    sg_md_copy_free(&c);
    sg_maildir_free(t);
    sg_md_keywords_clear(&skw);
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
    sg_md_keywords kw;
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
        sg_md_keywords_read(fd, &kw);
        close(fd);
    }
    const char *all[SG_MD_NSYSTEM + KEYWORDS_MAX];
    size_t n = name_flags(info + 3, &kw, all, SG_MD_NSYSTEM + KEYWORDS_MAX);
    const char **out = sg_arena_alloc(arena, (n + 1) * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = sg_arena_strdup(arena, all[i]);
    sg_md_keywords_clear(&kw);
    *flags = out;
    return n;
}
