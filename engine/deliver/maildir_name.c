/* maildir_name.c - mailbox names for the Maildir writer (maildir.h):
 * Maildir++ folder directories (".Name", modified UTF-7, RFC 3501 §5.1.3),
 * the mail_location root, and the mailbox store that the Sieve "mailbox"
 * and "fileinto :create" read and use (engine/core/mailbox_store.h).
 *
 * Takes: a mailbox name, a location, a root. Returns: the folder directory,
 * the root, whether a folder exists; or a refusal saying why.
 */
#include "engine/deliver/maildir.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base64.h"
#include "base/utf8.h"
#include "engine/deliver/maildir_int.h"

#define MUTF7_CHUNK 48 /* UTF-16 bytes base64-encoded at once: a multiple of 3 (and of 2) */

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
    sg_md_clear_err(err);
    if (!name || !*name) {
        sg_md_set_err(err, EINVAL, "empty mailbox name refused");
        return SG_MAILDIR_REFUSED;
    }
    size_t n = strlen(name);
    if (n > NAME_LIMIT) {
        sg_md_set_err(err, ENAMETOOLONG, "mailbox name \"%s\" refused: longer than %d bytes",
                      sg_md_printable(name, shown, sizeof shown), NAME_LIMIT);
        return SG_MAILDIR_REFUSED;
    }
    if (sg_utf8_invalid_at(name, n) != n) {
        sg_md_set_err(err, EILSEQ, "mailbox name \"%s\" refused: not valid UTF-8",
                      sg_md_printable(name, shown, sizeof shown));
        return SG_MAILDIR_REFUSED;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i], d = (unsigned char)name[i + 1];
        if (c < 0x20 || c == 0x7f || (c == 0xc2 && d >= 0x80 && d <= 0x9f)) {
            sg_md_set_err(err, EINVAL, "mailbox name \"%s\" refused: it holds a control character",
                          sg_md_printable(name, shown, sizeof shown));
            return SG_MAILDIR_REFUSED;
        }
    }
    if (strcasecmp(name, "INBOX") == 0) {
        if (outlen < 1) {
            sg_md_set_err(err, ENAMETOOLONG, "no room for the folder name");
            return SG_MAILDIR_REFUSED;
        }
        out[0] = '\0';
        return SG_MAILDIR_OK;
    }
    if (name[0] == '/') {
        sg_md_set_err(err, EINVAL, "mailbox name \"%s\" refused: an absolute path",
                      sg_md_printable(name, shown, sizeof shown));
        return SG_MAILDIR_REFUSED;
    }
    if (name[0] == '.') {
        sg_md_set_err(err, EINVAL, "mailbox name \"%s\" refused: it starts with '.'",
                      sg_md_printable(name, shown, sizeof shown));
        return SG_MAILDIR_REFUSED;
    }
    /* '/' and '.' both separate hierarchy levels on disk: none may be empty,
     * which also rules out "." and ".." levels. */
    for (size_t i = 0; i < n; i++) {
        bool sep = name[i] == '/' || name[i] == '.';
        bool next_sep = i + 1 == n || name[i + 1] == '/' || name[i + 1] == '.';
        if (sep && next_sep) {
            sg_md_set_err(err, EINVAL, "mailbox name \"%s\" refused: an empty hierarchy level (\"..\", \"//\" or a trailing separator)",
                          sg_md_printable(name, shown, sizeof shown));
            return SG_MAILDIR_REFUSED;
        }
    }
    char plain[NAME_LIMIT + 2];
    plain[0] = '.';
    for (size_t i = 0; i <= n; i++)
        plain[i + 1] = name[i] == '/' ? '.' : name[i];
    char encoded[NAME_LIMIT + 1];
    if (!mutf7_encode(plain, encoded, sizeof encoded)) {
        sg_md_set_err(err, ENAMETOOLONG, "mailbox name \"%s\" refused: longer than %d bytes once encoded",
                      sg_md_printable(name, shown, sizeof shown), NAME_LIMIT);
        return SG_MAILDIR_REFUSED;
    }
    size_t e = strlen(encoded);
    if (e + 1 > outlen) {
        sg_md_set_err(err, ENAMETOOLONG, "mailbox name \"%s\" refused: no room for its folder name",
                      sg_md_printable(name, shown, sizeof shown));
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

/* ---- the mailbox store (engine/core/mailbox_store.h) ---- */

bool sg_maildir_folder_exists(const char *root, const char *name)
{
    char folder[NAME_LIMIT + 1];
    sg_maildir_error err;
    if (sg_maildir_folder_dir(name, folder, sizeof folder, &err) != SG_MAILDIR_OK)
        return false;
    if (!*folder)
        return true; /* INBOX: the root, made on the first delivery */
    char *p = sg_md_join_path(root, folder, "cur", NULL);
    struct stat st;
    bool ok = lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
    free(p);
    p = sg_md_join_path(root, folder, NULL, NULL);
    ok = ok && lstat(p, &st) == 0 && S_ISDIR(st.st_mode); /* a symlinked folder is refused on delivery */
    free(p);
    return ok;
}

sg_maildir_status sg_maildir_folder_create(const char *root, const char *name, sg_maildir_error *err)
{
    sg_md_clear_err(err);
    char folder[NAME_LIMIT + 1];
    sg_maildir_status st = sg_maildir_folder_dir(name, folder, sizeof folder, err);
    if (st != SG_MAILDIR_OK)
        return st;
    if (sg_md_make_root(root, err) != 0)
        return SG_MAILDIR_TEMPFAIL;
    static const char *const subs[] = {NULL, "tmp", "new", "cur"};
    for (size_t i = 0; i < 4; i++) {
        if (!*folder && !subs[i])
            continue;
        char *p = sg_md_join_path(root, folder, subs[i], NULL);
        if (mkdir(p, DIR_MODE) != 0 && errno != EEXIST) {
            int e = errno;
            sg_md_set_err(err, e, "mkdir(%s): %s", p, strerror(e));
            free(p);
            return SG_MAILDIR_TEMPFAIL;
        }
        free(p);
    }
    if (*folder) {
        char *p = sg_md_join_path(root, folder, "maildirfolder", NULL);
        int fd = open(p, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
        if (fd >= 0)
            close(fd);
        free(p);
    }
    return SG_MAILDIR_OK;
}
