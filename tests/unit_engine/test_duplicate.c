/* test_duplicate.c - the "duplicate" test (RFC 7352): validation with exact
 * located diagnostics, and the run time against a fake tracker: which id and
 * handle are asked, the answer, and the exact marks left for the host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/sg_test_util.h"
#include "engine/core/interp.h"
#include "engine/mail/message.h"

/* ---- validation ---- */

static const sgt_case validation_cases[] = {
    {"every tag", "require \"duplicate\";\nif duplicate :handle \"h\" :header \"x-id\" :seconds 60 :last { discard; }\n",
     "", 0},
    {"uniqueid", "require \"duplicate\";\nif duplicate :uniqueid \"abc\" { discard; }\n", "", 0},
    {"header and uniqueid", "require \"duplicate\";\nif duplicate :header \"subject\" :uniqueid \"x\" { discard; }\n",
     "2:32: error: tags ':header' and ':uniqueid' cannot be used together [conflicting-tags]\n", 0},
    {"uniqueid and header", "require \"duplicate\";\nif duplicate :uniqueid \"x\" :header \"subject\" { discard; }\n",
     "2:28: error: tags ':uniqueid' and ':header' cannot be used together [conflicting-tags]\n", 0},
    {"not required", "if duplicate { discard; }\n",
     "1:4: error: test 'duplicate' requires the \"duplicate\" extension: add require \"duplicate\"; at the top of "
     "the script [missing-require]\n",
     0},
    {"seconds string", "require \"duplicate\";\nif duplicate :seconds \"60\" { discard; }\n",
     "2:23: error: tag ':seconds' must be followed by a number (number of seconds), not a string [bad-argument]\n",
     0},
    {"handle list", "require \"duplicate\";\nif duplicate :handle [\"a\", \"b\"] { discard; }\n",
     "2:22: error: tag ':handle' must be followed by a string (handle), not a string list [bad-argument]\n", 0},
    {"positional", "require \"duplicate\";\nif duplicate \"x\" { discard; }\n",
     "2:14: error: 'duplicate' takes no arguments, but got a string [too-many-arguments]\n", 0},
    {"last twice", "require \"duplicate\";\nif duplicate :last :last { discard; }\n",
     "2:20: error: duplicate tag ':last' [duplicate-tag]\n", 0},
    /* RFC 7352 §3.1: an invalid header name is no error (the test is false). */
    {"invalid header name", "require \"duplicate\";\nif duplicate :header \"Subject:\" { discard; }\n",
     "2:22: warning: \"Subject:\" is not a valid header field name, so 'duplicate' is always false (leave out the "
     "':') [invalid-header-name]\n",
     0},
};

static void test_validation(void **state)
{
    (void)state;
    sgt_finish(sgt_run_table(validation_cases, SG_COUNT(validation_cases), NULL, true),
               SG_COUNT(validation_cases));
}

/* ---- run time ---- */

typedef struct fake_tracker {
    const char *seen_handle; /* the one entry the list holds; NULL handle = none */
    const char *seen_id;
    int asked;
    char last_handle[64], last_id[256];
} fake_tracker;

static bool fake_seen(void *ctx, const char *handle, const char *id, size_t id_len)
{
    fake_tracker *t = ctx;
    t->asked++;
    snprintf(t->last_handle, sizeof t->last_handle, "%s", handle ? handle : "(none)");
    snprintf(t->last_id, sizeof t->last_id, "%.*s", (int)id_len, id);
    if (!t->seen_id || strlen(t->seen_id) != id_len || memcmp(t->seen_id, id, id_len) != 0)
        return false;
    return (t->seen_handle == NULL) == (handle == NULL) && (!handle || strcmp(handle, t->seen_handle) == 0);
}

static const char message[] = "Message-ID: <first@example.com>\r\n"
                              "Message-ID: <second@example.com>\r\n"
                              "X-Id:  =?UTF-8?Q?caf=C3=A9?=\r\n"
                              "\tlist  \r\n"
                              "Subject: hello\r\n"
                              "\r\n"
                              "body\r\n";

typedef struct run {
    sg_arena *arena;
    sg_script *script;
    sg_registry *reg;
    sg_result result;
    bool ok;
    char plan[512];  /* the actions, one word each: "discard keep fileinto:X" */
    char marks[512]; /* "id|handle|seconds|last;" per mark */
} run;

