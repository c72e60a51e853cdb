/* smtp.c - an SMTP server as a transport (submit.h, submit_int.h; RFC 5321):
 * EHLO (HELO when refused), MAIL with BODY=8BITMIME when offered and needed,
 * RCPT for every recipient (all accepted, or nothing is sent), DATA with
 * CRLF line endings and dot-stuffing (§4.5.2), QUIT; every reply checked,
 * every step under the timeout.
 *
 * Takes: the configuration (submission_host, hostname), a checked envelope,
 * the message. Returns: OK, TEMPFAIL (4xx, no connection, a timeout, a broken
 * reply) or PERMFAIL (5xx), with the server's reply in the sentence.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/arena.h"
#include "engine/deliver/submit_int.h"
#include "engine/mail/mailtext.h"

#define REPLY_LINES 1000 /* a reply longer than this many lines is broken */

typedef struct {
    int fd;
    unsigned timeout_ms;
    char buf[4096];
    size_t start, end;
    const char *where; /* "SMTP host:port" for reasons */
    char *err;
    size_t errlen;
    char out[16384];   /* data being sent */
    size_t out_len;
} smtp_conn;

typedef struct {
    int code;
    char text[SG_SUBMIT_REASON_MAX + 1]; /* "CODE text text ..." of every line, cleaned */
    bool ext_8bitmime;
} smtp_reply;

static bool smtp_write(smtp_conn *c, const char *p, size_t len)
{
    double deadline = sg_submit_now_ms() + c->timeout_ms;
    while (len > 0) {
        ssize_t w = send(c->fd, p, len, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            len -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            sg_submit_set_err(c->err, c->errlen, "%s: write: %s", c->where, strerror(errno));
            return false;
        }
        int left = sg_submit_remaining_ms(deadline);
        struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};
        int pr = left ? poll(&pfd, 1, left) : 0;
        if (pr == 0) {
            sg_submit_set_err(c->err, c->errlen, "%s: timed out after %u ms while sending", c->where, c->timeout_ms);
            return false;
        }
        if (pr < 0 && errno != EINTR) {
            sg_submit_set_err(c->err, c->errlen, "%s: poll: %s", c->where, strerror(errno));
            return false;
        }
    }
    return true;
}

static bool smtp_flush(smtp_conn *c)
{
    bool ok = smtp_write(c, c->out, c->out_len);
    c->out_len = 0;
    return ok;
}

static bool smtp_put(smtp_conn *c, const char *p, size_t len)
{
    while (len > 0) {
        size_t take = sizeof c->out - c->out_len < len ? sizeof c->out - c->out_len : len;
        memcpy(c->out + c->out_len, p, take);
        c->out_len += take;
        p += take;
        len -= take;
        if (c->out_len == sizeof c->out && !smtp_flush(c))
            return false;
    }
    return true;
}

/* One line (without its CRLF, cut at cap - 1) before the deadline. */
static bool smtp_read_line(smtp_conn *c, double deadline, char *line, size_t cap)
{
    size_t n = 0;
    for (;;) {
        while (c->start < c->end) {
            char ch = c->buf[c->start++];
            if (ch == '\n') {
                if (n > 0 && line[n - 1] == '\r')
                    n--;
                line[n] = '\0';
                return true;
            }
            if (n < cap - 1)
                line[n++] = ch;
        }
        int left = sg_submit_remaining_ms(deadline);
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int pr = left ? poll(&pfd, 1, left) : 0;
        if (pr == 0) {
            sg_submit_set_err(c->err, c->errlen, "%s: no reply within %u ms", c->where, c->timeout_ms);
            return false;
        }
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            sg_submit_set_err(c->err, c->errlen, "%s: poll: %s", c->where, strerror(errno));
            return false;
        }
        ssize_t got = recv(c->fd, c->buf, sizeof c->buf, 0);
        if (got == 0) {
            sg_submit_set_err(c->err, c->errlen, "%s: connection closed by the server", c->where);
            return false;
        }
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            sg_submit_set_err(c->err, c->errlen, "%s: read: %s", c->where, strerror(errno));
            return false;
        }
        c->start = 0;
        c->end = (size_t)got;
    }
}

