/* policy_normalize.c - validating and normalising what the admin writes
 * into the policy store (policy_store.h, docs/policy.md
 * "What the policy holds"): domains, remote-domain patterns, addresses, names.
 *
 * Takes: text from the command line or a policy file. Returns: the
 * normalised form in an arena, or false with a sentence naming the input.
 */
#include "store/policy_store.h"

#include <stdio.h>
#include <string.h>

#include "base/idna.h"
#include "store/ldap_policy.h"
#include "store/policy_store_int.h"

#define MAX_DOMAIN_LEN 253 /* RFC 1035 §2.3.4, without the trailing dot */
#define MAX_LABEL_LEN 63
#define MAX_LOCAL_LEN 64 /* RFC 5321 §4.5.3.1.1 */

void sg_ps_printable(const char *in, char *out, size_t outlen)
{
    size_t n = 0;
    for (; in && *in && n + 1 < outlen && n < 80; in++, n++)
        out[n] = ((unsigned char)*in < 0x20 || *in == 0x7F) ? '?' : *in;
    out[n] = '\0';
}

void sg_ps_ascii_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* RFC 1035 §2.3.1 / RFC 5890 §2.3.1: LDH labels of 1-63 octets, no hyphen at
 * either end, at most 253 octets; a numeric last label is an IP address. */
static const char *ldh_problem(const char *d)
{
    size_t len = strlen(d);
    if (len == 0)
        return "it is empty";
    if (len > MAX_DOMAIN_LEN)
        return "it is longer than 253 characters";
    const char *label = d;
    bool numeric = true;
    for (const char *p = d;; p++) {
        if (*p == '.' || *p == '\0') {
            size_t l = (size_t)(p - label);
            if (l == 0)
                return "it has an empty label";
            if (l > MAX_LABEL_LEN)
                return "a label is longer than 63 characters";
            if (label[0] == '-' || p[-1] == '-')
                return "a label starts or ends with a hyphen";
            if (*p == '\0')
                break;
            label = p + 1;
            numeric = true;
            continue;
        }
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return "it holds a character other than letters, digits, hyphens and dots";
        if (!(*p >= '0' && *p <= '9'))
            numeric = false;
    }
    return numeric ? "its last label is numeric" : NULL;
}

bool sg_policy_normalize_domain(const char *in, sg_arena *arena, const char **out, char *err, size_t errlen)
{
    char shown[96];
    sg_ps_printable(in, shown, sizeof shown);
    if (!in || !*in) {
        sg_ps_fail(SG_STORE_INVALID, err, errlen, "invalid domain \"\": it is empty");
        return false;
    }
    if (strlen(in) > 4 * MAX_DOMAIN_LEN) {
        sg_ps_fail(SG_STORE_INVALID, err, errlen, "invalid domain \"%s\": it is too long", shown);
        return false;
    }
    /* UTS #46 processing (as browsers and MTAs do), then the A-label form. */
    char ascii[4 * MAX_DOMAIN_LEN + 1], why[160];
    switch (sg_idna_to_ascii(in, ascii, sizeof ascii, why, sizeof why)) {
    case SG_IDNA_OK: break;
    case SG_IDNA_UNAVAILABLE:
        sg_ps_fail(SG_STORE_UNAVAILABLE, err, errlen, "cannot check the domain \"%s\": %s", shown, why);
        return false;
    default:
        sg_ps_fail(SG_STORE_INVALID, err, errlen, "invalid domain \"%s\": %s", shown, why);
        return false;
    }
    sg_ps_ascii_lower(ascii);
    const char *problem = ldh_problem(ascii);
    if (problem) {
        sg_ps_fail(SG_STORE_INVALID, err, errlen, "invalid domain \"%s\": %s", shown, problem);
        return false;
    }
    *out = sg_arena_strdup(arena, ascii);
    return true;
}

