/* ms_session.c - see ms_session.h: the states, each command's arguments
 * and the wire form of every answer. */
#include "server/managesieve/ms_session.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/attr.h"
#include "base/base64.h"

#define QUOTED_MAX 1024 /* RFC 5804 §4 quoted: at most 1024 octets */

typedef enum { ST_NONAUTH, ST_SASL, ST_AUTH } state;

struct sg_ms_session {
    sg_ms_settings set;
    sg_ms_backend b;
    sg_ms_conn_facts facts;
    sg_ms_parser *parser;
    state st;
    const char *user;
    bool closed, want_tls;
    unsigned auth_failures, bad_commands;
    char *out;
    size_t olen, ocap;
    bool write_failed;
    sg_arena *arena; /* per command */
    struct timespec started;
    char sasl_mech[16];
};

/* ---- output ---- */

static void out(sg_ms_session *s, const char *p, size_t n)
{
    if (s->olen + n > s->ocap) {
        while (s->olen + n > s->ocap)
            s->ocap = s->ocap ? s->ocap * 2 : 4096;
        s->out = sg_xrealloc(s->out, s->ocap);
    }
    memcpy(s->out + s->olen, p, n);
    s->olen += n;
}

static void outs(sg_ms_session *s, const char *str)
{
    out(s, str, strlen(str));
}

/* A string: quoted when it can be, else a literal {N} (RFC 5804 §4). */
static void out_string(sg_ms_session *s, const char *p, size_t n)
{
    bool quotable = n <= QUOTED_MAX && !memchr(p, '\r', n) && !memchr(p, '\n', n) && !memchr(p, '\0', n);
    if (!quotable) {
        char head[32];
        snprintf(head, sizeof head, "{%zu}\r\n", n);
        outs(s, head);
        out(s, p, n);
        return;
    }
    out(s, "\"", 1);
    size_t from = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '"' || p[i] == '\\') {
            out(s, p + from, i - from);
            out(s, "\\", 1);
            from = i;
        }
    out(s, p + from, n - from);
    out(s, "\"", 1);
}

static const char *status_word(sg_ms_status st)
{
    return st == SG_MS_OK ? "OK" : st == SG_MS_NO ? "NO" : "BYE";
}

/* STATUS [(CODE)] ["text"] CRLF; BYE closes. */
static void respond(sg_ms_session *s, sg_ms_status st, const char *code, const char *text)
{
    outs(s, status_word(st));
    if (code) {
        outs(s, " (");
        outs(s, code);
        outs(s, ")");
    }
    if (text) {
        outs(s, " ");
        out_string(s, text, strlen(text));
    }
    outs(s, "\r\n");
    if (st == SG_MS_BYE)
        s->closed = true;
}

bool sg_ms_session_flush(sg_ms_session *s)
{
    if (s->olen && !s->write_failed && !s->b.write(s->b.write_ctx, s->out, s->olen))
        s->write_failed = true;
    s->olen = 0;
    if (s->write_failed)
        s->closed = true;
    return !s->write_failed;
}

/* ---- logging ---- */

static void log_line(sg_ms_session *s, const char *fmt, ...) SG_PRINTF(2, 3);
static void log_line(sg_ms_session *s, const char *fmt, ...)
{
    if (!s->b.log)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double ms = (double)(now.tv_sec - s->started.tv_sec) * 1e3 + (double)(now.tv_nsec - s->started.tv_nsec) / 1e6;
    if (n >= 0 && (size_t)n < sizeof line)
        snprintf(line + n, sizeof line - (size_t)n, ", %.3f ms", ms);
    s->b.log(s->b.log_ctx, s->user, line);
}

/* A name for the log: printable ASCII, at most 64 octets. */
static const char *log_name(sg_ms_session *s, const char *p, size_t n)
{
    char *q = sg_arena_alloc_bytes(s->arena, 70);
    size_t o = 0;
    for (size_t i = 0; i < n && o < 64; i++)
        q[o++] = (unsigned char)p[i] < 0x20 || p[i] == 0x7f || p[i] == '"' ? '?' : p[i];
    if (n > 64)
        q[o++] = '.', q[o++] = '.', q[o++] = '.';
    q[o] = '\0';
    return q;
}