/* Runs `src` on `message` with the tracker (NULL: none) and the periods. */
static void run_script(run *r, const char *src, fake_tracker *t, unsigned long long def, unsigned long long max)
{
    memset(r, 0, sizeof *r);
    r->arena = sg_arena_new();
    sg_diags diags;
    sg_diags_init(&diags, 0);
    r->reg = sg_registry_new();
    r->script = sg_parse("test.sieve", src, strlen(src), NULL, &diags);
    assert_true(sg_validate(r->reg, r->script, NULL, &diags));
    sg_diags_clear(&diags);
    sg_message *msg = sg_message_parse(message, sizeof message - 1, r->arena);
    sg_envelope env = {"from@example.com", "to@example.org", NULL, NULL};
    sg_duplicate_tracker tracker = {fake_seen, t};
    sg_run_options opt = {.limits = {32, 4}, .subaddress_separator = "+", .duplicates = t ? &tracker : NULL,
                          .duplicate_default_period = def, .duplicate_max_period = max};
    sg_result_init(&r->result, r->arena, &opt.limits);
    r->ok = sg_interp_run(r->reg, r->script, msg, &env, &opt, &r->result);
    size_t n = 0;
    for (size_t i = 0; i < r->result.count; i++) {
        const sg_action *a = &r->result.actions[i];
        n += (size_t)snprintf(r->plan + n, sizeof r->plan - n, "%s%s%s ",
                              a->kind == SG_ACT_DISCARD    ? "discard"
                              : a->kind == SG_ACT_KEEP     ? "keep"
                              : a->kind == SG_ACT_FILEINTO ? "fileinto:"
                                                           : "other",
                              a->kind == SG_ACT_FILEINTO ? a->mailbox : "", "");
    }
    if (r->result.implicit_keep)
        snprintf(r->plan + n, sizeof r->plan - n, "implicit-keep");
    n = 0;
    for (size_t i = 0; i < r->result.nduplicates; i++) {
        const sg_duplicate_mark *m = &r->result.duplicates[i];
        n += (size_t)snprintf(r->marks + n, sizeof r->marks - n, "%.*s|%s|%llu|%s;", (int)m->id_len, m->id,
                              m->handle ? m->handle : "(none)", m->period_seconds, m->last ? "last" : "first");
    }
}

static void run_free(run *r)
{
    sg_result_free(&r->result);
    sg_script_free(r->script);
    sg_registry_free(r->reg);
    sg_arena_free(r->arena);
}

#define DUP "require [\"duplicate\", \"variables\", \"fileinto\"];\n"

/* Without a tracker nothing is a duplicate (as Pigeonhole's sieve-test); the
 * first Message-ID is tracked with the default 12 h. */
static void test_no_tracker_is_false(void **state)
{
    (void)state;
    run r;
    run_script(&r, DUP "if duplicate { discard; stop; }\n", NULL, 0, 0);
    assert_true(r.ok);
    assert_string_equal(r.plan, "implicit-keep");
    assert_string_equal(r.marks, "<first@example.com>|(none)|43200|first;");
    run_free(&r);
}

static void test_seen_is_true_and_not_marked_again(void **state)
{
    (void)state;
    fake_tracker t = {NULL, "<first@example.com>", 0, "", ""};
    run r;
    run_script(&r, DUP "if duplicate { discard; stop; }\n", &t, 0, 0);
    assert_int_equal(t.asked, 1);
    assert_string_equal(t.last_handle, "(none)");
    assert_string_equal(t.last_id, "<first@example.com>");
    assert_string_equal(r.plan, "discard ");
    assert_string_equal(r.marks, ""); /* §3.3: without :last the entry keeps its first expiry */
    run_free(&r);
}

/* §3.3 :last: the expiry restarts at every run that sees the id. */
static void test_seen_with_last_is_marked(void **state)
{
    (void)state;
    fake_tracker t = {NULL, "<first@example.com>", 0, "", ""};
    run r;
    run_script(&r, DUP "if duplicate :last :seconds 600 { discard; }\n", &t, 0, 0);
    assert_string_equal(r.plan, "discard ");
    assert_string_equal(r.marks, "<first@example.com>|(none)|600|last;");
    run_free(&r);
}

/* §3.2: the handle separates tracking lists. */
static void test_handle_separates(void **state)
{
    (void)state;
    fake_tracker t = {"a", "<first@example.com>", 0, "", ""};
    run r;
    run_script(&r, DUP "if duplicate :handle \"b\" { discard; }\nif duplicate :handle \"a\" { fileinto \"A\"; }\n",
               &t, 0, 0);
    assert_int_equal(t.asked, 2);
    assert_string_equal(r.plan, "fileinto:A ");
    assert_string_equal(r.marks, "<first@example.com>|b|43200|first;");
    run_free(&r);
}

