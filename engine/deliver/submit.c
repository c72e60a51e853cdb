/* submit.c - outgoing mail (see submit.h).
 *
 * Takes: an envelope and the message bytes. Returns: OK / TEMPFAIL / PERMFAIL
 * and a sentence. Two real interfaces, never a stub: a sendmail-compatible
 * program (fork + execv, no shell, the message on its stdin, its exit status
 * read) or an SMTP server (RFC 5321: EHLO, MAIL, RCPT, DATA with dot-stuffing,
 * QUIT; every reply checked, every step under a timeout). Also the redirected
 * copy of a message and its envelope sender, with SRS (libsrs2's scheme) on a
 * self-contained SHA-1 / HMAC-SHA1.
 */
#include "engine/deliver/submit.h"

#include "engine/mail/mailtext.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REASON_MAX 400  /* bytes of a program's output or a server's reply kept for the reason */
#define REPLY_LINES 1000 /* a reply longer than this many lines is broken */

/* ---- small helpers ---- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Text from outside (a program's output, a server's reply) made one printable line. */
static void clean_line(char *s)
{
    size_t n = 0;
    bool space = false;
    for (char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f) {
            space = n > 0;
            continue;
        }
        if (space && c != ' ')
            s[n++] = ' ';
        space = false;
        s[n++] = (char)c;
    }
    while (n > 0 && s[n - 1] == ' ')
        n--;
    s[n] = '\0';
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int remaining_ms(double deadline)
{
    double left = deadline - now_ms();
    if (left <= 0)
        return 0;
    return left > 1e9 ? 1000000000 : (int)left + 1;
}

/* An address may not carry anything that ends a line, a header field or an
 * SMTP command: no control character at all. */
static bool address_ok(const char *a)
{
    for (const unsigned char *p = (const unsigned char *)a; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static bool is_null_sender(const char *s)
{
    return !s || !*s || strcmp(s, "<>") == 0;
}

/* ---- names and configuration ---- */

const char *sg_submit_status_name(sg_submit_status s)
{
    switch (s) {
    case SG_SUBMIT_OK: return "ok";
    case SG_SUBMIT_TEMPFAIL: return "tempfail";
    case SG_SUBMIT_PERMFAIL: return "permfail";
    }
    return "unknown";
}

bool sg_envfrom_mode_parse(const char *text, sg_envfrom_mode *mode)
{
    if (!text)
        return false;
    if (strcmp(text, "sender") == 0)
        *mode = SG_ENVFROM_SENDER;
    else if (strcmp(text, "owner") == 0)
        *mode = SG_ENVFROM_OWNER;
    else if (strcmp(text, "srs") == 0)
        *mode = SG_ENVFROM_SRS;
    else
        return false;
    return true;
}

bool sg_submit_config_load(const sg_config *conf, sg_submit_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    set_err(err, errlen, "%s", "");
    cfg->sendmail_path = sg_config_get(conf, "sendmail_path");
    cfg->submission_host = sg_config_get(conf, "submission_host");
    cfg->hostname = sg_config_get(conf, "hostname");
    cfg->srs_secret = sg_config_get(conf, "srs_secret");
    cfg->srs_domain = sg_config_get(conf, "srs_domain");
    const char *mode = sg_config_get(conf, "redirect_envelope_from");
    if (mode && *mode && !sg_envfrom_mode_parse(mode, &cfg->envelope_from)) {
        set_err(err, errlen, "redirect_envelope_from: \"%s\" is not one of sender, owner, srs", mode);
        return false;
    }
    if (cfg->envelope_from == SG_ENVFROM_SRS &&
        (!cfg->srs_secret || !*cfg->srs_secret || !cfg->srs_domain || !*cfg->srs_domain)) {
        set_err(err, errlen, "redirect_envelope_from = srs needs srs_secret and srs_domain");
        return false;
    }
    return true;
}

/* ---- SHA-1 (FIPS 180-4 §6.1) and HMAC-SHA1 (RFC 2104) ---- */

typedef struct {
    uint32_t h[5];
    uint64_t bytes;
    unsigned char block[64];
    size_t used;
} sha1_ctx;

static uint32_t rol(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static void sha1_block(sha1_ctx *c, const unsigned char *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = c->h[0], b = c->h[1], d3 = c->h[2], d = c->h[3], e = c->h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & d3) | (~b & d);
            k = 0x5A827999u;
        } else if (i < 40) {
            f = b ^ d3 ^ d;
            k = 0x6ED9EBA1u;
        } else if (i < 60) {
            f = (b & d3) | (b & d) | (d3 & d);
            k = 0x8F1BBCDCu;
        } else {
            f = b ^ d3 ^ d;
            k = 0xCA62C1D6u;
        }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = d3;
        d3 = rol(b, 30);
        b = a;
        a = t;
    }
    c->h[0] += a;
    c->h[1] += b;
    c->h[2] += d3;
    c->h[3] += d;
    c->h[4] += e;
}

