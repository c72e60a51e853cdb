/* test_validate.c - engine/core/validate.c with the built-in registry: names,
 * require, control structure, arguments and tags, limits, redirect addresses
 * and encoded-character (RFC 5228 §2.4.2.3, §2.4.2.4, §2.6, §2.7, §3, §4, §5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/sg_test_util.h"

/* The CLI's order: parse, then validate (also after syntax errors). */
#define VALIDATE true

/* ---- valid scripts ---- */

static const sgt_case valid_cases[] = {
    {"RFC 5228 §9 extended example",
     "#\n"
     "# Example Sieve Filter\n"
     "# Declare any optional features or extension used by the script\n"
     "#\n"
     "require [\"fileinto\"];\n"
     "\n"
     "#\n"
     "# Handle messages from known mailing lists\n"
     "# Move messages from IETF filter discussion list to filter mailbox\n"
     "#\n"
     "if header :is \"Sender\" \"owner-ietf-mta-filters@imc.org\"\n"
     "        {\n"
     "        fileinto \"filter\";  # move to \"filter\" mailbox\n"
     "        }\n"
     "#\n"
     "# Keep all messages to or from people in my company\n"
     "#\n"
     "elsif address :DOMAIN :is [\"From\", \"To\"] \"example.com\"\n"
     "        {\n"
     "        keep;               # keep in \"In\" mailbox\n"
     "        }\n"
     "\n"
     "#\n"
     "# Try and catch unsolicited email.  If a message is not to me,\n"
     "# or it contains a subject known to be spam, file it away.\n"
     "#\n"
     "elsif anyof (NOT address :all :contains\n"
     "               [\"To\", \"Cc\", \"Bcc\"] \"me@example.com\",\n"
     "             header :matches \"subject\"\n"
     "               [\"*make*money*fast*\", \"*university*dipl*mas*\"])\n"
     "        {\n"
     "        fileinto \"spam\";   # move to \"spam\" mailbox\n"
     "        }\n"
     "else\n"
     "        {\n"
     "        # Move all other (non-company) mail to \"personal\"\n"
     "        # mailbox.\n"
     "        fileinto \"personal\";\n"
     "        }\n",
     "", 0},
    {"every base command and test",
     "if anyof (address :localpart :is \"from\" \"me\", header :contains \"subject\" \"x\",\n"
     "          exists [\"x-spam\"], size :under 1M, not true, allof (false, true)) {\n"
     "  redirect \"a@b.c\";\n"
     "  stop;\n"
     "} elsif address :domain :matches \"to\" \"*.example.com\" {\n"
     "  discard;\n"
     "} else {\n"
     "  keep;\n"
     "}\n",
     "", 0},
    {"required extensions may be used",
     "require [\"fileinto\", \"envelope\", \"copy\", \"comparator-i;ascii-numeric\", \"encoded-character\"];\n"
     "if envelope :all :is \"from\" \"a@b.c\" { fileinto :copy \"x\"; redirect :copy \"d@e.f\"; }\n"
     "if header :comparator \"i;ascii-numeric\" :is \"x-priority\" \"1\" { stop; }\n",
     "", 0},
    {"several require commands at the top", "require \"fileinto\";\nrequire [\"copy\"];\nfileinto :copy \"x\";",
     "", 0},
    {"i;octet and i;ascii-casemap need no require",
     "if header :comparator \"i;octet\" \"x\" \"1\" { keep; }\n"
     "if header :comparator \"I;ASCII-CASEMAP\" \"x\" \"1\" { keep; }",
     "", 0},
    {"comparator-i;octet may still be required", "require \"comparator-i;octet\";\nkeep;", "", 0},
    {"tags in any order before the positional arguments",
     "if address :comparator \"i;octet\" :domain :is \"from\" \"x\" { keep; }", "", 0},
    {"identifiers and tags are case-insensitive", "IF Header :IS \"a\" \"b\" { KEEP; } ELSE { Discard; }", "", 0},
};

/* ---- errors, one kind at a time ---- */

