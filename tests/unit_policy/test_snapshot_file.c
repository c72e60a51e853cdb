/* test_snapshot_file.c - cmocka tests of the policy store's snapshot file
 * (store/policy_snapshot_file.h) and of the policy source reading it first
 * (store/policy_source.h, step 0).
 *
 * Takes: a fresh temporary directory per test with a real SQLite store.
 * Asserts: a copy written after a change reads back as the same policy; it is
 * refused (the caller then reads the store) when the store changed after it,
 * when a journal holds data, when the store is in WAL mode, when it is corrupt
 * or truncated, or writable by others; and the source never answers from a
 * stale copy: a change made without refreshing the copy is seen at once.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/policy_codec.h"
#include "store/policy_snapshot_file.h"
#include "store/policy_source.h"
#include "store/policy_store.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    char snap[160];
    char uri[160];
    char err[512];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/sg_snapfile_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/p.db", f->dir);
    snprintf(f->snap, sizeof f->snap, "%s.snapshot", f->path);
    snprintf(f->uri, sizeof f->uri, "sqlite:%s", f->path);
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

static sg_policy_store *open_store(fixture *f)
{
    sg_policy_store *s = NULL;
    assert_int_equal(sg_policy_store_open(f->uri, true, &s, f->err, sizeof f->err), SG_STORE_OK);
    return s;
}

/* One change through the store: an accepted domain. */
static void add_domain(fixture *f, const char *domain)
{
    sg_policy_store *s = open_store(f);
    assert_int_equal(sg_policy_store_add_accepted_domain(s, domain, false, f->err, sizeof f->err), SG_STORE_OK);
    sg_policy_store_close(s);
}

static uint64_t write_snapshot(fixture *f)
{
    sg_policy_store *s = open_store(f);
    uint64_t g = 0;
    bool ok = sg_snapshot_file_write(f->path, s, &g, f->err, sizeof f->err);
    if (!ok)
        print_error("write: %s\n", f->err);
    assert_true(ok);
    sg_policy_store_close(s);
    return g;
}

static sg_snapshot_file_status read_snapshot(fixture *f, sg_policy **p)
{
    return sg_snapshot_file_read(f->path, p, f->err, sizeof f->err);
}

static void assert_unusable(fixture *f, const char *why)
{
    sg_policy *p = (sg_policy *)1;
    assert_int_equal(read_snapshot(f, &p), SG_SNAPSHOT_FILE_UNUSABLE);
    assert_null(p);
    if (!strstr(f->err, why))
        print_error("reason: %s (expected %s)\n", f->err, why);
    assert_non_null(strstr(f->err, why));
}

