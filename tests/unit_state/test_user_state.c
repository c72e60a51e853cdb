/* test_user_state.c - cmocka tests of the per-user state store
 * (store/user_state.h): every operation with exact results, the expiry
 * boundary (the period's end is exclusive), purging on open and every N
 * writes, the per-kind bound, the key rules of RFC 5230 §4.2 (vacation),
 * RFC 7352 (duplicate) and policy.md (forward, bounce), and the failures:
 * corrupt, foreign, newer, locked, unwritable.
 *
 * Takes: a fresh temporary directory per test. The unwritable-directory
 * tests run in a child that drops to uid/gid 65534 when run as root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <grp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/user_state.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    char err[512];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/sg_state_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/state.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' && rm -rf '%s'", f->dir, f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static sg_user_state *open_at(fixture *f, int64_t now, const sg_user_state_limits *limits)
{
    sg_user_state *s = NULL;
    sg_state_status st = sg_user_state_open(f->path, now, limits, &s, f->err, sizeof f->err);
    if (st != SG_STATE_OK)
        print_error("open: %s\n", f->err);
    assert_int_equal(st, SG_STATE_OK);
    assert_non_null(s);
    return s;
}

static bool seen_at(fixture *f, sg_user_state *s, const sg_state_key *k, int64_t now)
{
    bool seen = true;
    sg_state_status st = sg_user_state_check(s, k, now, &seen, f->err, sizeof f->err);
    if (st != SG_STATE_OK)
        print_error("check: %s\n", f->err);
    assert_int_equal(st, SG_STATE_OK);
    return seen;
}

static void record(fixture *f, sg_user_state *s, const sg_state_key *k, int64_t now, uint64_t period, bool renew)
{
    sg_state_status st = sg_user_state_record(s, k, now, period, renew, f->err, sizeof f->err);
    if (st != SG_STATE_OK)
        print_error("record: %s\n", f->err);
    assert_int_equal(st, SG_STATE_OK);
}

static bool claim(fixture *f, sg_user_state *s, const sg_state_key *k, int64_t now, uint64_t period)
{
    bool won = false;
    sg_state_status st = sg_user_state_claim(s, k, now, period, &won, f->err, sizeof f->err);
    if (st != SG_STATE_OK)
        print_error("claim: %s\n", f->err);
    assert_int_equal(st, SG_STATE_OK);
    return won;
}

static size_t rows(fixture *f, sg_user_state *s, sg_state_kind kind)
{
    size_t n = 9999;
    assert_int_equal(sg_user_state_count(s, kind, &n, f->err, sizeof f->err), SG_STATE_OK);
    return n;
}

static void vkey(sg_state_key *k, const char *sender, const char *handle, const char *reason)
{
    sg_state_key_vacation(k, sender, handle, NULL, NULL, false, reason);
}

static bool same_key(const sg_state_key *a, const sg_state_key *b)
{
    return a->kind == b->kind && memcmp(a->digest, b->digest, sizeof a->digest) == 0;
}

static void hex(const sg_state_key *k, char out[65])
{
    for (size_t i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", k->digest[i]);
}

/* ---- raw SQLite, to look inside and to damage ---- */

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
    return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        print_error("sql: %s: %s\n", sql, msg ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
}

static long long raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void raw_text(sqlite3 *db, const char *sql, char *out, size_t len)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* ------------------------------------------------------------- open */

static void test_open_creates_versioned_file(void **state)
{
    fixture *f = *state;
    sg_user_state *s = open_at(f, 1000, NULL);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(rows(f, s, SG_STATE_VACATION), 0);
    sg_user_state_close(s);

    sqlite3 *db = raw_open(f->path);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 1);
    assert_int_equal(raw_int(db, "PRAGMA application_id"), 0x53475553);
    char mode[32];
    raw_text(db, "PRAGMA journal_mode", mode, sizeof mode);
    assert_string_equal(mode, "delete");
    assert_int_equal(raw_int(db, "SELECT count(*) FROM seen"), 0);
    sqlite3_close(db);

    /* Reopening an existing store: same file, nothing lost. */
    s = open_at(f, 1000, NULL);
    sg_state_key k;
    vkey(&k, "a@example.org", "h", "r");
    record(f, s, &k, 1000, 10, false);
    sg_user_state_close(s);
    s = open_at(f, 1001, NULL);
    assert_true(seen_at(f, s, &k, 1001));
    sg_user_state_close(s);
    sg_user_state_close(NULL);
}

