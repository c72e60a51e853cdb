/* ldap_dir.h - the directory client (OpenLDAP's libldap, store/ldap_lib.h):
 * which directory groups an address belongs to, for scoped policies
 * (docs/policy.md, "Directory groups"), and the entry of a user, for the
 * userdb (store/userdb.h). Knows no Sieve and no policy.
 *
 * Takes: an sg_config with the keys (engine/core/config_keys.c)
 *   ldap_uri                 ldap://HOST[:PORT] (or ldaps://, ldapi://), space-separated;
 *                            unset or empty: no directory
 *   ldap_bind_dn             the DN to bind as (unset: anonymous)
 *   ldap_bind_password_file  a file whose first line is its password (read at
 *                            each connect; never on a command line)
 *   ldap_base                where users are searched (subtree)
 *   ldap_group_base          where groups are searched (default ldap_base)
 *   ldap_user_filter         the user of an address (default "(mail=%u)")
 *   ldap_group_filter        what a group is (default groupOfNames,
 *                            groupOfUniqueNames or posixGroup)
 *   ldap_timeout             seconds one lookup may take: its connect, bind and
 *                            searches together (default 5, 1..300)
 *   ldap_group_nesting_max   group-in-group levels followed (default 5, 0..20)
 *   ldap_cache_ttl           seconds an address's groups are kept in the
 *                            process (default 60, 0..86400; 0: not kept)
 * In the filters %u is the address, %n its local part, %d its domain, %%
 * a '%'; each value is escaped as a filter value (RFC 4515, section 3).
 *
 * Returns: SG_LDAP_OK with the answer (possibly "no groups", "no such
 * user"), or SG_LDAP_UNAVAILABLE with one sentence: the directory could not
 * answer (down, slower than ldap_timeout, bind refused, a search failed).
 * A failure is never an empty answer: the caller defers (policy_unavailable,
 * 4xx) instead of deciding on a guess.
 *
 * Membership (sg_ldap_groups_of): the user is the one entry under ldap_base
 * that ldap_user_filter finds (none: only posixGroup memberUid can hold the
 * address, by its local part; more than one: unavailable, as ambiguous). Its
 * groups are those under ldap_group_base matching ldap_group_filter whose
 * member or uniqueMember is the user's DN, or whose memberUid is its uid
 * attribute or the address's local part; then, level by level up to
 * ldap_group_nesting_max, the groups that have one of those groups as a
 * member (one search a level; a group seen before is not followed again, so
 * a cycle ends).
 *
 * One object is used by one thread at a time; it keeps one connection and
 * the cache, and holds no global state.
 */
#ifndef SG_STORE_LDAP_DIR_H
#define SG_STORE_LDAP_DIR_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/config.h"

#define SG_LDAP_DEFAULT_USER_FILTER "(mail=%u)"
#define SG_LDAP_DEFAULT_GROUP_FILTER                                                                              \
    "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))"
#define SG_LDAP_DEFAULT_TIMEOUT 5u
#define SG_LDAP_MAX_TIMEOUT 300u
#define SG_LDAP_DEFAULT_NESTING_MAX 5u
#define SG_LDAP_MAX_NESTING 20u
#define SG_LDAP_DEFAULT_CACHE_TTL 60u
#define SG_LDAP_MAX_CACHE_TTL 86400u
#define SG_LDAP_MAX_GROUPS 1000u /* more groups for one user: unavailable (never a truncated answer) */

typedef struct sg_ldap_options {
    const char *uri; /* NULL: no directory */
    const char *bind_dn, *password_file;
    const char *base, *group_base;
    const char *user_filter, *group_filter;
    unsigned timeout, nesting_max, cache_ttl;
} sg_ldap_options;

typedef enum {
    SG_LDAP_OK = 0,
    SG_LDAP_UNAVAILABLE,
} sg_ldap_status;

typedef struct sg_ldap_group {
    const char *dn;
    const char *cn;  /* its first cn, or "" */
    unsigned depth;  /* 0: the user is a member itself; n: through n groups */
} sg_ldap_group;

typedef struct sg_ldap sg_ldap;

/* The keys above (the strings point into cfg); opt->uri is NULL when no
 * directory is configured. False with err naming the key. */
bool sg_ldap_options_from_config(const sg_config *cfg, sg_ldap_options *opt, char *err, size_t errlen);

/* Copies the options; does no I/O (libldap is loaded at the first search). */
sg_ldap *sg_ldap_open(const sg_ldap_options *opt);
void sg_ldap_close(sg_ldap *l);
const char *sg_ldap_uri(const sg_ldap *l);

/* The groups of `address` (local@domain), from the cache while fresh. The
 * array and its strings are in arena (a copy of the cached answer). */
sg_ldap_status sg_ldap_groups_of(sg_ldap *l, const char *address, sg_arena *arena, const sg_ldap_group **groups,
                                 size_t *n, char *err, size_t errlen);

/* The user entry of `address` (ldap_user_filter under ldap_base): *found,
 * and the first value of each of attrs[0..nattrs) (NULL when absent), in
 * arena. Not cached. More than one entry: unavailable (ambiguous). */
sg_ldap_status sg_ldap_find_user(sg_ldap *l, const char *address, const char *const *attrs, size_t nattrs,
                                 sg_arena *arena, bool *found, const char **values, char *err, size_t errlen);

/* ---- pure parts, for the tests ---- */

/* `value` escaped as an assertion value (RFC 4515, section 3: '*', '(',
 * ')', '\\', NUL and non-ASCII bytes as \XX), in arena. */
const char *sg_ldap_escape(const char *value, sg_arena *arena);

/* A filter template with %u %n %d %% expanded for address (local@domain;
 * without '@': %n is all of it and %d empty), each value escaped. NULL when
 * the template has another '%' sequence. */
const char *sg_ldap_filter_expand(const char *tmpl, const char *address, sg_arena *arena);

/* Whether two DNs are the same: attribute types and values compared
 * case-blind, spaces around ',', '+' and '=' ignored (RFC 4514 strings as
 * directories write them). */
bool sg_ldap_dn_equal(const char *a, const char *b);

/* One search for the resolver: the entries (their dn and cn; depth unset)
 * under the group base matching `filter`. False with err: failed. */
typedef bool (*sg_ldap_search_fn)(void *ctx, const char *filter, sg_arena *arena, sg_ldap_group **out, size_t *n,
                                  char *err, size_t errlen);

/* The membership walk of the header: user_dn and uid may be NULL (not
 * searched for). group_filter is expanded already. */
bool sg_ldap_resolve_groups(sg_ldap_search_fn search, void *ctx, const char *group_filter, const char *user_dn,
                            const char *uid, unsigned nesting_max, sg_arena *arena, sg_ldap_group **out, size_t *n,
                            char *err, size_t errlen);

#endif
