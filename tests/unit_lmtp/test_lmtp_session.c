/* test_lmtp_session.c - cmocka tests of the LMTP state machine
 * (server/lmtp/lmtp_session.h) and command parser (lmtp_command.h): every
 * reply byte for byte, the message each recipient's delivery receives, and
 * the same results whether the input comes whole or one octet at a time.
 *
 * Takes: hooks that accept the users "a@x.org" and "b@x.org", answer
 * "tmp@x.org" with 451 and everyone else with 550, and deliver by recording
 * the message; replies collected from the write hook.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/lmtp/lmtp_session.h"

typedef struct host {
    char out[65536];
    size_t out_len;
    char data[8192]; /* the message the last delivery got */
    size_t data_len;
    size_t deliveries, txn_ends;
    char sender[256];
} host;

static bool rcpt(void *ctx, const sg_lmtp_txn *t, const char *address, void **user, char *reply, size_t replylen)
{
    (void)ctx;
    (void)t;
    if (strcmp(address, "a@x.org") == 0 || strcmp(address, "b@x.org") == 0) {
        *user = (void *)address;
        snprintf(reply, replylen, "250 2.1.5 <%s> OK", address);
        return true;
    }
    if (strcmp(address, "tmp@x.org") == 0)
        snprintf(reply, replylen, "451 4.3.0 <%s> Temporary user lookup failure", address);
    else
        snprintf(reply, replylen, "550 5.1.1 <%s> User doesn't exist", address);
    return false;
}

static void deliver(void *ctx, const sg_lmtp_txn *t, size_t i, char *reply, size_t replylen)
{
    host *h = ctx;
    assert_true(t->len < sizeof h->data);
    memcpy(h->data, t->data, t->len);
    h->data_len = t->len;
    snprintf(h->sender, sizeof h->sender, "%s", t->sender);
    h->deliveries++;
    if (strcmp(t->rcpt[i].address, "b@x.org") == 0 && strstr(t->data, "quota"))
        snprintf(reply, replylen, "452 4.2.2 <%s> Mailbox is full", t->rcpt[i].address);
    else
        snprintf(reply, replylen, "250 2.0.0 <%s> %zu octets", t->rcpt[i].address, t->len);
}

static void txn_end(void *ctx, const sg_lmtp_txn *t)
{
    (void)t;
    ((host *)ctx)->txn_ends++;
}

static bool write_out(void *ctx, const char *data, size_t len)
{
    host *h = ctx;
    assert_true(h->out_len + len < sizeof h->out);
    memcpy(h->out + h->out_len, data, len);
    h->out_len += len;
    h->out[h->out_len] = '\0';
    return true;
}

static sg_lmtp_session *new_session(host *h, const sg_lmtp_limits *lim)
{
    memset(h, 0, sizeof *h);
    sg_lmtp_limits def;
    sg_lmtp_limits_default(&def, "mx.test");
    sg_lmtp_hooks hooks = {rcpt, deliver, txn_end, h, write_out, h};
    return sg_lmtp_session_new(lim ? lim : &def, &hooks);
}

/* Feeds the input whole (step 0) or in pieces of `step` octets. */
static void feed(sg_lmtp_session *s, const char *in, size_t len, size_t step)
{
    if (!step)
        step = len;
    for (size_t i = 0; i < len; i += step)
        sg_lmtp_session_input(s, in + i, len - i < step ? len - i : step);
    sg_lmtp_session_flush(s);
}

static const char lhlo_reply[] = "250-mx.test\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
                                 "250-SIZE 67108864\r\n250 CHUNKING\r\n";

static void greeting_and_lhlo(void **state)
{
    (void)state;
    host h;
    sg_lmtp_session *s = new_session(&h, NULL);
    sg_lmtp_session_greet(s);
    feed(s, "LHLO client.test\r\n", 18, 0);
    char want[512];
    snprintf(want, sizeof want, "220 mx.test LMTP sievegate ready\r\n%s", lhlo_reply);
    assert_string_equal(h.out, want);
    assert_false(sg_lmtp_session_closed(s));
    sg_lmtp_session_free(s);
}

/* A pipelined transaction: the same replies and message in one piece and
 * octet by octet. */
