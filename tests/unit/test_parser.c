/* test_parser.c - the Bison grammar (grammar/parser.y) through sg_parse:
 * every construct of RFC 5228 §8.2, node and argument locations, and syntax
 * errors with their recovery (later commands must still be parsed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/sg_test_util.h"

typedef struct {
    const char *name;
    const char *script;
    const char *diags;    /* exact rendered diagnostics */
    const char *ast;      /* exact rendered AST, or NULL: not checked */
    const char *contains; /* text the rendered AST must contain, or NULL */
} parse_case;

static const parse_case construct_cases[] = {
    {"command without arguments", "keep;", "", "keep;", NULL},
    {"several commands", "keep; discard; stop;", "", "keep; discard; stop;", NULL},
    {"string argument", "fileinto \"INBOX.lists\";", "", "fileinto \"INBOX.lists\";", NULL},
    {"multi-line string argument", "vacation text:\nAway.\n.\n;", "", "vacation \"Away.\\r\\n\";", NULL},
    {"string list argument", "require [\"fileinto\", \"envelope\", \"copy\"];", "",
     "require [\"fileinto\", \"envelope\", \"copy\"];", NULL},
    {"string list with one string stays a list", "require [\"fileinto\"];", "", "require [\"fileinto\"];", NULL},
    {"number argument", "if size :over 100K { discard; }", "", "if size :over 102400 { discard; }", NULL},
    {"tags, string list and string", "if header :contains [\"To\", \"Cc\"] \"me@example.com\" { keep; }", "",
     "if header :contains [\"To\", \"Cc\"] \"me@example.com\" { keep; }", NULL},
    {"test", "if true { keep; }", "", "if true { keep; }", NULL},
    {"test list", "if anyof (true, false) { keep; }", "", "if anyof (true, false) { keep; }", NULL},
    {"test list with one test", "if allof (true) { keep; }", "", "if allof (true) { keep; }", NULL},
    {"no blanks between tokens", "if anyof(true,false){keep;}", "", "if anyof (true, false) { keep; }", NULL},
    {"nested tests", "if not anyof (allof (true, not false), exists \"x\") { keep; }", "",
     "if not anyof (allof (true, not false), exists \"x\") { keep; }", NULL},
    {"arguments before a test list", "x \"a\" :b 1 (c, d \"e\");", "", "x \"a\" :b 1 (c, d \"e\");", NULL},
    {"empty block", "if true {}", "", "if true { }", NULL},
    {"nested blocks", "if true { if false { keep; } stop; }", "", "if true { if false { keep; } stop; }", NULL},
    {"if / elsif / else chain", "if false { keep; } elsif true { stop; } elsif true { } else { discard; }", "",
     "if false { keep; } elsif true { stop; } elsif true { } else { discard; }", NULL},
    {"empty script", "", "", "", NULL},
    {"deep but parsable nesting (200 blocks; the limit is the validator's)", NULL, "", NULL,
     "if true { if true { if true {"}, /* script built in the test */

    /* ---- syntax errors and recovery ---- */
    {"missing ';' before '}'", "if true { keep }\ndiscard;", "1:16: error: expected ';' before '}' [syntax]\n",
     NULL, "discard;"},
    {"missing ';' at end of script points after the last token", "keep;\nstop",
     "2:5: error: expected ';' before end of script [syntax]\n", "keep;", NULL},
    {"missing ';' after a string at end of script", "fileinto \"x\"",
     "1:13: error: expected ';' before end of script [syntax]\n", "", NULL},
    {"missing '}' at end of script names where the block was opened", "if true {\n  keep;\n",
     "2:8: error: unexpected end of script: missing '}' to close the block opened at line 1, column 9 [syntax]\n",
     NULL, NULL},
    {"missing '}' names the innermost open block", "if true {\n  if false {\n    keep;\n",
     "3:10: error: unexpected end of script: missing '}' to close the block opened at line 2, column 12 "
     "[syntax]\n",
     NULL, NULL},
    {"missing '}' after a closed inner block", "if true {\n  if false {\n    keep;\n  }\n  stop;",
     "5:8: error: unexpected end of script: missing '}' to close the block opened at line 1, column 9 [syntax]\n",
     NULL, NULL},
    {"stray '}' at top level", "keep;\n}\ndiscard;",
     "2:1: error: unexpected '}' without a matching '{' [syntax]\n", "keep; discard;", NULL},
    {"stray '}' after a block", "if true { keep; }}\ndiscard;",
     "1:18: error: unexpected '}' without a matching '{' [syntax]\n", "if true { keep; } discard;", NULL},
    {"trailing comma in a string list", "redirect [\"a@b.c\",];\nkeep;",
     "1:19: error: unexpected ']', expecting string [syntax]\n", "keep;", NULL},
    {"trailing comma in a string list before a block", "if header [\"a\", \"b\",] \"x\" { keep; }\ndiscard;",
     "1:21: error: unexpected ']', expecting string [syntax]\n", NULL, "discard;"},
    {"number in a string list", "x [\"a\", 1];\nkeep;", "1:9: error: unexpected number, expecting string [syntax]\n",
     "keep;", NULL},
    {"empty test list", "if anyof () { keep; }\ndiscard;",
     "1:11: error: unexpected ')', expecting identifier [syntax]\n", NULL, "discard;"},
    {"error in one command, the next one is parsed", "fileinto \"a\" \"b\" ] ;\nkeep;",
     "1:18: error: unexpected ']', expecting an argument, a test, ';' or '{' [syntax]\n", "keep;", NULL},
    {"error inside a block, the rest of the block and script is parsed",
     "if true {\n  keep ];\n  stop;\n}\ndiscard;", "2:8: error: unexpected ']', expecting an argument, a test, ';' or '{' [syntax]\n",
     "if true { stop; } discard;", NULL},
    {"several errors in one script are all reported", "keep ];\nstop );\ndiscard ,;\nkeep;",
     "1:6: error: unexpected ']', expecting an argument, a test, ';' or '{' [syntax]\n"
     "2:6: error: unexpected ')', expecting an argument, a test, ';' or '{' [syntax]\n"
     "3:9: error: unexpected ',', expecting an argument, a test, ';' or '{' [syntax]\n",
     "keep;", NULL},
    {"lexical and syntax errors in one script", "keep @;\nstop ];\ndiscard;",
     "1:6: error: unexpected character '@' [bad-character]\n"
     "2:6: error: unexpected ']', expecting an argument, a test, ';' or '{' [syntax]\n",
     "keep; discard;", NULL},
};

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
    sgt_buf b = {0};
    sgt_buf_str(&b, head);
    for (size_t i = 0; i < n; i++)
        sgt_buf_str(&b, unit);
    sgt_buf_str(&b, tail);
    return sgt_buf_take(&b);
}

