/* test_pg_store.c - cmocka tests of the PostgreSQL policy store and audit
 * log in a long-running process (a server keeps them open across
 * messages), run by tests/e2e/policy_pg.sh against its private cluster.
 *
 * Takes, from the environment: SG_TEST_PG_URI (a migrated store),
 * SG_TEST_PG_AUDIT_URI (a migrated audit database), SG_TEST_PG_PASSWORD_FILE,
 * and SG_TEST_PG_RESTART (a command that restarts the server; its PID
 * changes). Without them every test is skipped.
 *
 * Asserts: a store and a policy source opened once keep answering across a
 * server restart (the lost connection is made again, once, outside a
 * transaction), and so does an audit object; two writers at once each get
 * their own generation (writes are serialised).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/config.h"
#include "store/audit.h"
#include "store/policy_source.h"
#include "store/policy_store.h"

static const char *env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        skip();
    return v;
}

static sg_policy_store *open_store(bool writable)
{
    char err[512];
    sg_policy_store *s = NULL;
    sg_store_status st = sg_policy_store_open_with(env("SG_TEST_PG_URI"), env("SG_TEST_PG_PASSWORD_FILE"), writable,
                                                   &s, err, sizeof err);
    if (st != SG_STORE_OK)
        fail_msg("open: %s", err);
    return s;
}

static void restart(void)
{
    assert_int_equal(system(env("SG_TEST_PG_RESTART")), 0);
}

static void test_store_survives_a_restart(void **state)
{
    (void)state;
    char err[512];
    sg_policy_store *w = open_store(true), *r = open_store(false);
    sg_policy *p = NULL;
    assert_int_equal(sg_policy_store_load(r, &p, err, sizeof err), SG_STORE_OK);
    uint64_t before = p->generation;
    sg_policy_free(p);
    restart();
    /* the same objects: their connections died with the server */
    sg_store_status wst = sg_policy_store_set_default_mode(w, SG_MODE_OFF, err, sizeof err);
    if (wst != SG_STORE_OK)
        fail_msg("write after the restart: %s", err);
    assert_int_equal(sg_policy_store_load(r, &p, err, sizeof err), SG_STORE_OK);
    assert_int_equal(p->generation, before + 1);
    assert_int_equal(p->policies[0].mode, SG_MODE_OFF);
    sg_policy_free(p);
    uint64_t g = 0;
    assert_int_equal(sg_policy_store_generation(r, &g, err, sizeof err), SG_STORE_OK);
    assert_int_equal(g, before + 1);
    sg_policy_store_close(w);
    sg_policy_store_close(r);
}

static void test_source_survives_a_restart(void **state)
{
    (void)state;
    char err[512];
    sg_config *cfg = sg_config_new();
    sg_config_set(cfg, "policy_store", env("SG_TEST_PG_URI"));
    sg_config_set(cfg, "postgresql_password_file", env("SG_TEST_PG_PASSWORD_FILE"));
    sg_policy_source *src = NULL;
    assert_true(sg_policy_source_open(cfg, &src, err, sizeof err));
    sg_policy_answer a;
    assert_int_equal(sg_policy_source_get_for(src, "alice@example.com", &a), SG_POLICY_OK);
    assert_int_equal(a.origin, SG_POLICY_FROM_STORE);
    sg_policy_free(a.policy);
    restart();
    assert_int_equal(sg_policy_source_get_for(src, "alice@example.com", &a), SG_POLICY_OK);
    assert_int_equal(a.origin, SG_POLICY_FROM_STORE);
    sg_policy_free(a.policy);
    sg_policy_source_close(src);
    sg_config_free(cfg);
}

/* Several processes write at once: every write is its own generation. */
static void test_concurrent_writers(void **state)
{
    (void)state;
    char err[512];
    sg_policy_store *r = open_store(false);
    uint64_t before = 0;
    assert_int_equal(sg_policy_store_generation(r, &before, err, sizeof err), SG_STORE_OK);
    enum { WRITERS = 4, WRITES = 10 };
    pid_t pids[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            sg_policy_store *w = open_store(true);
            int bad = 0;
            for (int k = 0; k < WRITES; k++) {
                char domain[64];
                snprintf(domain, sizeof domain, "w%d-%d.example", i, k);
                bad += sg_policy_store_add_accepted_domain(w, domain, false, err, sizeof err) != SG_STORE_OK;
            }
            sg_policy_store_close(w);
            _exit(bad);
        }
    }
    for (int i = 0; i < WRITERS; i++) {
        int status;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    uint64_t after = 0;
    assert_int_equal(sg_policy_store_generation(r, &after, err, sizeof err), SG_STORE_OK);
    assert_int_equal(after, before + WRITERS * WRITES);
    sg_policy_store_close(r);
}

static void test_audit_survives_a_restart(void **state)
{
    (void)state;
    char err[512], dir[] = "/tmp/sg_pg_spool_XXXXXX", setting[512];
    assert_non_null(mkdtemp(dir));
    snprintf(setting, sizeof setting, "%s", env("SG_TEST_PG_AUDIT_URI"));
    sg_audit *a = NULL;
    assert_true(sg_audit_open(setting, &a, err, sizeof err));
    sg_audit_options opt = {env("SG_TEST_PG_PASSWORD_FILE"), dir, "long-running.example.com"};
    sg_audit_configure(a, &opt);
    sg_audit_record rec = {1700000000, "alice@example.com", "bob@gmail.example", "gmail.example", "redirect",
                           "allow", "default", "*", "<lr-1@x>", NULL, NULL};
    assert_true(sg_audit_record_decision(a, &rec, err, sizeof err));
    restart();
    rec.message_id = "<lr-2@x>";
    assert_true(sg_audit_record_decision(a, &rec, err, sizeof err)); /* connected again */
    sg_audit_query q;
    memset(&q, 0, sizeof q);
    q.host = "long-running.example.com";
    sg_audit_report *r = NULL;
    assert_true(sg_audit_report_query(a, &q, &r, err, sizeof err));
    assert_int_equal(r->nrecords, 2);
    assert_string_equal(r->records[1].message_id, "<lr-2@x>");
    assert_string_equal(r->records[1].host, "long-running.example.com");
    sg_audit_report_free(r);
    sg_audit_close(a);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_survives_a_restart),
        cmocka_unit_test(test_source_survives_a_restart),
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_audit_survives_a_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
