/* test_vacation.c - the vacation auto-reply (engine/deliver/vacation.c): every rule
 * that forbids a reply (RFC 5230 §4.5, §4.6), the user-address rule, replies
 * compared byte for byte, and header injection through :subject, :from and
 * the original Subject. Every reply is checked for CRLF, 7-bit, < 998 octets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/mail/message.h"
#include "engine/deliver/vacation.h"

#define RCPT "alice@corp.example"
#define SENDER "carol@sender.example"
#define NOW ((time_t)1764000000) /* Mon, 24 Nov 2025 16:00:00 +0000 */

static const char ORIGINAL[] = "Return-Path: <carol@sender.example>\r\n"
                               "From: Carol <carol@sender.example>\r\n"
                               "To: Alice <alice@corp.example>\r\n"
                               "Subject: Quarterly numbers\r\n"
                               "Date: Mon, 24 Nov 2025 09:00:00 +0000\r\n"
                               "Message-ID: <q3@sender.example>\r\n"
                               "\r\n"
                               "body\r\n";

typedef struct world {
    sg_arena *arena;
    sg_action act;
} world;

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    w->arena = sg_arena_new();
    w->act.kind = SG_ACT_VACATION;
    w->act.reason = "I am away.";
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    sg_arena_free(w->arena);
    free(w);
    return 0;
}

static sg_vacation_request request(world *w, const char *sender, const char *text)
{
    sg_vacation_request r = {.envelope_sender = sender,
                             .recipient = RCPT,
                             .message = sg_message_parse(text, strlen(text), w->arena),
                             .action = &w->act};
    return r;
}

/* A message from SENDER to RCPT with `extra` header lines. */
static const char *with_headers(world *w, const char *extra, const char *to)
{
    char tmp[2048];
    snprintf(tmp, sizeof tmp, "From: carol@sender.example\r\nTo: %s\r\n%sSubject: hi\r\n\r\nbody\r\n", to, extra);
    return sg_arena_strdup(w->arena, tmp);
}

static sg_vacation_check check(world *w, const char *sender, const char *extra)
{
    sg_vacation_request r = request(w, sender, with_headers(w, extra, RCPT));
    return sg_vacation_due(&r, w->arena);
}

#define ASSERT_CHECK(w, sender, extra, expect)                                                           \
    do {                                                                                                 \
        sg_vacation_check c_ = check(w, sender, extra);                                                  \
        if (c_ != (expect))                                                                              \
            fail_msg("sender \"%s\" extra \"%s\": got %s, want %s", sender, extra,                      \
                     sg_vacation_check_name(c_), sg_vacation_check_name(expect));                       \
    } while (0)

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(sg_vacation_check_name(SG_VACATION_REPLY), "reply");
    assert_string_equal(sg_vacation_check_name(SG_VACATION_NULL_SENDER), "null-sender");
    assert_string_equal(sg_vacation_check_name(SG_VACATION_AUTO_SUBMITTED), "auto-submitted");
    assert_string_equal(sg_vacation_check_name(SG_VACATION_MAILING_LIST), "mailing-list");
    assert_string_equal(sg_vacation_check_name(SG_VACATION_PRECEDENCE), "precedence");
    assert_string_equal(sg_vacation_check_name(SG_VACATION_SYSTEM_SENDER), "system-sender");
    assert_string_equal(sg_vacation_check_name(SG_VACATION_NOT_ADDRESSED), "not-addressed");
}

static void test_reply_due(void **state)
{
    world *w = *state;
    ASSERT_CHECK(w, SENDER, "", SG_VACATION_REPLY);
    ASSERT_CHECK(w, "<" SENDER ">", "", SG_VACATION_REPLY);
    ASSERT_CHECK(w, SENDER, "Auto-Submitted: no\r\n", SG_VACATION_REPLY);
    ASSERT_CHECK(w, SENDER, "Auto-Submitted: No (a person)\r\n", SG_VACATION_REPLY);
    ASSERT_CHECK(w, SENDER, "Precedence: first-class\r\n", SG_VACATION_REPLY);
    ASSERT_CHECK(w, "postmaster@sender.example", "", SG_VACATION_REPLY); /* people read it (RFC 5230 §4.6) */
    ASSERT_CHECK(w, "owner@sender.example", "", SG_VACATION_REPLY);
    ASSERT_CHECK(w, "requests@sender.example", "", SG_VACATION_REPLY);
}