static char *nested_blocks(size_t n)
{
    sgt_buf b = {0};
    for (size_t i = 0; i < n; i++)
        sgt_buf_str(&b, "if true { ");
    sgt_buf_str(&b, "keep;");
    for (size_t i = 0; i < n; i++)
        sgt_buf_str(&b, " }");
    return sgt_buf_take(&b);
}

static void test_constructs_and_errors(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < SG_COUNT(construct_cases); i++) {
        const parse_case *c = &construct_cases[i];
        char *built = c->script ? NULL : nested_blocks(200);
        const char *script = c->script ? c->script : built;
        sgt_result r;
        sgt_run(&r, script, 0, NULL, false);
        sgt_expect(&failures, c->name, "diagnostics", script, 0, c->diags, r.rendered);
        char *ast = sgt_render_ast(r.script, false);
        if (c->ast)
            sgt_expect(&failures, c->name, "AST", script, 0, c->ast, ast);
        if (c->contains && !strstr(ast, c->contains)) {
            failures++;
            print_error("FAILED case '%s': the AST does not contain \"%s\"\n    AST: %.300s\n", c->name, c->contains,
                        ast);
        }
        free(ast);
        free(built);
        sgt_result_free(&r);
    }
    sgt_finish(failures, SG_COUNT(construct_cases));
}

/* ---- locations: every node, argument and string, "@LINE:COLUMN" (1-based) ---- */

typedef struct {
    const char *name;
    const char *script;
    const char *locs;
} loc_case;

