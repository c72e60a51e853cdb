/* test_smtp.c - submission over SMTP (engine/deliver/smtp.c) to a real server on
 * 127.0.0.1 (the sink in submit_support.c, a thread of this test): the exact
 * dialogue, dot-stuffing, multi-line replies, and the TEMPFAIL / PERMFAIL
 * mapping of every refusal, closed port, silence and broken reply.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/deliver/submit.h"
#include "tests/unit_submit/submit_support.h"

typedef struct {
    smtp_sink sink;
    sg_submit_config cfg;
    char err[512];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->cfg.hostname = "MX.Test";
    f->cfg.timeout_ms = 5000;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sink_free(&f->sink);
    free(f);
    return 0;
}

/* Starts the sink as scripted and submits; the sink is stopped after. */
static sg_submit_status submit(fixture *f, const char *from, const char *const *rcpts, size_t n, const char *data,
                               size_t len)
{
    sink_start(&f->sink);
    f->cfg.submission_host = f->sink.address;
    sg_submit_status st = sg_submit_message(&f->cfg, from, rcpts, n, data, len, f->err, sizeof f->err);
    sink_stop(&f->sink);
    return st;
}

/* The next case of a test: a fresh sink with the default script. */
static void next(fixture *f)
{
    sink_free(&f->sink);
    memset(&f->sink, 0, sizeof f->sink);
}

static void assert_err(const fixture *f, const char *suffix)
{
    char expected[700];
    snprintf(expected, sizeof expected, "SMTP %s: %s", f->sink.address, suffix);
    assert_string_equal(f->err, expected);
}

#define ENVELOPE "EHLO mx.test\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\n"

static void test_exact_dialogue(void **state)
{
    fixture *f = *state;
    /* LF, CRLF and a lone CR all end lines; lines starting with '.' are stuffed */
    static const char msg[] = "Subject: dots\n"
                              "\n"
                              ".hidden\n"
                              "..two\r\n"
                              ".\n"
                              "a\rb\n"
                              "\n"
                              "not.at.start\n"
                              ".last without newline";
    const char *rcpts[] = {"bob@example.net", "carol@example.com"};
    sg_submit_status st = submit(f, "alice@example.org", rcpts, 2, msg, sizeof msg - 1);
    assert_int_equal(st, SG_SUBMIT_OK);
    assert_string_equal(f->err, "");
    assert_int_equal(f->sink.connections, 1);
    assert_string_equal(f->sink.transcript, ENVELOPE "RCPT TO:<carol@example.com>\r\n"
                                                     "DATA\r\n"
                                                     "Subject: dots\r\n"
                                                     "\r\n"
                                                     "..hidden\r\n"
                                                     "...two\r\n"
                                                     "..\r\n"
                                                     "a\r\nb\r\n"
                                                     "\r\n"
                                                     "not.at.start\r\n"
                                                     "..last without newline\r\n"
                                                     ".\r\n"
                                                     "QUIT\r\n");
}

static void test_crlf_message_and_final_dot_line(void **state)
{
    fixture *f = *state;
    static const char msg[] = "A: b\r\n\r\n.\r\n";
    const char *rcpts[] = {"bob@example.net"};
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, msg, sizeof msg - 1), SG_SUBMIT_OK);
    assert_string_equal(f->sink.transcript, ENVELOPE "DATA\r\nA: b\r\n\r\n..\r\n.\r\nQUIT\r\n");
}

static void test_empty_message(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net"};
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "", 0), SG_SUBMIT_OK);
    assert_string_equal(f->sink.transcript, ENVELOPE "DATA\r\n.\r\nQUIT\r\n");
}

static void test_null_sender(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net"};
    assert_int_equal(submit(f, "", rcpts, 1, "x\n", 2), SG_SUBMIT_OK);
    assert_string_equal(f->sink.transcript,
                        "EHLO mx.test\r\nMAIL FROM:<>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n");
    next(f);
    assert_int_equal(submit(f, "<>", rcpts, 1, "x\n", 2), SG_SUBMIT_OK);
    assert_string_equal(f->sink.transcript,
                        "EHLO mx.test\r\nMAIL FROM:<>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n");
}

