/* test_codec.c - the base layer's text codecs: base64 (RFC 4648 §10 vectors,
 * the padded and IMAP styles, lenient and strict decoding), hex, the atext
 * class, Message-IDs and UTF-8 decoding. Exact bytes, and every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/atext.h"
#include "base/base64.h"
#include "base/hex.h"
#include "base/msgid.h"
#include "base/utf8.h"

/* RFC 4648 §10. */
static void test_base64_vectors(void **state)
{
    (void)state;
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const padded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    static const char *const imap[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char out[SG_BASE64_ENCODED_SIZE(6)];
        size_t n = strlen(plain[i]);
        assert_int_equal(sg_base64_encode(plain[i], n, SG_BASE64_PADDED, out), strlen(padded[i]));
        assert_string_equal(out, padded[i]);
        assert_int_equal(sg_base64_encode(plain[i], n, SG_BASE64_IMAP, out), strlen(imap[i]));
        assert_string_equal(out, imap[i]);
        unsigned char back[SG_BASE64_DECODED_MAX(8)];
        size_t got = 99;
        assert_true(sg_base64_decode(padded[i], strlen(padded[i]), SG_BASE64_STRICT, back, &got));
        assert_int_equal(got, n);
        assert_memory_equal(back, plain[i], n);
        assert_true(sg_base64_decode(imap[i], strlen(imap[i]), SG_BASE64_STRICT, back, &got));
        assert_int_equal(got, n);
        assert_memory_equal(back, plain[i], n);
    }
}

/* The two alphabets differ in the 64th character only. */
static void test_base64_alphabets(void **state)
{
    (void)state;
    static const unsigned char ones[] = {0xFF, 0xFF, 0xFF, 0xFB, 0xEF};
    char out[SG_BASE64_ENCODED_SIZE(5)];
    sg_base64_encode(ones, sizeof ones, SG_BASE64_PADDED, out);
    assert_string_equal(out, "////++8=");
    sg_base64_encode(ones, sizeof ones, SG_BASE64_IMAP, out);
    assert_string_equal(out, ",,,,++8");
}

/* RFC 2045 §6.8: line breaks and other characters skipped, '=' ends the data. */
static void test_base64_lenient(void **state)
{
    (void)state;
    unsigned char out[64];
    size_t n = 0;
    static const char in[] = "Zm9v\r\nYm!F*y\nIGJh=ej0K";
    assert_true(sg_base64_decode(in, sizeof in - 1, SG_BASE64_LENIENT, out, &n));
    assert_int_equal(n, 9);
    assert_memory_equal(out, "foobar ba", 9);
    assert_true(sg_base64_decode("=Zm9v", 5, SG_BASE64_LENIENT, out, &n));
    assert_int_equal(n, 0);
    assert_true(sg_base64_decode("Z", 1, SG_BASE64_LENIENT, out, &n)); /* 6 bits: nothing */
    assert_int_equal(n, 0);
}

/* RFC 2047 §4.1: no character outside the alphabet, '=' only as the last two. */
static void test_base64_strict(void **state)
{
    (void)state;
    unsigned char out[64];
    size_t n = 99;
    static const char *const bad[] = {"Zm9v\r\nYmFy", "Zm9v YmFy", "Zg===", "Zg=x", "Z", "Zm9vY", "Zm=9v", "Zm9v!"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        n = 99;
        assert_false(sg_base64_decode(bad[i], strlen(bad[i]), SG_BASE64_STRICT, out, &n));
        assert_int_equal(n, 0);
    }
    assert_true(sg_base64_decode("Zg", 2, SG_BASE64_STRICT, out, &n)); /* padding may be missing */
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 'f');
}

static void test_hex(void **state)
{
    (void)state;
    char out[16];
    sg_hex_encode("\x00\x7f\xab\xff", 4, false, out);
    assert_string_equal(out, "007fabff");
    sg_hex_encode("\x00\x7f\xab\xff", 4, true, out);
    assert_string_equal(out, "007FABFF");
    char two[3] = "..";
    sg_hex_byte(0xE9, true, two);
    assert_string_equal(two, "E9");
    assert_int_equal(sg_hex_value('0'), 0);
    assert_int_equal(sg_hex_value('9'), 9);
    assert_int_equal(sg_hex_value('a'), 10);
    assert_int_equal(sg_hex_value('F'), 15);
    assert_int_equal(sg_hex_value('g'), -1);
    assert_int_equal(sg_hex_value('/'), -1);
    assert_int_equal(sg_hex_value(0xE9), -1);
    char r[65];
    sg_random_hex(r, 24);
    assert_int_equal(strlen(r), 24);
    assert_int_equal(strspn(r, "0123456789abcdef"), 24);
    sg_random_hex(r, 64);
    assert_int_equal(strlen(r), 64);
}

/* RFC 5322 §3.2.3, and RFC 6532 §3.2's 8-bit bytes. */
static void test_atext(void **state)
{
    (void)state;
    static const char specials[] = "!#$%&'*+-/=?^_`{|}~";
    for (unsigned c = 0; c < 256; c++) {
        bool want = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    (c != 0 && strchr(specials, (int)c) != NULL);
        assert_int_equal(sg_is_atext((unsigned char)c), want);
        assert_int_equal(sg_is_atext_utf8((unsigned char)c), want || c >= 0x80);
    }
}

static void test_message_id(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    assert_string_equal(sg_message_id(a, "abc@example.org", "x", "mx.example.com"), "<abc@example.org>");
    assert_string_equal(sg_message_id(a, "<a b\r\n(c)>", "x", "mx.example.com"), "<abc@mx.example.com>");
    assert_string_equal(sg_message_id(a, "id@[192.0.2.1]", "x", "h"), "<id@[192.0.2.1]>");
    const char *id = sg_message_id(a, "<>\r\n", "mdn.1700000000", "mx.example.com");
    assert_int_equal(strlen(id), strlen("<mdn.1700000000.") + 24 + strlen("@mx.example.com>"));
    assert_memory_equal(id, "<mdn.1700000000.", 16);
    assert_int_equal(strspn(id + 16, "0123456789abcdef"), 24);
    assert_string_equal(id + 40, "@mx.example.com>");
    assert_memory_equal(sg_message_id(a, NULL, "v", "h"), "<v.", 3);
    sg_arena_free(a);
}

static void test_utf8_next(void **state)
{
    (void)state;
    static const unsigned char s[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xC3(\xE2\x82";
    size_t len = sizeof s - 1, i = 0;
    static const uint32_t want[] = {'a', 0xE9, 0x20AC, 0x1F600, 0xFFFD, '(', 0xFFFD, 0xFFFD};
    for (size_t k = 0; k < sizeof want / sizeof *want; k++)
        assert_int_equal(sg_utf8_next(s, len, &i), want[k]);
    assert_int_equal(i, len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_vectors), cmocka_unit_test(test_base64_alphabets),
        cmocka_unit_test(test_base64_lenient), cmocka_unit_test(test_base64_strict),
        cmocka_unit_test(test_hex),            cmocka_unit_test(test_atext),
        cmocka_unit_test(test_message_id),     cmocka_unit_test(test_utf8_next),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
