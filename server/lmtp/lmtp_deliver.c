/* lmtp_deliver.c - see lmtp_deliver.h. */
#include "server/lmtp/lmtp_deliver.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/mkdir_p.h"

void sg_lmtp_backend_init(sg_lmtp_backend *b)
{
    memset(b, 0, sizeof *b);
    b->txn_arena = sg_arena_new();
    b->msg_arena = sg_arena_new();
}

void sg_lmtp_backend_free(sg_lmtp_backend *b)
{
    sg_arena_free(b->txn_arena);
    sg_arena_free(b->msg_arena);
    b->txn_arena = b->msg_arena = NULL;
}

static void log_line(const sg_lmtp_backend *b, int priority, const char *user, const char *line)
{
    if (b->host->log)
        b->host->log(b->host->log_ctx, priority, user, line);
}

bool sg_lmtp_backend_rcpt(void *ctx, const sg_lmtp_txn *t, const char *address, void **user, char *reply,
                          size_t replylen)
{
    sg_lmtp_backend *b = ctx;
    sg_userdb_user *u = sg_arena_alloc(b->txn_arena, sizeof *u);
    char err[512] = "";
    sg_userdb_status st = sg_userdb_lookup(b->userdb, address, b->txn_arena, u, err, sizeof err);
    char line[1400];
    if (st == SG_USERDB_NOTFOUND) {
        snprintf(reply, replylen, "550 5.1.1 <%.300s> User doesn't exist", address);
        return false;
    }
    if (st == SG_USERDB_TEMPFAIL) {
        snprintf(line, sizeof line, "%s: to=<%.300s>, status=deferred, reason=%s", t->id, address, err);
        log_line(b, SG_LOG_ERR, "?", line);
        snprintf(reply, replylen, "451 4.3.0 <%.300s> Temporary user lookup failure", address);
        return false;
    }
    if (u->uid != b->uid) {
        snprintf(line, sizeof line,
                 "%s: to=<%.300s>, user=%s, status=deferred, reason=the user's uid %u is not the server's uid %u"
                 " (set mail_uid, or the entry's uid)",
                 t->id, address, u->user, (unsigned)u->uid, (unsigned)b->uid);
        log_line(b, SG_LOG_ERR, u->user, line);
        snprintf(reply, replylen, "451 4.3.0 <%.300s> Cannot deliver as this user's uid", address);
        return false;
    }
    *user = u;
    snprintf(reply, replylen, "250 2.1.5 <%.300s> OK", address);
    return true;
}

/* Return-Path, Delivered-To and Received (RFC 5321 §4.4), as Dovecot's LMTP
 * writes them, then the message. */
static char *with_trace(const sg_lmtp_backend *b, const sg_lmtp_txn *t, const char *rcpt, time_t now, size_t *len,
                        size_t *trace_len)
{
    char date[64];
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm);
    char head[2048];
    int n = snprintf(head, sizeof head,
                     "Return-Path: <%.500s>\nDelivered-To: %.500s\nReceived: from %.255s\n\tby %.255s (sievegate) "
                     "with LMTP id %s\n\tfor <%.500s>; %s\n",
                     t->sender, rcpt, t->helo ? t->helo : "unknown", b->hostname, t->id, rcpt, date);
    size_t h = n < 0 ? 0 : (size_t)n < sizeof head ? (size_t)n : sizeof head - 1;
    char *data = sg_arena_alloc_bytes(b->msg_arena, h + t->len + 1);
    memcpy(data, head, h);
    memcpy(data + h, t->data, t->len);
    data[h + t->len] = '\0';
    *len = h + t->len;
    *trace_len = h;
    return data;
}

/* A reason as one printable line of at most 300 bytes, for a reply. */
static void reply_text(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    for (; *in && o + 1 < outlen && o < 300; in++)
        out[o++] = (unsigned char)*in < 0x20 || *in == 0x7f ? ' ' : *in;
    out[o] = '\0';
}

void sg_lmtp_backend_deliver(void *ctx, const sg_lmtp_txn *t, size_t i, char *reply, size_t replylen)
{
    sg_lmtp_backend *b = ctx;
    const sg_lmtp_recipient *r = &t->rcpt[i];
    const sg_userdb_user *u = r->user;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sg_arena_reset(b->msg_arena);
    sg_delivery_request req;
    memset(&req, 0, sizeof req);
    req.user = u->user;
    req.home = u->home;
    req.envelope_from = t->sender;
    req.recipient = r->address;
    req.mail_location = u->mail;
    req.reject_refuses = b->reject_refuses;
    req.now = time(NULL);
    req.data = with_trace(b, t, r->address, req.now, &req.len, &req.trace_len);
    sg_delivery_outcome out;
    char failed[512];
    int rc = sg_mkdir_p(u->home, 0700, failed, sizeof failed); /* a new virtual user: Dovecot creates it too */
    if (rc) {
        memset(&out, 0, sizeof out);
        out.status = SG_DELIVERY_TEMPFAIL;
        out.errnum = rc;
        char *why = sg_arena_alloc_bytes(b->msg_arena, 700);
        snprintf(why, 700, "cannot create the home directory: mkdir(%s): %s", failed, strerror(rc));
        out.reason = why;
        out.actions = "";
    } else {
        sg_delivery_run(b->host, &req, b->msg_arena, &out);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double delay = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    const char *status = "sent";
    char why[320];
    switch (out.status) {
    case SG_DELIVERY_DONE: snprintf(reply, replylen, "250 2.0.0 <%.300s> %s Saved", r->address, t->id); break;
    case SG_DELIVERY_REJECTED:
        status = "rejected";
        reply_text(out.reason ? out.reason : "rejected", why, sizeof why);
        snprintf(reply, replylen, "550 5.7.1 <%.200s> %s", r->address, why);
        break;
    case SG_DELIVERY_TEMPFAIL:
        status = "deferred";
        if (out.errnum == EDQUOT)
            snprintf(reply, replylen, "452 4.2.2 <%.300s> Mailbox is full", r->address);
        else if (out.errnum == ENOSPC)
            snprintf(reply, replylen, "452 4.3.1 <%.300s> Mail system full", r->address);
        else
            snprintf(reply, replylen, "451 4.3.0 <%.300s> Temporary failure", r->address);
        break;
    }
    char line[2048];
    snprintf(line, sizeof line, "%s: to=<%.300s>, user=%s, status=%s, delay=%.3f, actions=%s%s%.600s", t->id,
             r->address, u->user, status, delay, out.actions && *out.actions ? out.actions : "none",
             out.status == SG_DELIVERY_DONE ? "" : ", reason=",
             out.status == SG_DELIVERY_DONE ? "" : out.reason ? out.reason : "");
    log_line(b, out.status == SG_DELIVERY_TEMPFAIL ? SG_LOG_ERR : SG_LOG_INFO, u->user, line);
}

void sg_lmtp_backend_txn_end(void *ctx, const sg_lmtp_txn *t)
{
    (void)t;
    sg_lmtp_backend *b = ctx;
    sg_arena_reset(b->txn_arena);
}
