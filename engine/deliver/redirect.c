/* redirect.c - the redirected copy of a message and its envelope sender
 * (see redirect.h).
 *
 * Takes: the message bytes, the owner and target, the configuration.
 * Returns: the copy with Return-Path removed and our trace fields prepended;
 * the envelope sender the configuration asks for (with SRS: srs.c).
 */
#include "engine/deliver/redirect.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/deliver/srs.h"
#include "engine/deliver/submit_int.h"
#include "engine/mail/mailtext.h"

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
    sg_submit_set_err(err, errlen, "%s", "");
    if (!owner || !*owner || !sg_submit_address_ok(owner)) {
        sg_submit_set_err(err, errlen, "the owner address is empty or holds a control character");
        return false;
    }
    if (!target || !*target || !sg_submit_address_ok(target)) {
        sg_submit_set_err(err, errlen, "the redirect target is empty or holds a control character");
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
    sg_submit_set_err(err, errlen, "%s", "");
    if (sg_submit_null_sender(sender))
        return ""; /* a null sender stays null in every mode: nothing may bounce back to it */
    if (!sg_submit_address_ok(sender)) {
        sg_submit_set_err(err, errlen, "the envelope sender holds a control character");
        return NULL;
    }
    switch (cfg->envelope_from) {
    case SG_ENVFROM_SENDER:
        return sg_arena_strdup(arena, sender);
    case SG_ENVFROM_OWNER:
        if (!owner || !*owner || !sg_submit_address_ok(owner)) {
            sg_submit_set_err(err, errlen, "the owner address is empty or holds a control character");
            return NULL;
        }
        return sg_arena_strdup(arena, owner);
    case SG_ENVFROM_SRS:
        if (!cfg->srs_secret || !*cfg->srs_secret || !cfg->srs_domain || !*cfg->srs_domain) {
            sg_submit_set_err(err, errlen, "redirect_envelope_from = srs needs srs_secret and srs_domain");
            return NULL;
        }
        if (!sg_submit_address_ok(cfg->srs_domain)) {
            sg_submit_set_err(err, errlen, "srs_domain holds a control character");
            return NULL;
        }
        return sg_srs_forward(cfg->srs_secret, cfg->srs_domain, sender, now, arena);
    }
    sg_submit_set_err(err, errlen, "unknown redirect_envelope_from mode");
    return NULL;
}
