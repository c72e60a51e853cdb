/* test_srs.c - SHA-1 (FIPS 180 examples), HMAC-SHA1 (RFC 2202 §3, all seven
 * cases) and SRS forward rewriting (engine/deliver/submit.c) against the vectors of
 * postsrsd's own test suite (secret "tops3cr3t", domain example.com, time
 * 1577836860 = 2020-01-01 00:01:00 UTC), with libsrs2's standard base64 hash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/deliver/submit.h"
#include "base/arena.h"

static void hex(const unsigned char d[20], char out[41])
{
    for (int i = 0; i < 20; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void test_sha1(void **state)
{
    (void)state;
    unsigned char d[20];
    char h[41];
    sg_sha1("abc", 3, d);
    hex(d, h);
    assert_string_equal(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
    sg_sha1("", 0, d);
    hex(d, h);
    assert_string_equal(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sg_sha1(two_blocks, sizeof two_blocks - 1, d);
    hex(d, h);
    assert_string_equal(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    char *million = malloc(1000000);
    memset(million, 'a', 1000000);
    sg_sha1(million, 1000000, d);
    hex(d, h);
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
        hex(d, h);
        assert_string_equal(h, cases[i].digest);
    }
}

#define NOW 1577836860

static void test_srs_postsrsd_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        /* regular rewrite */
        {"test@otherdomain.com", "SRS0=vmyz=2W=otherdomain.com=test@example.com"},
        /* the hash is over lower case; the address keeps its case */
        {"TEST@OtherDomain.COM", "SRS0=vmyz=2W=OtherDomain.COM=TEST@example.com"},
        /* postsrsd 2 writes base64url "-3_5" and reads both; libsrs2 writes "+3/5" */
        {"hash234@somedomain.com", "SRS0=+3/5=2W=somedomain.com=hash234@example.com"},
        /* a foreign SRS0 address becomes SRS1 */
        {"SRS0=opaque+string@otherdomain.com", "SRS1=chaI=otherdomain.com==opaque+string@example.com"},
        /* a foreign SRS1 address keeps its first host, gets a new hash */
        {"SRS1=X=thirddomain.com==opaque+string@otherdomain.com",
         "SRS1=JIBX=thirddomain.com==opaque+string@example.com"},
        /* already ours, or no domain: unchanged */
        {"test@example.com", "test@example.com"},
        {"test@EXAMPLE.com", "test@EXAMPLE.com"},
        {"SRS0=XjO9=2V=otherdomain.com=test@example.com", "SRS0=XjO9=2V=otherdomain.com=test@example.com"},
        {"foo", "foo"},
        {"foo@", "foo@"},
    };
    sg_arena *arena = sg_arena_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(sg_srs_forward("tops3cr3t", "example.com", cases[i].in, NOW, arena), cases[i].out);
    sg_arena_free(arena);
}

/* The timestamp: days since the epoch, two base32 digits (libsrs2 SRS_TIME_*). */
static void test_srs_timestamp(void **state)
{
    (void)state;
    sg_arena *arena = sg_arena_new();
    assert_string_equal(sg_srs_forward("tops3cr3t", "example.com", "test@otherdomain.com", NOW + 86400, arena),
                        "SRS0=c1l4=2X=otherdomain.com=test@example.com");
    assert_string_equal(sg_srs_forward("tops3cr3t", "example.com", "test@otherdomain.com", 1, arena),
                        "SRS0=pdOJ=AA=otherdomain.com=test@example.com");
    /* 1024 days later the stamp wraps around */
    assert_string_equal(sg_srs_forward("tops3cr3t", "example.com", "test@otherdomain.com", NOW + 1024 * 86400, arena),
                        "SRS0=vmyz=2W=otherdomain.com=test@example.com");
    sg_arena_free(arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha1),
        cmocka_unit_test(test_hmac_rfc2202),
        cmocka_unit_test(test_srs_postsrsd_vectors),
        cmocka_unit_test(test_srs_timestamp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
