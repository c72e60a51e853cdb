/* test_compare.c - comparators and match types (RFC 4790 §9, RFC 5228 §2.7,
 * RFC 5229 §3.2 captures, RFC 5231 relational). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/core/compare.h"
#include "engine/core/ids.h"

typedef struct {
    int match;
    const char *op; /* relational operator or NULL */
    int cmp;
    const char *value, *key;
    bool expected;
} case_t;

#define OCT SG_CMP_OCTET
#define CASE SG_CMP_ASCII_CASEMAP
#define NUM SG_CMP_ASCII_NUMERIC

static const case_t cases[] = {
    /* :is */
    {SG_MATCH_IS, NULL, CASE, "Hello", "hello", true},
    {SG_MATCH_IS, NULL, OCT, "Hello", "hello", false},
    {SG_MATCH_IS, NULL, OCT, "Hello", "Hello", true},
    {SG_MATCH_IS, NULL, CASE, "", "", true},
    {SG_MATCH_IS, NULL, CASE, "a", "", false},
    {SG_MATCH_IS, NULL, CASE, "caf\xc3\xa9", "CAF\xc3\xa9", true},
    {SG_MATCH_IS, NULL, CASE, "caf\xc3\xa9", "CAF\xc3\x89", false}, /* casemap folds ASCII only */
    /* :contains */
    {SG_MATCH_CONTAINS, NULL, CASE, "The quick brown fox", "BROWN", true},
    {SG_MATCH_CONTAINS, NULL, OCT, "The quick brown fox", "BROWN", false},
    {SG_MATCH_CONTAINS, NULL, OCT, "abc", "", true},
    {SG_MATCH_CONTAINS, NULL, OCT, "", "", true},
    {SG_MATCH_CONTAINS, NULL, OCT, "ab", "abc", false},
    {SG_MATCH_CONTAINS, NULL, OCT, "aaab", "aab", true},
    {SG_MATCH_CONTAINS, NULL, CASE, "xxAAB", "aab", true},
    /* :matches: '*' and '?' and escapes */
    {SG_MATCH_MATCHES, NULL, CASE, "anything", "*", true},
    {SG_MATCH_MATCHES, NULL, CASE, "", "*", true},
    {SG_MATCH_MATCHES, NULL, CASE, "", "?", false},
    {SG_MATCH_MATCHES, NULL, CASE, "abc", "*b*", true},
    {SG_MATCH_MATCHES, NULL, CASE, "abc", "*c", true},
    {SG_MATCH_MATCHES, NULL, CASE, "abc", "a*", true},
    {SG_MATCH_MATCHES, NULL, CASE, "abc", "*a", false},
    {SG_MATCH_MATCHES, NULL, CASE, "abc", "a?c", true},
    {SG_MATCH_MATCHES, NULL, CASE, "ac", "a?c", false},
    {SG_MATCH_MATCHES, NULL, CASE, "a*c", "a\\*c", true},
    {SG_MATCH_MATCHES, NULL, CASE, "abc", "a\\*c", false},
    {SG_MATCH_MATCHES, NULL, CASE, "a?c", "a\\?c", true},
    {SG_MATCH_MATCHES, NULL, CASE, "a\\c", "a\\\\c", true},
    {SG_MATCH_MATCHES, NULL, CASE, "mississippi", "*sip*", true},
    {SG_MATCH_MATCHES, NULL, CASE, "mississippi", "m*s*s*p*i", true},
    {SG_MATCH_MATCHES, NULL, CASE, "mississippi", "m*x*", false},
    {SG_MATCH_MATCHES, NULL, CASE, "MAKE money FAST", "*make*money*fast*", true},
    {SG_MATCH_MATCHES, NULL, OCT, "MAKE money FAST", "*make*money*fast*", false},
    /* '?' is one octet under both comparators, as in Pigeonhole: "é" is two */
    {SG_MATCH_MATCHES, NULL, OCT, "caf\xc3\xa9", "caf?", false},
    {SG_MATCH_MATCHES, NULL, OCT, "caf\xc3\xa9", "caf??", true},
    {SG_MATCH_MATCHES, NULL, CASE, "caf\xc3\xa9", "CAF??", true},
    {SG_MATCH_MATCHES, NULL, CASE, "caf\xc3\xa9", "caf?", false},
    /* i;ascii-numeric (RFC 4790 §9.1.1) */
    {SG_MATCH_IS, NULL, NUM, "0042", "42", true},
    {SG_MATCH_IS, NULL, NUM, "42abc", "42", true},
    {SG_MATCH_IS, NULL, NUM, "abc", "xyz", true}, /* both positive infinity */
    {SG_MATCH_IS, NULL, NUM, "abc", "1", false},
    {SG_MATCH_IS, NULL, NUM, "123456789012345678901234567890", "123456789012345678901234567890", true},
    /* :value (RFC 5231) */
    {SG_MATCH_VALUE, "gt", NUM, "10", "9", true},
    {SG_MATCH_VALUE, "gt", CASE, "10", "9", false}, /* text order */
    {SG_MATCH_VALUE, "ge", NUM, "5", "5", true},
    {SG_MATCH_VALUE, "lt", NUM, "4", "5", true},
    {SG_MATCH_VALUE, "le", NUM, "6", "5", false},
    {SG_MATCH_VALUE, "eq", CASE, "ABC", "abc", true},
    {SG_MATCH_VALUE, "ne", CASE, "ABC", "abd", true},
    {SG_MATCH_VALUE, "gt", NUM, "x", "99999", true}, /* infinity is larger than any number */
    {SG_MATCH_VALUE, "lt", NUM, "99999999999999999999", "x", true},
};