/* Every part encodes to the same bytes: the copy is the store's policy. */
static void assert_same_policy(const sg_policy *a, const sg_policy *b)
{
    assert_int_equal(a->generation, b->generation);
    for (int i = 0; i < SG_PART_COUNT; i++) {
        size_t la, lb;
        char *ea = sg_policy_encode_part(a, (sg_policy_part)i, &la);
        char *eb = sg_policy_encode_part(b, (sg_policy_part)i, &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(ea, eb, la);
        free(ea);
        free(eb);
    }
}

static void test_round_trip(void **state)
{
    fixture *f = *state;
    add_domain(f, "example.com");
    sg_policy_store *s = open_store(f);
    sg_strlist members = {0};
    const char *m[] = {"alice@example.com", "bob@example.com"};
    members.items = m;
    members.count = 2;
    assert_int_equal(sg_policy_store_put_group(s, "sales", &members, f->err, sizeof f->err), SG_STORE_OK);
    sg_admin_forward fwd = {"bob@example.com", "bob@partner.example", false};
    assert_int_equal(sg_policy_store_put_forward(s, &fwd, f->err, sizeof f->err), SG_STORE_OK);
    sg_policy *want;
    assert_int_equal(sg_policy_store_load(s, &want, f->err, sizeof f->err), SG_STORE_OK);
    sg_policy_store_close(s);

    assert_int_equal(write_snapshot(f), want->generation);
    sg_policy *got = NULL;
    assert_int_equal(read_snapshot(f, &got), SG_SNAPSHOT_FILE_OK);
    assert_same_policy(got, want);
    assert_int_equal(got->ngroups, 1);
    assert_int_equal(got->nforwards, 1); /* the admin forwards travel in the copy too */
    assert_string_equal(got->forwards[0].address, "bob@partner.example");
    sg_policy_free(got);
    sg_policy_free(want);
}

static void test_missing(void **state)
{
    fixture *f = *state;
    assert_unusable(f, "cannot open"); /* no store */
    add_domain(f, "example.com");
    assert_unusable(f, "no snapshot file");
}

/* A change after the copy: its label no longer matches the store file. */
static void test_stale_after_change(void **state)
{
    fixture *f = *state;
    add_domain(f, "example.com");
    write_snapshot(f);
    add_domain(f, "example.net");
    assert_unusable(f, "older than the store");
    write_snapshot(f);
    sg_policy *p = NULL;
    assert_int_equal(read_snapshot(f, &p), SG_SNAPSHOT_FILE_OK);
    assert_int_equal(p->naccepted, 2);
    sg_policy_free(p);
}

/* The store file touched (e.g. restored with the same counter): stale. */
static void test_stale_after_touch(void **state)
{
    fixture *f = *state;
    add_domain(f, "example.com");
    write_snapshot(f);
    struct timespec ts[2] = {{0, UTIME_OMIT}, {1000000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, f->path, ts, 0), 0);
    assert_unusable(f, "older than the store");
}

static void write_bytes(const char *path, const char *bytes, size_t n)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fwrite(bytes, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

static void test_journal_with_data(void **state)
{
    fixture *f = *state;
    add_domain(f, "example.com");
    write_snapshot(f);
    char journal[160];
    snprintf(journal, sizeof journal, "%s-journal", f->path);
    write_bytes(journal, "x", 1);
    assert_unusable(f, "in progress or was interrupted");
    write_bytes(journal, "", 0); /* an empty journal (journal_mode=TRUNCATE) holds nothing */
    sg_policy *p = NULL;
    assert_int_equal(read_snapshot(f, &p), SG_SNAPSHOT_FILE_OK);
    sg_policy_free(p);
}

static void test_wal_mode(void **state)
{
    fixture *f = *state;
    add_domain(f, "example.com");
    write_snapshot(f);
    /* Switched by hand (the store's own writable open switches it back). */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_unusable(f, "rollback-journal");
}

static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *n = fread(buf, 1, 1 << 20, fp);
    fclose(fp);
    return buf;
}

static void test_corrupt(void **state)
{
    fixture *f = *state;
    add_domain(f, "example.com");
    write_snapshot(f);
    size_t n;
    char *good = slurp(f->snap, &n);
    char *bad = malloc(n);
    assert_non_null(bad);

    memcpy(bad, good, n);
    char *dom = memmem(bad, n, "example.com", 11);
    assert_non_null(dom);
    dom[0] = 'E'; /* one byte of an entry: its checksum no longer matches */
    write_bytes(f->snap, bad, n);
    assert_unusable(f, "corrupt");

    write_bytes(f->snap, good, n - 3); /* truncated */
    assert_unusable(f, "truncated");

    memcpy(bad, good, n);
    bad[0] = 'X'; /* not our magic */
    write_bytes(f->snap, bad, n);
    assert_unusable(f, "header is corrupt");

    memcpy(bad, good, n);
    write_bytes(f->snap, bad, n);
    FILE *fp = fopen(f->snap, "a"); /* a byte more than the lengths say */
    fputc('x', fp);
    fclose(fp);
    assert_unusable(f, "corrupt");

    write_bytes(f->snap, good, n);
    sg_policy *p = NULL;
    assert_int_equal(read_snapshot(f, &p), SG_SNAPSHOT_FILE_OK);
    sg_policy_free(p);
    free(bad);
    free(good);
}

/* Written by someone the store would not let write: ignored. */
static void test_untrusted_mode(void **state)
{
    fixture *f = *state;
    add_domain(f, "example.com");
    write_snapshot(f);
    assert_int_equal(chmod(f->path, 0644), 0);
    assert_int_equal(chmod(f->snap, 0666), 0);
    assert_unusable(f, "writable by others");
    assert_int_equal(chmod(f->snap, 0664), 0);
    assert_unusable(f, "writable by others");
    assert_int_equal(chmod(f->snap, 0644), 0);
    sg_policy *p = NULL;
    assert_int_equal(read_snapshot(f, &p), SG_SNAPSHOT_FILE_OK);
    sg_policy_free(p);
}

/* ------------------------------------------------------ the policy source */

static sg_policy_origin source_get(fixture *f, const char *snapshot_setting, size_t *naccepted)
{
    sg_config *cfg = sg_config_new();
    sg_config_set(cfg, "policy_store", f->uri);
    if (snapshot_setting)
        sg_config_set(cfg, "policy_snapshot_file", snapshot_setting);
    sg_policy_source *src;
    assert_true(sg_policy_source_open(cfg, &src, f->err, sizeof f->err));
    sg_policy_answer a;
    assert_int_equal(sg_policy_source_get_for(src, "alice@example.com", &a), SG_POLICY_OK);
    *naccepted = a.policy->naccepted;
    sg_policy_free(a.policy);
    sg_policy_source_close(src);
    sg_config_free(cfg);
    return a.origin;
}

static void test_source_reads_copy_first(void **state)
{
    fixture *f = *state;
    add_domain(f, "example.com");
    write_snapshot(f);
    size_t n = 0;
    assert_int_equal(source_get(f, NULL, &n), SG_POLICY_FROM_SNAPSHOT_FILE);
    assert_int_equal(n, 1);
    assert_int_equal(source_get(f, "yes", &n), SG_POLICY_FROM_SNAPSHOT_FILE);
    assert_int_equal(source_get(f, "no", &n), SG_POLICY_FROM_STORE);
    assert_int_equal(n, 1);
}

/* The safety property: a change made without refreshing the copy (another
 * tool, or policy_snapshot_file = no on the admin side) is seen at once. */
static void test_source_never_stale(void **state)
{
    fixture *f = *state;
    add_domain(f, "example.com");
    write_snapshot(f);
    add_domain(f, "example.net");
    size_t n = 0;
    assert_int_equal(source_get(f, NULL, &n), SG_POLICY_FROM_STORE);
    assert_int_equal(n, 2);
}

/* A source kept open across messages (the LMTP server's), without memcached
 * and without the snapshot file: the same policy at every get, and a change
 * of the store seen at the next get, without reopening anything. */
static void test_source_kept_open(void **state)
{
    fixture *f = *state;
    add_domain(f, "example.com");
    sg_config *cfg = sg_config_new();
    sg_config_set(cfg, "policy_store", f->uri);
    sg_config_set(cfg, "policy_snapshot_file", "no");
    sg_policy_source *src;
    assert_true(sg_policy_source_open(cfg, &src, f->err, sizeof f->err));
    sg_policy_answer a, b;
    assert_int_equal(sg_policy_source_get_for(src, "alice@example.com", &a), SG_POLICY_OK);
    assert_int_equal(a.origin, SG_POLICY_FROM_STORE);
    assert_int_equal(a.policy->naccepted, 1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sg_policy_source_get(src, &b), SG_POLICY_OK);
        assert_int_equal(b.origin, SG_POLICY_FROM_STORE);
        assert_same_policy(a.policy, b.policy);
        sg_policy_free(b.policy);
    }
    add_domain(f, "example.net");
    assert_int_equal(sg_policy_source_get(src, &b), SG_POLICY_OK);
    assert_int_equal(b.policy->naccepted, 2);
    assert_true(b.policy->generation > a.policy->generation);
    sg_policy_free(b.policy);
    sg_policy_free(a.policy);
    sg_policy_source_close(src);
    sg_config_free(cfg);
}

