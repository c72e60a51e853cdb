/* policy_store_write.c - the admin's writes to the policy store
 * (policy_store.h; `sievegate policy`).
 *
 * Takes: what to set, put or remove, validated and normalised first
 * (policy_normalize.c). Returns: OK, INVALID or NOT_FOUND with a sentence,
 * or UNAVAILABLE. Every write is one write transaction that also bumps the
 * generation; on any failure nothing is written. The same SQL for both
 * backends (store/sql.h).
 */
#include "store/policy_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/ldap_policy.h"
#include "store/policy_store_int.h"

#define MAX_FORWARD_HOPS 100
#define MAX_BOUNCE_RATE_PERIOD (366UL * 86400UL)

typedef sg_store_status (*write_fn)(sg_policy_store *s, const void *arg, char *err, size_t errlen);

/* Runs `fn` in one write transaction (sql.h: writers one at a time) that
 * also bumps the generation; on any failure nothing is written. With
 * `create` false a store that does not exist yet is left alone and *missing
 * is set. */
static sg_store_status run_write(sg_policy_store *s, bool create, bool *missing, write_fn fn, const void *arg,
                                 char *err, size_t errlen)
{
    if (!s->writable)
        return sg_ps_fail(SG_STORE_UNAVAILABLE, err, errlen, "policy store %s was opened read-only", s->path);
    sg_store_status st = sg_ps_connect(s, create, err, errlen);
    if (missing)
        *missing = st == SG_STORE_OK && !sg_ps_connected(s);
    if (st != SG_STORE_OK || !sg_ps_connected(s))
        return st;
    sg_sql_result r = sg_sql_begin(&s->sql, true);
    if (r != SG_SQL_OK)
        return sg_ps_sql_fail(s, r, err, errlen);
    st = fn(s, arg, err, errlen);
    if (st == SG_STORE_OK) {
        r = sg_sql_exec(&s->sql, NULL, "UPDATE meta SET value = value + 1 WHERE key = 'generation'", NULL);
        if (r == SG_SQL_OK)
            r = sg_sql_commit(&s->sql);
        if (r != SG_SQL_OK)
            st = sg_ps_sql_fail(s, r, err, errlen);
    }
    if (st != SG_STORE_OK)
        sg_sql_rollback(&s->sql);
    return st;
}

/* A write that names something to remove: NOT_FOUND when nothing was removed. */
static sg_store_status removed(sg_policy_store *s, sg_sql_result r, long long changes, char *err, size_t errlen,
                               const char *what, const char *name)
{
    if (r != SG_SQL_OK)
        return sg_ps_sql_fail(s, r, err, errlen);
    if (changes == 0)
        return sg_ps_fail(SG_STORE_NOT_FOUND, err, errlen, "no %s \"%s\"", what, name);
    return SG_STORE_OK;
}

static sg_store_status exec_or_fail(sg_policy_store *s, sg_sql_result r, char *err, size_t errlen)
{
    return r == SG_SQL_OK ? SG_STORE_OK : sg_ps_sql_fail(s, r, err, errlen);
}

static sg_store_status do_set_default_mode(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const sg_fwd_mode *mode = arg;
    return exec_or_fail(s,
                        sg_sql_exec(&s->sql, NULL, "UPDATE outbound_policies SET mode = ?1 WHERE is_default = 1", "t",
                                    sg_fwd_mode_name(*mode)),
                        err, errlen);
}

static bool valid_mode(sg_fwd_mode mode)
{
    return mode == SG_MODE_AUTOMATIC || mode == SG_MODE_ON || mode == SG_MODE_OFF;
}

sg_store_status sg_policy_store_set_default_mode(sg_policy_store *store, sg_fwd_mode mode, char *err, size_t errlen)
{
    if (!valid_mode(mode))
        return sg_ps_fail(SG_STORE_INVALID, err, errlen, "invalid mode %d (expected automatic, on or off)", (int)mode);
    return run_write(store, true, NULL, do_set_default_mode, &mode, err, errlen);
}