/* The answer's status and code for the log. */
static const char *log_outcome(sg_ms_session *s, sg_ms_status st, const char *code)
{
    char *q = sg_arena_alloc_bytes(s->arena, 64);
    snprintf(q, 64, "%s%s%s%s", status_word(st), code ? " (" : "", code ? code : "", code ? ")" : "");
    return q;
}

/* ---- capabilities ---- */

static bool plain_allowed(const sg_ms_session *s)
{
    return s->facts.tls_active || s->facts.plaintext_allowed;
}

static void capability_pair(sg_ms_session *s, const char *name, const char *value)
{
    out_string(s, name, strlen(name));
    if (value) {
        outs(s, " ");
        out_string(s, value, strlen(value));
    }
    outs(s, "\r\n");
}

static void capabilities(sg_ms_session *s)
{
    char n[32];
    capability_pair(s, "IMPLEMENTATION", s->set.implementation);
    capability_pair(s, "SIEVE", s->set.sieve);
    if (s->set.notify)
        capability_pair(s, "NOTIFY", s->set.notify);
    /* RFC 5804 §1.7: empty only while STARTTLS would make it non-empty */
    capability_pair(s, "SASL", plain_allowed(s) ? "PLAIN" : "");
    if (s->facts.tls_available && !s->facts.tls_active && s->st != ST_AUTH)
        capability_pair(s, "STARTTLS", NULL);
    snprintf(n, sizeof n, "%u", s->set.max_redirects);
    capability_pair(s, "MAXREDIRECTS", n);
    if (s->st == ST_AUTH)
        capability_pair(s, "OWNER", s->user);
    capability_pair(s, "UNAUTHENTICATE", NULL);
    capability_pair(s, "VERSION", "1.0");
}

/* ---- the session ---- */

sg_ms_session *sg_ms_session_new(const sg_ms_settings *settings, const sg_ms_backend *backend,
                                 const sg_ms_conn_facts *facts)
{
    sg_ms_session *s = sg_xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->set = *settings;
    s->b = *backend;
    s->facts = *facts;
    s->parser = sg_ms_parser_new(&settings->limits);
    sg_ms_parser_set_max_script(s->parser, settings->limits.max_line); /* nothing large before a login */
    s->arena = sg_arena_new();
    clock_gettime(CLOCK_MONOTONIC, &s->started);
    return s;
}

void sg_ms_session_free(sg_ms_session *s)
{
    if (!s)
        return;
    if (s->st == ST_AUTH && s->b.logout)
        s->b.logout(s->b.ctx);
    sg_ms_parser_free(s->parser);
    sg_arena_free(s->arena);
    free(s->out);
    free(s);
}

void sg_ms_session_greet(sg_ms_session *s)
{
    capabilities(s);
    respond(s, SG_MS_OK, NULL, "sievegate ready.");
}

bool sg_ms_session_closed(const sg_ms_session *s)
{
    return s->closed;
}

bool sg_ms_session_want_tls(const sg_ms_session *s)
{
    return s->want_tls && !s->closed;
}

const char *sg_ms_session_user(const sg_ms_session *s)
{
    return s->st == ST_AUTH ? s->user : NULL;
}

void sg_ms_session_tls_done(sg_ms_session *s, bool ok)
{
    s->want_tls = false;
    sg_ms_parser_reset(s->parser);
    if (!ok) {
        s->closed = true;
        return;
    }
    s->facts.tls_active = true;
    capabilities(s); /* §2.2: again, now that a man in the middle cannot alter them */
    respond(s, SG_MS_OK, NULL, "TLS negotiation successful.");
}

void sg_ms_session_timeout(sg_ms_session *s)
{
    if (!s->closed)
        respond(s, SG_MS_BYE, NULL, "Disconnected for inactivity.");
    s->closed = true;
}

