/* test_editheader.c - editheader (RFC 5293): the header overlay of
 * engine/mail/message.c (copy on write, snapshots, the original view, rendering)
 * and ext_editheader.c (validation with exact located diagnostics, and runs
 * whose resulting header bytes are compared exactly), including the bad
 * inputs: invalid names, CR/LF in values, 8-bit values, oversized values,
 * protected fields and the configured forbid lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/sg_test_util.h"
#include "engine/core/interp.h"
#include "engine/mail/message.h"

/* ---- the overlay ---- */

static char *render(sg_message *m, const sg_header_snapshot *s, sg_arena *a)
{
    const char *h, *b;
    size_t hl, bl;
    sg_message_render(m, s, a, &h, &hl, &b, &bl);
    char *out = sg_arena_alloc_bytes(a, hl + bl + 1);
    memcpy(out, h, hl);
    memcpy(out + hl, b, bl);
    out[hl + bl] = '\0';
    return out;
}

static void test_overlay(void **state)
{
    (void)state;
    static const char msg[] = "A: 1\r\nB: 2\r\n\tcont\r\nA: 3\r\n\r\nbody\r\n";
    sg_arena *a = sg_arena_new();
    sg_message *m = sg_message_parse(msg, sizeof msg - 1, a);
    assert_false(sg_message_edited(m));
    assert_null(sg_message_snapshot(m));
    assert_string_equal(sg_message_eol(m), "\r\n");
    /* unedited: the original bytes */
    assert_string_equal(render(m, NULL, a), msg);

    const char *const *v;
    assert_int_equal(sg_message_header_values(m, "a", &v), 2);
    sg_message_add_field(m, "A: 0", 4, false);
    sg_message_add_field(m, "Z: last", 7, true);
    assert_true(sg_message_edited(m));
    assert_int_equal(sg_message_header_values(m, "a", &v), 3); /* the cache was rebuilt */
    assert_string_equal(v[0], "0");
    assert_string_equal(v[2], "3");
    const sg_header_snapshot *s1 = sg_message_snapshot(m);
    assert_non_null(s1);
    assert_ptr_equal(s1, sg_message_snapshot(m)); /* one per state */

    bool del[5] = {false, false, true, false, false}; /* "B" and its continuation line */
    sg_message_delete_fields(m, del);
    const sg_header_snapshot *s2 = sg_message_snapshot(m);
    assert_ptr_not_equal(s1, s2);
    assert_int_equal(sg_message_header_values(m, "b", &v), 0);
    assert_string_equal(render(m, s2, a), "A: 0\r\nA: 1\r\nA: 3\r\nZ: last\r\n\r\nbody\r\n");
    /* the earlier snapshot is unchanged (copy on write) */
    assert_string_equal(render(m, s1, a), "A: 0\r\nA: 1\r\nB: 2\r\n\tcont\r\nA: 3\r\nZ: last\r\n\r\nbody\r\n");
    /* the original view, and back */
    sg_message_use_original(m, true);
    assert_int_equal(sg_message_header_values(m, "b", &v), 1);
    assert_string_equal(v[0], "2\tcont");
    assert_int_equal(sg_message_header_count(m), 3);
    sg_message_use_original(m, false);
    assert_int_equal(sg_message_header_count(m), 4);
    /* the body offset never moves */
    assert_int_equal(sg_message_body_offset(m), sizeof msg - 1 - 6);
    sg_arena_free(a);
}

/* A message without an empty line, LF line ends: the render adds the empty line. */
static void test_overlay_no_body(void **state)
{
    (void)state;
    static const char msg[] = "A: 1\nB: 2";
    sg_arena *a = sg_arena_new();
    sg_message *m = sg_message_parse(msg, sizeof msg - 1, a);
    assert_string_equal(sg_message_eol(m), "\n");
    sg_message_add_field(m, "C: 3", 4, true);
    assert_string_equal(render(m, sg_message_snapshot(m), a), "A: 1\nB: 2\nC: 3\n\n");
    sg_arena_free(a);
}

