/* result.c - see result.h. */
#include "engine/core/result.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/mail/mailto.h"

void sg_result_init(sg_result *r, sg_arena *arena, const sg_result_limits *limits)
{
    memset(r, 0, sizeof *r);
    r->arena = arena;
    r->implicit_keep = true;
    r->limits.max_actions = limits && limits->max_actions ? limits->max_actions : 32;
    r->limits.max_redirects = limits && limits->max_redirects ? limits->max_redirects : 4;
    sg_diags_init(&r->errors, 0);
    sg_diags_init(&r->warnings, 0);
}

void sg_result_free(sg_result *r)
{
    free(r->actions);
    free(r->duplicates);
    sg_diags_clear(&r->errors);
    sg_diags_clear(&r->warnings);
    r->actions = NULL;
    r->count = r->cap = 0;
    r->duplicates = NULL;
    r->nduplicates = r->capduplicates = 0;
}

const sg_action *sg_result_find(const sg_result *r, sg_action_kind kind)
{
    for (size_t i = 0; i < r->count; i++)
        if (r->actions[i].kind == kind)
            return &r->actions[i];
    return NULL;
}

bool sg_mailbox_equal(const char *a, const char *b)
{
    /* RFC 3501 §5.1: INBOX is case-insensitive; every other name is exact. */
    if (strcasecmp(a, "INBOX") == 0 && strcasecmp(b, "INBOX") == 0)
        return true;
    return strcmp(a, b) == 0;
}

/* Redirect targets are one target when their addresses are the same mailbox:
 * the domain is case-insensitive (RFC 5321 §2.4), the local part exact. */
static bool address_equal(const char *a, const char *b)
{
    const char *at_a = strrchr(a, '@'), *at_b = strrchr(b, '@');
    if (!at_a || !at_b)
        return strcmp(a, b) == 0;
    size_t la = (size_t)(at_a - a), lb = (size_t)(at_b - b);
    return la == lb && memcmp(a, b, la) == 0 && strcasecmp(at_a, at_b) == 0;
}

void sg_result_fail(sg_result *r, sg_loc loc, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sg_diag_add(&r->errors, SG_SEV_ERROR, loc, code, fmt, ap);
    va_end(ap);
    /* RFC 5228 §2.10.6 and Pigeonhole: after a runtime error only the implicit keep remains. */
    r->failed = true;
    r->count = 0;
    r->implicit_keep = true;
    r->nduplicates = 0; /* RFC 7352 §3: a failed execution updates no tracking list */
}

