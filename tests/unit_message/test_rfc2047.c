/* test_rfc2047.c - RFC 2047 encoded-word decoding (engine/mail/rfc2047.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/mail/rfc2047.h"
#include "base/arena.h"
#include "tests/unit_message/msg_test.h"

typedef struct {
    const char *name;
    const char *in;
    const char *out; /* NULL: returned unchanged (the same pointer) */
} dec_case;

static const dec_case cases[] = {
    /* nothing to decode */
    {"plain text", "hello world", NULL},
    {"empty", "", NULL},
    {"lone =?", "a =? b", NULL},
    {"8-bit text only", "caf\xE9", NULL},

    /* §4.1 B and §4.2 Q */
    {"Q utf-8", "=?utf-8?q?caf=C3=A9?=", "caf\xC3\xA9"},
    {"B utf-8", "=?UTF-8?B?Y2Fmw6k=?=", "caf\xC3\xA9"},
    {"mixed-case charset and B", "=?UtF-8?b?Y2Fmw6k=?=", "caf\xC3\xA9"},
    {"Q lower-case hex", "=?UTF-8?Q?=c3=a9?=", "\xC3\xA9"},
    {"Q underscore is space", "=?utf-8?q?hi_there?=", "hi there"},
    {"Q =5F is underscore", "=?utf-8?q?a_=5F?=", "a _"},
    {"Q =3F is question mark", "=?utf-8?Q?x=3f?=", "x?"},
    {"Q '=' without hex kept", "=?utf-8?q?=41=4?=", "A=4"},
    {"Q '=' with non-hex kept", "=?utf-8?q?=ZZ?=", "=ZZ"},
    {"B without padding", "=?utf-8?B?YWJ?=", "ab"},
    {"B one pad", "=?utf-8?b?YWI=?=", "ab"},
    {"B two pads", "=?utf-8?b?YQ==?=", "a"},
    {"empty encoded text", "=?utf-8?q?" "?=", ""},
    {"empty B text", "=?utf-8?b?" "?=", ""},
    {"two empty words", "=?utf-8?q?" "?= =?utf-8?b?" "?=", ""},
    {"us-ascii", "=?us-ascii?q?Hello?=", "Hello"},

    /* charsets through iconv */
    {"iso-8859-1", "=?iso-8859-1?q?caf=E9?=", "caf\xC3\xA9"},
    {"ISO-8859-15 euro", "=?ISO-8859-15?Q?=A4?=", "\xE2\x82\xAC"},
    {"windows-1252", "=?windows-1252?q?=80?=", "\xE2\x82\xAC"},
    {"iso-2022-jp (stateful)", "=?iso-2022-jp?B?GyRCJEgbKEI=?=", "\xE3\x81\xA8"},
    {"utf-16be", "=?utf-16be?B?AEEAQg==?=", "AB"},
    {"koi8-r", "=?koi8-r?B?8NLJ18XU?=", "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"},

    /* RFC 2231 §5 language suffix */
    {"language suffix", "=?utf-8*en?Q?hi_there?=", "hi there"},
    {"language suffix iso", "=?ISO-8859-1*fr?q?=E9t=E9?=", "\xC3\xA9t\xC3\xA9"},
    {"language only", "=?*en?q?a?=", NULL},

    /* §6.2 whitespace between adjacent words */
    {"adjacent words, spaces", "=?utf-8?q?a?=   =?utf-8?q?b?=", "ab"},
    {"adjacent words, tab", "=?utf-8?q?a?=\t=?utf-8?q?b?=", "ab"},
    {"adjacent words, folded", "=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab"},
    {"adjacent words, then text", "=?utf-8?q?a?= \t=?utf-8?q?b?= c", "ab c"},
    {"text between words kept", "=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b"},
    {"different charsets adjacent", "=?iso-8859-1?q?caf=E9?= =?utf-8?q?_bar?=", "caf\xC3\xA9 bar"},
    {"word then text", "=?utf-8?q?a?= b", "a b"},
    {"text then word", "Re: =?utf-8?q?caf=C3=A9?=", "Re: caf\xC3\xA9"},

    /* lenient: words glued to text or to each other */
    {"glued to text", "pre=?utf-8?q?a_b?=post", "prea bpost"},
    {"glued after", "x =?utf-8?q?a?=y", "x ay"},
    {"glued words", "=?utf-8?q?a?==?utf-8?q?b?=", "ab"},
    {"glued B words", "=?utf-8?B?Y2Fm?==?utf-8?B?w6k=?=", "caf\xC3\xA9"},
    {"in parentheses", "(=?utf-8?q?a?=)", "(a)"},
    {"in quotes", "\"=?utf-8?q?a?=\"", "\"a\""},
    {"extra =? before word", "=?=?utf-8?q?a?=", "=?a"},

    /* a character split across two words */
    {"Q split UTF-8", "=?utf-8?q?=C3?= =?utf-8?q?=A9?=", "\xC3\xA9"},
    {"B split UTF-8", "=?utf-8?B?ww==?= =?UTF-8?B?qQ==?=", "\xC3\xA9"},

    /* malformed: left exactly as written */
    {"invalid base64", "=?utf-8?B?!!!?=", NULL},
    {"base64 data after pad", "=?utf-8?B?YW=J?=", NULL},
    {"base64 lone sextet", "=?utf-8?B?YWJjZ?=", NULL},
    {"unknown charset", "=?bogus-cs?q?abc?=", NULL},
    {"unknown charset, empty text", "=?bogus?q?" "?=", NULL},
    {"unknown charset, empty words", "=?bogus?q?" "?= =?bogus?b?" "?=", NULL},
    {"unknown encoding", "=?utf-8?x?abc?=", NULL},
    {"unterminated", "=?utf-8?q?abc", NULL},
    {"missing encoding", "=?utf-8??abc?=", NULL},
    {"space in text", "=?utf-8?q?a b?=", NULL},
    {"question mark in text", "=?utf-8?q?a?b?=", NULL},
    {"empty charset", "=??q?a?=", NULL},
    {"charset too long", "=?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?q?a?=", NULL},
    {"invalid UTF-8 after decoding", "=?utf-8?q?=FF?=", NULL},
    {"truncated UTF-8", "=?utf-8?q?=C3?=", NULL},
    {"invalid in iso-2022-jp", "=?iso-2022-jp?q?=FF?=", NULL},
    {"malformed next to good", "=?utf-8?q?a?=  =?utf-8?x?b?=", "a  =?utf-8?x?b?="},
    {"bad word in a run", "=?utf-8?q?ok?= =?utf-8?q?=FF?=", "ok =?utf-8?q?=FF?="},
    {"good after bad", "=?bogus?q?x?= =?utf-8?q?y?=", "=?bogus?q?x?= y"},
    {"8-bit text kept next to word", "caf\xE9 =?utf-8?q?x?=", "caf\xE9 x"},
};

