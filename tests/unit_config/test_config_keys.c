/* test_config_keys.c - the table of keys (engine/core/config_keys.h) and its
 * checks (base/config.h): each default is the one the code applies, every
 * type accepts and refuses what it should, and errors name FILE:LINE or -o
 * and the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/config.h"
#include "engine/core/config_keys.h"
#include "engine/core/include.h"
#include "engine/core/interp.h"
#include "engine/core/settings.h"
#include "grammar/parse.h"
#include "store/policy_cache.h"
#include "store/policy_store.h"
#include "store/user_state.h"

static size_t size_of(const char *text)
{
    size_t n = 0;
    assert_true(sg_parse_size(text, &n));
    return n;
}

/* The table's defaults are the constants the code uses when a key is unset. */
static void defaults_match_the_code(void **state)
{
    (void)state;
    assert_int_equal(size_of(sg_config_key_default("max_script_size")), SG_DEFAULT_MAX_SCRIPT_SIZE);
    assert_int_equal(size_of(sg_config_key_default("max_string_length")), SG_DEFAULT_MAX_STRING_LENGTH);
    assert_int_equal(atoi(sg_config_key_default("max_nesting")), SG_DEFAULT_MAX_NESTING);
    assert_int_equal(atoi(sg_config_key_default("max_arguments")), SG_DEFAULT_MAX_ARGUMENTS);
    assert_int_equal(atoi(sg_config_key_default("max_cpu_time")), SG_DEFAULT_MAX_CPU_TIME);
    assert_int_equal(size_of(sg_config_key_default("sieve_variables_max_variable_size")),
                     SG_DEFAULT_MAX_VARIABLE_SIZE);
    assert_int_equal(atoi(sg_config_key_default("sieve_include_max_nesting_depth")),
                     SG_INCLUDE_DEFAULT_MAX_NESTING_DEPTH);
    assert_int_equal(atoi(sg_config_key_default("sieve_include_max_includes")), SG_INCLUDE_DEFAULT_MAX_INCLUDES);
    assert_int_equal(atoi(sg_config_key_default("policy_cache_ttl")), SG_CACHE_DEFAULT_TTL);
    assert_int_equal(atoi(sg_config_key_default("memcached_connect_timeout_ms")),
                     SG_CACHE_DEFAULT_CONNECT_TIMEOUT_MS);
    assert_int_equal(atoi(sg_config_key_default("memcached_poll_timeout_ms")), SG_CACHE_DEFAULT_POLL_TIMEOUT_MS);
    assert_int_equal(atoi(sg_config_key_default("memcached_dead_timeout")), SG_CACHE_DEFAULT_DEAD_TIMEOUT);
    assert_string_equal(sg_config_key_default("memcached_namespace"), SG_CACHE_DEFAULT_NAMESPACE);
    assert_string_equal(sg_config_key_default("policy_store"), SG_DEFAULT_POLICY_STORE);
    assert_string_equal(sg_config_key_default("state_file"), "~/" SG_USER_STATE_DEFAULT_FILE);
    /* Every key has a type, a section and one line of help. */
    size_t n;
    const sg_config_key *keys = sg_config_keys(&n);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(keys[i].section);
        assert_non_null(keys[i].help);
        assert_null(strchr(keys[i].help, '\n'));
        if (keys[i].def)
            assert_true(sg_config_key_check(&keys[i], keys[i].def, (char[256]){0}, 256) ||
                        keys[i].def[0] == '\0');
    }
}

/* Validates one "-o" assignment; returns the error or "" when accepted. */
static const char *check_override(const char *assignment, char *err, size_t errlen)
{
    sg_config *cfg = sg_config_new();
    err[0] = '\0';
    assert_true(sg_config_override(cfg, assignment, err, errlen));
    if (sg_config_check_keys(cfg, err, errlen))
        err[0] = '\0';
    sg_config_free(cfg);
    return err;
}

