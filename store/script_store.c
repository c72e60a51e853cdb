/* script_store.c - see script_store.h. */
#include "store/script_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/attr.h"
#include "base/mkdir_p.h"
#include "base/read_fd.h"
#include "base/utf8.h"
#include "base/write_fd.h"

#define SUFFIX ".sieve"
#define SUFFIX_LEN 6
#define ORIG_NAME "dovecot.orig" /* Pigeonhole's name for a rescued regular ACTIVE */
#define GET_MAX ((size_t)256 << 20)

struct sg_script_store {
    sg_script_store_config cfg;
    char *dir, *active, *tmpdir;
    char *link_prefix; /* what the active link holds before NAME.sieve: "sieve/" or "/abs/dir/" */
    int dirfd;         /* DIR, for the lock */
};

static sg_scripts_status failed(char *err, size_t errlen, const char *fmt, ...) SG_PRINTF(3, 4);
static sg_scripts_status failed(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return SG_SCRIPTS_FAILED;
}

const char *sg_script_name_invalid(const char *name, size_t len)
{
    if (len == 0)
        return "a script name cannot be empty";
    if (sg_utf8_invalid_at(name, len) != len)
        return "a script name must be UTF-8";
    if (len > SG_SCRIPT_NAME_MAX_BYTES)
        return "the script name is too long";
    size_t chars = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c = sg_utf8_next((const unsigned char *)name, len, &i);
        /* RFC 5804 §1.6: no control characters, DELETE, LINE and PARAGRAPH SEPARATOR */
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029)
            return "a script name cannot hold control characters";
        if (c == '/')
            return "a script name cannot hold '/'";
        chars++;
    }
    if (chars > SG_SCRIPT_NAME_MAX_CHARS)
        return "the script name is too long";
    return NULL;
}