static void test_null_sender(void **state)
{
    world *w = *state;
    ASSERT_CHECK(w, "", "", SG_VACATION_NULL_SENDER);
    ASSERT_CHECK(w, "<>", "", SG_VACATION_NULL_SENDER);
    ASSERT_CHECK(w, " <> ", "", SG_VACATION_NULL_SENDER);
    sg_vacation_request r = request(w, NULL, ORIGINAL);
    assert_int_equal(sg_vacation_due(&r, w->arena), SG_VACATION_NULL_SENDER);
}

static void test_auto_submitted(void **state)
{
    world *w = *state;
    ASSERT_CHECK(w, SENDER, "Auto-Submitted: auto-replied\r\n", SG_VACATION_AUTO_SUBMITTED);
    ASSERT_CHECK(w, SENDER, "Auto-Submitted: auto-generated\r\n", SG_VACATION_AUTO_SUBMITTED);
    ASSERT_CHECK(w, SENDER, "auto-submitted: AUTO-NOTIFIED; owner-email=x@y\r\n", SG_VACATION_AUTO_SUBMITTED);
    ASSERT_CHECK(w, SENDER, "Auto-Submitted:\r\n", SG_VACATION_AUTO_SUBMITTED);
    ASSERT_CHECK(w, SENDER, "Auto-Submitted: nope\r\n", SG_VACATION_AUTO_SUBMITTED);
    /* the first rule that holds is the one reported */
    ASSERT_CHECK(w, "", "Auto-Submitted: auto-replied\r\n", SG_VACATION_NULL_SENDER);
}

static void test_mailing_list(void **state)
{
    world *w = *state;
    static const char *const fields[] = {"List-Id: <x.lists.example>\r\n",
                                         "List-Help: <mailto:x-help@lists.example>\r\n",
                                         "List-Subscribe: <mailto:x-sub@lists.example>\r\n",
                                         "List-Unsubscribe: <mailto:x-unsub@lists.example>\r\n",
                                         "List-Post: NO\r\n",
                                         "List-Owner: <mailto:x-owner@lists.example>\r\n",
                                         "list-archive: <https://lists.example/x>\r\n",
                                         NULL};
    for (size_t i = 0; fields[i]; i++)
        ASSERT_CHECK(w, SENDER, fields[i], SG_VACATION_MAILING_LIST);
    ASSERT_CHECK(w, SENDER, "List-Other: x\r\n", SG_VACATION_REPLY);
}

static void test_precedence(void **state)
{
    world *w = *state;
    ASSERT_CHECK(w, SENDER, "Precedence: bulk\r\n", SG_VACATION_PRECEDENCE);
    ASSERT_CHECK(w, SENDER, "Precedence: LIST\r\n", SG_VACATION_PRECEDENCE);
    ASSERT_CHECK(w, SENDER, "Precedence:  junk \r\n", SG_VACATION_PRECEDENCE);
    ASSERT_CHECK(w, SENDER, "Precedence: bulky\r\n", SG_VACATION_REPLY);
}

static void test_system_sender(void **state)
{
    world *w = *state;
    static const char *const senders[] = {"MAILER-DAEMON@sender.example", "mailer-daemon@sender.example",
                                          "<LISTSERV@lists.example>",     "Majordomo@lists.example",
                                          "owner-x@lists.example",        "OWNER-@lists.example",
                                          "x-request@lists.example",      "X-Request@lists.example",
                                          "mailer-daemon",                NULL};
    for (size_t i = 0; senders[i]; i++)
        ASSERT_CHECK(w, senders[i], "", SG_VACATION_SYSTEM_SENDER);
    ASSERT_CHECK(w, "mailer-daemons@sender.example", "", SG_VACATION_REPLY);
}

static sg_vacation_check to(world *w, const char *field, const char *value)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "From: carol@sender.example\r\n%s: %s\r\nSubject: hi\r\n\r\nbody\r\n", field, value);
    sg_vacation_request r = request(w, SENDER, sg_arena_strdup(w->arena, tmp));
    static const char *const addresses[] = {"alice.smith@corp.example", "Alice <al@old.example>"};
    r.addresses = addresses;
    r.naddresses = 2;
    return sg_vacation_due(&r, w->arena);
}

