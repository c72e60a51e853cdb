/* test_maildir.c - Maildir delivery (engine/deliver/maildir*.c) on a real file system:
 * after every operation the whole tree of the Maildir is listed and compared
 * with the expected listing (md_support.h), and the message files are read
 * back byte for byte. Faults are in test_maildir_faults.c. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
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

#define MSG "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\nline two\r\n"
#define MSG_LF "From: a@example.org\nSubject: hi\n\nbody\nline two\n"
#define EMPTY_MAILDIR "cur/\nnew/\ntmp/\n"

typedef struct fixture {
    char *base; /* scratch directory */
    char *root; /* base/Maildir */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->base = md_tempdir();
    f->root = md_join(f->base, "Maildir");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    md_rmtree(f->base);
    free(f->base);
    free(f->root);
    free(f);
    return 0;
}

static sg_maildir_options options(bool autocreate)
{
    sg_maildir_options o = {autocreate, false, MD_HOST, NULL, NULL, NULL};
    return o;
}

static sg_maildir_txn *begin(const fixture *f, const sg_maildir_options *o, const char *prefix, const char *msg)
{
    sg_maildir_txn *txn = NULL;
    sg_maildir_error err;
    sg_maildir_status st =
        sg_maildir_begin(f->root, o, prefix, prefix ? strlen(prefix) : 0, msg, strlen(msg), &txn, &err);
    if (st != SG_MAILDIR_OK)
        fprintf(stderr, "begin: %s\n", err.message);
    assert_int_equal(st, SG_MAILDIR_OK);
    assert_non_null(txn);
    return txn;
}

static void add_ok(sg_maildir_txn *txn, const char *mailbox, const char *const *flags, size_t nflags, bool create)
{
    sg_maildir_error err;
    sg_maildir_status st = sg_maildir_add(txn, mailbox, flags, nflags, create, &err);
    if (st != SG_MAILDIR_OK)
        fprintf(stderr, "add %s: %s\n", mailbox, err.message);
    assert_int_equal(st, SG_MAILDIR_OK);
}

static void commit_ok(sg_maildir_txn *txn)
{
    sg_maildir_error err;
    sg_maildir_status st = sg_maildir_commit(txn, &err);
    if (st != SG_MAILDIR_OK)
        fprintf(stderr, "commit: %s\n", err.message);
    assert_int_equal(st, SG_MAILDIR_OK);
}

/* Delivers MSG to one mailbox with flags in its own transaction. */
static void deliver_one(const fixture *f, const char *mailbox, const char *const *flags, size_t nflags, bool create)
{
    sg_maildir_options o = options(false);
    sg_maildir_txn *txn = begin(f, &o, NULL, MSG);
    add_ok(txn, mailbox, flags, nflags, create);
    commit_ok(txn);
    sg_maildir_free(txn);
}

static void make_folder(const fixture *f, const char *dir)
{
    mkdir(f->root, 0700);
    md_make_maildir(f->root);
    char *p = md_join(f->root, dir);
    md_make_maildir(p);
    free(p);
}

/* ---- names ---- */

