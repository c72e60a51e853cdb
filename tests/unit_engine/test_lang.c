/* test_lang.c - regex (draft-murchison-sieve-regex), date and index (RFC
 * 5260), environment (RFC 5183), ihave and error (RFC 5463): matching, the
 * pathological-input guards, date parsing and every date-part, and the
 * interpreter's runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/core/compare.h"
#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"
#include "grammar/parse.h"

/* ---- sg_regex_match ---- */

static int rx(bool casemap, const char *value, const char *key, sg_captures *caps)
{
    char why[256];
    return sg_regex_match(casemap, value, strlen(value), key, strlen(key), caps, why, sizeof why);
}

static void test_regex_matching(void **state)
{
    (void)state;
    assert_int_equal(rx(true, "Hello World", "^hello", NULL), 1);
    assert_int_equal(rx(false, "Hello World", "^hello", NULL), 0);
    assert_int_equal(rx(false, "Hello World", "^Hello", NULL), 1);
    assert_int_equal(rx(true, "abc", "x|b", NULL), 1);
    assert_int_equal(rx(true, "", "^$", NULL), 1);
    sg_captures c;
    assert_int_equal(rx(true, "[PROJ-12] x", "\\[([A-Z]+)-([0-9]+)\\]( y)?", &c), 1);
    assert_int_equal(c.count, 4);
    assert_int_equal(c.len[0], 9);
    assert_memory_equal(c.start[0], "[PROJ-12]", 9);
    assert_int_equal(c.len[1], 4);
    assert_memory_equal(c.start[1], "PROJ", 4);
    assert_int_equal(c.len[2], 2);
    assert_memory_equal(c.start[2], "12", 2);
    assert_int_equal(c.len[3], 0); /* an optional group that did not take part */
    /* more than nine groups: only ${0}..${9} */
    assert_int_equal(rx(true, "abcdefghijk", "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)", &c), 1);
    assert_int_equal(c.count, SG_MATCH_VARS);
    assert_memory_equal(c.start[9], "i", 1);
    /* a value with a NUL byte (REG_STARTEND) */
    char why[128];
    assert_int_equal(sg_regex_match(false, "a\0b", 3, "b$", 2, NULL, why, sizeof why), 1);
}

static void test_regex_invalid_and_guards(void **state)
{
    (void)state;
    char why[256];
    assert_int_equal(rx(true, "x", "(", NULL), -1);
    assert_int_equal(rx(true, "x", "[z-a]", NULL), -1);
    assert_non_null(sg_regex_check("a(", 2, true, why, sizeof why));
    assert_null(sg_regex_check("a[)]", 4, true, why, sizeof why));
    /* back-references are not POSIX ERE */
    assert_non_null(sg_regex_check("(a)\\1", 5, true, why, sizeof why));
    assert_string_equal(why, "back-references are not part of POSIX extended regular expressions");
    assert_null(sg_regex_check("\\\\1", 3, true, why, sizeof why)); /* an escaped backslash, then '1' */
    assert_null(sg_regex_check("[\\1]", 4, true, why, sizeof why)); /* inside brackets: literal */
    /* repetition bounds */
    assert_null(sg_regex_check("a{255}", 6, true, why, sizeof why));
    assert_non_null(sg_regex_check("a{256}", 6, true, why, sizeof why));
    assert_non_null(sg_regex_check("a{1,1000}", 9, true, why, sizeof why));
    assert_non_null(sg_regex_check("((a{100}){100}){100}", 20, true, why, sizeof why));
    assert_string_equal(why, "repetition bounds too large together");
    assert_null(sg_regex_check("[{]1000", 7, true, why, sizeof why)); /* '{' in brackets is literal */
    /* pattern length */
    char *big = malloc(SG_REGEX_MAX_PATTERN + 2);
    memset(big, 'a', SG_REGEX_MAX_PATTERN + 1);
    big[SG_REGEX_MAX_PATTERN + 1] = '\0';
    assert_non_null(sg_regex_check(big, SG_REGEX_MAX_PATTERN + 1, true, why, sizeof why));
    assert_null(sg_regex_check(big, SG_REGEX_MAX_PATTERN, true, why, sizeof why));
    free(big);
    /* only the first SG_REGEX_MAX_SUBJECT bytes of a value are searched */
    size_t n = SG_REGEX_MAX_SUBJECT + 10;
    char *subject = malloc(n + 1);
    memset(subject, 'x', n);
    subject[n - 1] = 'y';
    subject[n] = '\0';
    assert_int_equal(sg_regex_match(true, subject, n, "y", 1, NULL, why, sizeof why), 0);
    subject[SG_REGEX_MAX_SUBJECT - 1] = 'y';
    assert_int_equal(sg_regex_match(true, subject, n, "y", 1, NULL, why, sizeof why), 1);
    free(subject);
    /* sg_match: an invalid key never matches */
    assert_false(sg_match(SG_MATCH_REGEX, SG_REL_NONE, SG_CMP_ASCII_CASEMAP, "(", 1, "(", 1, NULL));
    assert_true(sg_match(SG_MATCH_REGEX, SG_REL_NONE, SG_CMP_ASCII_CASEMAP, "ab", 2, "B", 1, NULL));
}

