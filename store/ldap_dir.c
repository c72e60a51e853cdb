/* ldap_dir.c - see ldap_dir.h: the options, the connection (libldap loaded
 * at the first search), the searches and the per-address cache of groups. */
#include "store/ldap_dir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/secret_file.h"
#include "base/sigpipe.h"
#include "store/ldap_lib.h"

#define CACHE_MAX 4096 /* addresses kept; the oldest entry gives way */
#define PASSWORD_MAX 1024

typedef struct cache_entry {
    char *address;
    time_t expires; /* CLOCK_MONOTONIC seconds */
    sg_arena *arena; /* owns groups and their strings */
    sg_ldap_group *groups;
    size_t n;
} cache_entry;

struct sg_ldap {
    char *uri, *bind_dn, *password_file, *base, *group_base, *user_filter, *group_filter;
    unsigned timeout, nesting_max, cache_ttl;
    sg_ldap_lib lib;
    LDAP *ld; /* NULL: not connected */
    cache_entry *cache;
    size_t ncache, next_evict;
    double deadline; /* CLOCK_MONOTONIC seconds: the end of the lookup under way */
};

static double now_precise(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One lookup (all its searches) ends within ldap_timeout. */
static void start_lookup(sg_ldap *l)
{
    l->deadline = now_precise() + l->timeout;
}

/* What is left of it, at least a millisecond. */
static struct timeval remaining(const sg_ldap *l)
{
    double left = l->deadline - now_precise();
    if (left < 0.001)
        left = 0.001;
    struct timeval tv = {(time_t)left, (suseconds_t)((left - (double)(time_t)left) * 1e6)};
    return tv;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? sg_xstrdup(s) : NULL;
}

bool sg_ldap_options_from_config(const sg_config *cfg, sg_ldap_options *opt, char *err, size_t errlen)
{
    memset(opt, 0, sizeof *opt);
    const char *uri = sg_config_get(cfg, "ldap_uri");
    opt->uri = uri && *uri ? uri : NULL;
    opt->bind_dn = sg_config_get(cfg, "ldap_bind_dn");
    opt->password_file = sg_config_get(cfg, "ldap_bind_password_file");
    opt->base = sg_config_get(cfg, "ldap_base");
    opt->group_base = sg_config_get(cfg, "ldap_group_base");
    if (!opt->group_base || !*opt->group_base)
        opt->group_base = opt->base;
    opt->user_filter = sg_config_get(cfg, "ldap_user_filter");
    opt->user_filter = opt->user_filter ? opt->user_filter : SG_LDAP_DEFAULT_USER_FILTER;
    opt->group_filter = sg_config_get(cfg, "ldap_group_filter");
    opt->group_filter = opt->group_filter ? opt->group_filter : SG_LDAP_DEFAULT_GROUP_FILTER;
    sg_arena *a = sg_arena_new();
    bool ok = true;
    const char *filters[][2] = {{"ldap_user_filter", opt->user_filter}, {"ldap_group_filter", opt->group_filter}};
    for (size_t i = 0; ok && i < 2; i++) {
        const char *f = filters[i][1];
        ok = *f == '(' && f[strlen(f) - 1] == ')' && sg_ldap_filter_expand(f, "u@d", a);
        if (!ok)
            snprintf(err, errlen, "invalid value for %s: \"%s\" (expected a filter in parentheses, with %%u %%n %%d)",
                     filters[i][0], f);
    }
    sg_arena_free(a);
    if (ok && opt->bind_dn && *opt->bind_dn && (!opt->password_file || !*opt->password_file)) {
        snprintf(err, errlen, "ldap_bind_dn is set but ldap_bind_password_file is not");
        ok = false;
    }
    opt->timeout = SG_LDAP_DEFAULT_TIMEOUT;
    opt->nesting_max = SG_LDAP_DEFAULT_NESTING_MAX;
    opt->cache_ttl = SG_LDAP_DEFAULT_CACHE_TTL;
    return ok && sg_config_get_uint(cfg, "ldap_timeout", 1, SG_LDAP_MAX_TIMEOUT, &opt->timeout, err, errlen) &&
           sg_config_get_uint(cfg, "ldap_group_nesting_max", 0, SG_LDAP_MAX_NESTING, &opt->nesting_max, err, errlen) &&
           sg_config_get_uint(cfg, "ldap_cache_ttl", 0, SG_LDAP_MAX_CACHE_TTL, &opt->cache_ttl, err, errlen);
}

sg_ldap *sg_ldap_open(const sg_ldap_options *opt)
{
    sg_ldap *l = sg_xmalloc(sizeof *l);
    memset(l, 0, sizeof *l);
    l->uri = sg_xstrdup(opt->uri);
    l->bind_dn = dup_or_null(opt->bind_dn);
    l->password_file = dup_or_null(opt->password_file);
    l->base = sg_xstrdup(opt->base ? opt->base : "");
    l->group_base = sg_xstrdup(opt->group_base ? opt->group_base : l->base);
    l->user_filter = sg_xstrdup(opt->user_filter ? opt->user_filter : SG_LDAP_DEFAULT_USER_FILTER);
    l->group_filter = sg_xstrdup(opt->group_filter ? opt->group_filter : SG_LDAP_DEFAULT_GROUP_FILTER);
    l->timeout = opt->timeout ? opt->timeout : SG_LDAP_DEFAULT_TIMEOUT;
    l->nesting_max = opt->nesting_max;
    l->cache_ttl = opt->cache_ttl;
    return l;
}

static void disconnect(sg_ldap *l)
{
    if (l->ld)
        l->lib.unbind_ext_s(l->ld, NULL, NULL);
    l->ld = NULL;
}

void sg_ldap_close(sg_ldap *l)
{
    if (!l)
        return;
    disconnect(l);
    sg_ldap_lib_close(&l->lib);
    for (size_t i = 0; i < l->ncache; i++) {
        free(l->cache[i].address);
        sg_arena_free(l->cache[i].arena);
    }
    free(l->cache);
    free(l->uri);
    free(l->bind_dn);
    free(l->password_file);
    free(l->base);
    free(l->group_base);
    free(l->user_filter);
    free(l->group_filter);
    free(l);
}

const char *sg_ldap_uri(const sg_ldap *l)
{
    return l->uri;
}

/* ---- the connection ---- */

static bool fail(sg_ldap *l, int rc, const char *what, char *err, size_t errlen)
{
    if (rc == LDAP_TIMEOUT || rc == LDAP_TIMELIMIT_EXCEEDED)
        snprintf(err, errlen, "directory %s: %s: no answer within ldap_timeout (%u s)", l->uri, what, l->timeout);
    else
        snprintf(err, errlen, "directory %s: %s: %s", l->uri, what, l->lib.err2string(rc));
    disconnect(l); /* a late reply must never be read as the answer to the next question */
    return false;
}

/* Connected and bound, with every operation bounded by ldap_timeout. */
static bool connect_dir(sg_ldap *l, char *err, size_t errlen)
{
    if (l->ld)
        return true;
    if (!l->lib.handle) {
        char why[256];
        if (!sg_ldap_lib_open(&l->lib, why, sizeof why)) {
            snprintf(err, errlen, "directory %s: %s", l->uri, why);
            return false;
        }
    }
    int rc = l->lib.initialize(&l->ld, l->uri);
    if (rc != LDAP_SUCCESS) {
        l->ld = NULL;
        snprintf(err, errlen, "directory %s: %s", l->uri, l->lib.err2string(rc));
        return false;
    }
    int version = LDAP_VERSION3;
    struct timeval tv = remaining(l);
    l->lib.set_option(l->ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    l->lib.set_option(l->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    l->lib.set_option(l->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv); /* the TCP connect */
    l->lib.set_option(l->ld, LDAP_OPT_TIMEOUT, &tv);         /* the bind (a synchronous operation) */
    if (!l->bind_dn)
        return true; /* anonymous: LDAPv3 needs no bind (RFC 4511, section 4.2) */
    char *pw;
    size_t pwlen;
    char why[300];
    if (!sg_secret_read("ldap_bind_password_file", l->password_file, PASSWORD_MAX, &pw, &pwlen, why, sizeof why)) {
        snprintf(err, errlen, "directory %s: %s", l->uri, why);
        disconnect(l);
        return false;
    }
    struct berval cred = {(ber_len_t)pwlen, pw};
    rc = l->lib.sasl_bind_s(l->ld, l->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
    sg_secret_free(pw, pwlen);
    if (rc != LDAP_SUCCESS)
        return fail(l, rc, "bind", err, errlen);
    return true;
}

/* One subtree search; *res to be freed with msgfree. A connection that a
 * long-lived process kept and the server dropped is made once more. */
static bool search(sg_ldap *l, const char *base, const char *filter, char **attrs, int sizelimit, LDAPMessage **res,
                   char *err, size_t errlen)
{
    /* libldap writes to the socket: a server gone must not kill us with SIGPIPE */
    sg_sigpipe_guard pipe_guard;
    sg_sigpipe_block(&pipe_guard);
    bool ok = false;
    for (int attempt = 0; attempt < 2 && !ok; attempt++) {
        bool fresh = !l->ld;
        *res = NULL;
        if (!connect_dir(l, err, errlen))
            break;
        if (now_precise() >= l->deadline) {
            snprintf(err, errlen, "directory %s: no answer within ldap_timeout (%u s)", l->uri, l->timeout);
            disconnect(l);
            break;
        }
        struct timeval tv = remaining(l);
        /* the bind of a connection kept from before had its own limit */
        l->lib.set_option(l->ld, LDAP_OPT_TIMEOUT, &tv);
        int rc = l->lib.search_ext_s(l->ld, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL, &tv, sizelimit,
                                     res);
        if (rc == LDAP_SUCCESS) {
            ok = true;
        } else {
            if (*res)
                l->lib.msgfree(*res);
            *res = NULL;
            bool retry = !fresh && (rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR);
            fail(l, rc, rc == LDAP_SIZELIMIT_EXCEEDED ? "search: more entries than expected" : "search", err,
                 errlen);
            if (!retry)
                break;
        }
    }
    sg_sigpipe_restore(&pipe_guard);
    return ok;
}

/* The first value of attr in entry e, in arena, or NULL. */
static const char *first_value(sg_ldap *l, LDAPMessage *e, const char *attr, sg_arena *arena)
{
    struct berval **v = l->lib.get_values_len(l->ld, e, attr);
    const char *out = v && v[0] ? sg_arena_strndup(arena, v[0]->bv_val, v[0]->bv_len) : NULL;
    if (v)
        l->lib.value_free_len(v);
    return out;
}

static const char *entry_dn(sg_ldap *l, LDAPMessage *e, sg_arena *arena)
{
    char *dn = l->lib.get_dn(l->ld, e);
    const char *out = dn ? sg_arena_strdup(arena, dn) : NULL;
    if (dn)
        l->lib.memfree(dn);
    return out;
}

/* The resolver's search: groups under the group base, their dn and cn. */
static bool group_search(void *ctx, const char *filter, sg_arena *arena, sg_ldap_group **out, size_t *n, char *err,
                         size_t errlen)
{
    sg_ldap *l = ctx;
    char *attrs[] = {"cn", NULL};
    LDAPMessage *res;
    *out = NULL;
    *n = 0;
    if (!search(l, l->group_base, filter, attrs, (int)SG_LDAP_MAX_GROUPS + 1, &res, err, errlen))
        return false;
    size_t cap = 0;
    for (LDAPMessage *e = l->lib.first_entry(l->ld, res); e; e = l->lib.next_entry(l->ld, e)) {
        const char *dn = entry_dn(l, e, arena), *cn = first_value(l, e, "cn", arena);
        if (!dn)
            continue;
        *out = sg_arena_grow(arena, *out, *n, &cap, sizeof **out, 8);
        (*out)[(*n)++] = (sg_ldap_group){dn, cn ? cn : "", 0};
    }
    l->lib.msgfree(res);
    return true;
}

/* The user entry of address within the lookup under way: *found, its DN
 * (when dn is not NULL) and the first value of each attribute, in arena. */
static sg_ldap_status user_entry(sg_ldap *l, const char *address, const char *const *attrs, size_t nattrs,
                                 sg_arena *arena, bool *found, const char **dn, const char **values, char *err,
                                 size_t errlen)
{
    *found = false;
    if (dn)
        *dn = NULL;
    for (size_t i = 0; i < nattrs; i++)
        values[i] = NULL;
    const char *filter = sg_ldap_filter_expand(l->user_filter, address, arena);
    if (!filter) { /* checked with the options: never, but never a guess either */
        snprintf(err, errlen, "directory %s: invalid ldap_user_filter", l->uri);
        return SG_LDAP_UNAVAILABLE;
    }
    char **a = sg_arena_alloc(arena, (nattrs + 2) * sizeof *a);
    for (size_t i = 0; i < nattrs; i++)
        a[i] = (char *)attrs[i];
    a[nattrs] = nattrs ? NULL : "1.1"; /* RFC 4511, section 4.5.1.8: no attributes */
    a[nattrs + 1] = NULL;
    LDAPMessage *res;
    /* size limit 2: a second entry is an error (the address is ambiguous) */
    if (!search(l, l->base, filter, a, 2, &res, err, errlen))
        return SG_LDAP_UNAVAILABLE;
    LDAPMessage *e = l->lib.first_entry(l->ld, res);
    if (e && l->lib.next_entry(l->ld, e)) {
        snprintf(err, errlen, "directory %s: more than one entry for %s (%s)", l->uri, address, filter);
        l->lib.msgfree(res);
        return SG_LDAP_UNAVAILABLE;
    }
    if (e) {
        *found = true;
        if (dn)
            *dn = entry_dn(l, e, arena);
        for (size_t i = 0; i < nattrs; i++)
            values[i] = first_value(l, e, attrs[i], arena);
    }
    l->lib.msgfree(res);
    return SG_LDAP_OK;
}

sg_ldap_status sg_ldap_find_user(sg_ldap *l, const char *address, const char *const *attrs, size_t nattrs,
                                 sg_arena *arena, bool *found, const char **values, char *err, size_t errlen)
{
    start_lookup(l);
    return user_entry(l, address, attrs, nattrs, arena, found, NULL, values, err, errlen);
}

/* ---- groups, cached ---- */

static time_t now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* groups[0..n) and their strings copied into arena. */
static sg_ldap_group *copy_groups(const sg_ldap_group *groups, size_t n, sg_arena *arena)
{
    sg_ldap_group *copy = sg_arena_alloc(arena, (n ? n : 1) * sizeof *copy);
    for (size_t i = 0; i < n; i++)
        copy[i] = (sg_ldap_group){sg_arena_strdup(arena, groups[i].dn), sg_arena_strdup(arena, groups[i].cn),
                                  groups[i].depth};
    return copy;
}

static cache_entry *cache_find(sg_ldap *l, const char *address)
{
    for (size_t i = 0; i < l->ncache; i++)
        if (strcasecmp(l->cache[i].address, address) == 0)
            return &l->cache[i];
    return NULL;
}

static void cache_put(sg_ldap *l, const char *address, const sg_ldap_group *groups, size_t n)
{
    cache_entry *c = cache_find(l, address);
    if (!c && l->ncache < CACHE_MAX) {
        if (!l->cache)
            l->cache = sg_xmalloc(CACHE_MAX * sizeof *l->cache);
        c = &l->cache[l->ncache++];
        c->address = NULL;
        c->arena = NULL;
    } else if (!c) {
        c = &l->cache[l->next_evict];
        l->next_evict = (l->next_evict + 1) % CACHE_MAX;
    }
    free(c->address);
    sg_arena_free(c->arena);
    c->address = sg_xstrdup(address);
    c->arena = sg_arena_new();
    c->groups = copy_groups(groups, n, c->arena);
    c->n = n;
    c->expires = now_mono() + (time_t)l->cache_ttl;
}

sg_ldap_status sg_ldap_groups_of(sg_ldap *l, const char *address, sg_arena *arena, const sg_ldap_group **groups,
                                 size_t *n, char *err, size_t errlen)
{
    *groups = NULL;
    *n = 0;
    cache_entry *c = l->cache_ttl ? cache_find(l, address) : NULL;
    if (c && now_mono() < c->expires) {
        *groups = copy_groups(c->groups, c->n, arena);
        *n = c->n;
        return SG_LDAP_OK;
    }
    const char *uid = NULL;
    start_lookup(l);
    sg_arena *tmp = sg_arena_new();
    const char *user_dn = NULL;
    /* the user's DN and uid */
    const char *uid_attr[] = {"uid"};
    bool found;
    sg_ldap_status st = user_entry(l, address, uid_attr, 1, tmp, &found, &user_dn, &uid, err, errlen);
    /* posixGroup memberUid: the entry's uid, else the local part */
    if (st == SG_LDAP_OK && !uid) {
        const char *at = strrchr(address, '@');
        uid = sg_arena_strndup(tmp, address, at ? (size_t)(at - address) : strlen(address));
    }
    sg_ldap_group *found_groups = NULL;
    size_t nfound = 0;
    const char *gf = st == SG_LDAP_OK ? sg_ldap_filter_expand(l->group_filter, address, tmp) : NULL;
    if (st == SG_LDAP_OK &&
        !sg_ldap_resolve_groups(group_search, l, gf, user_dn, uid, l->nesting_max, tmp, &found_groups, &nfound, err,
                                errlen))
        st = SG_LDAP_UNAVAILABLE;
    if (st == SG_LDAP_OK) {
        *groups = copy_groups(found_groups, nfound, arena);
        *n = nfound;
        if (l->cache_ttl)
            cache_put(l, address, found_groups, nfound);
    }
    sg_arena_free(tmp);
    return st;
}