static void sha1_init(sha1_ctx *c)
{
    static const uint32_t iv[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
    memcpy(c->h, iv, sizeof iv);
    c->bytes = 0;
    c->used = 0;
}

static void sha1_update(sha1_ctx *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    c->bytes += len;
    while (len > 0) {
        size_t take = 64 - c->used < len ? 64 - c->used : len;
        memcpy(c->block + c->used, p, take);
        c->used += take;
        p += take;
        len -= take;
        if (c->used == 64) {
            sha1_block(c, c->block);
            c->used = 0;
        }
    }
}

static void sha1_final(sha1_ctx *c, unsigned char out[20])
{
    uint64_t bits = c->bytes * 8;
    unsigned char pad[72] = {0x80};
    size_t npad = (c->used < 56 ? 56 : 120) - c->used;
    for (int i = 0; i < 8; i++)
        pad[npad + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
    sha1_update(c, pad, npad + 8);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (unsigned char)(c->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)c->h[i];
    }
}

void sg_sha1(const void *data, size_t len, unsigned char out[20])
{
    sha1_ctx c;
    sha1_init(&c);
    sha1_update(&c, data, len);
    sha1_final(&c, out);
}

typedef struct {
    sha1_ctx inner, outer;
} hmac_ctx;

static void hmac_init(hmac_ctx *h, const void *key, size_t keylen)
{
    unsigned char k[64] = {0}, pad[64];
    if (keylen > 64)
        sg_sha1(key, keylen, k);
    else if (keylen > 0)
        memcpy(k, key, keylen);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    sha1_init(&h->inner);
    sha1_update(&h->inner, pad, 64);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    sha1_init(&h->outer);
    sha1_update(&h->outer, pad, 64);
}

static void hmac_final(hmac_ctx *h, unsigned char out[20])
{
    unsigned char inner[20];
    sha1_final(&h->inner, inner);
    sha1_update(&h->outer, inner, sizeof inner);
    sha1_final(&h->outer, out);
}

void sg_hmac_sha1(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[20])
{
    hmac_ctx h;
    hmac_init(&h, key, keylen);
    sha1_update(&h.inner, data, len);
    hmac_final(&h, out);
}

/* ---- SRS (libsrs2: srs_forward, guarded scheme) ---- */

#define SRS_HASH_LEN 4

/* HMAC-SHA1 over the ASCII-lowercased fields, the first SRS_HASH_LEN base64 characters. */
static void srs_hash(const char *secret, const char *const *fields, size_t nfields, char out[SRS_HASH_LEN + 1])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    hmac_ctx h;
    hmac_init(&h, secret, strlen(secret));
    for (size_t i = 0; i < nfields; i++)
        for (const char *p = fields[i]; *p; p++) {
            unsigned char c = (unsigned char)*p;
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c + 32);
            sha1_update(&h.inner, &c, 1);
        }
    unsigned char mac[20];
    hmac_final(&h, mac);
    out[0] = b64[mac[0] >> 2];
    out[1] = b64[((mac[0] & 0x03) << 4) | (mac[1] >> 4)];
    out[2] = b64[((mac[1] & 0x0f) << 2) | (mac[2] >> 6)];
    out[3] = b64[mac[2] & 0x3f];
    out[4] = '\0';
}

static bool srs_separator(char c)
{
    return c == '=' || c == '-' || c == '+';
}

const char *sg_srs_forward(const char *secret, const char *domain, const char *sender, time_t now, sg_arena *arena)
{
    const char *at = strrchr(sender, '@');
    if (!at || !at[1] || strcasecmp(at + 1, domain) == 0)
        return sg_arena_strdup(arena, sender);
    char *user = sg_arena_strndup(arena, sender, (size_t)(at - sender));
    const char *host = at + 1;
    char hash[SRS_HASH_LEN + 1];
    size_t cap = strlen(sender) + strlen(domain) + 32;
    char *out = sg_arena_alloc_bytes(arena, cap);

    if (strncasecmp(user, "SRS1", 4) == 0 && srs_separator(user[4])) {
        /* SRS1=HHHH=h1==rest: keep the first forwarder's host and the rest, new hash */
        char *first = strchr(user + 5, '=');
        char *rest = first ? strchr(first + 1, '=') : NULL;
        if (first && first[1] && rest && rest[1]) {
            char *h1 = sg_arena_strndup(arena, first + 1, (size_t)(rest - first - 1));
            const char *fields[2] = {h1, rest + 1};
            srs_hash(secret, fields, 2, hash);
            snprintf(out, cap, "SRS1=%s=%s=%s@%s", hash, h1, rest + 1, domain);
            return out;
        }
    } else if (strncasecmp(user, "SRS0", 4) == 0 && srs_separator(user[4])) {
        const char *fields[2] = {host, user + 4};
        srs_hash(secret, fields, 2, hash);
        snprintf(out, cap, "SRS1=%s=%s=%s@%s", hash, host, user + 4, domain);
        return out;
    }
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    if (now == 0)
        now = time(NULL);
    uint64_t day = (uint64_t)now / 86400u;
    char stamp[3] = {b32[(day >> 5) & 31], b32[day & 31], '\0'};
    const char *fields[3] = {stamp, host, user};
    srs_hash(secret, fields, 3, hash);
    snprintf(out, cap, "SRS0=%s=%s=%s=%s@%s", hash, stamp, host, user, domain);
    return out;
}