/* ---- interpreter runs ---- */

static const char message[] = "Received: from a by b; Sat, 29 Feb 2020 23:59:58 -0800\r\n"
                              "Received: from c by d; Sun, 1 Mar 2020 07:30:00 +0000\r\n"
                              "Date: Fri, 28 Feb 2020 23:45:30 +0200\r\n"
                              "Subject: [PROJ-7] hello\r\n"
                              "X-D1: 5 Nov 99 13:07 EST\r\n"
                              "X-D2: Tue, 3 (c) Mar 2020 08:09:10 -0330 (NST)\r\n"
                              "X-Bad1: Thu, 30 Feb 2020 10:00:00 +0000\r\n"
                              "X-Bad2: 29 Feb 2019 10:00:00 +0000\r\n"
                              "X-Bad3: 1 Jan 2020 24:00:00 +0000\r\n"
                              "X-Bad4: 1 Foo 2020 10:00:00 +0000\r\n"
                              "X-Bad5: 1 Jan 2020 10:00:00 +01\r\n"
                              "X-Bad6: 1 Jan 2020 10:00:00 +0000 trailing\r\n"
                              "X-Bad7: Xyz, 1 Jan 2020 10:00:00 +0000\r\n"
                              "X-Bad8: \r\n"
                              "X-Tag: one\r\n"
                              "X-Tag: two\r\n"
                              "X-Tag: three\r\n"
                              "\r\n"
                              "body\r\n";

typedef struct run {
    sg_arena *arena;
    sg_script *script;
    sg_registry *reg;
    sg_result result;
    bool ok;
    char plan[2048]; /* "fileinto:X ..." then "implicit-keep" */
} run;

static void run_script(run *r, const char *src, const sg_environment *envitems)
{
    memset(r, 0, sizeof *r);
    r->arena = sg_arena_new();
    sg_diags diags;
    sg_diags_init(&diags, 0);
    r->reg = sg_registry_new();
    r->script = sg_parse("test.sieve", src, strlen(src), NULL, &diags);
    bool valid = sg_validate(r->reg, r->script, NULL, &diags);
    if (!valid)
        for (size_t i = 0; i < diags.count; i++)
            fprintf(stderr, "%u:%u: %s\n", diags.items[i].loc.line, diags.items[i].loc.column, diags.items[i].message);
    assert_true(valid);
    sg_diags_clear(&diags);
    sg_message *msg = sg_message_parse(message, sizeof message - 1, r->arena);
    sg_envelope env = {"from@example.com", "to@example.org", NULL, NULL};
    sg_run_options opt = {.limits = {32, 4}, .subaddress_separator = "+", .now = 1795424400 /* 2026-11-23T09:00:00Z */};
    if (envitems)
        opt.environment = *envitems;
    sg_result_init(&r->result, r->arena, &opt.limits);
    r->ok = sg_interp_run(r->reg, r->script, msg, &env, &opt, &r->result);
    size_t n = 0;
    for (size_t i = 0; i < r->result.count; i++) {
        const sg_action *a = &r->result.actions[i];
        n += (size_t)snprintf(r->plan + n, sizeof r->plan - n, "%s%s ",
                              a->kind == SG_ACT_FILEINTO ? "fileinto:" : a->kind == SG_ACT_DISCARD ? "discard" : "other",
                              a->kind == SG_ACT_FILEINTO ? a->mailbox : "");
    }
    if (r->result.implicit_keep)
        snprintf(r->plan + n, sizeof r->plan - n, "implicit-keep");
}

static void run_free(run *r)
{
    sg_result_free(&r->result);
    sg_script_free(r->script);
    sg_registry_free(r->reg);
    sg_arena_free(r->arena);
}

static bool invalid(const char *src, const char *code)
{
    sg_diags diags;
    sg_diags_init(&diags, 0);
    sg_registry *reg = sg_registry_new();
    sg_script *script = sg_parse("test.sieve", src, strlen(src), NULL, &diags);
    bool ok = sg_validate(reg, script, NULL, &diags);
    bool found = false;
    for (size_t i = 0; i < diags.count; i++)
        found = found || (diags.items[i].severity == SG_SEV_ERROR && strcmp(diags.items[i].code, code) == 0);
    sg_diags_clear(&diags);
    sg_script_free(script);
    sg_registry_free(reg);
    return !ok && found;
}

