/* test_sendmail.c - submission through a sendmail-compatible program
 * (engine/deliver/sendmail.c): the real fork/exec path against capture_sendmail, which
 * records its exact argv and stdin and exits as told (capture_sendmail.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/deliver/submit.h"
#include "tests/unit_submit/submit_support.h"

#ifndef CAPTURE_SENDMAIL
#error "CAPTURE_SENDMAIL (the path of capture_sendmail) must be defined"
#endif

typedef struct {
    char *dir;
    sg_submit_config cfg;
    char err[512];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tmpdir_new("sg-sendmail");
    setenv("SG_CAPTURE_DIR", f->dir, 1);
    unsetenv("SG_CAPTURE_EXIT");
    unsetenv("SG_CAPTURE_STDERR");
    unsetenv("SG_CAPTURE_NOREAD");
    unsetenv("SG_CAPTURE_SLEEP");
    unsetenv("SG_CAPTURE_SIGNAL");
    unsetenv("SG_CAPTURE_LINGER");
    unsetenv("SG_CAPTURE_BACKGROUND");
    f->cfg.sendmail_path = CAPTURE_SENDMAIL;
    f->cfg.timeout_ms = 20000;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

/* The argv the program got, as NUL-separated elements. */
static void assert_argv(const fixture *f, const char *const *expected)
{
    size_t len;
    char *got = file_read(f->dir, "argv", &len);
    assert_non_null(got);
    size_t pos = 0, i = 0;
    for (; expected[i]; i++) {
        assert_true(pos < len);
        assert_string_equal(got + pos, expected[i]);
        pos += strlen(got + pos) + 1;
    }
    assert_int_equal(pos, len); /* nothing more */
    free(got);
}

static void assert_stdin(const fixture *f, const char *data, size_t len)
{
    size_t got_len;
    char *got = file_read(f->dir, "stdin", &got_len);
    assert_non_null(got);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, data, len);
    free(got);
}

static void test_exact_argv_and_bytes(void **state)
{
    fixture *f = *state;
    /* the configured command line is split on spaces and tabs, no quoting */
    f->cfg.sendmail_path = CAPTURE_SENDMAIL "  -oem\t-oi ";
    static const char msg[] = "From: a@example.org\nSubject: t\n\n.line\r\n\0binary \xff\xfe no final newline";
    const char *rcpts[] = {"bob@example.net", "carol@example.com"};
    sg_submit_status st =
        sg_submit_message(&f->cfg, "alice@example.org", rcpts, 2, msg, sizeof msg - 1, f->err, sizeof f->err);
    assert_int_equal(st, SG_SUBMIT_OK);
    assert_string_equal(f->err, "");
    const char *argv[] = {CAPTURE_SENDMAIL, "-oem", "-oi", "-i", "-f", "alice@example.org", "--",
                          "bob@example.net", "carol@example.com", NULL};
    assert_argv(f, argv);
    assert_stdin(f, msg, sizeof msg - 1);
}

static void test_null_sender(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net"};
    const char *argv[] = {CAPTURE_SENDMAIL, "-i", "-f", "<>", "--", "bob@example.net", NULL};
    assert_int_equal(sg_submit_message(&f->cfg, "", rcpts, 1, "x\n", 2, f->err, sizeof f->err), SG_SUBMIT_OK);
    assert_argv(f, argv);
    assert_int_equal(sg_submit_message(&f->cfg, "<>", rcpts, 1, "x\n", 2, f->err, sizeof f->err), SG_SUBMIT_OK);
    assert_argv(f, argv);
}

static void test_empty_message(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net"};
    assert_int_equal(sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, "", 0, f->err, sizeof f->err), SG_SUBMIT_OK);
    assert_stdin(f, "", 0);
}