/* ---- the redirected copy ---- */


/* RFC 5322 §3.3, in UTC so the text never depends on the host's zone or locale. */

/* "Return-Path" WSP* ":" at the start of a header line (RFC 5322 §3.6.7, obs WSP §4.5). */
static bool is_return_path(const char *p, size_t n)
{
    static const char name[] = "Return-Path";
    size_t k = sizeof name - 1;
    if (n < k + 1 || strncasecmp(p, name, k) != 0)
        return false;
    while (k < n && (p[k] == ' ' || p[k] == '\t'))
        k++;
    return k < n && p[k] == ':';
}

bool sg_redirect_prepare(const char *data, size_t len, const char *owner, const char *target, const char *hostname,
                         time_t now, sg_arena *arena, const char **out, size_t *outlen, char *err, size_t errlen)
{
    set_err(err, errlen, "%s", "");
    if (!owner || !*owner || !address_ok(owner)) {
        set_err(err, errlen, "the owner address is empty or holds a control character");
        return false;
    }
    if (!target || !*target || !address_ok(target)) {
        set_err(err, errlen, "the redirect target is empty or holds a control character");
        return false;
    }
    const char *lf = memchr(data, '\n', len);
    const char *eol = lf && lf > data && lf[-1] == '\r' ? "\r\n" : "\n";
    char host[256], date[SG_MT_DATE_SIZE];
    sg_mt_clean_host_into(hostname, host);
    sg_mt_date(now ? now : time(NULL), date);

    /* Both fields are 7-bit whatever the addresses hold (issue 8, header
     * safety): an 8-bit (SMTPUTF8) target cannot be RFC 2047 encoded inside
     * an addr-spec (RFC 2047 §5), so Received then leaves out its optional
     * "for" clause (RFC 5321 §4.4); the owner is an unstructured value,
     * written as RFC 2047 encoded words when it is not printable ASCII. */
    sg_mtbuf h = sg_mt_new(arena);
    sg_mt_putf(&h, "Received: by %s (sievegate)\r\n", host);
    if (sg_mt_printable_ascii(target)) {
        sg_mt_puts(&h, "\tfor <"); /* not putf: a target may pass its 1023 bytes */
        sg_mt_puts(&h, target);
        sg_mt_putf(&h, ">; %s\r\n", date);
    } else {
        sg_mt_putf(&h, "\t; %s\r\n", date);
    }
    sg_mt_put_unstructured(&h, "X-Sieve-Redirected-From", sg_mt_clean_text(arena, owner));
    /* mailtext writes CRLF; the copy keeps the message's own line ending */
    char *buf = sg_arena_alloc_bytes(arena, h.len + len + 1);
    size_t plen = 0;
    for (size_t i = 0; i < h.len; i++) {
        if (h.s[i] == '\r' && i + 1 < h.len && h.s[i + 1] == '\n') {
            memcpy(buf + plen, eol, strlen(eol));
            plen += strlen(eol);
            i++;
        } else {
            buf[plen++] = h.s[i];
        }
    }
    size_t n = plen;

    /* The header section, line by line, up to the first empty line. */
    size_t pos = 0;
    bool dropping = false;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) + 1 : len;
        size_t content = end - pos;
        if (content > 0 && data[end - 1] == '\n')
            content--;
        if (content > 0 && data[pos + content - 1] == '\r')
            content--;
        if (content == 0 && end > pos && data[end - 1] == '\n')
            break; /* the empty line: the body follows, copied as it is */
        bool continuation = data[pos] == ' ' || data[pos] == '\t';
        if (!continuation)
            dropping = is_return_path(data + pos, content);
        if (!dropping) {
            memcpy(buf + n, data + pos, end - pos);
            n += end - pos;
        }
        pos = end;
    }
    memcpy(buf + n, data + pos, len - pos);
    n += len - pos;
    buf[n] = '\0';
    *out = buf;
    *outlen = n;
    return true;
}

const char *sg_redirect_envelope_from(const sg_submit_config *cfg, const char *sender, const char *owner, time_t now,
                                      sg_arena *arena, char *err, size_t errlen)
{
    set_err(err, errlen, "%s", "");
    if (is_null_sender(sender))
        return ""; /* a null sender stays null in every mode: nothing may bounce back to it */
    if (!address_ok(sender)) {
        set_err(err, errlen, "the envelope sender holds a control character");
        return NULL;
    }
    switch (cfg->envelope_from) {
    case SG_ENVFROM_SENDER:
        return sg_arena_strdup(arena, sender);
    case SG_ENVFROM_OWNER:
        if (!owner || !*owner || !address_ok(owner)) {
            set_err(err, errlen, "the owner address is empty or holds a control character");
            return NULL;
        }
        return sg_arena_strdup(arena, owner);
    case SG_ENVFROM_SRS:
        if (!cfg->srs_secret || !*cfg->srs_secret || !cfg->srs_domain || !*cfg->srs_domain) {
            set_err(err, errlen, "redirect_envelope_from = srs needs srs_secret and srs_domain");
            return NULL;
        }
        if (!address_ok(cfg->srs_domain)) {
            set_err(err, errlen, "srs_domain holds a control character");
            return NULL;
        }
        return sg_srs_forward(cfg->srs_secret, cfg->srs_domain, sender, now, arena);
    }
    set_err(err, errlen, "unknown redirect_envelope_from mode");
    return NULL;
}