static void test_open_without_path(void **state)
{
    fixture *f = *state;
    sg_user_state *s = (sg_user_state *)f; /* must be reset to NULL */
    assert_int_equal(sg_user_state_open(NULL, 0, NULL, &s, f->err, sizeof f->err), SG_STATE_UNAVAILABLE);
    assert_null(s);
    assert_string_equal(f->err, "no state store path given");
    assert_int_equal(sg_user_state_open("", 0, NULL, &s, f->err, sizeof f->err), SG_STATE_UNAVAILABLE);
    assert_null(s);
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(sg_state_kind_name(SG_STATE_VACATION), "vacation");
    assert_string_equal(sg_state_kind_name(SG_STATE_DUPLICATE), "duplicate");
    assert_string_equal(sg_state_kind_name(SG_STATE_FORWARD), "forward");
    assert_string_equal(sg_state_kind_name(SG_STATE_BOUNCE), "bounce");
    assert_string_equal(sg_state_kind_name(SG_STATE_NKINDS), "unknown");
}

/* ------------------------------------------------------- operations */

/* Recorded at T with period P: seen at T .. T+P-1, not at T+P (exclusive end). */
static void test_check_and_record_boundary(void **state)
{
    fixture *f = *state;
    sg_user_state *s = open_at(f, 1000, NULL);
    sg_state_key k, other, k_as_dup;
    vkey(&k, "coyote@desert.example.org", "h", "r");
    vkey(&other, "tweety@cage.example.org", "h", "r");
    k_as_dup = k;
    k_as_dup.kind = SG_STATE_DUPLICATE; /* same digest, other kind: a different record */

    assert_false(seen_at(f, s, &k, 1000));
    assert_int_equal(rows(f, s, SG_STATE_VACATION), 0); /* check writes nothing */
    record(f, s, &k, 1000, 60, false);
    assert_int_equal(rows(f, s, SG_STATE_VACATION), 1);
    assert_int_equal(rows(f, s, SG_STATE_DUPLICATE), 0);
    assert_true(seen_at(f, s, &k, 1000));
    assert_true(seen_at(f, s, &k, 1059));
    assert_false(seen_at(f, s, &k, 1060));
    assert_false(seen_at(f, s, &k, 5000));
    assert_false(seen_at(f, s, &other, 1000));
    assert_false(seen_at(f, s, &k_as_dup, 1000));
    sg_user_state_close(s);
}

static void test_record_keep_renew_replace(void **state)
{
    fixture *f = *state;
    sg_user_state *s = open_at(f, 1000, NULL);
    sg_state_key keep, renew, expired;
    sg_state_key_duplicate(&keep, NULL, "<keep@example.org>");
    sg_state_key_duplicate(&renew, NULL, "<renew@example.org>");
    sg_state_key_duplicate(&expired, NULL, "<expired@example.org>");

    /* Without :last the first expiry stands (RFC 7352 §3.3). */
    record(f, s, &keep, 1000, 60, false);
    record(f, s, &keep, 1030, 60, false);
    assert_true(seen_at(f, s, &keep, 1059));
    assert_false(seen_at(f, s, &keep, 1060));

    /* With :last (renew) it is measured from the last run. */
    record(f, s, &renew, 1000, 60, false);
    record(f, s, &renew, 1030, 60, true);
    assert_true(seen_at(f, s, &renew, 1089));
    assert_false(seen_at(f, s, &renew, 1090));

    /* An expired record is replaced, renew or not. */
    record(f, s, &expired, 1000, 60, false);
    record(f, s, &expired, 1070, 60, false);
    assert_true(seen_at(f, s, &expired, 1129));
    assert_false(seen_at(f, s, &expired, 1130));

    assert_int_equal(rows(f, s, SG_STATE_DUPLICATE), 3);
    sg_user_state_close(s);
}

/* RFC 6131 :seconds 0 and RFC 7352 :seconds 0: nothing stored, always "new". */
static void test_period_zero(void **state)
{
    fixture *f = *state;
    sg_user_state *s = open_at(f, 1000, NULL);
    sg_state_key k, live;
    vkey(&k, "a@example.org", NULL, "r");
    vkey(&live, "b@example.org", NULL, "r");
    record(f, s, &k, 1000, 0, false);
    record(f, s, &k, 1000, 0, true);
    assert_false(seen_at(f, s, &k, 1000));
    assert_true(claim(f, s, &k, 1000, 0));
    assert_true(claim(f, s, &k, 1000, 0));
    assert_int_equal(rows(f, s, SG_STATE_VACATION), 0);

    record(f, s, &live, 1000, 100, false);
    assert_true(claim(f, s, &live, 1001, 0)); /* always won, even over a live record */
    assert_true(seen_at(f, s, &live, 1001));  /* which stays */
    assert_int_equal(rows(f, s, SG_STATE_VACATION), 1);
    sg_user_state_close(s);
}

static void test_claim(void **state)
{
    fixture *f = *state;
    sg_user_state *s = open_at(f, 1000, NULL);
    sg_state_key k;
    sg_state_key_bounce(&k, "sender@remote.example", "owner@example.org");
    assert_true(claim(f, s, &k, 1000, 100));
    assert_false(claim(f, s, &k, 1000, 100));
    assert_false(claim(f, s, &k, 1099, 100));
    assert_true(seen_at(f, s, &k, 1099));
    /* The losing claims did not extend it: expired at exactly 1100, won again. */
    assert_true(claim(f, s, &k, 1100, 100));
    assert_true(seen_at(f, s, &k, 1199));
    assert_false(seen_at(f, s, &k, 1200));
    assert_int_equal(rows(f, s, SG_STATE_BOUNCE), 1);
    sg_user_state_close(s);
}

