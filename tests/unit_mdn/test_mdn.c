/* test_mdn.c - the reject MDN (engine/deliver/mdn.c, RFC 5429 §2.2.1, RFC 8098).
 *
 * Every rule of sg_mdn_due; MDNs built with a fixed host, time, Message-ID and
 * boundary compared byte for byte with tests/unit_mdn/expected/NAME.eml
 * (SG_UPDATE_EXPECTED=1 rewrites them: review the diff), then parsed back with
 * engine/mail/message.h to check the MIME structure and the disposition fields.
 * Header-injection cases check that nothing from the reason, the envelope or
 * the message adds a header field; every MDN is CRLF, 7-bit, lines <= 998.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/common/golden.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/deliver/mdn.h"
#include "engine/core/registry.h"
#include "engine/mail/message.h"

#define HOST "mx.corp.example"
#define NOW ((time_t)1764000000) /* Mon, 24 Nov 2025 16:00:00 +0000 */

static const sg_mdn_options FIXED = {HOST, NOW, "<mdn-1@" HOST ">", "=_sievegate_test", NULL};

static const char ORIGINAL[] = "Return-Path: <carol@sender.example>\r\n"
                               "From: Carol <carol@sender.example>\r\n"
                               "To: alice@corp.example\r\n"
                               "Subject: Lunch offer\r\n"
                               "Message-ID: <offer-7@sender.example>\r\n"
                               "MIME-Version: 1.0\r\n"
                               "Content-Type: multipart/alternative;\r\n"
                               " boundary=\"inner\"\r\n"
                               "\r\n"
                               "--inner\r\n"
                               "SECRET BODY LINE\r\n"
                               "--inner--\r\n";

static int setup(void **state)
{
    *state = sg_arena_new();
    return 0;
}

static int teardown(void **state)
{
    sg_arena_free(*state);
    return 0;
}

static sg_message *msg(sg_arena *a, const char *text)
{
    return sg_message_parse(text, strlen(text), a);
}

/* ---- whether one is due ---- */

static void due_rules(void **state)
{
    sg_arena *a = *state;
    sg_mdn_request r = {"carol@sender.example", "alice@corp.example", NULL, msg(a, ORIGINAL), "no"};
    assert_int_equal(sg_mdn_due(&r), SG_MDN_DUE);
    r.envelope_sender = "<carol@sender.example>";
    assert_int_equal(sg_mdn_due(&r), SG_MDN_DUE);
    /* RFC 5429 §2.2.1: never to the null sender. */
    r.envelope_sender = "";
    assert_int_equal(sg_mdn_due(&r), SG_MDN_NULL_SENDER);
    r.envelope_sender = " <> ";
    assert_int_equal(sg_mdn_due(&r), SG_MDN_NULL_SENDER);
    r.envelope_sender = NULL;
    assert_int_equal(sg_mdn_due(&r), SG_MDN_NULL_SENDER);
    r.envelope_sender = "nobody";
    assert_int_equal(sg_mdn_due(&r), SG_MDN_BAD_SENDER);
    r.envelope_sender = "carol@sender.example\r\nBcc: evil@x.example";
    assert_int_equal(sg_mdn_due(&r), SG_MDN_BAD_SENDER);
    r.envelope_sender = "carol@sender.example";
    r.message = msg(a, "Content-Type: Multipart/Report; report-type=delivery-status\r\n\r\nx\r\n");
    assert_int_equal(sg_mdn_due(&r), SG_MDN_REPORT);
    r.message = msg(a, "Auto-Submitted: auto-replied\r\n\r\nx\r\n");
    assert_int_equal(sg_mdn_due(&r), SG_MDN_AUTO_SUBMITTED);
    r.message = msg(a, "Auto-Submitted:\r\n\r\nx\r\n");
    assert_int_equal(sg_mdn_due(&r), SG_MDN_AUTO_SUBMITTED);
    r.message = msg(a, "Auto-Submitted: No (a person)\r\n\r\nx\r\n");
    assert_int_equal(sg_mdn_due(&r), SG_MDN_DUE);
    assert_string_equal(sg_mdn_check_name(SG_MDN_NULL_SENDER), "null-sender");
    assert_string_equal(sg_mdn_check_name(SG_MDN_AUTO_SUBMITTED), "auto-submitted");
}

