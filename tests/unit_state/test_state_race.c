/* test_state_race.c - concurrent deliveries against one user's state store
 * (store/user_state.h): two processes claim the same key at the same moment
 * and exactly one wins, 50 rounds over: in one store that fills up, and in
 * a fresh store each round, so that the racers also race the creation and
 * schema migration of a file that does not exist yet.
 *
 * Takes: a fresh temporary directory. Each child opens its own connection
 * (never one inherited across fork), waits at a pipe barrier, claims, and
 * reports by exit status: 10 won, 20 lost, 30 + status on error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/user_state.h"

#define ROUNDS 50
#define RACERS 2
#define EXIT_WON 10
#define EXIT_LOST 20
#define EXIT_ERROR 30

static void key_of_round(sg_state_key *k, int round)
{
    char id[64];
    snprintf(id, sizeof id, "<round-%d@example.org>", round);
    sg_state_key_forward(k, id, "friend@remote.example");
}

static void racer(const char *path, int round, int ready_fd, int go_fd)
{
    char err[512];
    sg_user_state *s = NULL;
    sg_state_status st = sg_user_state_open(path, 1000 + round, NULL, &s, err, sizeof err);
    if (write(ready_fd, "r", 1) != 1)
        _exit(EXIT_ERROR + 9);
    char c;
    if (read(go_fd, &c, 1) != 0) /* the parent closes its end: everyone goes at once */
        _exit(EXIT_ERROR + 8);
    if (st != SG_STATE_OK) {
        fprintf(stderr, "open: %s\n", err);
        _exit(EXIT_ERROR + (int)st);
    }
    sg_state_key k;
    key_of_round(&k, round);
    bool won = false;
    st = sg_user_state_claim(s, &k, 1000 + round, 12 * 3600, &won, err, sizeof err);
    sg_user_state_close(s);
    if (st != SG_STATE_OK) {
        fprintf(stderr, "claim: %s\n", err);
        _exit(EXIT_ERROR + (int)st);
    }
    _exit(won ? EXIT_WON : EXIT_LOST);
}

/* One round: RACERS children open `path` and claim the round's key at once. */
static void race_round(const char *path, int round)
{
    int ready[2], go[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(go), 0);
    pid_t pids[RACERS];
    for (int i = 0; i < RACERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            close(ready[0]);
            close(go[1]);
            racer(path, round, ready[1], go[0]);
        }
    }
    close(ready[1]);
    close(go[0]);
    for (int i = 0; i < RACERS; i++) {
        char c;
        assert_int_equal(read(ready[0], &c, 1), 1);
    }
    close(go[1]); /* go */
    close(ready[0]);
    int won = 0, lost = 0;
    for (int i = 0; i < RACERS; i++) {
        int wstatus = 0;
        assert_int_equal(waitpid(pids[i], &wstatus, 0), pids[i]);
        assert_true(WIFEXITED(wstatus));
        int code = WEXITSTATUS(wstatus);
        if (code != EXIT_WON && code != EXIT_LOST)
            print_error("round %d: racer exited %d\n", round, code);
        assert_true(code == EXIT_WON || code == EXIT_LOST);
        won += code == EXIT_WON;
        lost += code == EXIT_LOST;
    }
    if (won != 1)
        print_error("round %d: %d winners\n", round, won);
    assert_int_equal(won, 1);
    assert_int_equal(lost, RACERS - 1);
}

static void assert_all_rounds_seen(const char *path, int from, int to)
{
    char err[512];
    sg_user_state *s = NULL;
    assert_int_equal(sg_user_state_open(path, 1000 + ROUNDS, NULL, &s, err, sizeof err), SG_STATE_OK);
    size_t n = 0;
    assert_int_equal(sg_user_state_count(s, SG_STATE_FORWARD, &n, err, sizeof err), SG_STATE_OK);
    assert_int_equal(n, (size_t)(to - from));
    for (int round = from; round < to; round++) {
        sg_state_key k;
        key_of_round(&k, round);
        bool seen = false;
        assert_int_equal(sg_user_state_check(s, &k, 1000 + ROUNDS, &seen, err, sizeof err), SG_STATE_OK);
        assert_true(seen);
    }
    sg_user_state_close(s);
}

static void remove_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* One store for all rounds: one record per round, every one seen after. */
static void test_one_winner(void **state)
{
    (void)state;
    char dir[64], path[128];
    snprintf(dir, sizeof dir, "/tmp/sg_state_race_XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/state.db", dir);
    for (int round = 0; round < ROUNDS; round++)
        race_round(path, round);
    assert_all_rounds_seen(path, 0, ROUNDS);
    remove_dir(dir);
}

/* A fresh store each round: creation and migration race too. */
static void test_one_winner_fresh_store(void **state)
{
    (void)state;
    char dir[64], path[128];
    snprintf(dir, sizeof dir, "/tmp/sg_state_race_XXXXXX");
    assert_non_null(mkdtemp(dir));
    for (int round = 0; round < ROUNDS; round++) {
        snprintf(path, sizeof path, "%s/state-%d.db", dir, round);
        race_round(path, round);
        assert_all_rounds_seen(path, round, round + 1);
    }
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_winner),
        cmocka_unit_test(test_one_winner_fresh_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