/* A source kept open with the copy (the LMTP server's, by default): the
 * copy is read once and kept while the store file is unchanged (the copy
 * itself may even go); a change of the store is seen at the next get. */
static void test_source_kept_open_with_copy(void **state)
{
    fixture *f = *state;
    add_domain(f, "example.com");
    write_snapshot(f);
    sg_config *cfg = sg_config_new();
    sg_config_set(cfg, "policy_store", f->uri);
    sg_policy_source *src;
    assert_true(sg_policy_source_open(cfg, &src, f->err, sizeof f->err));
    sg_policy_answer a, b;
    assert_int_equal(sg_policy_source_get_for(src, "alice@example.com", &a), SG_POLICY_OK);
    assert_int_equal(a.origin, SG_POLICY_FROM_SNAPSHOT_FILE);
    char *snap = sg_xmalloc(strlen(f->path) + 10);
    sprintf(snap, "%s.snapshot", f->path);
    assert_int_equal(unlink(snap), 0); /* not read again: the store is as it was */
    assert_int_equal(sg_policy_source_get(src, &b), SG_POLICY_OK);
    assert_int_equal(b.origin, SG_POLICY_FROM_SNAPSHOT_FILE);
    assert_same_policy(a.policy, b.policy);
    sg_policy_free(b.policy);
    add_domain(f, "example.net"); /* the store changed, the copy kept is older */
    assert_int_equal(sg_policy_source_get(src, &b), SG_POLICY_OK);
    assert_int_equal(b.origin, SG_POLICY_FROM_STORE);
    assert_int_equal(b.policy->naccepted, 2);
    sg_policy_free(b.policy);
    sg_policy_free(a.policy);
    sg_policy_source_close(src);
    sg_config_free(cfg);

    /* the reader itself: kept while the label holds, dropped when it does not */
    write_snapshot(f);
    sg_snapshot_file_memo memo;
    memset(&memo, 0, sizeof memo);
    sg_policy *p = NULL;
    assert_int_equal(sg_snapshot_file_read_memo(f->path, &memo, &p, f->err, sizeof f->err), SG_SNAPSHOT_FILE_OK);
    assert_true(memo.have);
    sg_policy_free(p);
    assert_int_equal(unlink(snap), 0);
    assert_int_equal(sg_snapshot_file_read_memo(f->path, &memo, &p, f->err, sizeof f->err), SG_SNAPSHOT_FILE_OK);
    assert_int_equal(p->naccepted, 2);
    sg_policy_free(p);
    add_domain(f, "example.org");
    p = (sg_policy *)1;
    assert_int_equal(sg_snapshot_file_read_memo(f->path, &memo, &p, f->err, sizeof f->err), SG_SNAPSHOT_FILE_UNUSABLE);
    assert_null(p);
    assert_false(memo.have);
    sg_snapshot_file_memo_clear(&memo);
    free(snap);
}

static void test_source_bad_setting(void **state)
{
    fixture *f = *state;
    sg_config *cfg = sg_config_new();
    sg_config_set(cfg, "policy_snapshot_file", "maybe");
    sg_policy_source *src = NULL;
    assert_false(sg_policy_source_open(cfg, &src, f->err, sizeof f->err));
    assert_non_null(strstr(f->err, "policy_snapshot_file"));
    sg_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_after_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_after_touch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_with_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_untrusted_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_reads_copy_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_never_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_kept_open_with_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_kept_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_bad_setting, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
