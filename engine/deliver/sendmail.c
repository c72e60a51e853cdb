/* sendmail.c - the sendmail-compatible program as a transport (submit.h,
 * submit_int.h): posix_spawn, no shell, the message on its stdin, its
 * output kept for the reason, its exit status read (sysexits.h names), the
 * whole run under a timeout after which it is killed.
 *
 * Takes: the configuration (sendmail_path), a checked envelope, the message.
 * Returns: OK when the program read everything and exited 0; TEMPFAIL with
 * a sentence otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/sigpipe.h"
#include "engine/deliver/submit_int.h"

extern char **environ; /* the program gets ours, as execv gave it */

static const char *sysexit_name(int code)
{
    switch (code) {
    case 64: return "EX_USAGE";
    case 65: return "EX_DATAERR";
    case 66: return "EX_NOINPUT";
    case 67: return "EX_NOUSER";
    case 68: return "EX_NOHOST";
    case 69: return "EX_UNAVAILABLE";
    case 70: return "EX_SOFTWARE";
    case 71: return "EX_OSERR";
    case 72: return "EX_OSFILE";
    case 73: return "EX_CANTCREAT";
    case 74: return "EX_IOERR";
    case 75: return "EX_TEMPFAIL";
    case 76: return "EX_PROTOCOL";
    case 77: return "EX_NOPERM";
    case 78: return "EX_CONFIG";
    }
    return NULL;
}

/* Moves fd above 2 (so the child's dup2 onto 0..2 never clobbers another pipe), close-on-exec. */
static int fd_high_cloexec(int fd)
{
    if (fd > 2) {
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        return fd;
    }
    int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return nfd;
}

static bool make_pipe(int p[2])
{
    if (pipe(p) != 0)
        return false;
    p[0] = fd_high_cloexec(p[0]);
    p[1] = fd_high_cloexec(p[1]);
    if (p[0] < 0 || p[1] < 0) {
        if (p[0] >= 0)
            close(p[0]);
        if (p[1] >= 0)
            close(p[1]);
        return false;
    }
    return true;
}

/* A descriptor that becomes readable when the child exits (pidfd_open(2),
 * Linux 5.3), so that the wait for its exit status ends as it ends; -1 when
 * the kernel has none. */
static int child_exit_fd(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    return -1;
#endif
}

/* Without a pidfd, how long to wait before looking at the exit status again:
 * 1 ms, then twice as long each time, at most 50 ms. A program exits right
 * after it closes its output, and one fixed 50 ms pause added 50 ms to
 * every message sent (one in a hundred of the benchmark corpus's messages). */
static int next_pause(int *pause_ms)
{
    int p = *pause_ms;
    *pause_ms = p < 25 ? p * 2 : 50;
    return p;
}

/* Starts prog with the message pipe as its stdin and the output pipe as its
 * stdout and stderr, SIGPIPE at its default and no signal blocked.
 * posix_spawn(3), not fork(2): glibc makes the child with CLONE_VM |
 * CLONE_VFORK, so a large process (an LMTP worker and its script cache) has
 * no page table copied and takes no copy-on-write faults afterwards, and it
 * returns exec's errno itself. Returns 0 with *pid, or an errno. */
static int spawn(const char *prog, char **argv, int stdin_fd, int output_fd, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int e = posix_spawn_file_actions_init(&fa);
    if (e)
        return e;
    if ((e = posix_spawnattr_init(&attr)) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return e;
    }
    sigset_t none, pipe_default;
    sigemptyset(&none);
    sigemptyset(&pipe_default);
    sigaddset(&pipe_default, SIGPIPE);
    if (!(e = posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0)) &&
        !(e = posix_spawn_file_actions_adddup2(&fa, output_fd, 1)) &&
        !(e = posix_spawn_file_actions_adddup2(&fa, output_fd, 2)) &&
        !(e = posix_spawnattr_setsigmask(&attr, &none)) &&
        !(e = posix_spawnattr_setsigdefault(&attr, &pipe_default)) &&
        !(e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)))
        e = posix_spawn(pid, prog, &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    return e;
}

