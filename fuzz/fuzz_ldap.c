/* fuzz_ldap.c - libFuzzer target: the directory client's filter values and
 * templates and its DN comparison (store/ldap_dir.h, store/ldap_filter.c),
 * which put addresses from mail into LDAP filters.
 *
 * Takes: any byte string, split at the first three NULs into a filter
 * template, an address and two DNs (missing parts are empty).
 * Checks: no crash or sanitizer report; an escaped value holds no '*', '(',
 * ')', NUL or control byte, and every '\' in it starts two hex digits
 * (RFC 4515, section 3), so an address can never change a filter's
 * structure; an expanded template is NULL exactly when the template has a
 * '%' not followed by u, n, d or %, and otherwise holds as many '(' and ')'
 * as the template; DN equality is reflexive and symmetric.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/ldap_dir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_escaped(const char *e)
{
    for (const unsigned char *p = (const unsigned char *)e; *p; p++) {
        if (*p == '*' || *p == '(' || *p == ')' || *p < 0x20 || *p >= 0x7f)
            abort();
        if (*p == '\\') {
            if (!isxdigit(p[1]) || !isxdigit(p[2]))
                abort();
            p += 2;
        }
    }
}

static size_t count(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

static bool template_valid(const char *t)
{
    for (; *t; t++)
        if (*t == '%') {
            if (t[1] != 'u' && t[1] != 'n' && t[1] != 'd' && t[1] != '%')
                return false;
            t++;
        }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 4);
    memcpy(copy, data, size);
    memset(copy + size, 0, 4);
    const char *parts[4];
    const char *p = copy;
    for (int i = 0; i < 4; i++) { /* past the input: "" (the NULs after it) */
        parts[i] = p;
        size_t l = strlen(p);
        p = p + l < copy + size ? p + l + 1 : copy + size;
    }
    sg_arena *arena = sg_arena_new();
    check_escaped(sg_ldap_escape(parts[1], arena));
    const char *f = sg_ldap_filter_expand(parts[0], parts[1], arena);
    if ((f != NULL) != template_valid(parts[0]))
        abort();
    if (f && (count(f, '(') != count(parts[0], '(') || count(f, ')') != count(parts[0], ')')))
        abort();
    if (!sg_ldap_dn_equal(parts[2], parts[2]) ||
        sg_ldap_dn_equal(parts[2], parts[3]) != sg_ldap_dn_equal(parts[3], parts[2]))
        abort();
    sg_arena_free(arena);
    free(copy);
    return 0;
}
