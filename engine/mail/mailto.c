/* mailto.c - see mailto.h. RFC 6068 §2 syntax:
 *   mailtoURI = "mailto:" [ to ] [ hfields ]
 *   to        = addr-spec *("," addr-spec )
 *   hfields   = "?" hfield *( "&" hfield ),  hfield = hfname "=" hfvalue
 *   qchar     = unreserved / pct-encoded / some-delims
 * As Pigeonhole does, "%2C" also separates addresses in the path, a header
 * without "=" has an empty value, and recipients, URI headers and duplicates
 * are limited with warnings. */
#include "engine/mail/mailto.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/hex.h"
#include "engine/mail/address.h"

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* RFC 3986 §2.3 */
static bool is_unreserved(unsigned char c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 6068 §2: qchar without pct-encoded (handled apart). */
static bool is_qchar(unsigned char c)
{
    return is_unreserved(c) || (c && strchr("!$'()*+,;:@", c));
}

typedef struct parser {
    sg_arena *arena;
    sg_mailto *out;
    const char *error;
    bool too_many_rcpts, too_many_headers;
} parser;

static void warn(parser *p, const char *fmt, const char *arg)
{
    if (p->out->nwarnings >= SG_MAILTO_MAX_WARNINGS)
        return;
    char buf[256];
    snprintf(buf, sizeof buf, fmt, arg);
    p->out->warnings[p->out->nwarnings++] = sg_arena_strdup(p->arena, buf);
}

/* Percent-decodes s[0..len) (RFC 3986 §2.1); NULL with p->error when an
 * escape is malformed or decodes to NUL. */
static char *decode(parser *p, const char *s, size_t len, size_t *out_len)
{
    char *d = sg_arena_alloc_bytes(p->arena, len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%') {
            d[n++] = s[i];
            continue;
        }
        int hi = i + 1 < len ? sg_hex_value((unsigned char)s[i + 1]) : -1;
        int lo = i + 2 < len ? sg_hex_value((unsigned char)s[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            p->error = "invalid %-encoding";
            return NULL;
        }
        if (hi == 0 && lo == 0) {
            p->error = "%00 (NUL) is not allowed";
            return NULL;
        }
        d[n++] = (char)(hi * 16 + lo);
        i += 2;
    }
    d[n] = '\0';
    if (out_len)
        *out_len = n;
    return d;
}

bool sg_mailto_address_equal(const char *a, const char *b)
{
    const char *at_a = strrchr(a, '@'), *at_b = strrchr(b, '@');
    if (!at_a || !at_b)
        return strcmp(a, b) == 0;
    size_t la = (size_t)(at_a - a), lb = (size_t)(at_b - b);
    return la == lb && memcmp(a, b, la) == 0 && strcasecmp(at_a, at_b) == 0;
}

/* One recipient (decoded text): checked, then added unless it is a duplicate
 * (a cc and a to of one address make a to, as Pigeonhole does). */
static bool add_recipient(parser *p, const char *text, bool cc)
{
    const char *why = NULL;
    size_t spec_len;
    if (!*text) {
        p->error = "empty recipient address";
        return false;
    }
    char *spec = sg_arena_alloc_bytes(p->arena, strlen(text) + 1);
    if (!sg_address_parse_sieve(text, strlen(text), spec, &spec_len, &why)) {
        char buf[256];
        snprintf(buf, sizeof buf, "invalid recipient '%.80s': %s", text, why);
        p->error = sg_arena_strdup(p->arena, buf);
        return false;
    }
    const char *addr = spec;
    sg_mailto *m = p->out;
    for (size_t i = 0; i < m->nrcpts; i++) {
        if (sg_mailto_address_equal(m->rcpts[i].address, addr)) {
            m->rcpts[i].cc = m->rcpts[i].cc && cc;
            warn(p, "ignored duplicate recipient '%.80s'", addr);
            return true;
        }
    }
    if (m->nrcpts >= SG_MAILTO_MAX_RECIPIENTS) {
        if (!p->too_many_rcpts)
            warn(p, "more than the maximum %s recipients specified; rest is discarded", "8");
        p->too_many_rcpts = true;
        return true;
    }
    m->rcpts[m->nrcpts++] = (sg_mailto_recipient){addr, cc};
    return true;
}

/* A decoded list "a@b,c@d" (a "to" or "cc" URI header). */
static bool add_recipient_list(parser *p, const char *list, bool cc)
{
    const char *s = list;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        while (n && (*s == ' ' || *s == '\t'))
            s++, n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        if (!add_recipient(p, sg_arena_strndup(p->arena, s, n), cc))
            return false;
        if (!comma)
            return true;
        s = comma + 1;
    }
}

