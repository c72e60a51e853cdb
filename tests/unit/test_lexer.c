/* test_lexer.c - the Flex scanner (grammar/lexer.l) through sg_parse:
 * every token kind, token values read from the AST, and every lexical error
 * with its exact location (RFC 5228 §2.1-§2.4 and §8.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/sg_test_util.h"

/* ---- scripts whose diagnostics (and optionally AST) are asserted ---- */

typedef struct {
    const char *name;
    const char *script;
    const char *diags; /* exact rendered diagnostics */
    const char *ast;   /* exact rendered AST, or NULL: not checked */
    size_t len;        /* 0: strlen(script) */
} lex_case;

static const lex_case token_cases[] = {
    /* identifiers (RFC 5228 §8.1: case-insensitive) */
    {"identifiers are case-insensitive", "KEEP; FileInto \"Box\"; DisCard;", "",
     "keep; fileinto \"Box\"; discard;", 0},
    {"identifier with digits and underscores", "_x1_Y2;", "", "_x1_y2;", 0},
    /* tags */
    {"tags are lower-cased, without ':'", "x :IS :Contains :_Over2;", "", "x :is :contains :_over2;", 0},
    /* separators */
    {"every separator token", "x [\"a\",\"b\"] (y, z \"c\") ;", "", "x [\"a\", \"b\"] (y, z \"c\");", 0},
    {"block separators", "if true{keep;}", "", "if true { keep; }", 0},
    /* comments (RFC 5228 §2.3) */
    {"hash comment", "keep; # comment ; discard;\ndiscard;", "", "keep; discard;", 0},
    {"hash comment at end of input without line break", "keep; # comment", "", "keep;", 0},
    {"hash comment ended by CRLF", "keep; # comment\r\ndiscard;\r\n", "", "keep; discard;", 0},
    {"bracket comment inside a command", "keep /* comment */ ;", "", "keep;", 0},
    {"bracket comment over several lines", "/* a\n * b\n */ keep;", "", "keep;", 0},
    {"bracket comment with stars and slashes", "/** / * ** **/ keep; /* x */", "", "keep;", 0},
    {"bracket comment separates tokens", "if/**/true/**/{keep/**/;}", "", "if true { keep; }", 0},
    {"'#' in a bracket comment and '/*' in a hash comment", "/* # */ keep; # /* \ndiscard;", "",
     "keep; discard;", 0},
    {"RFC 5228 §2.3 comment examples",
     "if size :over 100k { # this is a comment\n   discard;\n}\n"
     "if size :over 100K { /* this is a comment\n   this is still a comment */ discard /* this is a comment\n   */ ;\n}\n",
     "", "if size :over 102400 { discard; } if size :over 102400 { discard; }", 0},
    /* line endings and blanks (RFC 5228 §2.2) */
    {"CRLF line endings", "if true {\r\n  keep;\r\n}\r\n", "", "if true { keep; }", 0},
    {"LF line endings", "if true {\n  keep;\n}\n", "", "if true { keep; }", 0},
    {"tabs and spaces", "\tkeep\t;  \t\n", "", "keep;", 0},
    {"empty script", "", "", "", 0},
    {"only whitespace and comments", "  \r\n# c\n/* d */\t\n", "", "", 0},

    /* ---- lexical errors ---- */
    {"number overflow", "x 18446744073709551616;",
     "1:3: error: number is too large (the largest is 18446744073709551615) [number-overflow]\n", NULL, 0},
    {"number overflow by the quantifier", "x 17179869184G;",
     "1:3: error: number is too large (the largest is 18446744073709551615) [number-overflow]\n", NULL, 0},
    {"number overflow on a later line", "keep;\n  x 99999999999999999999K;",
     "2:5: error: number is too large (the largest is 18446744073709551615) [number-overflow]\n", NULL, 0},
    {"unterminated quoted string", "fileinto \"abc;\nkeep;\n",
     "1:10: error: unterminated string: missing closing '\"' [unterminated-string]\n", NULL, 0},
    {"unterminated quoted string ending in a backslash", "x \"abc\\",
     "1:3: error: unterminated string: missing closing '\"' [unterminated-string]\n", NULL, 0},
    {"unterminated bracket comment is reported where it starts", "keep;\n  /* abc\n * def\n",
     "2:3: error: unterminated bracket comment: '/*' without a closing '*/' [unterminated-comment]\n",
     "keep;", 0},
    {"unterminated bracket comment ending in '*'", "keep; /* abc *",
     "1:7: error: unterminated bracket comment: '/*' without a closing '*/' [unterminated-comment]\n",
     "keep;", 0},
    {"unterminated text:", "keep;\nvacation text:\nabc\n",
     "2:10: error: unterminated multi-line string: 'text:' without a line holding only '.' "
     "[unterminated-string]\n",
     NULL, 0},
    {"unterminated text: at end of input right after 'text:'", "keep;\nvacation text:",
     "2:10: error: unterminated multi-line string: 'text:' without a line holding only '.' "
     "[unterminated-string]\n",
     NULL, 0},
    /* a multi-line string ended at end of input: the string is complete, only the ';' is missing */
    {"text: ended by '.' at end of input without line break", "x text:\nhi\n.",
     "3:2: error: expected ';' before end of script [syntax]\n", NULL, 0},
    {"text: ended by '.' and LF at end of input", "x text:\nhi\n.\n",
     "4:1: error: expected ';' before end of script [syntax]\n", NULL, 0},
    {"text: ended by '.' and CRLF at end of input", "x text:\r\nhi\r\n.\r\n",
     "4:1: error: expected ';' before end of script [syntax]\n", NULL, 0},
    {"text: ended by '. ' is not terminated", "x text:\nabc\n. \n",
     "1:3: error: unterminated multi-line string: 'text:' without a line holding only '.' "
     "[unterminated-string]\n",
     NULL, 0},
    {"garbage right after 'text:'", "x text:abc\nhello\n.\n;",
     "1:8: error: a multi-line string must start on the line after 'text:' (only spaces or a '#' comment "
     "may follow 'text:') [text-syntax]\n",
     "x \"hello\\r\\n\";", 0},
    {"NUL byte between commands", "keep;\0discard;",
     "1:6: error: NUL byte in script (not allowed anywhere, RFC 5228 §2.1) [nul-byte]\n", "keep; discard;",
     SGT_LEN("keep;\0discard;")},
    {"NUL byte in a quoted string", "fileinto \"a\0b\";",
     "1:12: error: NUL byte in string (use \"${hex:00}\" with the encoded-character extension) [nul-byte]\n",
     NULL, SGT_LEN("fileinto \"a\0b\";")},
    {"NUL byte in a multi-line string", "x text:\nh\0i\n.\n;",
     "2:2: error: NUL byte in string (use \"${hex:00}\" with the encoded-character extension) [nul-byte]\n",
     NULL, SGT_LEN("x text:\nh\0i\n.\n;")},
    {"NUL byte in a bracket comment", "/* a\0 */ keep;", "1:5: error: NUL byte in comment [nul-byte]\n",
     "keep;", SGT_LEN("/* a\0 */ keep;")},
    {"NUL byte in a hash comment", "# a\0b\nkeep;", "1:4: error: NUL byte in comment [nul-byte]\n", "keep;",
     SGT_LEN("# a\0b\nkeep;")},
    {"NUL byte in the hash comment after text:", "x text: # a\0\nhi\n.\n;",
     "1:12: error: NUL byte in comment [nul-byte]\n", "x \"hi\\r\\n\";", SGT_LEN("x text: # a\0\nhi\n.\n;")},
    {"invalid UTF-8 in a quoted string", "fileinto \"a\xff"
                                         "b\";",
     "1:12: error: string is not valid UTF-8 (byte 0xFF) [invalid-utf8]\n", NULL, 0},
    {"truncated UTF-8 sequence in a string", "x \"\xc3\";",
     "1:4: error: string is not valid UTF-8 (byte 0xC3) [invalid-utf8]\n", NULL, 0},
    {"overlong UTF-8 sequence in a string", "x \"\xc0\xaf\";",
     "1:4: error: string is not valid UTF-8 (byte 0xC0) [invalid-utf8]\n", NULL, 0},
    {"invalid UTF-8 after a valid character", "x \"\xc3\xa9\xff\";",
     "1:5: error: string is not valid UTF-8 (byte 0xFF) [invalid-utf8]\n", NULL, 0},
    {"invalid UTF-8 in a multi-line string", "x text:\nab\xff\n.\n;",
     "2:3: error: string is not valid UTF-8 (byte 0xFF) [invalid-utf8]\n", NULL, 0},
    {"invalid UTF-8 in a dot-stuffed line is located in the source", "x text:\n..\xff\n.\n;",
     "2:3: error: string is not valid UTF-8 (byte 0xFF) [invalid-utf8]\n", NULL, 0},
    {"any bytes are allowed in comments", "# \xff\xfe\nkeep; /* \xc0 */", "", "keep;", 0},
    {"bare CR between commands", "keep;\rdiscard;",
     "1:6: error: carriage return not followed by a line feed (RFC 5228 §2.2) [bare-cr]\n", "keep; discard;", 0},
    {"bare CR in a quoted string", "fileinto \"a\rb\";",
     "1:12: error: carriage return not followed by a line feed (RFC 5228 §2.2) [bare-cr]\n", NULL, 0},
    {"unexpected character '@'", "keep @;", "1:6: error: unexpected character '@' [bad-character]\n", "keep;", 0},
    {"unexpected byte >= 0x80 outside strings", "keep \xff;",
     "1:6: error: unexpected byte 0xFF (outside strings and comments only US-ASCII is allowed) "
     "[bad-character]\n",
     "keep;", 0},
    {"a UTF-8 character outside strings is one error", "keep \xc3\xa9;",
     "1:6: error: unexpected byte 0xC3 (outside strings and comments only US-ASCII is allowed) "
     "[bad-character]\n",
     "keep;", 0},
    {"control character outside strings", "keep\x01;",
     "1:5: error: unexpected byte 0x01 (outside strings and comments only US-ASCII is allowed) "
     "[bad-character]\n",
     "keep;", 0},
    {"':' without a tag name", "keep :;",
     "1:6: error: a tag needs a name: ':' must be followed by a letter or '_' [syntax]\n", "keep;", 0},
    {"':' followed by a digit", "x :1;",
     "1:3: error: a tag needs a name: ':' must be followed by a letter or '_' [syntax]\n", "x 1;", 0},
};

