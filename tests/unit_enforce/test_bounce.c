/* test_bounce.c - the 5.7.520 bounce (engine/enforce/bounce.c): when one is due
 * (policy.md "What a block does", every suppression rule), and the RFC 3464
 * DSN itself.
 *
 * Bounces built with a fixed date, Message-ID and boundary are compared byte
 * for byte with tests/unit_enforce/expected/NAME.eml (SG_UPDATE_EXPECTED=1
 * rewrites them), then parsed back with engine/mail/message.h to check the MIME
 * structure, the delivery-status fields and the original header section.
 * Header-injection cases check that nothing from the original message adds
 * a header field, and every bounce is checked for CRLF, 7-bit, < 998 octets.
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

#include "engine/enforce/bounce.h"
#include "engine/mail/message.h"
#include "tests/unit_enforce/fixture.h"

#define OWNER "alice@corp.example"
#define HOST "mx.corp.example"
#define NOW ((time_t)1764000000) /* Mon, 24 Nov 2025 16:00:00 +0000 */
#define DIAG                                                                                                 \
    "smtp; 550 5.7.520 Access denied, Your organization does not allow external forwarding. Please contact " \
    "your administrator for further assistance. AS(7555)"

static const char ORIGINAL[] = "Return-Path: <carol@sender.example>\r\n"
                               "From: Carol <carol@sender.example>\r\n"
                               "To: alice@corp.example\r\n"
                               "Subject: Quarterly numbers\r\n"
                               "Date: Mon, 24 Nov 2025 09:00:00 +0000\r\n"
                               "Message-ID: <q3@sender.example>\r\n"
                               "\r\n"
                               "SECRET BODY LINE\r\n";

static const char ORIGINAL_HEADERS[] = "Return-Path: <carol@sender.example>\r\n"
                                       "From: Carol <carol@sender.example>\r\n"
                                       "To: alice@corp.example\r\n"
                                       "Subject: Quarterly numbers\r\n"
                                       "Date: Mon, 24 Nov 2025 09:00:00 +0000\r\n"
                                       "Message-ID: <q3@sender.example>\r\n";

/* bare LF, an encoded non-ASCII Subject, a raw 8-bit field with '=' and a trailing space */
static const char ORIGINAL_8BIT[] = "From: =?UTF-8?Q?J=C3=B6rg?= <joerg@sender.example>\n"
                                    "To: alice@corp.example\n"
                                    "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgTcO8bmNoZW4=?=\n"
                                    "X-Raw: caf\xC3\xA9 = tea \n"
                                    "\n"
                                    "SECRET BODY LINE\n";

typedef struct world {
    sg_arena *arena;
    sg_policy *p;
} world;