/* Refuses a priority held by another policy, and store groups that do not exist. */
static sg_store_status check_policy_refs(sg_policy_store *s, const sg_outbound_policy *op, char *err, size_t errlen)
{
    char holder[SG_PS_MAX_NAME_LEN + 1] = "";
    sg_sql_rows rows;
    sg_sql_query(&s->sql, &rows, "SELECT name FROM outbound_policies WHERE priority = ?1", "i", op->priority);
    if (sg_sql_next(&rows))
        snprintf(holder, sizeof holder, "%s", sg_sql_text(&rows, 0));
    sg_sql_result r = sg_sql_end(&rows);
    if (r != SG_SQL_OK)
        return sg_ps_sql_fail(s, r, err, errlen);
    if (holder[0] && strcasecmp(holder, op->name) != 0)
        return sg_ps_fail(SG_STORE_INVALID, err, errlen, "priority %d is already held by policy \"%s\"", op->priority,
                          holder);
    const sg_strlist *lists[] = {&op->groups, &op->exclude_groups};
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; i < lists[l]->count; i++) {
            if (sg_policy_is_directory_group(lists[l]->items[i]))
                continue; /* looked up in the directory at each decision */
            long long one;
            bool found;
            r = sg_sql_query_int(&s->sql, &one, &found, "SELECT 1 FROM user_groups WHERE name = ?1", "t",
                                 lists[l]->items[i]);
            if (r != SG_SQL_OK)
                return sg_ps_sql_fail(s, r, err, errlen);
            if (!found)
                return sg_ps_fail(SG_STORE_INVALID, err, errlen, "group \"%s\" does not exist", lists[l]->items[i]);
        }
    }
    return SG_STORE_OK;
}

static sg_store_status insert_scope(sg_policy_store *s, const sg_outbound_policy *op, char *err, size_t errlen)
{
    const sg_strlist *lists[SG_PS_NSCOPE];
    sg_ps_scope_lists(op, lists);
    for (size_t k = 0; k < SG_PS_NSCOPE; k++) {
        for (size_t i = 0; i < lists[k]->count; i++) {
            sg_sql_result r = sg_sql_exec(&s->sql, NULL,
                                          "INSERT INTO policy_scope (policy, kind, pos, value) VALUES (?1, ?2, ?3, ?4)",
                                          "ttit", op->name, sg_ps_scope_kinds[k], (int)i, lists[k]->items[i]);
            if (r != SG_SQL_OK)
                return sg_ps_sql_fail(s, r, err, errlen);
        }
    }
    return SG_STORE_OK;
}

static sg_store_status do_put_policy(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const sg_outbound_policy *op = arg;
    sg_store_status st = check_policy_refs(s, op, err, errlen);
    if (st != SG_STORE_OK)
        return st;
    /* Names are one whatever their case (SQLite: COLLATE NOCASE; PostgreSQL: lower()). */
    sg_sql_result r = sg_sql_exec(&s->sql, NULL, "DELETE FROM policy_scope WHERE lower(policy) = lower(?1)", "t",
                                  op->name);
    if (r == SG_SQL_OK)
        r = sg_sql_exec(&s->sql, NULL, "DELETE FROM outbound_policies WHERE lower(name) = lower(?1) AND is_default = 0",
                        "t", op->name);
    if (r == SG_SQL_OK)
        r = sg_sql_exec(&s->sql, NULL,
                        "INSERT INTO outbound_policies (name, is_default, enabled, priority, mode)"
                        " VALUES (?1, 0, ?2, ?3, ?4)",
                        "tiit", op->name, op->enabled ? 1 : 0, op->priority, sg_fwd_mode_name(op->mode));
    if (r != SG_SQL_OK)
        return sg_ps_sql_fail(s, r, err, errlen);
    return insert_scope(s, op, err, errlen);
}

