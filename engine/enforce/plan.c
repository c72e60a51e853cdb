/* plan.c - see plan.h: the forwards with their policy verdicts, the bounce,
 * the reject's MDN and the vacation reply; the local copies are in
 * plan_local.c. */
#include "engine/enforce/plan.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/deliver/vacation.h"
#include "engine/mail/mailtext.h"
#include "engine/mail/mailto.h"

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

typedef struct enforcer {
    const sg_policy *policy;
    sg_unavailable_mode mode;
    const sg_plan_input *in;
    const char *const *hops;
    size_t nhops;
    sg_arena *arena;
    sg_plan *out;
} enforcer;

/* One target of one forward, decided by sg_fwd_decide (the same function
 * `check -u` and `policy explain` use); a bounce-blocked target joins the
 * one bounce of the message, once. */
static void decide(enforcer *e, const char *target, sg_fwd_mechanism mech, sg_fwd_decision *d)
{
    sg_plan *out = e->out;
    sg_fwd_request req = {e->in->owner, target, mech, e->hops, e->nhops, false};
    if (e->in->already_forwarded)
        req.already_forwarded = e->in->already_forwarded(e->in->tracker, mech, target);
    sg_fwd_decide(e->policy, &req, e->arena, d);
    if (out->policy_unavailable && d->external && d->verdict == SG_FWD_ALLOW) {
        /* Decide nothing on a guess (architecture.md, failure rules). */
        if (e->mode == SG_UNAVAILABLE_TEMPFAIL)
            out->tempfail = true;
        d->verdict = SG_FWD_BLOCK_SILENT;
        d->reason = "the forwarding policy cannot be read (policy_unavailable)";
    }
    if (d->verdict != SG_FWD_BLOCK_BOUNCE)
        return;
    for (size_t k = 0; k < out->nbounce_targets; k++)
        if (sg_mailto_address_equal(out->bounce_targets[k], d->target))
            return;
    out->bounce_targets[out->nbounce_targets++] = d->target;
}

/* RFC 5436 §2.7: no notification about a message that is itself automatic
 * (Auto-Submitted other than "no"). */
static const char *notify_forbidden(sg_message *m)
{
    const char *const *v;
    size_t n = m ? sg_message_header_raw_values(m, "auto-submitted", &v) : 0;
    for (size_t i = 0; i < n; i++)
        if (!sg_mt_token_is(v[i], "no"))
            return "the message is auto-submitted: no notification about it (RFC 5436 §2.7)";
    return NULL;
}

const char *sg_plan_notify_verdict(const sg_plan_notify *pn)
{
    if (pn->not_sent || pn->n == 0)
        return "skip";
    for (size_t k = 0; k < pn->n; k++)
        if (pn->rcpts[k].decision.verdict == SG_FWD_BLOCK_BOUNCE || pn->rcpts[k].decision.verdict == SG_FWD_BLOCK_SILENT)
            return "block";
    if (pn->nallowed)
        return "allow";
    return sg_fwd_verdict_name(pn->rcpts[0].decision.verdict);
}

bool sg_plan_needs_policy(const sg_result *r)
{
    return sg_result_find(r, SG_ACT_REDIRECT) || sg_result_find(r, SG_ACT_NOTIFY) ||
           sg_result_find(r, SG_ACT_VACATION);
}

/* The forwards: a decision per redirect and per recipient of a mailto
 * notify, and the bounce of the blocked ones. */
