/* outgoing.c - the messages a plan sends (see outgoing.h): allowed forwards,
 * notifications, the 5.7.520 bounce, the reject MDN and the vacation reply.
 * Each that must never go twice is claimed in the per-user state first
 * (tracker.h) and recorded once sent, or forgotten when it failed, so that a
 * retried delivery sends it once. */
#include "engine/deliver/outgoing.h"

#include <string.h>

#include "base/msgsrc.h"

#include "engine/deliver/mdn.h"
#include "engine/deliver/notify_mail.h"
#include "engine/deliver/redirect.h"
#include "engine/deliver/submit.h"
#include "engine/deliver/tracker.h"
#include "engine/deliver/vacation.h"
#include "engine/enforce/bounce.h"

/* One allowed forward: claimed in the tracker first, so a retried delivery or
 * a concurrent one never sends the same copy twice (user_state.h). */
static bool send_forward(sg_dctx *d, const sg_submit_config *sc, const sg_fwd_decision *fd,
                        const sg_header_snapshot *header, sg_fwd_mechanism mech)
{
    sg_user_state *state = sg_dctx_state(d);
    sg_state_key key;
    /* An admin forward and a redirect to one target share the key: the same
     * copy of the message, sent once. */
    sg_dctx_forward_key(d, mech, fd->target, &key);
    const char *what = mech == SG_FWD_ADMIN ? "admin-forward" : "redirect";
    bool won = true;
    char err[512];
    if (state && sg_user_state_claim(state, &key, (int64_t)d->now, SG_CLAIM_LEASE, &won, err, sizeof err) !=
                        SG_STATE_OK) {
        sg_dctx_log(d, SG_LOG_ERR, "forward tracker: %s", err);
        return false;
    }
    if (!won) {
        sg_dctx_did(d, "%s %s (sent before)", what, fd->target);
        return true; /* sent by an earlier attempt, or being sent right now */
    }
    const char *copy;
    size_t copy_len;
    const char *host = sg_config_get(d->config, "hostname");
    /* The header section (RFC 5293 §7: as edited when redirect was done) gets
     * the redirect's fields; the body follows as received, from the file in
     * chunks when the message has one (a large body is never copied into
     * memory). */
    const char *h, *body;
    size_t hlen, blen;
    sg_message_render(d->msg, header, d->arena, &h, &hlen, &body, &blen);
    if (!header) { /* unedited: the header section as received, up to the body */
        size_t off = sg_message_body_offset(d->msg);
        h = d->data;
        hlen = off < d->len ? off : d->len;
        body = d->data + hlen;
        blen = d->len - hlen;
    }
    if (!sg_redirect_prepare(h, hlen, d->owner, fd->target, host, d->now, d->arena, &copy, &copy_len, err,
                             sizeof err)) {
        sg_dctx_log(d, SG_LOG_ERR, "%s to %s: %s", what, fd->target, err);
        if (state)
            sg_user_state_forget(state, &key, err, sizeof err);
        return false;
    }
    const char *from = sg_redirect_envelope_from(sc, d->env.from, d->owner, d->now, d->arena, err, sizeof err);
    const char *rcpts[] = {fd->target};
    bool file = d->source && d->source->fd >= 0;
    sg_submit_part parts[2] = {{copy, copy_len, -1, 0},
                               {body, blen, file ? d->source->fd : -1, file ? sg_msgsrc_offset(d->source, body) : 0}};
    sg_submit_status st = from ? sg_submit_parts(sc, from, rcpts, 1, parts, 2, err, sizeof err) : SG_SUBMIT_TEMPFAIL;
    if (st != SG_SUBMIT_OK) {
        sg_dctx_log(d, SG_LOG_ERR, "%s to %s failed (%s): %s", what, fd->target, sg_submit_status_name(st), err);
        if (state)
            sg_user_state_forget(state, &key, err, sizeof err);
        return false;
    }
    if (state)
        sg_user_state_record(state, &key, (int64_t)d->now, SG_FORWARD_PERIOD, true, err, sizeof err);
    d->sent++;
    sg_dctx_did(d, "%s %s", what, fd->target);
    return true;
}