/* Validates and normalises a custom policy into `n` (strings in `arena`). */
static sg_store_status normalize_policy(const sg_outbound_policy *in, sg_arena *arena, sg_outbound_policy *n,
                                        char *err, size_t errlen)
{
    if (!sg_ps_valid_name("policy", in->name, false, err, errlen))
        return SG_STORE_INVALID;
    if (in->is_default || strcasecmp(in->name, SG_DEFAULT_POLICY_NAME) == 0)
        return sg_ps_fail(SG_STORE_INVALID, err, errlen,
                          "the default policy cannot be replaced or renamed; change its mode with set-default");
    if (in->priority < 0)
        return sg_ps_fail(SG_STORE_INVALID, err, errlen, "invalid priority %d (0 is the highest; it must be 0 or more)",
                          in->priority);
    if (!valid_mode(in->mode))
        return sg_ps_fail(SG_STORE_INVALID, err, errlen, "invalid mode %d (expected automatic, on or off)",
                          (int)in->mode);
    *n = *in;
    n->is_default = false;
    if (!sg_ps_normalize_list(&in->users, SG_PS_NORM_ADDRESS, arena, &n->users, err, errlen) ||
        !sg_ps_normalize_list(&in->groups, SG_PS_NORM_GROUP, arena, &n->groups, err, errlen) ||
        !sg_ps_normalize_list(&in->domains, SG_PS_NORM_DOMAIN, arena, &n->domains, err, errlen) ||
        !sg_ps_normalize_list(&in->exclude_users, SG_PS_NORM_ADDRESS, arena, &n->exclude_users, err, errlen) ||
        !sg_ps_normalize_list(&in->exclude_groups, SG_PS_NORM_GROUP, arena, &n->exclude_groups, err, errlen) ||
        !sg_ps_normalize_list(&in->exclude_domains, SG_PS_NORM_DOMAIN, arena, &n->exclude_domains, err, errlen))
        return SG_STORE_INVALID;
    return SG_STORE_OK;
}

sg_store_status sg_policy_store_put_policy(sg_policy_store *store, const sg_outbound_policy *policy, char *err,
                                           size_t errlen)
{
    sg_arena *arena = sg_arena_new();
    sg_outbound_policy n;
    sg_store_status st = normalize_policy(policy, arena, &n, err, errlen);
    if (st == SG_STORE_OK)
        st = run_write(store, true, NULL, do_put_policy, &n, err, errlen);
    sg_arena_free(arena);
    return st;
}

static sg_store_status do_remove_policy(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const char *name = arg;
    long long changes = 0;
    sg_sql_result r = sg_sql_exec(&s->sql, NULL, "DELETE FROM policy_scope WHERE lower(policy) = lower(?1)", "t", name);
    if (r == SG_SQL_OK)
        r = sg_sql_exec(&s->sql, &changes,
                        "DELETE FROM outbound_policies WHERE lower(name) = lower(?1) AND is_default = 0", "t", name);
    return removed(s, r, changes, err, errlen, "policy", name);
}

/* A remove on a store that does not exist yet names nothing (and creates nothing). */
static sg_store_status remove_write(sg_policy_store *s, write_fn fn, const void *arg, const char *what,
                                    const char *name, char *err, size_t errlen)
{
    bool missing = false;
    sg_store_status st = run_write(s, false, &missing, fn, arg, err, errlen);
    if (st == SG_STORE_OK && missing)
        return sg_ps_fail(SG_STORE_NOT_FOUND, err, errlen, "no %s \"%s\"", what, name);
    return st;
}

sg_store_status sg_policy_store_remove_policy(sg_policy_store *store, const char *name, char *err, size_t errlen)
{
    if (name && strcasecmp(name, SG_DEFAULT_POLICY_NAME) == 0)
        return sg_ps_fail(SG_STORE_INVALID, err, errlen, "the default policy cannot be removed");
    if (!sg_ps_valid_name("policy", name, false, err, errlen))
        return SG_STORE_INVALID;
    return remove_write(store, do_remove_policy, name, "policy", name, err, errlen);
}

