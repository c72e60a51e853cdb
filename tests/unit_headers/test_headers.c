/* test_headers.c - header safety (issue 8): no script string and no incoming
 * header can start a header line in anything sievegate writes.
 *
 * Each builder (engine/enforce/bounce.c, engine/deliver/vacation.c, engine/deliver/mdn.c,
 * engine/deliver/notify_mail.c, engine/deliver/redirect.c sg_redirect_prepare and editheader's
 * addheader run through the interpreter) gets every hostile value below in
 * every slot a script or a message fills: raw CR, LF, CRLF, a blank line,
 * U+2028/U+2029/NEL, RFC 2047 encoded CR LF (Q and B), percent-encoded CR LF
 * (mailto URIs) and non-ASCII text. The check (check_section): every line of
 * the header section ends in CRLF, is 7-bit without NUL, and is either a
 * continuation (SP/HTAB first) or a field whose name is in the builder's
 * expected set; each expected field appears exactly once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "tests/unit/sg_test_util.h"
#include "engine/enforce/bounce.h"
#include "engine/core/interp.h"
#include "engine/mail/mailto.h"
#include "engine/deliver/mdn.h"
#include "engine/mail/message.h"
#include "engine/deliver/notify_mail.h"
#include "engine/deliver/redirect.h"
#include "engine/deliver/submit.h"
#include "engine/deliver/vacation.h"

#define HOST "mx.corp.example"
#define NOW ((time_t)1764000000)

/* Every value a script or a message may hand a builder, hostile or not. */
static const char *const HOSTILE[] = {
    "x\r\nBcc: evil@evil.example",
    "x\nBcc: evil@evil.example",
    "x\rBcc: evil@evil.example",
    "x\r\n\r\nBcc: evil@evil.example",
    "x\r\n Bcc: evil@evil.example",
    "\r\nBcc: evil@evil.example",
    "x\xE2\x80\xA8" "Bcc: evil@evil.example",      /* U+2028 */
    "x\xE2\x80\xA9" "Bcc: evil@evil.example",      /* U+2029 */
    "x\xC2\x85" "Bcc: evil@evil.example",          /* NEL */
    "x\x0B\x0C" "Bcc: evil@evil.example",
    "=?UTF-8?Q?x=0D=0ABcc:_evil@evil.example?=",   /* RFC 2047 Q, CRLF */
    "=?UTF-8?B?eA0KQmNjOiBldmlsQGV2aWwuZXhhbXBsZQ==?=", /* RFC 2047 B, "x\r\nBcc: ..." */
    "=?UTF-8?Q?x=0ABcc:_evil@evil.example?=",       /* RFC 2047 Q, lone LF */
    "x%0D%0ABcc:%20evil@evil.example",             /* percent-encoded (URIs) */
    "Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln \xE2\x82\xAC",
    "caf\xE9 raw latin-1",                         /* invalid UTF-8 */
};
#define NHOSTILE (sizeof HOSTILE / sizeof *HOSTILE)

/* The header section of data (up to the first empty line) obeys the rules
 * above. `what` names the case for the failure message. */
static void check_section(const char *what, const char *data, size_t len, const char *const *names, size_t nnames)
{
    size_t seen[32] = {0};
    assert_true(nnames <= 32);
    size_t i = 0;
    bool ended = false;
    while (i < len) {
        size_t e = i;
        while (e < len && data[e] != '\n')
            e++;
        if (e >= len || e == i || data[e - 1] != '\r')
            fail_msg("%s: a header line not ending in CRLF at offset %zu:\n%.*s", what, i, (int)len, data);
        size_t n = e - 1 - i; /* without CRLF */
        for (size_t k = 0; k < n; k++) {
            unsigned char c = (unsigned char)data[i + k];
            if (c == 0 || c >= 0x80 || c == '\r')
                fail_msg("%s: byte 0x%02x in header line \"%.*s\"", what, c, (int)n, data + i);
        }
        if (n == 0) {
            ended = true;
            break;
        }
        if (data[i] == ' ' || data[i] == '\t') {
            if (i == 0)
                fail_msg("%s: the header section starts with a continuation line", what);
        } else {
            size_t c = 0;
            while (c < n && data[i + c] != ':')
                c++;
            size_t k;
            for (k = 0; k < nnames; k++)
                if (strlen(names[k]) == c && strncasecmp(names[k], data + i, c) == 0)
                    break;
            if (c == n || k == nnames)
                fail_msg("%s: unexpected header line \"%.*s\"\n%.*s", what, (int)n, data + i, (int)len, data);
            seen[k]++;
        }
        i = e + 1;
    }
    if (!ended)
        fail_msg("%s: no end of the header section", what);
    for (size_t k = 0; k < nnames; k++)
        if (seen[k] != 1)
            fail_msg("%s: %s appears %zu times\n%.*s", what, names[k], seen[k], (int)len, data);
    /* the whole message is 7-bit as well */
    for (size_t k = 0; k < len; k++)
        if ((unsigned char)data[k] >= 0x80)
            fail_msg("%s: 8-bit byte at %zu", what, k);
}