static const sgt_case error_cases[] = {
    /* unknown names */
    {"unknown command with a suggestion", "kepe;",
     "1:1: error: unknown command 'kepe' (did you mean 'keep'?) [unknown-command]\n", 0},
    {"unknown command: misspelled discard", "discrad;",
     "1:1: error: unknown command 'discrad' (did you mean 'discard'?) [unknown-command]\n", 0},
    {"unknown command without a close match", "frobnicate;", "1:1: error: unknown command 'frobnicate' [unknown-command]\n",
     0},
    {"unknown test with a suggestion", "if heder \"a\" \"b\" { keep; }",
     "1:4: error: unknown test 'heder' (did you mean 'header'?) [unknown-test]\n", 0},
    {"unknown test without a close match", "if frob { keep; }", "1:4: error: unknown test 'frob' [unknown-test]\n", 0},
    {"unknown test nested in not", "if not frob { keep; }", "1:8: error: unknown test 'frob' [unknown-test]\n", 0},
    {"unknown command inside a block", "if true {\n  frobnicate;\n}",
     "2:3: error: unknown command 'frobnicate' [unknown-command]\n", 0},
    {"test used as a command", "true;",
     "1:1: error: 'true' is a test, not a command (tests go after if, elsif, allof, anyof or not) [not-a-command]\n", 0},
    {"command used as a test", "if keep { stop; }", "1:4: error: 'keep' is a command, not a test [not-a-test]\n", 0},

    /* require (RFC 5228 §3.2, §2.10.5) */
    {"fileinto without require", "fileinto \"x\";",
     "1:1: error: command 'fileinto' requires the \"fileinto\" extension: add require \"fileinto\"; at the top of "
     "the script [missing-require]\n",
     0},
    {"envelope without require", "if envelope \"from\" \"a@b.c\" { keep; }",
     "1:4: error: test 'envelope' requires the \"envelope\" extension: add require \"envelope\"; at the top of the "
     "script [missing-require]\n",
     0},
    {":copy without require", "redirect :copy \"a@b.c\";",
     "1:10: error: tag ':copy' on 'redirect' requires the \"copy\" extension: add require \"copy\"; at the top of "
     "the script [missing-require]\n",
     0},
    {":copy on fileinto needs its own require", "require \"fileinto\"; fileinto :copy \"x\";",
     "1:30: error: tag ':copy' on 'fileinto' requires the \"copy\" extension: add require \"copy\"; at the top of "
     "the script [missing-require]\n",
     0},
    {"comparator i;ascii-numeric without require", "if header :comparator \"i;ascii-numeric\" \"x\" \"1\" { keep; }",
     "1:23: error: comparator \"i;ascii-numeric\" requires the \"comparator-i;ascii-numeric\" extension: add "
     "require \"comparator-i;ascii-numeric\"; at the top of the script [missing-require]\n",
     0},
    {"one unknown extension", "require \"foo\";", "1:9: error: unsupported extension \"foo\" [unknown-extension]\n",
     0},
    {"unknown extensions are listed in one message", "require [\"fileinto\", \"foo\", \"bar\"];",
     "1:22: error: unsupported extensions \"foo\", \"bar\" [unknown-extension]\n", 0},
    {"require after another command", "keep;\nrequire \"fileinto\";",
     "2:1: error: 'require' must come before any other command (RFC 5228 §3.2) [misplaced-require]\n", 0},
    {"require inside a block", "if true { require \"fileinto\"; }",
     "1:11: error: 'require' is only allowed at the top level of the script, not inside a block "
     "[misplaced-require]\n",
     0},

    /* control structure (RFC 5228 §3.1) */
    {"elsif without if", "elsif true { keep; }", "1:1: error: 'elsif' must follow 'if' or 'elsif' [orphan-else]\n",
     0},
    {"else without if", "keep;\nelse { keep; }", "2:1: error: 'else' must follow 'if' or 'elsif' [orphan-else]\n", 0},
    {"second else", "if true {} else {} else {}", "1:20: error: 'else' must follow 'if' or 'elsif' [orphan-else]\n",
     0},
    {"if without a test", "if { keep; }", "1:1: error: 'if' needs a test [missing-test]\n", 0},
    {"elsif without a test", "if true { } elsif { }", "1:13: error: 'elsif' needs a test [missing-test]\n", 0},
    {"if without a block", "if true;", "1:8: error: 'if' needs a block: '{' ... '}' [missing-block]\n", 0},
    {"keep with a block", "keep { discard; }", "1:6: error: 'keep' does not take a block [unexpected-block]\n", 0},
    {"anyof without parentheses", "if anyof true { keep; }",
     "1:10: error: 'anyof' needs a test list in parentheses, e.g. anyof (test1, test2) [missing-test-list]\n", 0},
    {"if with a test list", "if (true, false) { keep; }",
     "1:5: error: 'if' takes one test, not a test list (use allof or anyof to combine tests) "
     "[unexpected-test-list]\n",
     0},
    {"not with a test list", "if not (true) { keep; }",
     "1:9: error: 'not' takes one test, not a test list (use allof or anyof to combine tests) "
     "[unexpected-test-list]\n",
     0},
    {"a test after a test that takes none", "if true false { }",
     "1:9: error: 'true' does not take a test [unexpected-test]\n", 0},
    {"missing ';' between two commands on two lines", "keep\ndiscard;",
     "2:1: error: 'keep' does not take a test: is a ';' missing after 'keep' on line 1? [unexpected-test]\n", 0},

    /* argument count and types (RFC 5228 §2.6) */
    {"string list where a string is expected", "require \"fileinto\";\nfileinto [\"a\", \"b\"];",
     "2:10: error: 'fileinto' expects a string as mailbox, not a string list [bad-argument]\n", 0},
    {"number where a string is expected", "redirect 5;",
     "1:10: error: 'redirect' expects a string as address, not a number [bad-argument]\n", 0},
    {"string where a number is expected", "if size :over \"1K\" { keep; }",
     "1:15: error: 'size' expects a number as size limit, not a string [bad-argument]\n", 0},
    {"missing argument", "redirect;", "1:1: error: 'redirect' is missing its address argument (a string) [missing-argument]\n",
     0},
    {"missing second argument", "if header \"subject\" { keep; }",
     "1:4: error: 'header' is missing its key-list argument (a string list) [missing-argument]\n", 0},
    {"argument for a command that takes none", "keep \"x\";",
     "1:6: error: 'keep' takes no arguments, but got a string [too-many-arguments]\n", 0},
    {"one argument too many", "redirect \"a@b.c\" \"d@e.f\";",
     "1:18: error: too many arguments for 'redirect': it takes 1, got 2 [too-many-arguments]\n", 0},

    /* tags (RFC 5228 §2.6.2, §2.7) */
    {"unknown tag on a test", "if header :foo \"a\" \"b\" { keep; }",
     "1:11: error: unknown tag ':foo' for test 'header' [unknown-tag]\n", 0},
    {"unknown tag on a command", "keep :foo;", "1:6: error: unknown tag ':foo' for command 'keep' [unknown-tag]\n", 0},
    {"match type on a test without match types", "if exists :is \"x\" { keep; }",
     "1:11: error: unknown tag ':is' for test 'exists' [unknown-tag]\n", 0},
    {"duplicate match type", "if header :is :is \"a\" \"b\" { keep; }",
     "1:15: error: duplicate tag ':is' [duplicate-tag]\n", 0},
    {"duplicate tag of a command", "require \"copy\";\nredirect :copy :copy \"a@b.c\";",
     "2:16: error: duplicate tag ':copy' [duplicate-tag]\n", 0},
    {"duplicate :over", "if size :over :over 1 { keep; }", "1:15: error: duplicate tag ':over' [duplicate-tag]\n", 0},
    {"two match types", "if header :is :contains \"a\" \"b\" { keep; }",
     "1:15: error: only one match type may be given (':is' and ':contains') [conflicting-tags]\n", 0},
    {"two address parts", "if address :all :domain \"from\" \"x\" { keep; }",
     "1:17: error: only one address part may be given (':all' and ':domain') [conflicting-tags]\n", 0},
    {"unknown comparator", "if header :comparator \"i;foo\" \"a\" \"b\" { keep; }",
     "1:23: error: unknown comparator \"i;foo\" (known: \"i;octet\", \"i;ascii-casemap\", \"i;ascii-numeric\") "
     "[unknown-comparator]\n",
     0},
    {":comparator followed by a tag", "if header :comparator :is \"a\" \"b\" { keep; }",
     "1:11: error: tag ':comparator' must be followed by a string (comparator name) [bad-argument]\n", 0},
    {":comparator with a string list", "if header :comparator [\"i;octet\"] \"a\" \"b\" { keep; }",
     "1:23: error: tag ':comparator' must be followed by a string (comparator name), not a string list "
     "[bad-argument]\n",
     0},
    {"duplicate :comparator", "if header :comparator \"i;octet\" :comparator \"i;octet\" \"a\" \"b\" { keep; }",
     "1:33: error: duplicate tag ':comparator' [duplicate-tag]\n", 0},
    {"tag after the positional arguments", "if header \"a\" \"b\" :is { keep; }",
     "1:19: error: tag ':is' must come before the positional arguments of 'header' (RFC 5228 §2.6.2) "
     "[tag-order]\n",
     0},
    {"size without :over or :under", "if size 100 { keep; }", "1:4: error: 'size' needs :over or :under [missing-tag]\n",
     0},
    {"size with :over and :under", "if size :over :under 100 { keep; }",
     "1:15: error: tags ':over' and ':under' cannot be used together [conflicting-tags]\n", 0},
    {"size :over without a number", "if size :over { keep; }",
     "1:4: error: 'size' is missing its size limit argument (a number) [missing-argument]\n", 0},

    /* warnings */
    {"header name with a colon never matches", "if header \"From:\" \"x\" { keep; }",
     "1:11: warning: \"From:\" is not a valid header field name, so it never matches (leave out the ':') "
     "[invalid-header-name]\n",
     0},
    {"invalid header names in a list", "if exists [\"From\", \"X Y\", \"\"] { keep; }",
     "1:20: warning: \"X Y\" is not a valid header field name, so it never matches [invalid-header-name]\n"
     "1:27: warning: \"\" is not a valid header field name, so it never matches [invalid-header-name]\n",
     0},

    /* several errors in one run */
    {"several validation errors are all reported", "kepe;\nfileinto \"x\";\nif size 1 { frob; }",
     "1:1: error: unknown command 'kepe' (did you mean 'keep'?) [unknown-command]\n"
     "2:1: error: command 'fileinto' requires the \"fileinto\" extension: add require \"fileinto\"; at the top of "
     "the script [missing-require]\n"
     "3:4: error: 'size' needs :over or :under [missing-tag]\n"
     "3:13: error: unknown command 'frob' [unknown-command]\n",
     0},
    {"errors before a syntax error at the end of the script are reported", "frobnicate;\nkeep",
     "1:1: error: unknown command 'frobnicate' [unknown-command]\n"
     "2:5: error: expected ';' before end of script [syntax]\n",
     0},
    {"syntax error and validation errors are reported together", "keep ];\nfrobnicate;",
     "1:6: error: unexpected ']', expecting an argument, a test, ';' or '{' [syntax]\n"
     "2:1: error: unknown command 'frobnicate' [unknown-command]\n",
     0},
};