/* A reply (RFC 5321 §4.2): "NNN-text" lines then "NNN text", one code. */
static bool smtp_reply_read(smtp_conn *c, smtp_reply *r)
{
    double deadline = sg_submit_now_ms() + c->timeout_ms;
    r->code = 0;
    r->text[0] = '\0';
    r->ext_8bitmime = false;
    size_t tlen = 0;
    for (int i = 0; i < REPLY_LINES; i++) {
        char line[1024];
        if (!smtp_read_line(c, deadline, line, sizeof line))
            return false;
        bool digits = line[0] >= '2' && line[0] <= '5' && line[1] >= '0' && line[1] <= '9' && line[2] >= '0' &&
                      line[2] <= '9';
        char sep = digits ? line[3] : 0;
        if (!digits || (sep != '-' && sep != ' ' && sep != '\0')) {
            sg_submit_clean_line(line);
            sg_submit_set_err(c->err, c->errlen, "%s: malformed reply \"%.80s\"", c->where, line);
            return false;
        }
        int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (i > 0 && code != r->code) {
            sg_submit_set_err(c->err, c->errlen, "%s: malformed reply (codes %d and %d in one reply)", c->where,
                              r->code, code);
            return false;
        }
        r->code = code;
        const char *text = sep ? line + 4 : "";
        if (i > 0 && strncasecmp(text, "8BITMIME", 8) == 0 && (text[8] == '\0' || text[8] == ' '))
            r->ext_8bitmime = true;
        char piece[1100];
        snprintf(piece, sizeof piece, i == 0 ? "%.1023s" : " %.1022s", i == 0 ? line : text);
        sg_submit_clean_line(piece);
        sg_submit_keep_output(r->text, &tlen, piece, strlen(piece));
        if (sep != '-')
            return true;
    }
    sg_submit_set_err(c->err, c->errlen, "%s: reply longer than %d lines", c->where, REPLY_LINES);
    return false;
}

/* Sends a command (NULL: none, only read) and reads its reply; false on a broken connection. */
static bool smtp_command(smtp_conn *c, const char *cmd, smtp_reply *r)
{
    if (cmd && (!smtp_put(c, cmd, strlen(cmd)) || !smtp_put(c, "\r\n", 2) || !smtp_flush(c)))
        return false;
    return smtp_reply_read(c, r);
}

/* The status a reply means where `want` (2 or 3) is success. */
static sg_submit_status reply_status(const smtp_reply *r, int want)
{
    if (r->code / 100 == want)
        return SG_SUBMIT_OK;
    return r->code / 100 == 5 ? SG_SUBMIT_PERMFAIL : SG_SUBMIT_TEMPFAIL;
}

static bool split_host_port(const char *spec, char *host, size_t hostcap, char *port, size_t portcap)
{
    const char *colon;
    size_t hlen;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || (close[1] && close[1] != ':'))
            return false;
        hlen = (size_t)(close - spec - 1);
        memcpy(host, spec + 1, hlen < hostcap ? hlen : 0);
        colon = close[1] ? close + 1 : NULL;
    } else {
        colon = strchr(spec, ':');
        if (colon && strchr(colon + 1, ':'))
            return false;
        hlen = colon ? (size_t)(colon - spec) : strlen(spec);
        memcpy(host, spec, hlen < hostcap ? hlen : 0);
    }
    if (hlen == 0 || hlen >= hostcap)
        return false;
    host[hlen] = '\0';
    const char *p = colon ? colon + 1 : "25";
    if (!*p || strlen(p) >= portcap || strspn(p, "0123456789") != strlen(p))
        return false;
    strcpy(port, p);
    return true;
}

static int smtp_connect(const char *spec, unsigned timeout_ms, char *err, size_t errlen)
{
    char host[256], port[16];
    if (!split_host_port(spec, host, sizeof host, port, sizeof port)) {
        sg_submit_set_err(err, errlen, "submission_host \"%s\" is not host:port", spec);
        return -1;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        sg_submit_set_err(err, errlen, "SMTP %s: %s", spec, gai_strerror(gai));
        return -1;
    }
    double deadline = sg_submit_now_ms() + timeout_ms;
    int fd = -1, last_errno = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        int s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (s < 0) {
            last_errno = errno;
            continue;
        }
        fcntl(s, F_SETFD, FD_CLOEXEC);
        fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
        if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0) {
            fd = s;
            break;
        }
        if (errno != EINPROGRESS && errno != EINTR) {
            last_errno = errno;
            close(s);
            continue;
        }
        struct pollfd pfd = {.fd = s, .events = POLLOUT};
        int pr;
        do {
            int left = sg_submit_remaining_ms(deadline);
            pr = left ? poll(&pfd, 1, left) : 0;
        } while (pr < 0 && errno == EINTR);
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (pr == 0)
            last_errno = ETIMEDOUT;
        else if (pr < 0)
            last_errno = errno;
        else if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
            last_errno = errno;
        else if (soerr != 0)
            last_errno = soerr;
        else {
            fd = s;
            break;
        }
        close(s);
    }
    freeaddrinfo(res);
    if (fd < 0) {
        if (last_errno == ETIMEDOUT)
            sg_submit_set_err(err, errlen, "SMTP %s: cannot connect within %u ms", spec, timeout_ms);
        else
            sg_submit_set_err(err, errlen, "SMTP %s: cannot connect: %s", spec, strerror(last_errno));
    }
    return fd;
}