void sg_ms_session_stop(sg_ms_session *s)
{
    if (!s->closed)
        respond(s, SG_MS_BYE, NULL, "Server shutting down.");
    s->closed = true;
}

/* A command that is not one: NO, and BYE after too many. */
static void bad_command(sg_ms_session *s, const char *text)
{
    if (++s->bad_commands >= s->set.max_bad_commands) {
        respond(s, SG_MS_BYE, NULL, "Too many invalid commands.");
        log_line(s, "too many invalid commands (%u): disconnected", s->bad_commands);
        return;
    }
    respond(s, SG_MS_NO, NULL, text);
}

static void answer(sg_ms_session *s, sg_ms_reply *r)
{
    respond(s, r->status, r->code, r->text);
}

/* ---- arguments ---- */

/* Strings only, exactly `n` of them (ATOM is refused where a string is due). */
static bool strings(const sg_ms_command *c, size_t n)
{
    if (c->nargs != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (c->args[i].kind != SG_MS_STRING)
            return false;
    return true;
}

/* RFC 5804 §4 number: 0, or digits without a leading zero, below 2^32. */
static bool number(const sg_ms_arg *a, unsigned long long *v)
{
    if (a->len == 0 || a->len > 10 || (a->len > 1 && a->data[0] == '0'))
        return false;
    *v = 0;
    for (size_t i = 0; i < a->len; i++) {
        if (a->data[i] < '0' || a->data[i] > '9')
            return false;
        *v = *v * 10 + (unsigned)(a->data[i] - '0');
    }
    return *v <= 4294967295ULL;
}

/* A name argument as a C string: a NUL inside makes it no name. */
static const char *name_arg(const sg_ms_arg *a)
{
    return memchr(a->data, '\0', a->len) ? NULL : a->data;
}

/* ---- AUTHENTICATE ---- */

static void auth_failed(sg_ms_session *s, const char *authcid, const char *why)
{
    s->st = ST_NONAUTH;
    s->auth_failures++;
    bool last = s->auth_failures >= s->set.max_auth_failures;
    log_line(s, "AUTHENTICATE %s user=<%s>: %s, failure %u of %u%s", s->sasl_mech,
             authcid ? log_name(s, authcid, strlen(authcid)) : "", why, s->auth_failures, s->set.max_auth_failures, last ? ": disconnected" : "");
    if (last)
        respond(s, SG_MS_BYE, NULL, "Too many failed authentication attempts.");
    else
        respond(s, SG_MS_NO, NULL, "Authentication failed.");
}

/* The PLAIN message (RFC 4616 §2): [authzid] NUL authcid NUL passwd. */
static void sasl_plain(sg_ms_session *s, const sg_ms_arg *resp)
{
    s->st = ST_NONAUTH;
    if (resp->len == 1 && resp->data[0] == '*') {
        log_line(s, "AUTHENTICATE %s: cancelled", s->sasl_mech);
        respond(s, SG_MS_NO, NULL, "Authentication cancelled.");
        return;
    }
    size_t max = SG_BASE64_DECODED_MAX(resp->len);
    char *msg = sg_arena_alloc_bytes(s->arena, max + 1);
    size_t n = 0;
    bool padded = resp->len % 4 == 0;
    for (size_t i = 0; padded && i < resp->len; i++) /* RFC 4648 §4 alphabet, padding at the end only */
        padded = (resp->data[i] >= 'A' && resp->data[i] <= 'Z') || (resp->data[i] >= 'a' && resp->data[i] <= 'z') ||
                 (resp->data[i] >= '0' && resp->data[i] <= '9') || resp->data[i] == '+' || resp->data[i] == '/' ||
                 (resp->data[i] == '=' && i + 2 >= resp->len);
    if (!padded || !sg_base64_decode(resp->data, resp->len, SG_BASE64_STRICT, msg, &n)) {
        auth_failed(s, NULL, "invalid base64");
        return;
    }
    msg[n] = '\0';
    const char *authzid = msg;
    const char *nul1 = memchr(msg, '\0', n);
    const char *authcid = nul1 ? nul1 + 1 : NULL;
    const char *nul2 = authcid ? memchr(authcid, '\0', n - (size_t)(authcid - msg)) : NULL;
    const char *password = nul2 ? nul2 + 1 : NULL;
    if (!password || memchr(password, '\0', n - (size_t)(password - msg)) || !*authcid) {
        auth_failed(s, NULL, "malformed PLAIN message");
        return;
    }
    if (*authzid && strcmp(authzid, authcid) != 0) {
        auth_failed(s, authcid, "authorization as another user is not allowed");
        return;
    }
    const char *user = NULL;
    sg_ms_auth a = s->b.login(s->b.ctx, authcid, password, &user);
    if (a == SG_MS_AUTH_OK) {
        s->st = ST_AUTH;
        s->user = user;
        sg_ms_parser_set_max_script(s->parser, s->set.limits.max_script);
        log_line(s, "AUTHENTICATE %s user=<%s>: logged in%s", s->sasl_mech, log_name(s, authcid, strlen(authcid)),
                 s->facts.tls_active ? " over TLS" : "");
        respond(s, SG_MS_OK, NULL, "Logged in.");
    } else if (a == SG_MS_AUTH_TEMPFAIL) {
        log_line(s, "AUTHENTICATE %s user=<%s>: temporary failure", s->sasl_mech, log_name(s, authcid, strlen(authcid)));
        respond(s, SG_MS_NO, "TRYLATER", "Temporary authentication failure.");
    } else {
        auth_failed(s, authcid, "wrong name or password");
    }
}

static void cmd_authenticate(sg_ms_session *s, const sg_ms_command *c)
{
    if (c->nargs < 1 || c->nargs > 2 || c->args[0].len >= sizeof s->sasl_mech) {
        bad_command(s, "Syntax: AUTHENTICATE \"MECHANISM\" [initial-response]");
        return;
    }
    snprintf(s->sasl_mech, sizeof s->sasl_mech, "%s", c->args[0].data);
    for (char *p = s->sasl_mech; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    if (s->st == ST_AUTH) {
        respond(s, SG_MS_NO, NULL, "Already authenticated.");
        return;
    }
    if (strcmp(s->sasl_mech, "ANONYMOUS") == 0) {
        log_line(s, "AUTHENTICATE ANONYMOUS: refused");
        respond(s, SG_MS_NO, "AUTH-TOO-WEAK", "Anonymous logins are not allowed.");
        return;
    }
    if (strcmp(s->sasl_mech, "PLAIN") != 0) {
        respond(s, SG_MS_NO, NULL, "Unsupported authentication mechanism.");
        return;
    }
    if (!plain_allowed(s)) {
        log_line(s, "AUTHENTICATE PLAIN: refused without TLS");
        respond(s, SG_MS_NO, "ENCRYPT-NEEDED", "Plain-text authentication is not allowed without TLS: use STARTTLS.");
        return;
    }
    if (c->nargs == 2) {
        sasl_plain(s, &c->args[1]);
        return;
    }
    s->st = ST_SASL;
    sg_ms_parser_expect_response(s->parser);
    outs(s, "\"\"\r\n"); /* PLAIN's initial challenge is empty (RFC 4616) */
}

/* ---- the commands ---- */

static void cmd_capability(sg_ms_session *s, const sg_ms_command *c)
{
    if (c->nargs) {
        bad_command(s, "Syntax: CAPABILITY");
        return;
    }
    capabilities(s);
    respond(s, SG_MS_OK, NULL, "Capability completed.");
}

static void cmd_logout(sg_ms_session *s, const sg_ms_command *c)
{
    if (c->nargs) {
        bad_command(s, "Syntax: LOGOUT");
        return;
    }
    respond(s, SG_MS_OK, NULL, "Logout completed.");
    s->closed = true;
}

static void cmd_noop(sg_ms_session *s, const sg_ms_command *c)
{
    if (c->nargs > 1 || (c->nargs == 1 && c->args[0].kind != SG_MS_STRING)) {
        bad_command(s, "Syntax: NOOP [\"tag\"]");
        return;
    }
    if (c->nargs == 0) {
        respond(s, SG_MS_OK, NULL, "NOOP completed.");
        return;
    }
    outs(s, "OK (TAG ");
    out_string(s, c->args[0].data, c->args[0].len);
    outs(s, ") \"Done.\"\r\n");
}

static void cmd_starttls(sg_ms_session *s, const sg_ms_command *c)
{
    if (c->nargs)
        bad_command(s, "Syntax: STARTTLS");
    else if (s->st == ST_AUTH)
        respond(s, SG_MS_NO, NULL, "STARTTLS is only allowed before authentication.");
    else if (s->facts.tls_active)
        respond(s, SG_MS_NO, NULL, "TLS is already active.");
    else if (!s->facts.tls_available)
        respond(s, SG_MS_NO, NULL, "TLS is not available.");
    else {
        respond(s, SG_MS_OK, NULL, "Begin TLS negotiation now.");
        s->want_tls = true;
    }
}

static void cmd_unauthenticate(sg_ms_session *s, const sg_ms_command *c)
{
    if (c->nargs) {
        bad_command(s, "Syntax: UNAUTHENTICATE");
        return;
    }
    if (s->st != ST_AUTH) {
        respond(s, SG_MS_NO, NULL, "Not authenticated.");
        return;
    }
    log_line(s, "UNAUTHENTICATE: OK");
    if (s->b.logout)
        s->b.logout(s->b.ctx);
    s->st = ST_NONAUTH;
    s->user = NULL;
    sg_ms_parser_set_max_script(s->parser, s->set.limits.max_line);
    respond(s, SG_MS_OK, NULL, "Unauthenticate completed.");
}

static void cmd_listscripts(sg_ms_session *s, const sg_ms_command *c)
{
    if (c->nargs) {
        bad_command(s, "Syntax: LISTSCRIPTS");
        return;
    }
    sg_ms_reply r = {SG_MS_OK, NULL, NULL};
    sg_script_info *v = NULL;
    size_t n = 0;
    s->b.list(s->b.ctx, s->arena, &v, &n, &r);
    for (size_t i = 0; r.status == SG_MS_OK && i < n; i++) {
        out_string(s, v[i].name, strlen(v[i].name));
        outs(s, v[i].active ? " ACTIVE\r\n" : "\r\n");
    }
    log_line(s, "LISTSCRIPTS: %s, %zu script%s", log_outcome(s, r.status, r.code), n, n == 1 ? "" : "s");
    answer(s, &r);
    free(r.text);
}

static void cmd_getscript(sg_ms_session *s, const sg_ms_command *c)
{
    const char *name = strings(c, 1) ? name_arg(&c->args[0]) : NULL;
    if (!strings(c, 1)) {
        bad_command(s, "Syntax: GETSCRIPT \"name\"");
        return;
    }
    sg_ms_reply r = {SG_MS_OK, NULL, NULL};
    char *data = NULL;
    size_t len = 0;
    if (name)
        s->b.get(s->b.ctx, name, &data, &len, &r);
    else
        r = (sg_ms_reply){SG_MS_NO, "NONEXISTENT", sg_xstrdup("There is no script by that name.")};
    if (r.status == SG_MS_OK) {
        char head[32];
        snprintf(head, sizeof head, "{%zu}\r\n", len);
        outs(s, head);
        out(s, data, len);
        outs(s, "\r\n");
    }
    log_line(s, "GETSCRIPT \"%s\": %s", log_name(s, c->args[0].data, c->args[0].len),
             log_outcome(s, r.status, r.code));
    answer(s, &r);
    free(r.text);
    free(data);
}

static void cmd_putscript(sg_ms_session *s, const sg_ms_command *c, bool check)
{
    if (!strings(c, check ? 1 : 2)) {
        bad_command(s, check ? "Syntax: CHECKSCRIPT {size+} script" : "Syntax: PUTSCRIPT \"name\" {size+} script");
        return;
    }
    const sg_ms_arg *script = &c->args[check ? 0 : 1];
    const char *name = check ? NULL : name_arg(&c->args[0]);
    sg_ms_reply r = {SG_MS_OK, NULL, NULL};
    char text[128];
    if (script->too_large) {
        snprintf(text, sizeof text, "Script is too large (%zu octets, at most %zu).", script->len,
                 s->set.limits.max_script);
        /* §2.12: CHECKSCRIPT checks no quota */
        r = (sg_ms_reply){SG_MS_NO, check ? NULL : "QUOTA/MAXSIZE", sg_xstrdup(text)};
    } else if (script->len == 0) {
        r = (sg_ms_reply){SG_MS_NO, NULL, sg_xstrdup("An empty script is not allowed.")}; /* §2.6 SHOULD */
    } else if (check) {
        s->b.check(s->b.ctx, (char *)script->data, script->len, &r);
    } else if (!name) {
        r = (sg_ms_reply){SG_MS_NO, NULL, sg_xstrdup("Invalid script name: a script name cannot hold NUL.")};
    } else {
        s->b.put(s->b.ctx, name, (char *)script->data, script->len, &r);
    }
    if (check)
        log_line(s, "CHECKSCRIPT %zu octets: %s", script->len, log_outcome(s, r.status, r.code));
    else
        log_line(s, "PUTSCRIPT \"%s\" %zu octets: %s", log_name(s, c->args[0].data, c->args[0].len), script->len,
                 log_outcome(s, r.status, r.code));
    answer(s, &r);
    free(r.text);
}

static void cmd_havespace(sg_ms_session *s, const sg_ms_command *c)
{
    unsigned long long size = 0;
    if (c->nargs != 2 || c->args[0].kind != SG_MS_STRING || !number(&c->args[1], &size)) {
        bad_command(s, "Syntax: HAVESPACE \"name\" size");
        return;
    }
    sg_ms_reply r = {SG_MS_OK, NULL, NULL};
    const char *name = name_arg(&c->args[0]);
    if (name)
        s->b.havespace(s->b.ctx, name, size, &r);
    else
        r = (sg_ms_reply){SG_MS_NO, NULL, sg_xstrdup("Invalid script name: a script name cannot hold NUL.")};
    log_line(s, "HAVESPACE \"%s\" %llu: %s", log_name(s, c->args[0].data, c->args[0].len), size,
             log_outcome(s, r.status, r.code));
    answer(s, &r);
    free(r.text);
}

static void cmd_named(sg_ms_session *s, const sg_ms_command *c, const char *verb,
                      void (*op)(void *ctx, const char *name, sg_ms_reply *r))
{
    if (!strings(c, 1)) {
        char text[64];
        snprintf(text, sizeof text, "Syntax: %s \"name\"", verb);
        bad_command(s, text);
        return;
    }
    sg_ms_reply r = {SG_MS_OK, NULL, NULL};
    const char *name = name_arg(&c->args[0]);
    if (name)
        op(s->b.ctx, name, &r);
    else
        r = (sg_ms_reply){SG_MS_NO, "NONEXISTENT", sg_xstrdup("There is no script by that name.")};
    log_line(s, "%s \"%s\": %s", verb, log_name(s, c->args[0].data, c->args[0].len),
             log_outcome(s, r.status, r.code));
    answer(s, &r);
    free(r.text);
}

static void cmd_renamescript(sg_ms_session *s, const sg_ms_command *c)
{
    if (!strings(c, 2)) {
        bad_command(s, "Syntax: RENAMESCRIPT \"old\" \"new\"");
        return;
    }
    sg_ms_reply r = {SG_MS_OK, NULL, NULL};
    const char *from = name_arg(&c->args[0]), *to = name_arg(&c->args[1]);
    if (!from)
        r = (sg_ms_reply){SG_MS_NO, "NONEXISTENT", sg_xstrdup("There is no script by that name.")};
    else if (!to)
        r = (sg_ms_reply){SG_MS_NO, NULL, sg_xstrdup("Invalid script name: a script name cannot hold NUL.")};
    else
        s->b.rename(s->b.ctx, from, to, &r);
    log_line(s, "RENAMESCRIPT \"%s\" \"%s\": %s", log_name(s, c->args[0].data, c->args[0].len),
             log_name(s, c->args[1].data, c->args[1].len), log_outcome(s, r.status, r.code));
    answer(s, &r);
    free(r.text);
}

/* ---- dispatch ---- */

static void command(sg_ms_session *s, const sg_ms_command *c)
{
    clock_gettime(CLOCK_MONOTONIC, &s->started);
    if (c->error) {
        char text[128];
        snprintf(text, sizeof text, "Syntax error: %s.", c->error);
        if (c->fatal) {
            log_line(s, "protocol error: %s: disconnected", c->error);
            respond(s, SG_MS_BYE, NULL, text);
        } else if (s->st == ST_SASL) {
            auth_failed(s, NULL, c->error);
        } else {
            bad_command(s, text);
        }
        return;
    }
    if (s->st == ST_SASL) {
        if (c->nargs == 1)
            sasl_plain(s, &c->args[0]);
        else
            auth_failed(s, NULL, "expected one string");
        return;
    }
    const char *v = c->verb;
    /* valid in any state (RFC 5804 §2) */
    if (strcmp(v, "CAPABILITY") == 0) {
        cmd_capability(s, c);
        return;
    }
    if (strcmp(v, "LOGOUT") == 0) {
        cmd_logout(s, c);
        return;
    }
    if (strcmp(v, "NOOP") == 0) {
        cmd_noop(s, c);
        return;
    }
    if (strcmp(v, "AUTHENTICATE") == 0) {
        cmd_authenticate(s, c);
        return;
    }
    if (strcmp(v, "STARTTLS") == 0) {
        cmd_starttls(s, c);
        return;
    }
    static const char *const logged_in[] = {"PUTSCRIPT",    "CHECKSCRIPT", "HAVESPACE",    "LISTSCRIPTS",
                                            "GETSCRIPT",    "SETACTIVE",   "DELETESCRIPT", "RENAMESCRIPT",
                                            "UNAUTHENTICATE"};
    bool known = false;
    for (size_t i = 0; i < sizeof logged_in / sizeof *logged_in; i++)
        known |= strcmp(v, logged_in[i]) == 0;
    if (!known) {
        bad_command(s, "Unknown command.");
        return;
    }
    if (s->st != ST_AUTH) {
        if (strcmp(v, "UNAUTHENTICATE") == 0)
            respond(s, SG_MS_NO, NULL, "Not authenticated.");
        else
            bad_command(s, "Authenticate first.");
        return;
    }
    if (strcmp(v, "PUTSCRIPT") == 0)
        cmd_putscript(s, c, false);
    else if (strcmp(v, "CHECKSCRIPT") == 0)
        cmd_putscript(s, c, true);
    else if (strcmp(v, "HAVESPACE") == 0)
        cmd_havespace(s, c);
    else if (strcmp(v, "LISTSCRIPTS") == 0)
        cmd_listscripts(s, c);
    else if (strcmp(v, "GETSCRIPT") == 0)
        cmd_getscript(s, c);
    else if (strcmp(v, "SETACTIVE") == 0)
        cmd_named(s, c, "SETACTIVE", s->b.setactive);
    else if (strcmp(v, "DELETESCRIPT") == 0)
        cmd_named(s, c, "DELETESCRIPT", s->b.del);
    else if (strcmp(v, "RENAMESCRIPT") == 0)
        cmd_renamescript(s, c);
    else
        cmd_unauthenticate(s, c);
}

void sg_ms_session_input(sg_ms_session *s, const char *data, size_t len)
{
    while (len > 0 && !s->closed && !s->want_tls) {
        size_t used = 0;
        sg_ms_command c;
        bool done = sg_ms_parser_feed(s->parser, data, len, &used, &c);
        data += used;
        len -= used;
        if (!done)
            break;
        command(s, &c);
        sg_arena_reset(s->arena);
    }
}