/* RFC 5228 §2.4.2.3: sieve-address = addr-spec / phrase "<" addr-spec ">". */
static const sgt_case redirect_cases[] = {
    {"redirect: simple address", "redirect \"a@b.c\";", "", 0},
    {"redirect: quoted local part", "redirect \"\\\"quoted local\\\"@example.com\";", "", 0},
    {"redirect: name and angle address", "redirect \"Name <a@b.c>\";", "", 0},
    {"redirect: domain literal", "redirect \"a@[192.0.2.1]\";", "", 0},
    {"redirect: UTF-8 local part", "redirect \"jöran@example.com\";", "", 0},
    {"redirect: missing '@'", "redirect \"abc\";",
     "1:10: error: invalid address \"abc\" for redirect: missing '@' and domain [invalid-address]\n", 0},
    {"redirect: missing domain", "redirect \"a@\";",
     "1:10: error: invalid address \"a@\" for redirect: missing domain [invalid-address]\n", 0},
    {"redirect: source route", "redirect \"@a:b@c\";",
     "1:10: error: invalid address \"@a:b@c\" for redirect: source routes are not allowed [invalid-address]\n", 0},
    {"redirect: group", "redirect \"friends: a@b.c;\";",
     "1:10: error: invalid address \"friends: a@b.c;\" for redirect: groups are not allowed [invalid-address]\n", 0},
    {"redirect: two addresses", "redirect \"a@b.c, d@e.f\";",
     "1:10: error: invalid address \"a@b.c, d@e.f\" for redirect: only one address is allowed (use one redirect "
     "per address) [invalid-address]\n",
     0},
    {"redirect: trailing dot", "redirect \"a@b.c.\";",
     "1:10: error: invalid address \"a@b.c.\" for redirect: ends with a dot [invalid-address]\n", 0},
    {"redirect: empty", "redirect \"\";", "1:10: error: invalid address \"\" for redirect: empty address [invalid-address]\n",
     0},
    {"redirect: missing '>'", "redirect \"Name <a@b.c\";",
     "1:10: error: invalid address \"Name <a@b.c\" for redirect: missing '>' [invalid-address]\n", 0},
};

