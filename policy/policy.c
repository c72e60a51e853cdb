/* policy.c - the in-memory forwarding policy's helpers (see policy.h and
 * docs/policy.md, "Entities").
 *
 * Takes: mode names, or nothing. Returns: mode names and values, the built-in
 * default policy (an arena-owned snapshot) and the default values of org
 * settings and remote-domain flags that every backend starts from.
 */
#include "policy/policy.h"

#include <string.h>
#include <strings.h>

/* policy.md: mode is `automatic` | `on` | `off`; `automatic` means off unless
 * the org setting automatic_means says on. */
static const char *const mode_names[] = {
    [SG_MODE_AUTOMATIC] = "automatic",
    [SG_MODE_ON] = "on",
    [SG_MODE_OFF] = "off",
};

const char *sg_fwd_mode_name(sg_fwd_mode mode)
{
    if ((size_t)mode < sizeof mode_names / sizeof mode_names[0])
        return mode_names[mode];
    return "unknown";
}

bool sg_fwd_mode_parse(const char *text, sg_fwd_mode *mode)
{
    if (!text)
        return false;
    for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++) {
        if (strcmp(text, mode_names[i]) == 0) {
            *mode = (sg_fwd_mode)i;
            return true;
        }
    }
    return false;
}

/* policy.md: automatic_means off, bounce_internal_senders on,
 * bounce_rate_period 24 h, max_forward_hops 3. */
void sg_org_settings_default(sg_org_settings *org)
{
    org->automatic_means = SG_MODE_OFF;
    org->bounce_internal_senders = true;
    org->bounce_rate_period = 86400;
    org->max_forward_hops = 3;
}

/* policy.md, "Remote domains": auto_forward, auto_reply and ndr default to
 * yes, is_internal to no. `pattern` is not copied: the caller owns it. */
void sg_remote_domain_default(sg_remote_domain *rd, const char *pattern)
{
    rd->pattern = pattern;
    rd->auto_forward = true;
    rd->auto_reply = true;
    rd->ndr = true;
    rd->is_internal = false;
}

sg_policy *sg_policy_new_default(void)
{
    sg_arena *arena = sg_arena_new();
    sg_policy *p = sg_arena_calloc(arena, sizeof *p);
    p->arena = arena;
    p->generation = 0;
    sg_org_settings_default(&p->org);

    p->policies = sg_arena_calloc(arena, sizeof *p->policies);
    p->npolicies = 1;
    sg_outbound_policy *def = &p->policies[0];
    def->name = sg_arena_strdup(arena, SG_DEFAULT_POLICY_NAME);
    def->is_default = true;
    def->enabled = true;
    def->priority = -1;
    def->mode = SG_MODE_AUTOMATIC;

    p->remote = sg_arena_calloc(arena, sizeof *p->remote);
    p->nremote = 1;
    sg_remote_domain_default(&p->remote[0], sg_arena_strdup(arena, "*"));
    return p;
}

void sg_policy_free(sg_policy *policy)
{
    if (policy)
        sg_arena_free(policy->arena); /* the snapshot itself lives in its arena */
}

bool sg_unavailable_mode_parse(const char *text, sg_unavailable_mode *mode)
{
    static const struct {
        const char *name;
        sg_unavailable_mode mode;
    } modes[] = {{"tempfail", SG_UNAVAILABLE_TEMPFAIL}, {"keep", SG_UNAVAILABLE_KEEP}, {"block", SG_UNAVAILABLE_BLOCK}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(text, modes[i].name) == 0) {
            *mode = modes[i].mode;
            return true;
        }
    }
    return false;
}

const sg_admin_forward *sg_policy_admin_forward(const sg_policy *policy, const char *user)
{
    for (size_t i = 0; user && i < policy->nforwards; i++)
        if (strcasecmp(policy->forwards[i].user, user) == 0)
            return &policy->forwards[i];
    return NULL;
}