static void types_and_messages(void **state)
{
    (void)state;
    char err[600];
    assert_string_equal(check_override("max_redirects=4", err, sizeof err), "");
    assert_string_equal(check_override("max_redirects=four", err, sizeof err),
                        "-o: max_redirects: \"four\" is not a whole number");
    assert_string_equal(check_override("max_script_size=64K", err, sizeof err), "");
    assert_string_equal(check_override("sieve_editheader_max_header_size=512", err, sizeof err),
                        "-o: sieve_editheader_max_header_size: \"512\" is below the minimum 1024..");
    assert_string_equal(check_override("policy_cache_ttl=0", err, sizeof err),
                        "-o: policy_cache_ttl: \"0\" is out of the range 1..2592000");
    assert_string_equal(check_override("lda_mailbox_autocreate=true", err, sizeof err),
                        "-o: lda_mailbox_autocreate: \"true\" is not yes or no");
    assert_string_equal(check_override("redirect_envelope_from=srs", err, sizeof err), "");
    assert_string_equal(check_override("redirect_envelope_from=me", err, sizeof err),
                        "-o: redirect_envelope_from: \"me\" is not one of sender, owner or srs");
    assert_string_equal(check_override("sieve_duplicate_max_period=2w", err, sizeof err),
                        "-o: sieve_duplicate_max_period: \"2w\" is not a duration (seconds, or with s, m, h or d)");
    assert_string_equal(check_override("max_cpu_time=0.5", err, sizeof err), "");
    assert_string_equal(check_override("mail_location=maildir:~/%x", err, sizeof err),
                        "-o: mail_location: unknown variable %x in \"maildir:~/%x\" (known: ~, %u, %n, %d, %%)");
    assert_string_equal(check_override("policy_store=none", err, sizeof err), "");
    assert_string_equal(check_override("audit_log=syslog,/a.db,/b.db", err, sizeof err)[0] != '\0' ? "refused" : "",
                        "refused");
    assert_string_equal(check_override("memcached=localhost:11211,[::1]:11212", err, sizeof err), "");
    assert_string_equal(check_override("submission_host=127.0.0.1:x", err, sizeof err),
                        "-o: submission_host: \"127.0.0.1:x\": expected HOST or HOST:PORT");
    /* Numbered and indexed keys. */
    assert_string_equal(check_override("sieve_before2=/a", err, sizeof err), "");
    assert_string_equal(check_override("sieve_after99=/a", err, sizeof err), "");
    assert_string_equal(check_override("sieve_before1=/a", err, sizeof err)[0] ? "refused" : "", "refused");
    assert_string_equal(check_override("sieve_before02=/a", err, sizeof err)[0] ? "refused" : "", "refused");
    assert_string_equal(check_override("sieve_spamtest_text_value0=ham", err, sizeof err), "");
    assert_string_equal(check_override("sieve_virustest_text_value10=bad", err, sizeof err), "");
    assert_string_equal(check_override("sieve_virustest_text_value11=bad", err, sizeof err)[0] ? "refused" : "",
                        "refused");
    assert_string_equal(check_override("sieve_spamtest_text_value=x", err, sizeof err)[0] ? "refused" : "",
                        "refused");
    assert_string_equal(check_override("mail_locaton=x", err, sizeof err),
                        "-o: unknown key 'mail_locaton' (did you mean 'mail_location'?)");
    assert_string_equal(check_override("frobnicate=x", err, sizeof err), "-o: unknown key 'frobnicate'");
}

/* A file's errors name FILE:LINE; -o after the file names -o. */
static void origins(void **state)
{
    (void)state;
    char path[] = "/tmp/sievegate-test-conf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "# comment\n\nhostname = mx.example.com\n  max_nesting = 0  \n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    sg_config *cfg = sg_config_new();
    char err[600], want[700], where[64];
    assert_int_equal(sg_config_load(cfg, path, err, sizeof err), SG_CONFIG_OK);
    assert_false(sg_config_check_keys(cfg, err, sizeof err));
    snprintf(want, sizeof want, "%s:4: max_nesting: \"0\" is out of the range 1..4294967295", path);
    assert_string_equal(err, want);
    snprintf(want, sizeof want, "%s:3", path);
    assert_string_equal(sg_config_origin(cfg, "hostname", where, sizeof where), want);
    assert_true(sg_config_override(cfg, "max_nesting=8", err, sizeof err));
    assert_true(sg_config_check_keys(cfg, err, sizeof err));
    assert_string_equal(sg_config_origin(cfg, "max_nesting", where, sizeof where), "-o");
    assert_null(sg_config_origin(cfg, "sieve", where, sizeof where));
    sg_config_free(cfg);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_match_the_code),
        cmocka_unit_test(types_and_messages),
        cmocka_unit_test(origins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