static void plan_forwards(const sg_result *r, const sg_plan_input *in, const sg_policy *policy, sg_arena *arena,
                          sg_plan *out)
{
    size_t targets = r->count + 1;
    for (size_t i = 0; i < r->count; i++)
        if (r->actions[i].kind == SG_ACT_NOTIFY && r->actions[i].mailto)
            targets += r->actions[i].mailto->nrcpts;
    out->bounce_targets = sg_arena_alloc(arena, targets * sizeof *out->bounce_targets);
    const char *no_notify = notify_forbidden(in->message);
    bool any_forward = out->admin || sg_result_find(r, SG_ACT_REDIRECT) != NULL;
    for (size_t i = 0; i < r->count; i++) {
        const sg_action *a = &r->actions[i];
        if (a->kind == SG_ACT_NOTIFY && a->mailto) {
            out->notify[i].not_sent = no_notify;
            any_forward |= !no_notify && a->mailto->nrcpts > 0;
        }
    }
    if (!any_forward)
        return; /* local delivery never depends on the policy (policy.md) */

    enforcer e = {policy, in->unavailable, in, NULL, 0, arena, out};
    e.nhops = in->message ? sg_message_header_values(in->message, "x-sieve-redirected-from", &e.hops) : 0;
    /* The admin forward first: it comes before the script's actions (its
     * bounce target is listed first). Sent without keep_copy, it cancels the
     * implicit keep as redirect does (not a reject's keep when its MDN may
     * not go); not sent, it leaves the implicit keep as the script has it:
     * the message stays in the mailbox as it would without the forward. */
    if (out->admin) {
        decide(&e, out->admin->address, SG_FWD_ADMIN, &out->admin_decision);
        if (out->admin_decision.verdict == SG_FWD_ALLOW && !out->admin->keep_copy && out->mdn == SG_MDN_DUE)
            out->implicit_keep = false;
    }
    bool blocked_any = false, local_delivery = false;
    for (size_t i = 0; i < r->count; i++) {
        const sg_action *a = &r->actions[i];
        if (a->kind == SG_ACT_KEEP || a->kind == SG_ACT_FILEINTO)
            local_delivery = true;
        if (a->kind == SG_ACT_NOTIFY && a->mailto && !out->notify[i].not_sent) {
            /* policy.md: every recipient of the notification is a forward target. */
            sg_plan_notify *pn = &out->notify[i];
            pn->n = a->mailto->nrcpts;
            pn->rcpts = sg_arena_calloc(arena, (pn->n ? pn->n : 1) * sizeof *pn->rcpts);
            for (size_t k = 0; k < pn->n; k++) {
                sg_plan_recipient *pr = &pn->rcpts[k];
                pr->address = a->mailto->rcpts[k].address;
                pr->cc = a->mailto->rcpts[k].cc;
                decide(&e, pr->address, SG_FWD_NOTIFY, &pr->decision);
                pn->nallowed += pr->decision.verdict == SG_FWD_ALLOW;
            }
            continue;
        }
        if (a->kind != SG_ACT_REDIRECT)
            continue;
        sg_fwd_decision *d = &out->decisions[i];
        decide(&e, a->address, mechanism_of(a), d);
        out->decided[i] = true;
        if (d->verdict != SG_FWD_ALLOW)
            blocked_any = true;
    }
    /* RFC 5228 §4.2, policy.md "What a block does": a forward that is not sent
     * never leaves the message undelivered, for redirect and :copy alike (a
     * notify never cancels the implicit keep, RFC 5435 §7). */
    if (blocked_any && !local_delivery)
        out->implicit_keep = true;

    if (out->nbounce_targets && in->stored_mail) {
        out->bounce = SG_BOUNCE_STORED_MAIL;
        out->no_bounce_reason = "filtering stored mail answers nobody";
    } else if (out->nbounce_targets) {
        sg_bounce_request br = {in->envelope_sender, in->message, in->owner, out->bounce_targets,
                                out->nbounce_targets, in->recently_bounced};
        out->bounce = sg_bounce_due(policy, &br, arena, &out->no_bounce_reason);
    }
}

/* RFC 5230: one reply per sender per period, never to lists or robots
 * (sg_vacation_due), and only where the sender's remote domain allows
 * automatic replies (policy.md, remote domains). Why not, or NULL. */
static const char *vacation_skipped(const sg_action *a, const sg_plan_input *in, const sg_policy *policy,
                                    sg_arena *arena)
{
    if (in->stored_mail)
        return "filtering stored mail answers nobody";
    sg_vacation_request vr = {in->envelope_sender, in->recipient, in->message, a, a->addresses, a->naddresses};
    sg_vacation_check vc = sg_vacation_due(&vr, arena);
    if (vc != SG_VACATION_REPLY)
        return sg_vacation_check_reason(vc);
    if (!policy && in->unavailable == SG_UNAVAILABLE_TEMPFAIL)
        return NULL; /* decided by the caller: the whole delivery is retried, the reply is not lost */
    if (!policy)
        return "the forwarding policy cannot be read (its remote domains decide automatic replies)";
    const char *at = strrchr(in->envelope_sender, '@');
    if (at && !sg_policy_is_internal_domain(policy, at + 1)) {
        const sg_remote_domain *rd = sg_policy_remote_domain(policy, at + 1);
        if (rd && !rd->auto_reply) {
            char why[320];
            snprintf(why, sizeof why, "the sender's remote domain %.200s has auto_reply = no", rd->pattern);
            return sg_arena_strdup(arena, why);
        }
    }
    if (in->vacation_replied && in->vacation_replied(in->tracker, a))
        return "this sender was already answered within the period (RFC 5230 §4.2)";
    return NULL;
}

