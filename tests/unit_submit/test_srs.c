/* test_srs.c - SRS forward rewriting (engine/deliver/srs.c) against the
 * vectors of postsrsd's own test suite (secret "tops3cr3t", domain
 * example.com, time 1577836860 = 2020-01-01 00:01:00 UTC), with libsrs2's
 * standard base64 hash. The SHA-1 and HMAC-SHA1 vectors are
 * tests/unit/test_hash.c's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/deliver/srs.h"
#include "base/arena.h"

#define NOW 1577836860

/* sg_srs_forward with the test secret. */
static const char *srs(const char *domain, const char *sender, time_t now, sg_arena *arena)
{
    return sg_srs_forward("tops3cr3t", domain, sender, now, arena);
}

/* A field longer than srs.c's 64-byte pieces: the hash of it in one piece
 * (computed apart: Python's hmac over "2w" "other.example" and 300 "a"). */
static void test_srs_long_fields(void **state)
{
    (void)state;
    sg_arena *arena = sg_arena_new();
    char sender[400], want[400];
    memset(sender, 'A', 300);
    snprintf(sender + 300, sizeof sender - 300, "@Other.Example");
    snprintf(want, sizeof want, "SRS0=8Ga4=2W=Other.Example=%.300s@example.com", sender);
    assert_string_equal(srs("example.com", sender, NOW, arena), want);
    sg_arena_free(arena);
}

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
        assert_string_equal(srs("example.com", cases[i].in, NOW, arena), cases[i].out);
    sg_arena_free(arena);
}

/* The timestamp: days since the epoch, two base32 digits (libsrs2 SRS_TIME_*). */
static void test_srs_timestamp(void **state)
{
    (void)state;
    sg_arena *arena = sg_arena_new();
    assert_string_equal(srs("example.com", "test@otherdomain.com", NOW + 86400, arena),
                        "SRS0=c1l4=2X=otherdomain.com=test@example.com");
    assert_string_equal(srs("example.com", "test@otherdomain.com", 1, arena),
                        "SRS0=pdOJ=AA=otherdomain.com=test@example.com");
    /* 1024 days later the stamp wraps around */
    assert_string_equal(srs("example.com", "test@otherdomain.com", NOW + 1024 * 86400, arena),
                        "SRS0=vmyz=2W=otherdomain.com=test@example.com");
    sg_arena_free(arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_srs_postsrsd_vectors),
        cmocka_unit_test(test_srs_timestamp),
        cmocka_unit_test(test_srs_long_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