static void test_valid_scripts(void **state)
{
    (void)state;
    sgt_finish(sgt_run_table(valid_cases, SG_COUNT(valid_cases), NULL, VALIDATE), SG_COUNT(valid_cases));
}

static void test_errors(void **state)
{
    (void)state;
    sgt_finish(sgt_run_table(error_cases, SG_COUNT(error_cases), NULL, VALIDATE), SG_COUNT(error_cases));
}

static void test_redirect_addresses(void **state)
{
    (void)state;
    sgt_finish(sgt_run_table(redirect_cases, SG_COUNT(redirect_cases), NULL, VALIDATE), SG_COUNT(redirect_cases));
}

/* A number given to require must be reported, not read as a string list
 * (kept apart: a crash here must not hide the other cases). */
static void test_require_number(void **state)
{
    (void)state;
    static const sgt_case cases[] = {
        {"require with a number", "require 5;",
         "1:9: error: 'require' expects a string list as capabilities, not a number [bad-argument]\n", 0},
        {"require with a large number", "require 4294967295;\nkeep;",
         "1:9: error: 'require' expects a string list as capabilities, not a number [bad-argument]\n", 0},
    };
    sgt_finish(sgt_run_table(cases, SG_COUNT(cases), NULL, VALIDATE), SG_COUNT(cases));
}

