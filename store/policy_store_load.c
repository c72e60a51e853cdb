/* policy_store_load.c - reading the policy store (policy_store.h): the
 * generation, and a whole snapshot (admin forwards included) in one read
 * transaction.
 *
 * Takes: an open store of either backend (policy_store.c,
 * policy_store_pg.c; the same SQL, store/sql.h). Returns: the generation; an
 * sg_policy in its own arena, the built-in default when the file does not
 * exist or was never written, with the default policy first and the "*"
 * remote domain always present.
 */
#include "store/policy_store.h"

#include <string.h>

#include "store/policy_store_int.h"

sg_store_status sg_policy_store_generation(sg_policy_store *store, uint64_t *generation, char *err, size_t errlen)
{
    *generation = 0;
    sg_store_status st = sg_ps_connect(store, false, err, errlen);
    if (st != SG_STORE_OK || !sg_ps_connected(store))
        return st;
    long long v;
    bool found;
    sg_sql_result r = sg_sql_query_int(&store->sql, &v, &found, "SELECT value FROM meta WHERE key = 'generation'", NULL);
    if (r != SG_SQL_OK) {
        /* A store created but never written has no meta table: generation 0. */
        int version;
        if (!store->pg && sg_ps_current_version(store, &version, err, errlen) == SG_STORE_OK && version == 0)
            return SG_STORE_OK;
        return sg_ps_sql_fail(store, r, err, errlen);
    }
    *generation = found ? (uint64_t)v : 0;
    return SG_STORE_OK;
}

static void strlist_push(sg_arena *arena, sg_strlist *l, size_t *cap, const char *s)
{
    l->items = sg_arena_grow(arena, (void *)l->items, l->count, cap, sizeof *l->items, 4);
    l->items[l->count++] = sg_arena_strdup(arena, s);
}

static sg_sql_result load_org(sg_sql *q, sg_org_settings *org)
{
    sg_sql_rows rows;
    sg_org_settings_default(org);
    sg_sql_query(q, &rows,
                 "SELECT automatic_means, bounce_internal_senders, bounce_rate_period,"
                 " max_forward_hops FROM org_settings WHERE id = 1",
                 NULL);
    if (sg_sql_next(&rows)) {
        org->automatic_means = strcmp(sg_sql_text(&rows, 0), "on") == 0 ? SG_MODE_ON : SG_MODE_OFF;
        org->bounce_internal_senders = sg_sql_int(&rows, 1) != 0;
        org->bounce_rate_period = (unsigned long)sg_sql_int(&rows, 2);
        org->max_forward_hops = (unsigned)sg_sql_int(&rows, 3);
    }
    return sg_sql_end(&rows);
}

static sg_sql_result load_accepted(sg_sql *q, sg_policy *p)
{
    sg_sql_rows rows;
    size_t cap = 0;
    sg_sql_query(q, &rows, "SELECT name, match_subdomains FROM accepted_domains ORDER BY name", NULL);
    while (sg_sql_next(&rows)) {
        p->accepted = sg_arena_grow(p->arena, p->accepted, p->naccepted, &cap, sizeof *p->accepted, 4);
        sg_accepted_domain *a = &p->accepted[p->naccepted++];
        a->name = sg_arena_strdup(p->arena, sg_sql_text(&rows, 0));
        a->match_subdomains = sg_sql_int(&rows, 1) != 0;
    }
    return sg_sql_end(&rows);
}

/* Every policy's scope in one query: a prepared statement per policy cost
 * more than the rest of a load (bench_policy). */
static sg_sql_result load_scopes(sg_sql *q, sg_policy *p)
{
    sg_sql_rows rows;
    size_t(*caps)[SG_PS_NSCOPE] = sg_arena_calloc(p->arena, (p->npolicies + 1) * sizeof *caps);
    sg_sql_query(q, &rows, "SELECT policy, kind, value FROM policy_scope ORDER BY policy, kind, pos", NULL);
    size_t at = 0; /* rows come grouped by policy: look the name up only when it changes */
    while (sg_sql_next(&rows)) {
        const char *name = sg_sql_text(&rows, 0);
        if (at >= p->npolicies || strcmp(p->policies[at].name, name) != 0) {
            for (at = 0; at < p->npolicies && strcmp(p->policies[at].name, name) != 0; at++)
                ;
            if (at == p->npolicies)
                continue; /* a foreign key makes this unreachable */
        }
        const sg_strlist *lists[SG_PS_NSCOPE];
        sg_ps_scope_lists(&p->policies[at], lists);
        for (size_t k = 0; k < SG_PS_NSCOPE; k++)
            if (strcmp(sg_sql_text(&rows, 1), sg_ps_scope_kinds[k]) == 0)
                strlist_push(p->arena, (sg_strlist *)lists[k], &caps[at][k], sg_sql_text(&rows, 2));
    }
    return sg_sql_end(&rows);
}

