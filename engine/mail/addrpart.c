/* addrpart.c - see addrpart.h. */
#include "engine/mail/addrpart.h"

#include <string.h>

#include "base/atext.h"
#include "engine/core/ids.h"

/* RFC 5228 §2.7.4 ":all": the whole address. An address that is not
 * syntactically valid is seen by :all as written, never by the other parts
 * (RFC 5228 §5.1). */
bool sg_addrpart_all(const sg_mailbox *mb, const char *sep, sg_arena *arena, const char **out, size_t *len)
{
    (void)sep;
    if (!mb->valid) {
        *out = mb->raw ? mb->raw : "";
        *len = strlen(*out);
        return true;
    }
    const char *local = sg_quote_local_part(mb->local, arena);
    if (!mb->domain || !*mb->domain) {
        *out = local;
        *len = strlen(local);
        return true;
    }
    size_t l = strlen(local), d = strlen(mb->domain);
    char *s = sg_arena_alloc_bytes(arena, l + d + 2);
    memcpy(s, local, l);
    s[l] = '@';
    memcpy(s + l + 1, mb->domain, d + 1);
    *out = s;
    *len = l + d + 1;
    return true;
}

/* RFC 5322 §3.4.1: a local part that is not a dot-atom is written as a
 * quoted-string ("x y"@d.e), as Pigeonhole shows it to :all. */
const char *sg_quote_local_part(const char *local, sg_arena *arena)
{
    bool atom = *local != '\0' && *local != '.';
    size_t n = 0;
    for (const char *p = local; *p; p++, n++) {
        unsigned char c = (unsigned char)*p;
        if (!(sg_is_atext_utf8(c) || (c == '.' && p[1] != '.' && p[1] != '\0')))
            atom = false;
    }
    if (atom || *local == '\0')
        return local;
    char *q = sg_arena_alloc_bytes(arena, 2 * n + 3), *o = q;
    *o++ = '"';
    for (const char *p = local; *p; p++) {
        if (*p == '"' || *p == '\\')
            *o++ = '\\';
        *o++ = *p;
    }
    *o++ = '"';
    *o = '\0';
    return q;
}

bool sg_addrpart_localpart(const sg_mailbox *mb, const char *sep, sg_arena *arena, const char **out, size_t *len)
{
    (void)sep, (void)arena;
    if (!mb->valid || !mb->local)
        return false;
    *out = mb->local;
    *len = strlen(mb->local);
    return true;
}

bool sg_addrpart_domain(const sg_mailbox *mb, const char *sep, sg_arena *arena, const char **out, size_t *len)
{
    (void)sep, (void)arena;
    if (!mb->valid || !mb->domain)
        return false;
    *out = mb->domain;
    *len = strlen(mb->domain);
    return true;
}

bool sg_match_mailboxes(sg_interp *in, const sg_bound *b, const sg_matcher *m, const sg_mailbox *list, size_t n,
                        size_t *count)
{
    sg_addrpart_fn part = b->addrpart && b->addrpart->part ? b->addrpart->part : sg_addrpart_all;
    const char *sep = sg_interp_options(in)->subaddress_separator;
    for (size_t i = 0; i < n; i++) {
        const char *text;
        size_t len;
        if (m->match == SG_MATCH_COUNT) {
            /* RFC 5231 §4.2: :count counts the addresses, whatever the part. */
            (*count)++;
            continue;
        }
        if (part(&list[i], sep ? sep : "+", sg_interp_arena(in), &text, &len) &&
            sg_interp_match(in, m, text, len))
            return true;
    }
    return false;
}