/* ---- limits: max_nesting 32 and max_arguments 32 (the defaults) ---- */

static char *nested_ifs(size_t n, const char *inner)
{
    sgt_buf b = {0};
    for (size_t i = 0; i < n; i++)
        sgt_buf_str(&b, "if true {\n");
    sgt_buf_str(&b, inner);
    for (size_t i = 0; i < n; i++)
        sgt_buf_str(&b, "}\n");
    return sgt_buf_take(&b);
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
    sgt_buf b = {0};
    sgt_buf_str(&b, head);
    for (size_t i = 0; i < n; i++)
        sgt_buf_str(&b, unit);
    sgt_buf_str(&b, tail);
    return sgt_buf_take(&b);
}

static char *nested_anyof(size_t n)
{
    sgt_buf b = {0};
    sgt_buf_str(&b, "if ");
    for (size_t i = 0; i < n; i++)
        sgt_buf_str(&b, "anyof (");
    sgt_buf_str(&b, "true");
    for (size_t i = 0; i < n; i++)
        sgt_buf_str(&b, ")");
    sgt_buf_str(&b, " { keep; }");
    return sgt_buf_take(&b);
}

static void test_limits(void **state)
{
    (void)state;
    struct {
        const char *name;
        char *script;
        const char *diags;
    } cases[] = {
        {"32 nested blocks are allowed", nested_ifs(32, "keep;\n"), ""},
        /* one "if true {" per line: the error points at the '{' that opens the 33rd block */
        {"33 nested blocks", nested_ifs(33, "keep;\n"),
         "33:9: error: blocks are nested too deeply (more than limit max_nesting 32) [limit-nesting]\n"},
        {"33 nested blocks, the innermost empty", nested_ifs(33, ""),
         "33:9: error: blocks are nested too deeply (more than limit max_nesting 32) [limit-nesting]\n"},
        {"32 nested tests are allowed", repeat("if ", "not ", 31, "true { keep; }"), ""},
        {"33 nested tests", repeat("if ", "not ", 32, "true { keep; }"),
         "1:132: error: tests are nested too deeply (more than limit max_nesting 32) [limit-nesting]\n"},
        {"33 nested test lists", nested_anyof(32),
         "1:228: error: tests are nested too deeply (more than limit max_nesting 32) [limit-nesting]\n"},
        {"32 arguments are within the limit", repeat("keep", " \"a\"", 32, ";"),
         "1:6: error: 'keep' takes no arguments, but got a string [too-many-arguments]\n"},
        {"33 arguments", repeat("keep", " \"a\"", 33, ";"),
         "1:1: error: too many arguments for 'keep' (33 > limit max_arguments 32) [limit-arguments]\n"},
        {"33 arguments: the block is still checked", repeat("if", " \"a\"", 33, " true { frobnicate; }"),
         "1:1: error: too many arguments for 'if' (33 > limit max_arguments 32) [limit-arguments]\n"
         "1:143: error: unknown command 'frobnicate' [unknown-command]\n"},
    };
    int failures = 0;
    for (size_t i = 0; i < SG_COUNT(cases); i++) {
        char *got = sgt_diags_of(cases[i].script, 0, NULL, VALIDATE);
        sgt_expect(&failures, cases[i].name, "diagnostics", cases[i].script, 0, cases[i].diags, got);
        free(got);
        free(cases[i].script);
    }
    sgt_finish(failures, SG_COUNT(cases));
}

