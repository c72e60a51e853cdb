/* test_audit.c - cmocka tests of the forwarding audit log (store/audit.h).
 *
 * Takes: a temporary directory per test. Asserts: the audit_log setting,
 * the exact syslog line (quoting, escaping), records in the database, the
 * syslog fallback when the database cannot be written, and the report's
 * figures (counts, first forward, new forwarders and domains in a period).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "store/audit.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    char spool[128]; /* audit_spool_dir: made by the tests that want one */
    char setting[160];
    char err[512];
    char lines[8][1024]; /* what went to "syslog" */
    int priorities[8];
    size_t nlines;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/sg_audit_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/audit.db", f->dir);
    snprintf(f->spool, sizeof f->spool, "%s/spool", f->dir);
    snprintf(f->setting, sizeof f->setting, "syslog,%s", f->path);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void capture(void *ctx, int priority, const char *line)
{
    fixture *f = ctx;
    if (f->nlines < 8) {
        f->priorities[f->nlines] = priority;
        snprintf(f->lines[f->nlines++], sizeof f->lines[0], "%s", line);
    }
}

static sg_audit *open_audit(fixture *f, const char *setting)
{
    sg_audit *a = NULL;
    assert_true(sg_audit_open(setting, &a, f->err, sizeof f->err));
    sg_audit_set_line_sink(a, capture, f);
    /* never the system's spool (root would collect what is there) */
    sg_audit_options opt = {NULL, f->spool[0] ? f->spool : "/nonexistent", NULL};
    sg_audit_configure(a, &opt);
    return a;
}