static void test_user_addresses(void **state)
{
    world *w = *state;
    static const char *const fields[] = {"To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc", NULL};
    for (size_t i = 0; fields[i]; i++) {
        assert_int_equal(to(w, fields[i], "alice@corp.example"), SG_VACATION_REPLY);
        assert_int_equal(to(w, fields[i], "bob@corp.example"), SG_VACATION_NOT_ADDRESSED);
    }
    /* only those six fields count */
    assert_int_equal(to(w, "Reply-To", "alice@corp.example"), SG_VACATION_NOT_ADDRESSED);
    assert_int_equal(to(w, "X-Original-To", "alice@corp.example"), SG_VACATION_NOT_ADDRESSED);
    /* domains compare case-insensitively, local parts exactly */
    assert_int_equal(to(w, "To", "Alice <alice@CORP.Example>"), SG_VACATION_REPLY);
    assert_int_equal(to(w, "To", "ALICE@corp.example"), SG_VACATION_NOT_ADDRESSED);
    /* several addresses, groups, display names */
    assert_int_equal(to(w, "To", "bob@corp.example, \"Smith, A\" <alice@corp.example>"), SG_VACATION_REPLY);
    assert_int_equal(to(w, "Cc", "team: bob@x.example, alice@corp.example;"), SG_VACATION_REPLY);
    assert_int_equal(to(w, "To", "undisclosed-recipients:;"), SG_VACATION_NOT_ADDRESSED);
    /* the :addresses */
    assert_int_equal(to(w, "To", "alice.smith@corp.example"), SG_VACATION_REPLY);
    assert_int_equal(to(w, "Cc", "<al@OLD.example>"), SG_VACATION_REPLY);
    /* the :from */
    assert_int_equal(to(w, "To", "vacation@corp.example"), SG_VACATION_NOT_ADDRESSED);
    w->act.from = "Alice Away <vacation@corp.example>";
    assert_int_equal(to(w, "To", "vacation@corp.example"), SG_VACATION_REPLY);
    w->act.from = NULL;
    /* a recipient with +detail is also known without it (Pigeonhole) */
    sg_vacation_request r = request(w, SENDER, with_headers(w, "", "alice@corp.example"));
    r.recipient = "<alice+lists@corp.example>";
    assert_int_equal(sg_vacation_due(&r, w->arena), SG_VACATION_REPLY);
    r = request(w, SENDER, with_headers(w, "", "alice+lists@corp.example"));
    r.recipient = "alice+lists@corp.example";
    assert_int_equal(sg_vacation_due(&r, w->arena), SG_VACATION_REPLY);
    r = request(w, SENDER, with_headers(w, "", "alice+other@corp.example"));
    r.recipient = "alice+lists@corp.example";
    assert_int_equal(sg_vacation_due(&r, w->arena), SG_VACATION_NOT_ADDRESSED);
    /* no recipient and no address given: never addressed */
    r = request(w, SENDER, ORIGINAL);
    r.recipient = NULL;
    assert_int_equal(sg_vacation_due(&r, w->arena), SG_VACATION_NOT_ADDRESSED);
}

/* ---- the reply ---- */

/* CRLF only, 7-bit, no line of 998 octets or more, and one empty line that
 * ends the header section; returns the header section's field names. */
static void assert_wellformed(const sg_vacation_reply *v)
{
    assert_int_equal(strlen(v->data), v->len);
    size_t col = 0;
    for (size_t i = 0; i < v->len; i++) {
        unsigned char c = (unsigned char)v->data[i];
        assert_true(c < 0x80 && c != 0);
        if (c == '\r') {
            assert_true(i + 1 < v->len && v->data[i + 1] == '\n');
        } else if (c == '\n') {
            assert_true(i > 0 && v->data[i - 1] == '\r');
            col = 0;
            continue;
        }
        assert_true(++col < 998);
    }
    assert_true(v->len >= 2 && memcmp(v->data + v->len - 2, "\r\n", 2) == 0);
    assert_non_null(strstr(v->data, "\r\n\r\n"));
}

