/* policy_snapshot_file.c - see policy_snapshot_file.h. */
#define _GNU_SOURCE /* O_NOFOLLOW, O_CLOEXEC, st_mtim */
#include "store/policy_snapshot_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/read_fd.h"
#include "base/write_fd.h"
#include "store/policy_codec.h"

#define MAGIC "SGPSNAP2" /* 2: six entries (the admin forwards) */
#define HEADER_MAX 512
#define SQLITE_HEADER_LEN 100
#define WRITE_ATTEMPTS 3

_Static_assert(SG_PART_COUNT == 6, "the header has one length per part");

/* The state of the store file a copy belongs to. */
typedef struct {
    uint32_t counter;
    uint64_t size, ino, dev;
    int64_t mtime_sec, mtime_nsec;
} store_label;

static bool labels_equal(const store_label *a, const store_label *b)
{
    return a->counter == b->counter && a->size == b->size && a->ino == b->ino && a->dev == b->dev &&
           a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

static char *path_with(const char *path, const char *suffix)
{
    size_t n = strlen(path), m = strlen(suffix);
    char *p = malloc(n + m + 1);
    if (p) {
        memcpy(p, path, n);
        memcpy(p + n, suffix, m + 1);
    }
    return p;
}

/* A rollback journal with data in it: a write in progress, or one that was
 * interrupted and that the next SQLite reader will roll back. */
static bool journal_has_data(const char *store_path)
{
    char *j = path_with(store_path, "-journal");
    struct stat sb;
    bool busy = !j || (stat(j, &sb) == 0 ? sb.st_size > 0 : errno != ENOENT);
    free(j);
    return busy;
}

/* Reads the label of the store file now; *sb gets its stat. */
static bool read_label(const char *store_path, store_label *label, struct stat *sb, char *why, size_t whylen)
{
    int fd = open(store_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whylen, "cannot open %s: %s", store_path, strerror(errno));
        return false;
    }
    unsigned char h[SQLITE_HEADER_LEN];
    bool ok = fstat(fd, sb) == 0 && S_ISREG(sb->st_mode) && pread(fd, h, sizeof h, 0) == (ssize_t)sizeof h;
    close(fd); /* no SQLite transaction is open here (see the header) */
    if (!ok || memcmp(h, "SQLite format 3", 16) != 0) {
        snprintf(why, whylen, "%s is not an SQLite database", store_path);
        return false;
    }
    /* File format write/read versions 1: rollback journal. In WAL mode the
     * change counter is not kept up to date, so it could not label a copy. */
    if (h[18] != 1 || h[19] != 1) {
        snprintf(why, whylen, "%s is not in rollback-journal mode", store_path);
        return false;
    }
    label->counter = (uint32_t)h[24] << 24 | (uint32_t)h[25] << 16 | (uint32_t)h[26] << 8 | h[27];
    label->size = (uint64_t)sb->st_size;
    label->ino = (uint64_t)sb->st_ino;
    label->dev = (uint64_t)sb->st_dev;
    label->mtime_sec = (int64_t)sb->st_mtim.tv_sec;
    label->mtime_nsec = (int64_t)sb->st_mtim.tv_nsec;
    return true;
}

/* ------------------------------------------------------------- reading */

/* Parses "SGPSNAP2 n n n n n n n n n n n n n\n"; strict: one space between
 * decimal numbers without leading zeros, nothing else. */
static bool parse_header(const char *buf, size_t len, store_label *label, uint64_t *generation,
                         size_t lens[SG_PART_COUNT], size_t *header_len)
{
    const char *nl = memchr(buf, '\n', len < HEADER_MAX ? len : HEADER_MAX);
    if (!nl || (size_t)(nl - buf) < sizeof MAGIC || memcmp(buf, MAGIC " ", sizeof MAGIC) != 0)
        return false;
    uint64_t v[7 + SG_PART_COUNT];
    const char *p = buf + sizeof MAGIC;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        if (i > 0 && *p++ != ' ')
            return false;
        if (p >= nl || *p < '0' || *p > '9' || (*p == '0' && p + 1 < nl && p[1] >= '0' && p[1] <= '9'))
            return false;
        uint64_t x = 0;
        for (; p < nl && *p >= '0' && *p <= '9'; p++) {
            if (x > (UINT64_MAX - 9) / 10)
                return false;
            x = x * 10 + (uint64_t)(*p - '0');
        }
        v[i] = x;
    }
    if (p != nl || v[0] > UINT32_MAX || v[4] > INT64_MAX || v[5] >= 1000000000)
        return false;
    *label = (store_label){(uint32_t)v[0], v[1], v[2], v[3], (int64_t)v[4], (int64_t)v[5]};
    *generation = v[6];
    for (size_t i = 0; i < SG_PART_COUNT; i++) {
        if (v[7 + i] > SG_POLICY_ENTRY_MAX)
            return false;
        lens[i] = (size_t)v[7 + i];
    }
    *header_len = (size_t)(nl - buf) + 1;
    return true;
}