/* ---- encoded-character (RFC 5228 §2.4.2.4) ---- */

typedef struct {
    const char *name;
    const char *key; /* the text between the quotes of the key string */
    const char *value;
    size_t value_len; /* 0: strlen(value) */
    const char *diags;
} encoded_case;

#define EC_PREFIX "require \"encoded-character\";\nif header \"Subject\" \""
#define EC_SUFFIX "\" { keep; }"

static const encoded_case encoded_cases[] = {
    /* the examples of RFC 5228 §2.4.2.4 */
    {"RFC example: $${hex:40}", "$${hex:40}", "$@", 0, ""},
    {"RFC example: ${hex: 40 }", "${hex: 40 }", "@", 0, ""},
    {"RFC example: ${HEX: 40}", "${HEX: 40}", "@", 0, ""},
    {"RFC example: ${hex:40 (unterminated)", "${hex:40", "${hex:40", 0, ""},
    {"RFC example: ${hex:400}", "${hex:400}", "${hex:400}", 0, ""},
    {"RFC example: ${hex:4${hex:30}}", "${hex:4${hex:30}}", "${hex:40}", 0, ""},
    {"RFC example: ${unicode:40}", "${unicode:40}", "@", 0, ""},
    {"RFC example: ${ unicode:40}", "${ unicode:40}", "${ unicode:40}", 0, ""},
    {"RFC example: ${UNICODE:40}", "${UNICODE:40}", "@", 0, ""},
    {"RFC example: ${UnICoDE:0000040}", "${UnICoDE:0000040}", "@", 0, ""},
    {"RFC example: ${Unicode:40}", "${Unicode:40}", "@", 0, ""},
    {"RFC example: ${Unicode:Cool}", "${Unicode:Cool}", "${Unicode:Cool}", 0, ""},
    {"RFC example: ${unicode:200000} is an error", "${unicode:200000}", NULL, 0,
     "2:21: error: invalid Unicode value in \"${unicode:200000}\" (allowed: 0-D7FF and E000-10FFFF, RFC 5228 "
     "§2.4.2.4) [encoded-character]\n"},
    {"RFC example: ${Unicode:DF01} is an error", "${Unicode:DF01}", NULL, 0,
     "2:21: error: invalid Unicode value in \"${Unicode:DF01}\" (allowed: 0-D7FF and E000-10FFFF, RFC 5228 "
     "§2.4.2.4) [encoded-character]\n"},
    {"RFC example: $${hex:24 24}", "$${hex:24 24}", "$$$", 0, ""},
    /* more */
    {"hex pairs separated by CRLF and tab", "${hex:\r\n 40\t41 }", "@A", 0, ""},
    {"hex with no pair is left alone", "${hex:}", "${hex:}", 0, ""},
    {"hex 00 gives a NUL byte", "${hex:00}a", "\0a", 2, ""},
    {"several unicode characters", "${unicode:1F600 e9}", "\xf0\x9f\x98\x80\xc3\xa9", 0, ""},
    {"out-of-range value in a malformed sequence is no error", "x${unicode:200000 y}", "x${unicode:200000 y}", 0,
     ""},
    {"too many hex digits for unicode is an error", "${unicode:FFFFFFFFF}", NULL, 0,
     "2:21: error: invalid Unicode value in \"${unicode:FFFFFFFFF}\" (allowed: 0-D7FF and E000-10FFFF, RFC 5228 "
     "§2.4.2.4) [encoded-character]\n"},
};