typedef struct {
    const char *name;
    bool match_subdomains;
} accepted_arg;

static sg_store_status do_add_accepted(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const accepted_arg *a = arg;
    return exec_or_fail(s,
                        sg_sql_exec(&s->sql, NULL,
                                    "INSERT INTO accepted_domains (name, match_subdomains) VALUES (?1, ?2)"
                                    " ON CONFLICT (name) DO UPDATE SET match_subdomains = excluded.match_subdomains",
                                    "ti", a->name, a->match_subdomains ? 1 : 0),
                        err, errlen);
}

sg_store_status sg_policy_store_add_accepted_domain(sg_policy_store *store, const char *domain,
                                                    bool match_subdomains, char *err, size_t errlen)
{
    sg_arena *arena = sg_arena_new();
    accepted_arg a = {NULL, match_subdomains};
    sg_store_status st = SG_STORE_INVALID;
    if (sg_policy_normalize_domain(domain, arena, &a.name, err, errlen))
        st = run_write(store, true, NULL, do_add_accepted, &a, err, errlen);
    sg_arena_free(arena);
    return st;
}

static sg_store_status do_remove_accepted(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    long long changes = 0;
    sg_sql_result r = sg_sql_exec(&s->sql, &changes, "DELETE FROM accepted_domains WHERE name = ?1", "t",
                                  (const char *)arg);
    return removed(s, r, changes, err, errlen, "accepted domain", arg);
}

sg_store_status sg_policy_store_remove_accepted_domain(sg_policy_store *store, const char *domain, char *err,
                                                       size_t errlen)
{
    sg_arena *arena = sg_arena_new();
    const char *name;
    sg_store_status st = SG_STORE_INVALID;
    if (sg_policy_normalize_domain(domain, arena, &name, err, errlen))
        st = remove_write(store, do_remove_accepted, name, "accepted domain", name, err, errlen);
    sg_arena_free(arena);
    return st;
}

static sg_store_status do_put_remote(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const sg_remote_domain *rd = arg;
    return exec_or_fail(s,
                        sg_sql_exec(&s->sql, NULL,
                                    "INSERT INTO remote_domains (pattern, auto_forward, auto_reply, ndr, is_internal)"
                                    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (pattern) DO UPDATE SET"
                                    " auto_forward = excluded.auto_forward, auto_reply = excluded.auto_reply,"
                                    " ndr = excluded.ndr, is_internal = excluded.is_internal",
                                    "tiiii", rd->pattern, rd->auto_forward ? 1 : 0, rd->auto_reply ? 1 : 0,
                                    rd->ndr ? 1 : 0, rd->is_internal ? 1 : 0),
                        err, errlen);
}

sg_store_status sg_policy_store_put_remote_domain(sg_policy_store *store, const sg_remote_domain *rd, char *err,
                                                  size_t errlen)
{
    sg_arena *arena = sg_arena_new();
    sg_remote_domain n = *rd;
    sg_store_status st = SG_STORE_INVALID;
    if (sg_policy_normalize_pattern(rd->pattern, arena, &n.pattern, err, errlen))
        st = run_write(store, true, NULL, do_put_remote, &n, err, errlen);
    sg_arena_free(arena);
    return st;
}

static sg_store_status do_remove_remote(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    long long changes = 0;
    sg_sql_result r = sg_sql_exec(&s->sql, &changes, "DELETE FROM remote_domains WHERE pattern = ?1", "t",
                                  (const char *)arg);
    return removed(s, r, changes, err, errlen, "remote domain", arg);
}

sg_store_status sg_policy_store_remove_remote_domain(sg_policy_store *store, const char *pattern, char *err,
                                                     size_t errlen)
{
    if (pattern && strcmp(pattern, "*") == 0)
        return sg_ps_fail(SG_STORE_INVALID, err, errlen,
                          "the \"*\" remote domain always exists; change its flags with remote-domain set");
    sg_arena *arena = sg_arena_new();
    const char *n;
    sg_store_status st = SG_STORE_INVALID;
    if (sg_policy_normalize_pattern(pattern, arena, &n, err, errlen))
        st = remove_write(store, do_remove_remote, n, "remote domain", n, err, errlen);
    sg_arena_free(arena);
    return st;
}