/* ---- the MDN ---- */

/* CRLF only, 7-bit, no line over 998 octets. */
static void check_wire_form(const sg_mdn *m)
{
    size_t col = 0;
    for (size_t i = 0; i < m->len; i++) {
        unsigned char c = (unsigned char)m->data[i];
        assert_true(c < 0x80 && c != 0);
        if (c == '\n') {
            assert_true(i > 0 && m->data[i - 1] == '\r');
            col = 0;
            continue;
        }
        if (c == '\r')
            assert_true(i + 1 < m->len && m->data[i + 1] == '\n');
        else
            assert_true(++col <= 998);
    }
}

static const char *value(sg_message *m, const char *name)
{
    const char *const *v;
    assert_int_equal(sg_message_header_values(m, name, &v), 1);
    return v[0];
}

static void check_header_names(sg_message *m)
{
    static const char *const names[] = {"Message-ID",     "Date",       "From",         "To",
                                        "Subject",        "Auto-Submitted", "Precedence", "MIME-Version",
                                        "Content-Type"};
    assert_int_equal(sg_message_header_count(m), SG_COUNT(names));
    for (size_t i = 0; i < SG_COUNT(names); i++) {
        const sg_header_field *f = sg_message_header_at(m, i);
        assert_int_equal(f->name_len, strlen(names[i]));
        assert_memory_equal(f->name, names[i], f->name_len);
    }
}

typedef struct part {
    sg_message *m;
    char *body;
} part;

/* Splits a multipart body at "CRLF--B" delimiters (RFC 2046 §5.1.1). */
static size_t split_parts(sg_arena *a, const sg_mdn *mdn, size_t body, part *out, size_t max)
{
    char delim[128], close[128];
    snprintf(delim, sizeof delim, "\r\n--%s\r\n", mdn->boundary);
    snprintf(close, sizeof close, "\r\n--%s--\r\n", mdn->boundary);
    const char *p = strstr(mdn->data + body, delim);
    size_t n = 0;
    assert_non_null(p);
    while (p && n < max) {
        const char *start = p + strlen(delim);
        const char *next = strstr(start, delim);
        const char *stop = next ? next : strstr(start, close);
        assert_non_null(stop);
        part *pt = &out[n++];
        pt->m = sg_message_parse(start, (size_t)(stop - start), a);
        size_t off = sg_message_body_offset(pt->m);
        pt->body = sg_arena_strndup(a, start + off, (size_t)(stop - start) - off);
        if (!next) {
            assert_ptr_equal(stop + strlen(close), mdn->data + mdn->len); /* nothing after the close */
            break;
        }
        p = next;
    }
    return n;
}

/* Parses the MDN back; returns its three parts in `parts`. */
static void check_structure(sg_arena *a, const sg_mdn *mdn, const char *sender, part parts[3])
{
    check_wire_form(mdn);
    sg_message *m = sg_message_parse(mdn->data, mdn->len, a);
    check_header_names(m);
    assert_string_equal(value(m, "From"), "Mail Delivery Subsystem <MAILER-DAEMON@" HOST ">");
    char to[256];
    snprintf(to, sizeof to, "<%s>", sender);
    assert_string_equal(value(m, "To"), to);
    assert_string_equal(value(m, "Subject"), "Automatically rejected mail");
    assert_string_equal(value(m, "Auto-Submitted"), "auto-replied (rejected)");
    assert_string_equal(value(m, "Message-ID"), mdn->message_id);
    char ct[256];
    snprintf(ct, sizeof ct, "multipart/report; report-type=disposition-notification; boundary=\"%s\"",
             mdn->boundary);
    assert_string_equal(value(m, "Content-Type"), ct);
    assert_string_equal(mdn->envelope_from, "");
    assert_string_equal(mdn->envelope_to, sender);
    assert_int_equal(split_parts(a, mdn, sg_message_body_offset(m), parts, 3), 3);
    assert_string_equal(value(parts[0].m, "Content-Type"), "text/plain; charset=utf-8");
    assert_string_equal(value(parts[1].m, "Content-Type"), "message/disposition-notification");
    assert_null(strstr(parts[2].body, "SECRET BODY LINE")); /* never the body */
}