/* RFC 8580: a message sent by an action with :fcc, to be filed (store_fcc). */
static void remember_fcc(sg_dctx *d, const sg_action *a, const char *fcc_skipped, const char *data, size_t len)
{
    if (!a->fcc)
        return;
    if (fcc_skipped) { /* the plan said why (engine/enforce/plan_local.c) */
        sg_dctx_log(d, SG_LOG_ERR, "fcc: the sent message was not filed into \"%s\": %s", a->fcc, fcc_skipped);
        return;
    }
    if (d->nfcc == sizeof d->fcc / sizeof d->fcc[0]) {
        sg_dctx_log(d, SG_LOG_ERR, "fcc: more than %zu copies; \"%s\" not filed", d->nfcc, a->fcc);
        return;
    }
    d->fcc[d->nfcc++] = (struct sg_fcc_copy){a, data, len};
}

/* One notification (RFC 5436) to its allowed recipients. Each recipient is
 * claimed in the forward tracker first, as a redirect's target is: one an
 * earlier attempt already notified is left out, so a retried delivery never
 * sends a notification twice (RFC 5436 §2.7: "MUST NOT resubmit"). A failed
 * submission forgets the claims and defers the delivery like a redirect. */
static bool send_notify(sg_dctx *d, const sg_submit_config *sc, const sg_action *a, const sg_plan_notify *pn,
                        const char *fcc_skipped)
{
    sg_user_state *state = sg_dctx_state(d);
    char err[512];
    sg_plan_notify mine = *pn;
    mine.rcpts = sg_arena_alloc(d->arena, (pn->n ? pn->n : 1) * sizeof *mine.rcpts);
    memcpy(mine.rcpts, pn->rcpts, pn->n * sizeof *mine.rcpts);
    mine.nallowed = 0;
    sg_state_key *keys = sg_arena_alloc(d->arena, (pn->n ? pn->n : 1) * sizeof *keys);
    bool *claimed = sg_arena_calloc(d->arena, (pn->n ? pn->n : 1) * sizeof *claimed);
    bool ok = true;
    for (size_t k = 0; k < pn->n && ok; k++) {
        sg_fwd_decision *fd = &mine.rcpts[k].decision;
        if (fd->verdict != SG_FWD_ALLOW)
            continue;
        sg_dctx_forward_key(d, SG_FWD_NOTIFY, fd->target, &keys[k]);
        bool won = true;
        if (state &&
            sg_user_state_claim(state, &keys[k], (int64_t)d->now, SG_CLAIM_LEASE, &won, err, sizeof err) != SG_STATE_OK) {
            sg_dctx_log(d, SG_LOG_ERR, "forward tracker: %s", err);
            ok = false;
        } else if (!won) {
            fd->verdict = SG_FWD_SKIP; /* notified by an earlier attempt, or right now */
        } else {
            claimed[k] = true;
            mine.nallowed++;
        }
    }
    if (ok && mine.nallowed) {
        sg_notify_request nr = {d->owner, d->env.from, d->msg, a, &mine};
        sg_notify_options no = {sg_config_get(d->config, "hostname"), d->now, NULL};
        sg_notify_mail nm;
        sg_notify_build(&nr, &no, d->arena, &nm);
        sg_submit_status st =
            sg_submit_message(sc, nm.envelope_from, nm.envelope_to, nm.nenvelope_to, nm.data, nm.len, err, sizeof err);
        if (st != SG_SUBMIT_OK) {
            sg_dctx_log(d, SG_LOG_ERR, "notification (%s) failed (%s): %s", a->method, sg_submit_status_name(st), err);
            ok = false;
        } else {
            remember_fcc(d, a, fcc_skipped, nm.data, nm.len);
            d->sent++;
            sg_dctx_did(d, "notify %s", a->method);
        }
    }
    for (size_t k = 0; k < pn->n && state; k++) {
        if (!claimed[k])
            continue;
        if (ok)
            sg_user_state_record(state, &keys[k], (int64_t)d->now, SG_FORWARD_PERIOD, true, err, sizeof err);
        else
            sg_user_state_forget(state, &keys[k], err, sizeof err);
    }
    return ok;
}

