/* delivery.c - see delivery.h: the pipeline of one delivery, from the
 * message bytes to the outcome. */
#include "engine/deliver/delivery.h"

#include <string.h>

#include "engine/core/registry.h"
#include "engine/deliver/context.h"
#include "engine/deliver/execute.h"
#include "engine/deliver/scripts.h"
#include "engine/deliver/tracker.h"
#include "engine/enforce/plan.h"
#include "engine/enforce/policy_get.h"
#include "store/policy_source.h"
#include "engine/mail/addrlist.h"

size_t sg_delivery_skip_from_line(const char *data, size_t len, sg_arena *arena, const char **from_line_sender)
{
    *from_line_sender = NULL;
    if (len < 5 || memcmp(data, "From ", 5) != 0)
        return 0;
    const char *nl = memchr(data, '\n', len);
    size_t skip = nl ? (size_t)(nl - data) + 1 : len;
    const char *s = data + 5, *end = data + skip;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    const char *e = s;
    while (e < end && *e != ' ' && *e != '\t' && *e != '\r' && *e != '\n')
        e++;
    if (e > s)
        *from_line_sender = sg_arena_strndup(arena, s, (size_t)(e - s));
    return skip;
}

const char *sg_delivery_owner_of(const sg_config *cfg, const char *recipient, sg_arena *arena)
{
    const char *sep = sg_config_get(cfg, "recipient_delimiter");
    sep = sep ? sep : "+";
    const char *at = strrchr(recipient, '@');
    const char *plus = *sep ? strstr(recipient, sep) : NULL;
    if (!at || !plus || plus > at)
        return recipient;
    size_t l = (size_t)(plus - recipient), r = strlen(at);
    char *s = sg_arena_alloc_bytes(arena, l + r + 1);
    memcpy(s, recipient, l);
    memcpy(s + l, at, r + 1);
    return s;
}

/* "<path>" without its angle brackets. */
static const char *bare_path(const char *arg, sg_arena *arena)
{
    size_t n = strlen(arg);
    if (n >= 2 && arg[0] == '<' && arg[n - 1] == '>')
        return sg_arena_strndup(arena, arg + 1, n - 2);
    return arg;
}

/* The envelope sender when the MTA gave none: the Return-Path the MTA wrote,
 * else the null sender (as dovecot-lda). */
static const char *sender_from_message(sg_dctx *d)
{
    const char *const *values;
    sg_mailbox mb;
    if (sg_message_header_raw_values(d->msg, "return-path", &values) > 0 &&
        sg_envelope_address_parse(values[0], d->arena, &mb) && mb.valid)
        return mb.raw ? mb.raw : "";
    return "";
}

static void init_context(sg_dctx *d, const sg_delivery_host *host, const sg_delivery_request *req,
                         sg_arena *arena)
{
    memset(d, 0, sizeof *d);
    d->host = host;
    d->config = host->settings->config;
    d->arena = arena;
    d->user = req->user;
    d->home = req->home;
    d->default_mailbox = req->default_mailbox;
    d->mail_location = req->mail_location;
    d->trace_len = req->trace_len <= req->len ? req->trace_len : 0;
    d->data = req->data;
    d->len = req->len;
    d->source = req->source;
    d->now = req->now;
    d->msg = sg_message_parse(req->data, req->len, arena);
    d->env.from = req->envelope_from ? bare_path(req->envelope_from, arena) : sender_from_message(d);
    d->env.to = bare_path(req->recipient, arena);
    d->env.orig_to = req->orig_recipient ? bare_path(req->orig_recipient, arena) : d->env.to;
    d->orig_recipient_known = req->orig_recipient != NULL;
    d->owner = req->owner ? req->owner : sg_delivery_owner_of(d->config, d->env.to, arena);
    const char *const *values;
    d->message_id = sg_message_header_values(d->msg, "message-id", &values) > 0 ? values[0] : "";
}

/* The log says which policy applies when it is not the configured store:
 * policy_store = none (information), or a store that is missing or
 * unreadable (an error: the delivery follows policy_unavailable). */
static void log_policy_case(sg_dctx *d, bool have_policy)
{
    char text[600];
    sg_policy_case c = sg_policy_case_of(d->config, text, sizeof text);
    if (c == SG_POLICY_CASE_NONE)
        sg_dctx_log(d, SG_LOG_INFO, "forwarding policy: %s", text);
    else if (!have_policy || c != SG_POLICY_CASE_STORE)
        sg_dctx_log(d, SG_LOG_ERR, "forwarding policy: %s", text);
}

sg_delivery_status sg_delivery_run(const sg_delivery_host *host, const sg_delivery_request *req, sg_arena *arena,
                                   sg_delivery_outcome *out)
{
    memset(out, 0, sizeof *out);
    sg_dctx d;
    init_context(&d, host, req, arena);
    sg_dctx_open_mail_store(&d); /* the mailbox store the scripts and the plan ask; its errors are logged */

    sg_result result;
    sg_result_init(&result, arena, NULL);
    sg_script_run sr;
    memset(&sr, 0, sizeof sr);
    sg_delivery_status status = sg_scripts_run(&d, host->registry, &sr, &result) ? SG_DELIVERY_DONE
                                                                                  : SG_DELIVERY_TEMPFAIL;
    sg_policy *policy = NULL;
    sg_unavailable_mode mode = SG_UNAVAILABLE_TEMPFAIL;
    char why[512] = "";
    /* The policy: for the script's forwards and replies, and, whenever a
     * store is configured, for the owner's admin mailbox forward (policy.md;
     * policy_store = none has none and reads nothing). */
    bool needs = sg_plan_needs_policy(&result), admin = sg_policy_store_configured(d.config);
    if (status == SG_DELIVERY_DONE && (needs || admin) &&
        !sg_policy_for_owner(host->policy_source, d.config, d.owner, &policy, &mode, why, sizeof why)) {
        sg_dctx_log(&d, SG_LOG_ERR, "configuration error: %s", why);
        status = SG_DELIVERY_TEMPFAIL;
    }
    admin = admin && sg_policy_admin_forward_asked(d.config, policy != NULL);
    if (status == SG_DELIVERY_DONE && (needs || (admin && !policy)))
        log_policy_case(&d, policy != NULL);
    if (status == SG_DELIVERY_DONE) {
        sg_plan_input in;
        sg_dctx_plan_input(&d, &result, policy, mode, why, &in);
        in.admin_forward = admin;
        sg_plan plan;
        sg_plan_build(&result, &in, arena, &plan);
        sg_execute_options opt = {req->reject_refuses, true, true};
        status = sg_execute(&d, &result, &plan, policy, &opt);
        if (status == SG_DELIVERY_REJECTED) {
            const sg_action *reject = sg_result_find(&result, SG_ACT_REJECT);
            /* copied: the action's strings may live in the scripts, freed below */
            out->reason = sg_arena_strdup(arena, reject && reject->reason ? reject->reason : "rejected");
        }
    }
    out->status = status;
    if (status == SG_DELIVERY_TEMPFAIL) {
        out->reason = d.last_error ? d.last_error : "temporary failure";
        out->errnum = d.store_errno;
    }
    out->stored = d.stored;
    out->sent = d.sent;
    out->blocked = d.blocked;
    out->actions = d.actions ? d.actions : "";

    sg_policy_free(policy);
    sg_result_free(&result);
    sg_scripts_free(&sr);
    sg_dctx_close(&d);
    return status;
}
