/* bench_lmtp_client.c - the LMTP client of bench/bench_lmtp.sh: S sessions
 * (one process each) deliver N messages to an LMTP server, pipelining as
 * Postfix's lmtp(8) does: LHLO once, then per message MAIL, the RCPTs and DATA
 * in one write, the message in one write after the 354, then one reply per
 * recipient; QUIT at the end. Every reply must be 2xx/354, else it stops
 * with exit 1. Each message has an envelope sender of its own (the run's
 * pid and the message's number), so no delivery is a retry of another.
 *
 * usage: bench_lmtp_client SOCKET SESSIONS RCPTS USERS COUNT FILE...
 *   SOCKET   unix:/path or HOST:PORT
 *   RCPTS    recipients per message, user<i>@example.com for i in 0..USERS-1
 *   COUNT    messages in all (split between the sessions); the FILEs (RFC
 *            5322 messages, LF or CRLF) are used round-robin, dot-stuffed and
 *            CRLF'ed once at start
 * Prints one line: "messages M deliveries D seconds T client_cpu_ms C
 * latency_ms_median L50 latency_ms_p99 L99 latency_ms_max LMAX" (wall time of
 * the sessions; C is the CPU time of the sending processes, user + system,
 * measured with getrusage; L* describe each message's transaction, from its
 * MAIL to its last reply: a mean alone hid a 50 ms pause that one message in
 * a hundred took).
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void add(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            exit(2);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* A message file as DATA sends it: CRLF, dot-stuffed, ".\r\n" at the end. */
static buf load(const char *path)
{
    buf b = {0};
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    char line[65536];
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (line[0] == '.')
            add(&b, ".", 1);
        add(&b, line, n);
        add(&b, "\r\n", 2);
    }
    fclose(f);
    add(&b, ".\r\n", 3);
    return b;
}

static int connect_to(const char *where)
{
    if (strncmp(where, "unix:", 5) == 0) {
        struct sockaddr_un sa;
        memset(&sa, 0, sizeof sa);
        sa.sun_family = AF_UNIX;
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", where + 5);
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            perror(where);
            exit(1);
        }
        return fd;
    }
    char host[256];
    snprintf(host, sizeof host, "%s", where);
    char *colon = strrchr(host, ':');
    if (!colon)
        exit(2);
    *colon = '\0';
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
        exit(1);
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        perror(where);
        exit(1);
    }
    freeaddrinfo(res);
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            perror("write");
            exit(1);
        }
        p += w;
        n -= (size_t)w;
    }
}

typedef struct reader {
    int fd;
    char buf[65536];
    size_t len, off;
} reader;

/* Reads n complete replies (multiline counted once); exits on a 4xx/5xx. */
static void replies(reader *r, int n)
{
    while (n > 0) {
        char *nl = r->len > r->off ? memchr(r->buf + r->off, '\n', r->len - r->off) : NULL;
        if (!nl) {
            if (r->off) {
                memmove(r->buf, r->buf + r->off, r->len - r->off);
                r->len -= r->off;
                r->off = 0;
            }
            ssize_t got = read(r->fd, r->buf + r->len, sizeof r->buf - r->len);
            if (got <= 0) {
                fprintf(stderr, "bench_lmtp_client: connection closed\n");
                exit(1);
            }
            r->len += (size_t)got;
            continue;
        }
        const char *line = r->buf + r->off;
        if (line[0] != '2' && line[0] != '3') {
            fprintf(stderr, "bench_lmtp_client: %.*s\n", (int)(nl - line), line);
            exit(1);
        }
        if (nl - line >= 4 && line[3] != '-')
            n--;
        r->off = (size_t)(nl - r->buf) + 1;
    }
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* latency[i - first]: message i's transaction time (ms). */
static void session(const char *where, int rcpts, int users, int first, int count, buf *msgs, int nmsgs,
                    double *latency)
{
    reader r;
    memset(&r, 0, sizeof r);
    r.fd = connect_to(where);
    replies(&r, 1);
    send_all(r.fd, "LHLO bench.example\r\n", 20);
    replies(&r, 1);
    buf cmd = {0};
    for (int i = first; i < first + count; i++) {
        cmd.len = 0;
        char line[128];
        /* a sender of its own: the same message to the same user again would
         * be a retry of one delivery, which the exactly-once journal skips */
        int n = snprintf(line, sizeof line, "MAIL FROM:<s%ld.%d@partner.example>\r\n", (long)getppid(), i);
        add(&cmd, line, (size_t)n);
        for (int k = 0; k < rcpts; k++) {
            n = snprintf(line, sizeof line, "RCPT TO:<user%d@example.com>\r\n", (i * rcpts + k) % users);
            add(&cmd, line, (size_t)n);
        }
        add(&cmd, "DATA\r\n", 6);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        send_all(r.fd, cmd.p, cmd.len);
        replies(&r, rcpts + 2);
        const buf *m = &msgs[i % nmsgs];
        send_all(r.fd, m->p, m->len);
        replies(&r, rcpts);
        latency[i - first] = ms_since(&t0);
    }
    send_all(r.fd, "QUIT\r\n", 6);
    replies(&r, 1);
    close(r.fd);
    free(cmd.p);
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: bench_lmtp_client SOCKET SESSIONS RCPTS USERS COUNT FILE...\n");
        return 2;
    }
    const char *where = argv[1];
    int sessions = atoi(argv[2]), rcpts = atoi(argv[3]), users = atoi(argv[4]), count = atoi(argv[5]);
    int nmsgs = argc - 6;
    if (sessions < 1 || rcpts < 1 || users < 1 || count < 1)
        return 2;
    buf *msgs = calloc((size_t)nmsgs, sizeof *msgs);
    /* shared with the session processes, each filling its own range */
    double *latency = mmap(NULL, (size_t)count * sizeof *latency, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                           -1, 0);
    if (latency == MAP_FAILED)
        return 2;
    for (int i = 0; i < nmsgs; i++)
        msgs[i] = load(argv[6 + i]);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int s = 0; s < sessions; s++) {
        int share = count / sessions + (s < count % sessions), first = s * (count / sessions) + (s < count % sessions ? s : count % sessions);
        pid_t pid = fork();
        if (pid == 0) {
            session(where, rcpts, users, first, share, msgs, nmsgs, latency + first);
            _exit(0);
        }
    }
    int failed = 0, status;
    while (wait(&status) > 0)
        failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    double cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    qsort(latency, (size_t)count, sizeof *latency, by_value);
    printf("messages %d deliveries %d seconds %.3f client_cpu_ms %.1f latency_ms_median %.3f latency_ms_p99 %.3f "
           "latency_ms_max %.3f\n",
           count, count * rcpts, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, cpu_ms,
           latency[count / 2], latency[(size_t)count * 99 / 100], latency[count - 1]);
    munmap(latency, (size_t)count * sizeof *latency);
    for (int i = 0; i < nmsgs; i++)
        free(msgs[i].p);
    free(msgs);
    return failed;
}
