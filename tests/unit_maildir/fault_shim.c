/* fault_shim.c - a preloaded library (LD_PRELOAD) that makes write, fsync,
 * rename/renameat, linkat and mkdir/mkdirat fail as the environment says, so the
 * Maildir tests can inject a full disk (ENOSPC), a quota (EDQUOT), an I/O
 * error, EINTR or short writes into the real code path. Nothing happens
 * unless SG_FAULT_OP is set; the test sets the variables around the calls
 * under test:
 *   SG_FAULT_OP     write | fsync | rename | link | mkdir: the call to fail
 *   SG_FAULT_MATCH  only calls whose path contains this (the fd's path from
 *                   /proc/self/fd, or for *at calls dir + "/" + name; for a
 *                   rename, the new name); empty = every call
 *   SG_FAULT_AFTER  matching calls that succeed before the first fault (0)
 *   SG_FAULT_TIMES  how many faults (0 = every later matching call)
 *   SG_FAULT_ERRNO  the errno (ENOSPC)
 *   SG_FAULT_SHORT  write only: each matching write writes at most this many bytes
 *   SG_FAULT_ID     changes at every arming: the counters restart
 *   SG_FAULT_SIGNAL instead of failing, the process kills itself with this
 *                   signal at that call (a delivery killed at that step)
 * For a server that cannot be told by its environment when to fail (the LMTP
 * tests, tests/e2e/lmtp_postfix.sh), a matching call can instead be HELD:
 *   SG_FAULT_HOLD   a directory: while the file HOLD/hold exists, a matching
 *                   call (counted as a fault above) writes HOLD/held.PID
 *                   holding the path and sleeps until hold is removed, then
 *                   goes on normally; the test kills the process meanwhile
 *   SG_FAULT_OP     may also be read: a read() whose bytes contain
 *                   SG_FAULT_MARK holds after reading (e.g. in the middle of
 *                   an LMTP DATA)
 * Under AddressSanitizer the ASan runtime is preloaded first (CMakeLists.txt);
 * its interceptors then reach these wrappers through RTLD_NEXT.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* The tests look this up to know the shim is loaded. */
int sg_fault_shim_active(void);
int sg_fault_shim_active(void)
{
    return 1;
}

static char armed_id[64];
static long matched, faulted;

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v ? v : "";
}

static void fd_path(int fd, char *out, size_t size)
{
    char link[64];
    if (fd == AT_FDCWD) {
        if (!getcwd(out, size))
            out[0] = '\0';
        return;
    }
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, size - 1);
    out[n > 0 ? n : 0] = '\0';
}

static void at_path(int dirfd, const char *name, char *out, size_t size)
{
    if (name[0] == '/') {
        snprintf(out, size, "%s", name);
        return;
    }
    fd_path(dirfd, out, size);
    size_t n = strlen(out), k = strlen(name);
    if (n + 1 + k < size) {
        out[n] = '/';
        memcpy(out + n + 1, name, k + 1);
    }
}

/* True (errno set) when this call must fail; *short_max for writes. */
static int must_fail(const char *op, const char *path, long *short_max)
{
    if (strcmp(env("SG_FAULT_OP"), op) != 0)
        return 0;
    if (strcmp(env("SG_FAULT_ID"), armed_id) != 0) {
        snprintf(armed_id, sizeof armed_id, "%s", env("SG_FAULT_ID"));
        matched = faulted = 0;
    }
    const char *match = env("SG_FAULT_MATCH");
    if (*match && !strstr(path, match))
        return 0;
    if (short_max)
        *short_max = atol(env("SG_FAULT_SHORT"));
    long n = matched++, times = atol(env("SG_FAULT_TIMES"));
    if (n < atol(env("SG_FAULT_AFTER")) || (times > 0 && faulted >= times))
        return 0;
    faulted++;
    if (*env("SG_FAULT_SIGNAL"))
        raise(atoi(env("SG_FAULT_SIGNAL")));
    errno = *env("SG_FAULT_ERRNO") ? atoi(env("SG_FAULT_ERRNO")) : ENOSPC;
    return 1;
}

/* SG_FAULT_HOLD: true when this call is to be held, not failed. */
static int hold_mode(void)
{
    return *env("SG_FAULT_HOLD") != '\0';
}