static void close_pipe(int p[2])
{
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0) {
            close(p[i]);
            p[i] = -1;
        }
}

sg_submit_status sg_submit_sendmail(const sg_submit_config *cfg, const char *from, const char *const *rcpts, size_t n,
                                    const sg_submit_part *parts, size_t nparts, unsigned timeout_ms, char *err,
                                    size_t errlen)
{
    size_t len = sg_parts_total(parts, nparts);
    sg_parts_reader reader;
    sg_parts_reader_init(&reader, parts, nparts);
    const char *chunk_p = NULL; /* what is read from the parts and not yet written */
    size_t chunk_left = 0;
    /* argv: the configured command line, then -i -f SENDER -- RCPT... */
    const char *cmd = cfg->sendmail_path && *cfg->sendmail_path ? cfg->sendmail_path : SG_DEFAULT_SENDMAIL_PATH;
    char *words = sg_xstrdup(cmd);
    size_t cap = strlen(cmd) / 2 + 2 + 4 + n + 1;
    char **argv = sg_xmalloc(cap * sizeof *argv);
    size_t argc = 0;
    for (char *save = NULL, *w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
        argv[argc++] = w;
    if (argc == 0) {
        free(argv);
        free(words);
        words = sg_xstrdup(SG_DEFAULT_SENDMAIL_PATH);
        argv = sg_xmalloc((1 + 4 + n + 1) * sizeof *argv);
        argv[argc++] = words;
    }
    const char *prog = argv[0];
    argv[argc++] = (char *)"-i";
    argv[argc++] = (char *)"-f";
    argv[argc++] = (char *)(sg_submit_null_sender(from) ? "<>" : from);
    argv[argc++] = (char *)"--";
    for (size_t i = 0; i < n; i++)
        argv[argc++] = (char *)rcpts[i];
    argv[argc] = NULL;

    sg_submit_status st = SG_SUBMIT_TEMPFAIL;
    int in[2] = {-1, -1}, outp[2] = {-1, -1};
    int exit_fd = -1;
    if (!make_pipe(in) || !make_pipe(outp)) {
        sg_submit_set_err(err, errlen, "cannot run %s: pipe: %s", prog, strerror(errno));
        close_pipe(in);
        close_pipe(outp);
        goto done;
    }

    pid_t pid;
    int se = spawn(prog, argv, in[0], outp[1], &pid);
    close(in[0]);
    close(outp[1]);
    in[0] = outp[1] = -1;
    if (se) {
        close_pipe(in);
        close_pipe(outp);
        sg_submit_set_err(err, errlen, "cannot execute %s: %s", prog, strerror(se));
        goto done;
    }

    fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK);
    fcntl(outp[0], F_SETFL, fcntl(outp[0], F_GETFL) | O_NONBLOCK);
    exit_fd = child_exit_fd(pid); /* close-on-exec, as every pidfd */
    int pause_ms = 1;

    /* Writing to a program that stopped reading must not kill us */
    sg_sigpipe_guard pipe_guard;
    sg_sigpipe_block(&pipe_guard);

    char output[SG_SUBMIT_REASON_MAX + 1] = "";
    size_t output_len = 0;
    size_t written = 0;
    bool exited = false, timed_out = false;
    int status = 0;
    double deadline = sg_submit_now_ms() + timeout_ms;
    if (len == 0) {
        close(in[1]);
        in[1] = -1;
    }
    while (!exited) {
        int left = sg_submit_remaining_ms(deadline);
        if (left == 0) {
            timed_out = true;
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            exited = true;
            break;
        }
        struct pollfd pfd[3];
        nfds_t np = 0;
        int in_ix = -1, out_ix = -1;
        if (exit_fd >= 0)
            pfd[np++] = (struct pollfd){.fd = exit_fd, .events = POLLIN};
        if (in[1] >= 0) {
            in_ix = (int)np;
            pfd[np++] = (struct pollfd){.fd = in[1], .events = POLLOUT};
        }
        if (outp[0] >= 0) {
            out_ix = (int)np;
            pfd[np++] = (struct pollfd){.fd = outp[0], .events = POLLIN};
        }
        /* Once the message is written, the exit status is what we wait for (a
         * background child of the program may keep its output open): the
         * pidfd says when, or else we look again after a pause. */
        int wait = left;
        if (in[1] < 0 && exit_fd < 0) {
            int pause = next_pause(&pause_ms);
            wait = left < pause ? left : pause;
        }
        int pr = poll(pfd, np, wait);
        if (pr < 0 && errno != EINTR) {
            sg_submit_set_err(err, errlen, "%s: poll: %s", prog, strerror(errno));
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            sg_sigpipe_restore(&pipe_guard);
            close_pipe(in);
            close_pipe(outp);
            goto done;
        }
        if (pr > 0 && in_ix >= 0 && pfd[in_ix].revents) {
            int re = chunk_left ? 0 : sg_parts_next(&reader, &chunk_p, &chunk_left);
            if (re) { /* the message cannot be read: the program gets less than all of it */
                sg_submit_set_err(err, errlen, "reading the message: %s", strerror(re));
                kill(pid, SIGKILL);
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                    ;
                sg_sigpipe_restore(&pipe_guard);
                close_pipe(in);
                close_pipe(outp);
                goto done;
            }
            size_t chunk = chunk_left < 65536 ? chunk_left : 65536;
            ssize_t w = chunk ? write(in[1], chunk_p, chunk) : 0;
            if (w > 0) {
                written += (size_t)w;
                chunk_p += w;
                chunk_left -= (size_t)w;
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) { /* EPIPE: it stopped reading */
                close(in[1]);
                in[1] = -1;
            }
            if (in[1] >= 0 && written == len) {
                close(in[1]);
                in[1] = -1;
            }
        }
        if (pr > 0 && out_ix >= 0 && pfd[out_ix].revents) {
            char buf[4096];
            ssize_t got = read(outp[0], buf, sizeof buf);
            if (got > 0)
                sg_submit_keep_output(output, &output_len, buf, (size_t)got);
            else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(outp[0]);
                outp[0] = -1;
            }
        }
        pid_t wr = waitpid(pid, &status, WNOHANG);
        if (wr == pid || (wr < 0 && errno == ECHILD))
            exited = true;
    }
    if (in[1] >= 0) {
        close(in[1]);
        in[1] = -1;
    }
    sg_sigpipe_restore(&pipe_guard);
    if (outp[0] >= 0) { /* what the program said before it ended */
        char buf[4096];
        ssize_t got;
        while ((got = read(outp[0], buf, sizeof buf)) > 0)
            sg_submit_keep_output(output, &output_len, buf, (size_t)got);
    }
    close_pipe(outp);
    sg_submit_clean_line(output);
    const char *sep = *output ? ": " : "";

    if (timed_out) {
        sg_submit_set_err(err, errlen, "%s did not finish within %u ms and was killed%s%s", prog, timeout_ms, sep,
                          output);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        if (written < len)
            sg_submit_set_err(err, errlen, "%s exited before reading the whole message (%zu of %zu bytes)", prog,
                              written, len);
        else {
            sg_submit_set_err(err, errlen, "%s", "");
            st = SG_SUBMIT_OK;
        }
    } else if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        const char *name = sysexit_name(code);
        sg_submit_set_err(err, errlen, "%s exited with status %d%s%s%s%s%s", prog, code, name ? " (" : "",
                          name ? name : "", name ? ")" : "", sep, output);
    } else if (WIFSIGNALED(status)) {
        sg_submit_set_err(err, errlen, "%s was killed by signal %d%s%s", prog, WTERMSIG(status), sep, output);
    } else {
        sg_submit_set_err(err, errlen, "%s ended with an unknown status%s%s", prog, sep, output);
    }
done:
    if (exit_fd >= 0)
        close(exit_fd);
    sg_parts_reader_free(&reader);
    free(argv);
    free(words);
    return st;
}

