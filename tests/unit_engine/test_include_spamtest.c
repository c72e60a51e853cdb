/* test_include_spamtest.c - engine/core/include.c (RFC 6609 script loading) and
 * engine/ext/ext_spamtest.c (RFC 5235 spamtest, spamtestplus, virustest).
 *
 * include: scripts found by name in a personal and a global directory (a
 * fresh temporary tree), :once and :optional, loops, the nesting depth and
 * script count limits, bad names, a missing script and an included script
 * with errors: exact located diagnostics, and the exact actions of the runs.
 * spamtest/virustest: the normalised value of each status type (score,
 * strlen, text) with max_header or max_value, :percent, the untested "0" of
 * missing, malformed or misconfigured headers, and :count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/sg_test_util.h"
#include "engine/core/include.h"
#include "engine/core/interp.h"
#include "engine/mail/message.h"

/* ---- running a script ---- */

static const char default_message[] = "From: alice@example.com\nTo: bob@example.org\nSubject: hi\n\nbody\n";

typedef struct outcome {
    char *diags; /* rendered, "" when valid */
    char plan[1024]; /* "fileinto:X ..." then "implicit-keep"; "" when not run */
} outcome;

/* Validates `src` (the personal script "main") with `inc` (may be NULL) and,
 * when valid, runs it on `msg` with `opt`. */
static void run_with(outcome *o, const char *src, sg_includes *inc, const char *msg, const sg_run_options *opt_in)
{
    memset(o, 0, sizeof *o);
    sg_diags diags;
    sg_diags_init(&diags, 0);
    sg_registry *reg = sg_registry_new();
    sg_script *script = sg_parse("main.sieve", src, strlen(src), NULL, &diags);
    if (inc)
        sg_includes_mark_main(inc, "main");
    bool ok = diags.errors == 0 && sg_validate_with(reg, script, NULL, &diags, inc);
    o->diags = sgt_render_diags(&diags);
    sg_diags_clear(&diags);
    if (ok) {
        sg_arena *arena = sg_arena_new();
        if (!msg)
            msg = default_message;
        sg_message *m = sg_message_parse(msg, strlen(msg), arena);
        sg_envelope env = {"from@example.com", "to@example.org", NULL, NULL};
        sg_run_options opt = {.limits = {32, 4}, .subaddress_separator = "+"};
        if (opt_in)
            opt = *opt_in;
        sg_result result;
        sg_result_init(&result, arena, &opt.limits);
        if (!sg_interp_run(reg, script, m, &env, &opt, &result))
            snprintf(o->plan, sizeof o->plan, "run failed");
        size_t n = strlen(o->plan);
        for (size_t i = 0; i < result.count && n < sizeof o->plan; i++) {
            const sg_action *a = &result.actions[i];
            n += (size_t)snprintf(o->plan + n, sizeof o->plan - n, "%s%s ",
                                  a->kind == SG_ACT_FILEINTO ? "fileinto:" : a->kind == SG_ACT_KEEP ? "keep" : "other",
                                  a->kind == SG_ACT_FILEINTO ? a->mailbox : "");
        }
        if (result.implicit_keep && n < sizeof o->plan)
            snprintf(o->plan + n, sizeof o->plan - n, "implicit-keep");
        sg_result_free(&result);
        sg_arena_free(arena);
    }
    sg_script_free(script);
    sg_registry_free(reg);
}

/* ---- include (RFC 6609) ---- */

typedef struct tree {
    char root[64], personal[96], global[96];
} tree;