/* ---- checks shared by both transports ---- */

static bool envelope_ok(const char *from, const char *const *rcpts, size_t n, bool sendmail, char *err, size_t errlen)
{
    if (!is_null_sender(from) && !address_ok(from)) {
        set_err(err, errlen, "envelope sender refused: it holds a control character");
        return false;
    }
    if (n == 0) {
        set_err(err, errlen, "no recipients");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *r = rcpts[i];
        if (!r || !*r || !address_ok(r)) {
            set_err(err, errlen, "recipient %zu refused: empty or holds a control character", i + 1);
            return false;
        }
        if (sendmail && r[0] == '-') {
            set_err(err, errlen, "recipient \"%s\" refused: it starts with '-' (an option to sendmail)", r);
            return false;
        }
    }
    return true;
}

/* ---- sendmail ---- */

static const char *sysexit_name(int code)
{
    switch (code) {
    case 64: return "EX_USAGE";
    case 65: return "EX_DATAERR";
    case 66: return "EX_NOINPUT";
    case 67: return "EX_NOUSER";
    case 68: return "EX_NOHOST";
    case 69: return "EX_UNAVAILABLE";
    case 70: return "EX_SOFTWARE";
    case 71: return "EX_OSERR";
    case 72: return "EX_OSFILE";
    case 73: return "EX_CANTCREAT";
    case 74: return "EX_IOERR";
    case 75: return "EX_TEMPFAIL";
    case 76: return "EX_PROTOCOL";
    case 77: return "EX_NOPERM";
    case 78: return "EX_CONFIG";
    }
    return NULL;
}

/* Moves fd above 2 (so the child's dup2 onto 0..2 never clobbers another pipe), close-on-exec. */
static int fd_high_cloexec(int fd)
{
    if (fd > 2) {
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        return fd;
    }
    int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return nfd;
}

static bool make_pipe(int p[2])
{
    if (pipe(p) != 0)
        return false;
    p[0] = fd_high_cloexec(p[0]);
    p[1] = fd_high_cloexec(p[1]);
    if (p[0] < 0 || p[1] < 0) {
        if (p[0] >= 0)
            close(p[0]);
        if (p[1] >= 0)
            close(p[1]);
        return false;
    }
    return true;
}

static void close_pipe(int p[2])
{
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0) {
            close(p[i]);
            p[i] = -1;
        }
}

static void keep_output(char *out, size_t *n, const char *buf, size_t len)
{
    size_t take = REASON_MAX - *n < len ? REASON_MAX - *n : len;
    memcpy(out + *n, buf, take);
    *n += take;
    out[*n] = '\0';
}