static void test_tokens_and_errors(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < SG_COUNT(token_cases); i++) {
        const lex_case *c = &token_cases[i];
        sgt_result r;
        sgt_run(&r, c->script, c->len, NULL, false);
        sgt_expect(&failures, c->name, "diagnostics", c->script, c->len, c->diags, r.rendered);
        if (c->ast) {
            char *ast = sgt_render_ast(r.script, false);
            sgt_expect(&failures, c->name, "AST", c->script, c->len, c->ast, ast);
            free(ast);
        }
        sgt_result_free(&r);
    }
    sgt_finish(failures, SG_COUNT(token_cases));
}

/* ---- string values: data and len of the first argument of the first command ---- */

typedef struct {
    const char *name;
    const char *script;
    const char *value;
    size_t value_len; /* 0: strlen(value) (use for "" too) */
    const char *diags;
} string_case;

static const string_case string_cases[] = {
    /* RFC 5228 §2.4.2 quoted strings */
    {"plain quoted string", "x \"hello world\";", "hello world", 0, ""},
    {"empty quoted string", "x \"\";", "", 0, ""},
    {"\\\\ is one backslash", "x \"a\\\\b\";", "a\\b", 0, ""},
    {"\\\" is one double quote", "x \"a\\\"b\";", "a\"b", 0, ""},
    {"other escapes drop the backslash", "x \"\\a\\q\\.\\n\\$\";", "aq.n$", 0, ""},
    {"escaped line break keeps the line break", "x \"a\\\nb\";", "a\nb", 0, ""},
    {"quoted string over two lines keeps CRLF", "x \"a\r\nb\";", "a\r\nb", 0, ""},
    {"strings are case-sensitive", "x \"MiXeD\";", "MiXeD", 0, ""},
    {"UTF-8 in a quoted string", "x \"日本語\";", "日本語", 0, ""},
    {"comment markers inside a quoted string", "x \"# /* */\";", "# /* */", 0, ""},
    {"encoded-character sequences are left to the validator", "x \"${hex:40}\";", "${hex:40}", 0, ""},
    /* multi-line strings */
    {"text: simple", "x text:\nhello\nworld\n.\n;", "hello\r\nworld\r\n", 0, ""},
    {"text: with a hash comment after 'text:'", "x text: # comment\nhello\n.\n;", "hello\r\n", 0, ""},
    {"text: with blanks before the comment", "x text: \t # c\nhi\n.\n;", "hi\r\n", 0, ""},
    {"TEXT: is case-insensitive", "x TEXT:\nhi\n.\n;", "hi\r\n", 0, ""},
    {"text: dot-unstuffing", "x text:\n..foo\n.bar\n..\n.\n;", ".foo\r\n.bar\r\n.\r\n", 0, ""},
    {"text: empty", "x text:\n.\n;", "", 0, ""},
    {"text: empty lines are kept", "x text:\n\na\n\n.\n;", "\r\na\r\n\r\n", 0, ""},
    {"text: with CRLF line endings", "x text:\r\nhello\r\n.\r\n;", "hello\r\n", 0, ""},
    {"text: comment markers are text", "x text:\n# not a comment /* */\n.\n;", "# not a comment /* */\r\n", 0, ""},
    {"text: no escapes in multi-line strings", "x text:\na\\\\b\\\"\n.\n;", "a\\\\b\\\"\r\n", 0, ""},
    {"text: value kept after garbage following 'text:'", "vacation text: abc\nhello\n.\n;", "hello\r\n", 0,
     "1:16: error: a multi-line string must start on the line after 'text:' (only spaces or a '#' comment "
     "may follow 'text:') [text-syntax]\n"},
    {"text: in a string list", "x [\"a\", text:\nb\n.\n];", "a", 0, ""},
};