/* Multi-line greeting and EHLO; BODY=8BITMIME only for 8-bit data to a server that offers it. */
static void test_multiline_and_8bitmime(void **state)
{
    fixture *f = *state;
    f->sink.greeting = "220-sink.test ESMTP\r\n220-second line\r\n220 third\r\n";
    f->sink.ehlo = "250-sink.test\r\n250-SIZE 10240000\r\n250-8bitmime\r\n250 SMTPUTF8\r\n";
    const char *rcpts[] = {"bob@example.net"};
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "S: \xc3\xa9\n", 6), SG_SUBMIT_OK);
    assert_string_equal(f->sink.transcript, "EHLO mx.test\r\nMAIL FROM:<alice@example.org> BODY=8BITMIME\r\n"
                                            "RCPT TO:<bob@example.net>\r\nDATA\r\nS: \xc3\xa9\r\n.\r\nQUIT\r\n");
    next(f);

    f->sink.ehlo = "250-sink.test\r\n250 8BITMIME\r\n";
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "S: e\n", 5), SG_SUBMIT_OK);
    assert_string_equal(f->sink.transcript, ENVELOPE "DATA\r\nS: e\r\n.\r\nQUIT\r\n");
    next(f);

    f->sink.ehlo = "250-sink.test\r\n250 SIZE\r\n";
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "S: \xc3\xa9\n", 6), SG_SUBMIT_OK);
    assert_string_equal(f->sink.transcript, ENVELOPE "DATA\r\nS: \xc3\xa9\r\n.\r\nQUIT\r\n");
}

static void test_helo_fallback(void **state)
{
    fixture *f = *state;
    f->sink.ehlo = "502 5.5.1 EHLO not implemented\r\n";
    const char *rcpts[] = {"bob@example.net"};
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "x\n", 2), SG_SUBMIT_OK);
    assert_string_equal(f->sink.transcript, "EHLO mx.test\r\nHELO mx.test\r\nMAIL FROM:<alice@example.org>\r\n"
                                            "RCPT TO:<bob@example.net>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n");
    next(f);

    f->sink.ehlo = "502 5.5.1 EHLO not implemented\r\n";
    f->sink.helo = "550 5.7.1 go away\r\n";
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "x\n", 2), SG_SUBMIT_TEMPFAIL);
    assert_err(f, "HELO mx.test refused: 550 5.7.1 go away");
    assert_string_equal(f->sink.transcript, "EHLO mx.test\r\nHELO mx.test\r\nQUIT\r\n");
}

static void test_session_refused(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net"};
    f->sink.greeting = "554-sink.test no SMTP service here\r\n554 really\r\n";
    assert_int_equal(submit(f, "a@b.c", rcpts, 1, "x\n", 2), SG_SUBMIT_TEMPFAIL);
    assert_err(f, "session refused: 554-sink.test no SMTP service here really");
    assert_string_equal(f->sink.transcript, "QUIT\r\n");
    next(f);

    f->sink.greeting = "421 4.3.2 try later\r\n";
    assert_int_equal(submit(f, "a@b.c", rcpts, 1, "x\n", 2), SG_SUBMIT_TEMPFAIL);
    assert_err(f, "session refused: 421 4.3.2 try later");
    next(f);

    f->sink.ehlo = "421 4.3.2 shutting down\r\n";
    assert_int_equal(submit(f, "a@b.c", rcpts, 1, "x\n", 2), SG_SUBMIT_TEMPFAIL);
    assert_err(f, "EHLO mx.test refused: 421 4.3.2 shutting down");
}

static void test_mail_refused(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net"};
    f->sink.mail = "451 4.3.0 temporary\r\n";
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "x\n", 2), SG_SUBMIT_TEMPFAIL);
    assert_err(f, "MAIL FROM:<alice@example.org> refused: 451 4.3.0 temporary");
    assert_string_equal(f->sink.transcript, "EHLO mx.test\r\nMAIL FROM:<alice@example.org>\r\nQUIT\r\n");
    next(f);

    f->sink.mail = "553 5.1.8 sender rejected\r\n";
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "x\n", 2), SG_SUBMIT_PERMFAIL);
    assert_err(f, "MAIL FROM:<alice@example.org> refused: 553 5.1.8 sender rejected");
}