void sg_plan_build(const sg_result *r, const sg_plan_input *in, sg_arena *arena, sg_plan *out)
{
    memset(out, 0, sizeof *out);
    out->decided = sg_arena_calloc(arena, (r->count + 1) * sizeof *out->decided);
    out->decisions = sg_arena_calloc(arena, (r->count + 1) * sizeof *out->decisions);
    out->notify = sg_arena_calloc(arena, (r->count + 1) * sizeof *out->notify);
    out->skipped = sg_arena_calloc(arena, (r->count + 1) * sizeof *out->skipped);
    out->fcc_skipped = sg_arena_calloc(arena, (r->count + 1) * sizeof *out->fcc_skipped);
    out->flags_dropped = sg_arena_calloc(arena, (r->count + 1) * sizeof *out->flags_dropped);
    out->implicit_keep = r->implicit_keep;
    out->bounce = SG_BOUNCE_NOTHING_BLOCKED;
    out->mdn = SG_MDN_DUE;
    const sg_policy *policy = in->policy;
    bool admin_asked = in->admin_forward && !in->stored_mail;
    if (!policy && (sg_plan_needs_policy(r) || admin_asked)) {
        out->policy_unavailable = true;
        out->unavailable_reason = in->unavailable_reason;
    }
    if (admin_asked && policy)
        out->admin = sg_policy_admin_forward(policy, in->owner);
    else if (admin_asked && in->unavailable == SG_UNAVAILABLE_TEMPFAIL)
        out->tempfail = true; /* whether the mailbox is forwarded cannot be known: retry later */
    const sg_action *reject = sg_result_find(r, SG_ACT_REJECT);
    if (reject && in->stored_mail) {
        out->mdn = SG_MDN_STORED_MAIL; /* as a discard: filtering stored mail answers nobody */
    } else if (reject) {
        /* RFC 5429 §2.2.1: a reject whose MDN may not be sent keeps the
         * message rather than losing it silently (engine/deliver/mdn.h). */
        sg_mdn_request mr = {in->envelope_sender, NULL, NULL, in->message, reject->reason};
        out->mdn = sg_mdn_due(&mr);
        if (out->mdn != SG_MDN_DUE)
            out->implicit_keep = true;
    }
    /* Without the policy, decisions use the stand-in of policy.md, "When the
     * policy cannot be read". */
    const sg_policy *deciding = policy ? policy : unavailable_policy(in->owner, in->unavailable, arena);
    plan_forwards(r, in, deciding, arena, out);
    for (size_t i = 0; i < r->count; i++) {
        if (r->actions[i].kind != SG_ACT_VACATION)
            continue;
        out->skipped[i] = vacation_skipped(&r->actions[i], in, policy, arena);
        if (!out->skipped[i] && !policy) {
            /* A reply is due but its remote domain cannot be asked: under
             * policy_unavailable = tempfail the delivery is retried later,
             * rather than the reply dropped (keep and block: not sent). */
            out->tempfail = true;
            out->skipped[i] = "the forwarding policy cannot be read: the delivery is retried later";
        }
    }
    sg_plan_local(r, in, arena, out);
}

bool sg_plan_sends(const sg_result *r, const sg_plan *plan)
{
    if (plan->admin && plan->admin_decision.verdict == SG_FWD_ALLOW)
        return true;
    for (size_t i = 0; i < r->count; i++)
        if ((plan->decided[i] && plan->decisions[i].verdict == SG_FWD_ALLOW) || plan->notify[i].nallowed)
            return true;
    return plan->bounce == SG_BOUNCE_DUE || (sg_result_find(r, SG_ACT_REJECT) && plan->mdn == SG_MDN_DUE);
}
