/* lmtp_deliver.c - see lmtp_deliver.h. */
#include "server/lmtp/lmtp_deliver.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/mkdir_p.h"
#include "base/thread.h"

void sg_lmtp_backend_init(sg_lmtp_backend *b)
{
    memset(b, 0, sizeof *b);
    b->txn_arena = sg_arena_new();
    b->msg_arena = sg_arena_new();
    sg_turns_init(&b->turns);
    b->sync_crew = sg_sync_crew_new(); /* NULL: each commit makes its own threads */
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
static char *with_trace(const sg_lmtp_backend *b, sg_arena *arena, const sg_lmtp_txn *t, const char *rcpt,
                        time_t now, size_t *len, size_t *trace_len)
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
    char *data = sg_arena_alloc_bytes(arena, h + t->len + 1);
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

/* Recipient i's delivery through host, in arena (reset first): its reply
 * and its log line. */
static void deliver_one(const sg_lmtp_backend *b, const sg_delivery_host *host, sg_arena *arena,
                        const sg_lmtp_txn *t, size_t i, char *reply, size_t replylen)
{
    const sg_lmtp_recipient *r = &t->rcpt[i];
    const sg_userdb_user *u = r->user;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sg_arena_reset(arena);
    sg_delivery_request req;
    memset(&req, 0, sizeof req);
    req.user = u->user;
    req.home = u->home;
    req.envelope_from = t->sender;
    req.recipient = r->address;
    req.mail_location = u->mail;
    req.reject_refuses = b->reject_refuses;
    req.now = time(NULL);
    req.data = with_trace(b, arena, t, r->address, req.now, &req.len, &req.trace_len);
    sg_delivery_outcome out;
    char failed[512];
    int rc = sg_mkdir_p(u->home, 0700, failed, sizeof failed); /* a new virtual user: Dovecot creates it too */
    if (rc) {
        memset(&out, 0, sizeof out);
        out.status = SG_DELIVERY_TEMPFAIL;
        out.errnum = rc;
        char *why = sg_arena_alloc_bytes(arena, 700);
        snprintf(why, 700, "cannot create the home directory: mkdir(%s): %s", failed, strerror(rc));
        out.reason = why;
        out.actions = "";
    } else {
        sg_delivery_run(host, &req, arena, &out);
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

/* ---- several recipients at once ----
 * The recipients of one message are delivered by up to CREW_THREADS
 * threads that take turns (base/fsync_all.h): one runs the pipeline at a
 * time, and a turn is left only while a Maildir commit waits for the disk,
 * so the recipients' fsyncs overlap and their device flushes merge (group
 * commit) while every delivery keeps its own order and its own
 * all-or-nothing commit: a recipient gets 250 only for its own copies
 * synced, 4xx for anything else, as when delivered alone. Recipients with
 * the same home are delivered one after the other by one thread (the same
 * per-user state and Maildir). The threads stay for the next message. */
#define CREW_THREADS 16

/* One message's recipients. */
typedef struct batch {
    const sg_lmtp_txn *t;
    char (*replies)[SG_LMTP_REPLY_MAX];
    bool *done;
    size_t *after; /* the next recipient of the same home, or SIZE_MAX */
    bool *first;   /* the first of its home: a thread takes it and those after it */
    size_t next;   /* where the threads look for the next first one */
    size_t heads;  /* how many are first */
} batch;

struct sg_lmtp_crew {
    sg_lmtp_backend *b;
    sg_delivery_host host;   /* the backend's, with its turns and sync crew */
    pthread_cond_t work;     /* a batch started, or quit */
    pthread_cond_t finished; /* a recipient is done */
    pthread_t threads[CREW_THREADS];
    size_t nthreads;
    batch *batch; /* the message in progress, or NULL */
    bool quit;
};

/* The next recipient that no thread has taken, first of its home, or
 * SIZE_MAX. */
static size_t batch_take(batch *ba)
{
    while (ba->next < ba->t->nrcpt && !ba->first[ba->next])
        ba->next++;
    return ba->next < ba->t->nrcpt ? ba->next++ : SIZE_MAX;
}

static void *crew_thread(void *arg)
{
    struct sg_lmtp_crew *c = arg;
    sg_arena *arena = sg_arena_new();
    sg_turns_enter(&c->b->turns);
    for (;;) {
        size_t i = SIZE_MAX;
        while (!c->quit && (!c->batch || (i = batch_take(c->batch)) == SIZE_MAX))
            pthread_cond_wait(&c->work, &c->b->turns.lock);
        if (c->quit)
            break;
        batch *ba = c->batch;
        for (; i != SIZE_MAX; i = ba->after[i]) {
            deliver_one(c->b, &c->host, arena, ba->t, i, ba->replies[i], SG_LMTP_REPLY_MAX);
            ba->done[i] = true;
            pthread_cond_broadcast(&c->finished);
        }
    }
    sg_turns_leave(&c->b->turns);
    sg_arena_free(arena);
    return NULL;
}

static batch *batch_new(const sg_lmtp_txn *t)
{
    size_t n = t->nrcpt;
    batch *ba = sg_xmalloc(sizeof *ba);
    memset(ba, 0, sizeof *ba);
    ba->t = t;
    ba->replies = sg_xmalloc(n * sizeof *ba->replies);
    ba->done = sg_xmalloc(n * sizeof *ba->done);
    ba->after = sg_xmalloc(n * sizeof *ba->after);
    ba->first = sg_xmalloc(n * sizeof *ba->first);
    for (size_t i = 0; i < n; i++) {
        const sg_userdb_user *u = t->rcpt[i].user;
        ba->done[i] = false;
        ba->after[i] = SIZE_MAX;
        ba->first[i] = true;
        for (size_t k = i; k-- > 0;) { /* the last earlier one of this home */
            if (strcmp(u->home, ((const sg_userdb_user *)t->rcpt[k].user)->home) == 0) {
                ba->after[k] = i;
                ba->first[i] = false;
                break;
            }
        }
        ba->heads += ba->first[i];
    }
    return ba;
}

static void batch_free(batch *ba)
{
    free(ba->replies);
    free(ba->done);
    free(ba->after);
    free(ba->first);
    free(ba);
}

/* Hands the message to the crew, with threads made for its homes (no
 * signal reaches them: base/thread.h); false when there is no
 * thread at all (the caller then delivers alone). With the turn held. */
static bool crew_start(sg_lmtp_backend *b, const sg_lmtp_txn *t)
{
    struct sg_lmtp_crew *c = b->crew;
    if (!c) {
        c = b->crew = sg_xmalloc(sizeof *c);
        memset(c, 0, sizeof *c);
        c->b = b;
        pthread_cond_init(&c->work, NULL);
        pthread_cond_init(&c->finished, NULL);
    }
    c->host = *b->host;
    c->host.turns = &b->turns;
    c->host.sync_crew = b->sync_crew;
    c->batch = batch_new(t);
    while (c->nthreads < c->batch->heads && c->nthreads < CREW_THREADS &&
           sg_thread_start(&c->threads[c->nthreads], crew_thread, c))
        c->nthreads++;
    if (c->nthreads == 0) {
        batch_free(c->batch);
        c->batch = NULL;
        return false;
    }
    pthread_cond_broadcast(&c->work);
    return true;
}

/* Waits until every recipient of the message is done, and forgets it. */
static void crew_finish(sg_lmtp_backend *b)
{
    struct sg_lmtp_crew *c = b->crew;
    sg_turns_enter(&b->turns);
    batch *ba = c ? c->batch : NULL;
    for (size_t i = 0; ba && i < ba->t->nrcpt; i++) {
        while (!ba->done[i])
            pthread_cond_wait(&c->finished, &b->turns.lock);
    }
    if (ba)
        c->batch = NULL;
    sg_turns_leave(&b->turns);
    if (ba)
        batch_free(ba);
}

static void crew_free(struct sg_lmtp_crew *c)
{
    if (!c)
        return;
    sg_turns_enter(&c->b->turns);
    c->quit = true;
    pthread_cond_broadcast(&c->work);
    sg_turns_leave(&c->b->turns);
    for (size_t k = 0; k < c->nthreads; k++)
        pthread_join(c->threads[k], NULL);
    pthread_cond_destroy(&c->work);
    pthread_cond_destroy(&c->finished);
    free(c);
}

void sg_lmtp_backend_deliver(void *ctx, const sg_lmtp_txn *t, size_t i, char *reply, size_t replylen)
{
    sg_lmtp_backend *b = ctx;
    sg_turns_enter(&b->turns);
    bool crew = b->crew && b->crew->batch && b->crew->batch->t == t;
    if (!crew && t->nrcpt > 1)
        crew = crew_start(b, t);
    if (crew) {
        batch *ba = b->crew->batch;
        while (!ba->done[i])
            pthread_cond_wait(&b->crew->finished, &b->turns.lock);
        snprintf(reply, replylen, "%s", ba->replies[i]);
    }
    sg_turns_leave(&b->turns);
    if (!crew) { /* one recipient, or no thread could be made */
        sg_delivery_host host = *b->host;
        host.sync_crew = b->sync_crew;
        deliver_one(b, &host, b->msg_arena, t, i, reply, replylen);
    }
}

void sg_lmtp_backend_txn_end(void *ctx, const sg_lmtp_txn *t)
{
    (void)t;
    sg_lmtp_backend *b = ctx;
    crew_finish(b); /* the recipients whose replies were not asked for are finished too: none is left half-done */
    sg_arena_reset(b->txn_arena);
}

void sg_lmtp_backend_free(sg_lmtp_backend *b)
{
    crew_free(b->crew);
    b->crew = NULL;
    sg_sync_crew_free(b->sync_crew);
    b->sync_crew = NULL;
    sg_turns_destroy(&b->turns);
    sg_arena_free(b->txn_arena);
    sg_arena_free(b->msg_arena);
    b->txn_arena = b->msg_arena = NULL;
}