static void test_folder_names(void **state)
{
    (void)state;
    static const struct {
        const char *name, *dir;
    } cases[] = {
        {"INBOX", ""},
        {"inbox", ""},
        {"InBoX", ""},
        {"Work", ".Work"},
        {"Lists/dev", ".Lists.dev"},
        {"Lists.dev", ".Lists.dev"},
        {"a/b/c", ".a.b.c"},
        {"INBOX/Sub", ".INBOX.Sub"},
        {"Entwürfe", ".Entw&APw-rfe"},
        {"A&B", ".A&-B"},
        {"&", ".&-"},
        {"台北/日本語", ".&U,BTFw-.&ZeVnLIqe-"},
        {"€", ".&IKw-"},
        {"😀", ".&2D3eAA-"},
        {"Ünïcödé/Sub", ".&ANw-n&AO8-c&APY-d&AOk-.Sub"},
        {"with space", ".with space"},
        {"~user", ".~user"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[256];
        sg_maildir_error err;
        sg_maildir_status st = sg_maildir_folder_dir(cases[i].name, out, sizeof out, &err);
        if (st != SG_MAILDIR_OK)
            fprintf(stderr, "%s: %s\n", cases[i].name, err.message);
        assert_int_equal(st, SG_MAILDIR_OK);
        assert_string_equal(out, cases[i].dir);
    }
    /* 255 bytes is the limit of a name. */
    char longest[256];
    memset(longest, 'x', 254);
    longest[254] = '\0';
    char out[256];
    assert_int_equal(sg_maildir_folder_dir(longest, out, sizeof out, NULL), SG_MAILDIR_OK);
    assert_int_equal(strlen(out), 255);
}

static const char *const refused_names[] = {
    "",         "..",        ".",          ".hidden",  "../x",      "../../etc/passwd", "/etc",  "/",
    "a/../b",   "a/./b",     "a//b",       "a/",       "a.",        "a..b",             "a/.b",  "Work/..",
    "a\tb",     "a\nb",      "a\rb",       "\x1b[31m", "a\x7f",     "a\xc2\x85z",       "\xff",  "a\xc3",
    "\xc0\xaf", "\xed\xa0\x80",
};

static void test_refused_names(void **state)
{
    fixture *f = *state;
    char too_long[300];
    memset(too_long, 'x', 256);
    too_long[256] = '\0';
    /* 240 bytes of UTF-8 that become more than 255 once encoded in mUTF-7 */
    char long_encoded[256] = "";
    for (int i = 0; i < 120; i++)
        strcat(long_encoded, "ü");
    sg_maildir_options o = options(true);
    sg_maildir_txn *txn = begin(f, &o, NULL, MSG);
    for (size_t i = 0; i < sizeof refused_names / sizeof refused_names[0] + 2; i++) {
        const char *name = i < sizeof refused_names / sizeof refused_names[0]
                               ? refused_names[i]
                               : i == sizeof refused_names / sizeof refused_names[0] ? too_long : long_encoded;
        char out[256] = "unchanged";
        sg_maildir_error err;
        assert_int_equal(sg_maildir_folder_dir(name, out, sizeof out, &err), SG_MAILDIR_REFUSED);
        assert_true(strstr(err.message, "refused") != NULL);
        assert_true(err.errnum != 0);
        /* the same through a transaction that may create folders: nothing happens */
        assert_int_equal(sg_maildir_add(txn, name, NULL, 0, true, &err), SG_MAILDIR_REFUSED);
        assert_true(strstr(err.message, "refused") != NULL);
        assert_int_equal(sg_maildir_count(txn), 0);
    }
    assert_int_equal(sg_maildir_folder_dir(NULL, NULL, 0, NULL), SG_MAILDIR_REFUSED);
    md_assert_tree(f->root, EMPTY_MAILDIR);
    md_assert_tree(f->base, "Maildir/\nMaildir/cur/\nMaildir/new/\nMaildir/tmp/\n");
    /* the transaction is still usable: the caller keeps the message in INBOX */
    add_ok(txn, "INBOX", NULL, 0, false);
    commit_ok(txn);
    sg_maildir_free(txn);
    char *want = md_fmt("cur/\nnew/\nnew/<msg>,S=%zu\ntmp/\n", strlen(MSG_LF));
    md_assert_tree(f->root, want);
    free(want);
}

static void test_refused_name_message_is_printable(void **state)
{
    (void)state;
    sg_maildir_error err;
    assert_int_equal(sg_maildir_folder_dir("evil\n\x1b]0;x", NULL, 0, &err), SG_MAILDIR_REFUSED);
    for (const char *p = err.message; *p; p++)
        assert_true((unsigned char)*p >= 0x20);
    assert_string_equal(err.message, "mailbox name \"evil??]0;x\" refused: it holds a control character");
}

/* ---- delivery ---- */

/* A message read from a descriptor (sg_maildir_set_message_fd): copied in
 * 64 KiB chunks with pread, CRLF written as LF also where a CR ends one chunk
 * and its LF starts the next; a second folder's copy is a link; the bytes on
 * disk are exactly the LF form, and its size is in the name. */
static void test_message_from_descriptor(void **state)
{
    fixture *f = *state;
    size_t n = 3 * 65536 + 100;
    char *crlf = malloc(n), *lf = malloc(n);
    assert_non_null(crlf);
    assert_non_null(lf);
    size_t m = 0;
    memcpy(crlf, "Subject: big\r\n\r\n", 17);
    for (size_t i = 17; i < n; i++)
        crlf[i] = (i + 1) % 65536 == 0 ? '\r' : i % 65536 == 0 ? '\n' : i % 80 == 0 ? '\n' : 'x';
    for (size_t i = 0; i < n; i++)
        if (!(crlf[i] == '\r' && i + 1 < n && crlf[i + 1] == '\n'))
            lf[m++] = crlf[i];
    char path[512];
    snprintf(path, sizeof path, "%s.src", f->root);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    fputs("GARBAGE", out); /* the message starts at offset 7 of its file */
    assert_int_equal(fwrite(crlf, 1, n, out), n);
    fclose(out);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    sg_maildir_options o = options(true);
    sg_maildir_txn *txn = begin(f, &o, NULL, "");
    sg_maildir_set_message_fd(txn, "X-Prefix: 1\r\n", 13, fd, 7, n);
    add_ok(txn, "INBOX", NULL, 0, false);
    add_ok(txn, "Big", NULL, 0, true);
    commit_ok(txn);
    char *a = md_only_message(f->root, "new");
    size_t alen = 0;
    char *got = md_read(a, &alen);
    assert_int_equal(alen, 12 + m);
    assert_memory_equal(got, "X-Prefix: 1\n", 12);
    assert_memory_equal(got + 12, lf, m);
    char *want = md_fmt(",S=%zu", 12 + m);
    assert_non_null(strstr(a, want));
    struct stat st;
    assert_int_equal(stat(a, &st), 0);
    assert_int_equal(st.st_nlink, 2); /* the Big copy is a link to it */
    free(want);
    free(got);
    free(a);
    sg_maildir_free(txn);
    close(fd);
    unlink(path);
    free(crlf);
    free(lf);
}

static void test_single_delivery(void **state)
{
    fixture *f = *state;
    const char *prefix = "Return-Path: <a@example.org>\r\nDelivered-To: u@example.com\r\n";
    sg_maildir_options o = options(false);
    sg_maildir_txn *txn = begin(f, &o, prefix, MSG);
    md_assert_tree(f->root, EMPTY_MAILDIR); /* the root is created by begin */
    add_ok(txn, "INBOX", NULL, 0, false);
    const char *expected = "Return-Path: <a@example.org>\nDelivered-To: u@example.com\n" MSG_LF;
    char *want = md_fmt("cur/\nnew/\ntmp/\ntmp/<msg>,S=%zu\n", strlen(expected));
    md_assert_tree(f->root, want); /* in tmp/ until the commit */
    free(want);
    assert_int_equal(sg_maildir_count(txn), 1);
    assert_string_equal(sg_maildir_mailbox(txn, 0), "INBOX");
    assert_non_null(strstr(sg_maildir_path(txn, 0), "/Maildir/tmp/"));
    commit_ok(txn);
    want = md_fmt("cur/\nnew/\nnew/<msg>,S=%zu\ntmp/\n", strlen(expected));
    md_assert_tree(f->root, want);
    free(want);
    char *path = md_only_message(f->root, "new");
    assert_string_equal(sg_maildir_path(txn, 0), path);
    md_assert_file(path, expected);
    /* the unique name: SECS.M<usec>P<pid>Q<n>.HOST,S=SIZE */
    const char *base = strrchr(path, '/') + 1;
    long long secs;
    long usec, pid;
    unsigned q;
    char host[64];
    size_t size;
    assert_int_equal(sscanf(base, "%lld.M%ldP%ldQ%u.%63[^,],S=%zu", &secs, &usec, &pid, &q, host, &size), 6);
    assert_true(llabs(secs - (long long)time(NULL)) < 60);
    assert_true(usec >= 0 && usec < 1000000);
    assert_int_equal(pid, (long)getpid());
    assert_string_equal(host, MD_HOST);
    assert_int_equal(size, strlen(expected));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    free(path);
    sg_maildir_free(txn);
}

static void test_line_endings(void **state)
{
    fixture *f = *state;
    /* CRLF -> LF, also across the prefix/message boundary; a lone CR stays. */
    const char *prefix = "X-A: 1\r\nX-B: 2\r";
    const char *msg = "\nSubject: cr\rinside\r\n\r\nbody\r\r\nend\r";
    sg_maildir_options o = options(false);
    sg_maildir_txn *txn = begin(f, &o, prefix, msg);
    add_ok(txn, "INBOX", NULL, 0, false);
    commit_ok(txn);
    const char *expected = "X-A: 1\nX-B: 2\nSubject: cr\rinside\n\nbody\r\nend\r";
    char *path = md_only_message(f->root, "new");
    md_assert_file(path, expected);
    char *suffix = md_fmt(",S=%zu", strlen(expected));
    assert_non_null(strstr(path, suffix));
    free(suffix);
    free(path);
    sg_maildir_free(txn);
}

static void test_large_message(void **state)
{
    fixture *f = *state;
    /* several write chunks (64 KiB each) */
    size_t lines = 20000;
    char *msg = malloc(lines * 12 + 1), *want = malloc(lines * 11 + 1);
    assert_non_null(msg);
    assert_non_null(want);
    for (size_t i = 0; i < lines; i++) {
        memcpy(msg + i * 12, "0123456789\r\n", 12);
        memcpy(want + i * 11, "0123456789\n", 11);
    }
    msg[lines * 12] = want[lines * 11] = '\0';
    sg_maildir_options o = options(false);
    sg_maildir_txn *txn = begin(f, &o, NULL, msg);
    add_ok(txn, "INBOX", NULL, 0, false);
    commit_ok(txn);
    sg_maildir_free(txn);
    char *path = md_only_message(f->root, "new");
    md_assert_file(path, want);
    free(path);
    free(msg);
    free(want);
}

static void test_inbox_and_two_folders(void **state)
{
    fixture *f = *state;
    make_folder(f, ".Work");
    make_folder(f, ".Lists.dev");
    sg_maildir_options o = options(false);
    sg_maildir_txn *txn = begin(f, &o, NULL, MSG);
    add_ok(txn, "INBOX", NULL, 0, false);
    add_ok(txn, "Work", NULL, 0, false);
    add_ok(txn, "Lists/dev", NULL, 0, false);
    size_t n = strlen(MSG_LF);
    char *want = md_fmt(".Lists.dev/\n.Lists.dev/cur/\n.Lists.dev/new/\n.Lists.dev/tmp/\n.Lists.dev/tmp/<msg>,S=%zu\n"
                     ".Work/\n.Work/cur/\n.Work/new/\n.Work/tmp/\n.Work/tmp/<msg>,S=%zu\n"
                     "cur/\nnew/\ntmp/\ntmp/<msg>,S=%zu\n",
                     n, n, n);
    md_assert_tree(f->root, want);
    free(want);
    commit_ok(txn);
    want = md_fmt(".Lists.dev/\n.Lists.dev/cur/\n.Lists.dev/new/\n.Lists.dev/new/<msg>,S=%zu\n.Lists.dev/tmp/\n"
               ".Work/\n.Work/cur/\n.Work/new/\n.Work/new/<msg>,S=%zu\n.Work/tmp/\n"
               "cur/\nnew/\nnew/<msg>,S=%zu\ntmp/\n",
               n, n, n);
    md_assert_tree(f->root, want);
    free(want);
    assert_int_equal(sg_maildir_count(txn), 3);
    assert_string_equal(sg_maildir_mailbox(txn, 2), "Lists/dev");
    assert_non_null(strstr(sg_maildir_path(txn, 2), "/Maildir/.Lists.dev/new/"));
    assert_null(sg_maildir_path(txn, 3));
    static const char *const names[] = {"", ".Work", ".Lists.dev"};
    for (size_t i = 0; i < 3; i++) {
        char *dir = *names[i] ? md_join(f->root, names[i]) : strdup(f->root);
        char *path = md_only_message(dir, "new");
        assert_string_equal(path, sg_maildir_path(txn, i));
        md_assert_file(path, MSG_LF);
        free(path);
        free(dir);
    }
    sg_maildir_free(txn);
}

/* The inode of the only message of folder `name` ("" for INBOX) in new/. */
static struct stat message_stat(const fixture *f, const char *name)
{
    char *dir = *name ? md_join(f->root, name) : strdup(f->root);
    char *path = md_only_message(dir, "new");
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    free(path);
    free(dir);
    return sb;
}

/* The same bytes in three folders are one file with three links (written
 * and fsynced once); a copy with other bytes (an edited header, RFC 5293)
 * is a file of its own. */
static void test_identical_copies_are_hard_links(void **state)
{
    fixture *f = *state;
    make_folder(f, ".Work");
    make_folder(f, ".Lists.dev");
    make_folder(f, ".Edited");
    sg_maildir_options o = options(false);
    sg_maildir_txn *txn = begin(f, &o, NULL, MSG);
    add_ok(txn, "INBOX", NULL, 0, false);
    add_ok(txn, "Work", NULL, 0, false);
    static const char edited[] = "X-Edited: yes\r\n";
    sg_maildir_set_message(txn, edited, strlen(edited), MSG, strlen(MSG));
    add_ok(txn, "Edited", NULL, 0, false);
    /* The same bytes again, split differently between prefix and data. */
    sg_maildir_set_message(txn, MSG, 20, MSG + 20, strlen(MSG) - 20);
    add_ok(txn, "Lists/dev", NULL, 0, false);
    commit_ok(txn);
    struct stat inbox = message_stat(f, ""), work = message_stat(f, ".Work"), lists = message_stat(f, ".Lists.dev"),
                ed = message_stat(f, ".Edited");
    assert_int_equal(inbox.st_nlink, 3);
    assert_int_equal(inbox.st_ino, work.st_ino);
    assert_int_equal(inbox.st_ino, lists.st_ino);
    assert_int_equal(ed.st_nlink, 1);
    assert_int_not_equal(ed.st_ino, inbox.st_ino);
    md_assert_file(sg_maildir_path(txn, 1), MSG_LF);
    md_assert_file(sg_maildir_path(txn, 2), "X-Edited: yes\n" MSG_LF);
    md_assert_file(sg_maildir_path(txn, 3), MSG_LF);
    sg_maildir_free(txn);
}

static void test_folder_created_only_when_allowed(void **state)
{
    fixture *f = *state;
    sg_maildir_options o = options(false);
    sg_maildir_txn *txn = begin(f, &o, NULL, MSG);
    sg_maildir_error err;
    /* neither :create nor autocreate: NOTFOUND, nothing created */
    assert_int_equal(sg_maildir_add(txn, "Work", NULL, 0, false, &err), SG_MAILDIR_NOTFOUND);
    assert_int_equal(err.errnum, ENOENT);
    char *want = md_fmt("mailbox \"Work\" does not exist (%s/.Work) and may not be created", f->root);
    assert_string_equal(err.message, want);
    free(want);
    md_assert_tree(f->root, EMPTY_MAILDIR);
    /* :create */
    add_ok(txn, "Work", NULL, 0, true);
    /* a folder whose parent level does not exist (Maildir++ is flat) */
    add_ok(txn, "Lists/dev", NULL, 0, true);
    commit_ok(txn);
    sg_maildir_free(txn);
    size_t n = strlen(MSG_LF);
    const char *folder_fmt = ".%s/\n.%s/cur/\n.%s/maildirfolder\n.%s/new/\n.%s/new/<msg>,S=%zu\n.%s/tmp/\n";
    char *lists = md_fmt(folder_fmt, "Lists.dev", "Lists.dev", "Lists.dev", "Lists.dev", "Lists.dev", n, "Lists.dev");
    char *work = md_fmt(folder_fmt, "Work", "Work", "Work", "Work", "Work", n, "Work");
    want = md_fmt("%s%s" EMPTY_MAILDIR, lists, work);
    md_assert_tree(f->root, want);
    free(want);
    char *p = md_join(f->root, ".Work/maildirfolder");
    md_assert_file(p, "");
    free(p);
    /* lda_mailbox_autocreate */
    o = options(true);
    txn = begin(f, &o, NULL, MSG);
    add_ok(txn, "Other", NULL, 0, false);
    commit_ok(txn);
    sg_maildir_free(txn);
    char *other = md_fmt(folder_fmt, "Other", "Other", "Other", "Other", "Other", n, "Other");
    want = md_fmt("%s%s%s" EMPTY_MAILDIR, lists, other, work);
    md_assert_tree(f->root, want);
    free(want);
    free(lists);
    free(work);
    free(other);
    struct stat st;
    p = md_join(f->root, ".Other");
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    free(p);
}

static void test_existing_folder_missing_subdirs(void **state)
{
    fixture *f = *state;
    make_folder(f, ".Work");
    char *p = md_join(f->root, ".Work/cur");
    assert_int_equal(rmdir(p), 0);
    free(p);
    deliver_one(f, "Work", NULL, 0, false);
    /* repaired, and marked as a Maildir++ folder */
    char *want = md_fmt(".Work/\n.Work/cur/\n.Work/maildirfolder\n.Work/new/\n.Work/new/<msg>,S=%zu\n.Work/tmp/\n"
                        EMPTY_MAILDIR,
                     strlen(MSG_LF));
    md_assert_tree(f->root, want);
    free(want);
}

static void test_root_created_with_parents(void **state)
{
    fixture *f = *state;
    free(f->root);
    f->root = md_join(f->base, "home/u/Maildir");
    deliver_one(f, "INBOX", NULL, 0, false);
    char *want = md_fmt("home/\nhome/u/\nhome/u/Maildir/\nhome/u/Maildir/cur/\nhome/u/Maildir/new/\n"
                     "home/u/Maildir/new/<msg>,S=%zu\nhome/u/Maildir/tmp/\n",
                     strlen(MSG_LF));
    md_assert_tree(f->base, want);
    free(want);
}

static void test_root_may_be_a_symlink(void **state)
{
    fixture *f = *state;
    char *real = md_join(f->base, "disk2");
    md_make_maildir(real);
    assert_int_equal(symlink(real, f->root), 0);
    deliver_one(f, "INBOX", NULL, 0, false);
    char *want = md_fmt("Maildir@\ndisk2/\ndisk2/cur/\ndisk2/new/\ndisk2/new/<msg>,S=%zu\ndisk2/tmp/\n", strlen(MSG_LF));
    md_assert_tree(f->base, want);
    free(want);
    free(real);
}

static void test_relative_root_refused(void **state)
{
    (void)state;
    sg_maildir_txn *txn = (sg_maildir_txn *)1;
    sg_maildir_error err;
    assert_int_equal(sg_maildir_begin("Maildir", NULL, NULL, 0, MSG, strlen(MSG), &txn, &err), SG_MAILDIR_TEMPFAIL);
    assert_null(txn);
    assert_int_equal(err.errnum, EINVAL);
}

/* ---- flags ---- */

static void test_system_flags(void **state)
{
    fixture *f = *state;
    make_folder(f, ".A");
    make_folder(f, ".B");
    make_folder(f, ".C");
    const char *some[] = {"\\Seen", "\\flagged", "\\Recent", "\\Bogus"};
    const char *all[] = {"\\Deleted", "\\Seen", "\\Draft", "\\Answered", "\\Flagged", "\\Seen"};
    const char *spaced[] = {"\\Answered  \\SEEN"};
    const char *ignored[] = {"\\Recent"};
    sg_maildir_options o = options(false);
    sg_maildir_txn *txn = begin(f, &o, NULL, MSG);
    add_ok(txn, "INBOX", some, 4, false);
    add_ok(txn, "A", all, 6, false);
    add_ok(txn, "B", spaced, 1, false);
    add_ok(txn, "C", ignored, 1, false);
    commit_ok(txn);
    sg_maildir_free(txn);
    size_t n = strlen(MSG_LF);
    char *want = md_fmt(".A/\n.A/cur/\n.A/cur/<msg>,S=%zu:2,DFRST\n.A/new/\n.A/tmp/\n"
                     ".B/\n.B/cur/\n.B/cur/<msg>,S=%zu:2,RS\n.B/new/\n.B/tmp/\n"
                     ".C/\n.C/cur/\n.C/new/\n.C/new/<msg>,S=%zu\n.C/tmp/\n"
                     "cur/\ncur/<msg>,S=%zu:2,FS\nnew/\ntmp/\n",
                     n, n, n, n);
    md_assert_tree(f->root, want);
    free(want);
    char *p = md_only_message(f->root, "cur");
    md_assert_file(p, MSG_LF);
    free(p);
}

static void test_keywords(void **state)
{
    fixture *f = *state;
    const char *flags1[] = {"$Forwarded", "\\Seen", "Junk", "junk", "bad(kw", "8bit\xc3\xbc"};
    deliver_one(f, "INBOX", flags1, 6, false);
    size_t n = strlen(MSG_LF);
    char *want = md_fmt("cur/\ncur/<msg>,S=%zu:2,Sab\ndovecot-keywords\nnew/\ntmp/\n", n);
    md_assert_tree(f->root, want);
    free(want);
    char *kw = md_join(f->root, "dovecot-keywords");
    md_assert_file(kw, "0 $Forwarded\n1 Junk\n");
    struct stat st;
    assert_int_equal(stat(kw, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    time_t first_mtime = st.st_mtime;
    /* known names (any case) keep their letter; a new one takes the next */
    const char *flags2[] = {"JUNK $label1"};
    deliver_one(f, "INBOX", flags2, 1, false);
    md_assert_file(kw, "0 $Forwarded\n1 Junk\n2 $label1\n");
    /* Dovecot rereads the file when its mtime changes: it must have grown */
    assert_int_equal(stat(kw, &st), 0);
    assert_true(st.st_mtime > first_mtime);
    want = md_fmt("cur/\ncur/<msg>,S=%zu:2,Sab\ncur/<msg>,S=%zu:2,bc\ndovecot-keywords\nnew/\ntmp/\n", n, n);
    md_assert_tree(f->root, want);
    free(want);
    /* only invalid keywords: no flags, new/ */
    const char *flags3[] = {"bad(kw", "a]b", "x\"y"};
    deliver_one(f, "INBOX", flags3, 3, false);
    want = md_fmt("cur/\ncur/<msg>,S=%zu:2,Sab\ncur/<msg>,S=%zu:2,bc\ndovecot-keywords\nnew/\nnew/<msg>,S=%zu\ntmp/\n", n,
               n, n);
    md_assert_tree(f->root, want);
    free(want);
    md_assert_file(kw, "0 $Forwarded\n1 Junk\n2 $label1\n");
    free(kw);
}

static void test_keywords_existing_file(void **state)
{
    fixture *f = *state;
    make_folder(f, ".Work");
    char *kw = md_join(f->root, ".Work/dovecot-keywords");
    /* gaps, a line Dovecot skips, an index out of range */
    md_write(kw, "0 Old\nnonsense\n3 Junk\n30 TooFar\n");
    const char *flags[] = {"junk", "New", "\\Flagged"};
    deliver_one(f, "Work", flags, 3, false);
    md_assert_file(kw, "0 Old\n1 New\n3 Junk\n");
    char *want = md_fmt(".Work/\n.Work/cur/\n.Work/cur/<msg>,S=%zu:2,Fbd\n.Work/dovecot-keywords\n.Work/new/\n.Work/tmp/\n"
                     EMPTY_MAILDIR,
                     strlen(MSG_LF));
    md_assert_tree(f->root, want);
    free(want);
    free(kw);
}

static void test_keywords_full(void **state)
{
    fixture *f = *state;
    md_make_maildir(f->root);
    char *kw = md_join(f->root, "dovecot-keywords");
    char text[1024] = "";
    for (int i = 0; i < 26; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d k%d\n", i, i);
    md_write(kw, text);
    const char *flags[] = {"k25", "one-too-many"};
    deliver_one(f, "INBOX", flags, 2, false);
    md_assert_file(kw, text); /* unchanged: no letter left for the new keyword */
    char *want = md_fmt("cur/\ncur/<msg>,S=%zu:2,z\ndovecot-keywords\nnew/\ntmp/\n", strlen(MSG_LF));
    md_assert_tree(f->root, want);
    free(want);
    free(kw);
}

static void test_keywords_stale_lock(void **state)
{
    fixture *f = *state;
    md_make_maildir(f->root);
    char *lock = md_join(f->root, "dovecot-keywords.lock");
    md_write(lock, "left by a crash");
    struct timespec times[2] = {{time(NULL) - 300, 0}, {time(NULL) - 300, 0}};
    assert_int_equal(utimensat(AT_FDCWD, lock, times, 0), 0);
    const char *flags[] = {"Work"};
    deliver_one(f, "INBOX", flags, 1, false);
    char *kw = md_join(f->root, "dovecot-keywords");
    md_assert_file(kw, "0 Work\n");
    char *want = md_fmt("cur/\ncur/<msg>,S=%zu:2,a\ndovecot-keywords\nnew/\ntmp/\n", strlen(MSG_LF));
    md_assert_tree(f->root, want);
    free(want);
    free(kw);
    free(lock);
}

static void test_same_folder_twice(void **state)
{
    fixture *f = *state;
    const char *seen[] = {"\\Seen"};
    const char *flagged[] = {"\\Flagged", "Later"};
    sg_maildir_options o = options(false);
    sg_maildir_txn *txn = begin(f, &o, NULL, MSG);
    add_ok(txn, "INBOX", seen, 1, false);
    add_ok(txn, "inbox", flagged, 2, false);
    assert_int_equal(sg_maildir_count(txn), 1);
    commit_ok(txn);
    sg_maildir_free(txn);
    char *want = md_fmt("cur/\ncur/<msg>,S=%zu:2,FSa\ndovecot-keywords\nnew/\ntmp/\n", strlen(MSG_LF));
    md_assert_tree(f->root, want);
    free(want);
}

/* ---- folders that could lead out of the Maildir ---- */

static void test_symlinked_folder_refused(void **state)
{
    fixture *f = *state;
    char *outside = md_join(f->base, "outside");
    md_make_maildir(outside);
    md_make_maildir(f->root);
    char *evil = md_join(f->root, ".Evil");
    assert_int_equal(symlink(outside, evil), 0);
    /* a real folder whose new/ points outside */
    make_folder(f, ".Half");
    char *half_new = md_join(f->root, ".Half/new");
    char *outside_new = md_join(outside, "new");
    assert_int_equal(rmdir(half_new), 0);
    assert_int_equal(symlink(outside_new, half_new), 0);
    /* a folder that is a file */
    char *file = md_join(f->root, ".File");
    md_write(file, "not a folder");

    sg_maildir_options o = options(true);
    sg_maildir_txn *txn = begin(f, &o, NULL, MSG);
    sg_maildir_error err;
    assert_int_equal(sg_maildir_add(txn, "Evil", NULL, 0, true, &err), SG_MAILDIR_REFUSED);
    assert_int_equal(err.errnum, ELOOP);
    char *want = md_fmt("mailbox \"Evil\" refused: %s/.Evil is a symbolic link", f->root);
    assert_string_equal(err.message, want);
    free(want);
    assert_int_equal(sg_maildir_add(txn, "Half", NULL, 0, true, &err), SG_MAILDIR_REFUSED);
    want = md_fmt("%s/.Half/new is a symbolic link, not a Maildir directory: refused", f->root);
    assert_string_equal(err.message, want);
    free(want);
    assert_int_equal(sg_maildir_add(txn, "File", NULL, 0, true, &err), SG_MAILDIR_REFUSED);
    assert_int_equal(err.errnum, ENOTDIR);
    want = md_fmt("mailbox \"File\" refused: %s/.File is not a directory", f->root);
    assert_string_equal(err.message, want);
    free(want);
    assert_int_equal(sg_maildir_count(txn), 0);
    add_ok(txn, "INBOX", NULL, 0, false);
    commit_ok(txn);
    sg_maildir_free(txn);
    md_assert_tree(outside, "cur/\nnew/\ntmp/\n");
    want = md_fmt(".Evil@\n.File\n.Half/\n.Half/cur/\n.Half/new@\n.Half/tmp/\ncur/\nnew/\nnew/<msg>,S=%zu\ntmp/\n",
               strlen(MSG_LF));
    md_assert_tree(f->root, want);
    free(want);
    free(outside);
    free(evil);
    free(half_new);
    free(outside_new);
    free(file);
}

static void test_symlinked_inbox_subdir(void **state)
{
    fixture *f = *state;
    char *outside = md_join(f->base, "outside");
    assert_int_equal(mkdir(outside, 0700), 0);
    assert_int_equal(mkdir(f->root, 0700), 0);
    char *tmp = md_join(f->root, "tmp");
    assert_int_equal(symlink(outside, tmp), 0);
    sg_maildir_txn *txn = (sg_maildir_txn *)1;
    sg_maildir_error err;
    sg_maildir_options o = options(false);
    /* INBOX is the last resort: a refused INBOX is a temporary failure */
    assert_int_equal(sg_maildir_begin(f->root, &o, NULL, 0, MSG, strlen(MSG), &txn, &err), SG_MAILDIR_TEMPFAIL);
    assert_null(txn);
    assert_int_equal(err.errnum, ENOTDIR);
    md_assert_tree(outside, "");
    free(outside);
    free(tmp);
}

/* ---- the transaction ---- */

static void test_free_without_commit_rolls_back(void **state)
{
    fixture *f = *state;
    const char *seen[] = {"\\Seen"};
    sg_maildir_options o = options(true);
    sg_maildir_txn *txn = begin(f, &o, NULL, MSG);
    add_ok(txn, "INBOX", seen, 1, false);
    add_ok(txn, "Work", NULL, 0, false);
    sg_maildir_free(txn);
    /* the folder created stays, empty, as Dovecot leaves it */
    md_assert_tree(f->root, ".Work/\n.Work/cur/\n.Work/maildirfolder\n.Work/new/\n.Work/tmp/\n" EMPTY_MAILDIR);
    sg_maildir_free(NULL);
}

static void test_empty_commit_and_reuse(void **state)
{
    fixture *f = *state;
    sg_maildir_options o = options(false);
    sg_maildir_txn *txn = begin(f, &o, NULL, MSG);
    commit_ok(txn);
    assert_int_equal(sg_maildir_count(txn), 0);
    sg_maildir_error err;
    assert_int_equal(sg_maildir_add(txn, "INBOX", NULL, 0, false, &err), SG_MAILDIR_TEMPFAIL);
    assert_int_equal(err.errnum, EINVAL);
    assert_int_equal(sg_maildir_commit(txn, &err), SG_MAILDIR_TEMPFAIL);
    sg_maildir_free(txn);
    md_assert_tree(f->root, EMPTY_MAILDIR);
}

static void test_no_fsync_and_default_host(void **state)
{
    fixture *f = *state;
    sg_maildir_options o = {false, true, NULL, NULL, NULL, NULL};
    sg_maildir_txn *txn = begin(f, &o, NULL, MSG);
    add_ok(txn, "INBOX", NULL, 0, false);
    commit_ok(txn);
    sg_maildir_free(txn);
    char *path = md_only_message(f->root, "new");
    char host[256] = "";
    assert_int_equal(gethostname(host, sizeof host - 1), 0);
    assert_non_null(strstr(path, host[0] ? host : "localhost"));
    md_assert_file(path, MSG_LF);
    free(path);
}

static void test_many_deliveries_unique(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 50; i++)
        deliver_one(f, "INBOX", NULL, 0, false);
    char *tree = md_tree(f->root);
    size_t count = 0;
    for (const char *p = tree; (p = strstr(p, "new/<msg>")) != NULL; p++)
        count++;
    assert_int_equal(count, 50);
    free(tree);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(sg_maildir_status_name(SG_MAILDIR_OK), "ok");
    assert_string_equal(sg_maildir_status_name(SG_MAILDIR_REFUSED), "refused");
    assert_string_equal(sg_maildir_status_name(SG_MAILDIR_NOTFOUND), "notfound");
    assert_string_equal(sg_maildir_status_name(SG_MAILDIR_TEMPFAIL), "tempfail");
}

static void test_location_root(void **state)
{
    (void)state;
    static const struct {
        const char *location, *root;
    } ok[] = {
        {"maildir:/home/u/Maildir", "/home/u/Maildir"},
        {"maildir:/home/u/Maildir:LAYOUT=maildir++", "/home/u/Maildir"},
        {"maildir:/home/u/Maildir:INDEX=/var/idx/u:CONTROL=/var/ctl/u", "/home/u/Maildir"},
        {"maildir:/srv/a::b/Maildir:INDEX=MEMORY", "/srv/a:b/Maildir"},
    };
    static const char *const bad[] = {
        "mbox:~/mail",         "sdbox:/home/u/mdbox",       "/home/u/Maildir", "maildir:Maildir", "maildir:",
        "maildir:/m:LAYOUT=fs", "maildir:/m:INBOX=/var/mail/u", "maildir:/m:UTF-8",
    };
    sg_arena *arena = sg_arena_new();
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const char *root = NULL;
        char err[256] = "";
        assert_true(sg_maildir_location_root(ok[i].location, arena, &root, err, sizeof err));
        assert_string_equal(root, ok[i].root);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *root = "x";
        char err[256] = "";
        assert_false(sg_maildir_location_root(bad[i], arena, &root, err, sizeof err));
        assert_null(root);
        assert_true(err[0] != '\0');
    }
    const char *root;
    char err[256];
    assert_false(sg_maildir_location_root(NULL, arena, &root, err, sizeof err));
    sg_arena_free(arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_folder_names),
        cmocka_unit_test_setup_teardown(test_refused_names, setup, teardown),
        cmocka_unit_test(test_refused_name_message_is_printable),
        cmocka_unit_test_setup_teardown(test_single_delivery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_message_from_descriptor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_endings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inbox_and_two_folders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identical_copies_are_hard_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_created_only_when_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_existing_folder_missing_subdirs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_created_with_parents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_may_be_a_symlink, setup, teardown),
        cmocka_unit_test(test_relative_root_refused),
        cmocka_unit_test_setup_teardown(test_system_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keywords, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keywords_existing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keywords_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keywords_stale_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_folder_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinked_folder_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinked_inbox_subdir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_without_commit_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_commit_and_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_fsync_and_default_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_deliveries_unique, setup, teardown),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_location_root),
    };
    return cmocka_run_group_tests_name("maildir", tests, NULL, NULL);
}