/* The message as DATA: CRLF line endings, dot-stuffed, then "."; chunk by
 * chunk from the parts (a CR that ends one chunk and the LF that starts the
 * next are one line end). */
static bool smtp_send_data(smtp_conn *c, const sg_submit_part *parts, size_t nparts)
{
    sg_parts_reader r;
    sg_parts_reader_init(&r, parts, nparts);
    bool line_start = true, after_cr = false, ok = true;
    for (;;) {
        const char *data;
        size_t len;
        int e = sg_parts_next(&r, &data, &len);
        if (e) {
            sg_submit_set_err(c->err, c->errlen, "%s: reading the message: %s", c->where, strerror(e));
            ok = false;
            break;
        }
        if (len == 0)
            break;
        size_t i = 0, run = 0; /* bytes of data[run..i) not yet queued */
        if (after_cr && data[0] == '\n')
            i = run = 1; /* the LF of a CRLF split between chunks */
        after_cr = false;
        for (; i < len && ok; i++) {
            char ch = data[i];
            if (line_start && ch == '.') {
                ok = smtp_put(c, data + run, i - run) && smtp_put(c, ".", 1);
                run = i;
            }
            if (ch == '\r' || ch == '\n') {
                ok = ok && smtp_put(c, data + run, i - run) && smtp_put(c, "\r\n", 2);
                if (ch == '\r' && i + 1 < len && data[i + 1] == '\n')
                    i++;
                else if (ch == '\r' && i + 1 == len)
                    after_cr = true;
                run = i + 1;
                line_start = true;
            } else {
                line_start = false;
            }
        }
        ok = ok && smtp_put(c, data + run, len - run);
        if (!ok)
            break;
    }
    sg_parts_reader_free(&r);
    if (!ok)
        return false;
    if (!line_start && !smtp_put(c, "\r\n", 2))
        return false;
    return smtp_put(c, ".\r\n", 3) && smtp_flush(c);
}

/* Whether any byte is 8-bit (BODY=8BITMIME, RFC 6152); an unreadable part counts as 8-bit. */
static bool has_8bit(const sg_submit_part *parts, size_t nparts)
{
    sg_parts_reader r;
    sg_parts_reader_init(&r, parts, nparts);
    bool found = false;
    for (;;) {
        const char *data;
        size_t len;
        if (sg_parts_next(&r, &data, &len) != 0) {
            found = true;
            break;
        }
        if (len == 0)
            break;
        for (size_t i = 0; i < len && !found; i++)
            found = (unsigned char)data[i] >= 0x80;
        if (found)
            break;
    }
    sg_parts_reader_free(&r);
    return found;
}