static void test_string_values(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < SG_COUNT(string_cases); i++) {
        const string_case *c = &string_cases[i];
        sgt_result r;
        sgt_run(&r, c->script, 0, NULL, false);
        sgt_expect(&failures, c->name, "diagnostics", c->script, 0, c->diags, r.rendered);
        const sg_node *n = r.script->commands;
        const sg_arg *a = n ? n->args : NULL;
        const sg_string *s = NULL;
        if (a && a->kind == SG_ARG_STRING)
            s = &a->u.string;
        else if (a && a->kind == SG_ARG_STRING_LIST && a->u.list.count > 0)
            s = &a->u.list.items[0];
        size_t want_len = c->value_len ? c->value_len : strlen(c->value);
        if (!s) {
            failures++;
            print_error("FAILED case '%s': the first argument of the first command is not a string\n", c->name);
        } else if (s->len != want_len || memcmp(s->data, c->value, want_len) != 0 || s->data[s->len] != '\0') {
            sgt_buf b = {0};
            sgt_buf_escaped(&b, s->data, s->len);
            char *got = sgt_buf_take(&b);
            sgt_buf_escaped(&b, c->value, want_len);
            char *want = sgt_buf_take(&b);
            sgt_expect(&failures, c->name, "string value", c->script, 0, want, got);
            if (strcmp(want, got) == 0) { /* same text, so the length or the terminator differs */
                failures++;
                print_error("FAILED case '%s': len %u (expected %zu) or data not NUL-terminated\n", c->name,
                            s->len, want_len);
            }
            free(got);
            free(want);
        }
        sgt_result_free(&r);
    }
    sgt_finish(failures, SG_COUNT(string_cases));
}

