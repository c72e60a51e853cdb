/* test_hash.c - hashing through Nettle loaded at run time (base/hash.h).
 *
 * Takes: no argument (the real libnettle.so.8: SHA-1 and SHA-256 on the FIPS
 * 180 examples, HMAC-SHA1 on RFC 2202's seven cases, the same digests fed in
 * pieces, the library loaded and let go again and again), or "--missing",
 * run by CTest with LD_LIBRARY_PATH at a stand-in libnettle.so.8 that
 * defines no nettle_* function (tests/unit/fake_nettle.c): the exact error
 * from every hash, SRS and the redirect's envelope sender failing with it,
 * and a state key that every state store operation refuses, saying why.
 * This binary links no Nettle itself, so the stand-in is the one it finds.
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
#include "engine/deliver/redirect.h"
#include "engine/deliver/srs.h"
#include "store/user_state.h"

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
    char h[41], err[256] = "";
    assert_true(sg_sha1("abc", 3, d, err, sizeof err));
    hex(d, sizeof d, h);
    assert_string_equal(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_true(sg_sha1("", 0, d, err, sizeof err));
    hex(d, sizeof d, h);
    assert_string_equal(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    assert_true(sg_sha1(two_blocks, sizeof two_blocks - 1, d, err, sizeof err));
    hex(d, sizeof d, h);
    assert_string_equal(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    char *million = malloc(1000000);
    memset(million, 'a', 1000000);
    assert_true(sg_sha1(million, 1000000, d, err, sizeof err));
    hex(d, sizeof d, h);
    assert_string_equal(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    free(million);
    assert_string_equal(err, "");
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
    char err[256] = "";
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
        assert_true(sg_hmac_sha1(cases[i].key, cases[i].keylen, cases[i].data, cases[i].datalen, d, err, sizeof err));
        hex(d, sizeof d, h);
        assert_string_equal(h, cases[i].digest);
    }
    assert_string_equal(err, "");
}

/* RFC 4231 §4.2, §4.3 and §4.7 (a key longer than a block); and a kept
 * context: the same key for message after message, as the policy cache uses it. */