/* ---- validation ---- */

#define EH "require \"editheader\";\n"

static const sgt_case validation_cases[] = {
    {"addheader", EH "addheader \"X-A\" \"v\";\naddheader :last \"X-B\" \"w\";\n", "", 0},
    {"deleteheader", EH "deleteheader \"X-A\";\ndeleteheader :index 2 :last :contains \"X-A\" [\"a\", \"b\"];\n", "",
     0},
    {"deleteheader comparator",
     EH "deleteheader :comparator \"i;octet\" :matches \"X-A\" \"v*\";\n", "", 0},
    {"not required", "addheader \"X-A\" \"v\";\n",
     "1:1: error: command 'addheader' requires the \"editheader\" extension: add require \"editheader\"; at the top "
     "of the script [missing-require]\n",
     0},
    {"invalid name", EH "addheader \"X A\" \"v\";\n",
     "2:11: error: addheader: \"X A\" is not a valid header field name [invalid-header-name]\n", 0},
    {"name with colon", EH "deleteheader \"Subject:\";\n",
     "2:14: error: deleteheader: \"Subject:\" is not a valid header field name (leave out the ':') "
     "[invalid-header-name]\n",
     0},
    {"empty name", EH "addheader \"\" \"v\";\n",
     "2:11: error: addheader: \"\" is not a valid header field name [invalid-header-name]\n", 0},
    {"8-bit name", EH "addheader \"X-\xc3\xa4\" \"v\";\n",
     "2:11: error: addheader: \"X-\xc3\xa4\" is not a valid header field name [invalid-header-name]\n", 0},
    {"last without index", EH "deleteheader :last \"X-A\";\n",
     "2:14: error: deleteheader: :last needs :index (RFC 5293 section 5) [missing-tag]\n", 0},
    {"addheader one argument", EH "addheader \"X-A\";\n",
     "2:1: error: 'addheader' is missing its value argument (a string) [missing-argument]\n", 0},
    {"addheader index", EH "addheader :index 1 \"X-A\" \"v\";\n",
     "2:11: error: unknown tag ':index' for command 'addheader' [unknown-tag]\n", 0},
    {"index string", EH "deleteheader :index \"1\" \"X-A\";\n",
     "2:21: error: tag ':index' must be followed by a number (field number), not a string [bad-argument]\n", 0},
    {"value list", EH "addheader \"X-A\" [\"a\", \"b\"];\n",
     "2:17: error: 'addheader' expects a string as value, not a string list [bad-argument]\n", 0},
    {"variables name not checked", "require [\"editheader\", \"variables\"];\naddheader \"${n} x\" \"v\";\n", "", 0},
};

static void test_validation(void **state)
{
    (void)state;
    sgt_finish(sgt_run_table(validation_cases, SG_COUNT(validation_cases), NULL, true),
               SG_COUNT(validation_cases));
}

/* ---- run time ---- */

static const char message[] = "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\n"
                              "From: alice@example.com\n"
                              "Subject: hello\n"
                              "X-A: one\n"
                              "X-A: two\n"
                              "X-A:  three \n"
                              "Auto-Submitted: no\n"
                              "\n"
                              "body\n";

typedef struct run {
    sg_arena *arena;
    sg_script *script;
    sg_registry *reg;
    sg_message *msg;
    sg_result result;
    bool ok;
    const char *header; /* the final header section, rendered */
} run;