/* ---- number values (RFC 5228 §2.4.1) ---- */

typedef struct {
    const char *name;
    const char *script;
    uint64_t value;
} number_case;

static const number_case number_cases[] = {
    {"zero", "x 0;", 0},
    {"leading zeros", "x 007;", 7},
    {"plain number", "x 100;", 100},
    {"K is 2^10", "x 1K;", 1024},
    {"k is case-insensitive", "x 1k;", 1024},
    {"M is 2^20", "x 2M;", 2097152},
    {"m is case-insensitive", "x 2m;", 2097152},
    {"G is 2^30", "x 3G;", 3221225472u},
    {"g is case-insensitive", "x 4g;", 4294967296u},
    {"largest number RFC 5228 requires", "x 2147483647;", 2147483647u},
    {"largest 64-bit number", "x 18446744073709551615;", UINT64_MAX},
    {"largest number with G", "x 17179869183G;", 17179869183ull << 30},
};

static void test_number_values(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < SG_COUNT(number_cases); i++) {
        const number_case *c = &number_cases[i];
        sgt_result r;
        sgt_run(&r, c->script, 0, NULL, false);
        sgt_expect(&failures, c->name, "diagnostics", c->script, 0, "", r.rendered);
        const sg_arg *a = r.script->commands ? r.script->commands->args : NULL;
        if (!a || a->kind != SG_ARG_NUMBER || a->u.number.value != c->value) {
            failures++;
            print_error("FAILED case '%s': expected number %" PRIu64 ", got %s%" PRIu64 "\n", c->name, c->value,
                        a && a->kind == SG_ARG_NUMBER ? "" : "(not a number) ",
                        a && a->kind == SG_ARG_NUMBER ? a->u.number.value : 0);
        }
        sgt_result_free(&r);
    }
    sgt_finish(failures, SG_COUNT(number_cases));
}