static void put(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void tree_make(tree *t)
{
    snprintf(t->root, sizeof t->root, "%s", "/tmp/sg-include-XXXXXX");
    assert_non_null(mkdtemp(t->root));
    snprintf(t->personal, sizeof t->personal, "%s/personal", t->root);
    snprintf(t->global, sizeof t->global, "%s/global", t->root);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "mkdir %s %s", t->personal, t->global);
    assert_int_equal(system(cmd), 0);
    put(t->personal, "a.sieve", "require \"fileinto\";\nfileinto \"A\";\n");
    put(t->global, "g.sieve", "require \"fileinto\";\nfileinto \"G\";\n");
    /* appends "x" to the global variable n each time it runs */
    put(t->personal, "count.sieve", "require [\"include\", \"variables\"];\nglobal \"n\";\nset \"n\" \"${n}x\";\n");
    /* a loop: loop1 -> loop2 -> loop1 (the include lines differ: 2, 3, 4) */
    put(t->personal, "loop1.sieve", "require \"include\";\n\ninclude \"loop2\";\n");
    put(t->personal, "loop2.sieve", "require \"include\";\n\n\ninclude \"loop1\";\n");
    /* the same with :once is fine */
    put(t->personal, "once1.sieve", "require [\"include\", \"fileinto\"];\ninclude :once \"once2\";\nfileinto \"1\";\n");
    put(t->personal, "once2.sieve", "require [\"include\", \"fileinto\"];\ninclude :once \"once1\";\nfileinto \"2\";\n");
    /* a chain d1 -> d2 -> d3 -> a */
    put(t->personal, "d1.sieve", "require \"include\";\ninclude \"d2\";\n");
    put(t->personal, "d2.sieve", "require \"include\";\n\ninclude \"d3\";\n");
    put(t->personal, "d3.sieve", "require \"include\";\n\n\ninclude \"a\";\n");
    put(t->personal, "bad.sieve", "require \"fileinto\";\n\nfileinto;\n");
    put(t->personal, "main.sieve", "keep;\n");
}

static void tree_free(tree *t)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", t->root);
    assert_int_equal(system(cmd), 0);
}

static sg_includes *includes(const tree *t, unsigned depth, unsigned count)
{
    sg_include_config cfg = {.personal_dir = t->personal, .global_dir = t->global, .max_nesting_depth = depth,
                             .max_includes = count};
    return sg_includes_new(&cfg);
}

/* Validates and runs `src` with the tree; checks the diagnostics and plan exactly. */
static void expect_include(const tree *t, unsigned depth, unsigned count, const char *src, const char *diags,
                           const char *plan)
{
    sg_includes *inc = includes(t, depth, count);
    outcome o;
    run_with(&o, src, inc, NULL, NULL);
    if (strcmp(o.diags, diags) != 0 || strcmp(o.plan, plan) != 0)
        fprintf(stderr, "script:\n%s--- expected\n%s[%s]\n--- got\n%s[%s]\n", src, diags, plan, o.diags, o.plan);
    assert_string_equal(o.diags, diags);
    assert_string_equal(o.plan, plan);
    free(o.diags);
    sg_includes_free(inc);
}

#define INC "require [\"include\", \"fileinto\", \"variables\"];\n"

static void test_include_by_name(void **state)
{
    (void)state;
    tree t;
    tree_make(&t);
    /* personal (the default) and :global scripts, run where they are included */
    expect_include(&t, 0, 0, INC "fileinto \"before\";\ninclude \"a\";\ninclude :global \"g\";\nfileinto \"after\";\n",
                   "", "fileinto:before fileinto:A fileinto:G fileinto:after ");
    expect_include(&t, 0, 0, INC "include :personal \"a\";\n", "", "fileinto:A ");
    /* §3.2 without :once a script included twice runs twice; with :once once */
    expect_include(&t, 0, 0, INC "global \"n\";\ninclude \"count\";\ninclude \"count\";\nfileinto \"n-${n}\";\n", "",
                   "fileinto:n-xx ");
    expect_include(&t, 0, 0,
                   INC "global \"n\";\ninclude :once \"count\";\ninclude :once \"count\";\nfileinto \"n-${n}\";\n", "",
                   "fileinto:n-x ");
    /* a :once cycle is not a loop: each script runs once */
    expect_include(&t, 0, 0, INC "include \"once1\";\n", "", "fileinto:2 fileinto:1 ");
    /* :optional: a missing script is as if the include were not there */
    expect_include(&t, 0, 0, INC "include :optional \"nope\";\ninclude :optional :global \"nope\";\n", "",
                   "implicit-keep");
    tree_free(&t);
}