static const loc_case loc_cases[] = {
    {"node, tag, list, string and block locations", "if header :is [\"a\",\"b\"] \"c\" { keep; }",
     "if@1:1 header@1:4 :is@1:11 [\"a\"@1:16, \"b\"@1:20]@1:15 \"c\"@1:25 { keep@1:31; }"},
    {"test list locations", "if anyof(true,false){keep;}",
     "if@1:1 anyof@1:4 (true@1:10, false@1:15) { keep@1:22; }"},
    {"number location", "if size :over 100K { discard; }",
     "if@1:1 size@1:4 :over@1:9 102400@1:15 { discard@1:22; }"},
    {"columns count UTF-8 code points, not bytes", "fileinto \"日本語\"; keep;",
     "fileinto@1:1 \"日本語\"@1:10; keep@1:17;"},
    {"two-byte UTF-8 characters count as one column", "fileinto \"é\"; keep;",
     "fileinto@1:1 \"é\"@1:10; keep@1:15;"},
    {"UTF-8 in comments counts code points", "/* é */ keep; # é\nstop;", "keep@1:9; stop@2:1;"},
    {"a tab is one column", "\tkeep;\n\t\tdiscard;", "keep@1:2; discard@2:3;"},
    {"CRLF line endings", "require \"fileinto\";\r\nif true {\r\n  fileinto \"a\";\r\n}\r\n",
     "require@1:1 \"fileinto\"@1:9; if@2:1 true@2:4 { fileinto@3:3 \"a\"@3:12; }"},
    {"after a quoted string spanning lines", "x \"a\nb\" \"c\";\n  keep;",
     "x@1:1 \"a\\nb\"@1:3 \"c\"@2:4; keep@3:3;"},
    {"a multi-line string is located at 'text:'", "x text:\na\nb\n.\n;\n keep;",
     "x@1:1 \"a\\r\\nb\\r\\n\"@1:3; keep@6:2;"},
    {"after a bracket comment over lines", "/* a\n  bc */ keep;", "keep@2:9;"},
    {"nested tests and blocks on several lines",
     "if allof (header :is \"a\" \"b\",\n          not exists \"c\")\n{\n    stop;\n}",
     "if@1:1 allof@1:4 (header@1:11 :is@1:18 \"a\"@1:22 \"b\"@1:26, not@2:11 exists@2:15 \"c\"@2:22) { stop@4:5; }"},
};

static void test_locations(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < SG_COUNT(loc_cases); i++) {
        const loc_case *c = &loc_cases[i];
        sgt_result r;
        sgt_run(&r, c->script, 0, NULL, false);
        sgt_expect(&failures, c->name, "diagnostics", c->script, 0, "", r.rendered);
        char *locs = sgt_render_ast(r.script, true);
        sgt_expect(&failures, c->name, "locations", c->script, 0, c->locs, locs);
        free(locs);
        sgt_result_free(&r);
    }
    sgt_finish(failures, SG_COUNT(loc_cases));
}

/* The end of a command: its ';' or the '{' of its block. */
static void test_end_locations(void **state)
{
    (void)state;
    sgt_result r;
    sgt_run(&r, "keep;\nif true\n{\n  stop ;\n}", 0, NULL, false);
    assert_string_equal(r.rendered, "");
    const sg_node *keep = r.script->commands, *ifn = keep->next;
    assert_int_equal(keep->end.line, 1);
    assert_int_equal(keep->end.column, 5);
    assert_false(keep->has_block);
    assert_int_equal(keep->nargs, 0);
    assert_true(ifn->has_block);
    assert_false(ifn->has_test_list);
    assert_int_equal(ifn->end.line, 3);
    assert_int_equal(ifn->end.column, 1);
    assert_int_equal(ifn->block->end.line, 4);
    assert_int_equal(ifn->block->end.column, 8);
    assert_null(ifn->next);
    sgt_result_free(&r);
}

/* Very deep nesting is rejected with one error, without exhausting the C stack. */
static void test_deep_nesting(void **state)
{
    (void)state;
    struct {
        const char *name;
        char *script;
        const char *diags;
    } cases[] = {
        {"5000 nested not tests", repeat("if ", "not ", 5000, "true { keep; }"),
         "1:3996: error: script is nested too deeply to parse (memory exhausted) [limit-nesting]\n"},
        {"5000 nested anyof test lists", repeat("if ", "anyof(", 5000, "true"),
         "1:3994: error: script is nested too deeply to parse (memory exhausted) [limit-nesting]\n"},
        {"5000 nested blocks", repeat("", "if true {", 5000, "keep;"),
         "1:4495: error: script is nested too deeply to parse (memory exhausted) [limit-nesting]\n"},
    };
    int failures = 0;
    for (size_t i = 0; i < SG_COUNT(cases); i++) {
        sgt_result r;
        sgt_run(&r, cases[i].script, 0, NULL, false);
        sgt_expect(&failures, cases[i].name, "diagnostics", cases[i].script, 0, cases[i].diags, r.rendered);
        if (r.script->commands) {
            failures++;
            print_error("FAILED case '%s': a rejected script must have no commands\n", cases[i].name);
        }
        sgt_result_free(&r);
        free(cases[i].script);
    }
    sgt_finish(failures, SG_COUNT(cases));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constructs_and_errors),
        cmocka_unit_test(test_locations),
        cmocka_unit_test(test_end_locations),
        cmocka_unit_test(test_deep_nesting),
    };
    return cmocka_run_group_tests_name("parser", tests, NULL, NULL);
}