/* ---- limits: string length and script size ---- */

typedef struct {
    const char *name;
    const char *script;
    size_t max_string_length, max_script_size;
    const char *diags;
} limit_case;

static const limit_case limit_cases[] = {
    {"string exactly at max_string_length", "x \"abcde\";", 5, 1000, ""},
    {"string over max_string_length", "x \"abcdef\";", 5, 1000,
     "1:3: error: string is too long (6 bytes > limit max_string_length 5) [limit-string-length]\n"},
    {"string length counts the value, after escapes", "x \"ab\\\\cd\";", 5, 1000, ""},
    {"string in a list over max_string_length", "x [\"ab\", \"abcdef\"];", 5, 1000,
     "1:10: error: string is too long (6 bytes > limit max_string_length 5) [limit-string-length]\n"},
    {"multi-line string exactly at max_string_length", "x text:\nabc\n.\n;", 5, 1000, ""}, /* "abc\r\n" */
    {"multi-line string over max_string_length", "x text:\nabcdef\n.\n;", 5, 1000,
     "1:3: error: string is too long (more than limit max_string_length 5 bytes) [limit-string-length]\n"},
    {"script exactly at max_script_size", "keep;keep;", 1000, 10, ""},
    {"script over max_script_size", "keep; keep; keep;", 1000, 10,
     "1:1: error: script is too large (17 bytes > limit max_script_size 10) [limit-script-size]\n"},
};

static void test_limits(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < SG_COUNT(limit_cases); i++) {
        const limit_case *c = &limit_cases[i];
        sg_limits limits;
        sg_limits_default(&limits);
        limits.max_string_length = c->max_string_length;
        limits.max_script_size = c->max_script_size;
        char *got = sgt_diags_of(c->script, 0, &limits, false);
        sgt_expect(&failures, c->name, "diagnostics", c->script, 0, c->diags, got);
        free(got);
    }
    sgt_finish(failures, SG_COUNT(limit_cases));
}

/* Two scripts parsed at the same time do not share scanner state. */
static void test_reentrant(void **state)
{
    (void)state;
    sgt_result a, b;
    sgt_run(&a, "x text:\nfirst\n.\n;", 0, NULL, false);
    sgt_run(&b, "/* unterminated", 0, NULL, false);
    assert_string_equal(a.rendered, "");
    assert_string_equal(b.rendered,
                        "1:1: error: unterminated bracket comment: '/*' without a closing '*/' [unterminated-comment]\n");
    assert_string_equal(a.script->commands->args->u.string.data, "first\r\n");
    sgt_result_free(&a);
    sgt_result_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_and_errors),
        cmocka_unit_test(test_string_values),
        cmocka_unit_test(test_number_values),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_reentrant),
    };
    return cmocka_run_group_tests_name("lexer", tests, NULL, NULL);
}