static void test_forget(void **state)
{
    fixture *f = *state;
    sg_user_state *s = open_at(f, 1000, NULL);
    sg_state_key k, missing;
    sg_state_key_forward(&k, "<m1@example.org>", "friend@remote.example");
    sg_state_key_forward(&missing, "<m2@example.org>", "friend@remote.example");
    assert_true(claim(f, s, &k, 1000, 600));
    assert_int_equal(sg_user_state_forget(s, &k, f->err, sizeof f->err), SG_STATE_OK);
    assert_false(seen_at(f, s, &k, 1000));
    assert_int_equal(rows(f, s, SG_STATE_FORWARD), 0);
    assert_true(claim(f, s, &k, 1001, 600)); /* the retried delivery sends it */
    assert_int_equal(sg_user_state_forget(s, &missing, f->err, sizeof f->err), SG_STATE_OK);
    assert_int_equal(rows(f, s, SG_STATE_FORWARD), 1);
    sg_user_state_close(s);
}

/* The forward tracker as user_state.h describes it: a short lease, then the full 12 h. */
static void test_lease_then_confirm(void **state)
{
    fixture *f = *state;
    sg_user_state *s = open_at(f, 1000, NULL);
    sg_state_key k;
    sg_state_key_forward(&k, "<m@example.org>", "friend@remote.example");
    assert_true(claim(f, s, &k, 1000, 600));
    assert_false(claim(f, s, &k, 1001, 600)); /* a concurrent delivery skips it */
    record(f, s, &k, 1010, 12 * 3600, true);
    assert_true(seen_at(f, s, &k, 1600));
    assert_true(seen_at(f, s, &k, 1010 + 12 * 3600 - 1));
    assert_false(seen_at(f, s, &k, 1010 + 12 * 3600));
    sg_user_state_close(s);
}

static void test_saturating_expiry(void **state)
{
    fixture *f = *state;
    sg_user_state *s = open_at(f, 0, NULL);
    sg_state_key k;
    sg_state_key_duplicate(&k, "forever", "id");
    record(f, s, &k, INT64_MAX - 10, UINT64_MAX, false);
    assert_true(seen_at(f, s, &k, INT64_MAX - 1));
    sg_state_key k2;
    sg_state_key_duplicate(&k2, "negative", "id");
    record(f, s, &k2, -100, 50, false);
    assert_true(seen_at(f, s, &k2, -51));
    assert_false(seen_at(f, s, &k2, -50));
    sg_user_state_close(s);
}

/* --------------------------------------------------- expiry, bounds */

static void test_purge_on_open(void **state)
{
    fixture *f = *state;
    sg_user_state *s = open_at(f, 0, NULL);
    sg_state_key a, b;
    sg_state_key_duplicate(&a, NULL, "a");
    sg_state_key_duplicate(&b, NULL, "b");
    record(f, s, &a, 0, 10, false);
    record(f, s, &b, 0, 100, false);
    sg_user_state_close(s);

    s = open_at(f, 9, NULL); /* nothing expired yet */
    assert_int_equal(rows(f, s, SG_STATE_DUPLICATE), 2);
    sg_user_state_close(s);
    s = open_at(f, 10, NULL); /* a expires at exactly 10 */
    assert_int_equal(rows(f, s, SG_STATE_DUPLICATE), 1);
    assert_false(seen_at(f, s, &a, 10));
    assert_true(seen_at(f, s, &b, 10));
    sg_user_state_close(s);
}