typedef struct {
    const char *name;
    sg_strlist members;
} group_arg;

static sg_store_status do_put_group(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const group_arg *g = arg;
    sg_sql_result r = sg_sql_exec(&s->sql, NULL, "INSERT INTO user_groups (name) VALUES (?1) ON CONFLICT DO NOTHING",
                                  "t", g->name);
    if (r == SG_SQL_OK)
        r = sg_sql_exec(&s->sql, NULL, "DELETE FROM group_members WHERE grp = ?1", "t", g->name);
    for (size_t i = 0; r == SG_SQL_OK && i < g->members.count; i++)
        r = sg_sql_exec(&s->sql, NULL, "INSERT INTO group_members (grp, pos, member) VALUES (?1, ?2, ?3)", "tit",
                        g->name, (int)i, g->members.items[i]);
    return exec_or_fail(s, r, err, errlen);
}

sg_store_status sg_policy_store_put_group(sg_policy_store *store, const char *name, const sg_strlist *members,
                                          char *err, size_t errlen)
{
    if (!sg_ps_valid_name("group", name, true, err, errlen))
        return SG_STORE_INVALID;
    sg_arena *arena = sg_arena_new();
    group_arg g;
    char *lower = sg_arena_strdup(arena, name);
    sg_ps_ascii_lower(lower);
    g.name = lower;
    sg_store_status st = SG_STORE_INVALID;
    if (sg_ps_normalize_list(members, SG_PS_NORM_ADDRESS, arena, &g.members, err, errlen))
        st = run_write(store, true, NULL, do_put_group, &g, err, errlen);
    sg_arena_free(arena);
    return st;
}

static sg_store_status do_remove_group(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const char *name = arg;
    char user[SG_PS_MAX_NAME_LEN + 1] = "";
    sg_sql_rows rows;
    sg_sql_query(&s->sql, &rows,
                 "SELECT policy FROM policy_scope WHERE kind IN ('groups', 'exclude_groups')"
                 " AND value = ?1 ORDER BY policy LIMIT 1",
                 "t", name);
    if (sg_sql_next(&rows))
        snprintf(user, sizeof user, "%s", sg_sql_text(&rows, 0));
    sg_sql_result r = sg_sql_end(&rows);
    if (r != SG_SQL_OK)
        return sg_ps_sql_fail(s, r, err, errlen);
    if (user[0])
        return sg_ps_fail(SG_STORE_INVALID, err, errlen,
                          "group \"%s\" is used by policy \"%s\"; change that policy first", name, user);
    long long changes = 0;
    r = sg_sql_exec(&s->sql, NULL, "DELETE FROM group_members WHERE grp = ?1", "t", name);
    if (r == SG_SQL_OK)
        r = sg_sql_exec(&s->sql, &changes, "DELETE FROM user_groups WHERE name = ?1", "t", name);
    return removed(s, r, changes, err, errlen, "group", name);
}

sg_store_status sg_policy_store_remove_group(sg_policy_store *store, const char *name, char *err, size_t errlen)
{
    if (!sg_ps_valid_name("group", name, true, err, errlen))
        return SG_STORE_INVALID;
    char *lower = sg_xstrdup(name);
    sg_ps_ascii_lower(lower);
    sg_store_status st = remove_write(store, do_remove_group, lower, "group", lower, err, errlen);
    free(lower);
    return st;
}