static char *join(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = sg_xmalloc(la + lb + lc + 1);
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

/* DIR/NAME.sieve (malloc'd). */
static char *script_path(const sg_script_store *st, const char *name)
{
    char *d = join(st->dir, "/", name);
    char *p = join(d, SUFFIX, "");
    free(d);
    return p;
}

/* ---- locking ---- */

static sg_scripts_status lock(sg_script_store *st, char *err, size_t errlen)
{
    while (flock(st->dirfd, LOCK_EX) != 0)
        if (errno != EINTR)
            return failed(err, errlen, "flock(%s): %s", st->dir, strerror(errno));
    return SG_SCRIPTS_OK;
}

static sg_scripts_status unlock(sg_script_store *st, sg_scripts_status rc)
{
    flock(st->dirfd, LOCK_UN);
    return rc;
}

/* ---- the active link ---- */

/* The name the active link points to (malloc'd), NULL when ACTIVE is no link
 * into DIR. */
static char *active_name(const sg_script_store *st)
{
    char target[4096];
    ssize_t n = readlink(st->active, target, sizeof target - 1);
    if (n <= 0)
        return NULL;
    target[n] = '\0';
    char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    size_t bl = strlen(base);
    if (bl <= SUFFIX_LEN || strcmp(base + bl - SUFFIX_LEN, SUFFIX) != 0)
        return NULL;
    char *name = sg_xmalloc(bl - SUFFIX_LEN + 1);
    memcpy(name, base, bl - SUFFIX_LEN);
    name[bl - SUFFIX_LEN] = '\0';
    /* the link's directory part, from ACTIVE's directory when relative, must be DIR */
    char *where;
    if (target[0] == '/') {
        *(slash == target ? slash + 1 : slash) = '\0';
        where = sg_xstrdup(target);
    } else {
        char *ad = sg_xstrdup(st->active);
        char *s = strrchr(ad, '/');
        *(s == ad ? s + 1 : s) = '\0';
        if (slash)
            *slash = '\0';
        where = slash ? join(ad, "/", target) : sg_xstrdup(ad);
        free(ad);
    }
    struct stat a, b;
    bool here = stat(where, &a) == 0 && stat(st->dir, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    free(where);
    if (!here) {
        free(name);
        return NULL;
    }
    return name;
}

/* Points ACTIVE at NAME.sieve: a link made under a temporary name, renamed
 * over ACTIVE. */
static sg_scripts_status link_active(const sg_script_store *st, const char *name, char *err, size_t errlen)
{
    char *target = join(st->link_prefix, name, SUFFIX);
    char pid[32];
    snprintf(pid, sizeof pid, ".sievegate-tmp.%ld", (long)getpid());
    char *tmp = join(st->active, pid, "");
    unlink(tmp); /* left by an earlier process of this pid */
    sg_scripts_status rc = SG_SCRIPTS_OK;
    if (symlink(target, tmp) != 0)
        rc = failed(err, errlen, "symlink(%s): %s", tmp, strerror(errno));
    else if (rename(tmp, st->active) != 0) {
        rc = failed(err, errlen, "rename(%s, %s): %s", tmp, st->active, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    free(target);
    return rc;
}

/* ACTIVE is a regular file: it becomes DIR/dovecot.orig.sieve, linked and
 * still active (nothing is lost, delivery goes on running it). */
static sg_scripts_status rescue_regular(sg_script_store *st, char *err, size_t errlen)
{
    struct stat sb;
    if (lstat(st->active, &sb) != 0 || !S_ISREG(sb.st_mode))
        return SG_SCRIPTS_OK;
    char *orig = script_path(st, ORIG_NAME);
    sg_scripts_status rc = SG_SCRIPTS_OK;
    if (access(orig, F_OK) == 0)
        rc = failed(err, errlen, "%s is a regular file and %s exists: move one of them away", st->active, orig);
    else if (link(st->active, orig) != 0) /* a link, then the switch: ACTIVE is never missing */
        rc = failed(err, errlen, "%s is a regular file and cannot be moved to %s: %s", st->active, orig,
                    strerror(errno));
    else if ((rc = link_active(st, ORIG_NAME, err, errlen)) != SG_SCRIPTS_OK)
        unlink(orig);
    free(orig);
    return rc;
}

/* ---- opening ---- */

sg_scripts_status sg_script_store_open(const sg_script_store_config *cfg, sg_script_store **out, char *err,
                                       size_t errlen)
{
    *out = NULL;
    if (cfg->dir[0] != '/' || cfg->active[0] != '/')
        return failed(err, errlen, "sieve_dir and sieve must be absolute paths");
    sg_script_store *st = sg_xmalloc(sizeof *st);
    memset(st, 0, sizeof *st);
    st->cfg = *cfg;
    st->dir = sg_xstrdup(cfg->dir);
    for (size_t n = strlen(st->dir); n > 1 && st->dir[n - 1] == '/'; n--)
        st->dir[n - 1] = '\0';
    st->active = sg_xstrdup(cfg->active);
    st->tmpdir = join(st->dir, "/tmp", "");
    st->dirfd = -1;
    /* relative when DIR is below ACTIVE's directory */
    const char *slash = strrchr(st->active, '/');
    size_t adl = (size_t)(slash - st->active);
    if (adl == 0 ? st->dir[1] != '\0' : strncmp(st->dir, st->active, adl) == 0 && st->dir[adl] == '/')
        st->link_prefix = join(st->dir + adl + 1, "/", "");
    else
        st->link_prefix = join(st->dir, "/", "");
    st->cfg.dir = st->dir;
    st->cfg.active = st->active;
    char where[4096];
    int e = sg_mkdir_p(st->tmpdir, 0700, where, sizeof where);
    sg_scripts_status rc = SG_SCRIPTS_OK;
    if (e)
        rc = failed(err, errlen, "mkdir(%s): %s", where, strerror(e));
    else if ((st->dirfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        rc = failed(err, errlen, "open(%s): %s", st->dir, strerror(errno));
    else if ((rc = lock(st, err, errlen)) == SG_SCRIPTS_OK)
        rc = unlock(st, rescue_regular(st, err, errlen));
    if (rc != SG_SCRIPTS_OK) {
        sg_script_store_close(st);
        return rc;
    }
    *out = st;
    return SG_SCRIPTS_OK;
}

void sg_script_store_close(sg_script_store *st)
{
    if (!st)
        return;
    if (st->dirfd >= 0)
        close(st->dirfd);
    free(st->dir);
    free(st->active);
    free(st->tmpdir);
    free(st->link_prefix);
    free(st);
}

const char *sg_script_store_dir(const sg_script_store *st)
{
    return st->dir;
}

/* ---- reading ---- */

static int by_name(const void *a, const void *b)
{
    return strcmp(((const sg_script_info *)a)->name, ((const sg_script_info *)b)->name);
}

/* The scripts and their sizes (no locking: each rename is atomic). */
static sg_scripts_status scan(sg_script_store *st, sg_arena *arena, sg_script_info **out, size_t *n, char *err,
                              size_t errlen)
{
    *out = NULL;
    *n = 0;
    int fd = dup(st->dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return failed(err, errlen, "opendir(%s): %s", st->dir, strerror(errno));
    }
    rewinddir(d);
    size_t cap = 0, count = 0;
    sg_script_info *v = NULL;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l <= SUFFIX_LEN || strcmp(de->d_name + l - SUFFIX_LEN, SUFFIX) != 0 ||
            sg_script_name_invalid(de->d_name, l - SUFFIX_LEN))
            continue;
        struct stat sb;
        if (fstatat(st->dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
            continue;
        v = sg_arena_grow(arena, v, count, &cap, sizeof *v, 16);
        v[count].name = sg_arena_strndup(arena, de->d_name, l - SUFFIX_LEN);
        v[count].size = (unsigned long long)sb.st_size;
        v[count].active = false;
        count++;
    }
    closedir(d);
    if (count)
        qsort(v, count, sizeof *v, by_name);
    *out = v;
    *n = count;
    return SG_SCRIPTS_OK;
}

sg_scripts_status sg_script_store_list(sg_script_store *st, sg_arena *arena, sg_script_info **out, size_t *n,
                                       char *err, size_t errlen)
{
    sg_scripts_status rc = scan(st, arena, out, n, err, errlen);
    char *active = rc == SG_SCRIPTS_OK ? active_name(st) : NULL;
    for (size_t i = 0; active && i < *n; i++)
        (*out)[i].active = strcmp((*out)[i].name, active) == 0;
    free(active);
    return rc;
}

sg_scripts_status sg_script_store_active(sg_script_store *st, sg_arena *arena, const char **name, char *err,
                                         size_t errlen)
{
    (void)err;
    (void)errlen;
    char *a = active_name(st);
    *name = a ? sg_arena_strdup(arena, a) : NULL;
    free(a);
    return SG_SCRIPTS_OK;
}

sg_scripts_status sg_script_store_get(sg_script_store *st, const char *name, char **data, size_t *len, char *err,
                                      size_t errlen)
{
    *data = NULL;
    *len = 0;
    const char *why = sg_script_name_invalid(name, strlen(name));
    if (why)
        return SG_SCRIPTS_NONEXISTENT;
    char *path = script_path(st, name);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    sg_scripts_status rc = SG_SCRIPTS_OK;
    if (fd < 0) {
        rc = errno == ENOENT ? SG_SCRIPTS_NONEXISTENT : failed(err, errlen, "open(%s): %s", path, strerror(errno));
    } else {
        struct stat sb;
        int e = fstat(fd, &sb) != 0 ? errno : !S_ISREG(sb.st_mode) ? EISDIR
                                                                   : sg_read_fd(fd, (size_t)sb.st_size, GET_MAX, data, len);
        if (e || *len > GET_MAX) {
            rc = failed(err, errlen, "read(%s): %s", path, e ? strerror(e) : "too large");
            free(*data);
            *data = NULL;
            *len = 0;
        }
        close(fd);
    }
    free(path);
    return rc;
}

/* ---- quotas ---- */

/* BAD_NAME with the reason in err, or OK. */
static sg_scripts_status check_name(const char *name, char *err, size_t errlen)
{
    const char *why = sg_script_name_invalid(name, strlen(name));
    if (!why)
        return SG_SCRIPTS_OK;
    snprintf(err, errlen, "%s", why);
    return SG_SCRIPTS_BAD_NAME;
}

/* Would `size` bytes as `name` fit? (Under the lock for a change.) */
static sg_scripts_status fits(sg_script_store *st, const char *name, unsigned long long size, char *err,
                              size_t errlen)
{
    if (st->cfg.max_script_size && size > st->cfg.max_script_size)
        return SG_SCRIPTS_TOO_LARGE;
    if (!st->cfg.max_scripts && !st->cfg.max_storage)
        return SG_SCRIPTS_OK;
    sg_arena *arena = sg_arena_new();
    sg_script_info *v;
    size_t n;
    sg_scripts_status rc = scan(st, arena, &v, &n, err, errlen);
    unsigned long long total = 0;
    bool replaces = false;
    for (size_t i = 0; rc == SG_SCRIPTS_OK && i < n; i++) {
        if (strcmp(v[i].name, name) == 0)
            replaces = true;
        else
            total += v[i].size;
    }
    if (rc == SG_SCRIPTS_OK && !replaces && st->cfg.max_scripts && n + 1 > st->cfg.max_scripts)
        rc = SG_SCRIPTS_TOO_MANY;
    else if (rc == SG_SCRIPTS_OK && st->cfg.max_storage && total + size > st->cfg.max_storage)
        rc = SG_SCRIPTS_OVER_QUOTA;
    sg_arena_free(arena);
    return rc;
}

sg_scripts_status sg_script_store_havespace(sg_script_store *st, const char *name, unsigned long long size,
                                            char *err, size_t errlen)
{
    sg_scripts_status rc = check_name(name, err, errlen);
    return rc != SG_SCRIPTS_OK ? rc : fits(st, name, size, err, errlen);
}

/* ---- changes ---- */

/* Writes the bytes to a new file in DIR/tmp (fsync()ed); its path in *tmp. */
static sg_scripts_status write_tmp(sg_script_store *st, const char *data, size_t len, char **tmp, char *err,
                                   size_t errlen)
{
    *tmp = join(st->tmpdir, "/", "script.XXXXXX");
    int fd = mkstemp(*tmp);
    if (fd < 0) {
        sg_scripts_status rc = failed(err, errlen, "mkstemp(%s): %s", *tmp, strerror(errno));
        free(*tmp);
        *tmp = NULL;
        return rc;
    }
    int e = sg_write_fd(fd, data, len);
    if (!e && !st->cfg.no_fsync && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (e) {
        unlink(*tmp);
        sg_scripts_status rc = failed(err, errlen, "write(%s): %s", *tmp, strerror(e));
        free(*tmp);
        *tmp = NULL;
        return rc;
    }
    return SG_SCRIPTS_OK;
}

sg_scripts_status sg_script_store_put(sg_script_store *st, const char *name, const char *data, size_t len,
                                      char *err, size_t errlen)
{
    sg_scripts_status rc = check_name(name, err, errlen);
    if (rc == SG_SCRIPTS_OK)
        rc = lock(st, err, errlen);
    if (rc != SG_SCRIPTS_OK)
        return rc;
    rc = fits(st, name, len, err, errlen);
    char *tmp = NULL;
    if (rc == SG_SCRIPTS_OK)
        rc = write_tmp(st, data, len, &tmp, err, errlen);
    if (rc == SG_SCRIPTS_OK) {
        char *path = script_path(st, name);
        if (rename(tmp, path) != 0) {
            rc = failed(err, errlen, "rename(%s, %s): %s", tmp, path, strerror(errno));
            unlink(tmp);
        } else if (!st->cfg.no_fsync && fsync(st->dirfd) != 0) {
            rc = failed(err, errlen, "fsync(%s): %s", st->dir, strerror(errno));
        }
        free(path);
    }
    free(tmp);
    return unlock(st, rc);
}

sg_scripts_status sg_script_store_delete(sg_script_store *st, const char *name, char *err, size_t errlen)
{
    if (sg_script_name_invalid(name, strlen(name)))
        return SG_SCRIPTS_NONEXISTENT;
    sg_scripts_status rc = lock(st, err, errlen);
    if (rc != SG_SCRIPTS_OK)
        return rc;
    char *active = active_name(st);
    char *path = script_path(st, name);
    if (active && strcmp(active, name) == 0)
        rc = SG_SCRIPTS_ACTIVE;
    else if (unlink(path) != 0)
        rc = errno == ENOENT ? SG_SCRIPTS_NONEXISTENT : failed(err, errlen, "unlink(%s): %s", path, strerror(errno));
    free(path);
    free(active);
    return unlock(st, rc);
}

sg_scripts_status sg_script_store_rename(sg_script_store *st, const char *from, const char *to, char *err,
                                         size_t errlen)
{
    if (sg_script_name_invalid(from, strlen(from)))
        return SG_SCRIPTS_NONEXISTENT;
    sg_scripts_status rc = check_name(to, err, errlen);
    if (rc == SG_SCRIPTS_OK)
        rc = lock(st, err, errlen);
    if (rc != SG_SCRIPTS_OK)
        return rc;
    char *a = script_path(st, from), *b = script_path(st, to);
    char *active = active_name(st);
    struct stat sb;
    if (lstat(a, &sb) != 0 || !S_ISREG(sb.st_mode))
        rc = SG_SCRIPTS_NONEXISTENT;
    else if (link(a, b) != 0) /* never replaces: the new name must be free */
        rc = errno == EEXIST ? SG_SCRIPTS_EXISTS : failed(err, errlen, "link(%s, %s): %s", a, b, strerror(errno));
    else if (active && strcmp(active, from) == 0 && (rc = link_active(st, to, err, errlen)) != SG_SCRIPTS_OK)
        unlink(b); /* still active under the old name */
    else if (unlink(a) != 0)
        rc = failed(err, errlen, "unlink(%s): %s", a, strerror(errno));
    if (rc == SG_SCRIPTS_OK && !st->cfg.no_fsync && fsync(st->dirfd) != 0)
        rc = failed(err, errlen, "fsync(%s): %s", st->dir, strerror(errno));
    free(a);
    free(b);
    free(active);
    return unlock(st, rc);
}

sg_scripts_status sg_script_store_activate(sg_script_store *st, const char *name, char *err, size_t errlen)
{
    if (name && *name && sg_script_name_invalid(name, strlen(name)))
        return SG_SCRIPTS_NONEXISTENT;
    sg_scripts_status rc = lock(st, err, errlen);
    if (rc != SG_SCRIPTS_OK)
        return rc;
    struct stat sb;
    if (!name || !*name) {
        /* only a link is removed: a regular file here was rescued at open */
        if (lstat(st->active, &sb) == 0 && S_ISLNK(sb.st_mode) && unlink(st->active) != 0 && errno != ENOENT)
            rc = failed(err, errlen, "unlink(%s): %s", st->active, strerror(errno));
        return unlock(st, rc);
    }
    char *path = script_path(st, name);
    if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        rc = SG_SCRIPTS_NONEXISTENT;
    else if (lstat(st->active, &sb) == 0 && !S_ISLNK(sb.st_mode))
        rc = failed(err, errlen, "%s is not a symbolic link: not replaced", st->active);
    else
        rc = link_active(st, name, err, errlen);
    free(path);
    return unlock(st, rc);
}