/* An incoming message with the hostile value in Subject, From and Message-ID.
 * The value is written as is: a raw line break in it makes the "Bcc:" a field
 * of the incoming message itself (harmless: it stays in the copy/headers
 * part), an encoded one reaches the builder as decoded text. */
static sg_message *hostile_message(sg_arena *a, const char *v)
{
    char *text = sg_arena_alloc_bytes(a, 3 * strlen(v) + 512);
    sprintf(text,
            "From: Carol %s <carol@sender.example>\r\n"
            "To: alice@corp.example\r\n"
            "Subject: %s\r\n"
            "Message-ID: <%s@sender.example>\r\n"
            "Date: Mon, 24 Nov 2025 09:00:00 +0000\r\n"
            "\r\n"
            "body\r\n",
            v, v, v);
    return sg_message_parse(text, strlen(text), a);
}

static sg_message *plain_message(sg_arena *a)
{
    return hostile_message(a, "Lunch");
}

/* ---- bounce (engine/enforce/bounce.c) ---- */

static const char *const BOUNCE_FIELDS[] = {"From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted",
                                            "MIME-Version", "Content-Type"};

static void bounce_case(const char *what, const char *sender, sg_message *m, const char *owner, const char *target)
{
    sg_arena *a = sg_arena_new();
    const char *targets[] = {target};
    sg_bounce_request r = {sender, m ? m : plain_message(a), owner, targets, 1, false};
    sg_bounce_options o = {HOST, NOW, "<b-1@" HOST ">", "=_b", NULL};
    sg_bounce b;
    sg_bounce_build(&r, &o, a, &b);
    check_section(what, b.data, b.len, BOUNCE_FIELDS, SG_COUNT(BOUNCE_FIELDS));
    sg_arena_free(a);
}

static void bounce_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < NHOSTILE; i++) {
        sg_arena *a = sg_arena_new();
        bounce_case("bounce: incoming Subject/From/Message-ID", "carol@sender.example", hostile_message(a, HOSTILE[i]),
                    "alice@corp.example", "bob@gmail.example");
        sg_arena_free(a);
        char *addr = malloc(strlen(HOSTILE[i]) + 32);
        sprintf(addr, "carol%s@sender.example", HOSTILE[i]);
        bounce_case("bounce: envelope sender", addr, NULL, "alice@corp.example", "bob@gmail.example");
        bounce_case("bounce: owner", "carol@sender.example", NULL, addr, "bob@gmail.example");
        bounce_case("bounce: target", "carol@sender.example", NULL, "alice@corp.example", addr);
        free(addr);
    }
}


/* ---- vacation (engine/deliver/vacation.c) ---- */

static const char *const VACATION_FIELDS[] = {"From", "To", "Subject", "In-Reply-To", "References", "Date",
                                              "Message-ID", "Auto-Submitted", "MIME-Version", "Content-Type",
                                              "Content-Transfer-Encoding"};