static void test_purge_every_n_writes(void **state)
{
    fixture *f = *state;
    sg_user_state_limits lim = {.purge_every = 3};
    sg_user_state *s = open_at(f, 0, &lim);
    sg_state_key a, b, c, d;
    sg_state_key_duplicate(&a, NULL, "a");
    sg_state_key_duplicate(&b, NULL, "b");
    sg_state_key_duplicate(&c, NULL, "c");
    sg_state_key_duplicate(&d, NULL, "d");
    record(f, s, &a, 0, 10, false); /* write 1 */
    assert_int_equal(rows(f, s, SG_STATE_DUPLICATE), 1);
    record(f, s, &b, 20, 100, false); /* write 2: a expired but still there */
    assert_int_equal(rows(f, s, SG_STATE_DUPLICATE), 2);
    record(f, s, &b, 21, 100, false); /* a live record kept: no write */
    assert_int_equal(rows(f, s, SG_STATE_DUPLICATE), 2);
    record(f, s, &c, 20, 100, false); /* write 3: purge */
    assert_int_equal(rows(f, s, SG_STATE_DUPLICATE), 2);
    assert_false(seen_at(f, s, &a, 0)); /* gone, not merely expired */
    assert_true(seen_at(f, s, &b, 20));
    assert_true(seen_at(f, s, &c, 20));

    /* The counter lives in the file: two writes here, one after reopening. */
    record(f, s, &d, 20, 5, false); /* write 1 */
    sg_user_state_close(s);
    s = open_at(f, 20, &lim);
    assert_int_equal(rows(f, s, SG_STATE_DUPLICATE), 3);
    sg_state_key e, g;
    sg_state_key_duplicate(&e, NULL, "e");
    sg_state_key_duplicate(&g, NULL, "g");
    record(f, s, &e, 30, 100, false); /* write 2: d expired (25) but kept */
    assert_int_equal(rows(f, s, SG_STATE_DUPLICATE), 4);
    record(f, s, &g, 30, 100, false); /* write 3: purge drops d */
    assert_int_equal(rows(f, s, SG_STATE_DUPLICATE), 4);
    assert_false(seen_at(f, s, &d, 20));

    /* Explicit purge: exact count. */
    size_t removed = 99;
    assert_int_equal(sg_user_state_purge(s, 119, &removed, f->err, sizeof f->err), SG_STATE_OK);
    assert_int_equal(removed, 0);
    assert_int_equal(sg_user_state_purge(s, 120, &removed, f->err, sizeof f->err), SG_STATE_OK);
    assert_int_equal(removed, 2); /* b, c: 20 + 100 */
    assert_int_equal(rows(f, s, SG_STATE_DUPLICATE), 2);
    assert_int_equal(sg_user_state_purge(s, 130, NULL, f->err, sizeof f->err), SG_STATE_OK);
    assert_int_equal(rows(f, s, SG_STATE_DUPLICATE), 0);
    sg_user_state_close(s);
}

static void test_bound_drops_oldest(void **state)
{
    fixture *f = *state;
    sg_user_state_limits lim = {.max_rows = {[SG_STATE_VACATION] = 3}};
    sg_user_state *s = open_at(f, 0, &lim);
    sg_state_key v[6], dup;
    const char *senders[6] = {"1@x.example", "2@x.example", "3@x.example",
                              "4@x.example", "5@x.example", "6@x.example"};
    for (int i = 0; i < 6; i++)
        vkey(&v[i], senders[i], NULL, "away");
    sg_state_key_duplicate(&dup, NULL, "other kind");
    record(f, s, &dup, 0, 1000, false);

    for (int i = 0; i < 4; i++)
        record(f, s, &v[i], i, 1000, false);
    assert_int_equal(rows(f, s, SG_STATE_VACATION), 3);
    assert_false(seen_at(f, s, &v[0], 10)); /* the oldest was dropped */
    assert_true(seen_at(f, s, &v[1], 10));
    assert_true(seen_at(f, s, &v[2], 10));
    assert_true(seen_at(f, s, &v[3], 10));
    assert_int_equal(rows(f, s, SG_STATE_DUPLICATE), 1); /* other kinds untouched */

    /* A renewed record counts as newest: v[2] goes next, not v[1]. */
    record(f, s, &v[1], 5, 1000, true);
    record(f, s, &v[4], 6, 1000, false);
    assert_int_equal(rows(f, s, SG_STATE_VACATION), 3);
    assert_true(seen_at(f, s, &v[1], 10));
    assert_false(seen_at(f, s, &v[2], 10));
    assert_true(seen_at(f, s, &v[3], 10));
    assert_true(seen_at(f, s, &v[4], 10));

    /* A claim is bounded the same way. */
    assert_true(claim(f, s, &v[5], 7, 1000));
    assert_int_equal(rows(f, s, SG_STATE_VACATION), 3);
    assert_false(seen_at(f, s, &v[3], 10));
    assert_true(seen_at(f, s, &v[5], 10));
    sg_user_state_close(s);
}

/* Over the bound, expired rows go first: an old but live row survives. */
static void test_bound_drops_expired_first(void **state)
{
    fixture *f = *state;
    sg_user_state_limits lim = {.max_rows = {[SG_STATE_BOUNCE] = 3}};
    sg_user_state *s = open_at(f, 0, &lim);
    sg_state_key w[4];
    const char *owners[4] = {"a@example.org", "b@example.org", "c@example.org", "d@example.org"};
    for (int i = 0; i < 4; i++)
        sg_state_key_bounce(&w[i], "s@remote.example", owners[i]);
    record(f, s, &w[0], 0, 1000, false);
    record(f, s, &w[1], 0, 10, false);
    record(f, s, &w[2], 0, 1000, false);
    record(f, s, &w[3], 50, 1000, false);
    assert_int_equal(rows(f, s, SG_STATE_BOUNCE), 3);
    assert_true(seen_at(f, s, &w[0], 50));
    assert_true(seen_at(f, s, &w[2], 50));
    assert_true(seen_at(f, s, &w[3], 50));
    assert_int_equal(sg_user_state_purge(s, 50, NULL, f->err, sizeof f->err), SG_STATE_OK);
    assert_int_equal(rows(f, s, SG_STATE_BOUNCE), 3); /* w[1] had already gone */
    sg_user_state_close(s);
}

