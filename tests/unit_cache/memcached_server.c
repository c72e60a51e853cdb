/* memcached_server.c - see memcached_server.h. */
#include "tests/unit_cache/memcached_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define START_ATTEMPTS 5
#define READY_WAIT_MS 5000

double mc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void mc_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

const char *mc_address(const mc_server *s, char *buf, size_t len)
{
    snprintf(buf, len, "127.0.0.1:%u", s->port);
    return buf;
}

static struct sockaddr_in loopback(unsigned port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* A port that was free a moment ago: bind port 0, read it back, close. */
static unsigned free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a = loopback(0);
    socklen_t alen = sizeof a;
    unsigned port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static bool accepts(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in a = loopback(port);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static pid_t spawn(unsigned port)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    if (getppid() != parent)
        _exit(127);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
    }
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%u", port);
    /* As root memcached needs -u; "-u root" changes no credentials, so the
     * parent-death signal set above survives (a real uid change clears it). */
    if (geteuid() == 0)
        execlp("memcached", "memcached", "-l", "127.0.0.1", "-p", portbuf, "-U", "0", "-u", "root", (char *)NULL);
    else
        execlp("memcached", "memcached", "-l", "127.0.0.1", "-p", portbuf, "-U", "0", (char *)NULL);
    _exit(127);
}

/* Waits until the server accepts connections, or has exited. */
static bool wait_ready(mc_server *s)
{
    double deadline = mc_now_ms() + READY_WAIT_MS;
    while (mc_now_ms() < deadline) {
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            return false;
        }
        if (accepts(s->port))
            return true;
        mc_sleep_ms(10);
    }
    mc_kill(s);
    return false;
}

bool mc_restart(mc_server *s)
{
    s->stopped = false;
    s->pid = spawn(s->port);
    return s->pid > 0 && wait_ready(s);
}

bool mc_start(mc_server *s)
{
    memset(s, 0, sizeof *s);
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        s->port = free_port();
        if (s->port && mc_restart(s))
            return true;
    }
    s->pid = 0;
    return false;
}

void mc_kill(mc_server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGKILL);
    while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    s->pid = 0;
    s->stopped = false;
}

/* Whether every thread of pid is stopped ('T' in /proc/PID/task/TID/stat):
 * SIGSTOP is asynchronous, and a thread still running could answer. */
static bool all_stopped(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return false;
    bool stopped = true;
    struct dirent *e;
    while (stopped && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char stat_path[sizeof path + 300], buf[512];
        snprintf(stat_path, sizeof stat_path, "%s/%s/stat", path, e->d_name);
        FILE *fp = fopen(stat_path, "r");
        size_t n = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
        if (fp)
            fclose(fp);
        buf[n] = '\0';
        const char *paren = strrchr(buf, ')');
        stopped = paren && (paren[2] == 'T' || paren[2] == 't');
    }
    closedir(d);
    return stopped;
}

void mc_hang(mc_server *s)
{
    if (s->pid <= 0 || kill(s->pid, SIGSTOP) != 0)
        return;
    s->stopped = true;
    double deadline = mc_now_ms() + READY_WAIT_MS;
    while (!all_stopped(s->pid) && mc_now_ms() < deadline)
        mc_sleep_ms(1);
}

void mc_resume(mc_server *s)
{
    if (s->pid > 0 && kill(s->pid, SIGCONT) == 0)
        s->stopped = false;
}