/* The "to" path: literal "," and "%2C" separate addresses. */
static bool parse_path(parser *p, const char *s, size_t len)
{
    if (len == 0)
        return true;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        bool end = i == len, sep = false;
        if (!end && s[i] == '%' && i + 2 < len && s[i + 1] == '2' && (s[i + 2] == 'C' || s[i + 2] == 'c'))
            sep = true;
        else if (!end && s[i] == ',')
            sep = true;
        else if (!end && s[i] != '%' && !is_qchar((unsigned char)s[i])) {
            char buf[64];
            snprintf(buf, sizeof buf, "invalid character '%c' in the 'to' part", s[i]);
            p->error = sg_arena_strdup(p->arena, buf);
            return false;
        }
        if (!end && !sep)
            continue;
        char *addr = decode(p, s + start, i - start, NULL);
        if (!addr || !add_recipient(p, addr, false))
            return false;
        if (sep && s[i] == '%')
            i += 2;
        start = i + 1;
    }
    return true;
}

/* RFC 5322 §3.6.8 ftext */
static bool valid_field_name(const char *s)
{
    if (!*s)
        return false;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 33 || *c > 126 || *c == ':')
            return false;
    return true;
}

/* An unstructured header body: no line breaks or other controls but TAB. */
static bool valid_field_body(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if ((*c < 0x20 && *c != '\t') || *c == 0x7F)
            return false;
    return true;
}

/* RFC 5436 §2.7: URI headers that are unsafe or that the notification sets
 * itself are ignored; Pigeonhole's list, plus the MIME fields of our body. */
static bool reserved_header(const char *name)
{
    static const char *const reserved[] = {
        "from",        "sender",     "bcc",          "auto-submitted", "received",     "message-id",
        "date",        "in-reply-to", "references",  "return-path",    "mime-version", "x-sieve-redirected-from",
        NULL,
    };
    for (size_t i = 0; reserved[i]; i++)
        if (strcasecmp(name, reserved[i]) == 0)
            return true;
    return strncasecmp(name, "resent-", 7) == 0 || strncasecmp(name, "content-", 8) == 0;
}

static bool unique_header(const char *name)
{
    return strcasecmp(name, "reply-to") == 0;
}

static bool parse_hfield(parser *p, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%' && s[i] != '=' && !is_qchar((unsigned char)s[i])) {
            char buf[64];
            snprintf(buf, sizeof buf, "invalid character '%c' in the header part", s[i]);
            p->error = sg_arena_strdup(p->arena, buf);
            return false;
        }
    }
    const char *eq = memchr(s, '=', len);
    size_t nlen = eq ? (size_t)(eq - s) : len;
    char *name = decode(p, s, nlen, NULL);
    char *value = eq ? decode(p, eq + 1, len - nlen - 1, NULL) : sg_arena_strdup(p->arena, "");
    if (!name || !value)
        return false;
    if (!*name) {
        warn(p, "ignored header field without a name%s", "");
        return true;
    }
    if (!valid_field_name(name)) {
        p->error = "invalid header field name";
        return false;
    }
    sg_mailto *m = p->out;
    if (strcasecmp(name, "body") == 0) {
        if (m->body)
            warn(p, "ignored duplicate %s field", "body");
        else
            m->body = value;
        return true;
    }
    if (!valid_field_body(value)) {
        p->error = "invalid header field body";
        return false;
    }
    if (strcasecmp(name, "to") == 0 || strcasecmp(name, "cc") == 0)
        return add_recipient_list(p, value, strcasecmp(name, "cc") == 0);
    if (strcasecmp(name, "subject") == 0) {
        if (m->subject)
            warn(p, "ignored duplicate %s field", "subject");
        else
            m->subject = value;
        return true;
    }
    if (reserved_header(name)) {
        warn(p, "ignored reserved header field '%.80s'", name);
        return true;
    }
    if (unique_header(name)) {
        for (size_t i = 0; i < m->nheaders; i++) {
            if (strcasecmp(m->headers[i].name, name) == 0) {
                warn(p, "ignored duplicate for unique header field '%.80s'", name);
                return true;
            }
        }
    }
    if (m->nheaders >= SG_MAILTO_MAX_HEADERS) {
        if (!p->too_many_headers)
            warn(p, "more than the maximum %s header fields specified; rest is discarded", "16");
        p->too_many_headers = true;
        return true;
    }
    m->headers[m->nheaders++] = (sg_mailto_header){name, value};
    return true;
}

