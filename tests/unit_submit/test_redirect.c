/* test_redirect.c - the redirected copy of a message and its envelope sender
 * (engine/deliver/redirect.c; policy.md "What an allowed external forward carries"),
 * and the configuration keys that drive submission.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "engine/deliver/redirect.h"
#include "engine/deliver/submit.h"
#include "base/arena.h"

#define NOW 1577836860 /* Wed, 1 Jan 2020 00:01:00 UTC */

typedef struct {
    sg_arena *arena;
    char err[256];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->arena = sg_arena_new();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sg_arena_free(f->arena);
    free(f);
    return 0;
}

static void assert_prepared(fixture *f, const char *msg, size_t len, const char *expected, size_t expected_len)
{
    const char *out = NULL;
    size_t outlen = 0;
    assert_true(sg_redirect_prepare(msg, len, "bob@example.com", "carol@example.net", "MX.Example.COM", NOW,
                                    f->arena, &out, &outlen, f->err, sizeof f->err));
    assert_string_equal(f->err, "");
    assert_int_equal(outlen, expected_len);
    assert_memory_equal(out, expected, expected_len);
}

#define PREFIX_LF                                                                                                  \
    "Received: by mx.example.com (sievegate)\n"                                                                    \
    "\tfor <carol@example.net>; Wed, 1 Jan 2020 00:01:00 +0000\n"                                                  \
    "X-Sieve-Redirected-From: bob@example.com\n"
#define PREFIX_CRLF                                                                                                \
    "Received: by mx.example.com (sievegate)\r\n"                                                                  \
    "\tfor <carol@example.net>; Wed, 1 Jan 2020 00:01:00 +0000\r\n"                                                \
    "X-Sieve-Redirected-From: bob@example.com\r\n"

/* Every Return-Path gone (folded, lower case, WSP before ':'), the rest byte for byte. */
static void test_exact_bytes(void **state)
{
    fixture *f = *state;
    static const char msg[] = "Return-Path: <alice@example.org>\n"
                              "Delivered-To: bob@example.com\n"
                              "DKIM-Signature: v=1; a=rsa-sha256; d=example.org;\n"
                              "\tb=AbCd+/==\n"
                              "return-path:\n"
                              " <folded@example.org>\n"
                              "Return-Path  : <obs@example.org>\n"
                              "X-Return-Path: kept\n"
                              "Return-Paths: kept too\n"
                              "From: Alice <alice@example.org>\n"
                              "Subject: =?utf-8?q?caf=C3=A9?=  \n"
                              "\n"
                              "Return-Path: in the body, kept\n"
                              ".dot line\n"
                              "\xff\x00 binary\r\n"
                              "no final newline";
    static const char expected[] = PREFIX_LF "Delivered-To: bob@example.com\n"
                                             "DKIM-Signature: v=1; a=rsa-sha256; d=example.org;\n"
                                             "\tb=AbCd+/==\n"
                                             "X-Return-Path: kept\n"
                                             "Return-Paths: kept too\n"
                                             "From: Alice <alice@example.org>\n"
                                             "Subject: =?utf-8?q?caf=C3=A9?=  \n"
                                             "\n"
                                             "Return-Path: in the body, kept\n"
                                             ".dot line\n"
                                             "\xff\x00 binary\r\n"
                                             "no final newline";
    assert_prepared(f, msg, sizeof msg - 1, expected, sizeof expected - 1);
}

static void test_crlf_message(void **state)
{
    fixture *f = *state;
    static const char msg[] = "Return-Path: <alice@example.org>\r\nSubject: x\r\n\r\nbody\r\n";
    static const char expected[] = PREFIX_CRLF "Subject: x\r\n\r\nbody\r\n";
    assert_prepared(f, msg, sizeof msg - 1, expected, sizeof expected - 1);
}

static void test_unusual_shapes(void **state)
{
    fixture *f = *state;
    /* no header/body separator */
    static const char m1[] = "Subject: x\nReturn-Path: <a@b>\n";
    static const char e1[] = PREFIX_LF "Subject: x\n";
    assert_prepared(f, m1, sizeof m1 - 1, e1, sizeof e1 - 1);
    /* no newline at all */
    static const char m2[] = "Return-Path: <a@b>";
    assert_prepared(f, m2, sizeof m2 - 1, PREFIX_LF, sizeof PREFIX_LF - 1);
    /* empty message */
    assert_prepared(f, "", 0, PREFIX_LF, sizeof PREFIX_LF - 1);
    /* a body only: the empty first line ends the (empty) header section */
    static const char m3[] = "\nReturn-Path: <a@b>\n";
    static const char e3[] = PREFIX_LF "\nReturn-Path: <a@b>\n";
    assert_prepared(f, m3, sizeof m3 - 1, e3, sizeof e3 - 1);
    /* a continuation line before any field, and a non-field line, stay */
    static const char m4[] = " odd\nnot a field\nReturn-Path: <a@b>\n\tmore\nA: b\n\nx";
    static const char e4[] = PREFIX_LF " odd\nnot a field\nA: b\n\nx";
    assert_prepared(f, m4, sizeof m4 - 1, e4, sizeof e4 - 1);
}