#define EXPECT_PLAN(src, want)                                                                                          \
    do {                                                                                                           \
        run r;                                                                                                     \
        run_script(&r, src, NULL);                                                                                 \
        assert_string_equal(r.plan, want);                                                                         \
        run_free(&r);                                                                                              \
    } while (0)

static void test_regex_runs(void **state)
{
    (void)state;
    EXPECT_PLAN("require [\"regex\", \"variables\", \"fileinto\"];\n"
           "if header :regex \"subject\" \"\\\\[([a-z]+)-([0-9]+)\\\\]\" { fileinto \"${0}|${1}|${2}|${3}\"; }\n",
           "fileinto:[PROJ-7]|PROJ|7| ");
    /* a runtime-invalid pattern: one warning per test, the run goes on, the next key can match */
    run r;
    run_script(&r,
               "require [\"regex\", \"variables\", \"fileinto\"];\nset \"p\" \"(\";\n"
               "if header :regex \"x-tag\" [\"${p}\", \"^t.*\"] { fileinto \"t-${0}\"; }\n",
               NULL);
    assert_true(r.ok);
    assert_string_equal(r.plan, "fileinto:t-two ");
    assert_int_equal(r.result.warnings.count, 1);
    assert_string_equal(r.result.warnings.items[0].code, "invalid-regex");
    assert_int_equal(r.result.warnings.items[0].loc.line, 3);
    run_free(&r);
    assert_true(invalid("require \"regex\";\nif header :regex \"subject\" \"(\" { keep; }\n", "invalid-regex"));
    assert_true(invalid("require [\"regex\", \"comparator-i;ascii-numeric\"];\n"
                        "if header :regex :comparator \"i;ascii-numeric\" \"subject\" \"1\" { keep; }\n",
                        "comparator-mismatch"));
    assert_true(invalid("if header :regex \"subject\" \"x\" { keep; }\n", "missing-require"));
}

#define PARTS(h, zone)                                                                                             \
    "require [\"date\", \"variables\", \"fileinto\"];\n"                                                           \
    "if date " zone " :matches \"" h "\" \"year\" \"*\" { set \"a\" \"${1}\"; }\n"                                 \
    "if date " zone " :matches \"" h "\" \"month\" \"*\" { set \"a\" \"${a} ${1}\"; }\n"                           \
    "if date " zone " :matches \"" h "\" \"day\" \"*\" { set \"a\" \"${a} ${1}\"; }\n"                             \
    "if date " zone " :matches \"" h "\" \"date\" \"*\" { set \"a\" \"${a} ${1}\"; }\n"                            \
    "if date " zone " :matches \"" h "\" \"julian\" \"*\" { set \"a\" \"${a} ${1}\"; }\n"                          \
    "if date " zone " :matches \"" h "\" \"hour\" \"*\" { set \"a\" \"${a} ${1}\"; }\n"                            \
    "if date " zone " :matches \"" h "\" \"minute\" \"*\" { set \"a\" \"${a} ${1}\"; }\n"                          \
    "if date " zone " :matches \"" h "\" \"second\" \"*\" { set \"a\" \"${a} ${1}\"; }\n"                          \
    "if date " zone " :matches \"" h "\" \"time\" \"*\" { set \"a\" \"${a} ${1}\"; }\n"                            \
    "if date " zone " :matches \"" h "\" \"iso8601\" \"*\" { set \"a\" \"${a} ${1}\"; }\n"                         \
    "if date " zone " :matches \"" h "\" \"std11\" \"*\" { set \"a\" \"${a} ${1}\"; }\n"                           \
    "if date " zone " :matches \"" h "\" \"zone\" \"*\" { set \"a\" \"${a} ${1}\"; }\n"                            \
    "if date " zone " :matches \"" h "\" \"weekday\" \"*\" { set \"a\" \"${a} ${1}\"; }\n"                         \
    "fileinto \"${a}\";\n"