/* Arguments reach the program as they are: no shell ever interprets them. */
static void test_no_shell(void **state)
{
    fixture *f = *state;
    char r1[600], r2[600], r3[600];
    snprintf(r1, sizeof r1, "x@y; touch %s/pwned1", f->dir);
    snprintf(r2, sizeof r2, "$(touch %s/pwned2)@z", f->dir);
    snprintf(r3, sizeof r3, "`touch %s/pwned3`@z", f->dir);
    const char *rcpts[] = {r1, r2, r3, "\"a b\"@c | cat"};
    sg_submit_status st = sg_submit_message(&f->cfg, "s'q\"@e.f", rcpts, 4, "m\n", 2, f->err, sizeof f->err);
    assert_int_equal(st, SG_SUBMIT_OK);
    const char *argv[] = {CAPTURE_SENDMAIL, "-i", "-f", "s'q\"@e.f", "--", r1, r2, r3, "\"a b\"@c | cat", NULL};
    assert_argv(f, argv);
    assert_false(file_exists(f->dir, "pwned1"));
    assert_false(file_exists(f->dir, "pwned2"));
    assert_false(file_exists(f->dir, "pwned3"));
}

/* A recipient that looks like an option, or any control character: refused
 * before anything runs. */
static void test_refused_addresses(void **state)
{
    fixture *f = *state;
    static const char *const bad_rcpts[] = {"-oQ/tmp/x", "--", "-", "a@b\nc@d", "a@b\r", "a\t@b", "", NULL};
    for (size_t i = 0; bad_rcpts[i]; i++) {
        const char *rcpts[] = {"ok@example.net", bad_rcpts[i]};
        sg_submit_status st = sg_submit_message(&f->cfg, "a@b.c", rcpts, 2, "m\n", 2, f->err, sizeof f->err);
        assert_int_equal(st, SG_SUBMIT_PERMFAIL);
        assert_true(strstr(f->err, "refused") != NULL);
        assert_false(file_exists(f->dir, "argv"));
    }
    const char *rcpts[] = {"ok@example.net"};
    assert_int_equal(sg_submit_message(&f->cfg, "a@b\n-oQ", rcpts, 1, "m\n", 2, f->err, sizeof f->err),
                     SG_SUBMIT_PERMFAIL);
    assert_int_equal(sg_submit_message(&f->cfg, "a@b.c", rcpts, 0, "m\n", 2, f->err, sizeof f->err),
                     SG_SUBMIT_PERMFAIL);
    assert_string_equal(f->err, "no recipients");
    assert_false(file_exists(f->dir, "argv"));
}

static void test_nonzero_exit_is_tempfail(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net"};
    setenv("SG_CAPTURE_EXIT", "75", 1);
    setenv("SG_CAPTURE_STDERR", "sendmail: fatal: queue file write error\n", 1);
    sg_submit_status st = sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, "m\n", 2, f->err, sizeof f->err);
    assert_int_equal(st, SG_SUBMIT_TEMPFAIL);
    assert_string_equal(f->err, CAPTURE_SENDMAIL " exited with status 75 (EX_TEMPFAIL): "
                                                 "sendmail: fatal: queue file write error");
    assert_stdin(f, "m\n", 2); /* it did run and read the message */

    setenv("SG_CAPTURE_EXIT", "67", 1);
    unsetenv("SG_CAPTURE_STDERR");
    st = sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, "m\n", 2, f->err, sizeof f->err);
    assert_int_equal(st, SG_SUBMIT_TEMPFAIL);
    assert_string_equal(f->err, CAPTURE_SENDMAIL " exited with status 67 (EX_NOUSER)");

    setenv("SG_CAPTURE_EXIT", "1", 1);
    st = sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, "m\n", 2, f->err, sizeof f->err);
    assert_int_equal(st, SG_SUBMIT_TEMPFAIL);
    assert_string_equal(f->err, CAPTURE_SENDMAIL " exited with status 1");
}

