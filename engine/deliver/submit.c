/* submit.c - outgoing mail (see submit.h): the configuration, the checks
 * both transports share, and the choice between them.
 *
 * Takes: an envelope and the message bytes. Returns: OK / TEMPFAIL / PERMFAIL
 * and a sentence. Two real interfaces, never a stub: a sendmail-compatible
 * program (sendmail.c) or an SMTP server (smtp.c). The redirected copy of a
 * message and its envelope sender are redirect.c's, SRS is srs.c's.
 */
#include "engine/deliver/submit.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "engine/deliver/submit_int.h"

/* ---- small helpers (submit_int.h) ---- */

void sg_submit_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void sg_submit_clean_line(char *s)
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

double sg_submit_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int sg_submit_remaining_ms(double deadline)
{
    double left = deadline - sg_submit_now_ms();
    if (left <= 0)
        return 0;
    return left > 1e9 ? 1000000000 : (int)left + 1;
}

bool sg_submit_address_ok(const char *a)
{
    for (const unsigned char *p = (const unsigned char *)a; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

bool sg_submit_null_sender(const char *s)
{
    return !s || !*s || strcmp(s, "<>") == 0;
}

void sg_submit_keep_output(char *out, size_t *n, const char *buf, size_t len)
{
    size_t take = SG_SUBMIT_REASON_MAX - *n < len ? SG_SUBMIT_REASON_MAX - *n : len;
    memcpy(out + *n, buf, take);
    *n += take;
    out[*n] = '\0';
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
    sg_submit_set_err(err, errlen, "%s", "");
    cfg->sendmail_path = sg_config_get(conf, "sendmail_path");
    cfg->submission_host = sg_config_get(conf, "submission_host");
    cfg->hostname = sg_config_get(conf, "hostname");
    cfg->srs_secret = sg_config_get(conf, "srs_secret");
    cfg->srs_domain = sg_config_get(conf, "srs_domain");
    const char *mode = sg_config_get(conf, "redirect_envelope_from");
    if (mode && *mode && !sg_envfrom_mode_parse(mode, &cfg->envelope_from)) {
        sg_submit_set_err(err, errlen, "redirect_envelope_from: \"%s\" is not one of sender, owner, srs", mode);
        return false;
    }
    if (cfg->envelope_from == SG_ENVFROM_SRS &&
        (!cfg->srs_secret || !*cfg->srs_secret || !cfg->srs_domain || !*cfg->srs_domain)) {
        sg_submit_set_err(err, errlen, "redirect_envelope_from = srs needs srs_secret and srs_domain");
        return false;
    }
    return true;
}

/* ---- checks shared by both transports ---- */

static bool envelope_ok(const char *from, const char *const *rcpts, size_t n, bool sendmail, char *err, size_t errlen)
{
    if (!sg_submit_null_sender(from) && !sg_submit_address_ok(from)) {
        sg_submit_set_err(err, errlen, "envelope sender refused: it holds a control character");
        return false;
    }
    if (n == 0) {
        sg_submit_set_err(err, errlen, "no recipients");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *r = rcpts[i];
        if (!r || !*r || !sg_submit_address_ok(r)) {
            sg_submit_set_err(err, errlen, "recipient %zu refused: empty or holds a control character", i + 1);
            return false;
        }
        if (sendmail && r[0] == '-') {
            sg_submit_set_err(err, errlen, "recipient \"%s\" refused: it starts with '-' (an option to sendmail)", r);
            return false;
        }
    }
    return true;
}

sg_submit_status sg_submit_parts(const sg_submit_config *cfg, const char *envelope_from, const char *const *rcpts,
                                 size_t n, const sg_submit_part *parts, size_t nparts, char *err, size_t errlen)
{
    sg_submit_set_err(err, errlen, "%s", "");
    bool smtp = cfg->submission_host && *cfg->submission_host;
    if (!envelope_ok(envelope_from, rcpts, n, !smtp, err, errlen))
        return SG_SUBMIT_PERMFAIL;
    unsigned timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : SG_SUBMIT_DEFAULT_TIMEOUT_MS;
    if (smtp)
        return sg_submit_smtp(cfg, envelope_from, rcpts, n, parts, nparts, timeout_ms, err, errlen);
    return sg_submit_sendmail(cfg, envelope_from, rcpts, n, parts, nparts, timeout_ms, err, errlen);
}

sg_submit_status sg_submit_message(const sg_submit_config *cfg, const char *envelope_from, const char *const *rcpts,
                                   size_t n, const char *data, size_t len, char *err, size_t errlen)
{
    sg_submit_part part = {data ? data : "", data ? len : 0, -1, 0};
    return sg_submit_parts(cfg, envelope_from, rcpts, n, &part, 1, err, errlen);
}

/* ---- the message's parts, chunk by chunk ---- */

#define PART_CHUNK (64 * 1024)

void sg_parts_reader_init(sg_parts_reader *r, const sg_submit_part *parts, size_t n)
{
    memset(r, 0, sizeof *r);
    r->parts = parts;
    r->n = n;
}

int sg_parts_next(sg_parts_reader *r, const char **p, size_t *len)
{
    *len = 0;
    while (r->i < r->n && r->at == r->parts[r->i].len) {
        r->i++;
        r->at = 0;
    }
    if (r->i == r->n)
        return 0;
    const sg_submit_part *part = &r->parts[r->i];
    size_t want = part->len - r->at;
    if (part->fd < 0) {
        *p = part->data + r->at;
        *len = want;
    } else {
        if (!r->buf)
            r->buf = sg_xmalloc(PART_CHUNK);
        ssize_t got;
        do
            got = pread(part->fd, r->buf, want < PART_CHUNK ? want : PART_CHUNK, part->off + (off_t)r->at);
        while (got < 0 && errno == EINTR);
        if (got < 0)
            return errno;
        if (got == 0)
            return EIO;
        *p = r->buf;
        *len = (size_t)got;
    }
    r->at += *len;
    return 0;
}

void sg_parts_reader_free(sg_parts_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

size_t sg_parts_total(const sg_submit_part *parts, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += parts[i].len;
    return total;
}