static void vacation_case(const char *what, sg_message *m, const char *reason, const char *subject, const char *from,
                          bool mime)
{
    sg_arena *a = sg_arena_new();
    sg_action act = {.kind = SG_ACT_VACATION, .reason = reason, .subject = subject, .from = from, .mime = mime};
    sg_vacation_request r = {.envelope_sender = "carol@sender.example",
                             .recipient = "alice@corp.example",
                             .message = m ? m : plain_message(a),
                             .action = &act};
    sg_vacation_options o = {HOST, NOW, "<v-1@" HOST ">"};
    sg_vacation_reply v;
    sg_vacation_build(&r, &o, a, &v);
    /* In-Reply-To and References only when the original has a usable Message-ID */
    size_t n = SG_COUNT(VACATION_FIELDS);
    const char *names[SG_COUNT(VACATION_FIELDS)];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool refs = !strcmp(VACATION_FIELDS[i], "In-Reply-To") || !strcmp(VACATION_FIELDS[i], "References");
        if (refs && !strstr(v.data, "\r\nIn-Reply-To:"))
            continue;
        if (mime && !strcmp(VACATION_FIELDS[i], "Content-Transfer-Encoding") &&
            !strstr(v.data, "\r\nContent-Transfer-Encoding:"))
            continue;
        names[k++] = VACATION_FIELDS[i];
    }
    check_section(what, v.data, v.len, names, k);
    sg_arena_free(a);
}

static void vacation_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < NHOSTILE; i++) {
        const char *h = HOSTILE[i];
        sg_arena *a = sg_arena_new();
        vacation_case("vacation: incoming Subject/From/Message-ID", hostile_message(a, h), "away", NULL, NULL, false);
        sg_arena_free(a);
        vacation_case("vacation: reason", NULL, h, NULL, NULL, false);
        vacation_case("vacation: :subject", NULL, "away", h, NULL, false);
        char *from = malloc(strlen(h) + 64);
        sprintf(from, "Alice %s <alice@corp.example>", h);
        vacation_case("vacation: :from display name", NULL, "away", NULL, from, false);
        sprintf(from, "alice%s@corp.example", h);
        vacation_case("vacation: :from address", NULL, "away", NULL, from, false);
        free(from);
        /* :mime: the reason is a MIME entity; only its Content-* fields are kept */
        char *entity = malloc(strlen(h) + 128);
        sprintf(entity, "Content-Type: text/plain; charset=%s\r\nBcc: evil@evil.example\r\n\r\n%s\r\n", h, h);
        vacation_case("vacation: :mime reason", NULL, entity, NULL, NULL, true);
        free(entity);
    }
}

/* ---- MDN (engine/deliver/mdn.c) ---- */

static const char *const MDN_FIELDS[] = {"From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted",
                                         "Precedence", "MIME-Version", "Content-Type"};

static void mdn_case(const char *what, sg_message *m, const char *sender, const char *final, const char *orig,
                     const char *reason)
{
    sg_arena *a = sg_arena_new();
    sg_mdn_request r = {sender, final, orig, m ? m : plain_message(a), reason};
    sg_mdn_options o = {HOST, NOW, "<m-1@" HOST ">", "=_m", NULL};
    sg_mdn d;
    sg_mdn_build(&r, &o, a, &d);
    check_section(what, d.data, d.len, MDN_FIELDS, SG_COUNT(MDN_FIELDS));
    sg_arena_free(a);
}

static void mdn_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < NHOSTILE; i++) {
        const char *h = HOSTILE[i];
        sg_arena *a = sg_arena_new();
        mdn_case("mdn: incoming Subject/From/Message-ID", hostile_message(a, h), "carol@sender.example",
                 "alice@corp.example", NULL, "no");
        sg_arena_free(a);
        mdn_case("mdn: reason", NULL, "carol@sender.example", "alice@corp.example", NULL, h);
        char *addr = malloc(strlen(h) + 32);
        sprintf(addr, "x%s@corp.example", h);
        mdn_case("mdn: envelope sender", NULL, addr, "alice@corp.example", NULL, "no");
        mdn_case("mdn: final recipient", NULL, "carol@sender.example", addr, NULL, "no");
        mdn_case("mdn: original recipient", NULL, "carol@sender.example", "alice@corp.example", addr, "no");
        free(addr);
    }
}

/* ---- notify mailto (engine/deliver/notify_mail.c) ---- */

