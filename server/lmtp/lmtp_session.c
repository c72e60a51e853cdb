/* lmtp_session.c - see lmtp_session.h. */
#include "server/lmtp/lmtp_session.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/arena.h"

typedef enum {
    ST_COMMAND = 0, /* reading command lines */
    ST_DISCARD,     /* a command line too long: skipping to its LF */
    ST_DATA,        /* DATA: message lines up to "." */
    ST_BDAT,        /* BDAT: chunk octets still to read */
} input_state;

/* Where a DATA line is: RFC 5321 §4.5.2 dot-stuffing needs the line start. */
typedef enum { L_START = 0, L_IN, L_CR, L_DOT, L_DOT_CR } line_state;

struct sg_lmtp_session {
    sg_lmtp_limits lim;
    sg_lmtp_hooks hooks;
    input_state state;
    bool greeted_lhlo;
    bool closed;
    bool stopping;
    unsigned errors;
    char *helo;
    /* the transaction */
    bool in_txn;
    bool used_bdat;
    bool bdat_refused;  /* the BDAT chunks of this transaction are read and dropped */
    bool chunk_dropped; /* the chunk being read was refused: read, not kept */
    sg_lmtp_txn txn;
    sg_arena *arena;    /* the transaction's strings and recipients */
    sg_lmtp_recipient *rcpt;
    size_t nrcpt, rcpt_cap;
    unsigned long long chunk_left, chunk_size;
    bool chunk_last;
    /* the message */
    char *msg;
    size_t msg_len, msg_cap;
    bool too_big, has_nul;
    line_state ls;
    /* input not yet used: a partial command line */
    char *line;
    size_t line_len;
    /* replies not yet written */
    char *out;
    size_t out_len, out_cap;
    unsigned long counter; /* for queue ids */
    char id[40];
};

void sg_lmtp_limits_default(sg_lmtp_limits *l, const char *hostname)
{
    l->hostname = hostname;
    l->max_line = 2048;
    l->max_message = (size_t)64 << 20;
    l->max_recipients = 1000;
    l->max_errors = 20;
}

sg_lmtp_session *sg_lmtp_session_new(const sg_lmtp_limits *limits, const sg_lmtp_hooks *hooks)
{
    sg_lmtp_session *s = sg_xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->lim = *limits;
    if (s->lim.max_line < 512)
        s->lim.max_line = 512;
    s->hooks = *hooks;
    s->arena = sg_arena_new();
    s->line = sg_xmalloc(s->lim.max_line + 1);
    return s;
}

static void end_txn(sg_lmtp_session *s)
{
    if (s->in_txn && s->hooks.txn_end)
        s->hooks.txn_end(s->hooks.ctx, &s->txn);
    s->in_txn = false;
    s->used_bdat = s->bdat_refused = false;
    s->nrcpt = s->rcpt_cap = 0;
    s->rcpt = NULL;
    s->msg_len = 0;
    s->too_big = s->has_nul = false;
    memset(&s->txn, 0, sizeof s->txn);
    sg_arena_reset(s->arena);
    if (s->msg_cap > ((size_t)4 << 20)) { /* one big message does not stay for the session */
        free(s->msg);
        s->msg = NULL;
        s->msg_cap = 0;
    }
}

void sg_lmtp_session_free(sg_lmtp_session *s)
{
    if (!s)
        return;
    end_txn(s);
    sg_arena_free(s->arena);
    free(s->helo);
    free(s->msg);
    free(s->line);
    free(s->out);
    free(s);
}

/* ---- replies ---- */

static void out_add(sg_lmtp_session *s, const char *text, size_t n)
{
    if (s->out_len + n > s->out_cap) {
        size_t cap = s->out_cap ? s->out_cap * 2 : 1024;
        while (cap < s->out_len + n)
            cap *= 2;
        s->out = sg_xrealloc(s->out, cap);
        s->out_cap = cap;
    }
    memcpy(s->out + s->out_len, text, n);
    s->out_len += n;
}

