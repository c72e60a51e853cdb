/* policy_store_load.c - reading the policy store (policy_store.h): the
 * generation, and a whole snapshot in one read transaction.
 *
 * Takes: an open store (policy_store.c). Returns: the generation; an
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
    if (st != SG_STORE_OK || !store->sq.q.db)
        return st;
    sqlite3_int64 v;
    bool found;
    int rc = sg_ps_query_int(&store->sq.q, "SELECT value FROM meta WHERE key = 'generation'", NULL, &v, &found);
    if (rc != SQLITE_OK) {
        /* A store created but never written has no meta table: generation 0. */
        int version;
        if (sg_ps_current_version(store, &version, err, errlen) == SG_STORE_OK && version == 0)
            return SG_STORE_OK;
        return sg_ps_db_fail(store, store->sq.q.db, rc, err, errlen);
    }
    *generation = found ? (uint64_t)v : 0;
    return SG_STORE_OK;
}

static void strlist_push(sg_arena *arena, sg_strlist *l, size_t *cap, const char *s)
{
    l->items = sg_arena_grow(arena, (void *)l->items, l->count, cap, sizeof *l->items, 4);
    l->items[l->count++] = sg_arena_strdup(arena, s);
}

static const char *col_text(const sg_sqlite_conn *q, sqlite3_stmt *st, int i)
{
    const unsigned char *t = q->f->column_text(st, i);
    return t ? (const char *)t : "";
}

static int load_org(const sg_sqlite_conn *q, sg_org_settings *org)
{
    sqlite3_stmt *st = NULL;
    sg_org_settings_default(org);
    int rc = q->f->prepare_v2(q->db,
                              "SELECT automatic_means, bounce_internal_senders, bounce_rate_period,"
                              " max_forward_hops FROM org_settings WHERE id = 1",
                              -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = q->f->step(st);
    if (rc == SQLITE_ROW) {
        org->automatic_means = strcmp(col_text(q, st, 0), "on") == 0 ? SG_MODE_ON : SG_MODE_OFF;
        org->bounce_internal_senders = q->f->column_int(st, 1) != 0;
        org->bounce_rate_period = (unsigned long)q->f->column_int64(st, 2);
        org->max_forward_hops = (unsigned)q->f->column_int(st, 3);
    }
    q->f->finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int load_accepted(const sg_sqlite_conn *q, sg_policy *p)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc = q->f->prepare_v2(q->db, "SELECT name, match_subdomains FROM accepted_domains ORDER BY name", -1, &st,
                              NULL);
    while (rc == SQLITE_OK && (rc = q->f->step(st)) == SQLITE_ROW) {
        p->accepted = sg_arena_grow(p->arena, p->accepted, p->naccepted, &cap, sizeof *p->accepted, 4);
        sg_accepted_domain *a = &p->accepted[p->naccepted++];
        a->name = sg_arena_strdup(p->arena, col_text(q, st, 0));
        a->match_subdomains = q->f->column_int(st, 1) != 0;
        rc = SQLITE_OK;
    }
    q->f->finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Every policy's scope in one query: a prepared statement per policy cost
 * more than the rest of a load (bench_policy). */
static int load_scopes(const sg_sqlite_conn *q, sg_policy *p)
{
    sqlite3_stmt *st = NULL;
    size_t(*caps)[SG_PS_NSCOPE] = sg_arena_calloc(p->arena, (p->npolicies + 1) * sizeof *caps);
    int rc = q->f->prepare_v2(q->db, "SELECT policy, kind, value FROM policy_scope ORDER BY policy, kind, pos", -1,
                              &st, NULL);
    size_t at = 0; /* rows come grouped by policy: look the name up only when it changes */
    while (rc == SQLITE_OK && (rc = q->f->step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        const char *name = col_text(q, st, 0);
        if (at >= p->npolicies || strcmp(p->policies[at].name, name) != 0) {
            for (at = 0; at < p->npolicies && strcmp(p->policies[at].name, name) != 0; at++)
                ;
            if (at == p->npolicies)
                continue; /* a foreign key makes this unreachable */
        }
        const sg_strlist *lists[SG_PS_NSCOPE];
        sg_ps_scope_lists(&p->policies[at], lists);
        for (size_t k = 0; k < SG_PS_NSCOPE; k++)
            if (strcmp(col_text(q, st, 1), sg_ps_scope_kinds[k]) == 0)
                strlist_push(p->arena, (sg_strlist *)lists[k], &caps[at][k], col_text(q, st, 2));
    }
    q->f->finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int load_policies(const sg_sqlite_conn *q, sg_policy *p)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc = q->f->prepare_v2(q->db,
                              "SELECT name, is_default, enabled, priority, mode FROM outbound_policies"
                              " ORDER BY is_default DESC, priority",
                              -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = q->f->step(st)) == SQLITE_ROW) {
        p->policies = sg_arena_grow(p->arena, p->policies, p->npolicies, &cap, sizeof *p->policies, 4);
        sg_outbound_policy *op = &p->policies[p->npolicies++];
        memset(op, 0, sizeof *op);
        op->name = sg_arena_strdup(p->arena, col_text(q, st, 0));
        op->is_default = q->f->column_int(st, 1) != 0;
        op->enabled = q->f->column_int(st, 2) != 0;
        op->priority = op->is_default ? -1 : q->f->column_int(st, 3);
        if (!sg_fwd_mode_parse(col_text(q, st, 4), &op->mode))
            op->mode = SG_MODE_OFF; /* CHECK constraint makes this unreachable; fail closed */
        rc = SQLITE_OK;
    }
    q->f->finalize(st);
    if (rc != SQLITE_DONE)
        return rc;
    return load_scopes(q, p);
}

static int load_remote(const sg_sqlite_conn *q, sg_policy *p)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc = q->f->prepare_v2(q->db,
                              "SELECT pattern, auto_forward, auto_reply, ndr, is_internal FROM remote_domains"
                              " ORDER BY pattern",
                              -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = q->f->step(st)) == SQLITE_ROW) {
        p->remote = sg_arena_grow(p->arena, p->remote, p->nremote, &cap, sizeof *p->remote, 4);
        sg_remote_domain *rd = &p->remote[p->nremote++];
        rd->pattern = sg_arena_strdup(p->arena, col_text(q, st, 0));
        rd->auto_forward = q->f->column_int(st, 1) != 0;
        rd->auto_reply = q->f->column_int(st, 2) != 0;
        rd->ndr = q->f->column_int(st, 3) != 0;
        rd->is_internal = q->f->column_int(st, 4) != 0;
        rc = SQLITE_OK;
    }
    q->f->finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int load_groups(const sg_sqlite_conn *q, sg_policy *p)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0, mcap = 0;
    int rc = q->f->prepare_v2(q->db,
                              "SELECT g.name, m.member FROM user_groups g LEFT JOIN group_members m"
                              " ON m.grp = g.name ORDER BY g.name, m.pos",
                              -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = q->f->step(st)) == SQLITE_ROW) {
        const char *name = col_text(q, st, 0);
        if (p->ngroups == 0 || strcmp(p->groups[p->ngroups - 1].name, name) != 0) {
            p->groups = sg_arena_grow(p->arena, p->groups, p->ngroups, &cap, sizeof *p->groups, 4);
            sg_group *g = &p->groups[p->ngroups++];
            g->name = sg_arena_strdup(p->arena, name);
            g->members.items = NULL;
            g->members.count = 0;
            mcap = 0;
        }
        if (q->f->column_type(st, 1) != SQLITE_NULL)
            strlist_push(p->arena, &p->groups[p->ngroups - 1].members, &mcap, col_text(q, st, 1));
        rc = SQLITE_OK;
    }
    q->f->finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Reads everything of a version-1 store; the caller holds a read transaction. */
