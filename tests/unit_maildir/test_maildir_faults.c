/* test_maildir_faults.c - every failure of a Maildir delivery leaves nothing
 * half-delivered and loses nothing: the disk fills (ENOSPC), the quota is
 * reached (EDQUOT), fsync or rename fail, folder creation fails... at each
 * step of a transaction, and the Maildir is then listed whole and compared
 * with what must be there. The faults come from fault_shim.c, preloaded by
 * ctest (LD_PRELOAD; CMakeLists.txt), which fails real write/fsync/rename/
 * mkdir calls as the SG_FAULT_* variables set here say. Run without the shim
 * the program exits 77 (skipped), or 1 when SG_FAULT_REQUIRED is set (as
 * ctest sets it). */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
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

#define MSG "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\nline two\r\n"
#define MSG_LF "From: a@example.org\nSubject: hi\n\nbody\nline two\n"
#define EMPTY_MAILDIR "cur/\nnew/\ntmp/\n"
#define FOLDER(name) "." name "/\n." name "/cur/\n." name "/new/\n." name "/tmp/\n"
/* INBOX, .Work and .Lists.dev, without messages */
#define THREE_EMPTY FOLDER("Lists.dev") FOLDER("Work") EMPTY_MAILDIR

typedef struct fixture {
    char *base, *root;
} fixture;

static int arm_count;

/* Makes the next matching calls of `op` fail (see fault_shim.c). */
static void arm(const char *op, const char *match, int after, int times, int errnum)
{
    char num[32];
    snprintf(num, sizeof num, "%d", ++arm_count);
    setenv("SG_FAULT_ID", num, 1);
    setenv("SG_FAULT_MATCH", match ? match : "", 1);
    snprintf(num, sizeof num, "%d", after);
    setenv("SG_FAULT_AFTER", num, 1);
    snprintf(num, sizeof num, "%d", times);
    setenv("SG_FAULT_TIMES", num, 1);
    snprintf(num, sizeof num, "%d", errnum);
    setenv("SG_FAULT_ERRNO", num, 1);
    unsetenv("SG_FAULT_SHORT");
    setenv("SG_FAULT_OP", op, 1);
}

