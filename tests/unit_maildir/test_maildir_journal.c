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
    char *base = md_tempdir();
    char *root = md_join(base, "Maildir");
    mkdir(root, 0700);
    md_make_maildir(root);
    char *journal = md_join(root, SG_MAILDIR_JOURNAL);
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
    free(journal);
    md_rmtree(base);
    free(root);
    free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rotation_drops_old_entries_and_never_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
