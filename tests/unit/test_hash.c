/* test_hash.c - hashing through Nettle (base/hash.h): SHA-1 and SHA-256 on
 * the FIPS 180 examples, HMAC-SHA1 on RFC 2202's seven cases, HMAC-SHA256 on
 * RFC 4231's, the same digests fed in pieces, many contexts one after
 * another and side by side.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/hex.h"

/* ---- the real library ---- */

static void hex(const unsigned char *d, size_t n, char *out)
{
    sg_hex_encode(d, n, false, out);
}

/* FIPS 180 examples. */
static void test_sha1(void **state)
{
    (void)state;
    unsigned char d[20];
    char h[41];
    sg_sha1("abc", 3, d);
    hex(d, sizeof d, h);
    assert_string_equal(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
    sg_sha1("", 0, d);
    hex(d, sizeof d, h);
    assert_string_equal(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sg_sha1(two_blocks, sizeof two_blocks - 1, d);
    hex(d, sizeof d, h);
    assert_string_equal(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    char *million = malloc(1000000);
    memset(million, 'a', 1000000);
    sg_sha1(million, 1000000, d);
    hex(d, sizeof d, h);
    assert_string_equal(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    free(million);
}

typedef struct {
    unsigned char key[80];
    size_t keylen;
    unsigned char data[80];
    size_t datalen;
    const char *digest;
} hmac_case;

/* RFC 2202 §3, all seven cases (6 and 7: a key longer than a block). */
static void test_hmac_rfc2202(void **state)
{
    (void)state;
    static hmac_case cases[7];
    memset(cases, 0, sizeof cases);
    memset(cases[0].key, 0x0b, 20), cases[0].keylen = 20;
    memcpy(cases[0].data, "Hi There", 8), cases[0].datalen = 8;
    cases[0].digest = "b617318655057264e28bc0b6fb378c8ef146be00";
    memcpy(cases[1].key, "Jefe", 4), cases[1].keylen = 4;
    memcpy(cases[1].data, "what do ya want for nothing?", 28), cases[1].datalen = 28;
    cases[1].digest = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79";
    memset(cases[2].key, 0xaa, 20), cases[2].keylen = 20;
    memset(cases[2].data, 0xdd, 50), cases[2].datalen = 50;
    cases[2].digest = "125d7342b9ac11cd91a39af48aa17b4f63f175d3";
    for (int i = 0; i < 25; i++)
        cases[3].key[i] = (unsigned char)(i + 1);
    cases[3].keylen = 25;
    memset(cases[3].data, 0xcd, 50), cases[3].datalen = 50;
    cases[3].digest = "4c9007f4026250c6bc8414f9bf50c86c2d7235da";
    memset(cases[4].key, 0x0c, 20), cases[4].keylen = 20;
    memcpy(cases[4].data, "Test With Truncation", 20), cases[4].datalen = 20;
    cases[4].digest = "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04";
    memset(cases[5].key, 0xaa, 80), cases[5].keylen = 80;
    memcpy(cases[5].data, "Test Using Larger Than Block-Size Key - Hash Key First", 54), cases[5].datalen = 54;
    cases[5].digest = "aa4ae5e15272d00e95705637ce8a3b55ed402112";
    memset(cases[6].key, 0xaa, 80), cases[6].keylen = 80;
    memcpy(cases[6].data, "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data", 73);
    cases[6].datalen = 73;
    cases[6].digest = "e8e99d0f45237d786d6bbaa7965c7808bbff1a91";
    for (int i = 0; i < 7; i++) {
        unsigned char d[20];
        char h[41];
        sg_hmac_sha1(cases[i].key, cases[i].keylen, cases[i].data, cases[i].datalen, d);
        hex(d, sizeof d, h);
        assert_string_equal(h, cases[i].digest);
    }
}

/* RFC 4231 §4.2, §4.3 and §4.7 (a key longer than a block); and a kept
 * context: the same key for message after message, as the policy cache uses it. */
static void test_hmac_sha256_rfc4231(void **state)
{
    (void)state;
    char h[65];
    unsigned char key[131], d[32];
    sg_hmac_sha256_ctx m;
    memset(key, 0x0b, 20);
    sg_hmac_sha256_begin(&m, key, 20);
    sg_hmac_sha256_update(&m, "Hi There", 8);
    sg_hmac_sha256_end(&m, d);
    hex(d, sizeof d, h);
    assert_string_equal(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    sg_hmac_sha256_begin(&m, "Jefe", 4);
    for (int round = 0; round < 3; round++) { /* the digest leaves the context keyed */
        sg_hmac_sha256_update(&m, "what do ya want ", 16);
        sg_hmac_sha256_update(&m, "for nothing?", 12);
        sg_hmac_sha256_digest(&m, d);
        hex(d, sizeof d, h);
        assert_string_equal(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
    sg_hmac_sha256_free(&m);
    memset(key, 0xaa, 131);
    static const char data[] = "This is a test using a larger than block-size key and a larger than block-size "
                               "data. The key needs to be hashed before being used by the HMAC algorithm.";
    sg_hmac_sha256_begin(&m, key, 131);
    sg_hmac_sha256_update(&m, data, sizeof data - 1);
    sg_hmac_sha256_end(&m, d);
    hex(d, sizeof d, h);
    assert_string_equal(h, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

/* FIPS 180 examples. */
static void test_sha256(void **state)
{
    (void)state;
    unsigned char d[32];
    char h[65];
    sg_sha256("abc", 3, d);
    hex(d, sizeof d, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sg_sha256("", 0, d);
    hex(d, sizeof d, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sg_sha256(two_blocks, sizeof two_blocks - 1, d);
    hex(d, sizeof d, h);
    assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* a million 'a' in pieces of 1, 63, 64 and 65 bytes */
    char *million = malloc(1000000);
    memset(million, 'a', 1000000);
    sg_sha256_ctx s;
    sg_sha256_begin(&s);
    static const size_t steps[] = {1, 63, 64, 65};
    for (size_t at = 0, k = 0; at < 1000000; k++) {
        size_t n = steps[k % 4] < 1000000 - at ? steps[k % 4] : 1000000 - at;
        sg_sha256_update(&s, million + at, n);
        at += n;
    }
    sg_sha256_end(&s, d);
    hex(d, sizeof d, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
}

/* Many contexts in a row, and two at once. */
static void test_many_contexts(void **state)
{
    (void)state;
    unsigned char a[20], b[20];
    char h[41];
    for (int i = 0; i < 1000; i++) {
        sg_sha1("abc", 3, a);
        hex(a, sizeof a, h);
        assert_string_equal(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
    }
    sg_sha1_ctx x, y;
    sg_sha1_begin(&x);
    sg_sha1_begin(&y);
    sg_sha1_update(&x, "ab", 2);
    sg_sha1_update(&y, "abc", 3);
    sg_sha1_update(&x, "c", 1);
    sg_sha1_end(&y, b);
    sg_sha1_end(&x, a);
    assert_memory_equal(a, b, sizeof a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha1),
        cmocka_unit_test(test_hmac_rfc2202),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_hmac_sha256_rfc4231),
        cmocka_unit_test(test_many_contexts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