static void test_hmac_sha256_rfc4231(void **state)
{
    (void)state;
    char err[256] = "", h[65];
    unsigned char key[131], d[32];
    sg_hmac_sha256_ctx m;
    memset(key, 0x0b, 20);
    assert_true(sg_hmac_sha256_begin(&m, key, 20, err, sizeof err));
    sg_hmac_sha256_update(&m, "Hi There", 8);
    sg_hmac_sha256_end(&m, d);
    hex(d, sizeof d, h);
    assert_string_equal(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    assert_true(sg_hmac_sha256_begin(&m, "Jefe", 4, err, sizeof err));
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
    assert_true(sg_hmac_sha256_begin(&m, key, 131, err, sizeof err));
    sg_hmac_sha256_update(&m, data, sizeof data - 1);
    sg_hmac_sha256_end(&m, d);
    hex(d, sizeof d, h);
    assert_string_equal(h, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
    assert_string_equal(err, "");
}

/* FIPS 180 examples. */
static void test_sha256(void **state)
{
    (void)state;
    unsigned char d[32];
    char h[65], err[256] = "";
    assert_true(sg_sha256("abc", 3, d, err, sizeof err));
    hex(d, sizeof d, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_true(sg_sha256("", 0, d, err, sizeof err));
    hex(d, sizeof d, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    assert_true(sg_sha256(two_blocks, sizeof two_blocks - 1, d, err, sizeof err));
    hex(d, sizeof d, h);
    assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* a million 'a' in pieces of 1, 63, 64 and 65 bytes */
    char *million = malloc(1000000);
    memset(million, 'a', 1000000);
    sg_sha256_ctx s;
    assert_true(sg_sha256_begin(&s, err, sizeof err));
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
    assert_string_equal(err, "");
}

/* Every context loads and lets go of the library: many in a row, and two at once. */
static void test_load_again_and_again(void **state)
{
    (void)state;
    char err[256] = "";
    unsigned char a[20], b[20];
    for (int i = 0; i < 1000; i++)
        assert_true(sg_sha1("abc", 3, a, err, sizeof err));
    sg_sha1_ctx x, y;
    assert_true(sg_sha1_begin(&x, err, sizeof err));
    assert_true(sg_sha1_begin(&y, err, sizeof err));
    sg_sha1_update(&x, "ab", 2);
    sg_sha1_update(&y, "abc", 3);
    sg_sha1_update(&x, "c", 1);
    sg_sha1_end(&y, b);
    sg_sha1_end(&x, a);
    assert_memory_equal(a, b, sizeof a);
    assert_null(x.lib.handle);
    assert_string_equal(err, "");
}

/* ---- the stand-in: nothing can be hashed ---- */

#define MISSING "cannot load libnettle.so.8: no symbol nettle_sha1_init"

static void test_missing_hash(void **state)
{
    (void)state;
    unsigned char d[32];
    char err[256] = "";
    assert_false(sg_sha1("abc", 3, d, err, sizeof err));
    assert_memory_equal(err, MISSING, strlen(MISSING));
    err[0] = '\0';
    assert_false(sg_sha256("abc", 3, d, err, sizeof err));
    assert_memory_equal(err, MISSING, strlen(MISSING));
    err[0] = '\0';
    assert_false(sg_hmac_sha1("k", 1, "abc", 3, d, err, sizeof err));
    assert_memory_equal(err, MISSING, strlen(MISSING));
    sg_sha256_ctx s;
    assert_false(sg_sha256_begin(&s, err, sizeof err));
    assert_null(s.lib.handle);
}

/* SRS cannot rewrite: NULL with the reason, so deliver defers the forward. */
static void test_missing_srs(void **state)
{
    (void)state;
    sg_arena *arena = sg_arena_new();
    char err[256] = "";
    assert_null(sg_srs_forward("tops3cr3t", "example.com", "test@otherdomain.com", 1577836860, arena, err, sizeof err));
    assert_memory_equal(err, MISSING, strlen(MISSING));
    /* nothing to hash: unchanged, no error */
    err[0] = '\0';
    assert_string_equal(sg_srs_forward("tops3cr3t", "example.com", "test@example.com", 1, arena, err, sizeof err),
                        "test@example.com");
    assert_string_equal(err, "");
    sg_submit_config cfg = {.envelope_from = SG_ENVFROM_SRS, .srs_secret = "tops3cr3t", .srs_domain = "example.com"};
    assert_null(sg_redirect_envelope_from(&cfg, "test@otherdomain.com", "alice@example.com", 1577836860, arena, err,
                                          sizeof err));
    assert_memory_equal(err, MISSING, strlen(MISSING));
    sg_arena_free(arena);
}

/* A state key that could not be hashed: every operation refuses it, saying why. */
static void test_missing_state_key(void **state)
{
    (void)state;
    char dir[] = "/tmp/sg-hash-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/state.db", dir);
    sg_state_key key;
    sg_state_key_forward(&key, "<id@example.org>", "bob@example.net");
    assert_int_equal(key.kind, SG_STATE_NKINDS);
    static const char why[] = "invalid state key: its SHA-256 could not be computed (cannot load libnettle.so.8)";
    char err[256] = "";
    bool seen = true, won = true;
    /* the stand-in has no SQLite problem: the store itself opens */
    sg_user_state *st = NULL;
    if (sg_user_state_open(path, 100, NULL, &st, err, sizeof err) == SG_STATE_OK) {
        assert_int_equal(sg_user_state_check(st, &key, 100, &seen, err, sizeof err), SG_STATE_UNAVAILABLE);
        assert_string_equal(err, why);
        assert_false(seen);
        assert_int_equal(sg_user_state_claim(st, &key, 100, 60, &won, err, sizeof err), SG_STATE_UNAVAILABLE);
        assert_string_equal(err, why);
        assert_false(won);
        assert_int_equal(sg_user_state_record(st, &key, 100, 60, true, err, sizeof err), SG_STATE_UNAVAILABLE);
        assert_string_equal(err, why);
        assert_int_equal(sg_user_state_forget(st, &key, err, sizeof err), SG_STATE_UNAVAILABLE);
        assert_string_equal(err, why);
        sg_user_state_close(st);
    } else {
        fail_msg("state store: %s", err);
    }
    unlink(path);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--missing") == 0) {
        const struct CMUnitTest missing[] = {
            cmocka_unit_test(test_missing_hash),
            cmocka_unit_test(test_missing_srs),
            cmocka_unit_test(test_missing_state_key),
        };
        return cmocka_run_group_tests(missing, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha1),
        cmocka_unit_test(test_hmac_rfc2202),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_hmac_sha256_rfc4231),
        cmocka_unit_test(test_load_again_and_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