/* The copy's owner and mode: no one may have written it whom the store file
 * would not let write. */
static bool trusted(const struct stat *snap, const struct stat *store)
{
    return S_ISREG(snap->st_mode) && snap->st_uid == store->st_uid &&
           ((snap->st_mode & ~store->st_mode) & (S_IWGRP | S_IWOTH)) == 0 &&
           (!(snap->st_mode & S_IWGRP) || snap->st_gid == store->st_gid);
}

static sg_policy *decode(const char *buf, size_t size, const store_label *now, char *why, size_t whylen)
{
    store_label label;
    uint64_t generation;
    size_t lens[SG_PART_COUNT], off;
    if (!parse_header(buf, size, &label, &generation, lens, &off)) {
        snprintf(why, whylen, "the snapshot file's header is corrupt");
        return NULL;
    }
    if (!labels_equal(&label, now)) {
        snprintf(why, whylen, "the snapshot file is older than the store");
        return NULL;
    }
    const char *data[SG_PART_COUNT];
    for (size_t i = 0; i < SG_PART_COUNT; i++) {
        if (lens[i] > size - off) {
            snprintf(why, whylen, "the snapshot file is truncated");
            return NULL;
        }
        data[i] = buf + off;
        off += lens[i];
    }
    sg_policy *p = off == size ? sg_policy_decode(generation, data, lens) : NULL;
    if (!p)
        snprintf(why, whylen, "the snapshot file is corrupt");
    return p;
}

static void memo_label(const sg_snapshot_file_memo *m, store_label *l)
{
    *l = (store_label){m->counter, m->size, m->ino, m->dev, m->mtime_sec, m->mtime_nsec};
}

void sg_snapshot_file_memo_clear(sg_snapshot_file_memo *memo)
{
    if (!memo)
        return;
    free(memo->buf);
    memset(memo, 0, sizeof *memo);
}

