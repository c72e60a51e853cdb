/* submit_support.h - what the outgoing-mail tests share: temporary
 * directories, reading a captured file, a monotonic clock, and a real SMTP
 * server (a thread of the test) on 127.0.0.1 at a free port.
 *
 * The SMTP sink takes: the reply to send at every step (defaults below, or
 * SINK_HANG to answer nothing, SINK_CLOSE to close the connection). Returns:
 * every byte the client sent, in order, and how many connections it took.
 * It serves one connection; sink_stop() ends it and joins the thread.
 */
#ifndef SG_TEST_SUBMIT_SUPPORT_H
#define SG_TEST_SUBMIT_SUPPORT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* mkdtemp under $TMPDIR (or /tmp); never NULL (fails the test). */
char *tmpdir_new(const char *prefix);
/* Removes the directory and the plain files in it. */
void tmpdir_remove(char *dir);
/* The whole file (malloc'ed, NUL-terminated too), or NULL when it does not exist. */
char *file_read(const char *dir, const char *name, size_t *len);
bool file_exists(const char *dir, const char *name);
double clock_ms(void);

#define SINK_HANG "<hang>"
#define SINK_CLOSE "<close>"
#define SINK_MAX_RCPT 8

typedef struct smtp_sink {
    /* replies, exact bytes with CRLF; NULL = the default */
    const char *greeting; /* "220 sink.test ESMTP\r\n" */
    const char *ehlo;     /* "250-sink.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n" */
    const char *helo;     /* "250 sink.test\r\n" */
    const char *mail;     /* "250 2.1.0 Ok\r\n" */
    const char *rcpt[SINK_MAX_RCPT]; /* per RCPT in order: "250 2.1.5 Ok\r\n" */
    const char *data;     /* "354 End data with <CR><LF>.<CR><LF>\r\n" */
    const char *end;      /* after the final ".": "250 2.0.0 Ok: queued as 1\r\n" */
    const char *rset;     /* "250 2.0.0 Ok\r\n" */
    const char *quit;     /* "221 2.0.0 Bye\r\n" */

    /* filled by sink_start */
    unsigned port;
    char address[64]; /* "127.0.0.1:PORT" */

    /* the record: valid after sink_stop */
    char *transcript; /* every byte the client sent */
    size_t transcript_len;
    int connections;

    /* internal */
    int listen_fd;
    int stop_pipe[2];
    pthread_t thread;
    bool running;
    size_t cap;
} smtp_sink;

/* Binds 127.0.0.1:0 and starts the thread; fails the test when it cannot. */
void sink_start(smtp_sink *s);
void sink_stop(smtp_sink *s);
void sink_free(smtp_sink *s);

/* A port nothing listens on (bound, then closed). */
unsigned closed_port(void);

#endif