static const sg_string *key_of(const sg_script *s, int command_index)
{
    const sg_node *n = s->commands;
    for (int i = 0; i < command_index && n; i++)
        n = n->next;
    if (!n || !n->tests || !n->tests->args || !n->tests->args->next)
        return NULL;
    const sg_arg *a = n->tests->args->next;
    return a->kind == SG_ARG_STRING ? &a->u.string : NULL;
}

static void check_value(int *failures, const char *name, const char *script, const sg_string *s, const char *value,
                        size_t value_len)
{
    size_t len = value_len ? value_len : strlen(value);
    if (!s) {
        (*failures)++;
        print_error("FAILED case '%s': key string not found in the AST\n", name);
        return;
    }
    sgt_buf b = {0};
    sgt_buf_escaped(&b, s->data, s->len);
    char *got = sgt_buf_take(&b);
    sgt_buf_escaped(&b, value, len);
    char *want = sgt_buf_take(&b);
    sgt_expect(failures, name, "decoded value", script, 0, want, got);
    if (strcmp(want, got) == 0 && (s->len != len || s->data[s->len] != '\0')) {
        (*failures)++;
        print_error("FAILED case '%s': len %u, expected %zu, or not NUL-terminated\n", name, s->len, len);
    }
    free(got);
    free(want);
}

static void test_encoded_character(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < SG_COUNT(encoded_cases); i++) {
        const encoded_case *c = &encoded_cases[i];
        sgt_buf b = {0};
        sgt_buf_str(&b, EC_PREFIX);
        sgt_buf_str(&b, c->key);
        sgt_buf_str(&b, EC_SUFFIX);
        char *script = sgt_buf_take(&b);
        sgt_result r;
        sgt_run(&r, script, 0, NULL, VALIDATE);
        sgt_expect(&failures, c->name, "diagnostics", script, 0, c->diags, r.rendered);
        if (c->value)
            check_value(&failures, c->name, script, key_of(r.script, 1), c->value, c->value_len);
        sgt_result_free(&r);
        free(script);
    }
    sgt_finish(failures, SG_COUNT(encoded_cases));
}

static void test_encoded_character_scope(void **state)
{
    (void)state;
    int failures = 0;
    sgt_result r;

    const char *no_require = "if header \"Subject\" \"${hex:40}${unicode:200000}\" { keep; }";
    sgt_run(&r, no_require, 0, NULL, VALIDATE);
    sgt_expect(&failures, "without require nothing is decoded", "diagnostics", no_require, 0, "", r.rendered);
    check_value(&failures, "without require nothing is decoded", no_require, key_of(r.script, 0),
                "${hex:40}${unicode:200000}", 0);
    sgt_result_free(&r);

    const char *text = "require \"encoded-character\";\nif header \"Subject\" text:\n${hex:41}${unicode:e9}\n.\n{ keep; }";
    sgt_run(&r, text, 0, NULL, VALIDATE);
    sgt_expect(&failures, "multi-line strings are decoded", "diagnostics", text, 0, "", r.rendered);
    check_value(&failures, "multi-line strings are decoded", text, key_of(r.script, 1), "A\xc3\xa9\r\n", 0);
    sgt_result_free(&r);

    const char *redirect = "require \"encoded-character\";\nredirect \"a${hex:40}b.c\";";
    sgt_run(&r, redirect, 0, NULL, VALIDATE);
    sgt_expect(&failures, "the address is checked after decoding", "diagnostics", redirect, 0, "", r.rendered);
    sgt_result_free(&r);

    sgt_finish(failures, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_scripts),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_redirect_addresses),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_encoded_character),
        cmocka_unit_test(test_encoded_character_scope),
        /* last: under the sanitizers a crash here ends the process */
        cmocka_unit_test(test_require_number),
    };
    return cmocka_run_group_tests_name("validate", tests, NULL, NULL);
}
