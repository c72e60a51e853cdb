/* address.c - RFC 5322 §3.4.1 addr-spec, as restricted by RFC 5228 §2.4.2.3,
 * with the comments and folding white space (CFWS) RFC 5322 allows around
 * the local part, the domain and their words (§3.2.2, §3.4.1, the obsolete
 * forms of §4.4), which the addr-spec written out leaves behind. */
#include "engine/mail/address.h"

#include <string.h>

#include "base/atext.h"

typedef struct {
    const unsigned char *s;
    size_t len, i;
    const char *why;
    char *out; /* the addr-spec without CFWS, or NULL */
    size_t olen;
} cursor;

static void emit(cursor *c, size_t from, size_t to)
{
    if (c->out) {
        memcpy(c->out + c->olen, c->s + from, to - from);
        c->olen += to - from;
    }
}

static bool is_wsp(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* RFC 5322 §3.2.2: CFWS = white space (folding included) and comments,
 * nested, with quoted-pairs. False (with why) for an unclosed comment. */
static bool skip_cfws(cursor *c)
{
    for (;;) {
        while (c->i < c->len && is_wsp(c->s[c->i]))
            c->i++;
        if (c->i >= c->len || c->s[c->i] != '(')
            return true;
        unsigned depth = 0;
        do {
            unsigned char ch = c->s[c->i++];
            if (ch == '\\' && c->i < c->len)
                c->i++;
            else if (ch == '(')
                depth++;
            else if (ch == ')')
                depth--;
        } while (depth && c->i < c->len);
        if (depth) {
            c->why = "unterminated comment";
            return false;
        }
    }
}

/* A dot-atom, or the obsolete word *("." word) with CFWS around the dots
 * (§4.4); the atoms without the CFWS. */
static bool dot_atom(cursor *c, const char *what)
{
    bool any = false;
    for (;;) {
        size_t atom = c->i;
        while (c->i < c->len && sg_is_atext_utf8(c->s[c->i]))
            c->i++;
        if (c->i == atom) {
            if (!any)
                c->why = what;
            else
                c->why = c->i < c->len && c->s[c->i] == '.' ? "two dots in a row" : "ends with a dot";
            return false;
        }
        emit(c, atom, c->i);
        any = true;
        if (!skip_cfws(c))
            return false;
        if (c->i < c->len && c->s[c->i] == '.') {
            emit(c, c->i, c->i + 1);
            c->i++;
            if (!skip_cfws(c))
                return false;
            continue;
        }
        return true; /* the caller says what may follow */
    }
}

static bool quoted_string(cursor *c)
{
    size_t start = c->i;
    c->i++; /* opening quote */
    while (c->i < c->len) {
        unsigned char ch = c->s[c->i];
        if (ch == '"') {
            c->i++;
            emit(c, start, c->i);
            return skip_cfws(c);
        }
        if (ch == '\\') {
            c->i++;
            if (c->i >= c->len)
                break;
        } else if (ch == '\r' || ch == '\n') {
            c->why = "line break inside quotes";
            return false;
        }
        c->i++;
    }
    c->why = "unterminated quoted string";
    return false;
}

static bool domain_literal(cursor *c)
{
    size_t start = c->i;
    c->i++; /* '[' */
    while (c->i < c->len && c->s[c->i] != ']') {
        unsigned char ch = c->s[c->i];
        if (ch == '[' || ch == '\\' || ch < 0x21) {
            c->why = "invalid character in domain literal";
            return false;
        }
        c->i++;
    }
    if (c->i >= c->len) {
        c->why = "unterminated domain literal";
        return false;
    }
    c->i++;
    emit(c, start, c->i);
    return skip_cfws(c);
}

/* [CFWS] local-part [CFWS] "@" [CFWS] domain [CFWS] */
static bool addr_spec(cursor *c)
{
    if (!skip_cfws(c))
        return false;
    if (c->i < c->len && c->s[c->i] == '@') {
        c->why = c->len - c->i > 1 && memchr(c->s + c->i, ':', c->len - c->i) ? "source routes are not allowed"
                                                                              : "missing local part";
        return false;
    }
    if (c->i < c->len && c->s[c->i] == '"') {
        if (!quoted_string(c))
            return false;
    } else if (!dot_atom(c, "missing local part")) {
        return false;
    }
    if (c->i >= c->len || c->s[c->i] != '@') {
        c->why = c->i >= c->len ? "missing '@' and domain" : "unexpected character in local part";
        return false;
    }
    emit(c, c->i, c->i + 1);
    c->i++;
    if (!skip_cfws(c))
        return false;
    if (c->i < c->len && c->s[c->i] == '[')
        return domain_literal(c);
    return dot_atom(c, "missing domain");
}

/* phrase = 1*word; word = atom / quoted-string (obsolete "." allowed, RFC 5322 §4.1) */
static bool phrase(cursor *c)
{
    bool any = false;
    for (;;) {
        if (!skip_cfws(c))
            return false;
        if (c->i >= c->len)
            break;
        unsigned char ch = c->s[c->i];
        if (ch == '"') {
            c->i++;
            while (c->i < c->len && c->s[c->i] != '"')
                c->i += c->s[c->i] == '\\' && c->i + 1 < c->len ? 2 : 1;
            if (c->i >= c->len) {
                c->why = "unterminated quoted string";
                return false;
            }
            c->i++;
        } else if (sg_is_atext_utf8(ch) || ch == '.') {
            while (c->i < c->len && (sg_is_atext_utf8(c->s[c->i]) || c->s[c->i] == '.'))
                c->i++;
        } else {
            break;
        }
        any = true;
    }
    return any;
}

bool sg_address_parse_sieve(const char *s, size_t len, char *spec, size_t *spec_len, const char **why)
{
    cursor c = {(const unsigned char *)s, len, 0, NULL, spec, 0};
    bool ok = addr_spec(&c);
    if (ok && c.i == c.len)
        goto done;

    /* Not a bare addr-spec: try phrase "<" addr-spec ">" (RFC 5322 §3.4, name-addr). */
    c.i = 0;
    c.olen = 0;
    c.why = NULL;
    if (!phrase(&c) && c.why)
        goto fail;
    c.why = NULL;
    if (c.i < c.len && c.s[c.i] == '<') {
        c.i++;
        if (!skip_cfws(&c))
            goto fail;
        if (c.i < c.len && c.s[c.i] == '@') {
            c.why = "source routes are not allowed";
            goto fail;
        }
        if (!addr_spec(&c))
            goto fail;
        if (c.i >= c.len || c.s[c.i] != '>') {
            c.why = "missing '>'";
            goto fail;
        }
        c.i++;
        if (!skip_cfws(&c))
            goto fail;
        if (c.i != c.len) {
            c.why = "text after '>'";
            goto fail;
        }
        goto done;
    }
    if (c.i < c.len && c.s[c.i] == ':')
        c.why = "groups are not allowed";
    else if (c.i < c.len && c.s[c.i] == ',')
        c.why = "only one address is allowed (use one redirect per address)";
    if (!c.why) {
        /* Re-run the bare form to report its reason. */
        c.i = 0;
        c.olen = 0;
        c.out = NULL;
        skip_cfws(&c);
        if (c.i >= c.len) {
            c.why = "empty address";
        } else {
            c.i = 0;
            if (addr_spec(&c))
                c.why = c.i < c.len && (c.s[c.i] == ',' || c.s[c.i] == ';')
                            ? "only one address is allowed (use one redirect per address)"
                            : "unexpected text after the address";
        }
    }
fail:
    if (why)
        *why = c.why ? c.why : "not an email address";
    return false;
done:
    if (spec)
        spec[c.olen] = '\0';
    if (spec_len)
        *spec_len = c.olen;
    return true;
}
