/* plan_local.c - the local copies of a plan (see plan.h): one per mailbox, in
 * the order delivery makes them, with the mailbox checks delivery would make.
 *
 * Takes: the result, the mailbox store (existence) and the mailbox-name rules
 * of the Maildir (engine/deliver/maildir.h, sg_maildir_folder_dir: no I/O).
 * Returns: plan->stores, the skipped keeps and fileintos with why, and the
 * implicit keep as it finally stands.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/deliver/maildir.h"
#include "engine/enforce/plan.h"

#define INBOX "INBOX"

/* Why `mailbox` cannot take a copy, or NULL: a name the Maildir refuses
 * (RFC 3501 §5.1 names mapped to Maildir++ folders), or a folder that does
 * not exist and may not be created (:create, RFC 5490; lda_mailbox_autocreate). */
static const char *refused(const sg_plan_input *in, const char *mailbox, bool create, sg_arena *arena)
{
    char dir[512];
    sg_maildir_error err;
    memset(&err, 0, sizeof err);
    if (sg_maildir_folder_dir(mailbox, dir, sizeof dir, &err) != SG_MAILDIR_OK)
        return sg_arena_strdup(arena, err.message);
    char why[600];
    if (*dir && in->mailboxes && in->mailboxes->refused &&
        in->mailboxes->refused(in->mailboxes->ctx, mailbox, why, sizeof why))
        return sg_arena_strdup(arena, why);
    if (!*dir || create || in->autocreate || !in->mailboxes || in->mailboxes->exists(in->mailboxes->ctx, mailbox))
        return NULL;
    snprintf(why, sizeof why, "mailbox \"%.400s\" does not exist and may not be created", mailbox);
    return sg_arena_strdup(arena, why);
}

/* The keywords of `flags` a Maildir file name cannot hold (maildir.h): not
 * IMAP atoms, or past the 26 letters; space-separated, or NULL. Exact when the
 * folder's dovecot-keywords names no other keyword. */
static const char *dropped_keywords(const sg_flags *flags, sg_arena *arena)
{
    const char *kept[27];
    size_t nkept = 0, len = 0;
    char *out = NULL;
    for (size_t f = 0; flags && f < flags->count; f++) {
        for (const char *p = flags->items[f]; p && *p;) {
            p += strspn(p, " ");
            size_t n = strcspn(p, " ");
            if (!n)
                break;
            bool drop = false;
            if (p[0] != '\\') {
                bool dup = false;
                for (size_t k = 0; k < nkept && !dup; k++)
                    dup = strlen(kept[k]) == n && strncasecmp(kept[k], p, n) == 0;
                if (!sg_maildir_keyword_valid(p, n) || (!dup && nkept == 26))
                    drop = true;
                else if (!dup)
                    kept[nkept++] = sg_arena_strndup(arena, p, n);
            }
            if (drop) {
                char *grown = sg_arena_alloc_bytes(arena, len + n + 2);
                if (len)
                    memcpy(grown, out, len);
                if (len)
                    grown[len++] = ' ';
                memcpy(grown + len, p, n);
                len += n;
                grown[len] = '\0';
                out = grown;
            }
            p += n;
        }
    }
    return out;
}

typedef struct local_plan {
    const sg_plan_input *in;
    sg_arena *arena;
    sg_plan *out;
} local_plan;

/* The mailbox a store goes to, by name ("INBOX" for the default without -m). */
static const char *name_of(const local_plan *lp, const char *mailbox)
{
    return mailbox ? mailbox : lp->in->default_mailbox ? lp->in->default_mailbox : INBOX;
}

static bool already_stored(const local_plan *lp, const char *mailbox)
{
    const sg_plan *out = lp->out;
    for (size_t i = 0; i < out->nstores; i++) {
        bool a_default = !out->stores[i].mailbox, b_default = !mailbox;
        if (a_default && b_default)
            return true;
        if (sg_mailbox_equal(name_of(lp, out->stores[i].mailbox), name_of(lp, mailbox)) &&
            (!lp->in->stored_mail || a_default == b_default)) /* filter: the own folder has no name */
            return true;
    }
    return false;
}

static void add_store(local_plan *lp, const sg_plan_store *st)
{
    if (already_stored(lp, st->mailbox))
        return; /* one copy per mailbox (RFC 5293 §7: an edited copy is the same message) */
    lp->out->stores[lp->out->nstores++] = *st;
}

/* One copy into `mailbox` (NULL: the default), or INBOX instead when it is
 * refused; returns why it was refused, or NULL. */
