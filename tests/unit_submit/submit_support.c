/* submit_support.c - see submit_support.h. */
#include "tests/unit_submit/submit_support.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *tmpdir_new(const char *prefix)
{
    const char *base = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.XXXXXX", base && *base ? base : "/tmp", prefix);
    char *dir = mkdtemp(path);
    assert_non_null(dir);
    char *copy = strdup(dir);
    assert_non_null(copy);
    return copy;
}

void tmpdir_remove(char *dir)
{
    if (!dir)
        return;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

char *file_read(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

bool file_exists(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    return stat(path, &st) == 0;
}

double clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- the SMTP sink ---- */

#define SINK_IDLE_MS 10000 /* a test that forgets its client still ends */

static void record(smtp_sink *s, const char *p, size_t n)
{
    if (s->transcript_len + n + 1 > s->cap) {
        while (s->transcript_len + n + 1 > s->cap)
            s->cap = s->cap ? s->cap * 2 : 4096;
        s->transcript = realloc(s->transcript, s->cap);
        if (!s->transcript)
            abort();
    }
    memcpy(s->transcript + s->transcript_len, p, n);
    s->transcript_len += n;
    s->transcript[s->transcript_len] = '\0';
}

/* Waits for fd (or the stop pipe); false when stopped or idle too long. */
static bool wait_readable(smtp_sink *s, int fd)
{
    struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = s->stop_pipe[0], .events = POLLIN}};
    for (;;) {
        int r = poll(p, 2, SINK_IDLE_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        /* what the client sent before it went away is read before a stop */
        return p[0].revents != 0;
    }
}

typedef struct {
    smtp_sink *s;
    int fd;
    char buf[4096];
    size_t start, end;
} sink_conn;

/* One line with its CRLF (or what came before EOF); false at EOF or stop. */
static bool sink_line(sink_conn *c, char *line, size_t cap, size_t *len)
{
    size_t n = 0;
    for (;;) {
        while (c->start < c->end) {
            char ch = c->buf[c->start++];
            if (n < cap - 1)
                line[n++] = ch;
            if (ch == '\n') {
                line[n] = '\0';
                *len = n;
                return true;
            }
        }
        if (!wait_readable(c->s, c->fd))
            return false;
        ssize_t got = recv(c->fd, c->buf, sizeof c->buf, 0);
        if (got <= 0)
            return false;
        record(c->s, c->buf, (size_t)got);
        c->start = 0;
        c->end = (size_t)got;
    }
}

/* Sends a reply; false when the script says hang or close. */
static bool sink_reply(sink_conn *c, const char *reply, const char *fallback)
{
    const char *r = reply ? reply : fallback;
    if (strcmp(r, SINK_CLOSE) == 0)
        return false;
    if (strcmp(r, SINK_HANG) == 0) {
        char line[1024];
        size_t n;
        while (sink_line(c, line, sizeof line, &n))
            ; /* say nothing until the client gives up */
        return false;
    }
    size_t len = strlen(r);
    return send(c->fd, r, len, MSG_NOSIGNAL) == (ssize_t)len;
}

static void serve(smtp_sink *s, int fd)
{
    sink_conn *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->s = s;
    c->fd = fd;
    size_t nrcpt = 0;
    char line[2048];
    size_t n;
    if (!sink_reply(c, s->greeting, "220 sink.test ESMTP\r\n"))
        goto out;
    while (sink_line(c, line, sizeof line, &n)) {
        bool ok;
        if (strncasecmp(line, "EHLO", 4) == 0)
            ok = sink_reply(c, s->ehlo, "250-sink.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
        else if (strncasecmp(line, "HELO", 4) == 0)
            ok = sink_reply(c, s->helo, "250 sink.test\r\n");
        else if (strncasecmp(line, "MAIL", 4) == 0)
            ok = sink_reply(c, s->mail, "250 2.1.0 Ok\r\n");
        else if (strncasecmp(line, "RCPT", 4) == 0) {
            const char *r = nrcpt < SINK_MAX_RCPT ? s->rcpt[nrcpt] : NULL;
            nrcpt++;
            ok = sink_reply(c, r, "250 2.1.5 Ok\r\n");
        } else if (strncasecmp(line, "DATA", 4) == 0) {
            const char *r = s->data ? s->data : "354 End data with <CR><LF>.<CR><LF>\r\n";
            ok = sink_reply(c, r, NULL);
            if (ok && r[0] == '3') {
                bool done = false;
                while (!done && sink_line(c, line, sizeof line, &n))
                    done = strcmp(line, ".\r\n") == 0;
                ok = done && sink_reply(c, s->end, "250 2.0.0 Ok: queued as 1\r\n");
            }
        } else if (strncasecmp(line, "RSET", 4) == 0)
            ok = sink_reply(c, s->rset, "250 2.0.0 Ok\r\n");
        else if (strncasecmp(line, "QUIT", 4) == 0) {
            sink_reply(c, s->quit, "221 2.0.0 Bye\r\n");
            ok = false;
        } else
            ok = sink_reply(c, "502 5.5.2 Error: command not recognized\r\n", NULL);
        if (!ok)
            break;
    }
out:
    free(c);
}

static void *sink_main(void *arg)
{
    smtp_sink *s = arg;
    if (wait_readable(s, s->listen_fd)) {
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd >= 0) {
            s->connections++;
            serve(s, fd);
            close(fd);
        }
    }
    return NULL;
}

void sink_start(smtp_sink *s)
{
    s->transcript = NULL;
    s->transcript_len = s->cap = 0;
    s->connections = 0;
    record(s, "", 0);
    assert_int_equal(pipe(s->stop_pipe), 0);
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->listen_fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->listen_fd, 4), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&a, &al), 0);
    s->port = ntohs(a.sin_port);
    snprintf(s->address, sizeof s->address, "127.0.0.1:%u", s->port);
    assert_int_equal(pthread_create(&s->thread, NULL, sink_main, s), 0);
    s->running = true;
}

void sink_stop(smtp_sink *s)
{
    if (!s->running)
        return;
    ssize_t w = write(s->stop_pipe[1], "x", 1);
    (void)w;
    pthread_join(s->thread, NULL);
    s->running = false;
    close(s->listen_fd);
    close(s->stop_pipe[0]);
    close(s->stop_pipe[1]);
}

void sink_free(smtp_sink *s)
{
    sink_stop(s);
    free(s->transcript);
    s->transcript = NULL;
}

unsigned closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    return ntohs(a.sin_port);
}