static void test_include_errors(void **state)
{
    (void)state;
    tree t;
    tree_make(&t);
    char want[2048];

    /* a missing script, personal and global, named with its path */
    snprintf(want, sizeof want,
             "2:1: error: included personal script \"nope\" does not exist (%s/nope.sieve) [include-not-found]\n"
             "3:1: error: included global script \"nope\" does not exist (%s/nope.sieve) [include-not-found]\n",
             t.personal, t.global);
    expect_include(&t, 0, 0, INC "include \"nope\";\ninclude :global \"nope\";\n", want, "");

    /* bad names (RFC 5804 §1.6), located at the name */
    expect_include(&t, 0, 0, INC "include \"../a\";\ninclude  \".hidden\";\ninclude \"a/b\";\ninclude \"\";\n",
                   "2:9: error: invalid script name \"../a\" for include (RFC 5804 §1.6; no '/' and no leading '.') "
                   "[bad-script-name]\n"
                   "3:10: error: invalid script name \".hidden\" for include (RFC 5804 §1.6; no '/' and no leading "
                   "'.') [bad-script-name]\n"
                   "4:9: error: invalid script name \"a/b\" for include (RFC 5804 §1.6; no '/' and no leading '.') "
                   "[bad-script-name]\n"
                   "5:9: error: invalid script name \"\" for include (RFC 5804 §1.6; no '/' and no leading '.') "
                   "[bad-script-name]\n",
                   "");

    /* the main script including itself */
    expect_include(&t, 0, 0, INC "\ninclude \"main\";\n",
                   "3:1: error: circular include: personal script \"main\" includes itself (directly or through "
                   "others; use :once if this is intended) [include-loop]\n",
                   "");
    /* but with :once it is already included: nothing to do */
    expect_include(&t, 0, 0, INC "include :once \"main\";\nfileinto \"x\";\n", "", "fileinto:x ");

    /* loop1 -> loop2 -> loop1: the loop at loop2's include line (4), and each
     * including script's include reported as including a script with errors */
    snprintf(want, sizeof want,
             "2:1: error: included personal script \"loop1\" has errors (%s/loop1.sieve) [include-invalid]\n"
             "3:1: error: included personal script \"loop2\" has errors (%s/loop2.sieve) [include-invalid]\n"
             "4:1: error: circular include: personal script \"loop1\" includes itself (directly or through "
             "others; use :once if this is intended) [include-loop]\n",
             t.personal, t.personal);
    expect_include(&t, 0, 0, INC "include \"loop1\";\n", want, "");

    /* nesting depth: main -> d1 -> d2 -> d3 -> a is 4 levels */
    expect_include(&t, 4, 0, INC "include \"d1\";\n", "", "fileinto:A ");
    snprintf(want, sizeof want,
             "2:1: error: included personal script \"d1\" has errors (%s/d1.sieve) [include-invalid]\n"
             "2:1: error: included personal script \"d2\" has errors (%s/d2.sieve) [include-invalid]\n"
             "3:1: error: cannot include \"d3\": includes are nested too deeply (more than limit "
             "sieve_include_max_nesting_depth 2) [limit-include-depth]\n",
             t.personal, t.personal);
    expect_include(&t, 2, 0, INC "include \"d1\";\n", want, "");

    /* the number of scripts (the main one counts) */
    expect_include(&t, 0, 3, INC "include \"a\";\ninclude :global \"g\";\n", "", "fileinto:A fileinto:G ");
    expect_include(&t, 0, 2, INC "include \"a\";\ninclude :global \"g\";\ninclude \"a\";\n",
                   "3:1: error: cannot include \"g\": too many included scripts (more than limit "
                   "sieve_include_max_includes 2) [limit-includes]\n",
                   "");

    /* an included script with errors: its own error (line 3 of bad.sieve) and the include's */
    snprintf(want, sizeof want,
             "2:1: error: included personal script \"bad\" has errors (%s/bad.sieve) [include-invalid]\n", t.personal);
    sg_includes *inc = includes(&t, 0, 0);
    outcome o;
    run_with(&o, INC "include \"bad\";\n", inc, NULL, NULL);
    assert_non_null(strstr(o.diags, want));
    assert_non_null(strstr(o.diags, "3:1: error: "));
    assert_string_equal(o.plan, "");
    free(o.diags);
    sg_includes_free(inc);

    /* no script storage at all, and no global directory */
    outcome none;
    run_with(&none, INC "include \"a\";\n", NULL, NULL, NULL);
    assert_string_equal(none.diags,
                        "2:1: error: cannot include \"a\": no script storage is configured here [include-unavailable]\n");
    free(none.diags);
    sg_include_config cfg = {.personal_dir = t.personal};
    inc = sg_includes_new(&cfg);
    run_with(&o, INC "include :global \"g\";\ninclude :global :optional \"g\";\n", inc, NULL, NULL);
    assert_string_equal(o.diags, "2:1: error: included global script \"g\" does not exist (no global script location "
                                 "is configured: set sieve_global) [include-not-found]\n");
    free(o.diags);
    sg_includes_free(inc);
    tree_free(&t);
}