/* Byte for byte against expected/NAME (tests/common/golden.h). */
static void compare_expected(const sg_mdn *m, const char *name)
{
    golden_compare(SG_EXPECTED_DIR, name, m->data, m->len);
}

static void mdn_ascii_golden(void **state)
{
    sg_arena *a = *state;
    sg_mdn_request r = {"carol@sender.example", "alice@corp.example", NULL, msg(a, ORIGINAL),
                        "I am not taking mail from you, and I don't\nwant your birdseed, either!\n"};
    sg_mdn mdn;
    sg_mdn_build(&r, &FIXED, a, &mdn);
    compare_expected(&mdn, "reject-ascii.eml");
    part parts[3];
    check_structure(a, &mdn, "carol@sender.example", parts);
    assert_string_equal(value(parts[0].m, "Content-Transfer-Encoding"), "7bit");
    assert_string_equal(parts[0].body, "Your message to <alice@corp.example> was automatically rejected:\r\n"
                                       "I am not taking mail from you, and I don't\r\n"
                                       "want your birdseed, either!\r\n");
    /* RFC 8098 §3.1: the disposition fields, exactly. */
    assert_string_equal(parts[1].body, "Reporting-UA: " HOST "; sievegate\r\n"
                                       "Final-Recipient: rfc822; alice@corp.example\r\n"
                                       "Original-Message-ID: <offer-7@sender.example>\r\n"
                                       "Disposition: automatic-action/MDN-sent-automatically; deleted\r\n");
    /* Part 3: message/rfc822, the header section without Content-Type and its continuation. */
    assert_string_equal(value(parts[2].m, "Content-Type"), "message/rfc822");
    assert_string_equal(parts[2].body, "Return-Path: <carol@sender.example>\r\n"
                                       "From: Carol <carol@sender.example>\r\n"
                                       "To: alice@corp.example\r\n"
                                       "Subject: Lunch offer\r\n"
                                       "Message-ID: <offer-7@sender.example>\r\n"
                                       "MIME-Version: 1.0\r\n");
}

/* A UTF-8 reason (RFC 5429: the reason is UTF-8), 8-bit original headers and
 * an original recipient. */
static void mdn_utf8_golden(void **state)
{
    sg_arena *a = *state;
    const char *original = "From: J\xc3\xbcrgen <j@sender.example>\r\n"
                           "Subject: Gr\xc3\xbc\xc3\x9f"
                           "e\r\n"
                           "Message-ID: <u-1@sender.example>\r\n"
                           "\r\n"
                           "SECRET BODY LINE\r\n";
    sg_mdn_request r = {"<j@sender.example>", "alice+lists@corp.example", "alice@corp.example", msg(a, original),
                        "Caf\xc3\xa9 ferm\xc3\xa9 \xe2\x80\x94 pas de courrier."};
    sg_mdn mdn;
    sg_mdn_build(&r, &FIXED, a, &mdn);
    compare_expected(&mdn, "reject-utf8.eml");
    part parts[3];
    check_structure(a, &mdn, "j@sender.example", parts);
    assert_string_equal(value(parts[0].m, "Content-Transfer-Encoding"), "quoted-printable");
    assert_non_null(strstr(parts[0].body, "Caf=C3=A9 ferm=C3=A9 =E2=80=94 pas de courrier."));
    assert_string_equal(parts[1].body, "Reporting-UA: " HOST "; sievegate\r\n"
                                       "Original-Recipient: rfc822; alice@corp.example\r\n"
                                       "Final-Recipient: rfc822; alice+lists@corp.example\r\n"
                                       "Original-Message-ID: <u-1@sender.example>\r\n"
                                       "Disposition: automatic-action/MDN-sent-automatically; deleted\r\n");
    /* RFC 2046 §5.2.1: message/rfc822 cannot be quoted-printable, so 8-bit headers go as text/rfc822-headers. */
    assert_string_equal(value(parts[2].m, "Content-Type"), "text/rfc822-headers");
    assert_string_equal(value(parts[2].m, "Content-Transfer-Encoding"), "quoted-printable");
    assert_non_null(strstr(parts[2].body, "From: J=C3=BCrgen <j@sender.example>\r\n"));
}

