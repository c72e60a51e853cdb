/* local.c - the local copies of a plan (see local.h). */
#include "engine/deliver/local.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/hash.h"
#include "base/hex.h"
#include "base/msgsrc.h"

#include "engine/deliver/maildir.h"

/* One copy, as the plan lists it. A folder that the plan found usable but
 * that is refused now (it became a symbolic link, or vanished, between the
 * plan and this write) gets INBOX instead, as dovecot-lda does: logged, never
 * a lost message. */
static sg_maildir_status add_copy(sg_dctx *d, sg_maildir_txn *txn, const sg_plan_store *ps, bool *inbox_added,
                                  sg_maildir_error *err)
{
    const char *mailbox = ps->mailbox ? ps->mailbox : d->default_mailbox ? d->default_mailbox : "INBOX";
    /* The header as edited when the action was taken (RFC 5293 §7). */
    const char *h, *body;
    size_t hlen, blen;
    sg_message_render(d->msg, ps->header, d->arena, &h, &hlen, &body, &blen);
    if (d->source && d->source->fd >= 0) /* the body from the file, in chunks: never all in memory */
        sg_maildir_set_message_fd(txn, h, hlen, d->source->fd, sg_msgsrc_offset(d->source, body), blen);
    else
        sg_maildir_set_message(txn, h, hlen, body, blen);
    const char *const *flags = ps->flags ? ps->flags->items : NULL;
    size_t nflags = ps->flags ? ps->flags->count : 0;
    sg_maildir_status st = sg_maildir_add(txn, mailbox, flags, nflags, ps->create, err);
    if ((st == SG_MAILDIR_REFUSED || st == SG_MAILDIR_NOTFOUND) && !sg_mailbox_equal(mailbox, "INBOX")) {
        sg_dctx_log(d, SG_LOG_ERR, "cannot store into \"%s\" (%s): kept in INBOX", mailbox, err->message);
        if (*inbox_added)
            return SG_MAILDIR_OK;
        mailbox = "INBOX";
        st = sg_maildir_add(txn, mailbox, flags, nflags, false, err);
    }
    *inbox_added |= st == SG_MAILDIR_OK && sg_mailbox_equal(mailbox, "INBOX");
    return st;
}

/* The delivery's key in the Maildir's journal (exactly once, maildir.h): the
 * envelope and a digest of the message as the MTA hands it over again on a
 * retry: its header fields as received (with the MTA's own Received field
 * and its queue id, and the Message-ID), and the size of its body; not what
 * is new at each attempt: the front end's own trace fields before them
 * (d->trace_len, an LMTP server's) and Exim's Delivery-date
 * (delivery_date_add). SHA-256 of them, in hex in the arena. */
static const char *journal_key(sg_dctx *d)
{
    size_t body = sg_message_body_offset(d->msg);
    char size[32];
    snprintf(size, sizeof size, "\n%zu", d->len - (body < d->len ? body : d->len));
    sg_sha256_ctx h;
    sg_sha256_begin(&h);
    /* the envelope as the MTA hands it over on every attempt */
    const char *parts[] = {d->env.from, d->env.to, d->orig_recipient_known ? d->env.orig_to : ""};
    for (size_t i = 0; i < 3; i++) {
        sg_sha256_update(&h, parts[i], strlen(parts[i]));
        sg_sha256_update(&h, "\n", 1);
    }
    /* the header section's bytes as received, but the Delivery-date fields */
    const char *end = d->data + (body < d->len ? body : d->len);
    const char *at = d->data + (d->trace_len < (size_t)(end - d->data) ? d->trace_len : 0);
    sg_message_use_original(d->msg, true); /* the fields as received, not as a script edited them */
    for (size_t k = 0; k < sg_message_header_count(d->msg); k++) {
        const sg_header_field *f = sg_message_header_at(d->msg, k);
        if (f->name < at || f->name >= end || f->name_len != 13 || strncasecmp(f->name, "Delivery-date", 13) != 0)
            continue;
        sg_sha256_update(&h, at, (size_t)(f->name - at));
        at = f->raw + f->raw_len; /* the field, up to its line break */
        while (at < end && (*at == '\r' || *at == '\n'))
            at++;
    }
    sg_message_use_original(d->msg, false);
    sg_sha256_update(&h, at, (size_t)(end - at));
    sg_sha256_update(&h, size, strlen(size));
    unsigned char digest[SG_SHA256_SIZE];
    sg_sha256_end(&h, digest);
    char *hex = sg_arena_alloc_bytes(d->arena, 2 * SG_SHA256_SIZE + 1);
    sg_hex_encode(digest, SG_SHA256_SIZE, false, hex);
    return hex;
}

