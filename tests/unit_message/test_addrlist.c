/* test_addrlist.c - address lists (RFC 5322 §3.4) and envelope paths
 * (RFC 5321 §4.1.2) in engine/mail/addrlist.c.
 *
 * Each mailbox renders as "VALID|LOCAL|DOMAIN|RAW\n" (C-escaped, NULL as
 * "(null)"), so a case asserts the count and every field of every mailbox.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/mail/addrlist.h"
#include "base/arena.h"
#include "tests/unit_message/msg_test.h"

typedef struct {
    const char *name;
    const char *value;
    const char *expected;
    size_t len; /* when the value holds NUL bytes; 0 = strlen */
} list_case;

#define INVALID(raw) "0|(null)|(null)|" raw "\n"

static const list_case list_cases[] = {
    /* §3.4 basic forms */
    {"addr-spec", "a@b.c", "1|a|b.c|a@b.c\n", 0},
    {"name-addr", "Joe <joe@ex.com>", "1|joe|ex.com|Joe <joe@ex.com>\n", 0},
    {"angle only", "<a@b>", "1|a|b|<a@b>\n", 0},
    {"quoted display name with comma", "\"Doe, John\" <jd@ex.com>", "1|jd|ex.com|\\\"Doe, John\\\" <jd@ex.com>\n", 0},
    {"quoted display name with angle", "\"a <b@c>\" <d@e.f>", "1|d|e.f|\\\"a <b@c>\\\" <d@e.f>\n", 0},
    {"several addresses", "a@b.c, Joe <d@e.f>,\"G\" <g@h.i>",
     "1|a|b.c|a@b.c\n1|d|e.f|Joe <d@e.f>\n1|g|h.i|\\\"G\\\" <g@h.i>\n", 0},
    {"surrounding whitespace", "  \t a@b.c \t ", "1|a|b.c|a@b.c\n", 0},

    /* display names with encoded words (raw, not decoded) */
    {"encoded display names", "=?utf-8?q?J=C3=B6rg?= <j@x.y>, J\xC3\xB6rg <k@x.y>",
     "1|j|x.y|=?utf-8?q?J=C3=B6rg?= <j@x.y>\n1|k|x.y|J\\xC3\\xB6rg <k@x.y>\n", 0},
    {"encoded word holding a comma", "=?utf-8?q?Doe,_John?= <jd@x.y>", "1|jd|x.y|=?utf-8?q?Doe,_John?= <jd@x.y>\n", 0},
    {"encoded word holding an angle", "=?utf-8?q?a<b>?= <jd@x.y>", "1|jd|x.y|=?utf-8?q?a<b>?= <jd@x.y>\n", 0},
    {"lenient display name", "joe@home <a@b>", "1|a|b|joe@home <a@b>\n", 0},
    {"8-bit display name and local part", "J\xF6rg <j\xC3\xB6rg@ex.com>",
     "1|j\\xC3\\xB6rg|ex.com|J\\xF6rg <j\\xC3\\xB6rg@ex.com>\n", 0},

    /* §3.2.2 comments anywhere */
    {"comments and obs-route", "Joe (c1) <@r1,@r2:joe(c2)@ex (c3) . com>",
     "1|joe|ex.com|Joe (c1) <@r1,@r2:joe(c2)@ex (c3) . com>\n", 0},
    {"leading and trailing comments", "(lead) a@b.c (trail)", "1|a|b.c|(lead) a@b.c (trail)\n", 0},
    {"comment with comma and nesting", "a@b.c (x, (y) z), d@e.f", "1|a|b.c|a@b.c (x, (y) z)\n1|d|e.f|d@e.f\n", 0},
    {"escaped paren in comment", "a@b.c (x \\) y), d@e.f", "1|a|b.c|a@b.c (x \\\\) y)\n1|d|e.f|d@e.f\n", 0},
    {"comment only", "(nobody)", "", 0},
    {"CFWS inside obs-local-part and domain", "a . b @ c . d", "1|a.b|c.d|a . b @ c . d\n", 0},

    /* §3.2.4 quoted local parts */
    {"quoted local part", "\"x y\"@d.e", "1|x y|d.e|\\\"x y\\\"@d.e\n", 0},
    {"quoted-pairs resolved", "\"a\\\"b\\\\c\"@d.e", "1|a\\\"b\\\\c|d.e|\\\"a\\\\\\\"b\\\\\\\\c\\\"@d.e\n", 0},
    {"quoted local in angle", "Name <\"a.b c\"@d.e>", "1|a.b c|d.e|Name <\\\"a.b c\\\"@d.e>\n", 0},
    {"quoted and atom (obs)", "\"a b\".c@d", "1|a b.c|d|\\\"a b\\\".c@d\n", 0},
    {"empty quoted local part", "\"\"@d.e", "1||d.e|\\\"\\\"@d.e\n", 0},

    /* lenient local parts, as Pigeonhole (RFC 5322 §4.4) */
    {"double dot local", "a..b@c.d", "1|a..b|c.d|a..b@c.d\n", 0},
    {"leading dot local", ".a@b.c", "1|.a|b.c|.a@b.c\n", 0},
    {"trailing dot local", "a.@b.c", "1|a.|b.c|a.@b.c\n", 0},

    /* §3.4 groups */
    {"group members", "friends: a@b.c, \"x y\"@d.e;, z@f",
     "1|a|b.c|a@b.c\n1|x y|d.e|\\\"x y\\\"@d.e\n1|z|f|z@f\n", 0},
    {"empty group", "undisclosed-recipients:;", "", 0},
    {"empty group with comment", "Undisclosed recipients: (none) ;", "", 0},
    {"empty group then address", "g: ;, a@b.c", "1|a|b.c|a@b.c\n", 0},
    {"two groups", "g1: a@b.c; g2: Joe <d@e.f>;", "1|a|b.c|a@b.c\n1|d|e.f|Joe <d@e.f>\n", 0},
    {"quoted group name", "\"My Group\": a@b.c;", "1|a|b.c|a@b.c\n", 0},
    {"group without ';'", "grp: a@b", "1|a|b|a@b\n", 0},
    {"nested group is invalid", "g: h: a@b;", INVALID("h: a@b"), 0},
    {"lone colon", ":", "", 0},
    {"lone semicolon", ";", "", 0},

    /* §4.4 obsolete routes */
    {"obs-route", "<@r1,@r2:joe@ex>", "1|joe|ex|<@r1,@r2:joe@ex>\n", 0},
    {"obs-route with empty elements", "<@r1,,@r2:joe@ex>, x@y", "1|joe|ex|<@r1,,@r2:joe@ex>\n1|x|y|x@y\n", 0},
    {"route without colon", "<@a.b>", INVALID("<@a.b>"), 0},

    /* domain literals (§3.4.1) */
    {"domain literals", "x@[1.2.3.4], \"Joe\" <y@[IPv6:::1]>",
     "1|x|[1.2.3.4]|x@[1.2.3.4]\n1|y|[IPv6:::1]|\\\"Joe\\\" <y@[IPv6:::1]>\n", 0},
    {"unterminated literal", "x@[1.2.3", INVALID("x@[1.2.3"), 0},

    /* empty elements (§4.4 obs-addr-list) */
    {"empty value", "", "", 0},
    {"blank value", "   ", "", 0},
    {"commas only", ",,,", "", 0},
    {"empty elements and trailing comma", "a@b.c,, ,d@e.f,", "1|a|b.c|a@b.c\n1|d|e.f|d@e.f\n", 0},
    {"semicolon as separator", "a@b.c; d@e.f", "1|a|b.c|a@b.c\n1|d|e.f|d@e.f\n", 0},

    /* invalid addresses: raw text kept, no local part or domain */
    {"no domain", "user", INVALID("user"), 0},
    {"no domain among valid", "a@b.c, bad, d@e.f", "1|a|b.c|a@b.c\n" INVALID("bad") "1|d|e.f|d@e.f\n", 0},
    {"null path in header", "<>", INVALID("<>"), 0},
    {"no local part", "@b", INVALID("@b"), 0},
    {"empty domain", "a@", INVALID("a@"), 0},
    {"empty domain label", "a@b..c", INVALID("a@b..c"), 0},
    {"leading dot domain", "a@.b", INVALID("a@.b"), 0},
    {"trailing dot domain", "a@b.", INVALID("a@b."), 0},
    {"two at signs", "a@b@c", INVALID("a@b@c"), 0},
    {"two addresses without comma", "a@b c@d", INVALID("a@b c@d"), 0},
    {"words without dots", "John Smith j@x", INVALID("John Smith j@x"), 0},
    {"text after angle", "<a@b> x", INVALID("<a@b> x"), 0},
    {"two angle addresses", "a <b@c> <d@e>", INVALID("a <b@c> <d@e>"), 0},

    /* unbalanced quotes, angle brackets, parentheses */
    {"unterminated quote", "\"unterminated <a@b.c>", INVALID("\\\"unterminated <a@b.c>"), 0},
    {"unterminated quote after address", "a@b.c, \"x", "1|a|b.c|a@b.c\n" INVALID("\\\"x"), 0},
    {"lone quote", "\"", INVALID("\\\""), 0},
    {"missing '>'", "Name <a@b.c", INVALID("Name <a@b.c"), 0},
    {"missing '>' mid-list", "a@b.c, Name <x@y, d@e.f", "1|a|b.c|a@b.c\n" INVALID("Name <x@y") "1|d|e.f|d@e.f\n", 0},
    {"stray '>'", "a@b.c>", INVALID("a@b.c>"), 0},
    {"lone '<'", "<", INVALID("<"), 0},
    {"lone '>'", ">", INVALID(">"), 0},
    {"lone '@'", "@", INVALID("@"), 0},
    {"unclosed comment", "a@b.c (unclosed comment", INVALID("a@b.c (unclosed comment"), 0},
    {"unclosed comment later", "a@b.c, d@e.f (x", "1|a|b.c|a@b.c\n" INVALID("d@e.f (x"), 0},
    {"only open parens", "((((", INVALID("(((("), 0},
    {"stray ')'", "a@b.c)", INVALID("a@b.c)"), 0},
    {"NUL byte", "a@b.c, x\0y@d.e", "1|a|b.c|a@b.c\n" INVALID("x"), MT_LEN("a@b.c, x\0y@d.e")},
    {"control byte", "a\x01@b.c", INVALID("a\\x01@b.c"), 0},
};