/* ---------------------------------------------------------------- keys */

/* RFC 5230 §4.2: same sender, different :handle -> separate periods; the
 * same :handle is one response whatever the reason. */
static void test_vacation_key_handle(void **state)
{
    fixture *f = *state;
    sg_user_state *s = open_at(f, 1000, NULL);
    sg_state_key lunch, dinner, other, no_handle, empty_handle;
    sg_state_key_vacation(&lunch, "tweety@cage.example.org", "ran-away", NULL, NULL, false,
                          "I'm out and can't meet for lunch");
    sg_state_key_vacation(&dinner, "tweety@cage.example.org", "ran-away", "Re: dinner?", "spike@doghouse.example.com",
                          true, "I'm out");
    sg_state_key_vacation(&other, "tweety@cage.example.org", "sick", NULL, NULL, false, "I'm out");
    sg_state_key_vacation(&no_handle, "tweety@cage.example.org", NULL, NULL, NULL, false, "I'm out");
    sg_state_key_vacation(&empty_handle, "tweety@cage.example.org", "", NULL, NULL, false, "I'm out");
    assert_true(same_key(&lunch, &dinner));
    assert_false(same_key(&lunch, &other));
    assert_false(same_key(&lunch, &no_handle));
    assert_false(same_key(&empty_handle, &no_handle));

    /* tweety gets a single response to "lunch?" and "dinner?" (7 days)... */
    assert_true(claim(f, s, &lunch, 1000, 7 * 86400));
    assert_false(claim(f, s, &dinner, 2000, 7 * 86400));
    /* ...but the "sick" response has its own period. */
    assert_true(claim(f, s, &other, 2000, 86400));
    assert_false(claim(f, s, &other, 3000, 86400));
    assert_true(claim(f, s, &other, 2000 + 86400, 86400));
    assert_true(claim(f, s, &lunch, 1000 + 7 * 86400, 7 * 86400));
    sg_user_state_close(s);
}

/* RFC 5230 §4.2: without :handle, keyed by sender + :subject :from :mime reason. */
static void test_vacation_key_no_handle(void **state)
{
    fixture *f = *state;
    sg_user_state *s = open_at(f, 1000, NULL);
    const char *coyote = "coyote@desert.example.org";
    sg_state_key cyrus, call, base, again;
    sg_state_key_vacation(&cyrus, coyote, NULL, NULL, NULL, false, "I'm out -- send mail to cyrus-bugs");
    sg_state_key_vacation(&call, coyote, NULL, NULL, NULL, false, "I'm out -- call me at +1 304 555 0123");
    /* The RFC's example: two different responses, both sent. */
    assert_true(claim(f, s, &cyrus, 1000, 86400));
    assert_true(claim(f, s, &call, 1001, 86400));
    assert_false(claim(f, s, &cyrus, 1002, 86400));

    sg_state_key_vacation(&base, coyote, NULL, "Away", "me@example.org", false, "r");
    sg_state_key_vacation(&again, coyote, NULL, "Away", "me@example.org", false, "r");
    assert_true(same_key(&base, &again));
    sg_state_key k;
    sg_state_key_vacation(&k, coyote, NULL, "Away!", "me@example.org", false, "r");
    assert_false(same_key(&base, &k)); /* :subject */
    sg_state_key_vacation(&k, coyote, NULL, "Away", "other@example.org", false, "r");
    assert_false(same_key(&base, &k)); /* :from */
    sg_state_key_vacation(&k, coyote, NULL, "Away", "me@example.org", true, "r");
    assert_false(same_key(&base, &k)); /* :mime */
    sg_state_key_vacation(&k, coyote, NULL, "Away", "me@example.org", false, "r2");
    assert_false(same_key(&base, &k)); /* reason */
    sg_state_key_vacation(&k, "roadrunner@acme.example.com", NULL, "Away", "me@example.org", false, "r");
    assert_false(same_key(&base, &k)); /* sender */
    sg_state_key_vacation(&k, coyote, NULL, "", "me@example.org", false, "r");
    sg_state_key_vacation(&again, coyote, NULL, NULL, "me@example.org", false, "r");
    assert_false(same_key(&k, &again)); /* "" is given, NULL is not */

    /* The same text in different parameters never hashes the same. */
    sg_state_key a, b;
    sg_state_key_vacation(&a, coyote, NULL, "x", NULL, false, "yz");
    sg_state_key_vacation(&b, coyote, NULL, NULL, "x", false, "yz");
    assert_false(same_key(&a, &b));
    sg_state_key_vacation(&a, coyote, NULL, "ab", NULL, false, "c");
    sg_state_key_vacation(&b, coyote, NULL, "a", NULL, false, "bc");
    assert_false(same_key(&a, &b));
    /* A handle equal to the reason is still a handle. */
    sg_state_key_vacation(&a, coyote, "r", NULL, NULL, false, "r");
    sg_state_key_vacation(&b, coyote, NULL, NULL, NULL, false, "r");
    assert_false(same_key(&a, &b));
    sg_user_state_close(s);
}

