/* ldap_policy.c - see ldap_policy.h. */
#include "store/ldap_policy.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PREFIX_LEN (sizeof SG_DIRECTORY_GROUP_PREFIX - 1)

bool sg_policy_is_directory_group(const char *name)
{
    return name && strncasecmp(name, SG_DIRECTORY_GROUP_PREFIX, PREFIX_LEN) == 0 && name[PREFIX_LEN];
}

/* Calls fn for each directory group a scope of an enabled custom policy names. */
static bool any_named(const sg_policy *policy, bool (*fn)(void *, const char *), void *ctx)
{
    for (size_t i = 0; i < policy->npolicies; i++) {
        const sg_outbound_policy *op = &policy->policies[i];
        if (op->is_default || !op->enabled)
            continue;
        const sg_strlist *lists[] = {&op->groups, &op->exclude_groups};
        for (size_t l = 0; l < 2; l++)
            for (size_t g = 0; g < lists[l]->count; g++)
                if (sg_policy_is_directory_group(lists[l]->items[g]) && fn(ctx, lists[l]->items[g]))
                    return true;
    }
    return false;
}

static bool stop_at_first(void *ctx, const char *name)
{
    (void)ctx;
    (void)name;
    return true;
}

bool sg_policy_names_directory_groups(const sg_policy *policy)
{
    return policy && any_named(policy, stop_at_first, NULL);
}

static bool has_group(const sg_policy *policy, const char *name)
{
    for (size_t i = 0; i < policy->ngroups; i++)
        if (policy->groups[i].name && strcasecmp(policy->groups[i].name, name) == 0)
            return true;
    return false;
}

typedef struct adding {
    sg_policy *policy;
    const char *owner;
    const sg_ldap_group *groups;
    size_t n;
    size_t cap;
} adding;

/* One named directory group: added (with the owner) when the owner is in it. */
static bool add_if_member(void *ctx, const char *name)
{
    adding *a = ctx;
    sg_policy *p = a->policy;
    const char *cn = name + PREFIX_LEN;
    if (has_group(p, name))
        return false;
    for (size_t i = 0; i < a->n; i++) {
        if (strcasecmp(a->groups[i].cn, cn) != 0)
            continue;
        if (p->ngroups == a->cap) {
            size_t cap = a->cap ? a->cap * 2 : 8;
            sg_group *g = sg_arena_alloc(p->arena, cap * sizeof *g);
            if (p->ngroups)
                memcpy(g, p->groups, p->ngroups * sizeof *g);
            p->groups = g;
            a->cap = cap;
        }
        const char **member = sg_arena_alloc(p->arena, sizeof *member);
        *member = sg_arena_strdup(p->arena, a->owner);
        p->groups[p->ngroups++] = (sg_group){sg_arena_strdup(p->arena, name), {member, 1}};
        break;
    }
    return false; /* every name is looked at */
}

sg_ldap_status sg_policy_add_directory_groups(sg_policy *policy, sg_ldap *dir, const char *owner, char *err,
                                              size_t errlen)
{
    if (!sg_policy_names_directory_groups(policy))
        return SG_LDAP_OK;
    if (!dir) {
        snprintf(err, errlen, "a policy's scope names a directory group (ldap:...) but ldap_uri is not set");
        return SG_LDAP_UNAVAILABLE;
    }
    const sg_ldap_group *groups;
    size_t n;
    sg_arena *tmp = sg_arena_new();
    sg_ldap_status st = sg_ldap_groups_of(dir, owner, tmp, &groups, &n, err, errlen);
    if (st == SG_LDAP_OK) {
        /* the snapshot's groups array may be shared with nothing else, but may
         * have no room: added groups go to a copy in its arena */
        adding a = {policy, owner, groups, n, 0};
        any_named(policy, add_if_member, &a);
    }
    sg_arena_free(tmp);
    return st;
}

const char *sg_policy_directory_group_matched(const sg_policy *policy, const sg_outbound_policy *op)
{
    if (!policy || !op)
        return NULL;
    for (size_t g = 0; g < op->groups.count; g++)
        if (sg_policy_is_directory_group(op->groups.items[g]) && has_group(policy, op->groups.items[g]))
            return op->groups.items[g];
    return NULL;
}