static void pipelined_transaction(void **state)
{
    (void)state;
    static const char in[] = "LHLO c\r\n"
                             "MAIL FROM:<s@y.org> BODY=8BITMIME SIZE=50\r\n"
                             "RCPT TO:<a@x.org>\r\n"
                             "RCPT TO:<nobody@x.org>\r\n"
                             "RCPT TO:<tmp@x.org>\r\n"
                             "RCPT TO: <b@x.org>\r\n"
                             "DATA\r\n"
                             "Subject: t\r\n"
                             "\r\n"
                             "..leading dot\r\n"
                             "..\r\n"
                             ".\r\n"
                             "QUIT\r\n";
    static const char want[] = "250-mx.test\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
                               "250-SIZE 67108864\r\n250 CHUNKING\r\n"
                               "250 2.1.0 Sender OK\r\n"
                               "250 2.1.5 <a@x.org> OK\r\n"
                               "550 5.1.1 <nobody@x.org> User doesn't exist\r\n"
                               "451 4.3.0 <tmp@x.org> Temporary user lookup failure\r\n"
                               "250 2.1.5 <b@x.org> OK\r\n"
                               "354 End data with <CR><LF>.<CR><LF>\r\n"
                               "250 2.0.0 <a@x.org> 27 octets\r\n"
                               "250 2.0.0 <b@x.org> 27 octets\r\n"
                               "221 2.0.0 Bye\r\n";
    static const char msg[] = "Subject: t\n\n.leading dot\n.\n";
    size_t steps[] = {0, 1, 2, 7};
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        host h;
        sg_lmtp_session *s = new_session(&h, NULL);
        feed(s, in, sizeof in - 1, steps[k]);
        assert_string_equal(h.out, want);
        assert_int_equal(h.data_len, sizeof msg - 1);
        assert_memory_equal(h.data, msg, sizeof msg - 1);
        assert_string_equal(h.sender, "s@y.org");
        assert_int_equal(h.deliveries, 2);
        assert_int_equal(h.txn_ends, 1);
        assert_true(sg_lmtp_session_closed(s));
        sg_lmtp_session_free(s);
    }
}

/* Runs one message through DATA; returns the replies after the 354. */
static const char *data_case(host *h, const char *body, size_t len, size_t step)
{
    sg_lmtp_session *s = new_session(h, NULL);
    static const char head[] = "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@x.org>\r\nDATA\r\n";
    feed(s, head, sizeof head - 1, 0);
    size_t before = h->out_len;
    feed(s, body, len, step);
    sg_lmtp_session_free(s);
    return h->out + before;
}

static void dot_and_line_ends(void **state)
{
    (void)state;
    host h;
    /* a bare LF or CR is data: "\n.\n" and "\n.\r\n" do not end the message */
    static const char b1[] = "A\n.\nB\r\nC\n.\r\nD\rE\r\r\n.\r\n";
    static const char m1[] = "A\n.\nB\nC\n.\nD\rE\r\n";
    for (size_t step = 0; step < 4; step++) {
        assert_string_equal(data_case(&h, b1, sizeof b1 - 1, step), "250 2.0.0 <a@x.org> 15 octets\r\n");
        assert_int_equal(h.data_len, sizeof m1 - 1);
        assert_memory_equal(h.data, m1, sizeof m1 - 1);
        assert_string_equal(h.sender, "");
    }
    /* ".x" loses its dot; ".\r" then not LF: the dot goes, the CR stays */
    static const char b2[] = ".x\r\n.\rY\r\n...\r\n.\r\n";
    static const char m2[] = "x\n\rY\n..\n";
    assert_string_equal(data_case(&h, b2, sizeof b2 - 1, 0), "250 2.0.0 <a@x.org> 8 octets\r\n");
    assert_memory_equal(h.data, m2, sizeof m2 - 1);
    /* an empty message */
    assert_string_equal(data_case(&h, ".\r\n", 3, 0), "250 2.0.0 <a@x.org> 0 octets\r\n");
    assert_int_equal(h.data_len, 0);
    /* NUL: refused per recipient, 554 5.6.0 */
    static const char b3[] = "A\0B\r\n.\r\n";
    assert_string_equal(data_case(&h, b3, sizeof b3 - 1, 0),
                        "554 5.6.0 <a@x.org> Message contains NUL characters\r\n");
    assert_int_equal(h.deliveries, 0);
}