static sg_submit_status run_sendmail(const sg_submit_config *cfg, const char *from, const char *const *rcpts, size_t n,
                                     const char *data, size_t len, unsigned timeout_ms, char *err, size_t errlen)
{
    /* argv: the configured command line, then -i -f SENDER -- RCPT... (built before fork) */
    const char *cmd = cfg->sendmail_path && *cfg->sendmail_path ? cfg->sendmail_path : SG_DEFAULT_SENDMAIL_PATH;
    char *words = sg_xstrdup(cmd);
    size_t cap = strlen(cmd) / 2 + 2 + 4 + n + 1;
    char **argv = sg_xmalloc(cap * sizeof *argv);
    size_t argc = 0;
    for (char *save = NULL, *w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
        argv[argc++] = w;
    if (argc == 0) {
        free(argv);
        free(words);
        words = sg_xstrdup(SG_DEFAULT_SENDMAIL_PATH);
        argv = sg_xmalloc((1 + 4 + n + 1) * sizeof *argv);
        argv[argc++] = words;
    }
    const char *prog = argv[0];
    argv[argc++] = (char *)"-i";
    argv[argc++] = (char *)"-f";
    argv[argc++] = (char *)(is_null_sender(from) ? "<>" : from);
    argv[argc++] = (char *)"--";
    for (size_t i = 0; i < n; i++)
        argv[argc++] = (char *)rcpts[i];
    argv[argc] = NULL;

    sg_submit_status st = SG_SUBMIT_TEMPFAIL;
    int in[2] = {-1, -1}, outp[2] = {-1, -1}, ex[2] = {-1, -1};
    if (!make_pipe(in) || !make_pipe(outp) || !make_pipe(ex)) {
        set_err(err, errlen, "cannot run %s: pipe: %s", prog, strerror(errno));
        close_pipe(in);
        close_pipe(outp);
        close_pipe(ex);
        goto done;
    }

    pid_t pid = fork();
    if (pid < 0) {
        set_err(err, errlen, "cannot run %s: fork: %s", prog, strerror(errno));
        close_pipe(in);
        close_pipe(outp);
        close_pipe(ex);
        goto done;
    }
    if (pid == 0) {
        /* the child: only async-signal-safe calls until execv */
        dup2(in[0], 0);
        dup2(outp[1], 1);
        dup2(outp[1], 2);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGPIPE, &sa, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(prog, argv);
        int e = errno;
        ssize_t w = write(ex[1], &e, sizeof e);
        (void)w;
        _exit(127);
    }
    close(in[0]);
    close(outp[1]);
    close(ex[1]);
    in[0] = outp[1] = ex[1] = -1;

    /* Did execv succeed? (ex[1] closes on exec; an errno arrives otherwise.) */
    int exec_errno = 0;
    ssize_t r;
    do
        r = read(ex[0], &exec_errno, sizeof exec_errno);
    while (r < 0 && errno == EINTR);
    close_pipe(ex);
    if (r == (ssize_t)sizeof exec_errno) {
        close_pipe(in);
        close_pipe(outp);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        set_err(err, errlen, "cannot execute %s: %s", prog, strerror(exec_errno));
        goto done;
    }

    fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK);
    fcntl(outp[0], F_SETFL, fcntl(outp[0], F_GETFL) | O_NONBLOCK);

    /* Writing to a program that stopped reading must not kill us: SIGPIPE is
     * blocked in this thread while we write and a pending one consumed after. */
    sigset_t pipe_set, old_mask, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    bool pipe_was_pending = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);

    char output[REASON_MAX + 1] = "";
    size_t output_len = 0;
    size_t written = 0;
    bool epipe = false, exited = false, timed_out = false;
    int status = 0;
    double deadline = now_ms() + timeout_ms;
    if (len == 0) {
        close(in[1]);
        in[1] = -1;
    }
    while (!exited) {
        int left = remaining_ms(deadline);
        if (left == 0) {
            timed_out = true;
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            exited = true;
            break;
        }
        struct pollfd pfd[2];
        nfds_t np = 0;
        int in_ix = -1, out_ix = -1;
        if (in[1] >= 0) {
            in_ix = (int)np;
            pfd[np++] = (struct pollfd){.fd = in[1], .events = POLLOUT};
        }
        if (outp[0] >= 0) {
            out_ix = (int)np;
            pfd[np++] = (struct pollfd){.fd = outp[0], .events = POLLIN};
        }
        /* Once the message is written, the exit status is what we wait for (a
         * background child of the program may keep its output open). */
        int wait = in[1] >= 0 ? left : (left < 50 ? left : 50);
        int pr = poll(pfd, np, wait);
        if (pr < 0 && errno != EINTR) {
            set_err(err, errlen, "%s: poll: %s", prog, strerror(errno));
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
            close_pipe(in);
            close_pipe(outp);
            goto done;
        }
        if (pr > 0 && in_ix >= 0 && pfd[in_ix].revents) {
            size_t chunk = len - written < 65536 ? len - written : 65536;
            ssize_t w = write(in[1], data + written, chunk);
            if (w > 0) {
                written += (size_t)w;
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                epipe = errno == EPIPE;
                close(in[1]);
                in[1] = -1;
            }
            if (in[1] >= 0 && written == len) {
                close(in[1]);
                in[1] = -1;
            }
        }
        if (pr > 0 && out_ix >= 0 && pfd[out_ix].revents) {
            char buf[4096];
            ssize_t got = read(outp[0], buf, sizeof buf);
            if (got > 0)
                keep_output(output, &output_len, buf, (size_t)got);
            else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(outp[0]);
                outp[0] = -1;
            }
        }
        pid_t wr = waitpid(pid, &status, WNOHANG);
        if (wr == pid || (wr < 0 && errno == ECHILD))
            exited = true;
    }
    if (in[1] >= 0) {
        close(in[1]);
        in[1] = -1;
    }
    if (epipe && !pipe_was_pending) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    if (outp[0] >= 0) { /* what the program said before it ended */
        char buf[4096];
        ssize_t got;
        while ((got = read(outp[0], buf, sizeof buf)) > 0)
            keep_output(output, &output_len, buf, (size_t)got);
    }
    close_pipe(outp);
    clean_line(output);
    const char *sep = *output ? ": " : "";

    if (timed_out) {
        set_err(err, errlen, "%s did not finish within %u ms and was killed%s%s", prog, timeout_ms, sep, output);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        if (written < len)
            set_err(err, errlen, "%s exited before reading the whole message (%zu of %zu bytes)", prog, written, len);
        else {
            set_err(err, errlen, "%s", "");
            st = SG_SUBMIT_OK;
        }
    } else if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        const char *name = sysexit_name(code);
        set_err(err, errlen, "%s exited with status %d%s%s%s%s%s", prog, code, name ? " (" : "", name ? name : "",
                name ? ")" : "", sep, output);
    } else if (WIFSIGNALED(status)) {
        set_err(err, errlen, "%s was killed by signal %d%s%s", prog, WTERMSIG(status), sep, output);
    } else {
        set_err(err, errlen, "%s ended with an unknown status%s%s", prog, sep, output);
    }
done:
    free(argv);
    free(words);
    return st;
}

/* ---- SMTP ---- */