/* Addresses: the domain is case-insensitive, the local part is not. */
static void test_address_case(void **state)
{
    (void)state;
    sg_state_key a, b;
    sg_state_key_vacation(&a, "Coyote@Desert.Example.ORG", "h", NULL, NULL, false, "r");
    sg_state_key_vacation(&b, "Coyote@desert.example.org", "h", NULL, NULL, false, "r");
    assert_true(same_key(&a, &b));
    sg_state_key_vacation(&b, "coyote@desert.example.org", "h", NULL, NULL, false, "r");
    assert_false(same_key(&a, &b));
    sg_state_key_forward(&a, "<m@x>", "Friend@Remote.EXAMPLE");
    sg_state_key_forward(&b, "<m@x>", "Friend@remote.example");
    assert_true(same_key(&a, &b));
    sg_state_key_forward(&b, "<M@x>", "Friend@remote.example");
    assert_false(same_key(&a, &b)); /* the Message-ID is exact */
    sg_state_key_bounce(&a, "s@Remote.example", "o@Example.org");
    sg_state_key_bounce(&b, "s@remote.example", "o@example.org");
    assert_true(same_key(&a, &b));
    sg_state_key_bounce(&b, "o@example.org", "s@remote.example");
    assert_false(same_key(&a, &b)); /* sender and owner are not interchangeable */
    /* A quoted local part holding '@': only the part after the last '@' folds. */
    sg_state_key_bounce(&a, "\"A@B\"@X.example", "o@example.org");
    sg_state_key_bounce(&b, "\"A@B\"@x.example", "o@example.org");
    assert_true(same_key(&a, &b));
    sg_state_key_bounce(&b, "\"a@b\"@x.example", "o@example.org");
    assert_false(same_key(&a, &b));
}

/* RFC 7352 §3.1-3.2: the unique id is exact; :handle separates tests. */
static void test_duplicate_keys(void **state)
{
    fixture *f = *state;
    sg_user_state *s = open_at(f, 1000, NULL);
    sg_state_key plain, handled, upper, again, empty_handle;
    sg_state_key_duplicate(&plain, NULL, "<id@example.org>");
    sg_state_key_duplicate(&again, NULL, "<id@example.org>");
    sg_state_key_duplicate(&handled, "list", "<id@example.org>");
    sg_state_key_duplicate(&empty_handle, "", "<id@example.org>");
    sg_state_key_duplicate(&upper, NULL, "<ID@example.org>");
    assert_int_equal(plain.kind, SG_STATE_DUPLICATE);
    assert_true(same_key(&plain, &again));
    assert_false(same_key(&plain, &handled));
    assert_false(same_key(&plain, &empty_handle));
    assert_false(same_key(&plain, &upper));
    record(f, s, &plain, 1000, 7 * 86400, false);
    assert_true(seen_at(f, s, &again, 1001));
    assert_false(seen_at(f, s, &handled, 1001));
    assert_false(seen_at(f, s, &upper, 1001));
    sg_user_state_close(s);
}

/* The key encoding is pinned: a change would silently reset everyone's
 * tracking. The expected digests were computed independently (Python's
 * hashlib over the encoding documented in user_state.c). */
static void test_key_digests_pinned(void **state)
{
    (void)state;
    char h[65];
    sg_state_key k;
    sg_state_key_forward(&k, "<a@b>", "Bob@Example.COM");
    assert_int_equal(k.kind, SG_STATE_FORWARD);
    hex(&k, h);
    assert_string_equal(h, "babbc2eba1df3fea3b519eacdd572b3912f42fdf1ee16230cee20f3422ca0a23");

    char reason[201];
    memset(reason, 'x', 200);
    reason[200] = '\0'; /* several SHA-256 blocks */
    sg_state_key_vacation(&k, "coyote@Desert.example.org", NULL, NULL, "Roadrunner <rr@acme.example.com>", false,
                          reason);
    assert_int_equal(k.kind, SG_STATE_VACATION);
    hex(&k, h);
    assert_string_equal(h, "85954599f8e0abd584ae36534afbc46c4219ecdb24066bbae976646fbf8bfbcc");

    sg_state_key_vacation(&k, "tweety@cage.example.org", "ran-away", "ignored", NULL, true, "ignored");
    hex(&k, h);
    assert_string_equal(h, "3c0c334671db05588fddfe26a8935ac58fb7cf864859286d74370ba4cb354823");
}