/* policy.md, "Remote domains": `*`, `example.org`, `*.example.org`. */
bool sg_policy_normalize_pattern(const char *in, sg_arena *arena, const char **out, char *err, size_t errlen)
{
    char shown[96];
    sg_ps_printable(in, shown, sizeof shown);
    if (in && strcmp(in, "*") == 0) {
        *out = sg_arena_strdup(arena, "*");
        return true;
    }
    bool wildcard = in && strncmp(in, "*.", 2) == 0;
    const char *domain = wildcard ? in + 2 : in;
    if (!domain || strchr(domain, '*')) {
        sg_ps_fail(SG_STORE_INVALID, err, errlen,
                   "invalid remote-domain pattern \"%s\" (expected *, example.org or *.example.org)", shown);
        return false;
    }
    const char *ascii;
    if (!sg_policy_normalize_domain(domain, arena, &ascii, err, errlen))
        return false;
    if (!wildcard) {
        *out = ascii;
        return true;
    }
    size_t n = strlen(ascii);
    char *p = sg_arena_alloc_bytes(arena, n + 3);
    memcpy(p, "*.", 2);
    memcpy(p + 2, ascii, n + 1);
    *out = p;
    return true;
}

/* A dot-atom or UTF-8 local part (RFC 5322 §3.4.1, RFC 6531): no space,
 * control or special character that would need quoting. */
static bool valid_local(const char *s, size_t n)
{
    if (n == 0 || n > MAX_LOCAL_LEN || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7F || strchr("()<>[]:;@\\,\"", c))
            return false;
        if (c == '.' && i + 1 < n && s[i + 1] == '.')
            return false;
    }
    return true;
}

bool sg_policy_normalize_address(const char *in, sg_arena *arena, const char **out, char *err, size_t errlen)
{
    char shown[96];
    sg_ps_printable(in, shown, sizeof shown);
    const char *at = in ? strrchr(in, '@') : NULL;
    if (!at || !valid_local(in, (size_t)(at - in))) {
        sg_ps_fail(SG_STORE_INVALID, err, errlen, "invalid address \"%s\" (expected local@domain)", shown);
        return false;
    }
    const char *domain;
    if (!sg_policy_normalize_domain(at + 1, arena, &domain, err, errlen))
        return false;
    size_t l = (size_t)(at - in), d = strlen(domain);
    char *p = sg_arena_alloc_bytes(arena, l + d + 2);
    memcpy(p, in, l);
    p[l] = '\0';
    sg_ps_ascii_lower(p);
    p[l] = '@';
    memcpy(p + l + 1, domain, d + 1);
    *out = p;
    return true;
}

/* Policy and group names: 1-64 of [A-Za-z0-9._-] (groups may be addresses,
 * so '@' and '+' too), so lists of them print unambiguously. */
bool sg_ps_valid_name(const char *what, const char *name, bool group, char *err, size_t errlen)
{
    char shown[96];
    sg_ps_printable(name, shown, sizeof shown);
    size_t n = name ? strlen(name) : 0;
    bool ok = n > 0 && n <= SG_PS_MAX_NAME_LEN;
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
             c == '-' || (group && (c == '@' || c == '+'));
    }
    if (!ok)
        sg_ps_fail(SG_STORE_INVALID, err, errlen,
                   "invalid %s name \"%s\" (1 to %d of letters, digits, '.', '_', '-'%s)", what, shown,
                   SG_PS_MAX_NAME_LEN, group ? ", '@', '+'" : "");
    return ok;
}

static bool list_has(const sg_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

/* Normalises every item of `in` into `out` (in `arena`), dropping duplicates. */
bool sg_ps_normalize_list(const sg_strlist *in, sg_ps_norm_kind kind, sg_arena *arena, sg_strlist *out, char *err,
                          size_t errlen)
{
    out->count = 0;
    out->items = sg_arena_alloc(arena, (in->count + 1) * sizeof *out->items);
    for (size_t i = 0; i < in->count; i++) {
        const char *v = NULL;
        bool ok;
        if (kind == SG_PS_NORM_ADDRESS) {
            ok = sg_policy_normalize_address(in->items[i], arena, &v, err, errlen);
        } else if (kind == SG_PS_NORM_DOMAIN) {
            ok = sg_policy_normalize_domain(in->items[i], arena, &v, err, errlen);
        } else {
            /* "ldap:NAME": a directory group (store/ldap_policy.h), NAME as a group name */
            const char *name = in->items[i];
            bool dir = sg_policy_is_directory_group(name);
            ok = sg_ps_valid_name("group", dir ? name + strlen(SG_DIRECTORY_GROUP_PREFIX) : name, true, err, errlen);
            if (ok) {
                char *g = sg_arena_strdup(arena, in->items[i]);
                sg_ps_ascii_lower(g);
                v = g;
            }
        }
        if (!ok)
            return false;
        if (!list_has(out, v))
            out->items[out->count++] = v;
    }
    return true;
}
