/* audit_spool.c - audit records waiting for the database (audit.h): written
 * when it cannot take them or this user may not write it, sent once it can.
 *
 * Takes: a complete record (its id, host and time set), the spool
 * directory (audit_spool_dir; writable by every delivering user: mode 1777,
 * as the package's tmpfiles.d makes /var/spool/sievegate/audit, so that no
 * user removes another's records). Returns: one file a record, ID.rec, written whole
 * (created as .ID.tmp, fsync'ed, renamed, the directory fsync'ed) so that a
 * crash leaves either nothing or the whole record; and, when sending, the
 * number sent and left.
 *
 * File format, version 1: "SGA1\n", then the fields id, time, host, owner,
 * target, target_domain, mechanism, verdict, policy, remote_domain,
 * message_id, each as LEN ":" BYTES "\n" (or "-\n" for none). Values may
 * hold any byte but NUL: lengths, not separators, frame them.
 *
 * Sending takes the process's own files (root: every file; another user's
 * could not be removed from the sticky directory, so sending them would
 * only send them again and again), inserts with ON CONFLICT (record_id) DO
 * NOTHING, then removes the file: a record sent whose file could not be removed (a crash in between,
 * another user's file) is sent again later and stored once. A file that
 * does not parse is left where it is (an administrator looks at it), never
 * sent half.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/read_fd.h"
#include "base/write_fd.h"
#include "store/audit_int.h"

#define MAGIC "SGA1\n"
#define NFIELDS 11
#define RECORD_MAX (64 * 1024)

/* ---- writing ---- */

typedef struct {
    char *buf;
    size_t len, cap;
} out_buf;

static void put(out_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->buf = sg_xrealloc(b->buf, b->cap);
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

static void put_field(out_buf *b, const char *v)
{
    char head[24];
    if (!v) {
        put(b, "-\n", 2);
        return;
    }
    int n = snprintf(head, sizeof head, "%zu:", strlen(v));
    put(b, head, (size_t)n);
    put(b, v, strlen(v));
    put(b, "\n", 1);
}

static bool valid_id(const char *id)
{
    return id && strlen(id) == SG_AUDIT_ID_LEN && strspn(id, "0123456789abcdef") == SG_AUDIT_ID_LEN;
}

bool sg_audit_spool_write(const sg_audit *a, const sg_audit_record *rec, char *err, size_t errlen)
{
    if (!a->spool_dir || !valid_id(rec->id)) {
        snprintf(err, errlen, "cannot spool the audit record: %s", a->spool_dir ? "no record id" : "no audit_spool_dir");
        return false;
    }
    char time_text[24];
    snprintf(time_text, sizeof time_text, "%lld", (long long)rec->time);
    const char *fields[NFIELDS] = {rec->id,       time_text,          rec->host,   rec->owner,
                                   rec->target,   rec->target_domain, rec->mechanism, rec->verdict,
                                   rec->policy,   rec->remote_domain, rec->message_id};
    out_buf b = {NULL, 0, 0};
    put(&b, MAGIC, sizeof MAGIC - 1);
    for (size_t i = 0; i < NFIELDS; i++)
        put_field(&b, fields[i]);
    char tmp[4096], final[4096];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", a->spool_dir, rec->id);
    snprintf(final, sizeof final, "%s/%s.rec", a->spool_dir, rec->id);
    int e = 0, fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        e = errno;
    } else {
        /* readable by the group (the collecting admin), writable by no one else, whatever the umask */
        if (fchmod(fd, 0640) != 0)
            e = errno;
        else if ((e = sg_write_fd(fd, b.buf, b.len)) == 0 && fsync(fd) != 0)
            e = errno;
        if (close(fd) != 0 && !e)
            e = errno;
        if (!e && rename(tmp, final) != 0)
            e = errno;
        if (e)
            unlink(tmp);
    }
    bool ok = e == 0;
    if (ok)
        (void)sg_fsync_parent(final); /* the rename itself survives a crash */
    else
        snprintf(err, errlen, "cannot spool the audit record in %s: %s", a->spool_dir, strerror(e));
    free(b.buf);
    return ok;
}

/* ---- reading and sending ---- */

