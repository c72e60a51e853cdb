/* test_maildir_journal.c - the exactly-once journal (engine/deliver/maildir_journal.c)
 * past SG_MAILDIR_JOURNAL_MAX bytes: it is rewritten without the entries
 * older than the window, and a process that delivers again afterwards (an
 * LMTP worker) is not blocked by a lock it left behind. The journal once
 * leaked a descriptor holding its exclusive lock, so the next delivery of
 * the same process waited for itself forever; an alarm ends such a test. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/deliver/maildir.h"
#include "tests/unit_maildir/md_support.h"

#define MSG "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n"

static void deliver_keyed(const char *root, const char *key)
{
    sg_maildir_options o = {false, false, MD_HOST, key, NULL, NULL};
    sg_maildir_txn *txn = NULL;
    sg_maildir_error err;
    assert_int_equal(sg_maildir_begin(root, &o, NULL, 0, MSG, strlen(MSG), &txn, &err), SG_MAILDIR_OK);
    assert_int_equal(sg_maildir_add(txn, "INBOX", NULL, 0, false, &err), SG_MAILDIR_OK);
    assert_int_equal(sg_maildir_commit(txn, &err), SG_MAILDIR_OK);
    sg_maildir_free(txn);
}

/* A Maildir in a new temporary directory, its journal's path, and the end. */
typedef struct fixture {
    char *base, *root, *journal;
} fixture;

static fixture fixture_make(void)
{
    fixture f;
    f.base = md_tempdir();
    f.root = md_join(f.base, "Maildir");
    mkdir(f.root, 0700);
    md_make_maildir(f.root);
    f.journal = md_join(f.root, SG_MAILDIR_JOURNAL);
    return f;
}

static void fixture_free(fixture *f)
{
    free(f->journal);
    md_rmtree(f->base);
    free(f->root);
    free(f->base);
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "a delivery blocked on the journal's lock\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(1);
}

static void test_rotation_drops_old_entries_and_never_blocks(void **state)
{
    (void)state;
    fixture fx = fixture_make();
    char *root = fx.root, *journal = fx.journal;
    /* entries from 1970, past the window, over SG_MAILDIR_JOURNAL_MAX bytes */
    FILE *fp = fopen(journal, "w");
    assert_non_null(fp);
    size_t written = 0;
    for (int i = 0; written <= SG_MAILDIR_JOURNAL_MAX; i++)
        written += (size_t)fprintf(fp, "D 1000 old%060d\n", i);
    fclose(fp);

    signal(SIGALRM, on_alarm);
    alarm(20);
    deliver_keyed(root, "first"); /* its P line goes over the limit: rewritten */
    deliver_keyed(root, "second"); /* the same process again: must not wait for itself */
    deliver_keyed(root, "third");
    alarm(0);

    size_t len;
    char *text = md_read(journal, &len);
    assert_null(strstr(text, " old"));
    const char *keys[] = {"first", "second", "third"};
    for (size_t i = 0; i < 3; i++) {
        char p[32], d[32];
        snprintf(p, sizeof p, " %s 1 ", keys[i]);
        snprintf(d, sizeof d, " %s\n", keys[i]);
        assert_non_null(strstr(text, p)); /* first's P line: in the window, so kept by the rewrite */
        assert_non_null(strstr(text, d));
    }
    assert_true(len < 2048);
    char *leftover = md_join(root, SG_MAILDIR_JOURNAL ".new");
    struct stat st;
    assert_int_equal(stat(leftover, &st), -1);
    /* three copies in new/, one per delivery */
    char *listing = md_tree(root);
    size_t in_new = 0;
    for (const char *q = listing; (q = strstr(q, "\nnew/")) != NULL; q += 5)
        in_new += q[5] != '\n'; /* a file, not the directory's own line */
    assert_int_equal(in_new, 3);
    free(listing);
    free(leftover);
    free(text);
    fixture_free(&fx);
}

/* A mailbox with more than SG_MAILDIR_JOURNAL_MAX bytes of entries within the
 * window: the file is appended to, not rewritten at every delivery (its inode
 * stays, nothing is dropped), and the lookup finds keys anywhere in it, across
 * the reader's chunks, including a key that only begins like another one. */