static void limits(void **state)
{
    (void)state;
    host h;
    sg_lmtp_limits lim;
    sg_lmtp_limits_default(&lim, "mx.test");
    lim.max_message = 10;
    lim.max_recipients = 1;
    sg_lmtp_session *s = new_session(&h, &lim);
    static const char in[] = "LHLO c\r\n"
                             "MAIL FROM:<s@y.org> SIZE=11\r\n"
                             "MAIL FROM:<s@y.org> SIZE=10\r\n"
                             "RCPT TO:<a@x.org>\r\n"
                             "RCPT TO:<b@x.org>\r\n"
                             "DATA\r\n"
                             "0123456789\r\n"
                             ".\r\n"
                             "MAIL FROM:<s@y.org>\r\n"
                             "RCPT TO:<a@x.org>\r\n"
                             "DATA\r\n"
                             "012345678\r\n"
                             ".\r\n";
    feed(s, in, sizeof in - 1, 0);
    assert_string_equal(strstr(h.out, "250 CHUNKING\r\n") + 14,
                        "552 5.3.4 Message size exceeds fixed maximum message size\r\n"
                        "250 2.1.0 Sender OK\r\n"
                        "250 2.1.5 <a@x.org> OK\r\n"
                        "452 4.5.3 Too many recipients\r\n"
                        "354 End data with <CR><LF>.<CR><LF>\r\n"
                        "552 5.3.4 <a@x.org> Message too big for system\r\n"
                        "250 2.1.0 Sender OK\r\n"
                        "250 2.1.5 <a@x.org> OK\r\n"
                        "354 End data with <CR><LF>.<CR><LF>\r\n"
                        "250 2.0.0 <a@x.org> 10 octets\r\n");
    assert_int_equal(h.deliveries, 1);
    sg_lmtp_session_free(s);
    /* command lines: 2048 octets with the CRLF at most; a longer one is read to its end */
    s = new_session(&h, NULL);
    char line[5000];
    memset(line, 'A', sizeof line);
    memcpy(line, "NOOP ", 5);
    feed(s, line, 2046, 0);
    feed(s, "\r\n", 2, 0);
    feed(s, line, 2047, 0);
    feed(s, "\r\n", 2, 0);
    feed(s, line, sizeof line, 1000);
    feed(s, "\r\nNOOP\r\nNO\0OP\r\n", 15, 0);
    assert_string_equal(h.out, "250 2.0.0 OK\r\n"
                               "500 5.5.2 Line too long\r\n"
                               "500 5.5.2 Line too long\r\n"
                               "250 2.0.0 OK\r\n"
                               "500 5.5.2 NUL character in command\r\n");
    sg_lmtp_session_free(s);
}

static void bdat(void **state)
{
    (void)state;
    host h;
    sg_lmtp_session *s = new_session(&h, NULL);
    /* the CRLF split across two chunks; the octets of a BDAT are never commands */
    static const char in[] = "BDAT 6\r\nRSET\r\n"
                             "LHLO c\r\n"
                             "MAIL FROM:<s@y.org>\r\n"
                             "RCPT TO:<a@x.org>\r\n"
                             "BDAT 8\r\nA\r\n.\r\nB\r"
                             "BDAT 3 LAST\r\n\nC\n"
                             "MAIL FROM:<s@y.org>\r\n"
                             "RCPT TO:<a@x.org>\r\n"
                             "BDAT 0 LAST\r\n"
                             "MAIL FROM:<s@y.org>\r\n"
                             "RCPT TO:<a@x.org>\r\n"
                             "BDAT 2\r\nxy"
                             "DATA\r\n"
                             "RCPT TO:<b@x.org>\r\n"
                             "RSET\r\n"
                             "MAIL FROM:<s@y.org>\r\n"
                             "BDAT 4 LAST\r\nabcd"
                             "BDAT 1 LAST\r\nz"
                             "QUIT\r\n";
    for (size_t step = 0; step < 3; step++) {
        sg_lmtp_session_free(s);
        s = new_session(&h, NULL);
        feed(s, in, sizeof in - 1, step);
        char want[2048];
        snprintf(want, sizeof want,
                 "503 5.5.1 Send MAIL first\r\n" /* "RSET\r\n" was its chunk */
                 "%s"
                 "250 2.1.0 Sender OK\r\n"
                 "250 2.1.5 <a@x.org> OK\r\n"
                 "250 2.0.0 8 octets received\r\n"
                 "250 2.0.0 <a@x.org> 8 octets\r\n"
                 "250 2.1.0 Sender OK\r\n"
                 "250 2.1.5 <a@x.org> OK\r\n"
                 "250 2.0.0 <a@x.org> 0 octets\r\n"
                 "250 2.1.0 Sender OK\r\n"
                 "250 2.1.5 <a@x.org> OK\r\n"
                 "250 2.0.0 2 octets received\r\n"
                 "503 5.5.1 DATA not allowed after BDAT\r\n"
                 "503 5.5.1 RCPT not allowed after BDAT\r\n"
                 "250 2.0.0 OK\r\n"
                 "250 2.1.0 Sender OK\r\n"
                 "503 5.5.1 No valid recipients\r\n"
                 "503 5.5.1 Transaction failed, send RSET\r\n"
                 "221 2.0.0 Bye\r\n",
                 lhlo_reply);
        assert_string_equal(h.out, want);
        assert_int_equal(h.deliveries, 2);
    }
    sg_lmtp_session_free(s);
    /* the first message: "A\r\n.\r\nB\r" + "\nC\r" -> LF line ends, no unstuffing */
    s = new_session(&h, NULL);
    static const char one[] = "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@x.org>\r\nBDAT 8\r\nA\r\n.\r\nB\rBDAT 3 LAST\r\n\nC\r";
    feed(s, one, sizeof one - 1, 0);
    assert_int_equal(h.data_len, 8);
    assert_memory_equal(h.data, "A\n.\nB\nC\r", 8);
    sg_lmtp_session_free(s);
}