/* A reply: lines separated by CRLF (LHLO's); any other control or 8-bit
 * octet, e.g. of a parameter echoed back, is sent as '?' (RFC 5321 §4.2:
 * replies are text in US-ASCII, one line each). */
static void reply(sg_lmtp_session *s, const char *line)
{
    size_t n = strlen(line);
    size_t start = s->out_len;
    out_add(s, line, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s->out[start + i];
        if (c == '\r' && i + 1 < n && line[i + 1] == '\n')
            i++;
        else if (c < 0x20 || c >= 0x7f)
            s->out[start + i] = '?';
    }
    out_add(s, "\r\n", 2);
}

/* A reply to a command; 5xx count towards max_errors. */
static void answer(sg_lmtp_session *s, const char *line)
{
    reply(s, line);
    if (line[0] == '5' && ++s->errors >= s->lim.max_errors && !s->closed) {
        char bye[SG_LMTP_REPLY_MAX];
        snprintf(bye, sizeof bye, "421 4.7.0 %s Too many errors, closing connection", s->lim.hostname);
        reply(s, bye);
        s->closed = true;
    }
}

bool sg_lmtp_session_flush(sg_lmtp_session *s)
{
    if (s->out_len == 0)
        return true;
    bool ok = s->hooks.write(s->hooks.write_ctx, s->out, s->out_len);
    s->out_len = 0;
    if (!ok)
        s->closed = true;
    return ok;
}

static void close_with(sg_lmtp_session *s, const char *code, const char *text)
{
    if (s->closed)
        return;
    char line[SG_LMTP_REPLY_MAX];
    snprintf(line, sizeof line, "%s %s %s", code, s->lim.hostname, text);
    reply(s, line);
    s->closed = true;
}

void sg_lmtp_session_greet(sg_lmtp_session *s)
{
    char line[SG_LMTP_REPLY_MAX];
    snprintf(line, sizeof line, "220 %s LMTP sievegate ready", s->lim.hostname);
    reply(s, line);
}

bool sg_lmtp_session_closed(const sg_lmtp_session *s)
{
    return s->closed;
}

bool sg_lmtp_session_in_transaction(const sg_lmtp_session *s)
{
    return s->in_txn;
}

void sg_lmtp_session_stop(sg_lmtp_session *s)
{
    s->stopping = true;
    if (!s->in_txn && s->state == ST_COMMAND)
        close_with(s, "421 4.3.2", "Service shutting down, closing connection");
}

void sg_lmtp_session_timeout(sg_lmtp_session *s)
{
    close_with(s, "421 4.4.2", "Idle timeout, closing connection");
}

/* ---- the transaction ---- */

/* A queue id unique on this host: microseconds, pid, counter (hex). */
static void new_id(sg_lmtp_session *s)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    snprintf(s->id, sizeof s->id, "%llX%05lX%lX%lX", (unsigned long long)tv.tv_sec, (unsigned long)tv.tv_usec,
             (unsigned long)getpid(), ++s->counter);
}

static void do_mail(sg_lmtp_session *s, const sg_lmtp_command *c)
{
    if (!s->greeted_lhlo)
        return answer(s, "503 5.5.1 Send LHLO first");
    if (s->in_txn)
        return answer(s, "503 5.5.1 Sender already given");
    if (c->has_size && c->size > s->lim.max_message)
        return answer(s, "552 5.3.4 Message size exceeds fixed maximum message size");
    s->in_txn = true;
    new_id(s);
    s->txn.id = s->id;
    s->txn.helo = s->helo;
    s->txn.sender = sg_arena_strdup(s->arena, c->path);
    s->txn.body = c->body;
    answer(s, "250 2.1.0 Sender OK");
}