bool sg_store_locally(sg_dctx *d, const sg_result *r, const sg_plan *plan)
{
    if (!sg_dctx_open_mail_store(d))
        return false;
    const char *root = d->maildir_root;
    sg_maildir_options opt;
    sg_maildir_options_from_config(d->config, &opt);
    opt.journal_key = plan->nstores ? journal_key(d) : NULL;
    opt.turns = d->host->turns;
    opt.sync_crew = d->host->sync_crew;
    bool before = false;
    size_t copies = 0;
    sg_maildir_error rerr;
    if (sg_maildir_recover(root, &opt, d->now, &before, &copies, &rerr) != SG_MAILDIR_OK) {
        sg_dctx_log(d, SG_LOG_ERR, "delivery deferred: completing an earlier attempt failed: %s", rerr.message);
        return false;
    }
    if (before) { /* a retry of a delivery whose copies are in place: nothing twice */
        sg_dctx_log(d, SG_LOG_WARNING, "stored by an earlier attempt of this delivery (%zu copies): nothing stored twice",
                    copies);
        d->stored += copies;
        sg_dctx_did(d, "stored before (%zu copies)", copies);
        return true;
    }
    for (size_t i = 0; i < plan->nstores; i++) { /* the plan's own fallbacks, logged as dovecot-lda does */
        const sg_plan_store *ps = &plan->stores[i];
        bool implicit = ps->action == SG_PLAN_IMPLICIT;
        const sg_action *a = implicit ? NULL : &r->actions[ps->action];
        if (ps->fallback)
            sg_dctx_log(d, SG_LOG_ERR, "cannot store into \"%s\" (%s): kept in INBOX",
                        !a || a->kind == SG_ACT_KEEP ? d->default_mailbox : a->mailbox,
                        implicit ? plan->keep_skipped : plan->skipped[ps->action]);
    }
    sg_maildir_error merr;
    memset(&merr, 0, sizeof merr);
    sg_maildir_txn *txn = NULL;
    /* each copy sets its own message (add_copy) */
    sg_maildir_status st = sg_maildir_begin(root, &opt, NULL, 0, NULL, 0, &txn, &merr);
    bool inbox_added = false;
    for (size_t i = 0; st == SG_MAILDIR_OK && i < plan->nstores; i++)
        st = add_copy(d, txn, &plan->stores[i], &inbox_added, &merr);
    if (st == SG_MAILDIR_OK)
        st = sg_maildir_commit(txn, &merr);
    if (st == SG_MAILDIR_OK && sg_maildir_dropped(txn)) /* the plan said so too */
        sg_dctx_log(d, SG_LOG_WARNING, "flags not stored (a Maildir file name holds 26 keywords, IMAP atoms only): %s",
                    sg_maildir_dropped(txn));
    for (size_t i = 0; st == SG_MAILDIR_OK && i < sg_maildir_count(txn); i++) {
        d->stored++;
        sg_dctx_did(d, "stored %s", sg_maildir_mailbox(txn, i));
    }
    sg_maildir_free(txn); /* rolls back whatever was not committed */
    if (st != SG_MAILDIR_OK) {
        d->store_errno = merr.errnum;
        sg_dctx_log(d, SG_LOG_ERR, "delivery failed, nothing stored (%s): %s", sg_maildir_status_name(st),
                    merr.message);
        return false;
    }
    return true;
}

/* RFC 8580: files each message sent with :fcc, after the delivery itself.
 * The message has gone out, so a copy that cannot be filed (no such
 * mailbox without :create, a refused name, an I/O error) is logged and never
 * defers the delivery: a retry would send the reply again. */
void sg_store_fcc(sg_dctx *d)
{
    if (!d->nfcc || !sg_dctx_open_mail_store(d))
        return; /* sg_store_locally has said why */
    const char *root = d->maildir_root;
    sg_maildir_options opt;
    sg_maildir_options_from_config(d->config, &opt);
    for (size_t i = 0; i < d->nfcc; i++) {
        const sg_action *a = d->fcc[i].action;
        sg_maildir_error merr;
        memset(&merr, 0, sizeof merr);
        sg_maildir_txn *txn = NULL;
        sg_maildir_status st = sg_maildir_begin(root, &opt, NULL, 0, d->fcc[i].data, d->fcc[i].len, &txn, &merr);
        if (st == SG_MAILDIR_OK)
            st = sg_maildir_add(txn, a->fcc, a->fcc_flags.items, a->fcc_flags.count, a->fcc_create, &merr);
        if (st == SG_MAILDIR_OK)
            st = sg_maildir_commit(txn, &merr);
        sg_maildir_free(txn);
        if (st != SG_MAILDIR_OK)
            sg_dctx_log(d, SG_LOG_ERR, "fcc: the sent message was not filed into \"%s\" (%s): %s", a->fcc,
                      sg_maildir_status_name(st), merr.message);
    }
}