static bool notify_case(const char *what, sg_message *m, const char *uri, const char *message, const char *from,
                        const char *const *extra, size_t nextra)
{
    sg_arena *a = sg_arena_new();
    sg_mailto mt;
    const char *err = NULL;
    if (!sg_mailto_parse(uri, strlen(uri), a, &mt, &err)) {
        /* refused: no mail is built at all (safe); say so for the record */
        if (getenv("SG_TEST_VERBOSE"))
            fprintf(stderr, "%s: refused (%s): %s\n", what, err, uri);
        sg_arena_free(a);
        return false;
    }
    sg_action act = {.kind = SG_ACT_NOTIFY, .method = uri, .importance = "1", .message = message, .from = from,
                     .mailto = &mt};
    sg_notify_request r = {"alice@corp.example", "carol@sender.example", m ? m : plain_message(a), &act, NULL};
    sg_notify_options o = {HOST, NOW, "<n-1@" HOST ">"};
    sg_notify_mail n;
    sg_notify_build(&r, &o, a, &n);
    const char *names[16] = {"From", "To", "Subject", "Auto-Submitted", "X-Priority", "Date", "Message-ID",
                             "MIME-Version", "Content-Type", "Content-Transfer-Encoding"};
    size_t k = 10;
    for (size_t i = 0; i < nextra; i++)
        names[k++] = extra[i];
    check_section(what, n.data, n.len, names, k);
    sg_arena_free(a);
    return true;
}

static void notify_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < NHOSTILE; i++) {
        const char *h = HOSTILE[i];
        sg_arena *a = sg_arena_new();
        notify_case("notify: incoming Subject/From", hostile_message(a, h), "mailto:bob@corp.example", NULL, NULL,
                    NULL, 0);
        sg_arena_free(a);
        notify_case("notify: :message", NULL, "mailto:bob@corp.example", h, NULL, NULL, 0);
        char *s = malloc(3 * strlen(h) + 128);
        sprintf(s, "Alice %s <alice@corp.example>", h);
        notify_case("notify: :from display name", NULL, "mailto:bob@corp.example", NULL, s, NULL, 0);
        sprintf(s, "alice%s@corp.example", h);
        notify_case("notify: :from address", NULL, "mailto:bob@corp.example", NULL, s, NULL, 0);
        /* URI headers: raw, and percent-encoded octet for octet */
        for (int enc = 0; enc < 2; enc++) {
            char *v = malloc(3 * strlen(h) + 1);
            size_t o = 0;
            for (const unsigned char *p = (const unsigned char *)h; *p; p++) {
                if (enc && (*p < 0x21 || *p >= 0x7F || strchr("%&?=#", *p)))
                    o += (size_t)sprintf(v + o, "%%%02X", *p);
                else
                    v[o++] = (char)*p;
            }
            v[o] = '\0';
            sprintf(s, "mailto:bob@corp.example?subject=%s", v);
            bool built = notify_case("notify: URI subject", NULL, s, NULL, NULL, NULL, 0);
            /* percent-encoded UTF-8 and encoded-word look-alikes are valid subjects: built, RFC 2047 encoded */
            if (enc && (!strncmp(h, "Gr", 2) || !strncmp(h, "=?", 2)))
                assert_true(built);
            static const char *const keywords[] = {"Keywords"};
            sprintf(s, "mailto:bob@corp.example?keywords=%s", v);
            notify_case("notify: URI header", NULL, s, NULL, NULL, keywords, 1);
            sprintf(s, "mailto:bob@corp.example?body=%s", v);
            notify_case("notify: URI body", NULL, s, NULL, NULL, NULL, 0);
            static const char *const cc[] = {"Cc"};
            sprintf(s, "mailto:bob@corp.example?cc=x%s@corp.example", v);
            notify_case("notify: URI cc", NULL, s, NULL, NULL, cc, 1);
            free(v);
        }
        free(s);
    }
}

/* ---- Received and X-Sieve-Redirected-From (engine/deliver/redirect.c) ---- */

static void redirect_fields(void **state)
{
    (void)state;
    static const char *const names[] = {"Received", "X-Sieve-Redirected-From", "From", "Subject", "Date", "To"};
    static const char orig[] = "From: carol@sender.example\r\nTo: alice@corp.example\r\nSubject: hi\r\n"
                               "Date: Mon, 24 Nov 2025 09:00:00 +0000\r\n\r\nbody\r\n";
    for (size_t i = 0; i < NHOSTILE; i++) {
        const char *h = HOSTILE[i];
        char *addr = malloc(strlen(h) + 32);
        sprintf(addr, "x%s@corp.example", h);
        bool controls = false;
        for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
            controls |= *p < 0x20 || *p == 0x7F;
        for (int slot = 0; slot < 3; slot++) {
            sg_arena *a = sg_arena_new();
            const char *out = NULL;
            size_t outlen = 0;
            char err[256] = "";
            bool ok = sg_redirect_prepare(orig, sizeof orig - 1, slot == 0 ? addr : "alice@corp.example",
                                          slot == 1 ? addr : "bob@gmail.example", slot == 2 ? addr : HOST, NOW, a,
                                          &out, &outlen, err, sizeof err);
            if (slot < 2 && controls) {
                /* an owner or target with a control character is refused: nothing is sent */
                assert_false(ok);
                assert_true(err[0] != '\0');
            } else {
                assert_true(ok);
                check_section(slot == 0 ? "redirect: owner" : slot == 1 ? "redirect: target" : "redirect: hostname",
                              out, outlen, names, SG_COUNT(names));
            }
            sg_arena_free(a);
        }
        free(addr);
    }
}