static int setup(void **state)
{
    world *w = sg_xmalloc(sizeof *w);
    w->arena = sg_arena_new();
    w->p = fx_new(w->arena, SG_MODE_OFF);
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

static sg_message *msg(world *w, const char *text, size_t len)
{
    return sg_message_parse(text, len ? len : strlen(text), w->arena);
}

static const char *const ONE_TARGET[] = {"bob@gmail.example"};

static sg_bounce_request request(world *w, const char *sender, const char *text)
{
    sg_bounce_request r = {.envelope_sender = sender, .message = msg(w, text, 0), .owner = OWNER,
                           .targets = ONE_TARGET, .ntargets = 1};
    return r;
}

static sg_bounce_check due(world *w, const sg_bounce_request *r, const char **why)
{
    const char *reason = "unset";
    sg_bounce_check c = sg_bounce_due(w->p, r, w->arena, &reason);
    if (c == SG_BOUNCE_DUE)
        assert_null(reason);
    else
        assert_non_null(reason);
    if (why)
        *why = reason;
    return c;
}

/* ---- (a) when a bounce is due ---- */

static void external_sender_gets_a_bounce(void **state)
{
    world *w = *state;
    sg_bounce_request r = request(w, "carol@sender.example", ORIGINAL);
    assert_int_equal(due(w, &r, NULL), SG_BOUNCE_DUE);
    r.envelope_sender = "<carol@Sender.Example>";
    assert_int_equal(due(w, &r, NULL), SG_BOUNCE_DUE);
    assert_string_equal(sg_bounce_check_name(SG_BOUNCE_DUE), "due");
}

static void null_sender_gets_no_bounce(void **state)
{
    world *w = *state;
    const char *why;
    static const char *const nulls[] = {"", "<>", " <> "};
    for (size_t i = 0; i < 3; i++) {
        sg_bounce_request r = request(w, nulls[i], ORIGINAL);
        assert_int_equal(due(w, &r, &why), SG_BOUNCE_NULL_SENDER);
        assert_string_equal(why, "the envelope sender is null (<>)");
    }
    sg_bounce_request r = request(w, NULL, ORIGINAL);
    assert_int_equal(due(w, &r, NULL), SG_BOUNCE_NULL_SENDER);
    assert_string_equal(sg_bounce_check_name(SG_BOUNCE_NULL_SENDER), "null-sender");
}

static void report_gets_no_bounce(void **state)
{
    world *w = *state;
    const char *why;
    sg_bounce_request r = request(w, "carol@sender.example",
                                  "From: MAILER-DAEMON@sender.example\r\n"
                                  "Content-Type: Multipart/Report (a DSN); report-type=delivery-status;\r\n"
                                  "\tboundary=\"x\"\r\n\r\nbody\r\n");
    assert_int_equal(due(w, &r, &why), SG_BOUNCE_REPORT);
    assert_string_equal(why, "the message is itself a report (multipart/report)");
    r = request(w, "carol@sender.example", "Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\nbody\r\n");
    assert_int_equal(due(w, &r, NULL), SG_BOUNCE_DUE);
}

static void auto_submitted_gets_no_bounce(void **state)
{
    world *w = *state;
    const char *why;
    static const struct {
        const char *value;
        sg_bounce_check expected;
    } cases[] = {
        {"auto-replied", SG_BOUNCE_AUTO_SUBMITTED},
        {"auto-generated", SG_BOUNCE_AUTO_SUBMITTED},
        {"auto-notified; owner-email=\"a@b\"", SG_BOUNCE_AUTO_SUBMITTED},
        {"", SG_BOUNCE_AUTO_SUBMITTED},
        {"no", SG_BOUNCE_DUE},
        {"No (a person wrote this)", SG_BOUNCE_DUE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "From: carol@sender.example\r\nAuto-Submitted: %s\r\n\r\nbody\r\n",
                 cases[i].value);
        sg_bounce_request r = request(w, "carol@sender.example", text);
        assert_int_equal(due(w, &r, &why), cases[i].expected);
    }
    sg_bounce_request r = request(w, "carol@sender.example", "Auto-Submitted: auto-replied\r\n\r\n");
    assert_int_equal(due(w, &r, &why), SG_BOUNCE_AUTO_SUBMITTED);
    assert_string_equal(why, "the message is automatic (Auto-Submitted other than \"no\")");
}

static void rate_period_suppresses_the_second_bounce(void **state)
{
    world *w = *state;
    const char *why;
    sg_bounce_request r = request(w, "carol@sender.example", ORIGINAL);
    assert_int_equal(due(w, &r, NULL), SG_BOUNCE_DUE); /* the first one */
    r.recently_bounced = true;                         /* the tracker saw it within the period */
    assert_int_equal(due(w, &r, &why), SG_BOUNCE_RATE_LIMITED);
    assert_string_equal(why, "the sender already got such a bounce for this owner within 24 h (bounce_rate_period)");
    w->p->org.bounce_rate_period = 90;
    assert_int_equal(due(w, &r, &why), SG_BOUNCE_RATE_LIMITED);
    assert_string_equal(why, "the sender already got such a bounce for this owner within 90 s (bounce_rate_period)");
}

static void ndr_no_suppresses(void **state)
{
    world *w = *state;
    const char *why;
    fx_remote(w->p, "*.sender.example")->ndr = false;
    sg_bounce_request r = request(w, "carol@mail.sender.example", ORIGINAL);
    assert_int_equal(due(w, &r, &why), SG_BOUNCE_NDR_OFF);
    assert_string_equal(why, "the sender's remote domain does not accept bounces (ndr no)");
    r.envelope_sender = "carol@other.example";
    assert_int_equal(due(w, &r, NULL), SG_BOUNCE_DUE);
    /* "*" with ndr no also covers everyone external, never the accepted domains */
    w->p->remote[0].ndr = false;
    assert_int_equal(due(w, &r, NULL), SG_BOUNCE_NDR_OFF);
    r.envelope_sender = "dan@corp.example";
    assert_int_equal(due(w, &r, NULL), SG_BOUNCE_DUE);
}

static void internal_sender_without_bounce_internal_senders(void **state)
{
    world *w = *state;
    const char *why;
    sg_bounce_request r = request(w, "dan@CORP.example", ORIGINAL);
    assert_int_equal(due(w, &r, NULL), SG_BOUNCE_DUE); /* default: on */
    w->p->org.bounce_internal_senders = false;
    assert_int_equal(due(w, &r, &why), SG_BOUNCE_INTERNAL_SENDER);
    assert_string_equal(why, "the sender is internal and bounce_internal_senders is off");
    r.envelope_sender = "carol@sender.example";
    assert_int_equal(due(w, &r, NULL), SG_BOUNCE_DUE);
    /* a remote domain marked internal counts as internal */
    fx_remote(w->p, "*.subsidiary.example")->is_internal = true;
    r.envelope_sender = "erin@subsidiary.example";
    assert_int_equal(due(w, &r, NULL), SG_BOUNCE_INTERNAL_SENDER);
}

static void bad_sender_or_nothing_blocked(void **state)
{
    world *w = *state;
    sg_bounce_request r = request(w, "carol@sender.example\r\nBcc: eve@evil.example", ORIGINAL);
    assert_int_equal(due(w, &r, NULL), SG_BOUNCE_BAD_SENDER);
    r = request(w, "carol@sender.example", ORIGINAL);
    r.ntargets = 0;
    assert_int_equal(due(w, &r, NULL), SG_BOUNCE_NOTHING_BLOCKED);
}

/* ---- (b) the DSN: the rules every bounce keeps ---- */

/* CRLF only, 7-bit, no NUL, every line under 998 octets (RFC 5322 §2.1.1, §2.3). */
static void check_wire_form(const sg_bounce *b)
{
    size_t line = 0;
    assert_int_equal(strlen(b->data), b->len);
    for (size_t i = 0; i < b->len; i++) {
        unsigned char c = (unsigned char)b->data[i];
        assert_true(c != 0 && c < 0x80);
        if (c == '\r') {
            assert_true(i + 1 < b->len && b->data[i + 1] == '\n');
        } else if (c == '\n') {
            assert_true(i > 0 && b->data[i - 1] == '\r');
            assert_true(line - 1 < 998);
            line = 0;
            continue;
        }
        line++;
    }
    assert_int_equal(line, 0); /* ends with CRLF */
}

static void check_header_names(sg_message *m)
{
    static const char *const names[] = {"From",       "To",             "Subject",      "Date",
                                        "Message-ID", "Auto-Submitted", "MIME-Version", "Content-Type"};
    assert_int_equal(sg_message_header_count(m), 8);
    for (size_t i = 0; i < 8; i++) {
        const sg_header_field *f = sg_message_header_at(m, i);
        assert_int_equal(f->name_len, strlen(names[i]));
        assert_memory_equal(f->name, names[i], f->name_len);
    }
}

static const char *value(sg_message *m, const char *name)
{
    const char *const *v;
    assert_int_equal(sg_message_header_values(m, name, &v), 1);
    return v[0];
}

typedef struct part {
    sg_message *m;
    const char *body;
    size_t body_len;
} part;

/* Splits a multipart body at "CRLF--B" delimiters (RFC 2046 §5.1.1). */
static size_t split_parts(world *w, const char *data, size_t len, size_t body, const char *boundary, part *out,
                          size_t max)
{
    char delim[128], close[128];
    snprintf(delim, sizeof delim, "\r\n--%s\r\n", boundary);
    snprintf(close, sizeof close, "\r\n--%s--\r\n", boundary);
    const char *p = strstr(data + body, delim), *end = data + len;
    size_t n = 0;
    assert_non_null(p);
    while (p && n < max) {
        const char *start = p + strlen(delim);
        const char *next = strstr(start, delim);
        const char *stop = next ? next : strstr(start, close);
        assert_non_null(stop);
        part *pt = &out[n++];
        pt->m = sg_message_parse(start, (size_t)(stop - start), w->arena);
        size_t off = sg_message_body_offset(pt->m);
        pt->body = start + off;
        pt->body_len = (size_t)(stop - start) - off;
        if (!next) {
            assert_ptr_equal(stop + strlen(close), end); /* nothing after the close delimiter */
            break;
        }
        p = next;
    }
    return n;
}

/* The delivery-status part: per-message fields, then one group a target. */
static void check_status(world *w, const part *ds, const char *const *targets, size_t ntargets)
{
    assert_string_equal(value(ds->m, "Content-Type"), "message/delivery-status");
    char *text = sg_arena_strndup(w->arena, ds->body, ds->body_len);
    size_t groups = 0;
    for (char *block = text; block; groups++) {
        char *sep = strstr(block, "\r\n\r\n");
        if (sep)
            sep[2] = '\0';
        sg_message *f = sg_message_parse(block, strlen(block), w->arena);
        if (groups == 0) {
            assert_int_equal(sg_message_header_count(f), 2);
            assert_string_equal(value(f, "Reporting-MTA"), "dns; " HOST);
            assert_string_equal(value(f, "Arrival-Date"), "Mon, 24 Nov 2025 16:00:00 +0000");
        } else {
            char fr[512];
            assert_true(groups <= ntargets);
            snprintf(fr, sizeof fr, "rfc822; %s", targets[groups - 1]);
            assert_int_equal(sg_message_header_count(f), 4);
            assert_string_equal(value(f, "Final-Recipient"), fr);
            assert_string_equal(value(f, "Action"), "failed");
            assert_string_equal(value(f, "Status"), "5.7.520");
            assert_string_equal(value(f, "Diagnostic-Code"), DIAG);
        }
        block = sep ? sep + 4 : NULL;
    }
    assert_int_equal(groups, 1 + ntargets);
}

/* Parses the bounce back: headers, the three parts, the report. Returns the third part. */
static part check_structure(world *w, const sg_bounce *b, const char *const *targets, size_t ntargets)
{
    check_wire_form(b);
    sg_message *m = sg_message_parse(b->data, b->len, w->arena);
    check_header_names(m);
    assert_string_equal(value(m, "From"), "Mail Delivery System <MAILER-DAEMON@" HOST ">");
    assert_string_equal(value(m, "Auto-Submitted"), "auto-replied");
    assert_string_equal(value(m, "MIME-Version"), "1.0");
    assert_string_equal(value(m, "Message-ID"), b->message_id);
    char ct[256];
    snprintf(ct, sizeof ct, "multipart/report; report-type=delivery-status; boundary=\"%s\"", b->boundary);
    const char *const *raw;
    assert_int_equal(sg_message_header_raw_values(m, "Content-Type", &raw), 1);
    assert_string_equal(raw[0], ct);
    assert_string_equal(b->envelope_from, "");

    part parts[4];
    size_t n = split_parts(w, b->data, b->len, sg_message_body_offset(m), b->boundary, parts, 4);
    assert_int_equal(n, 3);
    assert_string_equal(value(parts[0].m, "Content-Type"), "text/plain; charset=us-ascii");
    char *text = sg_arena_strndup(w->arena, parts[0].body, parts[0].body_len);
    assert_non_null(strstr(text, "Your message was delivered to the mailbox of " OWNER ".\r\n"));
    assert_non_null(strstr(text, "blocked by the organization's policy"));
    for (size_t i = 0; i < ntargets; i++)
        assert_non_null(strstr(text, targets[i]));
    check_status(w, &parts[1], targets, ntargets);
    assert_string_equal(value(parts[2].m, "Content-Type"), "text/rfc822-headers");
    char *headers = sg_arena_strndup(w->arena, parts[2].body, parts[2].body_len);
    assert_null(strstr(headers, "SECRET BODY LINE")); /* never the body */
    return parts[2];
}

/* Byte for byte against expected/NAME (tests/common/golden.h). */
static void compare_expected(const sg_bounce *b, const char *name)
{
    golden_compare(SG_EXPECTED_DIR, name, b->data, b->len);
}

static const sg_bounce_options FIXED = {HOST, NOW, "<bounce-1@" HOST ">", "=_sievegate_test", NULL};

static void bounce_one_target_golden(void **state)
{
    world *w = *state;
    sg_bounce_request r = request(w, "<carol@sender.example>", ORIGINAL);
    sg_bounce b;
    sg_bounce_build(&r, &FIXED, w->arena, &b);
    compare_expected(&b, "one-target.eml");
    assert_string_equal(b.envelope_to, "carol@sender.example");
    assert_string_equal(b.message_id, "<bounce-1@" HOST ">");
    assert_string_equal(b.boundary, "=_sievegate_test");
    part headers = check_structure(w, &b, ONE_TARGET, 1);
    /* the original header section exactly, without its empty line */
    assert_int_equal(headers.body_len, strlen(ORIGINAL_HEADERS));
    assert_memory_equal(headers.body, ORIGINAL_HEADERS, headers.body_len);
    sg_message *m = sg_message_parse(b.data, b.len, w->arena);
    assert_string_equal(value(m, "To"), "<carol@sender.example>");
    assert_string_equal(value(m, "Subject"), "Undeliverable: Quarterly numbers");
    assert_string_equal(value(m, "Date"), "Mon, 24 Nov 2025 16:00:00 +0000");
}

static void bounce_two_targets_8bit_headers_golden(void **state)
{
    world *w = *state;
    static const char *const targets[] = {"bob@gmail.example", "\"carol smith\"@mail.example"};
    sg_bounce_request r = request(w, "joerg@Sender.EXAMPLE", ORIGINAL_8BIT);
    r.targets = targets;
    r.ntargets = 2;
    sg_bounce b;
    sg_bounce_build(&r, &FIXED, w->arena, &b);
    compare_expected(&b, "two-targets-8bit.eml");
    assert_string_equal(b.envelope_to, "joerg@sender.example");
    part headers = check_structure(w, &b, targets, 2);
    sg_message *m = sg_message_parse(b.data, b.len, w->arena);
    assert_string_equal(value(m, "Subject"), "Undeliverable: Grüße aus München");
    /* 8-bit original headers travel quoted-printable (RFC 2045 §6.7) */
    assert_string_equal(value(headers.m, "Content-Transfer-Encoding"), "quoted-printable");
    assert_non_null(strstr(headers.body, "X-Raw: caf=C3=A9 =3D tea=20\r\n"));
    assert_non_null(strstr(headers.body, "To: alice@corp.example\r\n"));
}

/* Nothing from the original Subject can add a header field. */
static void subject_cannot_inject_headers(void **state)
{
    world *w = *state;
    static const struct {
        const char *name;
        const char *message;
        size_t len;
        const char *subject; /* decoded, as a reader sees it */
    } cases[] = {
        {"encoded CRLF", "Subject: =?UTF-8?Q?hi=0D=0ABcc:_eve@evil.example?=\r\n\r\nb\r\n", 0,
         "Undeliverable: hi Bcc: eve@evil.example"},
        {"lone CR", "Subject: hi\rBcc: eve@evil.example\r\n\r\nb\r\n", 0, "Undeliverable: hi Bcc: eve@evil.example"},
        {"lone LF in encoded word", "Subject: =?UTF-8?B?aGkKQmNjOiBldmVAZXZpbC5leGFtcGxl?=\r\n\r\n", 0,
         "Undeliverable: hi Bcc: eve@evil.example"},
        {"NUL", "Subject: hi\0Bcc: eve@evil.example\r\n\r\n", sizeof "Subject: hi\0Bcc: eve@evil.example\r\n\r\n" - 1,
         "Undeliverable: hi\xEF\xBF\xBD" "Bcc: eve@evil.example"},
        {"raw 8-bit", "Subject: caf\xE9 \xC3\xA9t\xC3\xA9\r\n\r\n", 0, "Undeliverable: caf\xEF\xBF\xBD \xC3\xA9t\xC3\xA9"},
        {"looks encoded", "Subject: =?x?q?y?= =?\r\n\r\n", 0, "Undeliverable: =?x?q?y?= =?"},
        {"no subject", "From: a@b.example\r\n\r\n", 0, "Undeliverable:"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sg_bounce_request r = {.envelope_sender = "carol@sender.example",
                               .message = msg(w, cases[i].message, cases[i].len),
                               .owner = OWNER,
                               .targets = ONE_TARGET,
                               .ntargets = 1};
        sg_bounce b;
        sg_bounce_build(&r, &FIXED, w->arena, &b);
        check_structure(w, &b, ONE_TARGET, 1);
        sg_message *m = sg_message_parse(b.data, b.len, w->arena);
        const char *subject = value(m, "Subject");
        if (strcmp(subject, cases[i].subject) != 0)
            fail_msg("case %s: subject \"%s\"", cases[i].name, subject);
    }
}

/* Script- and envelope-supplied text: controls dropped, never a new line. */
static void targets_owner_and_sender_cannot_inject(void **state)
{
    world *w = *state;
    static const char *const targets[] = {"bob@gmail.example\r\nBcc: eve@evil.example"};
    sg_bounce_request r = request(w, "carol@sender.example\r\nBcc: eve@evil.example", ORIGINAL);
    r.targets = targets;
    r.owner = "alice@corp.example\r\n\r\n--=_sievegate_test\r\nX: y";
    sg_bounce b;
    sg_bounce_options opt = FIXED;
    opt.hostname = "mx.corp.example\r\nBcc: eve@evil.example";
    opt.message_id = "<x@y>\r\nBcc: eve@evil.example";
    sg_bounce_build(&r, &opt, w->arena, &b);
    check_wire_form(&b);
    sg_message *m = sg_message_parse(b.data, b.len, w->arena);
    check_header_names(m);
    assert_string_equal(value(m, "To"), "undisclosed-recipients:;");
    assert_string_equal(value(m, "From"), "Mail Delivery System <MAILER-DAEMON@mx.corp.examplebcceveevil.example>");
    assert_string_equal(value(m, "Message-ID"), "<x@yBcceve@evil.example>");
    assert_null(strstr(b.data, "\r\nBcc:"));
    assert_null(strstr(b.data, "\r\nX: y"));
}

/* An RFC 6531 address: RFC 6533 §3 "utf-8" type in xtext form; no 8-bit anywhere. */
static void non_ascii_target_and_sender(void **state)
{
    world *w = *state;
    static const char *const targets[] = {"j\xC3\xB6rg+x@xn--bcher-kva.example"};
    sg_bounce_request r = request(w, "m\xC3\xBCller@Sender.example", ORIGINAL);
    r.targets = targets;
    sg_bounce b;
    sg_bounce_build(&r, &FIXED, w->arena, &b);
    check_wire_form(&b);
    sg_message *m = sg_message_parse(b.data, b.len, w->arena);
    check_header_names(m);
    assert_string_equal(value(m, "To"), "undisclosed-recipients:;");
    assert_string_equal(b.envelope_to, "m\xC3\xBCller@sender.example");
    assert_non_null(strstr(b.data, "\r\nFinal-Recipient: utf-8; j\\x{F6}rg\\x{2B}x@xn--bcher-kva.example\r\n"));
    assert_non_null(strstr(b.data, "\r\n    j\\x{F6}rg+x@xn--bcher-kva.example\r\n"));
}

static void long_subjects_fold_under_998(void **state)
{
    world *w = *state;
    static const char *const words[] = {"x", "word ", "\xC3\xBC"};
    for (size_t k = 0; k < 3; k++) {
        char *text = sg_xmalloc(20000);
        strcpy(text, "Subject: ");
        for (size_t i = 0; i < 3000 / strlen(words[k]) + 1; i++)
            strcat(text, words[k]);
        strcat(text, "\r\n\r\n");
        sg_bounce_request r = request(w, "carol@sender.example", text);
        sg_bounce b;
        sg_bounce_build(&r, &FIXED, w->arena, &b);
        check_structure(w, &b, ONE_TARGET, 1);
        /* the Subject reads back whole */
        sg_message *m = sg_message_parse(b.data, b.len, w->arena);
        const char *subject = value(m, "Subject");
        assert_true(strncmp(subject, "Undeliverable: ", 15) == 0);
        assert_true(strncmp(subject + 15, text + 9, strlen(subject + 15)) == 0);
        assert_true(strlen(subject + 15) >= 2990);
        /* folded near 78 columns */
        const char *s = strstr(b.data, "\r\nSubject:") + 2;
        for (const char *e; (e = strstr(s, "\r\n")) && (*s == 'S' || *s == ' '); s = e + 2)
            assert_true(e - s <= 78);
        free(text);
    }
}

/* A given boundary that a line of the content starts with is replaced. */
static void colliding_boundary_is_replaced(void **state)
{
    world *w = *state;
    sg_bounce_request r = request(w, "carol@sender.example",
                                  "From: carol@sender.example\r\n--=_sievegate_test: x\r\nSubject: s\r\n\r\nb\r\n");
    sg_bounce b;
    sg_bounce_build(&r, &FIXED, w->arena, &b);
    assert_string_not_equal(b.boundary, "=_sievegate_test");
    assert_int_equal(strncmp(b.boundary, "=_sievegate_", 12), 0);
    part headers = check_structure(w, &b, ONE_TARGET, 1);
    assert_non_null(strstr(headers.body, "--=_sievegate_test: x\r\n"));
}

/* Without fixed values: a fresh Message-ID, boundary and the current date. */
static void fresh_identifiers(void **state)
{
    world *w = *state;
    sg_bounce_request r = request(w, "carol@sender.example", ORIGINAL);
    sg_bounce_options opt = {HOST, 0, NULL, NULL, NULL};
    sg_bounce a, b;
    sg_bounce_build(&r, &opt, w->arena, &a);
    sg_bounce_build(&r, &opt, w->arena, &b);
    check_wire_form(&a);
    check_header_names(sg_message_parse(a.data, a.len, w->arena));
    assert_string_not_equal(a.message_id, b.message_id);
    assert_string_not_equal(a.boundary, b.boundary);
    assert_int_equal(a.message_id[0], '<');
    assert_non_null(strstr(a.message_id, "@" HOST ">"));
    sg_bounce_build(&r, NULL, w->arena, &b); /* no options at all: the host's name */
    check_wire_form(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(external_sender_gets_a_bounce),
        T(null_sender_gets_no_bounce),
        T(report_gets_no_bounce),
        T(auto_submitted_gets_no_bounce),
        T(rate_period_suppresses_the_second_bounce),
        T(ndr_no_suppresses),
        T(internal_sender_without_bounce_internal_senders),
        T(bad_sender_or_nothing_blocked),
        T(bounce_one_target_golden),
        T(bounce_two_targets_8bit_headers_golden),
        T(subject_cannot_inject_headers),
        T(targets_owner_and_sender_cannot_inject),
        T(non_ascii_target_and_sender),
        T(long_subjects_fold_under_998),
        T(colliding_boundary_is_replaced),
        T(fresh_identifiers),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