sg_submit_status sg_submit_smtp(const sg_submit_config *cfg, const char *from, const char *const *rcpts, size_t n,
                                const sg_submit_part *parts, size_t nparts, unsigned timeout_ms, char *err,
                                size_t errlen)
{
    int fd = smtp_connect(cfg->submission_host, timeout_ms, err, errlen);
    if (fd < 0)
        return SG_SUBMIT_TEMPFAIL;
    char where[300];
    snprintf(where, sizeof where, "SMTP %s", cfg->submission_host);
    smtp_conn *c = sg_xmalloc(sizeof *c);
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->timeout_ms = timeout_ms;
    c->where = where;
    c->err = err;
    c->errlen = errlen;

    sg_submit_status st = SG_SUBMIT_TEMPFAIL;
    bool quit = false; /* the session is sound enough to end with QUIT */
    smtp_reply r;
    char host[256], cmd[1100];
    sg_mt_clean_host_into(cfg->hostname, host);

    if (!smtp_command(c, NULL, &r))
        goto out;
    if (r.code / 100 != 2) { /* a refused session says nothing about the message: retry */
        sg_submit_set_err(err, errlen, "%s: session refused: %s", where, r.text);
        quit = true;
        goto out;
    }
    snprintf(cmd, sizeof cmd, "EHLO %s", host);
    if (!smtp_command(c, cmd, &r))
        goto out;
    bool ext_8bitmime = r.ext_8bitmime;
    if (r.code / 100 == 5) { /* RFC 5321 §3.2: a server that does not know EHLO */
        snprintf(cmd, sizeof cmd, "HELO %s", host);
        if (!smtp_command(c, cmd, &r))
            goto out;
        ext_8bitmime = false;
    }
    if (r.code / 100 != 2) {
        sg_submit_set_err(err, errlen, "%s: %s refused: %s", where, cmd, r.text);
        quit = true;
        goto out;
    }
    quit = true;

    snprintf(cmd, sizeof cmd, "MAIL FROM:<%s>%s", sg_submit_null_sender(from) ? "" : from,
             ext_8bitmime && has_8bit(parts, nparts) ? " BODY=8BITMIME" : "");
    if (strlen(cmd) >= sizeof cmd - 1) {
        sg_submit_set_err(err, errlen, "envelope sender too long");
        st = SG_SUBMIT_PERMFAIL;
        goto out;
    }
    if (!smtp_command(c, cmd, &r)) {
        quit = false;
        goto out;
    }
    if ((st = reply_status(&r, 2)) != SG_SUBMIT_OK) {
        sg_submit_set_err(err, errlen, "%s: %s refused: %s", where, cmd, r.text);
        goto out;
    }
    /* Every recipient must be accepted, or nothing is sent: all-or-nothing. */
    sg_submit_status worst = SG_SUBMIT_OK;
    for (size_t i = 0; i < n; i++) {
        snprintf(cmd, sizeof cmd, "RCPT TO:<%s>", rcpts[i]);
        if (strlen(cmd) >= sizeof cmd - 1) {
            sg_submit_set_err(err, errlen, "recipient %zu too long", i + 1);
            st = SG_SUBMIT_PERMFAIL;
            goto out;
        }
        if (!smtp_command(c, cmd, &r)) {
            quit = false;
            st = SG_SUBMIT_TEMPFAIL;
            goto out;
        }
        sg_submit_status rs = reply_status(&r, 2);
        /* the reason kept: the first temporary refusal, else the first permanent one */
        if (rs == SG_SUBMIT_TEMPFAIL && worst != SG_SUBMIT_TEMPFAIL) {
            worst = rs;
            sg_submit_set_err(err, errlen, "%s: %s refused: %s", where, cmd, r.text);
        } else if (rs == SG_SUBMIT_PERMFAIL && worst == SG_SUBMIT_OK) {
            worst = rs;
            sg_submit_set_err(err, errlen, "%s: %s refused: %s", where, cmd, r.text);
        }
    }
    if (worst != SG_SUBMIT_OK) {
        st = worst;
        goto out;
    }
    if (!smtp_command(c, "DATA", &r)) {
        quit = false;
        st = SG_SUBMIT_TEMPFAIL;
        goto out;
    }
    if ((st = reply_status(&r, 3)) != SG_SUBMIT_OK) {
        if (r.code / 100 == 2)
            st = SG_SUBMIT_TEMPFAIL; /* 2xx to DATA: not the protocol */
        sg_submit_set_err(err, errlen, "%s: DATA refused: %s", where, r.text);
        goto out;
    }
    if (!smtp_send_data(c, parts, nparts) || !smtp_reply_read(c, &r)) {
        quit = false;
        st = SG_SUBMIT_TEMPFAIL;
        goto out;
    }
    if ((st = reply_status(&r, 2)) != SG_SUBMIT_OK) {
        sg_submit_set_err(err, errlen, "%s: message refused after DATA: %s", where, r.text);
        goto out;
    }
    sg_submit_set_err(err, errlen, "%s", "");
out:
    if (quit) { /* the message's fate is decided; QUIT's own reply changes nothing */
        char keep[1];
        c->err = keep;
        c->errlen = sizeof keep;
        if (smtp_put(c, "QUIT\r\n", 6) && smtp_flush(c))
            smtp_reply_read(c, &r);
    }
    close(fd);
    free(c);
    return st;
}