static void test_match_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const case_t *c = &cases[i];
        sg_relop op = c->op ? sg_relop_parse(c->op) : SG_REL_NONE;
        bool got = sg_match(c->match, op, c->cmp, c->value, strlen(c->value), c->key, strlen(c->key), NULL);
        if (got != c->expected)
            fail_msg("case %zu: value \"%s\" key \"%s\" match %d cmp %d: got %d, expected %d", i, c->value, c->key,
                     c->match, c->cmp, got, c->expected);
    }
}

static void expect_caps(const char *value, const char *pattern, const char *const *want, unsigned n)
{
    sg_captures caps;
    memset(&caps, 0, sizeof caps);
    assert_true(sg_match(SG_MATCH_MATCHES, SG_REL_NONE, SG_CMP_ASCII_CASEMAP, value, strlen(value), pattern,
                         strlen(pattern), &caps));
    assert_int_equal(caps.count, n);
    for (unsigned i = 0; i < n; i++) {
        char got[256];
        snprintf(got, sizeof got, "%.*s", (int)caps.len[i], caps.start[i]);
        assert_string_equal(got, want[i]);
    }
}

/* RFC 5229 §3.2 examples: wildcards match as little as possible. */
static void test_captures(void **state)
{
    (void)state;
    const char *const a[] = {"[acme-users] [fwd] version 1.0 is out", "acme-users", "[fwd] version 1.0 is out"};
    expect_caps("[acme-users] [fwd] version 1.0 is out", "[*] *", a, 3);
    const char *const b[] = {"coyote@ACME.Example.COM", "", "ACME.Example"};
    expect_caps("coyote@ACME.Example.COM", "coyote@**.com", b, 3);
    const char *const c[] = {"Developers <dev.lists.example.com>", "Developers ", "dev.lists.example.com"};
    expect_caps("Developers <dev.lists.example.com>", "*<*>", c, 3);
    const char *const d[] = {"abc", "a", "b", "c"};
    expect_caps("abc", "???", d, 4);
    const char *const e[] = {"aXbXc", "a", "bXc"};
    expect_caps("aXbXc", "*X*", e, 3);
}

static void test_relop_parse(void **state)
{
    (void)state;
    assert_int_equal(sg_relop_parse("GT"), SG_REL_GT);
    assert_int_equal(sg_relop_parse("ne"), SG_REL_NE);
    assert_int_equal(sg_relop_parse("gte"), SG_REL_NONE);
    assert_int_equal(sg_relop_parse(""), SG_REL_NONE);
}

/* A pathological pattern stays fast: the matcher backtracks only to the last '*'. */
static void test_matches_is_linear(void **state)
{
    (void)state;
    static char value[200001];
    memset(value, 'a', sizeof value - 1);
    assert_false(sg_match(SG_MATCH_MATCHES, SG_REL_NONE, SG_CMP_OCTET, value, sizeof value - 1,
                          "*a*a*a*a*a*a*a*a*b", 18, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_table),
        cmocka_unit_test(test_captures),
        cmocka_unit_test(test_relop_parse),
        cmocka_unit_test(test_matches_is_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