static void test_killed_by_signal(void **state)
{
    fixture *f = *state;
    const char *rcpts[] = {"bob@example.net"};
    setenv("SG_CAPTURE_SIGNAL", "15", 1);
    sg_submit_status st = sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, "m\n", 2, f->err, sizeof f->err);
    assert_int_equal(st, SG_SUBMIT_TEMPFAIL);
    assert_string_equal(f->err, CAPTURE_SENDMAIL " was killed by signal 15");
}

static void test_missing_program(void **state)
{
    fixture *f = *state;
    char path[600];
    snprintf(path, sizeof path, "%s/no-such-sendmail -oi", f->dir);
    f->cfg.sendmail_path = path;
    const char *rcpts[] = {"bob@example.net"};
    sg_submit_status st = sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, "m\n", 2, f->err, sizeof f->err);
    assert_int_equal(st, SG_SUBMIT_TEMPFAIL);
    char expected[800];
    snprintf(expected, sizeof expected, "cannot execute %s/no-such-sendmail: No such file or directory", f->dir);
    assert_string_equal(f->err, expected);

    /* a file that is not executable */
    char file[600];
    snprintf(file, sizeof file, "%s/plain", f->dir);
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fputs("#!/bin/sh\nexit 0\n", fp);
    fclose(fp);
    chmod(file, 0600);
    f->cfg.sendmail_path = file;
    st = sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, "m\n", 2, f->err, sizeof f->err);
    assert_int_equal(st, SG_SUBMIT_TEMPFAIL);
    snprintf(expected, sizeof expected, "cannot execute %s: Permission denied", file);
    assert_string_equal(f->err, expected);
}

static char *big_message(size_t len)
{
    char *m = malloc(len);
    assert_non_null(m);
    for (size_t i = 0; i < len; i++)
        m[i] = (i % 73 == 72) ? '\n' : (char)('a' + i % 26);
    return m;
}

/* Much more than a pipe holds: written while the program reads. */
static void test_large_message(void **state)
{
    fixture *f = *state;
    size_t len = 3u << 20;
    char *m = big_message(len);
    const char *rcpts[] = {"bob@example.net"};
    sg_submit_status st = sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, m, len, f->err, sizeof f->err);
    assert_int_equal(st, SG_SUBMIT_OK);
    assert_stdin(f, m, len);
    free(m);
}

/* A program that exits without reading: EPIPE, not a SIGPIPE that kills us,
 * and never "sent". */
static void test_program_stops_reading(void **state)
{
    fixture *f = *state;
    size_t len = 3u << 20;
    char *m = big_message(len);
    const char *rcpts[] = {"bob@example.net"};
    setenv("SG_CAPTURE_NOREAD", "1", 1);
    sg_submit_status st = sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, m, len, f->err, sizeof f->err);
    assert_int_equal(st, SG_SUBMIT_TEMPFAIL);
    assert_true(strstr(f->err, " exited before reading the whole message (") != NULL);

    setenv("SG_CAPTURE_EXIT", "70", 1);
    st = sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, m, len, f->err, sizeof f->err);
    assert_int_equal(st, SG_SUBMIT_TEMPFAIL);
    assert_string_equal(f->err, CAPTURE_SENDMAIL " exited with status 70 (EX_SOFTWARE)");

    /* SIGPIPE is neither left pending nor blocked afterwards */
    sigset_t set;
    sigpending(&set);
    assert_false(sigismember(&set, SIGPIPE));
    sigprocmask(SIG_BLOCK, NULL, &set);
    assert_false(sigismember(&set, SIGPIPE));
    free(m);
}

static void test_timeout_kills(void **state)
{
    fixture *f = *state;
    f->cfg.timeout_ms = 300;
    setenv("SG_CAPTURE_SLEEP", "20", 1);
    const char *rcpts[] = {"bob@example.net"};
    double t0 = clock_ms();
    sg_submit_status st = sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, "m\n", 2, f->err, sizeof f->err);
    double took = clock_ms() - t0;
    assert_int_equal(st, SG_SUBMIT_TEMPFAIL);
    assert_string_equal(f->err, CAPTURE_SENDMAIL " did not finish within 300 ms and was killed");
    assert_true(took >= 250 && took < 5000);
}