/* The names of the header fields of the reply, one a line, "\n"-joined. */
static const char *field_names(world *w, const sg_vacation_reply *v)
{
    sg_message *m = sg_message_parse(v->data, v->len, w->arena);
    char tmp[2048] = "";
    for (size_t i = 0; i < sg_message_header_count(m); i++) {
        const sg_header_field *f = sg_message_header_at(m, i);
        strncat(tmp, f->name, f->name_len < 100 ? f->name_len : 100);
        strcat(tmp, "\n");
    }
    /* a continuation line must start with white space: no line outside a field */
    const char *end = v->data + sg_message_body_offset(m);
    for (const char *p = v->data; p < end;) {
        const char *nl = strstr(p, "\r\n");
        if (nl == p)
            break;
        if (*p != ' ' && *p != '\t') {
            const char *colon = memchr(p, ':', (size_t)(nl - p));
            assert_non_null(colon);
        }
        p = nl + 2;
    }
    return sg_arena_strdup(w->arena, tmp);
}

static const sg_vacation_options OPT = {.hostname = "mx.corp.example", .now = NOW, .message_id = "<v1@mx.corp.example>"};

static void test_reply_exact(void **state)
{
    world *w = *state;
    sg_vacation_request r = request(w, SENDER, ORIGINAL);
    sg_vacation_reply v;
    sg_vacation_build(&r, &OPT, w->arena, &v);
    assert_wellformed(&v);
    assert_string_equal(v.envelope_from, "");
    assert_string_equal(v.envelope_to, SENDER);
    assert_string_equal(v.message_id, "<v1@mx.corp.example>");
    assert_string_equal(v.data, "From: <alice@corp.example>\r\n"
                                "To: <carol@sender.example>\r\n"
                                "Subject: Auto: Quarterly numbers\r\n"
                                "Date: Mon, 24 Nov 2025 16:00:00 +0000\r\n"
                                "Message-ID: <v1@mx.corp.example>\r\n"
                                "In-Reply-To: <q3@sender.example>\r\n"
                                "References: <q3@sender.example>\r\n"
                                "Auto-Submitted: auto-replied\r\n"
                                "MIME-Version: 1.0\r\n"
                                "Content-Type: text/plain; charset=utf-8\r\n"
                                "Content-Transfer-Encoding: 7bit\r\n"
                                "\r\n"
                                "I am away.\r\n");
}

static void test_reply_options(void **state)
{
    world *w = *state;
    static const char original[] = "From: J <j@sender.example>\n"
                                   "To: alice@corp.example\n"
                                   "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgTcO8bmNoZW4=?=\n"
                                   "Message-ID: <m2@sender.example>\n"
                                   "In-Reply-To: <m1@sender.example>\n"
                                   "References: <m0@sender.example>\n <m1@sender.example>\n"
                                   "\n"
                                   "body\n";
    sg_vacation_request r = request(w, "<j@sender.example>", original);
    w->act.from = "\"Alice A.\" <alice.a@corp.example>";
    w->act.reason = "Bin weg.\nGr\xC3\xBC\xC3\x9F" "e\n";
    sg_vacation_reply v;
    sg_vacation_build(&r, &OPT, w->arena, &v);
    assert_wellformed(&v);
    assert_string_equal(v.envelope_to, "j@sender.example");
    assert_string_equal(v.data, "From: \"Alice A.\" <alice.a@corp.example>\r\n"
                                "To: <j@sender.example>\r\n"
                                "Subject: =?UTF-8?B?QXV0bzogR3LDvMOfZSBhdXMgTcO8bmNoZW4=?=\r\n"
                                "Date: Mon, 24 Nov 2025 16:00:00 +0000\r\n"
                                "Message-ID: <v1@mx.corp.example>\r\n"
                                "In-Reply-To: <m2@sender.example>\r\n"
                                "References: <m0@sender.example>\r\n <m1@sender.example>\r\n <m2@sender.example>\r\n"
                                "Auto-Submitted: auto-replied\r\n"
                                "MIME-Version: 1.0\r\n"
                                "Content-Type: text/plain; charset=utf-8\r\n"
                                "Content-Transfer-Encoding: quoted-printable\r\n"
                                "\r\n"
                                "Bin weg.\r\n"
                                "Gr=C3=BC=C3=9Fe\r\n");
}

static void test_reply_subject_and_no_thread(void **state)
{
    world *w = *state;
    sg_vacation_request r = request(w, SENDER, "To: alice@corp.example\r\n\r\nbody\r\n");
    sg_vacation_reply v;
    sg_vacation_build(&r, &OPT, w->arena, &v);
    assert_wellformed(&v);
    assert_non_null(strstr(v.data, "\r\nSubject: Automated reply\r\n"));
    assert_null(strstr(v.data, "In-Reply-To"));
    assert_null(strstr(v.data, "References"));
    w->act.subject = "Out of office";
    sg_vacation_build(&r, &OPT, w->arena, &v);
    assert_non_null(strstr(v.data, "\r\nSubject: Out of office\r\n"));
    /* a :from that is no valid mailbox falls back to the recipient */
    w->act.from = "not an address";
    sg_vacation_build(&r, &OPT, w->arena, &v);
    assert_true(strncmp(v.data, "From: <alice@corp.example>\r\n", 28) == 0);
}