static void command_errors(void **state)
{
    (void)state;
    host h;
    sg_lmtp_session *s = new_session(&h, NULL);
    static const char in[] = "EHLO c\r\n"
                             "HELO c\r\n"
                             "MAIL FROM:<s@y.org>\r\n"
                             "LHLO\r\n"
                             "LHLO c\r\n"
                             "RCPT TO:<a@x.org>\r\n"
                             "DATA\r\n"
                             "MAIL FROM:<s@y.org>\r\n"
                             "MAIL FROM:<s@y.org>\r\n"
                             "DATA\r\n"
                             "RCPT TO:<>\r\n"
                             "RCPT TO:a@x.org\r\n"
                             "RCPT TO:<a@x.org> NOTIFY=NEVER\r\n"
                             "VRFY a@x.org\r\n"
                             "EXPN list\r\n"
                             "HELP\r\n"
                             "STARTTLS\r\n"
                             "NOOP anything\r\n"
                             "RSET x\r\n"
                             "RSET\r\n"
                             "MAIL FROM:<s@y.org> RET=HDRS\r\n"
                             "MAIL FROM:<s@y.org> SIZE=x\r\n"
                             "MAIL FROM:<s@y.org> BODY=BINARYMIME\r\n"
                             "BDAT x\r\n"
                             "BDAT 1 FIRST\r\n";
    feed(s, in, sizeof in - 1, 0);
    char want[4096];
    snprintf(want, sizeof want,
             "500 5.5.1 Use LHLO, this is LMTP (RFC 2033)\r\n"
             "500 5.5.1 Use LHLO, this is LMTP (RFC 2033)\r\n"
             "503 5.5.1 Send LHLO first\r\n"
             "501 5.5.4 Syntax: LHLO hostname\r\n"
             "%s"
             "503 5.5.1 Send MAIL first\r\n"
             "503 5.5.1 Send MAIL first\r\n"
             "250 2.1.0 Sender OK\r\n"
             "503 5.5.1 Sender already given\r\n"
             "503 5.5.1 No valid recipients\r\n"
             "501 5.1.3 Invalid recipient address\r\n"
             "501 5.5.4 Syntax: RCPT TO:<address>\r\n"
             "555 5.5.4 Unsupported parameter: NOTIFY=NEVER\r\n"
             "502 5.5.1 VRFY command is disabled\r\n"
             "502 5.5.1 EXPN command is disabled\r\n"
             "214 2.0.0 See RFC 2033\r\n"
             "500 5.5.2 Unknown command\r\n"
             "250 2.0.0 OK\r\n"
             "501 5.5.4 Syntax: no parameters allowed\r\n"
             "250 2.0.0 OK\r\n"
             "555 5.5.4 Unsupported parameter: RET=HDRS\r\n"
             "501 5.5.4 Syntax: SIZE=NUMBER\r\n"
             "501 5.5.4 Syntax: BODY=7BIT or BODY=8BITMIME\r\n"
             "501 5.5.4 Syntax: BDAT SIZE [LAST]\r\n"
             "501 5.5.4 Syntax: BDAT SIZE [LAST]\r\n"
             "421 4.7.0 mx.test Too many errors, closing connection\r\n",
             lhlo_reply);
    assert_string_equal(h.out, want);
    assert_true(sg_lmtp_session_closed(s));
    sg_lmtp_session_free(s);
}