static void do_rcpt(sg_lmtp_session *s, const sg_lmtp_command *c)
{
    if (!s->in_txn)
        return answer(s, "503 5.5.1 Send MAIL first");
    if (s->used_bdat)
        return answer(s, "503 5.5.1 RCPT not allowed after BDAT");
    if (!*c->path)
        return answer(s, "501 5.1.3 Invalid recipient address");
    if (s->nrcpt >= s->lim.max_recipients)
        return answer(s, "452 4.5.3 Too many recipients");
    char line[SG_LMTP_REPLY_MAX] = "451 4.3.0 Temporary failure";
    void *user = NULL;
    s->txn.rcpt = s->rcpt;
    s->txn.nrcpt = s->nrcpt;
    if (s->hooks.rcpt(s->hooks.ctx, &s->txn, c->path, &user, line, sizeof line)) {
        if (s->nrcpt == s->rcpt_cap) {
            size_t cap = s->rcpt_cap ? s->rcpt_cap * 2 : 16;
            sg_lmtp_recipient *grown = sg_arena_alloc(s->arena, cap * sizeof *grown);
            if (s->nrcpt)
                memcpy(grown, s->rcpt, s->nrcpt * sizeof *grown);
            s->rcpt = grown;
            s->rcpt_cap = cap;
        }
        s->rcpt[s->nrcpt].address = sg_arena_strdup(s->arena, c->path);
        s->rcpt[s->nrcpt].user = user;
        s->nrcpt++;
        s->txn.rcpt = s->rcpt;
        s->txn.nrcpt = s->nrcpt;
    }
    answer(s, line);
}

/* The end of the message: one reply per recipient, each written at once. */
static void finish_message(sg_lmtp_session *s)
{
    s->txn.data = s->msg ? s->msg : "";
    s->txn.len = s->msg_len;
    s->txn.rcpt = s->rcpt;
    s->txn.nrcpt = s->nrcpt;
    sg_lmtp_session_flush(s); /* what was answered so far, before the deliveries take time */
    for (size_t i = 0; i < s->nrcpt; i++) {
        char line[SG_LMTP_REPLY_MAX];
        if (s->too_big)
            snprintf(line, sizeof line, "552 5.3.4 <%.300s> Message too big for system", s->rcpt[i].address);
        else if (s->has_nul)
            snprintf(line, sizeof line, "554 5.6.0 <%.300s> Message contains NUL characters", s->rcpt[i].address);
        else {
            snprintf(line, sizeof line, "451 4.3.0 <%.300s> Temporary failure", s->rcpt[i].address);
            s->hooks.deliver(s->hooks.ctx, &s->txn, i, line, sizeof line);
        }
        reply(s, line); /* per-recipient replies are not errors of the client */
        sg_lmtp_session_flush(s);
    }
    end_txn(s);
    s->state = ST_COMMAND;
    if (s->stopping)
        close_with(s, "421 4.3.2", "Service shutting down, closing connection");
}

static void msg_reserve(sg_lmtp_session *s, size_t more)
{
    if (s->msg_len + more <= s->msg_cap)
        return;
    size_t cap = s->msg_cap ? s->msg_cap : 8192;
    while (cap < s->msg_len + more)
        cap *= 2;
    s->msg = sg_xrealloc(s->msg, cap);
    s->msg_cap = cap;
}

/* Appends message octets, up to the limit. */
static void msg_add(sg_lmtp_session *s, const char *p, size_t n)
{
    if (s->too_big || n == 0)
        return;
    if (s->msg_len + n > s->lim.max_message) {
        s->too_big = true;
        return;
    }
    if (memchr(p, '\0', n))
        s->has_nul = true;
    msg_reserve(s, n);
    memcpy(s->msg + s->msg_len, p, n);
    s->msg_len += n;
}

/* DATA octets: CRLF -> LF, dot-unstuffing at line starts, the end at
 * CRLF "." CRLF (the data starts at a line start). Returns the octets used;
 * sets the state back to commands at the end. */