/* Nothing from OWNER or TARGET can add a header field. */
static void test_no_header_injection(void **state)
{
    fixture *f = *state;
    static const char *const bad[] = {"bob@example.com\r\nBcc: evil@example.org",
                                      "bob@example.com\nBcc: evil@example.org",
                                      "bob@example.com\rBcc: evil@example.org",
                                      "a\tb@example.com",
                                      "a\x7f@example.com",
                                      "",
                                      NULL};
    const char *out = NULL;
    size_t outlen = 0;
    for (size_t i = 0; bad[i]; i++) {
        out = NULL;
        assert_false(sg_redirect_prepare("A: b\n\nx", 7, bad[i], "carol@example.net", "mx", NOW, f->arena, &out,
                                         &outlen, f->err, sizeof f->err));
        assert_null(out);
        assert_string_equal(f->err, "the owner address is empty or holds a control character");
        assert_false(sg_redirect_prepare("A: b\n\nx", 7, "bob@example.com", bad[i], "mx", NOW, f->arena, &out,
                                         &outlen, f->err, sizeof f->err));
        assert_null(out);
        assert_string_equal(f->err, "the redirect target is empty or holds a control character");
    }
    assert_false(sg_redirect_prepare("A: b\n\nx", 7, NULL, "c@d", "mx", NOW, f->arena, &out, &outlen, f->err,
                                     sizeof f->err));
    /* the hostname is cleaned to letters, digits, '.' and '-' */
    assert_true(sg_redirect_prepare("A: b\n\nx", 7, "bob@example.com", "c@d", "mx.test\r\nBcc: evil@x", NOW,
                                    f->arena, &out, &outlen, f->err, sizeof f->err));
    static const char expected[] = "Received: by mx.testbccevilx (sievegate)\n"
                                   "\tfor <c@d>; Wed, 1 Jan 2020 00:01:00 +0000\n"
                                   "X-Sieve-Redirected-From: bob@example.com\n"
                                   "A: b\n\nx";
    assert_int_equal(outlen, sizeof expected - 1);
    assert_memory_equal(out, expected, outlen);
    /* 8-bit (SMTPUTF8) addresses are not control characters */
    assert_true(sg_redirect_prepare("A: b\n\nx", 7, "b\xc3\xb6@example.com", "c@d", "mx", NOW, f->arena, &out,
                                    &outlen, f->err, sizeof f->err));
    /* ... but the header stays 7-bit (issue 8): the owner as RFC 2047 words, an 8-bit
       target without Received's optional "for" clause (RFC 5321 §4.4) */
    static const char eight[] = "Received: by mx (sievegate)\n"
                                "\tfor <c@d>; Wed, 1 Jan 2020 00:01:00 +0000\n"
                                "X-Sieve-Redirected-From: =?UTF-8?B?YsO2QGV4YW1wbGUuY29t?=\n"
                                "A: b\n\nx";
    assert_int_equal(outlen, sizeof eight - 1);
    assert_memory_equal(out, eight, outlen);
    assert_true(sg_redirect_prepare("A: b\r\n\r\nx", 9, "bob@example.com", "c\xc3\xb6@d", "mx", NOW, f->arena,
                                    &out, &outlen, f->err, sizeof f->err));
    static const char eight_target[] = "Received: by mx (sievegate)\r\n"
                                       "\t; Wed, 1 Jan 2020 00:01:00 +0000\r\n"
                                       "X-Sieve-Redirected-From: bob@example.com\r\n"
                                       "A: b\r\n\r\nx";
    assert_int_equal(outlen, sizeof eight_target - 1);
    assert_memory_equal(out, eight_target, outlen);
}