/* The exit status, not the end of the output, ends the wait: a program that
 * closes its output and then fails is a failure. */
static void test_status_after_output_closed(void **state)
{
    fixture *f = *state;
    setenv("SG_CAPTURE_LINGER", "1", 1);
    setenv("SG_CAPTURE_EXIT", "70", 1);
    const char *rcpts[] = {"bob@example.net"};
    double t0 = clock_ms();
    sg_submit_status st = sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, "m\n", 2, f->err, sizeof f->err);
    double took = clock_ms() - t0;
    assert_int_equal(st, SG_SUBMIT_TEMPFAIL);
    assert_string_equal(f->err, CAPTURE_SENDMAIL " exited with status 70 (EX_SOFTWARE)");
    assert_true(took >= 900);
}

/* And a child the program left behind, holding the output open for 3 s,
 * does not hold the submission: it ends when the program exits. */
static void test_background_child_does_not_hold(void **state)
{
    fixture *f = *state;
    setenv("SG_CAPTURE_BACKGROUND", "3", 1);
    const char *rcpts[] = {"bob@example.net"};
    double t0 = clock_ms();
    sg_submit_status st = sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, "m\n", 2, f->err, sizeof f->err);
    double took = clock_ms() - t0;
    assert_int_equal(st, SG_SUBMIT_OK);
    assert_string_equal(f->err, "");
    assert_stdin(f, "m\n", 2);
    assert_true(took < 2500);
}

#ifdef SYS_pidfd_open
/* In this process from now on, pidfd_open(2) fails with ENOSYS, as under a
 * seccomp filter or on a kernel older than 5.3. */
static bool deny_pidfd_open(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_open, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof code / sizeof code[0]), code};
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0 &&
           syscall(SYS_pidfd_open, getpid(), 0) < 0 && errno == ENOSYS;
}

/* Without pidfd_open the exit status is still what ends the wait (the
 * growing pauses of sendmail.c): a success is a success, and a program that
 * closes its output and then fails is a failure. Run in a child process,
 * which the filter stays in; its exit status says which check failed. */
static void test_without_pidfd(void **state)
{
    fixture *f = *state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!deny_pidfd_open())
            _exit(77); /* no seccomp here (a container that forbids it): nothing to test */
        const char *rcpts[] = {"bob@example.net"};
        if (sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, "m\n", 2, f->err, sizeof f->err) != SG_SUBMIT_OK ||
            strcmp(f->err, "") != 0)
            _exit(3);
        setenv("SG_CAPTURE_LINGER", "1", 1);
        setenv("SG_CAPTURE_EXIT", "70", 1);
        if (sg_submit_message(&f->cfg, "a@b.c", rcpts, 1, "m\n", 2, f->err, sizeof f->err) != SG_SUBMIT_TEMPFAIL ||
            strcmp(f->err, CAPTURE_SENDMAIL " exited with status 70 (EX_SOFTWARE)") != 0)
            _exit(4);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77)
        skip();
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_stdin(f, "m\n", 2);
}
#endif

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(sg_submit_status_name(SG_SUBMIT_OK), "ok");
    assert_string_equal(sg_submit_status_name(SG_SUBMIT_TEMPFAIL), "tempfail");
    assert_string_equal(sg_submit_status_name(SG_SUBMIT_PERMFAIL), "permfail");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exact_argv_and_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_sender, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_shell, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonzero_exit_is_tempfail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_by_signal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_program, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_program_stops_reading, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_kills, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_after_output_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_background_child_does_not_hold, setup, teardown),
#ifdef SYS_pidfd_open
        cmocka_unit_test_setup_teardown(test_without_pidfd, setup, teardown),
#endif
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