static sg_store_status do_put_org(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const sg_org_settings *org = arg;
    sg_sql_result r = sg_sql_exec(&s->sql, NULL,
                                  "INSERT INTO org_settings (id, automatic_means, bounce_internal_senders,"
                                  " bounce_rate_period, max_forward_hops) VALUES (1, ?1, ?2, ?3, ?4)"
                                  " ON CONFLICT (id) DO UPDATE SET automatic_means = excluded.automatic_means,"
                                  " bounce_internal_senders = excluded.bounce_internal_senders,"
                                  " bounce_rate_period = excluded.bounce_rate_period,"
                                  " max_forward_hops = excluded.max_forward_hops",
                                  "tiLi", sg_fwd_mode_name(org->automatic_means), org->bounce_internal_senders ? 1 : 0,
                                  (long long)org->bounce_rate_period, (int)org->max_forward_hops);
    return exec_or_fail(s, r, err, errlen);
}

sg_store_status sg_policy_store_put_org(sg_policy_store *store, const sg_org_settings *org, char *err, size_t errlen)
{
    if (org->automatic_means != SG_MODE_OFF && org->automatic_means != SG_MODE_ON)
        return sg_ps_fail(SG_STORE_INVALID, err, errlen, "invalid automatic_means (expected off or on)");
    if (org->max_forward_hops < 1 || org->max_forward_hops > MAX_FORWARD_HOPS)
        return sg_ps_fail(SG_STORE_INVALID, err, errlen, "invalid max_forward_hops %u (expected 1 to %d)",
                          org->max_forward_hops, MAX_FORWARD_HOPS);
    if (org->bounce_rate_period > MAX_BOUNCE_RATE_PERIOD)
        return sg_ps_fail(SG_STORE_INVALID, err, errlen, "invalid bounce_rate_period %lu (expected 0 to %lu seconds)",
                          org->bounce_rate_period, MAX_BOUNCE_RATE_PERIOD);
    return run_write(store, true, NULL, do_put_org, org, err, errlen);
}

/* -------------------------------------------------------- admin forwards */

static sg_store_status do_put_forward(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const sg_admin_forward *f = arg;
    return exec_or_fail(s,
                        sg_sql_exec(&s->sql, NULL,
                                    "INSERT INTO admin_forwards (mailbox, address, keep_copy) VALUES (?1, ?2, ?3)"
                                    " ON CONFLICT (mailbox) DO UPDATE SET address = excluded.address,"
                                    " keep_copy = excluded.keep_copy",
                                    "tti", f->user, f->address, f->keep_copy ? 1 : 0),
                        err, errlen);
}

sg_store_status sg_policy_store_put_forward(sg_policy_store *store, const sg_admin_forward *fwd, char *err,
                                            size_t errlen)
{
    sg_arena *arena = sg_arena_new();
    sg_admin_forward n = {NULL, NULL, fwd->keep_copy};
    sg_store_status st = SG_STORE_INVALID;
    if (sg_policy_normalize_address(fwd->user, arena, &n.user, err, errlen) &&
        sg_policy_normalize_address(fwd->address, arena, &n.address, err, errlen)) {
        if (strcmp(n.user, n.address) == 0) /* it would loop back into the same mailbox */
            st = sg_ps_fail(SG_STORE_INVALID, err, errlen, "%s cannot be forwarded to itself", n.user);
        else
            st = run_write(store, true, NULL, do_put_forward, &n, err, errlen);
    }
    sg_arena_free(arena);
    return st;
}

static sg_store_status do_remove_forward(sg_policy_store *s, const void *arg, char *err, size_t errlen)
{
    const char *user = arg;
    long long changes = 0;
    sg_sql_result r = sg_sql_exec(&s->sql, &changes, "DELETE FROM admin_forwards WHERE mailbox = ?1", "t", user);
    return removed(s, r, changes, err, errlen, "forward for", user);
}

sg_store_status sg_policy_store_remove_forward(sg_policy_store *store, const char *user, char *err, size_t errlen)
{
    sg_arena *arena = sg_arena_new();
    const char *n;
    sg_store_status st = SG_STORE_INVALID;
    if (sg_policy_normalize_address(user, arena, &n, err, errlen))
        st = remove_write(store, do_remove_forward, n, "forward for", n, err, errlen);
    sg_arena_free(arena);
    return st;
}
