/* test_fsync_all.c - base/fsync_all.h: every descriptor's own result at its
 * own index (a bad descriptor among good ones, files and directories), with
 * a crew kept across calls and with threads made for one call, more
 * descriptors than threads, and turns left during the calls and held again
 * after them. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/fsync_all.h"

#define NFDS 40 /* more than the 32 threads at once */

typedef struct fixture {
    char dir[64];
    int fds[NFDS];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/sg-fsync-all.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    for (int i = 0; i < NFDS; i++) {
        char p[128];
        snprintf(p, sizeof p, "%s/f%d", f->dir, i);
        /* every fifth a directory: the dir itself, opened read-only */
        f->fds[i] = i % 5 == 4 ? open(f->dir, O_RDONLY | O_DIRECTORY) : open(p, O_WRONLY | O_CREAT, 0600);
        assert_true(f->fds[i] >= 0);
        if (i % 5 != 4)
            assert_int_equal(write(f->fds[i], "x", 1), 1);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];
    for (int i = 0; i < NFDS; i++)
        if (f->fds[i] >= 0)
            close(f->fds[i]);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Two descriptors are bad (closed): EBADF at their indexes, 0 elsewhere. */
static void check(fixture *f, sg_sync_crew *crew, sg_turns *turns)
{
    int fds[NFDS], errs[NFDS];
    memcpy(fds, f->fds, sizeof fds);
    int spare = dup(fds[7]);
    close(spare);
    fds[7] = spare; /* closed: EBADF */
    fds[33] = 1000; /* never opened */
    memset(errs, 0x55, sizeof errs);
    assert_int_equal(sg_fsync_all(crew, fds, NFDS, errs, turns), 2);
    for (int i = 0; i < NFDS; i++)
        assert_int_equal(errs[i], i == 7 || i == 33 ? EBADF : 0);
    /* one descriptor: made in the calling thread */
    assert_int_equal(sg_fsync_all(crew, fds + 7, 1, errs, turns), 1);
    assert_int_equal(errs[0], EBADF);
    assert_int_equal(sg_fsync_all(crew, fds, 0, errs, turns), 0);
}

static void test_threads_of_the_call(void **state)
{
    check(*state, NULL, NULL);
}

static void test_crew_kept_across_calls(void **state)
{
    sg_sync_crew *crew = sg_sync_crew_new();
    assert_non_null(crew);
    for (int round = 0; round < 5; round++)
        check(*state, crew, NULL);
    sg_sync_crew_free(crew);
    sg_sync_crew_free(NULL);
}

/* The caller's turn is left during the calls (another thread could take
 * it) and held again when they return: trylock fails after the call. */
static void test_turns_held_again(void **state)
{
    sg_turns turns;
    sg_turns_init(&turns);
    sg_sync_crew *crew = sg_sync_crew_new();
    sg_turns_enter(&turns);
    check(*state, crew, &turns);
    assert_int_equal(pthread_mutex_trylock(&turns.lock), EBUSY);
    sg_turns_leave(&turns);
    assert_int_equal(pthread_mutex_trylock(&turns.lock), 0);
    sg_turns_leave(&turns);
    sg_sync_crew_free(crew);
    sg_turns_destroy(&turns);
    sg_turns_enter(NULL); /* NULL-safe */
    sg_turns_leave(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_threads_of_the_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crew_kept_across_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_turns_held_again, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