static void run_script(run *r, const char *src, const sg_editheader_config *cfg)
{
    memset(r, 0, sizeof *r);
    r->arena = sg_arena_new();
    sg_diags diags;
    sg_diags_init(&diags, 0);
    r->reg = sg_registry_new();
    r->script = sg_parse("test.sieve", src, strlen(src), NULL, &diags);
    assert_true(sg_validate(r->reg, r->script, NULL, &diags));
    sg_diags_clear(&diags);
    r->msg = sg_message_parse(message, sizeof message - 1, r->arena);
    sg_envelope env = {"from@example.com", "to@example.org", NULL, NULL};
    sg_run_options opt = {.limits = {32, 4}, .subaddress_separator = "+", .editheader = cfg};
    sg_result_init(&r->result, r->arena, &opt.limits);
    r->ok = sg_interp_run(r->reg, r->script, r->msg, &env, &opt, &r->result);
    const char *h, *b;
    size_t hl, bl;
    sg_message_render(r->msg, sg_message_snapshot(r->msg), r->arena, &h, &hl, &b, &bl);
    r->header = hl ? h : "(unedited)";
}

static void run_free(run *r)
{
    sg_result_free(&r->result);
    sg_script_free(r->script);
    sg_registry_free(r->reg);
    sg_arena_free(r->arena);
}

#define ORIG_TAIL "Auto-Submitted: no\n"

typedef struct {
    const char *name, *script, *header;
} run_case;

static const run_case run_cases[] = {
    {"add first and last", EH "addheader \"X-B\" \"new\";\naddheader :last \"X-C\" \"end\";\n",
     "X-B: new\nReceived: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\nFrom: alice@example.com\nSubject: hello\n"
     "X-A: one\nX-A: two\nX-A:  three \n" ORIG_TAIL "X-C: end\n\n"},
    {"delete all", EH "deleteheader \"x-a\";\n",
     "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\nFrom: alice@example.com\nSubject: hello\n" ORIG_TAIL "\n"},
    /* §5: :index counts before the patterns match */
    {"index then pattern", EH "deleteheader :index 2 :contains \"X-A\" \"one\";\ndeleteheader :index 2 \"X-A\";\n",
     "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\nFrom: alice@example.com\nSubject: hello\n"
     "X-A: one\nX-A:  three \n" ORIG_TAIL "\n"},
    {"index last", EH "deleteheader :index 1 :last \"X-A\";\n",
     "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\nFrom: alice@example.com\nSubject: hello\n"
     "X-A: one\nX-A: two\n" ORIG_TAIL "\n"},
    {"index beyond", EH "deleteheader :index 4 \"X-A\";\n", "(unedited)"},
    {"index 0 is every field", EH "deleteheader :index 0 \"X-A\" \"two\";\n",
     "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\nFrom: alice@example.com\nSubject: hello\n"
     "X-A: one\nX-A:  three \n" ORIG_TAIL "\n"},
    /* leading and trailing whitespace of the value is ignored (§5) */
    {"value trimmed", EH "deleteheader :is \"X-A\" \"three\";\n",
     "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\nFrom: alice@example.com\nSubject: hello\n"
     "X-A: one\nX-A: two\n" ORIG_TAIL "\n"},
    {"matches", EH "deleteheader :matches \"X-A\" \"t*\";\n",
     "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\nFrom: alice@example.com\nSubject: hello\n"
     "X-A: one\n" ORIG_TAIL "\n"},
    /* §7: the add then the delete leaves the message unchanged (but edited) */
    {"rfc 5293 7 add then delete", EH "addheader \"X-Hello\" \"World\";\ndeleteheader :index 1 \"X-Hello\";\n",
     "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\nFrom: alice@example.com\nSubject: hello\n"
     "X-A: one\nX-A: two\nX-A:  three \n" ORIG_TAIL "\n"},
    /* §6: protected fields are silently left alone; Subject may always change */
    {"protected", EH "deleteheader \"Received\";\ndeleteheader \"auto-submitted\";\naddheader \"Received\" \"x\";\n"
     "addheader \"Auto-Submitted\" \"auto-replied\";\naddheader \"X-Sieve-Redirected-From\" \"a@b.c\";\n",
     "(unedited)"},
    {"subject", EH "deleteheader \"Subject\";\naddheader \"Subject\" \"new\";\n",
     "Subject: new\nReceived: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\nFrom: alice@example.com\n"
     "X-A: one\nX-A: two\nX-A:  three \n" ORIG_TAIL "\n"},
    /* no CR/LF injection: line breaks become spaces, so no second field appears */
    {"crlf injection", EH "addheader \"X-B\" \"a\r\nBcc: evil@example.org\";\naddheader \"X-C\" \"b\nc\";\n",
     "X-C: b c\nX-B: a Bcc: evil@example.org\nReceived: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\n"
     "From: alice@example.com\nSubject: hello\nX-A: one\nX-A: two\nX-A:  three \n" ORIG_TAIL "\n"},
    /* RFC 2047 for 8-bit text, and an encoded-word lookalike is encoded too */
    {"8-bit value", EH "addheader \"X-B\" \"Gr\xc3\xbc\xc3\x9f" "e\";\naddheader \"X-C\" \"=?x?q?y?=\";\n",
     "X-C: =?UTF-8?B?PT94P3E/eT89?=\nX-B: =?UTF-8?B?R3LDvMOfZQ==?=\nReceived: from a by b; Mon, 1 Jan 2024 00:00:00 "
     "+0000\nFrom: alice@example.com\nSubject: hello\nX-A: one\nX-A: two\nX-A:  three \n" ORIG_TAIL "\n"},
    /* a long value is folded at 78 */
    {"folded", EH "addheader \"X-L\" \"aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff gggggggggg "
                  "hhhhhhhhhh\";\n",
     "X-L: aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff\n gggggggggg hhhhhhhhhh\n"
     "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\nFrom: alice@example.com\nSubject: hello\n"
     "X-A: one\nX-A: two\nX-A:  three \n" ORIG_TAIL "\n"},
};