static void test_journal_in_window_is_appended_not_rewritten(void **state)
{
    (void)state;
    fixture fx = fixture_make();
    char *base = fx.base, *root = fx.root, *journal = fx.journal;
    long long now = (long long)time(NULL);
    FILE *fp = fopen(journal, "w");
    assert_non_null(fp);
    size_t written = 0;
    for (int i = 0; written <= SG_MAILDIR_JOURNAL_MAX + 100000; i++)
        written += (size_t)fprintf(fp, "D %lld recent%058d\n", now - 3600, i);
    fprintf(fp, "D %lld lastkey\n", now - 60);
    fclose(fp);
    struct stat before, after;
    /* a second name keeps the file's inode taken: a rewrite gets another */
    char *pinned = md_join(base, "pinned");
    assert_int_equal(link(journal, pinned), 0);
    assert_int_equal(stat(journal, &before), 0);

    signal(SIGALRM, on_alarm);
    alarm(20);
    deliver_keyed(root, "fresh");
    alarm(0);
    assert_int_equal(stat(journal, &after), 0);
    assert_int_equal(after.st_ino, before.st_ino);
    assert_int_equal(after.st_nlink, 2);
    assert_true(after.st_size > before.st_size);
    free(pinned);

    sg_maildir_options o = {false, false, MD_HOST, NULL, NULL, NULL};
    sg_maildir_error err;
    const char *found[] = {"recent0000000000000000000000000000000000000000000000000000000000", "lastkey", "fresh",
                           "recent0000000000000000000000000000000000000000000000000000000777"};
    for (size_t i = 0; i < 4; i++) {
        bool delivered = false;
        size_t copies = 9;
        o.journal_key = found[i];
        assert_int_equal(sg_maildir_recover(root, &o, (time_t)now, &delivered, &copies, &err), SG_MAILDIR_OK);
        assert_true(delivered);
    }
    const char *absent[] = {"recent", "lastke", "freshly", "recent00000000000000000000000000000000000000000000000000000009999999"};
    for (size_t i = 0; i < 4; i++) {
        bool delivered = true;
        size_t copies = 9;
        o.journal_key = absent[i];
        assert_int_equal(sg_maildir_recover(root, &o, (time_t)now, &delivered, &copies, &err), SG_MAILDIR_OK);
        assert_false(delivered);
    }
    fixture_free(&fx);
}

/* Over the limit, the oldest entry just past the window: not yet worth a
 * rewrite (within SG_MAILDIR_JOURNAL_SLACK); past the slack too: rewritten,
 * without it. */
static void write_journal_from(const char *journal, long long oldest, long long now)
{
    FILE *fp = fopen(journal, "w");
    assert_non_null(fp);
    size_t written = (size_t)fprintf(fp, "D %lld oldest\n", oldest);
    for (int i = 0; written <= SG_MAILDIR_JOURNAL_MAX; i++)
        written += (size_t)fprintf(fp, "D %lld recent%058d\n", now - 60, i);
    fclose(fp);
}

static void test_rewrite_waits_for_the_slack(void **state)
{
    (void)state;
    fixture fx = fixture_make();
    char *root = fx.root, *journal = fx.journal;
    long long now = (long long)time(NULL);
    struct stat before, after;
    size_t len;

    write_journal_from(journal, now - SG_MAILDIR_JOURNAL_WINDOW - 600, now);
    assert_int_equal(stat(journal, &before), 0);
    deliver_keyed(root, "one");
    assert_int_equal(stat(journal, &after), 0);
    assert_int_equal(after.st_ino, before.st_ino);
    char *text = md_read(journal, &len);
    assert_non_null(strstr(text, " oldest\n"));
    free(text);

    write_journal_from(journal, now - SG_MAILDIR_JOURNAL_WINDOW - SG_MAILDIR_JOURNAL_SLACK - 600, now);
    assert_int_equal(stat(journal, &before), 0);
    deliver_keyed(root, "two");
    assert_int_equal(stat(journal, &after), 0);
    text = md_read(journal, &len);
    assert_null(strstr(text, " oldest\n"));
    assert_non_null(strstr(text, " recent0000000000000000000000000000000000000000000000000000000000\n"));
    assert_non_null(strstr(text, " two\n"));
    free(text);
    fixture_free(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rotation_drops_old_entries_and_never_blocks),
        cmocka_unit_test(test_journal_in_window_is_appended_not_rewritten),
        cmocka_unit_test(test_rewrite_waits_for_the_slack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