sg_snapshot_file_status sg_snapshot_file_read_memo(const char *store_path, sg_snapshot_file_memo *memo, sg_policy **out,
                                                   char *why, size_t whylen)
{
    *out = NULL;
    store_label now;
    struct stat store_sb, snap_sb;
    if (!read_label(store_path, &now, &store_sb, why, whylen))
        return SG_SNAPSHOT_FILE_UNUSABLE;
    if (journal_has_data(store_path)) {
        snprintf(why, whylen, "a write to %s is in progress or was interrupted", store_path);
        return SG_SNAPSHOT_FILE_UNUSABLE;
    }
    store_label kept;
    if (memo && memo->have && (memo_label(memo, &kept), labels_equal(&kept, &now))) {
        /* the store is exactly as it was when the copy was read and trusted */
        *out = decode(memo->buf, memo->len, &now, why, whylen);
        if (*out)
            return SG_SNAPSHOT_FILE_OK;
    }
    sg_snapshot_file_memo_clear(memo);
    char *snap = path_with(store_path, ".snapshot");
    int fd = snap ? open(snap, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
    if (fd < 0) {
        snprintf(why, whylen, "no snapshot file %s.snapshot: %s", store_path, strerror(errno));
        free(snap);
        return SG_SNAPSHOT_FILE_UNUSABLE;
    }
    char *buf = NULL;
    size_t len = 0;
    int e = 0;
    const size_t max = HEADER_MAX + SG_PART_COUNT * SG_POLICY_ENTRY_MAX;
    if (fstat(fd, &snap_sb) != 0 || !trusted(&snap_sb, &store_sb))
        snprintf(why, whylen, "%s is not owned like the store, or is writable by others", snap);
    else if (snap_sb.st_size <= 0 || (uint64_t)snap_sb.st_size > max)
        snprintf(why, whylen, "%s has an impossible size", snap);
    else if ((e = sg_read_fd(fd, (size_t)snap_sb.st_size, max, &buf, &len)) != 0)
        snprintf(why, whylen, "cannot read %s: %s", snap, strerror(e));
    else if (len > max)
        snprintf(why, whylen, "%s has an impossible size", snap);
    else
        *out = decode(buf, len, &now, why, whylen);
    close(fd);
    if (*out && memo) { /* decoded: its label is the store's now */
        memo->have = true;
        memo->counter = now.counter;
        memo->size = now.size;
        memo->ino = now.ino;
        memo->dev = now.dev;
        memo->mtime_sec = now.mtime_sec;
        memo->mtime_nsec = now.mtime_nsec;
        memo->buf = buf;
        memo->len = len;
        buf = NULL;
    }
    free(buf);
    free(snap);
    return *out ? SG_SNAPSHOT_FILE_OK : SG_SNAPSHOT_FILE_UNUSABLE;
}

sg_snapshot_file_status sg_snapshot_file_read(const char *store_path, sg_policy **out, char *why, size_t whylen)
{
    return sg_snapshot_file_read_memo(store_path, NULL, out, why, whylen);
}

/* ------------------------------------------------------------- writing */

/* Writes header + entries to PATH.snapshot through a temporary file. */
static bool write_file(const char *store_path, const struct stat *store_sb, const char *header,
                       char *const entries[SG_PART_COUNT], const size_t lens[SG_PART_COUNT], char *err,
                       size_t errlen)
{
    char *snap = path_with(store_path, ".snapshot");
    char *tmp = snap ? path_with(snap, ".tmp") : NULL;
    if (!tmp) {
        free(snap);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    unlink(tmp); /* left by an interrupted write */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, store_sb->st_mode & 0644);
    bool ok = fd >= 0;
    /* Owned like the store, so that readers trust it (run as root on a store
     * owned by a service user). */
    if (ok && geteuid() == 0 && fchown(fd, store_sb->st_uid, store_sb->st_gid) != 0)
        ok = false;
    int werr = 0;
    ok = ok && fchmod(fd, store_sb->st_mode & 0644) == 0 && (werr = sg_write_fd(fd, header, strlen(header))) == 0;
    for (size_t i = 0; ok && i < SG_PART_COUNT; i++)
        ok = (werr = sg_write_fd(fd, entries[i], lens[i])) == 0;
    if (werr)
        errno = werr;
    ok = ok && fsync(fd) == 0;
    int e = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    ok = ok && rename(tmp, snap) == 0;
    if (!ok) {
        e = e ? e : errno;
        snprintf(err, errlen, "cannot write %s: %s", snap, strerror(e));
        unlink(tmp);
        errno = e;
    } else if ((e = sg_fsync_parent(snap)) != 0) {
        ok = false;
        snprintf(err, errlen, "cannot fsync the directory of %s: %s", snap, strerror(e));
        errno = e;
    }
    free(tmp);
    free(snap);
    return ok;
}

bool sg_snapshot_file_write(const char *store_path, sg_policy_store *store, uint64_t *generation, char *err,
                            size_t errlen)
{
    for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        store_label before, after;
        struct stat sb, sb2;
        sg_policy *p = NULL;
        if (!read_label(store_path, &before, &sb, err, errlen))
            return false;
        if (sg_policy_store_load(store, &p, err, errlen) != SG_STORE_OK)
            return false;
        /* The same label before and after the load, and no write under way:
         * what was loaded is the state the label names. */
        bool stable = read_label(store_path, &after, &sb2, err, errlen) && labels_equal(&before, &after) &&
                      !journal_has_data(store_path);
        if (!stable) {
            sg_policy_free(p);
            continue;
        }
        char *entries[SG_PART_COUNT] = {0};
        size_t lens[SG_PART_COUNT] = {0};
        bool ok = true;
        for (size_t i = 0; ok && i < SG_PART_COUNT; i++) {
            entries[i] = sg_policy_encode_part(p, (sg_policy_part)i, &lens[i]);
            ok = entries[i] && lens[i] <= SG_POLICY_ENTRY_MAX;
        }
        char header[HEADER_MAX];
        if (ok) {
            snprintf(header, sizeof header,
                     MAGIC " %" PRIu32 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64 " %" PRIu64
                           " %zu %zu %zu %zu %zu %zu\n",
                     before.counter, before.size, before.ino, before.dev, before.mtime_sec, before.mtime_nsec,
                     p->generation, lens[0], lens[1], lens[2], lens[3], lens[4],
                     lens[5]);
            ok = write_file(store_path, &sb, header, entries, lens, err, errlen);
        } else {
            snprintf(err, errlen, "the policy is too large for a snapshot file");
        }
        if (ok && generation)
            *generation = p->generation;
        for (size_t i = 0; i < SG_PART_COUNT; i++)
            free(entries[i]);
        sg_policy_free(p);
        return ok;
    }
    snprintf(err, errlen, "%s kept changing while its snapshot was being made", store_path);
    return false;
}
