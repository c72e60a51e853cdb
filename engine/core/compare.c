/* compare.c - see compare.h. */
#include "engine/core/compare.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/core/ids.h"

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

/* ---- :regex (draft-murchison-sieve-regex-07 §3) ---- */

/* The guards of compare.h, checked on the pattern text before regcomp. */
static const char *regex_guard(const char *key, size_t klen)
{
    if (klen > SG_REGEX_MAX_PATTERN)
        return "pattern too long";
    if (memchr(key, '\0', klen))
        return "pattern contains a NUL byte";
    unsigned long repeat = 1;
    bool in_bracket = false;
    for (size_t i = 0; i < klen; i++) {
        char c = key[i];
        if (in_bracket) {
            /* ']' right after '[' or '[^' is literal; '[:class:]' is skipped whole. */
            if (c == '[' && i + 1 < klen && (key[i + 1] == ':' || key[i + 1] == '.' || key[i + 1] == '=')) {
                const char *end = strstr(key + i + 2, key[i + 1] == ':' ? ":]" : key[i + 1] == '.' ? ".]" : "=]");
                if (end)
                    i = (size_t)(end - key) + 1;
            } else if (c == ']') {
                in_bracket = false;
            }
            continue;
        }
        if (c == '\\' && i + 1 < klen) {
            if (key[i + 1] >= '1' && key[i + 1] <= '9')
                return "back-references are not part of POSIX extended regular expressions";
            i++;
        } else if (c == '[') {
            in_bracket = true;
            if (i + 1 < klen && key[i + 1] == '^')
                i++;
            if (i + 1 < klen && key[i + 1] == ']')
                i++;
        } else if (c == '{') {
            unsigned long n = 0, max = 0;
            size_t j = i + 1;
            while (j < klen && ((key[j] >= '0' && key[j] <= '9') || key[j] == ',')) {
                if (key[j] == ',') {
                    n = 0;
                } else {
                    n = n * 10 + (unsigned long)(key[j] - '0');
                    if (n > max)
                        max = n;
                    if (n > SG_REGEX_MAX_BOUND)
                        return "repetition bound too large";
                }
                j++;
            }
            if (max > 1 && (repeat *= max) > SG_REGEX_MAX_REPEAT)
                return "repetition bounds too large together";
        }
    }
    return NULL;
}

static int regex_compile(regex_t *re, bool casemap, const char *key, size_t klen, char *why, size_t whylen)
{
    const char *guard = regex_guard(key, klen);
    if (guard) {
        snprintf(why, whylen, "%s", guard);
        return -1;
    }
    char *pattern = malloc(klen + 1);
    if (!pattern) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    memcpy(pattern, key, klen);
    pattern[klen] = '\0';
    int rc = regcomp(re, pattern, REG_EXTENDED | (casemap ? REG_ICASE : 0));
    free(pattern);
    if (rc != 0) {
        regerror(rc, re, why, whylen);
        return -1;
    }
    return 0;
}

const char *sg_regex_check(const char *key, size_t klen, bool casemap, char *why, size_t whylen)
{
    regex_t re;
    if (regex_compile(&re, casemap, key, klen, why, whylen) != 0)
        return why;
    regfree(&re);
    return NULL;
}

int sg_regex_match(bool casemap, const char *value, size_t vlen, const char *key, size_t klen, sg_captures *caps,
                   char *why, size_t whylen)
{
    regex_t re;
    if (regex_compile(&re, casemap, key, klen, why, whylen) != 0)
        return -1;
    regmatch_t pm[SG_MATCH_VARS];
    pm[0].rm_so = 0;
    bool cut = vlen > SG_REGEX_MAX_SUBJECT;
    pm[0].rm_eo = (regoff_t)(cut ? SG_REGEX_MAX_SUBJECT : vlen);
    /* REG_STARTEND: the value need not be NUL-terminated and may hold NUL
     * bytes. Where the value is cut, its end is not there: "$" must not
     * match at the cut (REG_NOTEOL), or "^(a|b)*$" would match a long value
     * whose tail breaks the pattern. */
    int rc = regexec(&re, value, SG_MATCH_VARS, pm, REG_STARTEND | (cut ? REG_NOTEOL : 0));
    size_t groups = re.re_nsub;
    regfree(&re);
    if (rc != 0)
        return 0;
    if (caps) {
        caps->count = groups + 1 < SG_MATCH_VARS ? (unsigned)groups + 1 : SG_MATCH_VARS;
        for (unsigned i = 0; i < caps->count; i++) {
            bool set = pm[i].rm_so >= 0 && pm[i].rm_eo >= pm[i].rm_so;
            caps->start[i] = set ? value + pm[i].rm_so : value;
            caps->len[i] = set ? (size_t)(pm[i].rm_eo - pm[i].rm_so) : 0;
        }
    }
    return 1;
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
    case SG_MATCH_REGEX: {
        char why[128];
        return sg_regex_match(casemap, value, vlen, key, klen, caps, why, sizeof why) == 1;
    }
    case SG_MATCH_VALUE:
        return sg_relop_holds(relop, sg_compare_order(comparator, value, vlen, key, klen));
    case SG_MATCH_IS:
    default:
        if (comparator == SG_CMP_ASCII_NUMERIC)
            return numeric_order(value, vlen, key, klen) == 0;
        return vlen == klen && octets_equal(casemap, value, key, vlen);
    }
}