static bool same_handle(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

void sg_result_track_duplicate(sg_result *r, const sg_duplicate_mark *mark)
{
    if (r->failed)
        return;
    for (size_t i = 0; i < r->nduplicates; i++) {
        const sg_duplicate_mark *m = &r->duplicates[i];
        if (m->last == mark->last && same_handle(m->handle, mark->handle) && m->id_len == mark->id_len &&
            memcmp(m->id, mark->id, m->id_len) == 0)
            return;
    }
    if (r->nduplicates == r->capduplicates) {
        size_t cap = r->capduplicates ? r->capduplicates * 2 : 4;
        r->duplicates = sg_xrealloc(r->duplicates, cap * sizeof *r->duplicates);
        r->capduplicates = cap;
    }
    r->duplicates[r->nduplicates++] = *mark;
}

static bool is_delivery(const sg_action *a)
{
    return a->kind == SG_ACT_KEEP || a->kind == SG_ACT_FILEINTO || a->kind == SG_ACT_REDIRECT;
}

/* RFC 5232 §3: when one mailbox gets a message twice, "the last flag list value MUST win", even an empty one. */
static void merge_flags(sg_flags *into, const sg_flags *from)
{
    *into = *from;
}

static sg_action *find_duplicate(sg_result *r, const sg_action *a)
{
    for (size_t i = 0; i < r->count; i++) {
        sg_action *b = &r->actions[i];
        bool a_store = a->kind == SG_ACT_KEEP || a->kind == SG_ACT_FILEINTO;
        bool b_store = b->kind == SG_ACT_KEEP || b->kind == SG_ACT_FILEINTO;
        if (a_store && b_store && sg_mailbox_equal(a->mailbox, b->mailbox))
            return b;
        if (a->kind == SG_ACT_REDIRECT && b->kind == SG_ACT_REDIRECT && address_equal(a->address, b->address))
            return b;
        if (a->kind == b->kind && (a->kind == SG_ACT_DISCARD || a->kind == SG_ACT_VACATION))
            return b;
    }
    return NULL;
}

static const char *action_name(const sg_action *a)
{
    switch (a->kind) {
    case SG_ACT_KEEP: return "keep";
    case SG_ACT_FILEINTO: return "fileinto";
    case SG_ACT_REDIRECT: return "redirect";
    case SG_ACT_DISCARD: return "discard";
    case SG_ACT_REJECT: return a->extended ? "ereject" : "reject";
    case SG_ACT_VACATION: return "vacation";
    case SG_ACT_NOTIFY: return "notify";
    }
    return "action";
}

/* RFC 5436 §2.7 "SHOULD NOT send duplicate notifications to the same address
 * from the same script invocation": as Pigeonhole, a recipient an earlier
 * mailto notify has is removed from this one; false when that leaves none of
 * the recipients it had (a URI without any is kept as it is). */
static bool notify_recipients_left(sg_result *r, const sg_action *a, sg_action *out)
{
    const sg_mailto *m = a->mailto;
    sg_mailto *copy = sg_arena_alloc(r->arena, sizeof *copy);
    *copy = *m;
    copy->rcpts = sg_arena_alloc(r->arena, (m->nrcpts ? m->nrcpts : 1) * sizeof *copy->rcpts);
    copy->nrcpts = 0;
    for (size_t k = 0; k < m->nrcpts; k++) {
        bool seen = false;
        for (size_t i = 0; i < r->count && !seen; i++) {
            const sg_action *b = &r->actions[i];
            if (b->kind != SG_ACT_NOTIFY || !b->mailto)
                continue;
            for (size_t j = 0; j < b->mailto->nrcpts && !seen; j++)
                seen = sg_mailto_address_equal(b->mailto->rcpts[j].address, m->rcpts[k].address);
        }
        if (!seen)
            copy->rcpts[copy->nrcpts++] = m->rcpts[k];
    }
    if (m->nrcpts && !copy->nrcpts)
        return false;
    *out = *a;
    out->mailto = copy;
    return true;
}

bool sg_result_add(sg_result *r, const sg_action *a)
{
    if (r->failed)
        return false;
    /* RFC 5429 §2.2: reject cannot be combined with keep, fileinto or redirect;
     * RFC 5230 §4.7: nor with vacation. */
    for (size_t i = 0; i < r->count; i++) {
        const sg_action *b = &r->actions[i];
        bool a_rej = a->kind == SG_ACT_REJECT, b_rej = b->kind == SG_ACT_REJECT;
        bool a_out = is_delivery(a) || a->kind == SG_ACT_VACATION, b_out = is_delivery(b) || b->kind == SG_ACT_VACATION;
        if ((a_rej && b_out) || (b_rej && a_out)) {
            sg_result_fail(r, a->loc, "action-conflict", "%s action conflicts with earlier %s action", action_name(a),
                           action_name(b));
            return false;
        }
        if (a_rej && b_rej) {
            sg_result_fail(r, a->loc, "action-conflict", "only one reject action is allowed (RFC 5429 §2.1)");
            return false;
        }
    }
    sg_action notify;
    if (a->kind == SG_ACT_NOTIFY && a->mailto) {
        if (!notify_recipients_left(r, a, &notify))
            return true; /* every recipient already notified: done once */
        a = &notify;
    }
    sg_action *dup = find_duplicate(r, a);
    if (dup) {
        /* RFC 5228 §2.10.3: the same action twice is done once. A copy and a
         * non-copy of one target: the non-copy's cancellation still counts. */
        if (a->kind != SG_ACT_VACATION) {
            merge_flags(&dup->flags, &a->flags);
            dup->copy = dup->copy && a->copy;
            dup->create = dup->create || a->create;
            if (!a->copy && a->kind != SG_ACT_DISCARD)
                r->implicit_keep = false;
            return true;
        }
        sg_result_fail(r, a->loc, "duplicate-vacation", "only one vacation action is allowed (RFC 5230 §4.7)");
        return false;
    }
    if (a->kind == SG_ACT_REDIRECT && ++r->redirects > r->limits.max_redirects) {
        sg_result_fail(r, a->loc, "limit-redirects", "number of redirect actions exceeds policy limit (%zu > %zu)",
                       r->redirects, r->limits.max_redirects);
        return false;
    }
    if (r->count >= r->limits.max_actions) {
        sg_result_fail(r, a->loc, "limit-actions", "number of actions exceeds policy limit (%zu > %zu)",
                       r->count + 1, r->limits.max_actions);
        return false;
    }
    if (r->count == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->actions = sg_xrealloc(r->actions, r->cap * sizeof *r->actions);
    }
    r->actions[r->count++] = *a;
    /* RFC 5228 §2.10.2 / RFC 3894: everything but :copy, vacation and notify
     * (RFC 5435 §7) cancels the implicit keep. */
    if (a->kind != SG_ACT_VACATION && a->kind != SG_ACT_NOTIFY && !a->copy)
        r->implicit_keep = false;
    return true;
}

void sg_result_discard(sg_result *r, sg_loc loc)
{
    sg_action a;
    memset(&a, 0, sizeof a);
    a.kind = SG_ACT_DISCARD;
    a.loc = loc;
    sg_result_add(r, &a);
}