static void test_setting(void **state)
{
    (void)state;
    char err[256];
    sg_audit *a;
    static const struct {
        const char *setting;
        const char *db; /* NULL: none */
    } good[] = {
        {NULL, NULL}, {"", NULL}, {"syslog", NULL}, {"/var/lib/a.db", "/var/lib/a.db"},
        {"syslog,/var/lib/a.db", "/var/lib/a.db"}, {" /x/a.db , syslog ", "/x/a.db"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_true(sg_audit_open(good[i].setting, &a, err, sizeof err));
        if (good[i].db)
            assert_string_equal(sg_audit_database(a), good[i].db);
        else
            assert_null(sg_audit_database(a));
        sg_audit_close(a);
    }
    assert_false(sg_audit_open("syslog,", &a, err, sizeof err));
    assert_string_equal(err, "audit_log: empty item (expected syslog and/or a database path)");
    assert_false(sg_audit_open("/a.db,/b.db", &a, err, sizeof err));
    assert_string_equal(err, "audit_log: more than one database path");
}

static void test_line_format(void **state)
{
    (void)state;
    sg_audit_record rec = {
        .time = 1735787045, /* 2025-01-02T03:04:05Z */
        .owner = "alice@example.com",
        .target = "bob@example.org",
        .target_domain = "example.org",
        .mechanism = "redirect-copy",
        .verdict = "block",
        .policy = "default",
        .remote_domain = NULL,
        .message_id = "<a b=\"c\"\r\nX-Evil: 1@x>",
    };
    char line[512];
    size_t n = sg_audit_format_line(&rec, line, sizeof line);
    const char *want = "forward-audit time=2025-01-02T03:04:05Z owner=alice@example.com target=bob@example.org "
                       "target_domain=example.org mechanism=redirect-copy verdict=block policy=default "
                       "message_id=\"<a b=\\\"c\\\"\\x0D\\x0AX-Evil: 1@x>\"";
    assert_string_equal(line, want);
    assert_int_equal(n, strlen(want));
    /* Truncation: the length needed, a terminated prefix. */
    char small[16];
    assert_int_equal(sg_audit_format_line(&rec, small, sizeof small), strlen(want));
    assert_string_equal(small, "forward-audit t");
}

static void test_times(void **state)
{
    (void)state;
    int64_t t;
    char buf[SG_AUDIT_TIME_LEN];
    assert_true(sg_audit_parse_time("2025-01-02", &t));
    assert_int_equal(t, 1735776000);
    assert_true(sg_audit_parse_time("2025-01-02T03:04:05Z", &t));
    assert_int_equal(t, 1735787045);
    assert_true(sg_audit_parse_time("2025-01-02 03:04:05", &t));
    assert_int_equal(t, 1735787045);
    sg_audit_format_time(t, buf);
    assert_string_equal(buf, "2025-01-02T03:04:05Z");
    assert_true(sg_audit_parse_time("2024-02-29", &t));
    static const char *const bad[] = {"", "yesterday", "2025-1-2", "2025-13-01", "2025-02-29", "2025-04-31",
                                      "2025-01-02T25:00:00Z", "2025-01-02T03:04", "2025-01-02T03:04:05+02:00",
                                      "1969-12-31", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (sg_audit_parse_time(bad[i], &t))
            fail_msg("\"%s\" was accepted", bad[i] ? bad[i] : "(null)");
}

static void record(fixture *f, sg_audit *a, int64_t time, const char *owner, const char *target, const char *verdict)
{
    const char *domain = strchr(target, '@') + 1;
    sg_audit_record rec = {time, owner, target, domain, "redirect", verdict,
                           strcmp(verdict, "allow") == 0 ? "fwd-on" : "default", "*", "<m@x>", NULL, NULL};
    if (!sg_audit_record_decision(a, &rec, f->err, sizeof f->err))
        fail_msg("record: %s", f->err);
}

#define DAY 86400
#define T0 1735689600 /* 2025-01-01T00:00:00Z */

static void test_record_and_report(void **state)
{
    fixture *f = *state;
    sg_audit *a = open_audit(f, f->setting);
    record(f, a, T0 + 1 * DAY, "alice@example.com", "a1@gmail.com", "allow");
    record(f, a, T0 + 2 * DAY, "alice@example.com", "a2@gmail.com", "block");
    record(f, a, T0 + 10 * DAY, "alice@example.com", "a1@gmail.com", "allow");
    record(f, a, T0 + 11 * DAY, "alice@example.com", "x@yahoo.com", "block");
    record(f, a, T0 + 12 * DAY, "bob@example.com", "b@gmail.com", "allow");
    record(f, a, T0 + 12 * DAY + 60, "bob@example.com", "b@gmail.com", "block");
    assert_int_equal(f->nlines, 6); /* syslog got every record too */
    assert_int_equal(f->priorities[0], LOG_INFO);
    assert_string_equal(f->lines[0], "forward-audit time=2025-01-02T00:00:00Z owner=alice@example.com "
                                     "target=a1@gmail.com target_domain=gmail.com mechanism=redirect verdict=allow "
                                     "policy=fwd-on remote_domain=* message_id=<m@x>");
    sg_audit_close(a);

    /* All time: everyone is new. */
    sg_audit_report *r;
    assert_true(sg_audit_report_read(f->path, 0, &r, f->err, sizeof f->err));
    assert_int_equal(r->total, 6);
    assert_int_equal(r->allowed, 3);
    assert_int_equal(r->blocked, 3);
    assert_int_equal(r->nrecords, 6);
    assert_int_equal(r->nforwarders, 2);
    assert_int_equal(r->new_forwarders, 2);
    assert_int_equal(r->ndomains, 2);
    assert_int_equal(r->new_domains, 2);
    sg_audit_report_free(r);

    /* Since day 10: alice is not new (first forward on day 1), bob is;
     * gmail.com is not new, yahoo.com is. */
    assert_true(sg_audit_report_read(f->path, T0 + 10 * DAY, &r, f->err, sizeof f->err));
    assert_int_equal(r->since, T0 + 10 * DAY);
    assert_int_equal(r->total, 4);
    assert_int_equal(r->allowed, 2);
    assert_int_equal(r->blocked, 2);
    assert_int_equal(r->nforwarders, 2);
    const sg_audit_forwarder *alice = &r->forwarders[0], *bob = &r->forwarders[1];
    assert_string_equal(alice->owner, "alice@example.com");
    assert_int_equal(alice->forwards, 2);
    assert_int_equal(alice->allowed, 1);
    assert_int_equal(alice->blocked, 1);
    assert_int_equal(alice->recipients, 2);
    assert_int_equal(alice->domains, 2);
    assert_int_equal(alice->first_forward, T0 + DAY);
    assert_false(alice->is_new);
    assert_string_equal(bob->owner, "bob@example.com");
    assert_int_equal(bob->forwards, 2);
    assert_int_equal(bob->recipients, 1);
    assert_int_equal(bob->first_forward, T0 + 12 * DAY);
    assert_true(bob->is_new);
    assert_int_equal(r->new_forwarders, 1);
    assert_int_equal(r->ndomains, 2);
    assert_string_equal(r->domains[0].domain, "gmail.com");
    assert_int_equal(r->domains[0].forwards, 3);
    assert_int_equal(r->domains[0].allowed, 2);
    assert_int_equal(r->domains[0].blocked, 1);
    assert_int_equal(r->domains[0].forwarders, 2);
    assert_int_equal(r->domains[0].first_forward, T0 + DAY);
    assert_false(r->domains[0].is_new);
    assert_string_equal(r->domains[1].domain, "yahoo.com");
    assert_true(r->domains[1].is_new);
    assert_int_equal(r->new_domains, 1);
    assert_int_equal(r->records[0].time, T0 + 10 * DAY);
    assert_string_equal(r->records[3].verdict, "block");
    assert_string_equal(r->records[3].owner, "bob@example.com");
    assert_string_equal(r->records[3].message_id, "<m@x>");
    sg_audit_report_free(r);
}

static void test_database_only_and_null_fields(void **state)
{
    fixture *f = *state;
    sg_audit *a = open_audit(f, f->path);
    sg_audit_record rec = {T0, "a@example.com", "b@example.org", "example.org", "notify", "allow", NULL, NULL, NULL, NULL, NULL};
    assert_true(sg_audit_record_decision(a, &rec, f->err, sizeof f->err));
    assert_int_equal(f->nlines, 0); /* no syslog configured */
    sg_audit_close(a);
    sg_audit_report *r;
    assert_true(sg_audit_report_read(f->path, 0, &r, f->err, sizeof f->err));
    assert_int_equal(r->nrecords, 1);
    assert_null(r->records[0].policy);
    assert_null(r->records[0].message_id);
    assert_string_equal(r->records[0].mechanism, "notify");
    sg_audit_report_free(r);
}

/* The database cannot be written: false, and the record goes to syslog anyway. */
static void test_unwritable_database_falls_back_to_syslog(void **state)
{
    fixture *f = *state;
    char setting[192];
    snprintf(setting, sizeof setting, "%s/missing/dir/audit.db", f->dir);
    sg_audit *a = open_audit(f, setting);
    sg_audit_record rec = {T0, "a@example.com", "b@example.org", "example.org", "redirect", "block", "default",
                           NULL, "<id@x>", NULL, NULL};
    assert_false(sg_audit_record_decision(a, &rec, f->err, sizeof f->err));
    assert_non_null(strstr(f->err, "cannot open audit database"));
    assert_int_equal(f->nlines, 2);
    assert_int_equal(f->priorities[0], LOG_WARNING);
    assert_non_null(strstr(f->lines[0], "forward-audit-failure reason=\"cannot open audit database"));
    assert_int_equal(f->priorities[1], LOG_INFO);
    assert_string_equal(f->lines[1], "forward-audit time=2025-01-01T00:00:00Z owner=a@example.com "
                                     "target=b@example.org target_domain=example.org mechanism=redirect "
                                     "verdict=block policy=default message_id=<id@x>");
    sg_audit_close(a);
}

static void test_report_of_missing_and_corrupt_database(void **state)
{
    fixture *f = *state;
    sg_audit_report *r;
    assert_true(sg_audit_report_read(f->path, 0, &r, f->err, sizeof f->err));
    assert_int_equal(r->total, 0);
    assert_int_equal(r->nforwarders + r->ndomains + r->nrecords, 0);
    sg_audit_report_free(r);

    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fputs("garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage", fp);
    fclose(fp);
    assert_false(sg_audit_report_read(f->path, 0, &r, f->err, sizeof f->err));
    assert_null(r);
    char want[256];
    snprintf(want, sizeof want, "audit database %s is unreadable: file is not a database", f->path);
    assert_string_equal(f->err, want);
    /* Recording into it fails too, and falls back to syslog. */
    sg_audit *a = open_audit(f, f->path);
    sg_audit_record rec = {T0, "a@example.com", "b@example.org", "example.org", "redirect", "allow", NULL, NULL,
                           NULL, NULL, NULL};
    assert_false(sg_audit_record_decision(a, &rec, f->err, sizeof f->err));
    assert_int_equal(f->nlines, 2);
    sg_audit_close(a);
}

static size_t spooled(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -c '\\.rec$'", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = 0;
    assert_int_equal(fscanf(p, "%zu", &n), 1);
    pclose(p);
    return n;
}

static sg_audit *open_spooling(fixture *f, const char *setting, char *spool, size_t len)
{
    snprintf(spool, len, "%s", f->spool);
    struct stat sb;
    if (stat(spool, &sb) != 0) {
        assert_int_equal(mkdir(spool, 0755), 0);
        assert_int_equal(chmod(spool, 01777), 0);
    }
    sg_audit *a = open_audit(f, setting);
    sg_audit_options opt = {NULL, spool, "mx1.example.com"};
    sg_audit_configure(a, &opt);
    return a;
}

/* Delivery as each recipient (Postfix's local, Exim's pipe): a user who may
 * not write the database spools the record, without a word (that is the
 * design, not a fault); whoever may write it (root) collects the spool, and
 * a record is stored once. */
static void test_records_of_users_who_may_not_write_wait_in_the_spool(void **state)
{
    fixture *f = *state;
    if (geteuid() != 0) {
        skip(); /* needs chown: the directory must be another user's */
    }
    char spool[128];
    sg_audit *a = open_spooling(f, f->path, spool, sizeof spool);
    assert_int_equal(chown(f->dir, 65534, 65534), 0); /* not ours: nobody's */
    sg_audit_record rec = {T0, "a@example.com", "b@example.org", "example.org", "redirect", "block", "default",
                           NULL, "<id@x>", NULL, NULL};
    assert_true(sg_audit_record_decision(a, &rec, f->err, sizeof f->err));
    assert_int_equal(f->nlines, 0);
    assert_int_equal(spooled(spool), 1);
    struct stat sb;
    assert_int_not_equal(stat(f->path, &sb), 0); /* not created by a user for everyone */
    sg_audit_close(a);

    assert_int_equal(chown(f->dir, 0, 0), 0); /* the administrator's directory */
    a = open_spooling(f, f->path, spool, sizeof spool);
    size_t sent = 9, left = 9;
    assert_true(sg_audit_flush_spool(a, &sent, &left, f->err, sizeof f->err));
    assert_int_equal(sent, 1);
    assert_int_equal(left, 0);
    assert_int_equal(spooled(spool), 0);
    sg_audit_close(a);
    sg_audit_report *r;
    assert_true(sg_audit_report_read(f->path, 0, &r, f->err, sizeof f->err));
    assert_int_equal(r->nrecords, 1);
    assert_string_equal(r->records[0].owner, "a@example.com");
    assert_string_equal(r->records[0].verdict, "block");
    assert_string_equal(r->records[0].host, "mx1.example.com");
    assert_string_equal(r->records[0].message_id, "<id@x>");
    sg_audit_report_free(r);
}

/* A broken database is a fault: reported, and the record waits in the spool
 * until the database takes it again. */
static void test_broken_database_spools_and_reports(void **state)
{
    fixture *f = *state;
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fputs("garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage", fp);
    fclose(fp);
    char spool[128];
    sg_audit *a = open_spooling(f, f->path, spool, sizeof spool);
    sg_audit_record rec = {T0, "a@example.com", "b@example.org", "example.org", "redirect", "allow", NULL, NULL,
                           NULL, NULL, NULL};
    assert_false(sg_audit_record_decision(a, &rec, f->err, sizeof f->err));
    char want[256];
    snprintf(want, sizeof want, "(the record waits in %s)", spool);
    assert_non_null(strstr(f->err, want));
    assert_int_equal(f->nlines, 2); /* the failure, and the record's line as the fallback */
    assert_int_equal(f->priorities[0], LOG_WARNING);
    assert_int_equal(spooled(spool), 1);
    sg_audit_close(a);

    assert_int_equal(unlink(f->path), 0); /* repaired: the administrator starts a new one */
    a = open_audit(f, f->path);
    sg_audit_options opt = {NULL, spool, NULL};
    sg_audit_configure(a, &opt);
    size_t sent = 0, left = 9;
    assert_true(sg_audit_flush_spool(a, &sent, &left, f->err, sizeof f->err));
    assert_int_equal(sent, 1);
    assert_int_equal(left, 0);
    sg_audit_close(a);
    sg_audit_report *r;
    assert_true(sg_audit_report_read(f->path, 0, &r, f->err, sizeof f->err));
    assert_int_equal(r->nrecords, 1);
    assert_string_equal(r->records[0].verdict, "allow");
    sg_audit_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setting),
        cmocka_unit_test(test_line_format),
        cmocka_unit_test(test_times),
        cmocka_unit_test_setup_teardown(test_record_and_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_only_and_null_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_database_falls_back_to_syslog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_of_missing_and_corrupt_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_records_of_users_who_may_not_write_wait_in_the_spool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken_database_spools_and_reports, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
