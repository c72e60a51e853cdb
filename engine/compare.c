/* compare.c - see compare.h. */
#include "compare.h"

#include <string.h>
#include <strings.h>

#include "ids.h"

static unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

sg_relop sg_relop_parse(const char *s)
{
    static const struct {
        const char *name;
        sg_relop op;
    } ops[] = {{"gt", SG_REL_GT}, {"ge", SG_REL_GE}, {"lt", SG_REL_LT},
               {"le", SG_REL_LE}, {"eq", SG_REL_EQ}, {"ne", SG_REL_NE}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcasecmp(s, ops[i].name) == 0)
            return ops[i].op;
    return SG_REL_NONE;
}

bool sg_relop_holds(sg_relop op, int order)
{
    switch (op) {
    case SG_REL_GT: return order > 0;
    case SG_REL_GE: return order >= 0;
    case SG_REL_LT: return order < 0;
    case SG_REL_LE: return order <= 0;
    case SG_REL_EQ: return order == 0;
    case SG_REL_NE: return order != 0;
    default: return false;
    }
}

/* RFC 4790 §9.1.1: the value of the leading digits; a string that does not
 * start with a digit is positive infinity, and all infinities are equal. */
static int numeric_order(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t da = 0, db = 0;
    while (da < alen && a[da] >= '0' && a[da] <= '9')
        da++;
    while (db < blen && b[db] >= '0' && b[db] <= '9')
        db++;
    if (da == 0 || db == 0)
        return (da == 0) - (db == 0);
    size_t za = 0, zb = 0; /* leading zeros do not count */
    while (za + 1 < da && a[za] == '0')
        za++;
    while (zb + 1 < db && b[zb] == '0')
        zb++;
    if (da - za != db - zb)
        return da - za < db - zb ? -1 : 1;
    int c = memcmp(a + za, b + zb, da - za);
    return c < 0 ? -1 : c > 0;
}

int sg_compare_order(int comparator, const char *a, size_t alen, const char *b, size_t blen)
{
    if (comparator == SG_CMP_ASCII_NUMERIC)
        return numeric_order(a, alen, b, blen);
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (comparator == SG_CMP_ASCII_CASEMAP)
            x = fold(x), y = fold(y);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return alen == blen ? 0 : alen < blen ? -1 : 1;
}

static bool octets_equal(bool casemap, const char *a, const char *b, size_t n)
{
    if (!casemap)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
            return false;
    return true;
}

static bool contains(bool casemap, const char *v, size_t vlen, const char *k, size_t klen)
{
    if (klen == 0)
        return true;
    if (klen > vlen)
        return false;
    if (!casemap) {
        for (const char *p = v, *end = v + vlen - klen + 1; p < end; p++) {
            p = memchr(p, k[0], (size_t)(end - p));
            if (!p)
                return false;
            if (memcmp(p, k, klen) == 0)
                return true;
        }
        return false;
    }
    unsigned char first = fold((unsigned char)k[0]);
    for (size_t i = 0; i + klen <= vlen; i++)
        if (fold((unsigned char)v[i]) == first && octets_equal(true, v + i + 1, k + 1, klen - 1))
            return true;
    return false;
}

/* RFC 5228 §2.7.1 ":matches": '*' any sequence, '?' one octet (as Pigeonhole),
 * '\' escapes the next character. Wildcards match as little as possible, left
 * to right (RFC 5229 §3.2): on a mismatch only the most recent '*' grows, which
 * is linear in the pattern times the value and yields the leftmost-shortest
 * captures. */
static bool matches(bool casemap, const char *v, size_t vlen, const char *p, size_t plen, sg_captures *caps)
{
    size_t vi = 0, pi = 0;
    size_t star_p = (size_t)-1, star_v = 0; /* pattern index after the last '*', value index it resumes at */
    unsigned star_cap = 0, ncap = 0;
    const char *cstart[SG_MATCH_VARS];
    size_t clen[SG_MATCH_VARS];

    while (vi < vlen || pi < plen) {
        if (pi < plen) {
            char c = p[pi];
            if (c == '*') {
                star_p = ++pi;
                star_v = vi;
                star_cap = ncap;
                if (ncap + 1 < SG_MATCH_VARS) {
                    cstart[ncap + 1] = v + vi;
                    clen[ncap + 1] = 0;
                }
                ncap++;
                continue;
            }
            if (vi < vlen) {
                if (c == '?') {
                    if (ncap + 1 < SG_MATCH_VARS) {
                        cstart[ncap + 1] = v + vi;
                        clen[ncap + 1] = 1;
                    }
                    ncap++;
                    pi++, vi++;
                    continue;
                }
                size_t lit = pi;
                if (c == '\\' && pi + 1 < plen)
                    lit = pi + 1;
                unsigned char a = (unsigned char)p[lit], b = (unsigned char)v[vi];
                if (casemap ? fold(a) == fold(b) : a == b) {
                    pi = lit + 1;
                    vi++;
                    continue;
                }
            }
        }
        /* Mismatch: let the last '*' take one more octet, and retry after it. */
        if (star_p != (size_t)-1 && star_v < vlen) {
            star_v++;
            pi = star_p;
            vi = star_v;
            ncap = star_cap + 1;
            if (ncap < SG_MATCH_VARS)
                clen[ncap] = (size_t)(v + vi - cstart[ncap]);
            continue;
        }
        return false;
    }
    if (caps) {
        caps->count = ncap + 1 < SG_MATCH_VARS ? ncap + 1 : SG_MATCH_VARS;
        caps->start[0] = v;
        caps->len[0] = vlen;
        for (unsigned i = 1; i < caps->count; i++) {
            caps->start[i] = cstart[i];
            caps->len[i] = clen[i];
        }
    }
    return true;
}

bool sg_match(int match, sg_relop relop, int comparator, const char *value, size_t vlen, const char *key,
              size_t klen, sg_captures *caps)
{
    bool casemap = comparator == SG_CMP_ASCII_CASEMAP;
    switch (match) {
    case SG_MATCH_CONTAINS:
        return contains(casemap, value, vlen, key, klen);
    case SG_MATCH_MATCHES:
        return matches(casemap, value, vlen, key, klen, caps);
    case SG_MATCH_VALUE:
        return sg_relop_holds(relop, sg_compare_order(comparator, value, vlen, key, klen));
    case SG_MATCH_IS:
    default:
        if (comparator == SG_CMP_ASCII_NUMERIC)
            return numeric_order(value, vlen, key, klen) == 0;
        return vlen == klen && octets_equal(casemap, value, key, vlen);
    }
}