static void test_date_parts(void **state)
{
    (void)state;
    EXPECT_PLAN(PARTS("date", ":originalzone"), "fileinto:2020 02 28 2020-02-28 58907 23 45 30 23:45:30 "
                                           "2020-02-28T23:45:30+02:00 Fri, 28 Feb 2020 23:45:30 +0200 +0200 5 ");
    EXPECT_PLAN(PARTS("date", ":zone \"+0000\""), "fileinto:2020 02 28 2020-02-28 58907 21 45 30 21:45:30 "
                                             "2020-02-28T21:45:30Z Fri, 28 Feb 2020 21:45:30 +0000 +0000 5 ");
    EXPECT_PLAN(PARTS("date", ":zone \"-1130\""), "fileinto:2020 02 28 2020-02-28 58907 10 15 30 10:15:30 "
                                             "2020-02-28T10:15:30-11:30 Fri, 28 Feb 2020 10:15:30 -1130 -1130 5 ");
    /* the first Received field, the date after its last ';' */
    EXPECT_PLAN(PARTS("received", ":zone \"+0100\""), "fileinto:2020 03 01 2020-03-01 58909 08 59 58 08:59:58 "
                                                 "2020-03-01T08:59:58+01:00 Sun, 01 Mar 2020 08:59:58 +0100 +0100 0 ");
    /* obsolete forms: two-digit year (+1900 from 50), EST, no seconds */
    EXPECT_PLAN(PARTS("x-d1", ":originalzone"), "fileinto:1999 11 05 1999-11-05 51487 13 07 00 13:07:00 "
                                           "1999-11-05T13:07:00-05:00 Fri, 05 Nov 1999 13:07:00 -0500 -0500 5 ");
    /* comments as whitespace; a negative half-hour zone */
    EXPECT_PLAN(PARTS("x-d2", ":originalzone"), "fileinto:2020 03 03 2020-03-03 58911 08 09 10 08:09:10 "
                                           "2020-03-03T08:09:10-03:30 Tue, 03 Mar 2020 08:09:10 -0330 -0330 2 ");
    /* currentdate: the run's fixed time */
    EXPECT_PLAN("require [\"date\", \"variables\", \"fileinto\"];\n"
           "if currentdate :zone \"+0100\" :matches \"iso8601\" \"*\" { fileinto \"${1}\"; }\n"
           "if currentdate :zone \"+0000\" :is \"weekday\" \"1\" { fileinto \"monday\"; }\n"
           "if currentdate :zone \"+0000\" :is \"julian\" \"61367\" { fileinto \"mjd\"; }\n",
           "fileinto:2026-11-23T10:00:00+01:00 fileinto:monday fileinto:mjd ");
}

static void test_malformed_dates(void **state)
{
    (void)state;
    static const char *const bad[] = {"x-bad1", "x-bad2", "x-bad3", "x-bad4", "x-bad5",
                                      "x-bad6", "x-bad7", "x-bad8", "x-missing"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char src[512];
        snprintf(src, sizeof src,
                 "require [\"date\", \"relational\", \"fileinto\"];\n"
                 "if date :matches \"%s\" \"date\" \"*\" { fileinto \"matched\"; }\n"
                 "if date :count \"eq\" \"%s\" \"date\" \"0\" { fileinto \"count0\"; }\n",
                 bad[i], bad[i]);
        run r;
        run_script(&r, src, NULL);
        assert_true(r.ok);
        assert_string_equal(r.plan, "fileinto:count0 ");
        run_free(&r);
    }
    /* a :zone built from variables that is malformed is ignored (as Pigeonhole) */
    EXPECT_PLAN("require [\"date\", \"variables\", \"fileinto\"];\nset \"z\" \"+1\";\n"
           "if date :zone \"${z}\" :is \"date\" \"year\" \"2020\" { fileinto \"y\"; }\n",
           "fileinto:y ");
    assert_true(invalid("require \"date\";\nif date :zone \"+0100\" :originalzone \"date\" \"hour\" \"1\" { keep; }\n",
                        "conflicting-tags"));
    assert_true(invalid("require \"date\";\nif currentdate :originalzone \"hour\" \"1\" { keep; }\n", "unknown-tag"));
}

static void test_index(void **state)
{
    (void)state;
    EXPECT_PLAN("require [\"index\", \"date\", \"variables\", \"fileinto\"];\n"
           "if header :index 2 :matches \"x-tag\" \"*\" { fileinto \"h2-${1}\"; }\n"
           "if header :index 1 :last :matches \"x-tag\" \"*\" { fileinto \"l1-${1}\"; }\n"
           "if header :index 4 :matches \"x-tag\" \"*\" { fileinto \"never\"; }\n"
           "if header :index 2 :matches [\"subject\", \"x-tag\"] \"*\" { fileinto \"multi-${1}\"; }\n"
           "if date :index 2 :originalzone :matches \"received\" \"time\" \"*\" { fileinto \"r2-${1}\"; }\n"
           "if date :index 1 :last :originalzone :matches \"received\" \"time\" \"*\" { fileinto \"rl-${1}\"; }\n",
           "fileinto:h2-two fileinto:l1-three fileinto:multi-one fileinto:r2-07:30:00 fileinto:rl-07:30:00 ");
    assert_true(invalid("require \"index\";\nif header :last \"x\" \"y\" { keep; }\n", "missing-tag"));
    assert_true(invalid("if header :index 1 \"x\" \"y\" { keep; }\n", "missing-require"));
    assert_true(invalid("require \"index\";\nif header :index 0 \"x\" \"y\" { keep; }\n", "bad-argument"));
}