static int load_all(const sg_sqlite_conn *q, sg_policy *p)
{
    sqlite3_int64 gen;
    bool found;
    int rc = sg_ps_query_int(q, "SELECT value FROM meta WHERE key = 'generation'", NULL, &gen, &found);
    p->generation = found ? (uint64_t)gen : 0;
    if (rc == SQLITE_OK)
        rc = load_org(q, &p->org);
    if (rc == SQLITE_OK)
        rc = load_accepted(q, p);
    if (rc == SQLITE_OK)
        rc = load_policies(q, p);
    if (rc == SQLITE_OK)
        rc = load_remote(q, p);
    if (rc == SQLITE_OK)
        rc = load_groups(q, p);
    return rc;
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
    if (!store->sq.q.db) {
        *out = sg_policy_new_default();
        return SG_STORE_OK;
    }
    /* One read transaction: every table as of the same commit. */
    int rc = store->sq.f.exec(store->sq.q.db, "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sg_ps_db_fail(store, store->sq.q.db, rc, err, errlen);
    int version = 0;
    st = sg_ps_current_version(store, &version, err, errlen);
    sg_policy *p = NULL;
    if (st == SG_STORE_OK && version == 0) {
        p = sg_policy_new_default(); /* created but never written */
    } else if (st == SG_STORE_OK) {
        sg_arena *arena = sg_arena_new();
        p = sg_arena_calloc(arena, sizeof *p);
        p->arena = arena;
        rc = load_all(&store->sq.q, p);
        if (rc == SQLITE_OK)
            ensure_invariants(p);
        else
            st = sg_ps_db_fail(store, store->sq.q.db, rc, err, errlen);
    }
    store->sq.f.exec(store->sq.q.db, st == SG_STORE_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    if (st != SG_STORE_OK) {
        sg_policy_free(p);
        return st;
    }
    *out = p;
    return SG_STORE_OK;
}