typedef struct {
    int fd;
    unsigned timeout_ms;
    char buf[4096];
    size_t start, end;
    const char *where; /* "SMTP host:port" for reasons */
    char *err;
    size_t errlen;
    char out[16384];   /* data being sent */
    size_t out_len;
} smtp_conn;

typedef struct {
    int code;
    char text[REASON_MAX + 1]; /* "CODE text text ..." of every line, cleaned */
    bool ext_8bitmime;
} smtp_reply;

static bool smtp_write(smtp_conn *c, const char *p, size_t len)
{
    double deadline = now_ms() + c->timeout_ms;
    while (len > 0) {
        ssize_t w = send(c->fd, p, len, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            len -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            set_err(c->err, c->errlen, "%s: write: %s", c->where, strerror(errno));
            return false;
        }
        int left = remaining_ms(deadline);
        struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};
        int pr = left ? poll(&pfd, 1, left) : 0;
        if (pr == 0) {
            set_err(c->err, c->errlen, "%s: timed out after %u ms while sending", c->where, c->timeout_ms);
            return false;
        }
        if (pr < 0 && errno != EINTR) {
            set_err(c->err, c->errlen, "%s: poll: %s", c->where, strerror(errno));
            return false;
        }
    }
    return true;
}

static bool smtp_flush(smtp_conn *c)
{
    bool ok = smtp_write(c, c->out, c->out_len);
    c->out_len = 0;
    return ok;
}

static bool smtp_put(smtp_conn *c, const char *p, size_t len)
{
    while (len > 0) {
        size_t take = sizeof c->out - c->out_len < len ? sizeof c->out - c->out_len : len;
        memcpy(c->out + c->out_len, p, take);
        c->out_len += take;
        p += take;
        len -= take;
        if (c->out_len == sizeof c->out && !smtp_flush(c))
            return false;
    }
    return true;
}

/* One line (without its CRLF, cut at cap - 1) before the deadline. */
static bool smtp_read_line(smtp_conn *c, double deadline, char *line, size_t cap)
{
    size_t n = 0;
    for (;;) {
        while (c->start < c->end) {
            char ch = c->buf[c->start++];
            if (ch == '\n') {
                if (n > 0 && line[n - 1] == '\r')
                    n--;
                line[n] = '\0';
                return true;
            }
            if (n < cap - 1)
                line[n++] = ch;
        }
        int left = remaining_ms(deadline);
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int pr = left ? poll(&pfd, 1, left) : 0;
        if (pr == 0) {
            set_err(c->err, c->errlen, "%s: no reply within %u ms", c->where, c->timeout_ms);
            return false;
        }
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            set_err(c->err, c->errlen, "%s: poll: %s", c->where, strerror(errno));
            return false;
        }
        ssize_t got = recv(c->fd, c->buf, sizeof c->buf, 0);
        if (got == 0) {
            set_err(c->err, c->errlen, "%s: connection closed by the server", c->where);
            return false;
        }
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            set_err(c->err, c->errlen, "%s: read: %s", c->where, strerror(errno));
            return false;
        }
        c->start = 0;
        c->end = (size_t)got;
    }
}

/* A reply (RFC 5321 §4.2): "NNN-text" lines then "NNN text", one code. */
static bool smtp_reply_read(smtp_conn *c, smtp_reply *r)
{
    double deadline = now_ms() + c->timeout_ms;
    r->code = 0;
    r->text[0] = '\0';
    r->ext_8bitmime = false;
    size_t tlen = 0;
    for (int i = 0; i < REPLY_LINES; i++) {
        char line[1024];
        if (!smtp_read_line(c, deadline, line, sizeof line))
            return false;
        bool digits = line[0] >= '2' && line[0] <= '5' && line[1] >= '0' && line[1] <= '9' && line[2] >= '0' &&
                      line[2] <= '9';
        char sep = digits ? line[3] : 0;
        if (!digits || (sep != '-' && sep != ' ' && sep != '\0')) {
            clean_line(line);
            set_err(c->err, c->errlen, "%s: malformed reply \"%.80s\"", c->where, line);
            return false;
        }
        int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (i > 0 && code != r->code) {
            set_err(c->err, c->errlen, "%s: malformed reply (codes %d and %d in one reply)", c->where, r->code, code);
            return false;
        }
        r->code = code;
        const char *text = sep ? line + 4 : "";
        if (i > 0 && strncasecmp(text, "8BITMIME", 8) == 0 && (text[8] == '\0' || text[8] == ' '))
            r->ext_8bitmime = true;
        char piece[1100];
        snprintf(piece, sizeof piece, i == 0 ? "%.1023s" : " %.1022s", i == 0 ? line : text);
        clean_line(piece);
        keep_output(r->text, &tlen, piece, strlen(piece));
        if (sep != '-')
            return true;
    }
    set_err(c->err, c->errlen, "%s: reply longer than %d lines", c->where, REPLY_LINES);
    return false;
}

/* Sends a command (NULL: none, only read) and reads its reply; false on a broken connection. */
static bool smtp_command(smtp_conn *c, const char *cmd, smtp_reply *r)
{
    if (cmd && (!smtp_put(c, cmd, strlen(cmd)) || !smtp_put(c, "\r\n", 2) || !smtp_flush(c)))
        return false;
    return smtp_reply_read(c, r);
}