static void test_envelope_from(void **state)
{
    fixture *f = *state;
    sg_submit_config cfg;
    memset(&cfg, 0, sizeof cfg);
    const char *owner = "bob@example.com";

    /* sender (the default) */
    assert_string_equal(sg_redirect_envelope_from(&cfg, "alice@example.org", owner, NOW, f->arena, f->err,
                                                  sizeof f->err), "alice@example.org");
    assert_string_equal(sg_redirect_envelope_from(&cfg, "", owner, NOW, f->arena, f->err, sizeof f->err), "");
    assert_string_equal(sg_redirect_envelope_from(&cfg, "<>", owner, NOW, f->arena, f->err, sizeof f->err), "");
    assert_string_equal(sg_redirect_envelope_from(&cfg, NULL, owner, NOW, f->arena, f->err, sizeof f->err), "");
    assert_null(sg_redirect_envelope_from(&cfg, "a@b\r\nc", owner, NOW, f->arena, f->err, sizeof f->err));
    assert_string_equal(f->err, "the envelope sender holds a control character");

    /* owner; a null sender stays null */
    cfg.envelope_from = SG_ENVFROM_OWNER;
    assert_string_equal(sg_redirect_envelope_from(&cfg, "alice@example.org", owner, NOW, f->arena, f->err,
                                                  sizeof f->err), owner);
    assert_string_equal(sg_redirect_envelope_from(&cfg, "<>", owner, NOW, f->arena, f->err, sizeof f->err), "");
    assert_null(sg_redirect_envelope_from(&cfg, "a@b", "o\n@x", NOW, f->arena, f->err, sizeof f->err));

    /* srs (postsrsd's own test vector: secret tops3cr3t, domain example.com) */
    cfg.envelope_from = SG_ENVFROM_SRS;
    assert_null(sg_redirect_envelope_from(&cfg, "test@otherdomain.com", owner, NOW, f->arena, f->err,
                                          sizeof f->err));
    assert_string_equal(f->err, "redirect_envelope_from = srs needs srs_secret and srs_domain");
    cfg.srs_secret = "tops3cr3t";
    cfg.srs_domain = "example.com";
    assert_string_equal(sg_redirect_envelope_from(&cfg, "test@otherdomain.com", owner, NOW, f->arena, f->err,
                                                  sizeof f->err),
                        "SRS0=vmyz=2W=otherdomain.com=test@example.com");
    assert_string_equal(sg_redirect_envelope_from(&cfg, "", owner, NOW, f->arena, f->err, sizeof f->err), "");
    assert_string_equal(sg_redirect_envelope_from(&cfg, "<>", owner, NOW, f->arena, f->err, sizeof f->err), "");
}

static void test_config_load(void **state)
{
    (void)state;
    char err[256];
    sg_submit_config cfg;
    sg_config *conf = sg_config_new();
    assert_true(sg_submit_config_load(conf, &cfg, err, sizeof err));
    assert_null(cfg.sendmail_path); /* SG_DEFAULT_SENDMAIL_PATH then */
    assert_null(cfg.submission_host);
    assert_int_equal(cfg.envelope_from, SG_ENVFROM_SENDER);
    assert_int_equal(cfg.timeout_ms, 0);
    assert_string_equal(SG_DEFAULT_SENDMAIL_PATH, "/usr/sbin/sendmail");

    assert_true(sg_config_set(conf, "sendmail_path", "/usr/lib/sendmail -oem"));
    assert_true(sg_config_set(conf, "submission_host", "127.0.0.1:2525"));
    assert_true(sg_config_set(conf, "hostname", "mx.example.com"));
    assert_true(sg_config_set(conf, "redirect_envelope_from", "owner"));
    assert_true(sg_submit_config_load(conf, &cfg, err, sizeof err));
    assert_string_equal(cfg.sendmail_path, "/usr/lib/sendmail -oem");
    assert_string_equal(cfg.submission_host, "127.0.0.1:2525");
    assert_string_equal(cfg.hostname, "mx.example.com");
    assert_int_equal(cfg.envelope_from, SG_ENVFROM_OWNER);

    assert_true(sg_config_set(conf, "redirect_envelope_from", "srs"));
    assert_false(sg_submit_config_load(conf, &cfg, err, sizeof err));
    assert_string_equal(err, "redirect_envelope_from = srs needs srs_secret and srs_domain");
    assert_true(sg_config_set(conf, "srs_secret", "s3cret"));
    assert_true(sg_config_set(conf, "srs_domain", "srs.example.com"));
    assert_true(sg_submit_config_load(conf, &cfg, err, sizeof err));
    assert_int_equal(cfg.envelope_from, SG_ENVFROM_SRS);
    assert_string_equal(cfg.srs_secret, "s3cret");
    assert_string_equal(cfg.srs_domain, "srs.example.com");

    assert_true(sg_config_set(conf, "redirect_envelope_from", "Sender"));
    assert_false(sg_submit_config_load(conf, &cfg, err, sizeof err));
    assert_string_equal(err, "redirect_envelope_from: \"Sender\" is not one of sender, owner, srs");
    sg_config_free(conf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exact_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crlf_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unusual_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_header_injection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_envelope_from, setup, teardown),
        cmocka_unit_test(test_config_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