/* ---- editheader's addheader value (engine/ext/ext_editheader.c) ---- */

static void addheader_fields(void **state)
{
    (void)state;
    static const char message[] = "From: carol@sender.example\r\nSubject: hi\r\n\r\nbody\r\n";
    static const char *const names[] = {"X-Added", "From", "Subject"};
    /* the encoded forms a script can write (RFC 5228 §2.4.2.4 encoded-character) */
    static const char *const ENCODED[] = {"x${hex:0D 0A}Bcc: evil@evil.example", "x${hex:0a}Bcc: evil@evil.example",
                                          "x${unicode:2028}Bcc: evil@evil.example",
                                          "${unicode:E9 20AC}${hex:0D0A0D0A}Bcc: evil@evil.example"};
    for (size_t i = 0; i < NHOSTILE + SG_COUNT(ENCODED); i++) {
        /* the value as a script string: raw bytes, with '"' and '\\' escaped (RFC 5228 §2.4.2) */
        bool encoded = i >= NHOSTILE;
        const char *h = encoded ? ENCODED[i - NHOSTILE] : HOSTILE[i];
        char *src = malloc(2 * strlen(h) + 128);
        size_t o = (size_t)sprintf(src, "require [\"editheader\", \"encoded-character\"];\n"
                                        "addheader \"X-Added\" \"");
        for (const char *p = h; *p; p++) {
            if (*p == '"' || *p == '\\')
                src[o++] = '\\';
            src[o++] = *p;
        }
        o += (size_t)sprintf(src + o, "\";\n");
        sg_arena *a = sg_arena_new();
        sg_diags diags;
        sg_diags_init(&diags, 0);
        sg_registry *reg = sg_registry_new();
        sg_script *script = sg_parse("t.sieve", src, o, NULL, &diags);
        bool valid = script && sg_validate(reg, script, NULL, &diags);
        sg_diags_clear(&diags);
        /* a script whose string the parser refuses never runs (lone CR, invalid UTF-8...); CRLF, LF
           and UTF-8 values are valid strings and must run */
        if (!valid) {
            if (getenv("SG_TEST_VERBOSE"))
                fprintf(stderr, "addheader: script refused: %s\n", src);
            assert_true(!encoded && strncmp(h, "x\r\n", 3) != 0 && strncmp(h, "x\n", 2) != 0 && strncmp(h, "Gr", 2) != 0);
            if (script)
                sg_script_free(script);
            sg_registry_free(reg);
            sg_arena_free(a);
            free(src);
            continue;
        }
        sg_message *m = sg_message_parse(message, sizeof message - 1, a);
        sg_envelope env = {"carol@sender.example", "alice@corp.example", NULL, NULL};
        sg_run_options opt = {.limits = {32, 4}, .subaddress_separator = "+"};
        sg_result result;
        sg_result_init(&result, a, &opt.limits);
        assert_true(sg_interp_run(reg, script, m, &env, &opt, &result));
        const char *hd, *bd;
        size_t hl, bl;
        sg_message_render(m, sg_message_snapshot(m), a, &hd, &hl, &bd, &bl);
        check_section("addheader value", hd, hl, names, SG_COUNT(names));
        sg_result_free(&result);
        sg_script_free(script);
        sg_registry_free(reg);
        sg_arena_free(a);
        free(src);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bounce_fields),
        cmocka_unit_test(vacation_fields),
        cmocka_unit_test(mdn_fields),
        cmocka_unit_test(notify_fields),
        cmocka_unit_test(redirect_fields),
        cmocka_unit_test(addheader_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
