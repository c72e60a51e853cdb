/* test_password.c - passwords against stored hashes (base/password.h):
 * every scheme of Dovecot's passwd-file that the servers accept, with hashes
 * made by crypt(3) (python3's crypt module over libxcrypt), wrong passwords,
 * malformed hashes, and, with "--missing", what a login answers when
 * libcrypt cannot be loaded (a stand-in libcrypt.so.1 without crypt_r found
 * first through LD_LIBRARY_PATH, fake_crypt.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/password.h"

static sg_password_result check(const char *stored, const char *password, char *err)
{
    err[0] = '\0';
    return sg_password_verify(stored, password, err, 256);
}

static void test_schemes(void **state)
{
    (void)state;
    char err[256];
    static const char *const hashes[] = {
        "{SHA512-CRYPT}$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1",
        "{sha512-crypt}$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1",
        "{SHA256-CRYPT}$5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA",
        "{MD5-CRYPT}$1$saltsalt$9xy1btjgzLYfb7hivXtC//",
        "{BLF-CRYPT}$2b$04$P5.iHFL4I8y/EvDtB12t/uskRXkL5MDKRRm3Mg5pGxP4J0yxdxNBm",
        "{CRYPT}$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1",
        "{CRYPT}abNANd1rDfiNc", /* traditional DES */
        "$2b$04$P5.iHFL4I8y/EvDtB12t/uskRXkL5MDKRRm3Mg5pGxP4J0yxdxNBm", /* no scheme: CRYPT */
        "{PLAIN}secret",
        "{CLEARTEXT}secret",
    };
    for (size_t i = 0; i < sizeof hashes / sizeof *hashes; i++) {
        assert_int_equal(check(hashes[i], "secret", err), SG_PASSWORD_MATCH);
        assert_int_equal(check(hashes[i], "Secret", err), SG_PASSWORD_MISMATCH);
        assert_int_equal(check(hashes[i], "secret ", err), SG_PASSWORD_MISMATCH);
        assert_int_equal(check(hashes[i], "", err), SG_PASSWORD_MISMATCH);
        assert_string_equal(err, "");
    }
    /* DES uses 8 characters: crypt(3)'s own rule, not ours */
    assert_int_equal(check("{CRYPT}abNANd1rDfiNc", "secretXYZ", err), SG_PASSWORD_MISMATCH);
}

static void test_malformed(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(check("{SHA512-CRYPT}$5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA", "secret", err),
                     SG_PASSWORD_ERROR);
    assert_string_equal(err, "a {SHA512-CRYPT} hash must start with $6$");
    assert_int_equal(check("{ARGON9}x", "secret", err), SG_PASSWORD_ERROR);
    assert_string_equal(err, "unknown password scheme {ARGON9}x");
    assert_int_equal(check("{SHA512-CRYPT", "secret", err), SG_PASSWORD_ERROR);
    assert_int_equal(check("", "", err), SG_PASSWORD_ERROR);
    assert_string_equal(err, "no password is set");
    assert_int_equal(check("{PLAIN}", "", err), SG_PASSWORD_ERROR);
    assert_int_equal(check("{CRYPT}*", "secret", err), SG_PASSWORD_ERROR);
    assert_string_equal(err, "the stored hash is not one crypt(3) knows");
    assert_int_equal(check("{CRYPT}$6$", "secret", err), SG_PASSWORD_MISMATCH); /* a setting, not a hash */
}

/* An unknown user costs what a SHA512-CRYPT check costs (rounds 5000: a
 * millisecond or so; at least 0.1 ms even on a fast machine). */
static void test_burn(void **state)
{
    (void)state;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    sg_password_burn();
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    assert_true(ms > 0.1);
}

#define MISSING "cannot load libcrypt.so.1: no symbol crypt_r"

static void test_missing(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(check("{SHA512-CRYPT}$6$saltsalt$x", "secret", err), SG_PASSWORD_ERROR);
    assert_memory_equal(err, MISSING, strlen(MISSING));
    /* plain text needs no library */
    assert_int_equal(check("{PLAIN}secret", "secret", err), SG_PASSWORD_MATCH);
    sg_password_burn(); /* does nothing, fails nothing */
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schemes),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_burn),
    };
    const struct CMUnitTest missing[] = {
        cmocka_unit_test(test_missing),
    };
    if (argc > 1 && strcmp(argv[1], "--missing") == 0)
        return cmocka_run_group_tests(missing, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