static void test_runs(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < SG_COUNT(run_cases); i++) {
        run r;
        run_script(&r, run_cases[i].script, NULL);
        if (!r.ok || strcmp(r.header, run_cases[i].header) != 0) {
            fprintf(stderr, "case \"%s\": ok=%d\n--- expected\n%s--- got\n%s---\n", run_cases[i].name, r.ok,
                    run_cases[i].header, r.header);
            failures++;
        }
        run_free(&r);
    }
    assert_int_equal(failures, 0);
}

/* §7: later tests see the edits; every action keeps the header of its moment. */
static void test_visible_and_snapshots(void **state)
{
    (void)state;
    run r;
    run_script(&r,
               "require [\"editheader\", \"fileinto\"];\nfileinto \"a\";\naddheader \"X-New\" \"1\";\n"
               "if header \"X-New\" \"1\" { fileinto \"b\"; }\nif exists \"X-New\" { keep; }\n",
               NULL);
    assert_true(r.ok);
    assert_int_equal(r.result.count, 3);
    assert_null(r.result.actions[0].header); /* before any edit: the original */
    assert_non_null(r.result.actions[1].header);
    assert_ptr_equal(r.result.actions[1].header, r.result.actions[2].header);
    assert_string_equal(r.result.actions[1].header->fields[0].name, "X-New: 1");
    assert_ptr_equal(r.result.keep_header, r.result.actions[2].header);
    run_free(&r);
}