static char *render(const sg_mailbox *mb, size_t n)
{
    mt_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        mt_str(&b, mb[i].valid ? "1|" : "0|");
        mt_escz(&b, mb[i].local);
        mt_str(&b, "|");
        mt_escz(&b, mb[i].domain);
        mt_str(&b, "|");
        mt_escz(&b, mb[i].raw);
        mt_str(&b, "\n");
    }
    return mt_take(&b);
}

static void test_list_table(void **state)
{
    (void)state;
    int failures = 0;
    size_t n = sizeof list_cases / sizeof list_cases[0];
    for (size_t i = 0; i < n; i++) {
        const list_case *c = &list_cases[i];
        size_t len = c->len ? c->len : strlen(c->value);
        sg_arena *a = sg_arena_new();
        sg_mailbox *mb = NULL;
        size_t count = sg_addrlist_parse(c->value, len, a, &mb);
        assert_non_null(mb);
        char *got = render(mb, count);
        mt_expect(&failures, c->name, c->value, len, c->expected, got);
        free(got);
        sg_arena_free(a);
    }
    mt_finish(failures, n);
}

typedef struct {
    const char *name;
    const char *value;
    const char *expected; /* "RETURN|VALID|LOCAL|DOMAIN|RAW" */
} env_case;

static const env_case env_cases[] = {
    {"empty is the null path", "", "1|1|||"},
    {"<> is the null path", "<>", "1|1|||"},
    {"<> with spaces", "  <>  ", "1|1|||"},
    {"plain", "a@b.c", "1|1|a|b.c|a@b.c"},
    {"bracketed", "<a@b.c>", "1|1|a|b.c|a@b.c"},
    {"trailing whitespace", " <a@b.c>\r\n", "1|1|a|b.c|a@b.c"},
    {"source route", "<@r1,@r2:a@b.c>", "1|1|a|b.c|@r1,@r2:a@b.c"},
    {"quoted local part", "\"x y\"@b.c", "1|1|x y|b.c|\\\"x y\\\"@b.c"},
    {"quoted-pair", "<\"a\\\"b\"@b.c>", "1|1|a\\\"b|b.c|\\\"a\\\\\\\"b\\\"@b.c"},
    {"address literal", "a@[1.2.3.4]", "1|1|a|[1.2.3.4]|a@[1.2.3.4]"},
    {"postmaster", "postmaster", "1|1|postmaster|(null)|postmaster"},
    {"Postmaster bracketed", "<Postmaster>", "1|1|Postmaster|(null)|Postmaster"},
    {"lenient local part", "a..b@c.d", "1|1|a..b|c.d|a..b@c.d"},
    {"UTF-8 local part", "j\xC3\xB6rg@ex.com", "1|1|j\\xC3\\xB6rg|ex.com|j\\xC3\\xB6rg@ex.com"},
    {"no domain", "user", "0|0|(null)|(null)|user"},
    {"missing '>'", "<a@b.c", "0|0|(null)|(null)|<a@b.c"},
    {"stray '>'", "a@b.c>", "0|0|(null)|(null)|a@b.c>"},
    {"lone '<'", "<", "0|0|(null)|(null)|<"},
    {"empty domain", "a@", "0|0|(null)|(null)|a@"},
    {"no local part", "@b.c", "0|0|(null)|(null)|@b.c"},
    {"empty label", "a@b..c", "0|0|(null)|(null)|a@b..c"},
    {"space in local part", "a b@c", "0|0|(null)|(null)|a b@c"},
    {"route without mailbox", "<@r:>", "0|0|(null)|(null)|@r:"},
    {"route without colon", "<@r>", "0|0|(null)|(null)|@r"},
    {"unterminated quote", "\"a@b.c", "0|0|(null)|(null)|\\\"a@b.c"},
    {"unterminated literal", "a@[1.2", "0|0|(null)|(null)|a@[1.2"},
    {"text after literal", "a@[1.2]x", "0|0|(null)|(null)|a@[1.2]x"},
};

