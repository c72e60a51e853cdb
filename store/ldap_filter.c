/* ldap_filter.c - the pure parts of the directory client (store/ldap_dir.h):
 * filter values and templates (RFC 4515), DN comparison (RFC 4514 strings)
 * and the group-membership walk over a search callback, so that the tests
 * run them without a server.
 *
 * Takes: strings and a search function. Returns: strings in the caller's
 * arena, and the groups found. */
#include "store/ldap_dir.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* RFC 4515, section 3: in an assertion value '*' '(' ')' '\' and NUL are
 * written \XX; we write every byte outside printable ASCII so too. */
const char *sg_ldap_escape(const char *value, sg_arena *arena)
{
    size_t len = strlen(value);
    char *out = sg_arena_alloc(arena, len * 3 + 1), *p = out;
    for (const unsigned char *s = (const unsigned char *)value; *s; s++) {
        if (*s == '*' || *s == '(' || *s == ')' || *s == '\\' || *s < 0x20 || *s >= 0x7f)
            p += sprintf(p, "\\%02x", *s);
        else
            *p++ = (char)*s;
    }
    *p = '\0';
    return out;
}

const char *sg_ldap_filter_expand(const char *tmpl, const char *address, sg_arena *arena)
{
    const char *at = strrchr(address, '@');
    size_t nlen = at ? (size_t)(at - address) : strlen(address);
    const char *local = sg_ldap_escape(sg_arena_strndup(arena, address, nlen), arena);
    const char *domain = sg_ldap_escape(at ? at + 1 : "", arena);
    const char *whole = sg_ldap_escape(address, arena);
    size_t cap = strlen(tmpl) + 1, used = 0;
    for (const char *f = tmpl; *f; f++)
        if (*f == '%')
            cap += strlen(whole);
    char *out = sg_arena_alloc(arena, cap);
    for (const char *f = tmpl; *f; f++) {
        if (*f != '%') {
            out[used++] = *f;
            continue;
        }
        const char *v;
        switch (*++f) {
        case 'u': v = whole; break;
        case 'n': v = local; break;
        case 'd': v = domain; break;
        case '%': v = "%"; break;
        default: return NULL; /* also a '%' at the end */
        }
        size_t l = strlen(v);
        memcpy(out + used, v, l);
        used += l;
    }
    out[used] = '\0';
    return out;
}

/* The next significant byte of a DN, lower-cased: spaces next to ',' '+'
 * '=' are skipped (an escaped "\ " is kept as it is). */
static const char *dn_skip(const char *s, const char *start)
{
    while (*s == ' ') {
        const char *e = s;
        while (*e == ' ')
            e++;
        bool after = s > start && (s[-1] == ',' || s[-1] == '+' || s[-1] == '=') && (s < start + 2 || s[-2] != '\\');
        if (after || *e == ',' || *e == '+' || *e == '=' || !*e)
            s = e;
        else
            break;
    }
    return s;
}

bool sg_ldap_dn_equal(const char *a, const char *b)
{
    const char *sa = a, *sb = b;
    a = dn_skip(a, sa);
    b = dn_skip(b, sb);
    while (*a && *b) {
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
        a = dn_skip(a + 1, sa);
        b = dn_skip(b + 1, sb);
    }
    return !*a && !*b;
}

/* ---- the membership walk ---- */

typedef struct walk {
    sg_ldap_group *groups;
    size_t n, cap;
} walk;

static bool seen(const walk *w, const char *dn)
{
    for (size_t i = 0; i < w->n; i++)
        if (sg_ldap_dn_equal(w->groups[i].dn, dn))
            return true;
    return false;
}

/* Adds the groups of one search not seen before, at `depth`. */
static bool add_found(walk *w, const sg_ldap_group *found, size_t nfound, unsigned depth, sg_arena *arena,
                      char *err, size_t errlen)
{
    for (size_t i = 0; i < nfound; i++) {
        if (!found[i].dn || seen(w, found[i].dn))
            continue;
        if (w->n >= SG_LDAP_MAX_GROUPS) {
            snprintf(err, errlen, "more than %u directory groups", SG_LDAP_MAX_GROUPS);
            return false;
        }
        w->groups = sg_arena_grow(arena, w->groups, w->n, &w->cap, sizeof *w->groups, 8);
        w->groups[w->n] = found[i];
        w->groups[w->n].depth = depth;
        w->n++;
    }
    return true;
}

/* "(&GF(|(member=V)(uniqueMember=V)...))" for the DNs of groups[from..to), in arena. */
static const char *member_filter(const char *gf, const char *user_dn, const char *uid, const sg_ldap_group *groups,
                                 size_t from, size_t to, sg_arena *arena)
{
    size_t cap = strlen(gf) + 16;
    const char *vals[2 + 16];
    size_t nv = 0;
    if (user_dn)
        vals[nv++] = sg_ldap_escape(user_dn, arena);
    for (size_t i = from; i < to; i++)
        vals[nv++] = sg_ldap_escape(groups[i].dn, arena);
    const char *euid = uid ? sg_ldap_escape(uid, arena) : NULL;
    for (size_t i = 0; i < nv; i++)
        cap += 2 * strlen(vals[i]) + 32;
    if (euid)
        cap += strlen(euid) + 16;
    char *f = sg_arena_alloc(arena, cap), *p = f;
    p += sprintf(p, "(&%s(|", gf);
    for (size_t i = 0; i < nv; i++)
        p += sprintf(p, "(member=%s)(uniqueMember=%s)", vals[i], vals[i]);
    if (euid)
        p += sprintf(p, "(memberUid=%s)", euid);
    sprintf(p, "))");
    return f;
}

#define WALK_CHUNK 16 /* group DNs asked in one search */

bool sg_ldap_resolve_groups(sg_ldap_search_fn search, void *ctx, const char *group_filter, const char *user_dn,
                            const char *uid, unsigned nesting_max, sg_arena *arena, sg_ldap_group **out, size_t *n,
                            char *err, size_t errlen)
{
    walk w = {NULL, 0, 0};
    *out = NULL;
    *n = 0;
    if (user_dn || uid) {
        sg_ldap_group *found;
        size_t nfound;
        if (!search(ctx, member_filter(group_filter, user_dn, uid, NULL, 0, 0, arena), arena, &found, &nfound, err,
                    errlen) ||
            !add_found(&w, found, nfound, 0, arena, err, errlen))
            return false;
    }
    /* level d: the groups having a group of level d-1 as a member */
    size_t level_start = 0;
    for (unsigned depth = 1; depth <= nesting_max && level_start < w.n; depth++) {
        size_t level_end = w.n;
        for (size_t from = level_start; from < level_end; from += WALK_CHUNK) {
            size_t to = from + WALK_CHUNK < level_end ? from + WALK_CHUNK : level_end;
            sg_ldap_group *found;
            size_t nfound;
            if (!search(ctx, member_filter(group_filter, NULL, NULL, w.groups, from, to, arena), arena, &found,
                        &nfound, err, errlen) ||
                !add_found(&w, found, nfound, depth, arena, err, errlen))
                return false;
        }
        level_start = level_end;
    }
    *out = w.groups;
    *n = w.n;
    return true;
}