/* ------------------------------------------------------------ failures */

static void write_file(const char *path, const void *data, size_t len, off_t at)
{
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, data, len, at), (ssize_t)len);
    close(fd);
}

static void test_corrupt_file(void **state)
{
    fixture *f = *state;
    char garbage[4096];
    for (size_t i = 0; i < sizeof garbage; i++)
        garbage[i] = (char)(i * 131 + 7);
    write_file(f->path, garbage, sizeof garbage, 0);
    sg_user_state *s = (sg_user_state *)f;
    assert_int_equal(sg_user_state_open(f->path, 0, NULL, &s, f->err, sizeof f->err), SG_STATE_CORRUPT);
    assert_null(s);
    char want[256];
    snprintf(want, sizeof want, "state store %s is corrupt: file is not a database", f->path);
    assert_string_equal(f->err, want);
}

/* A store whose pages (not its header) were overwritten: reported as corrupt. */
static void test_corrupt_pages(void **state)
{
    fixture *f = *state;
    sg_user_state *s = open_at(f, 0, NULL);
    for (int i = 0; i < 500; i++) {
        char id[32];
        sg_state_key k;
        snprintf(id, sizeof id, "<%d@example.org>", i);
        sg_state_key_duplicate(&k, NULL, id);
        record(f, s, &k, 0, 1000, false);
    }
    sg_user_state_close(s);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_true(sb.st_size > 4 * 4096);
    char garbage[4096];
    memset(garbage, 0xA5, sizeof garbage);
    for (off_t at = 4096; at < sb.st_size; at += 4096)
        write_file(f->path, garbage, sizeof garbage, at);

    s = (sg_user_state *)f;
    assert_int_equal(sg_user_state_open(f->path, 0, NULL, &s, f->err, sizeof f->err), SG_STATE_CORRUPT);
    assert_null(s);
    char want[256];
    snprintf(want, sizeof want, "state store %s is corrupt: ", f->path);
    assert_memory_equal(f->err, want, strlen(want));
}

static void test_foreign_database(void **state)
{
    fixture *f = *state;
    sqlite3 *db = raw_open(f->path);
    raw_exec(db, "CREATE TABLE messages (id INTEGER)");
    sqlite3_close(db);
    sg_user_state *s = NULL;
    assert_int_equal(sg_user_state_open(f->path, 0, NULL, &s, f->err, sizeof f->err), SG_STATE_CORRUPT);
    assert_null(s);
    char want[256];
    snprintf(want, sizeof want, "state store %s is not a sievegate state store", f->path);
    assert_string_equal(f->err, want);

    /* The policy store's application id is not ours either. */
    unlink(f->path);
    db = raw_open(f->path);
    raw_exec(db, "PRAGMA application_id = 1397182547"); /* "SGPS" */
    sqlite3_close(db);
    assert_int_equal(sg_user_state_open(f->path, 0, NULL, &s, f->err, sizeof f->err), SG_STATE_CORRUPT);
    assert_string_equal(f->err, want);
}

static void test_newer_schema(void **state)
{
    fixture *f = *state;
    sg_user_state_close(open_at(f, 0, NULL));
    sqlite3 *db = raw_open(f->path);
    raw_exec(db, "PRAGMA user_version = 2");
    sqlite3_close(db);
    sg_user_state *s = NULL;
    assert_int_equal(sg_user_state_open(f->path, 0, NULL, &s, f->err, sizeof f->err), SG_STATE_UNAVAILABLE);
    assert_null(s);
    char want[256];
    snprintf(want, sizeof want, "state store %s has schema version 2, newer than this sievegate knows (1)",
             f->path);
    assert_string_equal(f->err, want);
}

/* Another delivery holds the write lock longer than the busy timeout. */
static void test_locked(void **state)
{
    fixture *f = *state;
    sg_user_state_limits lim = {.busy_timeout_ms = 100};
    sg_user_state *s = open_at(f, 0, &lim);
    sg_state_key k;
    sg_state_key_forward(&k, "<m@example.org>", "t@remote.example");
    sqlite3 *db = raw_open(f->path);
    raw_exec(db, "BEGIN IMMEDIATE");
    bool won = true;
    assert_int_equal(sg_user_state_claim(s, &k, 0, 600, &won, f->err, sizeof f->err), SG_STATE_UNAVAILABLE);
    assert_false(won);
    char want[256];
    snprintf(want, sizeof want, "state store %s is locked by another delivery (waited 100 ms)", f->path);
    assert_string_equal(f->err, want);
    assert_int_equal(sg_user_state_record(s, &k, 0, 600, false, f->err, sizeof f->err), SG_STATE_UNAVAILABLE);
    assert_string_equal(f->err, want);
    assert_int_equal(sg_user_state_forget(s, &k, f->err, sizeof f->err), SG_STATE_UNAVAILABLE);
    assert_int_equal(sg_user_state_purge(s, 0, NULL, f->err, sizeof f->err), SG_STATE_UNAVAILABLE);
    assert_false(seen_at(f, s, &k, 0)); /* reading still works under a reserved lock */
    raw_exec(db, "COMMIT");
    sqlite3_close(db);
    assert_true(claim(f, s, &k, 0, 600));
    sg_user_state_close(s);
}