static size_t data_input(sg_lmtp_session *s, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        char c = p[i];
        switch (s->ls) {
        case L_START:
            if (c == '.') {
                s->ls = L_DOT;
                i++;
                continue;
            }
            s->ls = L_IN;
            continue; /* the same octet, inside the line */
        case L_DOT:
            if (c == '\r') {
                s->ls = L_DOT_CR;
                i++;
                continue;
            }
            s->ls = L_IN; /* §4.5.2: the leading dot is dropped */
            continue;
        case L_DOT_CR:
            if (c == '\n') { /* "." CRLF: the end */
                i++;
                finish_message(s);
                return i;
            }
            msg_add(s, "\r", 1); /* ".\r" then something: the dot goes, the CR stays */
            s->ls = L_IN;
            continue;
        case L_CR:
            if (c == '\n') {
                msg_add(s, "\n", 1);
                s->ls = L_START;
                i++;
                continue;
            }
            msg_add(s, "\r", 1); /* a bare CR is data */
            s->ls = L_IN;
            continue;
        case L_IN: {
            /* the run of ordinary octets up to the next CR */
            const char *cr = memchr(p + i, '\r', n - i);
            size_t run = cr ? (size_t)(cr - (p + i)) : n - i;
            msg_add(s, p + i, run);
            i += run;
            if (cr) {
                s->ls = L_CR;
                i++;
            }
            continue;
        }
        }
    }
    return i;
}

/* BDAT octets: CRLF -> LF only (RFC 3030: no dot-stuffing). */
static size_t bdat_input(sg_lmtp_session *s, const char *p, size_t n)
{
    size_t take = n < s->chunk_left ? n : (size_t)s->chunk_left;
    if (!s->chunk_dropped) {
        size_t i = 0;
        while (i < take) {
            if (s->ls == L_CR) {
                if (p[i] == '\n') {
                    msg_add(s, "\n", 1);
                    i++;
                } else {
                    msg_add(s, "\r", 1);
                }
                s->ls = L_IN;
                continue;
            }
            const char *cr = memchr(p + i, '\r', take - i);
            size_t run = cr ? (size_t)(cr - (p + i)) : take - i;
            msg_add(s, p + i, run);
            i += run;
            if (cr) {
                s->ls = L_CR;
                i++;
            }
        }
    }
    s->chunk_left -= take;
    if (s->chunk_left == 0) {
        s->state = ST_COMMAND;
        if (s->chunk_dropped) {
            /* already answered when the BDAT came */
        } else if (!s->chunk_last) {
            char line[SG_LMTP_REPLY_MAX];
            snprintf(line, sizeof line, "250 2.0.0 %llu octets received", s->chunk_size);
            reply(s, line);
        } else {
            if (s->ls == L_CR)
                msg_add(s, "\r", 1);
            s->ls = L_START;
            finish_message(s);
        }
    }
    return take;
}

static void do_data(sg_lmtp_session *s)
{
    if (!s->in_txn)
        return answer(s, "503 5.5.1 Send MAIL first");
    if (s->used_bdat)
        return answer(s, "503 5.5.1 DATA not allowed after BDAT");
    if (s->nrcpt == 0)
        return answer(s, "503 5.5.1 No valid recipients");
    s->state = ST_DATA;
    s->ls = L_START;
    s->msg_len = 0;
    answer(s, "354 End data with <CR><LF>.<CR><LF>");
}

static void do_bdat(sg_lmtp_session *s, const sg_lmtp_command *c)
{
    /* RFC 3030 §3: the chunk is read whatever the answer */
    s->state = c->size ? ST_BDAT : ST_COMMAND;
    s->chunk_left = s->chunk_size = c->size;
    s->chunk_last = c->last;
    const char *refuse = !s->in_txn      ? "503 5.5.1 Send MAIL first"
                         : s->bdat_refused ? "503 5.5.1 Transaction failed, send RSET"
                         : s->nrcpt == 0   ? "503 5.5.1 No valid recipients"
                                           : NULL;
    s->chunk_dropped = refuse != NULL;
    if (refuse) {
        if (s->in_txn)
            s->bdat_refused = true;
        answer(s, refuse);
        return;
    }
    if (!s->used_bdat) {
        s->used_bdat = true;
        s->msg_len = 0;
        s->ls = L_IN;
    }
    if (c->size == 0) { /* an empty chunk: answered now */
        s->chunk_left = 0;
        s->state = ST_BDAT;
        bdat_input(s, "", 0);
    }
}