/* The one 5.7.520 bounce of this message (policy.md, "What a block does"). */
static bool send_bounce(sg_dctx *d, const sg_submit_config *sc, const sg_plan *plan, const sg_policy *policy)
{
    sg_user_state *state = sg_dctx_state(d);
    char err[512];
    sg_state_key key;
    sg_state_key_bounce(&key, d->env.from, d->owner);
    sg_bounce_request br = {d->env.from, d->msg, d->owner, plan->bounce_targets, plan->nbounce_targets, false};
    sg_bounce_options bo = {sg_config_get(d->config, "hostname"), d->now, NULL, NULL,
                            sg_config_get(d->config, "postmaster_address")};
    sg_bounce b;
    sg_message_use_original(d->msg, true); /* RFC 5293 §7: DSNs quote the header as received */
    sg_bounce_build(&br, &bo, d->arena, &b);
    sg_message_use_original(d->msg, false);
    const char *rcpts[] = {b.envelope_to};
    sg_submit_status st = sg_submit_message(sc, "", rcpts, 1, b.data, b.len, err, sizeof err);
    if (st == SG_SUBMIT_TEMPFAIL) {
        sg_dctx_log(d, SG_LOG_ERR, "bounce to %s: %s", b.envelope_to, err);
        return false;
    }
    if (st == SG_SUBMIT_PERMFAIL) {
        sg_dctx_log(d, SG_LOG_ERR, "bounce to %s refused: %s", b.envelope_to, err); /* nothing more to do: never loop */
    } else {
        d->sent++;
        sg_dctx_did(d, "bounce 5.7.520 to %s", b.envelope_to);
    }
    unsigned long period = policy ? policy->org.bounce_rate_period : 86400;
    if (state)
        sg_user_state_record(state, &key, (int64_t)d->now, period, true, err, sizeof err);
    return true;
}

/* RFC 5230: the vacation reply, when the plan says one is due (RFC 5230
 * §4.5-4.6, the remote domain's auto_reply, the period), claimed in the
 * tracker first so that concurrent deliveries send one. One that cannot be
 * sent now (the tracker or the submission fails for the time being) defers
 * the whole delivery: it comes before the local copies, and the retry sends
 * it once (its claim is forgotten); one refused for good is logged. */
static bool send_vacation(sg_dctx *d, const sg_submit_config *sc, const sg_action *a, const char *skipped,
                          const char *fcc_skipped)
{
    if (skipped) { /* the plan decided (engine/enforce/plan.c) */
        sg_dctx_log(d, SG_LOG_INFO, "no vacation reply: %s", skipped);
        return true;
    }
    sg_vacation_request vr = {d->env.from, d->env.to, d->msg, a, a->addresses, a->naddresses};
    char err[512];
    sg_state_key key;
    sg_dctx_vacation_key(d, a, &key);
    sg_user_state *state = sg_dctx_state(d);
    bool won = true;
    if (state && sg_user_state_claim(state, &key, (int64_t)d->now, a->period_seconds, &won, err, sizeof err) !=
                        SG_STATE_OK) {
        /* the tracker cannot be used (a library or the store is missing):
         * retrying would not help; the message itself is delivered */
        sg_dctx_log(d, SG_LOG_ERR, "no vacation reply: %s", err);
        return true;
    }
    if (!won)
        return true; /* this sender had its reply within the period: answered by a concurrent delivery */
    sg_vacation_options vo = {sg_config_get(d->config, "hostname"), d->now, NULL};
    sg_vacation_reply reply;
    sg_vacation_build(&vr, &vo, d->arena, &reply);
    const char *rcpts[] = {reply.envelope_to};
    sg_submit_status st = sg_submit_message(sc, "", rcpts, 1, reply.data, reply.len, err, sizeof err);
    if (st == SG_SUBMIT_TEMPFAIL) {
        /* Retried with the whole delivery (nothing is stored yet), never dropped. */
        sg_dctx_log(d, SG_LOG_ERR, "vacation reply to %s deferred (%s): %s", reply.envelope_to,
                    sg_submit_status_name(st), err);
        if (state)
            sg_user_state_forget(state, &key, err, sizeof err);
        return false;
    }
    if (st != SG_SUBMIT_OK) { /* refused for good: a retry would not help */
        sg_dctx_log(d, SG_LOG_ERR, "vacation reply to %s refused (%s): %s", reply.envelope_to,
                    sg_submit_status_name(st), err);
    } else {
        remember_fcc(d, a, fcc_skipped, reply.data, reply.len);
        d->sent++;
        sg_dctx_did(d, "vacation reply to %s", reply.envelope_to);
    }
    return true;
}

/* The reject MDN (RFC 5429 §2.2.1). Tracked as the forwards are (claim, then
 * record or forget), under the Message-ID and the sender, so a retried
 * delivery never sends a second one. When none may be sent (null sender,
 * a report, an automatic message) the message is kept in INBOX: RFC 5429
 * §2.2 leaves the message's fate open then, Pigeonhole discards it ("not
 * sending reject message to <>"), and we prefer never to lose mail silently
 * (architecture.md, failure rules); the reason is logged (§2.2 SHOULD). */
