/* tracker.c - see tracker.h. */
#include "engine/deliver/tracker.h"

#include "engine/deliver/maildir.h"

#include <stdint.h>
#include <string.h>

static bool duplicate_seen(void *ctx, const char *handle, const char *id, size_t id_len)
{
    sg_dctx *d = ctx;
    sg_user_state *state = sg_dctx_state(d);
    if (!state)
        return false;
    char *copy = sg_arena_strndup(d->arena, id, id_len);
    sg_state_key key;
    sg_state_key_duplicate(&key, handle, copy);
    bool seen = false;
    char err[256];
    if (sg_user_state_check(state, &key, (int64_t)d->now, &seen, err, sizeof err) != SG_STATE_OK) {
        sg_dctx_log(d, SG_LOG_ERR, "duplicate tracking: %s (the message is taken as new)", err);
        return false;
    }
    return seen;
}

void sg_dctx_record_duplicates(sg_dctx *d, const sg_result *r)
{
    sg_user_state *state = r->nduplicates ? sg_dctx_state(d) : NULL;
    for (size_t i = 0; state && i < r->nduplicates; i++) {
        const sg_duplicate_mark *m = &r->duplicates[i];
        sg_state_key key;
        sg_state_key_duplicate(&key, m->handle, sg_arena_strndup(d->arena, m->id, m->id_len));
        char err[256];
        if (sg_user_state_record(state, &key, (int64_t)d->now, m->period_seconds, m->last, err, sizeof err) !=
            SG_STATE_OK)
            sg_dctx_log(d, SG_LOG_ERR, "duplicate tracking: cannot record an id: %s", err);
    }
}


/* The forward tracker's key: Message-ID + target. A notification about the
 * message is another mail than the message itself, so its key has the
 * Message-ID prefixed with "notify " (a redirect and a notify to one address
 * are both sent, each once). */
void sg_dctx_forward_key(sg_dctx *d, sg_fwd_mechanism mech, const char *target, sg_state_key *key)
{
    const char *id = *d->message_id ? d->message_id : d->env.from;
    if (mech == SG_FWD_NOTIFY) {
        size_t n = strlen(id);
        char *s = sg_arena_alloc_bytes(d->arena, n + 8);
        memcpy(s, "notify ", 7);
        memcpy(s + 7, id, n + 1);
        id = s;
    }
    sg_state_key_forward(key, id, target);
}

/* The duplicate tracker for step 2 of the decision (plan.h). */
static bool already_forwarded(void *tracker, sg_fwd_mechanism mech, const char *target)
{
    sg_dctx *d = tracker;
    sg_user_state *state = *d->message_id ? sg_dctx_state(d) : NULL;
    if (!state)
        return false;
    sg_state_key key;
    sg_dctx_forward_key(d, mech, target, &key);
    bool seen = false;
    char err[256];
    return sg_user_state_check(state, &key, (int64_t)d->now, &seen, err, sizeof err) == SG_STATE_OK && seen;
}

/* Vacation's response tracking (RFC 5230 §4.2), asked by the plan: the
 * arguments before variable expansion key it. */
void sg_dctx_vacation_key(sg_dctx *d, const sg_action *a, sg_state_key *key)
{
    sg_state_key_vacation(key, d->env.from, a->handle, a->track_subject, a->track_from, a->mime, a->track_reason);
}

static bool vacation_replied(void *tracker, const sg_action *a)
{
    sg_dctx *d = tracker;
    sg_user_state *state = sg_dctx_state(d);
    if (!state)
        return false; /* the claim at sending decides (and fails: no reply) */
    sg_state_key key;
    sg_dctx_vacation_key(d, a, &key);
    bool seen = false;
    char err[256];
    return sg_user_state_check(state, &key, (int64_t)d->now, &seen, err, sizeof err) == SG_STATE_OK && seen;
}



sg_duplicate_tracker sg_dctx_duplicate_tracker(sg_dctx *d)
{
    sg_duplicate_tracker t = {duplicate_seen, d};
    return t;
}

void sg_dctx_plan_input(sg_dctx *d, const sg_result *r, const sg_policy *policy, sg_unavailable_mode mode,
                        const char *why, sg_plan_input *in)
{
    memset(in, 0, sizeof *in);
    in->owner = d->owner;
    in->envelope_sender = d->env.from;
    in->recipient = d->env.to;
    in->message = d->msg;
    in->policy = policy;
    in->unavailable = mode;
    in->unavailable_reason = why;
    in->default_mailbox = d->default_mailbox;
    in->mailboxes = d->mailboxes.have ? &d->mailboxes.store : NULL;
    sg_maildir_options mopt;
    sg_maildir_options_from_config(d->config, &mopt);
    in->autocreate = mopt.autocreate;
    in->already_forwarded = already_forwarded;
    in->vacation_replied = vacation_replied;
    in->tracker = d;
    /* policy.md: one bounce per sender and owner per bounce_rate_period */
    bool may_forward = sg_result_find(r, SG_ACT_REDIRECT) || sg_result_find(r, SG_ACT_NOTIFY) ||
                       (policy && sg_policy_admin_forward(policy, d->owner));
    sg_user_state *state = may_forward && *d->env.from ? sg_dctx_state(d) : NULL;
    if (state) {
        sg_state_key key;
        char err[256];
        sg_state_key_bounce(&key, d->env.from, d->owner);
        sg_user_state_check(state, &key, (int64_t)d->now, &in->recently_bounced, err, sizeof err);
    }
}