static void shutdown_and_timeout(void **state)
{
    (void)state;
    host h;
    sg_lmtp_session *s = new_session(&h, NULL);
    feed(s, "LHLO c\r\n", 8, 0);
    sg_lmtp_session_stop(s);
    sg_lmtp_session_flush(s);
    assert_true(sg_lmtp_session_closed(s));
    assert_string_equal(h.out + sizeof lhlo_reply - 1, "421 4.3.2 mx.test Service shutting down, closing connection\r\n");
    sg_lmtp_session_free(s);
    /* in a transaction: it ends first, with its replies */
    s = new_session(&h, NULL);
    static const char head[] = "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@x.org>\r\nDATA\r\nX\r\n";
    feed(s, head, sizeof head - 1, 0);
    sg_lmtp_session_stop(s);
    assert_false(sg_lmtp_session_closed(s));
    assert_true(sg_lmtp_session_in_transaction(s));
    feed(s, ".\r\nNOOP\r\n", 9, 0);
    assert_true(sg_lmtp_session_closed(s));
    assert_string_equal(h.out + sizeof lhlo_reply - 1,
                        "250 2.1.0 Sender OK\r\n"
                        "250 2.1.5 <a@x.org> OK\r\n"
                        "354 End data with <CR><LF>.<CR><LF>\r\n"
                        "250 2.0.0 <a@x.org> 2 octets\r\n"
                        "421 4.3.2 mx.test Service shutting down, closing connection\r\n");
    sg_lmtp_session_free(s);
    s = new_session(&h, NULL);
    sg_lmtp_session_timeout(s);
    sg_lmtp_session_flush(s);
    assert_string_equal(h.out, "421 4.4.2 mx.test Idle timeout, closing connection\r\n");
    assert_true(sg_lmtp_session_closed(s));
    sg_lmtp_session_free(s);
}

/* ---- the parser alone ---- */

static void parse(const char *text, bool ok, sg_lmtp_command *c, char *reply)
{
    char line[512];
    snprintf(line, sizeof line, "%s", text);
    assert_int_equal(sg_lmtp_parse_command(line, c, reply, SG_LMTP_REPLY_MAX), ok);
}

static void parser(void **state)
{
    (void)state;
    sg_lmtp_command c;
    char reply[SG_LMTP_REPLY_MAX];
    char line[512];
    snprintf(line, sizeof line, "mail from:<\"a>b@c\"@x.org> size=12 body=7bit");
    assert_true(sg_lmtp_parse_command(line, &c, reply, sizeof reply));
    assert_int_equal(c.verb, SG_LMTP_MAIL);
    assert_string_equal(c.path, "\"a>b@c\"@x.org");
    assert_true(c.has_size);
    assert_int_equal(c.size, 12);
    assert_int_equal(c.body, SG_LMTP_BODY_7BIT);
    snprintf(line, sizeof line, "RCPT TO:<@relay.a,@relay.b:u@x.org>");
    assert_true(sg_lmtp_parse_command(line, &c, reply, sizeof reply));
    assert_string_equal(c.path, "u@x.org");
    snprintf(line, sizeof line, "RCPT TO:<postmaster>");
    assert_true(sg_lmtp_parse_command(line, &c, reply, sizeof reply));
    assert_string_equal(c.path, "postmaster");
    parse("RCPT TO:<a b@x.org>", false, &c, reply);
    assert_string_equal(reply, "501 5.5.4 Syntax: RCPT TO:<address>");
    parse("RCPT TO:<\"a@x.org>", false, &c, reply);
    parse("RCPT TO:<a@x.org>x", false, &c, reply);
    parse("MAIL FROM:<a@x.org> SIZE=123456789012345678901", false, &c, reply);
    assert_string_equal(reply, "501 5.5.4 Syntax: SIZE=NUMBER");
    parse("MAIL FROM:<a@x.org> SIZE=1 SIZE=2", false, &c, reply);
    assert_string_equal(reply, "555 5.5.4 Unsupported parameter: SIZE=2");
    parse("BDAT 18446744073709551615 LAST", true, &c, reply);
    assert_true(c.last);
    parse("BDAT 18446744073709551616", false, &c, reply);
    parse("BDAT 1 LAST x", false, &c, reply);
    parse("", false, &c, reply);
    assert_string_equal(reply, "500 5.5.2 Unknown command");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(greeting_and_lhlo), cmocka_unit_test(pipelined_transaction),
        cmocka_unit_test(dot_and_line_ends), cmocka_unit_test(limits),
        cmocka_unit_test(bdat),              cmocka_unit_test(command_errors),
        cmocka_unit_test(shutdown_and_timeout), cmocka_unit_test(parser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