static void test_decode_table(void **state)
{
    (void)state;
    int failures = 0;
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        sg_arena *a = sg_arena_new();
        const dec_case *c = &cases[i];
        size_t inlen = strlen(c->in), outlen = 12345;
        const char *got = sg_rfc2047_decode(c->in, inlen, a, &outlen);
        mt_buf b = {0};
        if (got == c->in && outlen == inlen) {
            mt_str(&b, "(unchanged)");
        } else {
            mt_esc(&b, got, outlen);
            if (got[outlen] != '\0')
                mt_str(&b, " (not NUL-terminated)");
        }
        char *actual = mt_take(&b);
        mt_buf e = {0};
        if (c->out)
            mt_escz(&e, c->out);
        else
            mt_str(&e, "(unchanged)");
        char *expected = mt_take(&e);
        mt_expect(&failures, c->name, c->in, inlen, expected, actual);
        free(actual);
        free(expected);
        sg_arena_free(a);
    }
    mt_finish(failures, n);
}

/* The decoder itself keeps a decoded NUL (it returns a length). */
static void test_decoded_nul(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    size_t len = 0;
    const char *in = "=?utf-8?q?a=00b?=";
    const char *out = sg_rfc2047_decode(in, strlen(in), a, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(out, "a\0b", 4);
    sg_arena_free(a);
}

/* Only `len` bytes are read: a word cut by the length is not decoded. */
static void test_length_respected(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    const char *in = "=?utf-8?q?abc?=";
    size_t len = 0;
    const char *out = sg_rfc2047_decode(in, 14, a, &len);
    assert_ptr_equal(out, in);
    assert_int_equal(len, 14);
    out = sg_rfc2047_decode(in, 15, a, &len);
    assert_string_equal(out, "abc");
    assert_int_equal(len, 3);
    sg_arena_free(a);
}

static char *repeat(const char *unit, size_t times, size_t *len)
{
    size_t u = strlen(unit);
    char *s = malloc(u * times + 1);
    assert_non_null(s);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * u, unit, u);
    s[u * times] = '\0';
    *len = u * times;
    return s;
}

/* 300,000 adjacent words (4.2 MB) decode to 300,000 letters in linear time. */
static void test_many_words(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    size_t len, outlen;
    char *in = repeat("=?utf-8?q?a?= ", 300000, &len);
    const char *out = sg_rfc2047_decode(in, len, a, &outlen);
    assert_int_equal(outlen, 300000 + 1); /* the final space stays: it is not between words */
    for (size_t i = 0; i < 300000; i++)
        assert_true(out[i] == 'a');
    assert_int_equal(out[300000], ' ');
    free(in);
    sg_arena_free(a);
}

/* Many alternating charsets: one conversion per word, still linear. */
static void test_many_charset_switches(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    size_t len, outlen;
    char *in = repeat("=?iso-8859-1?q?=E9?= =?utf-8?q?x?= ", 20000, &len);
    const char *out = sg_rfc2047_decode(in, len, a, &outlen);
    assert_int_equal(outlen, 20000 * 3 + 1);
    assert_memory_equal(out, "\xC3\xA9x\xC3\xA9x", 6);
    free(in);
    sg_arena_free(a);
}

/* Pathological near-words of 4 MB are left alone, in linear time. */
static void test_pathological(void **state)
{
    (void)state;
    static const char *units[] = {"=?", "=?a?q?", "=?a?q?x?", "=?a?", "?=", "=?utf-8?B?!?="};
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        sg_arena *a = sg_arena_new();
        size_t len, outlen;
        char *in = repeat(units[u], (4u << 20) / strlen(units[u]), &len);
        const char *out = sg_rfc2047_decode(in, len, a, &outlen);
        assert_ptr_equal(out, in);
        assert_int_equal(outlen, len);
        free(in);
        sg_arena_free(a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_table),
        cmocka_unit_test(test_decoded_nul),
        cmocka_unit_test(test_length_respected),
        cmocka_unit_test(test_many_words),
        cmocka_unit_test(test_many_charset_switches),
        cmocka_unit_test(test_pathological),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
