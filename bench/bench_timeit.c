/* bench_timeit.c - measures one command for bench/compare.sh.
 *
 * usage: bench_timeit OUT COMMAND [ARG...]
 * Runs COMMAND (stdout to /dev/null, stderr to OUT.err), waits for it and
 * writes to OUT one line: "WALL_US MAXRSS_KIB USER_S SYS_S", where WALL_US is
 * the time from just before fork() to the end of wait4() and the rest is the
 * child's rusage (ru_maxrss covers the child and every descendant it waited
 * for). Exits with COMMAND's status (127 when it could not be run).
 *
 * Why not /usr/bin/time inside a shell timer: its own start (a fork and an
 * exec, about 3 ms on our 2-core VM) landed in every "wall" figure, which
 * flattened the ratio of two fast commands; and its %e has 10 ms steps. */
#define _POSIX_C_SOURCE 200809L
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_timeit OUT COMMAND [ARG...]\n");
        return 64;
    }
    char errpath[4096];
    if (snprintf(errpath, sizeof errpath, "%s.err", argv[1]) >= (int)sizeof errpath) {
        fprintf(stderr, "bench_timeit: %s: path too long\n", argv[1]);
        return 64;
    }
    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 73;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 71;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        int err = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (devnull < 0 || err < 0 || dup2(devnull, 1) < 0 || dup2(err, 2) < 0)
            _exit(127);
        execvp(argv[2], argv + 2);
        fprintf(stderr, "bench_timeit: cannot run %s\n", argv[2]);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("wait4");
        return 71;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long us = (long long)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
    fprintf(out, "%lld %ld %.6f %.6f\n", us, ru.ru_maxrss, seconds(ru.ru_utime), seconds(ru.ru_stime));
    if (fclose(out) != 0) {
        perror(argv[1]);
        return 74;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