static void test_reply_mime(void **state)
{
    world *w = *state;
    sg_vacation_request r = request(w, SENDER, ORIGINAL);
    w->act.mime = true;
    w->act.reason = "Content-Type: multipart/alternative; boundary=\"b1\"\n"
                    "X-Evil: dropped\n"
                    "Bcc: victim@example.org\n"
                    "\n"
                    "--b1\n"
                    "Content-Type: text/plain\n"
                    "\n"
                    "Away.\n"
                    "--b1--\n";
    sg_vacation_reply v;
    sg_vacation_build(&r, &OPT, w->arena, &v);
    assert_wellformed(&v);
    const char *tail = strstr(v.data, "MIME-Version: 1.0\r\n");
    assert_non_null(tail);
    assert_string_equal(tail, "MIME-Version: 1.0\r\n"
                              "Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
                              "\r\n"
                              "--b1\r\n"
                              "Content-Type: text/plain\r\n"
                              "\r\n"
                              "Away.\r\n"
                              "--b1--\r\n");
    assert_string_equal(field_names(w, &v), "From\nTo\nSubject\nDate\nMessage-ID\nIn-Reply-To\nReferences\n"
                                            "Auto-Submitted\nMIME-Version\nContent-Type\n");

    /* 8-bit text without a transfer encoding becomes quoted-printable */
    w->act.reason = "Content-Type: text/plain; charset=utf-8\n\nL\xC3\xA4nger weg.\n";
    sg_vacation_build(&r, &OPT, w->arena, &v);
    assert_wellformed(&v);
    tail = strstr(v.data, "MIME-Version: 1.0\r\n");
    assert_string_equal(tail, "MIME-Version: 1.0\r\n"
                              "Content-Type: text/plain; charset=utf-8\r\n"
                              "Content-Transfer-Encoding: quoted-printable\r\n"
                              "\r\n"
                              "L=C3=A4nger weg.\r\n");

    /* a folded Content-Type stays one field; a bare CR cannot start a new one */
    w->act.reason = "Content-Type: text/plain;\n charset=us-ascii\rBcc: victim@example.org\n\nAway.\n";
    sg_vacation_build(&r, &OPT, w->arena, &v);
    assert_wellformed(&v);
    const char *names = field_names(w, &v);
    assert_null(strstr(names, "Bcc"));
}

static const char *const EXPECTED_FIELDS = "From\nTo\nSubject\nDate\nMessage-ID\nIn-Reply-To\nReferences\n"
                                           "Auto-Submitted\nMIME-Version\nContent-Type\nContent-Transfer-Encoding\n";