static void test_environment(void **state)
{
    (void)state;
    const char *src = "require [\"environment\", \"variables\", \"relational\", \"fileinto\"];\n"
                      "if environment :matches \"host\" \"*\" { set \"a\" \"${1}\"; }\n"
                      "if environment :matches \"domain\" \"*\" { set \"a\" \"${a}|${1}\"; }\n"
                      "if environment :matches \"location\" \"*\" { set \"a\" \"${a}|${1}\"; }\n"
                      "if environment :matches \"phase\" \"*\" { set \"a\" \"${a}|${1}\"; }\n"
                      "if environment :matches \"name\" \"*\" { set \"a\" \"${a}|${1}\"; }\n"
                      "if environment :matches \"remote-host\" \"*\" { set \"a\" \"${a}|rh=${1}\"; }\n"
                      "if environment :matches \"remote-ip\" \"*\" { set \"a\" \"${a}|ip=${1}\"; }\n"
                      "if environment :matches \"vnd.x\" \"*\" { set \"a\" \"${a}|vnd\"; }\n"
                      "if environment :count \"eq\" \"remote-host\" \"0\" { set \"a\" \"${a}|rh-empty\"; }\n"
                      "fileinto \"${a}\";\n";
    sg_environment e = {.host = "mx1.mail.example.net", .remote_ip = "192.0.2.1"};
    run r;
    run_script(&r, src, &e);
    assert_string_equal(r.plan, "fileinto:mx1.mail.example.net|mail.example.net|MS|during|sievegate|ip=192.0.2.1 ");
    run_free(&r);
    sg_environment e2 = {.host = "h", .domain = "d.example", .location = "MDA", .phase = "pre", .remote_host = ""};
    run_script(&r, src, &e2);
    assert_string_equal(r.plan, "fileinto:h|d.example|MDA|pre|sievegate|rh=|rh-empty ");
    run_free(&r);
}

static void test_ihave_and_error(void **state)
{
    (void)state;
    EXPECT_PLAN("require \"ihave\";\nif ihave \"vnd.x\" { teleport \"mars\"; }\n"
           "if ihave \"fileinto\" { fileinto \"a\"; }\nfileinto \"b\";\n"
           "if ihave [\"fileinto\", \"vnd.x\"] { discard; }\n"
           "if ihave \"variables\" { discard; }\n",
           "fileinto:a fileinto:b ");
    /* statically false tests skip their blocks; else branches and other tests do not */
    EXPECT_PLAN("require \"ihave\";\nif anyof(ihave \"vnd.x\", false) { teleport; }\n"
           "if not ihave \"vnd.x\" { discard; }\n",
           "discard ");
    assert_true(invalid("require \"ihave\";\nif ihave \"vnd.x\" { keep; } else { teleport; }\n", "unknown-command"));
    assert_true(invalid("require \"ihave\";\nif not ihave \"vnd.x\" { teleport; }\n", "unknown-command"));
    assert_true(invalid("require \"ihave\";\nfileinto \"x\";\nif ihave \"fileinto\" { keep; }\n", "missing-require"));
    assert_true(invalid("require [\"ihave\", \"variables\"];\nif ihave \"${x}\" { keep; }\n", "bad-argument"));
    run r;
    run_script(&r, "require [\"ihave\", \"fileinto\"];\nfileinto \"x\";\nerror \"stop here\";\nfileinto \"y\";\n", NULL);
    assert_false(r.ok);
    assert_string_equal(r.plan, "implicit-keep");
    assert_int_equal(r.result.errors.count, 1);
    assert_string_equal(r.result.errors.items[0].message, "stop here");
    assert_int_equal(r.result.errors.items[0].loc.line, 3);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regex_matching), cmocka_unit_test(test_regex_invalid_and_guards),
        cmocka_unit_test(test_regex_runs),     cmocka_unit_test(test_date_parts),
        cmocka_unit_test(test_malformed_dates), cmocka_unit_test(test_index),
        cmocka_unit_test(test_environment),    cmocka_unit_test(test_ihave_and_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