/* The status a reply means where `want` (2 or 3) is success. */
static sg_submit_status reply_status(const smtp_reply *r, int want)
{
    if (r->code / 100 == want)
        return SG_SUBMIT_OK;
    return r->code / 100 == 5 ? SG_SUBMIT_PERMFAIL : SG_SUBMIT_TEMPFAIL;
}

static bool split_host_port(const char *spec, char *host, size_t hostcap, char *port, size_t portcap)
{
    const char *colon;
    size_t hlen;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || (close[1] && close[1] != ':'))
            return false;
        hlen = (size_t)(close - spec - 1);
        memcpy(host, spec + 1, hlen < hostcap ? hlen : 0);
        colon = close[1] ? close + 1 : NULL;
    } else {
        colon = strchr(spec, ':');
        if (colon && strchr(colon + 1, ':'))
            return false;
        hlen = colon ? (size_t)(colon - spec) : strlen(spec);
        memcpy(host, spec, hlen < hostcap ? hlen : 0);
    }
    if (hlen == 0 || hlen >= hostcap)
        return false;
    host[hlen] = '\0';
    const char *p = colon ? colon + 1 : "25";
    if (!*p || strlen(p) >= portcap || strspn(p, "0123456789") != strlen(p))
        return false;
    strcpy(port, p);
    return true;
}

static int smtp_connect(const char *spec, unsigned timeout_ms, char *err, size_t errlen)
{
    char host[256], port[16];
    if (!split_host_port(spec, host, sizeof host, port, sizeof port)) {
        set_err(err, errlen, "submission_host \"%s\" is not host:port", spec);
        return -1;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        set_err(err, errlen, "SMTP %s: %s", spec, gai_strerror(gai));
        return -1;
    }
    double deadline = now_ms() + timeout_ms;
    int fd = -1, last_errno = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        int s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (s < 0) {
            last_errno = errno;
            continue;
        }
        fcntl(s, F_SETFD, FD_CLOEXEC);
        fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
        if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0) {
            fd = s;
            break;
        }
        if (errno != EINPROGRESS && errno != EINTR) {
            last_errno = errno;
            close(s);
            continue;
        }
        struct pollfd pfd = {.fd = s, .events = POLLOUT};
        int pr;
        do {
            int left = remaining_ms(deadline);
            pr = left ? poll(&pfd, 1, left) : 0;
        } while (pr < 0 && errno == EINTR);
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (pr == 0)
            last_errno = ETIMEDOUT;
        else if (pr < 0)
            last_errno = errno;
        else if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
            last_errno = errno;
        else if (soerr != 0)
            last_errno = soerr;
        else {
            fd = s;
            break;
        }
        close(s);
    }
    freeaddrinfo(res);
    if (fd < 0) {
        if (last_errno == ETIMEDOUT)
            set_err(err, errlen, "SMTP %s: cannot connect within %u ms", spec, timeout_ms);
        else
            set_err(err, errlen, "SMTP %s: cannot connect: %s", spec, strerror(last_errno));
    }
    return fd;
}

/* The message as DATA: CRLF line endings, dot-stuffed, then ".". */
static bool smtp_send_data(smtp_conn *c, const char *data, size_t len)
{
    bool line_start = true;
    size_t run = 0; /* bytes of data[run..i) not yet queued */
    for (size_t i = 0; i < len; i++) {
        char ch = data[i];
        if (line_start && ch == '.') {
            if (!smtp_put(c, data + run, i - run) || !smtp_put(c, ".", 1))
                return false;
            run = i;
        }
        if (ch == '\r' || ch == '\n') {
            if (!smtp_put(c, data + run, i - run) || !smtp_put(c, "\r\n", 2))
                return false;
            if (ch == '\r' && i + 1 < len && data[i + 1] == '\n')
                i++;
            run = i + 1;
            line_start = true;
        } else {
            line_start = false;
        }
    }
    if (!smtp_put(c, data + run, len - run))
        return false;
    if (!line_start && !smtp_put(c, "\r\n", 2))
        return false;
    return smtp_put(c, ".\r\n", 3) && smtp_flush(c);
}

static bool has_8bit(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)data[i] >= 0x80)
            return true;
    return false;
}