static void disarm(void)
{
    unsetenv("SG_FAULT_OP");
    unsetenv("SG_FAULT_SHORT");
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->base = md_tempdir();
    f->root = md_join(f->base, "Maildir");
    /* INBOX, Work and Lists/dev exist: the faults hit the message writes */
    md_make_maildir(f->root);
    static const char *const folders[] = {".Work", ".Lists.dev"};
    for (size_t i = 0; i < 2; i++) {
        char *p = md_join(f->root, folders[i]);
        md_make_maildir(p);
        free(p);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    disarm();
    fixture *f = *state;
    if (!f)
        return 0;
    md_rmtree(f->base);
    free(f->base);
    free(f->root);
    free(f);
    return 0;
}

static sg_maildir_txn *begin(const fixture *f, const char *msg)
{
    sg_maildir_options o = {false, false, MD_HOST, NULL, NULL, NULL};
    sg_maildir_txn *txn = NULL;
    sg_maildir_error err;
    assert_int_equal(sg_maildir_begin(f->root, &o, NULL, 0, msg, strlen(msg), &txn, &err), SG_MAILDIR_OK);
    return txn;
}

static void add_ok(sg_maildir_txn *txn, const char *mailbox, const char *const *flags, size_t nflags)
{
    sg_maildir_error err;
    sg_maildir_status st = sg_maildir_add(txn, mailbox, flags, nflags, false, &err);
    if (st != SG_MAILDIR_OK)
        fprintf(stderr, "add %s: %s\n", mailbox, err.message);
    assert_int_equal(st, SG_MAILDIR_OK);
}

/* The error names the errno and the path under the root. */
static void assert_error(const fixture *f, const sg_maildir_error *err, int errnum, const char *call,
                         const char *where)
{
    assert_int_equal(err->errnum, errnum);
    char *want = md_fmt("%s(%s/%s", call, f->root, where);
    if (strncmp(err->message, want, strlen(want)) != 0)
        fprintf(stderr, "error: %s\nexpected to start with: %s\n", err->message, want);
    assert_true(strncmp(err->message, want, strlen(want)) == 0);
    assert_non_null(strstr(err->message, strerror(errnum)));
    free(want);
}

/* Three different copies (as editheader makes them, RFC 5293): one file
 * each. prefixes[i] goes before MSG in copy i. */
static const char *const prefixes[] = {"X-Copy: 1\r\n", "X-Copy: 2\r\n", "X-Copy: 3\r\n"};

static sg_maildir_status add_edited(sg_maildir_txn *txn, int i, const char *mailbox, sg_maildir_error *err)
{
    sg_maildir_set_message(txn, prefixes[i], strlen(prefixes[i]), MSG, strlen(MSG));
    return sg_maildir_add(txn, mailbox, NULL, 0, false, err);
}

/* The second of three mailbox writes hits a full disk: the first copy is
 * removed, the third is never written, the transaction is spoiled. */
static void test_second_of_three_writes_fails(void **state)
{
    fixture *f = *state;
    sg_maildir_txn *txn = begin(f, MSG);
    sg_maildir_error err;
    arm("write", NULL, 1, 0, ENOSPC);
    assert_int_equal(add_edited(txn, 0, "INBOX", &err), SG_MAILDIR_OK);
    assert_int_equal(add_edited(txn, 1, "Work", &err), SG_MAILDIR_TEMPFAIL);
    disarm();
    assert_error(f, &err, ENOSPC, "write", ".Work/tmp/");
    md_assert_tree(f->root, THREE_EMPTY);
    assert_int_equal(add_edited(txn, 2, "Lists/dev", &err), SG_MAILDIR_TEMPFAIL);
    assert_int_equal(sg_maildir_commit(txn, &err), SG_MAILDIR_TEMPFAIL);
    sg_maildir_free(txn);
    md_assert_tree(f->root, THREE_EMPTY);
}

/* The quota is reached in the third folder (by path). */
static void test_quota_in_third_folder(void **state)
{
    fixture *f = *state;
    sg_maildir_txn *txn = begin(f, MSG);
    sg_maildir_error err;
    arm("write", "/.Lists.dev/tmp/", 0, 0, EDQUOT);
    assert_int_equal(add_edited(txn, 0, "INBOX", &err), SG_MAILDIR_OK);
    assert_int_equal(add_edited(txn, 1, "Work", &err), SG_MAILDIR_OK);
    assert_int_equal(add_edited(txn, 2, "Lists/dev", &err), SG_MAILDIR_TEMPFAIL);
    disarm();
    assert_error(f, &err, EDQUOT, "write", ".Lists.dev/tmp/");
    sg_maildir_free(txn);
    md_assert_tree(f->root, THREE_EMPTY);
}

/* A message larger than one write: the partial file is removed. */
static void test_partial_write_removed(void **state)
{
    fixture *f = *state;
    size_t n = 300000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = i % 64 == 63 ? '\n' : 'x';
    big[n] = '\0';
    sg_maildir_txn *txn = begin(f, big);
    sg_maildir_error err;
    arm("write", NULL, 2, 0, ENOSPC); /* two chunks of 64 KiB written, then full */
    assert_int_equal(sg_maildir_add(txn, "INBOX", NULL, 0, false, &err), SG_MAILDIR_TEMPFAIL);
    disarm();
    assert_error(f, &err, ENOSPC, "write", "tmp/");
    sg_maildir_free(txn);
    md_assert_tree(f->root, THREE_EMPTY);
    free(big);
}

/* Files are fsynced by the commit, before any rename: the third fails and
 * nothing is delivered. */
static void test_fsync_of_third_copy_fails(void **state)
{
    fixture *f = *state;
    sg_maildir_txn *txn = begin(f, MSG);
    sg_maildir_error err;
    arm("fsync", "/.Lists.dev/tmp/", 0, 0, EIO);
    assert_int_equal(add_edited(txn, 0, "INBOX", &err), SG_MAILDIR_OK);
    assert_int_equal(add_edited(txn, 1, "Work", &err), SG_MAILDIR_OK);
    assert_int_equal(add_edited(txn, 2, "Lists/dev", &err), SG_MAILDIR_OK);
    assert_int_equal(sg_maildir_commit(txn, &err), SG_MAILDIR_TEMPFAIL);
    disarm();
    assert_error(f, &err, EIO, "fsync", ".Lists.dev/tmp/");
    sg_maildir_free(txn);
    md_assert_tree(f->root, THREE_EMPTY);
}

/* The same bytes in three folders: one file, hard-linked, fsynced once. Its
 * fsync fails: nothing is delivered in any folder. */
static void test_fsync_of_linked_file_fails(void **state)
{
    fixture *f = *state;
    sg_maildir_txn *txn = begin(f, MSG);
    sg_maildir_error err;
    arm("fsync", "/Maildir/tmp/", 0, 0, EIO);
    add_ok(txn, "INBOX", NULL, 0);
    add_ok(txn, "Work", NULL, 0);
    add_ok(txn, "Lists/dev", NULL, 0);
    assert_int_equal(sg_maildir_commit(txn, &err), SG_MAILDIR_TEMPFAIL);
    disarm();
    assert_error(f, &err, EIO, "fsync", "tmp/");
    sg_maildir_free(txn);
    md_assert_tree(f->root, THREE_EMPTY);
}

/* No hard links here (another file system, a FUSE store...): each copy is
 * written instead, and the delivery succeeds. */
static void test_link_refused_writes_copies(void **state)
{
    fixture *f = *state;
    sg_maildir_txn *txn = begin(f, MSG);
    sg_maildir_error err;
    arm("link", NULL, 0, 0, EXDEV);
    add_ok(txn, "INBOX", NULL, 0);
    add_ok(txn, "Work", NULL, 0);
    assert_int_equal(sg_maildir_commit(txn, &err), SG_MAILDIR_OK);
    disarm();
    const char *roots[] = {f->root, NULL};
    char *work = md_join(f->root, ".Work");
    roots[1] = work;
    for (int i = 0; i < 2; i++) {
        char *m = md_only_message(roots[i], "new");
        struct stat sb;
        assert_int_equal(stat(m, &sb), 0);
        assert_int_equal(sb.st_nlink, 1);
        md_assert_file(m, MSG_LF);
        free(m);
    }
    free(work);
    sg_maildir_free(txn);
}

/* The second rename into new/ fails: the first, already in new/, is removed. */
static void test_second_rename_fails(void **state)
{
    fixture *f = *state;
    const char *seen[] = {"\\Seen"};
    sg_maildir_txn *txn = begin(f, MSG);
    sg_maildir_error err;
    add_ok(txn, "INBOX", NULL, 0);
    add_ok(txn, "Work", seen, 1);
    add_ok(txn, "Lists/dev", NULL, 0);
    arm("rename", NULL, 1, 0, ENOSPC);
    assert_int_equal(sg_maildir_commit(txn, &err), SG_MAILDIR_TEMPFAIL);
    disarm();
    assert_int_equal(err.errnum, ENOSPC);
    char *want = md_fmt("rename(%s/.Work/tmp/", f->root);
    assert_true(strncmp(err.message, want, strlen(want)) == 0);
    free(want);
    want = md_fmt(":2,S): %s", strerror(ENOSPC)); /* the target in cur/, flags included */
    assert_non_null(strstr(err.message, want));
    free(want);
    md_assert_tree(f->root, THREE_EMPTY);
    sg_maildir_free(txn);
    md_assert_tree(f->root, THREE_EMPTY);
}

/* The last rename fails: two copies already moved are removed. */
static void test_last_rename_fails(void **state)
{
    fixture *f = *state;
    sg_maildir_txn *txn = begin(f, MSG);
    sg_maildir_error err;
    add_ok(txn, "INBOX", NULL, 0);
    add_ok(txn, "Work", NULL, 0);
    add_ok(txn, "Lists/dev", NULL, 0);
    arm("rename", "/.Lists.dev/new/", 0, 0, EIO);
    assert_int_equal(sg_maildir_commit(txn, &err), SG_MAILDIR_TEMPFAIL);
    disarm();
    assert_int_equal(err.errnum, EIO);
    sg_maildir_free(txn);
    md_assert_tree(f->root, THREE_EMPTY);
}

/* Everything renamed, but new/ of a folder cannot be made durable. */
static void test_directory_fsync_fails(void **state)
{
    fixture *f = *state;
    sg_maildir_txn *txn = begin(f, MSG);
    sg_maildir_error err;
    add_ok(txn, "INBOX", NULL, 0);
    add_ok(txn, "Work", NULL, 0);
    add_ok(txn, "Lists/dev", NULL, 0);
    arm("fsync", "/.Work/new", 0, 1, EIO);
    assert_int_equal(sg_maildir_commit(txn, &err), SG_MAILDIR_TEMPFAIL);
    disarm();
    assert_int_equal(err.errnum, EIO);
    char *want = md_fmt("fsync(%s/.Work/new): %s", f->root, strerror(EIO));
    assert_string_equal(err.message, want);
    free(want);
    sg_maildir_free(txn);
    md_assert_tree(f->root, THREE_EMPTY);
}

/* EINTR and short writes are retried: the message is complete. */
static void test_eintr_and_short_writes(void **state)
{
    fixture *f = *state;
    sg_maildir_txn *txn = begin(f, MSG);
    arm("write", "/tmp/", 0, 1, EINTR);
    setenv("SG_FAULT_SHORT", "7", 1);
    add_ok(txn, "INBOX", NULL, 0);
    add_ok(txn, "Work", NULL, 0);
    disarm();
    sg_maildir_error err;
    assert_int_equal(sg_maildir_commit(txn, &err), SG_MAILDIR_OK);
    sg_maildir_free(txn);
    size_t n = strlen(MSG_LF);
    char *want = md_fmt(FOLDER("Lists.dev") ".Work/\n.Work/cur/\n.Work/new/\n.Work/new/<msg>,S=%zu\n.Work/tmp/\n"
                        "cur/\nnew/\nnew/<msg>,S=%zu\ntmp/\n",
                        n, n);
    md_assert_tree(f->root, want);
    free(want);
    char *path = md_only_message(f->root, "new");
    md_assert_file(path, MSG_LF);
    free(path);
}

/* dovecot-keywords cannot be written: nothing delivered, no lock left. */
static void test_keywords_write_fails(void **state)
{
    fixture *f = *state;
    const char *flags[] = {"Important"};
    sg_maildir_txn *txn = begin(f, MSG);
    sg_maildir_error err;
    add_ok(txn, "INBOX", NULL, 0);
    arm("write", "dovecot-keywords.lock", 0, 0, ENOSPC);
    assert_int_equal(sg_maildir_add(txn, "Work", flags, 1, false, &err), SG_MAILDIR_TEMPFAIL);
    disarm();
    assert_int_equal(err.errnum, ENOSPC);
    char *want = md_fmt("updating %s/.Work/dovecot-keywords: %s", f->root, strerror(ENOSPC));
    assert_string_equal(err.message, want);
    free(want);
    sg_maildir_free(txn);
    md_assert_tree(f->root, THREE_EMPTY);
}

/* The rename of dovecot-keywords.lock over the file fails. */
static void test_keywords_rename_fails(void **state)
{
    fixture *f = *state;
    char *kw = md_join(f->root, ".Work/dovecot-keywords");
    md_write(kw, "0 Old\n");
    const char *flags[] = {"New"};
    sg_maildir_txn *txn = begin(f, MSG);
    sg_maildir_error err;
    arm("rename", "/dovecot-keywords", 0, 0, EIO);
    assert_int_equal(sg_maildir_add(txn, "Work", flags, 1, false, &err), SG_MAILDIR_TEMPFAIL);
    disarm();
    assert_int_equal(err.errnum, EIO);
    sg_maildir_free(txn);
    md_assert_tree(f->root, FOLDER("Lists.dev") ".Work/\n.Work/cur/\n.Work/dovecot-keywords\n.Work/new/\n.Work/tmp/\n"
                   EMPTY_MAILDIR);
    md_assert_file(kw, "0 Old\n");
    free(kw);
}

/* Creating a folder fails half-way (no space for its new/): nothing delivered. */
static void test_folder_creation_fails(void **state)
{
    fixture *f = *state;
    sg_maildir_txn *txn = begin(f, MSG);
    sg_maildir_error err;
    add_ok(txn, "INBOX", NULL, 0);
    arm("mkdir", "/.Fresh/new", 0, 0, ENOSPC);
    assert_int_equal(sg_maildir_add(txn, "Fresh", NULL, 0, true, &err), SG_MAILDIR_TEMPFAIL);
    disarm();
    assert_error(f, &err, ENOSPC, "mkdir", ".Fresh/new");
    sg_maildir_free(txn);
    md_assert_tree(f->root, ".Fresh/\n.Fresh/tmp/\n" THREE_EMPTY); /* as Dovecot, a half-made folder stays */
    /* the next delivery completes the folder */
    txn = begin(f, MSG);
    sg_maildir_error err2;
    assert_int_equal(sg_maildir_add(txn, "Fresh", NULL, 0, true, &err2), SG_MAILDIR_OK);
    assert_int_equal(sg_maildir_commit(txn, &err2), SG_MAILDIR_OK);
    sg_maildir_free(txn);
    char *want = md_fmt(".Fresh/\n.Fresh/cur/\n.Fresh/maildirfolder\n.Fresh/new/\n.Fresh/new/<msg>,S=%zu\n.Fresh/tmp/\n"
                        THREE_EMPTY,
                        strlen(MSG_LF));
    md_assert_tree(f->root, want);
    free(want);
}

/* The Maildir root cannot be created: TEMPFAIL before anything is written. */
static void test_root_creation_fails(void **state)
{
    fixture *f = *state;
    char *root = md_join(f->base, "new-user/Maildir");
    sg_maildir_txn *txn = (sg_maildir_txn *)1;
    sg_maildir_error err;
    arm("mkdir", "/new-user", 0, 0, EDQUOT);
    assert_int_equal(sg_maildir_begin(root, NULL, NULL, 0, MSG, strlen(MSG), &txn, &err), SG_MAILDIR_TEMPFAIL);
    disarm();
    assert_null(txn);
    assert_int_equal(err.errnum, EDQUOT);
    char *want = md_fmt("mkdir(%s/new-user): %s", f->base, strerror(EDQUOT));
    assert_string_equal(err.message, want);
    free(want);
    md_assert_tree(f->root, THREE_EMPTY);
    char *user = md_join(f->base, "new-user");
    struct stat st;
    assert_int_equal(lstat(user, &st), -1);
    assert_int_equal(errno, ENOENT);
    free(user);
    free(root);
}

/* After a failed transaction the next one (the MTA's retry) delivers everything once. */
static void test_retry_after_failure(void **state)
{
    fixture *f = *state;
    sg_maildir_txn *txn = begin(f, MSG);
    sg_maildir_error err;
    add_ok(txn, "INBOX", NULL, 0);
    add_ok(txn, "Work", NULL, 0);
    arm("rename", NULL, 1, 0, ENOSPC);
    assert_int_equal(sg_maildir_commit(txn, &err), SG_MAILDIR_TEMPFAIL);
    disarm();
    sg_maildir_free(txn);
    md_assert_tree(f->root, THREE_EMPTY);
    txn = begin(f, MSG);
    add_ok(txn, "INBOX", NULL, 0);
    add_ok(txn, "Work", NULL, 0);
    assert_int_equal(sg_maildir_commit(txn, &err), SG_MAILDIR_OK);
    sg_maildir_free(txn);
    size_t n = strlen(MSG_LF);
    char *want = md_fmt(FOLDER("Lists.dev") ".Work/\n.Work/cur/\n.Work/new/\n.Work/new/<msg>,S=%zu\n.Work/tmp/\n"
                        "cur/\nnew/\nnew/<msg>,S=%zu\ntmp/\n",
                        n, n);
    md_assert_tree(f->root, want);
    free(want);
}

int main(void)
{
    if (!dlsym(RTLD_DEFAULT, "sg_fault_shim_active")) {
        fprintf(stderr, "fault_shim is not preloaded (LD_PRELOAD): %s\n",
                getenv("SG_FAULT_REQUIRED") ? "failing" : "skipped");
        return getenv("SG_FAULT_REQUIRED") ? 1 : 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_second_of_three_writes_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota_in_third_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_write_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsync_of_third_copy_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsync_of_linked_file_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_refused_writes_copies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_rename_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_rename_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_fsync_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eintr_and_short_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keywords_write_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keywords_rename_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_creation_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_creation_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_after_failure, setup, teardown),
    };
    return cmocka_run_group_tests_name("maildir_faults", tests, NULL, NULL);
}