static void test_include_name_valid(void **state)
{
    (void)state;
    assert_true(sg_include_name_valid("a"));
    assert_true(sg_include_name_valid("my script"));
    assert_true(sg_include_name_valid("caf\xc3\xa9"));
    assert_false(sg_include_name_valid(""));
    assert_false(sg_include_name_valid("."));
    assert_false(sg_include_name_valid(".."));
    assert_false(sg_include_name_valid("a/b"));
    assert_false(sg_include_name_valid("a\tb"));
    assert_false(sg_include_name_valid("a\x7f"));
    assert_false(sg_include_name_valid("a\xc2\x85"));     /* U+0085 */
    assert_false(sg_include_name_valid("a\xe2\x80\xa8")); /* U+2028 */
    char longname[300];
    memset(longname, 'x', 255);
    longname[255] = '\0';
    assert_true(sg_include_name_valid(longname));
    longname[255] = 'x';
    longname[256] = '\0';
    assert_false(sg_include_name_valid(longname));
}

/* ---- spamtest, virustest (RFC 5235) ---- */

/* Files the normalised value as "s<value>" (spamtest), "p<value>" (:percent)
 * and "v<value>" (virustest), and "c<count>" for spamtest :count. */
#define SPAM_SCRIPT                                                                                                 \
    "require [\"spamtestplus\", \"virustest\", \"fileinto\", \"variables\", \"relational\", "                       \
    "\"comparator-i;ascii-numeric\"];\n"                                                                            \
    "if spamtest :matches \"*\" { fileinto \"s${0}\"; }\n"                                                          \
    "if spamtest :percent :matches \"*\" { fileinto \"p${0}\"; }\n"                                                 \
    "if virustest :matches \"*\" { fileinto \"v${0}\"; }\n"                                                         \
    "if spamtest :count \"eq\" :comparator \"i;ascii-numeric\" \"1\" { fileinto \"c1\"; }\n"                        \
    "if spamtest :count \"eq\" :comparator \"i;ascii-numeric\" \"0\" { fileinto \"c0\"; }\n"

static char *spam_plan(const char *headers, const sg_spamvirus_config *spam, const sg_spamvirus_config *virus)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "From: a@example.com\n%s\nbody\n", headers);
    sg_run_options opt = {.limits = {32, 4}, .subaddress_separator = "+"};
    if (spam)
        opt.spamtest = *spam;
    if (virus)
        opt.virustest = *virus;
    outcome o;
    run_with(&o, SPAM_SCRIPT, NULL, msg, &opt);
    assert_string_equal(o.diags, "");
    free(o.diags);
    return strdup(o.plan);
}

typedef struct spam_case {
    const char *name, *headers;
    sg_spamvirus_config spam, virus;
    const char *plan;
} spam_case;