bool sg_mailto_parse(const char *uri, size_t len, sg_arena *arena, sg_mailto *out, const char **error)
{
    memset(out, 0, sizeof *out);
    parser p = {arena, out, NULL, false, false};
    out->rcpts = sg_arena_alloc(arena, SG_MAILTO_MAX_RECIPIENTS * sizeof *out->rcpts);
    out->headers = sg_arena_alloc(arena, SG_MAILTO_MAX_HEADERS * sizeof *out->headers);
    if (len < 7 || strncasecmp(uri, "mailto:", 7) != 0) {
        *error = "not a mailto URI";
        return false;
    }
    if (memchr(uri, '\0', len)) {
        *error = "NUL in the URI";
        return false;
    }
    const char *s = uri + 7, *end = uri + len;
    const char *q = memchr(s, '?', (size_t)(end - s));
    bool ok = parse_path(&p, s, (size_t)((q ? q : end) - s));
    if (ok && q) {
        s = q + 1;
        while (ok && s <= end) {
            const char *amp = memchr(s, '&', (size_t)(end - s));
            const char *e = amp ? amp : end;
            if (e > s)
                ok = parse_hfield(&p, s, (size_t)(e - s));
            s = e + 1;
        }
    }
    if (ok && out->nrcpts == 0)
        warn(&p, "notification URI specifies no recipients%s", "");
    if (!ok)
        *error = p.error ? p.error : "invalid mailto URI";
    return ok;
}

sg_method_status sg_notify_method_parse(const char *uri, size_t len, sg_arena *arena, sg_mailto *mailto,
                                        const char **error)
{
    /* RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
    size_t i = 0;
    if (len && is_alpha((unsigned char)uri[0]))
        for (i = 1; i < len && (is_alpha((unsigned char)uri[i]) || is_digit((unsigned char)uri[i]) ||
                                uri[i] == '+' || uri[i] == '-' || uri[i] == '.');
             i++)
            ;
    if (i == 0 || i >= len || uri[i] != ':') {
        *error = "the notification method is not a URI (RFC 5435 §3.2)";
        return SG_METHOD_NOT_URI;
    }
    if (i != 6 || strncasecmp(uri, "mailto", 6) != 0) {
        char buf[128];
        snprintf(buf, sizeof buf, "unsupported notification method '%.*s' (only mailto is supported)",
                 (int)(i > 40 ? 40 : i), uri);
        *error = sg_arena_strdup(arena, buf);
        return SG_METHOD_UNSUPPORTED;
    }
    const char *why = NULL;
    if (!sg_mailto_parse(uri, len, arena, mailto, &why)) {
        char buf[384];
        snprintf(buf, sizeof buf, "invalid mailto URI: %s", why);
        *error = sg_arena_strdup(arena, buf);
        return SG_METHOD_INVALID;
    }
    return SG_METHOD_OK;
}

char *sg_uri_percent_encode(sg_arena *arena, const char *s, size_t len, size_t *out_len)
{
    char *d = sg_arena_alloc_bytes(arena, len * 3 + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c)) {
            d[n++] = (char)c;
        } else {
            d[n++] = '%';
            sg_hex_byte(c, true, d + n);
            n += 2;
        }
    }
    d[n] = '\0';
    if (out_len)
        *out_len = n;
    return d;
}

bool sg_notify_option_valid(const char *s, size_t len)
{
    size_t i = 0;
    if (!len || !(is_alpha((unsigned char)s[0]) || is_digit((unsigned char)s[0])))
        return false;
    while (i < len && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]) || s[i] == '.' ||
                       s[i] == '-' || s[i] == '_'))
        i++;
    if (i >= len || s[i] != '=')
        return false;
    for (i++; i < len; i++)
        if (s[i] == '\0' || s[i] == '\r' || s[i] == '\n')
            return false;
    return true;
}