/* All or nothing: one refused recipient and no DATA is sent. */
static void test_rcpt_refused(void **state)
{
    fixture *f = *state;
    const char *one[] = {"bob@example.net"};
    f->sink.rcpt[0] = "550-5.1.1 <bob@example.net>: no such user\r\n550 5.1.1 see the docs\r\n";
    assert_int_equal(submit(f, "alice@example.org", one, 1, "x\n", 2), SG_SUBMIT_PERMFAIL);
    assert_err(f, "RCPT TO:<bob@example.net> refused: 550-5.1.1 <bob@example.net>: no such user 5.1.1 see the docs");
    assert_string_equal(f->sink.transcript, ENVELOPE "QUIT\r\n");
    next(f);

    const char *two[] = {"bob@example.net", "carol@example.com"};
    f->sink.rcpt[0] = NULL;
    f->sink.rcpt[1] = "554 5.7.1 relay denied\r\n";
    assert_int_equal(submit(f, "alice@example.org", two, 2, "x\n", 2), SG_SUBMIT_PERMFAIL);
    assert_err(f, "RCPT TO:<carol@example.com> refused: 554 5.7.1 relay denied");
    assert_string_equal(f->sink.transcript, ENVELOPE "RCPT TO:<carol@example.com>\r\nQUIT\r\n");
    next(f);

    /* a temporary refusal wins: retrying may succeed */
    f->sink.rcpt[0] = "550 5.1.1 no such user\r\n";
    f->sink.rcpt[1] = "452 4.2.2 mailbox full\r\n";
    assert_int_equal(submit(f, "alice@example.org", two, 2, "x\n", 2), SG_SUBMIT_TEMPFAIL);
    assert_err(f, "RCPT TO:<carol@example.com> refused: 452 4.2.2 mailbox full");
    assert_string_equal(f->sink.transcript, ENVELOPE "RCPT TO:<carol@example.com>\r\nQUIT\r\n");
}

static void test_data_refused(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net"};
    f->sink.data = "554 5.5.1 no valid recipients\r\n";
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "x\n", 2), SG_SUBMIT_PERMFAIL);
    assert_err(f, "DATA refused: 554 5.5.1 no valid recipients");
    assert_string_equal(f->sink.transcript, ENVELOPE "DATA\r\nQUIT\r\n");
    next(f);

    f->sink.data = "451 4.3.0 later\r\n";
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "x\n", 2), SG_SUBMIT_TEMPFAIL);
    assert_err(f, "DATA refused: 451 4.3.0 later");
    next(f);

    f->sink.data = "250 what\r\n";
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "x\n", 2), SG_SUBMIT_TEMPFAIL);
    assert_err(f, "DATA refused: 250 what");
}

static void test_end_of_data_refused(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net"};
    f->sink.end = "552 5.3.4 message too big\r\n";
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "x\n", 2), SG_SUBMIT_PERMFAIL);
    assert_err(f, "message refused after DATA: 552 5.3.4 message too big");
    assert_string_equal(f->sink.transcript, ENVELOPE "DATA\r\nx\r\n.\r\nQUIT\r\n");
    next(f);

    f->sink.end = "452 4.3.1 insufficient storage\r\n";
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "x\n", 2), SG_SUBMIT_TEMPFAIL);
    assert_err(f, "message refused after DATA: 452 4.3.1 insufficient storage");
}

/* QUIT's own reply changes nothing once the message is accepted. */
static void test_quit_reply_ignored(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net"};
    f->sink.quit = SINK_CLOSE;
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "x\n", 2), SG_SUBMIT_OK);
    assert_string_equal(f->err, "");
}