static sg_sql_result load_policies(sg_sql *q, sg_policy *p)
{
    sg_sql_rows rows;
    size_t cap = 0;
    sg_sql_query(q, &rows,
                 "SELECT name, is_default, enabled, priority, mode FROM outbound_policies"
                 " ORDER BY is_default DESC, priority",
                 NULL);
    while (sg_sql_next(&rows)) {
        p->policies = sg_arena_grow(p->arena, p->policies, p->npolicies, &cap, sizeof *p->policies, 4);
        sg_outbound_policy *op = &p->policies[p->npolicies++];
        memset(op, 0, sizeof *op);
        op->name = sg_arena_strdup(p->arena, sg_sql_text(&rows, 0));
        op->is_default = sg_sql_int(&rows, 1) != 0;
        op->enabled = sg_sql_int(&rows, 2) != 0;
        op->priority = op->is_default ? -1 : (int)sg_sql_int(&rows, 3);
        if (!sg_fwd_mode_parse(sg_sql_text(&rows, 4), &op->mode))
            op->mode = SG_MODE_OFF; /* CHECK constraint makes this unreachable; fail closed */
    }
    sg_sql_result r = sg_sql_end(&rows);
    return r != SG_SQL_OK ? r : load_scopes(q, p);
}

static sg_sql_result load_remote(sg_sql *q, sg_policy *p)
{
    sg_sql_rows rows;
    size_t cap = 0;
    sg_sql_query(q, &rows,
                 "SELECT pattern, auto_forward, auto_reply, ndr, is_internal FROM remote_domains ORDER BY pattern",
                 NULL);
    while (sg_sql_next(&rows)) {
        p->remote = sg_arena_grow(p->arena, p->remote, p->nremote, &cap, sizeof *p->remote, 4);
        sg_remote_domain *rd = &p->remote[p->nremote++];
        rd->pattern = sg_arena_strdup(p->arena, sg_sql_text(&rows, 0));
        rd->auto_forward = sg_sql_int(&rows, 1) != 0;
        rd->auto_reply = sg_sql_int(&rows, 2) != 0;
        rd->ndr = sg_sql_int(&rows, 3) != 0;
        rd->is_internal = sg_sql_int(&rows, 4) != 0;
    }
    return sg_sql_end(&rows);
}

static sg_sql_result load_groups(sg_sql *q, sg_policy *p)
{
    sg_sql_rows rows;
    size_t cap = 0, mcap = 0;
    sg_sql_query(q, &rows,
                 "SELECT g.name, m.member FROM user_groups g LEFT JOIN group_members m"
                 " ON m.grp = g.name ORDER BY g.name, m.pos",
                 NULL);
    while (sg_sql_next(&rows)) {
        const char *name = sg_sql_text(&rows, 0);
        if (p->ngroups == 0 || strcmp(p->groups[p->ngroups - 1].name, name) != 0) {
            p->groups = sg_arena_grow(p->arena, p->groups, p->ngroups, &cap, sizeof *p->groups, 4);
            sg_group *g = &p->groups[p->ngroups++];
            g->name = sg_arena_strdup(p->arena, name);
            g->members.items = NULL;
            g->members.count = 0;
            mcap = 0;
        }
        if (!sg_sql_null(&rows, 1))
            strlist_push(p->arena, &p->groups[p->ngroups - 1].members, &mcap, sg_sql_text(&rows, 1));
    }
    return sg_sql_end(&rows);
}