static bool send_mdn(sg_dctx *d, const sg_submit_config *sc, const sg_action *reject, const sg_plan *plan)
{
    if (plan->mdn != SG_MDN_DUE) { /* the plan keeps the message (engine/enforce/plan.c) */
        sg_dctx_log(d, SG_LOG_ERR, "reject: no MDN sent (%s): the message is kept in INBOX", sg_mdn_check_name(plan->mdn));
        return true;
    }
    sg_mdn_request req = {d->env.from, d->env.to,
                          d->orig_recipient_known ? d->env.orig_to : NULL, d->msg, reject->reason};
    char err[512];
    sg_state_key key;
    /* The forward tracker's kind, with a target no address can be: " reject-mdn". */
    sg_state_key_forward(&key, *d->message_id ? d->message_id : d->env.from, " reject-mdn");
    sg_user_state *state = sg_dctx_state(d);
    bool won = true;
    if (state &&
        sg_user_state_claim(state, &key, (int64_t)d->now, SG_CLAIM_LEASE, &won, err, sizeof err) != SG_STATE_OK) {
        sg_dctx_log(d, SG_LOG_ERR, "reject tracker: %s", err);
        return false;
    }
    if (!won)
        return true; /* sent by an earlier attempt, or being sent right now */
    sg_mdn_options mo = {sg_config_get(d->config, "hostname"), d->now, NULL, NULL,
                         sg_config_get(d->config, "postmaster_address")};
    sg_mdn mdn;
    sg_message_use_original(d->msg, true); /* RFC 5293 §7: MDNs quote the header as received */
    sg_mdn_build(&req, &mo, d->arena, &mdn);
    sg_message_use_original(d->msg, false);
    const char *rcpts[] = {mdn.envelope_to};
    sg_submit_status st = sg_submit_message(sc, "", rcpts, 1, mdn.data, mdn.len, err, sizeof err);
    if (st != SG_SUBMIT_OK) {
        /* Nothing is stored and the MTA retries: the sender learns of the
         * rejection, or the message is delivered, never neither. */
        sg_dctx_log(d, SG_LOG_ERR, "reject MDN to %s failed (%s): %s", mdn.envelope_to, sg_submit_status_name(st), err);
        if (state)
            sg_user_state_forget(state, &key, err, sizeof err);
        return false;
    }
    if (state)
        sg_user_state_record(state, &key, (int64_t)d->now, SG_FORWARD_PERIOD, true, err, sizeof err);
    sg_dctx_log(d, SG_LOG_INFO, "rejected message %s from <%s>: MDN sent", d->message_id, mdn.envelope_to);
    d->sent++;
    sg_dctx_did(d, "reject MDN to %s", mdn.envelope_to);
    return true;
}

bool sg_send_outgoing(sg_dctx *d, const sg_result *r, const sg_plan *plan, const sg_policy *policy)
{
    sg_submit_config sc;
    char err[512];
    if (!sg_submit_config_load(d->config, &sc, err, sizeof err)) {
        sg_dctx_log(d, SG_LOG_ERR, "configuration error: %s", err);
        return false;
    }
    /* The admin forward first, with the message as received (it comes
     * before the script, whose edits are its own). */
    if (plan->admin && plan->admin_decision.verdict == SG_FWD_ALLOW &&
        !send_forward(d, &sc, &plan->admin_decision, NULL, SG_FWD_ADMIN))
        return false;
    for (size_t i = 0; i < r->count; i++)
        if (plan->decided[i] && plan->decisions[i].verdict == SG_FWD_ALLOW &&
            !send_forward(d, &sc, &plan->decisions[i], r->actions[i].header, SG_FWD_REDIRECT))
            return false;
    for (size_t i = 0; i < r->count; i++)
        if (r->actions[i].kind == SG_ACT_NOTIFY && plan->notify[i].nallowed &&
            !send_notify(d, &sc, &r->actions[i], &plan->notify[i], plan->fcc_skipped[i]))
            return false;
    if (plan->bounce == SG_BOUNCE_DUE && !send_bounce(d, &sc, plan, policy))
        return false;
    const sg_action *reject = sg_result_find(r, SG_ACT_REJECT);
    if (reject && plan->mdn != SG_MDN_STORED_MAIL && !send_mdn(d, &sc, reject, plan))
        return false;
    for (size_t i = 0; i < r->count; i++)
        if (r->actions[i].kind == SG_ACT_VACATION &&
            !send_vacation(d, &sc, &r->actions[i], plan->skipped[i], plan->fcc_skipped[i]))
            return false;
    return true;
}