static void test_injection(void **state)
{
    world *w = *state;
    static const char *const evil[] = {
        "hi\r\nBcc: victim@example.org",
        "hi\nBcc: victim@example.org",
        "hi\rBcc: victim@example.org",
        "hi\r\n\r\nfake body",
        "hi\xC2\x85" "Bcc: victim@example.org", /* NEL */
        "hi\xE2\x80\xA8" "Bcc: victim@example.org", /* U+2028 */
        "hi\x0b\x0c\x1f\x7f" "Bcc: victim@example.org",
        NULL};
    for (size_t i = 0; evil[i]; i++) {
        /* through :subject */
        sg_vacation_request r = request(w, SENDER, ORIGINAL);
        w->act.subject = evil[i];
        w->act.from = NULL;
        sg_vacation_reply v;
        sg_vacation_build(&r, &OPT, w->arena, &v);
        assert_wellformed(&v);
        assert_string_equal(field_names(w, &v), EXPECTED_FIELDS);

        /* through :from */
        char from[256];
        snprintf(from, sizeof from, "%s <x@corp.example>", evil[i]);
        w->act.subject = NULL;
        w->act.from = from;
        sg_vacation_build(&r, &OPT, w->arena, &v);
        assert_wellformed(&v);
        assert_string_equal(field_names(w, &v), EXPECTED_FIELDS);
        snprintf(from, sizeof from, "x@corp.example\r\nBcc: victim@example.org");
        sg_vacation_build(&r, &OPT, w->arena, &v);
        assert_wellformed(&v);
        assert_string_equal(field_names(w, &v), EXPECTED_FIELDS);
        w->act.from = NULL;

        /* through the original Subject (RFC 2047 encoded CR LF too) */
        char text[512];
        snprintf(text, sizeof text, "To: alice@corp.example\r\nMessage-ID: <a@b>\r\nSubject: %s\r\n\r\nbody\r\n",
                 evil[i]);
        r = request(w, SENDER, sg_arena_strdup(w->arena, text));
        sg_vacation_build(&r, &OPT, w->arena, &v);
        assert_wellformed(&v);
        assert_string_equal(field_names(w, &v), EXPECTED_FIELDS);
    }
    /* encoded words that decode to CR LF */
    sg_vacation_request r =
        request(w, SENDER, "To: alice@corp.example\r\nMessage-ID: <a@b>\r\n"
                           "Subject: =?UTF-8?Q?hi=0D=0ABcc:_victim@example.org?=\r\n\r\nbody\r\n");
    sg_vacation_reply v;
    sg_vacation_build(&r, &OPT, w->arena, &v);
    assert_wellformed(&v);
    assert_string_equal(field_names(w, &v), EXPECTED_FIELDS);
    assert_non_null(strstr(v.data, "Subject: Auto: hi Bcc: victim@example.org\r\n"));
    /* a Message-ID or References with a line break or junk is not copied */
    r = request(w, SENDER, "To: alice@corp.example\r\nMessage-ID: <a\r\n b@c>\r\n"
                           "References: <ok@x> <bad\r\n ref@x>\r\n\r\nbody\r\n");
    sg_vacation_build(&r, &OPT, w->arena, &v);
    assert_wellformed(&v);
    assert_null(strstr(v.data, "In-Reply-To"));
    /* a sender path that could break the To line */
    r = request(w, "carol@sender.example>\r\nBcc: victim@example.org", ORIGINAL);
    sg_vacation_build(&r, &OPT, w->arena, &v);
    assert_wellformed(&v);
    assert_null(strstr(v.data, "\r\nBcc:"));
}

static void test_long_subject_folds(void **state)
{
    world *w = *state;
    char subject[3000];
    memset(subject, 'a', sizeof subject - 1);
    subject[sizeof subject - 1] = '\0';
    for (size_t i = 10; i < 200; i += 10)
        subject[i] = ' ';
    sg_vacation_request r = request(w, SENDER, ORIGINAL);
    w->act.subject = subject;
    w->act.reason = subject; /* one 2800-octet line: quoted-printable */
    sg_vacation_reply v;
    sg_vacation_build(&r, &OPT, w->arena, &v);
    assert_wellformed(&v);
    assert_non_null(strstr(v.data, "Content-Transfer-Encoding: quoted-printable\r\n"));
    /* the Subject decodes back to the text */
    sg_message *m = sg_message_parse(v.data, v.len, w->arena);
    const char *const *vals;
    assert_int_equal(sg_message_header_values(m, "Subject", &vals), 1);
    assert_string_equal(vals[0], subject);
}

static void test_random_message_id(void **state)
{
    world *w = *state;
    sg_vacation_request r = request(w, SENDER, ORIGINAL);
    sg_vacation_options o = {.hostname = "mx.corp.example", .now = NOW};
    sg_vacation_reply a, b;
    sg_vacation_build(&r, &o, w->arena, &a);
    sg_vacation_build(&r, &o, w->arena, &b);
    assert_string_not_equal(a.message_id, b.message_id);
    assert_true(strncmp(a.message_id, "<vacation.", 10) == 0);
    assert_non_null(strstr(a.message_id, "@mx.corp.example>"));
    sg_vacation_build(&r, NULL, w->arena, &a);
    assert_wellformed(&a);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_names),        T(test_reply_due),        T(test_null_sender),
        T(test_auto_submitted), T(test_mailing_list),   T(test_precedence),
        T(test_system_sender), T(test_user_addresses),  T(test_reply_exact),
        T(test_reply_options), T(test_reply_subject_and_no_thread), T(test_reply_mime),
        T(test_injection),    T(test_long_subject_folds), T(test_random_message_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