static const spam_case spam_cases[] = {
    {"not configured", "X-Spam-Score: 5\n", {0}, {0}, "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    /* score: 4.5 of 9 is 0.5: 1 + 0.5 * 9 = 5 (§3.2.1), 50 percent */
    {"score max_value", "X-Spam-Score: 4.5\n", {.status_header = "X-Spam-Score", .max_value = "9"}, {0},
     "fileinto:s5 fileinto:p50 fileinto:v0 fileinto:c1 "},
    {"score comma decimal", "X-Spam-Score: 4,5\n", {.status_header = "X-Spam-Score", .max_value = "9"}, {0},
     "fileinto:s5 fileinto:p50 fileinto:v0 fileinto:c1 "},
    /* the max from a header through a regex; above the max is 10 / 100 */
    {"score max_header regex", "X-Spam-Status: Yes, score=7.2 required=5.0\n",
     {.status_header = "X-Spam-Status: score=([-0-9.]+)", .max_header = "X-Spam-Status: required=([0-9.]+)"}, {0},
     "fileinto:s10 fileinto:p100 fileinto:v0 fileinto:c1 "},
    {"score zero", "X-Spam-Score: 0\n", {.status_header = "X-Spam-Score", .max_value = "10"}, {0},
     "fileinto:s1 fileinto:p0 fileinto:v0 fileinto:c1 "},
    {"score negative is 0", "X-Spam-Score: -3.1\n", {.status_header = "X-Spam-Score", .max_value = "10"}, {0},
     "fileinto:s1 fileinto:p0 fileinto:v0 fileinto:c1 "},
    {"score 3 of 10", "X-Spam-Score: 3\n", {.status_header = "X-Spam-Score", .max_value = "10"}, {0},
     "fileinto:s3 fileinto:p30 fileinto:v0 fileinto:c1 "},
    /* strlen: 3 of 5 is 0.6: 1 + 5.4 = 6 */
    {"strlen", "X-Spam-Level: ***\n", {.status_header = "X-Spam-Level", .status_type = "strlen", .max_value = "5"},
     {0}, "fileinto:s6 fileinto:p60 fileinto:v0 fileinto:c1 "},
    /* text: the index of the value among text_values */
    {"text spam", "X-Spam-Flag: YES\n",
     {.status_header = "X-Spam-Flag", .status_type = "text", .text_values = {[0] = "NO", [10] = "YES"}}, {0},
     "fileinto:s10 fileinto:p100 fileinto:v0 fileinto:c1 "},
    {"text ham", "X-Spam-Flag: NO\n",
     {.status_header = "X-Spam-Flag", .status_type = "text", .text_values = {[0] = "NO", [10] = "YES"}}, {0},
     "fileinto:s1 fileinto:p0 fileinto:v0 fileinto:c1 "},
    {"text unknown value", "X-Spam-Flag: MAYBE\n",
     {.status_header = "X-Spam-Flag", .status_type = "text", .text_values = {[0] = "NO", [10] = "YES"}}, {0},
     "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    /* virustest: 1..5 */
    {"virus text", "X-Virus: infected\n", {0},
     {.status_header = "X-Virus", .status_type = "text", .text_values = {[0] = "none", [1] = "clean", [5] = "infected"}},
     "fileinto:s0 fileinto:p0 fileinto:v5 fileinto:c0 "},
    {"virus text clean", "X-Virus: clean\n", {0},
     {.status_header = "X-Virus", .status_type = "text", .text_values = {[0] = "none", [1] = "clean", [5] = "infected"}},
     "fileinto:s0 fileinto:p0 fileinto:v1 fileinto:c0 "},
    {"virus text unknown", "X-Virus: weird\n", {0},
     {.status_header = "X-Virus", .status_type = "text", .text_values = {[0] = "none", [1] = "clean", [5] = "infected"}},
     "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    /* 3 of 5 is 0.6: 1 + 0.6 * 4 = 3 (§3.3) */
    {"virus score", "X-Virus-Score: 3\n", {0}, {.status_header = "X-Virus-Score", .max_value = "5"},
     "fileinto:s0 fileinto:p0 fileinto:v3 fileinto:c0 "},
    /* malformed headers and configurations: untested ("0", no value for :count) */
    {"missing header", "X-Other: 1\n", {.status_header = "X-Spam-Score", .max_value = "9"}, {0},
     "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    {"not a number", "X-Spam-Score: abc\n", {.status_header = "X-Spam-Score", .max_value = "9"}, {0},
     "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    {"two dots", "X-Spam-Score: 4.5.6\n", {.status_header = "X-Spam-Score", .max_value = "9"}, {0},
     "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    {"six digits", "X-Spam-Score: 123456\n", {.status_header = "X-Spam-Score", .max_value = "9"}, {0},
     "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    {"empty value", "X-Spam-Score:\n", {.status_header = "X-Spam-Score", .max_value = "9"}, {0},
     "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    {"strlen mixed", "X-Spam-Level: **+\n",
     {.status_header = "X-Spam-Level", .status_type = "strlen", .max_value = "5"}, {0},
     "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    {"regex without match", "X-Spam-Status: No\n",
     {.status_header = "X-Spam-Status: score=([-0-9.]+)", .max_value = "5"}, {0},
     "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    {"invalid regex", "X-Spam-Status: score=1\n", {.status_header = "X-Spam-Status: score=((", .max_value = "5"},
     {0}, "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    {"max header missing", "X-Spam-Score: 4\n", {.status_header = "X-Spam-Score", .max_header = "X-Spam-Max"}, {0},
     "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    {"max zero", "X-Spam-Score: 4\n", {.status_header = "X-Spam-Score", .max_value = "0"}, {0},
     "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    {"both max_header and max_value", "X-Spam-Score: 4\nX-Spam-Max: 8\n",
     {.status_header = "X-Spam-Score", .max_header = "X-Spam-Max", .max_value = "8"}, {0},
     "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    {"no max", "X-Spam-Score: 4\n", {.status_header = "X-Spam-Score"}, {0},
     "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    {"unknown status type", "X-Spam-Score: 4\n",
     {.status_header = "X-Spam-Score", .status_type = "bogus", .max_value = "8"}, {0},
     "fileinto:s0 fileinto:p0 fileinto:v0 fileinto:c0 "},
    {"max header", "X-Spam-Score: 4\nX-Spam-Max: 8\n", {.status_header = "X-Spam-Score", .max_header = "X-Spam-Max"},
     {0}, "fileinto:s5 fileinto:p50 fileinto:v0 fileinto:c1 "},
};

static void test_spamtest_values(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < SG_COUNT(spam_cases); i++) {
        const spam_case *c = &spam_cases[i];
        char *plan = spam_plan(c->headers, &c->spam, &c->virus);
        if (strcmp(plan, c->plan) != 0) {
            fprintf(stderr, "case \"%s\": expected [%s] got [%s]\n", c->name, c->plan, plan);
            failures++;
        }
        free(plan);
    }
    assert_int_equal(failures, 0);
}

static void test_spamtest_validation(void **state)
{
    (void)state;
    outcome o;
    /* §3.2: :percent needs spamtestplus */
    run_with(&o, "require \"spamtest\";\nif spamtest :percent \"50\" { keep; }\n", NULL, NULL, NULL);
    assert_string_equal(o.diags, "2:13: error: tag ':percent' on 'spamtest' requires the \"spamtestplus\" extension: "
                                 "add require \"spamtestplus\"; at the top of the script (RFC 5235 §3.2) "
                                 "[missing-require]\n");
    free(o.diags);
    /* spamtestplus implies spamtest */
    run_with(&o, "require \"spamtestplus\";\nif spamtest :percent \"0\" { discard; }\n", NULL, NULL, NULL);
    assert_string_equal(o.diags, "");
    assert_string_equal(o.plan, "other ");
    free(o.diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_include_by_name),   cmocka_unit_test(test_include_errors),
        cmocka_unit_test(test_include_name_valid), cmocka_unit_test(test_spamtest_values),
        cmocka_unit_test(test_spamtest_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