/* Nothing from the reason, the recipients or the message adds a header field. */
static void header_injection(void **state)
{
    sg_arena *a = *state;
    const char *original = "Subject: x\r\n"
                           "Message-ID: <a@b>\r\n"
                           " Bcc: folded@evil.example\r\n"
                           "\r\n"
                           "body\r\n";
    sg_mdn_request r = {"carol@sender.example", "alice@corp.example\r\nBcc: rcpt@evil.example",
                        "orig@corp.example\nBcc: orig@evil.example", msg(a, original),
                        "No.\r\nBcc: reason@evil.example\r\n\r\nX-Injected: yes"};
    sg_mdn_options o = {"mx\r\nBcc: host@evil.example", NOW, "<id>\r\nBcc: id@evil.example", "b\r\nBcc: x", NULL};
    sg_mdn mdn;
    sg_mdn_build(&r, &o, a, &mdn);
    check_wire_form(&mdn);
    sg_message *m = sg_message_parse(mdn.data, mdn.len, a);
    check_header_names(m); /* exactly the nine fields, no Bcc, no X-Injected */
    const char *const *v;
    assert_int_equal(sg_message_header_values(m, "Bcc", &v), 0);
    part parts[3];
    assert_int_equal(split_parts(a, &mdn, sg_message_body_offset(m), parts, 3), 3);
    /* The disposition fields: the recipients as xtext, one line each. */
    sg_message *fields = sg_message_parse(parts[1].body, strlen(parts[1].body), a);
    assert_int_equal(sg_message_header_count(fields), 5);
    assert_int_equal(sg_message_header_values(fields, "Bcc", &v), 0);
    assert_string_equal(value(fields, "Final-Recipient"),
                        "utf-8; alice@corp.example\\x{0D}\\x{0A}Bcc:\\x{20}rcpt@evil.example");
    /* The reason stays in the text part. */
    assert_non_null(strstr(parts[0].body, "\r\nBcc: reason@evil.example\r\n\r\nX-Injected: yes\r\n"));
    /* A folded Message-ID becomes one line. */
    assert_string_equal(value(fields, "Original-Message-ID"), "<a@b> Bcc: folded@evil.example");
}

/* A reason line that starts with the given boundary gets a fresh one. */
static void boundary_collision(void **state)
{
    sg_arena *a = *state;
    sg_mdn_request r = {"carol@sender.example", "alice@corp.example", NULL, msg(a, ORIGINAL),
                        "--=_sievegate_test\nend"};
    sg_mdn mdn;
    sg_mdn_build(&r, &FIXED, a, &mdn);
    assert_string_not_equal(mdn.boundary, "=_sievegate_test");
    part parts[3];
    check_structure(a, &mdn, "carol@sender.example", parts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(due_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(mdn_ascii_golden, setup, teardown),
        cmocka_unit_test_setup_teardown(mdn_utf8_golden, setup, teardown),
        cmocka_unit_test_setup_teardown(header_injection, setup, teardown),
        cmocka_unit_test_setup_teardown(boundary_collision, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