/* One field at *p (advanced); NULL for "-". False when malformed. */
static bool take_field(char **p, const char *end, const char **value)
{
    if (*p < end && **p == '-' && *p + 1 < end && (*p)[1] == '\n') {
        *value = NULL;
        *p += 2;
        return true;
    }
    char *colon = memchr(*p, ':', (size_t)(end - *p));
    if (!colon || colon == *p || colon - *p > 10 || strspn(*p, "0123456789") != (size_t)(colon - *p))
        return false;
    size_t n = (size_t)strtoul(*p, NULL, 10);
    char *v = colon + 1;
    if (n > (size_t)(end - v) || (size_t)(end - v) - n < 1 || v[n] != '\n' || memchr(v, '\0', n))
        return false;
    v[n] = '\0';
    *value = v;
    *p = v + n + 1;
    return true;
}

/* Parses a spool file in place (data stays owned by the caller). */
static bool parse(char *data, size_t len, sg_audit_record *rec)
{
    const char *f[NFIELDS];
    char *p = data, *end = data + len;
    if (len < sizeof MAGIC - 1 || memcmp(data, MAGIC, sizeof MAGIC - 1) != 0)
        return false;
    p += sizeof MAGIC - 1;
    for (size_t i = 0; i < NFIELDS; i++)
        if (!take_field(&p, end, &f[i]))
            return false;
    if (p != end || !valid_id(f[0]) || !f[1] || strspn(f[1], "0123456789") != strlen(f[1]) || !f[3] || !f[4] ||
        !f[5] || !f[6] || !f[7])
        return false;
    memset(rec, 0, sizeof *rec);
    rec->id = f[0];
    rec->time = strtoll(f[1], NULL, 10);
    rec->host = f[2];
    rec->owner = f[3];
    rec->target = f[4];
    rec->target_domain = f[5];
    rec->mechanism = f[6];
    rec->verdict = f[7];
    rec->policy = f[8];
    rec->remote_domain = f[9];
    rec->message_id = f[10];
    return true;
}

typedef enum { SENT, GONE, BAD, FAILED } send_outcome;

/* Sends one file. GONE: another process sent it meanwhile; BAD: it does
 * not parse (or cannot be read) and stays; FAILED: the database refused. */
static send_outcome send_file(sg_audit *a, const char *path)
{
    char *data = NULL;
    size_t len = 0, size = 0;
    bool too_large = false;
    int e = sg_read_file(path, RECORD_MAX, &data, &len, &too_large, &size);
    if (e != 0)
        return e == ENOENT ? GONE : BAD;
    sg_audit_record rec;
    send_outcome out = BAD;
    if (!too_large && parse(data, len, &rec)) {
        out = sg_audit_insert(a, &rec) == SG_SQL_OK ? SENT : FAILED;
        if (out == SENT)
            (void)unlink(path); /* when it cannot be: sent again later, and stored once */
    }
    free(data);
    return out;
}

static bool is_record_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n == SG_AUDIT_ID_LEN + 4 && strcmp(name + SG_AUDIT_ID_LEN, ".rec") == 0;
}

size_t sg_audit_spool_pending(const sg_audit *a)
{
    DIR *d = a->spool_dir ? opendir(a->spool_dir) : NULL;
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += is_record_name(e->d_name);
    closedir(d);
    return n;
}

bool sg_audit_spool_send(sg_audit *a, size_t max, size_t *sent, size_t *left, char *err, size_t errlen)
{
    *sent = *left = 0;
    if (!a->spool_dir)
        return true;
    DIR *d = opendir(a->spool_dir);
    if (!d)
        return true; /* no spool: nothing waits */
    struct dirent *e;
    bool ok = true;
    uid_t euid = geteuid();
    while ((e = readdir(d)) != NULL) {
        if (!is_record_name(e->d_name))
            continue;
        if (!ok || (max && *sent >= max)) {
            (*left)++;
            continue;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", a->spool_dir, e->d_name);
        struct stat sb;
        if (euid != 0 && (lstat(path, &sb) != 0 || sb.st_uid != euid)) {
            (*left)++;
            continue;
        }
        send_outcome out = send_file(a, path);
        if (out == FAILED) {
            snprintf(err, errlen, "cannot write audit database %s: %s", a->db, a->sql.error);
            ok = false;
        }
        *sent += out == SENT;
        *left += out == FAILED || out == BAD;
    }
    closedir(d);
    return ok;
}
