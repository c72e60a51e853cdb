/* test_sqlite_lib.c - cmocka tests of the run-time SQLite loader
 * (store/sqlite_lib.h) and of what the stores do when it cannot load.
 *
 * Takes: no argument (the real libsqlite3.so.0: every function resolved, a
 * database usable through the table, a second load in the same process, the
 * process-wide settings' SQLITE_MISUSE ignored), or "--missing", run by
 * CTest with LD_LIBRARY_PATH at a stand-in libsqlite3.so.0 that defines no
 * sqlite3_* function (tests/unit_state/fake_sqlite3.c): the exact error, an
 * emptied table, and every store failing cleanly with it - the state store
 * and the policy store "unavailable", the audit log falling back to syslog.
 * This binary links no SQLite itself, so the stand-in is the one it finds.
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

#include "store/audit.h"
#include "store/policy_store.h"
#include "store/sqlite_lib.h"
#include "store/user_state.h"

static bool table_empty(const sg_sqlite_lib *lib)
{
    static const sg_sqlite_lib zero;
    return memcmp(lib, &zero, sizeof zero) == 0;
}

/* ---- the real library ---- */

static void test_open_resolves_everything(void **state)
{
    (void)state;
    sg_sqlite_lib lib;
    char err[256] = "";
    assert_true(sg_sqlite_lib_open(&lib, err, sizeof err));
    assert_string_equal(err, "");
    assert_non_null(lib.handle);
#define SG_CHECK_RESOLVED(name, ret, params) assert_non_null(lib.name);
    SG_SQLITE_FUNCTIONS(SG_CHECK_RESOLVED)
#undef SG_CHECK_RESOLVED
    /* A database through the table, the way the stores use it. */
    sg_sqlite_conn q = {&lib, NULL};
    assert_int_equal(q.f->open_v2(":memory:", &q.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
    assert_int_equal(q.f->exec(q.db, "CREATE TABLE t (v); INSERT INTO t VALUES (41 + 1)", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(q.f->prepare_v2(q.db, "SELECT v FROM t", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(q.f->step(st), SQLITE_ROW);
    assert_int_equal(q.f->column_int64(st, 0), 42);
    assert_int_equal(q.f->step(st), SQLITE_DONE);
    assert_int_equal(q.f->finalize(st), SQLITE_OK);
    assert_int_equal(q.f->close(q.db), SQLITE_OK);
    sg_sqlite_lib_close(&lib);
    assert_true(table_empty(&lib));
    sg_sqlite_lib_close(&lib); /* an empty one is fine */
    assert_true(table_empty(&lib));
}

/* Two stores in one process: the second load shares the library, which is
 * initialised by then, so its settings answer SQLITE_MISUSE (ignored). */
static void test_second_open_after_use(void **state)
{
    (void)state;
    sg_sqlite_lib a, b;
    char err[256] = "";
    assert_true(sg_sqlite_lib_open(&a, err, sizeof err));
    sqlite3 *db = NULL;
    assert_int_equal(a.open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(a.config(SQLITE_CONFIG_LOOKASIDE, 0, 0), SQLITE_MISUSE);
    assert_true(sg_sqlite_lib_open(&b, err, sizeof err));
    assert_string_equal(err, "");
    assert_ptr_equal(b.open_v2, a.open_v2); /* the same library */
    sqlite3 *db2 = NULL;
    assert_int_equal(b.open_v2(":memory:", &db2, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(b.close(db2), SQLITE_OK);
    sg_sqlite_lib_close(&b);
    assert_int_equal(a.close(db), SQLITE_OK); /* still usable after the other's close */
    sg_sqlite_lib_close(&a);
}

/* ---- the stand-in without any sqlite3_* function ---- */

#define MISSING_PREFIX "cannot load libsqlite3.so.0: no symbol sqlite3_bind_blob ("

static void test_missing_error(void **state)
{
    (void)state;
    sg_sqlite_lib lib;
    memset(&lib, 0xA5, sizeof lib);
    char err[512] = "";
    assert_false(sg_sqlite_lib_open(&lib, err, sizeof err));
    assert_memory_equal(err, MISSING_PREFIX, strlen(MISSING_PREFIX));
    assert_true(table_empty(&lib));
    sg_sqlite_lib_close(&lib);
}

static void test_missing_state_store(void **state)
{
    (void)state;
    char dir[] = "/tmp/sg_sqlite_lib_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/state.db", dir);
    sg_user_state *s = (sg_user_state *)&s;
    char err[512] = "";
    assert_int_equal(sg_user_state_open(path, 1000, NULL, &s, err, sizeof err), SG_STATE_UNAVAILABLE);
    assert_null(s);
    assert_memory_equal(err, MISSING_PREFIX, strlen(MISSING_PREFIX));
    unlink(path); /* the path checks ran first and created it, empty */
    assert_int_equal(rmdir(dir), 0);
}

static void test_missing_policy_store(void **state)
{
    (void)state;
    char dir[] = "/tmp/sg_sqlite_lib_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char uri[80], path[64];
    snprintf(path, sizeof path, "%s/policy.db", dir);
    snprintf(uri, sizeof uri, "sqlite:%s", path);
    char err[512] = "";
    /* No file: the built-in default, and SQLite is not needed for that. */
    sg_policy_store *store = NULL;
    assert_int_equal(sg_policy_store_open(uri, false, &store, err, sizeof err), SG_STORE_OK);
    sg_policy *p = NULL;
    assert_int_equal(sg_policy_store_load(store, &p, err, sizeof err), SG_STORE_OK);
    assert_non_null(p);
    sg_policy_free(p);
    sg_policy_store_close(store);
    /* A file: it must be read, and cannot be. */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    store = (sg_policy_store *)&store;
    assert_int_equal(sg_policy_store_open(uri, false, &store, err, sizeof err), SG_STORE_UNAVAILABLE);
    assert_null(store);
    assert_memory_equal(err, MISSING_PREFIX, strlen(MISSING_PREFIX));
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

typedef struct lines {
    int n;
    int priority[4];
    char text[4][600];
} lines;

static void collect(void *ctx, int priority, const char *line)
{
    lines *l = ctx;
    if (l->n < 4) {
        l->priority[l->n] = priority;
        snprintf(l->text[l->n], sizeof l->text[l->n], "%s", line);
    }
    l->n++;
}

static void test_missing_audit_falls_back_to_syslog(void **state)
{
    (void)state;
    char dir[] = "/tmp/sg_sqlite_lib_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char setting[64];
    snprintf(setting, sizeof setting, "%s/audit.db", dir);
    sg_audit *a = NULL;
    char err[512] = "";
    assert_true(sg_audit_open(setting, &a, err, sizeof err));
    sg_audit_options opt = {NULL, "/nonexistent/sievegate-test-spool", NULL}; /* never the system's spool */
    sg_audit_configure(a, &opt);
    lines l;
    memset(&l, 0, sizeof l);
    sg_audit_set_line_sink(a, collect, &l);
    sg_audit_record rec = {1700000000, "alice@example.com", "bob@gmail.example", "gmail.example", "redirect",
                           "allow", "default", "*", "<m1@example.com>", NULL, NULL};
    assert_false(sg_audit_record_decision(a, &rec, err, sizeof err));
    assert_memory_equal(err, MISSING_PREFIX, strlen(MISSING_PREFIX));
    assert_int_equal(l.n, 2); /* the reason, then the record itself */
    char want[600];
    snprintf(want, sizeof want, "forward-audit-failure reason=\"%s\"", err);
    assert_string_equal(l.text[0], want);
    assert_string_equal(l.text[1],
                        "forward-audit time=2023-11-14T22:13:20Z owner=alice@example.com target=bob@gmail.example"
                        " target_domain=gmail.example mechanism=redirect verdict=allow policy=default"
                        " remote_domain=* message_id=<m1@example.com>");
    sg_audit_close(a);
    assert_int_equal(access(setting, F_OK), -1); /* nothing was created */
    /* The report of a database that exists: an error, not an empty report. */
    FILE *f = fopen(setting, "w");
    assert_non_null(f);
    fclose(f);
    sg_audit_report *r = (sg_audit_report *)&r;
    assert_false(sg_audit_report_read(setting, 0, &r, err, sizeof err));
    assert_null(r);
    assert_memory_equal(err, MISSING_PREFIX, strlen(MISSING_PREFIX));
    assert_int_equal(unlink(setting), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--missing") == 0) {
        const struct CMUnitTest missing[] = {
            cmocka_unit_test(test_missing_error),
            cmocka_unit_test(test_missing_state_store),
            cmocka_unit_test(test_missing_policy_store),
            cmocka_unit_test(test_missing_audit_falls_back_to_syslog),
        };
        return cmocka_run_group_tests(missing, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_resolves_everything),
        cmocka_unit_test(test_second_open_after_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
