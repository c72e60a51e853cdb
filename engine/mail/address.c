/* address.c - RFC 5322 §3.4.1 addr-spec, as restricted by RFC 5228 §2.4.2.3. */
#include "engine/mail/address.h"

#include <string.h>

#include "base/atext.h"

typedef struct {
    const unsigned char *s;
    size_t len, i;
    const char *why;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->i < c->len && (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\r' ||
                             c->s[c->i] == '\n'))
        c->i++;
}

static bool dot_atom(cursor *c, const char *what)
{
    size_t start = c->i;
    for (;;) {
        size_t atom = c->i;
        while (c->i < c->len && sg_is_atext_utf8(c->s[c->i]))
            c->i++;
        if (c->i == atom) {
            if (c->i == start)
                c->why = what;
            else if (c->i > start && c->s[c->i - 1] == '.')
                c->why = c->i < c->len && c->s[c->i] == '.' ? "two dots in a row" : "ends with a dot";
            return false;
        }
        if (c->i < c->len && c->s[c->i] == '.') {
            c->i++;
            continue;
        }
        return true;
    }
}

static bool quoted_string(cursor *c)
{
    c->i++; /* opening quote */
    while (c->i < c->len) {
        unsigned char ch = c->s[c->i];
        if (ch == '"') {
            c->i++;
            return true;
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
    return true;
}

static bool addr_spec(cursor *c)
{
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
    c->i++;
    if (c->i < c->len && c->s[c->i] == '[')
        return domain_literal(c);
    return dot_atom(c, "missing domain");
}

/* phrase = 1*word; word = atom / quoted-string (obsolete "." allowed, RFC 5322 §4.1) */
static bool phrase(cursor *c)
{
    bool any = false;
    for (;;) {
        skip_ws(c);
        if (c->i >= c->len)
            break;
        unsigned char ch = c->s[c->i];
        if (ch == '"') {
            if (!quoted_string(c))
                return false;
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

bool sg_address_parse_sieve(const char *s, size_t len, const char **spec, size_t *spec_len,
                            const char **why)
{
    cursor c = {(const unsigned char *)s, len, 0, NULL};
    skip_ws(&c);
    size_t start = c.i;
    bool ok = addr_spec(&c);
    size_t end = c.i;
    skip_ws(&c);
    if (ok && c.i == c.len)
        goto done;

    /* Not a bare addr-spec: try phrase "<" addr-spec ">". */
    c.i = 0;
    c.why = NULL;
    bool has_phrase = phrase(&c);
    skip_ws(&c);
    if (c.i < c.len && c.s[c.i] == '<') {
        c.i++;
        start = c.i;
        if (c.i < c.len && c.s[c.i] == '@') {
            c.why = "source routes are not allowed";
            goto fail;
        }
        if (!addr_spec(&c))
            goto fail;
        end = c.i;
        if (c.i >= c.len || c.s[c.i] != '>') {
            c.why = "missing '>'";
            goto fail;
        }
        c.i++;
        skip_ws(&c);
        if (c.i != c.len) {
            c.why = "text after '>'";
            goto fail;
        }
        (void)has_phrase;
        goto done;
    }
    if (c.i < c.len && c.s[c.i] == ':')
        c.why = "groups are not allowed";
    else if (c.i < c.len && c.s[c.i] == ',')
        c.why = "only one address is allowed (use one redirect per address)";
    if (!c.why) {
        /* Re-run the bare form to report its reason. */
        c.i = 0;
        skip_ws(&c);
        if (c.i >= c.len)
            c.why = "empty address";
        else if (addr_spec(&c)) {
            skip_ws(&c);
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
        *spec = s + start;
    if (spec_len)
        *spec_len = end - start;
    return true;
}