static sg_submit_status run_smtp(const sg_submit_config *cfg, const char *from, const char *const *rcpts, size_t n,
                                 const char *data, size_t len, unsigned timeout_ms, char *err, size_t errlen)
{
    int fd = smtp_connect(cfg->submission_host, timeout_ms, err, errlen);
    if (fd < 0)
        return SG_SUBMIT_TEMPFAIL;
    char where[300];
    snprintf(where, sizeof where, "SMTP %s", cfg->submission_host);
    smtp_conn *c = sg_xmalloc(sizeof *c);
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->timeout_ms = timeout_ms;
    c->where = where;
    c->err = err;
    c->errlen = errlen;

    sg_submit_status st = SG_SUBMIT_TEMPFAIL;
    bool quit = false; /* the session is sound enough to end with QUIT */
    smtp_reply r;
    char host[256], cmd[1100];
    sg_mt_clean_host_into(cfg->hostname, host);

    if (!smtp_command(c, NULL, &r))
        goto out;
    if (r.code / 100 != 2) { /* a refused session says nothing about the message: retry */
        set_err(err, errlen, "%s: session refused: %s", where, r.text);
        quit = true;
        goto out;
    }
    snprintf(cmd, sizeof cmd, "EHLO %s", host);
    if (!smtp_command(c, cmd, &r))
        goto out;
    bool ext_8bitmime = r.ext_8bitmime;
    if (r.code / 100 == 5) { /* RFC 5321 §3.2: a server that does not know EHLO */
        snprintf(cmd, sizeof cmd, "HELO %s", host);
        if (!smtp_command(c, cmd, &r))
            goto out;
        ext_8bitmime = false;
    }
    if (r.code / 100 != 2) {
        set_err(err, errlen, "%s: %s refused: %s", where, cmd, r.text);
        quit = true;
        goto out;
    }
    quit = true;

    snprintf(cmd, sizeof cmd, "MAIL FROM:<%s>%s", is_null_sender(from) ? "" : from,
             ext_8bitmime && has_8bit(data, len) ? " BODY=8BITMIME" : "");
    if (strlen(cmd) >= sizeof cmd - 1) {
        set_err(err, errlen, "envelope sender too long");
        st = SG_SUBMIT_PERMFAIL;
        goto out;
    }
    if (!smtp_command(c, cmd, &r)) {
        quit = false;
        goto out;
    }
    if ((st = reply_status(&r, 2)) != SG_SUBMIT_OK) {
        set_err(err, errlen, "%s: %s refused: %s", where, cmd, r.text);
        goto out;
    }
    /* Every recipient must be accepted, or nothing is sent: all-or-nothing. */
    sg_submit_status worst = SG_SUBMIT_OK;
    for (size_t i = 0; i < n; i++) {
        snprintf(cmd, sizeof cmd, "RCPT TO:<%s>", rcpts[i]);
        if (strlen(cmd) >= sizeof cmd - 1) {
            set_err(err, errlen, "recipient %zu too long", i + 1);
            st = SG_SUBMIT_PERMFAIL;
            goto out;
        }
        if (!smtp_command(c, cmd, &r)) {
            quit = false;
            st = SG_SUBMIT_TEMPFAIL;
            goto out;
        }
        sg_submit_status rs = reply_status(&r, 2);
        /* the reason kept: the first temporary refusal, else the first permanent one */
        if (rs == SG_SUBMIT_TEMPFAIL && worst != SG_SUBMIT_TEMPFAIL) {
            worst = rs;
            set_err(err, errlen, "%s: %s refused: %s", where, cmd, r.text);
        } else if (rs == SG_SUBMIT_PERMFAIL && worst == SG_SUBMIT_OK) {
            worst = rs;
            set_err(err, errlen, "%s: %s refused: %s", where, cmd, r.text);
        }
    }
    if (worst != SG_SUBMIT_OK) {
        st = worst;
        goto out;
    }
    if (!smtp_command(c, "DATA", &r)) {
        quit = false;
        st = SG_SUBMIT_TEMPFAIL;
        goto out;
    }
    if ((st = reply_status(&r, 3)) != SG_SUBMIT_OK) {
        if (r.code / 100 == 2)
            st = SG_SUBMIT_TEMPFAIL; /* 2xx to DATA: not the protocol */
        set_err(err, errlen, "%s: DATA refused: %s", where, r.text);
        goto out;
    }
    if (!smtp_send_data(c, data, len) || !smtp_reply_read(c, &r)) {
        quit = false;
        st = SG_SUBMIT_TEMPFAIL;
        goto out;
    }
    if ((st = reply_status(&r, 2)) != SG_SUBMIT_OK) {
        set_err(err, errlen, "%s: message refused after DATA: %s", where, r.text);
        goto out;
    }
    set_err(err, errlen, "%s", "");
out:
    if (quit) { /* the message's fate is decided; QUIT's own reply changes nothing */
        char keep[1];
        c->err = keep;
        c->errlen = sizeof keep;
        if (smtp_put(c, "QUIT\r\n", 6) && smtp_flush(c))
            smtp_reply_read(c, &r);
    }
    close(fd);
    free(c);
    return st;
}

sg_submit_status sg_submit_message(const sg_submit_config *cfg, const char *envelope_from, const char *const *rcpts,
                                   size_t n, const char *data, size_t len, char *err, size_t errlen)
{
    set_err(err, errlen, "%s", "");
    bool smtp = cfg->submission_host && *cfg->submission_host;
    if (!envelope_ok(envelope_from, rcpts, n, !smtp, err, errlen))
        return SG_SUBMIT_PERMFAIL;
    unsigned timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : SG_SUBMIT_DEFAULT_TIMEOUT_MS;
    if (smtp)
        return run_smtp(cfg, envelope_from, rcpts, n, data, len, timeout_ms, err, errlen);
    return run_sendmail(cfg, envelope_from, rcpts, n, data, len, timeout_ms, err, errlen);
}
