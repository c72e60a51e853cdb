/* memcached_server.h - a real memcached for the tests, on 127.0.0.1 only.
 *
 * Takes: nothing (a free port is found by binding port 0), or the port of a
 * server to restart. Returns: a running `memcached -l 127.0.0.1 -p PORT -U 0`
 * that accepts connections, known by its PID, which the tests stop, hang
 * (SIGSTOP), resume and kill by that PID only. The child also gets
 * PR_SET_PDEATHSIG, so that no memcached outlives a test process that crashed
 * or was killed before its teardown ran.
 */
#ifndef SG_TEST_MEMCACHED_SERVER_H
#define SG_TEST_MEMCACHED_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct {
    pid_t pid; /* 0 when not running */
    unsigned port;
    bool stopped; /* SIGSTOP'ed */
} mc_server;

/* False when memcached is not installed or would not start. */
bool mc_start(mc_server *s);
/* Starts again on s->port (after mc_kill). */
bool mc_restart(mc_server *s);
void mc_kill(mc_server *s);   /* SIGKILL and reap; no-op when not running */
void mc_hang(mc_server *s);   /* SIGSTOP */
void mc_resume(mc_server *s); /* SIGCONT */

/* "127.0.0.1:PORT" into buf. */
const char *mc_address(const mc_server *s, char *buf, size_t len);

/* Milliseconds on the monotonic clock. */
double mc_now_ms(void);
void mc_sleep_ms(unsigned ms);

#endif
