/* fixture.h - policy snapshots for the enforce and bounce tests, built by hand
 * in an arena (policy/policy.h structs filled directly: the tests depend on
 * neither the store nor policy/policy.c).
 *
 * Takes: an arena. Returns: a snapshot with the defaults of policy.md (default
 * policy in the given mode, a "*" remote domain with every flag at its default,
 * org settings at their defaults) and the accepted domain corp.example; helpers
 * add accepted domains, custom policies, remote domains and groups.
 */
#ifndef ENFORCE_FIXTURE_H
#define ENFORCE_FIXTURE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "base/arena.h"
#include "policy/policy.h"

#define FX_CAP 16

static inline sg_strlist fx_list(sg_arena *a, ...)
{
    sg_strlist l = {sg_arena_calloc(a, FX_CAP * sizeof(const char *)), 0};
    va_list ap;
    va_start(ap, a);
    for (const char *s; (s = va_arg(ap, const char *)) != NULL && l.count < FX_CAP;)
        l.items[l.count++] = s;
    va_end(ap);
    return l;
}

static inline void fx_accepted(sg_policy *p, const char *name, bool match_subdomains)
{
    p->accepted[p->naccepted++] = (sg_accepted_domain){name, match_subdomains};
}

static inline sg_remote_domain *fx_remote(sg_policy *p, const char *pattern)
{
    sg_remote_domain *rd = &p->remote[p->nremote++];
    *rd = (sg_remote_domain){pattern, true, true, true, false};
    return rd;
}

/* A custom policy, enabled, scope empty: fill it in through the pointer. */
static inline sg_outbound_policy *fx_policy_add(sg_policy *p, const char *name, int priority, sg_fwd_mode mode)
{
    sg_outbound_policy *op = &p->policies[p->npolicies++];
    memset(op, 0, sizeof *op);
    op->name = name;
    op->enabled = true;
    op->priority = priority;
    op->mode = mode;
    return op;
}

static inline void fx_group(sg_policy *p, const char *name, sg_strlist members)
{
    p->groups[p->ngroups++] = (sg_group){name, members};
}

static inline sg_policy *fx_new(sg_arena *a, sg_fwd_mode default_mode)
{
    sg_policy *p = sg_arena_calloc(a, sizeof *p);
    p->arena = a;
    p->generation = 1;
    p->org = (sg_org_settings){SG_MODE_OFF, true, 86400, 3};
    p->accepted = sg_arena_calloc(a, FX_CAP * sizeof *p->accepted);
    p->policies = sg_arena_calloc(a, FX_CAP * sizeof *p->policies);
    p->remote = sg_arena_calloc(a, FX_CAP * sizeof *p->remote);
    p->groups = sg_arena_calloc(a, FX_CAP * sizeof *p->groups);
    sg_outbound_policy *def = fx_policy_add(p, SG_DEFAULT_POLICY_NAME, -1, default_mode);
    def->is_default = true;
    fx_remote(p, "*");
    fx_accepted(p, "corp.example", false);
    return p;
}

#endif