/* Runtime errors: the run fails and the implicit keep takes the original header. */
static void test_runtime_errors(void **state)
{
    (void)state;
    run r;
    run_script(&r,
               "require [\"editheader\", \"variables\"];\naddheader \"X-Early\" \"1\";\nset \"n\" \"Bad Name\";\n"
               "addheader \"${n}\" \"v\";\n",
               NULL);
    assert_false(r.ok);
    assert_null(r.result.keep_header);
    assert_int_equal(r.result.errors.count, 1);
    assert_string_equal(r.result.errors.items[0].code, "invalid-header-name");
    assert_string_equal(r.result.errors.items[0].message, "addheader: \"Bad Name\" is not a valid header field name");
    assert_int_equal(r.result.errors.items[0].loc.line, 4);
    run_free(&r);

    run_script(&r, "require [\"editheader\", \"variables\"];\nset \"n\" \"X:\";\ndeleteheader \"${n}\";\n", NULL);
    assert_false(r.ok);
    assert_string_equal(r.result.errors.items[0].message, "deleteheader: \"X:\" is not a valid header field name");
    run_free(&r);

    /* a value over the limit (2048 by default) */
    char src[4096];
    int n = snprintf(src, sizeof src, "require \"editheader\";\naddheader \"X-Big\" \"");
    memset(src + n, 'x', 2049);
    snprintf(src + n + 2049, sizeof src - (size_t)n - 2049, "\";\n");
    run_script(&r, src, NULL);
    assert_false(r.ok);
    assert_string_equal(r.result.errors.items[0].code, "limit-header-size");
    assert_string_equal(r.result.errors.items[0].message,
                        "addheader: the value of X-Big is too large (2049 bytes > sieve_editheader_max_header_size "
                        "2048)");
    run_free(&r);
    /* a configured larger limit accepts it */
    sg_editheader_config cfg = {NULL, NULL, NULL, 4096};
    run_script(&r, src, &cfg);
    assert_true(r.ok);
    run_free(&r);
}

/* At most SG_EDITHEADER_MAX_EDITS changes a run; each change followed by a
 * lookup stays cheap (values are decoded once per field). */
static void test_edit_limit(void **state)
{
    (void)state;
    char *src = malloc(64 * 1024);
    size_t n = (size_t)sprintf(src, EH);
    for (int i = 0; i < SG_EDITHEADER_MAX_EDITS; i++)
        n += (size_t)sprintf(src + n, "addheader \"X-N\" \"%d\";\nif header :is \"X-A\" \"none\" { stop; }\n", i);
    run r;
    run_script(&r, src, NULL);
    assert_true(r.ok);
    assert_int_equal(sg_message_header_count(r.msg), 7 + SG_EDITHEADER_MAX_EDITS);
    run_free(&r);
    /* deleting nothing is no change; one more change is a runtime error at its line */
    n += (size_t)sprintf(src + n, "deleteheader \"X-Nothing\";\ndeleteheader \"X-N\";\n");
    run_script(&r, src, NULL);
    assert_false(r.ok);
    assert_string_equal(r.result.errors.items[0].code, "limit-editheader");
    assert_string_equal(r.result.errors.items[0].message, "deleteheader: more than 100 header changes in one run");
    assert_int_equal(r.result.errors.items[0].loc.line, 1 + 2 * SG_EDITHEADER_MAX_EDITS + 2);
    run_free(&r);
    free(src);
}

/* sieve_editheader_protected / forbid_add / forbid_delete (Pigeonhole's settings). */
static void test_config_lists(void **state)
{
    (void)state;
    sg_editheader_config cfg = {"X-Keep", "X-NoAdd x-other", "X-A", 0};
    run r;
    run_script(&r,
               EH "addheader \"x-keep\" \"1\";\ndeleteheader \"X-Keep\";\naddheader \"X-NoAdd\" \"1\";\n"
                  "deleteheader \"x-a\";\naddheader \"X-Ok\" \"1\";\ndeleteheader \"X-Ok\";\n"
                  "addheader \"Subject\" \"always\";\n",
               &cfg);
    assert_true(r.ok);
    assert_string_equal(r.header, "Subject: always\nReceived: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\n"
                                  "From: alice@example.com\nSubject: hello\nX-A: one\nX-A: two\nX-A:  three \n"
                                  ORIG_TAIL "\n");
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlay),
        cmocka_unit_test(test_overlay_no_body),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_visible_and_snapshots),
        cmocka_unit_test(test_runtime_errors),
        cmocka_unit_test(test_config_lists),
        cmocka_unit_test(test_edit_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
