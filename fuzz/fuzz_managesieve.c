/* fuzz_managesieve.c - libFuzzer target: the ManageSieve session
 * (server/managesieve/ms_session.c) and its parser (ms_parse.c), fed a
 * client's bytes in pieces, over a backend that answers from tables (no
 * files, no passwords).
 *
 * Takes: any byte string; its first octet sets the size of the pieces the
 * rest is fed in (1..256), so that lines and literals are cut anywhere.
 * Checks: no crash or sanitizer report; the answer is well formed: every
 * line ends with CRLF, a "{N}" at a line's end is followed by exactly N
 * octets, every line starts with a quoted string, a literal, OK, NO or BYE
 * (or is the empty challenge ""), quoted strings hold no CR or LF and
 * escape '"' and '\'; nothing is written after BYE or LOGOUT's OK; a script
 * the backend gets is within the limit and followed by two NULs; a name it
 * gets has no NUL.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/managesieve/ms_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SCRIPT 4096

typedef struct out {
    char *buf;
    size_t len, cap;
    bool closed_seen;
} out;

static char *dup_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (!p)
        abort();
    memcpy(p, s, n);
    return p;
}

static sg_ms_auth login(void *ctx, const char *authcid, const char *password, const char **user)
{
    (void)ctx;
    *user = "fuzz@example.org";
    if (!*authcid)
        abort(); /* the session refuses an empty authentication identity */
    return strcmp(password, "pw") == 0 ? SG_MS_AUTH_OK : password[0] == 't' ? SG_MS_AUTH_TEMPFAIL : SG_MS_AUTH_FAIL;
}

static void logout(void *ctx)
{
    (void)ctx;
}

static void list(void *ctx, sg_arena *arena, sg_script_info **v, size_t *n, sg_ms_reply *r)
{
    (void)ctx;
    sg_script_info *s = sg_arena_alloc(arena, 3 * sizeof *s);
    s[0] = (sg_script_info){"plain", 5, false};
    s[1] = (sg_script_info){"quo\"te\\", 5, true};
    s[2] = (sg_script_info){"line\r\nbreak", 5, false};
    *v = s;
    *n = 3;
    r->text = dup_text("Listscripts completed.");
}

static void get(void *ctx, const char *name, char **data, size_t *len, sg_ms_reply *r)
{
    (void)ctx;
    if (name[0] == 'x') {
        *r = (sg_ms_reply){SG_MS_NO, "NONEXISTENT", dup_text("There is no script by that name.")};
        return;
    }
    *data = dup_text("keep;\r\n\"x\"\r\n");
    *len = strlen(*data);
}

static void script(const char *s, size_t len, sg_ms_reply *r)
{
    if (len > MAX_SCRIPT || s[len] != '\0' || s[len + 1] != '\0')
        abort();
    if (len && s[0] == 'e')
        *r = (sg_ms_reply){SG_MS_NO, NULL, dup_text("line 1, column 1: error: a\r\nline 2, column 3: error: \"b\"")};
    else if (len && s[0] == 'w')
        *r = (sg_ms_reply){SG_MS_OK, "WARNINGS", dup_text("line 1, column 2: warning: \\ \"q\"")};
}

static void put(void *ctx, const char *name, char *s, size_t len, sg_ms_reply *r)
{
    (void)ctx;
    (void)name;
    script(s, len, r);
}

static void check(void *ctx, char *s, size_t len, sg_ms_reply *r)
{
    (void)ctx;
    script(s, len, r);
}

static void havespace(void *ctx, const char *name, unsigned long long size, sg_ms_reply *r)
{
    (void)ctx;
    (void)name;
    if (size > 4294967295ULL)
        abort();
    if (size > MAX_SCRIPT)
        *r = (sg_ms_reply){SG_MS_NO, "QUOTA/MAXSIZE", dup_text("Script is too large.")};
}

static void named(void *ctx, const char *name, sg_ms_reply *r)
{
    (void)ctx;
    if (name[0] == 'a')
        *r = (sg_ms_reply){SG_MS_NO, "ACTIVE", NULL};
    else if (name[0] == 't')
        *r = (sg_ms_reply){SG_MS_NO, "TRYLATER", dup_text("Temporary failure: try again later.")};
}

static void rename_(void *ctx, const char *from, const char *to, sg_ms_reply *r)
{
    (void)ctx;
    (void)from;
    if (to[0] == 'e')
        *r = (sg_ms_reply){SG_MS_NO, "ALREADYEXISTS", NULL};
}

static bool collect(void *ctx, const char *p, size_t n)
{
    out *o = ctx;
    if (o->len + n > o->cap) {
        o->cap = (o->len + n) * 2;
        o->buf = realloc(o->buf, o->cap);
        if (!o->buf)
            abort();
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    return true;
}

/* The answer's grammar (ms_session.h). */
static void check_answer(const char *b, size_t len)
{
    size_t i = 0;
    bool line_start = true;
    while (i < len) {
        if (line_start && !(b[i] == '"' || b[i] == '{' || (len - i >= 2 && memcmp(b + i, "OK", 2) == 0) ||
                            (len - i >= 2 && memcmp(b + i, "NO", 2) == 0) ||
                            (len - i >= 3 && memcmp(b + i, "BYE", 3) == 0)))
            abort();
        line_start = false;
        if (b[i] == '"') { /* a quoted string: no CR, LF; escapes only for '"' and '\' */
            for (i++; i < len && b[i] != '"'; i++) {
                if (b[i] == '\r' || b[i] == '\n')
                    abort();
                if (b[i] == '\\' && (i + 1 >= len || (b[i + 1] != '"' && b[i + 1] != '\\')))
                    abort();
                if (b[i] == '\\')
                    i++;
            }
            if (i >= len)
                abort();
            i++;
            continue;
        }
        if (b[i] == '{') { /* a literal: {N} CRLF, N octets */
            char *end;
            unsigned long long n = strtoull(b + i + 1, &end, 10);
            if (*end != '}' || (size_t)(end - b) + 3 > len || end[1] != '\r' || end[2] != '\n')
                abort();
            i = (size_t)(end - b) + 3;
            if (n > len - i)
                abort();
            i += n;
            continue;
        }
        if (b[i] == '\r') {
            if (i + 1 >= len || b[i + 1] != '\n')
                abort();
            i += 2;
            line_start = true;
            continue;
        }
        if (b[i] == '\n')
            abort();
        i++;
    }
    if (!line_start && len)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] + 1;
    out o = {NULL, 0, 0, false};
    sg_ms_settings set = {"sievegate fuzz", "fileinto", "mailto", 4, 3, 20, {1100, MAX_SCRIPT}};
    sg_ms_backend b = {NULL,  login, logout,  list,   get,     put,   check,   havespace,
                       named, named, rename_, NULL,   NULL,    collect, &o};
    sg_ms_conn_facts facts = {true, false, data[0] & 1};
    sg_ms_session *s = sg_ms_session_new(&set, &b, &facts);
    sg_ms_session_greet(s);
    sg_ms_session_flush(s);
    for (size_t i = 1; i < size; i += step) {
        size_t n = size - i < step ? size - i : step;
        bool was_closed = sg_ms_session_closed(s);
        size_t before = o.len;
        sg_ms_session_input(s, (const char *)data + i, n);
        sg_ms_session_flush(s);
        if (was_closed && o.len != before)
            abort(); /* nothing after BYE or LOGOUT */
        if (sg_ms_session_want_tls(s))
            sg_ms_session_tls_done(s, (data[i] & 2) != 0);
    }
    check_answer(o.buf, o.len);
    sg_ms_session_free(s);
    free(o.buf);
    return 0;
}