static sg_sql_result load_forwards(sg_sql *q, sg_policy *p)
{
    sg_sql_rows rows;
    size_t cap = 0;
    sg_sql_query(q, &rows, "SELECT mailbox, address, keep_copy FROM admin_forwards ORDER BY mailbox", NULL);
    while (sg_sql_next(&rows)) {
        p->forwards = sg_arena_grow(p->arena, p->forwards, p->nforwards, &cap, sizeof *p->forwards, 4);
        sg_admin_forward *f = &p->forwards[p->nforwards++];
        f->user = sg_arena_strdup(p->arena, sg_sql_text(&rows, 0));
        f->address = sg_arena_strdup(p->arena, sg_sql_text(&rows, 1));
        f->keep_copy = sg_sql_int(&rows, 2) != 0;
    }
    return sg_sql_end(&rows);
}

/* Reads everything of a store at the current schema; the caller holds a read transaction. */
static sg_sql_result load_all(sg_sql *q, sg_policy *p)
{
    long long gen;
    bool found;
    sg_sql_result r = sg_sql_query_int(q, &gen, &found, "SELECT value FROM meta WHERE key = 'generation'", NULL);
    p->generation = found ? (uint64_t)gen : 0;
    if (r == SG_SQL_OK)
        r = load_org(q, &p->org);
    if (r == SG_SQL_OK)
        r = load_accepted(q, p);
    if (r == SG_SQL_OK)
        r = load_policies(q, p);
    if (r == SG_SQL_OK)
        r = load_remote(q, p);
    if (r == SG_SQL_OK)
        r = load_groups(q, p);
    if (r == SG_SQL_OK)
        r = load_forwards(q, p);
    return r;
}

/* policy.h: the default policy comes first and "*" always exists; a store
 * edited by hand might lack them, so put them back (fail closed: automatic). */
static void ensure_invariants(sg_policy *p)
{
    if (p->npolicies == 0 || !p->policies[0].is_default) {
        sg_outbound_policy *ops = sg_arena_calloc(p->arena, (p->npolicies + 1) * sizeof *ops);
        memcpy(ops + 1, p->policies, p->npolicies * sizeof *ops);
        ops[0].name = SG_DEFAULT_POLICY_NAME;
        ops[0].is_default = true;
        ops[0].enabled = true;
        ops[0].priority = -1;
        ops[0].mode = SG_MODE_AUTOMATIC;
        p->policies = ops;
        p->npolicies++;
    }
    if (p->nremote == 0 || strcmp(p->remote[0].pattern, "*") != 0) { /* "*" sorts first */
        sg_remote_domain *rds = sg_arena_calloc(p->arena, (p->nremote + 1) * sizeof *rds);
        memcpy(rds + 1, p->remote, p->nremote * sizeof *rds);
        sg_remote_domain_default(&rds[0], "*");
        p->remote = rds;
        p->nremote++;
    }
}

sg_store_status sg_policy_store_load(sg_policy_store *store, sg_policy **out, char *err, size_t errlen)
{
    *out = NULL;
    sg_store_status st = sg_ps_connect(store, false, err, errlen);
    if (st != SG_STORE_OK)
        return st;
    if (!sg_ps_connected(store)) {
        *out = sg_policy_new_default();
        return SG_STORE_OK;
    }
    /* One read transaction: every table as of the same commit. */
    sg_sql_result r = sg_sql_begin(&store->sql, false);
    if (r != SG_SQL_OK)
        return sg_ps_sql_fail(store, r, err, errlen);
    int version = 0;
    st = sg_ps_current_version(store, &version, err, errlen);
    sg_policy *p = NULL;
    if (st == SG_STORE_OK && version == 0) {
        p = sg_policy_new_default(); /* created but never written */
    } else if (st == SG_STORE_OK) {
        sg_arena *arena = sg_arena_new();
        p = sg_arena_calloc(arena, sizeof *p);
        p->arena = arena;
        r = load_all(&store->sql, p);
        if (r == SG_SQL_OK)
            ensure_invariants(p);
        else
            st = sg_ps_sql_fail(store, r, err, errlen);
    }
    if (st == SG_STORE_OK && (r = sg_sql_commit(&store->sql)) != SG_SQL_OK)
        st = sg_ps_sql_fail(store, r, err, errlen);
    else if (st != SG_STORE_OK)
        sg_sql_rollback(&store->sql);
    if (st != SG_STORE_OK) {
        sg_policy_free(p);
        return st;
    }
    *out = p;
    return SG_STORE_OK;
}
