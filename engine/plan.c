/* plan.c - see plan.h. */
#include "plan.h"

#include <string.h>
#include <strings.h>

/* Without the policy nothing but the owner's own domain is known to be
 * internal: every other target counts as external (policy.md, "When the policy
 * cannot be read"). Internal forwards and local delivery still go ahead. */
static sg_policy *unavailable_policy(const char *owner, sg_unavailable_mode mode, sg_arena *arena)
{
    sg_policy *p = sg_arena_calloc(arena, sizeof *p);
    p->arena = arena;
    sg_org_settings_default(&p->org);
    const char *at = owner ? strrchr(owner, '@') : NULL;
    if (at && at[1]) {
        p->accepted = sg_arena_calloc(arena, sizeof *p->accepted);
        p->accepted->name = sg_arena_strdup(arena, at + 1);
        p->naccepted = 1;
    }
    p->policies = sg_arena_calloc(arena, sizeof *p->policies);
    p->policies->name = "policy_unavailable";
    p->policies->is_default = true;
    p->policies->enabled = true;
    p->policies->priority = -1;
    p->policies->mode = mode == SG_UNAVAILABLE_BLOCK ? SG_MODE_OFF : SG_MODE_ON;
    p->npolicies = 1;
    p->remote = sg_arena_calloc(arena, sizeof *p->remote);
    sg_remote_domain_default(p->remote, "*");
    p->nremote = 1;
    return p;
}

static sg_fwd_mechanism mechanism_of(const sg_action *a)
{
    return a->copy ? SG_FWD_REDIRECT_COPY : SG_FWD_REDIRECT;
}

void sg_plan_enforce(const sg_policy *policy, sg_unavailable_mode mode, const char *unavailable_reason,
                     const sg_result *r, const sg_plan_input *in, sg_arena *arena, sg_plan *out)
{
    memset(out, 0, sizeof *out);
    out->decided = sg_arena_calloc(arena, (r->count + 1) * sizeof *out->decided);
    out->decisions = sg_arena_calloc(arena, (r->count + 1) * sizeof *out->decisions);
    out->bounce_targets = sg_arena_alloc(arena, (r->count + 1) * sizeof *out->bounce_targets);
    out->implicit_keep = r->implicit_keep;
    out->bounce = SG_BOUNCE_NOTHING_BLOCKED;
    out->mdn = SG_MDN_DUE;
    const sg_action *reject = sg_result_find(r, SG_ACT_REJECT);
    if (reject) {
        /* RFC 5429 §2.2.1: a reject whose MDN may not be sent keeps the
         * message rather than losing it silently (engine/mdn.h, cli/deliver.c). */
        sg_mdn_request mr = {in->envelope_sender, NULL, NULL, in->message, reject->reason};
        out->mdn = sg_mdn_due(&mr);
        if (out->mdn != SG_MDN_DUE)
            out->implicit_keep = true;
    }
    if (!sg_result_find(r, SG_ACT_REDIRECT))
        return; /* local delivery never depends on the policy (policy.md) */
    if (!policy) {
        out->policy_unavailable = true;
        out->unavailable_reason = unavailable_reason;
        policy = unavailable_policy(in->owner, mode, arena);
    }

    const char *const *hops = NULL;
    size_t nhops = in->message ? sg_message_header_values(in->message, "x-sieve-redirected-from", &hops) : 0;
    bool blocked_any = false, local_delivery = false;
    for (size_t i = 0; i < r->count; i++) {
        const sg_action *a = &r->actions[i];
        if (a->kind == SG_ACT_KEEP || a->kind == SG_ACT_FILEINTO)
            local_delivery = true;
        if (a->kind != SG_ACT_REDIRECT)
            continue;
        sg_fwd_request req = {in->owner, a->address, mechanism_of(a), hops, nhops, false};
        if (in->already_forwarded)
            req.already_forwarded = in->already_forwarded(in->tracker, a->address);
        sg_fwd_decision *d = &out->decisions[i];
        sg_fwd_decide(policy, &req, arena, d);
        out->decided[i] = true;
        if (out->policy_unavailable && d->external && d->verdict == SG_FWD_ALLOW) {
            /* Decide nothing on a guess (architecture.md, failure rules). */
            if (mode == SG_UNAVAILABLE_TEMPFAIL)
                out->tempfail = true;
            d->verdict = SG_FWD_BLOCK_SILENT;
            d->reason = "the forwarding policy cannot be read (policy_unavailable)";
        }
        if (d->verdict != SG_FWD_ALLOW)
            blocked_any = true;
        if (d->verdict == SG_FWD_BLOCK_BOUNCE)
            out->bounce_targets[out->nbounce_targets++] = d->target;
    }
    /* RFC 5228 §4.2, policy.md "What a block does": a forward that is not sent
     * never leaves the message undelivered, for redirect and :copy alike. */
    if (blocked_any && !local_delivery)
        out->implicit_keep = true;

    if (out->nbounce_targets) {
        sg_bounce_request br = {in->envelope_sender, in->message, in->owner, out->bounce_targets,
                                out->nbounce_targets, in->recently_bounced};
        out->bounce = sg_bounce_due(policy, &br, arena, &out->no_bounce_reason);
    }
}