/* Holds while HOLD/hold exists; the caller then makes the real call. */
static void hold(const char *path)
{
    char f[PATH_MAX];
    snprintf(f, sizeof f, "%s/hold", env("SG_FAULT_HOLD"));
    if (access(f, F_OK) != 0)
        return;
    char held[PATH_MAX], tmp[PATH_MAX + 8];
    snprintf(held, sizeof held, "%s/held.%ld", env("SG_FAULT_HOLD"), (long)getpid());
    snprintf(tmp, sizeof tmp, "%s.tmp", held);
    FILE *fp = fopen(tmp, "w");
    if (fp) {
        fprintf(fp, "%s\n", path);
        fclose(fp);
        rename(tmp, held);
    }
    while (access(f, F_OK) == 0)
        usleep(20000);
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*read_fn)(int, void *, size_t);
typedef int (*fsync_fn)(int);
typedef int (*renameat_fn)(int, const char *, int, const char *);
typedef int (*rename_fn)(const char *, const char *);
typedef int (*linkat_fn)(int, const char *, int, const char *, int);
typedef int (*mkdirat_fn)(int, const char *, mode_t);
typedef int (*mkdir_fn)(const char *, mode_t);
static write_fn real_write;
static read_fn real_read;
static fsync_fn real_fsync;
static renameat_fn real_renameat;
static rename_fn real_rename;
static linkat_fn real_linkat;
static mkdirat_fn real_mkdirat;
static mkdir_fn real_mkdir;

/* The next definition of `name` (libc's, or the sanitizer's). */
#define REAL(name)                                                                                                     \
    do {                                                                                                               \
        if (!real_##name) {                                                                                            \
            void *sym = dlsym(RTLD_NEXT, #name);                                                                       \
            memcpy(&real_##name, &sym, sizeof sym);                                                                    \
        }                                                                                                              \
    } while (0)

ssize_t write(int fd, const void *buf, size_t n)
{
    REAL(write);
    if (getenv("SG_FAULT_OP")) {
        char path[PATH_MAX];
        long short_max = 0;
        fd_path(fd, path, sizeof path);
        if (must_fail("write", path, &short_max))
            return -1;
        if (short_max > 0 && n > (size_t)short_max)
            n = (size_t)short_max;
    }
    return real_write(fd, buf, n);
}

/* Matched on the new name, as rename. */
int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
    REAL(linkat);
    if (getenv("SG_FAULT_OP")) {
        char path[PATH_MAX];
        at_path(newdirfd, newpath, path, sizeof path);
        if (must_fail("link", path, NULL))
            return -1;
    }
    return real_linkat(olddirfd, oldpath, newdirfd, newpath, flags);
}

int fsync(int fd)
{
    REAL(fsync);
    if (getenv("SG_FAULT_OP")) {
        char path[PATH_MAX];
        fd_path(fd, path, sizeof path);
        if (must_fail("fsync", path, NULL)) {
            if (!hold_mode())
                return -1;
            hold(path);
        }
    }
    return real_fsync(fd);
}

ssize_t read(int fd, void *buf, size_t n)
{
    REAL(read);
    ssize_t got = real_read(fd, buf, n);
    const char *mark = env("SG_FAULT_MARK");
    if (got > 0 && hold_mode() && *mark && strcmp(env("SG_FAULT_OP"), "read") == 0 &&
        memmem(buf, (size_t)got, mark, strlen(mark))) {
        char path[PATH_MAX];
        fd_path(fd, path, sizeof path);
        hold(path);
    }
    return got;
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
    REAL(renameat);
    if (getenv("SG_FAULT_OP")) {
        char path[PATH_MAX];
        at_path(newdirfd, newpath, path, sizeof path);
        if (must_fail("rename", path, NULL))
            return -1;
    }
    return real_renameat(olddirfd, oldpath, newdirfd, newpath);
}

int rename(const char *oldpath, const char *newpath)
{
    REAL(rename);
    if (getenv("SG_FAULT_OP")) {
        char path[PATH_MAX];
        at_path(AT_FDCWD, newpath, path, sizeof path);
        if (must_fail("rename", path, NULL))
            return -1;
    }
    return real_rename(oldpath, newpath);
}

int mkdirat(int dirfd, const char *name, mode_t mode)
{
    REAL(mkdirat);
    if (getenv("SG_FAULT_OP")) {
        char path[PATH_MAX];
        at_path(dirfd, name, path, sizeof path);
        if (must_fail("mkdir", path, NULL))
            return -1;
    }
    return real_mkdirat(dirfd, name, mode);
}

int mkdir(const char *name, mode_t mode)
{
    REAL(mkdir);
    if (getenv("SG_FAULT_OP")) {
        char path[PATH_MAX];
        at_path(AT_FDCWD, name, path, sizeof path);
        if (must_fail("mkdir", path, NULL))
            return -1;
    }
    return real_mkdir(name, mode);
}