/* §3.1: a missing field is false and tracks nothing; the tracker is not asked. */
static void test_missing_header_is_false(void **state)
{
    (void)state;
    fake_tracker t = {NULL, "", 0, "", ""};
    run r;
    run_script(&r, DUP "if duplicate :header \"x-missing\" { discard; }\n"
                       "if duplicate :header \"${undefined}\" { discard; }\n",
               &t, 0, 0);
    assert_int_equal(t.asked, 0);
    assert_string_equal(r.plan, "implicit-keep");
    assert_string_equal(r.marks, "");
    run_free(&r);
}

/* §3.1: the field value unfolded, decoded to UTF-8, trimmed; only the value. */
static void test_header_value_normalised(void **state)
{
    (void)state;
    fake_tracker t = {"h", "caf\xc3\xa9\tlist", 0, "", ""};
    run r;
    run_script(&r, DUP "if duplicate :header \"X-ID\" :handle \"h\" { discard; }\n", &t, 0, 0);
    assert_string_equal(t.last_id, "caf\xc3\xa9\tlist");
    assert_string_equal(r.plan, "discard ");
    run_free(&r);
}

/* §3.1: :uniqueid as given, after variable expansion, as is :handle. */
static void test_uniqueid_with_variables(void **state)
{
    (void)state;
    fake_tracker t = {NULL, "", 0, "", ""};
    run r;
    run_script(&r, DUP "set \"k\" \"Key\";\nif duplicate :uniqueid \"${k}-1\" :handle \"by-${k}\" { discard; }\n",
               &t, 0, 0);
    assert_string_equal(t.last_id, "Key-1");
    assert_string_equal(t.last_handle, "by-Key");
    assert_string_equal(r.marks, "Key-1|by-Key|43200|first;");
    run_free(&r);
}

/* §3.3: :seconds 0 is false unconditionally (even for a seen id) and tracks nothing. */
static void test_seconds_zero_is_false(void **state)
{
    (void)state;
    fake_tracker t = {NULL, "<first@example.com>", 0, "", ""};
    run r;
    run_script(&r, DUP "if duplicate :seconds 0 { discard; }\n", &t, 0, 0);
    assert_int_equal(t.asked, 0);
    assert_string_equal(r.plan, "implicit-keep");
    assert_string_equal(r.marks, "");
    run_free(&r);
}

/* §3.3: over the site's maximum, the maximum, silently; the default is configurable. */
static void test_periods(void **state)
{
    (void)state;
    run r;
    run_script(&r, DUP "if duplicate :seconds 999999999 { discard; }\nif duplicate :uniqueid \"x\" { discard; }\n",
               NULL, 0, 0);
    assert_string_equal(r.marks, "<first@example.com>|(none)|172800|first;x|(none)|43200|first;");
    run_free(&r);
    run_script(&r, DUP "if duplicate :seconds 5000 { discard; }\nif duplicate :uniqueid \"x\" { discard; }\n", NULL,
               100, 1000);
    assert_string_equal(r.marks, "<first@example.com>|(none)|1000|first;x|(none)|100|first;");
    run_free(&r);
}

/* §3: every test of one run with the same arguments gives the same answer,
 * and the id is tracked once. */
static void test_repeated_test_same_answer(void **state)
{
    (void)state;
    fake_tracker t = {NULL, "", 0, "", ""};
    run r;
    run_script(&r, DUP "if duplicate { fileinto \"A\"; }\nif duplicate { fileinto \"B\"; }\n"
                       "if not duplicate { fileinto \"C\"; }\n",
               &t, 0, 0);
    assert_int_equal(t.asked, 3);
    assert_string_equal(r.plan, "fileinto:C ");
    assert_string_equal(r.marks, "<first@example.com>|(none)|43200|first;");
    run_free(&r);
}

/* §3: a failed execution updates no tracking list. */
static void test_failed_run_marks_nothing(void **state)
{
    (void)state;
    run r;
    run_script(&r, "require [\"duplicate\", \"reject\"];\nif not duplicate { keep; }\nreject \"no\";\n", NULL, 0,
               0);
    assert_false(r.ok);
    assert_int_equal(r.result.nduplicates, 0);
    assert_string_equal(r.marks, "");
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_no_tracker_is_false),
        cmocka_unit_test(test_seen_is_true_and_not_marked_again),
        cmocka_unit_test(test_seen_with_last_is_marked),
        cmocka_unit_test(test_handle_separates),
        cmocka_unit_test(test_missing_header_is_false),
        cmocka_unit_test(test_header_value_normalised),
        cmocka_unit_test(test_uniqueid_with_variables),
        cmocka_unit_test(test_seconds_zero_is_false),
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_repeated_test_same_answer),
        cmocka_unit_test(test_failed_run_marks_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