static void test_closed_port(void **state)
{
    fixture *f = *state;
    char host[64];
    snprintf(host, sizeof host, "127.0.0.1:%u", closed_port());
    f->cfg.submission_host = host;
    f->cfg.timeout_ms = 2000;
    const char *rcpts[] = {"bob@example.net"};
    double t0 = clock_ms();
    sg_submit_status st = sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, "x\n", 2, f->err, sizeof f->err);
    double took = clock_ms() - t0;
    assert_int_equal(st, SG_SUBMIT_TEMPFAIL);
    char expected[200];
    snprintf(expected, sizeof expected, "SMTP %s: cannot connect: Connection refused", host);
    assert_string_equal(f->err, expected);
    assert_true(took < 2000);
}

/* A server that accepts and then says nothing: TEMPFAIL after the timeout. */
static void test_silent_server(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net"};
    f->cfg.timeout_ms = 300;
    f->sink.greeting = SINK_HANG;
    double t0 = clock_ms();
    assert_int_equal(submit(f, "a@b.c", rcpts, 1, "x\n", 2), SG_SUBMIT_TEMPFAIL);
    double took = clock_ms() - t0;
    assert_err(f, "no reply within 300 ms");
    assert_true(took >= 250 && took < 5000);
    next(f);

    /* silence after the data: the message's fate is unknown, so retry */
    f->sink.end = SINK_HANG;
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "x\n", 2), SG_SUBMIT_TEMPFAIL);
    assert_err(f, "no reply within 300 ms");
    assert_string_equal(f->sink.transcript, ENVELOPE "DATA\r\nx\r\n.\r\n");
}

static void test_connection_dropped(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net"};
    f->sink.rcpt[0] = SINK_CLOSE;
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "x\n", 2), SG_SUBMIT_TEMPFAIL);
    assert_err(f, "connection closed by the server");
    assert_string_equal(f->sink.transcript, ENVELOPE);
}

static void test_broken_replies(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net"};
    f->sink.greeting = "hello there\r\n";
    assert_int_equal(submit(f, "a@b.c", rcpts, 1, "x\n", 2), SG_SUBMIT_TEMPFAIL);
    assert_err(f, "malformed reply \"hello there\"");
    next(f);

    f->sink.ehlo = "250-sink.test\r\n550 mixed\r\n";
    assert_int_equal(submit(f, "a@b.c", rcpts, 1, "x\n", 2), SG_SUBMIT_TEMPFAIL);
    assert_err(f, "malformed reply (codes 250 and 550 in one reply)");
    next(f);

    f->sink.mail = "250\r\n"; /* a code alone is a reply */
    assert_int_equal(submit(f, "alice@example.org", rcpts, 1, "x\n", 2), SG_SUBMIT_OK);
}

/* Nothing from an address can become an SMTP command: refused before connecting. */
static void test_injection_refused(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net>\r\nRCPT TO:<evil@example.com"};
    assert_int_equal(submit(f, "a@b.c", rcpts, 1, "x\n", 2), SG_SUBMIT_PERMFAIL);
    assert_int_equal(f->sink.connections, 0);
    next(f);

    const char *ok[] = {"bob@example.net"};
    assert_int_equal(submit(f, "a@b.c>\r\nRSET", ok, 1, "x\n", 2), SG_SUBMIT_PERMFAIL);
    assert_int_equal(f->sink.connections, 0);
}

static void test_bad_host_spec(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net"};
    static const char *const specs[] = {"a:b:c", "host:", "host:x25", "[::1", ":25", NULL};
    for (size_t i = 0; specs[i]; i++) {
        f->cfg.submission_host = specs[i];
        assert_int_equal(sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, "x\n", 2, f->err, sizeof f->err),
                         SG_SUBMIT_TEMPFAIL);
        char expected[200];
        snprintf(expected, sizeof expected, "submission_host \"%s\" is not host:port", specs[i]);
        assert_string_equal(f->err, expected);
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_exact_dialogue),     T(test_crlf_message_and_final_dot_line),
        T(test_empty_message),      T(test_null_sender),
        T(test_multiline_and_8bitmime), T(test_helo_fallback),
        T(test_session_refused),    T(test_mail_refused),
        T(test_rcpt_refused),       T(test_data_refused),
        T(test_end_of_data_refused), T(test_quit_reply_ignored),
        T(test_closed_port),        T(test_silent_server),
        T(test_connection_dropped), T(test_broken_replies),
        T(test_injection_refused),  T(test_bad_host_spec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