/* Runs sg_user_state_open(path) in a child without root's privileges; the
 * parent gets its status and message. */
static sg_state_status open_unprivileged(const char *path, char *err, size_t errlen)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (geteuid() == 0 && (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
            _exit(99);
        char msg[512] = "";
        sg_user_state *s = NULL;
        sg_state_status st = sg_user_state_open(path, 0, NULL, &s, msg, sizeof msg);
        sg_user_state_close(s);
        if (write(fds[1], msg, strlen(msg)) < 0)
            _exit(98);
        _exit((int)st);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < errlen && (r = read(fds[0], err + n, errlen - 1 - n)) > 0)
        n += (size_t)r;
    err[n] = '\0';
    close(fds[0]);
    int wstatus = 0;
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    assert_true(WIFEXITED(wstatus));
    assert_true(WEXITSTATUS(wstatus) < 90);
    return (sg_state_status)WEXITSTATUS(wstatus);
}

static void test_unwritable_directory(void **state)
{
    fixture *f = *state;
    char dir[128], path[192], want[512];
    assert_int_equal(chmod(f->dir, 0755), 0);
    snprintf(dir, sizeof dir, "%s/home", f->dir);
    assert_int_equal(mkdir(dir, 0555), 0);
    assert_int_equal(chmod(dir, 0555), 0);
    snprintf(path, sizeof path, "%s/state.db", dir);

    assert_int_equal(open_unprivileged(path, f->err, sizeof f->err), SG_STATE_UNAVAILABLE);
    snprintf(want, sizeof want,
             "cannot open state store %s: directory %s is not writable (the journal is created there): "
             "Permission denied",
             path, dir);
    assert_string_equal(f->err, want);
    struct stat sb;
    assert_int_equal(stat(path, &sb), -1); /* nothing created */

    /* An existing store in that directory cannot be written either (no journal). */
    assert_int_equal(chmod(dir, 0777), 0);
    assert_int_equal(open_unprivileged(path, f->err, sizeof f->err), SG_STATE_OK);
    assert_int_equal(chmod(dir, 0555), 0);
    assert_int_equal(open_unprivileged(path, f->err, sizeof f->err), SG_STATE_UNAVAILABLE);
    assert_string_equal(f->err, want);
}

static void test_unwritable_file(void **state)
{
    fixture *f = *state;
    char dir[128], path[192], want[512];
    assert_int_equal(chmod(f->dir, 0755), 0);
    snprintf(dir, sizeof dir, "%s/home", f->dir);
    assert_int_equal(mkdir(dir, 0777), 0);
    assert_int_equal(chmod(dir, 0777), 0);
    snprintf(path, sizeof path, "%s/state.db", dir);
    write_file(path, "", 0, 0);
    assert_int_equal(chmod(path, 0444), 0);
    assert_int_equal(open_unprivileged(path, f->err, sizeof f->err), SG_STATE_UNAVAILABLE);
    snprintf(want, sizeof want, "cannot open state store %s: Permission denied", path);
    assert_string_equal(f->err, want);
}

static void test_missing_directory(void **state)
{
    fixture *f = *state;
    char path[192], want[512];
    snprintf(path, sizeof path, "%s/no/such/state.db", f->dir);
    sg_user_state *s = NULL;
    assert_int_equal(sg_user_state_open(path, 0, NULL, &s, f->err, sizeof f->err), SG_STATE_UNAVAILABLE);
    assert_null(s);
    snprintf(want, sizeof want, "cannot open state store %s: directory %s/no/such: No such file or directory", path,
             f->dir);
    assert_string_equal(f->err, want);

    /* The path is a directory. */
    assert_int_equal(sg_user_state_open(f->dir, 0, NULL, &s, f->err, sizeof f->err), SG_STATE_UNAVAILABLE);
    snprintf(want, sizeof want, "cannot open state store %s: not a regular file", f->dir);
    assert_string_equal(f->err, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_versioned_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_without_path, setup, teardown),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test_setup_teardown(test_check_and_record_boundary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_keep_renew_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_period_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease_then_confirm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_saturating_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_on_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_every_n_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bound_drops_oldest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bound_drops_expired_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vacation_key_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vacation_key_no_handle, setup, teardown),
        cmocka_unit_test(test_address_case),
        cmocka_unit_test_setup_teardown(test_duplicate_keys, setup, teardown),
        cmocka_unit_test(test_key_digests_pinned),
        cmocka_unit_test_setup_teardown(test_corrupt_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_directory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