static void test_envelope_table(void **state)
{
    (void)state;
    int failures = 0;
    size_t n = sizeof env_cases / sizeof env_cases[0];
    for (size_t i = 0; i < n; i++) {
        const env_case *c = &env_cases[i];
        sg_arena *a = sg_arena_new();
        sg_mailbox mb;
        memset(&mb, 0xAB, sizeof mb);
        bool ok = sg_envelope_address_parse(c->value, a, &mb);
        mt_buf b = {0};
        mt_str(&b, ok ? "1|" : "0|");
        char *rest = render(&mb, 1);
        rest[strlen(rest) - 1] = '\0'; /* drop the newline */
        mt_str(&b, rest);
        free(rest);
        char *got = mt_take(&b);
        mt_expect(&failures, c->name, c->value, strlen(c->value), c->expected, got);
        free(got);
        sg_arena_free(a);
    }
    mt_finish(failures, n);
}

/* 100,000 addresses in one 2 MB field, and pathological unbalanced input. */
static void test_large_lists(void **state)
{
    (void)state;
    const size_t n = 100000;
    char *v = malloc(n * 24 + 1);
    assert_non_null(v);
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(v + len, "u%zu <u%zu@ex.com>, ", i, i);
    sg_arena *a = sg_arena_new();
    sg_mailbox *mb = NULL;
    assert_int_equal(sg_addrlist_parse(v, len, a, &mb), n);
    assert_true(mb[n - 1].valid);
    assert_string_equal(mb[n - 1].local, "u99999");
    assert_string_equal(mb[n - 1].domain, "ex.com");
    assert_string_equal(mb[n - 1].raw, "u99999 <u99999@ex.com>");
    sg_arena_free(a);

    /* 2 MB of one special, or of "=?", stays linear: one invalid element */
    static const char units[] = {'(', '<', '"', '[', ':', '@'};
    for (size_t u = 0; u < sizeof units; u++) {
        memset(v, units[u], n * 20);
        a = sg_arena_new();
        size_t count = sg_addrlist_parse(v, n * 20, a, &mb);
        assert_true(count <= 1);
        sg_arena_free(a);
    }
    for (size_t i = 0; i + 1 < n * 20; i += 2)
        v[i] = '=', v[i + 1] = '?';
    a = sg_arena_new();
    assert_int_equal(sg_addrlist_parse(v, n * 20, a, &mb), 1);
    assert_false(mb[0].valid);
    sg_arena_free(a);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_table),
        cmocka_unit_test(test_envelope_table),
        cmocka_unit_test(test_large_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