static const char *plan_copy(local_plan *lp, const char *mailbox, const sg_flags *flags, bool create,
                             const struct sg_header_snapshot *header, size_t action)
{
    sg_plan_store st = {mailbox, flags, create, header, action, false};
    if (already_stored(lp, mailbox))
        return NULL;
    /* The default mailbox of a filter run is the message's own folder: it exists. */
    const char *why = mailbox || !lp->in->stored_mail ? refused(lp->in, name_of(lp, mailbox), create, lp->arena) : NULL;
    if (why) { /* kept in INBOX instead (filtering stored mail: left in its own folder) */
        st.mailbox = lp->in->stored_mail ? NULL : INBOX;
        st.create = false;
        st.fallback = true;
    }
    add_store(lp, &st);
    return why;
}

/* Whether an earlier copy or :fcc of this delivery creates `mailbox`. */
static bool created_before(const local_plan *lp, const char *const *created, size_t n, const char *mailbox)
{
    for (size_t i = 0; i < lp->out->nstores; i++)
        if (lp->out->stores[i].create && lp->out->stores[i].mailbox &&
            sg_mailbox_equal(lp->out->stores[i].mailbox, mailbox))
            return true;
    for (size_t i = 0; i < n; i++)
        if (sg_mailbox_equal(created[i], mailbox))
            return true;
    return false;
}

/* RFC 8580: the :fcc copies of what is sent, filed after the local copies in
 * the order they go out (the notifications, then the vacation reply); one
 * that cannot be filed (a refused name, a missing mailbox without :create)
 * is said here. The message itself has gone out either way. */
static void plan_fcc(local_plan *lp, const sg_result *r)
{
    sg_plan *out = lp->out;
    const char **created = sg_arena_calloc(lp->arena, (r->count + 1) * sizeof *created);
    size_t ncreated = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < r->count; i++) {
            const sg_action *a = &r->actions[i];
            bool sent = pass == 0 ? a->kind == SG_ACT_NOTIFY && out->notify[i].nallowed
                                  : a->kind == SG_ACT_VACATION && !out->skipped[i];
            if (!sent || !a->fcc)
                continue;
            bool create = a->fcc_create || created_before(lp, created, ncreated, a->fcc);
            out->fcc_skipped[i] = refused(lp->in, a->fcc, create, lp->arena);
            if (!out->fcc_skipped[i] && a->fcc_create)
                created[ncreated++] = a->fcc;
        }
    }
}

void sg_plan_local(const sg_result *r, const sg_plan_input *in, sg_arena *arena, sg_plan *out)
{
    local_plan lp = {in, arena, out};
    out->stores = sg_arena_calloc(arena, (r->count + 2) * sizeof *out->stores);
    out->nstores = 0;
    for (size_t i = 0; i < r->count; i++) {
        const sg_action *a = &r->actions[i];
        if (a->kind == SG_ACT_KEEP)
            out->skipped[i] = plan_copy(&lp, NULL, &a->flags, false, a->header, i);
        else if (a->kind == SG_ACT_FILEINTO)
            out->skipped[i] = plan_copy(&lp, a->mailbox, &a->flags, a->create, a->header, i);
        if (a->kind == SG_ACT_KEEP || a->kind == SG_ACT_FILEINTO)
            out->flags_dropped[i] = dropped_keywords(&a->flags, arena);
    }
    /* The implicit keep; also whenever nothing else would store the message
     * (a blocked forward, a reject whose MDN may not go: no mail is lost). */
    /* An allowed admin forward without keep_copy is where the message goes
     * (plan.c, as redirect): no INBOX copy is added for want of one. */
    bool forwarded = out->admin && out->admin_decision.verdict == SG_FWD_ALLOW && !out->admin->keep_copy;
    bool discarded = false;
    for (size_t i = 0; i < r->count; i++) {
        const sg_action *a = &r->actions[i];
        forwarded |= out->decided[i] && out->decisions[i].verdict == SG_FWD_ALLOW && !a->copy;
        /* RFC 5429 §2.2: a reject whose MDN goes out stores nothing */
        discarded |= a->kind == SG_ACT_DISCARD ||
                     (a->kind == SG_ACT_REJECT && (out->mdn == SG_MDN_DUE || out->mdn == SG_MDN_STORED_MAIL));
    }
    if (!out->implicit_keep && !out->nstores && !forwarded && !discarded)
        out->implicit_keep = true;
    if (out->implicit_keep) {
        out->keep_skipped = plan_copy(&lp, NULL, &r->keep_flags, false, r->failed ? NULL : r->keep_header,
                                      SG_PLAN_IMPLICIT);
        out->keep_flags_dropped = dropped_keywords(&r->keep_flags, arena);
    }
    plan_fcc(&lp, r);
}