static void do_lhlo(sg_lmtp_session *s, const sg_lmtp_command *c)
{
    end_txn(s);
    free(s->helo);
    s->helo = sg_xstrdup(c->arg);
    s->greeted_lhlo = true;
    char line[SG_LMTP_REPLY_MAX];
    snprintf(line, sizeof line,
             "250-%s\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-SIZE %zu\r\n250 CHUNKING",
             s->lim.hostname, s->lim.max_message);
    answer(s, line);
}

static void command(sg_lmtp_session *s, char *line)
{
    sg_lmtp_command c;
    char err[SG_LMTP_REPLY_MAX];
    if (!sg_lmtp_parse_command(line, &c, err, sizeof err))
        return answer(s, err);
    switch (c.verb) {
    case SG_LMTP_LHLO: return do_lhlo(s, &c);
    case SG_LMTP_HELO: return answer(s, "500 5.5.1 Use LHLO, this is LMTP (RFC 2033)");
    case SG_LMTP_MAIL: return do_mail(s, &c);
    case SG_LMTP_RCPT: return do_rcpt(s, &c);
    case SG_LMTP_DATA: return do_data(s);
    case SG_LMTP_BDAT: return do_bdat(s, &c);
    case SG_LMTP_RSET:
        end_txn(s);
        answer(s, "250 2.0.0 OK");
        if (s->stopping)
            close_with(s, "421 4.3.2", "Service shutting down, closing connection");
        return;
    case SG_LMTP_NOOP: return answer(s, "250 2.0.0 OK");
    case SG_LMTP_QUIT:
        answer(s, "221 2.0.0 Bye");
        s->closed = true;
        return;
    case SG_LMTP_VRFY: return answer(s, "502 5.5.1 VRFY command is disabled");
    case SG_LMTP_EXPN: return answer(s, "502 5.5.1 EXPN command is disabled");
    case SG_LMTP_HELP: return answer(s, "214 2.0.0 See RFC 2033");
    case SG_LMTP_UNKNOWN: break;
    }
    answer(s, "500 5.5.2 Unknown command");
}

/* Command input: lines up to LF; returns the octets used. */
static size_t command_input(sg_lmtp_session *s, const char *p, size_t n)
{
    const char *lf = memchr(p, '\n', n);
    size_t take = lf ? (size_t)(lf - p) + 1 : n;
    if (s->state == ST_DISCARD) {
        if (lf) {
            s->state = ST_COMMAND;
            answer(s, "500 5.5.2 Line too long");
        }
        return take;
    }
    size_t body = lf ? take - 1 : take; /* without the LF */
    if (s->line_len + body > s->lim.max_line - 1) {
        s->line_len = 0;
        if (lf)
            answer(s, "500 5.5.2 Line too long");
        else
            s->state = ST_DISCARD;
        return take;
    }
    memcpy(s->line + s->line_len, p, body);
    s->line_len += body;
    if (!lf)
        return take;
    size_t l = s->line_len;
    s->line_len = 0;
    if (l && s->line[l - 1] == '\r')
        l--;
    s->line[l] = '\0';
    if (memchr(s->line, '\0', l))
        answer(s, "500 5.5.2 NUL character in command");
    else
        command(s, s->line);
    return take;
}

void sg_lmtp_session_input(sg_lmtp_session *s, const char *data, size_t len)
{
    while (len > 0 && !s->closed) {
        size_t used;
        switch (s->state) {
        case ST_DATA: used = data_input(s, data, len); break;
        case ST_BDAT: used = bdat_input(s, data, len); break;
        default: used = command_input(s, data, len); break;
        }
        data += used;
        len -= used;
        if (s->stopping && !s->in_txn && s->state == ST_COMMAND)
            close_with(s, "421 4.3.2", "Service shutting down, closing connection");
    }
}
